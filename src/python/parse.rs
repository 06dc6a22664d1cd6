//! Parsing and tree plumbing shared by the summary, the canonical digest and
//! validation: one parser per thread, positions, and an iterative walk.

use std::cell::RefCell;
use tree_sitter::{Node, Parser, Tree, TreeCursor};

thread_local! {
    /// Parsers are costly to set up and not `Sync`; each rayon worker keeps
    /// one for every file it reads.
    static PARSER: RefCell<Parser> = RefCell::new(new_parser());
}

fn new_parser() -> Parser {
    let mut parser = Parser::new();
    parser
        .set_language(&tree_sitter_python::LANGUAGE.into())
        .expect("the bundled tree-sitter-python grammar matches the tree-sitter ABI");
    parser
}

/// Parses Python source; `None` only if tree-sitter gives up (it has no
/// timeout or cancellation set here, so in practice never).
pub(crate) fn parse(source: &str) -> Option<Tree> {
    PARSER.with(|p| p.borrow_mut().parse(source, None))
}

/// The source text of a node; empty if the range is not a valid slice.
pub(crate) fn text<'s>(node: Node<'_>, source: &'s str) -> &'s str {
    source.get(node.byte_range()).unwrap_or("")
}

/// 1-based line of a node's start.
pub(crate) fn line(node: Node<'_>) -> u32 {
    u32::try_from(node.start_position().row + 1).unwrap_or(u32::MAX)
}

/// 1-based column of a node's start, in characters (tree-sitter counts bytes).
pub(crate) fn column(node: Node<'_>, source: &str) -> u32 {
    let start = node.start_byte();
    let line_start = start - node.start_position().column;
    let chars = source
        .get(line_start..start)
        .map_or(node.start_position().column, |s| s.chars().count());
    u32::try_from(chars + 1).unwrap_or(u32::MAX)
}

/// A pre-order visit with exit events, driven by [`walk`].
pub(crate) trait Visitor<'t> {
    /// Called on entering a node; `field` is its field name in the parent.
    /// Returns whether to visit its children.
    fn enter(&mut self, node: Node<'t>, field: Option<&'t str>) -> bool;
    /// Called after a node's children (or right after `enter` if skipped).
    fn exit(&mut self, _node: Node<'t>) {}
}

/// Walks `root` and its descendants with a cursor rather than recursion, so
/// deeply nested expressions cannot overflow the stack.
pub(crate) fn walk<'t>(root: Node<'t>, visitor: &mut impl Visitor<'t>) {
    let mut cursor: TreeCursor<'t> = root.walk();
    let mut depth = 0usize;
    loop {
        let node = cursor.node();
        let field = if depth == 0 {
            None
        } else {
            cursor.field_name()
        };
        if visitor.enter(node, field) && cursor.goto_first_child() {
            depth += 1;
            continue;
        }
        visitor.exit(node);
        loop {
            if depth == 0 {
                return;
            }
            if cursor.goto_next_sibling() {
                break;
            }
            cursor.goto_parent();
            depth -= 1;
            visitor.exit(cursor.node());
        }
    }
}

/// One syntax error: position and message (`invalid syntax`, `missing X`).
pub(crate) struct SyntaxError {
    pub line: u32,
    pub column: u32,
    pub message: String,
    /// Up to a line's worth of the offending text, for messages.
    pub near: String,
}

struct ErrorCollector<'s> {
    source: &'s str,
    errors: Vec<SyntaxError>,
}

impl<'t> Visitor<'t> for ErrorCollector<'_> {
    fn enter(&mut self, node: Node<'t>, _field: Option<&'t str>) -> bool {
        if node.is_error() || node.is_missing() {
            let message = if node.is_missing() {
                format!("missing {}", node.kind())
            } else {
                "invalid syntax".to_string()
            };
            let near: String = text(node, self.source)
                .lines()
                .next()
                .unwrap_or("")
                .trim()
                .chars()
                .take(40)
                .collect();
            self.errors.push(SyntaxError {
                line: line(node),
                column: column(node, self.source),
                message,
                near,
            });
            return false;
        }
        node.has_error()
    }
}

/// Every ERROR and MISSING node, outermost only, in source order.
pub(crate) fn syntax_errors(root: Node<'_>, source: &str) -> Vec<SyntaxError> {
    if !root.has_error() {
        return Vec::new();
    }
    let mut collector = ErrorCollector {
        source,
        errors: Vec::new(),
    };
    walk(root, &mut collector);
    collector.errors
}

/// Statements that run at import time: the module's own, and those nested in
/// module-level `if`/`try`/`with` blocks (`if TYPE_CHECKING:` imports,
/// `try: ... except ImportError:` fallbacks). Source order.
pub(crate) fn module_statements<'t>(root: Node<'t>, mut each: impl FnMut(Node<'t>)) {
    let mut cursor = root.walk();
    let mut stack: Vec<Node<'t>> = root.named_children(&mut cursor).collect();
    stack.reverse();
    while let Some(node) = stack.pop() {
        match node.kind() {
            "if_statement"
            | "try_statement"
            | "with_statement"
            | "elif_clause"
            | "else_clause"
            | "except_clause"
            | "except_group_clause"
            | "finally_clause"
            | "block" => {
                let start = stack.len();
                stack.extend(node.named_children(&mut cursor));
                stack[start..].reverse();
            }
            _ => each(node),
        }
    }
}
