//! One interface for every place store objects live, and the policies that
//! wrap it.
//!
//! A [`Backend`] moves raw objects (zstd frames in `cas`, sealed entries in
//! `ac`) by area and digest; it does not interpret them. The local
//! directory ([`super::Store`]) and the remote store ([`super::Remote`],
//! HTTP or S3) are backends. How a run may use a remote is expressed by
//! wrapping one, as sccache layers its caches: [`ReadOnly`] drops writes,
//! [`Pinned`] serves only what the lockfile pins (`--locked`), and
//! [`Forgiving`] turns the first failure into one warning and a remote that
//! is absent for the rest of the run. Checking what comes back is the caller's job
//! ([`super::codec`]): no backend is trusted.

use super::action::unseal;
use super::{Area, StoreError};
use crate::digest::{ArtifactDigest, Digest};
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// Raw object access.
pub trait Backend: Send + Sync {
    /// The object's bytes; `None` when absent.
    fn get(&self, area: Area, key: &Digest) -> Result<Option<Vec<u8>>, StoreError>;
    /// Whether the object is present, without fetching it.
    fn contains(&self, area: Area, key: &Digest) -> Result<bool, StoreError>;
    fn put(&self, area: Area, key: &Digest, bytes: &[u8]) -> Result<(), StoreError>;
    /// Told that an object it served failed its check; returns the error to
    /// report. The local store quarantines it; a remote is warned about.
    fn reject(&self, area: Area, key: &Digest, reason: String) -> StoreError;
}

/// Shared and boxed backends are backends: wrappers hold either.
macro_rules! forward_backend {
    ($($pointer:ident),*) => {$(
        impl<B: Backend + ?Sized> Backend for $pointer<B> {
            fn get(&self, area: Area, key: &Digest) -> Result<Option<Vec<u8>>, StoreError> {
                (**self).get(area, key)
            }
            fn contains(&self, area: Area, key: &Digest) -> Result<bool, StoreError> {
                (**self).contains(area, key)
            }
            fn put(&self, area: Area, key: &Digest, bytes: &[u8]) -> Result<(), StoreError> {
                (**self).put(area, key, bytes)
            }
            fn reject(&self, area: Area, key: &Digest, reason: String) -> StoreError {
                (**self).reject(area, key, reason)
            }
        }
    )*};
}

forward_backend!(Arc, Box);

/// Reads pass through; writes are dropped (`[store] remote_write = false`).
pub struct ReadOnly<B>(pub B);

impl<B: Backend> Backend for ReadOnly<B> {
    fn get(&self, area: Area, key: &Digest) -> Result<Option<Vec<u8>>, StoreError> {
        self.0.get(area, key)
    }
    fn contains(&self, area: Area, key: &Digest) -> Result<bool, StoreError> {
        self.0.contains(area, key)
    }
    fn put(&self, _: Area, _: &Digest, _: &[u8]) -> Result<(), StoreError> {
        Ok(())
    }
    fn reject(&self, area: Area, key: &Digest, reason: String) -> StoreError {
        self.0.reject(area, key, reason)
    }
}

/// Serves only artifacts in `pinned`, and only action entries that point at
/// one: under `--locked` the lockfile, not the cache, decides what a build
/// may contain.
pub struct Pinned<B> {
    pub inner: B,
    pub pinned: HashSet<ArtifactDigest>,
}

impl<B: Backend> Backend for Pinned<B> {
    fn get(&self, area: Area, key: &Digest) -> Result<Option<Vec<u8>>, StoreError> {
        match area {
            Area::Cas if !self.pinned.contains(&ArtifactDigest(*key)) => Ok(None),
            Area::Cas => self.inner.get(area, key),
            Area::Ac => Ok(self.inner.get(area, key)?.filter(|bytes| {
                match unseal(bytes) {
                    Ok(entry) => self.pinned.contains(&entry.artifact),
                    // An entry that does not unseal is passed on, so the
                    // caller's check rejects it as it would any other.
                    Err(_) => true,
                }
            })),
        }
    }
    fn contains(&self, area: Area, key: &Digest) -> Result<bool, StoreError> {
        match area {
            Area::Cas => Ok(
                self.pinned.contains(&ArtifactDigest(*key)) && self.inner.contains(area, key)?
            ),
            Area::Ac => Ok(self.get(area, key)?.is_some()),
        }
    }
    fn put(&self, area: Area, key: &Digest, bytes: &[u8]) -> Result<(), StoreError> {
        self.inner.put(area, key, bytes)
    }
    fn reject(&self, area: Area, key: &Digest, reason: String) -> StoreError {
        self.inner.reject(area, key, reason)
    }
}

/// A cache that is never a reason to fail a build: the first failure prints
/// one warning and the rest of the run does without it. Objects found
/// missing or rejected are not asked for again in the same run.
pub struct Forgiving<B> {
    inner: B,
    down: AtomicBool,
    missing: Mutex<HashSet<(Area, Digest)>>,
    warn: fn(&str),
}

impl<B: Backend> Forgiving<B> {
    pub fn new(inner: B, warn: fn(&str)) -> Forgiving<B> {
        Forgiving {
            inner,
            down: AtomicBool::new(false),
            missing: Mutex::new(HashSet::new()),
            warn,
        }
    }

    fn missing(&self) -> std::sync::MutexGuard<'_, HashSet<(Area, Digest)>> {
        self.missing.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs one call unless the backend is already down; the first failure
    /// is the run's one warning about it.
    fn call<T>(&self, f: impl FnOnce(&B) -> Result<T, StoreError>) -> Option<T> {
        if self.down.load(Ordering::SeqCst) {
            return None;
        }
        match f(&self.inner) {
            Ok(v) => Some(v),
            Err(e) => {
                if !self.down.swap(true, Ordering::SeqCst) {
                    (self.warn)(&format!(
                        "{e}\n  continuing with the local store only for the rest of this run"
                    ));
                }
                None
            }
        }
    }
}

impl<B: Backend> Backend for Forgiving<B> {
    fn get(&self, area: Area, key: &Digest) -> Result<Option<Vec<u8>>, StoreError> {
        if self.missing().contains(&(area, *key)) {
            return Ok(None);
        }
        let found = self.call(|b| b.get(area, key)).flatten();
        if found.is_none() {
            self.missing().insert((area, *key));
        }
        Ok(found)
    }
    fn contains(&self, area: Area, key: &Digest) -> Result<bool, StoreError> {
        if self.missing().contains(&(area, *key)) {
            return Ok(false);
        }
        Ok(self.call(|b| b.contains(area, key)).unwrap_or(false))
    }
    fn put(&self, area: Area, key: &Digest, bytes: &[u8]) -> Result<(), StoreError> {
        self.call(|b| b.put(area, key, bytes));
        Ok(())
    }
    fn reject(&self, area: Area, key: &Digest, reason: String) -> StoreError {
        self.missing().insert((area, *key));
        self.inner.reject(area, key, reason)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::ActionEntry;
    use crate::store::action::seal;
    use std::collections::HashMap;
    use std::sync::atomic::AtomicUsize;

    /// An in-memory backend that counts the calls that reach it.
    #[derive(Default)]
    struct Memory {
        objects: Mutex<HashMap<(Area, Digest), Vec<u8>>>,
        calls: AtomicUsize,
        broken: bool,
    }

    impl Backend for Memory {
        fn get(&self, area: Area, key: &Digest) -> Result<Option<Vec<u8>>, StoreError> {
            self.calls.fetch_add(1, Ordering::SeqCst);
            if self.broken {
                return Err(StoreError::Rejected {
                    object: "x".into(),
                    reason: "down".into(),
                });
            }
            Ok(self.objects.lock().unwrap().get(&(area, *key)).cloned())
        }
        fn contains(&self, area: Area, key: &Digest) -> Result<bool, StoreError> {
            Ok(self.get(area, key)?.is_some())
        }
        fn put(&self, area: Area, key: &Digest, bytes: &[u8]) -> Result<(), StoreError> {
            self.objects
                .lock()
                .unwrap()
                .insert((area, *key), bytes.to_vec());
            Ok(())
        }
        fn reject(&self, _: Area, _: &Digest, reason: String) -> StoreError {
            StoreError::Rejected {
                object: "x".into(),
                reason,
            }
        }
    }

    fn entry(artifact: Digest) -> Vec<u8> {
        seal(&ActionEntry {
            artifact: ArtifactDigest(artifact),
            interface: None,
            generator: "command/x".into(),
            usage: None,
            created: 0,
            signature: None,
        })
        .unwrap()
    }

    #[test]
    fn read_only_drops_writes() {
        let memory = Arc::new(Memory::default());
        let ro = ReadOnly(memory.clone());
        let d = Digest::of(b"a");
        ro.put(Area::Cas, &d, b"frame").unwrap();
        assert!(!memory.contains(Area::Cas, &d).unwrap());
    }

    #[test]
    fn pinned_serves_only_pinned_artifacts_and_entries_that_point_at_them() {
        let memory = Memory::default();
        let (pinned, other) = (Digest::of(b"pinned"), Digest::of(b"other"));
        let (k1, k2) = (Digest::of(b"k1"), Digest::of(b"k2"));
        memory.put(Area::Cas, &pinned, b"1").unwrap();
        memory.put(Area::Cas, &other, b"2").unwrap();
        memory.put(Area::Ac, &k1, &entry(pinned)).unwrap();
        memory.put(Area::Ac, &k2, &entry(other)).unwrap();
        let p = Pinned {
            inner: memory,
            pinned: HashSet::from([ArtifactDigest(pinned)]),
        };
        assert!(p.contains(Area::Cas, &pinned).unwrap());
        assert!(!p.contains(Area::Cas, &other).unwrap());
        assert_eq!(p.get(Area::Cas, &other).unwrap(), None);
        assert!(p.get(Area::Ac, &k1).unwrap().is_some());
        assert_eq!(p.get(Area::Ac, &k2).unwrap(), None);
    }

    static WARNINGS: AtomicUsize = AtomicUsize::new(0);

    #[test]
    fn forgiving_warns_once_then_does_without() {
        let memory = Arc::new(Memory {
            broken: true,
            ..Memory::default()
        });
        let f = Forgiving::new(memory.clone(), |_| {
            WARNINGS.fetch_add(1, Ordering::SeqCst);
        });
        for i in 0..3u8 {
            assert_eq!(f.get(Area::Cas, &Digest::of(&[i])).unwrap(), None);
            f.put(Area::Cas, &Digest::of(&[i]), b"x").unwrap();
        }
        assert_eq!(WARNINGS.load(Ordering::SeqCst), 1);
        assert_eq!(
            memory.calls.load(Ordering::SeqCst),
            1,
            "asked once, then down"
        );
    }

    #[test]
    fn forgiving_asks_once_for_a_missing_object() {
        let memory = Arc::new(Memory::default());
        let f = Forgiving::new(memory.clone(), |_| {});
        let d = Digest::of(b"absent");
        assert_eq!(f.get(Area::Cas, &d).unwrap(), None);
        assert_eq!(f.get(Area::Cas, &d).unwrap(), None);
        assert!(!f.contains(Area::Cas, &d).unwrap());
        assert_eq!(memory.calls.load(Ordering::SeqCst), 1);
    }
}
