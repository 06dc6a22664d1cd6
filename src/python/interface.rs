//! The interface of a generated module: what its dependents need to call
//! it (public signatures, class shapes, constants, the imports they name),
//! rendered as canonical stub text.
//!
//! Dependents can be keyed and prompted with this instead of the module's
//! bytes, so an edit that keeps the interface (a new body, a docstring, a
//! comment, a private helper) leaves them alone. Like the canonical digest,
//! the text is rendered from the syntax tree, never copied from the source,
//! so `black` and `ruff format` leave it byte-identical.

use crate::python::parse::{Field, Fields};
use std::collections::BTreeSet;
use std::fmt::Write as _;
use tree_sitter::{Node, TreeCursor};

use super::canonical::{Part, has_token, read_string, string_value};
use super::imports::{attribute_chain, dotted, import_bindings};
use super::layout::{Bases, Class, Def, Item};
use super::parse::{Visitor, kind_of, module_statements, parse, text, walk};
use super::strings::canonical_number;
use super::summary::ImportTarget;
use crate::digest::{Digest, KeyHasher};

/// The interface of a generated module.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Interface {
    /// Canonical stub text: equal interfaces give byte-identical text.
    pub stub: String,
    /// BLAKE3 of `stub` under its own domain, so that a key and the text
    /// shown to the model agree exactly.
    pub digest: Digest,
    /// The public names, sorted.
    pub names: Vec<String>,
}

impl Interface {
    fn new(stub: String, names: Vec<String>) -> Interface {
        let digest = KeyHasher::new("jaunt.interface.v1")
            .str("stub", &stub)
            .finish();
        Interface {
            stub,
            digest,
            names,
        }
    }
}

/// Reads the interface of a module from its source. Never fails: of source
/// that does not parse, the interface is that of what tree-sitter recovered.
pub fn extract(source: &str) -> Interface {
    let Some(tree) = parse(source) else {
        return Interface::new(String::new(), Vec::new());
    };
    let root = tree.root_node();
    let statements = top_level(root);
    let mut stub = Stub {
        render: Render::new(source),
        all: dunder_all(&statements, source),
        items: Vec::new(),
        names: BTreeSet::new(),
    };
    for statement in statements {
        stub.statement(statement);
    }
    stub.finish(root)
}

/// Deepest class nesting rendered; Python itself stops at 100 indentation
/// levels, and the renderer recurses per level.
pub(crate) const MAX_NESTING: usize = 20;

/// Deepest expression nesting rendered structurally; below it an
/// expression is spelled flat (see [`Render::flat`]), so pathological input
/// cannot overflow the stack.
const MAX_DEPTH: usize = 100;

/// Callees whose call defines a type, so that `T = TypeVar("T")` keeps its
/// value in the interface instead of becoming `typing.Any`.
const TYPE_FACTORIES: &[&str] = &[
    "TypeVar",
    "ParamSpec",
    "TypeVarTuple",
    "NewType",
    "NamedTuple",
    "TypedDict",
];

/// The module-level pass: which definitions are public, rendered in source
/// order, then the imports they need.
struct Stub<'s> {
    render: Render<'s>,
    /// The names `__all__` lists, when it is a literal list.
    all: Option<BTreeSet<String>>,
    /// One rendered block per public top-level statement.
    items: Vec<String>,
    /// Public names defined by those statements.
    names: BTreeSet<String>,
}

/// Whether a module-level name is public: `__all__` decides when present;
/// otherwise a leading underscore hides.
pub(crate) fn is_public(all: Option<&BTreeSet<String>>, name: &str) -> bool {
    match all {
        Some(all) => all.contains(name),
        None => !name.starts_with('_'),
    }
}

impl Stub<'_> {
    /// Renders one top-level statement, if it defines public names, as one
    /// block of the stub. Definitions nested in module-level `if`/`try`
    /// blocks are not read (their imports are, see [`Stub::imports`]).
    fn statement(&mut self, node: Node<'_>) {
        let all = self.all.as_ref();
        let mut block = String::new();
        let mut names = Vec::new();
        match kind_of(node) {
            "decorated_definition" | "function_definition" | "class_definition" => {
                let Some((decorators, def)) = definition(node) else {
                    return;
                };
                let name = name_of(def, self.render.source);
                if !is_public(all, name) {
                    return;
                }
                self.render
                    .definition(&decorators, def, 0)
                    .write_compact(0, &mut block);
                names.push(name.to_string());
            }
            "expression_statement" => {
                let Some(assign) = assignment_of(node) else {
                    return;
                };
                let public = |name: &str| is_public(all, name);
                for (name, line) in self.render.assignment(assign, false, &public) {
                    block.push_str(&line);
                    block.push('\n');
                    names.push(name);
                }
            }
            "type_alias_statement" => {
                let Some(name) = alias_name(node, self.render.source) else {
                    return;
                };
                if !is_public(all, name) {
                    return;
                }
                names.push(name.to_string());
                let line = self.render.type_alias(node);
                block.push_str(&line);
            }
            _ => return,
        }
        if !block.is_empty() {
            self.items.push(block.trim_end().to_string());
            self.names.extend(names);
        }
    }

    /// Assembles the stub: imports, `__all__`, then the rendered items, one
    /// blank line apart.
    fn finish(self, root: Node<'_>) -> Interface {
        let mut sections = Vec::new();
        let imports = self.imports(root);
        if !imports.is_empty() {
            sections.push(imports.join("\n"));
        }
        if let Some(all) = &self.all {
            let quoted: Vec<String> = all.iter().map(|n| quote(n, false)).collect();
            sections.push(format!("__all__ = [{}]", quoted.join(", ")));
        }
        sections.extend(self.items);
        let mut stub = sections.join("\n\n");
        if !stub.is_empty() {
            stub.push('\n');
        }
        let names = self.all.unwrap_or(self.names).into_iter().collect();
        Interface::new(stub, names)
    }

    /// The import lines the rendered items need: bindings they use or that
    /// `__all__` re-exports, star imports (which may provide anything), and
    /// `__future__` imports first, since Python requires them there.
    fn imports(&self, root: Node<'_>) -> Vec<String> {
        let source = self.render.source;
        let mut future = BTreeSet::new();
        let mut lines = BTreeSet::new();
        module_statements(root, |statement| {
            for (binds, line) in import_lines(statement, source) {
                let needed = match &binds {
                    Binds::Future => {
                        future.insert(line);
                        continue;
                    }
                    Binds::Star => true,
                    Binds::Name(name) => {
                        self.render.uses.contains(name)
                            || self.all.as_ref().is_some_and(|all| all.contains(name))
                    }
                };
                if needed {
                    lines.insert(line);
                }
            }
        });
        if self.render.any {
            lines.insert("import typing".to_string());
        }
        future.into_iter().chain(lines).collect()
    }
}

/// What one canonical import line binds.
pub(crate) enum Binds {
    Future,
    Star,
    Name(String),
}

/// The canonical lines of an import statement, one per imported name:
/// `import a.b`, `import a.b as c`, `from .m import n as k`.
pub(crate) fn import_lines(statement: Node<'_>, source: &str) -> Vec<(Binds, String)> {
    import_lines_from(statement, source, 0)
}

/// [`import_lines`] as seen from `up` packages higher: relative imports
/// lose `up` leading dots, and those that would lose them all (they name
/// something below the new position) are left out.
pub(crate) fn import_lines_from(
    statement: Node<'_>,
    source: &str,
    up: u32,
) -> Vec<(Binds, String)> {
    let mut cursor = statement.walk();
    match kind_of(statement) {
        "future_import_statement" => statement
            .children_by_field_id(Field::Name.id(), &mut cursor)
            .map(|name| {
                let feature = match kind_of(name) {
                    "aliased_import" => aliased(name, source).1,
                    _ => dotted(name, source),
                };
                (Binds::Future, format!("from __future__ import {feature}"))
            })
            .collect(),
        "import_statement" => statement
            .children_by_field_id(Field::Name.id(), &mut cursor)
            .map(|name| match kind_of(name) {
                "aliased_import" => {
                    let (alias, module) = aliased(name, source);
                    let line = format!("import {module} as {alias}");
                    (Binds::Name(alias), line)
                }
                _ => {
                    let module = dotted(name, source);
                    let root = module.split('.').next().unwrap_or("").to_string();
                    (Binds::Name(root), format!("import {module}"))
                }
            })
            .collect(),
        "import_from_statement" => {
            let mut imports = Vec::new();
            import_bindings(statement, source, &mut imports);
            imports
                .into_iter()
                .filter_map(|import| match import.target {
                    ImportTarget::From {
                        level,
                        module,
                        name,
                    } => {
                        if level > 0 && level <= up {
                            return None;
                        }
                        let level = level.saturating_sub(up);
                        let dots = ".".repeat(usize::try_from(level).unwrap_or(0));
                        let from = format!("from {dots}{module} import");
                        Some(if name == "*" {
                            (Binds::Star, format!("{from} *"))
                        } else if import.binding == name {
                            (Binds::Name(name.clone()), format!("{from} {name}"))
                        } else {
                            let line = format!("{from} {name} as {}", import.binding);
                            (Binds::Name(import.binding), line)
                        })
                    }
                    ImportTarget::Module(_) => None,
                })
                .collect()
        }
        _ => Vec::new(),
    }
}

/// `(alias, dotted name)` of an `aliased_import`.
fn aliased(node: Node<'_>, source: &str) -> (String, String) {
    let name = node
        .field(Field::Name)
        .map(|n| dotted(n, source))
        .unwrap_or_default();
    let alias = node
        .field(Field::Alias)
        .map(|n| text(n, source).to_string())
        .unwrap_or_default();
    (alias, name)
}

/// The module's own statements in source order. The children of a
/// top-level ERROR node count as top-level, so one broken line does not
/// hide the definitions tree-sitter recovered around it.
pub(crate) fn top_level(root: Node<'_>) -> Vec<Node<'_>> {
    let mut out = Vec::new();
    let mut cursor = root.walk();
    let mut stack: Vec<Node<'_>> = root.named_children(&mut cursor).collect();
    stack.reverse();
    while let Some(node) = stack.pop() {
        if node.is_error() {
            let start = stack.len();
            stack.extend(node.named_children(&mut cursor));
            stack[start..].reverse();
        } else if !node.is_extra() {
            out.push(node);
        }
    }
    out
}

/// The names `__all__` lists when the module assigns it a list or tuple of
/// string literals; `None` otherwise. The last assignment decides;
/// `__all__ += [...]` and `.extend` are not followed.
pub(crate) fn dunder_all(statements: &[Node<'_>], source: &str) -> Option<BTreeSet<String>> {
    let mut all = None;
    for statement in statements {
        let Some(assign) = assignment_of(*statement) else {
            continue;
        };
        let is_all = assign
            .field(Field::Left)
            .is_some_and(|left| kind_of(left) == "identifier" && text(left, source) == "__all__");
        if is_all {
            all = assign
                .field(Field::Right)
                .and_then(|right| string_list(right, source));
        }
    }
    all
}

/// The values of a list or tuple whose items are all plain string literals.
fn string_list(node: Node<'_>, source: &str) -> Option<BTreeSet<String>> {
    let node = strip_parens(node);
    if !matches!(kind_of(node), "list" | "tuple" | "expression_list") {
        return None;
    }
    kids(node)
        .into_iter()
        .map(|item| {
            let (prefix, value) = string_value(item, source)?;
            (!prefix.format && !prefix.bytes).then_some(value)
        })
        .collect()
}

/// The assignment an `expression_statement` consists of, if it is one.
pub(crate) fn assignment_of(statement: Node<'_>) -> Option<Node<'_>> {
    if kind_of(statement) != "expression_statement" {
        return None;
    }
    kids(statement)
        .into_iter()
        .next()
        .filter(|n| kind_of(*n) == "assignment")
}

/// `(decorators, definition)` of a possibly decorated function or class.
pub(crate) fn definition(node: Node<'_>) -> Option<(Vec<Node<'_>>, Node<'_>)> {
    let (decorators, def) = if kind_of(node) == "decorated_definition" {
        let decorators = kids(node)
            .into_iter()
            .filter(|n| kind_of(*n) == "decorator")
            .collect();
        (decorators, node.field(Field::Definition)?)
    } else {
        (Vec::new(), node)
    };
    matches!(kind_of(def), "function_definition" | "class_definition").then_some((decorators, def))
}

pub(crate) fn name_of<'s>(def: Node<'_>, source: &'s str) -> &'s str {
    def.field(Field::Name).map_or("", |name| text(name, source))
}

/// The name a `type X[T] = ...` statement binds.
pub(crate) fn alias_name<'s>(statement: Node<'_>, source: &'s str) -> Option<&'s str> {
    let mut node = statement.field(Field::Left)?;
    while kind_of(node) != "identifier" {
        node = kids(node).into_iter().next()?;
    }
    Some(text(node, source))
}

/// A class member is public unless it starts with an underscore; dunders
/// (`__init__`, `__eq__`, …) are how Python calls a class, so they count.
pub(crate) fn is_member_public(name: &str) -> bool {
    let dunder = name.len() > 4 && name.starts_with("__") && name.ends_with("__");
    dunder || !name.starts_with('_')
}

/// Named children that are not comments or other extras.
pub(crate) fn kids(node: Node<'_>) -> Vec<Node<'_>> {
    let mut cursor = node.walk();
    node.named_children(&mut cursor)
        .filter(|n| !n.is_extra())
        .collect()
}

/// The expression inside grouping parentheses (and `type` wrappers).
fn strip_parens(mut node: Node<'_>) -> Node<'_> {
    while matches!(kind_of(node), "parenthesized_expression" | "type") {
        match kids(node).as_slice() {
            [inner] => node = *inner,
            _ => break,
        }
    }
    node
}

/// Whether an unannotated value stays in the interface: a literal, a dotted
/// name (`Alias = Money`), a type alias spelled as a subscript or union of
/// those (`Pair = tuple[int, int]`, `Id = int | str`), or a call that
/// defines a type. Anything else is an implementation detail, rendered
/// `typing.Any`.
fn is_plain_value(node: Node<'_>, source: &str) -> bool {
    let node = strip_parens(node);
    match kind_of(node) {
        "subscript" => node
            .field(Field::Value)
            .is_some_and(|value| attribute_chain(value, source).is_some()),
        "binary_operator"
            if node
                .field(Field::Operator)
                .is_some_and(|op| kind_of(op) == "|") =>
        {
            union_operands(node)
                .into_iter()
                .all(|operand| is_plain_value(operand, source))
        }
        "integer" | "float" | "true" | "false" | "none" | "ellipsis" => true,
        "string" | "concatenated_string" => {
            string_value(node, source).is_some_and(|(prefix, _)| !prefix.format)
        }
        "unary_operator" => {
            node.field(Field::Argument)
                .is_some_and(|arg| matches!(kind_of(arg), "integer" | "float"))
                && !has_token(node, "~")
        }
        "identifier" | "attribute" => attribute_chain(node, source).is_some(),
        "call" => node
            .field(Field::Function)
            .and_then(|f| attribute_chain(f, source))
            .and_then(|chain| chain.last().copied())
            .is_some_and(|callee| TYPE_FACTORIES.contains(&callee)),
        _ => false,
    }
}

/// Operator precedence, loosest first, as Python's grammar binds: an operand
/// looser than its position allows is wrapped in parentheses, and grouping
/// parentheses in the source are otherwise dropped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Prec {
    Named,
    Yield,
    Test,
    Or,
    And,
    Not,
    Cmp,
    BitOr,
    BitXor,
    BitAnd,
    Shift,
    Arith,
    Term,
    Factor,
    Power,
    Await,
    Atom,
}

/// Precedence of a binary operator token.
fn binary_prec(operator: &str) -> Prec {
    match operator {
        "|" => Prec::BitOr,
        "^" => Prec::BitXor,
        "&" => Prec::BitAnd,
        "<<" | ">>" => Prec::Shift,
        "+" | "-" => Prec::Arith,
        "**" => Prec::Power,
        _ => Prec::Term,
    }
}

/// A function's signature in the interface's canonical spelling (`async`,
/// name, type parameters, parameters with kinds, annotations and defaults,
/// return annotation; no decorators): equal for two definitions exactly
/// when a formatter could turn one signature into the other.
pub(crate) fn signature(def: Node<'_>, source: &str) -> String {
    Render::new(source).function(&[], def).signature()
}

/// The statement-level renderer: definitions, parameters, assignments.
/// Every expression it prints goes through [`Render::expr`], which records
/// the names used so that only the imports they need are kept.
pub(crate) struct Render<'s> {
    pub(crate) source: &'s str,
    /// Root names the rendered text refers to.
    pub(crate) uses: BTreeSet<String>,
    /// Whether some value was rendered `typing.Any`.
    pub(crate) any: bool,
    /// Whether an annotation is being rendered: names in its strings count
    /// as uses (forward references).
    annotation: bool,
    /// Whether to spell expressions as black and ruff do (quotes, `**`
    /// spacing, hex digits), for a file they format, rather than in the
    /// interface's fixed spelling, which is hashed and must never change.
    formatted: bool,
    depth: usize,
}

impl<'s> Render<'s> {
    pub(crate) fn new(source: &'s str) -> Self {
        Render {
            source,
            uses: BTreeSet::new(),
            any: false,
            annotation: false,
            formatted: false,
            depth: 0,
        }
    }

    /// A renderer whose expressions are spelled as the formatters would.
    pub(crate) fn formatted(source: &'s str) -> Self {
        Render {
            formatted: true,
            ..Render::new(source)
        }
    }

    /// Renders a function or class with its decorators, `level` classes
    /// deep.
    pub(crate) fn definition(
        &mut self,
        decorators: &[Node<'_>],
        def: Node<'_>,
        level: usize,
    ) -> Item {
        if kind_of(def) != "class_definition" {
            return Item::Def(self.function(decorators, def));
        }
        let mut class = self.class_header(decorators, def);
        if let Some(block) = def.field(Field::Body)
            && level < MAX_NESTING
        {
            class.members = self.members(block, level + 1);
        }
        Item::Class(class)
    }

    fn decorators(&mut self, decorators: &[Node<'_>]) -> Vec<String> {
        decorators
            .iter()
            .filter_map(|decorator| kids(*decorator).into_iter().next())
            .map(|expr| self.expr(expr, Prec::Named))
            .collect()
    }

    fn type_params_of(&mut self, def: Node<'_>) -> String {
        def.field(Field::TypeParameters)
            .map(|t| self.type_params(t))
            .unwrap_or_default()
    }

    /// A class's decorators, name, type parameters and bases, without its
    /// members.
    pub(crate) fn class_header(&mut self, decorators: &[Node<'_>], def: Node<'_>) -> Class {
        let decorators = self.decorators(decorators);
        let type_params = self.type_params_of(def);
        let bases = def
            .field(Field::Superclasses)
            .map(|args| self.bases(args))
            .filter(|bases| bases.text != "()");
        Class {
            decorators,
            name: name_of(def, self.source).to_string(),
            type_params,
            bases,
            doc: None,
            members: Vec::new(),
        }
    }

    /// A function's decorators and signature.
    pub(crate) fn function(&mut self, decorators: &[Node<'_>], def: Node<'_>) -> Def {
        let decorators = self.decorators(decorators);
        let name = name_of(def, self.source).to_string();
        let type_params = self.type_params_of(def);
        let params = def
            .field(Field::Parameters)
            .map(|p| self.parameter_list(p))
            .unwrap_or_default();
        let returns = def.field(Field::ReturnType).map(|r| self.annotation(r));
        Def {
            decorators,
            is_async: has_token(def, "async"),
            name,
            type_params,
            params,
            returns,
            doc: None,
        }
    }

    /// A class body's public methods, nested classes and attributes.
    pub(crate) fn members(&mut self, block: Node<'_>, level: usize) -> Vec<Item> {
        let mut items = Vec::new();
        for member in kids(block) {
            if let Some((decorators, def)) = definition(member) {
                if is_member_public(name_of(def, self.source)) {
                    items.push(self.definition(&decorators, def, level));
                }
            } else if let Some(assign) = assignment_of(member) {
                for (_, line) in self.assignment(assign, true, &is_member_public) {
                    items.push(Item::Line(line));
                }
            }
        }
        items
    }

    /// `(name, line)` for each public name an assignment binds. Annotated:
    /// `x: T`, with the value kept in classes (it is a dataclass default)
    /// and for `TypeAlias`. Unannotated: `x = value` for a plain value (see
    /// [`is_plain_value`]), else `x: typing.Any`.
    pub(crate) fn assignment(
        &mut self,
        assign: Node<'_>,
        in_class: bool,
        public: &dyn Fn(&str) -> bool,
    ) -> Vec<(String, String)> {
        let source = self.source;
        if let Some(annotation) = assign.field(Field::Type) {
            let Some(left) = assign.field(Field::Left) else {
                return Vec::new();
            };
            let name = text(left, source);
            if kind_of(left) != "identifier" || !public(name) {
                return Vec::new();
            }
            let annotation = self.annotation(annotation);
            let keep_value = in_class || annotation.rsplit('.').next() == Some("TypeAlias");
            let value = assign
                .field(Field::Right)
                .filter(|_| keep_value)
                .map(|value| format!(" = {}", self.expr(value, Prec::Test)))
                .unwrap_or_default();
            return vec![(name.to_string(), format!("{name}: {annotation}{value}"))];
        }
        let (targets, value) = assignment_chain(assign);
        let mut out = Vec::new();
        for target in targets {
            let target = ungroup_target(target);
            if kind_of(target) == "identifier" {
                let name = text(target, source);
                if !public(name) {
                    continue;
                }
                let line = match value.filter(|v| is_plain_value(*v, source)) {
                    Some(value) => format!("{name} = {}", self.expr(value, Prec::Test)),
                    None => self.any_line(name),
                };
                out.push((name.to_string(), line));
            } else {
                for name in pattern_names(target, source) {
                    if public(name) {
                        out.push((name.to_string(), self.any_line(name)));
                    }
                }
            }
        }
        out
    }

    fn any_line(&mut self, name: &str) -> String {
        self.any = true;
        format!("{name}: typing.Any")
    }

    /// `type X[T] = value`, rendered whole: the value is the interface.
    pub(crate) fn type_alias(&mut self, statement: Node<'_>) -> String {
        let left = statement
            .field(Field::Left)
            .map(|n| self.expr(n, Prec::Test))
            .unwrap_or_default();
        let right = statement
            .field(Field::Right)
            .map(|n| self.annotation(n))
            .unwrap_or_default();
        format!("type {left} = {right}")
    }

    /// An annotation: an expression whose string literals are forward
    /// references.
    fn annotation(&mut self, node: Node<'_>) -> String {
        let outer = std::mem::replace(&mut self.annotation, true);
        let rendered = self.expr(node, Prec::Test);
        self.annotation = outer;
        rendered
    }

    /// `[T, U: int, *Ts, **P]`.
    fn type_params(&mut self, node: Node<'_>) -> String {
        let items: Vec<String> = kids(node)
            .into_iter()
            .map(|item| self.annotation(item))
            .collect();
        format!("[{}]", items.join(", "))
    }

    /// A parameter list without its parentheses:
    /// `a, /, b: int = 1, *args: str, key, **kw`.
    fn parameters(&mut self, node: Node<'_>) -> String {
        self.parameter_list(node).join(", ")
    }

    fn parameter_list(&mut self, node: Node<'_>) -> Vec<String> {
        kids(node)
            .into_iter()
            .map(|item| self.parameter(item))
            .collect()
    }

    fn parameter(&mut self, node: Node<'_>) -> String {
        let source = self.source;
        let field = |f: Field| node.field(f);
        match kind_of(node) {
            "identifier" => text(node, source).to_string(),
            "keyword_separator" => "*".to_string(),
            "positional_separator" => "/".to_string(),
            "list_splat_pattern" | "dictionary_splat_pattern" => self.splat(node),
            "typed_parameter" => {
                let target = kids(node)
                    .into_iter()
                    .next()
                    .map(|t| self.parameter(t))
                    .unwrap_or_default();
                let annotation = field(Field::Type)
                    .map(|t| self.annotation(t))
                    .unwrap_or_default();
                format!("{target}: {annotation}")
            }
            "default_parameter" => {
                let name = field(Field::Name)
                    .map(|n| self.parameter(n))
                    .unwrap_or_default();
                let value = field(Field::Value)
                    .map(|v| self.expr(v, Prec::Test))
                    .unwrap_or_default();
                format!("{name}={value}")
            }
            "typed_default_parameter" => {
                let name = field(Field::Name)
                    .map(|n| self.parameter(n))
                    .unwrap_or_default();
                let annotation = field(Field::Type)
                    .map(|t| self.annotation(t))
                    .unwrap_or_default();
                let value = field(Field::Value)
                    .map(|v| self.expr(v, Prec::Test))
                    .unwrap_or_default();
                format!("{name}: {annotation} = {value}")
            }
            _ => self.expr(node, Prec::Test),
        }
    }
}

/// The targets of `a = b = value` and the final value.
fn assignment_chain(assign: Node<'_>) -> (Vec<Node<'_>>, Option<Node<'_>>) {
    let mut targets = Vec::new();
    let mut node = assign;
    loop {
        targets.extend(node.field(Field::Left));
        match node.field(Field::Right) {
            Some(right) if kind_of(right) == "assignment" => node = right,
            value => return (targets, value),
        }
    }
}

/// A target without grouping parentheses: black may wrap a long chained
/// target as `(name)`, which tree-sitter reads as a one-item tuple pattern
/// without a comma.
fn ungroup_target(mut target: Node<'_>) -> Node<'_> {
    loop {
        target = strip_parens(target);
        match kids(target).as_slice() {
            [only] if kind_of(target) == "tuple_pattern" && !has_token(target, ",") => {
                target = *only;
            }
            _ => return target,
        }
    }
}

/// The names an unpacking target binds (`a, (b, *c) = ...`).
fn pattern_names<'s>(target: Node<'_>, source: &'s str) -> Vec<&'s str> {
    let mut names = Vec::new();
    let mut stack = vec![target];
    while let Some(node) = stack.pop() {
        match kind_of(node) {
            "identifier" => names.push(text(node, source)),
            "pattern_list"
            | "tuple_pattern"
            | "list_pattern"
            | "list_splat_pattern"
            | "parenthesized_expression" => {
                let mut children = kids(node);
                children.reverse();
                stack.extend(children);
            }
            _ => {}
        }
    }
    names
}

impl Render<'_> {
    /// Renders an expression where precedence `min` is required,
    /// parenthesized if it binds more loosely.
    fn expr(&mut self, node: Node<'_>, min: Prec) -> String {
        let (rendered, prec) = if self.depth >= MAX_DEPTH {
            (self.flat(node), Prec::Named)
        } else {
            self.depth += 1;
            let out = self.expr_prec(node);
            self.depth -= 1;
            out
        };
        if prec < min {
            format!("({rendered})")
        } else {
            rendered
        }
    }

    /// The rendered child in `field`, or nothing if it is missing.
    fn field(&mut self, node: Node<'_>, field: Field, min: Prec) -> String {
        node.field(field)
            .map(|child| self.expr(child, min))
            .unwrap_or_default()
    }

    /// The rendered `index`th named child, or nothing if it is missing.
    fn nth(&mut self, node: Node<'_>, index: usize, min: Prec) -> String {
        kids(node)
            .get(index)
            .map(|child| self.expr(*child, min))
            .unwrap_or_default()
    }

    /// An expression's canonical text and precedence: atoms and displays
    /// here, operators in [`Render::operator`].
    fn expr_prec(&mut self, node: Node<'_>) -> (String, Prec) {
        let node = strip_parens(node);
        let rendered = match kind_of(node) {
            "identifier" => {
                let name = text(node, self.source);
                self.uses.insert(name.to_string());
                name.to_string()
            }
            "integer" | "float" => self.number(node),
            "true" | "false" | "none" | "ellipsis" => text(node, self.source).to_string(),
            "string" | "concatenated_string" => self.string(node),
            "attribute" | "member_type" => self.attribute(node),
            "subscript" => {
                let value = self.field(node, Field::Value, Prec::Atom);
                let mut cursor = node.walk();
                let items = node.children_by_field_id(Field::Subscript.id(), &mut cursor);
                format!("{value}[{}]", self.items(node, items.collect()))
            }
            "generic_type" => {
                let value = self.nth(node, 0, Prec::Atom);
                let items = kids(node)
                    .get(1)
                    .map(|params| self.items(*params, kids(*params)));
                format!("{value}[{}]", items.unwrap_or_default())
            }
            "call" => self.call(node),
            "argument_list" => self.arguments(node),
            "keyword_argument" => {
                let name = node.field(Field::Name).map_or("", |n| text(n, self.source));
                format!("{name}={}", self.field(node, Field::Value, Prec::Test))
            }
            "list_splat"
            | "dictionary_splat"
            | "splat_type"
            | "list_splat_pattern"
            | "dictionary_splat_pattern" => self.splat(node),
            "tuple" | "expression_list" | "pattern_list" | "tuple_pattern" => self.tuple(node),
            "list" | "list_pattern" => format!("[{}]", self.joined(node)),
            "set" | "dictionary" => format!("{{{}}}", self.joined(node)),
            "pair" | "constrained_type" => {
                let key = self.nth(node, 0, Prec::Test);
                format!("{key}: {}", self.nth(node, 1, Prec::Test))
            }
            "list_comprehension" => self.comprehension(node, "[", "]"),
            "set_comprehension" | "dictionary_comprehension" => self.comprehension(node, "{", "}"),
            "generator_expression" => self.comprehension(node, "(", ")"),
            kind => return self.operator(node, kind),
        };
        (rendered, Prec::Atom)
    }

    /// Operators and the other expressions that bind looser than an atom;
    /// anything unknown (error nodes included) is spelled flat.
    fn operator(&mut self, node: Node<'_>, kind: &str) -> (String, Prec) {
        match kind {
            "binary_operator" | "union_type" => self.binary(node),
            "comparison_operator" => (self.comparison(node), Prec::Cmp),
            "unary_operator" => {
                let operator = node.field(Field::Operator).map_or("-", kind_of);
                // The formatters parenthesize a power under a unary operator,
                // `-(x**2)`, which is how Python binds it anyway.
                let min = match node.field(Field::Argument) {
                    Some(argument) if self.formatted && is_power(argument) => Prec::Atom,
                    _ => Prec::Factor,
                };
                let argument = self.field(node, Field::Argument, min);
                (format!("{operator}{argument}"), Prec::Factor)
            }
            "not_operator" => {
                let argument = self.field(node, Field::Argument, Prec::Not);
                (format!("not {argument}"), Prec::Not)
            }
            "boolean_operator" => {
                let operator = node.field(Field::Operator).map_or("or", kind_of);
                let (prec, right_min) = match operator {
                    "and" => (Prec::And, Prec::Not),
                    _ => (Prec::Or, Prec::And),
                };
                let left = self.field(node, Field::Left, prec);
                let right = self.field(node, Field::Right, right_min);
                (format!("{left} {operator} {right}"), prec)
            }
            "conditional_expression" => {
                let body = self.nth(node, 0, Prec::Or);
                let test = self.nth(node, 1, Prec::Or);
                let orelse = self.nth(node, 2, Prec::Test);
                (format!("{body} if {test} else {orelse}"), Prec::Test)
            }
            "lambda" => {
                let parameters = node
                    .field(Field::Parameters)
                    .map(|p| format!(" {}", self.parameters(p)))
                    .unwrap_or_default();
                let body = self.field(node, Field::Body, Prec::Test);
                (format!("lambda{parameters}: {body}"), Prec::Test)
            }
            "named_expression" => {
                let name = self.field(node, Field::Name, Prec::Atom);
                let value = self.field(node, Field::Value, Prec::Test);
                (format!("{name} := {value}"), Prec::Named)
            }
            "await" => (
                format!("await {}", self.nth(node, 0, Prec::Atom)),
                Prec::Await,
            ),
            "yield" => {
                let keyword = if has_token(node, "from") {
                    "yield from"
                } else {
                    "yield"
                };
                let value = self.nth(node, 0, Prec::Test);
                let rendered = format!("{keyword} {value}").trim_end().to_string();
                (rendered, Prec::Yield)
            }
            _ => (self.flat(node), Prec::Named),
        }
    }
}

/// The next tighter precedence among the binary operators: the right
/// operand of a left-associative operator needs it.
fn tighter(prec: Prec) -> Prec {
    match prec {
        Prec::BitOr => Prec::BitXor,
        Prec::BitXor => Prec::BitAnd,
        Prec::BitAnd => Prec::Shift,
        Prec::Shift => Prec::Arith,
        Prec::Arith => Prec::Term,
        _ => Prec::Factor,
    }
}

/// The operands of a chain of `|`, however it is grouped: tree-sitter
/// nests a union differently in a bare annotation than inside the
/// parentheses black puts around a long one, and `|` on types is
/// associative anyway.
fn union_operands(node: Node<'_>) -> Vec<Node<'_>> {
    let mut operands = Vec::new();
    let mut stack = vec![node];
    while let Some(node) = stack.pop() {
        let inner = strip_parens(node);
        let is_union = match kind_of(inner) {
            "union_type" => true,
            "binary_operator" => inner
                .field(Field::Operator)
                .is_some_and(|op| kind_of(op) == "|"),
            _ => false,
        };
        if is_union {
            let mut children = kids(inner);
            children.reverse();
            stack.extend(children);
        } else {
            operands.push(node);
        }
    }
    operands
}

impl Render<'_> {
    /// `a.b`; an integer object needs parentheses (`(1).real`).
    fn attribute(&mut self, node: Node<'_>) -> String {
        let children = kids(node);
        let object = node
            .field(Field::Object)
            .or_else(|| children.first().copied());
        let name = node
            .field(Field::Attribute)
            .or_else(|| children.get(1).copied())
            .map_or("", |n| text(n, self.source));
        let Some(object) = object else {
            return name.to_string();
        };
        let rendered = self.expr(object, Prec::Atom);
        if kind_of(strip_parens(object)) == "integer" {
            format!("({rendered}).{name}")
        } else {
            format!("{rendered}.{name}")
        }
    }

    /// Items between `[` and `]`. A lone tuple is spelled as items (`a[(x,
    /// y)]` is `a[x, y]`) and a lone item with a trailing comma as the
    /// one-tuple it is.
    fn items(&mut self, container: Node<'_>, items: Vec<Node<'_>>) -> String {
        if let [only] = items.as_slice() {
            let inner = strip_parens(*only);
            let elements = kids(inner);
            if kind_of(inner) == "tuple" && elements.len() >= 2 {
                return self.list(elements);
            }
            if has_token(container, ",") {
                return format!("({},)", self.expr(*only, Prec::Test));
            }
        }
        self.list(items)
    }

    /// Expressions joined by `, `.
    fn list(&mut self, items: Vec<Node<'_>>) -> String {
        let rendered: Vec<String> = items
            .into_iter()
            .map(|item| self.expr(item, Prec::Test))
            .collect();
        rendered.join(", ")
    }

    /// The items of a container node, joined by `, `.
    fn joined(&mut self, node: Node<'_>) -> String {
        self.list(kids(node))
    }

    fn call(&mut self, node: Node<'_>) -> String {
        let function = node
            .field(Field::Function)
            .map(|f| self.expr(f, Prec::Atom))
            .unwrap_or_default();
        let arguments = match node.field(Field::Arguments) {
            Some(args) if kind_of(args) == "argument_list" => self.arguments(args),
            Some(genexp) => self.expr(genexp, Prec::Atom),
            None => "()".to_string(),
        };
        format!("{function}{arguments}")
    }

    /// `(a, *b, k=1, **c)`; a lone generator argument keeps only its own
    /// parentheses (`f((x for x in y))` is `f(x for x in y)`).
    fn arguments(&mut self, node: Node<'_>) -> String {
        self.bases(node).text
    }

    /// An argument list whole and item by item; a lone generator is one
    /// item, its parentheses included.
    fn bases(&mut self, node: Node<'_>) -> Bases {
        let items = kids(node);
        if let [only] = items.as_slice()
            && kind_of(*only) == "generator_expression"
        {
            let text = self.expr(*only, Prec::Atom);
            return Bases {
                items: vec![text.clone()],
                text,
            };
        }
        let items: Vec<String> = items
            .into_iter()
            .map(|item| self.expr(item, Prec::Test))
            .collect();
        Bases {
            text: format!("({})", items.join(", ")),
            items,
        }
    }

    /// `*x` / `**x`, in expressions, parameters and annotations.
    fn splat(&mut self, node: Node<'_>) -> String {
        let operator = node.child(0).filter(|c| !c.is_named()).map_or("*", kind_of);
        let operand = kids(node)
            .first()
            .map(|inner| match kind_of(*inner) {
                // A parameter name is not a use of anything.
                "identifier" if kind_of(node).ends_with("_pattern") => {
                    text(*inner, self.source).to_string()
                }
                _ => self.expr(*inner, Prec::BitOr),
            })
            .unwrap_or_default();
        format!("{operator}{operand}")
    }

    fn binary(&mut self, node: Node<'_>) -> (String, Prec) {
        let operator = match kind_of(node) {
            "union_type" => "|",
            _ => node.field(Field::Operator).map_or("+", kind_of),
        };
        if operator == "|" {
            let operands: Vec<String> = union_operands(node)
                .into_iter()
                .map(|operand| self.expr(operand, Prec::BitXor))
                .collect();
            return (operands.join(" | "), Prec::BitOr);
        }
        let prec = binary_prec(operator);
        let (left_min, right_min) = if operator == "**" {
            (Prec::Await, Prec::Factor)
        } else {
            (prec, tighter(prec))
        };
        let left = node
            .field(Field::Left)
            .map(|l| self.expr(l, left_min))
            .unwrap_or_default();
        let right = node
            .field(Field::Right)
            .map(|r| self.expr(r, right_min))
            .unwrap_or_default();
        if operator == "**" && self.formatted && self.hugs_power(node) {
            return (format!("{left}**{right}"), prec);
        }
        (format!("{left} {operator} {right}"), prec)
    }

    /// Whether the formatters write this power without spaces: both
    /// operands simple (a name, number or dotted name, the exponent maybe
    /// with a sign), judged as black does, by the tokens next to `**`.
    fn hugs_power(&self, node: Node<'_>) -> bool {
        let source = self.source;
        let simple = |operand: Node<'_>| {
            let operand = strip_parens(operand);
            matches!(
                kind_of(operand),
                "integer" | "float" | "true" | "false" | "none"
            ) || attribute_chain(operand, source).is_some()
        };
        let left = node.field(Field::Left).map(strip_parens);
        let right = node.field(Field::Right).map(strip_parens);
        let (Some(left), Some(right)) = (left, right) else {
            return false;
        };
        // The exponent's first tokens decide: `x ** y ** z` hugs both, since
        // black reads `y` followed by `**`, and `x ** -y` hugs too.
        let mut first = right;
        loop {
            match kind_of(first) {
                "unary_operator" if first == right => match first.field(Field::Argument) {
                    Some(argument) if !is_power(argument) => first = strip_parens(argument),
                    _ => return false,
                },
                "binary_operator" if is_power(first) => match first.field(Field::Left) {
                    Some(base) => first = strip_parens(base),
                    None => return false,
                },
                _ => break,
            }
        }
        simple(left) && simple(first)
    }

    /// A number as written by the canonical renderer, hex digits in upper
    /// case when formatted (as black and ruff write them).
    fn number(&self, node: Node<'_>) -> String {
        let number = canonical_number(text(node, self.source));
        match number.strip_prefix("0x") {
            Some(digits) if self.formatted => format!("0x{}", digits.to_ascii_uppercase()),
            _ => number,
        }
    }

    /// `a < b is not c`: operands and operators in order.
    fn comparison(&mut self, node: Node<'_>) -> String {
        let mut parts = Vec::new();
        let mut cursor = node.walk();
        if cursor.goto_first_child() {
            loop {
                let child = cursor.node();
                if cursor.field_name() == Some("operators") {
                    parts.push(kind_of(child).to_string());
                } else if child.is_named() && !child.is_extra() {
                    parts.push(self.expr(child, Prec::BitOr));
                }
                if !cursor.goto_next_sibling() {
                    break;
                }
            }
        }
        parts.join(" ")
    }

    /// `(a, b)` and `(a,)`, whether or not the source had the parentheses.
    fn tuple(&mut self, node: Node<'_>) -> String {
        let items = kids(node);
        match items.as_slice() {
            // `(x) = ...` parses as a tuple pattern without a comma.
            [only] if !has_token(node, ",") => self.expr(*only, Prec::Test),
            [only] => format!("({},)", self.expr(*only, Prec::Test)),
            _ => format!("({})", self.list(items)),
        }
    }

    /// `[x for a, b in y if z]` and its set, dict and generator kin.
    fn comprehension(&mut self, node: Node<'_>, open: &str, close: &str) -> String {
        let mut parts = Vec::new();
        for child in kids(node) {
            let part = match kind_of(child) {
                "for_in_clause" => self.for_in(child),
                "if_clause" => {
                    let test = kids(child)
                        .first()
                        .map(|t| self.expr(*t, Prec::Or))
                        .unwrap_or_default();
                    format!("if {test}")
                }
                _ => self.expr(child, Prec::Test),
            };
            parts.push(part);
        }
        format!("{open}{}{close}", parts.join(" "))
    }

    fn for_in(&mut self, clause: Node<'_>) -> String {
        let keyword = if has_token(clause, "async") {
            "async for"
        } else {
            "for"
        };
        let target = clause
            .field(Field::Left)
            .map(|t| self.target(t))
            .unwrap_or_default();
        let mut cursor = clause.walk();
        let iterables: Vec<Node<'_>> = clause
            .children_by_field_id(Field::Right.id(), &mut cursor)
            .filter(|n| n.is_named() && !n.is_extra())
            .collect();
        let iterable = match iterables.as_slice() {
            [only] => self.expr(*only, Prec::Or),
            _ => self.list(iterables),
        };
        format!("{keyword} {target} in {iterable}")
    }

    /// A loop target: a tuple is spelled without parentheses
    /// (`for (a, b) in x` is `for a, b in x`).
    fn target(&mut self, node: Node<'_>) -> String {
        let inner = strip_parens(node);
        if !matches!(
            kind_of(inner),
            "pattern_list" | "tuple_pattern" | "tuple" | "expression_list"
        ) {
            return self.expr(node, Prec::Test);
        }
        let items = kids(inner);
        let one_tuple = items.len() == 1 && has_token(inner, ",");
        let mut rendered = self.list(items);
        if one_tuple {
            rendered.push(',');
        }
        rendered
    }

    /// A string literal by value, re-quoted. F-strings keep their source
    /// text (pieces joined by a space): their value is not known, and they
    /// have no business in a signature.
    fn string(&mut self, node: Node<'_>) -> String {
        let Some(lit) = read_string(node, self.source) else {
            return self.flat(node);
        };
        let mut value = String::new();
        for part in &lit.parts {
            match part {
                Part::Lit(piece) => value.push_str(piece),
                Part::Interp(_) => return self.flat(node),
            }
        }
        if self.annotation && !lit.bytes {
            self.forward_references(&value);
        }
        if self.formatted {
            formatted_quote(&value, lit.bytes)
        } else {
            quote(&value, lit.bytes)
        }
    }

    /// Records the names a string annotation (`"Money"`, `"list[shop.Item]"`)
    /// refers to: every identifier-like word not after a dot. The value is
    /// not parsed, so this can only keep an import too many, never drop one
    /// the annotation needs.
    fn forward_references(&mut self, value: &str) {
        let mut word = String::new();
        let mut after_dot = false;
        for c in value.chars().chain([' ']) {
            if c.is_alphanumeric() || c == '_' {
                word.push(c);
                continue;
            }
            if !word.is_empty() && !after_dot && !word.starts_with(|d: char| d.is_ascii_digit()) {
                self.uses.insert(std::mem::take(&mut word));
            }
            word.clear();
            after_dot = c == '.';
        }
    }

    /// The fallback spelling: leaf tokens joined by single spaces, comments
    /// dropped. Used for error nodes, f-strings and nesting deeper than
    /// [`MAX_DEPTH`]; it walks without recursing.
    fn flat(&mut self, node: Node<'_>) -> String {
        let mut flat = Flat {
            source: self.source,
            parts: Vec::new(),
            uses: &mut self.uses,
        };
        walk(node, &mut flat);
        flat.parts.join(" ")
    }
}

struct Flat<'a, 's> {
    source: &'s str,
    parts: Vec<&'s str>,
    uses: &'a mut BTreeSet<String>,
}

impl<'t> Visitor<'t> for Flat<'_, '_> {
    fn enter(&mut self, node: Node<'t>, _cursor: &TreeCursor<'t>) -> bool {
        if node.is_extra() {
            return false;
        }
        let kind = kind_of(node);
        if kind != "string" && node.child_count() > 0 {
            return true;
        }
        let token = text(node, self.source);
        if kind == "identifier" {
            self.uses.insert(token.to_string());
        }
        if !token.is_empty() {
            self.parts.push(token);
        }
        false
    }
}

/// Whether a node is a power, `a ** b`.
fn is_power(node: Node<'_>) -> bool {
    let node = strip_parens(node);
    kind_of(node) == "binary_operator"
        && node
            .field(Field::Operator)
            .is_some_and(|op| kind_of(op) == "**")
}

/// A string value as a double-quoted literal (`b"..."` for bytes), with
/// escapes only where a character cannot appear as itself, so every
/// spelling of a value renders alike.
fn quote(value: &str, bytes: bool) -> String {
    quote_with(value, bytes, '"')
}

/// A string literal as black and ruff write it: double quotes unless
/// single quotes need fewer escapes.
pub(crate) fn formatted_quote(value: &str, bytes: bool) -> String {
    let singles = value.matches('\'').count();
    let doubles = value.matches('"').count();
    quote_with(value, bytes, if singles < doubles { '\'' } else { '"' })
}

fn quote_with(value: &str, bytes: bool, delimiter: char) -> String {
    let mut out = String::with_capacity(value.len() + 3);
    if bytes {
        out.push('b');
    }
    out.push(delimiter);
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            c if c == delimiter => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() || (bytes && !c.is_ascii()) => {
                let code = u32::from(c);
                let _ = match code {
                    0..=0xff => write!(out, "\\x{code:02x}"),
                    0x100..=0xffff => write!(out, "\\u{code:04x}"),
                    _ => write!(out, "\\U{code:08x}"),
                };
            }
            c => out.push(c),
        }
    }
    out.push(delimiter);
    out
}

#[cfg(test)]
mod tests {
    use super::extract;
    use crate::python::testing::fragments;

    /// A generated module as no formatter would leave it: odd quotes and
    /// spacing, comments between parameters, trailing commas, a long return
    /// annotation, parentheses that only group.
    const ODD: &str = r#"from __future__ import annotations
import contextlib , typing
from dataclasses import dataclass,field
from typing import TYPE_CHECKING,Optional
if TYPE_CHECKING :
    from shop.money import Money   # only for annotations

RATE : float = .2
LIMIT = 0XFF_FF
Alias = ( Money )

@dataclass( frozen = True , )
class Cart( object , metaclass = Meta ) :
  '''A cart.'''
  owner : str
  items : list[ 'Money' ] = field( default_factory = list , )   # filled later
  def __init__( self , owner : str , * , items : Optional[ list[ Money ] ]=None , ) -> None :
    self.owner = owner
  @property
  def size( self )->int : return len( self.items )
  @classmethod
  def empty( cls , owner = u'nobody' ) -> 'Cart' : return cls( owner )
  def _hidden( self ) : pass

async def total( cart : Cart , # the cart
        rate : float = RATE , # a rate
        * , key = lambda item : ( item.price , item.qty ) ,
        ) -> dict[ str , list[ tuple[ int , int , int , int , int , int , int , int ] ] ] | None | Money :
  '''Sum it.'''
  return None

@contextlib.asynccontextmanager
async def opened( path : str = 'a\'b' , mode : bytes = B'rb' , flags : int = ( 1 << 3 ) | 0o7 ) -> typing.AsyncIterator[ Cart ] :
  yield Cart( path )
"#;

    #[test]
    fn real_formatters_keep_the_interface() {
        use crate::python::testing::{FORMATTERS, format_with};
        let before = extract(ODD);
        for expected in [
            "from shop.money import Money\n",
            "    items: list[\"Money\"] = field(default_factory=list)\n",
            "    def empty(cls, owner=\"nobody\") -> \"Cart\": ...\n",
            "async def total(cart: Cart, rate: float = RATE, *, key=lambda item: (item.price, item.qty)) \
             -> dict[str, list[tuple[int, int, int, int, int, int, int, int]]] | None | Money: ...\n",
            "(path: str = \"a'b\", mode: bytes = b\"rb\", flags: int = 1 << 3 | 7)",
        ] {
            assert!(
                before.stub.contains(expected),
                "{expected}\nnot in\n{}",
                before.stub
            );
        }
        for (program, args) in FORMATTERS {
            let formatted = format_with(program, args, ODD);
            assert_ne!(formatted, ODD);
            let after = extract(&formatted);
            assert_eq!(after.stub, before.stub, "after {program}:\n{formatted}");
            assert_eq!(after.digest, before.digest);
            assert_eq!(after.names, before.names);
        }
    }

    /// A small module whose variants below change the interface, or not.
    const BASE: &str = r#"import contextlib
from dataclasses import dataclass
from shop.money import Money


@dataclass
class Cart(Base):
    """A cart."""

    items: list[Money]

    def total(self, rate: float = 0.2) -> Money:
        """Sum."""
        # sum it
        return sum(self.items)

    def clear(self) -> None: ...


async def pay(cart: Cart, *, tip: int = 0) -> bool:
    return True
"#;

    /// `BASE` with `from` replaced by `to` (which must be there to replace).
    fn variant(from: &str, to: &str) -> String {
        assert!(BASE.contains(from), "{from:?} is not in BASE");
        BASE.replacen(from, to, 1)
    }

    #[test]
    fn implementation_changes_keep_the_digest() {
        let base = extract(BASE);
        let variants = [
            variant("return sum(self.items)", "return Money(0)"),
            variant("return True", "raise NotImplementedError"),
            variant("\"\"\"Sum.\"\"\"", "\"\"\"Add everything up.\"\"\""),
            variant("\"\"\"A cart.\"\"\"\n", ""),
            variant("# sum it", "# add them"),
            variant(
                "async def pay",
                "def _helper(x):\n    return x\n\n\nasync def pay",
            ),
            variant(
                "    def clear",
                "    def _cache(self): ...\n\n    def clear",
            ),
            variant("import contextlib", "import contextlib\nimport os"),
            format!("{BASE}\nif __name__ == \"__main__\":\n    pay(Cart([]))\n"),
        ];
        for source in variants {
            let other = extract(&source);
            assert_eq!(other.stub, base.stub, "{source}");
            assert_eq!(other.digest, base.digest);
        }
    }

    #[test]
    fn interface_changes_change_the_digest() {
        let base = extract(BASE);
        let variants = [
            variant("rate: float", "ratio: float"),
            variant("rate: float", "rate: int"),
            variant("= 0.2", "= 0.3"),
            variant("-> bool", "-> int"),
            variant("async def pay", "def pay"),
            variant("@dataclass\n", "@dataclass(frozen=True)\n"),
            variant("class Cart(Base)", "class Cart(Other)"),
            variant("    items: list[Money]", "    items: list[Money] = []"),
            variant("from shop.money", "from shop.cash"),
            format!("{BASE}\n\ndef refund() -> None: ...\n"),
            variant("    def clear(self) -> None: ...\n", ""),
        ];
        for source in variants {
            let other = extract(&source);
            assert_ne!(other.stub, base.stub, "{source}");
            assert_ne!(other.digest, base.digest, "{source}");
        }
    }

    #[test]
    fn dunder_all_limits_the_names_and_keeps_re_exports() {
        let source = r#"from shop.money import Money, Currency
from shop.tax import rate
__all__ = ["total", 'Money']
def total(x: int) -> int: ...
def other() -> Currency: ...
"#;
        let interface = extract(source);
        assert_eq!(interface.names, ["Money", "total"]);
        assert_eq!(
            interface.stub,
            "from shop.money import Money\n\n__all__ = [\"Money\", \"total\"]\n\ndef total(x: int) -> int: ...\n"
        );
        // Without `__all__` (or with one that is not a literal list), every
        // name without a leading underscore is public; imports are not names.
        for all in ["", "__all__ = [n for n in dir()]\n"] {
            let open = extract(&source.replace("__all__ = [\"total\", 'Money']\n", all));
            assert_eq!(open.names, ["other", "total"]);
            assert!(open.stub.contains("from shop.money import Currency\n"));
            assert!(!open.stub.contains("rate"));
        }
    }

    #[test]
    fn expressions_render_canonically() {
        let table = [
            ("x=(a + b) * c", "x=(a + b) * c"),
            ("x=a + (b * c)", "x=a + b * c"),
            ("x=a - (b - c)", "x=a - (b - c)"),
            ("x=-(y ** 2)", "x=-y ** 2"),
            ("x=(-y) ** 2", "x=(-y) ** 2"),
            ("x=2 ** -1", "x=2 ** -1"),
            ("x=(a if b else c)", "x=a if b else c"),
            ("x=not (a and b)", "x=not (a and b)"),
            ("x=(a < b) < c", "x=(a < b) < c"),
            ("x=a is not b", "x=a is not b"),
            ("x=(y := 1)", "x=(y := 1)"),
            ("x=lambda: (0)", "x=lambda: 0"),
            ("x=(1,)", "x=(1,)"),
            ("x=(1, 2,)", "x=(1, 2)"),
            ("x=()", "x=()"),
            ("x=(1).real", "x=(1).real"),
            ("x=f((y for y in z), k = 1)", "x=f((y for y in z), k=1)"),
            ("x=f((y for y in z))", "x=f(y for y in z)"),
            ("x=[y for (a, b) in z if a]", "x=[y for a, b in z if a]"),
            ("x={'a': 1, **d}", "x={\"a\": 1, **d}"),
            ("x={1, 2}", "x={1, 2}"),
            ("x='it\\'s'", "x=\"it's\""),
            ("x='a' \"b\"", "x=\"ab\""),
            ("x='tab\\t\\x00é\"'", "x=\"tab\\t\\x00é\\\"\""),
            ("x=r'\\d'", "x=\"\\\\d\""),
            ("x=Rb'\\xff'", "x=b\"\\\\xff\""),
            ("x=b'\\xff'", "x=b\"\\xff\""),
            ("x=0X_FF", "x=255"),
            ("x=1E3", "x=1000.0"),
            ("x=...", "x=..."),
            ("x: 'Money'", "x: \"Money\""),
            ("x: (int)", "x: int"),
            ("x: tuple[(int, str)]", "x: tuple[int, str]"),
            ("x: tuple[int,]", "x: tuple[(int,)]"),
            ("x: int | (str | None)", "x: int | str | None"),
            ("x: Callable[[int], str]", "x: Callable[[int], str]"),
            ("x: a . b [ int ]", "x: a.b[int]"),
            ("*args: *Ts", "*args: *Ts"),
            ("a, /, b, *, c", "a, /, b, *, c"),
        ];
        for (parameters, expected) in table {
            let stub = extract(&format!("def f({parameters}): ...\n")).stub;
            assert_eq!(stub, format!("def f({expected}): ...\n"), "{parameters}");
        }
    }

    #[test]
    fn module_values_keep_literals_names_and_type_aliases() {
        let source = r#"import logging
from typing import TypeVar
A = 'x'
B = -1
C = shop.Money
D = tuple[int, int]
E = int | None
T = TypeVar('T')
log = logging.getLogger(__name__)
F, (G, *H) = 1, (2, 3)
I = J = 5
K: int = 5
_L = 1
"#;
        let stub = extract(source).stub;
        assert_eq!(
            stub,
            "from typing import TypeVar\nimport typing\n\nA = \"x\"\n\nB = -1\n\nC = shop.Money\n\n\
             D = tuple[int, int]\n\nE = int | None\n\nT = TypeVar(\"T\")\n\nlog: typing.Any\n\n\
             F: typing.Any\nG: typing.Any\nH: typing.Any\n\nI = 5\nJ = 5\n\nK: int\n"
        );
    }

    /// One module with each kind of thing an interface shows.
    const REPRESENTATIVE: &str = r#"from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

from shop.money import Money
from shop.util import slugify, unused

if TYPE_CHECKING:
    from shop.db import Session

__all__ = ["LineItem", "Cart", "total", "session", "MAX_ITEMS", "Price", "slugify", "logger"]

logger = logging.getLogger(__name__)
MAX_ITEMS: int = 100
Price = Money


@dataclass(frozen=True)
class LineItem:
    """One line of a cart."""

    sku: str
    quantity: int = 1
    tags: list[str] = field(default_factory=list)
    KIND: ClassVar[str] = "line"

    def subtotal(self, unit: Money) -> Money:
        return unit * self.quantity


class Cart:
    """A cart."""

    def __init__(self, owner: str, items: Iterator[LineItem] = ()) -> None:
        self._items = list(items)

    @property
    def size(self) -> int:
        return len(self._items)

    @size.setter
    def size(self, value: int) -> None:
        raise AttributeError("size")

    @classmethod
    def empty(cls, owner: str) -> "Cart":
        return cls(owner)

    @staticmethod
    def key(item: LineItem) -> str:
        return slugify(item.sku)

    def _reindex(self) -> None:
        pass

    def __len__(self) -> int:
        return self.size

    class Error(Exception):
        """Raised on a bad cart."""

        def __init__(self, message: str, *, code: int = 400) -> None:
            super().__init__(message)

    class _Cache:
        pass


async def total(cart: Cart, *, currency: str = "EUR") -> Money:
    """The sum of a cart."""
    return Money(0)


@contextlib.asynccontextmanager
async def session(url: str, /, timeout: float = 1.5) -> AsyncIterator[Session]:
    yield await _connect(url)


async def _connect(url: str) -> Session:
    raise NotImplementedError


def not_exported() -> None:
    pass
"#;

    #[test]
    fn representative_module_stub() {
        let interface = extract(REPRESENTATIVE);
        insta::assert_snapshot!(interface.stub);
        assert_eq!(
            interface.names,
            [
                "Cart",
                "LineItem",
                "MAX_ITEMS",
                "Price",
                "logger",
                "session",
                "slugify",
                "total"
            ]
        );
        assert_eq!(
            interface.digest,
            crate::digest::KeyHasher::new("jaunt.interface.v1")
                .str("stub", &interface.stub)
                .finish()
        );
    }

    /// Truncated modules (a model cut off mid-answer) still extract.
    #[test]
    fn every_prefix_is_survivable() {
        for source in [ODD, REPRESENTATIVE] {
            for cut in source.char_indices().map(|(i, _)| i).step_by(3) {
                let _ = extract(&source[..cut]);
            }
        }
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        let deep = 5000;
        let sources = [
            format!("def f(x={}a{}): ...\n", "(".repeat(deep), ")".repeat(deep)),
            format!(
                "def f(x: {}int{}): ...\n",
                "list[".repeat(deep),
                "]".repeat(deep)
            ),
            format!("def f(x={}): ...\n", vec!["a"; deep].join(" + ")),
            format!("def f(x: {}): ...\n", vec!["a"; deep].join(" | ")),
            format!("X = {}1\n", "-".repeat(deep)),
            (0..200)
                .map(|level| format!("{}class C{level}:\n", "    ".repeat(level)))
                .collect::<String>(),
        ];
        for source in sources {
            let interface = extract(&source);
            assert!(!interface.stub.is_empty());
        }
    }

    #[test]
    fn broken_source_keeps_what_parses() {
        let source = "def good(x: int) -> int:\n    return x\n\ndef broken(:\n    pass\n\nclass After:\n    def m(self) -> str: ...\n";
        let interface = extract(source);
        assert!(interface.stub.contains("def good(x: int) -> int: ...\n"));
        assert!(interface.stub.contains("def m(self) -> str: ..."));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        #[test]
        fn never_panics_on_generated_python(source in fragments()) {
            let interface = extract(&source);
            // Deterministic, and the digest is the stub's.
            proptest::prop_assert_eq!(extract(&source), interface);
        }

        #[test]
        fn never_panics_on_arbitrary_text(source in "\\PC{0,200}") {
            let _ = extract(&source);
            let _ = extract(&format!("class A:\n    def f(self, {source}): ...\n"));
        }
    }
}
