//! Last-use records: what each project's `jaunt.lock` pinned when it last
//! applied, so `store gc` run from one project keeps what the others
//! sharing the store still use (Cargo's global cache tracker does the same
//! for its registry cache).
//!
//! ```text
//! <root>/use/v1/<project id>   {"root", "lock", "artifacts", "actions"}; its mtime is the last use
//! ```
//!
//! The project id is a hash of the canonical project root, so each
//! checkout has one record, replaced by its next apply. The directory is
//! versioned apart from the objects, as uv versions its cache buckets: a
//! reader ignores fields it does not know, and a format older readers
//! would misread moves to `use/v2/`. Records are hostile input: read
//! bounded, never through a symlink, and one that cannot be read pins
//! nothing.

use super::maintain::list_dir;
use super::{Store, StoreError};
use crate::digest::{ArtifactDigest, InputsKey, KeyHasher};
use crate::fsutil::{TMP_PREFIX, write_atomic};
use serde::{Deserialize, Serialize};
use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// A record larger than this is not read: about 100,000 modules' pins.
const MAX_RECORD_BYTES: u64 = 16 * 1024 * 1024;

/// An unchanged record younger than this is left alone, so a no-op apply
/// only reads it; gc then knows a project's last use to within a day.
const REFRESH: Duration = Duration::from_secs(24 * 3600);

/// One project's last use of the store.
#[derive(Debug, Serialize, Deserialize)]
pub struct UseRecord {
    /// The project root, shown in reports; nothing is read or written there.
    pub root: String,
    /// The project's `jaunt.lock`, absolute: once it is gone, the project
    /// is, and gc drops the record. `None` when the path is not UTF-8.
    #[serde(default)]
    pub lock: Option<PathBuf>,
    pub artifacts: Vec<ArtifactDigest>,
    pub actions: Vec<InputsKey>,
}

/// A record file as gc finds it.
pub(super) struct UseEntry {
    pub(super) path: PathBuf,
    /// Time since its last write: since the project last applied.
    pub(super) age: Duration,
    /// The record, or why it cannot be used.
    pub(super) record: Result<UseRecord, String>,
}

impl Store {
    pub(super) fn use_dir(&self) -> PathBuf {
        self.root.join("use").join("v1")
    }

    /// Notes that the project at `root` (lockfile `lock`) now pins these
    /// (inputs key, artifact) pairs, kept in the order given: the
    /// lockfile's order is deterministic, and not sorting keeps a no-op
    /// apply cheap. Writes only when the record would change or is older
    /// than [`REFRESH`], so a no-op apply renders, stats and reads it
    /// (about 3 ms for 10,000 modules). Returns whether it wrote.
    pub fn record_use(
        &self,
        root: &Path,
        lock: &Path,
        pins: impl IntoIterator<Item = (InputsKey, ArtifactDigest)>,
    ) -> Result<bool, StoreError> {
        let real = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
        let lock = lock
            .strip_prefix(root)
            .map_or_else(|_| lock.to_path_buf(), |rel| real.join(rel));
        let root = real;
        let (actions, artifacts): (Vec<_>, Vec<_>) = pins.into_iter().unzip();
        let record = UseRecord {
            root: root.to_string_lossy().into_owned(),
            lock: lock.to_str().map(PathBuf::from),
            artifacts,
            actions,
        };
        let mut bytes = serde_json::to_vec(&record).map_err(|e| StoreError::io(&root, e.into()))?;
        bytes.push(b'\n');
        let path = self.use_dir().join(project_id(&root));
        if is_current(&path, &bytes) {
            return Ok(false);
        }
        write_atomic(&path, &bytes).map_err(|e| StoreError::io(&path, e))?;
        Ok(true)
    }

    /// Every use record, read or with the reason it cannot be; files being
    /// written (temporaries) are left out.
    pub(super) fn use_records(&self, now: SystemTime) -> Result<Vec<UseEntry>, StoreError> {
        let mut out = Vec::new();
        for path in list_dir(&self.use_dir())? {
            if path
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(TMP_PREFIX))
            {
                continue;
            }
            // Not followed: a symlink's own mtime is its age.
            let Ok(meta) = fs::symlink_metadata(&path) else {
                continue; // removed meanwhile
            };
            let age = meta
                .modified()
                .map(|t| now.duration_since(t).unwrap_or_default())
                .unwrap_or_default();
            let record = read_bounded(&path)
                .map_err(|e| e.to_string())
                .and_then(|bytes| parse(&bytes));
            out.push(UseEntry { path, age, record });
        }
        Ok(out)
    }
}

/// The record's file name: BLAKE3 of the canonical root, in its own domain.
pub(super) fn project_id(root: &Path) -> String {
    use std::os::unix::ffi::OsStrExt;
    KeyHasher::new("jaunt.project.v1")
        .field("root", root.as_os_str().as_bytes())
        .finish()
        .hex()
}

/// Whether the record at `path` already holds `bytes` and is recent
/// enough to leave alone.
fn is_current(path: &Path, bytes: &[u8]) -> bool {
    let Ok(meta) = fs::symlink_metadata(path) else {
        return false;
    };
    let young = meta
        .modified()
        .ok()
        .and_then(|t| SystemTime::now().duration_since(t).ok())
        .is_some_and(|age| age < REFRESH);
    young
        && meta.is_file()
        && meta.len() == bytes.len() as u64
        && read_bounded(path).is_ok_and(|old| old == bytes)
}

/// Reads a regular file of at most [`MAX_RECORD_BYTES`]. A symlink is
/// refused, not followed, and a FIFO is refused, not waited on.
fn read_bounded(path: &Path) -> io::Result<Vec<u8>> {
    use std::os::unix::fs::OpenOptionsExt;
    let file = fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a regular file",
        ));
    }
    let mut bytes = Vec::new();
    file.take(MAX_RECORD_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_RECORD_BYTES {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("larger than {MAX_RECORD_BYTES} bytes"),
        ));
    }
    Ok(bytes)
}

fn parse(bytes: &[u8]) -> Result<UseRecord, String> {
    let record: UseRecord =
        serde_json::from_slice(bytes).map_err(|e| format!("not a use record: {e}"))?;
    if record.lock.as_deref().is_some_and(|l| !l.is_absolute()) {
        return Err("not a use record: its lockfile path is relative".into());
    }
    Ok(record)
}
