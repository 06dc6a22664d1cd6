//! The persistent parse cache.
//!
//! What [`crate::python::summarize`] extracts from a file is kept in
//! `.jaunt/cache/parse-v1.bin`, keyed by the file's project-relative path,
//! size and mtime, and invalidated wholesale by a different jaunt version.
//! A file whose mtime is too close to the moment the cache was written
//! cannot be trusted by its stat alone (it may have been changed again
//! within the filesystem's timestamp granularity — git's "racy clean"
//! problem), so its content hash is compared instead.

use crate::python::FileSummary;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

const CACHE_FILE: &str = "parse-v1.bin";
/// A file modified this close to (or after) the cache write is "racy".
pub(crate) const RACY_WINDOW_NS: u128 = 2_000_000_000;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Entry {
    pub size: u64,
    pub mtime_ns: u128,
    pub content: [u8; 32],
    pub summary: Arc<FileSummary>,
}

/// The file on disk: entries in independently encoded shards, so that
/// loading 10,000 summaries decodes on every core.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Stored {
    /// Tool version and cache format; anything else is a foreign cache.
    stamp: String,
    written_ns: u128,
    /// Each a postcard-encoded `Vec<(String, Entry)>`.
    shards: Vec<Vec<u8>>,
}

/// Entries per shard when saving.
const SHARD_SIZE: usize = 512;

#[derive(Debug, Default)]
struct CacheFile {
    written_ns: u128,
    entries: HashMap<String, Entry>,
}

impl CacheFile {
    fn decode(bytes: &[u8]) -> Option<CacheFile> {
        let stored: Stored = postcard::from_bytes(bytes).ok()?;
        if stored.stamp != stamp() {
            return None;
        }
        let shards: Option<Vec<Vec<(String, Entry)>>> = stored
            .shards
            .par_iter()
            .map(|shard| postcard::from_bytes(shard).ok())
            .collect();
        Some(CacheFile {
            written_ns: stored.written_ns,
            entries: shards?.into_iter().flatten().collect(),
        })
    }

    fn encode(&self) -> Option<Vec<u8>> {
        let entries: Vec<(&String, &Entry)> = self.entries.iter().collect();
        let shards: Option<Vec<Vec<u8>>> = entries
            .par_chunks(SHARD_SIZE)
            .map(|chunk| postcard::to_stdvec(chunk).ok())
            .collect();
        postcard::to_stdvec(&Stored {
            stamp: stamp(),
            written_ns: self.written_ns,
            shards: shards?,
        })
        .ok()
    }
}

/// The cache as loaded, plus what this run learned.
pub struct ParseCache {
    path: PathBuf,
    loaded: CacheFile,
    dirty: bool,
}

/// How a file's summary was obtained, for `-v` and tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lookup {
    /// Size and mtime matched and the entry is not racy.
    Hit,
    /// Racy entry whose content hash matched.
    HitByContent,
    Miss,
}

fn stamp() -> String {
    format!("jaunt {} parse-cache v8", env!("CARGO_PKG_VERSION"))
}

/// Whether a file with this mtime may have changed again, unseen by its
/// stat, after a cache written at `written_ns` recorded it.
pub fn is_racy(mtime_ns: u128, written_ns: u128) -> bool {
    mtime_ns + RACY_WINDOW_NS > written_ns
}

/// Now, in nanoseconds since the epoch: when a cache is written.
pub fn now_ns() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos())
}

pub fn mtime_ns(meta: &std::fs::Metadata) -> u128 {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos())
}

impl ParseCache {
    pub fn dir(state_dir: &Path) -> PathBuf {
        state_dir.join("cache")
    }

    /// Loads the cache; a missing, corrupt or foreign cache is empty.
    pub fn load(state_dir: &Path) -> ParseCache {
        let path = Self::dir(state_dir).join(CACHE_FILE);
        let loaded = crate::fsutil::read_regular(&path)
            .ok()
            .and_then(|bytes| CacheFile::decode(&bytes))
            .unwrap_or_default();
        ParseCache {
            path,
            loaded,
            dirty: false,
        }
    }

    /// The cached summary for `rel`, if it still describes the file.
    /// `content` is called only for racy entries, to hash the file.
    pub fn lookup(
        &self,
        rel: &str,
        size: u64,
        mtime_ns: u128,
        content: impl FnOnce() -> Option<[u8; 32]>,
    ) -> (Lookup, Option<Arc<FileSummary>>) {
        let Some(e) = self.loaded.entries.get(rel) else {
            return (Lookup::Miss, None);
        };
        if e.size != size {
            return (Lookup::Miss, None);
        }
        if e.mtime_ns == mtime_ns && !is_racy(mtime_ns, self.loaded.written_ns) {
            return (Lookup::Hit, Some(e.summary.clone()));
        }
        if content() == Some(e.content) {
            return (Lookup::HitByContent, Some(e.summary.clone()));
        }
        (Lookup::Miss, None)
    }

    /// The content hash recorded for `rel`.
    pub fn content_of(&self, rel: &str) -> Option<[u8; 32]> {
        self.loaded.entries.get(rel).map(|e| e.content)
    }

    /// Records what this run read; racy or changed entries make the cache
    /// worth rewriting.
    pub fn record(&mut self, rel: String, entry: Entry, how: Lookup) {
        if how != Lookup::Hit {
            self.dirty = true;
        }
        self.loaded.entries.insert(rel, entry);
    }

    /// Forgets files that no longer exist, so the cache does not grow forever.
    /// Only used after a full walk, where every live file was seen.
    pub fn retain(&mut self, live: &std::collections::HashSet<String>) {
        let before = self.loaded.entries.len();
        self.loaded.entries.retain(|k, _| live.contains(k));
        if self.loaded.entries.len() != before {
            self.dirty = true;
        }
    }

    /// Writes the cache if anything changed. Failure to write is not an
    /// error: the cache is an optimization.
    pub fn save(mut self) {
        if !self.dirty {
            return;
        }
        self.loaded.written_ns = now_ns();
        if let Some(bytes) = self.loaded.encode() {
            let _ = crate::fsutil::write_atomic(&self.path, &bytes);
        }
    }
}

/// The parse cache as `jaunt doctor` finds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Health {
    /// Not written yet: the next command that reads the specs writes it.
    Absent,
    Healthy {
        entries: usize,
    },
    /// Written by another jaunt version; the next command replaces it.
    OtherVersion,
    /// Cannot be read or decoded. Commands still work, parsing every file
    /// again, and replace it when they save.
    Unreadable(String),
}

/// Reads the cache file whole, as [`ParseCache::load`] does, and says why
/// it would be ignored.
pub fn health(state_dir: &Path) -> Health {
    let path = ParseCache::dir(state_dir).join(CACHE_FILE);
    let bytes = match crate::fsutil::read_regular(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Health::Absent,
        Err(e) => return Health::Unreadable(e.to_string()),
    };
    match postcard::from_bytes::<Stored>(&bytes) {
        Err(e) => Health::Unreadable(format!("not a parse cache ({e})")),
        Ok(stored) if stored.stamp != stamp() => Health::OtherVersion,
        Ok(_) => match CacheFile::decode(&bytes) {
            Some(file) => Health::Healthy {
                entries: file.entries.len(),
            },
            None => Health::Unreadable("a shard of entries does not decode".into()),
        },
    }
}

/// `jaunt cache clear`: removes the parse cache. Returns whether it existed.
pub fn clear(state_dir: &Path) -> std::io::Result<bool> {
    let dir = ParseCache::dir(state_dir);
    match std::fs::remove_dir_all(&dir) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: u128 = 1_000_000_000;

    fn entry(size: u64, mtime_ns: u128, content: u8) -> Entry {
        Entry {
            size,
            mtime_ns,
            content: [content; 32],
            summary: Arc::new(crate::python::summarize("import jaunt\n")),
        }
    }

    /// A cache in `dir` holding one entry for `a.py`, saved now.
    fn saved(dir: &Path, e: Entry) {
        let mut cache = ParseCache::load(dir);
        cache.record("a.py".into(), e, Lookup::Miss);
        cache.save();
    }

    #[test]
    fn an_old_file_is_a_hit_by_stat_alone() {
        let dir = tempfile::tempdir().unwrap();
        let old = now_ns() - 60 * SECOND;
        saved(dir.path(), entry(10, old, 1));
        let cache = ParseCache::load(dir.path());
        let (how, summary) = cache.lookup("a.py", 10, old, || panic!("no hashing needed"));
        assert_eq!(how, Lookup::Hit);
        assert!(summary.is_some());
        assert_eq!(cache.lookup("a.py", 11, old, || None).0, Lookup::Miss);
        assert_eq!(cache.lookup("b.py", 10, old, || None).0, Lookup::Miss);
    }

    #[test]
    fn a_racy_file_is_checked_by_content() {
        let dir = tempfile::tempdir().unwrap();
        let racy = now_ns();
        saved(dir.path(), entry(10, racy, 7));
        let cache = ParseCache::load(dir.path());
        assert_eq!(
            cache.lookup("a.py", 10, racy, || Some([7; 32])).0,
            Lookup::HitByContent
        );
        assert_eq!(
            cache.lookup("a.py", 10, racy, || Some([8; 32])).0,
            Lookup::Miss
        );
    }

    #[test]
    fn a_corrupt_or_foreign_cache_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        let file = ParseCache::dir(dir.path()).join(CACHE_FILE);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, b"\x00not a cache").unwrap();
        let old = now_ns() - 60 * SECOND;
        assert_eq!(
            ParseCache::load(dir.path())
                .lookup("a.py", 1, old, || None)
                .0,
            Lookup::Miss
        );
        let foreign = postcard::to_stdvec(&Stored {
            stamp: "jaunt 0.0.0 parse-cache v0".into(),
            written_ns: now_ns(),
            shards: Vec::new(),
        })
        .unwrap();
        std::fs::write(&file, foreign).unwrap();
        assert!(ParseCache::load(dir.path()).loaded.entries.is_empty());
    }

    #[test]
    fn health_tells_absent_healthy_other_version_and_corrupt_apart() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(health(dir.path()), Health::Absent);
        saved(dir.path(), entry(10, now_ns(), 1));
        assert_eq!(health(dir.path()), Health::Healthy { entries: 1 });
        let file = ParseCache::dir(dir.path()).join(CACHE_FILE);
        let other = postcard::to_stdvec(&Stored {
            stamp: "jaunt 0.0.0 parse-cache v0".into(),
            written_ns: now_ns(),
            shards: Vec::new(),
        })
        .unwrap();
        std::fs::write(&file, other).unwrap();
        assert_eq!(health(dir.path()), Health::OtherVersion);
        let bad_shard = postcard::to_stdvec(&Stored {
            stamp: stamp(),
            written_ns: now_ns(),
            shards: vec![vec![0xff; 8]],
        })
        .unwrap();
        std::fs::write(&file, bad_shard).unwrap();
        assert!(matches!(health(dir.path()), Health::Unreadable(_)));
        std::fs::write(&file, [0xff; 12]).unwrap();
        assert!(matches!(health(dir.path()), Health::Unreadable(_)));
    }

    #[test]
    fn an_unchanged_cache_is_not_rewritten() {
        let dir = tempfile::tempdir().unwrap();
        let old = now_ns() - 60 * SECOND;
        saved(dir.path(), entry(10, old, 1));
        let file = ParseCache::dir(dir.path()).join(CACHE_FILE);
        let before = std::fs::read(&file).unwrap();
        let mut cache = ParseCache::load(dir.path());
        cache.record("a.py".into(), entry(10, old, 1), Lookup::Hit);
        cache.save();
        assert_eq!(std::fs::read(&file).unwrap(), before);
        let mut cache = ParseCache::load(dir.path());
        cache.retain(&std::collections::HashSet::new());
        cache.save();
        assert!(ParseCache::load(dir.path()).loaded.entries.is_empty());
    }
}
