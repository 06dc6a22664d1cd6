//! Crash-safe file writes.
//!
//! Every file jaunt writes (generated modules, `jaunt.lock`, store objects,
//! the parse cache) goes through [`write_atomic`]: a temporary file named
//! `.jaunt-tmp-*` in the target's own directory, fsync, rename. A reader
//! therefore sees the old file or the new one, never a torn one, and a
//! killed run leaves only `.jaunt-tmp-*` files that [`remove_stale_temps`]
//! sweeps up.

use std::fs;
use std::io::{self, Write};
use std::path::Path;

/// `path` relative to `root` with `/` separators, as jaunt shows and records
/// project paths (lockfile, JSON, messages) on every platform.
pub fn relative(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Reads a file that must be a regular file. A FIFO, socket, device or
/// directory at `path` is an error at once (`InvalidInput`), never a read
/// that waits forever; a missing file is `NotFound`, as with `fs::read`.
pub fn read_regular(path: &Path) -> io::Result<Vec<u8>> {
    if !fs::metadata(path)?.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{} is not a regular file", path.display()),
        ));
    }
    fs::read(path)
}

/// [`read_regular`] as UTF-8 text.
pub fn read_regular_string(path: &Path) -> io::Result<String> {
    String::from_utf8(read_regular(path)?)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

/// Whether the file at `path` starts with `prefix`, reading no more than
/// that (a FIFO or a directory is not read: it does not).
pub fn starts_with(path: &Path, prefix: &[u8]) -> bool {
    use std::io::Read;
    if !fs::symlink_metadata(path).is_ok_and(|m| m.is_file()) {
        return false;
    }
    let mut head = vec![0u8; prefix.len()];
    fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok_and(|()| head == prefix)
}

/// Whether `path` (which need not exist yet) lies inside `root` once
/// symlinks are resolved. The deepest part of `path` that exists is
/// canonicalized, so a symlinked directory (or file) leading out of `root`
/// is caught before anything is written or deleted through it.
pub fn is_inside(root: &Path, path: &Path) -> bool {
    let Ok(root) = root.canonicalize() else {
        return false;
    };
    let mut existing = path;
    let mut missing = Vec::new();
    loop {
        match existing.canonicalize() {
            Ok(real) => {
                let lexical = missing.iter().all(|part: &&std::ffi::OsStr| {
                    *part != std::ffi::OsStr::new("..") && *part != std::ffi::OsStr::new(".")
                });
                return lexical && real.starts_with(&root);
            }
            Err(_) => {
                let (Some(name), Some(parent)) = (existing.file_name(), existing.parent()) else {
                    return false;
                };
                missing.push(name);
                existing = parent;
            }
        }
    }
}

/// Prefix of every temporary file jaunt creates.
pub const TMP_PREFIX: &str = ".jaunt-tmp-";

/// Writes `bytes` to `path` atomically, creating parent directories.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    fs::create_dir_all(dir)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(TMP_PREFIX)
        .permissions(normal_file_permissions())
        .tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    sync_dir(dir);
    Ok(())
}

/// Whether a file can be written in `dir` (created if missing): writes,
/// syncs and deletes a small temporary file, so a full disk or a read-only
/// directory shows before work that would need to write there.
pub fn probe_writable(dir: &Path) -> io::Result<()> {
    fs::create_dir_all(dir)?;
    let mut probe = tempfile::Builder::new()
        .prefix(TMP_PREFIX)
        .tempfile_in(dir)?;
    probe.write_all(&[0u8; 4096])?;
    probe.as_file().sync_all()
}

/// The mode a plain write would give a new file: 0666, less the process's
/// umask (which the kernel applies when the file is created). A temporary
/// file is otherwise private (0600), and so would be everything jaunt writes,
/// unreadable to the other users of a shared project or store.
fn normal_file_permissions() -> fs::Permissions {
    use std::os::unix::fs::PermissionsExt;
    fs::Permissions::from_mode(0o666)
}

/// Makes a rename durable; best effort, since not every filesystem allows
/// opening a directory.
fn sync_dir(dir: &Path) {
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Removes `.jaunt-tmp-*` files in `dir` older than `min_age`, left by a run
/// that was killed. Younger ones may belong to a run still in progress.
pub fn remove_stale_temps(dir: &Path, min_age: std::time::Duration) -> usize {
    let Ok(entries) = fs::read_dir(dir) else {
        return 0;
    };
    let now = std::time::SystemTime::now();
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name();
        if !name.to_string_lossy().starts_with(TMP_PREFIX) {
            continue;
        }
        let old_enough = entry
            .metadata()
            .and_then(|m| m.modified())
            .map(|t| now.duration_since(t).unwrap_or_default() >= min_age)
            .unwrap_or(false);
        if old_enough && fs::remove_file(entry.path()).is_ok() {
            removed += 1;
        }
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_atomic_replaces_and_leaves_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a/b/file.txt");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"two");
        let names: Vec<_> = fs::read_dir(p.parent().unwrap())
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(names.len(), 1);
    }

    #[test]
    fn stale_temps_are_swept() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(".jaunt-tmp-x"), b"partial").unwrap();
        fs::write(dir.path().join("keep"), b"k").unwrap();
        assert_eq!(remove_stale_temps(dir.path(), std::time::Duration::ZERO), 1);
        assert!(dir.path().join("keep").exists());
    }
}
