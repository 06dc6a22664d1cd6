//! Contract batteries: deriving them (`apply`, `reconcile`), checking them
//! (`check`), running them (`check`, `test`) (docs/contracts.md).

use crate::contract::doc::{self, ContractDoc};
use crate::contract::{Assessment, Drift, assess, battery};
use crate::digest::ArtifactDigest;
use crate::error::{Code, Diagnostic, JauntError, Result};
use crate::fsutil::{is_inside, read_regular_string, write_atomic};
use crate::generate::{Attempts, Generator, Prompts, Request, RequestSpec, generate_with_retry};
use crate::genfile::{self, DiskState};
use crate::lock::{LockGenerator, Lockfile};
use crate::names::{DefKind, SpecKind, SpecRef};
use crate::ops::project::Project;
use crate::ops::test::pytest_command;
use crate::store::{ActionEntry, TieredStore};
use serde::Serialize;
use std::path::PathBuf;

/// What `reconcile` did: `jaunt reconcile --json` (`schema/reconcile.schema.json`).
#[derive(Clone, Debug, Default, Serialize)]
pub struct ReconcileReport {
    /// Batteries derived (written) in this run.
    pub derived: Vec<String>,
    /// Batteries written from the store: derived before for the same
    /// inputs key, so neither derivation nor a model call was needed.
    pub restored: Vec<String>,
    pub fresh: Vec<String>,
    /// Entries of contracts that are gone, and their batteries.
    pub removed: Vec<String>,
    /// Docstring lines derivation could not read, per contract
    /// (`Examples:` / `Raises:` lines not in a known shape): the model's
    /// to turn into tests, with the `Properties:` items.
    pub unparsed: Vec<String>,
    /// Model calls made: derivation from Examples/Raises needs none; a
    /// docstring line in no known shape, or a `Properties:` item under
    /// `derive = [..., "properties"]`, is the model's.
    pub model_calls: u64,
    /// Contracts whose model-written tests were rejected (invalid, or
    /// failing against the current code) on every attempt, with why.
    pub failed: std::collections::BTreeMap<String, Vec<String>>,
    pub lock_changed: bool,
}

/// Reads the contract's docstring from its file.
fn read_doc(project: &Project, a: &Assessment<'_>) -> Result<ContractDoc> {
    let path = project.config.root.join(&a.node.file);
    let source = read_regular_string(&path)
        .map_err(|e| JauntError::io(format!("reading {}", path.display()), e))?;
    let found =
        crate::python::read_contract(&source, &a.node.spec_ref.qualname).ok_or_else(|| {
            JauntError::from(
                Diagnostic::new(
                    Code::Discovery,
                    format!(
                        "{} no longer defines `{}`",
                        a.node.file, a.node.spec_ref.qualname
                    ),
                )
                .at(&path, None),
            )
        })?;
    Ok(doc::read_contract(
        &found,
        &project.config.contract.derive,
        crate::contract::subject(a.node),
    ))
}

/// The battery body for one contract, derived without a model.
pub fn derive(project: &Project, a: &Assessment<'_>) -> Result<(String, ContractDoc)> {
    let doc = read_doc(project, a)?;
    let body = battery::render(a.node, &doc, project.config.build.async_runner);
    Ok((body, doc))
}

/// Where a battery may be written: inside the project, and not over a file
/// jaunt did not write.
fn check_battery_path(project: &Project, a: &Assessment<'_>) -> Result<PathBuf> {
    let path = a.path(project);
    if !is_inside(&project.config.root, &path) {
        return Err(JauntError::from(
            Diagnostic::config(format!(
                "the battery of {} would be written outside the project: {}",
                a.node.spec_ref, a.battery
            ))
            .hint("[contract] battery_dir must be a directory inside the project"),
        ));
    }
    if DiskState::read(&path) == DiskState::Foreign {
        return Err(JauntError::from(
            Diagnostic::new(
                Code::Generate,
                format!(
                    "refusing to overwrite {}: it was not written by jaunt",
                    a.battery
                ),
            )
            .hint(format!(
                "move it elsewhere, or set [contract] battery_dir; the battery of {} goes there",
                a.node.spec_ref
            )),
        ));
    }
    Ok(path)
}

/// How `reconcile` runs.
#[derive(Clone, Copy, Debug, Default)]
pub struct ReconcileOptions {
    /// `--target`: contracts outside it are left alone, gone ones kept.
    pub targeted: bool,
    /// `--offline`: a battery that needs the model and is not in the store
    /// fails instead of calling it.
    pub offline: bool,
}

/// What an `--offline` contract that needs the model reports.
const OFFLINE_NEEDS_MODEL: &str =
    "--offline: its battery is not in the store and deriving it needs a model call";

/// Brings every missing or stale battery up to date, writes it with
/// jaunt's header, and records it in `jaunt.lock`: from the store when a
/// battery was derived before for the same inputs key (as a generated
/// module is restored), else derived and stored. Removes the entries and
/// batteries of contracts that are gone (not with `--target`). Reads
/// `jaunt.lock` from disk, so it runs after the modules' own apply has
/// written theirs.
pub fn reconcile(
    project: &Project,
    store: &TieredStore,
    generator: &LockGenerator,
    opts: ReconcileOptions,
) -> Result<ReconcileReport> {
    let lock_path = project.config.lock_path();
    let old = Lockfile::load(&lock_path)?;
    let mut next = old.clone().unwrap_or_else(|| Lockfile {
        generator: generator.clone(),
        modules: Vec::new(),
        skills: Vec::new(),
        contracts: Vec::new(),
    });
    let mut report = ReconcileReport::default();
    let assessed = assess(project, old.as_ref());
    let mut model: Option<(Box<dyn Generator>, Prompts)> = None;
    for a in &assessed {
        let name = a.node.spec_ref.to_string();
        if a.drift.is_empty() {
            report.fresh.push(name);
            continue;
        }
        let path = check_battery_path(project, a)?;
        if let Some((artifact, body)) = stored_battery(store, old.as_ref(), a) {
            record_battery(store, generator, a, artifact)?;
            write_battery(project, a, &path, artifact, &body)?;
            next.contracts.retain(|c| c.spec_ref != a.node.spec_ref);
            next.contracts.push(a.lock_entry(artifact));
            report.restored.push(name);
            continue;
        }
        let (body, doc) = derive(project, a)?;
        report.unparsed.extend(
            doc.unparsed
                .iter()
                .map(|u| format!("{name}: {} line {}: {}", u.place(), u.line, u.text)),
        );
        let lines = doc.model_lines();
        let body = if lines.is_empty() {
            body
        } else if opts.offline {
            report
                .failed
                .insert(name, vec![OFFLINE_NEEDS_MODEL.to_string()]);
            continue;
        } else {
            let model = match &model {
                Some(m) => m,
                None => model.insert((
                    crate::generate::backend_from_config(&project.config)?,
                    crate::generate::Prompts::load(&project.config)?,
                )),
            };
            let (answer, calls) = model_tests(project, a, &body, &lines, model);
            report.model_calls += calls;
            match answer {
                Ok(tests) => format!("{body}{tests}"),
                Err(errors) => {
                    report.failed.insert(name, errors);
                    continue;
                }
            }
        };
        let artifact = store
            .put_artifact(body.as_bytes())
            .map_err(|e| JauntError::other(e.to_string()))?;
        record_battery(store, generator, a, artifact)?;
        write_battery(project, a, &path, artifact, &body)?;
        next.contracts.retain(|c| c.spec_ref != a.node.spec_ref);
        next.contracts.push(a.lock_entry(artifact));
        report.derived.push(name);
    }
    if !opts.targeted {
        let live: Vec<&SpecRef> = assessed.iter().map(|a| &a.node.spec_ref).collect();
        let gone: Vec<_> = next
            .contracts
            .iter()
            .filter(|c| !live.contains(&&c.spec_ref))
            .cloned()
            .collect();
        for c in gone {
            let path = project.config.root.join(&c.battery);
            if matches!(
                DiskState::read(&path),
                DiskState::Intact(_) | DiskState::Edited(_)
            ) && is_inside(&project.config.root, &path)
            {
                std::fs::remove_file(&path)
                    .map_err(|e| JauntError::io(format!("removing {}", path.display()), e))?;
            }
            next.contracts.retain(|e| e.spec_ref != c.spec_ref);
            report.removed.push(c.spec_ref.to_string());
        }
    }
    let changed = old.as_ref() != Some(&next) && (old.is_some() || !next.contracts.is_empty());
    if changed {
        next.write(&lock_path).map_err(|e| {
            JauntError::from(
                Diagnostic::new(Code::Generate, format!("cannot write jaunt.lock: {e}"))
                    .at(&lock_path, None),
            )
        })?;
        crate::ops::store::record_use(&project.config, store.local(), &next);
    }
    report.lock_changed = changed;
    offline_gate(&report)?;
    Ok(report)
}

/// The contracts whose `jaunt.lock` entry bringing them up to date would
/// change, with why (for `--locked`): any drift but a missing or edited
/// battery whose pinned artifact the store still has.
pub fn lock_changes(
    project: &Project,
    store: &TieredStore,
    lock: Option<&Lockfile>,
) -> Vec<String> {
    assess(project, lock)
        .iter()
        .filter_map(|a| {
            let pinned = lock
                .and_then(|l| l.contract(&a.node.spec_ref))
                .is_some_and(|e| store.has_artifact(&e.artifact));
            let d = a.drift.iter().find(|d| d.changes_lock() || !pinned)?;
            Some(format!("{} ({d})", a.node.spec_ref))
        })
        .collect()
}

/// `--offline`: what could be restored is written and locked, as for
/// modules; a battery that would need the model fails the run (exit 4).
fn offline_gate(report: &ReconcileReport) -> Result<()> {
    let needs: Vec<String> = report
        .failed
        .iter()
        .filter(|(_, errors)| errors.iter().any(|e| e == OFFLINE_NEEDS_MODEL))
        .map(|(c, _)| format!("  {c}"))
        .collect();
    if needs.is_empty() {
        return Ok(());
    }
    Err(Diagnostic::gate(format!(
        "--offline: {} contract battery(ies) could not be restored and would need a model call:\n{}",
        needs.len(),
        needs.join("\n")
    ))
    .hint("run `jaunt reconcile` with model access, or fill the store from a machine that has these batteries")
    .into())
}

/// Asks the model for tests of the docstring `lines` derivation could not
/// read, appended to the derived `body`. An answer is accepted only when it
/// parses and the whole battery passes against the current code; otherwise
/// the next attempt is told why. Returns the accepted tests (or every
/// attempt's errors) and the model calls made.
fn model_tests(
    project: &Project,
    a: &Assessment<'_>,
    body: &str,
    lines: &[String],
    (generator, prompts): &(Box<dyn Generator>, Prompts),
) -> (std::result::Result<String, Vec<String>>, u64) {
    let node = a.node;
    let file = project.config.root.join(&node.file);
    let source = read_regular_string(&file).unwrap_or_default();
    let (start, end) = (node.byte_range.0 as usize, node.byte_range.1 as usize);
    let listed: String = lines.iter().map(|l| format!("- {l}\n")).collect();
    let request = Request {
        kind: SpecKind::Contract,
        spec_module: node.spec_ref.module.clone(),
        generated_module: node.spec_ref.module.clone(),
        expected_names: Vec::new(),
        specs: vec![RequestSpec {
            spec_ref: node.spec_ref.clone(),
            qualname: node.spec_ref.qualname.clone(),
            kind: node.def_kind,
            source: source.get(start..end).unwrap_or_default().to_string(),
            prompt: Some(format!(
                "This code is handwritten and canonical. Write pytest test functions named test_model_<n>, and nothing else, for these lines of its {docstrings} (Hypothesis properties with at most {} examples where a line states a property); they are appended to its battery, whose imports are in scope:\n{listed}",
                project.config.contract.property_max_examples,
                docstrings = if node.def_kind == DefKind::Class {
                    "docstrings, the class's and its methods' (each test builds the instances it uses)"
                } else {
                    "docstring"
                },
            )),
            members: Vec::new(),
            targets: Vec::new(),
            public_api_only: None,
        }],
        handwritten: Vec::new(),
        dependency_apis: Vec::new(),
        dependency_modules: Vec::new(),
        skills: String::new(),
        contracts: Vec::new(),
    };
    let candidate = a.path(project).with_file_name(format!(
        "jaunt_candidate_test_{}.py",
        node.spec_ref.qualname
    ));
    let check = |answer: &str| -> Vec<String> {
        let text = format!("{body}{answer}");
        if let Err(e) = write_atomic(&candidate, text.as_bytes()) {
            return vec![format!("cannot write {}: {e}", candidate.display())];
        }
        let outcome = run_battery(project, &candidate);
        let _ = std::fs::remove_file(&candidate);
        match outcome {
            Ok((true, _)) => Vec::new(),
            Ok((false, summary)) => vec![format!(
                "the battery fails against the current code ({summary}): the tests must pass on the code as it is"
            )],
            Err(e) => vec![e.to_string()],
        }
    };
    let attempts = Attempts {
        max: project.config.build.max_attempts,
        check: Some(&check),
        budget: None,
    };
    match generate_with_retry(generator.as_ref(), prompts, &request, &attempts) {
        Ok(accepted) => {
            let tests = accepted.source.trim_end();
            (
                Ok(format!("\n\n{}\n", tests.trim_start_matches('\n'))),
                u64::from(accepted.attempts),
            )
        }
        Err(failure) => (Err(failure.errors), u64::from(failure.attempts)),
    }
}

/// The battery already derived for this contract's inputs key, from the
/// store: the artifact `jaunt.lock` pins when its entry has this key, else
/// the one the key's action entry names. A battery (a model-written one
/// above all) is never paid for twice; a store object that is gone or fails
/// its check is derived again instead.
fn stored_battery(
    store: &TieredStore,
    lock: Option<&Lockfile>,
    a: &Assessment<'_>,
) -> Option<(ArtifactDigest, String)> {
    let pinned = lock
        .and_then(|l| l.contract(&a.node.spec_ref))
        .filter(|e| e.inputs == a.key && e.battery == a.battery)
        .map(|e| e.artifact);
    let artifact =
        pinned.or_else(|| store.find_action(&a.key).ok().flatten().map(|e| e.artifact))?;
    let body = store.get_artifact(&artifact).ok().flatten()?;
    Some((artifact, String::from_utf8(body).ok()?))
}

/// Maps the battery's inputs key to its artifact in the store, as a
/// generated module's is (an entry already there is only marked used).
fn record_battery(
    store: &TieredStore,
    generator: &LockGenerator,
    a: &Assessment<'_>,
    artifact: ArtifactDigest,
) -> Result<()> {
    let fail = |e: crate::store::StoreError| JauntError::other(e.to_string());
    if let Some(found) = store.find_action(&a.key).map_err(fail)?
        && found.artifact == artifact
    {
        return store.keep_action(&a.key, &found).map_err(fail);
    }
    let entry = ActionEntry {
        artifact,
        interface: None,
        generator: format!("{}/{}", generator.backend, "contract-derivation"),
        usage: None,
        created: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
        signature: None,
    };
    store.put_action(&a.key, &entry).map_err(fail)
}

/// Writes the battery with jaunt's header, atomically; a battery edited by
/// hand is first kept in `.jaunt/edited/`, as an edited generated file is.
fn write_battery(
    project: &Project,
    a: &Assessment<'_>,
    path: &std::path::Path,
    artifact: ArtifactDigest,
    body: &str,
) -> Result<()> {
    let text = genfile::render(&a.header(artifact), body);
    crate::exec::materialize::keep_edits(path, &project.config.state_dir().join("edited"))?;
    write_atomic(path, text.as_bytes())
        .map_err(|e| JauntError::io(format!("writing {}", path.display()), e))
}

/// One contract in `check`'s report.
#[derive(Clone, Debug, Serialize)]
pub struct ContractCheck {
    #[serde(rename = "ref")]
    pub spec_ref: String,
    pub battery: String,
    /// Empty when current (and, unless `--no-run`, passing).
    pub drift: Vec<String>,
}

/// `check` for contracts: drift from `jaunt.lock` and the disk, then,
/// unless `run` is false, behaviour drift found by running each current
/// battery with pytest. Model-free and network-free.
pub fn check(project: &Project, lock: Option<&Lockfile>, run: bool) -> Result<Vec<ContractCheck>> {
    let mut out = Vec::new();
    for a in assess(project, lock) {
        let mut drift = a.drift.clone();
        if drift.is_empty() && run {
            let (passed, summary) = run_battery(project, &a.path(project))?;
            if !passed {
                drift.push(Drift::Behaviour(summary));
            }
        }
        out.push(ContractCheck {
            spec_ref: a.node.spec_ref.to_string(),
            battery: a.battery.clone(),
            drift: drift.iter().map(ToString::to_string).collect(),
        });
    }
    Ok(out)
}

/// Runs one battery with pytest, output captured: whether it passed, and
/// the last line of pytest's report.
fn run_battery(project: &Project, path: &std::path::Path) -> Result<(bool, String)> {
    let mut command = pytest_command(project, &[path.to_path_buf()], &battery_args(), &[])?;
    let output = command
        .output()
        .map_err(|e| crate::ops::test::cannot_run_pytest(project, &e))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let summary = stdout
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("pytest failed")
        .trim_matches(|c| c == '=' || c == ' ')
        .to_string();
    Ok((output.status.success(), summary))
}

/// How batteries are run: importlib mode, since batteries of two modules
/// may share a file name (`test_parse.py`) and live in no package; no
/// cache directory written.
pub fn battery_args() -> Vec<String> {
    vec![
        "--import-mode=importlib".to_string(),
        "-p".to_string(),
        "no:cacheprovider".to_string(),
    ]
}

/// The batteries on disk, for `jaunt test`.
pub fn battery_files(project: &Project) -> Vec<PathBuf> {
    project
        .contract
        .specs
        .values()
        .map(|n| {
            project
                .config
                .root
                .join(battery::battery_path(&project.config.contract, &n.spec_ref))
        })
        .filter(|p| p.exists())
        .collect()
}

/// Rewrites the file of module `spec.module` with `edit`, a marker edit.
fn edit_file(
    project: &Project,
    spec: &SpecRef,
    edit: fn(&str, &str) -> std::result::Result<String, crate::python::MarkerError>,
) -> Result<PathBuf> {
    let file = project.discovery.files.get(&spec.module).ok_or_else(|| {
        JauntError::from(
            Diagnostic::config(format!(
                "no module `{}` among the source roots",
                spec.module
            ))
            .hint("name the module as `jaunt specs` shows it: MODULE:NAME, e.g. shop.text:slugify"),
        )
    })?;
    let source = read_regular_string(&file.path)
        .map_err(|e| JauntError::io(format!("reading {}", file.path.display()), e))?;
    let edited = edit(&source, &spec.qualname).map_err(|e| {
        JauntError::from(
            Diagnostic::config(format!("{spec}: {e}"))
                .at(&file.path, None)
                .hint("adopt and eject take a top-level definition: MODULE:NAME"),
        )
    })?;
    write_atomic(&file.path, edited.as_bytes())
        .map_err(|e| JauntError::io(format!("writing {}", file.path.display()), e))?;
    Ok(file.path.clone())
}

/// `jaunt adopt`: marks an existing definition `@jaunt.contract` (a
/// minimal text edit). The caller reloads the project and reconciles.
pub fn adopt(project: &Project, spec: &SpecRef) -> Result<PathBuf> {
    edit_file(project, spec, crate::python::add_contract_marker)
}

/// What `jaunt eject` did.
#[derive(Clone, Debug, Default, Serialize)]
pub struct EjectReport {
    /// Contracts whose marker was removed.
    pub ejected: Vec<String>,
    /// Batteries left behind as the user's own plain pytest files.
    pub batteries: Vec<String>,
    pub lock_changed: bool,
}

/// `jaunt eject`: removes the `@jaunt.contract` marker of each contract in
/// `specs`, turns its battery into the user's own pytest file (jaunt's
/// header dropped, so jaunt never touches it again), and drops its
/// `jaunt.lock` entry.
pub fn eject(project: &Project, specs: &[SpecRef]) -> Result<EjectReport> {
    let mut report = EjectReport::default();
    for spec in specs {
        if !project.contract.specs.contains_key(spec) {
            return Err(JauntError::from(
                Diagnostic::config(format!("{spec} is not a @jaunt.contract"))
                    .hint("`jaunt specs` lists the contracts"),
            ));
        }
    }
    let lock_path = project.config.lock_path();
    let mut lock = Lockfile::load(&lock_path)?;
    for spec in specs {
        edit_file(project, spec, crate::python::remove_contract_marker)?;
        let battery = battery::battery_path(&project.config.contract, spec);
        let path = project.config.root.join(&battery);
        if let Ok(text) = read_regular_string(&path)
            && let Some((_, body)) = genfile::parse(&text)
            && is_inside(&project.config.root, &path)
        {
            write_atomic(&path, body.as_bytes())
                .map_err(|e| JauntError::io(format!("writing {}", path.display()), e))?;
            report.batteries.push(battery);
        }
        if let Some(l) = lock.as_mut() {
            let before = l.contracts.len();
            l.contracts.retain(|c| c.spec_ref != *spec);
            report.lock_changed |= l.contracts.len() != before;
        }
        report.ejected.push(spec.to_string());
    }
    if let Some(l) = lock.filter(|_| report.lock_changed) {
        l.write(&lock_path)
            .map_err(|e| JauntError::io(format!("writing {}", lock_path.display()), e))?;
    }
    Ok(report)
}

/// How well one battery pins its contract: the share of mutants of the
/// contract's code it kills (`jaunt test --strength`).
#[derive(Clone, Debug, Serialize, serde::Deserialize)]
pub struct Strength {
    #[serde(rename = "ref")]
    pub spec_ref: String,
    pub mutants: usize,
    pub killed: usize,
    /// `killed / mutants`; 1.0 when there are no mutants.
    pub score: f64,
    /// The mutants the battery let through, `line N: old -> new`.
    pub survivors: Vec<String>,
}

/// Where the last scores are kept, for `jaunt status`.
pub fn strength_path(config: &crate::config::Config) -> PathBuf {
    config.state_dir().join("strength.json")
}

/// A mutant that runs longer than this (a flipped loop condition) counts
/// as killed.
const MUTANT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// Mutates each contract's code in a temporary copy of its top-level
/// package (never the user's files), runs its battery against every mutant,
/// `jobs` at a time, and reports the share killed. The battery must pass
/// against the unmutated code first. Scores are saved for `jaunt status`.
pub fn strength(project: &Project, jobs: usize) -> Result<Vec<Strength>> {
    if !project.config.contract.strength {
        return Err(
            Diagnostic::config("[contract] strength = false: mutation testing is off")
                .hint("set [contract] strength = true to run `jaunt test --strength`")
                .into(),
        );
    }
    let mut out = Vec::new();
    for a in assess(
        project,
        Lockfile::load(&project.config.lock_path())?.as_ref(),
    ) {
        let battery = a.path(project);
        if !a.drift.is_empty() {
            return Err(Diagnostic::new(
                Code::Gate,
                format!(
                    "{}: the battery is not current ({})",
                    a.node.spec_ref, a.drift[0]
                ),
            )
            .hint("run `jaunt reconcile` first")
            .into());
        }
        let file = &project.discovery.files[&a.node.spec_ref.module];
        let source = read_regular_string(&file.path)
            .map_err(|e| JauntError::io(format!("reading {}", file.path.display()), e))?;
        let (passed, summary) = run_battery(project, &battery)?;
        if !passed {
            return Err(Diagnostic::new(
                Code::Gate,
                format!(
                    "{}: the battery fails on the code as it is: {summary}",
                    a.node.spec_ref
                ),
            )
            .into());
        }
        let mutants = crate::python::mutants(&source, &a.node.spec_ref.qualname);
        let base = package_copy_base(file);
        let killed: Vec<bool> = run_mutants(project, &battery, file, &base, &mutants, jobs)?;
        let n = killed.iter().filter(|k| **k).count();
        out.push(Strength {
            spec_ref: a.node.spec_ref.to_string(),
            mutants: mutants.len(),
            killed: n,
            score: if mutants.is_empty() {
                1.0
            } else {
                n as f64 / mutants.len() as f64
            },
            survivors: mutants
                .iter()
                .zip(&killed)
                .filter(|(_, k)| !**k)
                .map(|(m, _)| format!("line {}: {}", m.line, m.change))
                .collect(),
        });
    }
    let path = strength_path(&project.config);
    let json = serde_json::to_vec_pretty(&out).unwrap_or_default();
    write_atomic(&path, &json)
        .map_err(|e| JauntError::io(format!("writing {}", path.display()), e))?;
    Ok(out)
}

/// The directory a module's top-level package (or single-file module) is
/// imported from.
fn package_copy_base(file: &crate::discover::SourceFile) -> PathBuf {
    let mut depth = file.module.parts().count();
    if file.is_package {
        depth += 1;
    }
    let mut base = file.path.clone();
    for _ in 0..depth {
        base.pop();
    }
    base
}

/// Copies the `.py` files of `from` into `to`, keeping the layout.
fn copy_python_tree(from: &std::path::Path, to: &std::path::Path) -> std::io::Result<()> {
    if from.is_file() {
        std::fs::create_dir_all(to.parent().unwrap_or(to))?;
        std::fs::copy(from, to)?;
        return Ok(());
    }
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        let path = entry.path();
        if kind.is_dir() && entry.file_name() != "__pycache__" {
            copy_python_tree(&path, &to.join(entry.file_name()))?;
        } else if kind.is_file() && path.extension().is_some_and(|e| e == "py") {
            std::fs::create_dir_all(to)?;
            std::fs::copy(&path, to.join(entry.file_name()))?;
        }
    }
    Ok(())
}

/// Runs the battery against each mutant, `jobs` at a time: whether each
/// was killed (the battery failed, or ran past [`MUTANT_TIMEOUT`]).
fn run_mutants(
    project: &Project,
    battery: &std::path::Path,
    file: &crate::discover::SourceFile,
    base: &std::path::Path,
    mutants: &[crate::python::Mutant],
    jobs: usize,
) -> Result<Vec<bool>> {
    let top = file.module.parts().next().unwrap_or_default().to_string();
    let top_path = if file.module.parts().count() == 1 && !file.is_package {
        base.join(format!("{top}.py"))
    } else {
        base.join(&top)
    };
    let relative = file
        .path
        .strip_prefix(base)
        .unwrap_or(&file.path)
        .to_path_buf();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results = std::sync::Mutex::new(vec![false; mutants.len()]);
    let failure = std::sync::Mutex::new(None::<JauntError>);
    std::thread::scope(|scope| {
        for _ in 0..jobs.max(1) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    let Some(m) = mutants.get(i) else { break };
                    match run_mutant(project, battery, &top_path, &relative, m) {
                        Ok(killed) => results.lock().unwrap_or_else(|e| e.into_inner())[i] = killed,
                        Err(e) => {
                            *failure.lock().unwrap_or_else(|e| e.into_inner()) = Some(e);
                            break;
                        }
                    }
                }
            });
        }
    });
    if let Some(e) = failure.into_inner().unwrap_or_else(|e| e.into_inner()) {
        return Err(e);
    }
    Ok(results.into_inner().unwrap_or_else(|e| e.into_inner()))
}

fn run_mutant(
    project: &Project,
    battery: &std::path::Path,
    top_path: &std::path::Path,
    relative: &std::path::Path,
    mutant: &crate::python::Mutant,
) -> Result<bool> {
    let dir =
        tempfile::tempdir().map_err(|e| JauntError::io("creating a directory for a mutant", e))?;
    let name = top_path.file_name().unwrap_or_default();
    copy_python_tree(top_path, &dir.path().join(name))
        .map_err(|e| JauntError::io(format!("copying {}", top_path.display()), e))?;
    std::fs::write(dir.path().join(relative), &mutant.source)
        .map_err(|e| JauntError::io("writing a mutant", e))?;
    let mut args = battery_args();
    args.extend(["-x".to_string(), "-q".to_string()]);
    let mut command = pytest_command(
        project,
        &[battery.to_path_buf()],
        &args,
        &[dir.path().to_path_buf()],
    )?;
    command
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    let mut child = command
        .spawn()
        .map_err(|e| crate::ops::test::cannot_run_pytest(project, &e))?;
    let started = std::time::Instant::now();
    loop {
        if let Some(status) = child
            .try_wait()
            .map_err(|e| JauntError::io("waiting for pytest", e))?
        {
            return Ok(!status.success());
        }
        if started.elapsed() > MUTANT_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            return Ok(true);
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}
