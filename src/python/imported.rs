//! Every import statement of a module, wherever it is (module level, in a
//! function, under `if TYPE_CHECKING:`): what the check of a generated
//! module's imports reads. Unlike a summary's import bindings, each keeps
//! the full dotted module it loads.

use super::imports::{dotted, relative};
use super::parse::{Visitor, kind_of, line, parse, walk};
use crate::python::parse::{Field, Fields};
use tree_sitter::{Node, TreeCursor};

/// One module an import statement loads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Imported {
    /// 1-based line of the statement.
    pub line: u32,
    /// Leading dots of a relative import; 0 for an absolute one.
    pub level: u32,
    /// Dotted module (`a.b` for `import a.b as x` and `from a.b import c`),
    /// empty for `from . import c`.
    pub module: String,
    /// The names a `from` import takes from the module (`*` for a star
    /// import); empty for `import a.b`.
    pub names: Vec<String>,
}

/// The imports of `source` in source order; `from __future__` is left out.
pub fn imported_modules(source: &str) -> Vec<Imported> {
    let Some(tree) = parse(source) else {
        return Vec::new();
    };
    let mut found = Found {
        source,
        out: Vec::new(),
    };
    walk(tree.root_node(), &mut found);
    found.out
}

struct Found<'s> {
    source: &'s str,
    out: Vec<Imported>,
}

impl<'t> Visitor<'t> for Found<'_> {
    fn enter(&mut self, node: Node<'t>, _cursor: &TreeCursor<'t>) -> bool {
        match kind_of(node) {
            "import_statement" => {
                let mut cursor = node.walk();
                for name in node.children_by_field_id(Field::Name.id(), &mut cursor) {
                    let module = match kind_of(name) {
                        "aliased_import" => name.field(Field::Name),
                        _ => Some(name),
                    };
                    if let Some(module) = module {
                        self.out.push(Imported {
                            line: line(node),
                            level: 0,
                            module: dotted(module, self.source),
                            names: Vec::new(),
                        });
                    }
                }
                false
            }
            "import_from_statement" => {
                let (level, module) = match node.field(Field::ModuleName) {
                    Some(m) if kind_of(m) == "relative_import" => relative(m, self.source),
                    Some(m) => (0, dotted(m, self.source)),
                    None => (0, String::new()),
                };
                let mut cursor = node.walk();
                let mut names: Vec<String> = node
                    .children_by_field_id(Field::Name.id(), &mut cursor)
                    .filter_map(|n| match kind_of(n) {
                        "aliased_import" => n.field(Field::Name),
                        _ => Some(n),
                    })
                    .map(|n| dotted(n, self.source))
                    .collect();
                let mut cursor = node.walk();
                if node
                    .named_children(&mut cursor)
                    .any(|c| kind_of(c) == "wildcard_import")
                {
                    names.push("*".into());
                }
                self.out.push(Imported {
                    line: line(node),
                    level,
                    module,
                    names,
                });
                false
            }
            "future_import_statement" => false,
            _ => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn imported(line: u32, level: u32, module: &str, names: &[&str]) -> Imported {
        Imported {
            line,
            level,
            module: module.into(),
            names: names.iter().map(|n| n.to_string()).collect(),
        }
    }

    #[test]
    fn finds_imports_everywhere_with_full_modules() {
        let source = "\
from __future__ import annotations
import os.path, json as j
from typing import TYPE_CHECKING
if TYPE_CHECKING:
    from shop.money import Money as M, Cents
def f():
    import numpy.linalg as la
    from . import sibling
    from ..pkg.mod import *
";
        assert_eq!(
            imported_modules(source),
            vec![
                imported(2, 0, "os.path", &[]),
                imported(2, 0, "json", &[]),
                imported(3, 0, "typing", &["TYPE_CHECKING"]),
                imported(5, 0, "shop.money", &["Money", "Cents"]),
                imported(7, 0, "numpy.linalg", &[]),
                imported(8, 1, "", &["sibling"]),
                imported(9, 2, "pkg.mod", &["*"]),
            ]
        );
    }
}
