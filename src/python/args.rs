//! The jaunt decorator's keyword arguments, read statically: what can be
//! read is returned, everything else becomes a diagnostic with a fix.

use super::canonical::string_value;
use super::imports::attribute_chain;
use super::parse::{column, kind_of, line, text};
use super::strings::Prefix;
use super::summary::DepExpr;
use crate::error::{Code, Diagnostic};
use tree_sitter::Node;

const DEPS_HINT: &str =
    "deps= takes a name, a dotted name, a \"pkg.mod:Name\" string, or a list of those";
const PROMPT_HINT: &str = "prompt= takes a string literal, e.g. prompt=\"Use integer cents.\"";
const INFER_HINT: &str = "infer_deps= takes True or False";

/// The readable arguments of one jaunt decorator.
#[derive(Default)]
pub(crate) struct SpecArgs {
    pub deps: Vec<DepExpr>,
    pub prompt: Option<String>,
    pub infer_deps: Option<bool>,
}

/// Reads the arguments of `decorator` (bare `@jaunt.magic` has none).
pub(crate) fn read_args(
    decorator: Node<'_>,
    source: &str,
    diagnostics: &mut Vec<Diagnostic>,
) -> SpecArgs {
    let mut args = SpecArgs::default();
    let Some(arguments) = decorator
        .named_child(0)
        .filter(|e| kind_of(*e) == "call")
        .and_then(|call| call.child_by_field_name("arguments"))
    else {
        return args;
    };
    let mut report = |node: Node<'_>, message: String, hint: &str| {
        diagnostics.push(
            Diagnostic::new(Code::Discovery, message)
                .position(line(node), column(node, source))
                .hint(hint),
        );
    };
    let mut cursor = arguments.walk();
    for arg in arguments.named_children(&mut cursor) {
        match kind_of(arg) {
            "comment" => {}
            "keyword_argument" => {
                let (Some(name), Some(value)) = (
                    arg.child_by_field_name("name"),
                    arg.child_by_field_name("value"),
                ) else {
                    continue;
                };
                let value = unparenthesize(value);
                match text(name, source) {
                    "deps" => read_deps(value, source, &mut args.deps, &mut report),
                    "prompt" => match kind_of(value) {
                        "none" => {}
                        _ => match string_value(value, source) {
                            Some((prefix, text)) if !prefix.format && !prefix.bytes => {
                                args.prompt = Some(text);
                            }
                            _ => report(
                                value,
                                "prompt= must be a plain string literal, known without running the code"
                                    .to_string(),
                                PROMPT_HINT,
                            ),
                        },
                    },
                    "infer_deps" => match kind_of(value) {
                        "true" => args.infer_deps = Some(true),
                        "false" => args.infer_deps = Some(false),
                        _ => report(
                            value,
                            "infer_deps= must be the literal True or False".to_string(),
                            INFER_HINT,
                        ),
                    },
                    other => report(
                        name,
                        format!("unknown keyword argument `{other}=` to the jaunt decorator"),
                        "the jaunt decorator takes deps=, prompt= and infer_deps=",
                    ),
                }
            }
            "dictionary_splat" | "list_splat" => report(
                arg,
                "the jaunt decorator's arguments must be written out, not unpacked".to_string(),
                "write deps=, prompt= and infer_deps= as keyword arguments",
            ),
            _ => report(
                arg,
                "the jaunt decorator takes no positional arguments".to_string(),
                "pass dependencies as deps=[...] and instructions as prompt=\"...\"",
            ),
        }
    }
    args
}

fn read_deps(
    value: Node<'_>,
    source: &str,
    deps: &mut Vec<DepExpr>,
    report: &mut impl FnMut(Node<'_>, String, &str),
) {
    match kind_of(value) {
        "none" => {}
        "list" | "tuple" | "set" => {
            let mut cursor = value.walk();
            for item in value.named_children(&mut cursor) {
                if kind_of(item) != "comment" {
                    read_dep(unparenthesize(item), source, deps, report);
                }
            }
        }
        _ => read_dep(value, source, deps, report),
    }
}

fn read_dep(
    item: Node<'_>,
    source: &str,
    deps: &mut Vec<DepExpr>,
    report: &mut impl FnMut(Node<'_>, String, &str),
) {
    if let Some(chain) = attribute_chain(item, source) {
        deps.push(DepExpr::Name {
            chain: chain.into_iter().map(str::to_string).collect(),
            line: line(item),
        });
        return;
    }
    match string_value(item, source) {
        Some((
            Prefix {
                format: false,
                bytes: false,
                ..
            },
            value,
        )) => deps.push(DepExpr::Str {
            value,
            line: line(item),
        }),
        _ => report(
            item,
            format!(
                "deps= entry `{}` cannot be read without running the code",
                short(item, source)
            ),
            DEPS_HINT,
        ),
    }
}

/// `(x)` → `x`: grouping parentheses change nothing.
fn unparenthesize(mut node: Node<'_>) -> Node<'_> {
    while kind_of(node) == "parenthesized_expression" {
        match node.named_child(0) {
            Some(inner) => node = inner,
            None => break,
        }
    }
    node
}

/// An expression as written, cut to one short line for a message.
fn short(node: Node<'_>, source: &str) -> String {
    let written = text(node, source);
    let first = written.lines().next().unwrap_or("");
    if first.chars().count() > 40 || first.len() < written.len() {
        format!("{}…", first.chars().take(40).collect::<String>())
    } else {
        first.to_string()
    }
}
