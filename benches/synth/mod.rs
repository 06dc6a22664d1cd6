//! Deterministic synthetic spec projects for the benchmarks.
//!
//! `N` modules × `K` specs, 100 modules per package
//! (`src/pkg_{i/100}/mod_{i}.py`, each package with an `__init__.py`).
//! Module `i` depends only on modules `j < i`, so the module graph is a DAG
//! (a cycle would make `Project::load` fail instead of measuring it). The
//! cross-module dependencies are written in every form jaunt reads:
//! imported names used in annotations and bodies (inferred), `deps=` names
//! and `deps=` `"pkg.mod:Name"` / `"pkg.mod.Name"` strings.
//!
//! Every file's mtime is set an hour in the past, as in a checkout that was
//! not just edited: otherwise every warm run would find the files "racy"
//! (modified within 2 s of the cache write) and re-hash them all.

use rayon::prelude::*;
use std::fmt::Write as _;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// Bump when the generated text changes, so a stale tree is regenerated.
const GENERATOR_VERSION: u32 = 2;
const MODULES_PER_PACKAGE: usize = 100;

/// What was generated: the numbers the report prints.
#[derive(Clone, Copy, Debug)]
pub struct Stats {
    pub modules: usize,
    pub specs: usize,
    /// `.py` files, `__init__.py`s included.
    pub files: usize,
    /// Bytes of Python source.
    pub bytes: u64,
}

/// A project of `modules` × `specs` under `parent`, generated once and
/// reused: a stamp file records the generator version and the stats, so
/// repeated bench runs do not rewrite (and re-date) thousands of files.
pub fn ensure(parent: &Path, modules: usize, specs: usize) -> io::Result<(PathBuf, Stats)> {
    let dir = parent.join(format!("synth-{modules}x{specs}"));
    let stamp_path = dir.join("synth.stamp");
    let prefix = format!("v{GENERATOR_VERSION} {modules} {specs} ");
    if let Ok(stamp) = fs::read_to_string(&stamp_path)
        && let Some(rest) = stamp.strip_prefix(&prefix)
        && let Some((files, bytes)) = rest.trim().split_once(' ')
        && let (Ok(files), Ok(bytes)) = (files.parse(), bytes.parse())
    {
        let stats = Stats {
            modules,
            specs: modules * specs,
            files,
            bytes,
        };
        return Ok((dir, stats));
    }
    if dir.exists() {
        fs::remove_dir_all(&dir)?;
    }
    let stats = generate(&dir, modules, specs)?;
    fs::write(
        &stamp_path,
        format!("{prefix}{} {}\n", stats.files, stats.bytes),
    )?;
    Ok((dir, stats))
}

/// Writes the project into `dir` (which should not exist yet). `specs` is
/// at most 6: one spec of each shape, so names stay unique per module.
pub fn generate(dir: &Path, modules: usize, specs: usize) -> io::Result<Stats> {
    assert!((1..=6).contains(&specs), "1 to 6 specs per module");
    let past = SystemTime::now() - Duration::from_secs(3600);
    let src = dir.join("src");
    fs::create_dir_all(&src)?;
    fs::write(
        dir.join("jaunt.toml"),
        "version = 1\n\n[paths]\nsource_roots = [\"src\"]\n",
    )?;
    let mut stats = Stats {
        modules,
        specs: modules * specs,
        files: 0,
        bytes: 0,
    };
    let mut write = |path: PathBuf, text: &str| -> io::Result<()> {
        fs::write(&path, text)?;
        fs::File::options()
            .write(true)
            .open(&path)?
            .set_modified(past)?;
        stats.files += 1;
        stats.bytes += text.len() as u64;
        Ok(())
    };
    for p in 0..modules.div_ceil(MODULES_PER_PACKAGE) {
        let pkg = src.join(format!("pkg_{p}"));
        fs::create_dir_all(&pkg)?;
        write(
            pkg.join("__init__.py"),
            &format!("\"\"\"Synthetic package {p}.\"\"\"\n"),
        )?;
    }
    for i in 0..modules {
        let path = src
            .join(format!("pkg_{}", i / MODULES_PER_PACKAGE))
            .join(format!("mod_{i}.py"));
        write(path, &module_source(i, specs))?;
    }
    Ok(stats)
}

fn package_of(i: usize) -> String {
    format!("pkg_{}.mod_{i}", i / MODULES_PER_PACKAGE)
}

/// Up to three distinct earlier modules, spread over the whole range so the
/// graph has long and short edges, not just a chain.
fn deps_of(i: usize) -> Vec<usize> {
    if i == 0 {
        return Vec::new();
    }
    // splitmix-style mixing: deterministic, no rand crate needed.
    let mut x = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    x ^= x >> 31;
    let far = (x % i as u64) as usize;
    let mut out = vec![i - 1, i / 2, far];
    out.sort_unstable();
    out.dedup();
    out
}

/// One module: a docstring, its imports, then `specs` specs that cycle
/// through six shapes (a dataclass-like class, functions with inferred,
/// named and string deps, a class with methods, a small helper).
fn module_source(i: usize, specs: usize) -> String {
    let deps = deps_of(i);
    let mut s = String::with_capacity(2400);
    let _ = writeln!(
        s,
        "\"\"\"Synthetic spec module {i}: records and loaders for table {i}.\"\"\"\n"
    );
    s.push_str("from __future__ import annotations\n\nimport jaunt\n");
    for &j in &deps {
        let _ = writeln!(s, "from {} import Record{j}, load_{j}", package_of(j));
    }
    s.push('\n');
    // Prefer a real dependency; module 0 refers to its own class.
    let a = deps.first().copied();
    let mid = deps.get(deps.len() / 2).copied();
    let b = deps.last().copied();
    for k in 0..specs {
        s.push('\n');
        spec_source(&mut s, i, k, [a, mid, b]);
    }
    s
}

/// Spec `k` of module `i`; `[a, mid, b]` are the modules it may refer to.
fn spec_source(s: &mut String, i: usize, k: usize, [a, mid, b]: [Option<usize>; 3]) {
    let rec_a = a.map_or(format!("Record{i}"), |j| format!("Record{j}"));
    let rec_mid = mid.map_or(format!("Record{i}"), |j| format!("Record{j}"));
    let load_b = b.map_or(format!("load_{i}"), |j| format!("load_{j}"));
    let _ = match k % 6 {
        0 => writeln!(
            s,
            r#"@jaunt.magic()
class Record{i}:
    """One row of table {i}.

    Keys are unique within a batch.
    """

    key: str
    weight: float  # kilograms
    parent: {rec_a} | None = None
"#
        ),
        1 => writeln!(
            s,
            r#"@jaunt.magic(prompt="Reject missing fields.")
def load_{i}(raw: dict[str, object]) -> Record{i}:
    """Build a Record{i} from a raw mapping.

    Args:
        raw: one decoded JSON object from the upstream feed.

    Raises ValueError when `key` is missing.
    """
    # the parent comes from the upstream table
    parent = {load_b}(raw) if "p" in raw else None
    return Record{i}(str(raw["key"]), 0.0, parent)
"#
        ),
        2 => {
            let deps = match (a, b) {
                (Some(_), Some(_)) => format!("deps=[{rec_a}, {load_b}]"),
                _ => format!("deps=Record{i}"),
            };
            writeln!(
                s,
                r#"@jaunt.magic({deps})
def merge_{i}(left: list[Record{i}], right: list[Record{i}]) -> list[Record{i}]:
    """Merge two batches, newest weight wins.

    Records present in only one batch are kept as they are.
    The result is sorted by key; the inputs are not modified.
    """
    ...
"#
            )
        }
        3 => {
            let deps = match (a, b) {
                (Some(a), Some(b)) => format!(
                    r#"deps=["{}:Record{a}", "{}.load_{b}"]"#,
                    package_of(a),
                    package_of(b)
                ),
                _ => format!(r#"deps="{}:load_{i}""#, package_of(i)),
            };
            writeln!(
                s,
                r#"@jaunt.magic({deps}, infer_deps=False)
def total_weight_{i}(rows: list[Record{i}]) -> float:
    """Sum of weights, ignoring negative ones.

    An empty batch weighs 0.0.
    """
    return sum(r.weight for r in rows if r.weight > 0)
"#
            )
        }
        4 => writeln!(
            s,
            r#"@jaunt.magic()
class Index{i}:
    """Records of table {i} by key."""

    def __init__(self, rows: list[Record{i}]) -> None:
        """Index `rows`; later duplicates win."""
        ...

    def get(self, key: str) -> Record{i} | None:
        ...
"#
        ),
        _ => writeln!(
            s,
            r#"@jaunt.magic()
def describe_{i}(row: Record{i}, other: {rec_mid}) -> str:
    """A one-line summary of `row` next to `other`, for logs.

    Weights are shown with their unit; keys are not quoted.
    """
    return f"{{row.key}}: {{row.weight}} vs {{other.key}}"
"#
        ),
    };
}

/// Points `dir`'s `jaunt.toml` at the `command` backend running `command`
/// and at a store of its own (`store`, relative to `dir`), so a bench can
/// generate without a network and never touches the user's store (nor
/// races on `JAUNT_STORE`). Only benches that generate need it.
#[allow(dead_code)]
pub fn write_command_config(dir: &Path, command: &[&str], store: &str) -> io::Result<()> {
    let command: Vec<String> = command.iter().map(|a| format!("{a:?}")).collect();
    let text = format!(
        "version = 1\n\n[paths]\nsource_roots = [\"src\"]\n\n\
         [llm]\nprovider = \"command\"\ncommand = [{}]\n\n\
         [store]\npath = {store:?}\n",
        command.join(", ")
    );
    let path = dir.join("jaunt.toml");
    // Unchanged, it is left alone: rewriting it would be a change.
    if fs::read_to_string(&path).is_ok_and(|t| t == text) {
        return Ok(());
    }
    fs::write(path, text)
}

/// Every `.py` file under `dir/src`: a sequential walk feeding rayon, so
/// reading and hashing overlap the walk.
#[allow(dead_code)]
pub fn py_files(dir: &Path) -> impl ParallelIterator<Item = PathBuf> {
    ignore::WalkBuilder::new(dir.join("src"))
        .build()
        .par_bridge()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_some_and(|t| t.is_file()))
        .map(ignore::DirEntry::into_path)
        .filter(|p| p.extension().is_some_and(|x| x == "py"))
}

/// The baseline: walk, read and BLAKE3 every `.py` file, in parallel.
/// Returns the file count and a fold of the hashes, so nothing is elided.
#[allow(dead_code)]
pub fn read_and_hash(dir: &Path) -> (usize, u8) {
    py_files(dir)
        .map(|p| {
            (
                1,
                blake3::hash(&std::fs::read(p).expect("read")).as_bytes()[0],
            )
        })
        .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 ^ b.1))
}
