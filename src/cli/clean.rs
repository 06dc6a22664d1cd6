//! `jaunt clean`: delete generated files.

use super::{CmdResult, GlobalArgs, output};
use crate::error::exit;
use crate::ops::project::Project;
use crate::ops::session::Session;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    scope: super::Scope,
    /// Only list what would be removed.
    #[arg(long)]
    dry_run: bool,
    /// Only generated files whose spec module is gone.
    #[arg(long)]
    orphans: bool,
}

pub fn run(global: &GlobalArgs, args: &Args) -> CmdResult {
    let project = Project::load(&global.load_options(&args.scope))?;
    let _writer = super::apply::lock_project(global, &project.config)?;
    let session = Session::open(&project.config)?;
    let removed = crate::ops::clean::clean(&project, &session, args.orphans, args.dry_run)?;
    let rel: Vec<String> = removed
        .iter()
        .map(|p| crate::fsutil::relative(&project.config.root, p))
        .collect();
    if global.json {
        output::json(&serde_json::json!({ "removed": rel, "dry_run": args.dry_run }));
    } else if !global.quiet {
        let verb = if args.dry_run {
            "would remove"
        } else {
            "removed"
        };
        for r in &rel {
            println!("{verb} {r}");
        }
        println!("{} file(s) {verb}", rel.len());
    }
    Ok(exit::OK)
}
