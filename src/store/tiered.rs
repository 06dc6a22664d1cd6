//! The store a build uses: the local store, with the remote store (when
//! one is configured) read-through and write-through behind it.
//!
//! The planner only asks ([`TieredStore::has_artifact`],
//! [`TieredStore::find_action`]): nothing is downloaded or written while
//! planning. Apply fetches ([`TieredStore::get_artifact`]) and keeps what it
//! fetched in the local store. The remote is a cache and never a reason to
//! fail a build ([`Forgiving`]); nothing it serves is used before its
//! check, and an object that fails the check is reported and never kept.

use super::action::seal;
use super::codec::{read_action, read_artifact};
use super::remote::Remote;
use super::trust::Trust;
use super::{ActionEntry, Area, Backend, Forgiving, GcKeep, Pinned, ReadOnly, Store, StoreError};
use crate::digest::{ArtifactDigest, InputsKey};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// The local store plus an optional remote tier.
pub struct TieredStore {
    local: Store,
    remote: Option<RemoteTier>,
}

/// The remote store as a run may use it.
pub struct RemoteTier {
    /// For `store push` / `pull`, where a remote failure is an error.
    remote: Arc<Remote>,
    /// For builds: the remote behind the run's policies.
    cache: Box<dyn Backend>,
    /// Whose signed entries are used, and the key this run signs with.
    trust: Trust,
    /// What `jaunt.lock` maps each inputs key to: an entry that agrees is
    /// used, signed or not.
    pins: HashMap<InputsKey, ArtifactDigest>,
    /// Entries the remote had that nobody trusted vouched for, for `-v`.
    untrusted: std::sync::atomic::AtomicUsize,
}

impl RemoteTier {
    /// `write`: write-through (`[store] remote_write`); `pinned`: under
    /// `--locked`, the only artifacts the remote may supply.
    pub fn new(
        remote: Remote,
        write: bool,
        pinned: Option<HashSet<ArtifactDigest>>,
        trust: Trust,
        pins: HashMap<InputsKey, ArtifactDigest>,
    ) -> RemoteTier {
        let remote = Arc::new(remote);
        let mut cache: Box<dyn Backend> = if write {
            Box::new(remote.clone())
        } else {
            Box::new(ReadOnly(remote.clone()))
        };
        if let Some(pinned) = pinned {
            cache = Box::new(Pinned {
                inner: cache,
                pinned,
            });
        }
        RemoteTier {
            remote,
            cache: Box::new(Forgiving::new(cache, super::warn)),
            trust,
            pins,
            untrusted: std::sync::atomic::AtomicUsize::new(0),
        }
    }

    /// Whether an entry the remote served may be used for `key`.
    fn accepts(&self, key: &InputsKey, entry: &ActionEntry) -> bool {
        self.pins.get(key) == Some(&entry.artifact) || self.trust.vouches(key, entry)
    }
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
    pub artifacts_missing: Vec<ArtifactDigest>,
    pub actions_missing: Vec<InputsKey>,
}

impl TieredStore {
    pub fn new(local: Store, remote: Option<RemoteTier>) -> TieredStore {
        TieredStore { local, remote }
    }

    pub fn local(&self) -> &Store {
        &self.local
    }

    pub fn remote(&self) -> Option<&Remote> {
        self.remote.as_ref().map(|t| t.remote.as_ref())
    }

    fn cache(&self) -> Option<&dyn Backend> {
        self.remote.as_ref().map(|t| t.cache.as_ref())
    }

    pub fn sweep_temps(&self) -> usize {
        self.local.sweep_temps()
    }

    /// Whether the artifact can be had, locally or from the remote, without
    /// fetching it: a remote copy that then fails its check makes apply
    /// generate the module instead.
    pub fn has_artifact(&self, digest: &ArtifactDigest) -> bool {
        self.local.has_artifact(digest)
            || self
                .cache()
                .is_some_and(|c| c.contains(Area::Cas, &digest.0).unwrap_or(false))
    }

    /// The action entry for inputs key `key`, from the local store or else
    /// the remote one, checked; nothing is written (a build that uses it
    /// records it with [`TieredStore::put_action`]).
    pub fn find_action(&self, key: &InputsKey) -> Result<Option<ActionEntry>, StoreError> {
        if let Some(entry) = self.local.get_action(key)? {
            return Ok(Some(entry));
        }
        let Some(tier) = &self.remote else {
            return Ok(None);
        };
        // An entry nobody trusted vouches for is as good as absent: the
        // module is generated instead.
        let found = read_action(tier.cache.as_ref(), &key.0)?;
        if found.as_ref().is_some_and(|e| !tier.accepts(key, e)) {
            tier.untrusted
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            return Ok(None);
        }
        Ok(found)
    }

    /// How many remote action entries were ignored because no trusted key
    /// signed them (and the lockfile did not pin them).
    pub fn untrusted_entries(&self) -> usize {
        self.remote.as_ref().map_or(0, |t| {
            t.untrusted.load(std::sync::atomic::Ordering::Relaxed)
        })
    }

    /// The artifact, from the local store or else the remote one, whose
    /// frame is then kept locally. A corrupt local copy (quarantined) is
    /// replaced from the remote when it can be; otherwise its error is
    /// returned.
    pub fn get_artifact(&self, digest: &ArtifactDigest) -> Result<Option<Vec<u8>>, StoreError> {
        match self.local.get_artifact(digest) {
            Ok(Some(body)) => Ok(Some(body)),
            Ok(None) => self.fetch_artifact(digest),
            Err(e) => self.fetch_artifact(digest)?.map(Some).ok_or(e),
        }
    }

    fn fetch_artifact(&self, digest: &ArtifactDigest) -> Result<Option<Vec<u8>>, StoreError> {
        let Some(cache) = self.cache() else {
            return Ok(None);
        };
        // A rejected remote object was reported when it was rejected; the
        // build carries on as if the remote lacked it.
        let Ok(Some(checked)) = read_artifact(cache, &digest.0, self.local.max_artifact_bytes())
        else {
            return Ok(None);
        };
        // A failed local write only costs a later re-fetch.
        let _ = self.local.put_frame(digest, &checked.frame);
        Ok(Some(checked.body))
    }

    /// Stores locally, then writes through to the remote.
    pub fn put_artifact(&self, body: &[u8]) -> Result<ArtifactDigest, StoreError> {
        let digest = self.local.put_artifact(body)?;
        if let Some(cache) = self.cache()
            && let Some(frame) = self.local.get(Area::Cas, &digest.0)?
        {
            cache.put(Area::Cas, &digest.0, &frame)?;
        }
        Ok(digest)
    }

    /// Keeps an entry [`TieredStore::find_action`] found, in the local
    /// store only, marked as used.
    pub fn keep_action(&self, key: &InputsKey, entry: &ActionEntry) -> Result<(), StoreError> {
        if self.local.get_action(key).ok().flatten().as_ref() == Some(entry) {
            self.local.touch_action(key);
            return Ok(());
        }
        self.local.put_action(key, entry)
    }

    /// Records a new action entry locally and through to the remote.
    pub fn put_action(&self, key: &InputsKey, entry: &ActionEntry) -> Result<(), StoreError> {
        let mut entry = entry.clone();
        if let Some(tier) = &self.remote {
            tier.trust.sign(key, &mut entry);
        }
        let entry = &entry;
        self.local.put_action(key, entry)?;
        if let Some(cache) = self.cache() {
            let path = self.local.object_path(Area::Ac, &key.0);
            let bytes = seal(entry).map_err(|e| StoreError::io(&path, e.into()))?;
            cache.put(Area::Ac, &key.0, &bytes)?;
        }
        Ok(())
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
            if remote
                .has(Area::Cas, &digest.0)
                .map_err(|e| e.to_string())?
            {
                report.artifacts_present += 1;
            } else {
                remote
                    .put(Area::Cas, &digest.0, &frame)
                    .map_err(|e| e.to_string())?;
                report.artifacts_copied += 1;
            }
        }
        for key in sorted(&objects.actions) {
            let Some(mut entry) = self.local.get_action(&key).ok().flatten() else {
                report.actions_missing.push(key);
                continue;
            };
            if remote.has(Area::Ac, &key.0).map_err(|e| e.to_string())? {
                report.actions_present += 1;
            } else {
                // What goes to a shared remote carries its writer's signature.
                if let Some(tier) = &self.remote {
                    tier.trust.sign(&key, &mut entry);
                }
                let bytes = seal(&entry).map_err(|e| e.to_string())?;
                remote
                    .put(Area::Ac, &key.0, &bytes)
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
            match read_artifact(remote, &digest.0, self.local.max_artifact_bytes()) {
                Ok(Some(checked)) => {
                    self.local
                        .put_frame(&digest, &checked.frame)
                        .map_err(|e| e.to_string())?;
                    report.artifacts_copied += 1;
                }
                Ok(None) | Err(StoreError::Rejected { .. }) => {
                    report.artifacts_missing.push(digest)
                }
                Err(e) => return Err(e.to_string()),
            }
        }
        for key in sorted(&objects.actions) {
            if self.local.get_action(&key).ok().flatten().is_some() {
                report.actions_present += 1;
                continue;
            }
            let vouched = |entry: &ActionEntry| {
                objects.artifacts.contains(&entry.artifact)
                    || self.remote.as_ref().is_some_and(|t| t.accepts(&key, entry))
            };
            match read_action(remote, &key.0) {
                Ok(Some(entry)) if vouched(&entry) => {
                    self.local
                        .put_action(&key, &entry)
                        .map_err(|e| e.to_string())?;
                    report.actions_copied += 1;
                }
                // An entry nobody trusted vouches for is not copied.
                Ok(_) | Err(StoreError::Rejected { .. }) => report.actions_missing.push(key),
                Err(e) => return Err(e.to_string()),
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
    fn local_frame(&self, digest: &ArtifactDigest) -> Result<Option<Vec<u8>>, String> {
        match read_artifact(&self.local, &digest.0, self.local.max_artifact_bytes()) {
            Ok(checked) => Ok(checked.map(|c| c.frame)),
            Err(StoreError::Corrupt { .. }) => Ok(None),
            Err(e) => Err(e.to_string()),
        }
    }
}

fn sorted<T: Copy + Ord>(set: &HashSet<T>) -> Vec<T> {
    let mut v: Vec<T> = set.iter().copied().collect();
    v.sort();
    v
}
