//! `jaunt migrate`: adopt generated modules that this jaunt did not write —
//! Jaunt 1.7's, or any a user vouches for with `--adopt` — without a model
//! call (docs/architecture.md, Migrating from Jaunt 1.7).
//!
//! An adopted file's body must parse and define every name its spec module
//! now expects; its imports and 1.7's digests are not judged. It is then
//! kept exactly as `apply` keeps a model's answer
//! ([`apply::keep_generated`]): the artifact and an action entry in the
//! store under the module's current inputs key, jaunt's header on the file,
//! its `.pyi` stub, and its entry in `jaunt.lock`. Modules go dependencies
//! first, so each dependent's key sees the interfaces its dependencies
//! were adopted with. What cannot be adopted is reported and left for
//! `apply`.

use crate::digest::ArtifactDigest;
use crate::error::{Diagnostic, Result};
use crate::exec::materialize::Replace;
use crate::fsutil::relative;
use crate::generate::Budget;
use crate::genfile::{self, DiskState};
use crate::graph::ModuleNode;
use crate::names::{ModuleName, SpecKind};
use crate::ops::apply::{self, interface_of};
use crate::ops::lockfile::{BuiltModules, LockInputs};
use crate::ops::project::Project;
use crate::ops::session::Session;
use crate::plan::{BuiltModule, KeyContext, Plan};
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// How `jaunt migrate` runs.
#[derive(Clone, Debug, Default)]
pub struct MigrateOptions {
    /// `--dry-run`: report what would be adopted, write nothing.
    pub dry_run: bool,
    /// `--adopt MODULE`: also adopt these modules' generated files,
    /// whoever wrote them.
    pub adopt: Vec<ModuleName>,
    /// `--no-skills`: keys without library skills, as `apply --no-skills`.
    pub no_skills: bool,
}

/// What migrate did: the `jaunt migrate --json` output
/// (`schema/migrate.schema.json`). Lists are sorted by module, then file.
#[derive(Clone, Debug, Default, Serialize)]
pub struct MigrateReport {
    pub dry_run: bool,
    /// Recorded in jaunt.lock and the store (under `--dry-run`: would be).
    pub adopted: Vec<Adopted>,
    /// Found but not adopted, with the reasons; `apply` generates them
    /// (keeping a copy of a 1.7 file it replaces in `.jaunt/edited/`).
    pub not_adopted: Vec<NotAdopted>,
    /// Files that are not modules jaunt builds, left as they are: 1.7's
    /// sidecars and contract batteries, and its generated files whose spec
    /// module is gone.
    pub left_alone: Vec<LeftAlone>,
    /// Modules whose generated file this jaunt already wrote.
    pub already_jaunts: Vec<String>,
    /// Model calls made: only library skills `apply` would write first.
    pub model_calls: u64,
    pub lock_changed: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct Adopted {
    pub module: String,
    pub kind: SpecKind,
    /// The generated file, relative to the project root.
    pub file: String,
    pub from: Origin,
    /// The `tool_version` of a Jaunt 1.7 header.
    pub tool_version: Option<String>,
    /// The `.pyi` stub written beside the spec module, if any.
    pub stub: Option<String>,
}

/// Who wrote an adopted file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Origin {
    /// Jaunt 1.7, by its header.
    #[serde(rename = "jaunt-1.7")]
    Jaunt17,
    /// Anyone: the user named it with `--adopt`.
    #[serde(rename = "adopt")]
    Vouched,
}

#[derive(Clone, Debug, Serialize)]
pub struct NotAdopted {
    pub module: String,
    pub kind: SpecKind,
    pub file: String,
    pub reasons: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct LeftAlone {
    pub file: String,
    pub reason: String,
}

/// The first line of a contract battery Jaunt 1.7 derived.
const BATTERY_FIRST_LINE: &str = "# This contract test battery was derived by jaunt.";

/// Adopts what it can of `project`'s generated files; see the module docs.
/// `warn` receives warnings (library skills not written).
pub fn migrate(
    project: &Project,
    session: &Session,
    opts: &MigrateOptions,
    warn: &(dyn Fn(&str) + Sync),
) -> Result<MigrateReport> {
    for name in &opts.adopt {
        if !SpecKind::ALL
            .iter()
            .any(|k| project.graph(*k).modules.contains_key(name))
        {
            return Err(Diagnostic::config(format!(
                "--adopt {name}: no spec module `{name}` (a module with @jaunt.magic or @jaunt.test specs)"
            ))
            .hint("name a module `jaunt specs` lists")
            .into());
        }
    }
    let budget = Budget::from_config(&project.config.llm);
    // The keys must be the ones `apply` computes, which include the library
    // skills it writes first: write them the same way.
    let spent = apply::prepare_skills(
        project,
        session,
        !opts.no_skills,
        !opts.dry_run,
        budget.as_ref(),
        warn,
    );
    let mut report = MigrateReport {
        dry_run: opts.dry_run,
        model_calls: spent.calls,
        ..MigrateReport::default()
    };
    let mut adopted = BuiltModules::default();
    let mut outputs: BTreeSet<PathBuf> = BTreeSet::new();
    for kind in SpecKind::ALL {
        let ctx = session.key_context(project, kind);
        let mut run = KindRun {
            project,
            session,
            opts,
            ctx: &ctx,
            built: HashMap::new(),
        };
        for m in ctx.order() {
            outputs.insert(genfile::output_path(m, ctx.generated_dir));
            run.module(m, &mut report, &mut adopted)?;
        }
    }
    leftovers(project, &outputs, &mut report);
    if !opts.dry_run && !report.adopted.is_empty() {
        // Only adopted modules get new entries: every other entry stays as
        // it is, as after a `--target` apply.
        let plan = Plan::default();
        report.lock_changed = apply::write_lock(
            &LockInputs {
                project,
                session,
                kinds: &SpecKind::ALL,
                plan: &plan,
                targeted: true,
            },
            &adopted,
        )?;
    }
    report
        .adopted
        .sort_by(|a, b| (&a.module, &a.file).cmp(&(&b.module, &b.file)));
    report
        .not_adopted
        .sort_by(|a, b| (&a.module, &a.file).cmp(&(&b.module, &b.file)));
    report.left_alone.sort_by(|a, b| a.file.cmp(&b.file));
    report.already_jaunts.sort();
    Ok(report)
}

/// One kind's modules, visited dependencies first.
struct KindRun<'a> {
    project: &'a Project,
    session: &'a Session,
    opts: &'a MigrateOptions,
    ctx: &'a KeyContext<'a>,
    /// Modules whose interface is known (adopted, or built before), for
    /// their dependents' keys.
    built: HashMap<ModuleName, BuiltModule>,
}

/// What to do with one module's generated file.
enum Candidate {
    /// Not a file to adopt: jaunt's own, missing, or not named.
    Skip,
    /// A file to adopt, if its body passes the checks.
    Take {
        from: Origin,
        tool_version: Option<String>,
    },
    /// A file to adopt that cannot be: why.
    Refuse(String),
}

impl KindRun<'_> {
    fn module(
        &mut self,
        m: &ModuleNode,
        report: &mut MigrateReport,
        adopted: &mut BuiltModules,
    ) -> Result<()> {
        let root = &self.project.config.root;
        let output = genfile::output_path(m, self.ctx.generated_dir);
        let file = relative(root, &output);
        let disk = DiskState::read(&output);
        if matches!(disk, DiskState::Intact(_) | DiskState::Edited(_)) {
            report.already_jaunts.push(m.name.to_string());
        }
        let refuse = |report: &mut MigrateReport, reasons: Vec<String>| {
            report.not_adopted.push(NotAdopted {
                module: m.name.to_string(),
                kind: m.kind,
                file: file.clone(),
                reasons,
            });
        };
        let blocked: Vec<&ModuleName> = self
            .ctx
            .dep_modules(m)
            .filter(|d| !self.built.contains_key(*d))
            .collect();
        let (from, tool_version) = match self.candidate(m, &disk) {
            Candidate::Skip => {
                self.settle(m, output, blocked.is_empty());
                return Ok(());
            }
            Candidate::Refuse(why) => {
                refuse(report, vec![why]);
                return Ok(());
            }
            Candidate::Take { from, tool_version } => (from, tool_version),
        };
        if !blocked.is_empty() {
            // Its key hashes its dependencies' interfaces, unknown until a
            // model writes them.
            let reasons = blocked
                .iter()
                .map(|d| format!("waits on {d}, which is not built: run `jaunt apply --target {d}`, then `jaunt migrate` again"))
                .collect();
            refuse(report, reasons);
            return Ok(());
        }
        let body = match self.read_body(&output) {
            Ok(body) => body,
            Err(why) => {
                refuse(report, vec![why]);
                return Ok(());
            }
        };
        let expected = crate::generate::request::expected(self.ctx, m);
        let problems = crate::python::validate(&body, &expected.names, &expected.contracts);
        if !problems.is_empty() {
            refuse(report, problems);
            return Ok(());
        }
        let inputs = self
            .ctx
            .inputs(m, &self.built)
            .expect("every dependency is built");
        if let DiskState::Intact(h) = &disk
            && h.inputs == inputs
            && self.locked_as(m, h.inputs, h.artifact)
        {
            // Adopted already (a second `--adopt`): nothing to do.
            self.settle(m, output, true);
            return Ok(());
        }
        let stub_path = crate::stubfile::stub_path(m);
        let built = if self.opts.dry_run {
            BuiltModule {
                inputs,
                artifact: ArtifactDigest::of(body.as_bytes()),
                interface: interface_of(&body),
                stub: None,
            }
        } else {
            let built = apply::keep_generated(
                self.session,
                self.ctx,
                m,
                inputs,
                &body,
                None,
                Replace::Adopted,
            )?;
            adopted.insert(m.kind, m.name.clone(), built);
            built
        };
        report.already_jaunts.retain(|n| *n != m.name.as_str());
        report.adopted.push(Adopted {
            module: m.name.to_string(),
            kind: m.kind,
            file,
            from,
            tool_version,
            stub: (built.stub.is_some()
                || self.opts.dry_run && would_write_stub(self.ctx, &stub_path))
            .then(|| relative(root, &stub_path)),
        });
        self.built.insert(m.name.clone(), built);
        Ok(())
    }

    /// Whether jaunt.lock records `m` under this key and artifact.
    fn locked_as(
        &self,
        m: &ModuleNode,
        inputs: crate::digest::InputsKey,
        artifact: ArtifactDigest,
    ) -> bool {
        self.session
            .lock
            .as_ref()
            .and_then(|l| l.module(m.kind, &m.name))
            .is_some_and(|e| e.inputs == inputs && e.artifact == artifact)
    }

    /// Whether the file at `m`'s output is one to adopt.
    fn candidate(&self, m: &ModuleNode, disk: &DiskState) -> Candidate {
        let vouched = self.opts.adopt.contains(&m.name);
        match disk {
            DiskState::Legacy(h) if h.kind != m.kind || h.source_module != m.name => {
                Candidate::Refuse(format!(
                    "its Jaunt 1.7 header names {} ({} specs), not {} ({} specs)",
                    h.source_module, h.kind, m.name, m.kind
                ))
            }
            DiskState::Legacy(h) => Candidate::Take {
                from: if vouched {
                    Origin::Vouched
                } else {
                    Origin::Jaunt17
                },
                tool_version: h.tool_version.clone(),
            },
            DiskState::Missing if vouched => {
                Candidate::Refuse("--adopt: there is no generated file to adopt".into())
            }
            _ if vouched => Candidate::Take {
                from: Origin::Vouched,
                tool_version: None,
            },
            // An empty file is the `__init__.py` of a generated package.
            DiskState::Foreign
                if std::fs::metadata(genfile::output_path(m, self.ctx.generated_dir))
                    .is_ok_and(|meta| meta.len() > 0) =>
            {
                Candidate::Refuse(format!(
                    "its header is neither jaunt's nor Jaunt 1.7's: `jaunt migrate --adopt {}` adopts it if you vouch for it; `jaunt apply` will not overwrite it",
                    m.name
                ))
            }
            _ => Candidate::Skip,
        }
    }

    /// The module body of the file at `output`, or why it cannot be read.
    fn read_body(&self, output: &Path) -> std::result::Result<String, String> {
        let max = self.project.config.store.max_artifact_bytes;
        let len = std::fs::metadata(output).map_err(|e| format!("cannot read it: {e}"))?;
        if len.len() > max {
            return Err(format!(
                "it is larger than [store] max_artifact_bytes ({max} bytes)"
            ));
        }
        let text = crate::fsutil::read_regular_string(output).map_err(|e| {
            if e.kind() == std::io::ErrorKind::InvalidData {
                "it is not UTF-8 text".to_string()
            } else {
                format!("cannot read it: {e}")
            }
        })?;
        Ok(genfile::body_of(&text).to_string())
    }

    /// A module not adopted: its interface, when the planner knows it
    /// (fresh, or restorable without a model call), serves its dependents.
    fn settle(&mut self, m: &ModuleNode, output: PathBuf, deps_built: bool) {
        if !deps_built {
            return;
        }
        let Some(inputs) = self.ctx.inputs(m, &self.built) else {
            return;
        };
        let planned = self.session.planner(self.project, false).plan_module(
            self.ctx,
            m,
            inputs,
            output,
            &self.built,
        );
        if let Some(b) = planned.built() {
            self.built.insert(m.name.clone(), b);
        }
    }
}

/// Generated files of spec modules that are gone, sidecar files beside
/// them, and contract batteries: reported, never touched.
fn leftovers(project: &Project, outputs: &BTreeSet<PathBuf>, report: &mut MigrateReport) {
    let config = &project.config;
    let root = &config.root;
    let dirs: BTreeSet<PathBuf> = project
        .discovery
        .files
        .values()
        .filter_map(|f| f.path.parent())
        .map(|p| p.join(&config.paths.generated_dir))
        .collect();
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        paths.sort();
        for path in paths {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let file = relative(root, &path);
            if name.ends_with(".contract.json") || name == "AGENTS.md" {
                report.left_alone.push(LeftAlone {
                    file,
                    reason: "a Jaunt 1.7 sidecar file: jaunt neither reads nor writes it".into(),
                });
            } else if name.ends_with(".py")
                && !outputs.contains(&path)
                && let DiskState::Legacy(h) = DiskState::read(&path)
            {
                report.left_alone.push(LeftAlone {
                    file,
                    reason: format!(
                        "written by Jaunt 1.7 for {}, which no longer exists or has no {} specs: delete it once nothing imports it",
                        h.source_module, h.kind
                    ),
                });
            }
        }
    }
    for path in batteries(&root.join(&config.contract.battery_dir)) {
        report.left_alone.push(LeftAlone {
            file: relative(root, &path),
            reason: "a Jaunt 1.7 contract battery: kept as your pytest file; jaunt derives its own (jaunt reconcile)".into(),
        });
    }
}

/// The contract batteries below `dir`: `.py` files that open with 1.7's
/// battery line.
fn batteries(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(d) = dirs.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                dirs.push(path);
            } else if kind.is_file()
                && path.extension().is_some_and(|x| x == "py")
                && crate::fsutil::starts_with(&path, BATTERY_FIRST_LINE.as_bytes())
            {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// Whether `apply` would write a `.pyi` stub at `path`: the project emits
/// stubs and no file jaunt did not write is in the way (1.7's stubs open
/// with jaunt's line, so they are replaced).
fn would_write_stub(ctx: &KeyContext<'_>, path: &Path) -> bool {
    ctx.emit_stubs
        && (!path.exists()
            || crate::fsutil::read_regular_string(path)
                .is_ok_and(|t| crate::stubfile::is_jaunts(&t)))
}
