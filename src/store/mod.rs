//! The local content-addressed store.
//!
//! One directory per user (shared by every checkout of every project) keeps
//! every artifact jaunt ever generated and an action cache from inputs key
//! to artifact, so a revert, a branch switch or a fresh clone restores
//! modules without a model call. Layout, versioned so a future format can
//! live beside this one:
//!
//! ```text
//! <root>/v1/cas/ab/cdef….zst   zstd frame of an artifact, named by BLAKE3 of the uncompressed bytes
//! <root>/v1/ac/12/3456…        action entry (JSON, self-checking)
//! <root>/v1/tmp/               staging for write-then-rename
//! <root>/v1/quarantine/        corrupt objects, moved aside so they are never served again
//! <root>/use/v1/<project id>   what a project's jaunt.lock pinned at its last apply ([`usage`])
//! ```
//!
//! Any number of jaunt processes may share a store: every write is
//! temp-file-then-rename ([`crate::fsutil::write_atomic`]), so a reader sees
//! a whole object or none, and racing identical writes are harmless. Nothing
//! read back is trusted before its hash is checked.
//!
//! Builds go through [`TieredStore`], which puts an optional remote store
//! (an HTTP cache or an S3 bucket, [`remote`]) behind this local store.
//! Both are [`Backend`]s: raw objects by area and digest, checked by
//! [`codec`] on the way in.

mod action;
mod backend;
mod codec;
mod local;
mod maintain;
pub mod remote;
pub mod s3;
#[cfg(test)]
mod tests;
mod tiered;
pub mod trust;
mod usage;

pub use action::{ActionEntry, Usage};
pub use backend::{Backend, Forgiving, Pinned, ReadOnly};
pub use maintain::{
    CorruptObject, GcKeep, GcOptions, GcReport, ProjectUse, StoreStats, UseStatus, VerifyReport,
};
pub use remote::Remote;
pub use tiered::{RemoteTier, TieredStore, TransferReport};

use std::path::{Path, PathBuf};

/// A store rooted at a directory, which need not exist yet.
#[derive(Clone, Debug)]
pub struct Store {
    root: PathBuf,
    /// Artifacts larger than this, decompressed, are corrupt: a small
    /// frame that expands without end (a zstd bomb) is refused before it
    /// exhausts memory.
    max_artifact_bytes: u64,
}

/// The default `[store] max_artifact_bytes`: far above any real module.
pub const MAX_ARTIFACT_BYTES: u64 = 8 * 1024 * 1024;

/// A store operation that failed. Both variants name the file involved.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("store I/O error at {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The object failed its check and was moved to the quarantine; callers
    /// treat it as missing.
    #[error("corrupt store object {}: {reason} (moved to quarantine)", path.display())]
    Corrupt { path: PathBuf, reason: String },
    /// The remote store did not answer or refused.
    #[error(transparent)]
    Remote(#[from] remote::RemoteError),
    /// An object the remote served failed its check and was not used.
    #[error("rejected {object}: {reason}; it was not used")]
    Rejected { object: String, reason: String },
}

impl From<StoreError> for crate::error::JauntError {
    fn from(e: StoreError) -> Self {
        crate::error::JauntError::other(e.to_string())
    }
}

impl StoreError {
    fn io(path: &Path, source: std::io::Error) -> StoreError {
        StoreError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// The two kinds of object, by their directory under `v1/`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Area {
    Cas,
    Ac,
}

impl Area {
    fn dir(self) -> &'static str {
        match self {
            Area::Cas => "cas",
            Area::Ac => "ac",
        }
    }

    fn suffix(self) -> &'static str {
        match self {
            Area::Cas => ".zst",
            Area::Ac => "",
        }
    }
}

impl Store {
    /// Opens the store at `root` without touching the disk.
    pub fn open(root: PathBuf) -> Store {
        Store {
            root,
            max_artifact_bytes: MAX_ARTIFACT_BYTES,
        }
    }

    /// The same store with another bound on an artifact's size.
    pub fn with_max_artifact_bytes(self, max_artifact_bytes: u64) -> Store {
        Store {
            max_artifact_bytes,
            ..self
        }
    }

    pub fn max_artifact_bytes(&self) -> u64 {
        self.max_artifact_bytes
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `$JAUNT_STORE` if set, else the per-user cache directory. Callers
    /// apply `[store] path` from the configuration before falling back here.
    pub fn default_root() -> PathBuf {
        if let Some(path) = std::env::var_os("JAUNT_STORE").filter(|p| !p.is_empty()) {
            return PathBuf::from(path);
        }
        dirs::cache_dir()
            .unwrap_or_else(|| dirs::home_dir().unwrap_or_default().join(".cache"))
            .join("jaunt")
    }

    fn v1(&self) -> PathBuf {
        self.root.join("v1")
    }

    fn area_dir(&self, area: Area) -> PathBuf {
        self.v1().join(area.dir())
    }

    /// `<area>/<hex[0..2]>/<hex[2..]><suffix>`: two-level fan-out keeps
    /// directories small.
    fn object_path(&self, area: Area, digest: &crate::digest::Digest) -> PathBuf {
        let hex = digest.hex();
        let (shard, rest) = hex.split_at(2);
        self.area_dir(area)
            .join(shard)
            .join(format!("{rest}{}", area.suffix()))
    }

    fn quarantine_dir(&self) -> PathBuf {
        self.v1().join("quarantine")
    }

    /// Moves a corrupt object out of the way so no later read serves it,
    /// and returns the error to report. If it cannot be moved it is deleted.
    fn quarantine(&self, area: Area, path: &Path, reason: String) -> StoreError {
        let shard = path
            .parent()
            .and_then(Path::file_name)
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let name = path
            .file_name()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let dir = self.quarantine_dir();
        let moved = std::fs::create_dir_all(&dir).and_then(|()| {
            std::fs::rename(path, dir.join(format!("{}-{shard}{name}", area.dir())))
        });
        if moved.is_err() {
            let _ = std::fs::remove_file(path);
        }
        StoreError::Corrupt {
            path: path.to_path_buf(),
            reason,
        }
    }

    /// Whether objects can be written: checked before a model call whose
    /// answer the store must keep.
    pub fn check_writable(&self) -> Result<(), StoreError> {
        let tmp = self.v1().join("tmp");
        crate::fsutil::probe_writable(&tmp).map_err(|e| StoreError::io(&tmp, e))
    }

    /// Removes `.jaunt-tmp-*` leftovers of killed runs (older than a
    /// minute, so a write in progress elsewhere is left alone). Returns how
    /// many were removed.
    pub fn sweep_temps(&self) -> usize {
        const MIN_AGE: std::time::Duration = std::time::Duration::from_secs(60);
        let mut dirs = vec![self.v1().join("tmp"), self.use_dir()];
        for area in [Area::Cas, Area::Ac] {
            if let Ok(shards) = std::fs::read_dir(self.area_dir(area)) {
                dirs.extend(shards.flatten().map(|e| e.path()).filter(|p| p.is_dir()));
            }
        }
        dirs.iter()
            .map(|d| crate::fsutil::remove_stale_temps(d, MIN_AGE))
            .sum()
    }
}

/// Store warnings go straight to stderr: they matter while a long run is
/// still going, and they never change its outcome.
pub(crate) fn warn(message: &str) {
    eprintln!(
        "{}: {message}",
        console::style("warning").yellow().bold().for_stderr()
    );
}

/// Reads a whole file; `None` when it does not exist.
fn read_if_exists(path: &Path) -> Result<Option<Vec<u8>>, StoreError> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(StoreError::io(path, e)),
    }
}
