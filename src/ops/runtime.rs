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
