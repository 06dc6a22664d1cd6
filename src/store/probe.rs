//! Trying a remote store once, for `jaunt doctor`: whether it answers, and
//! whether it takes a write.
//!
//! The probe is a real artifact (a zstd frame named by the BLAKE3 of its
//! body), so whatever checks the remote's objects accepts it and `store gc`
//! treats it like any other unpinned object. It goes through the
//! [`Backend`] trait, so every kind of remote is probed alike.

use super::codec::encode_artifact;
use super::{Area, Backend};
use crate::digest::Digest;

/// The probe artifact's body: a comment, harmless if anything ever read it.
const PROBE_BODY: &[u8] = b"# written by `jaunt doctor` to check that this store accepts writes\n";

/// What one probe found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoteProbe {
    /// `Err` with the reason when the remote did not answer a lookup.
    pub reachable: Result<(), String>,
    /// Whether the probe object could be written; `None` when writing was
    /// not tried (not reachable, or not asked for).
    pub writable: Option<Result<(), String>>,
}

/// Looks the probe up on `remote` and, when `write`, stores it there.
pub fn probe(remote: &dyn Backend, write: bool) -> RemoteProbe {
    let digest = Digest::of(PROBE_BODY);
    if let Err(e) = remote.contains(Area::Cas, &digest) {
        return RemoteProbe {
            reachable: Err(e.to_string()),
            writable: None,
        };
    }
    let writable = write.then(|| {
        let frame = encode_artifact(PROBE_BODY).map_err(|e| e.to_string())?;
        remote
            .put(Area::Cas, &digest, &frame)
            .map_err(|e| e.to_string())
    });
    RemoteProbe {
        reachable: Ok(()),
        writable,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::StoreError;
    use std::sync::Mutex;

    /// A remote that answers lookups or not, and takes writes or not.
    struct Fake {
        answers: bool,
        takes_writes: bool,
        written: Mutex<Vec<(Area, Digest, Vec<u8>)>>,
    }

    impl Backend for Fake {
        fn get(&self, _: Area, _: &Digest) -> Result<Option<Vec<u8>>, StoreError> {
            Ok(None)
        }
        fn contains(&self, _: Area, _: &Digest) -> Result<bool, StoreError> {
            if self.answers {
                Ok(false)
            } else {
                Err(StoreError::Rejected {
                    object: "probe".into(),
                    reason: "connection refused".into(),
                })
            }
        }
        fn put(&self, area: Area, key: &Digest, bytes: &[u8]) -> Result<(), StoreError> {
            if !self.takes_writes {
                return Err(StoreError::Rejected {
                    object: "probe".into(),
                    reason: "403 Forbidden".into(),
                });
            }
            self.written
                .lock()
                .unwrap()
                .push((area, *key, bytes.to_vec()));
            Ok(())
        }
        fn reject(&self, _: Area, _: &Digest, reason: String) -> StoreError {
            StoreError::Rejected {
                object: "probe".into(),
                reason,
            }
        }
    }

    fn fake(answers: bool, takes_writes: bool) -> Fake {
        Fake {
            answers,
            takes_writes,
            written: Mutex::new(Vec::new()),
        }
    }

    #[test]
    fn the_probe_is_a_valid_artifact_named_by_its_body() {
        let remote = fake(true, true);
        let found = probe(&remote, true);
        assert_eq!(found.reachable, Ok(()));
        assert_eq!(found.writable, Some(Ok(())));
        let written = remote.written.lock().unwrap();
        let (area, key, frame) = &written[0];
        assert_eq!(*area, Area::Cas);
        assert_eq!(*key, Digest::of(PROBE_BODY));
        let decoded = super::super::codec::decode_artifact(frame, key, 1 << 20).unwrap();
        assert_eq!(decoded, PROBE_BODY);
    }

    #[test]
    fn unreachable_and_read_only_remotes_are_told_apart() {
        let down = probe(&fake(false, true), true);
        assert!(down.reachable.unwrap_err().contains("connection refused"));
        assert_eq!(down.writable, None, "no write is tried when lookups fail");

        let read_only = probe(&fake(true, false), true);
        assert_eq!(read_only.reachable, Ok(()));
        assert!(read_only.writable.unwrap().unwrap_err().contains("403"));

        let remote = fake(true, true);
        assert_eq!(probe(&remote, false).writable, None);
        assert!(
            remote.written.lock().unwrap().is_empty(),
            "not asked to write"
        );
    }
}
