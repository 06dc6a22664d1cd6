//! Contract mode: handwritten code marked `@jaunt.contract`, pinned by a
//! pytest battery derived from its docstring (docs/contracts.md).
//!
//! A battery is one more artifact: keyed like a generated module (on the
//! contract's signature, prose and `deps=`, never its body), recorded in
//! `jaunt.lock` and the store, written with jaunt's header. This module
//! says what each contract's battery needs; `ops::contract` acts on it.

pub mod battery;
pub mod doc;

use crate::digest::{Digest, InputsKey};
use crate::genfile::{DiskState, Header};
use crate::graph::SpecNode;
use crate::lock::{LockContract, Lockfile};
use crate::names::SpecRef;
use crate::ops::project::Project;
use crate::python::ContractDigests;
use std::fmt;
use std::path::PathBuf;

/// Why a battery is not current: 1.7's drift states, and the file's own.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Drift {
    /// No battery was ever derived (no `jaunt.lock` entry).
    Unbuilt,
    /// The docstring changed since the battery was derived.
    StaleProse,
    /// The signature changed since the battery was derived.
    SignatureDrift,
    /// The specs named by `deps=`, or `[contract]` settings, changed.
    InputsChanged,
    /// The battery file is gone.
    BatteryMissing,
    /// The battery file was edited by hand.
    BatteryEdited,
    /// A file jaunt did not write is where the battery goes.
    BatteryForeign,
    /// The battery fails against the current code.
    Behaviour(String),
}

impl Drift {
    /// Whether bringing the battery up to date changes its `jaunt.lock`
    /// entry: a missing or edited battery is written back from the artifact
    /// the entry pins, which `--locked` allows, as it does a module's.
    pub fn changes_lock(&self) -> bool {
        !matches!(self, Drift::BatteryMissing | Drift::BatteryEdited)
    }
}

impl fmt::Display for Drift {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Drift::Unbuilt => f.write_str("unbuilt: no battery derived yet"),
            Drift::StaleProse => f.write_str("stale prose: the docstring changed since derivation"),
            Drift::SignatureDrift => {
                f.write_str("signature drift: the signature changed since derivation")
            }
            Drift::InputsChanged => {
                f.write_str("inputs changed: a deps= spec or [contract] settings changed")
            }
            Drift::BatteryMissing => f.write_str("battery missing"),
            Drift::BatteryEdited => f.write_str("battery edited by hand"),
            Drift::BatteryForeign => {
                f.write_str("a file jaunt did not write is where the battery goes")
            }
            Drift::Behaviour(summary) => write!(f, "behaviour drift: {summary}"),
        }
    }
}

/// One contract and what its battery needs.
#[derive(Clone, Debug)]
pub struct Assessment<'a> {
    pub node: &'a SpecNode,
    pub digests: ContractDigests,
    /// Project-relative battery path.
    pub battery: String,
    pub key: InputsKey,
    /// Empty when the battery is current.
    pub drift: Vec<Drift>,
}

impl Assessment<'_> {
    pub fn path(&self, project: &Project) -> PathBuf {
        project.config.root.join(&self.battery)
    }

    /// The lockfile entry for a battery with this body digest.
    pub fn lock_entry(&self, artifact: crate::digest::ArtifactDigest) -> LockContract {
        LockContract {
            spec_ref: self.node.spec_ref.clone(),
            source: self.node.file.clone(),
            battery: self.battery.clone(),
            inputs: self.key,
            artifact,
            signature: self.digests.signature,
            prose: self.digests.prose,
        }
    }

    /// The header jaunt writes above the battery body.
    pub fn header(&self, artifact: crate::digest::ArtifactDigest) -> Header {
        Header {
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
            kind: crate::names::SpecKind::Contract,
            source_module: self.node.spec_ref.module.clone(),
            inputs: self.key,
            artifact,
            spec_refs: vec![self.node.spec_ref.clone()],
        }
    }
}

/// The signature and prose digests discovery read for a contract.
fn digests_of(project: &Project, spec: &SpecRef) -> Option<ContractDigests> {
    project
        .discovery
        .files
        .get(&spec.module)?
        .summary
        .specs
        .iter()
        .find(|s| s.qualname == spec.qualname)?
        .contract
}

/// The contract's docstring cases, read from its file; `None` when the
/// file cannot be read or no longer defines it.
pub fn read_doc(project: &Project, node: &SpecNode) -> Option<doc::ContractDoc> {
    let source = crate::fsutil::read_regular_string(&project.config.root.join(&node.file)).ok()?;
    let found = crate::python::read_contract(&source, &node.spec_ref.qualname)?;
    Some(doc::read_contract(
        &found,
        &project.config.contract.derive,
        subject(node),
    ))
}

/// How the contract's docstring cases are read: as call arguments, or for
/// a class as expressions naming it.
pub fn subject(node: &SpecNode) -> doc::Subject<'_> {
    if node.def_kind == crate::names::DefKind::Class {
        doc::Subject::Class(&node.spec_ref.qualname)
    } else {
        doc::Subject::Function
    }
}

/// Whether part of the contract's battery is the model's to write.
fn needs_model(project: &Project, node: &SpecNode) -> bool {
    read_doc(project, node).is_some_and(|d| !d.model_lines().is_empty())
}

/// Every contract in the project (or under `--target`), sorted by ref,
/// with what its battery needs compared with `lock` and the disk. Runs no
/// code: behaviour drift is found by running the batteries
/// (`ops::contract::run_batteries`).
pub fn assess<'a>(project: &'a Project, lock: Option<&Lockfile>) -> Vec<Assessment<'a>> {
    let config = &project.config;
    let graph = &project.contract;
    let fingerprint = std::sync::OnceLock::new();
    let model = |node: &SpecNode| -> Option<Digest> {
        needs_model(project, node).then(|| {
            *fingerprint.get_or_init(|| {
                crate::generate::Prompts::load(config)
                    .map(|p| crate::generate::fingerprint(config, &p))
                    .unwrap_or_default()
            })
        })
    };
    graph
        .specs
        .values()
        .filter_map(|node| {
            let digests = digests_of(project, &node.spec_ref)?;
            let deps: Vec<(SpecRef, Digest)> = node
                .deps
                .keys()
                .filter_map(|r| {
                    let dep = graph.specs.get(r).or_else(|| graph.external.get(r))?;
                    Some((r.clone(), dep.digest))
                })
                .collect();
            let key = battery::inputs_key(
                node,
                &deps,
                &config.contract,
                config.build.async_runner,
                model(node),
            );
            let battery = battery::battery_path(&config.contract, &node.spec_ref);
            let entry = lock.and_then(|l| l.contract(&node.spec_ref));
            let mut drift = Vec::new();
            match entry {
                None => drift.push(Drift::Unbuilt),
                Some(e) => {
                    if e.prose != digests.prose {
                        drift.push(Drift::StaleProse);
                    }
                    if e.signature != digests.signature {
                        drift.push(Drift::SignatureDrift);
                    }
                    if drift.is_empty() && (e.inputs != key || e.battery != battery) {
                        drift.push(Drift::InputsChanged);
                    }
                    match DiskState::read(&config.root.join(&battery)) {
                        DiskState::Missing => drift.push(Drift::BatteryMissing),
                        DiskState::Edited(_) => drift.push(Drift::BatteryEdited),
                        // A battery Jaunt 1.7 wrote is not one jaunt derived.
                        DiskState::Foreign | DiskState::Legacy(_) => {
                            drift.push(Drift::BatteryForeign)
                        }
                        DiskState::Intact(h) if h.artifact != e.artifact => {
                            drift.push(Drift::BatteryEdited);
                        }
                        DiskState::Intact(_) => {}
                    }
                }
            }
            Some(Assessment {
                node,
                digests,
                battery,
                key,
                drift,
            })
        })
        .collect()
}
