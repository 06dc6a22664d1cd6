//! `jaunt apply` (alias `build`): carry out the plan.

use super::{CmdResult, GlobalArgs, output};
use crate::config::{Config, Prices};
use crate::error::{JauntError, exit};
use crate::names::SpecKind;
use crate::ops::apply::{self, ApplyOptions, ApplyReport, Event, Finished};
use crate::ops::noop;
use crate::ops::project::Project;
use crate::ops::session::{Session, StoreUse};
use crate::ops::writer::WriterLock;
use crate::stamp::Began;
use console::style;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

#[derive(clap::Args, Debug, Clone, Default)]
pub struct ApplyArgs {
    #[command(flatten)]
    pub scope: super::Scope,
    /// Regenerate every module (or the --target modules), ignoring the store.
    #[arg(long)]
    pub force: bool,
    /// Fail (exit 4) if jaunt.lock would change.
    #[arg(long)]
    pub locked: bool,
    /// Never call a model: only restore and rewrite from the store.
    #[arg(long)]
    pub offline: bool,
    /// --locked and --offline.
    #[arg(long)]
    pub frozen: bool,
    /// Build without library skills: none are written or sent.
    #[arg(long)]
    pub no_skills: bool,
    /// How to show generation progress on stderr: auto (a bar on a terminal, else a line per
    /// finished module), plain (a line per event, never redrawn), none.
    #[arg(long, value_enum, default_value_t = Progress::Auto)]
    pub progress: Progress,
    /// Show no progress (--progress none).
    #[arg(long, conflicts_with = "progress")]
    pub no_progress: bool,
}

/// `--progress`: how generation progress is shown.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Progress {
    /// A redrawn bar when stderr is a terminal, else a line per finished
    /// module; nothing under --json.
    #[default]
    Auto,
    /// One line per event (start, each module begun and finished), never
    /// redrawn: for logs and CI.
    Plain,
    /// Nothing.
    None,
}

impl ApplyArgs {
    pub fn options(&self, global: &GlobalArgs) -> ApplyOptions {
        ApplyOptions {
            jobs: global.jobs,
            force: self.force,
            offline: self.offline || self.frozen,
            locked: self.locked || self.frozen,
            targets: self
                .scope
                .targets
                .iter()
                .map(|t| t.module.clone())
                .collect(),
            no_skills: self.no_skills,
        }
    }

    /// `--progress`, with `--no-progress` as `none`.
    fn progress(&self) -> Progress {
        if self.no_progress {
            Progress::None
        } else {
            self.progress
        }
    }

    pub fn store_use(&self, global: &GlobalArgs) -> StoreUse {
        StoreUse {
            locked: self.locked || self.frozen,
            ..global.store_use()
        }
    }
}

/// Ctrl-C: the first stops new work (in-flight requests finish and are
/// kept), saying it finishes `in_flight`; a second one exits at once.
pub fn install_interrupt(in_flight: &'static str) -> Arc<AtomicBool> {
    let flag = Arc::new(AtomicBool::new(false));
    let handler_flag = flag.clone();
    let _ = ctrlc::set_handler(move || {
        if handler_flag.swap(true, Ordering::SeqCst) {
            std::process::exit(130);
        }
        eprintln!("interrupted: finishing {in_flight} (Ctrl-C again to abort)");
    });
    flag
}

pub fn run(global: &GlobalArgs, args: &ApplyArgs) -> CmdResult {
    let began = Began::now();
    let clock = std::time::Instant::now();
    let opts = global.load_options(&args.scope);
    let config = Project::load_config(&opts)?;
    // Read-only, so without the writer lock: a concurrent apply's writes
    // change what the stamp recorded, and the full run below waits for it.
    let shortcut = (global.stampable(&args.scope) && !args.force).then_some(noop::ApplyFlags {
        no_skills: args.no_skills,
        offline: args.offline || args.frozen,
        locked: args.locked || args.frozen,
        no_remote: global.no_remote,
    });
    if let Some(report) = shortcut.and_then(|flags| noop::recorded_apply(&config, flags)) {
        return Ok(finish(global, &report, config.llm.price_per_mtok));
    }
    let project = super::held(Project::load_with(config, &opts, clock)?);
    super::specs::print_notes(global, &project);
    let _writer = lock_project(global, &project.config)?;
    let session = Session::open_with(&project.config, args.store_use(global))?;
    let mut report = run_kinds(global, args, &project, &session, &[SpecKind::Build])?;
    apply_contracts(args, &project, &session, &mut report)?;
    untrusted_note(global, &session);
    if let Some(flags) = shortcut {
        let watched = noop::Watched::new(&project, &session, &[SpecKind::Build], began);
        noop::record_apply(flags, &report, &watched);
    }
    Ok(finish(global, &report, project.config.llm.price_per_mtok))
}

/// Derives the contract batteries once the modules are built (a failed or
/// interrupted run leaves them for the next one). Under `--locked` a
/// battery that would change is a gate failure instead.
pub fn apply_contracts(
    args: &ApplyArgs,
    project: &Project,
    session: &Session,
    report: &mut ApplyReport,
) -> Result<(), JauntError> {
    let none = project.contract.specs.is_empty()
        && session.lock.as_ref().is_none_or(|l| l.contracts.is_empty());
    if none
        || !report.failed.is_empty()
        || !report.cancelled.is_empty()
        || !report.over_budget.is_empty()
    {
        return Ok(());
    }
    if args.locked || args.frozen {
        let lock = crate::lock::Lockfile::load(&project.config.lock_path())?;
        let stale = crate::ops::contract::lock_changes(project, &session.store, lock.as_ref());
        if !stale.is_empty() {
            return Err(crate::error::Diagnostic::new(
                crate::error::Code::Gate,
                format!(
                    "--locked: contract batteries would change: {}",
                    stale.join(", ")
                ),
            )
            .hint(
                "run `jaunt reconcile` (or `jaunt apply`) and commit the batteries and jaunt.lock",
            )
            .into());
        }
    }
    let contracts = crate::ops::contract::reconcile(
        project,
        &session.store,
        &session.generator,
        crate::ops::contract::ReconcileOptions {
            targeted: args.scope.targeted(),
            offline: args.offline || args.frozen,
        },
    )?;
    report.lock_changed |= contracts.lock_changed;
    report.contracts = Some(contracts);
    Ok(())
}

/// What an apply did, counted: the summary line's body, shared with
/// `watch`'s status line.
pub fn counts(report: &ApplyReport) -> String {
    format!(
        "{} generated, {} restored, {} rewritten, {} removed, {} fresh, {} failed; {} model call(s)",
        report.generated.len(),
        report.restored.len(),
        report.rewritten.len(),
        report.removed.len(),
        report.fresh.len(),
        report.failed.len(),
        report.model_calls,
    )
}

/// `-v`: remote action entries that were ignored for want of a trusted
/// signature (their modules were generated or restored otherwise).
pub fn untrusted_note(global: &GlobalArgs, session: &Session) {
    let n = session.store.untrusted_entries();
    if global.verbose && n > 0 {
        output::note(&format!(
            "ignored {n} remote action entr{} signed by no key you trust (see `jaunt store keygen` and [store] trusted_keys)",
            if n == 1 { "y" } else { "ies" }
        ));
    }
}

/// Takes the project's writer lock (before the lockfile is read, so a
/// second run plans from what the first one wrote), saying so if it waits.
pub fn lock_project(global: &GlobalArgs, config: &Config) -> Result<WriterLock, JauntError> {
    crate::ops::writer::lock_project(config, || {
        if !global.quiet {
            output::note("waiting for another jaunt in this project…");
        }
    })
}

/// Runs apply for some kinds with progress output; shared with `jaunt test`.
pub fn run_kinds(
    global: &GlobalArgs,
    args: &ApplyArgs,
    project: &Project,
    session: &Session,
    kinds: &[SpecKind],
) -> Result<ApplyReport, JauntError> {
    let cancel = install_interrupt("in-flight modules");
    let mode = args.progress();
    let fancy =
        mode == Progress::Auto && std::io::stderr().is_terminal() && !global.json && !global.quiet;
    let plain = mode == Progress::Plain && !global.quiet;
    let bar = ProgressBar::hidden();
    let failed = AtomicUsize::new(0);
    let in_flight = AtomicUsize::new(0);
    // Without a bar, auto prints the finished lines alone.
    let lines = plain || (mode == Progress::Auto && !global.quiet && !global.json);
    let progress = |e: Event<'_>| match e {
        Event::Start { total } => {
            if plain {
                eprintln!("building {total} module(s)");
            }
            if fancy {
                bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
                bar.set_length(total as u64);
                bar.set_style(
                    ProgressStyle::with_template("{spinner} [{bar:30}] {pos}/{len} {msg}")
                        .unwrap_or_else(|_| ProgressStyle::default_bar())
                        .progress_chars("=> "),
                );
            }
        }
        Event::Began(m) => {
            let n = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
            if plain {
                eprintln!("  {:>9} {m}", "started");
            }
            if fancy {
                bar.set_message(format!(
                    "{n} in flight, {} failed — {m}",
                    failed.load(Ordering::SeqCst)
                ));
            }
        }
        Event::Finished { module, outcome } => {
            in_flight.fetch_sub(1, Ordering::SeqCst);
            let status = outcome.as_str();
            if outcome == Finished::Failed {
                failed.fetch_add(1, Ordering::SeqCst);
            }
            if fancy {
                bar.inc(1);
                bar.println(format!("  {status:>9} {module}"));
            } else if lines {
                eprintln!("  {status:>9} {module}");
            }
        }
        Event::Warning(w) => {
            if !global.quiet {
                bar.suspend(|| output::warning(w));
            }
        }
    };
    let result = apply::apply(
        project,
        session,
        kinds,
        &args.options(global),
        &cancel,
        &progress,
    );
    bar.finish_and_clear();
    result
}

/// Prints the report and returns the exit code.
pub fn finish(global: &GlobalArgs, report: &ApplyReport, prices: Option<Prices>) -> i32 {
    if global.json {
        output::json(report);
    } else if !global.quiet {
        for (module, errors) in &report.failed {
            eprintln!("{} {module}", style("failed").red().bold().for_stderr());
            for e in errors {
                for line in e.lines() {
                    eprintln!("    {line}");
                }
            }
        }
        if !report.cancelled.is_empty() {
            output::warning(&format!(
                "interrupted; not started: {} (finished modules are stored; the next apply restores them)",
                report.cancelled.join(", ")
            ));
        }
        if !report.over_budget.is_empty() {
            eprintln!(
                "{} the run reached `[llm] max_cost_per_build`; not generated: {}",
                style("stopped").red().bold().for_stderr(),
                report.over_budget.join(", ")
            );
            eprintln!(
                "    finished modules are stored; raise the limit or run `jaunt apply` again to go on"
            );
        }
        let tokens = if report.usage.prompt_tokens + report.usage.completion_tokens > 0 {
            format!(
                ", {} prompt + {} completion tokens",
                report.usage.prompt_tokens, report.usage.completion_tokens
            )
        } else {
            String::new()
        };
        println!("Applied: {}{tokens}.", counts(report));
        if let Some(c) = &report.contracts {
            super::reconcile::print(c);
        }
        if global.verbose {
            for (module, u) in &report.module_usage {
                eprintln!(
                    "  tokens {module}: {} prompt + {} completion",
                    u.prompt_tokens, u.completion_tokens
                );
            }
        }
        if let Some(prices) = prices {
            let Prices { input, output } = prices;
            let cost = crate::generate::cost(&prices, report.usage);
            println!(
                "Cost: {cost:.4} (at {input} / {output} per million prompt / completion tokens)"
            );
        }
    }
    let contracts_failed = report
        .contracts
        .as_ref()
        .is_some_and(|c| !c.failed.is_empty());
    if !report.failed.is_empty() || !report.over_budget.is_empty() || contracts_failed {
        exit::GENERATION
    } else if !report.cancelled.is_empty() {
        130
    } else {
        exit::OK
    }
}
