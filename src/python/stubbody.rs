//! Stub bodies: the bodies Jaunt 1.7 treats as "to be written" (a `def`,
//! `async def` or `class` whose body is only `...`, a docstring, `pass` or
//! `raise NotImplementedError`, with or without a docstring before it).
//! They decide what `jaunt.magic_module` makes a spec and which methods of
//! a class spec are guideposts, and the four forms digest alike
//! (docs/architecture.md, Digests and keys).

use super::canonical::docstring_statement;
use super::parse::{kind_of, text};
use crate::python::parse::{Field, Fields};
use tree_sitter::Node;

/// The statement after an optional docstring that makes a body a stub.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Tail {
    /// `...`: the canonical form when there is no docstring.
    Ellipsis,
    /// `pass`, `raise NotImplementedError` or `raise NotImplementedError()`:
    /// digested as `...` would be.
    Foldable,
    /// `raise NotImplementedError(<message>)`: a stub, but its message is
    /// text a reader notices, so it stays in the digest.
    Message,
}

/// A stub body: whether it has a docstring, and its other statement.
#[derive(Clone, Copy, Debug)]
pub(crate) struct StubBody<'t> {
    pub docstring: bool,
    pub tail: Option<(Node<'t>, Tail)>,
}

/// `block` (a function's or class's body) read as a stub; `None` when it
/// holds anything else. Comments do not count.
pub(crate) fn stub_body<'t>(block: Node<'t>, source: &str) -> Option<StubBody<'t>> {
    let doc = docstring_statement(block, source).map(|statement| statement.id());
    let mut cursor = block.walk();
    let rest: Vec<Node<'t>> = block
        .named_children(&mut cursor)
        .filter(|n| kind_of(*n) != "comment" && Some(n.id()) != doc)
        .collect();
    let tail = match rest[..] {
        [] => None,
        [statement] => Some((statement, tail_of(statement, source)?)),
        _ => return None,
    };
    (doc.is_some() || tail.is_some()).then_some(StubBody {
        docstring: doc.is_some(),
        tail,
    })
}

fn tail_of(statement: Node<'_>, source: &str) -> Option<Tail> {
    match kind_of(statement) {
        "pass_statement" => Some(Tail::Foldable),
        "expression_statement"
            if statement.named_child_count() == 1
                && statement
                    .named_child(0)
                    .is_some_and(|e| kind_of(e) == "ellipsis") =>
        {
            Some(Tail::Ellipsis)
        }
        "raise_statement" => {
            let mut cursor = statement.walk();
            let exprs: Vec<Node<'_>> = statement
                .named_children(&mut cursor)
                .filter(|n| kind_of(*n) != "comment")
                .collect();
            let [raised] = exprs[..] else {
                return None;
            };
            let raised = unparenthesized(raised);
            let is_nie = |n: Node<'_>| {
                kind_of(n) == "identifier" && text(n, source) == "NotImplementedError"
            };
            if is_nie(raised) {
                return Some(Tail::Foldable);
            }
            let callee = raised
                .field(Field::Function)
                .filter(|_| kind_of(raised) == "call")?;
            if !is_nie(callee) {
                return None;
            }
            let no_arguments = raised
                .field(Field::Arguments)
                .is_none_or(|a| a.named_children(&mut a.walk()).all(|c| c.is_extra()));
            Some(if no_arguments {
                Tail::Foldable
            } else {
                Tail::Message
            })
        }
        _ => None,
    }
}

fn unparenthesized(mut node: Node<'_>) -> Node<'_> {
    while kind_of(node) == "parenthesized_expression" {
        match node.named_child(0) {
            Some(inner) => node = inner,
            None => break,
        }
    }
    node
}

/// Whether a definition (`function_definition` or `class_definition`) has
/// a stub body.
pub(crate) fn has_stub_body(def: Node<'_>, source: &str) -> bool {
    def.field(Field::Body)
        .and_then(|block| stub_body(block, source))
        .is_some()
}
