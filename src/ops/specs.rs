//! `jaunt specs`: which specs to list, and the test specs of each module
//! their `targets=` name.

use crate::graph::{SpecNode, tests_by_target};
use crate::names::ModuleName;
use crate::ops::project::Project;
use std::collections::BTreeMap;

/// What `jaunt specs` lists.
pub struct Listing<'a> {
    /// Build specs, sorted by ref.
    pub build: Vec<&'a SpecNode>,
    /// Test specs, sorted by ref.
    pub tests: Vec<&'a SpecNode>,
    /// The listed test specs grouped by the modules their `targets=` name.
    pub tests_by_target: BTreeMap<ModuleName, Vec<&'a SpecNode>>,
    /// Listed test specs that name no target.
    pub untargeted: Vec<&'a SpecNode>,
    /// Modules the listed specs are in, build and test modules apart.
    pub modules: usize,
}

/// Every spec of the project.
pub fn list(project: &Project) -> Listing<'_> {
    let tests: Vec<&SpecNode> = project.test.specs.values().collect();
    Listing {
        build: project.build.specs.values().collect(),
        tests_by_target: tests_by_target(tests.iter().copied()),
        untargeted: tests
            .iter()
            .copied()
            .filter(|n| n.targets.is_empty())
            .collect(),
        tests,
        modules: project.build.modules.len() + project.test.modules.len(),
    }
}
