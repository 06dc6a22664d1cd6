//! The Python runtime package, carried inside the binary so `jaunt test`
//! works in an environment that lacks it (`jaunt runtime install`).

use crate::error::{JauntError, Result};
use crate::fsutil::write_atomic;
use std::path::{Path, PathBuf};

/// `(path inside the package directory, contents)` of every runtime file.
const FILES: &[(&str, &str)] = &[
    (
        "jaunt/__init__.py",
        include_str!("../../python/jaunt/__init__.py"),
    ),
    (
        "jaunt/_config.py",
        include_str!("../../python/jaunt/_config.py"),
    ),
    (
        "jaunt/_mapping.py",
        include_str!("../../python/jaunt/_mapping.py"),
    ),
    (
        "jaunt/_markers.py",
        include_str!("../../python/jaunt/_markers.py"),
    ),
    (
        "jaunt/_module_magic.py",
        include_str!("../../python/jaunt/_module_magic.py"),
    ),
    (
        "jaunt/_runtime.py",
        include_str!("../../python/jaunt/_runtime.py"),
    ),
    (
        "jaunt/errors.py",
        include_str!("../../python/jaunt/errors.py"),
    ),
    (
        "jaunt/py.typed",
        include_str!("../../python/jaunt/py.typed"),
    ),
];

/// Writes the runtime package under `target` (as `target/jaunt/…`), so that
/// `target` can go on `PYTHONPATH`. Returns the files written.
pub fn install(target: &Path) -> Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    for (rel, text) in FILES {
        let path = target.join(rel);
        if std::fs::read(&path).is_ok_and(|old| old == text.as_bytes()) {
            continue;
        }
        write_atomic(&path, text.as_bytes())
            .map_err(|e| JauntError::io(format!("writing {}", path.display()), e))?;
        written.push(path);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::FILES;
    use std::path::Path;

    /// A runtime file left out of `FILES` would be missing from every
    /// `jaunt runtime install`, while the tests importing `python/` pass.
    #[test]
    fn every_runtime_file_is_carried() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("python/jaunt");
        let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|entry| entry.unwrap())
            .filter(|entry| entry.file_type().unwrap().is_file())
            .map(|entry| format!("jaunt/{}", entry.file_name().to_string_lossy()))
            .collect();
        on_disk.sort();
        let mut carried: Vec<String> = FILES.iter().map(|(path, _)| path.to_string()).collect();
        carried.sort();
        assert_eq!(carried, on_disk);
    }
}
