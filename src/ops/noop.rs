//! The no-op shortcut: `jaunt status` and `jaunt apply` with nothing to do,
//! and the JSON and graph renderings of `jaunt specs` and `jaunt graph`,
//! answer from the last run's stamp ([`crate::stamp`]) when nothing that
//! run read has changed, instead of walking, parsing and planning again.
//!
//! Only an answer of "every module fresh" is recorded, and only by a full
//! (untargeted) run: that answer depends on files alone, never on the
//! store. What it depends on is gathered here, from the project the run
//! loaded: the configuration and `.env`, the prompt templates, the
//! lockfile, every directory discovery listed (walked, or passed over by
//! rule) with the ignore files that steered the walk, every Python file it
//! read, every generated file and stub and the directories that hold them,
//! and what decided the library skills.

use crate::config::Config;
use crate::genfile;
use crate::names::{ModuleName, SpecKind};
use crate::ops::apply::ApplyReport;
use crate::ops::project::Project;
use crate::ops::session::Session;
use crate::plan::Plan;
use crate::stamp::{Began, Inputs, Observed, Slot};
use serde::{Deserialize, Serialize};
use std::cell::OnceCell;
use std::path::{Path, PathBuf};

/// Which answer a stamp holds: `status`'s plan, or `apply`'s report under
/// the flags that change what a no-op apply does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose<'a> {
    Status,
    Apply(ApplyFlags),
    /// A rendering of the specs or graph (`graph-build-json`), which
    /// depends on the configuration and the spec files alone.
    Listing(&'a str),
}

/// The `apply` flags a no-op answer depends on (whether library skills
/// would be written, whether the remote may be asked).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ApplyFlags {
    pub no_skills: bool,
    pub offline: bool,
    pub locked: bool,
    pub no_remote: bool,
}

/// The stamp of `purpose` for the project `config` describes, keyed also
/// by which configuration file (and root) it was read from.
fn slot(config: &Config, purpose: Purpose) -> Slot {
    Slot::new(
        &config.state_dir(),
        &purpose.name(),
        &[
            config.root.as_os_str().as_encoded_bytes(),
            config.file.as_os_str().as_encoded_bytes(),
        ],
    )
}

impl Purpose<'_> {
    fn name(self) -> String {
        match self {
            Purpose::Status => "status".into(),
            Purpose::Apply(f) => format!(
                "apply{}{}{}{}",
                if f.no_skills { "-no-skills" } else { "" },
                if f.offline { "-offline" } else { "" },
                if f.locked { "-locked" } else { "" },
                if f.no_remote { "-no-remote" } else { "" },
            ),
            Purpose::Listing(what) => format!("listing-{what}"),
        }
    }
}

/// The fresh modules, in plan order, with their generated files.
#[derive(Debug, Serialize, Deserialize)]
struct Fresh {
    modules: Vec<(SpecKind, ModuleName, PathBuf)>,
}

/// The plan the last `status` found, when it was all fresh and nothing it
/// read has changed since.
pub fn recorded_status(config: &Config) -> Option<Plan> {
    let fresh: Fresh = slot(config, Purpose::Status).load()?;
    Some(Plan::all_fresh_of(fresh.modules))
}

/// The report of the last no-op apply under the same flags, when nothing
/// it read has changed since.
pub fn recorded_apply(config: &Config, flags: ApplyFlags) -> Option<ApplyReport> {
    let fresh: Vec<String> = slot(config, Purpose::Apply(flags)).load()?;
    Some(ApplyReport {
        fresh,
        ..ApplyReport::default()
    })
}

/// What `graph` or `specs` printed as `what`, when nothing it read has
/// changed since.
pub fn recorded_listing(config: &Config, what: &str) -> Option<String> {
    slot(config, Purpose::Listing(what)).load()
}

/// Records a full run's rendering `text` of the specs or graph as `what`.
pub fn record_listing(project: &Project, what: &str, text: &str, began: Began) {
    // Best effort, like every cache: a stamp not written costs a full run.
    let observed = project_inputs(project).observe(began);
    let _ = slot(&project.config, Purpose::Listing(what)).save(&observed, &text);
}

/// Records `plan` for the next `status` when every module was fresh;
/// otherwise forgets any earlier answer.
pub fn record_status(plan: &Plan, watched: &Watched) {
    let fresh = plan.all_fresh().then(|| Fresh {
        modules: plan
            .modules
            .iter()
            .map(|m| (m.kind, m.name.clone(), m.output.clone()))
            .collect(),
    });
    record(watched, Purpose::Status, fresh.as_ref());
}

/// Records a full apply's report for the next one when it did nothing at
/// all: every module fresh, no model call, no warning, no write.
pub fn record_apply(flags: ApplyFlags, report: &ApplyReport, watched: &Watched) {
    let idle = report.generated.is_empty()
        && report.restored.is_empty()
        && report.rewritten.is_empty()
        && report.removed.is_empty()
        && report.failed.is_empty()
        && report.cancelled.is_empty()
        && report.over_budget.is_empty()
        && report.model_calls == 0
        && report.warnings == 0
        && !report.lock_changed
        && report.contracts.is_none();
    let answer = idle.then_some(&report.fresh);
    record(watched, Purpose::Apply(flags), answer);
}

/// Saves `answer` for `purpose` when there is one (every module fresh) and
/// the project has no contracts (whose checks run the batteries); else
/// forgets any earlier one.
fn record<A: Serialize>(watched: &Watched, purpose: Purpose, answer: Option<&A>) {
    let slot = slot(&watched.project.config, purpose);
    let Some(answer) = answer.filter(|_| !has_contracts(watched.project, watched.session)) else {
        slot.remove();
        return;
    };
    // Best effort, like every cache: a stamp not written costs a full run.
    let _ = slot.save(watched.observed(), answer);
}

/// What a full run's answers depend on (see `inputs`), gathered and stat'ed
/// on first use, once however many stamps the run records (`status`
/// records its answer and the plan base).
pub struct Watched<'a> {
    pub(super) project: &'a Project,
    pub(super) session: &'a Session,
    kinds: &'a [SpecKind],
    began: Began,
    observed: OnceCell<Observed>,
}

impl<'a> Watched<'a> {
    /// The inputs of a full plan of `kinds`, as of a run that began at
    /// `began`.
    pub fn new(
        project: &'a Project,
        session: &'a Session,
        kinds: &'a [SpecKind],
        began: Began,
    ) -> Watched<'a> {
        Watched {
            project,
            session,
            kinds,
            began,
            observed: OnceCell::new(),
        }
    }

    pub(super) fn observed(&self) -> &Observed {
        self.observed
            .get_or_init(|| inputs(self.project, self.session, self.kinds).observe(self.began))
    }
}

/// Whether the project or its lockfile has contracts, whose checks run
/// their batteries: then no answer is recorded.
pub(super) fn has_contracts(project: &Project, session: &Session) -> bool {
    !project.contract.specs.is_empty()
        || session
            .lock
            .as_ref()
            .is_some_and(|l| !l.contracts.is_empty())
}

/// Every path loading the project read: the configuration, `.env`, and
/// what discovery listed and parsed, with the ignore files that steered it.
fn project_inputs(project: &Project) -> Inputs {
    let config = &project.config;
    let mut inputs = Inputs::default();
    inputs.add(&config.file);
    inputs.add(config.root.join(".env"));
    inputs.add(&config.root);
    let discovery = &project.discovery;
    inputs.extend(discovery.files.values().map(|f| f.path.clone()));
    for dir in &discovery.listed {
        inputs.add(dir);
        inputs.add(dir.join(".gitignore"));
        inputs.add(dir.join(".ignore"));
    }
    for root in config.source_dirs().iter().chain(&config.test_dirs()) {
        for dir in root.ancestors().skip(1) {
            inputs.add(dir.join(".gitignore"));
            inputs.add(dir.join(".ignore"));
            inputs.add(dir.join(".git"));
            inputs.add(dir.join(".git/info/exclude"));
        }
    }
    inputs
}

/// Every path a full plan of `kinds` read: the project's, the lockfile,
/// the prompt templates, the generated files and stubs with the
/// directories that hold them, and what decided the library skills.
fn inputs(project: &Project, session: &Session, kinds: &[SpecKind]) -> Inputs {
    let config = &project.config;
    let mut inputs = project_inputs(project);
    inputs.add(config.lock_path());
    let prompts = &config.prompts;
    for p in [
        &prompts.build_system,
        &prompts.build_module,
        &prompts.test_system,
        &prompts.test_module,
    ]
    .into_iter()
    .flatten()
    {
        inputs.add(config.root.join(p));
    }
    let mut generated_dirs = std::collections::HashSet::new();
    for kind in kinds {
        for m in project.graph(*kind).modules.values() {
            let output = genfile::output_path(m, &config.paths.generated_dir);
            if let Some(dir) = output.parent() {
                generated_dirs.insert(dir.to_path_buf());
            }
            inputs.add(output);
            if *kind == SpecKind::Build {
                inputs.add(crate::stubfile::stub_path(m));
            }
        }
    }
    for dir in generated_dirs {
        add_listing(&mut inputs, &dir);
    }
    inputs.extend(session.skills(project).watched.iter().cloned());
    inputs
}

/// A directory and every file in it.
fn add_listing(inputs: &mut Inputs, dir: &Path) {
    if let Ok(entries) = std::fs::read_dir(dir) {
        inputs.extend(entries.flatten().map(|e| e.path()));
    }
    inputs.add(dir);
}
