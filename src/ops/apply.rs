//! `jaunt apply`: carry out the plan.
//!
//! Restores, rewrites and removals never call a model. Modules to generate
//! (and those pending on them) run on the DAG scheduler; each one's inputs
//! key is computed when its dependencies are done, so a dependency rebuilt
//! to identical bytes leaves it fresh (early cutoff). Every finished module
//! is in the store before the lockfile is written, once, at the end: a
//! killed run loses nothing it finished.

use crate::digest::Digest;
use crate::error::{JauntError, Result};
use crate::exec::{materialize, scheduler};
use crate::generate::{self, DependencyApi, DependencyModule, Generator, Request, RequestSpec};
use crate::genfile;
use crate::graph::ModuleNode;
use crate::lock::{LockModule, Lockfile};
use crate::names::{ModuleName, SpecKind};
use crate::ops::project::Project;
use crate::ops::session::Session;
use crate::plan::{KeyContext, ModulePlan, Plan, Source, Status};
use crate::store::{ActionEntry, Usage};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
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

/// What apply did, in DESIGN.md's `--json` shape.
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
    pub lock_changed: bool,
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
        status: &'a str,
    },
    /// A problem that does not fail the run (a library skill not written).
    Warning(&'a str),
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
    // Skills first: their digests are part of the inputs keys planned next.
    let (skills, skill_spent) = if opts.no_skills {
        Default::default()
    } else {
        let warn = |w: &str| progress(Event::Warning(w));
        crate::skills::prepare(&project.config, &project.discovery, opts.offline, &warn)
    };
    let _ = session.skills.set(skills);
    let mut plan = session.plan(project, kinds, !opts.targets.is_empty());
    if opts.force {
        force(&mut plan, &opts.targets);
    }
    gate(project, session, &plan, opts)?;
    // A run that writes to the store first removes what killed runs left
    // there; a no-op apply writes nothing and skips the directory scan.
    if !plan.all_fresh() {
        session.store.sweep_temps();
    }
    let mut report = ApplyReport {
        model_calls: skill_spent.calls,
        usage: skill_spent.usage,
        ..ApplyReport::default()
    };
    let mut built: HashMap<(SpecKind, ModuleName), (Digest, Digest)> = HashMap::new();
    let mut dag: Vec<&ModulePlan> = Vec::new();
    let jobs = opts.jobs.unwrap_or(project.config.build.jobs);
    let restored = restore_all(project, session, &plan, jobs);
    for (mp, restored) in plan.modules.iter().zip(restored) {
        match mp.status {
            Status::Fresh => {
                report.fresh.push(mp.name.to_string());
                built.insert(
                    (mp.kind, mp.name.clone()),
                    (known(mp.inputs), known(mp.artifact)),
                );
            }
            Status::Restore | Status::Rewrite => match restored {
                Some(Ok(())) => {
                    let list = if mp.status == Status::Restore {
                        &mut report.restored
                    } else {
                        &mut report.rewritten
                    };
                    list.push(mp.name.to_string());
                    built.insert(
                        (mp.kind, mp.name.clone()),
                        (known(mp.inputs), known(mp.artifact)),
                    );
                }
                // A corrupt or vanished store object: generate instead.
                Some(Err(_)) if !opts.offline => dag.push(mp),
                Some(Err(e)) => {
                    report
                        .failed
                        .insert(mp.name.to_string(), vec![e.to_string()]);
                }
                None => {}
            },
            Status::Remove => {
                if materialize::remove(&mp.output)? {
                    report.removed.push(mp.name.to_string());
                }
            }
            Status::Generate | Status::Pending => dag.push(mp),
        }
    }
    if !dag.is_empty() {
        let generator = generate::backend_from_config(&project.config)?;
        run_dag(
            project,
            session,
            generator.as_ref(),
            &dag,
            &mut built,
            &mut report,
            opts,
            cancel,
            progress,
        );
    }
    report.lock_changed = write_lock(project, session, kinds, &built, &plan, opts)?;
    for list in [
        &mut report.generated,
        &mut report.restored,
        &mut report.rewritten,
        &mut report.fresh,
        &mut report.removed,
        &mut report.cancelled,
    ] {
        list.sort();
    }
    Ok(report)
}

fn known(d: Option<Digest>) -> Digest {
    d.expect("planned with a known digest")
}

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
fn gate(project: &Project, session: &Session, plan: &Plan, opts: &ApplyOptions) -> Result<()> {
    let needs: Vec<String> = plan
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
        return Err(JauntError::Gate(format!(
            "--offline: {} module(s) would need a model call:\n{}\n  hint: run `jaunt apply` with model access, or fill the store from a machine that has these artifacts",
            needs.len(),
            needs.join("\n")
        )));
    }
    if opts.locked {
        if !needs.is_empty() {
            return Err(JauntError::Gate(format!(
                "--locked: jaunt.lock would change; {} module(s) need generation:\n{}\n  hint: run `jaunt apply` and commit jaunt.lock",
                needs.len(),
                needs.join("\n")
            )));
        }
        let kinds: Vec<SpecKind> = plan.modules.iter().map(|m| m.kind).collect();
        let next = lock_after(project, session, &kinds, plan, !opts.targets.is_empty());
        let current = session.lock.as_ref().map(Lockfile::render);
        if current.as_deref() != Some(next.render().as_str()) {
            return Err(JauntError::Gate(
                "--locked: jaunt.lock would change (it is missing or out of date)\n  hint: run `jaunt apply` and commit jaunt.lock".into(),
            ));
        }
    }
    Ok(())
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
) -> Vec<Option<Result<()>>> {
    let work = || {
        plan.modules
            .par_iter()
            .map(|mp| {
                if !matches!(mp.status, Status::Restore | Status::Rewrite) {
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

/// Writes a restore or rewrite from the store (or adopts the intact file
/// on disk into the store).
fn materialize_known(
    session: &Session,
    ctx: &KeyContext<'_>,
    module: &ModuleNode,
    mp: &ModulePlan,
) -> Result<()> {
    let inputs = known(mp.inputs);
    let artifact = known(mp.artifact);
    if mp.source == Source::Disk {
        let text = std::fs::read_to_string(&mp.output)
            .map_err(|e| JauntError::io(format!("reading {}", mp.output.display()), e))?;
        let (_, body) = genfile::parse(&text)
            .ok_or_else(|| JauntError::Other(format!("{} lost its header", mp.output.display())))?;
        session
            .store
            .put_artifact(body.as_bytes())
            .map_err(JauntError::from)?;
        record_action(session, inputs, artifact, None)?;
        return Ok(());
    }
    let body = session
        .store
        .get_artifact(&artifact)
        .map_err(JauntError::from)?
        .ok_or_else(|| JauntError::Other(format!("artifact {artifact} missing from the store")))?;
    let body = String::from_utf8(body)
        .map_err(|_| JauntError::Other(format!("artifact {artifact} is not UTF-8")))?;
    if mp.status == Status::Restore {
        record_action(session, inputs, artifact, None)?;
    }
    materialize::write_module(module, ctx.generated_dir, inputs, &body)
}

fn record_action(
    session: &Session,
    inputs: Digest,
    artifact: Digest,
    usage: Option<Usage>,
) -> Result<()> {
    if session
        .store
        .get_action(&inputs)
        .ok()
        .flatten()
        .is_some_and(|a| a.artifact == artifact)
    {
        return Ok(());
    }
    let entry = ActionEntry {
        artifact,
        generator: format!("{}/{}", session.generator.backend, session.generator.model),
        usage,
        created: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
    };
    session
        .store
        .put_action(&inputs, &entry)
        .map_err(JauntError::from)
}

/// How one DAG node ended.
struct Built {
    inputs: Digest,
    artifact: Digest,
    how: Status,
}

struct Failure {
    errors: Vec<String>,
}

#[allow(clippy::too_many_arguments)]
fn run_dag(
    project: &Project,
    session: &Session,
    generator: &dyn Generator,
    dag: &[&ModulePlan],
    built: &mut HashMap<(SpecKind, ModuleName), (Digest, Digest)>,
    report: &mut ApplyReport,
    opts: &ApplyOptions,
    cancel: &AtomicBool,
    progress: &(dyn Fn(Event<'_>) + Sync),
) {
    let index: HashMap<(SpecKind, &ModuleName), usize> = dag
        .iter()
        .enumerate()
        .map(|(i, m)| ((m.kind, &m.name), i))
        .collect();
    let contexts: HashMap<SpecKind, KeyContext<'_>> = dag
        .iter()
        .map(|m| (m.kind, session.key_context(project, m.kind)))
        .collect();
    let deps: Vec<Vec<usize>> = dag
        .iter()
        .map(|m| {
            let ctx = &contexts[&m.kind];
            ctx.dep_modules(&ctx.graph.modules[&m.name])
                .filter_map(|d| index.get(&(m.kind, d)).copied())
                .collect()
        })
        .collect();
    let artifacts: Mutex<HashMap<(SpecKind, ModuleName), (Digest, Digest)>> =
        Mutex::new(built.clone());
    let calls = AtomicU64::new(0);
    let usage: Mutex<BTreeMap<String, Usage>> = Mutex::new(BTreeMap::new());
    progress(Event::Start { total: dag.len() });
    let jobs = opts.jobs.unwrap_or(project.config.build.jobs);
    let mut outcomes: Vec<(usize, scheduler::Outcome<Result<Built, Failure>>)> = Vec::new();
    scheduler::run(
        dag.len(),
        &deps,
        jobs,
        cancel,
        |i| {
            let mp = dag[i];
            progress(Event::Began(&mp.name));
            let ctx = &contexts[&mp.kind];
            let module = &ctx.graph.modules[&mp.name];
            let arts: HashMap<ModuleName, Digest> = {
                let all = artifacts.lock().unwrap_or_else(|e| e.into_inner());
                ctx.dep_modules(module)
                    .filter_map(|d| all.get(&(mp.kind, d.clone())).map(|(_, a)| (d.clone(), *a)))
                    .collect()
            };
            let result = build_one(
                project, session, generator, ctx, module, mp, &arts, opts, &calls, &usage,
            );
            let status = match &result {
                Ok(b) => b.how.as_str(),
                Err(_) => "failed",
            };
            if let Ok(b) = &result {
                artifacts
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert((mp.kind, mp.name.clone()), (b.inputs, b.artifact));
            }
            progress(Event::Finished {
                module: &mp.name,
                status,
            });
            match result {
                Ok(b) => Ok(Ok(b)),
                Err(f) => Err(Err(f)),
            }
        },
        |i, outcome| outcomes.push((i, outcome)),
    );
    report.model_calls += calls.load(Ordering::SeqCst);
    let per_module = usage.into_inner().unwrap_or_else(|e| e.into_inner());
    for u in per_module.values() {
        report.usage += *u;
    }
    report.module_usage.extend(per_module);
    for (i, outcome) in outcomes {
        let mp = dag[i];
        let name = mp.name.to_string();
        match outcome {
            scheduler::Outcome::Done(Ok(b)) => {
                built.insert((mp.kind, mp.name.clone()), (b.inputs, b.artifact));
                match b.how {
                    Status::Generate => report.generated.push(name),
                    Status::Restore => report.restored.push(name),
                    Status::Rewrite => report.rewritten.push(name),
                    _ => report.fresh.push(name),
                }
            }
            scheduler::Outcome::Failed(Err(f)) => {
                report.failed.insert(name, f.errors);
            }
            scheduler::Outcome::Skipped(d) => {
                report
                    .failed
                    .insert(name, vec![format!("dependency failed: {}", dag[d].name)]);
            }
            scheduler::Outcome::Cancelled => report.cancelled.push(name),
            scheduler::Outcome::Done(Err(_)) | scheduler::Outcome::Failed(Ok(_)) => {}
        }
    }
}

/// One module on a worker: with its dependencies known, it may turn out
/// fresh or restorable (early cutoff); otherwise it is generated.
#[allow(clippy::too_many_arguments)]
fn build_one(
    project: &Project,
    session: &Session,
    generator: &dyn Generator,
    ctx: &KeyContext<'_>,
    module: &ModuleNode,
    mp: &ModulePlan,
    arts: &HashMap<ModuleName, Digest>,
    opts: &ApplyOptions,
    calls: &AtomicU64,
    usage: &Mutex<BTreeMap<String, Usage>>,
) -> Result<Built, Failure> {
    let fail = |e: JauntError| Failure {
        errors: vec![e.to_string()],
    };
    let inputs = ctx.inputs(module, arts).ok_or_else(|| Failure {
        errors: vec!["a dependency has no artifact".into()],
    })?;
    if !opts.force {
        // Its key is known now: plan it as `plan` would have, with the same
        // rules, and generate only if nothing on disk or in the store fits.
        let planned = session
            .planner(project, !opts.targets.is_empty())
            .plan_module(ctx, module, inputs, mp.output.clone(), arts);
        let usable = match planned.status {
            Status::Fresh => true,
            // A corrupt or vanished store object falls through to generation.
            Status::Restore | Status::Rewrite => {
                materialize_known(session, ctx, module, &planned).is_ok()
            }
            _ => false,
        };
        if let (true, Some(artifact)) = (usable, planned.artifact) {
            return Ok(Built {
                inputs,
                artifact,
                how: planned.status,
            });
        }
    }
    if opts.offline {
        return Err(Failure {
            errors: vec!["--offline: needs a model call".into()],
        });
    }
    let request = request_for(project, session, ctx, module, arts).map_err(fail)?;
    let result = generate::generate_with_retry(
        generator,
        &session.prompts,
        &request,
        project.config.build.max_attempts,
    );
    let (output, attempts) = match result {
        Ok(out) => {
            let n = out.attempts;
            (out, n)
        }
        Err(f) => {
            calls.fetch_add(u64::from(f.attempts), Ordering::SeqCst);
            add_usage(usage, &module.name, f.usage);
            return Err(Failure { errors: f.errors });
        }
    };
    calls.fetch_add(u64::from(attempts), Ordering::SeqCst);
    add_usage(usage, &module.name, output.usage.unwrap_or_default());
    let artifact = session
        .store
        .put_artifact(output.source.as_bytes())
        .map_err(|e| fail(e.into()))?;
    record_action(session, inputs, artifact, output.usage).map_err(fail)?;
    materialize::write_module(module, ctx.generated_dir, inputs, &output.source).map_err(fail)?;
    Ok(Built {
        inputs,
        artifact,
        how: Status::Generate,
    })
}

fn add_usage(usage: &Mutex<BTreeMap<String, Usage>>, module: &ModuleName, spent: Usage) {
    if spent == Usage::default() {
        return;
    }
    let mut all = usage.lock().unwrap_or_else(|e| e.into_inner());
    *all.entry(module.to_string()).or_default() += spent;
}

/// The request for one module: its specs verbatim, its dependencies' spec
/// sources and their generated modules (3A).
fn request_for(
    project: &Project,
    session: &Session,
    ctx: &KeyContext<'_>,
    module: &ModuleNode,
    arts: &HashMap<ModuleName, Digest>,
) -> Result<Request> {
    let mut sources: HashMap<&ModuleName, String> = HashMap::new();
    let mut source_of = |r: &crate::names::SpecRef, range: (u32, u32)| -> Result<String> {
        if !sources.contains_key(&r.module) {
            let file = &project.discovery.files[&r.module];
            let text = std::fs::read_to_string(&file.path)
                .map_err(|e| JauntError::io(format!("reading {}", file.path.display()), e))?;
            sources.insert(&project.discovery.files[&r.module].module, text);
        }
        let text = &sources[&r.module];
        Ok(text
            .get(range.0 as usize..range.1 as usize)
            .unwrap_or_default()
            .to_string())
    };
    let mut specs = Vec::new();
    for r in &module.specs {
        let node = &ctx.graph.specs[r];
        specs.push(RequestSpec {
            spec_ref: r.clone(),
            qualname: r.qualname.clone(),
            kind: node.def_kind,
            source: source_of(r, node.byte_range)?,
            prompt: node.prompt.clone(),
        });
    }
    let mut dependency_apis = Vec::new();
    for (r, _) in ctx.dependency_apis(module) {
        let node = ctx
            .graph
            .specs
            .get(&r)
            .or_else(|| ctx.graph.external.get(&r));
        if let Some(node) = node {
            dependency_apis.push(DependencyApi {
                spec_ref: r.clone(),
                source: source_of(&r, node.byte_range)?,
            });
        }
    }
    let mut dependency_modules = Vec::new();
    for d in ctx.dep_modules(module) {
        let Some(artifact) = arts.get(d) else {
            continue;
        };
        let body = session
            .store
            .get_artifact(artifact)
            .map_err(JauntError::from)?
            .ok_or_else(|| {
                JauntError::Other(format!("artifact of dependency {d} missing from the store"))
            })?;
        dependency_modules.push(DependencyModule {
            module: d.clone(),
            source: String::from_utf8_lossy(&body).into_owned(),
        });
    }
    Ok(Request {
        kind: module.kind,
        spec_module: module.name.clone(),
        generated_module: genfile::generated_module(module, ctx.generated_dir),
        expected_names: module.specs.iter().map(|r| r.qualname.clone()).collect(),
        specs,
        dependency_apis,
        dependency_modules,
        skills: ctx.skills.render(&module.name),
    })
}

/// The lockfile as it would be if the plan were carried out without any
/// generation: what `--locked` and `check` compare against.
pub fn lock_after(
    project: &Project,
    session: &Session,
    kinds: &[SpecKind],
    plan: &Plan,
    targeted: bool,
) -> Lockfile {
    let mut built = HashMap::new();
    for m in &plan.modules {
        if let (Some(i), Some(a)) = (m.inputs, m.artifact) {
            built.insert((m.kind, m.name.clone()), (i, a));
        }
    }
    next_lock(project, session, kinds, &built, plan, targeted)
}

/// The lockfile after this run: every built module's entry; failed and
/// untouched (`--target`) modules keep their old entries; removed ones go.
fn next_lock(
    project: &Project,
    session: &Session,
    kinds: &[SpecKind],
    built: &HashMap<(SpecKind, ModuleName), (Digest, Digest)>,
    plan: &Plan,
    targeted: bool,
) -> Lockfile {
    let mut modules: BTreeMap<(ModuleName, SpecKind), LockModule> = BTreeMap::new();
    if let Some(old) = &session.lock {
        // Old entries survive for modules this run did not build (failed,
        // outside the --target set); built ones are replaced below.
        for e in &old.modules {
            if !built.contains_key(&(e.kind, e.name.clone())) {
                modules.insert((e.name.clone(), e.kind), e.clone());
            }
        }
    }
    for m in &plan.modules {
        if m.status == Status::Remove {
            modules.remove(&(m.name.clone(), m.kind));
        }
    }
    if !targeted {
        modules.retain(|(name, kind), _| {
            !kinds.contains(kind) || project.graph(*kind).modules.contains_key(name)
        });
    }
    for ((kind, name), (inputs, artifact)) in built {
        let ctx = session.key_context(project, *kind);
        if let Some(m) = ctx.graph.modules.get(name) {
            modules.insert(
                (name.clone(), *kind),
                ctx.lock_entry(m, &project.config.root, *inputs, *artifact),
            );
        }
    }
    Lockfile {
        generator: session.generator.clone(),
        modules: modules.into_values().collect(),
        skills: session
            .skills(project)
            .lock_entries(session.lock.as_ref().map_or(&[], |l| &l.skills), targeted),
    }
}

fn write_lock(
    project: &Project,
    session: &Session,
    kinds: &[SpecKind],
    built: &HashMap<(SpecKind, ModuleName), (Digest, Digest)>,
    plan: &Plan,
    opts: &ApplyOptions,
) -> Result<bool> {
    let next = next_lock(
        project,
        session,
        kinds,
        built,
        plan,
        !opts.targets.is_empty(),
    );
    // Comparing values is far cheaper than rendering TOML; an unchanged
    // lockfile (the no-op apply) is never rendered.
    if session.lock.as_ref() == Some(&next) {
        return Ok(false);
    }
    let path = project.config.lock_path();
    next.write(&path)
        .map_err(|e| JauntError::io(format!("writing {}", path.display()), e))
}
