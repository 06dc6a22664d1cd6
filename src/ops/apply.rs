//! `jaunt apply`: carry out the plan.
//!
//! Restores, rewrites and removals never call a model. Modules to generate
//! (and those pending on them) run on the DAG scheduler; each one's inputs
//! key is computed when its dependencies are done, so a dependency rebuilt
//! to identical bytes leaves it fresh (early cutoff). Every finished module
//! is in the store before the lockfile is written, once, at the end: a
//! killed run loses nothing it finished.

use crate::config::DependencyContext;
use crate::digest::{ArtifactDigest, InputsKey, InterfaceDigest};
use crate::error::{Code, Diagnostic, JauntError, Result};
use crate::exec::materialize::{self, Replace};
use crate::exec::scheduler;
use crate::generate::{
    self, Attempts, Budget, DependencyModule, DependencyText, Generator, ImportCheck, request,
};
use crate::genfile::{self, DiskState};
use crate::graph::ModuleNode;
use crate::names::{ModuleName, SpecKind};
use crate::ops::lockfile::{BuiltModules, LockInputs, is_current, next_lock, planned_lock};
use crate::ops::project::Project;
use crate::ops::session::Session;
use crate::plan::{BuiltModule, KeyContext, ModulePlan, Plan, Source, Status};
use crate::store::{ActionEntry, Usage};
use crate::stubfile::StubRecord;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

#[derive(Clone, Debug, Default)]
pub struct ApplyOptions {
    pub jobs: Option<usize>,
    pub force: bool,
    pub offline: bool,
    pub locked: bool,
    /// `--target` modules: the graph is already limited to them and their
    /// dependencies, and `--force` regenerates only them.
    pub targets: Vec<ModuleName>,
    /// `--no-skills`: requests carry no library skills.
    pub no_skills: bool,
}

/// What apply did: the `jaunt apply --json` output (`schema/apply.schema.json`).
#[derive(Clone, Debug, Default, Serialize)]
pub struct ApplyReport {
    pub generated: Vec<String>,
    pub restored: Vec<String>,
    pub rewritten: Vec<String>,
    pub fresh: Vec<String>,
    pub removed: Vec<String>,
    pub failed: BTreeMap<String, Vec<String>>,
    /// Every model call of the run: module attempts and library skills.
    pub model_calls: u64,
    /// Tokens over all model calls of this run.
    pub usage: Usage,
    /// Tokens per generated (or failed) module.
    pub module_usage: BTreeMap<String, Usage>,
    /// Modules not started because the run was interrupted.
    pub cancelled: Vec<String>,
    /// Modules not generated because the run's estimated spend reached
    /// `[llm] max_cost_per_build` (and the modules waiting on them).
    pub over_budget: Vec<String>,
    pub lock_changed: bool,
    /// Warnings the run reported (a library skill not written).
    #[serde(skip)]
    pub warnings: usize,
    /// The contract batteries derived after the modules (docs/contracts.md);
    /// absent when the modules did not all build.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contracts: Option<crate::ops::contract::ReconcileReport>,
}

/// Progress as modules move, for the CLI's bar or plain lines.
pub enum Event<'a> {
    /// Generation of `total` modules is starting.
    Start {
        total: usize,
    },
    Began(&'a ModuleName),
    Finished {
        module: &'a ModuleName,
        outcome: Finished,
    },
    /// A problem that does not fail the run (a library skill not written).
    Warning(&'a str),
}

/// How a module on the DAG ended, for progress output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Finished {
    /// Generated, or (once its dependencies were built) fresh, restored or
    /// rewritten.
    Built(Status),
    Failed,
}

impl Finished {
    pub fn as_str(self) -> &'static str {
        match self {
            Finished::Built(status) => status.as_str(),
            Finished::Failed => "failed",
        }
    }
}

/// Runs apply for `kinds` (build for `jaunt apply`; `jaunt test` adds test).
pub fn apply(
    project: &Project,
    session: &Session,
    kinds: &[SpecKind],
    opts: &ApplyOptions,
    cancel: &AtomicBool,
    progress: &(dyn Fn(Event<'_>) + Sync),
) -> Result<ApplyReport> {
    let config = &project.config;
    let budget = Budget::from_config(&config.llm);
    let warned = std::sync::atomic::AtomicUsize::new(0);
    let warn = |w: &str| {
        warned.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        progress(Event::Warning(w))
    };
    let skill_spent = prepare_skills(
        project,
        session,
        !opts.no_skills,
        !opts.offline,
        budget.as_ref(),
        &warn,
    );
    let mut plan = session.plan(project, kinds, !opts.targets.is_empty());
    if opts.force {
        force(&mut plan, &opts.targets);
    }
    let lock = LockInputs {
        project,
        session,
        kinds,
        plan: &plan,
        targeted: !opts.targets.is_empty(),
    };
    gate(&lock, opts)?;
    // A run that writes to the store first removes what killed runs left
    // there; a no-op apply writes nothing and skips the directory scan.
    if !plan.all_fresh() {
        session.store.sweep_temps();
    }
    let mut report = ApplyReport {
        warnings: warned.load(std::sync::atomic::Ordering::Relaxed),
        model_calls: skill_spent.calls,
        usage: skill_spent.usage,
        ..ApplyReport::default()
    };
    let mut built = BuiltModules::default();
    let mut dag: Vec<&ModulePlan> = Vec::new();
    let jobs = opts.jobs.unwrap_or(project.config.build.jobs);
    let restored = restore_all(project, session, &plan, jobs);
    for (mp, restored) in plan.modules.iter().zip(restored) {
        match mp.status {
            Status::Fresh => {
                report.fresh.push(mp.name.to_string());
                built.insert(mp.kind, mp.name.clone(), settle_fresh(session, mp)?);
            }
            Status::Restore | Status::Rewrite => match restored {
                Some(Ok(b)) => {
                    let list = if mp.status == Status::Restore {
                        &mut report.restored
                    } else {
                        &mut report.rewritten
                    };
                    list.push(mp.name.to_string());
                    built.insert(mp.kind, mp.name.clone(), b);
                }
                // A corrupt or vanished store object: generate instead.
                Some(Err(NotRestored::Missing(_))) if !opts.offline => dag.push(mp),
                Some(Err(NotRestored::Missing(e) | NotRestored::Unwritable(e))) => {
                    report
                        .failed
                        .insert(mp.name.to_string(), vec![e.to_string()]);
                }
                None => {}
            },
            Status::Remove => match remove_module(session, project, mp) {
                Ok(true) => report.removed.push(mp.name.to_string()),
                Ok(false) => {}
                Err(e) => {
                    report
                        .failed
                        .insert(mp.name.to_string(), vec![e.to_string()]);
                }
            },
            Status::Generate | Status::Pending => dag.push(mp),
        }
    }
    if !dag.is_empty() {
        preflight(project, session, &dag)?;
        let generator = generate::backend_from_config(&project.config)?;
        let contexts = dag
            .iter()
            .map(|m| (m.kind, session.key_context(project, m.kind)))
            .collect();
        let imports = config.build.check_generated_imports.then(|| {
            let mut roots = config.source_dirs();
            roots.extend(config.test_dirs());
            ImportCheck::new(
                config.build.generated_import_allowlist.clone(),
                crate::skills::internal_names(&roots),
                &config.paths.generated_dir,
                crate::ops::test::interpreter(config),
                &config.root,
            )
        });
        let run = DagRun {
            project,
            session,
            opts,
            generator: generator.as_ref(),
            budget: budget.as_ref(),
            imports: imports.as_ref(),
            progress,
            dag,
            contexts,
            built: Mutex::new(built),
            calls: AtomicU64::new(0),
            usage: Mutex::new(BTreeMap::new()),
        };
        built = run.run(cancel, &mut report);
    }
    report.lock_changed = write_lock(&lock, &built)?;
    if opts.offline && !report.failed.is_empty() {
        // What could be restored is written and locked; the rest needed a
        // model (its store object was missing or failed its check).
        let failed: Vec<String> = report
            .failed
            .iter()
            .map(|(module, errors)| format!("  {module}: {}", errors.join("; ")))
            .collect();
        return Err(Diagnostic::gate(format!(
            "--offline: {} module(s) could not be restored and would need a model call:\n{}",
            failed.len(),
            failed.join("\n")
        ))
        .hint(HINT_OFFLINE)
        .into());
    }
    for list in [
        &mut report.generated,
        &mut report.restored,
        &mut report.rewritten,
        &mut report.fresh,
        &mut report.removed,
        &mut report.cancelled,
        &mut report.over_budget,
    ] {
        list.sort();
    }
    Ok(report)
}

/// Library skills come first: their digests are part of the inputs keys
/// planned next. With `use_skills` off (`--no-skills`) there are none;
/// missing ones are written when `may_write` and `[skills] auto` allow.
/// Sets the session's skills and returns what writing them spent.
pub(crate) fn prepare_skills(
    project: &Project,
    session: &Session,
    use_skills: bool,
    may_write: bool,
    budget: Option<&Budget>,
    warn: &(dyn Fn(&str) + Sync),
) -> crate::skills::Spent {
    let config = &project.config;
    let (skills, spent) = if use_skills {
        let write = may_write && config.skills.auto;
        crate::skills::prepare(config, &project.discovery, write, budget, warn)
    } else {
        Default::default()
    };
    let _ = session.skills.set(skills);
    spent
}

const HINT_OFFLINE: &str = "run `jaunt apply` with model access, or fill the store from a machine that has these artifacts";
const HINT_LOCKED: &str = "run `jaunt apply` and commit jaunt.lock";

/// `--force`: regenerate every planned module, or only the targets.
fn force(plan: &mut Plan, targets: &[ModuleName]) {
    for m in &mut plan.modules {
        if m.status != Status::Remove && (targets.is_empty() || targets.contains(&m.name)) {
            m.status = Status::Generate;
            m.reasons = vec!["--force".into()];
        }
    }
}

/// `--offline` and `--locked` refuse before any work starts.
fn gate(lock: &LockInputs<'_>, opts: &ApplyOptions) -> Result<()> {
    let needs: Vec<String> = lock
        .plan
        .modules
        .iter()
        .filter(|m| matches!(m.status, Status::Generate | Status::Pending))
        .map(|m| {
            format!(
                "  {} ({}): {}",
                m.name,
                m.status.as_str(),
                m.reasons.join("; ")
            )
        })
        .collect();
    if opts.offline && !needs.is_empty() {
        return Err(Diagnostic::gate(format!(
            "--offline: {} module(s) would need a model call:\n{}",
            needs.len(),
            needs.join("\n")
        ))
        .hint(HINT_OFFLINE)
        .into());
    }
    if opts.locked {
        if !needs.is_empty() {
            return Err(Diagnostic::gate(format!(
                "--locked: jaunt.lock would change; {} module(s) need generation:\n{}",
                needs.len(),
                needs.join("\n")
            ))
            .hint(HINT_LOCKED)
            .into());
        }
        if !is_current(lock.session, &planned_lock(lock)) {
            return Err(Diagnostic::gate(
                "--locked: jaunt.lock would change (it is missing or out of date)",
            )
            .hint(HINT_LOCKED)
            .into());
        }
    }
    Ok(())
}

/// Deletes the generated file (and stub) of a spec module that is gone;
/// returns whether there was a file to delete.
fn remove_module(session: &Session, project: &Project, mp: &ModulePlan) -> Result<bool> {
    let root = &project.config.root;
    let removed = materialize::remove(root, &mp.output, &session.edits)?;
    // The stub beside the spec module that is gone.
    if let Some(e) = session
        .lock
        .as_ref()
        .and_then(|l| l.module(mp.kind, &mp.name))
    {
        materialize::remove_stub(root, &root.join(&e.source).with_extension("pyi"))?;
    }
    Ok(removed)
}

/// Checks, before the first model call, what generating will need: a
/// writable store and project directory, and output paths that are free
/// or jaunt's. Everything found is reported at once (exit 3), and nothing
/// is paid for that could not be written.
fn preflight(project: &Project, session: &Session, dag: &[&ModulePlan]) -> Result<()> {
    let mut problems: Vec<Diagnostic> = Vec::new();
    let store = session.store.local();
    if let Err(e) = store.check_writable() {
        problems.push(
            Diagnostic::new(Code::Generate, format!("the store cannot be written: {e}")).hint(
                "make the store directory writable, or point `[store] path` or $JAUNT_STORE at one that is",
            ),
        );
    }
    let root = &project.config.root;
    if let Err(e) = crate::fsutil::probe_writable(root) {
        problems.push(
            Diagnostic::new(
                Code::Generate,
                format!("the project directory cannot be written: {e}"),
            )
            .at(root, None)
            .hint("jaunt.lock and the generated files are written here; free space or fix its permissions"),
        );
    }
    for mp in dag {
        let ctx = session.key_context(project, mp.kind);
        let module = &ctx.graph.modules[&mp.name];
        if let Err(e) = materialize::check_output(module, ctx.generated_dir) {
            problems.extend(e.diagnostics().into_iter().map(|d| Diagnostic {
                code: Code::Generate,
                message: format!("{}: {}", mp.name, d.message),
                ..d
            }));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        problems.push(Diagnostic::new(
            Code::Generate,
            format!(
                "no model call was made: {} module(s) would have been generated",
                dag.len()
            ),
        ));
        Err(JauntError::Diagnostics(problems))
    }
}

/// Materializes every restore and rewrite of the plan, in parallel: each is
/// a store read and a synced file write, bound by I/O latency rather than
/// CPU, so up to `jobs` run at once. One result per planned module, `None`
/// for the modules that are not restored.
fn restore_all(
    project: &Project,
    session: &Session,
    plan: &Plan,
    jobs: usize,
) -> Vec<Option<std::result::Result<BuiltModule, NotRestored>>> {
    let restores = |mp: &ModulePlan| matches!(mp.status, Status::Restore | Status::Rewrite);
    if !plan.modules.iter().any(restores) {
        return plan.modules.iter().map(|_| None).collect();
    }
    let work = || {
        plan.modules
            .par_iter()
            .map(|mp| {
                if !restores(mp) {
                    return None;
                }
                let ctx = session.key_context(project, mp.kind);
                let module = &ctx.graph.modules[&mp.name];
                Some(materialize_known(session, &ctx, module, mp))
            })
            .collect()
    };
    match rayon::ThreadPoolBuilder::new()
        .num_threads(jobs.max(1))
        .build()
    {
        Ok(pool) => pool.install(work),
        Err(_) => work(),
    }
}

/// A fresh module as its dependents see it. Its interface comes from the
/// plan, or (when the plan could not tell) from its file on disk.
fn settle_fresh(session: &Session, mp: &ModulePlan) -> Result<BuiltModule> {
    if let Some(b) = mp.built() {
        return Ok(b);
    }
    let inputs = mp.inputs.expect("planned with a known inputs key");
    let artifact = mp.artifact.expect("planned with a known artifact");
    let body = artifact_body(session, &mp.output, &artifact)?;
    Ok(BuiltModule {
        inputs,
        artifact,
        interface: interface_of(&body),
        stub: mp.stub,
    })
}

pub(crate) fn interface_of(body: &str) -> InterfaceDigest {
    InterfaceDigest(crate::python::extract(body).digest)
}

/// The body of `artifact`: from the store, or else from the intact
/// generated file at `output`, which is then kept in the store (a file that
/// was paid for is never paid for twice).
fn artifact_body(session: &Session, output: &Path, artifact: &ArtifactDigest) -> Result<String> {
    if let Some(bytes) = session
        .store
        .get_artifact(artifact)
        .map_err(JauntError::from)?
    {
        return String::from_utf8(bytes)
            .map_err(|_| JauntError::other(format!("artifact {artifact} is not UTF-8")));
    }
    let body = DiskState::intact_body(output, artifact).ok_or_else(|| {
        JauntError::other(format!(
            "artifact {artifact} is neither in the store nor intact at {}",
            output.display()
        ))
    })?;
    session
        .store
        .put_artifact(body.as_bytes())
        .map_err(JauntError::from)?;
    Ok(body)
}

/// Why a planned restore or rewrite did not happen.
enum NotRestored {
    /// The artifact is gone or failed its check: generate instead.
    Missing(JauntError),
    /// Writing failed (a full disk, a file in the way): generating would
    /// fail the same way after paying for the call, so the module fails.
    Unwritable(JauntError),
}

/// Writes a restore or rewrite, from the store or the intact file on disk
/// (which is then kept in the store), and records its action entry.
/// Returns the module as its dependents see it.
fn materialize_known(
    session: &Session,
    ctx: &KeyContext<'_>,
    module: &ModuleNode,
    mp: &ModulePlan,
) -> std::result::Result<BuiltModule, NotRestored> {
    let inputs = mp.inputs.expect("planned with a known inputs key");
    let artifact = mp.artifact.expect("planned with a known artifact");
    let body = known_body(session, mp, &artifact).map_err(NotRestored::Missing)?;
    let interface = interface_of(&body);
    let written = record_action(session, inputs, artifact, interface, None)
        .and_then(|()| {
            materialize::write_module(
                module,
                ctx.generated_dir,
                inputs,
                &body,
                &session.edits,
                Replace::JauntsOnly,
            )
        })
        .and_then(|()| stub_of(ctx, module, &body, &artifact));
    let stub = written.map_err(NotRestored::Unwritable)?;
    Ok(BuiltModule {
        inputs,
        artifact,
        interface,
        stub,
    })
}

/// The body a restore or rewrite writes.
fn known_body(session: &Session, mp: &ModulePlan, artifact: &ArtifactDigest) -> Result<String> {
    match mp.source {
        Source::Disk => artifact_body(session, &mp.output, artifact),
        Source::Store => {
            let body = session
                .store
                .get_artifact(artifact)
                .map_err(JauntError::from)?
                .ok_or_else(|| {
                    JauntError::other(format!("artifact {artifact} missing from the store"))
                })?;
            String::from_utf8(body)
                .map_err(|_| JauntError::other(format!("artifact {artifact} is not UTF-8")))
        }
    }
}

/// Writes the module's `.pyi` stub when the project emits them.
fn stub_of(
    ctx: &KeyContext<'_>,
    module: &ModuleNode,
    body: &str,
    artifact: &ArtifactDigest,
) -> Result<Option<StubRecord>> {
    if ctx.emit_stubs {
        materialize::write_stub(module, body, artifact)
    } else {
        Ok(None)
    }
}

/// Keeps `body` as what `inputs` generated for `module`: the artifact in
/// the store, its action entry, the generated file and its `.pyi` stub.
/// `apply` calls it with a model's answer and `jaunt migrate` with the body
/// of a file it adopts, so an adopted module is recorded exactly as a
/// generated one. Returns the module as its dependents see it.
pub(crate) fn keep_generated(
    session: &Session,
    ctx: &KeyContext<'_>,
    module: &ModuleNode,
    inputs: InputsKey,
    body: &str,
    usage: Option<Usage>,
    replace: Replace,
) -> Result<BuiltModule> {
    let artifact = session
        .store
        .put_artifact(body.as_bytes())
        .map_err(JauntError::from)?;
    let interface = interface_of(body);
    record_action(session, inputs, artifact, interface, usage)?;
    materialize::write_module(
        module,
        ctx.generated_dir,
        inputs,
        body,
        &session.edits,
        replace,
    )?;
    let stub = stub_of(ctx, module, body, &artifact)?;
    Ok(BuiltModule {
        inputs,
        artifact,
        interface,
        stub,
    })
}

/// Records that `inputs` built `artifact`, keeping an entry the store
/// already has (from the remote, say) rather than writing a new one.
fn record_action(
    session: &Session,
    inputs: InputsKey,
    artifact: ArtifactDigest,
    interface: InterfaceDigest,
    usage: Option<Usage>,
) -> Result<()> {
    let store = &session.store;
    if let Some(found) = store
        .find_action(&inputs)
        .ok()
        .flatten()
        .filter(|a| a.artifact == artifact)
    {
        return store.keep_action(&inputs, &found).map_err(JauntError::from);
    }
    let entry = ActionEntry {
        artifact,
        interface: Some(interface),
        generator: format!("{}/{}", session.generator.backend, session.generator.model),
        usage,
        created: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
        signature: None,
    };
    session
        .store
        .put_action(&inputs, &entry)
        .map_err(JauntError::from)
}

/// One module that finished on the DAG.
struct Built {
    module: BuiltModule,
    how: Status,
}

/// Why a module on the DAG failed: the messages to report.
struct Failure {
    errors: Vec<String>,
    /// No model call was made: the budget was reached first.
    over_budget: bool,
}

impl Failure {
    fn new(errors: Vec<String>) -> Failure {
        Failure {
            errors,
            over_budget: false,
        }
    }
}

impl From<JauntError> for Failure {
    fn from(e: JauntError) -> Failure {
        Failure::new(vec![e.to_string()])
    }
}

/// The modules to generate (and those pending on them), with what every
/// worker shares: the run's settings, its generator and its tallies.
struct DagRun<'a> {
    project: &'a Project,
    session: &'a Session,
    opts: &'a ApplyOptions,
    generator: &'a dyn Generator,
    /// `[llm] max_cost_per_build`, asked before every model call.
    budget: Option<&'a Budget>,
    /// `[build] check_generated_imports`.
    imports: Option<&'a ImportCheck>,
    progress: &'a (dyn Fn(Event<'_>) + Sync),
    dag: Vec<&'a ModulePlan>,
    contexts: HashMap<SpecKind, KeyContext<'a>>,
    /// Modules built so far, read by dependents for their inputs keys.
    built: Mutex<BuiltModules>,
    calls: AtomicU64,
    usage: Mutex<BTreeMap<String, Usage>>,
}

impl DagRun<'_> {
    /// Runs the DAG and adds its results to `report`; returns every module
    /// built, including those known before it started.
    fn run(self, cancel: &AtomicBool, report: &mut ApplyReport) -> BuiltModules {
        let index: HashMap<(SpecKind, &ModuleName), usize> = self
            .dag
            .iter()
            .enumerate()
            .map(|(i, m)| ((m.kind, &m.name), i))
            .collect();
        let deps: Vec<Vec<usize>> = self
            .dag
            .iter()
            .map(|m| {
                let ctx = &self.contexts[&m.kind];
                ctx.dep_modules(&ctx.graph.modules[&m.name])
                    .filter_map(|d| index.get(&(m.kind, d)).copied())
                    .collect()
            })
            .collect();
        (self.progress)(Event::Start {
            total: self.dag.len(),
        });
        let jobs = self.opts.jobs.unwrap_or(self.project.config.build.jobs);
        let mut outcomes = Vec::new();
        scheduler::run(
            self.dag.len(),
            &deps,
            jobs,
            cancel,
            |i| self.work(self.dag[i]),
            |i, outcome| outcomes.push((i, outcome)),
        );
        report.model_calls += self.calls.load(Ordering::SeqCst);
        let per_module = self.usage.into_inner().unwrap_or_else(|e| e.into_inner());
        for u in per_module.values() {
            report.usage += *u;
        }
        report.module_usage.extend(per_module);
        // Outcomes come in the order they happened: a module stopped by the
        // budget before the modules skipped because of it.
        let mut over_budget = vec![false; self.dag.len()];
        for (i, outcome) in outcomes {
            let name = self.dag[i].name.to_string();
            match outcome {
                scheduler::Outcome::Done(b) => match b.how {
                    Status::Generate => report.generated.push(name),
                    Status::Restore => report.restored.push(name),
                    Status::Rewrite => report.rewritten.push(name),
                    _ => report.fresh.push(name),
                },
                scheduler::Outcome::Failed(f) if f.over_budget => {
                    over_budget[i] = true;
                    report.over_budget.push(name);
                }
                scheduler::Outcome::Failed(f) => {
                    report.failed.insert(name, f.errors);
                }
                scheduler::Outcome::Skipped(d) if over_budget[d] => {
                    over_budget[i] = true;
                    report.over_budget.push(name);
                }
                scheduler::Outcome::Skipped(d) => {
                    report.failed.insert(
                        name,
                        vec![format!("dependency failed: {}", self.dag[d].name)],
                    );
                }
                scheduler::Outcome::Cancelled => report.cancelled.push(name),
            }
        }
        self.built.into_inner().unwrap_or_else(|e| e.into_inner())
    }

    /// One module on a worker, with progress events around it.
    fn work(&self, mp: &ModulePlan) -> Result<Built, Failure> {
        (self.progress)(Event::Began(&mp.name));
        let result = self.build_one(mp);
        if let Ok(b) = &result {
            self.built.lock().unwrap_or_else(|e| e.into_inner()).insert(
                mp.kind,
                mp.name.clone(),
                b.module,
            );
        }
        (self.progress)(Event::Finished {
            module: &mp.name,
            outcome: match &result {
                Ok(b) => Finished::Built(b.how),
                Err(_) => Finished::Failed,
            },
        });
        result
    }

    /// With its dependencies built, a module may turn out fresh or
    /// restorable (early cutoff); otherwise it is generated.
    fn build_one(&self, mp: &ModulePlan) -> Result<Built, Failure> {
        let ctx = &self.contexts[&mp.kind];
        let module = &ctx.graph.modules[&mp.name];
        let deps: HashMap<ModuleName, BuiltModule> = {
            let built = self.built.lock().unwrap_or_else(|e| e.into_inner());
            ctx.dep_modules(module)
                .filter_map(|d| built.get(mp.kind, d).map(|b| (d.clone(), *b)))
                .collect()
        };
        let inputs = ctx
            .inputs(module, &deps)
            .ok_or_else(|| Failure::new(vec!["a dependency is not built".into()]))?;
        if !self.opts.force {
            // Its key is known now: plan it as `plan` would have, with the
            // same rules, and generate only if nothing on disk or in the
            // store fits.
            let planned = self
                .session
                .planner(self.project, !self.opts.targets.is_empty())
                .plan_module(ctx, module, inputs, mp.output.clone(), &deps);
            let usable = match planned.status {
                Status::Fresh => settle_fresh(self.session, &planned).ok(),
                // A corrupt or vanished store object falls through to
                // generation; a failed write fails the module.
                Status::Restore | Status::Rewrite => {
                    match materialize_known(self.session, ctx, module, &planned) {
                        Ok(built) => Some(built),
                        Err(NotRestored::Missing(_)) => None,
                        Err(NotRestored::Unwritable(e)) => return Err(e.into()),
                    }
                }
                _ => None,
            };
            if let Some(built) = usable {
                return Ok(Built {
                    module: built,
                    how: planned.status,
                });
            }
        }
        if self.opts.offline {
            return Err(Failure::new(vec!["--offline: needs a model call".into()]));
        }
        let shown = StoredDependencies {
            session: self.session,
            ctx,
            built: &deps,
        };
        let request = request::assemble(ctx, &self.project.discovery.files, module, &shown)?;
        let allowed = match self.imports {
            Some(imports) => {
                let spec = std::fs::read_to_string(&module.path)
                    .map_err(|e| JauntError::io(format!("reading {}", module.path.display()), e))?;
                Some(imports.for_module(&request, &spec, module.is_package))
            }
            None => None,
        };
        let check = |source: &str| match (self.imports, &allowed) {
            (Some(imports), Some(allowed)) => imports.check(source, allowed),
            _ => Vec::new(),
        };
        let result = generate::generate_with_retry(
            self.generator,
            &self.session.prompts,
            &request,
            &Attempts {
                max: self.project.config.build.max_attempts,
                check: Some(&check),
                budget: self.budget,
            },
        );
        if let Some(warning) = self.imports.and_then(ImportCheck::take_warning) {
            (self.progress)(Event::Warning(&warning));
        }
        let output = match result {
            Ok(out) => out,
            Err(f) => {
                self.spent(&module.name, f.attempts, f.usage);
                return Err(Failure {
                    over_budget: f.over_budget && f.attempts == 0,
                    errors: f.errors,
                });
            }
        };
        self.spent(
            &module.name,
            output.attempts,
            output.usage.unwrap_or_default(),
        );
        let built = keep_generated(
            self.session,
            ctx,
            module,
            inputs,
            &output.source,
            output.usage,
            Replace::JauntsOnly,
        )?;
        Ok(Built {
            module: built,
            how: Status::Generate,
        })
    }

    /// Counts a module's model calls and tokens.
    fn spent(&self, module: &ModuleName, attempts: u32, spent: Usage) {
        self.calls.fetch_add(u64::from(attempts), Ordering::SeqCst);
        if spent == Usage::default() {
            return;
        }
        let mut all = self.usage.lock().unwrap_or_else(|e| e.into_inner());
        *all.entry(module.to_string()).or_default() += spent;
    }
}

/// Dependency modules as a request shows them: each built dependency's
/// interface as stub text (or, with `dependency_context = "source"`, its
/// whole body), read from its artifact.
struct StoredDependencies<'a> {
    session: &'a Session,
    ctx: &'a KeyContext<'a>,
    built: &'a HashMap<ModuleName, BuiltModule>,
}

impl DependencyText for StoredDependencies<'_> {
    fn text(&self, module: &ModuleName) -> Result<Option<DependencyModule>> {
        let Some(dep) = self.built.get(module) else {
            return Ok(None);
        };
        let output = genfile::output_path(&self.ctx.graph.modules[module], self.ctx.generated_dir);
        let body = artifact_body(self.session, &output, &dep.artifact)?;
        Ok(Some(match self.ctx.dependency_context {
            DependencyContext::Interface => {
                let interface = crate::python::extract(&body);
                // The key hashed `dep.interface`: the request must show
                // exactly that interface, not a byte more or less.
                if InterfaceDigest(interface.digest) != dep.interface {
                    return Err(JauntError::other(format!(
                        "the interface of dependency {module} does not match the one its dependents are keyed on (jaunt.lock or the store disagrees with artifact {})",
                        dep.artifact
                    )));
                }
                DependencyModule::interface(module.clone(), interface.stub)
            }
            DependencyContext::Source => DependencyModule::source(module.clone(), body),
        }))
    }
}

/// Writes the next lockfile unless it says what the current one says, then
/// records in the store that this project pins it (for `store gc` run
/// elsewhere); returns whether the lockfile changed.
pub(crate) fn write_lock(lock: &LockInputs<'_>, built: &BuiltModules) -> Result<bool> {
    let next = next_lock(lock, built);
    // Comparing values is far cheaper than rendering TOML; an unchanged
    // lockfile (the no-op apply) is never rendered.
    let changed = lock.session.lock.as_ref() != Some(&next)
        && {
            let path = lock.project.config.lock_path();
            next.write(&path).map_err(|e| {
            JauntError::from(
                Diagnostic::new(Code::Generate, format!("cannot write jaunt.lock: {e}"))
                    .at(&path, None)
                    .hint("free space or fix permissions and run `jaunt apply` again: the generated files written are kept, and it adopts them without a model call"),
            )
        })?
        };
    crate::ops::store::record_use(&lock.project.config, lock.session.store.local(), &next);
    Ok(changed)
}
