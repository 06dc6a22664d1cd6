//! The jaunt decorator's keyword arguments, read statically: what can be
//! read is returned, everything else becomes a diagnostic with a fix.

use super::canonical::string_value;
use super::imports::attribute_chain;
use super::parse::{column, kind_of, line, text};
use super::strings::Prefix;
use super::summary::DepExpr;
use crate::error::{Code, Diagnostic};
use crate::names::SpecKind;
use crate::python::parse::{Field, Fields};
use tree_sitter::Node;

const PROMPT_HINT: &str = "prompt= takes a string literal, e.g. prompt=\"Use integer cents.\"";

/// The readable arguments of one jaunt decorator or `jaunt.magic_module`
/// call. `None` is an argument not given (or given as `None`, as Jaunt 1.7
/// reads it), so module defaults fill it key by key.
#[derive(Clone, Debug, Default)]
pub(crate) struct SpecArgs {
    pub deps: Option<Vec<DepExpr>>,
    pub prompt: Option<String>,
    pub infer_deps: Option<bool>,
    /// `@jaunt.test(targets=…)`: the specs under test, as written.
    pub targets: Option<Vec<DepExpr>>,
    /// `@jaunt.test(public_api_only=…)`.
    pub public_api_only: Option<bool>,
    /// `@jaunt.magic(test=…)` or `jaunt.magic_module(test=…)`: a class
    /// spec's baseline test on or off.
    pub test: Option<bool>,
}

impl SpecArgs {
    /// These arguments, each one not given taken from `defaults`.
    /// (`jaunt.magic_module` gives no `targets=` or `public_api_only=`, so
    /// for its defaults those two are always the decorator's own.)
    pub(crate) fn or(self, defaults: &SpecArgs) -> SpecArgs {
        SpecArgs {
            deps: self.deps.or_else(|| defaults.deps.clone()),
            prompt: self.prompt.or_else(|| defaults.prompt.clone()),
            infer_deps: self.infer_deps.or(defaults.infer_deps),
            targets: self.targets.or_else(|| defaults.targets.clone()),
            public_api_only: self.public_api_only.or(defaults.public_api_only),
            test: self.test.or(defaults.test),
        }
    }
}

/// What is being read: a decorator of a spec kind, or the
/// `jaunt.magic_module` call.
#[derive(Clone, Copy)]
enum Reader {
    Decorator(SpecKind),
    MagicModule,
}

impl Reader {
    /// How messages name it.
    fn what(self) -> &'static str {
        match self {
            Reader::Decorator(_) => "the jaunt decorator",
            Reader::MagicModule => "jaunt.magic_module",
        }
    }

    /// The keywords it takes, as Jaunt 1.7 defines them.
    fn keywords(self) -> &'static str {
        match self {
            Reader::Decorator(SpecKind::Build) => {
                "@jaunt.magic takes deps=, prompt=, infer_deps= and test="
            }
            Reader::Decorator(SpecKind::Test) => {
                "@jaunt.test takes deps=, prompt=, infer_deps=, targets= and public_api_only="
            }
            Reader::Decorator(SpecKind::Contract) => "@jaunt.contract takes deps= only",
            Reader::MagicModule => "jaunt.magic_module takes deps=, prompt=, infer_deps= and test=",
        }
    }

    /// Whether it takes `test=` (build decorators and the module call) or
    /// `targets=`/`public_api_only=` (test decorators).
    fn builds(self) -> bool {
        !matches!(self, Reader::Decorator(SpecKind::Test))
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
    let reader = Reader::Decorator(kind);
    let mut args = SpecArgs::default();
    let Some(arguments) = decorator
        .named_child(0)
        .filter(|e| kind_of(*e) == "call")
        .and_then(|call| call.field(Field::Arguments))
    else {
        return args;
    };
    let mut cursor = arguments.walk();
    for arg in arguments.named_children(&mut cursor) {
        match kind_of(arg) {
            "comment" => {}
            "keyword_argument" | "dictionary_splat" | "list_splat" => {
                keyword(arg, source, reader, &mut args, diagnostics);
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
    let Some(arguments) = call.field(Field::Arguments) else {
        return args;
    };
    let mut named = false;
    let mut cursor = arguments.walk();
    for arg in arguments.named_children(&mut cursor) {
        match kind_of(arg) {
            "comment" => {}
            "keyword_argument" | "dictionary_splat" | "list_splat" => {
                keyword(arg, source, Reader::MagicModule, &mut args, diagnostics);
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

/// One keyword (or unpacked) argument read into `args`, checked against
/// what `reader` takes.
fn keyword(
    arg: Node<'_>,
    source: &str,
    reader: Reader,
    args: &mut SpecArgs,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let what = reader.what();
    if kind_of(arg) != "keyword_argument" {
        report(
            diagnostics,
            arg,
            source,
            format!("{what}'s arguments must be written out, not unpacked"),
            &format!("write them as keyword arguments: {}", reader.keywords()),
        );
        return;
    }
    let (Some(name), Some(value)) = (arg.field(Field::Name), arg.field(Field::Value)) else {
        return;
    };
    let value = unparenthesize(value);
    let mut report = |node: Node<'_>, message: String, hint: &str| {
        report(diagnostics, node, source, message, hint);
    };
    if matches!(reader, Reader::Decorator(SpecKind::Contract)) && text(name, source) != "deps" {
        report(
            name,
            format!(
                "`{}=` is not an argument of @jaunt.contract",
                text(name, source)
            ),
            reader.keywords(),
        );
        return;
    }
    match (text(name, source), reader.builds()) {
        ("deps", _) => args.deps = read_refs("deps", value, source, &mut report),
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
        ("infer_deps", _) => args.infer_deps = read_bool("infer_deps", value, &mut report),
        ("targets", false) => args.targets = read_refs("targets", value, source, &mut report),
        ("public_api_only", false) => {
            args.public_api_only = read_bool("public_api_only", value, &mut report);
        }
        ("test", true) => args.test = read_bool("test", value, &mut report),
        (other @ ("targets" | "public_api_only"), true) => report(
            name,
            match reader {
                Reader::MagicModule => {
                    format!("`{other}=` is an argument of @jaunt.test, not jaunt.magic_module")
                }
                Reader::Decorator(_) => {
                    format!("`{other}=` is an argument of @jaunt.test, not @jaunt.magic")
                }
            },
            &format!(
                "name what a test covers on its @jaunt.test spec; {}",
                reader.keywords()
            ),
        ),
        ("test", false) => report(
            name,
            "`test=` is an argument of @jaunt.magic (a class spec's baseline test), not @jaunt.test"
                .to_string(),
            "remove it: every @jaunt.test spec is a test; name what it covers with targets=",
        ),
        (other, _) => report(
            name,
            format!("unknown keyword argument `{other}=` to {what}"),
            reader.keywords(),
        ),
    }
}

/// A literal `True` or `False`; `None` is not given (as Jaunt 1.7 reads
/// it); anything else is reported.
fn read_bool(
    arg: &str,
    value: Node<'_>,
    report: &mut impl FnMut(Node<'_>, String, &str),
) -> Option<bool> {
    match kind_of(value) {
        "true" => Some(true),
        "false" => Some(false),
        "none" => None,
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
/// them; `None` is not given. Unreadable entries are reported and left out.
fn read_refs(
    arg: &str,
    value: Node<'_>,
    source: &str,
    report: &mut impl FnMut(Node<'_>, String, &str),
) -> Option<Vec<DepExpr>> {
    let mut refs = Vec::new();
    match kind_of(value) {
        "none" => return None,
        "list" | "tuple" | "set" => {
            let mut cursor = value.walk();
            for item in value.named_children(&mut cursor) {
                if kind_of(item) != "comment" {
                    read_ref(arg, unparenthesize(item), source, &mut refs, report);
                }
            }
        }
        _ => read_ref(arg, value, source, &mut refs, report),
    }
    Some(refs)
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
