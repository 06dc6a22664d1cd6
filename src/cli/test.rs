//! `jaunt test`: apply the build specs, generate the test modules, run pytest.

use super::apply::ApplyArgs;
use super::{CmdResult, GlobalArgs};
use crate::error::exit;
use crate::names::SpecKind;
use crate::ops::project::Project;
use crate::ops::session::Session;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    apply: ApplyArgs,
    /// Do not apply the build specs first.
    #[arg(long)]
    no_build: bool,
    /// Generate the tests but do not run pytest.
    #[arg(long)]
    no_run: bool,
    /// Also mutate each contract's code (in a temporary copy) and report the share of mutants its
    /// battery kills.
    #[arg(long)]
    strength: bool,
    /// Extra pytest argument (repeatable), after [test] pytest_args.
    #[arg(long = "pytest-args", value_name = "ARG", allow_hyphen_values = true)]
    pytest_args: Vec<String>,
}

pub fn run(global: &GlobalArgs, args: &Args) -> CmdResult {
    let project = Project::load(&global.load_options(&args.apply.scope))?;
    super::specs::print_notes(global, &project);
    let _writer = super::apply::lock_project(global, &project.config)?;
    let session = Session::open_with(&project.config, args.apply.store_use(global))?;
    let kinds: &[SpecKind] = if args.no_build {
        &[SpecKind::Test]
    } else {
        &[SpecKind::Build, SpecKind::Test]
    };
    let mut report = super::apply::run_kinds(global, &args.apply, &project, &session, kinds)?;
    super::apply::apply_contracts(&args.apply, &project, &session, &mut report)?;
    let code = super::apply::finish(global, &report, project.config.llm.price_per_mtok);
    if code != exit::OK || args.no_run {
        return Ok(code);
    }
    let files = crate::ops::test::test_files(&project);
    let batteries = crate::ops::contract::battery_files(&project);
    if files.is_empty() && batteries.is_empty() {
        if !global.quiet {
            eprintln!(
                "no generated test modules to run (write @jaunt.test specs under the test roots)"
            );
        }
        return Ok(exit::OK);
    }
    let mut passed = true;
    if !files.is_empty() {
        passed &= crate::ops::test::run_pytest(&project, &files, &args.pytest_args)?;
    }
    if !batteries.is_empty() {
        // Batteries run apart: in importlib mode (see `battery_args`).
        let mut extra = crate::ops::contract::battery_args();
        extra.extend(args.pytest_args.iter().cloned());
        passed &= crate::ops::test::run_pytest(&project, &batteries, &extra)?;
    }
    if passed && args.strength {
        let jobs = global.jobs.unwrap_or(project.config.test.jobs);
        let scores = crate::ops::contract::strength(&project, jobs)?;
        print_strength(&scores, global.verbose);
    }
    Ok(if passed { exit::OK } else { exit::GATE })
}

/// One line per contract: its score, and under `-v` the mutants it missed.
pub fn print_strength(scores: &[crate::ops::contract::Strength], verbose: bool) {
    for s in scores {
        println!(
            "strength {}: {:.2} ({}/{} mutants killed)",
            s.spec_ref, s.score, s.killed, s.mutants
        );
        if verbose {
            for survivor in &s.survivors {
                println!("    survived: {survivor}");
            }
        }
    }
}
