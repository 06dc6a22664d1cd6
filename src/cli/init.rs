//! `jaunt init` and `jaunt runtime install`.

use super::{CmdResult, GlobalArgs, output};
use crate::error::exit;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct InitArgs {
    /// Overwrite an existing jaunt.toml.
    #[arg(long)]
    force: bool,
}

pub fn run_init(global: &GlobalArgs, args: &InitArgs) -> CmdResult {
    let root = global.root.clone().unwrap_or_else(|| PathBuf::from("."));
    let scaffold = crate::ops::init::init(&root, args.force)?;
    if global.json {
        let created: Vec<String> = scaffold
            .created
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        output::json(&serde_json::json!({ "created": created }));
        return Ok(exit::OK);
    }
    for p in &scaffold.created {
        println!("created {}", p.display());
    }
    println!(
        "\nNext:\n  {}    # in the project's virtualenv: the runtime your specs import, and this command\n  $EDITOR src/{}/text.py       # write specs\n  jaunt plan && jaunt apply\n  jaunt test",
        crate::ops::runtime::install_command(),
        scaffold.package
    );
    Ok(exit::OK)
}

#[derive(clap::Subcommand, Debug)]
pub enum RuntimeCommand {
    /// Write the Python runtime package into DIR (put DIR on PYTHONPATH).
    Install {
        #[arg(long, value_name = "DIR")]
        target: PathBuf,
    },
}

pub fn run_runtime(global: &GlobalArgs, cmd: &RuntimeCommand) -> CmdResult {
    let RuntimeCommand::Install { target } = cmd;
    let written = crate::ops::runtime::install(target)?;
    if global.json {
        output::json(&serde_json::json!({ "target": target, "written": written }));
    } else if !global.quiet {
        println!(
            "runtime installed in {} ({} file(s) written)",
            target.display(),
            written.len()
        );
    }
    Ok(exit::OK)
}
