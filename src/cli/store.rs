//! `jaunt store stats|verify|gc|push|pull`.

use super::{CmdResult, GlobalArgs, output};
use crate::config::Config;
use crate::error::{Diagnostic, JauntError, exit};
use crate::ops::project::Project;
use crate::ops::session::{open_store, store_root};
use crate::ops::store::{keep_from_locks, parse_age};
use crate::store::Store;
use std::path::PathBuf;

#[derive(clap::Subcommand, Debug)]
pub enum StoreCommand {
    /// Objects, bytes stored and compression ratio.
    Stats,
    /// Check every object's hash; exit 4 on any corrupt object.
    Verify,
    /// Delete what no lockfile references and nothing used recently.
    Gc {
        /// Also keep what this lockfile references (repeatable).
        #[arg(long = "keep-lock", value_name = "FILE")]
        keep_lock: Vec<PathBuf>,
        /// Keep action entries used within this age (e.g. 30d, 12h).
        #[arg(long, value_name = "AGE", value_parser = parse_age)]
        max_age: Option<std::time::Duration>,
        /// Outside a project, with no --keep-lock: remove everything no
        /// lockfile given keeps, from a store other projects may share.
        #[arg(long)]
        all: bool,
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
            max_age,
            all,
        } => {
            if config.is_err() && keep_lock.is_empty() && max_age.is_none() && !all {
                return Err(Diagnostic::error(format!(
                    "no project here: `store gc` would keep nothing and empty the store at {}, which other projects may share",
                    store.root().display()
                ))
                .hint("run it in a project (it keeps what its jaunt.lock references), name lockfiles to keep with --keep-lock, keep recent entries with --max-age, or pass --all to remove everything")
                .into());
            }
            let mut locks: Vec<PathBuf> = keep_lock.clone();
            if let Ok(c) = &config {
                locks.push(c.lock_path());
            }
            let refs: Vec<&std::path::Path> = locks.iter().map(PathBuf::as_path).collect();
            let keep = keep_from_locks(&refs)?;
            let report = store.gc(&keep, *max_age).map_err(JauntError::from)?;
            if global.json {
                output::json(&report);
            } else {
                println!(
                    "gc: removed {} artifacts and {} actions ({} bytes freed); kept {} artifacts and {} actions",
                    report.artifacts_removed,
                    report.actions_removed,
                    report.bytes_freed,
                    report.artifacts_kept,
                    report.actions_kept
                );
            }
            Ok(exit::OK)
        }
        StoreCommand::Push => transfer(global, &config?, Direction::Push),
        StoreCommand::Pull => transfer(global, &config?, Direction::Pull),
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
