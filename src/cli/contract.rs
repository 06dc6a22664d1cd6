//! `jaunt adopt` and `jaunt eject`: moving code into and out of contract
//! mode.

use super::{CmdResult, GlobalArgs, output};
use crate::error::exit;
use crate::names::SpecRef;
use crate::ops::contract;
use crate::ops::project::Project;
use crate::ops::session::Session;

#[derive(clap::Args, Debug)]
pub struct AdoptArgs {
    /// The definition to mark: MODULE:NAME (a top-level function, async function or class).
    #[arg(value_name = "MODULE:NAME", value_parser = parse_ref)]
    spec: SpecRef,
}

#[derive(clap::Args, Debug)]
pub struct EjectArgs {
    /// The contract to eject: MODULE:NAME.
    #[arg(value_name = "MODULE:NAME", value_parser = parse_ref, required_unless_present = "all")]
    spec: Option<SpecRef>,
    /// Eject every contract.
    #[arg(long, conflicts_with = "spec")]
    all: bool,
}

fn parse_ref(text: &str) -> Result<SpecRef, String> {
    SpecRef::parse(text).map_err(|e| e.to_string())
}

pub fn run_adopt(global: &GlobalArgs, args: &AdoptArgs) -> CmdResult {
    let options = global.load_options(&super::Scope::default());
    let project = Project::load(&options)?;
    let _writer = super::apply::lock_project(global, &project.config)?;
    let file = contract::adopt(&project, &args.spec)?;
    // The marker changed the file: read the project again, then derive.
    let project = Project::load(&options)?;
    let session = Session::open_with(&project.config, global.store_use())?;
    let report = contract::reconcile(
        &project,
        &session.store,
        &session.generator,
        contract::ReconcileOptions::default(),
    )?;
    if global.json {
        output::json(&serde_json::json!({
            "adopted": args.spec.to_string(),
            "file": crate::fsutil::relative(&project.config.root, &file),
            "contracts": report,
        }));
    } else if !global.quiet {
        println!(
            "adopted {} ({})",
            args.spec,
            crate::fsutil::relative(&project.config.root, &file)
        );
        super::reconcile::print(&report);
    }
    Ok(exit::OK)
}

pub fn run_eject(global: &GlobalArgs, args: &EjectArgs) -> CmdResult {
    let project = Project::load(&global.load_options(&super::Scope::default()))?;
    let _writer = super::apply::lock_project(global, &project.config)?;
    let specs: Vec<SpecRef> = match &args.spec {
        Some(s) => vec![s.clone()],
        None => project.contract.specs.keys().cloned().collect(),
    };
    let report = contract::eject(&project, &specs)?;
    if global.json {
        output::json(&report);
    } else if !global.quiet {
        for s in &report.ejected {
            println!("ejected {s}");
        }
        for b in &report.batteries {
            println!("  {b} is now your own pytest file");
        }
    }
    Ok(exit::OK)
}
