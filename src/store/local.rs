//! Reading and writing single objects.

use super::action::{seal, unseal};
use super::{ActionEntry, Area, Store, StoreError, read_if_exists};
use crate::digest::Digest;
use crate::fsutil::write_atomic;
use std::path::Path;

/// zstd level for artifacts: generated modules are small, so a middling
/// level costs little time and saves most of the space.
const ZSTD_LEVEL: i32 = 9;

impl Store {
    /// Stores an artifact and returns its digest (BLAKE3 of `body`). An
    /// intact copy already present is kept (and marked as recently used);
    /// a corrupt one is replaced.
    pub fn put_artifact(&self, body: &[u8]) -> Result<Digest, StoreError> {
        let digest = Digest::of(body);
        let path = self.object_path(Area::Cas, &digest);
        if let Some(existing) = read_if_exists(&path)?
            && decode_artifact(&existing, &digest).is_ok()
        {
            touch(&path);
            return Ok(digest);
        }
        let frame = zstd::bulk::compress(body, ZSTD_LEVEL).map_err(|e| StoreError::io(&path, e))?;
        write_atomic(&path, &frame).map_err(|e| StoreError::io(&path, e))?;
        Ok(digest)
    }

    /// The artifact's bytes, verified against `digest`; `None` when absent.
    /// A corrupt object is quarantined and reported as
    /// [`StoreError::Corrupt`]: callers treat it as missing.
    pub fn get_artifact(&self, digest: &Digest) -> Result<Option<Vec<u8>>, StoreError> {
        let path = self.object_path(Area::Cas, digest);
        let Some(frame) = read_if_exists(&path)? else {
            return Ok(None);
        };
        decode_artifact(&frame, digest)
            .map(Some)
            .map_err(|reason| self.quarantine(Area::Cas, &path, reason))
    }

    /// Whether an artifact is present, without reading it; only
    /// [`Store::get_artifact`] vouches for its content.
    pub fn has_artifact(&self, digest: &Digest) -> bool {
        self.object_path(Area::Cas, digest).is_file()
    }

    /// Records the artifact generated for inputs key `key`, replacing any
    /// earlier entry.
    pub fn put_action(&self, key: &Digest, entry: &ActionEntry) -> Result<(), StoreError> {
        let path = self.object_path(Area::Ac, key);
        let bytes = seal(entry).map_err(|e| StoreError::io(&path, e.into()))?;
        write_atomic(&path, &bytes).map_err(|e| StoreError::io(&path, e))
    }

    /// The entry for inputs key `key`; `None` when absent. A hit marks the
    /// entry as recently used, which `gc --max-age` keeps. A corrupt entry
    /// is quarantined and reported as [`StoreError::Corrupt`].
    pub fn get_action(&self, key: &Digest) -> Result<Option<ActionEntry>, StoreError> {
        let path = self.object_path(Area::Ac, key);
        let Some(bytes) = read_if_exists(&path)? else {
            return Ok(None);
        };
        let entry = unseal(&bytes).map_err(|reason| self.quarantine(Area::Ac, &path, reason))?;
        touch(&path);
        Ok(Some(entry))
    }
}

/// Decompresses an artifact and checks its hash; the error is the reason
/// the object is corrupt.
pub(super) fn decode_artifact(frame: &[u8], digest: &Digest) -> Result<Vec<u8>, String> {
    let body =
        zstd::stream::decode_all(frame).map_err(|e| format!("not a valid zstd frame: {e}"))?;
    let actual = Digest::of(&body);
    if actual != *digest {
        return Err(format!("content hashes to {actual}, not {digest}"));
    }
    Ok(body)
}

/// Sets the mtime to now: the "last used" time gc goes by. Best effort; a
/// read-only store still serves reads.
fn touch(path: &Path) {
    if let Ok(file) = std::fs::OpenOptions::new().write(true).open(path) {
        let _ = file.set_modified(std::time::SystemTime::now());
    }
}
