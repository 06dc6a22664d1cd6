//! Finding spec files and reading them (statically) into summaries.
//!
//! A full discovery walks every source and test root in parallel; a
//! targeted one starts from the target modules' files and follows
//! their imports and deps, parsing only what they reach. Both go through
//! the persistent parse cache ([`cache`]).

pub mod cache;
pub mod skip;

use crate::config::Config;
use crate::error::{Diagnostic, JauntError, Result};
use crate::names::{ModuleName, SpecKind};
use crate::python::{DepExpr, FileSummary, ImportTarget};
use cache::{Entry, Lookup, ParseCache};
use rayon::prelude::*;
use std::collections::{BTreeMap, HashSet, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Which kind of root a file was found under.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum RootKind {
    Source,
    Test,
}

/// One Python module of the project, read.
#[derive(Clone, Debug)]
pub struct SourceFile {
    pub path: PathBuf,
    /// Posix path relative to the project root (`src/pkg/mod.py`).
    pub rel: String,
    pub module: ModuleName,
    /// `pkg/__init__.py`.
    pub is_package: bool,
    pub root_kind: RootKind,
    /// The root directory the module name is relative to.
    pub root_dir: PathBuf,
    pub summary: Arc<FileSummary>,
}

/// The project's Python modules, by module name.
#[derive(Debug, Default)]
pub struct Discovery {
    pub files: BTreeMap<ModuleName, SourceFile>,
    /// How many summaries came from the parse cache, for `-v`.
    pub cache_hits: usize,
    pub parsed: usize,
    /// Files and directories that could not be read: an error, never a
    /// module treated as deleted.
    pub unreadable: Vec<Diagnostic>,
    /// Files with jaunt specs that discovery left out, and why; filled
    /// only when asked for (`-v`), since finding them walks what is skipped.
    pub skipped: Vec<skip::Skipped>,
    /// Every directory whose listing a full discovery depended on: those
    /// walked and those passed over by rule (sorted; empty when targeted).
    /// A directory's mtime moves when an entry comes or goes.
    pub listed: Vec<PathBuf>,
}

impl Discovery {
    /// Syntax errors and unreadable spec arguments, with file:line.
    pub fn problems(&self) -> Vec<Diagnostic> {
        let mut out = self.unreadable.clone();
        for f in self.files.values() {
            out.extend(f.problems());
        }
        out.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
        out
    }

    /// Fails with every problem found, or succeeds when there are none.
    pub fn check(&self) -> Result<()> {
        let problems = self.problems();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(JauntError::Diagnostics(problems))
        }
    }
}

#[cfg(test)]
impl Discovery {
    /// In-memory sources under `<root>/src`, for unit tests of what comes
    /// after discovery: `("shop/money.py", source)`.
    pub(crate) fn from_sources(root: &Path, sources: &[(&str, &str)]) -> Discovery {
        let src = root.join("src");
        let files = sources
            .iter()
            .map(|(rel, text)| {
                let path = src.join(rel);
                let (module, is_package) = module_name(&src, &path).expect("an importable path");
                let file = SourceFile {
                    path,
                    rel: format!("src/{rel}"),
                    module: module.clone(),
                    is_package,
                    root_kind: RootKind::Source,
                    root_dir: src.clone(),
                    summary: Arc::new(crate::python::summarize(text)),
                };
                (module, file)
            })
            .collect();
        Discovery {
            files,
            cache_hits: 0,
            parsed: sources.len(),
            ..Discovery::default()
        }
    }
}

impl SourceFile {
    /// This file's part of [`Discovery::problems`].
    pub fn problems(&self) -> Vec<Diagnostic> {
        let mut out: Vec<Diagnostic> = self
            .summary
            .diagnostics
            .iter()
            .map(|d| Diagnostic {
                file: Some(PathBuf::from(&self.rel)),
                ..d.clone()
            })
            .collect();
        out.extend(mixed_kinds(self));
        out
    }
}

/// A file's summary from its bytes, invalid UTF-8 replaced.
pub fn summarize_bytes(bytes: &[u8]) -> crate::python::FileSummary {
    crate::python::summarize(&String::from_utf8_lossy(bytes))
}

/// A module with both build and test specs would have both generated into
/// the same file, one overwriting the other: an error at its first test spec.
fn mixed_kinds(file: &SourceFile) -> Option<Diagnostic> {
    let specs = &file.summary.specs;
    let first_test = specs.iter().find(|s| s.kind == SpecKind::Test)?;
    specs.iter().find(|s| s.kind == SpecKind::Build)?;
    Some(
        Diagnostic::new(
            crate::error::Code::Discovery,
            format!(
                "module `{}` holds both @jaunt.magic and @jaunt.test specs, whose generated modules would be the same file",
                file.module
            ),
        )
        .at(&file.rel, Some(first_test.line))
        .hint("move the @jaunt.test specs into a test module of their own (under a test root, e.g. tests/test_<name>.py)"),
    )
}

/// One configured root.
struct Root {
    kind: RootKind,
    /// The directory walked.
    dir: PathBuf,
    /// The directory module names are relative to: `dir` itself, or, when
    /// `dir` is a package (has `__init__.py`), the first ancestor that is
    /// not, so that `tests/specs.py` with `tests/__init__.py` is
    /// `tests.specs` — Python's rule, and pytest's. Never above the project.
    base: PathBuf,
}

struct Roots {
    /// In priority order: source roots first.
    roots: Vec<Root>,
    generated_dir: String,
    project_root: PathBuf,
    /// Where the generated files of the modules `jaunt migrate --adopt`
    /// names may be: not jaunt's yet, yet no sign that `generated_dir`
    /// collides with a package.
    vouched: Vec<PathBuf>,
}

impl Roots {
    fn new(config: &Config) -> Roots {
        Roots::vouching(config, &[])
    }

    fn vouching(config: &Config, adopted: &[ModuleName]) -> Roots {
        let mut dirs: Vec<(RootKind, PathBuf)> = config
            .source_dirs()
            .into_iter()
            .map(|d| (RootKind::Source, d))
            .collect();
        for d in config.test_dirs() {
            if !dirs.iter().any(|(_, r)| *r == d) {
                dirs.push((RootKind::Test, d));
            }
        }
        let roots = dirs
            .into_iter()
            .map(|(kind, dir)| Root {
                kind,
                base: import_base(&config.root, &dir),
                dir,
            })
            .collect::<Vec<Root>>();
        let generated = &config.paths.generated_dir;
        let mut vouched = Vec::new();
        for base in roots.iter().map(|r| &r.base) {
            for name in adopted {
                let parts: Vec<&str> = name.parts().collect();
                let (last, parents) = parts.split_last().expect("a module name has a part");
                let dir: PathBuf = parents.iter().fold(base.clone(), |p, part| p.join(part));
                vouched.push(dir.join(generated).join(format!("{last}.py")));
                vouched.push(dir.join(last).join(generated).join("__init__.py"));
            }
        }
        Roots {
            roots,
            generated_dir: generated.clone(),
            project_root: config.root.clone(),
            vouched,
        }
    }

    /// Other roots nested inside `root`: the innermost root owns a file, so
    /// walking `.` must not re-find `src/pkg/mod.py` as `src.pkg.mod`.
    fn nested_in(&self, root: &Path) -> Vec<PathBuf> {
        self.roots
            .iter()
            .filter(|r| r.dir != root && r.dir.starts_with(root))
            .map(|r| r.dir.clone())
            .collect()
    }

    fn rel(&self, path: &Path) -> String {
        crate::fsutil::relative(&self.project_root, path)
    }
}

/// The directories module names are relative to, one per root in priority
/// order without repeats: what `sys.path` needs to import the project.
pub fn import_bases(config: &Config) -> Vec<PathBuf> {
    let mut bases: Vec<PathBuf> = Vec::new();
    for root in Roots::new(config).roots {
        if !bases.contains(&root.base) {
            bases.push(root.base);
        }
    }
    bases
}

/// Climbs from a root through the packages that contain it.
fn import_base(project: &Path, dir: &Path) -> PathBuf {
    let mut base = dir.to_path_buf();
    while base != project
        && base.starts_with(project)
        && base.join("__init__.py").is_file()
        && base
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(crate::names::is_identifier)
    {
        match base.parent() {
            Some(parent) => base = parent.to_path_buf(),
            None => break,
        }
    }
    base
}

/// The module name of a file under `base`, or `None` when the path is not
/// importable (`my-script.py`, a directory that is not an identifier).
pub fn module_name(base: &Path, path: &Path) -> Option<(ModuleName, bool)> {
    let rel = path.strip_prefix(base).ok()?;
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let file = parts.pop()?;
    let stem = file.strip_suffix(".py")?;
    let is_package = stem == "__init__";
    if !is_package {
        parts.push(stem.to_string());
    }
    let name = ModuleName::parse(&parts.join(".")).ok()?;
    Some((name, is_package))
}

/// Walks every root and reads every Python module in it. With
/// `report_skipped`, also finds the files with jaunt specs that the walk
/// left out ([`Discovery::skipped`]), for `-v`.
pub fn discover_all(config: &Config, report_skipped: bool) -> Result<Discovery> {
    discover_adopting(config, report_skipped, &[])
}

/// [`discover_all`] for `jaunt migrate --adopt`: the generated files of the
/// `adopted` modules may be files jaunt did not write.
pub fn discover_adopting(
    config: &Config,
    report_skipped: bool,
    adopted: &[ModuleName],
) -> Result<Discovery> {
    let roots = Roots::vouching(config, adopted);
    let mut found: Vec<(RootKind, PathBuf, PathBuf)> = Vec::new();
    let mut unreadable = Vec::new();
    let mut entered = HashSet::new();
    let mut listed = Vec::new();
    for root in &roots.roots {
        let walked = walk(root, &roots);
        unreadable.extend(walked.errors);
        listed.extend(walked.dirs.iter().cloned());
        listed.extend(walked.passed);
        entered.extend(walked.dirs);
        for path in walked.files {
            found.push((root.kind, root.base.clone(), path));
        }
    }
    let mut cache = ParseCache::load(&config.state_dir());
    let mut discovery = read_files(&roots, &mut cache, found);
    discovery.unreadable.extend(unreadable);
    listed.sort();
    listed.dedup();
    discovery.listed = listed;
    if report_skipped {
        discovery.skipped = skip::find(&roots, &discovery, &entered);
    }
    let live: HashSet<String> = discovery.files.values().map(|f| f.rel.clone()).collect();
    cache.retain(&live);
    cache.save();
    Ok(discovery)
}

/// What one root's walk found.
struct Walked {
    /// `.py` files, sorted.
    files: Vec<PathBuf>,
    /// What could not be walked, and generated directories that are not
    /// jaunt's.
    errors: Vec<Diagnostic>,
    /// The directories entered.
    dirs: Vec<PathBuf>,
    /// The directories passed over by jaunt's own rules (generated
    /// directories, virtual environments), which a change can bring back.
    passed: Vec<PathBuf>,
}

/// The `.py` files under a root. Skipped: directories `.gitignore` or
/// `.ignore` exclude, hidden ones, virtual environments (`pyvenv.cfg`),
/// generated directories, and other roots nested inside this one — never a
/// list of common names, since `build` or `env` may well be packages.
fn walk(root: &Root, roots: &Roots) -> Walked {
    let nested = roots.nested_in(&root.dir);
    let generated = roots.generated_dir.clone();
    let (tx, rx) = std::sync::mpsc::channel();
    let (errors_tx, errors_rx) = std::sync::mpsc::channel();
    let (dirs_tx, dirs_rx) = std::sync::mpsc::channel();
    let (passed_tx, passed_rx) = std::sync::mpsc::channel();
    let collisions = errors_tx.clone();
    let project_root = roots.project_root.clone();
    let vouched = roots.vouched.clone();
    ignore::WalkBuilder::new(&root.dir)
        .hidden(true)
        .git_ignore(true)
        .git_exclude(true)
        .git_global(false)
        .require_git(false)
        .parents(true)
        .filter_entry(move |e| {
            if e.file_type().is_some_and(|t| t.is_dir()) && e.depth() > 0 {
                if e.file_name() == generated.as_str() {
                    if let Some(d) = not_generated(e.path(), &generated, &project_root, &vouched) {
                        let _ = collisions.send(d);
                    }
                    let _ = passed_tx.send(e.path().to_path_buf());
                    return false;
                }
                if e.file_name() == "__pycache__" || nested.iter().any(|n| n == e.path()) {
                    return false;
                }
                if e.path().join("pyvenv.cfg").exists() {
                    let _ = passed_tx.send(e.path().to_path_buf());
                    return false;
                }
            }
            true
        })
        .build_parallel()
        .run(|| {
            let tx = tx.clone();
            let errors_tx = errors_tx.clone();
            let dirs_tx = dirs_tx.clone();
            Box::new(move |entry| {
                match entry {
                    Ok(e) if e.file_type().is_some_and(|t| t.is_dir()) => {
                        let _ = dirs_tx.send(e.into_path());
                    }
                    Ok(e)
                        if e.file_type().is_some_and(|t| t.is_file())
                            && e.path().extension().is_some_and(|x| x == "py") =>
                    {
                        let _ = tx.send(e.into_path());
                    }
                    Ok(_) => {}
                    Err(e) => {
                        let _ = errors_tx.send(unreadable(&e.to_string()));
                    }
                }
                ignore::WalkState::Continue
            })
        });
    drop((tx, errors_tx, dirs_tx));
    let mut files: Vec<PathBuf> = rx.into_iter().collect();
    files.sort();
    let mut errors: Vec<Diagnostic> = errors_rx.into_iter().collect();
    errors.sort_by(|a, b| a.message.cmp(&b.message));
    Walked {
        files,
        errors,
        dirs: dirs_rx.into_iter().collect(),
        passed: passed_rx.into_iter().collect(),
    }
}

/// A directory named like `generated_dir` holds only what jaunt writes:
/// files with jaunt's header and empty `__init__.py` files. Anything else
/// means the name collides with a real package, whose modules would be
/// skipped — and whose generated files removed — without a word.
fn not_generated(
    dir: &Path,
    generated: &str,
    project_root: &Path,
    vouched: &[PathBuf],
) -> Option<Diagnostic> {
    let entries = std::fs::read_dir(dir).ok()?;
    let mut foreign: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.extension().is_some_and(|x| x == "py") && !written_by_jaunt(p) && !vouched.contains(p)
        })
        .collect();
    foreign.sort();
    let first = foreign.first()?;
    Some(
        Diagnostic::config(format!(
            "`paths.generated_dir = \"{generated}\"` names a directory jaunt did not write: {} is not a generated file",
            crate::fsutil::relative(project_root, first)
        ))
        .hint(format!(
            "jaunt skips and rewrites every directory named `{generated}`; set `generated_dir` in jaunt.toml to a name no package uses (the default is `__generated__`), or rename {}; if it is the generated module of a spec module, `jaunt migrate --adopt MODULE` adopts it",
            crate::fsutil::relative(project_root, dir)
        )),
    )
}

/// Whether a file starts with jaunt's generated-file header, or is an
/// empty `__init__.py` (which jaunt writes to make a generated package).
/// Anything but a regular file is not judged here (reading a FIFO would
/// wait forever); writing refuses it later.
fn written_by_jaunt(path: &Path) -> bool {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return true;
    };
    if !meta.is_file() || meta.len() == 0 {
        return true;
    }
    crate::fsutil::starts_with(path, crate::genfile::FIRST_LINE.as_bytes())
}

/// A file or directory discovery could not read.
fn unreadable(what: &str) -> Diagnostic {
    Diagnostic::new(crate::error::Code::Discovery, format!("cannot read {what}")).hint(
        "make it readable, or list it in .gitignore or .ignore if jaunt should skip it; nothing is removed while it cannot be read",
    )
}

/// Reads files (from the cache or by parsing, in parallel) into a discovery.
/// The first root that defines a module name wins.
fn read_files(
    roots: &Roots,
    cache: &mut ParseCache,
    found: Vec<(RootKind, PathBuf, PathBuf)>,
) -> Discovery {
    let named: Vec<(RootKind, PathBuf, PathBuf, ModuleName, bool, String)> = found
        .into_iter()
        .filter_map(|(kind, root, path)| {
            let (module, is_package) = module_name(&root, &path)?;
            let rel = roots.rel(&path);
            Some((kind, root, path, module, is_package, rel))
        })
        .collect();
    let read: Vec<std::io::Result<(Entry, Lookup)>> = named
        .par_iter()
        .map(|(_, _, path, _, _, rel)| read_one(cache, path, rel))
        .collect();
    let mut discovery = Discovery::default();
    for ((kind, root, path, module, is_package, rel), got) in named.into_iter().zip(read) {
        let (entry, how) = match got {
            Ok(got) => got,
            // Gone since the walk: as if it was never there.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => {
                discovery
                    .unreadable
                    .push(unreadable(&format!("{rel}: {e}")));
                continue;
            }
        };
        if discovery.files.contains_key(&module) {
            continue;
        }
        match how {
            Lookup::Miss => discovery.parsed += 1,
            _ => discovery.cache_hits += 1,
        }
        let summary = entry.summary.clone();
        cache.record(rel.clone(), entry, how);
        discovery.files.insert(
            module.clone(),
            SourceFile {
                path,
                rel,
                module,
                is_package,
                root_kind: kind,
                root_dir: root,
                summary,
            },
        );
    }
    discovery
}

fn read_one(cache: &ParseCache, path: &Path, rel: &str) -> std::io::Result<(Entry, Lookup)> {
    let meta = std::fs::metadata(path)?;
    let size = meta.len();
    let mtime_ns = cache::mtime_ns(&meta);
    let mut bytes: Option<Vec<u8>> = None;
    let (how, summary) = cache.lookup(rel, size, mtime_ns, || {
        let b = std::fs::read(path).ok()?;
        let h = *blake3::hash(&b).as_bytes();
        bytes = Some(b);
        Some(h)
    });
    if let Some(summary) = summary {
        let content = match &bytes {
            Some(b) => *blake3::hash(b).as_bytes(),
            None => cache.content_of(rel).unwrap_or_default(),
        };
        return Ok((
            Entry {
                size,
                mtime_ns,
                content,
                summary,
            },
            how,
        ));
    }
    let bytes = match bytes {
        Some(b) => b,
        None => crate::fsutil::read_regular(path)?,
    };
    let summary = Arc::new(summarize_bytes(&bytes));
    Ok((
        Entry {
            size,
            mtime_ns,
            content: *blake3::hash(&bytes).as_bytes(),
            summary,
        },
        Lookup::Miss,
    ))
}

/// Targeted discovery: parse the targets' files, then only the modules
/// their imports and deps reach (and the packages on the way, whose
/// `__init__.py` may re-export), without walking the tree.
pub fn discover_targets(config: &Config, targets: &[ModuleName]) -> Result<Discovery> {
    let roots = Roots::new(config);
    let mut cache = ParseCache::load(&config.state_dir());
    let mut discovery = Discovery::default();
    let mut queue: VecDeque<ModuleName> = VecDeque::new();
    let mut seen: HashSet<ModuleName> = HashSet::new();
    for t in targets {
        if locate(&roots, t).is_none() {
            return Err(JauntError::from(
                Diagnostic::config(format!(
                    "target module `{t}` not found in any source or test root"
                ))
                .hint(
                    "check the module name; targets are dotted module names, `pkg.mod[:Qualname]`",
                ),
            ));
        }
        enqueue_with_parents(t, &mut queue, &mut seen);
    }
    while !queue.is_empty() {
        let batch: Vec<(RootKind, PathBuf, PathBuf)> =
            queue.drain(..).filter_map(|m| locate(&roots, &m)).collect();
        let read = read_files(&roots, &mut cache, batch);
        discovery.cache_hits += read.cache_hits;
        discovery.parsed += read.parsed;
        for (name, file) in read.files {
            for next in referenced_modules(&file) {
                enqueue_with_parents(&next, &mut queue, &mut seen);
            }
            discovery.files.entry(name).or_insert(file);
        }
    }
    cache.save();
    Ok(discovery)
}

fn enqueue_with_parents(
    m: &ModuleName,
    queue: &mut VecDeque<ModuleName>,
    seen: &mut HashSet<ModuleName>,
) {
    let mut cur = Some(m.clone());
    while let Some(name) = cur {
        if seen.insert(name.clone()) {
            queue.push_back(name.clone());
        }
        cur = name.parent();
    }
}

/// The file of a module: `a/b.py` or `a/b/__init__.py` under the first
/// root that has it.
fn locate(roots: &Roots, module: &ModuleName) -> Option<(RootKind, PathBuf, PathBuf)> {
    let rel: PathBuf = module.parts().collect();
    for root in &roots.roots {
        let nested = roots.nested_in(&root.dir);
        let owned = |file: &Path| {
            file.is_file()
                && file.starts_with(&root.dir)
                && !nested.iter().any(|n| file.starts_with(n))
        };
        for file in [
            root.base.join(&rel).with_extension("py"),
            root.base.join(&rel).join("__init__.py"),
        ] {
            if owned(&file) {
                return Some((root.kind, root.base.clone(), file));
            }
        }
    }
    None
}

/// Every module a file's imports and string `deps=`/`targets=` entries may
/// name, as candidates: the import target itself and, for `from m import
/// x`, `m.x` too (it may be a submodule). Candidates that are not project
/// modules are dropped by [`locate`].
pub fn referenced_modules(file: &SourceFile) -> Vec<ModuleName> {
    let mut out = Vec::new();
    let s = &file.summary;
    let imports = s
        .imports
        .iter()
        .chain(s.specs.iter().flat_map(|sp| sp.local_imports.iter()));
    for imp in imports {
        match &imp.target {
            ImportTarget::Module(m) => out.push(ModuleName::new(m.clone())),
            ImportTarget::From {
                level,
                module,
                name,
            } => {
                if let Some(base) = absolute_module(&file.module, file.is_package, *level, module) {
                    if name != "*" {
                        out.push(base.child(name));
                    }
                    out.push(base);
                }
            }
        }
    }
    for spec in &s.specs {
        for dep in spec.deps.iter().chain(&spec.targets) {
            if let DepExpr::Str { value, .. } = dep {
                let module = match value.split_once(':') {
                    Some((m, _)) => m.to_string(),
                    None => value
                        .rsplit_once('.')
                        .map_or(value.clone(), |(m, _)| m.to_string()),
                };
                out.push(ModuleName::new(module));
            }
        }
    }
    out.retain(|m| crate::names::is_dotted_name(m.as_str()));
    out
}

/// Resolves `from <level dots><module> import …` in `current` to an
/// absolute module name; `None` when it climbs above the top level.
pub fn absolute_module(
    current: &ModuleName,
    is_package: bool,
    level: u32,
    module: &str,
) -> Option<ModuleName> {
    if level == 0 {
        return Some(ModuleName::new(module));
    }
    let mut parts: Vec<&str> = current.parts().collect();
    let climb = if is_package { level - 1 } else { level } as usize;
    if climb > parts.len() {
        return None;
    }
    parts.truncate(parts.len() - climb);
    if !module.is_empty() {
        parts.extend(module.split('.'));
    }
    if parts.is_empty() {
        return None;
    }
    Some(ModuleName::new(parts.join(".")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_names() {
        let root = Path::new("/p/src");
        assert_eq!(
            module_name(root, Path::new("/p/src/pkg/mod.py")),
            Some((ModuleName::new("pkg.mod"), false))
        );
        assert_eq!(
            module_name(root, Path::new("/p/src/pkg/__init__.py")),
            Some((ModuleName::new("pkg"), true))
        );
        assert_eq!(module_name(root, Path::new("/p/src/my-script.py")), None);
        assert_eq!(module_name(root, Path::new("/p/src/__init__.py")), None);
    }

    #[test]
    fn relative_imports() {
        let m = ModuleName::new("pkg.sub.mod");
        assert_eq!(
            absolute_module(&m, false, 1, "").unwrap().as_str(),
            "pkg.sub"
        );
        assert_eq!(
            absolute_module(&m, false, 2, "other").unwrap().as_str(),
            "pkg.other"
        );
        let p = ModuleName::new("pkg.sub");
        assert_eq!(
            absolute_module(&p, true, 1, "x").unwrap().as_str(),
            "pkg.sub.x"
        );
        assert_eq!(absolute_module(&m, false, 4, "x"), None);
    }
}
