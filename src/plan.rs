//! The planner: for each module, one status and the reasons for it.
//!
//! A module's inputs key can only be computed once the artifacts of its
//! dependency modules are known, so modules are visited dependencies first;
//! a module whose dependency must be generated is `pending` ("known after
//! apply"). Planning reads the lockfile, the store's action cache and the
//! generated files, and writes nothing.

use crate::config::DependencyContext;
use crate::digest::{ArtifactDigest, Digest, InputsKey, InputsParts, InterfaceDigest, inputs_key};
use crate::fsutil::relative;
use crate::genfile::{self, DiskState};
use crate::graph::{ModuleNode, SpecGraph, SpecNode};
use crate::lock::{LockGenerator, LockModule, LockSpec, Lockfile};
use crate::names::{ModuleName, SpecKind, SpecRef};
use crate::store::{ActionEntry, TieredStore};
use crate::stubcache::StubCache;
use crate::stubfile::{self, StubRecord, StubState};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Fresh,
    Restore,
    Rewrite,
    Generate,
    Pending,
    Remove,
}

impl Status {
    pub const ALL: [Status; 6] = [
        Status::Fresh,
        Status::Restore,
        Status::Rewrite,
        Status::Generate,
        Status::Pending,
        Status::Remove,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Fresh => "fresh",
            Status::Restore => "restore",
            Status::Rewrite => "rewrite",
            Status::Generate => "generate",
            Status::Pending => "pending",
            Status::Remove => "remove",
        }
    }
}

/// Where a `restore` takes its artifact from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// The store holds the artifact (lockfile or action cache said which).
    Store,
    /// The generated file on disk is intact and has this inputs key; the
    /// lockfile merely lacks its entry.
    Disk,
}

#[derive(Clone, Debug)]
pub struct ModulePlan {
    pub name: ModuleName,
    pub kind: SpecKind,
    pub status: Status,
    pub reasons: Vec<String>,
    /// Known unless pending.
    pub inputs: Option<InputsKey>,
    /// Known for fresh, restore and rewrite.
    pub artifact: Option<ArtifactDigest>,
    /// The artifact's interface, when the planner could read it without a
    /// download (apply reads it from the body it materializes).
    pub interface: Option<InterfaceDigest>,
    /// The `.pyi` stub as the next lockfile records it, when known.
    pub stub: Option<StubRecord>,
    pub source: Source,
    /// Absolute path of the generated file.
    pub output: PathBuf,
}

impl ModulePlan {
    /// A module known to be fresh, as a stamp recorded it: no keys or
    /// digests, which nothing shows for a fresh module.
    pub fn fresh(kind: SpecKind, name: ModuleName, output: PathBuf) -> ModulePlan {
        ModulePlan::keyless(kind, name, Status::Fresh, Vec::new(), output)
    }

    /// A module planned without keys or digests: fresh as recorded,
    /// pending, or removed.
    fn keyless(
        kind: SpecKind,
        name: ModuleName,
        status: Status,
        reasons: Vec<String>,
        output: PathBuf,
    ) -> ModulePlan {
        ModulePlan {
            name,
            kind,
            status,
            reasons,
            inputs: None,
            artifact: None,
            interface: None,
            stub: None,
            source: Source::Store,
            output,
        }
    }

    /// What the module offers its dependents, once all three are known.
    pub fn built(&self) -> Option<BuiltModule> {
        Some(BuiltModule {
            inputs: self.inputs?,
            artifact: self.artifact?,
            interface: self.interface?,
            stub: self.stub,
        })
    }
}

/// A module that is built (fresh, restored, rewritten or generated): its
/// inputs key, its artifact, and the interface its dependents are keyed on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct BuiltModule {
    pub inputs: InputsKey,
    pub artifact: ArtifactDigest,
    pub interface: InterfaceDigest,
    /// The `.pyi` stub beside its spec module, when one was written.
    pub stub: Option<StubRecord>,
}

/// The whole plan: build modules dependencies first, then test modules,
/// then removals.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    pub modules: Vec<ModulePlan>,
}

impl Plan {
    pub fn summary(&self) -> BTreeMap<&'static str, usize> {
        let mut out: BTreeMap<&'static str, usize> =
            Status::ALL.iter().map(|s| (s.as_str(), 0)).collect();
        for m in &self.modules {
            *out.entry(m.status.as_str()).or_default() += 1;
        }
        out
    }

    pub fn all_fresh(&self) -> bool {
        self.modules.iter().all(|m| m.status == Status::Fresh)
    }

    /// A plan known to be all fresh, as the no-op stamp recorded it: each
    /// module's kind, name and output; no keys or digests, which nothing
    /// shows for a fresh module.
    pub fn all_fresh_of(modules: Vec<(SpecKind, ModuleName, PathBuf)>) -> Plan {
        Plan {
            modules: modules
                .into_iter()
                .map(|(kind, name, output)| ModulePlan::fresh(kind, name, output))
                .collect(),
        }
    }

    pub fn get(&self, kind: SpecKind, name: &ModuleName) -> Option<&ModulePlan> {
        self.modules
            .iter()
            .find(|m| m.kind == kind && m.name == *name)
    }
}

/// Everything planning and applying share about one kind's graph.
pub struct KeyContext<'a> {
    pub kind: SpecKind,
    pub graph: &'a SpecGraph,
    pub fingerprint: Digest,
    pub generated_dir: &'a str,
    /// Library skills: each module's requests carry those it imports.
    pub skills: &'a crate::skills::Skills,
    /// What a request shows of its dependency modules (and the key hashes).
    pub dependency_context: DependencyContext,
    /// Whether `.pyi` stubs are written beside these modules' spec files.
    pub emit_stubs: bool,
}

impl KeyContext<'_> {
    /// Dependency modules of the same kind, whose interfaces (or sources)
    /// the request shows and the key hashes.
    pub fn dep_modules<'m>(&self, m: &'m ModuleNode) -> impl Iterator<Item = &'m ModuleName> {
        m.deps
            .iter()
            .filter(|d| self.graph.modules.contains_key(*d))
    }

    /// Specs of other modules that `m`'s specs use: their APIs are shown.
    pub fn dependency_apis(&self, m: &ModuleNode) -> Vec<(SpecRef, Digest)> {
        let mut apis: BTreeMap<SpecRef, Digest> = BTreeMap::new();
        for s in &m.specs {
            for d in self.graph.specs[s].deps.keys() {
                if d.module == m.name {
                    continue;
                }
                let node = self
                    .graph
                    .specs
                    .get(d)
                    .or_else(|| self.graph.external.get(d));
                if let Some(node) = node {
                    apis.insert(d.clone(), node.digest);
                }
            }
        }
        apis.into_iter().collect()
    }

    pub fn spec_digests(&self, m: &ModuleNode) -> Vec<(SpecRef, Digest)> {
        m.specs
            .iter()
            .map(|s| (s.clone(), self.graph.specs[s].digest))
            .collect()
    }

    /// What the key hashes of a built dependency: its interface, or with
    /// `dependency_context = "source"` its artifact.
    pub fn dependency_digest(&self, dep: &BuiltModule) -> Digest {
        match self.dependency_context {
            DependencyContext::Interface => dep.interface.0,
            DependencyContext::Source => dep.artifact.0,
        }
    }

    /// The inputs key, once every dependency module is built.
    pub fn inputs(
        &self,
        m: &ModuleNode,
        built: &HashMap<ModuleName, BuiltModule>,
    ) -> Option<InputsKey> {
        let mut deps = Vec::new();
        for d in self.dep_modules(m) {
            deps.push((d.clone(), self.dependency_digest(built.get(d)?)));
        }
        let generated = genfile::generated_module(m, self.generated_dir);
        Some(inputs_key(&InputsParts {
            kind: m.kind,
            module: &m.name,
            generated_module: &generated,
            specs: &self.spec_digests(m),
            dependency_apis: &self.dependency_apis(m),
            dependency_modules: &deps,
            dependency_context: self.dependency_context,
            generator: &self.fingerprint,
            skills: &self.skills.digests(&m.name),
            handwritten: m.handwritten.as_ref(),
        }))
    }

    /// The lockfile entry for a built module.
    pub fn lock_entry(&self, m: &ModuleNode, root: &Path, built: &BuiltModule) -> LockModule {
        LockModule {
            name: m.name.clone(),
            kind: m.kind,
            source: m.file.clone(),
            output: relative(root, &genfile::output_path(m, self.generated_dir)),
            inputs: built.inputs,
            artifact: built.artifact,
            interface: Some(built.interface),
            stub: built.stub.map(|s| s.digest),
            stub_inputs: built.stub.map(|s| s.inputs),
            deps: self.dep_modules(m).cloned().collect(),
            specs: m
                .specs
                .iter()
                .map(|s| LockSpec {
                    spec_ref: s.clone(),
                    digest: self.graph.specs[s].digest,
                    deps: self.graph.specs[s].deps.keys().cloned().collect(),
                })
                .collect(),
        }
    }

    /// Modules in dependency order (dependencies first), ties by name.
    pub fn order(&self) -> Vec<&ModuleNode> {
        // Kahn's algorithm; the ready set is ordered by name so the order
        // is deterministic.
        let mut waiting: HashMap<&ModuleName, usize> = HashMap::new();
        let mut dependents: HashMap<&ModuleName, Vec<&ModuleName>> = HashMap::new();
        for m in self.graph.modules.values() {
            waiting.insert(&m.name, self.dep_modules(m).count());
            for d in self.dep_modules(m) {
                dependents.entry(d).or_default().push(&m.name);
            }
        }
        let mut ready: std::collections::BTreeSet<&ModuleName> = waiting
            .iter()
            .filter(|(_, n)| **n == 0)
            .map(|(m, _)| *m)
            .collect();
        let mut out = Vec::with_capacity(self.graph.modules.len());
        while let Some(m) = ready.pop_first() {
            out.push(&self.graph.modules[m]);
            for d in dependents.get(m).into_iter().flatten() {
                if let Some(n) = waiting.get_mut(d) {
                    *n -= 1;
                    if *n == 0 {
                        ready.insert(d);
                    }
                }
            }
        }
        out
    }
}

/// Whether the `.pyi` stub of a fresh module is as its lockfile entry says:
/// its record (none when a file jaunt did not write is in its place), or
/// why it must be written again.
fn stub_trouble(
    stubs: &StubCache,
    m: &ModuleNode,
    entry: &LockModule,
) -> Result<Option<StubRecord>, &'static str> {
    let inputs = stubfile::stub_inputs(m, &entry.artifact);
    match stubs.state(&stubfile::stub_path(m), &inputs) {
        StubState::Missing => Err("stub missing"),
        StubState::Stale => Err("stub out of date"),
        StubState::Foreign => Ok(None),
        StubState::Current(d) if entry.stub == Some(d) && entry.stub_inputs == Some(inputs) => {
            Ok(Some(StubRecord { digest: d, inputs }))
        }
        StubState::Current(_) => Err("stub edited"),
    }
}

/// What planning a module reads from disk: its generated file and, for a
/// module with a lockfile entry while stubs are on, what is wrong with its
/// stub.
struct Found {
    output: PathBuf,
    disk: DiskState,
    stub: Option<Result<Option<StubRecord>, &'static str>>,
}

/// What the planner asks of the store. Asking never downloads or writes.
pub trait StoreView: Sync {
    fn has_artifact(&self, digest: &ArtifactDigest) -> bool;
    /// The action entry for an inputs key; a bad or unreadable one is none.
    fn find_action(&self, key: &InputsKey) -> Option<ActionEntry>;
    /// The artifact's body if the local store has an intact copy.
    fn local_artifact(&self, digest: &ArtifactDigest) -> Option<Vec<u8>>;
}

impl StoreView for TieredStore {
    fn has_artifact(&self, digest: &ArtifactDigest) -> bool {
        TieredStore::has_artifact(self, digest)
    }

    fn find_action(&self, key: &InputsKey) -> Option<ActionEntry> {
        TieredStore::find_action(self, key).ok().flatten()
    }

    fn local_artifact(&self, digest: &ArtifactDigest) -> Option<Vec<u8>> {
        self.local().peek_artifact(digest)
    }
}

pub struct Planner<'a> {
    pub root: &'a Path,
    pub lock: Option<&'a Lockfile>,
    pub store: &'a dyn StoreView,
    pub generator: &'a LockGenerator,
    /// With `--target`, modules outside the targets are not removed.
    pub targeted: bool,
    /// Stubs read before, by stat.
    pub stubs: &'a StubCache,
}

impl Planner<'_> {
    /// Plans one kind's modules, dependencies first.
    pub fn plan_kind(&self, ctx: &KeyContext<'_>, plan: &mut Plan) {
        self.plan_in_order(ctx, ctx.order(), HashMap::new(), plan);
    }

    /// Plans the modules of `order` (dependencies first) whose dependencies
    /// outside it are `built` already: the incremental plan's way in.
    pub fn plan_in_order(
        &self,
        ctx: &KeyContext<'_>,
        order: Vec<&ModuleNode>,
        mut built: HashMap<ModuleName, BuiltModule>,
        plan: &mut Plan,
    ) {
        let mut waiting: HashMap<ModuleName, Status> = HashMap::new();
        // What is on disk does not depend on the order: read on every core.
        let found: Vec<Found> = order
            .par_iter()
            .map(|m| self.found(ctx, m, genfile::output_path(m, ctx.generated_dir)))
            .collect();
        for (m, found) in order.into_iter().zip(found) {
            let blocked: Vec<&ModuleName> = ctx
                .dep_modules(m)
                .filter(|d| !built.contains_key(*d))
                .collect();
            if !blocked.is_empty() {
                let reasons = blocked
                    .iter()
                    .map(|d| {
                        format!(
                            "waits on {d} ({})",
                            waiting.get(*d).map_or("pending", |s| s.as_str())
                        )
                    })
                    .collect();
                waiting.insert(m.name.clone(), Status::Pending);
                plan.modules.push(ModulePlan::keyless(
                    m.kind,
                    m.name.clone(),
                    Status::Pending,
                    reasons,
                    found.output,
                ));
                continue;
            }
            let inputs = ctx.inputs(m, &built).expect("dependencies known");
            let mp = self.plan_found(ctx, m, inputs, found, &built);
            match mp.built() {
                Some(b) => {
                    built.insert(m.name.clone(), b);
                }
                None => {
                    waiting.insert(m.name.clone(), mp.status);
                }
            }
            plan.modules.push(mp);
        }
    }

    /// Plans one module whose inputs key is known (also used by apply for
    /// modules whose key was only known after their dependencies were built).
    pub fn plan_module(
        &self,
        ctx: &KeyContext<'_>,
        m: &ModuleNode,
        inputs: InputsKey,
        output: PathBuf,
        built: &HashMap<ModuleName, BuiltModule>,
    ) -> ModulePlan {
        self.plan_found(ctx, m, inputs, self.found(ctx, m, output), built)
    }

    /// What planning `m`, whose generated file is `output`, reads from disk.
    fn found(&self, ctx: &KeyContext<'_>, m: &ModuleNode, output: PathBuf) -> Found {
        Found {
            disk: DiskState::read(&output),
            stub: self.stub_trouble(ctx, m),
            output,
        }
    }

    /// [`stub_trouble`] of a module with a lockfile entry, when stubs are on.
    fn stub_trouble(
        &self,
        ctx: &KeyContext<'_>,
        m: &ModuleNode,
    ) -> Option<Result<Option<StubRecord>, &'static str>> {
        let entry = self.lock.and_then(|l| l.module(m.kind, &m.name))?;
        ctx.emit_stubs.then(|| stub_trouble(self.stubs, m, entry))
    }

    fn plan_found(
        &self,
        ctx: &KeyContext<'_>,
        m: &ModuleNode,
        inputs: InputsKey,
        found: Found,
        built: &HashMap<ModuleName, BuiltModule>,
    ) -> ModulePlan {
        let mut mp = self.decide(ctx, m, inputs, found, built);
        if let (Status::Restore | Status::Rewrite, Some(artifact)) = (mp.status, mp.artifact) {
            let entry = self.lock.and_then(|l| l.module(m.kind, &m.name));
            mp.stub = self.planned_stub(ctx, m, entry, artifact, &mp.output);
        }
        mp
    }

    /// The stub apply will write beside a restored or rewritten module, as
    /// the next lockfile records it: the entry's, when it was rendered from
    /// the same inputs; else rendered now from a local copy of the artifact.
    fn planned_stub(
        &self,
        ctx: &KeyContext<'_>,
        m: &ModuleNode,
        entry: Option<&LockModule>,
        artifact: ArtifactDigest,
        output: &Path,
    ) -> Option<StubRecord> {
        if !ctx.emit_stubs {
            return None;
        }
        let path = stubfile::stub_path(m);
        if path.exists()
            && !crate::fsutil::read_regular_string(&path).is_ok_and(|t| stubfile::is_jaunts(&t))
        {
            return None;
        }
        let inputs = stubfile::stub_inputs(m, &artifact);
        if let Some(e) = entry.filter(|e| e.stub_inputs == Some(inputs)) {
            return e.stub.map(|digest| StubRecord { digest, inputs });
        }
        let body = self.local_body(artifact, output)?;
        let source = crate::fsutil::read_regular_string(&m.path).ok()?;
        let stub = stubfile::render(m, &source, &body, &artifact);
        Some(StubRecord {
            digest: stub.digest,
            inputs,
        })
    }

    fn decide(
        &self,
        ctx: &KeyContext<'_>,
        m: &ModuleNode,
        inputs: InputsKey,
        found: Found,
        built: &HashMap<ModuleName, BuiltModule>,
    ) -> ModulePlan {
        let entry = self.lock.and_then(|l| l.module(m.kind, &m.name));
        let Found { disk, stub, output } = found;
        let mut mp = ModulePlan {
            name: m.name.clone(),
            kind: m.kind,
            status: Status::Generate,
            reasons: Vec::new(),
            inputs: Some(inputs),
            artifact: None,
            interface: None,
            stub: None,
            source: Source::Store,
            output,
        };
        if let Some(e) = entry.filter(|e| e.inputs == inputs) {
            if disk.matches(&inputs, &e.artifact) {
                mp.status = Status::Fresh;
                mp.artifact = Some(e.artifact);
                mp.interface = self.interface_of(e.artifact, Some(e), &mp.output, None);
                match stub {
                    Some(Ok(stub)) => mp.stub = stub,
                    Some(Err(why)) => {
                        // The generated file is intact: only the stub is
                        // written again.
                        mp.status = Status::Rewrite;
                        mp.source = Source::Disk;
                        mp.reasons.push(why.to_string());
                    }
                    None => {}
                }
                return mp;
            }
            let why = match disk {
                DiskState::Missing => "file missing",
                DiskState::Foreign => "file replaced by one jaunt did not write",
                DiskState::Legacy(_) => {
                    "file written by Jaunt 1.7 (kept in .jaunt/edited/ when replaced)"
                }
                _ => "file edited (your version will be kept in .jaunt/edited/)",
            };
            if self.store.has_artifact(&e.artifact) {
                mp.status = Status::Rewrite;
                mp.artifact = Some(e.artifact);
                mp.interface = self.interface_of(e.artifact, Some(e), &mp.output, None);
                mp.reasons.push(why.to_string());
            } else {
                mp.reasons
                    .push(format!("{why}, and its artifact is not in the store"));
            }
            return mp;
        }
        let changes = self.differences(ctx, m, entry, built, false);
        if let Some((e, why)) = self.rekeyable(ctx, m, entry, built, &changes) {
            // Nothing it was built from changed, only how jaunt keys it:
            // its artifact is kept under the new key, without a model call.
            let from_disk = matches!(&disk, DiskState::Intact(h) if h.artifact == e.artifact);
            if self.store.has_artifact(&e.artifact) || from_disk {
                mp.status = Status::Rewrite;
                mp.artifact = Some(e.artifact);
                mp.interface = self.interface_of(e.artifact, Some(e), &mp.output, None);
                if from_disk {
                    mp.source = Source::Disk;
                }
                mp.reasons.push(why.into());
                return mp;
            }
        }
        let mut reasons = if changes.is_empty() {
            vec!["inputs changed".to_string()]
        } else {
            changes
        };
        if let Some(action) = self.store.find_action(&inputs)
            && self.store.has_artifact(&action.artifact)
        {
            mp.status = Status::Restore;
            mp.artifact = Some(action.artifact);
            mp.interface = self.interface_of(action.artifact, entry, &mp.output, action.interface);
            reasons.push("found in the store".into());
        } else if let DiskState::Intact(h) = &disk
            && h.inputs == inputs
        {
            mp.status = Status::Restore;
            mp.artifact = Some(h.artifact);
            mp.interface = self.interface_of(h.artifact, entry, &mp.output, None);
            mp.source = Source::Disk;
            reasons.push("generated file already up to date".into());
        } else if let DiskState::Legacy(h) = &disk
            && h.source_module == m.name
        {
            reasons.push("a Jaunt 1.7 file is there: `jaunt migrate` adopts it without a model call if it still defines every spec".into());
        }
        mp.reasons = reasons;
        mp
    }

    /// The lockfile entry a module can be re-keyed from, and why: one
    /// written before interfaces were keyed (version 1) with nothing
    /// changed, or one whose only differences are spec digests taken
    /// before stub bodies were folded. Never across a generator change.
    fn rekeyable<'e>(
        &'e self,
        ctx: &KeyContext<'_>,
        m: &ModuleNode,
        entry: Option<&'e LockModule>,
        built: &HashMap<ModuleName, BuiltModule>,
        changes: &[String],
    ) -> Option<(&'e LockModule, &'static str)> {
        let e = entry?;
        if self.lock?.generator.fingerprint != self.generator.fingerprint {
            return None;
        }
        if e.interface.is_none() && changes.is_empty() {
            return Some((
                e,
                "re-keyed: jaunt.lock predates dependency interfaces; nothing it was built from changed",
            ));
        }
        (!changes.is_empty() && self.differences(ctx, m, entry, built, true).is_empty()).then_some((
            e,
            "re-keyed: jaunt.lock predates folded stub bodies (`pass`, `raise NotImplementedError`, `...` after a docstring); nothing it was built from changed",
        ))
    }

    /// The interface of `artifact`, from what is at hand without a
    /// download: the lockfile entry that recorded it, the store's action
    /// entry, the local store's copy, or the intact generated file.
    fn interface_of(
        &self,
        artifact: ArtifactDigest,
        entry: Option<&LockModule>,
        output: &Path,
        claimed: Option<InterfaceDigest>,
    ) -> Option<InterfaceDigest> {
        if let Some(i) = entry
            .filter(|e| e.artifact == artifact)
            .and_then(|e| e.interface)
            .or(claimed)
        {
            return Some(i);
        }
        let body = self.local_body(artifact, output)?;
        Some(InterfaceDigest(crate::python::extract(&body).digest))
    }

    /// The artifact's body without a download: the intact generated file,
    /// or the local store's copy.
    fn local_body(&self, artifact: ArtifactDigest, output: &Path) -> Option<String> {
        DiskState::intact_body(output, &artifact).or_else(|| {
            self.store
                .local_artifact(&artifact)
                .and_then(|b| String::from_utf8(b).ok())
        })
    }

    /// What differs from the module's lockfile entry, by name; empty when
    /// nothing does (or there is no entry: then the only reason given).
    /// With `legacy`, a spec digest recorded before stub bodies were folded
    /// counts as unchanged.
    fn differences(
        &self,
        ctx: &KeyContext<'_>,
        m: &ModuleNode,
        entry: Option<&LockModule>,
        built: &HashMap<ModuleName, BuiltModule>,
        legacy: bool,
    ) -> Vec<String> {
        let Some(entry) = entry else {
            return vec![if self.lock.is_some() {
                "new module".to_string()
            } else {
                "no jaunt.lock entry".to_string()
            }];
        };
        let mut reasons = Vec::new();
        let old: BTreeMap<&SpecRef, &Digest> = entry
            .specs
            .iter()
            .map(|s| (&s.spec_ref, &s.digest))
            .collect();
        let same = |node: &SpecNode, recorded: Digest| {
            recorded == node.digest || (legacy && Some(recorded) == node.legacy_digest)
        };
        for s in &m.specs {
            match old.get(s) {
                None => reasons.push(format!("spec added: {s}")),
                Some(d) if !same(&ctx.graph.specs[s], **d) => {
                    reasons.push(format!("spec changed: {s}"))
                }
                Some(_) => {}
            }
        }
        for s in old.keys() {
            if !m.specs.contains(s) {
                reasons.push(format!("spec removed: {s}"));
            }
        }
        let lock = self.lock.expect("entry comes from the lockfile");
        if lock.generator.fingerprint != self.generator.fingerprint {
            reasons.push("generator changed".into());
        }
        for d in ctx.dep_modules(m) {
            let before = lock.module(m.kind, d);
            let now = built.get(d);
            // An entry from before interfaces were keyed is compared by its
            // artifact, the key's dependency input then.
            let changed = match (before, now) {
                (Some(b), Some(n)) => match b.interface {
                    Some(i) if ctx.dependency_context == DependencyContext::Interface => {
                        i != n.interface
                    }
                    _ => b.artifact != n.artifact,
                },
                _ => true,
            };
            if changed {
                let what = match (before.and_then(|b| b.interface), ctx.dependency_context) {
                    (Some(_), DependencyContext::Interface) => "dependency interface changed",
                    _ => "dependency changed",
                };
                reasons.push(format!("{what}: {d}"));
            }
        }
        for (api, _) in ctx.dependency_apis(m) {
            let node = ctx
                .graph
                .specs
                .get(&api)
                .or_else(|| ctx.graph.external.get(&api));
            let unchanged = lock
                .spec_digest(&api)
                .zip(node)
                .is_some_and(|(before, node)| same(node, before));
            if !unchanged {
                reasons.push(format!("dependency API changed: {api}"));
            }
        }
        for dist in ctx.skills.changed(&m.name, &lock.skills) {
            reasons.push(format!("skill changed: {dist}"));
        }
        if entry.deps != ctx.dep_modules(m).cloned().collect::<Vec<_>>() && reasons.is_empty() {
            reasons.push("dependencies changed".into());
        }
        reasons
    }

    /// Generated files whose spec module is gone (orphans): those the
    /// lockfile records, and jaunt-written files found in the generated
    /// directories of the modules that remain.
    pub fn plan_removals(&self, graphs: &[&KeyContext<'_>], plan: &mut Plan) {
        if self.targeted {
            return;
        }
        let present = |kind: SpecKind, name: &ModuleName| {
            graphs
                .iter()
                .any(|c| c.graph.modules.get(name).is_some_and(|m| m.kind == kind))
        };
        let mut orphans: BTreeMap<PathBuf, (ModuleName, SpecKind)> = BTreeMap::new();
        let planned = |kind: SpecKind| graphs.iter().any(|c| c.kind == kind);
        for e in self.lock.iter().flat_map(|l| l.modules.iter()) {
            if planned(e.kind) && !present(e.kind, &e.name) {
                orphans.insert(self.root.join(&e.output), (e.name.clone(), e.kind));
            }
        }
        // A planned module's own output is its file, read by its plan.
        let outputs: std::collections::HashSet<PathBuf> = graphs
            .iter()
            .flat_map(|c| {
                c.graph
                    .modules
                    .values()
                    .map(|m| genfile::output_path(m, c.generated_dir))
            })
            .collect();
        let mut dirs: Vec<&Path> = outputs.iter().filter_map(|p| p.parent()).collect();
        dirs.sort();
        dirs.dedup();
        for dir in dirs {
            let Ok(entries) = std::fs::read_dir(dir) else {
                continue;
            };
            for path in entries.flatten().map(|e| e.path()) {
                if path.extension().is_none_or(|x| x != "py")
                    || orphans.contains_key(&path)
                    || outputs.contains(&path)
                {
                    continue;
                }
                if let DiskState::Intact(h) | DiskState::Edited(h) = DiskState::read(&path)
                    && planned(h.kind)
                    && !present(h.kind, &h.source_module)
                {
                    orphans.insert(path, (h.source_module, h.kind));
                }
            }
        }
        for (output, (name, kind)) in orphans {
            plan.modules.push(ModulePlan::keyless(
                kind,
                name,
                Status::Remove,
                vec!["spec module removed".into()],
                output,
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discover::Discovery;
    use crate::graph::GraphOptions;
    use std::collections::HashSet;

    const MONEY: &str = "import jaunt\n\n@jaunt.magic\nclass Money:\n    \"\"\"Cents.\"\"\"\n";
    const CART: &str = "import jaunt\nfrom shop.money import Money\n\n@jaunt.magic\ndef total(prices: list[Money]) -> Money:\n    \"\"\"Sum.\"\"\"\n";

    /// A store that holds what a test puts in it, in memory.
    #[derive(Default)]
    struct Memory {
        artifacts: HashSet<ArtifactDigest>,
        actions: HashMap<InputsKey, ActionEntry>,
    }

    impl StoreView for Memory {
        fn has_artifact(&self, digest: &ArtifactDigest) -> bool {
            self.artifacts.contains(digest)
        }
        fn find_action(&self, key: &InputsKey) -> Option<ActionEntry> {
            self.actions.get(key).cloned()
        }
        fn local_artifact(&self, _: &ArtifactDigest) -> Option<Vec<u8>> {
            None
        }
    }

    /// A test module's interface: derived from its artifact, as if read.
    fn interface(artifact: ArtifactDigest) -> InterfaceDigest {
        InterfaceDigest(Digest::of(&artifact.0.0))
    }

    fn built(artifact: ArtifactDigest) -> BuiltModule {
        BuiltModule {
            inputs: InputsKey(Digest::of(b"unused")),
            artifact,
            interface: interface(artifact),
            stub: None,
        }
    }

    fn action(artifact: ArtifactDigest) -> ActionEntry {
        ActionEntry {
            artifact,
            interface: Some(interface(artifact)),
            generator: "command/test".into(),
            usage: None,
            created: 0,
            signature: None,
        }
    }

    /// The shop project (money <- cart) from in-memory sources.
    struct Shop {
        root: tempfile::TempDir,
        graph: SpecGraph,
        skills: crate::skills::Skills,
        generator: LockGenerator,
    }

    impl Shop {
        fn new(money: &str) -> Shop {
            let root = tempfile::tempdir().unwrap();
            let discovery = Discovery::from_sources(
                root.path(),
                &[
                    ("shop/__init__.py", ""),
                    ("shop/money.py", money),
                    ("shop/cart.py", CART),
                ],
            );
            let on = GraphOptions { infer_deps: true };
            let (graph, _) = SpecGraph::build_all(&discovery, on, on);
            Shop {
                root,
                graph,
                skills: crate::skills::Skills::default(),
                generator: LockGenerator {
                    backend: "command".into(),
                    model: "test".into(),
                    fingerprint: Digest::of(b"generator"),
                },
            }
        }

        fn ctx(&self) -> KeyContext<'_> {
            KeyContext {
                kind: SpecKind::Build,
                graph: &self.graph,
                fingerprint: self.generator.fingerprint,
                generated_dir: "__generated__",
                skills: &self.skills,
                dependency_context: DependencyContext::Interface,
                emit_stubs: false,
            }
        }

        fn plan(
            &self,
            lock: Option<&Lockfile>,
            store: &Memory,
        ) -> Vec<(String, Status, Vec<String>)> {
            let planner = Planner {
                root: self.root.path(),
                lock,
                store,
                generator: &self.generator,
                targeted: false,
                stubs: &StubCache::none(),
            };
            let mut plan = Plan::default();
            planner.plan_kind(&self.ctx(), &mut plan);
            plan.modules
                .into_iter()
                .map(|m| (m.name.to_string(), m.status, m.reasons))
                .collect()
        }

        fn module(&self, name: &str) -> &ModuleNode {
            &self.graph.modules[&ModuleName::new(name)]
        }

        /// Inputs key of `name`, given its dependencies' artifacts.
        fn inputs(&self, name: &str, deps: &[(&str, ArtifactDigest)]) -> InputsKey {
            let built = deps
                .iter()
                .map(|(m, d)| (ModuleName::new(*m), built(*d)))
                .collect();
            self.ctx().inputs(self.module(name), &built).unwrap()
        }

        /// A lockfile recording both modules as built with these artifacts.
        fn lock(&self, money_art: ArtifactDigest, cart_art: ArtifactDigest) -> Lockfile {
            let ctx = self.ctx();
            let money = self.inputs("shop.money", &[]);
            let cart = self.inputs("shop.cart", &[("shop.money", money_art)]);
            Lockfile {
                generator: self.generator.clone(),
                modules: vec![
                    ctx.lock_entry(
                        self.module("shop.cart"),
                        self.root.path(),
                        &BuiltModule {
                            inputs: cart,
                            ..built(cart_art)
                        },
                    ),
                    ctx.lock_entry(
                        self.module("shop.money"),
                        self.root.path(),
                        &BuiltModule {
                            inputs: money,
                            ..built(money_art)
                        },
                    ),
                ],
                skills: Vec::new(),
                contracts: Vec::new(),
            }
        }
    }

    #[test]
    fn new_modules_generate_and_their_dependents_wait() {
        let shop = Shop::new(MONEY);
        let plan = shop.plan(None, &Memory::default());
        assert_eq!(
            plan,
            [
                (
                    "shop.money".into(),
                    Status::Generate,
                    vec!["no jaunt.lock entry".into()]
                ),
                (
                    "shop.cart".into(),
                    Status::Pending,
                    vec!["waits on shop.money (generate)".into()]
                ),
            ]
        );
    }

    #[test]
    fn an_action_cache_hit_restores_and_unblocks_dependents() {
        let shop = Shop::new(MONEY);
        let art = ArtifactDigest::of(b"class Money: ...");
        let mut store = Memory::default();
        store.artifacts.insert(art);
        store
            .actions
            .insert(shop.inputs("shop.money", &[]), action(art));
        let plan = shop.plan(None, &store);
        assert_eq!(plan[0].1, Status::Restore, "{plan:?}");
        assert_eq!(plan[0].2, ["no jaunt.lock entry", "found in the store"]);
        assert_eq!(plan[1].1, Status::Generate, "{plan:?}");
        // An entry whose artifact the store lacks restores nothing.
        store.artifacts.clear();
        assert_eq!(shop.plan(None, &store)[0].1, Status::Generate);
    }

    #[test]
    fn a_missing_file_is_rewritten_only_from_the_store() {
        let shop = Shop::new(MONEY);
        let (m, c) = (ArtifactDigest::of(b"m"), ArtifactDigest::of(b"c"));
        let lock = shop.lock(m, c);
        let mut store = Memory::default();
        store.artifacts.extend([m, c]);
        let plan = shop.plan(Some(&lock), &store);
        assert!(
            plan.iter()
                .all(|(_, s, r)| *s == Status::Rewrite && r == &["file missing"]),
            "{plan:?}"
        );
        store.artifacts.remove(&m);
        let plan = shop.plan(Some(&lock), &store);
        assert_eq!(plan[0].1, Status::Generate);
        assert_eq!(
            plan[0].2,
            ["file missing, and its artifact is not in the store"]
        );
        assert_eq!(plan[1].1, Status::Pending);
    }

    #[test]
    fn reasons_name_the_changed_spec_and_the_dependency_api() {
        let before = Shop::new(MONEY);
        let (m, c) = (ArtifactDigest::of(b"m"), ArtifactDigest::of(b"c"));
        let lock = before.lock(m, c);
        let after = Shop::new(&MONEY.replace("Cents.", "Cents, never negative."));
        let plan = after.plan(Some(&lock), &Memory::default());
        assert_eq!(plan[0].2, ["spec changed: shop.money:Money"], "{plan:?}");
        assert_eq!(plan[1].1, Status::Pending);
        // With money's artifact unchanged, cart regenerates for the API
        // alone.
        let money = after.inputs("shop.money", &[]);
        let mut store = Memory::default();
        store.artifacts.insert(m);
        store.actions.insert(money, action(m));
        let plan = after.plan(Some(&lock), &store);
        assert_eq!(plan[1].1, Status::Generate, "{plan:?}");
        assert_eq!(plan[1].2, ["dependency API changed: shop.money:Money"]);
    }

    #[test]
    fn a_lockfile_from_before_folded_stub_bodies_is_re_keyed_without_a_model_call() {
        let shop =
            Shop::new(&MONEY.replace("\"\"\"Cents.\"\"\"\n", "\"\"\"Cents.\"\"\"\n    ...\n"));
        let money = &shop.graph.specs[&SpecRef::parse("shop.money:Money").unwrap()];
        let legacy = money.legacy_digest.expect("`...` after a docstring folds");
        assert_ne!(legacy, money.digest);
        let (m, c) = (ArtifactDigest::of(b"m"), ArtifactDigest::of(b"c"));
        // The lockfile as jaunt wrote it before: Money's unfolded digest,
        // and keys computed from it.
        let mut lock = shop.lock(m, c);
        for entry in &mut lock.modules {
            entry.inputs = InputsKey(Digest::of(entry.name.as_str().as_bytes()));
            for spec in &mut entry.specs {
                spec.digest = shop.graph.specs[&spec.spec_ref]
                    .legacy_digest
                    .unwrap_or(spec.digest);
            }
        }
        let mut store = Memory::default();
        store.artifacts.extend([m, c]);
        let plan = shop.plan(Some(&lock), &store);
        for (name, status, reasons) in &plan {
            assert_eq!(*status, Status::Rewrite, "{name}: {plan:?}");
            assert!(
                reasons[0].starts_with("re-keyed: jaunt.lock predates folded stub bodies"),
                "{plan:?}"
            );
        }
        // A real change is still one.
        let edited = Shop::new(&MONEY.replace(
            "\"\"\"Cents.\"\"\"\n",
            "\"\"\"Whole cents.\"\"\"\n    ...\n",
        ));
        let plan = edited.plan(Some(&lock), &store);
        assert_eq!(plan[0].1, Status::Generate, "{plan:?}");
        assert_eq!(plan[0].2, ["spec changed: shop.money:Money"]);
    }
}
