//! The next `jaunt.lock`: built in one place for `apply` (what it writes),
//! `apply --locked` and `check` (what they compare against).

use crate::lock::{LockModule, Lockfile};
use crate::names::{ModuleName, SpecKind};
use crate::ops::project::Project;
use crate::ops::session::Session;
use crate::plan::{BuiltModule, Plan, Status};
use std::collections::{BTreeMap, HashMap};

/// Every module built in this run, by kind and name.
#[derive(Clone, Debug, Default)]
pub struct BuiltModules(HashMap<(SpecKind, ModuleName), BuiltModule>);

impl BuiltModules {
    /// The modules the plan already knows to be built (fresh, restore and
    /// rewrite): what the run yields if nothing is generated.
    pub fn planned(plan: &Plan) -> BuiltModules {
        let mut built = BuiltModules::default();
        for m in &plan.modules {
            if let Some(b) = m.built() {
                built.insert(m.kind, m.name.clone(), b);
            }
        }
        built
    }

    pub fn insert(&mut self, kind: SpecKind, name: ModuleName, built: BuiltModule) {
        self.0.insert((kind, name), built);
    }

    pub fn get(&self, kind: SpecKind, name: &ModuleName) -> Option<&BuiltModule> {
        self.0.get(&(kind, name.clone()))
    }

    fn contains(&self, kind: SpecKind, name: &ModuleName) -> bool {
        self.get(kind, name).is_some()
    }
}

/// What the next lockfile is computed from.
pub struct LockInputs<'a> {
    pub project: &'a Project,
    pub session: &'a Session,
    /// The kinds this run planned; entries of other kinds are kept.
    pub kinds: &'a [SpecKind],
    pub plan: &'a Plan,
    /// `--target`: modules outside the targets keep their entries.
    pub targeted: bool,
}

/// The lockfile after a run that built `built`: every built module's entry;
/// failed and untouched (`--target`) modules keep their old entries;
/// removed ones go.
pub fn next_lock(inputs: &LockInputs<'_>, built: &BuiltModules) -> Lockfile {
    let LockInputs {
        project,
        session,
        kinds,
        plan,
        targeted,
    } = *inputs;
    let mut modules: BTreeMap<(ModuleName, SpecKind), LockModule> = BTreeMap::new();
    for e in session.lock.iter().flat_map(|l| l.modules.iter()) {
        if !built.contains(e.kind, &e.name) {
            modules.insert((e.name.clone(), e.kind), e.clone());
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
    for ((kind, name), b) in &built.0 {
        let ctx = session.key_context(project, *kind);
        if let Some(m) = ctx.graph.modules.get(name) {
            modules.insert(
                (name.clone(), *kind),
                ctx.lock_entry(m, &project.config.root, b),
            );
        }
    }
    Lockfile {
        generator: session.generator.clone(),
        modules: modules.into_values().collect(),
        skills: session
            .skills(project)
            .lock_entries(session.lock.as_ref().map_or(&[], |l| &l.skills), targeted),
        // Batteries are derived after the modules (ops::contract), which
        // updates these entries; a module run keeps them as they are.
        contracts: session
            .lock
            .as_ref()
            .map_or_else(Vec::new, |l| l.contracts.clone()),
    }
}

/// The lockfile as it would be if the plan were carried out without any
/// generation: what `--locked` and `check` compare against.
pub fn planned_lock(inputs: &LockInputs<'_>) -> Lockfile {
    next_lock(inputs, &BuiltModules::planned(inputs.plan))
}

/// Whether the lockfile on disk already says what `next` says.
pub fn is_current(session: &Session, next: &Lockfile) -> bool {
    session
        .lock
        .as_ref()
        .is_some_and(|l| l == next || l.render() == next.render())
}
