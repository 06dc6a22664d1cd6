//! The command line: argument parsing and output only. Each subcommand
//! lives in its own file and calls one operation from [`crate::ops`].

mod apply;
mod cache;
mod clean;
mod contract;
mod doctor;
mod graph;
mod init;
mod lock;
mod migrate;
mod output;
mod plan;
mod reconcile;
mod shell;
mod skills;
mod specs;
mod store;
mod test;
mod watch;

use crate::error::{JauntError, exit};
use crate::names::Target;
use crate::ops::project::{LoadOptions, Project};
use crate::ops::session::StoreUse;
use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "jaunt",
    version,
    about = "Build system for spec-driven Python code generation",
    propagate_version = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Flags every command accepts.
#[derive(clap::Args, Debug, Clone)]
pub struct GlobalArgs {
    /// Project root (the directory holding jaunt.toml); default: found by walking up.
    #[arg(long, global = true, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// Configuration file (jaunt.toml or pyproject.toml).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Parallel generation jobs, 1 to 256 (default: [build] jobs).
    #[arg(long, short = 'j', global = true, value_parser = parse_jobs)]
    pub jobs: Option<usize>,
    /// Use only explicit deps= edges.
    #[arg(long, global = true)]
    pub no_infer_deps: bool,
    /// Machine-readable output on stdout.
    #[arg(long, global = true)]
    pub json: bool,
    /// Explain more (dropped deps, unresolved names, cache use).
    #[arg(long, short = 'v', global = true)]
    pub verbose: bool,
    /// Print only errors.
    #[arg(long, short = 'q', global = true)]
    pub quiet: bool,
    /// Leave the remote store out (the local store only).
    #[arg(long, global = true)]
    pub no_remote: bool,
    /// When to use colors.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

/// `--target`: limits a command to some modules and what they depend on.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct Scope {
    /// Limit to MODULE[:QUALNAME] and what it depends on (repeatable).
    #[arg(long = "target", value_name = "MODULE[:QUALNAME]")]
    pub targets: Vec<Target>,
}

impl Scope {
    pub fn targeted(&self) -> bool {
        !self.targets.is_empty()
    }
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// List every spec with its kind, location, deps and digest.
    Specs(specs::Args),
    /// Show the spec and module dependency graphs.
    Graph(graph::Args),
    /// Show what apply would do, and why.
    Plan(plan::PlanArgs),
    /// Generate what changed, restore the rest from the store.
    #[command(alias = "build")]
    Apply(apply::ApplyArgs),
    /// Model-free gate: exit 4 unless every module is fresh, every contract battery current and
    /// passing, and jaunt.lock up to date.
    Check(plan::CheckArgs),
    /// Derive the missing or stale @jaunt.contract batteries (and nothing else).
    Reconcile(reconcile::Args),
    /// Mark existing code @jaunt.contract (a minimal edit) and derive its battery.
    Adopt(contract::AdoptArgs),
    /// Remove @jaunt.contract markers, leaving plain Python and plain pytest batteries.
    Eject(contract::EjectArgs),
    /// One-line summary of the plan.
    Status(Scope),
    /// Apply, generate the test modules of @jaunt.test specs, and run pytest.
    Test(test::Args),
    /// Scaffold a new project.
    Init(init::InitArgs),
    /// The Python runtime package carried by this binary.
    #[command(subcommand)]
    Runtime(init::RuntimeCommand),
    /// Delete generated files.
    Clean(clean::Args),
    /// Adopt Jaunt 1.7's generated modules (or any named with --adopt) without model calls.
    Migrate(migrate::Args),
    /// Inspect and maintain the content-addressed store.
    #[command(subcommand)]
    Store(store::StoreCommand),
    /// Review jaunt.lock changes.
    #[command(subcommand)]
    Lock(lock::LockCommand),
    /// Manage the project's parse cache.
    #[command(subcommand)]
    Cache(cache::CacheCommand),
    /// List the library skills: version, origin, import names, users.
    Skills(skills::Args),
    /// Check the configuration, the runtime, the model backend, the stores,
    /// the generated files and the parse cache; exit 4 if any check fails.
    Doctor,
    /// Re-plan and apply whenever a spec or jaunt.toml changes, until Ctrl-C.
    Watch(watch::Args),
    /// Print the completion script for a shell (bash, zsh or fish).
    Completions(shell::CompletionsArgs),
    /// Print the manual page, or write one per subcommand with --dir.
    Man(shell::ManArgs),
}

impl GlobalArgs {
    pub fn store_use(&self) -> StoreUse {
        StoreUse {
            no_remote: self.no_remote,
            locked: false,
        }
    }

    /// Whether a run may answer from, and record, the no-op stamps and the
    /// incremental plan's base: a full run of the whole project, under the
    /// options they were recorded with, with nothing extra to explain.
    pub fn stampable(&self, scope: &Scope) -> bool {
        !scope.targeted() && !self.verbose && !self.no_infer_deps
    }

    pub fn load_options(&self, scope: &Scope) -> LoadOptions {
        LoadOptions {
            root: self.root.clone(),
            config: self.config.clone(),
            targets: scope.targets.clone(),
            no_infer_deps: self.no_infer_deps,
            report_skipped: self.verbose,
            adopted: Vec::new(),
        }
    }
}

/// `--jobs`: a count from 1 to [`crate::config::MAX_JOBS`].
fn parse_jobs(text: &str) -> Result<usize, String> {
    let max = crate::config::MAX_JOBS;
    match text.parse::<usize>() {
        Ok(n) if (1..=max).contains(&n) => Ok(n),
        _ => Err(format!("expected a number of jobs from 1 to {max}")),
    }
}

/// A loaded project that the process exits with rather than frees: the
/// operating system takes it back at once, while dropping a 10,000-module
/// project's graphs node by node cost about 8% of a `jaunt plan`.
fn held(project: Project) -> std::mem::ManuallyDrop<Project> {
    std::mem::ManuallyDrop::new(project)
}

/// Runs the command line and returns the process exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() {
                exit::CONFIG
            } else {
                exit::OK
            };
            let _ = e.print();
            return code;
        }
    };
    let colors = match cli.global.color {
        ColorChoice::Always => Some(true),
        ColorChoice::Never => Some(false),
        ColorChoice::Auto => None,
    };
    if let Some(on) = colors {
        console::set_colors_enabled(on);
        console::set_colors_enabled_stderr(on);
    }
    let result = match &cli.command {
        Command::Specs(args) => specs::run(&cli.global, args),
        Command::Graph(args) => graph::run(&cli.global, args),
        Command::Plan(args) => plan::run_plan(&cli.global, args),
        Command::Apply(args) => apply::run(&cli.global, args),
        Command::Check(args) => plan::run_check(&cli.global, args),
        Command::Status(scope) => plan::run_status(&cli.global, scope),
        Command::Reconcile(args) => reconcile::run(&cli.global, args),
        Command::Adopt(args) => contract::run_adopt(&cli.global, args),
        Command::Eject(args) => contract::run_eject(&cli.global, args),
        Command::Test(args) => test::run(&cli.global, args),
        Command::Init(args) => init::run_init(&cli.global, args),
        Command::Runtime(cmd) => init::run_runtime(&cli.global, cmd),
        Command::Clean(args) => clean::run(&cli.global, args),
        Command::Migrate(args) => migrate::run(&cli.global, args),
        Command::Store(cmd) => store::run(&cli.global, cmd),
        Command::Cache(cmd) => cache::run(&cli.global, cmd),
        Command::Skills(args) => skills::run(&cli.global, args),
        Command::Lock(cmd) => lock::run(&cli.global, cmd),
        Command::Doctor => doctor::run(&cli.global),
        Command::Watch(args) => watch::run(&cli.global, args),
        Command::Completions(args) => shell::run_completions(args),
        Command::Man(args) => shell::run_man(&cli.global, args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            output::error(&err, cli.global.json);
            err.exit_code()
        }
    }
}

/// What a command returns: an exit code on success paths (gates return 4
/// without being errors), or an error rendered once here.
pub type CmdResult = Result<i32, JauntError>;
