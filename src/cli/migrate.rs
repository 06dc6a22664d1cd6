//! `jaunt migrate`: adopt Jaunt 1.7's generated modules (and any a user
//! vouches for) without model calls.

use super::{CmdResult, GlobalArgs, output};
use crate::error::exit;
use crate::names::ModuleName;
use crate::ops::migrate::{self, MigrateOptions, MigrateReport, Origin};
use crate::ops::project::{LoadOptions, Project};
use crate::ops::session::Session;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Show what would be adopted; write nothing.
    #[arg(long)]
    dry_run: bool,
    /// Also adopt MODULE's generated file, whoever wrote it (repeatable).
    #[arg(long, value_name = "MODULE", value_parser = parse_module)]
    adopt: Vec<ModuleName>,
    /// Compute keys without library skills, as `apply --no-skills` does.
    #[arg(long)]
    no_skills: bool,
}

fn parse_module(text: &str) -> Result<ModuleName, String> {
    ModuleName::parse(text).map_err(|e| e.to_string())
}

/// Exit 0 whenever the command ran, even with modules left for `apply`
/// (they are listed); errors exit as usual (2 configuration, 1 I/O).
pub fn run(global: &GlobalArgs, args: &Args) -> CmdResult {
    let project = Project::load(&LoadOptions {
        adopted: args.adopt.clone(),
        ..global.load_options(&super::Scope::default())
    })?;
    super::specs::print_notes(global, &project);
    // A dry run reads only, as `plan` does.
    let _writer = if args.dry_run {
        None
    } else {
        Some(super::apply::lock_project(global, &project.config)?)
    };
    let session = Session::open_with(&project.config, global.store_use())?;
    let opts = MigrateOptions {
        dry_run: args.dry_run,
        adopt: args.adopt.clone(),
        no_skills: args.no_skills,
    };
    let warn = |w: &str| {
        if !global.quiet {
            output::warning(w);
        }
    };
    let report = migrate::migrate(&project, &session, &opts, &warn)?;
    if global.json {
        output::json(&report);
    } else if !global.quiet {
        print!("{}", render(&report));
        if !report.not_adopted.is_empty() && !report.dry_run {
            output::note(
                "fix or `--adopt` what was not adopted, or let `jaunt apply` generate it (a Jaunt 1.7 file it replaces is kept in .jaunt/edited/)",
            );
        }
        if report.lock_changed {
            output::note("commit jaunt.lock, and run `jaunt check` in CI");
        }
    }
    Ok(exit::OK)
}

/// The text report: one line per file found, then a summary.
fn render(report: &MigrateReport) -> String {
    let mut out = String::new();
    let verb = if report.dry_run {
        "would adopt"
    } else {
        "adopted"
    };
    for a in &report.adopted {
        let from = match (a.from, &a.tool_version) {
            (Origin::Jaunt17, Some(v)) => format!("Jaunt {v}"),
            (Origin::Jaunt17, None) => "Jaunt 1.7".to_string(),
            (Origin::Vouched, _) => "--adopt".to_string(),
        };
        out.push_str(&format!(
            "{verb} {} ({}): {} [{from}]",
            a.module, a.kind, a.file
        ));
        if let Some(stub) = &a.stub {
            out.push_str(&format!(", stub {stub}"));
        }
        out.push('\n');
    }
    for n in &report.not_adopted {
        out.push_str(&format!(
            "not adopted {} ({}): {}\n",
            n.module, n.kind, n.file
        ));
        for r in &n.reasons {
            out.push_str(&format!("    {r}\n"));
        }
    }
    for l in &report.left_alone {
        out.push_str(&format!("left alone {}: {}\n", l.file, l.reason));
    }
    if report.adopted.is_empty() && report.not_adopted.is_empty() {
        out.push_str("Nothing to adopt: every generated module found is jaunt's.\n");
    }
    let counts = format!(
        "{} not adopted, {} left alone, {} already jaunt's",
        report.not_adopted.len(),
        report.left_alone.len(),
        report.already_jaunts.len(),
    );
    if report.dry_run {
        out.push_str(&format!(
            "Dry run: {} to adopt, {counts}; nothing written.\n",
            report.adopted.len()
        ));
    } else {
        out.push_str(&format!(
            "Migrated: {} adopted, {counts}; {} model call(s).\n",
            report.adopted.len(),
            report.model_calls
        ));
    }
    out
}
