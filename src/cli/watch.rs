//! `jaunt watch`: one status line per cycle on stdout; module progress,
//! errors and warnings on stderr.

use super::apply::ApplyArgs;
use super::{CmdResult, GlobalArgs, output};
use crate::ops::apply::{ApplyReport, Event};
use crate::ops::watch::{self, Cycle, Outcome, Reporter, Trigger, WatchOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    apply: ApplyArgs,
    /// Print the plan on each change instead of applying it.
    #[arg(long, conflicts_with = "test")]
    plan_only: bool,
    /// After each apply that built everything, generate the test modules and run pytest.
    #[arg(long)]
    test: bool,
    /// Extra pytest argument (repeatable), after [test] pytest_args.
    #[arg(long = "pytest-args", value_name = "ARG", allow_hyphen_values = true)]
    pytest_args: Vec<String>,
}

pub fn run(global: &GlobalArgs, args: &Args) -> CmdResult {
    let opts = WatchOptions {
        load: global.load_options(&args.apply.scope),
        store_use: args.apply.store_use(global),
        apply: args.apply.options(global),
        plan_only: args.plan_only,
        test: args.test,
        pytest_args: args.pytest_args.clone(),
    };
    // The first Ctrl-C ends the watch once the cycle in flight is done (its
    // apply starts no new module).
    let cancel = super::apply::install_interrupt("the cycle in flight");
    let printer = Printer {
        quiet: global.quiet,
        verbose: global.verbose,
        root: std::env::current_dir().unwrap_or_default(),
    };
    watch::watch(&opts, &cancel, &printer)
}

struct Printer {
    quiet: bool,
    verbose: bool,
    /// The working directory, for paths as the user would type them.
    root: PathBuf,
}

impl Printer {
    fn shown<'a>(&self, path: &'a Path) -> &'a Path {
        path.strip_prefix(&self.root).unwrap_or(path)
    }
}

impl Reporter for Printer {
    fn watching(&self, dirs: &[PathBuf], config: &Path) {
        if self.quiet {
            return;
        }
        let mut shown: Vec<String> = dirs
            .iter()
            .map(|d| match self.shown(d) {
                p if p.as_os_str().is_empty() => ".".to_owned(),
                p => p.display().to_string(),
            })
            .collect();
        shown.push(self.shown(config).display().to_string());
        eprintln!("watching {} (Ctrl-C to stop)", shown.join(", "));
    }

    fn progress(&self, event: Event<'_>) {
        match event {
            Event::Finished { module, outcome } if !self.quiet => {
                eprintln!("  {:>9} {module}", outcome.as_str());
            }
            Event::Warning(w) if !self.quiet => output::warning(w),
            _ => {}
        }
    }

    fn cycle(&self, cycle: &Cycle) {
        let trigger = match &cycle.trigger {
            Trigger::Start => "start".to_owned(),
            Trigger::Changed(paths) if paths.len() == 1 => {
                format!("{} changed", paths[0].display())
            }
            Trigger::Changed(paths) => format!("{} files changed", paths.len()),
        };
        let what = match &cycle.outcome {
            Outcome::Planned(plan) => {
                if !self.quiet {
                    super::plan::print_plan(plan, self.verbose);
                }
                super::plan::summary_line(plan)
            }
            Outcome::Applied { report, tests } => {
                print_failures(report);
                let mut line = applied(report);
                match tests {
                    Some(true) => line.push_str("; tests passed"),
                    Some(false) => line.push_str("; tests failed"),
                    None => {}
                }
                line
            }
            Outcome::Failed(err) => {
                output::error(err, false);
                "error (above); watching for the fix".to_owned()
            }
        };
        let mut out = std::io::stdout().lock();
        let _ = writeln!(
            out,
            "cycle {} ({trigger}): {what} [{:.1}s]",
            cycle.number,
            cycle.elapsed.as_secs_f64()
        );
        let _ = out.flush();
    }

    fn warning(&self, message: &str) {
        if !self.quiet {
            output::warning(message);
        }
    }
}

/// The apply half of a status line.
fn applied(report: &ApplyReport) -> String {
    let mut line = format!("applied: {}", super::apply::counts(report));
    if !report.over_budget.is_empty() {
        line.push_str(&format!(
            "; budget reached, not generated: {}",
            report.over_budget.join(", ")
        ));
    }
    if !report.cancelled.is_empty() {
        line.push_str(&format!(
            "; interrupted, not started: {} (finished modules are kept)",
            report.cancelled.join(", ")
        ));
    }
    line
}

fn print_failures(report: &ApplyReport) {
    for (module, errors) in &report.failed {
        eprintln!("failed {module}");
        for e in errors {
            for line in e.lines() {
                eprintln!("    {line}");
            }
        }
    }
}
