//! `jaunt specs`: every spec with kind, file:line, deps and digest; test
//! specs grouped by the modules their `targets=` name.

use super::{CmdResult, GlobalArgs, output};
use crate::error::exit;
use crate::graph::SpecNode;
use crate::names::ModuleName;
use crate::ops::noop;
use crate::ops::project::Project;
use crate::ops::specs;
use crate::stamp::Began;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    scope: super::Scope,
    /// List only MODULE and the modules inside it (`pkg` lists `pkg.sub` too; repeatable).
    #[arg(long = "module", value_name = "MODULE", value_parser = ModuleName::parse)]
    modules: Vec<ModuleName>,
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
    targets: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    public_api_only: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    test: Option<bool>,
    digest: String,
}

impl<'a> SpecRow<'a> {
    fn new(n: &'a SpecNode) -> SpecRow<'a> {
        SpecRow {
            spec_ref: n.spec_ref.to_string(),
            kind: n.kind.as_str(),
            definition: n.def_kind.as_str(),
            module: n.spec_ref.module.as_str(),
            file: &n.file,
            line: n.line,
            deps: n.deps.keys().map(ToString::to_string).collect(),
            targets: n.targets.iter().map(ToString::to_string).collect(),
            public_api_only: (n.kind == crate::names::SpecKind::Test).then_some(n.public_api_only),
            test: n.test,
            digest: n.digest.to_string(),
        }
    }

    fn print(&self) {
        println!(
            "{}  {} {}  {}:{}  {}",
            console::style(&self.spec_ref).bold(),
            self.kind,
            self.definition,
            self.file,
            self.line,
            console::style(&self.digest[..15]).dim()
        );
        if !self.targets.is_empty() {
            println!("    targets: {}", self.targets.join(", "));
        }
        if self.public_api_only == Some(false) {
            println!("    public_api_only: False");
        }
        if let Some(test) = self.test {
            println!("    test: {}", if test { "True" } else { "False" });
        }
        if !self.deps.is_empty() {
            println!("    deps: {}", self.deps.join(", "));
        }
    }
}

pub fn run(global: &GlobalArgs, args: &Args) -> CmdResult {
    let began = Began::now();
    let clock = std::time::Instant::now();
    let opts = global.load_options(&args.scope);
    let config = Project::load_config(&opts)?;
    let shortcut = global.json && args.modules.is_empty() && global.stampable(&args.scope);
    if let Some(text) = shortcut
        .then(|| noop::recorded_listing(&config, "specs-json"))
        .flatten()
    {
        output::raw(&text);
        return Ok(exit::OK);
    }
    let project = super::held(Project::load_with(config, &opts, clock)?);
    print_notes(global, &project);
    let listing = specs::list(&project, &args.modules)?;
    if global.json {
        let rows: Vec<SpecRow> = listing
            .build
            .iter()
            .chain(&listing.tests)
            .chain(&listing.contracts)
            .map(|n| SpecRow::new(n))
            .collect();
        let groups: BTreeMap<&str, Vec<String>> = listing
            .tests_by_target
            .iter()
            .map(|(m, tests)| {
                let refs = tests.iter().map(|n| n.spec_ref.to_string()).collect();
                (m.as_str(), refs)
            })
            .collect();
        let text =
            output::json_text(&serde_json::json!({ "specs": rows, "tests_by_target": groups }));
        output::raw(&text);
        if shortcut {
            noop::record_listing(&project, "specs-json", &text, began);
        }
        return Ok(exit::OK);
    }
    for n in &listing.build {
        SpecRow::new(n).print();
    }
    for (module, tests) in &listing.tests_by_target {
        println!("tests of {module}:");
        for n in tests {
            SpecRow::new(n).print();
        }
    }
    if !listing.untargeted.is_empty() {
        println!("tests without targets:");
        for n in &listing.untargeted {
            SpecRow::new(n).print();
        }
    }
    if !listing.contracts.is_empty() {
        println!("contracts:");
        for n in &listing.contracts {
            SpecRow::new(n).print();
        }
    }
    if !global.quiet {
        eprintln!(
            "{} specs in {} modules",
            listing.build.len() + listing.tests.len() + listing.contracts.len(),
            listing.modules
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
    for note in project
        .build
        .notes
        .iter()
        .chain(&project.test.notes)
        .chain(&project.contract.notes)
    {
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
