//! Assembling the [`Request`] for one module: its specs verbatim, the
//! sources of the dependency specs it uses, and what its dependency modules
//! offer it.
//!
//! Spec sources are cut from the spec files by the byte ranges the parser
//! recorded; each file is read once per request. What a dependency module
//! contributes is the caller's to supply ([`DependencyText`]), so the
//! request and the inputs key are built from the same values.

use super::{
    DependencyApi, DependencyModule, HandwrittenSource, Request, RequestMember, RequestSpec,
};
use crate::discover::SourceFile;
use crate::error::{JauntError, Result};
use crate::genfile;
use crate::graph::ModuleNode;
use crate::names::{ModuleName, SpecKind, SpecRef};
use crate::plan::KeyContext;
use crate::python::{Contract, MemberRole};
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
        self.cut_in(&spec.module, range)
    }

    fn cut_in(&mut self, module: &ModuleName, range: (u32, u32)) -> Result<String> {
        let file = self
            .files
            .get(module)
            .ok_or_else(|| JauntError::other(format!("spec module {module} was not discovered")))?;
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

/// What the generated module of a spec module must offer; validation
/// checks both parts, of a model's answer and of a file `jaunt migrate`
/// adopts.
pub struct Expected {
    /// Module-relative names it must define: `Cart`, `Cart.total`, or a
    /// baseline class test's `test_Cart`.
    pub names: Vec<String>,
    /// What its classes must keep: sealed signatures, preserved members.
    pub contracts: Vec<Contract>,
}

/// What `module`'s generated module must offer.
pub fn expected(ctx: &KeyContext<'_>, module: &ModuleNode) -> Expected {
    let mut names = Vec::with_capacity(module.specs.len());
    let mut contracts = Vec::new();
    for r in &module.specs {
        if module.class_tests_of.is_some() {
            names.push(baseline_test(r));
            continue;
        }
        names.push(r.qualname.clone());
        for member in &ctx.graph.specs[r].members {
            let qualname = format!("{}.{}", r.qualname, member.name);
            match (member.role, member.body) {
                (MemberRole::Sealed, _) => contracts.push(Contract::Signature {
                    qualname: qualname.clone(),
                    signature: member.signature.clone(),
                }),
                (MemberRole::Preserved, Some(digest)) => contracts.push(Contract::Preserved {
                    qualname: qualname.clone(),
                    digest,
                }),
                _ => {}
            }
            if member.role.required() {
                names.push(qualname);
            }
        }
    }
    Expected { names, contracts }
}

/// The test function a baseline class-test module must define for a class
/// spec.
fn baseline_test(class: &SpecRef) -> String {
    format!("test_{}", class.qualname.replace('.', "_"))
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
        if module.class_tests_of.is_some() {
            let test = baseline_test(r);
            let mut prompt = node.prompt.clone().map(|p| p + "\n\n").unwrap_or_default();
            prompt.push_str(&format!(
                "Baseline tests for this class spec (a class spec, not a test spec): write `{test}`, and more test functions as needed, exercising the public API of `{}` as its docstring and methods describe, its documented errors included.",
                r.qualname
            ));
            specs.push(RequestSpec {
                spec_ref: r.clone(),
                qualname: r.qualname.clone(),
                kind: node.def_kind,
                source: sources.cut(r, node.byte_range)?,
                prompt: Some(prompt),
                members: Vec::new(),
                // The baseline prompt already names the class under test
                // and its public API.
                targets: Vec::new(),
                public_api_only: None,
            });
            continue;
        }
        specs.push(RequestSpec {
            spec_ref: r.clone(),
            qualname: r.qualname.clone(),
            kind: node.def_kind,
            source: sources.cut(r, node.byte_range)?,
            prompt: node.prompt.clone(),
            members: node
                .members
                .iter()
                .map(|m| RequestMember {
                    name: m.name.clone(),
                    role: m.role,
                    signature: m.signature.clone(),
                    prompt: m.prompt.clone(),
                })
                .collect(),
            targets: node.targets.clone(),
            public_api_only: (node.kind == SpecKind::Test).then_some(node.public_api_only),
        });
    }
    let mut handwritten = Vec::new();
    if let Some(file) = files
        .get(&module.name)
        .filter(|_| module.handwritten.is_some())
    {
        for def in &file.summary.handwritten {
            handwritten.push(HandwrittenSource {
                name: def.name.clone(),
                source: sources.cut_in(&module.name, def.byte_range)?,
            });
        }
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
    let Expected {
        names: expected_names,
        contracts,
    } = expected(ctx, module);
    Ok(Request {
        kind: module.kind,
        spec_module: module.name.clone(),
        generated_module: genfile::generated_module(module, ctx.generated_dir),
        expected_names,
        specs,
        handwritten,
        dependency_apis,
        dependency_modules,
        skills: ctx.skills.render(&module.name),
        contracts,
    })
}
