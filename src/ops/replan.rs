//! The incremental plan: `jaunt plan` after a few spec files were edited
//! (and `jaunt status`, when the lockfile has no test modules), planned from
//! the record of the last all-fresh plan (the *base*) instead of walking,
//! parsing and resolving the whole project again.
//!
//! A full `plan` or `status` that finds every module fresh records the base
//! in a [`crate::stamp`] slot, over the same inputs as the no-op stamp:
//! every file's [`FileIndex`] (what resolving a name reads of it) and, for
//! each build module in plan order, its spec file, its dependencies, and,
//! encoded one by one so that a run decodes only those it needs, its graph
//! node, spec nodes, lockfile entry and built state.
//!
//! The next `plan` stats what the base depends on. When the only paths
//! that changed are spec files of recorded build modules, and directories
//! whose entries are the same names as before (a file replaced by rename,
//! as editors that save atomically do), it reads and parses just those and resolves them again against the recorded index.
//! If each still defines the same specs with the same imports, has no
//! problem discovery would report, and depends on the same modules, the
//! graph is the recorded one but for those modules' nodes: the real planner
//! then plans the edited modules and everything downstream of them, every
//! other module being fresh as recorded. Anything else (a file added,
//! removed or renamed, an edited generated file or stub, another lockfile, prompt,
//! configuration or environment, a file with errors, a remote store in
//! use) is left to the full plan, which records a new base once the
//! project is all fresh again.

use crate::config::Config;
use crate::discover::{RootKind, SourceFile, summarize_bytes};
use crate::graph::{FileIndex, GraphOptions, ModuleNode, Rebuilder, SpecGraph, SpecNode};
use crate::lock::{LockGenerator, LockModule, LockSkill, Lockfile};
use crate::names::{ModuleName, SpecKind};
use crate::ops::check;
use crate::ops::noop::{self, Watched};
use crate::ops::session::{self, StoreUse};
use crate::plan::{BuiltModule, KeyContext, ModulePlan, Plan, Planner};
use crate::skills::Skills;
use crate::stamp::{Blob, Slot};
use crate::stubcache::StubCache;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The base, as stored: the parts every run needs, and each module's
/// record still encoded.
#[derive(Serialize, Deserialize)]
struct Base<'a> {
    /// Every discovered file, by module name (sorted).
    index: Vec<FileIndex>,
    /// Build modules in plan order (dependencies first).
    names: Vec<ModuleName>,
    /// Each module's spec file, its generated file, and the positions of
    /// the modules it depends on.
    sources: Vec<PathBuf>,
    outputs: Vec<PathBuf>,
    deps: Vec<Vec<u32>>,
    /// Each module's [`Recorded`], postcard-encoded and compressed.
    #[serde(borrow)]
    records: Vec<Blob<'a>>,
    generator: LockGenerator,
    lock_skills: Vec<LockSkill>,
    skills: Skills,
    /// Whether the lockfile has test modules, which `status` plans too.
    tests: bool,
    /// The entries of every directory discovery listed, by name (sorted):
    /// a directory whose mtime moved with the same entries had a file
    /// replaced by rename, as editors that save atomically do.
    listings: Vec<(PathBuf, Vec<OsString>)>,
}

/// One build module as the all-fresh plan left it.
#[derive(Serialize, Deserialize)]
struct Recorded {
    node: ModuleNode,
    specs: Vec<SpecNode>,
    root_kind: RootKind,
    entry: LockModule,
    built: BuiltModule,
}

/// Records are compressed one by one (zstd's fastest level): a base is
/// written after every all-fresh full run, and read a few records at a time.
const RECORD_LEVEL: i32 = 1;

/// A record's size bound when read back: far above any module's.
const RECORD_MAX: usize = 16 << 20;

impl Base<'_> {
    /// Whether the per-module lists line up and every dependency is one of
    /// them: a base that does not is ignored, like a corrupt one.
    fn consistent(&self) -> bool {
        let n = self.names.len();
        [
            self.sources.len(),
            self.outputs.len(),
            self.deps.len(),
            self.records.len(),
        ]
        .iter()
        .all(|&len| len == n)
            && self.deps.iter().flatten().all(|&d| (d as usize) < n)
    }

    fn record(&self, i: usize) -> Option<Recorded> {
        let bytes = zstd::bulk::decompress(self.records.get(i)?.0, RECORD_MAX).ok()?;
        postcard::from_bytes(&bytes).ok()
    }
}

fn slot(config: &Config) -> Slot {
    Slot::new(
        &config.state_dir(),
        "plan-base",
        &[
            config.root.as_os_str().as_encoded_bytes(),
            config.file.as_os_str().as_encoded_bytes(),
        ],
    )
}

/// Records the base after a full, untargeted plan of the build modules
/// (and any others) that found every module fresh; best effort.
pub fn record(plan: &Plan, watched: &Watched) {
    let (project, session) = (watched.project, watched.session);
    let (Some(lock), true) = (session.lock.as_ref(), plan.all_fresh()) else {
        return;
    };
    if noop::has_contracts(project, session) {
        return;
    }
    let ctx = session.key_context(project, SpecKind::Build);
    let order = ctx.order();
    let planned: HashMap<&ModuleName, &ModulePlan> = plan
        .modules
        .iter()
        .filter(|m| m.kind == SpecKind::Build)
        .map(|m| (&m.name, m))
        .collect();
    let position: HashMap<&ModuleName, u32> = order
        .iter()
        .enumerate()
        .map(|(i, m)| (&m.name, i as u32))
        .collect();
    let records: Option<Vec<Vec<u8>>> = order
        .par_iter()
        .map_init(
            || zstd::bulk::Compressor::new(RECORD_LEVEL).ok(),
            |zstd, m| {
                let recorded = Recorded {
                    node: (*m).clone(),
                    specs: m.specs.iter().map(|s| ctx.graph.specs[s].clone()).collect(),
                    root_kind: project.discovery.files.get(&m.name)?.root_kind,
                    entry: lock.module(SpecKind::Build, &m.name)?.clone(),
                    built: planned.get(&m.name)?.built()?,
                };
                let bytes = postcard::to_stdvec(&recorded).ok()?;
                zstd.as_mut()?.compress(&bytes).ok()
            },
        )
        .collect();
    let Some(records) = records else {
        return;
    };
    let generated = &project.config.paths.generated_dir;
    let base = Base {
        index: project
            .discovery
            .files
            .values()
            .map(FileIndex::of)
            .collect(),
        names: order.iter().map(|m| m.name.clone()).collect(),
        sources: order.iter().map(|m| m.path.clone()).collect(),
        outputs: order
            .iter()
            .map(|m| crate::genfile::output_path(m, generated))
            .collect(),
        deps: order
            .iter()
            .map(|m| ctx.dep_modules(m).map(|d| position[d]).collect())
            .collect(),
        records: records.iter().map(|r| Blob(r)).collect(),
        generator: lock.generator.clone(),
        lock_skills: lock.skills.clone(),
        skills: ctx.skills.clone(),
        tests: check::kinds(session).contains(&SpecKind::Test),
        listings: project
            .discovery
            .listed
            .iter()
            .map(|dir| Some((dir.clone(), entries(dir)?)))
            .collect::<Option<_>>()
            .unwrap_or_default(),
    };
    let Ok(bytes) = postcard::to_stdvec(&base) else {
        return;
    };
    let _ = slot(&project.config).save_bytes(watched.observed(), &bytes);
}

/// The plan of the build modules, from the base and the spec files edited
/// since; `None` when the full plan must run (see the module docs).
pub fn plan(config: &Config, store_use: StoreUse) -> Option<Plan> {
    planned(config, store_use, false)
}

/// `status`'s plan, the same when the lockfile has no test modules (see
/// [`check::kinds`]); `None` otherwise, and whenever [`plan`]'s would be.
pub fn status(config: &Config, store_use: StoreUse) -> Option<Plan> {
    planned(config, store_use, true)
}

fn planned(config: &Config, store_use: StoreUse, status: bool) -> Option<Plan> {
    if session::remote_url(config).is_some() && !store_use.no_remote {
        return None;
    }
    slot(config).load_changed(|bytes, changed| {
        let base: Base = postcard::from_bytes(bytes).ok()?;
        if !base.consistent() || (status && base.tests) {
            return None;
        }
        replan(config, store_use, &base, &changed)
    })
}

fn replan(config: &Config, store_use: StoreUse, base: &Base, changed: &[PathBuf]) -> Option<Plan> {
    let by_source: HashMap<&PathBuf, usize> = base
        .sources
        .iter()
        .enumerate()
        .map(|(i, p)| (p, i))
        .collect();
    let listings: HashMap<&PathBuf, &Vec<OsString>> = base
        .listings
        .iter()
        .map(|(dir, names)| (dir, names))
        .collect();
    let mut edited: BTreeSet<usize> = BTreeSet::new();
    for path in changed {
        match (by_source.get(path), listings.get(path)) {
            (Some(&i), _) => {
                edited.insert(i);
            }
            (None, Some(&names)) if entries(path).as_ref() == Some(names) => {}
            _ => return None,
        }
    }
    let opts = GraphOptions {
        infer_deps: config.build.infer_deps,
    };
    let mut records: BTreeMap<usize, Recorded> = BTreeMap::new();
    let rebuilder = Rebuilder::new(&base.index);
    for &i in &edited {
        let mut record = base.record(i)?;
        let (node, specs) = reread(base, &rebuilder, &record, opts)?;
        if node.deps != record.node.deps {
            return None;
        }
        record.node = node;
        record.specs = specs;
        records.insert(i, record);
    }
    let (cone, around) = cone(base, &edited);
    for &i in cone.iter().chain(&around) {
        if let std::collections::btree_map::Entry::Vacant(e) = records.entry(i) {
            e.insert(base.record(i)?);
        }
    }
    let mut graph = SpecGraph::default();
    let mut entries = Vec::new();
    let mut built = HashMap::new();
    for (i, r) in records {
        if around.contains(&i) {
            built.insert(r.node.name.clone(), r.built);
        }
        entries.push(r.entry);
        graph
            .specs
            .extend(r.specs.into_iter().map(|s| (s.spec_ref.clone(), s)));
        graph.modules.insert(r.node.name.clone(), r.node);
    }
    entries.sort_by(|a, b| (&a.name, a.kind).cmp(&(&b.name, b.kind)));
    let lock = Lockfile {
        generator: base.generator.clone(),
        modules: entries,
        skills: base.lock_skills.clone(),
        contracts: Vec::new(),
    };
    let prompts = crate::generate::Prompts::load(config).ok()?;
    let generator = session::generator(config, &prompts);
    let store = session::open_store(config, Some(&lock), store_use).ok()?;
    let stubs = StubCache::none();
    let planner = Planner {
        root: &config.root,
        lock: Some(&lock),
        store: &store,
        generator: &generator,
        targeted: false,
        stubs: &stubs,
    };
    let ctx = KeyContext {
        kind: SpecKind::Build,
        graph: &graph,
        fingerprint: generator.fingerprint,
        generated_dir: &config.paths.generated_dir,
        skills: &base.skills,
        dependency_context: config.build.dependency_context,
        emit_stubs: config.build.emit_stubs,
    };
    let order: Vec<&ModuleNode> = cone
        .iter()
        .map(|&i| graph.modules.get(&base.names[i]))
        .collect::<Option<_>>()?;
    let mut planned = Plan::default();
    planner.plan_in_order(&ctx, order, built, &mut planned);
    let mut planned = planned.modules.into_iter();
    let modules = (0..base.names.len())
        .map(|i| {
            if cone.contains(&i) {
                planned.next()
            } else {
                Some(ModulePlan::fresh(
                    SpecKind::Build,
                    base.names[i].clone(),
                    base.outputs[i].clone(),
                ))
            }
        })
        .collect::<Option<_>>()?;
    Some(Plan { modules })
}

/// A directory's entries by name, sorted; `None` when it cannot be read.
fn entries(dir: &Path) -> Option<Vec<OsString>> {
    let mut names = std::fs::read_dir(dir)
        .ok()?
        .map(|e| e.map(|e| e.file_name()))
        .collect::<std::io::Result<Vec<_>>>()
        .ok()?;
    names.sort();
    Some(names)
}

/// The modules planned again, the edited ones and everything downstream
/// of them, and those they depend on outside that (seeded as built). Base
/// positions are in plan order, so ascending ones keep dependencies first.
fn cone(base: &Base, edited: &BTreeSet<usize>) -> (BTreeSet<usize>, BTreeSet<usize>) {
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); base.names.len()];
    for (i, deps) in base.deps.iter().enumerate() {
        for &d in deps {
            dependents[d as usize].push(i);
        }
    }
    let mut cone: BTreeSet<usize> = BTreeSet::new();
    let mut queue: Vec<usize> = edited.iter().copied().collect();
    while let Some(i) = queue.pop() {
        if cone.insert(i) {
            queue.extend(&dependents[i]);
        }
    }
    let around: BTreeSet<usize> = cone
        .iter()
        .flat_map(|&i| base.deps[i].iter().map(|&d| d as usize))
        .filter(|d| !cone.contains(d))
        .collect();
    (cone, around)
}

/// An edited spec file's module, resolved again: `None` when its specs or
/// imports differ from the recorded index (other files' resolution may
/// then differ too), or it has a problem the full plan would report.
fn reread(
    base: &Base,
    rebuilder: &Rebuilder,
    record: &Recorded,
    opts: GraphOptions,
) -> Option<(ModuleNode, Vec<SpecNode>)> {
    let node = &record.node;
    let bytes = crate::fsutil::read_regular(&node.path).ok()?;
    let file = SourceFile {
        path: node.path.clone(),
        rel: node.file.clone(),
        module: node.name.clone(),
        is_package: node.is_package,
        root_kind: record.root_kind,
        root_dir: node.root_dir.clone(),
        summary: Arc::new(summarize_bytes(&bytes)),
    };
    if !file.problems().is_empty() {
        return None;
    }
    let at = base
        .index
        .binary_search_by(|f| f.module.cmp(&node.name))
        .ok()?;
    if base.index[at] != FileIndex::of(&file) {
        return None;
    }
    rebuilder.module(&file, opts)
}
