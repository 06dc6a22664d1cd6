//! `jaunt skills`: the library skills in use, from the SKILL.md files
//! present (apply writes missing ones).

use super::{CmdResult, GlobalArgs, output};
use crate::error::exit;
use crate::fsutil::relative;
use crate::ops::project::Project;
use crate::skills::{self, SkillOrigin};
use serde::Serialize;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    scope: super::Scope,
}

#[derive(Serialize)]
struct SkillRow<'a> {
    dist: &'a str,
    version: &'a str,
    imports: Vec<&'a str>,
    path: String,
    origin: SkillOrigin,
    digest: String,
    modules: Vec<&'a str>,
}

pub fn run(global: &GlobalArgs, args: &Args) -> CmdResult {
    let project = Project::load(&global.load_options(&args.scope))?;
    let skills = skills::resolve(&project.config, &project.discovery);
    let rows: Vec<SkillRow> = skills
        .all()
        .map(|s| SkillRow {
            dist: &s.dist,
            version: &s.version,
            imports: s.imports.iter().map(String::as_str).collect(),
            path: relative(&project.config.root, &s.path),
            origin: s.origin,
            digest: s.digest.to_string(),
            modules: s.modules.iter().map(|m| m.as_str()).collect(),
        })
        .collect();
    if global.json {
        output::json(&serde_json::json!({ "skills": rows }));
        return Ok(exit::OK);
    }
    if rows.is_empty() && !global.quiet {
        output::note("no library skills in use (`jaunt apply` writes them for imported libraries)");
    }
    for r in &rows {
        let origin = match r.origin {
            SkillOrigin::Jaunt => "jaunt",
            SkillOrigin::User => "user",
        };
        println!(
            "{} {} ({origin}) {}\n    imports: {}\n    used by: {}",
            r.dist,
            r.version,
            r.path,
            r.imports.join(", "),
            r.modules.join(", ")
        );
    }
    Ok(exit::OK)
}
