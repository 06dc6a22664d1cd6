//! `jaunt store gc`: what to keep; and the last-use record apply leaves for
//! it.

use crate::config::Config;
use crate::error::{Diagnostic, JauntError, Result};
use crate::lock::Lockfile;
use crate::store::{GcKeep, GcOptions, GcReport, Store};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long a project's last use keeps what it pins, by default: a
/// project left for a month is rebuilt from its lockfile and the remote
/// (or a model), a cost worth a bounded store.
pub const DEFAULT_USED_WITHIN: Duration = Duration::from_secs(30 * 86_400);

/// `store gc`'s arguments.
#[derive(Clone, Debug, Default)]
pub struct GcArgs {
    /// `--keep-lock`: lockfiles whose pins stay.
    pub keep_locks: Vec<PathBuf>,
    /// `--keep-used-within`; [`DEFAULT_USED_WITHIN`] when not given.
    pub used_within: Option<Duration>,
    /// `--all`: keep only what is younger than the grace period.
    pub all: bool,
    pub dry_run: bool,
}

/// Collects a store's garbage. `config` is the project gc runs in, whose
/// `jaunt.lock` it keeps; outside one, gc refuses unless the arguments say
/// what to keep (or `--all`), since the store may be shared.
pub fn gc(config: Option<&Config>, store: &Store, args: &GcArgs) -> Result<GcReport> {
    if config.is_none() && args.keep_locks.is_empty() && args.used_within.is_none() && !args.all {
        return Err(Diagnostic::error(format!(
            "no project here: `store gc` would keep no lockfile's objects in the store at {}, which other projects may share",
            store.root().display()
        ))
        .hint(format!("run it in a project (it keeps what its jaunt.lock pins and what projects used in the last {} days), name lockfiles to keep with --keep-lock, keep what projects used recently with --keep-used-within, or pass --all to remove everything", DEFAULT_USED_WITHIN.as_secs() / 86_400))
        .into());
    }
    let opts = if args.all {
        GcOptions {
            dry_run: args.dry_run,
            ..GcOptions::default()
        }
    } else {
        let mut locks: Vec<&Path> = args.keep_locks.iter().map(PathBuf::as_path).collect();
        let own = config.map(Config::lock_path);
        locks.extend(own.as_deref());
        GcOptions {
            keep: keep_from_locks(&locks)?,
            used_within: Some(args.used_within.unwrap_or(DEFAULT_USED_WITHIN)),
            dry_run: args.dry_run,
        }
    };
    store.gc(&opts).map_err(JauntError::from)
}

/// Notes in the store what the project's lockfile pins after an apply,
/// so `store gc` run from another project sharing the store keeps it.
/// Best effort: a store that cannot be written only warns.
pub fn record_use(config: &Config, store: &Store, lock: &Lockfile) {
    let pins = lock
        .modules
        .iter()
        .map(|m| (m.inputs, m.artifact))
        .chain(lock.contracts.iter().map(|c| (c.inputs, c.artifact)));
    if let Err(e) = store.record_use(&config.root, &config.lock_path(), pins) {
        crate::store::warn(&format!(
            "could not record this project's use of the store ({e}): `store gc` run from another project may remove what it uses"
        ));
    }
}

/// Keeps every artifact and action a lockfile references.
pub fn keep_from_locks(locks: &[&Path]) -> Result<GcKeep> {
    let mut keep = GcKeep::default();
    for path in locks {
        let Some(lock) = Lockfile::load(path)? else {
            continue;
        };
        for m in &lock.modules {
            keep.artifacts.insert(m.artifact);
            keep.actions.insert(m.inputs);
        }
        for c in &lock.contracts {
            keep.artifacts.insert(c.artifact);
            keep.actions.insert(c.inputs);
        }
    }
    Ok(keep)
}

/// Parses `30d`, `12h`, `45m`, `10s` (a bare number is days).
pub fn parse_age(text: &str) -> std::result::Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (n, unit) = text.split_at(split);
    let n: u64 = n
        .parse()
        .map_err(|_| format!("`{text}` is not an age like 30d, 12h, 45m"))?;
    let secs = match unit {
        "" | "d" => n * 86_400,
        "h" => n * 3_600,
        "m" => n * 60,
        "s" => n,
        _ => {
            return Err(format!(
                "`{text}`: unknown unit `{unit}` (use d, h, m or s)"
            ));
        }
    };
    Ok(Duration::from_secs(secs))
}
