//! Whole-store operations behind `jaunt store stats|verify|gc`.

use super::action::unseal;
use super::codec::decode_artifact;
use super::usage::UseEntry;
use super::{Area, Store, StoreError, read_if_exists};
use crate::digest::{ArtifactDigest, Digest, InputsKey};
use crate::fsutil::TMP_PREFIX;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// Objects younger than this survive gc whatever the keep sets say: they
/// may belong to a run in progress in another process.
const GC_GRACE: Duration = Duration::from_secs(10 * 60);

/// Size and content of a store.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StoreStats {
    pub artifacts: u64,
    pub actions: u64,
    /// Bytes on disk of the compressed artifacts.
    pub bytes_stored: u64,
    /// Bytes of the artifacts uncompressed.
    pub bytes_uncompressed: u64,
    /// `bytes_uncompressed / bytes_stored`; 0 for an empty store.
    pub compression_ratio: f64,
}

/// The result of checking every object.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    pub artifacts: u64,
    pub actions: u64,
    /// Objects that failed their check, sorted by path; they have been
    /// moved to the quarantine.
    pub corrupt: Vec<CorruptObject>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CorruptObject {
    pub path: PathBuf,
    pub reason: String,
}

/// What gc must keep: the artifacts and action entries the lockfiles (or
/// the caller) still refer to.
#[derive(Clone, Debug, Default)]
pub struct GcKeep {
    pub artifacts: HashSet<ArtifactDigest>,
    pub actions: HashSet<InputsKey>,
}

/// How `store gc` decides.
#[derive(Clone, Debug, Default)]
pub struct GcOptions {
    /// Kept whatever their age: what the lockfiles at hand pin.
    pub keep: GcKeep,
    /// Also kept: what a project's use record pins, when the project
    /// applied within this, and action entries used within it (with their
    /// artifacts). `None` (`--all`) keeps nothing for its use and drops
    /// every use record.
    pub used_within: Option<Duration>,
    /// Decide and report, but delete nothing.
    pub dry_run: bool,
}

/// What gc removed (or, under `dry_run`, would remove) and kept: the
/// `store gc --json` output (`schema/store-gc.schema.json`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct GcReport {
    pub dry_run: bool,
    /// The use window in seconds; `null` under `--all`.
    pub used_within_secs: Option<u64>,
    /// Objects younger than this many seconds are always kept.
    pub grace_secs: u64,
    /// Each project's use record and what became of it, by project root.
    pub projects: Vec<ProjectUse>,
    pub artifacts_kept: u64,
    pub actions_kept: u64,
    pub artifacts_removed: u64,
    pub actions_removed: u64,
    /// Quarantined objects, which gc deletes.
    pub quarantined_removed: u64,
    pub bytes_freed: u64,
}

/// One use record, as gc judged it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ProjectUse {
    /// The record's file in the store.
    pub record: PathBuf,
    /// The project root the record names; `None` when it cannot be read.
    pub root: Option<String>,
    /// Seconds since the project last applied.
    pub last_used_secs: u64,
    pub status: UseStatus,
    /// Why an `invalid` record cannot be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UseStatus {
    /// Used within the window: what it pins is kept.
    Kept,
    /// Not used within the window: the record goes.
    Expired,
    /// Its `jaunt.lock` is gone (the project moved or was deleted): the
    /// record goes.
    LockMissing,
    /// Unreadable: it keeps nothing and is left until it expires.
    Invalid,
    /// `--all`: it keeps nothing and the record goes.
    Dropped,
}

impl UseStatus {
    fn removes_record(self) -> bool {
        matches!(
            self,
            UseStatus::Expired | UseStatus::LockMissing | UseStatus::Dropped
        )
    }
}

/// One stored object file and the digest its path names (`None` when the
/// name is not a digest).
pub(super) struct Object {
    pub(super) path: PathBuf,
    digest: Option<Digest>,
}

impl Store {
    /// Every object file of one area; a missing directory is empty.
    pub(super) fn objects(&self, area: Area) -> Result<Vec<Object>, StoreError> {
        let mut out = Vec::new();
        for shard in list_dir(&self.area_dir(area))? {
            if !shard.is_dir() {
                continue;
            }
            let shard_name = file_name(&shard);
            for path in list_dir(&shard)? {
                let name = file_name(&path);
                if name.starts_with(TMP_PREFIX) {
                    continue;
                }
                let digest = name
                    .strip_suffix(area.suffix())
                    .and_then(|rest| Digest::from_hex(&format!("{shard_name}{rest}")));
                out.push(Object { path, digest });
            }
        }
        out.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(out)
    }

    /// Counts objects and bytes. Uncompressed sizes come from the zstd
    /// frame headers, so artifacts are not decompressed.
    pub fn stats(&self) -> Result<StoreStats, StoreError> {
        let artifacts = self.objects(Area::Cas)?;
        let sizes = artifacts
            .par_iter()
            .map(|o| {
                let stored = fs::metadata(&o.path).map(|m| m.len()).unwrap_or(0);
                (stored, uncompressed_size(&o.path))
            })
            .collect::<Vec<_>>();
        let bytes_stored: u64 = sizes.iter().map(|s| s.0).sum();
        let bytes_uncompressed: u64 = sizes.iter().map(|s| s.1).sum();
        Ok(StoreStats {
            artifacts: artifacts.len() as u64,
            actions: self.objects(Area::Ac)?.len() as u64,
            bytes_stored,
            bytes_uncompressed,
            compression_ratio: if bytes_stored == 0 {
                0.0
            } else {
                bytes_uncompressed as f64 / bytes_stored as f64
            },
        })
    }

    /// Checks every object in parallel, quarantining the corrupt ones.
    pub fn verify(&self) -> Result<VerifyReport, StoreError> {
        let artifacts = self.objects(Area::Cas)?;
        let actions = self.objects(Area::Ac)?;
        let check = |area: Area, o: &Object| -> Result<Option<CorruptObject>, StoreError> {
            let Some(bytes) = read_if_exists(&o.path)? else {
                return Ok(None); // removed by a concurrent gc
            };
            let verdict = match (area, &o.digest) {
                (_, None) => Err("file name is not a digest".to_string()),
                (Area::Cas, Some(d)) => {
                    decode_artifact(&bytes, d, self.max_artifact_bytes).map(drop)
                }
                (Area::Ac, Some(_)) => unseal(&bytes).map(drop),
            };
            Ok(verdict.err().map(|reason| {
                let _ = self.quarantine(area, &o.path, reason.clone());
                CorruptObject {
                    path: o.path.clone(),
                    reason,
                }
            }))
        };
        let mut corrupt = artifacts
            .par_iter()
            .map(|o| check(Area::Cas, o))
            .chain(actions.par_iter().map(|o| check(Area::Ac, o)))
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .flatten()
            .collect::<Vec<_>>();
        corrupt.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(VerifyReport {
            artifacts: artifacts.len() as u64,
            actions: actions.len() as u64,
            corrupt,
        })
    }

    /// Deletes what is no longer needed (under `dry_run`, only reports
    /// it). Kept: what `opts.keep` names, what the use records of projects
    /// that applied within `opts.used_within` pin, action entries used
    /// within it, the artifacts kept entries name, and anything younger than
    /// [`GC_GRACE`] (another run may be writing it). Corrupt entries,
    /// quarantined objects, stale temp files and the use records of
    /// projects gone or idle go.
    pub fn gc(&self, opts: &GcOptions) -> Result<GcReport, StoreError> {
        let now = SystemTime::now();
        let age = |path: &Path| -> Duration {
            fs::metadata(path)
                .and_then(|m| m.modified())
                .map(|t| now.duration_since(t).unwrap_or_default())
                .unwrap_or_default()
        };
        let recent = |age: Duration| age < GC_GRACE || opts.used_within.is_some_and(|w| age < w);
        let mut report = GcReport {
            dry_run: opts.dry_run,
            used_within_secs: opts.used_within.map(|w| w.as_secs()),
            grace_secs: GC_GRACE.as_secs(),
            ..GcReport::default()
        };
        let mut keep = opts.keep.clone();
        let mut gone_records = Vec::new();
        for entry in self.use_records(now)? {
            let status = judge(&entry, opts.used_within);
            if status == UseStatus::Kept
                && let Ok(record) = &entry.record
            {
                keep.artifacts.extend(&record.artifacts);
                keep.actions.extend(&record.actions);
            }
            if status.removes_record() {
                gone_records.push(entry.path.clone());
            }
            let (root, error) = match entry.record {
                Ok(r) => (Some(r.root), None),
                Err(e) => (None, Some(e)),
            };
            report.projects.push(ProjectUse {
                record: entry.path,
                root,
                last_used_secs: entry.age.as_secs(),
                status,
                error,
            });
        }
        report
            .projects
            .sort_by(|a, b| (&a.root, &a.record).cmp(&(&b.root, &b.record)));
        let mut live = keep.artifacts;
        for o in self.objects(Area::Ac)? {
            let wanted = recent(age(&o.path))
                || o.digest
                    .is_some_and(|d| keep.actions.contains(&InputsKey(d)));
            let entry = match read_if_exists(&o.path)? {
                Some(bytes) if wanted => unseal(&bytes).ok(),
                _ => None,
            };
            match entry {
                Some(entry) => {
                    live.insert(entry.artifact);
                    report.actions_kept += 1;
                }
                None => {
                    if let Some(bytes) = discard(&o.path, opts.dry_run)? {
                        report.actions_removed += 1;
                        report.bytes_freed += bytes;
                    }
                }
            }
        }
        for o in self.objects(Area::Cas)? {
            if age(&o.path) < GC_GRACE
                || o.digest.is_some_and(|d| live.contains(&ArtifactDigest(d)))
            {
                report.artifacts_kept += 1;
            } else if let Some(bytes) = discard(&o.path, opts.dry_run)? {
                report.artifacts_removed += 1;
                report.bytes_freed += bytes;
            }
        }
        for path in list_dir(&self.quarantine_dir())? {
            if let Some(bytes) = discard(&path, opts.dry_run)? {
                report.quarantined_removed += 1;
                report.bytes_freed += bytes;
            }
        }
        if !opts.dry_run {
            for path in &gone_records {
                remove(path)?;
            }
            self.sweep_temps();
        }
        Ok(report)
    }
}

/// What becomes of a use record (see [`UseStatus`]).
fn judge(entry: &UseEntry, used_within: Option<Duration>) -> UseStatus {
    let Some(window) = used_within else {
        return UseStatus::Dropped;
    };
    if entry.age >= window {
        return UseStatus::Expired;
    }
    match &entry.record {
        Err(_) => UseStatus::Invalid,
        Ok(r) if r.lock.as_deref().is_some_and(is_gone) => UseStatus::LockMissing,
        Ok(_) => UseStatus::Kept,
    }
}

/// Whether nothing is at `path` any more. Only "not found" says so: a
/// lockfile gc may not look at (a parent it cannot search) is not gone.
fn is_gone(path: &Path) -> bool {
    matches!(
        fs::metadata(path),
        Err(e) if matches!(e.kind(), std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory)
    )
}

/// Entries of a directory; a missing directory has none.
pub(super) fn list_dir(dir: &Path) -> Result<Vec<PathBuf>, StoreError> {
    match fs::read_dir(dir) {
        Ok(entries) => entries
            .map(|e| e.map(|e| e.path()).map_err(|e| StoreError::io(dir, e)))
            .collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(StoreError::io(dir, e)),
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// [`remove`], or under a dry run the size it would free.
fn discard(path: &Path, dry_run: bool) -> Result<Option<u64>, StoreError> {
    if dry_run {
        Ok(fs::metadata(path).ok().map(|m| m.len()))
    } else {
        remove(path)
    }
}

/// Deletes a file and returns its size; `None` if it was already gone
/// (another gc got there first).
fn remove(path: &Path) -> Result<Option<u64>, StoreError> {
    let size = fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    match fs::remove_file(path) {
        Ok(()) => Ok(Some(size)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(StoreError::io(path, e)),
    }
}

/// The uncompressed size recorded in a zstd frame header, falling back to
/// decompressing when the header does not carry it; 0 if unreadable.
fn uncompressed_size(path: &Path) -> u64 {
    use std::io::Read;
    // The longest zstd frame header is 18 bytes.
    let mut header = Vec::with_capacity(18);
    let read = fs::File::open(path).and_then(|f| f.take(18).read_to_end(&mut header));
    if read.is_err() {
        return 0;
    }
    match zstd::zstd_safe::get_frame_content_size(&header) {
        Ok(Some(size)) => size,
        _ => fs::read(path)
            .ok()
            .and_then(|frame| zstd::stream::decode_all(frame.as_slice()).ok())
            .map_or(0, |body| body.len() as u64),
    }
}
