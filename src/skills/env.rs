//! The project's Python environment: which interpreter, its `sys.path` and
//! standard-library names (asked once, then cached), and the installed
//! distributions behind import names (read from `*.dist-info`).

use crate::config::Config;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::UNIX_EPOCH;

/// Asks the interpreter for what classification needs, as one JSON line.
const QUERY: &str = "import json, sys\n\
names = set(getattr(sys, 'stdlib_module_names', ())) | set(sys.builtin_module_names)\n\
print(json.dumps({'sys_path': [p for p in sys.path if p], 'stdlib': sorted(names)}))";

/// Name of the cache file under `.jaunt/cache/`; the version is bumped
/// when its shape changes, so an old file reads as a miss.
const CACHE_FILE: &str = "python-env-v1.json";

/// One installed distribution.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dist {
    /// As its METADATA spells it.
    pub name: String,
    pub version: String,
    /// The import names it provides.
    pub top_level: BTreeSet<String>,
}

/// The interpreter's answer, and what it was keyed by.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Cached {
    interpreter: PathBuf,
    /// `(dir, mtime in ns)` of every existing `sys.path` directory: a new
    /// `.pth` or a recreated venv changes one of them.
    mtimes: Vec<(PathBuf, u128)>,
    sys_path: Vec<PathBuf>,
    stdlib: BTreeSet<String>,
}

/// The environment, with distributions resolved lazily and each at most
/// once per run.
pub struct Environment {
    pub stdlib: BTreeSet<String>,
    sys_path: Vec<PathBuf>,
    /// `*.dist-info` directories per `sys.path` entry, listed on first use.
    listings: Option<Vec<Vec<PathBuf>>>,
    parsed: HashMap<PathBuf, Option<Arc<Dist>>>,
    by_import: HashMap<String, Option<Arc<Dist>>>,
}

/// The interpreter to ask: `[python] interpreter`, else `$VIRTUAL_ENV`,
/// else `.venv/` in the root, else `python3` on `PATH`.
pub fn interpreter(config: &Config) -> Option<PathBuf> {
    if let Some(name) = &config.python.interpreter {
        return if name.contains('/') {
            Some(config.root.join(name))
        } else {
            on_path(name)
        };
    }
    let venv_python = |venv: &Path| {
        ["bin/python", "bin/python3", "Scripts/python.exe"]
            .iter()
            .map(|p| venv.join(p))
            .find(|p| p.is_file())
    };
    std::env::var_os("VIRTUAL_ENV")
        .filter(|v| !v.is_empty())
        .and_then(|v| venv_python(Path::new(&v)))
        .or_else(|| venv_python(&config.root.join(".venv")))
        .or_else(|| on_path("python3"))
}

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

fn mtime_ns(path: &Path) -> Option<u128> {
    let modified = std::fs::metadata(path).ok()?.modified().ok()?;
    Some(modified.duration_since(UNIX_EPOCH).ok()?.as_nanos())
}

fn mtimes(interpreter: &Path, sys_path: &[PathBuf]) -> Vec<(PathBuf, u128)> {
    std::iter::once(interpreter)
        .chain(sys_path.iter().map(PathBuf::as_path))
        .filter_map(|p| Some((p.to_path_buf(), mtime_ns(p)?)))
        .collect()
}

impl Environment {
    /// The environment of `interpreter`, from the cache in `cache_dir` when
    /// nothing it was keyed by changed, else by asking the interpreter.
    pub fn load(interpreter: &Path, cache_dir: &Path) -> Result<Environment, String> {
        let cache_path = cache_dir.join(CACHE_FILE);
        let cached = std::fs::read(&cache_path)
            .ok()
            .and_then(|b| serde_json::from_slice::<Cached>(&b).ok())
            .filter(|c| {
                c.interpreter == interpreter && c.mtimes == mtimes(interpreter, &c.sys_path)
            });
        let cached = match cached {
            Some(c) => c,
            None => {
                let c = query(interpreter)?;
                if let Ok(bytes) = serde_json::to_vec(&c) {
                    // Only a cache: failing to write it costs a query next run.
                    let _ = crate::fsutil::write_atomic(&cache_path, &bytes);
                }
                c
            }
        };
        Ok(Environment::new(cached.sys_path, cached.stdlib))
    }

    /// Where the interpreter imports from, in order.
    pub fn sys_path(&self) -> &[PathBuf] {
        &self.sys_path
    }

    fn new(sys_path: Vec<PathBuf>, stdlib: BTreeSet<String>) -> Environment {
        Environment {
            stdlib,
            sys_path,
            listings: None,
            parsed: HashMap::new(),
            by_import: HashMap::new(),
        }
    }

    /// The distribution that provides top-level module `import`: the
    /// first one claiming it in `sys.path` order, as Python would load it.
    /// Distributions named like the import are tried first, so the common
    /// case reads one `*.dist-info`.
    pub fn distribution(&mut self, import: &str) -> Option<Arc<Dist>> {
        if let Some(hit) = self.by_import.get(import) {
            return hit.clone();
        }
        let sys_path = &self.sys_path;
        let listings = self
            .listings
            .get_or_insert_with(|| sys_path.iter().map(|d| dist_infos(d)).collect());
        let want = super::file::normalize(import);
        let mut found = None;
        'dirs: for infos in listings.iter() {
            let (named, others): (Vec<&PathBuf>, Vec<&PathBuf>) =
                infos.iter().partition(|p| info_name(p) == want);
            for info in named.into_iter().chain(others) {
                let dist = self
                    .parsed
                    .entry(info.clone())
                    .or_insert_with(|| read_dist_info(info).map(Arc::new));
                if let Some(d) = dist.as_ref().filter(|d| d.top_level.contains(import)) {
                    found = Some(d.clone());
                    break 'dirs;
                }
            }
        }
        self.by_import.insert(import.to_string(), found.clone());
        found
    }
}

fn query(interpreter: &Path) -> Result<Cached, String> {
    let out = Command::new(interpreter)
        .args(["-c", QUERY])
        .output()
        .map_err(|e| format!("cannot run {}: {e}", interpreter.display()))?;
    if !out.status.success() {
        return Err(format!(
            "{} failed ({}): {}",
            interpreter.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    #[derive(Deserialize)]
    struct Answer {
        sys_path: Vec<PathBuf>,
        stdlib: BTreeSet<String>,
    }
    let answer: Answer = serde_json::from_slice(&out.stdout)
        .map_err(|e| format!("unexpected answer from {}: {e}", interpreter.display()))?;
    Ok(Cached {
        interpreter: interpreter.to_path_buf(),
        mtimes: mtimes(interpreter, &answer.sys_path),
        sys_path: answer.sys_path,
        stdlib: answer.stdlib,
    })
}

/// The `*.dist-info` directories in one `sys.path` entry, sorted.
fn dist_infos(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "dist-info") && p.is_dir())
        .collect();
    out.sort();
    out
}

/// The normalized distribution name in a `<name>-<version>.dist-info`
/// directory name.
fn info_name(info: &Path) -> String {
    let stem = info.file_stem().unwrap_or_default().to_string_lossy();
    super::file::normalize(stem.split('-').next().unwrap_or_default())
}

/// Name, version and import names of one installed distribution, or
/// `None` when its METADATA lacks a name or version.
pub fn read_dist_info(info: &Path) -> Option<Dist> {
    let metadata = std::fs::read_to_string(info.join("METADATA")).ok()?;
    let (name, version) = parse_metadata(&metadata)?;
    let top_level = match std::fs::read_to_string(info.join("top_level.txt")) {
        Ok(text) => text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(|l| l.replace('/', "."))
            .filter_map(|l| l.split('.').next().map(String::from))
            .collect(),
        Err(_) => {
            top_level_from_record(&std::fs::read_to_string(info.join("RECORD")).unwrap_or_default())
        }
    };
    Some(Dist {
        name,
        version,
        top_level,
    })
}

/// `Name` and `Version` from the header block of a METADATA file.
pub fn parse_metadata(text: &str) -> Option<(String, String)> {
    let (mut name, mut version) = (None, None);
    for line in text.lines().take_while(|l| !l.trim().is_empty()) {
        if let Some(v) = line.strip_prefix("Name:") {
            name.get_or_insert_with(|| v.trim().to_string());
        } else if let Some(v) = line.strip_prefix("Version:") {
            version.get_or_insert_with(|| v.trim().to_string());
        }
    }
    Some((name?, version?))
}

/// Import names from a RECORD (for wheels without `top_level.txt`): the
/// first component of each installed path that is a package or module,
/// leaving out metadata, scripts (`../../bin/…`) and `.pth` files.
pub fn top_level_from_record(record: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for line in record.lines() {
        let path = line.split(',').next().unwrap_or_default().trim_matches('"');
        let (first, rest) = path.split_once('/').unwrap_or((path, ""));
        let name = if rest.is_empty() {
            // A top-level file: `six.py`, or an extension `_x.cpython-311.so`.
            match first.rsplit_once('.') {
                Some((stem, "py" | "so" | "pyd")) => stem.split('.').next().unwrap_or(stem),
                _ => continue,
            }
        } else {
            first
        };
        if crate::names::is_identifier(name) && name != "__pycache__" {
            out.insert(name.to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_header_fields() {
        let text = "Metadata-Version: 2.1\nName: python-dateutil\nVersion: 2.9.0.post0\nSummary: x\n\nName: not-this\n";
        assert_eq!(
            parse_metadata(text),
            Some(("python-dateutil".into(), "2.9.0.post0".into()))
        );
        assert_eq!(parse_metadata("Name: a\n"), None);
    }

    #[test]
    fn record_top_levels() {
        let record = "attr/__init__.py,sha256=x,10\nattrs/__init__.py,,\nattrs-23.2.0.dist-info/METADATA,,\n\
                      ../../bin/tool,,\nsix.py,,\n_speedups.cpython-311-x86_64-linux-gnu.so,,\n\
                      distutils-precedence.pth,,\n__pycache__/six.cpython-311.pyc,,\n";
        let names: Vec<String> = top_level_from_record(record).into_iter().collect();
        assert_eq!(names, ["_speedups", "attr", "attrs", "six"]);
    }

    #[test]
    fn dist_info_lookup_prefers_top_level_txt_and_follows_sys_path() {
        let dir = tempfile::tempdir().expect("tempdir");
        let write = |rel: &str, text: &str| {
            let p = dir.path().join(rel);
            std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            std::fs::write(p, text).expect("write");
        };
        write(
            "a/python_dateutil-2.9.0.dist-info/METADATA",
            "Name: python-dateutil\nVersion: 2.9.0\n",
        );
        write(
            "a/python_dateutil-2.9.0.dist-info/top_level.txt",
            "dateutil\n",
        );
        write(
            "a/six-1.16.0.dist-info/METADATA",
            "Name: six\nVersion: 1.16.0\n",
        );
        write("a/six-1.16.0.dist-info/RECORD", "six.py,,\n");
        write(
            "b/six-1.17.0.dist-info/METADATA",
            "Name: six\nVersion: 1.17.0\n",
        );
        write("b/six-1.17.0.dist-info/RECORD", "six.py,,\n");
        let mut env = Environment::new(
            vec![dir.path().join("a"), dir.path().join("b")],
            BTreeSet::new(),
        );
        let d = env.distribution("dateutil").expect("found");
        assert_eq!(
            (d.name.as_str(), d.version.as_str()),
            ("python-dateutil", "2.9.0")
        );
        assert_eq!(env.distribution("six").expect("found").version, "1.16.0");
        assert_eq!(env.distribution("numpy"), None);
    }

    #[test]
    fn query_is_cached_until_the_environment_changes() {
        let Some(python) = on_path("python3") else {
            return;
        };
        let cache = tempfile::tempdir().expect("tempdir");
        let env = Environment::load(&python, cache.path()).expect("query");
        assert!(env.stdlib.contains("json"), "{:?}", env.stdlib);
        let path = cache.path().join(CACHE_FILE);
        let mut cached: Cached =
            serde_json::from_slice(&std::fs::read(&path).expect("cache written")).expect("json");
        cached.stdlib.insert("from_the_cache".into());
        std::fs::write(&path, serde_json::to_vec(&cached).expect("json")).expect("write");
        let env = Environment::load(&python, cache.path()).expect("cached");
        assert!(env.stdlib.contains("from_the_cache"));
        cached.mtimes.push((cache.path().join("gone"), 1));
        std::fs::write(&path, serde_json::to_vec(&cached).expect("json")).expect("write");
        let env = Environment::load(&python, cache.path()).expect("asked again");
        assert!(!env.stdlib.contains("from_the_cache"));
    }
}
