//! Parsing and tree plumbing shared by the summary, the canonical digest and
//! validation: one parser per thread, positions, and an iterative walk.

use super::comments;
use std::cell::RefCell;
use std::num::NonZeroU16;
use std::sync::OnceLock;
use tree_sitter::{Language, Node, Parser, Tree, TreeCursor};

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
///
/// Long comment runs are parsed masked ([`comments::masked`]), so the tree
/// lacks their middle comments: read comments through
/// [`comments::Run::hidden`] too.
pub(crate) fn parse(source: &str) -> Option<Tree> {
    PARSER.with(|p| {
        let mut parser = p.borrow_mut();
        #[cfg(test)]
        if UNMASKED.get() {
            return parser.parse(source, None);
        }
        if let Some((masked, runs)) = comments::masked(source) {
            let tree = parser.parse(&masked, None)?;
            if runs.iter().all(|run| run.kept_in(tree.root_node())) {
                return Some(tree);
            }
        }
        parser.parse(source, None)
    })
}

#[cfg(test)]
thread_local! {
    /// Set by tests to parse sources as they are and read comments from the
    /// tree alone, as before masking, to compare with it.
    pub(crate) static UNMASKED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Node kind names by kind id, looked up once: `Node::kind` measures and
/// validates the C string on every call, which shows in profiles.
static KINDS: OnceLock<Vec<String>> = OnceLock::new();

/// A node's kind (`"identifier"`, `"+"`, …); `"ERROR"` for error nodes,
/// whose id (`u16::MAX`) is past the table.
pub(crate) fn kind_of(node: Node<'_>) -> &'static str {
    let kinds = KINDS.get_or_init(|| {
        let language = Language::new(tree_sitter_python::LANGUAGE);
        (0..language.node_kind_count())
            .map(|id| {
                u16::try_from(id)
                    .ok()
                    .and_then(|id| language.node_kind_for_id(id))
                    .unwrap_or("")
                    .to_string()
            })
            .collect()
    });
    kinds
        .get(usize::from(node.kind_id()))
        .map_or("ERROR", String::as_str)
}

/// A field of tree-sitter-python's grammar that jaunt reads. Children are
/// found by field id: `child_by_field_name` compares the name with every
/// field name of the grammar on each call, which showed in profiles.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Field {
    Alias,
    Argument,
    Arguments,
    Attribute,
    Body,
    Definition,
    Function,
    Left,
    ModuleName,
    Name,
    Object,
    Operator,
    Parameters,
    ReturnType,
    Right,
    Subscript,
    Superclasses,
    Type,
    TypeParameters,
    Value,
}

impl Field {
    /// Every field with its name in the grammar, in declaration order
    /// (`field as usize` indexes it; its length follows the last one).
    const ALL: [(Field, &'static str); Field::Value as usize + 1] = [
        (Field::Alias, "alias"),
        (Field::Argument, "argument"),
        (Field::Arguments, "arguments"),
        (Field::Attribute, "attribute"),
        (Field::Body, "body"),
        (Field::Definition, "definition"),
        (Field::Function, "function"),
        (Field::Left, "left"),
        (Field::ModuleName, "module_name"),
        (Field::Name, "name"),
        (Field::Object, "object"),
        (Field::Operator, "operator"),
        (Field::Parameters, "parameters"),
        (Field::ReturnType, "return_type"),
        (Field::Right, "right"),
        (Field::Subscript, "subscript"),
        (Field::Superclasses, "superclasses"),
        (Field::Type, "type"),
        (Field::TypeParameters, "type_parameters"),
        (Field::Value, "value"),
    ];

    /// Its id in the bundled grammar, looked up once.
    pub(crate) fn id(self) -> NonZeroU16 {
        static IDS: OnceLock<Vec<NonZeroU16>> = OnceLock::new();
        IDS.get_or_init(|| {
            let language = Language::new(tree_sitter_python::LANGUAGE);
            Field::ALL
                .iter()
                .map(|(_, name)| {
                    language
                        .field_id_for_name(name)
                        .expect("every Field is a field of the bundled tree-sitter-python grammar")
                })
                .collect()
        })[self as usize]
    }
}

/// [`Field`] lookups on a node.
pub(crate) trait Fields<'t> {
    /// The child in `field`, as `child_by_field_name` would find it.
    fn field(&self, field: Field) -> Option<Node<'t>>;
}

impl<'t> Fields<'t> for Node<'t> {
    fn field(&self, field: Field) -> Option<Node<'t>> {
        self.child_by_field_id(field.id().get())
    }
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
    /// Called on entering a node, with the cursor on it (for its field name
    /// in the parent, which costs a lookup, so only when needed). Returns
    /// whether to visit its children.
    fn enter(&mut self, node: Node<'t>, cursor: &TreeCursor<'t>) -> bool;
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
        if visitor.enter(node, &cursor) && cursor.goto_first_child() {
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

/// Two visitors in one walk, each seeing the nodes it asked for: a node
/// one of them skipped is hidden from it until the walk leaves that node.
pub(crate) struct Pair<A, B> {
    pub a: A,
    pub b: B,
    depth: usize,
    /// Depth of the node where `a` (resp. `b`) stopped descending.
    a_off: Option<usize>,
    b_off: Option<usize>,
}

impl<A, B> Pair<A, B> {
    pub(crate) fn new(a: A, b: B) -> Self {
        Pair {
            a,
            b,
            depth: 0,
            a_off: None,
            b_off: None,
        }
    }
}

impl<'t, A: Visitor<'t>, B: Visitor<'t>> Visitor<'t> for Pair<A, B> {
    fn enter(&mut self, node: Node<'t>, cursor: &TreeCursor<'t>) -> bool {
        self.depth += 1;
        let mut descend = false;
        if self.a_off.is_none() {
            if self.a.enter(node, cursor) {
                descend = true;
            } else {
                self.a_off = Some(self.depth);
            }
        }
        if self.b_off.is_none() {
            if self.b.enter(node, cursor) {
                descend = true;
            } else {
                self.b_off = Some(self.depth);
            }
        }
        descend
    }

    fn exit(&mut self, node: Node<'t>) {
        for (visitor_off, exit) in [
            (&mut self.a_off, &mut self.a as &mut dyn Visitor<'t>),
            (&mut self.b_off, &mut self.b as &mut dyn Visitor<'t>),
        ] {
            match *visitor_off {
                None => exit.exit(node),
                Some(depth) if depth == self.depth => {
                    exit.exit(node);
                    *visitor_off = None;
                }
                Some(_) => {}
            }
        }
        self.depth -= 1;
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
    fn enter(&mut self, node: Node<'t>, _cursor: &TreeCursor<'t>) -> bool {
        if node.is_error() || node.is_missing() {
            let message = if node.is_missing() {
                format!("missing {}", kind_of(node))
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
        match kind_of(node) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_field_finds_what_the_field_name_finds() {
        let source = "from .m import a as b\n@d(x=1)\nclass C(B):\n    def f(self, y: int = 2) -> str:\n        z = -y + o.p[q]\n        return g(*z)\n";
        let tree = parse(source).unwrap();
        let mut seen = std::collections::HashSet::new();
        let mut stack = vec![tree.root_node()];
        for (i, (f, _)) in Field::ALL.iter().enumerate() {
            assert_eq!(*f as usize, i, "Field::ALL is in declaration order");
        }
        while let Some(node) = stack.pop() {
            for (f, name) in Field::ALL {
                let by_name = node.child_by_field_name(name);
                assert_eq!(node.field(f), by_name, "{f:?} of {}", node.kind());
                if by_name.is_some() {
                    seen.insert(f);
                }
            }
            let mut cursor = node.walk();
            stack.extend(node.children(&mut cursor));
        }
        assert!(
            seen.len() >= 15,
            "the sample exercises most fields: {seen:?}"
        );
    }
}
