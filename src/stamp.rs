//! The no-op stamp: what a run read, recorded by `stat`, with the answer it
//! gave, so that the next run whose inputs all stat the same gives that
//! answer without walking, parsing or planning.
//!
//! A stamp lives in `.jaunt/cache/noop-<purpose>-v1.bin`. It holds every
//! path the answer depended on (files and directories, present or absent)
//! with its size, mtime, ctime, inode and device; a directory's mtime moves
//! when an entry is added, removed or renamed in it, which is how new files
//! are noticed without a walk. It is keyed by the jaunt binary (version,
//! size and mtime of the executable) and by the environment, so a rebuilt
//! jaunt or a changed variable never reads an old answer.
//!
//! Racy rule: a stamp is written only when every path it records was last
//! changed at least 2 s (the parse cache's racy window) before the run
//! began, so a file changed during the run (or within the filesystem's
//! timestamp granularity) can never hide behind an unchanged stat. A
//! missing, foreign, corrupt or stale stamp is ignored; writing one is
//! best effort.

use crate::discover::cache::{ParseCache, is_racy, now_ns};
use rayon::prelude::*;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::path::{Path, PathBuf};

/// Environment variables that differ between shells of the same session
/// and that jaunt never reads: not part of a stamp's key.
const VOLATILE_ENV: [&str; 4] = ["PWD", "OLDPWD", "SHLVL", "_"];

/// What `stat` says about a path, or that it is absent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Seen {
    Absent,
    Present {
        size: u64,
        mtime_ns: u128,
        ctime_ns: u128,
        ino: u64,
        dev: u64,
        dir: bool,
    },
}

impl Seen {
    pub fn of(path: &Path) -> Seen {
        match std::fs::symlink_metadata(path) {
            Ok(meta) => Seen::from_meta(&meta),
            Err(_) => Seen::Absent,
        }
    }

    #[cfg(unix)]
    fn from_meta(meta: &std::fs::Metadata) -> Seen {
        use std::os::unix::fs::MetadataExt;
        let ns = |s: i64, n: i64| (s.max(0) as u128) * 1_000_000_000 + n.max(0) as u128;
        Seen::Present {
            size: meta.size(),
            mtime_ns: ns(meta.mtime(), meta.mtime_nsec()),
            ctime_ns: ns(meta.ctime(), meta.ctime_nsec()),
            ino: meta.ino(),
            dev: meta.dev(),
            dir: meta.is_dir(),
        }
    }

    #[cfg(not(unix))]
    fn from_meta(meta: &std::fs::Metadata) -> Seen {
        let mtime_ns = crate::discover::cache::mtime_ns(meta);
        Seen::Present {
            size: meta.len(),
            mtime_ns,
            ctime_ns: mtime_ns,
            ino: 0,
            dev: 0,
            dir: meta.is_dir(),
        }
    }

    /// The latest change it records, for the racy rule.
    fn changed_ns(self) -> u128 {
        match self {
            Seen::Absent => 0,
            Seen::Present {
                mtime_ns, ctime_ns, ..
            } => mtime_ns.max(ctime_ns),
        }
    }

    /// Whether what was read under this stat may be trusted while the stat
    /// stays the same: the last change lies far enough before `began`.
    pub fn settled(self, began: Began) -> bool {
        !is_racy(self.changed_ns(), began.0)
    }
}

/// The paths an answer depends on, gathered by the run that computed it.
#[derive(Debug, Default)]
pub struct Inputs {
    paths: Vec<PathBuf>,
}

impl Inputs {
    /// A file or directory whose state (including its absence) the answer
    /// depends on.
    pub fn add(&mut self, path: impl Into<PathBuf>) {
        self.paths.push(path.into());
    }

    pub fn extend<P: Into<PathBuf>>(&mut self, paths: impl IntoIterator<Item = P>) {
        self.paths.extend(paths.into_iter().map(Into::into));
    }

    /// Every path stat'ed now (in parallel), once each, in byte order: what
    /// any number of stamps of one run are saved with.
    pub fn observe(mut self, began: Began) -> Observed {
        // Byte order, not `Path`'s component order: the same determinism
        // for a fraction of the comparisons (a set of `PathBuf`s showed in
        // cold-run profiles).
        self.paths.par_sort_unstable_by(|a, b| {
            a.as_os_str()
                .as_encoded_bytes()
                .cmp(b.as_os_str().as_encoded_bytes())
        });
        self.paths.dedup_by(|a, b| a.as_os_str() == b.as_os_str());
        let paths: Vec<(PathBuf, Seen)> = self
            .paths
            .into_par_iter()
            .map(|p| {
                let seen = Seen::of(&p);
                (p, seen)
            })
            .collect();
        let racy = paths
            .iter()
            .find(|(_, s)| !s.settled(began))
            .map(|(p, _)| p.clone());
        Observed { paths, racy }
    }
}

/// Inputs as they stat now ([`Inputs::observe`]).
#[derive(Debug)]
pub struct Observed {
    paths: Vec<(PathBuf, Seen)>,
    /// The first path that changed too close to the run's start, if any: no
    /// stamp may be saved with these.
    racy: Option<PathBuf>,
}

/// When a run began: the racy rule's reference point.
#[derive(Clone, Copy, Debug)]
pub struct Began(u128);

impl Began {
    pub fn now() -> Began {
        Began(now_ns())
    }
}

/// The file on disk.
#[derive(Debug, Serialize, Deserialize)]
struct Stored<'a, P> {
    /// Format, jaunt version and executable identity.
    format: String,
    /// BLAKE3 of the purpose and the environment.
    key: [u8; 32],
    paths: Cow<'a, [(PathBuf, Seen)]>,
    payload: P,
}

/// Bytes stored as one run (postcard's byte string), read without a copy.
pub struct Blob<'a>(pub &'a [u8]);

impl Serialize for Blob<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(self.0)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Blob<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        <&'de [u8]>::deserialize(d).map(Blob)
    }
}

fn format() -> String {
    let exe = std::env::current_exe()
        .ok()
        .map(|p| Seen::of(&p))
        .unwrap_or(Seen::Absent);
    format!("jaunt {} noop-stamp v1 {exe:?}", env!("CARGO_PKG_VERSION"))
}

/// Where one purpose's stamp lives and what keys it.
#[derive(Debug)]
pub struct Slot {
    file: PathBuf,
    key: [u8; 32],
}

impl Slot {
    /// The stamp for `purpose` in a project's state directory. `context`
    /// is what else must match (which configuration file was read); the
    /// key adds every environment variable but [`VOLATILE_ENV`].
    pub fn new(state_dir: &Path, purpose: &str, context: &[&[u8]]) -> Slot {
        let name: String = purpose
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect();
        let mut vars: Vec<(std::ffi::OsString, std::ffi::OsString)> = std::env::vars_os()
            .filter(|(k, _)| !VOLATILE_ENV.iter().any(|v| k == v))
            .collect();
        vars.sort();
        let mut h = blake3::Hasher::new();
        h.update(purpose.as_bytes());
        for part in context {
            h.update(&(part.len() as u64).to_le_bytes());
            h.update(part);
        }
        for (k, v) in vars {
            h.update(&[0]);
            h.update(k.as_encoded_bytes());
            h.update(&[1]);
            h.update(v.as_encoded_bytes());
        }
        Slot {
            file: ParseCache::dir(state_dir).join(format!("noop-{name}-v1.bin")),
            key: *h.finalize().as_bytes(),
        }
    }

    /// The recorded answer, when every path it depended on still stats the
    /// same and nothing else in its key changed.
    pub fn load<P: DeserializeOwned>(&self) -> Option<P> {
        let bytes = crate::fsutil::read_regular(&self.file).ok()?;
        let stored: Stored<P> = postcard::from_bytes(&bytes).ok()?;
        if stored.format != format() || stored.key != self.key {
            return None;
        }
        stored
            .paths
            .par_iter()
            .all(|(p, seen)| Seen::of(p) == *seen)
            .then_some(stored.payload)
    }

    /// Records `payload` as the answer while the inputs stat as `observed`
    /// says, unless one of them changed too recently to be trusted.
    pub fn save<P: Serialize>(&self, observed: &Observed, payload: &P) -> Result<(), NotSaved> {
        if let Some(p) = &observed.racy {
            self.remove();
            return Err(NotSaved::Racy(p.clone()));
        }
        let stored = Stored {
            format: format(),
            key: self.key,
            paths: Cow::Borrowed(observed.paths.as_slice()),
            payload,
        };
        let bytes = postcard::to_stdvec(&stored).map_err(|_| NotSaved::Unwritable)?;
        crate::fsutil::write_atomic(&self.file, &bytes).map_err(|_| NotSaved::Unwritable)
    }

    /// The recorded payload, stored as bytes by [`Slot::save_bytes`], with
    /// the recorded paths that no longer stat the same, handed to `read`
    /// (which decodes what it needs of the bytes); `None` when the stamp is
    /// missing, foreign or corrupt.
    pub fn load_changed<R>(
        &self,
        read: impl FnOnce(&[u8], Vec<PathBuf>) -> Option<R>,
    ) -> Option<R> {
        let bytes = crate::fsutil::read_regular(&self.file).ok()?;
        let stored: Stored<Blob> = postcard::from_bytes(&bytes).ok()?;
        if stored.format != format() || stored.key != self.key {
            return None;
        }
        let changed: Vec<PathBuf> = stored
            .paths
            .into_owned()
            .into_par_iter()
            .filter(|(p, seen)| Seen::of(p) != *seen)
            .map(|(p, _)| p)
            .collect();
        read(stored.payload.0, changed)
    }

    /// [`Slot::save`] of a payload its reader decodes piecemeal.
    pub fn save_bytes(&self, observed: &Observed, payload: &[u8]) -> Result<(), NotSaved> {
        self.save(observed, &Blob(payload))
    }

    /// Forgets the answer (a run that found work to do).
    pub fn remove(&self) {
        let _ = std::fs::remove_file(&self.file);
    }
}

/// Why a stamp was not written, for tests and `-v`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NotSaved {
    /// This path changed too close to (or after) the run's start.
    Racy(PathBuf),
    Unwritable,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn old(path: &Path) {
        let t = std::time::SystemTime::now() - std::time::Duration::from_secs(60);
        let f = std::fs::File::options().write(true).open(path).unwrap();
        f.set_modified(t).unwrap();
    }

    /// A project with one old file `a` in `dir/`, recorded as `answer`.
    fn recorded(tmp: &Path) -> (PathBuf, PathBuf) {
        let state = tmp.join(".jaunt");
        let dir = tmp.join("dir");
        std::fs::create_dir_all(&dir).unwrap();
        let a = dir.join("a");
        std::fs::write(&a, "one").unwrap();
        old(&a);
        (state, a)
    }

    /// ctime cannot be set back, so a test run "begins" after the window.
    fn later() -> Began {
        Began(Began::now().0 + crate::discover::cache::RACY_WINDOW_NS + 1)
    }

    #[test]
    fn an_unchanged_input_gives_the_recorded_answer_and_any_change_drops_it() {
        let tmp = tempfile::tempdir().unwrap();
        let (state, a) = recorded(tmp.path());
        let mut inputs = Inputs::default();
        inputs.add(&a);
        inputs.add(tmp.path().join("dir/absent"));
        let status = Slot::new(&state, "status", &[b"jaunt.toml"]);
        status.save(&inputs.observe(later()), &7u32).unwrap();
        assert_eq!(status.load::<u32>(), Some(7));
        let other = Slot::new(&state, "status", &[b"other.toml"]);
        assert_eq!(other.load::<u32>(), None, "another configuration");
        let apply = Slot::new(&state, "apply", &[b"jaunt.toml"]);
        assert_eq!(apply.load::<u32>(), None, "another purpose");

        std::fs::write(tmp.path().join("dir/absent"), "").unwrap();
        assert_eq!(status.load::<u32>(), None, "an absent path appeared");
        std::fs::remove_file(tmp.path().join("dir/absent")).unwrap();
        assert_eq!(status.load::<u32>(), Some(7));

        // Same size, mtime set back: the ctime still tells.
        std::fs::write(&a, "two").unwrap();
        old(&a);
        assert_eq!(status.load::<u32>(), None);
    }

    #[test]
    fn one_observation_stats_each_path_once_and_serves_every_stamp_of_a_run() {
        let tmp = tempfile::tempdir().unwrap();
        let (state, a) = recorded(tmp.path());
        let mut inputs = Inputs::default();
        inputs.add(&a);
        inputs.add(tmp.path().join("dir/absent"));
        inputs.add(&a);
        let observed = inputs.observe(later());
        assert_eq!(observed.paths.len(), 2);
        let status = Slot::new(&state, "status", &[]);
        let base = Slot::new(&state, "plan-base", &[]);
        status.save(&observed, &7u32).unwrap();
        base.save_bytes(&observed, b"base").unwrap();
        assert_eq!(status.load::<u32>(), Some(7));
        let read = base.load_changed(|bytes, changed| Some((bytes.to_vec(), changed)));
        assert_eq!(read, Some((b"base".to_vec(), vec![])));
        std::fs::write(&a, "changed").unwrap();
        assert_eq!(status.load::<u32>(), None);
        let read = base.load_changed(|_, changed| Some(changed));
        assert_eq!(read, Some(vec![a]));
    }

    #[test]
    fn a_recent_change_is_never_recorded() {
        let tmp = tempfile::tempdir().unwrap();
        let (state, a) = recorded(tmp.path());
        let mut inputs = Inputs::default();
        inputs.add(&a);
        // The run began now: the file's ctime is within the window.
        let slot = Slot::new(&state, "status", &[]);
        assert_eq!(
            slot.save(&inputs.observe(Began::now()), &7u32),
            Err(NotSaved::Racy(a.clone()))
        );
        assert_eq!(slot.load::<u32>(), None);
    }

    #[test]
    fn a_corrupt_or_foreign_stamp_is_ignored() {
        let tmp = tempfile::tempdir().unwrap();
        let (state, a) = recorded(tmp.path());
        let mut inputs = Inputs::default();
        inputs.add(&a);
        let slot = Slot::new(&state, "status", &[]);
        slot.save(&inputs.observe(later()), &7u32).unwrap();
        let mut bytes = std::fs::read(&slot.file).unwrap();
        bytes[3] ^= 0xff;
        std::fs::write(&slot.file, &bytes).unwrap();
        assert_eq!(slot.load::<u32>(), None);
        std::fs::write(&slot.file, b"garbage").unwrap();
        assert_eq!(slot.load::<u32>(), None);
    }
}
