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
        let artifacts = sorted(&objects.artifacts);
        let copied = bounded_each(&artifacts, |digest| {
            let Some(frame) = self.local_frame(digest)? else {
                return Ok(Moved::Missing);
            };
            if remote
                .has(Area::Cas, &digest.0)
                .map_err(|e| e.to_string())?
            {
                return Ok(Moved::Present);
            }
            remote
                .put(Area::Cas, &digest.0, &frame)
                .map_err(|e| e.to_string())?;
            Ok(Moved::Copied)
        })?;
        let actions = sorted(&objects.actions);
        let recorded = bounded_each(&actions, |key| {
            let Some(mut entry) = self.local.get_action(key).ok().flatten() else {
                return Ok(Moved::Missing);
            };
            if remote.has(Area::Ac, &key.0).map_err(|e| e.to_string())? {
                return Ok(Moved::Present);
            }
            // What goes to a shared remote carries its writer's signature.
            if let Some(tier) = &self.remote {
                tier.trust.sign(key, &mut entry);
            }
            let bytes = seal(&entry).map_err(|e| e.to_string())?;
            remote
                .put(Area::Ac, &key.0, &bytes)
                .map_err(|e| e.to_string())?;
            Ok(Moved::Copied)
        })?;
        Ok(TransferReport::tally(
            &artifacts, &copied, &actions, &recorded,
        ))
    }

    /// Copies every listed object the local store lacks from the remote,
    /// each checked before it is kept.
    pub fn pull(&self, objects: &GcKeep) -> Result<TransferReport, String> {
        let remote = self.require_remote()?;
        let artifacts = sorted(&objects.artifacts);
        let copied = bounded_each(&artifacts, |digest| {
            if self.local_frame(digest)?.is_some() {
                return Ok(Moved::Present);
            }
            match read_artifact(remote, &digest.0, self.local.max_artifact_bytes()) {
                Ok(Some(checked)) => {
                    self.local
                        .put_frame(digest, &checked.frame)
                        .map_err(|e| e.to_string())?;
                    Ok(Moved::Copied)
                }
                Ok(None) | Err(StoreError::Rejected { .. }) => Ok(Moved::Missing),
                Err(e) => Err(e.to_string()),
            }
        })?;
        let actions = sorted(&objects.actions);
        let recorded = bounded_each(&actions, |key| {
            if self.local.get_action(key).ok().flatten().is_some() {
                return Ok(Moved::Present);
            }
            let vouched = |entry: &ActionEntry| {
                objects.artifacts.contains(&entry.artifact)
                    || self.remote.as_ref().is_some_and(|t| t.accepts(key, entry))
            };
            match read_action(remote, &key.0) {
                Ok(Some(entry)) if vouched(&entry) => {
                    self.local
                        .put_action(key, &entry)
                        .map_err(|e| e.to_string())?;
                    Ok(Moved::Copied)
                }
                // An entry nobody trusted vouches for is not copied.
                Ok(_) | Err(StoreError::Rejected { .. }) => Ok(Moved::Missing),
                Err(e) => Err(e.to_string()),
            }
        })?;
        Ok(TransferReport::tally(
            &artifacts, &copied, &actions, &recorded,
        ))
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

/// What `store push` or `pull` did with one object.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Moved {
    Copied,
    Present,
    Missing,
}

impl TransferReport {
    /// Counts outcomes, listing the missing objects in the given order.
    fn tally(
        artifacts: &[ArtifactDigest],
        copied: &[Moved],
        actions: &[InputsKey],
        recorded: &[Moved],
    ) -> TransferReport {
        fn count(moved: &[Moved], what: Moved) -> u64 {
            moved.iter().filter(|m| **m == what).count() as u64
        }
        fn missing<T: Copy>(items: &[T], moved: &[Moved]) -> Vec<T> {
            std::iter::zip(items, moved)
                .filter(|(_, m)| **m == Moved::Missing)
                .map(|(item, _)| *item)
                .collect()
        }
        TransferReport {
            artifacts_copied: count(copied, Moved::Copied),
            actions_copied: count(recorded, Moved::Copied),
            artifacts_present: count(copied, Moved::Present),
            actions_present: count(recorded, Moved::Present),
            artifacts_missing: missing(artifacts, copied),
            actions_missing: missing(actions, recorded),
        }
    }
}

/// Objects `store push` and `pull` move at once: each is a round trip or
/// two to the remote, so latency, not bandwidth, bounds a transfer, and a
/// few dozen requests in flight are well within what any server takes.
const TRANSFER_JOBS: usize = 16;

/// `f` over every item, up to [`TRANSFER_JOBS`] at once; the outcomes in
/// the items' order. After a failure no item starts; the first failure in
/// the items' order is returned.
fn bounded_each<T: Sync, R: Send>(
    items: &[T],
    f: impl Fn(&T) -> Result<R, String> + Sync,
) -> Result<Vec<R>, String> {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let outcomes: Mutex<Vec<Option<Result<R, String>>>> =
        Mutex::new(items.iter().map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..TRANSFER_JOBS.min(items.len()) {
            scope.spawn(|| {
                while !failed.load(Ordering::SeqCst) {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(item) = items.get(i) else { break };
                    let outcome = f(item);
                    if outcome.is_err() {
                        failed.store(true, Ordering::SeqCst);
                    }
                    outcomes.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(outcome);
                }
            });
        }
    });
    let outcomes = outcomes.into_inner().unwrap_or_else(|e| e.into_inner());
    if let Some(Err(e)) = outcomes.iter().flatten().find(|o| o.is_err()) {
        return Err(e.clone());
    }
    Ok(outcomes.into_iter().flatten().flatten().collect())
}

fn sorted<T: Copy + Ord>(set: &HashSet<T>) -> Vec<T> {
    let mut v: Vec<T> = set.iter().copied().collect();
    v.sort();
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn transfers_run_in_parallel_within_the_bound_and_keep_the_order() {
        let items: Vec<usize> = (0..64).collect();
        let (running, most) = (AtomicUsize::new(0), AtomicUsize::new(0));
        let out = bounded_each(&items, |i| {
            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
            most.fetch_max(now, Ordering::SeqCst);
            std::thread::sleep(std::time::Duration::from_millis(5));
            running.fetch_sub(1, Ordering::SeqCst);
            Ok(i * 2)
        })
        .unwrap();
        assert_eq!(out, items.iter().map(|i| i * 2).collect::<Vec<_>>());
        let most = most.load(Ordering::SeqCst);
        assert!(most > 1 && most <= TRANSFER_JOBS, "{most} at once");
    }

    #[test]
    fn a_failed_transfer_stops_the_rest_and_is_reported() {
        let items: Vec<usize> = (0..1000).collect();
        let started = AtomicUsize::new(0);
        let err = bounded_each(&items, |i| {
            started.fetch_add(1, Ordering::SeqCst);
            if *i == 3 {
                Err(format!("no {i}"))
            } else {
                Ok(())
            }
        })
        .unwrap_err();
        assert_eq!(err, "no 3");
        assert!(started.load(Ordering::SeqCst) < items.len());
    }
}
