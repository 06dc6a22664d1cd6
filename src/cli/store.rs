//! `jaunt store stats|verify|gc|push|pull`.

use super::{CmdResult, GlobalArgs, output};
use crate::config::Config;
use crate::error::{Diagnostic, JauntError, exit};
use crate::ops::project::Project;
use crate::ops::session::{open_store, store_root};
use crate::ops::store::{GcArgs, keep_from_locks, parse_age};
use crate::store::{GcReport, Store, UseStatus};
use std::path::{Path, PathBuf};

#[derive(clap::Subcommand, Debug)]
pub enum StoreCommand {
    /// Objects, bytes stored and compression ratio.
    Stats,
    /// Check every object's hash; exit 4 on any corrupt object.
    Verify,
    /// Delete what no project uses: keep what jaunt.lock pins, what any
    /// project sharing the store used recently, and what is under 10
    /// minutes old.
    ///
    /// Each `apply` records in the store what its jaunt.lock pins; gc keeps
    /// the objects of every project that applied within --keep-used-within
    /// (and action entries used that recently), and drops the records of
    /// projects idle longer or whose jaunt.lock is gone.
    Gc {
        /// Also keep what this lockfile pins (repeatable).
        #[arg(long = "keep-lock", value_name = "FILE")]
        keep_lock: Vec<PathBuf>,
        /// Keep what projects used within this age (e.g. 30d, 12h, 45m;
        /// default 30d).
        #[arg(long, alias = "max-age", value_name = "AGE", value_parser = parse_age)]
        keep_used_within: Option<std::time::Duration>,
        /// Remove everything older than 10 minutes, also what this and
        /// every other project uses (they restore from a remote store or
        /// generate again).
        #[arg(long, conflicts_with_all = ["keep_lock", "keep_used_within"])]
        all: bool,
        /// Show what would be removed and kept; delete nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Copy every artifact and action entry jaunt.lock references to the remote store.
    Push,
    /// Copy every artifact and action entry jaunt.lock references from the remote store.
    Pull,
    /// Print your public key (creating your signing key if you have none),
    /// for others to list under [store] trusted_keys.
    Keygen,
}

pub fn run(global: &GlobalArgs, cmd: &StoreCommand) -> CmdResult {
    let config = Project::load_config(&global.load_options(&super::Scope::default()));
    let store = match &config {
        Ok(c) => Store::open(store_root(c)),
        // Outside a project the store commands still work on the default store.
        Err(_) => Store::open(Store::default_root()),
    };
    match cmd {
        StoreCommand::Keygen => {
            let key = crate::store::trust::own_key()
                .map_err(|e| JauntError::io("creating your signing key", e))?;
            let public = crate::store::trust::key_text(&key.verifying_key());
            if global.json {
                output::json(&serde_json::json!({ "public_key": public }));
            } else {
                println!("{public}");
            }
            Ok(exit::OK)
        }
        StoreCommand::Stats => {
            let stats = store.stats().map_err(JauntError::from)?;
            if global.json {
                output::json(&stats);
            } else {
                println!("store: {}", store.root().display());
                println!("  artifacts:   {}", stats.artifacts);
                println!("  actions:     {}", stats.actions);
                println!("  stored:      {} bytes", stats.bytes_stored);
                println!("  raw:         {} bytes", stats.bytes_uncompressed);
                println!("  compression: {:.2}x", stats.compression_ratio);
            }
            Ok(exit::OK)
        }
        StoreCommand::Verify => {
            let report = store.verify().map_err(JauntError::from)?;
            if global.json {
                output::json(&report);
            } else {
                for c in &report.corrupt {
                    eprintln!("corrupt: {} ({})", c.path.display(), c.reason);
                }
                println!(
                    "verified {} artifacts and {} actions: {} corrupt",
                    report.artifacts,
                    report.actions,
                    report.corrupt.len()
                );
            }
            Ok(if report.corrupt.is_empty() {
                exit::OK
            } else {
                exit::GATE
            })
        }
        StoreCommand::Gc {
            keep_lock,
            keep_used_within,
            all,
            dry_run,
        } => {
            let args = GcArgs {
                keep_locks: keep_lock.clone(),
                used_within: *keep_used_within,
                all: *all,
                dry_run: *dry_run,
            };
            let report = crate::ops::store::gc(config.as_ref().ok(), &store, &args)?;
            for p in &report.projects {
                if let Some(error) = &p.error {
                    output::warning(&format!("ignoring {}: {error}", p.record.display()));
                }
            }
            if global.json {
                output::json(&report);
            } else {
                let locks: Vec<String> = config
                    .iter()
                    .map(|_| "jaunt.lock".to_string())
                    .chain(keep_lock.iter().map(|p| p.display().to_string()))
                    .collect();
                print_gc(store.root(), &locks, &report);
            }
            Ok(exit::OK)
        }
        StoreCommand::Push => transfer(global, &config?, Direction::Push),
        StoreCommand::Pull => transfer(global, &config?, Direction::Pull),
    }
}

/// `store gc`'s human output: what it keeps, each project's record, and
/// what went (or would go).
fn print_gc(root: &Path, locks: &[String], report: &GcReport) {
    let dry = report.dry_run;
    println!(
        "store gc{}: {}",
        if dry { " --dry-run" } else { "" },
        root.display()
    );
    let grace = format!("what is under {} old", span(report.grace_secs));
    match report.used_within_secs {
        Some(window) => {
            let mut kept = Vec::new();
            if !locks.is_empty() {
                kept.push(format!("what {} pins", locks.join(" and ")));
            }
            kept.push(format!("what projects used in the last {}", span(window)));
            println!("  keeping {}, and {grace}", kept.join(", "));
        }
        None => println!("  --all: keeping only {grace}; what projects use goes too"),
    }
    let removed = if dry { "would be removed" } else { "removed" };
    for p in &report.projects {
        let who = p
            .root
            .clone()
            .unwrap_or_else(|| p.record.display().to_string());
        let used = ago(p.last_used_secs);
        let fate = match p.status {
            UseStatus::Kept => "what it pins is kept".to_string(),
            UseStatus::Expired => format!("idle too long, record {removed}"),
            UseStatus::LockMissing => format!("jaunt.lock is gone, record {removed}"),
            UseStatus::Invalid => "unreadable, keeps nothing".to_string(),
            UseStatus::Dropped => format!("what it pins is not kept, record {removed}"),
        };
        println!("  project {who}: used {used}, {fate}");
    }
    let (verb, keep) = if dry {
        ("would remove", "would keep")
    } else {
        ("removed", "kept")
    };
    println!(
        "{verb} {} artifacts and {} actions ({} bytes{}); {keep} {} artifacts and {} actions",
        report.artifacts_removed,
        report.actions_removed,
        report.bytes_freed,
        if dry { "" } else { " freed" },
        report.artifacts_kept,
        report.actions_kept
    );
}

/// A duration in its largest whole unit: `30d`, `10m`.
fn span(secs: u64) -> String {
    match secs {
        s if s >= 86_400 => format!("{}d", s / 86_400),
        s if s >= 3_600 => format!("{}h", s / 3_600),
        s if s >= 60 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

/// How long ago, roughly.
fn ago(secs: u64) -> String {
    if secs < 60 {
        "just now".into()
    } else {
        format!("{} ago", span(secs))
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Direction {
    Push,
    Pull,
}

/// `store push|pull`: what the current jaunt.lock references, between the
/// local and the remote store.
fn transfer(global: &GlobalArgs, config: &Config, direction: Direction) -> CmdResult {
    let lock_path = config.lock_path();
    if !lock_path.is_file() {
        return Err(Diagnostic::error(format!(
            "{} does not exist: push and pull copy what the lockfile references",
            lock_path.display()
        ))
        .hint("run `jaunt apply` first")
        .into());
    }
    let objects = keep_from_locks(&[lock_path.as_path()])?;
    let store = open_store(config, None, global.store_use())?;
    let (report, verb) = match direction {
        Direction::Push => (store.push(&objects), "pushed"),
        Direction::Pull => (store.pull(&objects), "pulled"),
    };
    let report = report.map_err(JauntError::other)?;
    if global.json {
        output::json(&report);
    } else {
        for d in &report.artifacts_missing {
            output::warning(&format!("artifact {d} is missing from the source store"));
        }
        for d in &report.actions_missing {
            output::warning(&format!(
                "action entry {d} is missing from the source store"
            ));
        }
        println!(
            "{verb} {} artifacts and {} actions ({} and {} already there, {} and {} missing)",
            report.artifacts_copied,
            report.actions_copied,
            report.artifacts_present,
            report.actions_present,
            report.artifacts_missing.len(),
            report.actions_missing.len()
        );
    }
    Ok(exit::OK)
}
