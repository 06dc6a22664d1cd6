//! `jaunt specs`: which specs to list, and the test specs of each module
//! their `targets=` name.

use crate::error::{Diagnostic, JauntError, Result};
use crate::graph::{SpecGraph, SpecNode, tests_by_target};
use crate::names::{ModuleName, SpecKind};
use crate::ops::project::Project;
use std::collections::BTreeMap;

/// What `jaunt specs` lists.
pub struct Listing<'a> {
    /// Build specs, sorted by ref.
    pub build: Vec<&'a SpecNode>,
    /// Test specs, sorted by ref.
    pub tests: Vec<&'a SpecNode>,
    /// Contracts, sorted by ref.
    pub contracts: Vec<&'a SpecNode>,
    /// The listed test specs grouped by the modules their `targets=` name.
    pub tests_by_target: BTreeMap<ModuleName, Vec<&'a SpecNode>>,
    /// Listed test specs that name no target.
    pub untargeted: Vec<&'a SpecNode>,
    /// Modules the listed specs are in, build and test modules apart.
    pub modules: usize,
}

/// The specs of the modules `--module` selects: each one and the modules
/// inside it (`pkg` selects `pkg.sub` too), or every module when none is
/// given. A `--module` that selects no module with specs is an error, so a
/// typo is not mistaken for a module without specs.
pub fn list<'a>(project: &'a Project, modules: &[ModuleName]) -> Result<Listing<'a>> {
    // The baseline test modules of class specs (`[test] auto_class_tests`)
    // are generated artifacts of build specs, not test spec modules: their
    // class specs are listed as build specs only.
    let spec_modules = |graph: &'a SpecGraph| {
        graph
            .modules
            .values()
            .filter(|m| m.class_tests_of.is_none())
            .map(|m| &m.name)
    };
    let unmatched: Vec<Diagnostic> = modules
        .iter()
        .filter(|s| {
            !spec_modules(&project.build)
                .chain(spec_modules(&project.test))
                .chain(spec_modules(&project.contract))
                .any(|m| m.is_within(s))
        })
        .map(|s| {
            Diagnostic::config(format!(
                "--module {s}: no module with specs is `{s}` or inside it"
            ))
            .hint("`jaunt specs` without --module lists every module with specs")
        })
        .collect();
    if !unmatched.is_empty() {
        return Err(JauntError::Diagnostics(unmatched));
    }
    let selected = |m: &ModuleName| modules.is_empty() || modules.iter().any(|s| m.is_within(s));
    let pick = |graph: &'a SpecGraph, kind: SpecKind| -> (Vec<&'a SpecNode>, usize) {
        let specs = graph
            .specs
            .values()
            .filter(|n| n.kind == kind && selected(&n.spec_ref.module))
            .collect();
        (specs, spec_modules(graph).filter(|m| selected(m)).count())
    };
    let (build, build_modules) = pick(&project.build, SpecKind::Build);
    let (tests, test_modules) = pick(&project.test, SpecKind::Test);
    let (contracts, contract_modules) = pick(&project.contract, SpecKind::Contract);
    Ok(Listing {
        tests_by_target: tests_by_target(tests.iter().copied()),
        untargeted: tests
            .iter()
            .copied()
            .filter(|n| n.targets.is_empty())
            .collect(),
        build,
        tests,
        contracts,
        modules: build_modules + test_modules + contract_modules,
    })
}
