//! Validation of generated modules.

use super::imports::import_bindings;
use super::interface::signature;
use super::members::body_digest;
use super::parse::{kind_of, module_statements, parse, syntax_errors, text};
use crate::digest::Digest;
use crate::python::parse::{Field, Fields};
use std::collections::HashSet;
use tree_sitter::Node;

/// What a method of a generated class spec must be, beyond defined
/// (docs/architecture.md, Module-level magic and whole-class specs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Contract {
    /// `@jaunt.sig`: its signature, canonically spelled, is this one.
    Signature { qualname: String, signature: String },
    /// `@jaunt.preserve`: it is the spec's method, up to formatting,
    /// comments and decorators (the [`body_digest`] of the spec's).
    Preserved { qualname: String, digest: Digest },
}

/// Checks a generated module: it parses without error nodes, defines
/// every expected name (`Outer.method` as a method of class `Outer`) and
/// keeps every contract. Returns one message per problem, syntax errors
/// first in source order, then missing names in the order expected, then
/// broken contracts; empty when acceptable.
pub fn validate(source: &str, expected_names: &[String], contracts: &[Contract]) -> Vec<String> {
    let Some(tree) = parse(source) else {
        return vec!["the parser gave up on this module".to_string()];
    };
    let root = tree.root_node();
    let mut problems: Vec<String> = syntax_errors(root, source)
        .into_iter()
        .map(|e| {
            if e.near.is_empty() {
                format!("line {}: {}", e.line, e.message)
            } else {
                format!("line {}: {} near `{}`", e.line, e.message, e.near)
            }
        })
        .collect();
    let mut top = Vec::new();
    module_statements(root, |stmt| top.push(stmt));
    let module_names = defined_names(&top, source);
    for expected in expected_names {
        let mut parts = expected.split('.');
        let first = parts.next().unwrap_or("");
        let rest: Vec<&str> = parts.collect();
        if rest.is_empty() {
            if !module_names.contains(first) {
                problems.push(format!("missing definition: {expected}"));
            }
        } else if !defined_in_class(&top, first, &rest, source) {
            let class = expected.rsplit_once('.').map_or("", |(class, _)| class);
            problems.push(format!(
                "missing method: {expected} (expected a def inside class {class})"
            ));
        }
    }
    for contract in contracts {
        let qualname = match contract {
            Contract::Signature { qualname, .. } | Contract::Preserved { qualname, .. } => qualname,
        };
        let path: Vec<&str> = qualname.split('.').collect();
        let Some(def) = method_def(&top, &path, source) else {
            // Missing: reported with the expected names.
            continue;
        };
        match contract {
            Contract::Signature {
                signature: sealed, ..
            } => {
                let got = signature(def, source);
                if got != *sealed {
                    problems.push(format!(
                        "sealed signature changed: {qualname} is marked @jaunt.sig, so it must be `{sealed}`, not `{got}`"
                    ));
                }
            }
            Contract::Preserved { digest, .. } => {
                if body_digest(def, source) != *digest {
                    problems.push(format!(
                        "preserved method changed: {qualname} is marked @jaunt.preserve, so copy it from the spec verbatim"
                    ));
                }
            }
        }
    }
    problems
}

/// The `def` at `path` (`["Cart", "add"]`, or deeper) among `statements`:
/// the last one, as Python binds it.
fn method_def<'t>(statements: &[Node<'t>], path: &[&str], source: &str) -> Option<Node<'t>> {
    let (name, rest) = path.split_first()?;
    let def = statements
        .iter()
        .rev()
        .filter_map(|&stmt| definition(stmt))
        .find(|def| {
            def.field(Field::Name)
                .is_some_and(|n| text(n, source) == *name)
        })?;
    if rest.is_empty() {
        return (kind_of(def) == "function_definition").then_some(def);
    }
    let body = def
        .field(Field::Body)
        .filter(|_| kind_of(def) == "class_definition")?;
    let mut cursor = body.walk();
    let members: Vec<Node<'t>> = body.named_children(&mut cursor).collect();
    method_def(&members, rest, source)
}

/// Names a sequence of statements binds: defs, classes, assignment targets
/// and imports.
fn defined_names(statements: &[Node<'_>], source: &str) -> HashSet<String> {
    let mut names = HashSet::new();
    let mut imports = Vec::new();
    for &stmt in statements {
        if import_bindings(stmt, source, &mut imports) {
            continue;
        }
        if let Some(def) = definition(stmt) {
            if let Some(name) = def.field(Field::Name) {
                names.insert(text(name, source).to_string());
            }
        } else if kind_of(stmt) == "expression_statement" {
            let mut cursor = stmt.walk();
            for expr in stmt.named_children(&mut cursor) {
                assignment_targets(expr, source, &mut names);
            }
        }
    }
    names.extend(imports.into_iter().map(|i| i.binding));
    names
}

/// The `def`/`class` node of a statement, decorated or not.
fn definition<'t>(stmt: Node<'t>) -> Option<Node<'t>> {
    match kind_of(stmt) {
        "function_definition" | "class_definition" => Some(stmt),
        "decorated_definition" => stmt.field(Field::Definition),
        _ => None,
    }
}

/// Adds the names bound by an assignment (`a = b = 1`, `a, b = t`,
/// `x: int = 0`).
fn assignment_targets(expr: Node<'_>, source: &str, names: &mut HashSet<String>) {
    if kind_of(expr) != "assignment" && kind_of(expr) != "augmented_assignment" {
        return;
    }
    if let Some(left) = expr.field(Field::Left) {
        target_names(left, source, names);
    }
    if let Some(right) = expr.field(Field::Right) {
        assignment_targets(right, source, names);
    }
}

fn target_names(target: Node<'_>, source: &str, names: &mut HashSet<String>) {
    match kind_of(target) {
        "identifier" => {
            names.insert(text(target, source).to_string());
        }
        "pattern_list"
        | "tuple_pattern"
        | "list_pattern"
        | "expression_list"
        | "tuple"
        | "list"
        | "parenthesized_expression"
        | "list_splat_pattern" => {
            let mut cursor = target.walk();
            for child in target.named_children(&mut cursor) {
                target_names(child, source, names);
            }
        }
        _ => {}
    }
}

/// Whether `path` (`["method"]`, or deeper `["Inner", "method"]`) is
/// defined inside the class `class` among `statements`.
fn defined_in_class(statements: &[Node<'_>], class: &str, path: &[&str], source: &str) -> bool {
    let Some((member, rest)) = path.split_first() else {
        return true;
    };
    statements
        .iter()
        .filter_map(|&stmt| definition(stmt))
        .filter(|def| kind_of(*def) == "class_definition")
        .filter(|def| {
            def.field(Field::Name)
                .is_some_and(|n| text(n, source) == class)
        })
        .filter_map(|def| def.field(Field::Body))
        .any(|body| {
            let mut cursor = body.walk();
            let members: Vec<Node<'_>> = body.named_children(&mut cursor).collect();
            if rest.is_empty() {
                defined_names(&members, source).contains(*member)
            } else {
                defined_in_class(&members, member, rest, source)
            }
        })
}

#[cfg(test)]
mod tests {
    use super::validate;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn accepts_a_module_defining_every_name() {
        let src = "\
from .money import Money as M
import os.path
TOTAL: int = 0
a = b = 1
c, (d, e) = 1, (2, 3)
def f(): ...
async def g(): ...
@decorator
class Cart:
    LIMIT = 3
    def total(self): ...
    @property
    async def fetch(self): ...
    class Inner:
        def deep(self): ...
try:
    from fast import speedy
except ImportError:
    def speedy(): ...
";
        let expected = names(&[
            "M",
            "os",
            "TOTAL",
            "a",
            "b",
            "c",
            "d",
            "e",
            "f",
            "g",
            "Cart",
            "Cart.total",
            "Cart.fetch",
            "Cart.LIMIT",
            "Cart.Inner.deep",
            "speedy",
        ]);
        assert_eq!(validate(src, &expected, &[]), Vec::<String>::new());
    }

    #[test]
    fn reports_missing_names_in_order() {
        let src = "def f(): ...\nclass Cart:\n    def total(self): ...\ndef method(): ...\n";
        let expected = names(&["g", "f", "Cart.method", "Nope.x", "Cart"]);
        assert_eq!(
            validate(src, &expected, &[]),
            vec![
                "missing definition: g".to_string(),
                "missing method: Cart.method (expected a def inside class Cart)".to_string(),
                "missing method: Nope.x (expected a def inside class Nope)".to_string(),
            ]
        );
    }

    #[test]
    fn reports_syntax_errors_with_lines() {
        let src = "def f(:\n    pass\n\nclass A:\n    def g(self)\n        return 1\n";
        let problems = validate(src, &names(&["A"]), &[]);
        assert!(
            problems[0].starts_with("line 1: invalid syntax near `def f(:`"),
            "{problems:?}"
        );
        let src = "def f():\n    return [1, 2\n";
        let problems = validate(src, &names(&["f"]), &[]);
        assert_eq!(
            problems,
            vec!["line 2: invalid syntax near `return [1, 2`".to_string()]
        );
        let problems = validate("def f()\n    pass\n", &names(&["f"]), &[]);
        assert!(problems[0].starts_with("line 1: "), "{problems:?}");
        assert_eq!(
            problems.last().map(String::as_str),
            Some("missing definition: f")
        );
    }

    #[test]
    fn sealed_signatures_and_preserved_methods_are_kept() {
        use super::Contract;
        use crate::python::summarize;
        let spec = r#"import jaunt
@jaunt.magic
class Account:
    @jaunt.sig
    async def deposit(self, amount: int, /, *, note: str = "x") -> None:
        """Add money."""
    @jaunt.preserve
    def audit(self) -> str:
        return "ok"
"#;
        let summary = summarize(spec);
        let members = &summary.specs[0].members;
        let contracts = [
            Contract::Signature {
                qualname: "Account.deposit".into(),
                signature: members[0].signature.clone(),
            },
            Contract::Preserved {
                qualname: "Account.audit".into(),
                digest: members[1].body.expect("preserved"),
            },
        ];
        let expected = names(&["Account", "Account.deposit", "Account.audit"]);
        let check = |deposit: &str, audit: &str| {
            validate(
                &format!("class Account:\n{deposit}\n{audit}\n"),
                &expected,
                &contracts,
            )
        };
        let audit = "    def audit(self) -> str:\n        return 'ok'  # kept";
        let good = [
            "    async def deposit(self, amount: int, /, *, note: str = \"x\") -> None:\n        self.total += amount",
            "    async def deposit(\n        self,\n        amount: int,\n        /,\n        *,\n        note: str = 'x',\n    ) -> None:\n        pass",
        ];
        for deposit in good {
            assert_eq!(check(deposit, audit), Vec::<String>::new(), "{deposit}");
        }
        let bad = [
            "    def deposit(self, amount: int, /, *, note: str = 'x') -> None: ...",
            "    async def deposit(self, value: int, /, *, note: str = 'x') -> None: ...",
            "    async def deposit(self, amount: int, *, note: str = 'x') -> None: ...",
            "    async def deposit(self, amount: float, /, *, note: str = 'x') -> None: ...",
            "    async def deposit(self, amount: int, /, *, note: str = 'y') -> None: ...",
            "    async def deposit(self, amount: int, /, *, note: str = 'x') -> bool: ...",
            "    async def deposit(self, amount: int, /, *, note: str = 'x', extra: int = 0) -> None: ...",
        ];
        for deposit in bad {
            let problems = check(deposit, audit);
            assert_eq!(problems.len(), 1, "{deposit}: {problems:?}");
            assert!(
                problems[0].starts_with("sealed signature changed: Account.deposit is marked @jaunt.sig, so it must be `async def deposit(self, amount: int, /, *, note: str = \"x\") -> None`, not `"),
                "{problems:?}"
            );
        }
        let changed = check(good[0], "    def audit(self) -> str:\n        return 'OK'");
        assert_eq!(
            changed,
            [
                "preserved method changed: Account.audit is marked @jaunt.preserve, so copy it from the spec verbatim"
            ]
        );
        // A missing method is reported once, as missing.
        let missing = validate("class Account:\n    pass\n", &expected, &contracts);
        assert_eq!(missing.len(), 2, "{missing:?}");
        assert!(missing.iter().all(|p| p.starts_with("missing method")));
    }
}
