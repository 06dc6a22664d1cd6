//! `jaunt cache clear`.

use super::{CmdResult, GlobalArgs, output};
use crate::discover::cache;
use crate::error::{JauntError, exit};
use crate::ops::project::Project;

#[derive(clap::Subcommand, Debug)]
pub enum CacheCommand {
    /// Remove the caches under .jaunt/cache: parse cache, lockfile sidecar, stub cache, no-op stamps, incremental-plan base.
    Clear,
}

pub fn run(global: &GlobalArgs, cmd: &CacheCommand) -> CmdResult {
    match cmd {
        CacheCommand::Clear => {
            let config = Project::load_config(&global.load_options(&super::Scope::default()))?;
            let state = config.state_dir();
            let existed = cache::clear(&state).map_err(|e| {
                JauntError::io(
                    format!("removing {}", cache::ParseCache::dir(&state).display()),
                    e,
                )
            })?;
            if global.json {
                output::json(&serde_json::json!({ "removed": existed }));
            } else if !global.quiet {
                println!(
                    "{}",
                    if existed {
                        "parse cache removed"
                    } else {
                        "no parse cache to remove"
                    }
                );
            }
            Ok(exit::OK)
        }
    }
}
