//! The Python runtime package, carried inside the binary so `jaunt test`
//! works in an environment that lacks it (`jaunt runtime install`).

use crate::error::{JauntError, Result};
use crate::fsutil::write_atomic;
use std::path::{Path, PathBuf};

/// The Python distribution that installs both the `jaunt` command and the
/// runtime (`pyproject.toml` at the repository root). PyPI's `jaunt` is the
/// original Python Jaunt 1.7, a different program.
pub const DISTRIBUTION: &str = "jaunt-build";

/// The command that installs [`DISTRIBUTION`] at this binary's version.
pub fn install_command() -> String {
    format!("pip install {DISTRIBUTION}=={}", env!("CARGO_PKG_VERSION"))
}

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
    use super::{DISTRIBUTION, FILES};
    use std::path::Path;

    fn repo_file(rel: &str) -> String {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    /// Cargo.toml's version is the one source: the wheel takes it through
    /// maturin, and the runtime repeats it in `jaunt.__version__`, which
    /// `pip install ./python` reads. The two must not drift.
    #[test]
    fn runtime_version_is_the_crate_version() {
        let init = FILES
            .iter()
            .find(|(path, _)| *path == "jaunt/__init__.py")
            .map(|(_, text)| *text)
            .unwrap();
        let version = init
            .lines()
            .find_map(|l| l.strip_prefix("__version__ = "))
            .map(|v| v.trim().trim_matches('"'))
            .expect("python/jaunt/__init__.py sets __version__");
        assert_eq!(version, env!("CARGO_PKG_VERSION"));
        for file in ["pyproject.toml", "python/pyproject.toml"] {
            let doc: toml_edit::DocumentMut = repo_file(file).parse().unwrap();
            let project = doc["project"].as_table().unwrap();
            assert!(
                project.get("version").is_none(),
                "{file} must not write a version of its own"
            );
            let dynamic: Vec<&str> = project["dynamic"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|v| v.as_str())
                .collect();
            assert_eq!(dynamic, ["version"], "{file}");
        }
    }

    /// `jaunt init` and `jaunt doctor` name the distribution the wheel is
    /// built as.
    #[test]
    fn the_wheel_is_built_as_the_named_distribution() {
        let doc: toml_edit::DocumentMut = repo_file("pyproject.toml").parse().unwrap();
        assert_eq!(doc["project"]["name"].as_str(), Some(DISTRIBUTION));
        assert_eq!(doc["tool"]["maturin"]["bindings"].as_str(), Some("bin"));
        assert_eq!(
            doc["tool"]["maturin"]["module-name"].as_str(),
            Some("jaunt")
        );
    }

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
