//! The jaunt decorator's keyword arguments, read statically: what can be
//! read is returned, everything else becomes a diagnostic with a fix.

use super::canonical::string_value;
use super::imports::attribute_chain;
use super::parse::{column, kind_of, line, text};
use super::strings::Prefix;
use super::summary::DepExpr;
use crate::error::{Code, Diagnostic};
use crate::names::SpecKind;
use tree_sitter::Node;

const PROMPT_HINT: &str = "prompt= takes a string literal, e.g. prompt=\"Use integer cents.\"";

/// The readable arguments of one jaunt decorator.
#[derive(Default)]
pub(crate) struct SpecArgs {
    pub deps: Vec<DepExpr>,
    pub prompt: Option<String>,
    pub infer_deps: Option<bool>,
    /// `@jaunt.test(targets=…)`: the specs under test, as written.
    pub targets: Vec<DepExpr>,
    /// `@jaunt.test(public_api_only=…)`.
    pub public_api_only: Option<bool>,
    /// `@jaunt.magic(test=…)`: a class spec's baseline test on or off.
    pub test: Option<bool>,
}

/// The keywords each decorator takes, as Jaunt 1.7 defines them.
fn keywords(kind: SpecKind) -> &'static str {
    match kind {
        SpecKind::Build => "@jaunt.magic takes deps=, prompt=, infer_deps= and test=",
        SpecKind::Test => {
            "@jaunt.test takes deps=, prompt=, infer_deps=, targets= and public_api_only="
        }
    }
}

/// Reads the arguments of `decorator` (bare `@jaunt.magic` has none), a
/// decorator of `kind`.
pub(crate) fn read_args(
    decorator: Node<'_>,
    kind: SpecKind,
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
                match (text(name, source), kind) {
                    ("deps", _) => read_refs("deps", value, source, &mut args.deps, &mut report),
                    ("prompt", _) => match kind_of(value) {
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
                    ("infer_deps", _) => {
                        args.infer_deps = read_bool("infer_deps", value, &mut report);
                    }
                    ("targets", SpecKind::Test) => {
                        read_refs("targets", value, source, &mut args.targets, &mut report);
                    }
                    ("public_api_only", SpecKind::Test) => {
                        args.public_api_only = read_bool("public_api_only", value, &mut report);
                    }
                    ("test", SpecKind::Build) => {
                        args.test = read_bool("test", value, &mut report);
                    }
                    (other @ ("targets" | "public_api_only"), SpecKind::Build) => report(
                        name,
                        format!("`{other}=` is an argument of @jaunt.test, not @jaunt.magic"),
                        "name what a test covers on its @jaunt.test spec; @jaunt.magic takes deps=, prompt=, infer_deps= and test=",
                    ),
                    ("test", SpecKind::Test) => report(
                        name,
                        "`test=` is an argument of @jaunt.magic (a class spec's baseline test), not @jaunt.test"
                            .to_string(),
                        "remove it: every @jaunt.test spec is a test; name what it covers with targets=",
                    ),
                    (other, _) => report(
                        name,
                        format!("unknown keyword argument `{other}=` to the jaunt decorator"),
                        keywords(kind),
                    ),
                }
            }
            "dictionary_splat" | "list_splat" => report(
                arg,
                "the jaunt decorator's arguments must be written out, not unpacked".to_string(),
                &format!("write them as keyword arguments: {}", keywords(kind)),
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

/// A literal `True` or `False`; anything else is reported.
fn read_bool(
    arg: &str,
    value: Node<'_>,
    report: &mut impl FnMut(Node<'_>, String, &str),
) -> Option<bool> {
    match kind_of(value) {
        "true" => Some(true),
        "false" => Some(false),
        _ => {
            report(
                value,
                format!("{arg}= must be the literal True or False"),
                &format!("{arg}= takes True or False, written out"),
            );
            None
        }
    }
}

/// `deps=` or `targets=`: one spec reference or a list, tuple or set of
/// them; `None` is none.
fn read_refs(
    arg: &str,
    value: Node<'_>,
    source: &str,
    refs: &mut Vec<DepExpr>,
    report: &mut impl FnMut(Node<'_>, String, &str),
) {
    match kind_of(value) {
        "none" => {}
        "list" | "tuple" | "set" => {
            let mut cursor = value.walk();
            for item in value.named_children(&mut cursor) {
                if kind_of(item) != "comment" {
                    read_ref(arg, unparenthesize(item), source, refs, report);
                }
            }
        }
        _ => read_ref(arg, value, source, refs, report),
    }
}

fn read_ref(
    arg: &str,
    item: Node<'_>,
    source: &str,
    refs: &mut Vec<DepExpr>,
    report: &mut impl FnMut(Node<'_>, String, &str),
) {
    if let Some(chain) = attribute_chain(item, source) {
        refs.push(DepExpr::Name {
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
        )) => refs.push(DepExpr::Str {
            value,
            line: line(item),
        }),
        _ => report(
            item,
            format!(
                "{arg}= entry `{}` cannot be read without running the code",
                short(item, source)
            ),
            &format!(
                "{arg}= takes a name, a dotted name, a \"pkg.mod:Name\" string, or a list of those"
            ),
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
