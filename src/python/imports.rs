//! Import statements to bindings, and resolving a decorator through them to
//! `jaunt.magic` / `jaunt.test`.

use super::parse::{kind_of, line, text};
use super::summary::{Import, ImportTarget};
use crate::names::SpecKind;
use tree_sitter::Node;

/// Appends the bindings of `stmt` if it is an import statement; returns
/// whether it was one. `from __future__` imports bind no usable name.
pub(crate) fn import_bindings(stmt: Node<'_>, source: &str, out: &mut Vec<Import>) -> bool {
    let line = line(stmt);
    let mut cursor = stmt.walk();
    match kind_of(stmt) {
        "import_statement" => {
            for name in stmt.children_by_field_name("name", &mut cursor) {
                let (binding, target) = match kind_of(name) {
                    "aliased_import" => {
                        let module = name.child_by_field_name("name");
                        let alias = name.child_by_field_name("alias");
                        let (Some(module), Some(alias)) = (module, alias) else {
                            continue;
                        };
                        (text(alias, source).to_string(), dotted(module, source))
                    }
                    _ => {
                        let module = dotted(name, source);
                        let first = module.split('.').next().unwrap_or("").to_string();
                        (first.clone(), first)
                    }
                };
                out.push(Import {
                    binding,
                    target: ImportTarget::Module(target),
                    line,
                });
            }
            true
        }
        "import_from_statement" => {
            let (level, module) = match stmt.child_by_field_name("module_name") {
                Some(m) if kind_of(m) == "relative_import" => relative(m, source),
                Some(m) => (0, dotted(m, source)),
                None => (0, String::new()),
            };
            let from = |name: String| ImportTarget::From {
                level,
                module: module.clone(),
                name,
            };
            for child in stmt.named_children(&mut cursor) {
                if kind_of(child) == "wildcard_import" {
                    out.push(Import {
                        binding: "*".to_string(),
                        target: from("*".to_string()),
                        line,
                    });
                }
            }
            for name in stmt.children_by_field_name("name", &mut cursor) {
                let (binding, imported) = match kind_of(name) {
                    "aliased_import" => {
                        let (Some(n), Some(alias)) = (
                            name.child_by_field_name("name"),
                            name.child_by_field_name("alias"),
                        ) else {
                            continue;
                        };
                        (text(alias, source).to_string(), dotted(n, source))
                    }
                    _ => {
                        let n = dotted(name, source);
                        (n.clone(), n)
                    }
                };
                out.push(Import {
                    binding,
                    target: from(imported),
                    line,
                });
            }
            true
        }
        "future_import_statement" => true,
        _ => false,
    }
}

/// `a . b` → `a.b`: the identifiers of a `dotted_name`, whatever the spacing.
fn dotted(node: Node<'_>, source: &str) -> String {
    if kind_of(node) != "dotted_name" {
        return text(node, source).to_string();
    }
    let mut cursor = node.walk();
    let mut out = String::new();
    for part in node.named_children(&mut cursor) {
        if kind_of(part) == "identifier" {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(text(part, source));
        }
    }
    out
}

fn relative(node: Node<'_>, source: &str) -> (u32, String) {
    let mut level = 0;
    let mut module = String::new();
    let mut cursor = node.walk();
    for part in node.named_children(&mut cursor) {
        match kind_of(part) {
            "import_prefix" => {
                let dots = text(part, source).bytes().filter(|&b| b == b'.').count();
                level += u32::try_from(dots).unwrap_or(u32::MAX);
            }
            "dotted_name" => module = dotted(part, source),
            _ => {}
        }
    }
    (level, module)
}

/// Resolves names through a file's module-level imports, to recognize the
/// jaunt decorators however they were imported.
pub(crate) struct JauntResolver<'a> {
    imports: &'a [Import],
}

impl<'a> JauntResolver<'a> {
    /// `None` when the file imports nothing from jaunt, so it has no specs.
    pub(crate) fn new(imports: &'a [Import]) -> Option<JauntResolver<'a>> {
        imports
            .iter()
            .any(|i| match &i.target {
                ImportTarget::Module(m) => is_jaunt(m),
                ImportTarget::From { level, module, .. } => *level == 0 && is_jaunt(module),
            })
            .then_some(JauntResolver { imports })
    }

    /// Which spec a decorator makes, if any: its callee (with or without a
    /// call) must resolve to `jaunt.magic` or `jaunt.test`.
    pub(crate) fn decorator_kind(&self, decorator: Node<'_>, source: &str) -> Option<SpecKind> {
        let mut expr = decorator.named_child(0)?;
        if kind_of(expr) == "call" {
            expr = expr.child_by_field_name("function")?;
        }
        let chain = attribute_chain(expr, source)?;
        let (first, rest) = chain.split_first()?;
        let mut full = match self.binding(first)? {
            ImportTarget::Module(m) => m.clone(),
            ImportTarget::From {
                level: 0,
                module,
                name,
            } if name == "*" => {
                format!("{module}.{first}")
            }
            ImportTarget::From {
                level: 0,
                module,
                name,
            } => format!("{module}.{name}"),
            ImportTarget::From { .. } => return None,
        };
        for part in rest {
            full.push('.');
            full.push_str(part);
        }
        match full.as_str() {
            "jaunt.magic" => Some(SpecKind::Build),
            "jaunt.test" => Some(SpecKind::Test),
            _ => None,
        }
    }

    /// The last binding of `name`, or a star import from jaunt that may
    /// provide it.
    fn binding(&self, name: &str) -> Option<&'a ImportTarget> {
        let imports = self.imports;
        imports
            .iter()
            .rev()
            .find(|i| i.binding == name)
            .or_else(|| {
                imports.iter().rev().find(|i| {
                    i.binding == "*"
                        && matches!(&i.target, ImportTarget::From { level: 0, module, .. } if is_jaunt(module))
                })
            })
            .map(|i| &i.target)
    }
}

fn is_jaunt(module: &str) -> bool {
    module == "jaunt" || module.starts_with("jaunt.")
}

/// `a.b.c` → `["a", "b", "c"]` when the expression is an identifier or a
/// chain of attributes on one; `None` for anything else (`a.b().c`).
pub(crate) fn attribute_chain<'s>(node: Node<'_>, source: &'s str) -> Option<Vec<&'s str>> {
    let mut parts = Vec::new();
    let mut node = node;
    loop {
        match kind_of(node) {
            "identifier" => {
                parts.push(text(node, source));
                parts.reverse();
                return Some(parts);
            }
            "attribute" => {
                parts.push(text(node.child_by_field_name("attribute")?, source));
                node = node.child_by_field_name("object")?;
            }
            _ => return None,
        }
    }
}
