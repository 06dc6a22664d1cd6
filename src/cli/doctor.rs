//! `jaunt doctor`: one line per check, with the fix under a failure.

use super::{CmdResult, GlobalArgs, output};
use crate::error::exit;
use crate::ops::doctor::{self, DoctorOptions, Status};
use console::style;

pub fn run(global: &GlobalArgs) -> CmdResult {
    let report = doctor::doctor(&DoctorOptions {
        load: global.load_options(&super::Scope::default()),
        no_remote: global.no_remote,
    });
    if global.json {
        output::json(&report);
    } else {
        let width = doctor::CHECKS.iter().map(|c| c.len()).max().unwrap_or(0);
        for check in &report.checks {
            if global.quiet && check.status != Status::Fail {
                continue;
            }
            let label = match check.status {
                Status::Ok => style("ok  ").green(),
                Status::Fail => style("FAIL").red().bold(),
                Status::Skip => style("skip").dim(),
            };
            println!("{label} {:<width$}  {}", check.name, check.message);
            if let Some(fix) = &check.fix {
                println!("     {:<width$}  fix: {fix}", "");
            }
        }
    }
    Ok(if report.ok { exit::OK } else { exit::GATE })
}
