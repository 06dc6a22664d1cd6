//! `jaunt reconcile`: derive the missing or stale contract batteries, and
//! nothing else.

use super::{CmdResult, GlobalArgs, output};
use crate::error::exit;
use crate::ops::contract::{self, ReconcileReport};
use crate::ops::project::Project;
use crate::ops::session::Session;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    scope: super::Scope,
    /// Never call a model: restore batteries from the store, derive the deterministic ones,
    /// and fail (exit 4) if one would need a model call.
    #[arg(long)]
    offline: bool,
}

pub fn run(global: &GlobalArgs, args: &Args) -> CmdResult {
    let project = Project::load(&global.load_options(&args.scope))?;
    super::specs::print_notes(global, &project);
    let _writer = super::apply::lock_project(global, &project.config)?;
    let session = Session::open_with(&project.config, global.store_use())?;
    let report = contract::reconcile(
        &project,
        &session.store,
        &session.generator,
        contract::ReconcileOptions {
            targeted: args.scope.targeted(),
            offline: args.offline,
        },
    )?;
    if global.json {
        output::json(&report);
    } else if !global.quiet {
        print(&report);
    }
    Ok(if report.failed.is_empty() {
        exit::OK
    } else {
        exit::GENERATION
    })
}

/// The human report: one line, and the docstring lines the model was
/// asked to turn into tests.
pub fn print(report: &ReconcileReport) {
    for (contract, errors) in &report.failed {
        eprintln!(
            "{} {contract} (contract battery)",
            console::style("failed").red().bold().for_stderr()
        );
        for e in errors {
            eprintln!("    {e}");
        }
    }
    if report.derived.is_empty()
        && report.restored.is_empty()
        && report.fresh.is_empty()
        && report.removed.is_empty()
    {
        return;
    }
    for line in &report.unparsed {
        output::note(&format!("in no known shape, sent to the model: {line}"));
    }
    println!(
        "Contracts: {} derived, {} restored, {} fresh, {} removed, {} failed; {} model call(s).",
        report.derived.len(),
        report.restored.len(),
        report.fresh.len(),
        report.removed.len(),
        report.failed.len(),
        report.model_calls
    );
}
