//! `jaunt store gc`: what to keep.

use crate::error::Result;
use crate::lock::Lockfile;
use crate::store::GcKeep;
use std::path::Path;
use std::time::Duration;

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
