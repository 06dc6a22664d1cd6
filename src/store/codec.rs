//! What store objects are: an artifact is a zstd frame of the generated
//! body, named by the BLAKE3 of the body; an action entry is sealed JSON.
//! Reading through a [`Backend`] checks both, and hands a bad object back
//! to the backend that served it.

use super::action::unseal;
use super::{ActionEntry, Area, Backend, StoreError};
use crate::digest::Digest;

/// zstd level for artifacts: generated modules are small, so a middling
/// level costs little time and saves most of the space.
const ZSTD_LEVEL: i32 = 9;

/// An artifact that passed its check.
pub(super) struct Checked {
    /// The zstd frame, as every backend keeps it.
    pub frame: Vec<u8>,
    pub body: Vec<u8>,
}

pub(super) fn encode_artifact(body: &[u8]) -> std::io::Result<Vec<u8>> {
    zstd::bulk::compress(body, ZSTD_LEVEL)
}

/// Decompresses an artifact, reading at most `limit` bytes of it, and
/// checks its hash; the error is the reason the object is corrupt.
pub(super) fn decode_artifact(
    frame: &[u8],
    digest: &Digest,
    limit: u64,
) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let decoder = zstd::stream::read::Decoder::new(frame)
        .map_err(|e| format!("not a valid zstd frame: {e}"))?;
    let mut body = Vec::new();
    decoder
        .take(limit.saturating_add(1))
        .read_to_end(&mut body)
        .map_err(|e| format!("not a valid zstd frame: {e}"))?;
    if body.len() as u64 > limit {
        return Err(format!(
            "decompresses to more than {limit} bytes ([store] max_artifact_bytes)"
        ));
    }
    let actual = Digest::of(&body);
    if actual != *digest {
        return Err(format!("content hashes to {actual}, not {digest}"));
    }
    Ok(body)
}

/// The artifact from `backend`, checked; `None` when absent. A bad object
/// is rejected through the backend and reported as the error.
pub(super) fn read_artifact(
    backend: &dyn Backend,
    digest: &Digest,
    limit: u64,
) -> Result<Option<Checked>, StoreError> {
    let Some(frame) = backend.get(Area::Cas, digest)? else {
        return Ok(None);
    };
    match decode_artifact(&frame, digest, limit) {
        Ok(body) => Ok(Some(Checked { frame, body })),
        Err(reason) => Err(backend.reject(Area::Cas, digest, reason)),
    }
}

/// The action entry from `backend`, checked; `None` when absent.
pub(super) fn read_action(
    backend: &dyn Backend,
    key: &Digest,
) -> Result<Option<ActionEntry>, StoreError> {
    let Some(bytes) = backend.get(Area::Ac, key)? else {
        return Ok(None);
    };
    unseal(&bytes)
        .map(Some)
        .map_err(|reason| backend.reject(Area::Ac, key, reason))
}
