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

const TEST_HINT: &str = "test= takes True or False";

/// The readable arguments of one jaunt decorator or `jaunt.magic_module`
/// call. `None` is an argument not given (or given as `None`, as Jaunt 1.7
/// reads it), so module defaults fill it key by key.
#[derive(Clone, Debug, Default)]
pub(crate) struct SpecArgs {
    pub deps: Option<Vec<DepExpr>>,
    pub prompt: Option<String>,
    pub infer_deps: Option<bool>,
    pub test: Option<bool>,
}

impl SpecArgs {
    /// These arguments, each one not given taken from `defaults`.
    pub(crate) fn or(self, defaults: &SpecArgs) -> SpecArgs {
        SpecArgs {
            deps: self.deps.or_else(|| defaults.deps.clone()),
            prompt: self.prompt.or_else(|| defaults.prompt.clone()),
            infer_deps: self.infer_deps.or(defaults.infer_deps),
            test: self.test.or(defaults.test),
        }
    }
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
    let mut cursor = arguments.walk();
    for arg in arguments.named_children(&mut cursor) {
        match kind_of(arg) {
            "comment" => {}
            "keyword_argument" | "dictionary_splat" | "list_splat" => {
                keyword(arg, source, "the jaunt decorator", &mut args, diagnostics);
            }
            _ => report(
                diagnostics,
                arg,
                source,
                "the jaunt decorator takes no positional arguments".to_string(),
                "pass dependencies as deps=[...] and instructions as prompt=\"...\"",
            ),
        }
    }
    args
}

/// Reads the arguments of a `jaunt.magic_module(__name__, ...)` call: the
/// module's own name, as `__name__`, then the defaults of its specs.
pub(crate) fn read_module_args(
    call: Node<'_>,
    source: &str,
    diagnostics: &mut Vec<Diagnostic>,
) -> SpecArgs {
    const WHAT: &str = "jaunt.magic_module";
    const NAME_HINT: &str =
        "call it as jaunt.magic_module(__name__, ...) near the top of the module";
    let mut args = SpecArgs::default();
    let Some(arguments) = call.child_by_field_name("arguments") else {
        return args;
    };
    let mut named = false;
    let mut cursor = arguments.walk();
    for arg in arguments.named_children(&mut cursor) {
        match kind_of(arg) {
            "comment" => {}
            "keyword_argument" | "dictionary_splat" | "list_splat" => {
                keyword(arg, source, WHAT, &mut args, diagnostics);
            }
            "identifier" if !named && text(arg, source) == "__name__" => named = true,
            _ if !named => {
                named = true;
                report(
                    diagnostics,
                    arg,
                    source,
                    format!(
                        "{WHAT} must be given the module's own `__name__`, not `{}`",
                        short(arg, source)
                    ),
                    NAME_HINT,
                );
            }
            _ => report(
                diagnostics,
                arg,
                source,
                format!("{WHAT} takes one positional argument, `__name__`"),
                "pass dependencies as deps=[...] and instructions as prompt=\"...\"",
            ),
        }
    }
    if !named {
        report(
            diagnostics,
            call,
            source,
            format!("{WHAT} is called without the module's `__name__`"),
            NAME_HINT,
        );
    }
    args
}

fn report(
    diagnostics: &mut Vec<Diagnostic>,
    node: Node<'_>,
    source: &str,
    message: String,
    hint: &str,
) {
    diagnostics.push(
        Diagnostic::new(Code::Discovery, message)
            .position(line(node), column(node, source))
            .hint(hint),
    );
}

/// One keyword (or unpacked) argument of `what`, read into `args`.
fn keyword(
    arg: Node<'_>,
    source: &str,
    what: &str,
    args: &mut SpecArgs,
    diagnostics: &mut Vec<Diagnostic>,
) {
    if kind_of(arg) != "keyword_argument" {
        report(
            diagnostics,
            arg,
            source,
            format!("{what}'s arguments must be written out, not unpacked"),
            "write deps=, prompt=, infer_deps= and test= as keyword arguments",
        );
        return;
    }
    let (Some(name), Some(value)) = (
        arg.child_by_field_name("name"),
        arg.child_by_field_name("value"),
    ) else {
        return;
    };
    let value = unparenthesize(value);
    let mut bad = |message: &str, hint: &str| {
        report(diagnostics, value, source, message.to_string(), hint);
    };
    match text(name, source) {
        "deps" => {
            let mut deps = Vec::new();
            let mut report_dep = |node: Node<'_>, message: String, hint: &str| {
                report(diagnostics, node, source, message, hint);
            };
            if read_deps(value, source, &mut deps, &mut report_dep) {
                args.deps = Some(deps);
            }
        }
        "prompt" => match kind_of(value) {
            "none" => {}
            _ => match string_value(value, source) {
                Some((prefix, text)) if !prefix.format && !prefix.bytes => {
                    args.prompt = Some(text);
                }
                _ => bad(
                    "prompt= must be a plain string literal, known without running the code",
                    PROMPT_HINT,
                ),
            },
        },
        "infer_deps" => match bool_value(value) {
            Some(v) => args.infer_deps = v,
            None => bad("infer_deps= must be the literal True or False", INFER_HINT),
        },
        "test" => match bool_value(value) {
            Some(v) => args.test = v,
            None => bad("test= must be the literal True or False", TEST_HINT),
        },
        other => report(
            diagnostics,
            name,
            source,
            format!("unknown keyword argument `{other}=` to {what}"),
            &format!("{what} takes deps=, prompt=, infer_deps= and test="),
        ),
    }
}

/// `True`/`False` → `Some(Some(_))`, `None` → `Some(None)` (not given);
/// `None` for anything else.
fn bool_value(value: Node<'_>) -> Option<Option<bool>> {
    match kind_of(value) {
        "true" => Some(Some(true)),
        "false" => Some(Some(false)),
        "none" => Some(None),
        _ => None,
    }
}

/// Reads `deps=`'s value into `deps`; false for `deps=None` (not given).
fn read_deps(
    value: Node<'_>,
    source: &str,
    deps: &mut Vec<DepExpr>,
    report: &mut impl FnMut(Node<'_>, String, &str),
) -> bool {
    match kind_of(value) {
        "none" => return false,
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
    true
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
