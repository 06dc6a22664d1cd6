//! One file's summary: imports, specs and the names they use.

use super::args::read_args;
use super::canonical::canonical_digest;
use super::imports::{JauntResolver, import_bindings};
use super::parse::{line, module_statements, parse, syntax_errors, text};
use super::uses::collect_uses;
use crate::digest::Digest;
use crate::names::{DefKind, SpecKind};
use serde::{Deserialize, Serialize};
use tree_sitter::Node;

/// What the planner needs from one Python file. Serializable: it is what
/// the persistent parse cache stores.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FileSummary {
    /// Import bindings at module level (including those nested in module-level
    /// `if`/`try` blocks), in source order.
    pub imports: Vec<Import>,
    /// Specs in source order; nested specs (`Outer.method`) after their class.
    pub specs: Vec<RawSpec>,
    /// Syntax errors and spec arguments that cannot be read statically.
    pub diagnostics: Vec<Diagnostic>,
}

/// One name bound by an import statement.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Import {
    /// The local name bound (`a` for `import a.b`, `x` for `import a.b as x`,
    /// `Foo`/`F` for `from m import Foo [as F]`; `*` for a star import).
    pub binding: String,
    pub target: ImportTarget,
    /// 1-based line of the import statement.
    pub line: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ImportTarget {
    /// `import a.b` binds `a` to `Module("a")`; `import a.b as x` binds `x`
    /// to `Module("a.b")`.
    Module(String),
    /// `from <level dots><module> import <name>`; `module` is empty for
    /// `from . import x`; `name` is `*` for a star import.
    From {
        level: u32,
        module: String,
        name: String,
    },
}

/// A spec as written, before any cross-file resolution.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RawSpec {
    /// Module-relative qualname, `total` or `Outer.method`.
    pub qualname: String,
    pub kind: SpecKind,
    pub def_kind: DefKind,
    /// 1-based line of the `def`/`class` keyword.
    pub line: u32,
    /// Byte range of the whole decorated definition (decorators included),
    /// to show the spec verbatim in requests without caching its text.
    pub byte_range: (u32, u32),
    /// `deps=` entries as written.
    pub deps: Vec<DepExpr>,
    /// `prompt=` string value.
    pub prompt: Option<String>,
    /// `infer_deps=` value.
    pub infer_deps: Option<bool>,
    /// Names and attribute chains the definition uses (body, annotations,
    /// defaults, decorator arguments, base classes), first use of each
    /// chain, in source order. The jaunt decorator itself is not a use.
    pub uses: Vec<NameUse>,
    /// Imports inside the definition (function-local imports), which shadow
    /// module-level bindings for this spec's uses.
    pub local_imports: Vec<Import>,
    /// BLAKE3 of the canonical syntax tree with the jaunt decorator left
    /// out (DESIGN.md, spec digest); the decorator's arguments are folded
    /// in later, once `deps` are resolved.
    pub canonical: Digest,
}

/// One `deps=` entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DepExpr {
    /// A name or attribute chain, `Foo` or `mod.sub.Foo`.
    Name { chain: Vec<String>, line: u32 },
    /// A string, `"pkg.mod:Name"` or the dot shorthand `"pkg.mod.Name"`.
    Str { value: String, line: u32 },
}

/// One use of a name or attribute chain: `Foo` → `["Foo"]`,
/// `alias.sub.Foo` → `["alias", "sub", "Foo"]`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NameUse {
    pub chain: Vec<String>,
    pub line: u32,
}

/// A problem in a file, with its position and, where there is one, a fix.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    /// 1-based.
    pub line: u32,
    /// 1-based.
    pub column: u32,
    pub message: String,
    pub hint: Option<String>,
}

/// Reads one file's source into a summary. Never fails: syntax errors and
/// unreadable spec arguments become [`Diagnostic`]s, and every spec that can
/// be read is still returned.
pub fn summarize(source: &str) -> FileSummary {
    let mut summary = FileSummary::default();
    let Some(tree) = parse(source) else {
        summary.diagnostics.push(Diagnostic {
            line: 1,
            column: 1,
            message: "the parser gave up on this file".to_string(),
            hint: None,
        });
        return summary;
    };
    let root = tree.root_node();
    summary.diagnostics = syntax_errors(root, source)
        .into_iter()
        .map(|e| Diagnostic {
            line: e.line,
            column: e.column,
            message: e.message,
            hint: None,
        })
        .collect();
    module_statements(root, |stmt| {
        import_bindings(stmt, source, &mut summary.imports);
    });
    let Some(resolver) = JauntResolver::new(&summary.imports) else {
        return summary;
    };
    let mut finder = SpecFinder {
        source,
        resolver: &resolver,
        specs: Vec::new(),
        diagnostics: Vec::new(),
    };
    let mut cursor = root.walk();
    for stmt in root.named_children(&mut cursor) {
        finder.visit(stmt, "");
    }
    summary.specs = finder.specs;
    summary.diagnostics.extend(finder.diagnostics);
    summary
}

/// Finds specs at module level and, through class bodies, nested ones.
struct SpecFinder<'s, 'r> {
    source: &'s str,
    resolver: &'r JauntResolver<'r>,
    specs: Vec<RawSpec>,
    diagnostics: Vec<Diagnostic>,
}

impl SpecFinder<'_, '_> {
    /// Visits one statement; `prefix` is the enclosing classes' qualname
    /// with a trailing dot, empty at module level.
    fn visit(&mut self, stmt: Node<'_>, prefix: &str) {
        let (def, decorated) = match stmt.kind() {
            "decorated_definition" => match stmt.child_by_field_name("definition") {
                Some(def) => (def, Some(stmt)),
                None => return,
            },
            "class_definition" => (stmt, None),
            _ => return,
        };
        let Some(name) = def.child_by_field_name("name") else {
            return;
        };
        let qualname = format!("{prefix}{}", text(name, self.source));
        if let Some(decorated) = decorated {
            self.spec(decorated, def, &qualname, !prefix.is_empty());
        }
        if def.kind() == "class_definition" {
            if let Some(body) = def.child_by_field_name("body") {
                let inner = format!("{qualname}.");
                let mut cursor = body.walk();
                for child in body.named_children(&mut cursor) {
                    self.visit(child, &inner);
                }
            }
        }
    }

    /// Records `decorated` as a spec if one of its decorators is jaunt's.
    fn spec(&mut self, decorated: Node<'_>, def: Node<'_>, qualname: &str, in_class: bool) {
        let mut cursor = decorated.walk();
        let Some((decorator, kind)) = decorated
            .named_children(&mut cursor)
            .filter(|d| d.kind() == "decorator")
            .find_map(|d| Some((d, self.resolver.decorator_kind(d, self.source)?)))
        else {
            return;
        };
        let def_kind = match def.kind() {
            "class_definition" => DefKind::Class,
            _ if in_class => DefKind::Method,
            _ if def.child(0).is_some_and(|t| t.kind() == "async") => DefKind::AsyncFunction,
            _ => DefKind::Function,
        };
        let args = read_args(decorator, self.source, &mut self.diagnostics);
        let (uses, local_imports) = collect_uses(decorated, self.source, self.resolver);
        let range = decorated.byte_range();
        self.specs.push(RawSpec {
            qualname: qualname.to_string(),
            kind,
            def_kind,
            line: line(def),
            byte_range: (
                u32::try_from(range.start).unwrap_or(u32::MAX),
                u32::try_from(range.end).unwrap_or(u32::MAX),
            ),
            deps: args.deps,
            prompt: args.prompt,
            infer_deps: args.infer_deps,
            uses,
            local_imports,
            canonical: canonical_digest(decorated, Some(decorator), self.source),
        });
    }
}
