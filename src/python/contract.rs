//! What a `@jaunt.contract` definition promises, read statically: its
//! signature and its prose (docstrings), never its body
//! (docs/contracts.md, What a contract is). Refactoring the body changes
//! neither digest, so it never makes a battery stale.

use super::canonical::{Canon, docstring};
use super::parse::{Visitor, kind_of, parse, text, walk};
use super::strings::clean_docstring;
use crate::digest::{Digest, KeyHasher};
use crate::python::parse::{Field, Fields};
use serde::{Deserialize, Serialize};
use tree_sitter::{Node, TreeCursor};

/// The two halves of a contract's promise, digested apart so that `check`
/// can tell stale prose from signature drift.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractDigests {
    /// Decorators (the jaunt one left out), name, parameters, return
    /// annotation; for a class, its header and each public method's
    /// signature.
    pub signature: Digest,
    /// The docstring, cleaned like `inspect.cleandoc`; for a class, with
    /// its public methods' docstrings.
    pub prose: Digest,
}

impl ContractDigests {
    /// What the contract's spec digest is made from: both halves, in one
    /// digest that stands where another spec's canonical digest does.
    pub fn canonical(&self) -> Digest {
        KeyHasher::new("jaunt.contract.v1")
            .digest("signature", &self.signature)
            .digest("prose", &self.prose)
            .finish()
    }
}

/// Hides some nodes (and everything under them) from a visitor.
struct Without<'a, V> {
    hide: &'a [usize],
    inner: V,
}

impl<'t, V: Visitor<'t>> Visitor<'t> for Without<'_, V> {
    fn enter(&mut self, node: Node<'t>, cursor: &TreeCursor<'t>) -> bool {
        !self.hide.contains(&node.id()) && self.inner.enter(node, cursor)
    }

    fn exit(&mut self, node: Node<'t>) {
        if !self.hide.contains(&node.id()) {
            self.inner.exit(node);
        }
    }
}

/// A definition's canonical digest without its body (and without `skip`,
/// the jaunt decorator).
fn signature_of(node: Node<'_>, def: Node<'_>, skip: Option<Node<'_>>, source: &str) -> Digest {
    let mut hide: Vec<usize> = def.field(Field::Body).map(|b| b.id()).into_iter().collect();
    hide.extend(skip.map(|d| d.id()));
    let mut visitor = Without {
        hide: &hide,
        inner: Canon::new(source, None),
    };
    walk(node, &mut visitor);
    visitor.inner.finish_tree("jaunt.contract.signature.v1")
}

fn doc_of(def: Node<'_>, source: &str) -> String {
    def.field(Field::Body)
        .and_then(|b| docstring(b, source))
        .map(|(_, raw)| clean_docstring(&raw))
        .unwrap_or_default()
}

/// A method is part of a class contract's API unless it is private
/// (`_name`, not a dunder).
fn is_public(name: &str) -> bool {
    !name.starts_with('_') || (name.starts_with("__") && name.ends_with("__"))
}

/// A class's public methods, in source order: each one's statement (the
/// decorated definition, when decorated), its `def`, and its name. What a
/// class contract promises beyond its header and docstring.
fn public_methods<'t>(class: Node<'t>, source: &'t str) -> Vec<(Node<'t>, Node<'t>, &'t str)> {
    let Some(body) = class.field(Field::Body) else {
        return Vec::new();
    };
    let mut cursor = body.walk();
    body.named_children(&mut cursor)
        .filter_map(|member| {
            let method = match kind_of(member) {
                "decorated_definition" => member.field(Field::Definition)?,
                "function_definition" => member,
                _ => return None,
            };
            let name = method.field(Field::Name).map_or("", |n| text(n, source));
            (kind_of(method) == "function_definition" && is_public(name))
                .then_some((member, method, name))
        })
        .collect()
}

/// The digests of the contract `node` (the decorated definition) whose
/// `def`/`class` is `def`, `decorator` being its `@jaunt.contract`.
pub(crate) fn contract_digests(
    node: Node<'_>,
    def: Node<'_>,
    decorator: Node<'_>,
    source: &str,
) -> ContractDigests {
    let mut signature = KeyHasher::new("jaunt.contract.signature.v1");
    let mut prose = KeyHasher::new("jaunt.contract.prose.v1");
    signature.digest("header", &signature_of(node, def, Some(decorator), source));
    prose.str("doc", &doc_of(def, source));
    if kind_of(def) == "class_definition" {
        for (member, method, name) in public_methods(def, source) {
            signature.digest(name, &signature_of(member, method, None, source));
            prose.str(name, &doc_of(method, source));
        }
    }
    ContractDigests {
        signature: signature.finish(),
        prose: prose.finish(),
    }
}

/// The top-level statement that defines `name` last (Python's binding),
/// and its `def`/`class` node.
pub(crate) fn top_level_definition<'t>(
    root: Node<'t>,
    source: &str,
    name: &str,
) -> Option<(Node<'t>, Node<'t>)> {
    let mut cursor = root.walk();
    root.named_children(&mut cursor)
        .filter_map(|stmt| {
            let def = match kind_of(stmt) {
                "decorated_definition" => stmt.field(Field::Definition)?,
                "function_definition" | "class_definition" => stmt,
                _ => return None,
            };
            (def.field(Field::Name).map(|n| text(n, source)) == Some(name)).then_some((stmt, def))
        })
        .last()
}

/// A top-level contract as derivation reads it from its file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContractSource {
    /// The docstring, cleaned; empty without one.
    pub doc: String,
    /// For a class, its public methods' names and cleaned docstrings, in
    /// source order (those with one): the same docstrings its prose digest
    /// covers, so a case in one makes the battery stale when it changes.
    pub methods: Vec<(String, String)>,
    pub is_async: bool,
    pub is_class: bool,
}

/// Reads the top-level definition `name` from `source`: `None` when the
/// file has no such definition.
pub fn read_contract(source: &str, name: &str) -> Option<ContractSource> {
    let tree = parse(source)?;
    let (_, found) = top_level_definition(tree.root_node(), source, name)?;
    let is_class = kind_of(found) == "class_definition";
    let methods = if is_class {
        public_methods(found, source)
            .into_iter()
            .map(|(_, method, name)| (name.to_string(), doc_of(method, source)))
            .filter(|(_, doc)| !doc.is_empty())
            .collect()
    } else {
        Vec::new()
    };
    Some(ContractSource {
        doc: doc_of(found, source),
        methods,
        is_async: found.child(0).is_some_and(|t| kind_of(t) == "async"),
        is_class,
    })
}

/// Whether `code` is one expression statement that parses cleanly: how
/// derivation checks the Python it copies from a docstring.
pub fn is_expression(code: &str) -> bool {
    parse(code).is_some_and(|tree| {
        let root = tree.root_node();
        !root.has_error()
            && root.named_child_count() == 1
            && root
                .named_child(0)
                .is_some_and(|s| kind_of(s) == "expression_statement")
    })
}

#[cfg(test)]
mod tests {
    use crate::python::summarize;

    fn digests(src: &str) -> super::ContractDigests {
        summarize(src).specs[0].contract.expect("a contract")
    }

    #[test]
    fn the_body_is_not_part_of_the_contract_but_prose_and_signature_are() {
        let base = digests(
            "import jaunt\n@jaunt.contract\ndef f(x: int) -> int:\n    \"\"\"Doubles.\"\"\"\n    return x * 2\n",
        );
        let refactored = digests(
            "import jaunt\n\n@jaunt.contract\ndef f(x: int) -> int:\n    \"\"\"Doubles.\"\"\"\n    y = x + x\n    return y\n",
        );
        assert_eq!(base, refactored);
        let prose = digests(
            "import jaunt\n@jaunt.contract\ndef f(x: int) -> int:\n    \"\"\"Triples.\"\"\"\n    return x * 2\n",
        );
        assert_eq!(base.signature, prose.signature);
        assert_ne!(base.prose, prose.prose);
        let sig = digests(
            "import jaunt\n@jaunt.contract\ndef f(x: int, y: int = 0) -> int:\n    \"\"\"Doubles.\"\"\"\n    return x * 2\n",
        );
        assert_eq!(base.prose, sig.prose);
        assert_ne!(base.signature, sig.signature);
    }

    #[test]
    fn a_class_contract_covers_public_method_signatures_not_private_ones() {
        let base = digests(
            "import jaunt\n@jaunt.contract\nclass C:\n    \"\"\"A C.\"\"\"\n    def get(self) -> int:\n        return 1\n    def _help(self):\n        pass\n",
        );
        let private = digests(
            "import jaunt\n@jaunt.contract\nclass C:\n    \"\"\"A C.\"\"\"\n    def get(self) -> int:\n        return 2\n    def _help(self, x):\n        pass\n",
        );
        assert_eq!(base, private);
        let public = digests(
            "import jaunt\n@jaunt.contract\nclass C:\n    \"\"\"A C.\"\"\"\n    def get(self, n: int) -> int:\n        return 1\n    def _help(self):\n        pass\n",
        );
        assert_ne!(base.signature, public.signature);
    }

    #[test]
    fn reads_a_contract_back_from_its_file() {
        let src = "import jaunt\n@jaunt.contract\nasync def f():\n    \"\"\"\n    Examples:\n      - 1 -> 2\n    \"\"\"\n";
        let c = super::read_contract(src, "f").unwrap();
        assert!(c.is_async && !c.is_class);
        assert_eq!(c.doc, "Examples:\n  - 1 -> 2");
        assert!(super::read_contract(src, "g").is_none());
        let class = "@jaunt.contract\nclass C:\n    \"\"\"A C.\"\"\"\n    def add(self, n):\n        \"\"\"\n        Examples:\n          - C().add(1) -> 1\n        \"\"\"\n    @property\n    def size(self):\n        \"\"\"Size.\"\"\"\n    def _hidden(self):\n        \"\"\"Examples:\n  - C()._hidden() -> 1\"\"\"\n    def bare(self):\n        return 1\n";
        let c = super::read_contract(class, "C").unwrap();
        assert!(c.is_class);
        assert_eq!(
            c.methods,
            vec![
                (
                    "add".to_string(),
                    "Examples:\n  - C().add(1) -> 1".to_string()
                ),
                ("size".to_string(), "Size.".to_string()),
            ]
        );
    }
}
