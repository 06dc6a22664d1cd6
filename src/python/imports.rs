//! Import statements to bindings, and resolving a decorator through them to
//! `jaunt.magic` / `jaunt.test`.

use super::parse::{kind_of, line, text};
use super::summary::{Import, ImportTarget};
use crate::names::SpecKind;
use crate::python::parse::{Field, Fields};
use tree_sitter::Node;

/// Appends the bindings of `stmt` if it is an import statement; returns
/// whether it was one. `from __future__` imports bind no usable name.
pub(crate) fn import_bindings(stmt: Node<'_>, source: &str, out: &mut Vec<Import>) -> bool {
    let line = line(stmt);
    let mut cursor = stmt.walk();
    let statement = kind_of(stmt);
    let from = match statement {
        "import_statement" => None,
        "import_from_statement" => Some(match stmt.field(Field::ModuleName) {
            Some(m) if kind_of(m) == "relative_import" => relative(m, source),
            Some(m) => (0, dotted(m, source)),
            None => (0, String::new()),
        }),
        "future_import_statement" => return true,
        _ => return false,
    };
    let target = |name: String| match &from {
        None => ImportTarget::Module(name),
        Some((level, module)) => ImportTarget::From {
            level: *level,
            module: module.clone(),
            name,
        },
    };
    if from.is_some()
        && stmt
            .named_children(&mut cursor)
            .any(|c| kind_of(c) == "wildcard_import")
    {
        out.push(Import {
            binding: "*".to_string(),
            target: target("*".to_string()),
            line,
        });
    }
    for name in stmt.children_by_field_id(Field::Name.id(), &mut cursor) {
        let Some((binding, imported)) = binding(name, source, from.is_none()) else {
            continue;
        };
        out.push(Import {
            binding,
            target: target(imported),
            line,
        });
    }
    true
}

/// The (binding, imported name) of one imported name: `x.y as z` binds `z`
/// to `x.y`; a plain `import a.b` binds `a` to `a`; `from m import n`
/// binds `n` to `n`.
fn binding(name: Node<'_>, source: &str, plain_import: bool) -> Option<(String, String)> {
    if kind_of(name) == "aliased_import" {
        let module = name.field(Field::Name)?;
        let alias = name.field(Field::Alias)?;
        return Some((text(alias, source).to_string(), dotted(module, source)));
    }
    let mut imported = dotted(name, source);
    if plain_import {
        imported.truncate(imported.find('.').unwrap_or(imported.len()));
    }
    Some((imported.clone(), imported))
}

/// `a . b` → `a.b`: the identifiers of a `dotted_name`, whatever the spacing.
pub(crate) fn dotted(node: Node<'_>, source: &str) -> String {
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

pub(crate) fn relative(node: Node<'_>, source: &str) -> (u32, String) {
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

/// The names of the jaunt runtime that jaunt reads statically.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum JauntName {
    /// `@jaunt.magic`: an implementation spec.
    Magic,
    /// `@jaunt.test`: a test spec.
    Test,
    /// `@jaunt.contract`: handwritten code that is canonical.
    Contract,
    /// `@jaunt.preserve`: handwritten, kept as written.
    Preserve,
    /// `@jaunt.sig`: a class spec's method whose signature is sealed.
    Sig,
    /// `jaunt.magic_module(__name__, ...)`: module-level magic.
    MagicModule,
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
    /// call) must resolve to `jaunt.magic`, `jaunt.test` or `jaunt.contract`.
    pub(crate) fn decorator_kind(&self, decorator: Node<'_>, source: &str) -> Option<SpecKind> {
        match self.decorator(decorator, source)? {
            JauntName::Magic => Some(SpecKind::Build),
            JauntName::Test => Some(SpecKind::Test),
            JauntName::Contract => Some(SpecKind::Contract),
            _ => None,
        }
    }

    /// The jaunt name a decorator applies, with or without a call.
    pub(crate) fn decorator(&self, decorator: Node<'_>, source: &str) -> Option<JauntName> {
        let mut expr = decorator.named_child(0)?;
        if kind_of(expr) == "call" {
            expr = expr.field(Field::Function)?;
        }
        self.name(expr, source)
    }

    /// The jaunt name a name or attribute chain denotes through the file's
    /// imports (`jaunt.sig`, `j.sig`, `sig` after `from jaunt import sig`).
    pub(crate) fn name(&self, expr: Node<'_>, source: &str) -> Option<JauntName> {
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
        Some(match full.as_str() {
            "jaunt.magic" => JauntName::Magic,
            "jaunt.test" => JauntName::Test,
            "jaunt.contract" => JauntName::Contract,
            "jaunt.preserve" => JauntName::Preserve,
            "jaunt.sig" => JauntName::Sig,
            "jaunt.magic_module" => JauntName::MagicModule,
            _ => return None,
        })
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
                parts.push(text(node.field(Field::Attribute)?, source));
                node = node.field(Field::Object)?;
            }
            _ => return None,
        }
    }
}
