//! `jaunt clean`: delete generated files and `.pyi` stubs (all of them, or
//! only orphans).

use crate::error::Result;
use crate::exec::materialize;
use crate::genfile;
use crate::names::SpecKind;
use crate::ops::project::Project;
use crate::ops::session::Session;
use crate::plan::Status;
use crate::stubfile;
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
    let mut stubs = Vec::new();
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
                let stub = stubfile::stub_path(m);
                if crate::fsutil::read_regular_string(&stub).is_ok_and(|t| stubfile::is_jaunts(&t))
                {
                    stubs.push(stub);
                }
            }
        }
    }
    targets.sort();
    targets.dedup();
    if !dry_run {
        for t in &targets {
            materialize::remove(&project.config.root, t, &session.edits)?;
        }
        for s in &stubs {
            materialize::remove_stub(&project.config.root, s)?;
        }
    }
    targets.extend(stubs);
    targets.sort();
    Ok(targets)
}
