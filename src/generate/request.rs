//! Assembling the [`Request`] for one module: its specs verbatim, the
//! sources of the dependency specs it uses, and what its dependency modules
//! offer it.
//!
//! Spec sources are cut from the spec files by the byte ranges the parser
//! recorded; each file is read once per request. What a dependency module
//! contributes is the caller's to supply ([`DependencyText`]), so the
//! request and the inputs key are built from the same values.

use super::{DependencyApi, DependencyModule, Request, RequestSpec};
use crate::discover::SourceFile;
use crate::error::{JauntError, Result};
use crate::genfile;
use crate::graph::ModuleNode;
use crate::names::{ModuleName, SpecKind, SpecRef};
use crate::plan::KeyContext;
use std::collections::{BTreeMap, HashMap};

/// What a request shows of one dependency module.
pub trait DependencyText {
    /// `None` when the dependency has nothing to show (it is not built).
    fn text(&self, module: &ModuleName) -> Result<Option<DependencyModule>>;
}

/// Spec sources by byte range, each spec file read at most once.
struct Sources<'a> {
    files: &'a BTreeMap<ModuleName, SourceFile>,
    read: HashMap<&'a ModuleName, String>,
}

impl<'a> Sources<'a> {
    fn cut(&mut self, spec: &SpecRef, range: (u32, u32)) -> Result<String> {
        let file = self.files.get(&spec.module).ok_or_else(|| {
            JauntError::other(format!("spec module {} was not discovered", spec.module))
        })?;
        if !self.read.contains_key(&file.module) {
            let text = std::fs::read_to_string(&file.path)
                .map_err(|e| JauntError::io(format!("reading {}", file.path.display()), e))?;
            self.read.insert(&file.module, text);
        }
        Ok(self.read[&file.module]
            .get(range.0 as usize..range.1 as usize)
            .unwrap_or_default()
            .to_string())
    }
}

/// The request for `module`, whose specs and dependency specs live in
/// `files`.
pub fn assemble(
    ctx: &KeyContext<'_>,
    files: &BTreeMap<ModuleName, SourceFile>,
    module: &ModuleNode,
    deps: &dyn DependencyText,
) -> Result<Request> {
    let mut sources = Sources {
        files,
        read: HashMap::new(),
    };
    let mut specs = Vec::with_capacity(module.specs.len());
    for r in &module.specs {
        let node = &ctx.graph.specs[r];
        specs.push(RequestSpec {
            spec_ref: r.clone(),
            qualname: r.qualname.clone(),
            kind: node.def_kind,
            source: sources.cut(r, node.byte_range)?,
            prompt: node.prompt.clone(),
            targets: node.targets.clone(),
            public_api_only: (node.kind == SpecKind::Test).then_some(node.public_api_only),
        });
    }
    let mut dependency_apis = Vec::new();
    for (r, _) in ctx.dependency_apis(module) {
        let node = ctx
            .graph
            .specs
            .get(&r)
            .or_else(|| ctx.graph.external.get(&r));
        if let Some(node) = node {
            let source = sources.cut(&r, node.byte_range)?;
            dependency_apis.push(DependencyApi {
                spec_ref: r,
                source,
            });
        }
    }
    let mut dependency_modules = Vec::new();
    for d in ctx.dep_modules(module) {
        if let Some(shown) = deps.text(d)? {
            dependency_modules.push(shown);
        }
    }
    Ok(Request {
        kind: module.kind,
        spec_module: module.name.clone(),
        generated_module: genfile::generated_module(module, ctx.generated_dir),
        expected_names: module.expected_names(),
        specs,
        dependency_apis,
        dependency_modules,
        skills: ctx.skills.render(&module.name),
    })
}
