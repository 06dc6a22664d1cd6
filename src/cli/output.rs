//! Printing helpers shared by the subcommands: errors and notes go to
//! stderr (also under `--json`), requested output to stdout.

use crate::error::JauntError;
use console::style;
use std::io::Write;

pub fn error(err: &JauntError) {
    let label = match err {
        JauntError::Cycles(_) => "error[cycle]",
        JauntError::Config(_) => "error[config]",
        JauntError::Discovery(_) => "error[discovery]",
        JauntError::Lock(_) => "error[lock]",
        JauntError::Generation(_) => "error[generate]",
        JauntError::Gate(_) => "error[gate]",
        JauntError::Io { .. } | JauntError::Other(_) => "error",
    };
    if let JauntError::Discovery(problems) = err {
        for p in problems {
            print_labeled(label, &p.to_string());
        }
        return;
    }
    print_labeled(label, &err.to_string());
}

fn print_labeled(label: &str, text: &str) {
    let mut lines = text.lines();
    let first = lines.next().unwrap_or_default();
    eprintln!("{}: {first}", style(label).red().bold().for_stderr());
    for line in lines {
        eprintln!("{line}");
    }
}

pub fn note(message: &str) {
    eprintln!("{}: {message}", style("note").cyan().for_stderr());
}

pub fn warning(message: &str) {
    eprintln!(
        "{}: {message}",
        style("warning").yellow().bold().for_stderr()
    );
}

/// Prints a value as pretty JSON with a trailing newline.
pub fn json<T: serde::Serialize>(value: &T) {
    let mut out = std::io::stdout().lock();
    let _ = serde_json::to_writer_pretty(&mut out, value);
    let _ = writeln!(out);
}
