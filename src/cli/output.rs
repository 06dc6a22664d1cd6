//! Printing helpers shared by the subcommands: errors and notes go to
//! stderr (also under `--json`), requested output to stdout.

use crate::error::{Code, Diagnostic, JauntError};
use console::style;
use std::io::Write;

/// Renders an error once, on stderr: each diagnostic labeled with its code
/// (`error[config]: jaunt.toml:3: …`), or under `--json` one JSON document
/// `{"errors": [{"code", "file", "line", "column", "message", "hint"}]}`.
pub fn error(err: &JauntError, json: bool) {
    let diagnostics: Vec<Diagnostic> = err.diagnostics().iter().map(Diagnostic::shown).collect();
    if json {
        let doc = serde_json::json!({ "errors": diagnostics });
        eprintln!("{}", serde_json::to_string(&doc).unwrap_or_default());
        return;
    }
    for d in &diagnostics {
        let label = match d.code {
            Code::Error => "error".to_string(),
            code => format!("error[{}]", code.as_str()),
        };
        print_labeled(&label, &d.to_string());
    }
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
    raw(&json_text(value));
}

/// Prints `text` as it is; a closed pipe (`| head`) is not an error.
pub fn raw(text: &str) {
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

/// What [`json`] prints.
pub fn json_text<T: serde::Serialize>(value: &T) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    text
}
