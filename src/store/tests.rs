//! Store behaviour on real directories.

use super::*;
use crate::digest::{ArtifactDigest, Digest, InputsKey};
use std::fs;
use std::time::{Duration, SystemTime};

fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("store"));
    (dir, store)
}

fn entry(artifact: ArtifactDigest) -> ActionEntry {
    ActionEntry {
        artifact,
        interface: None,
        generator: "command/fake".into(),
        usage: None,
        created: 1_760_000_000,
        signature: None,
    }
}

/// Makes a file look `age` old, as if written by an earlier run.
fn backdate(path: &Path, age: Duration) {
    let file = fs::OpenOptions::new().write(true).open(path).unwrap();
    file.set_modified(SystemTime::now() - age).unwrap();
}

fn backdate_all(store: &Store, age: Duration) {
    for area in [Area::Cas, Area::Ac] {
        for o in store.objects(area).unwrap() {
            backdate(&o.path, age);
        }
    }
}

const DAY: Duration = Duration::from_secs(24 * 3600);

/// gc keeping `keep` and what was used within `window`.
fn within(keep: &GcKeep, window: Duration) -> GcOptions {
    GcOptions {
        keep: keep.clone(),
        used_within: Some(window),
        dry_run: false,
    }
}

#[test]
fn missing_store_is_empty() {
    let (_dir, store) = store();
    let d = ArtifactDigest::of(b"x");
    assert_eq!(store.get_artifact(&d).unwrap(), None);
    assert!(!store.has_artifact(&d));
    assert_eq!(store.get_action(&InputsKey(d.0)).unwrap(), None);
    assert_eq!(store.stats().unwrap().artifacts, 0);
    assert_eq!(store.verify().unwrap(), VerifyReport::default());
    let report = store.gc(&GcOptions::default()).unwrap();
    assert_eq!(
        report,
        GcReport {
            grace_secs: 600,
            ..GcReport::default()
        }
    );
    assert_eq!(store.sweep_temps(), 0);
    assert!(!store.root().exists());
}

#[test]
fn artifact_round_trip_and_dedup() {
    let (_dir, store) = store();
    let body = b"def f():\n    return 1\n".repeat(50);
    let d = store.put_artifact(&body).unwrap();
    assert_eq!(d, ArtifactDigest::of(&body));
    assert!(store.has_artifact(&d));
    assert_eq!(store.get_artifact(&d).unwrap().as_deref(), Some(&body[..]));
    assert_eq!(store.put_artifact(&body).unwrap(), d);
    let stats = store.stats().unwrap();
    assert_eq!(stats.artifacts, 1);
    assert_eq!(stats.bytes_uncompressed, body.len() as u64);
    assert!(stats.bytes_stored < stats.bytes_uncompressed);
    assert!(stats.compression_ratio > 1.0);
    let path = store.object_path(Area::Cas, &d.0);
    let hex = d.0.hex();
    assert!(path.ends_with(format!("v1/cas/{}/{}.zst", &hex[..2], &hex[2..])));
}

#[test]
fn corrupt_artifact_is_quarantined_and_not_returned() {
    let (_dir, store) = store();
    let d = store.put_artifact(b"good body").unwrap();
    let path = store.object_path(Area::Cas, &d.0);
    // A valid zstd frame of the wrong content: only the hash check catches it.
    fs::write(&path, zstd::bulk::compress(b"evil body", 3).unwrap()).unwrap();
    match store.get_artifact(&d) {
        Err(StoreError::Corrupt { path: p, reason }) => {
            assert_eq!(p, path);
            assert!(reason.contains("hashes to"), "{reason}");
        }
        other => panic!("expected Corrupt, got {other:?}"),
    }
    assert!(!path.exists());
    assert_eq!(fs::read_dir(store.quarantine_dir()).unwrap().count(), 1);
    assert_eq!(store.get_artifact(&d).unwrap(), None);

    // Garbage that is not zstd at all; a fresh put repairs it.
    store.put_artifact(b"good body").unwrap();
    fs::write(&path, b"garbage").unwrap();
    assert!(matches!(
        store.get_artifact(&d),
        Err(StoreError::Corrupt { .. })
    ));
    fs::write(&path, b"garbage").unwrap();
    store.put_artifact(b"good body").unwrap();
    assert_eq!(
        store.get_artifact(&d).unwrap().as_deref(),
        Some(&b"good body"[..])
    );
}

#[test]
fn action_round_trip_and_truncation() {
    let (_dir, store) = store();
    let key = InputsKey(Digest::of(b"inputs"));
    let e = entry(ArtifactDigest::of(b"artifact"));
    store.put_action(&key, &e).unwrap();
    assert_eq!(store.get_action(&key).unwrap(), Some(e.clone()));

    let path = store.object_path(Area::Ac, &key.0);
    let bytes = fs::read(&path).unwrap();
    fs::write(&path, &bytes[..bytes.len() - 10]).unwrap();
    let err = store.get_action(&key).unwrap_err();
    assert!(
        err.to_string().contains(&path.display().to_string()),
        "{err}"
    );
    assert_eq!(store.get_action(&key).unwrap(), None);
}

#[test]
fn reading_an_entry_leaves_it_and_touching_marks_it_used() {
    let (_dir, store) = store();
    let key = InputsKey(Digest::of(b"inputs"));
    store
        .put_action(&key, &entry(ArtifactDigest::of(b"a")))
        .unwrap();
    let path = store.object_path(Area::Ac, &key.0);
    let age = || {
        SystemTime::now()
            .duration_since(fs::metadata(&path).unwrap().modified().unwrap())
            .unwrap_or_default()
    };
    backdate(&path, DAY);
    store.get_action(&key).unwrap();
    assert!(age() >= DAY, "a read must not write");
    store.touch_action(&key);
    assert!(age() < DAY);
}

#[test]
fn verify_reports_and_quarantines_corrupt_objects() {
    let (_dir, store) = store();
    let good = store.put_artifact(b"good").unwrap();
    let bad = store.put_artifact(b"bad").unwrap();
    let bad_path = store.object_path(Area::Cas, &bad.0);
    fs::write(&bad_path, b"not zstd").unwrap();
    let key = InputsKey(Digest::of(b"k"));
    store.put_action(&key, &entry(good)).unwrap();
    let bad_key = InputsKey(Digest::of(b"k2"));
    store.put_action(&bad_key, &entry(good)).unwrap();
    let bad_key_path = store.object_path(Area::Ac, &bad_key.0);
    fs::write(&bad_key_path, b"{\"v\":1,").unwrap();

    let report = store.verify().unwrap();
    assert_eq!((report.artifacts, report.actions), (2, 2));
    let paths: Vec<_> = report.corrupt.iter().map(|c| c.path.clone()).collect();
    let mut expected = vec![bad_key_path.clone(), bad_path.clone()];
    expected.sort();
    assert_eq!(paths, expected);
    assert!(!bad_path.exists() && !bad_key_path.exists());
    assert!(store.verify().unwrap().corrupt.is_empty());
    assert_eq!(
        store.get_artifact(&good).unwrap().as_deref(),
        Some(&b"good"[..])
    );
}

#[test]
fn gc_keeps_referenced_and_recent_and_removes_the_rest() {
    let (_dir, store) = store();
    let pinned = store.put_artifact(b"pinned by the lockfile").unwrap();
    let via_recent = store.put_artifact(b"named by a recent entry").unwrap();
    let via_kept = store.put_artifact(b"named by a kept entry").unwrap();
    let orphan = store.put_artifact(b"nobody wants me").unwrap();
    let old_target = store.put_artifact(b"named by an old entry").unwrap();
    let (recent_key, kept_key, old_key) = (
        InputsKey(Digest::of(b"recent")),
        InputsKey(Digest::of(b"kept")),
        InputsKey(Digest::of(b"old")),
    );
    store.put_action(&recent_key, &entry(via_recent)).unwrap();
    store.put_action(&kept_key, &entry(via_kept)).unwrap();
    store.put_action(&old_key, &entry(old_target)).unwrap();
    backdate_all(&store, 30 * DAY);
    backdate(&store.object_path(Area::Ac, &recent_key.0), DAY);
    fs::create_dir_all(store.quarantine_dir()).unwrap();
    fs::write(store.quarantine_dir().join("cas-junk"), b"junk").unwrap();

    let keep = GcKeep {
        artifacts: [pinned].into(),
        actions: [kept_key].into(),
    };
    let report = store.gc(&within(&keep, 7 * DAY)).unwrap();
    assert_eq!(report.artifacts_kept, 3);
    assert_eq!(report.actions_kept, 2);
    assert_eq!(report.artifacts_removed, 2);
    assert_eq!(report.actions_removed, 1);
    assert_eq!(report.quarantined_removed, 1);
    assert!(report.bytes_freed > 0);
    for kept in [pinned, via_recent, via_kept] {
        assert!(store.has_artifact(&kept));
    }
    assert!(!store.has_artifact(&orphan) && !store.has_artifact(&old_target));
    assert_eq!(store.get_action(&old_key).unwrap(), None);
    assert!(store.get_action(&recent_key).unwrap().is_some());

    // Without a use window only the keep sets count; fresh objects are spared.
    let fresh = store.put_artifact(b"written by a concurrent run").unwrap();
    backdate_all(&store, 30 * DAY);
    let fresh_too = store.put_artifact(b"just now").unwrap();
    let report = store
        .gc(&GcOptions {
            keep: keep.clone(),
            ..GcOptions::default()
        })
        .unwrap();
    assert_eq!(report.actions_removed, 1); // recent_key is now old
    assert!(!store.has_artifact(&fresh) && store.has_artifact(&fresh_too));
    assert!(store.has_artifact(&pinned) && store.has_artifact(&via_kept));
    assert!(!store.has_artifact(&via_recent));
}

#[test]
fn stale_temps_are_swept_and_fresh_ones_left() {
    let (_dir, store) = store();
    let d = store.put_artifact(b"x").unwrap();
    let shard = store
        .object_path(Area::Cas, &d.0)
        .parent()
        .unwrap()
        .to_path_buf();
    let tmp = store.v1().join("tmp");
    fs::create_dir_all(&tmp).unwrap();
    let stale = [shard.join(".jaunt-tmp-old"), tmp.join(".jaunt-tmp-old")];
    for p in &stale {
        fs::write(p, b"partial").unwrap();
        backdate(p, Duration::from_secs(3600));
    }
    let fresh = shard.join(".jaunt-tmp-new");
    fs::write(&fresh, b"in progress").unwrap();
    assert_eq!(store.sweep_temps(), 2);
    assert!(fresh.exists() && stale.iter().all(|p| !p.exists()));
    assert_eq!(store.stats().unwrap().artifacts, 1);
}

#[test]
fn concurrent_identical_writes_are_harmless() {
    let (_dir, store) = store();
    let body = b"same bytes from two processes".repeat(100);
    let key = InputsKey(Digest::of(b"key"));
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                for _ in 0..20 {
                    let d = store.put_artifact(&body).unwrap();
                    store.put_action(&key, &entry(d)).unwrap();
                    assert_eq!(store.get_artifact(&d).unwrap().as_deref(), Some(&body[..]));
                    assert!(store.get_action(&key).unwrap().is_some());
                }
            });
        }
    });
    let report = store.verify().unwrap();
    assert_eq!((report.artifacts, report.actions), (1, 1));
    assert!(report.corrupt.is_empty());
}

#[test]
fn default_root_falls_back_to_a_jaunt_cache_dir() {
    // Read-only check of the fallback, so the test does not race others
    // over the process environment.
    if std::env::var_os("JAUNT_STORE").is_none() {
        assert!(Store::default_root().ends_with("jaunt"));
    }
}

/// A project directory holding a `jaunt.lock`, with its record's path.
fn project(store: &Store, dir: &Path, name: &str) -> (PathBuf, PathBuf, PathBuf) {
    let root = dir.join(name);
    fs::create_dir_all(&root).unwrap();
    let lock = root.join("jaunt.lock");
    fs::write(&lock, "").unwrap();
    let id = super::usage::project_id(&root.canonicalize().unwrap());
    (root, lock, store.use_dir().join(id))
}

/// An artifact and an action entry naming it, as a lockfile pins them.
fn pinned(store: &Store, body: &[u8]) -> (InputsKey, ArtifactDigest) {
    let artifact = store.put_artifact(body).unwrap();
    let key = InputsKey(Digest::of(body));
    store.put_action(&key, &entry(artifact)).unwrap();
    (key, artifact)
}

#[test]
fn a_use_record_is_written_only_when_it_changes_or_ages() {
    let (dir, store) = store();
    let (root, lock, record) = project(&store, dir.path(), "p");
    let (a, b) = (pinned(&store, b"a"), pinned(&store, b"b"));
    assert!(store.record_use(&root, &lock, [a]).unwrap());
    backdate(&record, Duration::from_secs(3600));
    let stamp = |p: &Path| fs::metadata(p).unwrap().modified().unwrap();
    let (bytes, mtime) = (fs::read(&record).unwrap(), stamp(&record));
    // Unchanged and under a day old: left alone.
    assert!(!store.record_use(&root, &lock, [a]).unwrap());
    assert_eq!((fs::read(&record).unwrap(), stamp(&record)), (bytes, mtime));
    assert!(store.record_use(&root, &lock, [a, b]).unwrap());
    backdate(&record, 2 * DAY);
    assert!(store.record_use(&root, &lock, [a, b]).unwrap());
    assert!(stamp(&record) > mtime);
    // The same project reached through a symlink is the same record.
    let link = dir.path().join("link");
    std::os::unix::fs::symlink(&root, &link).unwrap();
    assert!(
        !store
            .record_use(&link, &link.join("jaunt.lock"), [a, b])
            .unwrap()
    );
    assert_eq!(fs::read_dir(store.use_dir()).unwrap().count(), 1);
}

#[test]
fn gc_keeps_what_recent_projects_pin_and_drops_idle_and_gone_ones() {
    let (dir, store) = store();
    let mut projects = Vec::new();
    for name in ["a", "b", "gone", "idle"] {
        let (root, lock, record) = project(&store, dir.path(), name);
        let pin = pinned(&store, name.as_bytes());
        store.record_use(&root, &lock, [pin]).unwrap();
        projects.push((record, lock, pin));
    }
    let orphan = pinned(&store, b"orphan");
    backdate_all(&store, 40 * DAY);
    backdate(&projects[3].0, 40 * DAY);
    fs::remove_file(&projects[2].1).unwrap();
    // Bad records pin nothing, even what they name, and stay until they expire.
    let uses = store.use_dir();
    fs::write(uses.join("garbage"), b"{not json").unwrap();
    fs::write(
        uses.join("relative"),
        format!(
            r#"{{"root":"x","lock":"x/jaunt.lock","artifacts":["{}"],"actions":["{}"]}}"#,
            orphan.1, orphan.0
        ),
    )
    .unwrap();
    std::os::unix::fs::symlink(&projects[0].0, uses.join("link")).unwrap();
    fs::write(uses.join(".jaunt-tmp-being-written"), b"{").unwrap();
    let listing = || {
        let mut files: Vec<_> = walk(store.root());
        files.sort();
        files
    };
    let before = listing();

    let mut dry = within(&GcKeep::default(), 30 * DAY);
    dry.dry_run = true;
    let would = store.gc(&dry).unwrap();
    assert_eq!(listing(), before, "a dry run deletes nothing");
    let did = store.gc(&within(&GcKeep::default(), 30 * DAY)).unwrap();
    assert!(would.dry_run && !did.dry_run);
    assert_eq!(
        GcReport {
            dry_run: false,
            ..would.clone()
        },
        did
    );
    assert_eq!((did.artifacts_kept, did.actions_kept), (2, 2), "{did:#?}");
    assert_eq!((did.artifacts_removed, did.actions_removed), (3, 3));
    let status = |path: &Path| {
        did.projects
            .iter()
            .find(|p| p.record == path)
            .map(|p| p.status)
    };
    let [a, b, gone, idle] = &projects[..] else {
        unreachable!()
    };
    assert_eq!(status(&a.0), Some(UseStatus::Kept));
    assert_eq!(status(&b.0), Some(UseStatus::Kept));
    assert_eq!(status(&gone.0), Some(UseStatus::LockMissing));
    assert_eq!(status(&idle.0), Some(UseStatus::Expired));
    for bad in ["garbage", "relative", "link"] {
        assert_eq!(status(&uses.join(bad)), Some(UseStatus::Invalid), "{bad}");
        assert!(fs::symlink_metadata(uses.join(bad)).is_ok(), "{bad} stays");
    }
    assert_eq!(did.projects.len(), 7, "temporaries are not records");
    for (record, _, (key, artifact)) in [a, b] {
        assert!(record.exists());
        assert!(store.has_artifact(artifact) && store.get_action(key).unwrap().is_some());
    }
    for (record, _, (key, artifact)) in [gone, idle, &(PathBuf::new(), PathBuf::new(), orphan)] {
        assert!(!record.exists());
        assert!(!store.has_artifact(artifact) && store.get_action(key).unwrap().is_none());
    }

    // `--all`: nothing is kept for its use, and every record goes.
    let all = store.gc(&GcOptions::default()).unwrap();
    assert_eq!((all.artifacts_removed, all.artifacts_kept), (2, 0));
    assert!(all.projects.iter().all(|p| p.status == UseStatus::Dropped));
    assert_eq!(
        walk(&uses),
        vec![uses.join(".jaunt-tmp-being-written")],
        "a fresh temporary stays"
    );
}

/// Every file (or symlink) below `dir`.
fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in fs::read_dir(dir).into_iter().flatten().flatten() {
        if e.file_type().unwrap().is_dir() {
            out.extend(walk(&e.path()));
        } else {
            out.push(e.path());
        }
    }
    out
}
