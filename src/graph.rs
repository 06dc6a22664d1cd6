//! The spec dependency graph: explicit `deps=`, a test's `targets=`,
//! inferred uses, re-exports, and the module DAG that generation runs on.
//!
//! Resolution follows Python's binding rules statically: a name used in a
//! spec resolves through the spec module's scope (same-module specs and
//! imports) to the spec it denotes, following attribute chains and
//! re-exports through package `__init__` files with a cycle guard.

use crate::digest::{Digest, KeyHasher, SpecExtras, spec_digest};
use crate::discover::{Discovery, SourceFile, absolute_module};
use crate::error::{Code, Diagnostic, JauntError, Result};
use crate::names::{DefKind, ModuleName, SpecKind, SpecRef};
use crate::python::{DepExpr, Handwritten, ImportTarget, Member, RawSpec};
use petgraph::graphmap::DiGraphMap;
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::PathBuf;

/// Where a spec edge comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Edge {
    /// 1-based line of the `deps=` or `targets=` entry, or of the use.
    pub line: u32,
    pub origin: Origin,
}

/// What put an edge in the graph. A target is also a dependency: the
/// request shows its API like any other.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Origin {
    /// A `@jaunt.test(targets=…)` entry: the spec under test.
    Targets,
    /// A `deps=` entry.
    Deps,
    /// A name the definition uses (a class spec's bases included, inferred
    /// or not), or a test module's import.
    Inferred,
}

impl Origin {
    /// How text output names it.
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Targets => "targets=",
            Origin::Deps => "deps=",
            Origin::Inferred => "inferred",
        }
    }
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct SpecNode {
    pub spec_ref: SpecRef,
    pub kind: SpecKind,
    pub def_kind: DefKind,
    /// Project-relative file.
    pub file: String,
    pub line: u32,
    pub byte_range: (u32, u32),
    pub prompt: Option<String>,
    pub deps: BTreeMap<SpecRef, Edge>,
    /// A test spec's resolved `targets=`, sorted: the specs it tests. Each
    /// is also in `deps`.
    pub targets: Vec<SpecRef>,
    /// A test spec's `public_api_only=` (default true): its tests may use
    /// only the targets' public API.
    pub public_api_only: bool,
    /// A build spec's `test=`: its class baseline test forced on or off;
    /// `None` leaves it to `[test] auto_class_tests`.
    pub test: Option<bool>,
    pub digest: Digest,
    /// The digest jaunt gave this spec before stub bodies were folded,
    /// when it differs from `digest` (see `RawSpec::legacy`).
    pub legacy_digest: Option<Digest>,
    /// A class spec's methods and their roles.
    pub members: Vec<Member>,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ModuleNode {
    pub name: ModuleName,
    pub kind: SpecKind,
    pub file: String,
    pub path: PathBuf,
    pub root_dir: PathBuf,
    pub is_package: bool,
    /// Canonical digest of the spec file (what its `.pyi` stub depends on).
    pub source_digest: Digest,
    /// Under `jaunt.magic_module`, the digest of the handwritten
    /// definitions a build module's request shows; `None` when there are
    /// none.
    pub handwritten: Option<Digest>,
    /// This module's specs, sorted.
    pub specs: Vec<SpecRef>,
    /// For the baseline test module of a build module's class specs
    /// (`[test] auto_class_tests`), that build module. Its name is then the
    /// generated module's own, `pkg.<gen>.test_mod`, which no spec module
    /// can have.
    pub class_tests_of: Option<ModuleName>,
    /// Modules this one depends on (no self edge), sorted.
    pub deps: BTreeSet<ModuleName>,
}

/// One kind's specs (build or test) and their dependencies.
#[derive(Debug, Default)]
pub struct SpecGraph {
    pub specs: BTreeMap<SpecRef, SpecNode>,
    pub modules: BTreeMap<ModuleName, ModuleNode>,
    /// Dependency specs of another kind that this graph's specs use: for
    /// test specs, the build specs whose APIs they see.
    pub external: BTreeMap<SpecRef, SpecNode>,
    /// Explanations printed with `-v`: dropped deps, unresolved uses.
    pub notes: Vec<String>,
}

/// Options that decide which edges exist.
#[derive(Clone, Copy, Debug)]
pub struct GraphOptions {
    /// Project / run default for inference; a spec's `infer_deps=` wins.
    pub infer_deps: bool,
}

impl SpecGraph {
    /// Builds the build-spec and test-spec graphs over everything
    /// discovered. Every spec is resolved once, in parallel; the test graph
    /// reuses the build specs' nodes for the APIs its specs see.
    pub fn build_all(
        discovery: &Discovery,
        build: GraphOptions,
        test: GraphOptions,
    ) -> (SpecGraph, SpecGraph) {
        let (build, test, _) = SpecGraph::build_kinds(discovery, build, test);
        (build, test)
    }

    /// [`SpecGraph::build_all`], and the graph of `@jaunt.contract`s.
    /// Contracts are handwritten: build and test specs that use one keep no
    /// edge to it (there is nothing to generate first), while a contract's
    /// explicit `deps=` may name build specs (its `external`) or contracts.
    pub fn build_kinds(
        discovery: &Discovery,
        build: GraphOptions,
        test: GraphOptions,
    ) -> (SpecGraph, SpecGraph, SpecGraph) {
        let resolver = Resolver::new(discovery);
        let raws: Vec<(&SourceFile, &RawSpec)> = discovery
            .files
            .values()
            .flat_map(|f| f.summary.specs.iter().map(move |raw| (f, raw)))
            .collect();
        let resolved: Vec<(SpecNode, Vec<String>)> = raws
            .par_iter()
            .map(|(file, raw)| {
                let opts = if raw.kind == SpecKind::Build {
                    build
                } else {
                    test
                };
                let mut notes = Vec::new();
                (resolver.node(file, raw, opts, &mut notes), notes)
            })
            .collect();
        let mut notes: HashMap<SpecKind, Vec<String>> = HashMap::new();
        // Test specs are few; everything else a dep can name is a build spec.
        let tests: HashSet<SpecRef> = resolved
            .iter()
            .filter(|(n, _)| n.kind == SpecKind::Test)
            .map(|(n, _)| n.spec_ref.clone())
            .collect();
        let contracts: HashSet<SpecRef> = resolved
            .iter()
            .filter(|(n, _)| n.kind == SpecKind::Contract)
            .map(|(n, _)| n.spec_ref.clone())
            .collect();
        let mut build_nodes = Vec::new();
        let mut test_nodes = Vec::new();
        let mut contract_nodes = Vec::new();
        for (mut node, n) in resolved {
            notes.entry(node.kind).or_default().extend(n);
            match node.kind {
                SpecKind::Build | SpecKind::Test if !contracts.is_empty() => {
                    node.deps.retain(|dep, _| !contracts.contains(dep));
                }
                _ => {}
            }
            match node.kind {
                SpecKind::Build => build_nodes.push(node),
                SpecKind::Test => test_nodes.push(node),
                SpecKind::Contract => contract_nodes.push(node),
            }
        }
        let mut build_graph = SpecGraph::assemble(discovery, build_nodes, &tests, SpecKind::Build);
        let mut test_graph = SpecGraph::assemble(discovery, test_nodes, &tests, SpecKind::Test);
        let apis: Vec<SpecRef> = test_graph
            .specs
            .values()
            .flat_map(|n| n.deps.keys())
            .filter(|d| !tests.contains(*d))
            .cloned()
            .collect();
        for api in apis {
            if let Some(node) = build_graph.specs.get(&api) {
                test_graph.external.insert(api, node.clone());
            }
        }
        let mut contract_graph =
            SpecGraph::assemble(discovery, contract_nodes, &tests, SpecKind::Contract);
        let apis: Vec<SpecRef> = contract_graph
            .specs
            .values()
            .flat_map(|n| n.deps.keys())
            .cloned()
            .collect();
        for api in apis {
            if let Some(node) = build_graph.specs.get(&api) {
                contract_graph.external.insert(api, node.clone());
            }
        }
        for (graph, kind) in [
            (&mut build_graph, SpecKind::Build),
            (&mut test_graph, SpecKind::Test),
            (&mut contract_graph, SpecKind::Contract),
        ] {
            graph.notes = notes.remove(&kind).unwrap_or_default();
            graph.notes.sort();
            graph.notes.dedup();
        }
        (build_graph, test_graph, contract_graph)
    }

    /// One kind's graph from its resolved specs. Edges to specs of the
    /// other kind are kept only from tests to build specs (the APIs a test
    /// module sees); the caller fills in `external` for those.
    fn assemble(
        discovery: &Discovery,
        mut nodes: Vec<SpecNode>,
        tests: &HashSet<SpecRef>,
        kind: SpecKind,
    ) -> SpecGraph {
        if kind == SpecKind::Build && !tests.is_empty() {
            for node in &mut nodes {
                node.deps.retain(|dep, _| !tests.contains(dep));
            }
        }
        nodes.sort_unstable_by(|a, b| a.spec_ref.cmp(&b.spec_ref));
        // Nodes sorted by ref are grouped by module; each group becomes one
        // module node, in parallel.
        let modules: Vec<ModuleNode> = nodes
            .par_chunk_by(|a, b| a.spec_ref.module == b.spec_ref.module)
            .map(|group| module_node(&discovery.files[&group[0].spec_ref.module], kind, group))
            .collect();
        SpecGraph {
            modules: modules.into_iter().map(|m| (m.name.clone(), m)).collect(),
            specs: nodes.into_iter().map(|n| (n.spec_ref.clone(), n)).collect(),
            ..SpecGraph::default()
        }
    }

    /// Every module dependency cycle, reported in spec terms with the
    /// file:line of each edge; `Ok` when the module graph is a DAG.
    pub fn check_cycles(&self) -> Result<()> {
        let cycles = self.cycles();
        if cycles.is_empty() {
            return Ok(());
        }
        let diagnostics = cycles
            .iter()
            .map(|cycle| {
                let names: Vec<&str> = cycle.iter().map(|(a, _)| a.module.as_str()).collect();
                let mut out = format!(
                    "dependency cycle between modules: {} -> {}",
                    names.join(" -> "),
                    names[0]
                );
                if cycle.windows(2).all(|w| w[0].1 == w[1].0) {
                    let mut chain: Vec<String> =
                        cycle.iter().map(|(a, _)| a.to_string()).collect();
                    chain.push(cycle[cycle.len() - 1].1.to_string());
                    out.push_str(&format!("\n  {}", chain.join(" -> ")));
                }
                for (from, to) in cycle {
                    let node = &self.specs[from];
                    let edge = node.deps[to];
                    out.push_str(&format!(
                        "\n  {from} -> {to}  ({}:{}, {})",
                        node.file,
                        edge.line,
                        edge.origin.as_str()
                    ));
                }
                Diagnostic::new(Code::Cycle, out).hint(
                    "modules are generated as whole units, so their specs cannot depend on each other in a circle; \
                     move the specs that both sides need into a module of their own, or drop one edge \
                     (remove it from deps=, or set infer_deps=False on the spec that only mentions the other)",
                )
            })
            .collect();
        Err(JauntError::Diagnostics(diagnostics))
    }

    /// One elementary cycle per strongly connected component, as spec edges
    /// `(from, to)` where consecutive edges chain through their modules.
    fn cycles(&self) -> Vec<Vec<(SpecRef, SpecRef)>> {
        let mut g: DiGraphMap<&str, ()> = DiGraphMap::new();
        for m in self.modules.values() {
            g.add_node(m.name.as_str());
            for d in &m.deps {
                if self.modules.contains_key(d) {
                    g.add_edge(m.name.as_str(), d.as_str(), ());
                }
            }
        }
        let mut sccs: Vec<Vec<&str>> = petgraph::algo::tarjan_scc(&g)
            .into_iter()
            .filter(|c| c.len() > 1)
            .map(|mut c| {
                c.sort();
                c
            })
            .collect();
        sccs.sort();
        sccs.into_iter()
            .map(|scc| {
                let members: HashSet<&str> = scc.iter().copied().collect();
                let path = shortest_cycle(&g, scc[0], &members);
                let mut edges: Vec<(SpecRef, SpecRef)> = Vec::new();
                for w in path.windows(2) {
                    let prefer = edges.last().map(|(_, to)| to.clone());
                    edges.push(self.witness(w[0], w[1], prefer.as_ref()));
                }
                edges
            })
            .collect()
    }

    /// The spec edge behind module edge `a -> b`: one starting at `prefer`
    /// (so the reported edges chain) when there is one, else the smallest.
    fn witness(&self, a: &str, b: &str, prefer: Option<&SpecRef>) -> (SpecRef, SpecRef) {
        self.modules[&ModuleName::new(a)]
            .specs
            .iter()
            .flat_map(|s| {
                self.specs[s]
                    .deps
                    .keys()
                    .filter(|d| d.module.as_str() == b)
                    .map(move |d| (s.clone(), d.clone()))
            })
            .min_by_key(|(from, to)| (Some(from) != prefer, from.clone(), to.clone()))
            .expect("a module edge has a spec edge behind it")
    }

    /// Restricts the graph to `targets` and everything they depend on
    /// (transitively), for `--target`.
    pub fn restrict(&mut self, targets: &[crate::names::Target]) {
        let mut keep: BTreeSet<ModuleName> = BTreeSet::new();
        let targeted = |m: &ModuleName| targets.iter().any(|t| t.module == *m);
        let mut stack: Vec<ModuleName> = self
            .modules
            .values()
            .filter(|m| targeted(&m.name) || m.class_tests_of.as_ref().is_some_and(targeted))
            .map(|m| m.name.clone())
            .collect();
        while let Some(m) = stack.pop() {
            if keep.insert(m.clone())
                && let Some(node) = self.modules.get(&m)
            {
                stack.extend(
                    node.deps
                        .iter()
                        .filter(|d| self.modules.contains_key(*d))
                        .cloned(),
                );
            }
        }
        self.modules.retain(|m, _| keep.contains(m));
        let kept: HashSet<&SpecRef> = self.modules.values().flat_map(|m| &m.specs).collect();
        self.specs.retain(|r, _| kept.contains(r));
    }

    /// Adds to this test graph the baseline test module of each build
    /// module whose class specs want one: `test=True`, or `[test]
    /// auto_class_tests` (`auto`) unless `test=False`. The tests are a
    /// generated artifact of the class specs, keyed on their digests: the
    /// class nodes join this graph's specs as the module's specs (their
    /// dependencies as APIs), while `jaunt specs` lists them as build specs.
    pub fn add_class_tests(&mut self, build: &SpecGraph, generated_dir: &str, auto: bool) {
        for m in build.modules.values() {
            let classes: Vec<&SpecNode> = m
                .specs
                .iter()
                .map(|r| &build.specs[r])
                .filter(|n| n.def_kind == DefKind::Class && n.test.unwrap_or(auto))
                .collect();
            if classes.is_empty() {
                continue;
            }
            for class in &classes {
                self.specs.insert(class.spec_ref.clone(), (*class).clone());
                for dep in class.deps.keys() {
                    if let Some(node) = build.specs.get(dep) {
                        self.external.insert(dep.clone(), node.clone());
                    }
                }
            }
            let name = class_tests_module(&m.name, m.is_package, generated_dir);
            self.modules.insert(
                name.clone(),
                ModuleNode {
                    name,
                    kind: SpecKind::Test,
                    file: m.file.clone(),
                    path: m.path.clone(),
                    root_dir: m.root_dir.clone(),
                    is_package: false,
                    source_digest: m.source_digest,
                    handwritten: None,
                    specs: classes.iter().map(|n| n.spec_ref.clone()).collect(),
                    deps: BTreeSet::new(),
                    class_tests_of: Some(m.name.clone()),
                },
            );
        }
    }
}

/// The baseline class tests of `module`: `test_<file stem>` beside its
/// generated module (`pkg.<gen>.test_mod`, `pkg.<gen>.test___init__` for a
/// package's own specs, `<gen>.test_mod` at top level).
fn class_tests_module(module: &ModuleName, is_package: bool, generated_dir: &str) -> ModuleName {
    let leaf = if is_package {
        "__init__"
    } else {
        module.parts().last().unwrap_or_default()
    };
    let generated = module.generated(generated_dir, is_package);
    let dir = if is_package {
        Some(generated)
    } else {
        generated.parent()
    };
    let test = format!("test_{leaf}");
    match dir {
        Some(dir) => dir.child(&test),
        None => ModuleName::new(test),
    }
}

/// Resolves changed files again against the recorded [`FileIndex`] of
/// every file (each changed file's own entry included, unchanged), as
/// [`SpecGraph::build_kinds`] would: the incremental plan's way to rebuild
/// the modules of edited files without the others.
pub struct Rebuilder<'a> {
    resolver: Resolver<'a>,
    /// Specs of other kinds, which build specs keep no edge to.
    others: HashSet<SpecRef>,
}

impl<'a> Rebuilder<'a> {
    pub fn new(index: &'a [FileIndex]) -> Rebuilder<'a> {
        Rebuilder {
            resolver: Resolver::over(index),
            others: index
                .iter()
                .flat_map(|f| {
                    f.specs
                        .iter()
                        .filter(|(_, kind)| *kind != SpecKind::Build)
                        .map(|(q, _)| SpecRef::new(f.module.clone(), q.clone()))
                })
                .collect(),
        }
    }

    /// The build module of `file`: its node and its specs' nodes; `None`
    /// when the file holds specs of another kind, or none.
    pub fn module(
        &self,
        file: &SourceFile,
        opts: GraphOptions,
    ) -> Option<(ModuleNode, Vec<SpecNode>)> {
        let specs = &file.summary.specs;
        if specs.is_empty() || specs.iter().any(|s| s.kind != SpecKind::Build) {
            return None;
        }
        let mut nodes: Vec<SpecNode> = specs
            .iter()
            .map(|raw| {
                let mut node = self.resolver.node(file, raw, opts, &mut Vec::new());
                node.deps.retain(|dep, _| !self.others.contains(dep));
                node
            })
            .collect();
        nodes.sort_unstable_by(|a, b| a.spec_ref.cmp(&b.spec_ref));
        Some((module_node(file, SpecKind::Build, &nodes), nodes))
    }
}

/// The node of `file`'s module of `kind`, from its specs' nodes (sorted).
fn module_node(file: &SourceFile, kind: SpecKind, specs: &[SpecNode]) -> ModuleNode {
    let name = &file.module;
    ModuleNode {
        name: name.clone(),
        kind,
        file: file.rel.clone(),
        path: file.path.clone(),
        root_dir: file.root_dir.clone(),
        is_package: file.is_package,
        source_digest: file.summary.source_digest,
        handwritten: (kind == SpecKind::Build)
            .then(|| handwritten_digest(&file.summary.handwritten))
            .flatten(),
        specs: specs.iter().map(|n| n.spec_ref.clone()).collect(),
        class_tests_of: None,
        deps: specs
            .iter()
            .flat_map(|n| n.deps.keys())
            .filter(|d| d.module != *name)
            .map(|d| d.module.clone())
            .collect(),
    }
}

/// The digest of a module's handwritten definitions, in source order;
/// `None` when it has none.
fn handwritten_digest(handwritten: &[Handwritten]) -> Option<Digest> {
    if handwritten.is_empty() {
        return None;
    }
    let mut h = KeyHasher::new("jaunt.handwritten.v1");
    for def in handwritten {
        h.str("name", &def.name).digest("canonical", &def.canonical);
    }
    Some(h.finish())
}

/// Test specs grouped by the modules their `targets=` name: what `jaunt
/// specs` and `jaunt graph` show as the tests of each module. A spec
/// targeting two modules is in both groups, once each, in input order.
pub fn tests_by_target<'a>(
    specs: impl IntoIterator<Item = &'a SpecNode>,
) -> BTreeMap<ModuleName, Vec<&'a SpecNode>> {
    let mut groups: BTreeMap<ModuleName, Vec<&'a SpecNode>> = BTreeMap::new();
    for n in specs {
        let modules: BTreeSet<&ModuleName> = n.targets.iter().map(|t| &t.module).collect();
        for m in modules {
            groups.entry(m.clone()).or_default().push(n);
        }
    }
    groups
}

/// A shortest path `start -> … -> start` inside one component (BFS).
fn shortest_cycle<'a>(
    g: &DiGraphMap<&'a str, ()>,
    start: &'a str,
    members: &HashSet<&'a str>,
) -> Vec<&'a str> {
    let mut prev: HashMap<&str, &str> = HashMap::new();
    let mut queue = std::collections::VecDeque::from([start]);
    while let Some(n) = queue.pop_front() {
        let mut next: Vec<&str> = g.neighbors(n).filter(|m| members.contains(m)).collect();
        next.sort();
        for m in next {
            if m == start {
                let mut path = vec![n];
                let mut cur = n;
                while cur != start {
                    cur = prev[cur];
                    path.push(cur);
                }
                path.reverse();
                path.push(start);
                return path;
            }
            if !prev.contains_key(m) {
                prev.insert(m, n);
                queue.push_back(m);
            }
        }
    }
    vec![start, start]
}

/// Name resolution over every discovered module.
/// What resolving a name reads of a module other than the one it is used
/// in: whether it is a package, its specs' qualnames and kinds, and its
/// module-level import bindings. The incremental plan keeps one per file,
/// so that a changed file can be resolved again without the others.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FileIndex {
    pub module: ModuleName,
    pub is_package: bool,
    pub specs: Vec<(String, SpecKind)>,
    /// In source order (the last binding of a name wins).
    pub imports: Vec<(String, ImportTarget)>,
}

impl FileIndex {
    pub fn of(file: &SourceFile) -> FileIndex {
        FileIndex {
            module: file.module.clone(),
            is_package: file.is_package,
            specs: file
                .summary
                .specs
                .iter()
                .map(|s| (s.qualname.clone(), s.kind))
                .collect(),
            imports: file
                .summary
                .imports
                .iter()
                .map(|i| (i.binding.clone(), i.target.clone()))
                .collect(),
        }
    }
}

/// Import bindings by the name they bind.
type Scope<'a> = HashMap<&'a str, &'a ImportTarget>;

/// One module as the resolver sees it: name, whether it is a package, its
/// specs' qualnames, its module-level scope.
type ModuleView<'a> = (&'a ModuleName, bool, HashSet<&'a str>, Scope<'a>);

struct Resolver<'a> {
    /// Every module, and whether it is a package.
    files: HashMap<&'a ModuleName, bool>,
    /// Qualnames of the specs of each module.
    spec_names: HashMap<&'a ModuleName, HashSet<&'a str>>,
    /// Module-level import bindings of each module (last binding wins).
    scopes: HashMap<&'a ModuleName, Scope<'a>>,
}

/// How deep re-export chains are followed before giving up.
const MAX_HOPS: usize = 32;

impl<'a> Resolver<'a> {
    fn new(d: &'a Discovery) -> Resolver<'a> {
        Resolver::of(d.files.values().map(|f| {
            (
                &f.module,
                f.is_package,
                f.summary
                    .specs
                    .iter()
                    .map(|s| s.qualname.as_str())
                    .collect(),
                f.summary
                    .imports
                    .iter()
                    .map(|i| (i.binding.as_str(), &i.target))
                    .collect(),
            )
        }))
    }

    fn over(index: &'a [FileIndex]) -> Resolver<'a> {
        Resolver::of(index.iter().map(|f| {
            (
                &f.module,
                f.is_package,
                f.specs.iter().map(|(q, _)| q.as_str()).collect(),
                f.imports.iter().map(|(b, t)| (b.as_str(), t)).collect(),
            )
        }))
    }

    fn of(modules: impl Iterator<Item = ModuleView<'a>>) -> Resolver<'a> {
        let mut r = Resolver {
            files: HashMap::new(),
            spec_names: HashMap::new(),
            scopes: HashMap::new(),
        };
        for (name, is_package, specs, scope) in modules {
            r.files.insert(name, is_package);
            r.spec_names.insert(name, specs);
            r.scopes.insert(name, scope);
        }
        r
    }

    fn node(
        &self,
        file: &SourceFile,
        raw: &RawSpec,
        opts: GraphOptions,
        notes: &mut Vec<String>,
    ) -> SpecNode {
        let me = SpecRef::new(file.module.clone(), raw.qualname.clone());
        let local: Scope = raw
            .local_imports
            .iter()
            .map(|i| (i.binding.as_str(), &i.target))
            .collect();
        let mut deps: BTreeMap<SpecRef, Edge> = BTreeMap::new();
        // Targets first: a spec named in both is shown as a target.
        let scope = (file, &local, &me);
        let targets = self.explicit_edges(scope, Origin::Targets, &raw.targets, &mut deps, notes);
        let explicit = self.explicit_edges(scope, Origin::Deps, &raw.deps, &mut deps, notes);
        // A class spec's bases are dependencies even when nothing is
        // inferred: the generated class subclasses them.
        for base in &raw.bases {
            if let Some(r) = self.resolve_chain(file, &local, &base.chain)
                && r != me
            {
                deps.entry(r).or_insert(Edge {
                    line: base.line,
                    origin: Origin::Inferred,
                });
            }
        }
        if raw.infer_deps.unwrap_or(opts.infer_deps) {
            for used in &raw.uses {
                match self.resolve_chain(file, &local, &used.chain) {
                    Some(r) if r != me => {
                        deps.entry(r).or_insert(Edge {
                            line: used.line,
                            origin: Origin::Inferred,
                        });
                    }
                    Some(_) => {}
                    None => {
                        if let Some(note) =
                            self.unresolved_note(file, &local, &me, &used.chain[0], used.line)
                        {
                            notes.push(note);
                        }
                    }
                }
            }
        }
        if raw.kind == SpecKind::Test && raw.infer_deps.unwrap_or(opts.infer_deps) {
            // A test spec's body is usually empty: what it tests is named in
            // its docstring and imported by its module. Those imports are its
            // dependency APIs.
            for imp in &file.summary.imports {
                let chain = [imp.binding.clone()];
                if let Some(r) = self.resolve_chain(file, &local, &chain)
                    && r != me
                {
                    deps.entry(r).or_insert(Edge {
                        line: imp.line,
                        origin: Origin::Inferred,
                    });
                }
            }
        }
        let digest = |canonical: &Digest| {
            spec_digest(
                canonical,
                raw.kind,
                &explicit,
                raw.prompt.as_deref(),
                raw.infer_deps,
                &SpecExtras {
                    targets: &targets,
                    public_api_only: raw.public_api_only,
                    test: raw.test,
                },
            )
        };
        SpecNode {
            digest: digest(&raw.canonical),
            legacy_digest: raw.legacy.as_ref().map(digest),
            members: raw.members.clone(),
            spec_ref: me,
            kind: raw.kind,
            def_kind: raw.def_kind,
            file: file.rel.clone(),
            line: raw.line,
            byte_range: raw.byte_range,
            prompt: raw.prompt.clone(),
            deps,
            targets,
            public_api_only: raw.public_api_only.unwrap_or(true),
            test: raw.test,
        }
    }

    /// Resolves `deps=` or `targets=` entries into edges of `origin` (an
    /// edge already there is kept) and returns the resolved refs, sorted,
    /// self included: what the spec digest folds in. An entry that names
    /// no spec is dropped with a `-v` note.
    fn explicit_edges(
        &self,
        scope: (&SourceFile, &Scope, &SpecRef),
        origin: Origin,
        entries: &[DepExpr],
        deps: &mut BTreeMap<SpecRef, Edge>,
        notes: &mut Vec<String>,
    ) -> Vec<SpecRef> {
        let (file, local, me) = scope;
        let mut refs: BTreeSet<SpecRef> = BTreeSet::new();
        for entry in entries {
            let (resolved, line, shown) = match entry {
                DepExpr::Name { chain, line } => (
                    self.resolve_chain(file, local, chain),
                    *line,
                    chain.join("."),
                ),
                DepExpr::Str { value, line } => (self.resolve_string(value), *line, value.clone()),
            };
            match resolved {
                Some(r) => {
                    if r != *me {
                        deps.entry(r.clone()).or_insert(Edge { line, origin });
                    }
                    refs.insert(r);
                }
                None => {
                    let what = match origin {
                        Origin::Targets => "target",
                        _ => "dep",
                    };
                    notes.push(format!(
                        "dropped {what}: {me} {} entry '{shown}' resolves to no spec at {}:{line}",
                        origin.as_str(),
                        file.rel
                    ));
                }
            }
        }
        refs.into_iter().collect()
    }

    /// 4B: a from-imported name that resolves to no spec (never for names
    /// imported from `jaunt` itself).
    fn unresolved_note(
        &self,
        file: &SourceFile,
        local: &Scope,
        me: &SpecRef,
        name: &str,
        line: u32,
    ) -> Option<String> {
        let target = local
            .get(name)
            .or_else(|| self.scopes[&file.module].get(name))?;
        let ImportTarget::From { level, module, .. } = target else {
            return None;
        };
        let base = absolute_module(&file.module, file.is_package, *level, module)?;
        if base.as_str() == "jaunt" || base.as_str().starts_with("jaunt.") {
            return None;
        }
        Some(format!(
            "unresolved inferred dep: {me} uses '{name}' (from {base}) at {}:{line}",
            file.rel
        ))
    }

    /// A `deps=` string: `pkg.mod:Name`, or the dot shorthand `pkg.mod.Name`.
    fn resolve_string(&self, value: &str) -> Option<SpecRef> {
        match value.split_once(':') {
            Some((module, qual)) => {
                let parts: Vec<&str> = qual.split('.').collect();
                self.lookup(&ModuleName::new(module), &parts, 0)
            }
            None => self.resolve_dotted(&value.split('.').collect::<Vec<_>>(), 0),
        }
    }

    /// A name or attribute chain used in `file`, through its scope.
    fn resolve_chain(&self, file: &SourceFile, local: &Scope, chain: &[String]) -> Option<SpecRef> {
        let parts: Vec<&str> = chain.iter().map(String::as_str).collect();
        let first = *parts.first()?;
        let from = (&file.module, file.is_package);
        if let Some(target) = local.get(first) {
            return self.follow(from, target, &parts[1..], 0);
        }
        if let Some(r) = self.own_spec(&file.module, &parts) {
            return Some(r);
        }
        let target = self.scopes[&file.module].get(first)?;
        self.follow(from, target, &parts[1..], 0)
    }

    /// The longest qualname prefix of `parts` that is a spec of `module`.
    fn own_spec(&self, module: &ModuleName, parts: &[&str]) -> Option<SpecRef> {
        let names = self.spec_names.get(module)?;
        (1..=parts.len()).rev().find_map(|i| {
            let q = parts[..i].join(".");
            names
                .contains(q.as_str())
                .then(|| SpecRef::new(module.clone(), q))
        })
    }

    /// What an import binding in module `from` (and whether it is a
    /// package) plus the rest of a chain denotes.
    fn follow(
        &self,
        from: (&ModuleName, bool),
        target: &ImportTarget,
        rest: &[&str],
        hops: usize,
    ) -> Option<SpecRef> {
        match target {
            ImportTarget::Module(target) => {
                let mut parts: Vec<&str> = target.split('.').collect();
                parts.extend_from_slice(rest);
                self.resolve_dotted(&parts, hops + 1)
            }
            ImportTarget::From {
                level,
                module,
                name,
            } => {
                if name == "*" {
                    return None;
                }
                let base = absolute_module(from.0, from.1, *level, module)?;
                let mut parts = vec![name.as_str()];
                parts.extend_from_slice(rest);
                self.lookup(&base, &parts, hops + 1)
            }
        }
    }

    /// A fully dotted path, longest module prefix first: `a.b.c.Foo`
    /// tries module `a.b.c` name `Foo`, then `a.b` name `c.Foo`, …
    fn resolve_dotted(&self, parts: &[&str], hops: usize) -> Option<SpecRef> {
        (1..parts.len()).rev().find_map(|i| {
            let module = ModuleName::new(parts[..i].join("."));
            self.files
                .contains_key(&module)
                .then(|| self.lookup(&module, &parts[i..], hops))
                .flatten()
        })
    }

    /// `parts` looked up as an attribute path of `module`: its own specs,
    /// then its imports (re-exports, 2C, followed transitively), then its
    /// submodules.
    fn lookup(&self, module: &ModuleName, parts: &[&str], hops: usize) -> Option<SpecRef> {
        if hops > MAX_HOPS || parts.is_empty() {
            return None;
        }
        let is_package = *self.files.get(module)?;
        if let Some(r) = self.own_spec(module, parts) {
            return Some(r);
        }
        if let Some(target) = self.scopes[module].get(parts[0])
            && let Some(r) = self.follow((module, is_package), target, &parts[1..], hops)
        {
            return Some(r);
        }
        let sub = module.child(parts[0]);
        if self.files.contains_key(&sub) {
            return self.lookup(&sub, &parts[1..], hops + 1);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graphs(sources: &[(&str, &str)], infer_deps: bool) -> (SpecGraph, SpecGraph) {
        let root = tempfile::tempdir().unwrap();
        let discovery = Discovery::from_sources(root.path(), sources);
        let opts = GraphOptions { infer_deps };
        SpecGraph::build_all(&discovery, opts, opts)
    }

    fn deps(g: &SpecGraph, spec: &str) -> Vec<String> {
        let r = SpecRef::parse(spec).unwrap();
        g.specs[&r].deps.keys().map(ToString::to_string).collect()
    }

    const BASE: &str = "import jaunt\n@jaunt.magic\nclass Money:\n    'Cents.'\n";

    #[test]
    fn explicit_and_inferred_edges_and_the_module_dag() {
        let uses = "import jaunt\nfrom shop.base import Money\n@jaunt.magic\ndef total() -> Money:\n    'Sum.'\n";
        let explicit = "import jaunt\n@jaunt.magic(deps=['shop.base.Money'])\ndef parse(text):\n    'Parse.'\n";
        let sources = [
            ("shop/__init__.py", ""),
            ("shop/base.py", BASE),
            ("shop/uses.py", uses),
            ("shop/explicit.py", explicit),
        ];
        let (build, _) = graphs(&sources, true);
        assert_eq!(deps(&build, "shop.uses:total"), ["shop.base:Money"]);
        assert_eq!(deps(&build, "shop.explicit:parse"), ["shop.base:Money"]);
        let module = &build.modules[&ModuleName::new("shop.uses")];
        assert_eq!(module.deps, [ModuleName::new("shop.base")].into());
        // Without inference only the explicit edge is left.
        let (build, _) = graphs(&sources, false);
        assert!(deps(&build, "shop.uses:total").is_empty());
        assert_eq!(deps(&build, "shop.explicit:parse"), ["shop.base:Money"]);
    }

    #[test]
    fn targets_are_edges_of_the_test_graph_and_group_tests() {
        let cart = "import jaunt\n@jaunt.magic\nclass Cart:\n    'Items.'\n@jaunt.magic\ndef total(c: Cart) -> int:\n    'Sum.'\n";
        let tests = "import jaunt\nfrom shop import cart\nfrom shop.base import Money\n\
            @jaunt.test(targets=[cart.Cart, 'shop.base.Money'], deps=[Money])\ndef test_both(): ...\n\
            @jaunt.test(targets='shop.cart:total', public_api_only=False)\ndef test_total(): ...\n\
            @jaunt.test(targets=['shop.cart:nope'])\ndef test_typo(): ...\n\
            @jaunt.test\ndef test_plain(): ...\n";
        let sources = [
            ("shop/__init__.py", ""),
            ("shop/base.py", BASE),
            ("shop/cart.py", cart),
            ("tests/test_shop.py", tests),
        ];
        let (build, test) = graphs(&sources, false);
        let node = |r: &str| &test.specs[&SpecRef::parse(r).unwrap()];
        let both = node("tests.test_shop:test_both");
        assert_eq!(
            both.targets,
            [
                SpecRef::parse("shop.base:Money").unwrap(),
                SpecRef::parse("shop.cart:Cart").unwrap()
            ]
        );
        // A spec in both targets= and deps= is shown as a target.
        let origins: Vec<(String, Origin, u32)> = both
            .deps
            .iter()
            .map(|(d, e)| (d.to_string(), e.origin, e.line))
            .collect();
        assert_eq!(
            origins,
            [
                ("shop.base:Money".to_string(), Origin::Targets, 4),
                ("shop.cart:Cart".to_string(), Origin::Targets, 4),
            ]
        );
        assert!(both.public_api_only);
        assert!(!node("tests.test_shop:test_total").public_api_only);
        assert!(node("tests.test_shop:test_typo").targets.is_empty());
        assert!(
            test.notes.iter().any(|n| n.contains(
                "dropped target: tests.test_shop:test_typo targets= entry 'shop.cart:nope' resolves to no spec"
            )),
            "{:?}",
            test.notes
        );
        // The targets' APIs are what the test module sees.
        assert!(
            test.external
                .contains_key(&SpecRef::parse("shop.cart:total").unwrap())
        );
        let groups: Vec<(String, Vec<String>)> = tests_by_target(test.specs.values())
            .into_iter()
            .map(|(m, nodes)| {
                let refs = nodes.iter().map(|n| n.spec_ref.to_string()).collect();
                (m.to_string(), refs)
            })
            .collect();
        assert_eq!(
            groups,
            [
                (
                    "shop.base".to_string(),
                    vec!["tests.test_shop:test_both".to_string()]
                ),
                (
                    "shop.cart".to_string(),
                    vec![
                        "tests.test_shop:test_both".to_string(),
                        "tests.test_shop:test_total".to_string()
                    ]
                ),
            ]
        );
        assert!(tests_by_target(build.specs.values()).is_empty());

        // Only the spec whose targets= changed gets a new digest.
        let retargeted = tests.replace("targets='shop.cart:total'", "targets='shop.cart:Cart'");
        let (_, after) = graphs(
            &[
                ("shop/__init__.py", ""),
                ("shop/base.py", BASE),
                ("shop/cart.py", cart),
                ("tests/test_shop.py", &retargeted),
            ],
            false,
        );
        let changed: Vec<&SpecRef> = test
            .specs
            .iter()
            .filter(|(r, n)| after.specs[*r].digest != n.digest)
            .map(|(r, _)| r)
            .collect();
        assert_eq!(
            changed,
            [&SpecRef::parse("tests.test_shop:test_total").unwrap()]
        );
    }

    #[test]
    fn a_module_rebuilt_against_the_index_is_the_module_the_full_build_made() {
        let reexport = "from shop.base import Money as Cash\n";
        let uses = "import jaunt\nfrom shop import Cash\nfrom shop.base import *\n\n@jaunt.magic(deps=['shop.base.Money'])\nclass Till:\n    'A till.'\n    def add(self, m: Cash) -> None: ...\n\n@jaunt.magic(prompt='Be brief.')\ndef count(t: Till) -> int:\n    'Count.'\n    return helper(t)\n";
        let test = "import jaunt\nfrom shop.uses import count\n\n@jaunt.test\ndef test_count():\n    'Counts.'\n";
        let sources = [
            ("shop/__init__.py", reexport),
            ("shop/base.py", BASE),
            ("shop/uses.py", uses),
            ("shop/test_uses.py", test),
        ];
        let root = tempfile::tempdir().unwrap();
        let discovery = Discovery::from_sources(root.path(), &sources);
        let index: Vec<FileIndex> = discovery.files.values().map(FileIndex::of).collect();
        let rebuilder = Rebuilder::new(&index);
        for infer_deps in [true, false] {
            let opts = GraphOptions { infer_deps };
            let (build, _) = SpecGraph::build_all(&discovery, opts, opts);
            for name in ["shop.base", "shop.uses"] {
                let file = &discovery.files[&ModuleName::new(name)];
                let (module, specs) = rebuilder.module(file, opts).unwrap();
                assert_eq!(module, build.modules[&file.module], "{name}");
                assert_eq!(specs.len(), module.specs.len());
                for node in specs {
                    let full = &build.specs[&node.spec_ref];
                    assert_eq!(
                        (node.digest, &node.deps, &node.members, node.line),
                        (full.digest, &full.deps, &full.members, full.line),
                        "{}",
                        node.spec_ref
                    );
                }
            }
            let test_file = &discovery.files[&ModuleName::new("shop.test_uses")];
            assert!(rebuilder.module(test_file, opts).is_none());
        }
    }

    #[test]
    fn a_module_cycle_is_an_error_naming_both_edges() {
        let a = "import jaunt\nfrom shop.b import g\n@jaunt.magic\ndef f():\n    'Calls g.'\n    return g()\n";
        let b = "import jaunt\nfrom shop.a import f\n@jaunt.magic\ndef g():\n    'Calls f.'\n    return f()\n";
        let (build, _) = graphs(
            &[("shop/__init__.py", ""), ("shop/a.py", a), ("shop/b.py", b)],
            true,
        );
        let err = build.check_cycles().unwrap_err().to_string();
        assert!(
            err.contains("shop.a:f") && err.contains("shop.b:g"),
            "{err}"
        );
        assert!(err.contains("src/shop/a.py:"), "{err}");
    }

    #[test]
    fn a_class_specs_bases_are_dependencies_even_without_inference() {
        let price = "import jaunt\nfrom shop.base import Money\nfrom shop.tax import Tax\n@jaunt.magic\nclass Price(Money):\n    'A price.'\n    def tax(self) -> Tax: ...\n";
        let tax = "import jaunt\n@jaunt.magic\nclass Tax:\n    'A rate.'\n";
        let sources = [
            ("shop/__init__.py", ""),
            ("shop/base.py", BASE),
            ("shop/tax.py", tax),
            ("shop/price.py", price),
        ];
        let (build, _) = graphs(&sources, false);
        assert_eq!(deps(&build, "shop.price:Price"), ["shop.base:Money"]);
        let (build, _) = graphs(&sources, true);
        assert_eq!(
            deps(&build, "shop.price:Price"),
            ["shop.base:Money", "shop.tax:Tax"]
        );
    }

    #[test]
    fn class_specs_that_want_them_get_a_baseline_test_module() {
        let wallet = "import jaunt\nfrom shop.base import Money\n@jaunt.magic\nclass Wallet:\n    'Holds Money.'\n    def total(self) -> Money: ...\n@jaunt.magic(test=False)\nclass Purse:\n    'No tests.'\n@jaunt.magic\ndef loose(): ...\n";
        let own = "import jaunt\n@jaunt.magic(test=True)\nclass Shop:\n    'The shop.'\n";
        let sources = [
            ("shop/__init__.py", own),
            ("shop/base.py", BASE),
            ("shop/wallet.py", wallet),
        ];
        let root = tempfile::tempdir().unwrap();
        let discovery = Discovery::from_sources(root.path(), &sources);
        let opts = GraphOptions { infer_deps: true };
        let (build, test) = SpecGraph::build_all(&discovery, opts, opts);
        let names = |test: &SpecGraph| -> Vec<(String, Vec<String>, Option<String>)> {
            test.modules
                .values()
                .map(|m| {
                    (
                        m.name.to_string(),
                        m.specs.iter().map(ToString::to_string).collect(),
                        m.class_tests_of.as_ref().map(ToString::to_string),
                    )
                })
                .collect()
        };
        let mut off = SpecGraph::default();
        off.add_class_tests(&build, "gen", false);
        // `test=True` asks without the project default.
        assert_eq!(
            names(&off),
            [(
                "shop.gen.test___init__".to_string(),
                vec!["shop:Shop".to_string()],
                Some("shop".to_string())
            )]
        );
        let mut on = test;
        on.add_class_tests(&build, "gen", true);
        assert_eq!(
            names(&on),
            [
                (
                    "shop.gen.test___init__".to_string(),
                    vec!["shop:Shop".to_string()],
                    Some("shop".to_string())
                ),
                (
                    "shop.gen.test_base".to_string(),
                    vec!["shop.base:Money".to_string()],
                    Some("shop.base".to_string())
                ),
                (
                    "shop.gen.test_wallet".to_string(),
                    vec!["shop.wallet:Wallet".to_string()],
                    Some("shop.wallet".to_string())
                ),
            ]
        );
        // The class is the module's spec, its dependencies APIs it sees.
        assert!(
            on.specs
                .contains_key(&SpecRef::parse("shop.wallet:Wallet").unwrap())
        );
        assert!(
            on.external
                .contains_key(&SpecRef::parse("shop.base:Money").unwrap())
        );
        let module = &on.modules[&ModuleName::new("shop.gen.test_wallet")];
        assert_eq!(
            crate::genfile::output_path(module, "gen"),
            root.path().join("src/shop/gen/test_wallet.py")
        );
        // `--target shop.wallet` keeps its baseline tests.
        on.restrict(&["shop.wallet".parse().unwrap()]);
        assert_eq!(on.modules.len(), 1);
        assert_eq!(on.specs.len(), 1);
    }
}
