//! `jaunt plan`, `jaunt check` and `jaunt status`: what apply would do.

use super::{CmdResult, GlobalArgs, Scope, output};
use crate::error::exit;
use crate::names::SpecKind;
use crate::ops::contract::{ContractCheck, Strength as ContractStrength};
use crate::ops::project::{LoadOptions, Project};
use crate::ops::session::{LockRead, Session, StoreUse};
use crate::ops::{check, lockdiff, noop, replan};
use crate::plan::{Plan, Status};
use crate::stamp::Began;
use console::style;
use serde::Serialize;

#[derive(clap::Args, Debug)]
pub struct PlanArgs {
    #[command(flatten)]
    scope: super::Scope,
    /// Also list fresh modules.
    #[arg(long)]
    all: bool,
    /// Also show how jaunt.lock differs from this git revision (as `jaunt lock diff`).
    #[arg(long, value_name = "REV")]
    base: Option<String>,
}

#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    #[command(flatten)]
    scope: super::Scope,
    /// Check only the @jaunt.magic (build) modules, not the test modules or contracts.
    #[arg(long, conflicts_with = "contracts_only")]
    magic_only: bool,
    /// Check only the @jaunt.contract batteries.
    #[arg(long)]
    contracts_only: bool,
    /// Do not run the contract batteries (no behaviour-drift check).
    #[arg(long)]
    no_run: bool,
}

#[derive(Serialize)]
struct ModuleJson<'a> {
    name: String,
    kind: &'a str,
    status: &'a str,
    reasons: &'a [String],
}

#[derive(Serialize)]
struct PlanJson<'a> {
    ok: bool,
    modules: Vec<ModuleJson<'a>>,
    summary: std::collections::BTreeMap<&'static str, usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    contracts: Option<&'a [ContractCheck]>,
}

fn to_json(plan: &Plan, ok: bool) -> PlanJson<'_> {
    let mut modules: Vec<ModuleJson> = plan
        .modules
        .iter()
        .map(|m| ModuleJson {
            name: m.name.to_string(),
            kind: m.kind.as_str(),
            status: m.status.as_str(),
            reasons: &m.reasons,
        })
        .collect();
    modules.sort_by(|a, b| (&a.name, a.kind).cmp(&(&b.name, b.kind)));
    PlanJson {
        ok,
        modules,
        summary: plan.summary(),
        contracts: None,
    }
}

fn symbol(status: Status) -> console::StyledObject<&'static str> {
    match status {
        Status::Generate => style("+").green().bold(),
        Status::Pending => style("~").yellow().bold(),
        Status::Restore => style("<").cyan().bold(),
        Status::Rewrite => style("<").cyan(),
        Status::Remove => style("-").red().bold(),
        Status::Fresh => style("=").dim(),
    }
}

/// The human plan, grouped by status the way `terraform plan` is.
pub fn print_plan(plan: &Plan, all: bool) {
    let order = [
        Status::Generate,
        Status::Pending,
        Status::Restore,
        Status::Rewrite,
        Status::Remove,
        Status::Fresh,
    ];
    for status in order {
        if status == Status::Fresh && !all {
            continue;
        }
        let mut mods: Vec<_> = plan.modules.iter().filter(|m| m.status == status).collect();
        mods.sort_by(|a, b| (&a.name, a.kind).cmp(&(&b.name, b.kind)));
        for m in mods {
            let kind = if m.kind == SpecKind::Test {
                " [test]"
            } else {
                ""
            };
            println!(
                "  {} {}{kind} ({})",
                symbol(status),
                style(&m.name).bold(),
                status.as_str()
            );
            for r in &m.reasons {
                println!("      {}", style(r).dim());
            }
        }
    }
    println!();
    println!("{}", summary_line(plan));
}

pub fn summary_line(plan: &Plan) -> String {
    let s = plan.summary();
    format!(
        "Plan: {} to generate, {} pending, {} to restore, {} to rewrite, {} to remove, {} fresh.",
        s["generate"], s["pending"], s["restore"], s["rewrite"], s["remove"], s["fresh"]
    )
}

fn load(
    global: &GlobalArgs,
    scope: &Scope,
    store_use: StoreUse,
) -> Result<(std::mem::ManuallyDrop<Project>, Session), crate::error::JauntError> {
    let clock = std::time::Instant::now();
    let opts = global.load_options(scope);
    let config = Project::load_config(&opts)?;
    open(global, config, &opts, clock, store_use)
}

/// The project and a session on it, for these read-only commands (which
/// take no writer lock): the project loads while another thread reads the
/// lockfile. The read is waited for either way, so a sidecar it writes is
/// never cut short by the process exiting.
fn open(
    global: &GlobalArgs,
    config: crate::config::Config,
    opts: &LoadOptions,
    clock: std::time::Instant,
    store_use: StoreUse,
) -> crate::error::Result<(std::mem::ManuallyDrop<Project>, Session)> {
    let lock = LockRead::start(&config);
    let project = Project::load_with(config, opts, clock);
    let lock = lock.wait();
    let project = super::held(project?);
    super::specs::print_notes(global, &project);
    let session = Session::open_read(&project.config, store_use, lock)?;
    Ok((project, session))
}

pub fn run_plan(global: &GlobalArgs, args: &PlanArgs) -> CmdResult {
    let began = Began::now();
    let clock = std::time::Instant::now();
    let opts = global.load_options(&args.scope);
    let config = Project::load_config(&opts)?;
    let store_use = global.store_use();
    let incremental = global.stampable(&args.scope);
    if let Some(plan) = incremental
        .then(|| replan::plan(&config, store_use))
        .flatten()
    {
        return show_plan(global, args, &config, &plan, &[]);
    }
    let (project, session) = open(global, config, &opts, clock, store_use)?;
    let plan = session.plan(&project, &[SpecKind::Build], args.scope.targeted());
    if incremental {
        let watched = noop::Watched::new(&project, &session, &[SpecKind::Build], began);
        replan::record(&plan, &watched);
    }
    // Contracts: what their batteries need, from jaunt.lock and the disk
    // (running them is `check`'s).
    let contracts = crate::ops::contract::check(&project, session.lock.as_ref(), false)?;
    show_plan(global, args, &project.config, &plan, &contracts)
}

/// Prints the plan of the build modules and what the contracts need.
fn show_plan(
    global: &GlobalArgs,
    args: &PlanArgs,
    config: &crate::config::Config,
    plan: &Plan,
    contracts: &[ContractCheck],
) -> CmdResult {
    let stale: Vec<&ContractCheck> = contracts.iter().filter(|c| !c.drift.is_empty()).collect();
    if global.json {
        let mut json = to_json(plan, plan.all_fresh() && stale.is_empty());
        json.contracts = (!contracts.is_empty()).then_some(contracts);
        output::json(&json);
    } else if plan.all_fresh() && stale.is_empty() && !args.all {
        println!("No changes. {} module(s) fresh.", plan.modules.len());
    } else {
        for c in &stale {
            println!(
                "  {} {} [contract] (derive)",
                style("+").green().bold(),
                style(&c.spec_ref).bold()
            );
            for d in &c.drift {
                println!("      {}", style(d).dim());
            }
        }
        print_plan(plan, args.all);
        if !contracts.is_empty() {
            println!(
                "Contracts: {} to derive, {} current.",
                stale.len(),
                contracts.len() - stale.len()
            );
        }
    }
    if let Some(rev) = &args.base {
        if global.json {
            output::note(
                "--base is left out of --json output; use `jaunt lock diff --format json`",
            );
            return Ok(exit::OK);
        }
        let review = lockdiff::review(config, Some(rev))?;
        println!();
        print!("{}", super::lock::text(&review.base, &review.diff));
    }
    Ok(exit::OK)
}

/// `jaunt check`: the model-free gate; exit 4 unless everything is fresh
/// and jaunt.lock is up to date.
pub fn run_check(global: &GlobalArgs, args: &CheckArgs) -> CmdResult {
    // A gate reads the files, the lockfile and the local store: it never
    // fetches anything, so it needs no credentials and no network.
    let local_only = StoreUse {
        no_remote: true,
        ..global.store_use()
    };
    let scope = &args.scope;
    let (project, session) = load(global, scope, local_only)?;
    let mut result = check::check(&project, &session, scope.targeted(), args.magic_only);
    if args.contracts_only {
        result.plan.modules.clear();
        result.lock_up_to_date = true;
    }
    let contracts = if args.magic_only {
        Vec::new()
    } else {
        crate::ops::contract::check(&project, session.lock.as_ref(), !args.no_run)?
    };
    let contracts_ok = contracts.iter().all(|c| c.drift.is_empty());
    let ok = result.ok() && contracts_ok;
    if global.json {
        let mut json = to_json(&result.plan, ok);
        json.contracts = (!args.magic_only).then_some(&contracts[..]);
        output::json(&json);
    } else {
        for c in contracts.iter().filter(|c| !c.drift.is_empty()) {
            eprintln!(
                "{} {} (contract): {}",
                style("stale").red().bold().for_stderr(),
                c.spec_ref,
                c.drift.join("; ")
            );
        }
        for m in result
            .plan
            .modules
            .iter()
            .filter(|m| m.status != Status::Fresh)
        {
            eprintln!(
                "{} {} ({}): {}",
                style("stale").red().bold().for_stderr(),
                m.name,
                m.status.as_str(),
                m.reasons.join("; ")
            );
        }
        if !result.lock_up_to_date {
            eprintln!(
                "{} jaunt.lock is missing or out of date",
                style("stale").red().bold().for_stderr()
            );
        }
        if ok && !global.quiet {
            let batteries = if contracts.is_empty() {
                String::new()
            } else {
                format!(", {} contract batter(ies) current", contracts.len())
            };
            println!(
                "ok: {} module(s) fresh{batteries}, jaunt.lock up to date",
                result.plan.modules.len()
            );
        }
    }
    if ok {
        Ok(exit::OK)
    } else {
        if !global.json {
            if !contracts_ok {
                eprintln!(
                    "hint: for contracts, run `jaunt reconcile` after a docstring or signature change and commit the batteries; behaviour drift means the code no longer does what its docstring says"
                );
            }
            if !result.ok() {
                eprintln!(
                    "hint: run `jaunt apply` (or `jaunt apply --offline` to restore from the store) and commit jaunt.lock"
                );
            }
        }
        Ok(exit::GATE)
    }
}

/// `jaunt status`: the plan's one-line summary.
pub fn run_status(global: &GlobalArgs, scope: &Scope) -> CmdResult {
    let began = Began::now();
    let clock = std::time::Instant::now();
    let opts = global.load_options(scope);
    let config = Project::load_config(&opts)?;
    let shortcut = global.stampable(scope);
    if let Some(plan) = shortcut
        .then(|| {
            noop::recorded_status(&config).or_else(|| replan::status(&config, global.store_use()))
        })
        .flatten()
    {
        print_status(global, &config, &plan);
        return Ok(exit::OK);
    }
    let (project, session) = open(global, config, &opts, clock, global.store_use())?;
    let kinds = check::kinds(&session);
    let plan = session.plan(&project, &kinds, scope.targeted());
    if shortcut {
        // One gathering of the inputs for both records; the base is
        // recorded over all of them, test modules' files included.
        let watched = noop::Watched::new(&project, &session, &kinds, began);
        noop::record_status(&plan, &watched);
        replan::record(&plan, &watched);
    }
    print_status(global, &project.config, &plan);
    Ok(exit::OK)
}

fn print_status(global: &GlobalArgs, config: &crate::config::Config, plan: &Plan) {
    if global.json {
        output::json(&to_json(plan, plan.all_fresh()));
    } else {
        println!("{}", summary_line(plan));
        // The last `jaunt test --strength` scores, when there are any.
        let path = crate::ops::contract::strength_path(config);
        if let Ok(text) = crate::fsutil::read_regular_string(&path)
            && let Ok(scores) = serde_json::from_str::<Vec<ContractStrength>>(&text)
        {
            super::test::print_strength(&scores, false);
        }
    }
}
