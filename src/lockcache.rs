//! The lockfile sidecar: `jaunt.lock` as parsed, in binary, under
//! `.jaunt/cache/lock-v1.bin`, so that a run whose lockfile did not change
//! does not parse megabytes of TOML again.
//!
//! `jaunt.lock` stays the source of truth. The sidecar records the size,
//! mtime and BLAKE3 hash of the text it was parsed from and is used only
//! while they still describe the file: same size and mtime, and the mtime
//! far enough before the sidecar was written that a later edit would have
//! moved it (the parse cache's "racy" rule); a racy lockfile is hashed and
//! compared. A missing, foreign, corrupt or stale sidecar is ignored and
//! replaced. Writing it is best effort, like the parse cache.

use crate::discover::cache::{ParseCache, is_racy, mtime_ns, now_ns};
use crate::error::JauntError;
use crate::lock::Lockfile;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

const CACHE_FILE: &str = "lock-v1.bin";

/// What identifies the text a sidecar was parsed from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Source {
    size: u64,
    mtime_ns: u128,
    content: [u8; 32],
}

/// The file: read as `Stored<Lockfile>`, written from a borrowed lockfile.
#[derive(Debug, Serialize, Deserialize)]
struct Stored<L> {
    /// Tool version and sidecar format; anything else is a foreign sidecar.
    stamp: String,
    written_ns: u128,
    source: Source,
    lock: L,
}

fn stamp() -> String {
    format!("jaunt {} lock-sidecar v1", env!("CARGO_PKG_VERSION"))
}

/// Where the sidecar of a project with this state directory lives.
pub fn path(state_dir: &Path) -> PathBuf {
    ParseCache::dir(state_dir).join(CACHE_FILE)
}

/// How [`load`] obtained the lockfile, for tests and `-v`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lookup {
    /// Size and mtime matched and the lockfile is not racy: not read.
    Hit,
    /// Racy, read and hashed, and the hash matched.
    HitByContent,
    /// Parsed as TOML (and the sidecar rewritten).
    Parsed,
    /// There is no `jaunt.lock`.
    Absent,
}

/// [`Lockfile::load`] through the sidecar in `state_dir`'s cache.
pub fn load(lock_path: &Path, state_dir: &Path) -> Result<Option<Lockfile>, JauntError> {
    load_with(lock_path, state_dir).map(|(lock, _)| lock)
}

/// [`load`], also saying how.
pub fn load_with(
    lock_path: &Path,
    state_dir: &Path,
) -> Result<(Option<Lockfile>, Lookup), JauntError> {
    let sidecar = path(state_dir);
    let Ok(meta) = std::fs::metadata(lock_path) else {
        // Missing (or unreadable): the plain load says which, as before.
        return Lockfile::load(lock_path).map(|lock| {
            let how = if lock.is_some() {
                Lookup::Parsed
            } else {
                Lookup::Absent
            };
            (lock, how)
        });
    };
    let stored = crate::fsutil::read_regular(&sidecar)
        .ok()
        .and_then(|bytes| postcard::from_bytes::<Stored<Lockfile>>(&bytes).ok())
        .filter(|s| s.stamp == stamp() && s.source.size == meta.len() && meta.is_file());
    let mtime = mtime_ns(&meta);
    let stored = match stored {
        Some(s) if s.source.mtime_ns == mtime && !is_racy(mtime, s.written_ns) => {
            return Ok((Some(s.lock), Lookup::Hit));
        }
        other => other,
    };
    let Some(text) = Lockfile::read_text(lock_path)? else {
        return Ok((None, Lookup::Absent));
    };
    let source = Source {
        size: text.len() as u64,
        mtime_ns: mtime,
        content: *blake3::hash(text.as_bytes()).as_bytes(),
    };
    if let Some(stored) = stored
        && stored.source.content == source.content
    {
        // Re-dated but unchanged: record the new mtime once it is no
        // longer racy, so later runs need not read the file.
        if stored.source != source && !is_racy(mtime, now_ns()) {
            save(&sidecar, source, &stored.lock);
        }
        return Ok((Some(stored.lock), Lookup::HitByContent));
    }
    let lock = Lockfile::parse_file(lock_path, &text)?;
    save(&sidecar, source, &lock);
    Ok((Some(lock), Lookup::Parsed))
}

/// Writes the sidecar; failure is ignored (the next run parses again).
fn save(sidecar: &Path, source: Source, lock: &Lockfile) {
    let stored = Stored {
        stamp: stamp(),
        written_ns: now_ns(),
        source,
        lock,
    };
    if let Ok(bytes) = postcard::to_stdvec(&stored) {
        let _ = crate::fsutil::write_atomic(sidecar, &bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, SystemTime};

    const EXAMPLE: &str = include_str!("../jaunt.lock.example");

    /// A project directory with `jaunt.lock` holding `text`, dated `age` ago.
    fn project(text: &str, age: Duration) -> (tempfile::TempDir, PathBuf, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let lock = dir.path().join("jaunt.lock");
        write(&lock, text, SystemTime::now() - age);
        let state = dir.path().join(".jaunt");
        (dir, lock, state)
    }

    fn write(path: &Path, text: &str, mtime: SystemTime) {
        std::fs::write(path, text).unwrap();
        std::fs::File::options()
            .write(true)
            .open(path)
            .unwrap()
            .set_modified(mtime)
            .unwrap();
    }

    fn model(lock: &Option<Lockfile>) -> &str {
        &lock.as_ref().unwrap().generator.model
    }

    const OLD: Duration = Duration::from_secs(60);

    #[test]
    fn an_unchanged_old_lockfile_is_read_from_the_sidecar_alone() {
        let (_dir, lock, state) = project(EXAMPLE, OLD);
        let (first, how) = load_with(&lock, &state).unwrap();
        assert_eq!(how, Lookup::Parsed);
        assert!(path(&state).is_file(), "the sidecar is written");
        let (second, how) = load_with(&lock, &state).unwrap();
        assert_eq!(how, Lookup::Hit);
        assert_eq!(second, first);
        assert_eq!(first, Lockfile::load(&lock).unwrap());
    }

    #[test]
    fn an_edited_lockfile_is_parsed_again() {
        let (_dir, lock, state) = project(EXAMPLE, OLD);
        load_with(&lock, &state).unwrap();
        let edited = EXAMPLE.replace("model = \"gpt-5.2\"", "model = \"gpt-5.2-mini\"");
        std::fs::write(&lock, &edited).unwrap();
        let (loaded, how) = load_with(&lock, &state).unwrap();
        assert_eq!(how, Lookup::Parsed);
        assert_eq!(model(&loaded), "gpt-5.2-mini");
        // A broken edit is reported, not papered over by the sidecar.
        std::fs::write(&lock, edited.replace("version = 2", "version = [")).unwrap();
        assert!(load_with(&lock, &state).is_err());
    }

    #[test]
    fn a_same_size_same_mtime_edit_is_caught_by_the_hash() {
        // Written just now: the sidecar cannot trust the lockfile's stat.
        let (_dir, lock, state) = project(EXAMPLE, Duration::ZERO);
        let mtime = std::fs::metadata(&lock).unwrap().modified().unwrap();
        assert_eq!(load_with(&lock, &state).unwrap().1, Lookup::Parsed);
        assert_eq!(load_with(&lock, &state).unwrap().1, Lookup::HitByContent);
        let edited = EXAMPLE.replace("model = \"gpt-5.2\"", "model = \"gpt-5.3\"");
        assert_eq!(edited.len(), EXAMPLE.len());
        write(&lock, &edited, mtime);
        let (loaded, how) = load_with(&lock, &state).unwrap();
        assert_eq!(how, Lookup::Parsed);
        assert_eq!(model(&loaded), "gpt-5.3");
    }

    #[test]
    fn a_redated_lockfile_is_checked_by_content_then_trusted_again() {
        let (_dir, lock, state) = project(EXAMPLE, OLD);
        load_with(&lock, &state).unwrap();
        // `touch`ed long ago, after the sidecar was written: same text.
        write(&lock, EXAMPLE, SystemTime::now() - OLD / 2);
        let mtime = std::fs::metadata(&lock).unwrap().modified().unwrap();
        assert_eq!(load_with(&lock, &state).unwrap().1, Lookup::HitByContent);
        assert_eq!(std::fs::metadata(&lock).unwrap().modified().unwrap(), mtime);
        assert_eq!(load_with(&lock, &state).unwrap().1, Lookup::Hit);
    }

    #[test]
    fn a_corrupt_or_foreign_sidecar_is_ignored_and_replaced() {
        let (_dir, lock, state) = project(EXAMPLE, OLD);
        let (expected, _) = load_with(&lock, &state).unwrap();
        let sidecar = path(&state);
        let good = std::fs::read(&sidecar).unwrap();
        for bad in [
            b"\x00not a sidecar".to_vec(),
            good[..good.len() / 2].to_vec(),
            good.iter().map(|b| b ^ 0x5a).collect(),
        ] {
            std::fs::write(&sidecar, &bad).unwrap();
            let (loaded, how) = load_with(&lock, &state).unwrap();
            assert_eq!((how, &loaded), (Lookup::Parsed, &expected));
            assert_eq!(load_with(&lock, &state).unwrap().1, Lookup::Hit, "replaced");
        }
        let foreign = postcard::to_stdvec(&Stored {
            stamp: "jaunt 0.0.0 lock-sidecar v0".to_owned(),
            written_ns: now_ns(),
            source: Source {
                size: EXAMPLE.len() as u64,
                mtime_ns: mtime_ns(&std::fs::metadata(&lock).unwrap()),
                content: *blake3::hash(EXAMPLE.as_bytes()).as_bytes(),
            },
            lock: expected.clone().unwrap(),
        })
        .unwrap();
        std::fs::write(&sidecar, foreign).unwrap();
        assert_eq!(load_with(&lock, &state).unwrap().1, Lookup::Parsed);
    }

    #[test]
    fn no_lockfile_is_none_and_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join(".jaunt");
        let (lock, how) = load_with(&dir.path().join("jaunt.lock"), &state).unwrap();
        assert_eq!((lock, how), (None, Lookup::Absent));
        assert!(!state.exists());
    }
}
