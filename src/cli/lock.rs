//! `jaunt lock diff`: review what a branch changes in jaunt.lock.

use super::{CmdResult, GlobalArgs, output};
use crate::error::exit;
use crate::lock::{LockDiff, RederivedContract, RegeneratedModule};
use crate::ops::lockdiff;
use crate::ops::project::Project;
use clap::ValueEnum;
use std::fmt::Write;

#[derive(clap::Subcommand, Debug)]
pub enum LockCommand {
    /// Compare jaunt.lock with a git revision (default: the merge base with main).
    Diff(DiffArgs),
}

#[derive(clap::Args, Debug)]
pub struct DiffArgs {
    /// Base revision (commit, branch, tag); default: the merge base of HEAD
    /// with main, master or origin/HEAD.
    #[arg(long, value_name = "REV")]
    base: Option<String>,
    /// Output format; `--json` is `--format json`.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Markdown,
    Json,
}

pub fn run(global: &GlobalArgs, cmd: &LockCommand) -> CmdResult {
    let LockCommand::Diff(args) = cmd;
    let config = Project::load_config(&global.load_options(&super::Scope::default()))?;
    let review = lockdiff::review(&config, args.base.as_deref())?;
    let format = if global.json {
        Format::Json
    } else {
        args.format
    };
    match format {
        Format::Json => output::json(&review.diff),
        Format::Markdown => print!("{}", markdown(&review.base, &review.diff)),
        Format::Text => print!("{}", text(&review.base, &review.diff)),
    }
    Ok(exit::OK)
}

fn is_empty(d: &LockDiff) -> bool {
    d.added.is_empty()
        && d.removed.is_empty()
        && d.regenerated.is_empty()
        && !d.generator_changed
        && d.skills_changed.is_empty()
        && d.contracts_added.is_empty()
        && d.contracts_removed.is_empty()
        && d.contracts_rederived.is_empty()
}

/// What changed in a re-derived contract, e.g. `prose changed, battery
/// unchanged`.
fn rederived_words(c: &RederivedContract) -> String {
    let mut words = Vec::new();
    if c.prose_changed {
        words.push("prose changed");
    }
    if c.signature_changed {
        words.push("signature changed");
    }
    words.push(if c.artifact_changed {
        "battery changed"
    } else {
        "battery unchanged"
    });
    words.join(", ")
}

/// The contract changes as (sign, ref, change, detail) rows.
fn contract_rows(d: &LockDiff) -> Vec<(&'static str, String, &'static str, String)> {
    let mut rows: Vec<_> = d
        .contracts_added
        .iter()
        .map(|r| ("+", r.to_string(), "added", String::new()))
        .collect();
    rows.extend(
        d.contracts_removed
            .iter()
            .map(|r| ("-", r.to_string(), "removed", String::new())),
    );
    rows.extend(d.contracts_rederived.iter().map(|c| {
        (
            "~",
            c.spec_ref.to_string(),
            "re-derived",
            rederived_words(c),
        )
    }));
    rows
}

/// Spec changes of a regenerated module as (sign, word, refs) groups.
fn spec_groups(r: &RegeneratedModule) -> [(&'static str, &'static str, Vec<String>); 3] {
    let refs = |v: &[crate::names::SpecRef]| v.iter().map(ToString::to_string).collect();
    [
        ("+", "added", refs(&r.specs_added)),
        ("-", "removed", refs(&r.specs_removed)),
        ("~", "changed", refs(&r.specs_changed)),
    ]
}

fn artifact_word(r: &RegeneratedModule) -> &'static str {
    if r.artifact_changed {
        "artifact changed"
    } else {
        "artifact unchanged"
    }
}

/// Human lines, one per module, spec changes indented below.
pub fn text(base: &str, d: &LockDiff) -> String {
    if is_empty(d) {
        return format!("jaunt.lock: no changes since {base}\n");
    }
    let mut out = format!("jaunt.lock changes since {base}:\n");
    for m in &d.added {
        let _ = writeln!(out, "  + {m} (added)");
    }
    for m in &d.removed {
        let _ = writeln!(out, "  - {m} (removed)");
    }
    for r in &d.regenerated {
        let _ = writeln!(out, "  ~ {} (regenerated, {})", r.name, artifact_word(r));
        for (_, word, refs) in spec_groups(r) {
            for s in refs {
                let _ = writeln!(out, "      spec {word}: {s}");
            }
        }
    }
    for (sign, r, change, detail) in contract_rows(d) {
        let detail = if detail.is_empty() {
            String::new()
        } else {
            format!(", {detail}")
        };
        let _ = writeln!(out, "  {sign} contract {r} ({change}{detail})");
    }
    if d.generator_changed {
        out.push_str("  generator changed\n");
    }
    if !d.skills_changed.is_empty() {
        let _ = writeln!(out, "  skills changed: {}", d.skills_changed.join(", "));
    }
    out
}

/// A table to post as a pull-request comment.
pub fn markdown(base: &str, d: &LockDiff) -> String {
    let mut out = format!("### `jaunt.lock` changes since {base}\n\n");
    if is_empty(d) {
        out.push_str("No changes.\n");
        return out;
    }
    let mut rows: Vec<[String; 4]> = Vec::new();
    rows.extend(d.added.iter().map(|m| {
        [
            format!("`{m}`"),
            "added".into(),
            String::new(),
            String::new(),
        ]
    }));
    rows.extend(d.removed.iter().map(|m| {
        [
            format!("`{m}`"),
            "removed".into(),
            String::new(),
            String::new(),
        ]
    }));
    for r in &d.regenerated {
        let specs: Vec<String> = spec_groups(r)
            .into_iter()
            .flat_map(|(sign, _, refs)| refs.into_iter().map(move |s| format!("{sign} `{s}`")))
            .collect();
        let artifact = if r.artifact_changed {
            "changed"
        } else {
            "unchanged"
        };
        rows.push([
            format!("`{}`", r.name),
            "regenerated".into(),
            specs.join("<br>"),
            artifact.into(),
        ]);
    }
    if !rows.is_empty() {
        out.push_str("| module | change | specs | artifact |\n|---|---|---|---|\n");
        for row in rows {
            let _ = writeln!(out, "| {} |", row.join(" | "));
        }
    }
    let contracts = contract_rows(d);
    if !contracts.is_empty() {
        if !out.ends_with("\n\n") {
            out.push('\n');
        }
        out.push_str("| contract | change | detail |\n|---|---|---|\n");
        for (_, r, change, detail) in contracts {
            let _ = writeln!(out, "| `{r}` | {change} | {detail} |");
        }
    }
    if d.generator_changed {
        out.push_str("\n**Generator changed**: model, parameters or prompt templates differ.\n");
    }
    if !d.skills_changed.is_empty() {
        let skills: Vec<String> = d.skills_changed.iter().map(|s| format!("`{s}`")).collect();
        let _ = writeln!(out, "\n**Skills changed**: {}", skills.join(", "));
    }
    out
}
