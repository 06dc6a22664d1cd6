//! `jaunt clean`: delete generated files (all of them, or only orphans).

use crate::error::Result;
use crate::exec::materialize;
use crate::genfile;
use crate::names::SpecKind;
use crate::ops::project::Project;
use crate::ops::session::Session;
use crate::plan::Status;
use std::path::PathBuf;

/// Files removed (or, with `dry_run`, that would be).
pub fn clean(
    project: &Project,
    session: &Session,
    orphans_only: bool,
    dry_run: bool,
) -> Result<Vec<PathBuf>> {
    let mut targets: Vec<PathBuf> = session
        .plan(project, &[SpecKind::Build, SpecKind::Test], false)
        .modules
        .into_iter()
        .filter(|m| m.status == Status::Remove)
        .map(|m| m.output)
        .collect();
    if !orphans_only {
        for kind in [SpecKind::Build, SpecKind::Test] {
            for m in project.graph(kind).modules.values() {
                let path = genfile::output_path(m, &project.config.paths.generated_dir);
                if matches!(
                    genfile::DiskState::read(&path),
                    genfile::DiskState::Intact(_) | genfile::DiskState::Edited(_)
                ) {
                    targets.push(path);
                }
            }
        }
    }
    targets.sort();
    targets.dedup();
    if !dry_run {
        for t in &targets {
            materialize::remove(t)?;
        }
    }
    Ok(targets)
}
