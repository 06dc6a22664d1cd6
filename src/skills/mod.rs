//! Library skills: notes on the third-party libraries a module imports,
//! shown to the model with that module's request (docs/architecture.md,
//! Generator backends).
//!
//! Imports are classified ([`classify`]); external ones are mapped to the
//! installed distributions ([`env`]); each distribution's skill is
//! `.agents/skills/<dist>/SKILL.md` ([`file`]), written by the model from
//! the README of the installed version when missing or outdated
//! ([`write`]). A module's request carries only the skills of what it
//! imports itself, and their digests are in its inputs key, so adding a
//! library to one module regenerates that module alone.

mod classify;
mod env;
mod file;
mod write;

pub use write::Spent;

pub use classify::internal_names;
pub use file::{normalize, skill_path};

use crate::config::Config;
use crate::digest::Digest;
use crate::discover::Discovery;
use crate::generate::Budget;
use crate::lock::LockSkill;
use crate::names::ModuleName;
use classify::Origin;
use env::{Dist, Environment};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Arc;

/// Who wrote a SKILL.md: jaunt keeps its own in step with the installed
/// version; the user's is used as it is and never overwritten.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SkillOrigin {
    Jaunt,
    User,
}

/// One library's skill as found on disk.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Skill {
    /// The distribution, as its metadata spells it.
    pub dist: String,
    /// The version the skill was written for (jaunt's), else the
    /// installed one (the user's).
    pub version: String,
    /// The import names of this distribution that the project uses.
    pub imports: BTreeSet<String>,
    pub path: PathBuf,
    pub origin: SkillOrigin,
    /// BLAKE3 of the file's bytes: what the inputs keys see.
    pub digest: Digest,
    pub text: String,
    /// Modules whose requests carry this skill.
    pub modules: BTreeSet<ModuleName>,
}

/// Every skill in use, and which modules use which (serialized for the
/// incremental plan, without what decided them).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Skills {
    /// By normalized distribution name.
    skills: BTreeMap<String, Skill>,
    by_module: BTreeMap<ModuleName, BTreeSet<String>>,
    /// The paths whose state decided these skills, present or not: the
    /// interpreter and its `sys.path`, `.venv`, and every used
    /// distribution's SKILL.md (for the no-op stamp).
    #[serde(skip)]
    pub watched: Vec<PathBuf>,
}

/// An imported distribution and who imports it.
struct Used {
    dist: Arc<Dist>,
    imports: BTreeSet<String>,
    modules: BTreeSet<ModuleName>,
}

/// The skills already on disk, without fetching or writing anything: what
/// `plan`, `check` and `skills` see. Silent, since apply reports problems.
pub fn resolve(config: &Config, discovery: &Discovery) -> Skills {
    if !config.skills.enabled {
        return Skills::default();
    }
    let mut watched = Vec::new();
    let mut skills = used(config, discovery, &mut watched)
        .map_or_else(|_| Skills::default(), |u| Skills::read(config, u));
    skills.watched.extend(watched);
    skills
}

/// Writes the skills that are missing or were written for another version
/// (when `write`, and while `budget` allows model calls), then reads them
/// all. Every problem is a warning.
pub fn prepare(
    config: &Config,
    discovery: &Discovery,
    write: bool,
    budget: Option<&Budget>,
    warn: &(dyn Fn(&str) + Sync),
) -> (Skills, write::Spent) {
    let mut spent = write::Spent::default();
    if !config.skills.enabled {
        return (Skills::default(), spent);
    }
    let mut watched = Vec::new();
    let used = match used(config, discovery, &mut watched) {
        Ok(u) => u,
        Err(e) => {
            warn(&format!("library skills skipped: {e}"));
            return (Skills::default(), spent);
        }
    };
    if write {
        let jobs: Vec<write::Job> = used
            .values()
            .filter_map(|u| {
                let path = skill_path(&config.root, &u.dist.name);
                let stale = match std::fs::read_to_string(&path) {
                    Err(_) => true,
                    Ok(text) => {
                        file::parse_header(&text).is_some_and(|h| h.version != u.dist.version)
                    }
                };
                stale.then(|| write::Job {
                    dist: u.dist.name.clone(),
                    version: u.dist.version.clone(),
                    path,
                })
            })
            .collect();
        spent = write::run(config, &jobs, budget, warn);
    }
    let mut skills = Skills::read(config, used);
    skills.watched.extend(watched);
    (skills, spent)
}

/// The installed distributions each module imports, by normalized name.
/// `watched` gets the paths the answer depended on beyond the sources.
fn used(
    config: &Config,
    discovery: &Discovery,
    watched: &mut Vec<PathBuf>,
) -> Result<BTreeMap<String, Used>, String> {
    let mut roots = config.source_dirs();
    roots.extend(config.test_dirs());
    let internal = classify::internal_names(&roots);
    let mut imports: BTreeMap<&ModuleName, BTreeSet<&str>> = BTreeMap::new();
    for f in discovery.files.values() {
        let local = f.summary.specs.iter().flat_map(|s| &s.local_imports);
        let names = f
            .summary
            .imports
            .iter()
            .chain(local)
            .filter_map(classify::top_level);
        imports.entry(&f.module).or_default().extend(names);
    }
    let no_stdlib = BTreeSet::new();
    let candidates = imports
        .values()
        .flatten()
        .any(|n| classify::classify(n, &internal, &no_stdlib) == Origin::External);
    if !candidates {
        return Ok(BTreeMap::new());
    }
    watched.push(config.root.join(".venv"));
    let interpreter = env::interpreter(config).ok_or(
        "no Python interpreter found (set `[python] interpreter`, activate a virtualenv, create .venv/, or put python3 on PATH)",
    )?;
    watched.push(interpreter.clone());
    let mut environment = Environment::load(&interpreter, &config.state_dir().join("cache"))?;
    watched.extend(environment.sys_path().iter().cloned());
    let mut out: BTreeMap<String, Used> = BTreeMap::new();
    for (module, names) in imports {
        for name in names {
            if classify::classify(name, &internal, &environment.stdlib) != Origin::External {
                continue;
            }
            let Some(dist) = environment.distribution(name) else {
                continue;
            };
            let used = out.entry(normalize(&dist.name)).or_insert_with(|| Used {
                dist: dist.clone(),
                imports: BTreeSet::new(),
                modules: BTreeSet::new(),
            });
            used.imports.insert(name.to_string());
            used.modules.insert(module.clone());
        }
    }
    Ok(out)
}

impl Skills {
    /// The SKILL.md files of the used distributions that have one.
    fn read(config: &Config, used: BTreeMap<String, Used>) -> Skills {
        let mut out = Skills::default();
        for (key, u) in used {
            let path = skill_path(&config.root, &u.dist.name);
            out.watched.push(path.clone());
            let Ok(bytes) = std::fs::read(&path) else {
                continue;
            };
            let text = String::from_utf8_lossy(&bytes).into_owned();
            let (origin, version) = match file::parse_header(&text) {
                Some(h) => (SkillOrigin::Jaunt, h.version),
                None => (SkillOrigin::User, u.dist.version.clone()),
            };
            for m in &u.modules {
                out.by_module
                    .entry(m.clone())
                    .or_default()
                    .insert(key.clone());
            }
            out.skills.insert(
                key,
                Skill {
                    dist: u.dist.name.clone(),
                    version,
                    imports: u.imports,
                    path,
                    origin,
                    digest: Digest::of(&bytes),
                    text,
                    modules: u.modules,
                },
            );
        }
        out
    }

    /// Every skill in use, by normalized distribution name.
    pub fn all(&self) -> impl Iterator<Item = &Skill> {
        self.skills.values()
    }

    fn of_module(&self, module: &ModuleName) -> impl Iterator<Item = &Skill> {
        self.by_module
            .get(module)
            .into_iter()
            .flatten()
            .filter_map(|k| self.skills.get(k))
    }

    /// `(dist, digest)` of the skills `module`'s request carries, sorted:
    /// its part of the inputs key.
    pub fn digests(&self, module: &ModuleName) -> Vec<(String, Digest)> {
        self.of_module(module)
            .map(|s| (s.dist.clone(), s.digest))
            .collect()
    }

    /// The skills block of `module`'s request: one section per library.
    pub fn render(&self, module: &ModuleName) -> String {
        self.of_module(module)
            .map(|s| {
                format!(
                    "### {} {}\n\n{}",
                    s.dist,
                    s.version,
                    file::body(&s.text).trim()
                )
            })
            .collect::<Vec<_>>()
            .join("\n\n")
    }

    /// Libraries whose skill `module` carries that differ from `old`'s
    /// record: a reason for the plan.
    pub fn changed(&self, module: &ModuleName, old: &[LockSkill]) -> Vec<String> {
        self.of_module(module)
            .filter(|s| !old.iter().any(|o| o.dist == s.dist && o.digest == s.digest))
            .map(|s| s.dist.clone())
            .collect()
    }

    /// The lockfile's `[[skill]]` entries. A `--target` run saw only part
    /// of the project, so the old entries of libraries it did not see stay.
    pub fn lock_entries(&self, old: &[LockSkill], targeted: bool) -> Vec<LockSkill> {
        let mut out: Vec<LockSkill> = self
            .all()
            .map(|s| LockSkill {
                dist: s.dist.clone(),
                version: s.version.clone(),
                digest: s.digest,
            })
            .collect();
        if targeted {
            let seen = |d: &str| self.skills.contains_key(&normalize(d));
            out.extend(old.iter().filter(|o| !seen(&o.dist)).cloned());
        }
        out.sort_by(|a, b| a.dist.cmp(&b.dist));
        out
    }
}
