//! `jaunt specs`: every spec with kind, file:line, deps and digest.

use super::{CmdResult, GlobalArgs, output};
use crate::error::exit;
use crate::graph::SpecNode;
use crate::ops::project::Project;
use serde::Serialize;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    scope: super::Scope,
}

#[derive(Serialize)]
struct SpecRow<'a> {
    #[serde(rename = "ref")]
    spec_ref: String,
    kind: &'a str,
    definition: &'a str,
    module: &'a str,
    file: &'a str,
    line: u32,
    deps: Vec<String>,
    digest: String,
}

pub fn run(global: &GlobalArgs, args: &Args) -> CmdResult {
    let project = Project::load(&global.load_options(&args.scope))?;
    print_notes(global, &project);
    let nodes: Vec<&SpecNode> = project
        .build
        .specs
        .values()
        .chain(project.test.specs.values())
        .collect();
    let rows: Vec<SpecRow> = nodes
        .iter()
        .map(|n| SpecRow {
            spec_ref: n.spec_ref.to_string(),
            kind: n.kind.as_str(),
            definition: n.def_kind.as_str(),
            module: n.spec_ref.module.as_str(),
            file: &n.file,
            line: n.line,
            deps: n.deps.keys().map(ToString::to_string).collect(),
            digest: n.digest.to_string(),
        })
        .collect();
    if global.json {
        output::json(&serde_json::json!({ "specs": rows }));
        return Ok(exit::OK);
    }
    for row in &rows {
        println!(
            "{}  {} {}  {}:{}  {}",
            console::style(&row.spec_ref).bold(),
            row.kind,
            row.definition,
            row.file,
            row.line,
            console::style(&row.digest[..15]).dim()
        );
        if !row.deps.is_empty() {
            println!("    deps: {}", row.deps.join(", "));
        }
    }
    if !global.quiet {
        eprintln!(
            "{} specs in {} modules",
            rows.len(),
            project.build.modules.len() + project.test.modules.len()
        );
    }
    Ok(exit::OK)
}

/// `-v`: dropped deps, unresolved inferred deps, parse-cache use.
pub fn print_notes(global: &GlobalArgs, project: &Project) {
    if !global.verbose {
        return;
    }
    for note in &project.config.notes {
        output::note(&note.to_string());
    }
    for note in project.build.notes.iter().chain(project.test.notes.iter()) {
        output::note(note);
    }
    for skipped in &project.discovery.skipped {
        output::note(&format!(
            "skipped {} ({}): {} file(s) with jaunt specs",
            skipped.path, skipped.reason, skipped.files
        ));
    }
    output::note(&format!(
        "{} files read from the parse cache, {} parsed",
        project.discovery.cache_hits, project.discovery.parsed
    ));
    let phases: Vec<String> = project
        .timings
        .iter()
        .map(|(name, t)| format!("{name} {:.1} ms", t.as_secs_f64() * 1e3))
        .collect();
    output::note(&format!("load: {}", phases.join(", ")));
}
