//! Which imports can have a skill: those of installed third-party
//! libraries, not the standard library, the project itself or jaunt.

use crate::python::{Import, ImportTarget};
use std::collections::BTreeSet;
use std::path::Path;

/// Where a top-level import name comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    Stdlib,
    Internal,
    Jaunt,
    External,
}

/// The top-level package an import loads (`a` for `import a.b` and
/// `from a.b import c`), or `None` for relative imports, which are always
/// the project's own.
pub fn top_level(import: &Import) -> Option<&str> {
    let dotted = match &import.target {
        ImportTarget::Module(m) => m.as_str(),
        ImportTarget::From {
            level: 0, module, ..
        } => module.as_str(),
        ImportTarget::From { .. } => return None,
    };
    dotted.split('.').next().filter(|s| !s.is_empty())
}

/// Classifies one top-level name. `internal` holds the project's own
/// top-level modules, which shadow any installed library of that name.
pub fn classify(name: &str, internal: &BTreeSet<String>, stdlib: &BTreeSet<String>) -> Origin {
    if name == "jaunt" {
        Origin::Jaunt
    } else if internal.contains(name) {
        Origin::Internal
    } else if stdlib.contains(name) || name == "__future__" {
        Origin::Stdlib
    } else {
        Origin::External
    }
}

/// The top-level packages and modules under the given roots: directories
/// with identifier names and `*.py` files.
pub fn internal_names(roots: &[impl AsRef<Path>]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for root in roots {
        let Ok(entries) = std::fs::read_dir(root) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
            let stem = if is_dir {
                Some(name.as_str())
            } else {
                name.strip_suffix(".py")
            };
            if let Some(stem) = stem.filter(|s| crate::names::is_identifier(s)) {
                out.insert(stem.to_string());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn import(target: ImportTarget) -> Import {
        Import {
            binding: "x".into(),
            target,
            line: 1,
        }
    }

    #[test]
    fn top_level_names() {
        let m = |s: &str| import(ImportTarget::Module(s.into()));
        let from = |level, module: &str| {
            import(ImportTarget::From {
                level,
                module: module.into(),
                name: "n".into(),
            })
        };
        assert_eq!(top_level(&m("dateutil.parser")), Some("dateutil"));
        assert_eq!(top_level(&m("six")), Some("six"));
        assert_eq!(top_level(&from(0, "attr.validators")), Some("attr"));
        assert_eq!(top_level(&from(1, "sibling")), None);
        assert_eq!(top_level(&from(2, "")), None);
    }

    #[test]
    fn classification() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("shop")).expect("mkdir");
        std::fs::create_dir_all(dir.path().join("not-a-package")).expect("mkdir");
        std::fs::write(dir.path().join("helpers.py"), "").expect("write");
        std::fs::write(dir.path().join("notes.txt"), "").expect("write");
        let internal = internal_names(&[dir.path()]);
        assert_eq!(
            internal.iter().map(String::as_str).collect::<Vec<_>>(),
            ["helpers", "shop"]
        );
        let stdlib: BTreeSet<String> = ["re", "json", "decimal"].map(String::from).into();
        assert_eq!(classify("re", &internal, &stdlib), Origin::Stdlib);
        assert_eq!(classify("__future__", &internal, &stdlib), Origin::Stdlib);
        assert_eq!(classify("shop", &internal, &stdlib), Origin::Internal);
        assert_eq!(classify("helpers", &internal, &stdlib), Origin::Internal);
        assert_eq!(classify("jaunt", &internal, &stdlib), Origin::Jaunt);
        assert_eq!(classify("dateutil", &internal, &stdlib), Origin::External);
        let shadowing: BTreeSet<String> = ["json".to_string()].into();
        assert_eq!(classify("json", &shadowing, &stdlib), Origin::Internal);
    }
}
