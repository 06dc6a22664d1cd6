//! A contract's battery: where it goes, what it is keyed on, and the plain
//! pytest module derived from the docstring's cases (docs/contracts.md,
//! Batteries).

use super::doc::{Case, ContractDoc};
use crate::config::{AsyncRunner, ContractConfig};
use crate::digest::{Digest, InputsKey, KeyHasher};
use crate::graph::SpecNode;
use crate::names::{DefKind, SpecRef};
use std::fmt::Write;

/// Bumped when the rendered battery changes for the same docstring, so
/// every battery is derived again (3: a class's methods' docstrings are
/// read for cases).
const FORMAT: &str = "3";

/// The battery's path relative to the project root: the module's path
/// mirrored under `[contract] battery_dir`, `tests/contract/pkg/mod/test_name.py`.
pub fn battery_path(config: &ContractConfig, spec: &SpecRef) -> String {
    let mut path = config.battery_dir.clone();
    for part in spec.module.parts() {
        path.push('/');
        path.push_str(part);
    }
    format!("{path}/test_{}.py", spec.qualname)
}

/// The battery's inputs key: the contract's spec digest (signature,
/// prose, resolved `deps=`), the digests of the specs its `deps=` name,
/// what derivation is configured to read and write, and where it goes.
/// Never the body.
pub fn inputs_key(
    node: &SpecNode,
    deps: &[(SpecRef, Digest)],
    config: &ContractConfig,
    runner: AsyncRunner,
    model: Option<Digest>,
) -> InputsKey {
    let mut h = KeyHasher::new("jaunt.battery.v1");
    h.str("format", FORMAT)
        .str("ref", &node.spec_ref.to_string())
        .digest("spec", &node.digest)
        .str("battery", &battery_path(config, &node.spec_ref));
    h.field("deps", &(deps.len() as u64).to_le_bytes());
    for (r, d) in deps {
        h.str("dep", &r.to_string()).digest("dep_digest", d);
    }
    for d in &config.derive {
        h.str("derive", d.as_str());
    }
    if node.def_kind == DefKind::AsyncFunction {
        h.str("async_runner", runner.as_str());
    }
    // Only a battery the model writes part of depends on the model.
    if let Some(fingerprint) = model {
        h.digest("generator", &fingerprint);
    }
    InputsKey(h.finish())
}

/// Python's built-in exception names: a `Raises:` line naming one needs no
/// import.
const BUILTIN_ERRORS: &[&str] = &[
    "ArithmeticError",
    "AssertionError",
    "AttributeError",
    "BaseException",
    "BlockingIOError",
    "BufferError",
    "ConnectionError",
    "EOFError",
    "Exception",
    "FileExistsError",
    "FileNotFoundError",
    "FloatingPointError",
    "ImportError",
    "IndexError",
    "IsADirectoryError",
    "KeyError",
    "LookupError",
    "MemoryError",
    "ModuleNotFoundError",
    "NameError",
    "NotADirectoryError",
    "NotImplementedError",
    "OSError",
    "OverflowError",
    "PermissionError",
    "RecursionError",
    "RuntimeError",
    "StopAsyncIteration",
    "StopIteration",
    "SyntaxError",
    "TimeoutError",
    "TypeError",
    "UnicodeDecodeError",
    "UnicodeEncodeError",
    "UnicodeError",
    "ValueError",
    "ZeroDivisionError",
];

/// Renders the battery body (jaunt's header goes above it): plain pytest
/// that imports the code under test and needs no jaunt to run.
pub fn render(node: &SpecNode, doc: &ContractDoc, runner: AsyncRunner) -> String {
    let name = &node.spec_ref.qualname;
    let module = &node.spec_ref.module;
    let is_async = node.def_kind == DefKind::AsyncFunction;
    let is_class = node.def_kind == DefKind::Class;
    let cases = &doc.cases;
    let raises = cases.iter().any(|c| matches!(c, Case::Raises { .. }));
    let mut imports: Vec<String> = Vec::new();
    if is_async && runner == AsyncRunner::Asyncio && !cases.is_empty() {
        imports.push("import asyncio".into());
    }
    if raises || (is_async && runner == AsyncRunner::Anyio && !cases.is_empty()) {
        imports.push("import pytest".into());
    }
    let mut names = vec![name.clone()];
    for case in cases {
        if let Case::Raises { error, .. } = case {
            let head = error.split('.').next().unwrap_or(error);
            if !BUILTIN_ERRORS.contains(&head) && !names.iter().any(|n| n == head) {
                names.push(head.to_string());
            }
        }
    }
    let mut out = format!(
        "\"\"\"Contract battery of {}, derived from its docstring.\"\"\"\n\n",
        node.spec_ref
    );
    for i in &imports {
        out.push_str(i);
        out.push('\n');
    }
    if !imports.is_empty() {
        out.push('\n');
    }
    let _ = writeln!(out, "from {module} import {}", names.join(", "));
    let params = doc.fixtures.join(", ");
    if cases.is_empty() {
        let _ = write!(
            out,
            "\n\ndef test_{name}_is_importable():\n    assert callable({name})\n"
        );
    }
    let (mut examples, mut errors) = (0, 0);
    for case in cases {
        let (label, args) = match case {
            Case::Returns { args, .. } => {
                examples += 1;
                (format!("example_{examples}"), args)
            }
            Case::Raises { args, .. } => {
                errors += 1;
                (format!("raises_{errors}"), args)
            }
        };
        // A class's case is already the whole expression.
        let call = if is_class {
            args.clone()
        } else {
            format!("{name}({args})")
        };
        let (def, call) = match (is_async, runner) {
            (false, _) => ("def", call),
            (true, AsyncRunner::Asyncio) => ("def", format!("asyncio.run({call})")),
            (true, AsyncRunner::Anyio) => ("async def", format!("await {call}")),
        };
        out.push_str("\n\n");
        if is_async && runner == AsyncRunner::Anyio {
            out.push_str("@pytest.mark.anyio\n");
        }
        let _ = writeln!(out, "{def} test_{label}({params}):");
        match case {
            Case::Returns { expected, .. } => {
                let _ = writeln!(out, "    assert {call} == ({expected})");
            }
            Case::Raises { error, .. } => {
                let _ = writeln!(out, "    with pytest.raises({error}):\n        {call}");
            }
        }
    }
    out
}
