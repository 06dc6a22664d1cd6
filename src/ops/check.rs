//! `jaunt check`: is every module fresh and the lockfile up to date?

use crate::names::SpecKind;
use crate::ops::lockfile::{LockInputs, is_current, planned_lock};
use crate::ops::project::Project;
use crate::ops::session::Session;
use crate::plan::Plan;

pub struct CheckResult {
    pub plan: Plan,
    pub lock_up_to_date: bool,
}

impl CheckResult {
    pub fn ok(&self) -> bool {
        self.plan.all_fresh() && self.lock_up_to_date
    }
}

/// Build modules always; test modules once the project builds them (the
/// lockfile has test entries), so a project that never runs `jaunt test`
/// is not failed for its unbuilt tests.
pub fn kinds(session: &Session) -> Vec<SpecKind> {
    let tests = session
        .lock
        .as_ref()
        .is_some_and(|l| l.modules.iter().any(|m| m.kind == SpecKind::Test));
    if tests {
        vec![SpecKind::Build, SpecKind::Test]
    } else {
        vec![SpecKind::Build]
    }
}

/// Checks the build modules and, unless `magic_only` (`--magic-only`), the
/// test modules as [`kinds`] decides. Lockfile entries of a kind left out
/// are compared as they are.
pub fn check(
    project: &Project,
    session: &Session,
    targeted: bool,
    magic_only: bool,
) -> CheckResult {
    let kinds = if magic_only {
        vec![SpecKind::Build]
    } else {
        kinds(session)
    };
    let plan = session.plan(project, &kinds, targeted);
    let next = planned_lock(&LockInputs {
        project,
        session,
        kinds: &kinds,
        plan: &plan,
        targeted,
    });
    let lock_up_to_date = is_current(session, &next);
    CheckResult {
        plan,
        lock_up_to_date,
    }
}
