//! The local directory as a [`Backend`], and its typed object methods.

use super::action::seal;
use super::codec::{decode_artifact, encode_artifact, read_action, read_artifact};
use super::{ActionEntry, Area, Backend, Store, StoreError, read_if_exists};
use crate::digest::{ArtifactDigest, Digest, InputsKey};
use crate::fsutil::write_atomic;
use std::path::Path;

impl Backend for Store {
    fn get(&self, area: Area, key: &Digest) -> Result<Option<Vec<u8>>, StoreError> {
        read_if_exists(&self.object_path(area, key))
    }

    fn contains(&self, area: Area, key: &Digest) -> Result<bool, StoreError> {
        Ok(self.object_path(area, key).is_file())
    }

    fn put(&self, area: Area, key: &Digest, bytes: &[u8]) -> Result<(), StoreError> {
        let path = self.object_path(area, key);
        write_atomic(&path, bytes).map_err(|e| StoreError::io(&path, e))
    }

    fn reject(&self, area: Area, key: &Digest, reason: String) -> StoreError {
        self.quarantine(area, &self.object_path(area, key), reason)
    }
}

impl Store {
    /// Stores an artifact and returns its digest (BLAKE3 of `body`). An
    /// intact copy already present is kept (and marked as recently used);
    /// a corrupt one is replaced.
    pub fn put_artifact(&self, body: &[u8]) -> Result<ArtifactDigest, StoreError> {
        let digest = ArtifactDigest::of(body);
        let path = self.object_path(Area::Cas, &digest.0);
        if let Ok(Some(_)) = read_artifact(self, &digest.0, self.max_artifact_bytes) {
            touch(&path);
            return Ok(digest);
        }
        let frame = encode_artifact(body).map_err(|e| StoreError::io(&path, e))?;
        self.put(Area::Cas, &digest.0, &frame)?;
        Ok(digest)
    }

    /// Keeps a frame that was checked elsewhere (fetched from a remote).
    pub(super) fn put_frame(
        &self,
        digest: &ArtifactDigest,
        frame: &[u8],
    ) -> Result<(), StoreError> {
        self.put(Area::Cas, &digest.0, frame)
    }

    /// The artifact's bytes, verified against `digest`; `None` when absent.
    /// A corrupt object is quarantined and reported as
    /// [`StoreError::Corrupt`]: callers treat it as missing.
    pub fn get_artifact(&self, digest: &ArtifactDigest) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(read_artifact(self, &digest.0, self.max_artifact_bytes)?.map(|c| c.body))
    }

    /// The artifact's bytes if an intact copy is here; a corrupt one is
    /// left where it is (planning writes nothing).
    pub fn peek_artifact(&self, digest: &ArtifactDigest) -> Option<Vec<u8>> {
        let frame = read_if_exists(&self.object_path(Area::Cas, &digest.0)).ok()??;
        decode_artifact(&frame, &digest.0, self.max_artifact_bytes).ok()
    }

    /// Whether an artifact is present, without reading it; only
    /// [`Store::get_artifact`] vouches for its content.
    pub fn has_artifact(&self, digest: &ArtifactDigest) -> bool {
        self.object_path(Area::Cas, &digest.0).is_file()
    }

    /// Records the artifact generated for inputs key `key`, replacing any
    /// earlier entry.
    pub fn put_action(&self, key: &InputsKey, entry: &ActionEntry) -> Result<(), StoreError> {
        let path = self.object_path(Area::Ac, &key.0);
        let bytes = seal(entry).map_err(|e| StoreError::io(&path, e.into()))?;
        self.put(Area::Ac, &key.0, &bytes)
    }

    /// The entry for inputs key `key`; `None` when absent. A corrupt entry
    /// is quarantined and reported as [`StoreError::Corrupt`]. Reading
    /// leaves the entry as it is: only a build that uses it marks it used
    /// ([`Store::touch_action`]), so planning writes nothing.
    pub fn get_action(&self, key: &InputsKey) -> Result<Option<ActionEntry>, StoreError> {
        read_action(self, &key.0)
    }

    /// Marks an entry as recently used, which `gc --max-age` keeps.
    pub fn touch_action(&self, key: &InputsKey) {
        touch(&self.object_path(Area::Ac, &key.0));
    }
}

/// Sets the mtime to now: the "last used" time gc goes by. Best effort; a
/// read-only store still serves reads.
fn touch(path: &Path) {
    if let Ok(file) = std::fs::OpenOptions::new().write(true).open(path) {
        let _ = file.set_modified(std::time::SystemTime::now());
    }
}
