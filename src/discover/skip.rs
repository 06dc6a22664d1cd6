//! What discovery left out that holds jaunt specs, for `-v`.
//!
//! Discovery skips ignored, hidden and virtual-environment directories and
//! files whose names Python cannot import. That is right almost always;
//! when it is not, the user should be able to see it. Finding these files
//! means walking everything discovery skips, so it runs only when asked.

use super::{Discovery, Roots, module_name};
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};

/// A skipped directory or file that holds jaunt specs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Skipped {
    /// Posix path relative to the project root.
    pub path: String,
    pub reason: &'static str,
    /// How many files with jaunt specs are under it.
    pub files: usize,
}

/// How much of a file is read to look for a decorator.
const SNIFF_BYTES: u64 = 256 * 1024;

/// The skipped places holding files with jaunt specs, sorted by path.
/// `entered` holds the directories the discovery walk went into.
pub(super) fn find(
    roots: &Roots,
    discovery: &Discovery,
    entered: &HashSet<PathBuf>,
) -> Vec<Skipped> {
    let discovered: HashSet<&Path> = discovery.files.values().map(|f| f.path.as_path()).collect();
    let mut found: BTreeMap<String, Skipped> = BTreeMap::new();
    for root in &roots.roots {
        let nested = roots.nested_in(&root.dir);
        let generated = roots.generated_dir.clone();
        let walker = ignore::WalkBuilder::new(&root.dir)
            .standard_filters(false)
            .filter_entry(move |e| {
                !(e.file_type().is_some_and(|t| t.is_dir())
                    && e.depth() > 0
                    && (e.file_name() == generated.as_str()
                        || e.file_name() == ".git"
                        || e.file_name() == "__pycache__"
                        || nested.iter().any(|n| n == e.path())))
            })
            .build();
        for entry in walker.flatten() {
            let path = entry.path();
            if !entry.file_type().is_some_and(|t| t.is_file())
                || path.extension().is_none_or(|x| x != "py")
                || discovered.contains(path)
                || !has_jaunt_specs(path)
            {
                continue;
            }
            let (at, reason) = match first_skipped_dir(&root.dir, path, entered) {
                Some(dir) => (dir.clone(), dir_reason(&dir)),
                None => (path.to_path_buf(), file_reason(&root.base, path)),
            };
            let rel = roots.rel(&at);
            found
                .entry(rel.clone())
                .or_insert(Skipped {
                    path: rel,
                    reason,
                    files: 0,
                })
                .files += 1;
        }
    }
    found.into_values().collect()
}

/// The outermost directory between `root` and `path` the walk did not enter.
fn first_skipped_dir(root: &Path, path: &Path, entered: &HashSet<PathBuf>) -> Option<PathBuf> {
    let rel = path.parent()?.strip_prefix(root).ok()?;
    let mut dir = root.to_path_buf();
    for part in rel.components() {
        dir.push(part);
        if !entered.contains(&dir) {
            return Some(dir);
        }
    }
    None
}

fn dir_reason(dir: &Path) -> &'static str {
    if is_hidden(dir) {
        "hidden directory"
    } else if dir.join("pyvenv.cfg").exists() {
        "virtual environment (pyvenv.cfg)"
    } else {
        "excluded by .gitignore or .ignore"
    }
}

fn file_reason(base: &Path, path: &Path) -> &'static str {
    if is_hidden(path) {
        "hidden file"
    } else if module_name(base, path).is_none() {
        "not an importable module name (every part of the path must be a Python identifier)"
    } else {
        "excluded by .gitignore or .ignore, or another root already has a module of this name"
    }
}

fn is_hidden(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|n| n.to_string_lossy().starts_with('.'))
}

/// A textual look for a jaunt decorator: cheap, and enough to point at a
/// file the user should look at.
fn has_jaunt_specs(path: &Path) -> bool {
    let mut head = Vec::new();
    let read = std::fs::File::open(path).and_then(|f| f.take(SNIFF_BYTES).read_to_end(&mut head));
    if read.is_err() {
        return false;
    }
    let text = String::from_utf8_lossy(&head);
    ["@jaunt.magic", "@jaunt.test", "jaunt.magic_module("]
        .iter()
        .any(|needle| text.contains(needle))
}
