//! Loading a project: configuration, discovery, graphs, cycle check.
//!
//! Every command that needs the spec graph goes through [`Project::load`],
//! so all of them report discovery errors and cycles the same way (exit 2).

use crate::config::{Config, Locate};
use crate::discover::{self, Discovery};
use crate::error::Result;
use crate::graph::{GraphOptions, SpecGraph};
use crate::names::{ModuleName, SpecKind, Target};
use std::path::PathBuf;

/// How to find and read the project.
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    pub root: Option<PathBuf>,
    pub config: Option<PathBuf>,
    pub targets: Vec<Target>,
    /// `--no-infer-deps`.
    pub no_infer_deps: bool,
    /// `-v`: also find files with jaunt specs that discovery skipped.
    pub report_skipped: bool,
    /// `jaunt migrate --adopt`: modules whose generated file may be one
    /// jaunt did not write.
    pub adopted: Vec<ModuleName>,
}

pub struct Project {
    /// How long each loading phase took, for `-v`.
    pub timings: Vec<(&'static str, std::time::Duration)>,
    pub config: Config,
    pub discovery: Discovery,
    pub build: SpecGraph,
    pub test: SpecGraph,
    /// The `@jaunt.contract`s: handwritten code and the batteries derived
    /// from it (docs/contracts.md).
    pub contract: SpecGraph,
}

impl Project {
    pub fn load_config(opts: &LoadOptions) -> Result<Config> {
        let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
        match (&opts.config, &opts.root) {
            (Some(file), _) => Config::load(Locate::File(file)),
            (None, Some(root)) => Config::load(Locate::Root(root)),
            (None, None) => Config::load(Locate::Discover(&cwd)),
        }
    }

    /// Reads the project: every root, or with targets only what they reach.
    /// Fails (exit 2) on unreadable spec files and module cycles.
    pub fn load(opts: &LoadOptions) -> Result<Project> {
        let clock = std::time::Instant::now();
        let config = Self::load_config(opts)?;
        Self::load_with(config, opts, clock)
    }

    /// [`Project::load`] with the configuration already read (once: reading
    /// it loads `.env` into the environment), timed from `clock`.
    pub fn load_with(
        config: Config,
        opts: &LoadOptions,
        mut clock: std::time::Instant,
    ) -> Result<Project> {
        let mut timings = Vec::new();
        let mut lap = |name: &'static str| {
            timings.push((name, clock.elapsed()));
            clock = std::time::Instant::now();
        };
        lap("config");
        let discovery = if opts.targets.is_empty() {
            discover::discover_adopting(&config, opts.report_skipped, &opts.adopted)?
        } else {
            let modules: Vec<ModuleName> = opts.targets.iter().map(|t| t.module.clone()).collect();
            discover::discover_targets(&config, &modules)?
        };
        lap("discovery");
        discovery.check()?;
        let (build, test, contract) = SpecGraph::build_kinds(
            &discovery,
            GraphOptions {
                infer_deps: config.build.infer_deps && !opts.no_infer_deps,
            },
            GraphOptions {
                infer_deps: config.test.infer_deps && !opts.no_infer_deps,
            },
        );
        lap("graph");
        let mut test = test;
        test.add_class_tests(
            &build,
            &config.paths.generated_dir,
            config.test.auto_class_tests,
        );
        build.check_cycles()?;
        test.check_cycles()?;
        lap("cycles");
        let mut project = Project {
            timings,
            config,
            discovery,
            build,
            test,
            contract,
        };
        if !opts.targets.is_empty() {
            project.build.restrict(&opts.targets);
            project.test.restrict(&opts.targets);
            project.contract.restrict(&opts.targets);
        }
        Ok(project)
    }

    pub fn graph(&self, kind: SpecKind) -> &SpecGraph {
        match kind {
            SpecKind::Build => &self.build,
            SpecKind::Test => &self.test,
            SpecKind::Contract => &self.contract,
        }
    }
}
