//! `jaunt graph`: the spec and module graphs as text, JSON, dot or mermaid.

use super::{CmdResult, GlobalArgs, output};
use crate::error::exit;
use crate::graph::{Origin, SpecGraph, tests_by_target};
use crate::names::SpecKind;
use crate::ops::noop;
use crate::ops::project::Project;
use crate::stamp::Began;
use std::collections::BTreeMap;
use std::fmt::Write;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    scope: super::Scope,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Which specs: implementation (build), test specs or contracts.
    #[arg(long, value_enum, default_value_t = KindArg::Build)]
    kind: KindArg,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum Format {
    Text,
    Json,
    Dot,
    Mermaid,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum KindArg {
    Build,
    Test,
    Contract,
}

pub fn run(global: &GlobalArgs, args: &Args) -> CmdResult {
    let began = Began::now();
    let clock = std::time::Instant::now();
    let kind = match args.kind {
        KindArg::Build => SpecKind::Build,
        KindArg::Test => SpecKind::Test,
        KindArg::Contract => SpecKind::Contract,
    };
    let format = if global.json {
        Format::Json
    } else {
        args.format
    };
    let opts = global.load_options(&args.scope);
    let config = Project::load_config(&opts)?;
    let what = format!("graph-{}-{format:?}", kind.as_str()).to_lowercase();
    let shortcut = global.stampable(&args.scope);
    if let Some(text) = shortcut
        .then(|| noop::recorded_listing(&config, &what))
        .flatten()
    {
        output::raw(&text);
        return Ok(exit::OK);
    }
    let project = super::held(Project::load_with(config, &opts, clock)?);
    super::specs::print_notes(global, &project);
    let graph = project.graph(kind);
    let text = match format {
        Format::Json => output::json_text(&to_json(graph)),
        Format::Text => to_text(graph),
        Format::Dot => to_dot(graph),
        Format::Mermaid => to_mermaid(graph),
    };
    output::raw(&text);
    if shortcut {
        noop::record_listing(&project, &what, &text, began);
    }
    Ok(exit::OK)
}

/// The documented shape (`schema/graph.schema.json`): `{"specs": {REF: [DEP…]}, "modules": {MOD: [DEP…]},
/// "tests_by_target": {MOD: [TEST REF…]}}`, sorted, every spec and every
/// module with specs a key; the last is empty for build specs.
fn to_json(g: &SpecGraph) -> serde_json::Value {
    let specs: BTreeMap<String, Vec<String>> = g
        .specs
        .iter()
        .map(|(r, n)| {
            (
                r.to_string(),
                n.deps.keys().map(ToString::to_string).collect(),
            )
        })
        .collect();
    let modules: BTreeMap<String, Vec<String>> = g
        .modules
        .iter()
        .map(|(m, n)| {
            (
                m.to_string(),
                n.deps.iter().map(ToString::to_string).collect(),
            )
        })
        .collect();
    let groups: BTreeMap<String, Vec<String>> = tests_by_target(g.specs.values())
        .into_iter()
        .map(|(m, tests)| {
            let refs = tests.iter().map(|n| n.spec_ref.to_string()).collect();
            (m.to_string(), refs)
        })
        .collect();
    serde_json::json!({
        "specs": specs,
        "modules": modules,
        "tests_by_target": groups,
    })
}

fn to_text(g: &SpecGraph) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "modules:");
    for (m, n) in &g.modules {
        if n.deps.is_empty() {
            let _ = writeln!(out, "  {m}");
        } else {
            let deps: Vec<String> = n.deps.iter().map(ToString::to_string).collect();
            let _ = writeln!(out, "  {m} -> {}", deps.join(", "));
        }
    }
    let _ = writeln!(out, "specs:");
    for (r, n) in &g.specs {
        let _ = writeln!(out, "  {r}");
        for (d, e) in &n.deps {
            let _ = writeln!(out, "    -> {d}  ({}, line {})", e.origin.as_str(), e.line);
        }
    }
    let groups = tests_by_target(g.specs.values());
    if !groups.is_empty() {
        let _ = writeln!(out, "tests by target module:");
        for (m, tests) in groups {
            let tests: Vec<String> = tests.iter().map(|n| n.spec_ref.to_string()).collect();
            let _ = writeln!(out, "  {m} <- {}", tests.join(", "));
        }
    }
    out
}

fn to_dot(g: &SpecGraph) -> String {
    let mut out = String::from(
        "digraph jaunt {\n  rankdir=LR;\n  node [shape=box, fontname=\"Helvetica\"];\n",
    );
    for (m, n) in &g.modules {
        let id = m.as_str().replace('.', "_");
        let _ = writeln!(out, "  subgraph \"cluster_{id}\" {{\n    label=\"{m}\";");
        for s in &n.specs {
            let _ = writeln!(out, "    \"{s}\" [label=\"{}\"];", s.qualname);
        }
        out.push_str("  }\n");
    }
    for (r, n) in &g.specs {
        for (d, e) in &n.deps {
            let style = match e.origin {
                Origin::Targets => " [style=bold]",
                Origin::Deps => "",
                Origin::Inferred => " [style=dashed]",
            };
            let _ = writeln!(out, "  \"{r}\" -> \"{d}\"{style};");
        }
    }
    out.push_str("}\n");
    out
}

fn to_mermaid(g: &SpecGraph) -> String {
    let mut ids: BTreeMap<String, String> = BTreeMap::new();
    for r in g
        .specs
        .keys()
        .chain(g.specs.values().flat_map(|n| n.deps.keys()))
    {
        let next = format!("s{}", ids.len());
        ids.entry(r.to_string()).or_insert(next);
    }
    let mut out = String::from("flowchart LR\n");
    for (m, n) in &g.modules {
        let _ = writeln!(out, "  subgraph {}[\"{m}\"]", m.as_str().replace('.', "_"));
        for s in &n.specs {
            let _ = writeln!(out, "    {}[\"{}\"]", ids[&s.to_string()], s.qualname);
        }
        out.push_str("  end\n");
    }
    for (r, n) in &g.specs {
        for (d, e) in &n.deps {
            let arrow = match e.origin {
                Origin::Targets => "==>",
                Origin::Deps => "-->",
                Origin::Inferred => "-.->",
            };
            let _ = writeln!(
                out,
                "  {} {arrow} {}",
                ids[&r.to_string()],
                ids[&d.to_string()]
            );
        }
    }
    out
}
