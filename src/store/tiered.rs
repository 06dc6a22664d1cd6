//! The store a build uses: the local store, with the remote store (when
//! one is configured) read-through and write-through behind it.
//!
//! It offers the local store's object methods under the same names, so the
//! planner and apply do not care whether a remote exists. The remote is a
//! cache and never a reason to fail a build: when it is down or refuses,
//! one warning is printed and the run goes on with the local store alone.
//! Nothing it serves is used before its hash check, and an object that
//! fails the check is reported and never copied into the local store.

use super::action::{seal, unseal};
use super::local::decode_artifact;
use super::remote::{Remote, RemoteError};
use super::{ActionEntry, Area, GcKeep, Store, StoreError, read_if_exists};
use crate::digest::Digest;
use crate::fsutil::write_atomic;
use serde::Serialize;
use std::collections::HashSet;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

/// The local store plus an optional remote tier.
pub struct TieredStore {
    local: Store,
    remote: Option<RemoteTier>,
}

/// How a run may use the remote store.
pub struct RemoteTier {
    remote: Remote,
    /// Write-through (`[store] remote_write`); off for read-only CI runners.
    write: bool,
    /// Under `--locked`: the only artifacts the remote may supply.
    pinned: Option<HashSet<Digest>>,
    /// Set after the first failure: the rest of the run does without.
    down: AtomicBool,
    /// Objects already looked for (missing or rejected), so a run asks
    /// and warns once per object.
    tried: Mutex<HashSet<(Area, Digest)>>,
}

impl RemoteTier {
    pub fn new(remote: Remote, write: bool, pinned: Option<HashSet<Digest>>) -> RemoteTier {
        RemoteTier {
            remote,
            write,
            pinned,
            down: AtomicBool::new(false),
            tried: Mutex::new(HashSet::new()),
        }
    }

    /// Runs one request unless the remote is already known to be down; the
    /// first failure prints the run's one warning about it.
    fn call<T>(&self, f: impl FnOnce(&Remote) -> Result<T, RemoteError>) -> Option<T> {
        if self.down.load(Ordering::SeqCst) {
            return None;
        }
        match f(&self.remote) {
            Ok(v) => Some(v),
            Err(e) => {
                if !self.down.swap(true, Ordering::SeqCst) {
                    warn(&format!(
                        "{e}\n  continuing with the local store only for the rest of this run"
                    ));
                }
                None
            }
        }
    }

    /// Whether this object was looked for before; marks it as looked for.
    fn seen(&self, area: Area, digest: &Digest) -> bool {
        !self
            .tried
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert((area, *digest))
    }

    fn pinned_allows(&self, artifact: &Digest) -> bool {
        self.pinned.as_ref().is_none_or(|p| p.contains(artifact))
    }
}

/// A remote artifact that passed its hash check.
struct Checked {
    /// The zstd frame, as the local store keeps it.
    frame: Vec<u8>,
    body: Vec<u8>,
}

/// An artifact from the remote after its hash check; `None` when the
/// remote lacks it or it failed the check (reported).
fn fetch_checked_artifact(
    remote: &Remote,
    digest: &Digest,
) -> Result<Option<Checked>, RemoteError> {
    let Some(frame) = remote.get(Area::Cas, digest)? else {
        return Ok(None);
    };
    Ok(match decode_artifact(&frame, digest) {
        Ok(body) => Some(Checked { frame, body }),
        Err(reason) => {
            reject(remote, Area::Cas, digest, &reason);
            None
        }
    })
}

/// An action entry from the remote after its self-check; `None` when the
/// remote lacks it or it failed the check (reported).
fn fetch_checked_action(remote: &Remote, key: &Digest) -> Result<Option<ActionEntry>, RemoteError> {
    let Some(bytes) = remote.get(Area::Ac, key)? else {
        return Ok(None);
    };
    Ok(match unseal(&bytes) {
        Ok(entry) => Some(entry),
        Err(reason) => {
            reject(remote, Area::Ac, key, &reason);
            None
        }
    })
}

fn reject(remote: &Remote, area: Area, digest: &Digest, reason: &str) {
    warn(&format!(
        "rejected {} from remote store {}: {reason}; it was not used",
        Remote::object_name(area, digest),
        remote.url()
    ));
}

/// Store warnings go straight to stderr: they matter while a long run is
/// still going, and they never change its outcome.
fn warn(message: &str) {
    eprintln!(
        "{}: {message}",
        console::style("warning").yellow().bold().for_stderr()
    );
}

/// What `jaunt store push` / `pull` moved.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct TransferReport {
    pub artifacts_copied: u64,
    pub actions_copied: u64,
    /// Already at the destination.
    pub artifacts_present: u64,
    pub actions_present: u64,
    /// Referenced by the lockfile but not at the source (or, pulling,
    /// rejected by the hash check).
    pub artifacts_missing: Vec<Digest>,
    pub actions_missing: Vec<Digest>,
}

impl TieredStore {
    pub fn new(local: Store, remote: Option<RemoteTier>) -> TieredStore {
        TieredStore { local, remote }
    }

    pub fn local(&self) -> &Store {
        &self.local
    }

    pub fn remote(&self) -> Option<&Remote> {
        self.remote.as_ref().map(|t| &t.remote)
    }

    pub fn sweep_temps(&self) -> usize {
        self.local.sweep_temps()
    }

    /// Whether the artifact can be had. A remote copy is fetched, checked
    /// and kept locally now rather than trusted on a `HEAD`, so a plan
    /// never promises a restore that a bad object cannot deliver.
    pub fn has_artifact(&self, digest: &Digest) -> bool {
        self.local.has_artifact(digest) || self.fetch_artifact(digest).is_some()
    }

    /// The artifact, from the local store or else the remote one. A corrupt
    /// local copy (quarantined by the local store) is replaced from the
    /// remote when it can be; otherwise its error is returned.
    pub fn get_artifact(&self, digest: &Digest) -> Result<Option<Vec<u8>>, StoreError> {
        match self.local.get_artifact(digest) {
            Ok(Some(body)) => Ok(Some(body)),
            Ok(None) => Ok(self.fetch_artifact(digest)),
            Err(e) => self.fetch_artifact(digest).map(Some).ok_or(e),
        }
    }

    /// Stores locally, then writes through to the remote.
    pub fn put_artifact(&self, body: &[u8]) -> Result<Digest, StoreError> {
        let digest = self.local.put_artifact(body)?;
        if let Some(tier) = self.remote.as_ref().filter(|t| t.write) {
            let path = self.local.object_path(Area::Cas, &digest);
            if let Some(frame) = read_if_exists(&path)? {
                tier.call(|r| r.put(Area::Cas, &digest, &frame));
            }
        }
        Ok(digest)
    }

    /// The entry for inputs key `key`, from the local store or else the
    /// remote one. Under `--locked` a remote entry pointing at an artifact
    /// the lockfile does not pin is ignored.
    pub fn get_action(&self, key: &Digest) -> Result<Option<ActionEntry>, StoreError> {
        if let Some(entry) = self.local.get_action(key)? {
            return Ok(Some(entry));
        }
        let Some(tier) = &self.remote else {
            return Ok(None);
        };
        if tier.seen(Area::Ac, key) {
            return Ok(None);
        }
        let Some(entry) = tier
            .call(|r| fetch_checked_action(r, key))
            .flatten()
            .filter(|e| tier.pinned_allows(&e.artifact))
        else {
            return Ok(None);
        };
        self.local.put_action(key, &entry)?;
        Ok(Some(entry))
    }

    /// Stores locally, then writes through to the remote.
    pub fn put_action(&self, key: &Digest, entry: &ActionEntry) -> Result<(), StoreError> {
        self.local.put_action(key, entry)?;
        if let Some(tier) = self.remote.as_ref().filter(|t| t.write) {
            let path = self.local.object_path(Area::Ac, key);
            let bytes = seal(entry).map_err(|e| StoreError::io(&path, e.into()))?;
            tier.call(|r| r.put(Area::Ac, key, &bytes));
        }
        Ok(())
    }

    /// Fetches an artifact from the remote, checks it and keeps the frame
    /// in the local store; `None` when there is no remote, it lacks the
    /// object, the object is bad, or `--locked` does not pin it.
    fn fetch_artifact(&self, digest: &Digest) -> Option<Vec<u8>> {
        let tier = self.remote.as_ref()?;
        if !tier.pinned_allows(digest) || tier.seen(Area::Cas, digest) {
            return None;
        }
        let checked = tier.call(|r| fetch_checked_artifact(r, digest)).flatten()?;
        // A failed local write only costs a later re-fetch.
        let _ = write_atomic(&self.local.object_path(Area::Cas, digest), &checked.frame);
        Some(checked.body)
    }

    /// Copies every listed object the local store has to the remote, unless
    /// the remote already holds it. Unlike a build, a remote failure is an
    /// error here: reaching the remote is the whole point.
    pub fn push(&self, objects: &GcKeep) -> Result<TransferReport, String> {
        let remote = self.require_remote()?;
        let mut report = TransferReport::default();
        for digest in sorted(&objects.artifacts) {
            let Some(frame) = self.local_frame(&digest)? else {
                report.artifacts_missing.push(digest);
                continue;
            };
            if remote.has(Area::Cas, &digest).map_err(|e| e.to_string())? {
                report.artifacts_present += 1;
            } else {
                remote
                    .put(Area::Cas, &digest, &frame)
                    .map_err(|e| e.to_string())?;
                report.artifacts_copied += 1;
            }
        }
        for key in sorted(&objects.actions) {
            let Some(entry) = self.local.get_action(&key).ok().flatten() else {
                report.actions_missing.push(key);
                continue;
            };
            if remote.has(Area::Ac, &key).map_err(|e| e.to_string())? {
                report.actions_present += 1;
            } else {
                let bytes = seal(&entry).map_err(|e| e.to_string())?;
                remote
                    .put(Area::Ac, &key, &bytes)
                    .map_err(|e| e.to_string())?;
                report.actions_copied += 1;
            }
        }
        Ok(report)
    }

    /// Copies every listed object the local store lacks from the remote,
    /// each checked before it is kept.
    pub fn pull(&self, objects: &GcKeep) -> Result<TransferReport, String> {
        let remote = self.require_remote()?;
        let mut report = TransferReport::default();
        for digest in sorted(&objects.artifacts) {
            if self.local_frame(&digest)?.is_some() {
                report.artifacts_present += 1;
                continue;
            }
            match fetch_checked_artifact(remote, &digest).map_err(|e| e.to_string())? {
                Some(checked) => {
                    let path = self.local.object_path(Area::Cas, &digest);
                    write_atomic(&path, &checked.frame)
                        .map_err(|e| StoreError::io(&path, e).to_string())?;
                    report.artifacts_copied += 1;
                }
                None => report.artifacts_missing.push(digest),
            }
        }
        for key in sorted(&objects.actions) {
            if self.local.get_action(&key).ok().flatten().is_some() {
                report.actions_present += 1;
                continue;
            }
            match fetch_checked_action(remote, &key).map_err(|e| e.to_string())? {
                Some(entry) => {
                    self.local
                        .put_action(&key, &entry)
                        .map_err(|e| e.to_string())?;
                    report.actions_copied += 1;
                }
                None => report.actions_missing.push(key),
            }
        }
        Ok(report)
    }

    fn require_remote(&self) -> Result<&Remote, String> {
        self.remote().ok_or_else(|| {
            "no remote store is configured\n  hint: set [store] remote in jaunt.toml or $JAUNT_REMOTE_STORE (and do not pass --no-remote)".to_string()
        })
    }

    /// The local frame of an intact artifact; a corrupt one is quarantined
    /// by the check and counts as absent.
    fn local_frame(&self, digest: &Digest) -> Result<Option<Vec<u8>>, String> {
        match self.local.get_artifact(digest) {
            Ok(Some(_)) => {
                let path = self.local.object_path(Area::Cas, digest);
                read_if_exists(&path).map_err(|e| e.to_string())
            }
            Ok(None) | Err(StoreError::Corrupt { .. }) => Ok(None),
            Err(e) => Err(e.to_string()),
        }
    }
}

fn sorted(set: &HashSet<Digest>) -> Vec<Digest> {
    let mut v: Vec<Digest> = set.iter().copied().collect();
    v.sort();
    v
}
