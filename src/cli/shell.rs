//! `jaunt completions SHELL` and `jaunt man`: shell completion scripts and
//! manual pages generated from this command line's own definition, so they
//! never fall behind it.

use super::{Cli, CmdResult, GlobalArgs};
use crate::error::{JauntError, exit};
use crate::fsutil::write_atomic;
use clap::CommandFactory;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(clap::Args, Debug)]
pub struct CompletionsArgs {
    /// The shell to complete for; the script goes to stdout.
    pub shell: Shell,
}

/// The shells `jaunt completions` writes scripts for.
#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

#[derive(clap::Args, Debug)]
pub struct ManArgs {
    /// Write jaunt.1 and one page per subcommand (jaunt-apply.1, …) into DIR
    /// instead of printing jaunt.1 on stdout.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

pub fn run_completions(args: &CompletionsArgs) -> CmdResult {
    let shell = match args.shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
    };
    // Rendered whole first: clap_complete panics on a failed write, and a
    // reader that closes the pipe early (`| head`) is no panic.
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "jaunt", &mut script);
    to_stdout(&script, "the completion script")
}

fn to_stdout(bytes: &[u8], what: &str) -> CmdResult {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .map_err(|e| JauntError::io(format!("writing {what}"), e))?;
    Ok(exit::OK)
}

pub fn run_man(global: &GlobalArgs, args: &ManArgs) -> CmdResult {
    let Some(dir) = &args.dir else {
        return to_stdout(&render(Cli::command())?, "the manual page");
    };
    std::fs::create_dir_all(dir)
        .map_err(|e| JauntError::io(format!("creating {}", dir.display()), e))?;
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    for path in write_pages(&cmd, dir)? {
        if !global.quiet {
            println!("wrote {}", path.display());
        }
    }
    Ok(exit::OK)
}

/// One page as roff.
fn render(cmd: clap::Command) -> Result<Vec<u8>, JauntError> {
    let mut page = Vec::new();
    clap_mangen::Man::new(cmd)
        .render(&mut page)
        .map_err(|e| JauntError::io("rendering the manual page", e))?;
    Ok(page)
}

/// Writes the page of `cmd` and of every visible subcommand under it
/// (atomically, each named as `man` looks it up); returns the paths.
fn write_pages(cmd: &clap::Command, dir: &Path) -> Result<Vec<PathBuf>, JauntError> {
    let man = clap_mangen::Man::new(cmd.clone());
    let path = dir.join(man.get_filename());
    write_atomic(&path, &render(cmd.clone())?)
        .map_err(|e| JauntError::io(format!("writing {}", path.display()), e))?;
    let mut written = vec![path];
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        written.extend(write_pages(sub, dir)?);
    }
    Ok(written)
}
