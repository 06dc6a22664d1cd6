//! What planning and applying share: the lockfile, the store, the
//! generator's identity, and the plan built from them.

use crate::config::Config;
use crate::error::{JauntError, Problem, Result};
use crate::generate::{self, Prompts};
use crate::lock::{LockGenerator, Lockfile};
use crate::names::SpecKind;
use crate::ops::project::Project;
use crate::plan::{KeyContext, Plan, Planner};
use crate::store::Store;
use std::path::PathBuf;
use std::sync::OnceLock;

pub struct Session {
    pub lock: Option<Lockfile>,
    pub store: Store,
    pub prompts: Prompts,
    pub generator: LockGenerator,
    /// Library skills, resolved once: `apply` sets them after writing the
    /// missing ones; other commands read the SKILL.md files present.
    pub skills: OnceLock<crate::skills::Skills>,
}

/// The store directory: `JAUNT_STORE`, else `[store] path` (relative to
/// the project root), else the per-user cache directory.
pub fn store_root(config: &Config) -> PathBuf {
    if std::env::var_os("JAUNT_STORE").is_some_and(|v| !v.is_empty()) {
        return Store::default_root();
    }
    match &config.store.path {
        Some(p) => config.root.join(p),
        None => Store::default_root(),
    }
}

impl Session {
    pub fn open(config: &Config) -> Result<Session> {
        let lock = Lockfile::load(&config.lock_path()).map_err(|e| {
            let mut p = Problem::new(e.message.clone()).at(config.lock_path(), e.line);
            p.hint = Some(e.hint.clone());
            JauntError::Lock(p)
        })?;
        let prompts = Prompts::load(config)?;
        let generator = LockGenerator {
            backend: config.llm.provider.clone(),
            model: config.llm.model.clone(),
            fingerprint: generate::fingerprint(config, &prompts),
        };
        Ok(Session {
            lock,
            store: Store::open(store_root(config)),
            prompts,
            generator,
            skills: OnceLock::new(),
        })
    }

    pub fn key_context<'a>(&'a self, project: &'a Project, kind: SpecKind) -> KeyContext<'a> {
        KeyContext {
            kind,
            graph: project.graph(kind),
            fingerprint: self.generator.fingerprint,
            generated_dir: &project.config.paths.generated_dir,
            skills: self.skills(project),
        }
    }

    /// The library skills: those `apply` set, else the SKILL.md files present.
    pub fn skills(&self, project: &Project) -> &crate::skills::Skills {
        self.skills
            .get_or_init(|| crate::skills::resolve(&project.config, &project.discovery))
    }

    /// Plans the given kinds' modules, then orphan removals.
    pub fn plan(&self, project: &Project, kinds: &[SpecKind], targeted: bool) -> Plan {
        let planner = Planner {
            root: &project.config.root,
            lock: self.lock.as_ref(),
            store: &self.store,
            generator: &self.generator,
            targeted,
        };
        let mut plan = Plan::default();
        let contexts: Vec<KeyContext<'_>> = kinds
            .iter()
            .map(|k| self.key_context(project, *k))
            .collect();
        for ctx in &contexts {
            planner.plan_kind(ctx, &mut plan);
        }
        let refs: Vec<&KeyContext<'_>> = contexts.iter().collect();
        planner.plan_removals(&refs, &mut plan);
        plan
    }
}
