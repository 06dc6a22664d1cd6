//! One writer per project: `apply`, `test` and `clean` hold an exclusive
//! lock on `.jaunt/writer.lock` while they run, as Cargo locks its build
//! directory. A second writer waits (and says so) instead of generating the
//! same modules again and interleaving its files and lockfile with the
//! first's. Read-only commands never take it.
//!
//! The lock is an advisory `flock` on an open file: the kernel releases it
//! when the process exits, however it exits, so a crashed run never leaves
//! the project locked.

use crate::config::Config;
use crate::error::{JauntError, Result};
use std::fs::{File, OpenOptions};
use std::os::fd::AsRawFd;

/// Held for as long as the run writes; dropping it releases the project.
pub struct WriterLock {
    _file: File,
}

/// Takes the project's writer lock, calling `waiting` once if another jaunt
/// holds it, then waiting for it.
pub fn lock_project(config: &Config, waiting: impl FnOnce()) -> Result<WriterLock> {
    let dir = config.state_dir();
    std::fs::create_dir_all(&dir)
        .map_err(|e| JauntError::io(format!("creating {}", dir.display()), e))?;
    let path = dir.join("writer.lock");
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| JauntError::io(format!("opening {}", path.display()), e))?;
    if !flock(&file, libc::LOCK_EX | libc::LOCK_NB)? {
        waiting();
        flock(&file, libc::LOCK_EX)?;
    }
    Ok(WriterLock { _file: file })
}

/// `Ok(false)` when a non-blocking attempt found the lock taken.
fn flock(file: &File, operation: libc::c_int) -> Result<bool> {
    loop {
        // SAFETY: the descriptor is open for as long as `file` lives.
        if unsafe { libc::flock(file.as_raw_fd(), operation) } == 0 {
            return Ok(true);
        }
        let error = std::io::Error::last_os_error();
        match error.raw_os_error() {
            Some(libc::EINTR) => continue,
            Some(libc::EWOULDBLOCK) => return Ok(false),
            _ => return Err(JauntError::io("locking the project for writing", error)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};

    #[test]
    fn a_second_writer_waits_until_the_first_is_done() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("jaunt.toml"), "version = 1\n").unwrap();
        let config = Config::parse(
            "version = 1\n",
            &dir.path().join("jaunt.toml"),
            dir.path().to_path_buf(),
        )
        .unwrap();
        let first = lock_project(&config, || panic!("nobody holds it yet")).unwrap();
        let waited = AtomicBool::new(false);
        let released = AtomicBool::new(false);
        std::thread::scope(|s| {
            let second = s.spawn(|| {
                let lock = lock_project(&config, || waited.store(true, Ordering::SeqCst));
                assert!(
                    released.load(Ordering::SeqCst),
                    "got the lock while it was held"
                );
                lock
            });
            std::thread::sleep(std::time::Duration::from_millis(200));
            released.store(true, Ordering::SeqCst);
            drop(first);
            second.join().unwrap().unwrap();
        });
        assert!(waited.load(Ordering::SeqCst));
    }
}
