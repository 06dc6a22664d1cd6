//! One file's summary: imports, specs and the names they use.

use super::args::{SpecArgs, read_args, read_module_args};
use super::canonical::{Canon, Segment};
use super::contract::{ContractDigests, contract_digests};
use super::imports::{JauntName, JauntResolver, attribute_chain, import_bindings};
use super::members::{ClassBody, Member, read_class};
use super::parse::{
    Pair, column, kind_of, line, module_statements, parse, syntax_errors, text, walk,
};
use super::stubbody::{has_stub_body, stub_body};
use super::uses::Uses;
use crate::digest::Digest;
use crate::error::{Code, Diagnostic};
use crate::names::{DefKind, SpecKind};
use crate::python::parse::{Field, Fields};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
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
    /// Canonical digest of the whole file: the same after `ruff format` or
    /// `black`, different after any edit a reader could notice. What the
    /// module's `.pyi` stub is rendered from, handwritten code included.
    /// Left zero in a file that does not import jaunt (it has no specs).
    pub source_digest: Digest,
    /// Under `jaunt.magic_module`, the module's handwritten top-level
    /// definitions, in source order: shown to the model, never generated.
    /// Empty in a module without module-level magic.
    pub handwritten: Vec<Handwritten>,
}

/// A handwritten top-level definition of a module under module-level magic.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Handwritten {
    pub name: String,
    /// Byte range of the whole definition, decorators included.
    pub byte_range: (u32, u32),
    /// Its canonical digest, comments included: what the module's inputs
    /// key hashes, since the request shows it.
    pub canonical: Digest,
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
    /// `deps=` entries as written: the decorator's, else those of
    /// `jaunt.magic_module`, then those of the inner `@jaunt.magic`
    /// decorators of a class spec.
    pub deps: Vec<DepExpr>,
    /// `prompt=` string value (the decorator's, else the module's).
    pub prompt: Option<String>,
    /// `infer_deps=` value (the decorator's, else the module's).
    pub infer_deps: Option<bool>,
    /// `@jaunt.test(targets=…)` entries as written: the specs under test.
    pub targets: Vec<DepExpr>,
    /// `@jaunt.test(public_api_only=…)` value.
    pub public_api_only: Option<bool>,
    /// `test=` value (the `@jaunt.magic` decorator's, else the module's):
    /// a class spec's baseline test on or off.
    pub test: Option<bool>,
    /// Names and attribute chains the definition uses (body, annotations,
    /// defaults, decorator arguments, base classes), first use of each
    /// chain, in source order. The jaunt decorator itself is not a use.
    pub uses: Vec<NameUse>,
    /// Imports inside the definition (function-local imports), which shadow
    /// module-level bindings for this spec's uses.
    pub local_imports: Vec<Import>,
    /// BLAKE3 of the canonical syntax tree with the jaunt decorator left
    /// out and stub bodies folded (docs/architecture.md, Digests and keys);
    /// the decorator's arguments are folded in later, once `deps` are
    /// resolved.
    pub canonical: Digest,
    /// The canonical digest jaunt gave this spec before stub bodies were
    /// folded, when it differs: a lockfile written then still matches it,
    /// so the planner re-keys instead of generating again.
    pub legacy: Option<Digest>,
    /// A class spec's methods and their roles, in source order.
    pub members: Vec<Member>,
    /// A class spec's base classes, as written: dependencies whether or not
    /// dependencies are inferred.
    pub bases: Vec<NameUse>,
    /// A `@jaunt.contract`'s signature and prose digests (its `canonical`
    /// is made of them, not of its body); `None` for other specs.
    pub contract: Option<ContractDigests>,
}

/// One `deps=` or `targets=` entry.
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

/// Reads one file's source into a summary. Never fails: syntax errors and
/// unreadable spec arguments become [`Diagnostic`]s, and every spec that can
/// be read is still returned.
pub fn summarize(source: &str) -> FileSummary {
    let mut summary = FileSummary::default();
    let Some(tree) = parse(source) else {
        summary.diagnostics.push(
            Diagnostic::new(Code::Discovery, "the parser gave up on this file").position(1, 1),
        );
        return summary;
    };
    let root = tree.root_node();
    summary.diagnostics = syntax_errors(root, source)
        .into_iter()
        .map(|e| Diagnostic::new(Code::Discovery, e.message).position(e.line, e.column))
        .collect();
    module_statements(root, |stmt| {
        import_bindings(stmt, source, &mut summary.imports);
    });
    let Some(resolver) = JauntResolver::new(&summary.imports) else {
        // Without a jaunt import there are no specs, and nothing reads the
        // digest of the whole file (a spec module's stub depends on it):
        // most files of a project are not spec modules.
        return summary;
    };
    let mut diagnostics = Vec::new();
    let magic = module_magic(root, source, &resolver, &mut diagnostics);
    let mut finder = SpecFinder {
        source,
        resolver: &resolver,
        last: if magic.is_some() {
            last_bindings(root, source)
        } else {
            HashMap::new()
        },
        governs_from: magic.as_ref().map(|(start, _)| *start),
        defaults: magic.map(|(_, args)| args).unwrap_or_default(),
        specs: Vec::new(),
        handwritten: Vec::new(),
        segments: Vec::new(),
        diagnostics,
    };
    let mut cursor = root.walk();
    for stmt in root.named_children(&mut cursor) {
        finder.visit(stmt, "", false);
    }
    // The whole file's digest takes each spec's records from its own walk.
    let mut canon = Canon::file(source, std::mem::take(&mut finder.segments));
    walk(root, &mut canon);
    summary.source_digest = canon.finish();
    summary.specs = finder.specs;
    summary.handwritten = finder.handwritten;
    summary.diagnostics.extend(finder.diagnostics);
    summary
}

/// The `jaunt.magic_module(__name__, ...)` call of a module: where the
/// definitions it governs may start (the end of the call), and its
/// arguments, the defaults of the module's specs. A second call, or one
/// that is not a module-level statement of its own, is a diagnostic.
fn module_magic(
    root: Node<'_>,
    source: &str,
    resolver: &JauntResolver<'_>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<(usize, SpecArgs)> {
    if !source.contains("magic_module") {
        return None;
    }
    let is_magic_call = |node: Node<'_>| {
        kind_of(node) == "call"
            && node
                .field(Field::Function)
                .and_then(|f| resolver.name(f, source))
                == Some(JauntName::MagicModule)
    };
    let mut found: Option<(usize, u32, SpecArgs)> = None;
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        let mut cursor = node.walk();
        let children: Vec<Node<'_>> = node.named_children(&mut cursor).collect();
        stack.extend(children.into_iter().rev());
        if !is_magic_call(node) {
            continue;
        }
        let statement = node
            .parent()
            .filter(|p| kind_of(*p) == "expression_statement" && p.named_child_count() == 1)
            .filter(|p| p.parent().is_some_and(|g| g.id() == root.id()));
        let report = |message: String, hint: &str| {
            Diagnostic::new(Code::Discovery, message)
                .position(line(node), column(node, source))
                .hint(hint)
        };
        match (statement, &found) {
            (None, _) => diagnostics.push(report(
                "jaunt.magic_module must be called at module level, as a statement of its own".into(),
                "call it once, near the top of the module, outside any function, class, if or try block",
            )),
            (Some(_), Some((_, first, _))) => diagnostics.push(report(
                format!("jaunt.magic_module is called twice in this module (first on line {first})"),
                "one jaunt.magic_module call per module: remove this one",
            )),
            (Some(statement), None) => {
                let args = read_module_args(node, source, diagnostics);
                found = Some((statement.end_byte(), line(node), args));
            }
        }
    }
    found.map(|(start, _, args)| (start, args))
}

/// The statement id of the last top-level binding of each name: a
/// `def`/`class`, a plain assignment (`name = ...`, `a, b = ...`) or an
/// import. Python's last binding wins, so a definition bound over is dead
/// code, as `jaunt.magic_module` at run time finds it.
fn last_bindings(root: Node<'_>, source: &str) -> HashMap<String, usize> {
    let mut last = HashMap::new();
    let mut cursor = root.walk();
    for stmt in root.named_children(&mut cursor) {
        let mut bind = |name: &str| {
            last.insert(name.to_string(), stmt.id());
        };
        if let Some(name) = definition(stmt).and_then(|d| d.field(Field::Name)) {
            bind(text(name, source));
        } else if kind_of(stmt) == "expression_statement" {
            let mut assignment = stmt.named_child(0).filter(|a| kind_of(*a) == "assignment");
            while let Some(a) = assignment {
                assigned_names(a.field(Field::Left), source, &mut bind);
                assignment = a
                    .field(Field::Right)
                    .filter(|r| kind_of(*r) == "assignment");
            }
        } else {
            let mut imports = Vec::new();
            import_bindings(stmt, source, &mut imports);
            for import in &imports {
                bind(&import.binding);
            }
        }
    }
    last
}

/// The names an assignment target binds: `name`, or the names of a tuple
/// or list of targets.
fn assigned_names(target: Option<Node<'_>>, source: &str, bind: &mut impl FnMut(&str)) {
    let Some(target) = target else {
        return;
    };
    match kind_of(target) {
        "identifier" => bind(text(target, source)),
        "pattern_list" | "tuple_pattern" | "list_pattern" => {
            let mut cursor = target.walk();
            for item in target.named_children(&mut cursor) {
                assigned_names(Some(item), source, bind);
            }
        }
        _ => {}
    }
}

/// The `def`/`class` of a statement, decorated or not.
fn definition(stmt: Node<'_>) -> Option<Node<'_>> {
    match kind_of(stmt) {
        "decorated_definition" => stmt.field(Field::Definition),
        "function_definition" | "class_definition" => Some(stmt),
        _ => None,
    }
}

/// Finds specs at module level and, through class bodies, nested ones.
struct SpecFinder<'s, 'r> {
    source: &'s str,
    resolver: &'r JauntResolver<'r>,
    /// With `jaunt.magic_module`: each top-level name's last binding.
    last: HashMap<String, usize>,
    /// With `jaunt.magic_module`: the byte after the call, where the
    /// top-level stubs it makes specs may start.
    governs_from: Option<usize>,
    /// `jaunt.magic_module`'s arguments; empty without one.
    defaults: SpecArgs,
    specs: Vec<RawSpec>,
    handwritten: Vec<Handwritten>,
    /// Each spec's records in a walk of the whole file, by node id.
    segments: Vec<(usize, Segment)>,
    diagnostics: Vec<Diagnostic>,
}

impl SpecFinder<'_, '_> {
    /// Visits one statement; `prefix` is the enclosing classes' qualname
    /// with a trailing dot, empty at module level. `in_class_spec`: inside
    /// a build class spec, whose inner `@jaunt.magic` methods are part of
    /// it rather than specs of their own.
    fn visit(&mut self, stmt: Node<'_>, prefix: &str, in_class_spec: bool) {
        let Some(def) = definition(stmt) else {
            return;
        };
        let Some(name) = def.field(Field::Name) else {
            return;
        };
        let qualname = format!("{prefix}{}", text(name, self.source));
        let decorators: Vec<Node<'_>> = if kind_of(stmt) == "decorated_definition" {
            let mut cursor = stmt.walk();
            stmt.named_children(&mut cursor)
                .filter(|d| kind_of(*d) == "decorator")
                .collect()
        } else {
            Vec::new()
        };
        let jaunt = decorators
            .iter()
            .find_map(|d| Some((*d, self.resolver.decorator_kind(*d, self.source)?)));
        let mut is_class_spec = false;
        match jaunt {
            Some((_, SpecKind::Build)) if in_class_spec => {}
            Some((decorator, SpecKind::Contract)) => {
                self.contract(decorator, stmt, def, &qualname, !prefix.is_empty());
            }
            Some((decorator, kind)) => {
                self.spec(
                    Some(decorator),
                    stmt,
                    def,
                    &qualname,
                    kind,
                    !prefix.is_empty(),
                );
                is_class_spec = kind == SpecKind::Build;
            }
            None if prefix.is_empty() && self.governs(stmt, def) => {
                self.spec(None, stmt, def, &qualname, SpecKind::Build, false);
                is_class_spec = true;
            }
            None if prefix.is_empty()
                && self.governs_from.is_some()
                && self.last.get(text(name, self.source)) == Some(&stmt.id()) =>
            {
                self.context(stmt, &qualname);
            }
            None => {}
        }
        if kind_of(def) == "class_definition"
            && let Some(body) = def.field(Field::Body)
        {
            let inner = format!("{qualname}.");
            let mut cursor = body.walk();
            for child in body.named_children(&mut cursor) {
                self.visit(child, &inner, in_class_spec || is_class_spec);
            }
        }
    }

    /// Whether `jaunt.magic_module` makes an undecorated top-level
    /// definition a spec: it comes after the call, is the name's last
    /// binding, and is a stub (a class: docstring-only, or with a stub
    /// method that is not preserved).
    fn governs(&self, stmt: Node<'_>, def: Node<'_>) -> bool {
        let Some(from) = self.governs_from else {
            return false;
        };
        if kind_of(stmt) == "decorated_definition" || stmt.start_byte() < from {
            return false;
        }
        let name = def.field(Field::Name).map(|n| text(n, self.source));
        if name.and_then(|n| self.last.get(n)) != Some(&stmt.id()) {
            return false;
        }
        let Some(body) = def.field(Field::Body) else {
            return false;
        };
        if kind_of(def) == "function_definition" {
            return stub_body(body, self.source).is_some();
        }
        if stub_body(body, self.source).is_some() {
            return true;
        }
        let mut cursor = body.walk();
        body.named_children(&mut cursor).any(|member| {
            let Some(method) = definition(member).filter(|d| kind_of(*d) == "function_definition")
            else {
                return false;
            };
            let preserved = kind_of(member) == "decorated_definition" && {
                let mut cursor = member.walk();
                member
                    .named_children(&mut cursor)
                    .filter(|d| kind_of(*d) == "decorator")
                    .any(|d| self.resolver.decorator(d, self.source) == Some(JauntName::Preserve))
            };
            !preserved && has_stub_body(method, self.source)
        })
    }

    /// Records the `@jaunt.contract` `node`: a top-level definition with a
    /// real body, digested by its signature and prose (its body is free to
    /// change), with explicit `deps=` only.
    fn contract(
        &mut self,
        decorator: Node<'_>,
        node: Node<'_>,
        def: Node<'_>,
        qualname: &str,
        in_class: bool,
    ) {
        let at = |message: &str, hint: &str| {
            Diagnostic::new(Code::Discovery, message.to_string())
                .position(line(def), column(def, self.source))
                .hint(hint)
        };
        if in_class {
            self.diagnostics.push(at(
                &format!("@jaunt.contract on `{qualname}`: contracts are top-level functions, async functions or classes"),
                "mark the class that holds the method as the contract instead",
            ));
            return;
        }
        let stub = def
            .field(Field::Body)
            .is_some_and(|b| stub_body(b, self.source).is_some());
        if stub {
            self.diagnostics.push(at(
                &format!("@jaunt.contract on `{qualname}`, which has no body: a contract pins handwritten code"),
                "write the code, or use @jaunt.magic to have it generated",
            ));
            return;
        }
        let args = read_args(
            decorator,
            SpecKind::Contract,
            self.source,
            &mut self.diagnostics,
        );
        let digests = contract_digests(node, def, decorator, self.source);
        self.specs.push(RawSpec {
            qualname: qualname.to_string(),
            kind: SpecKind::Contract,
            def_kind: match kind_of(def) {
                "class_definition" => DefKind::Class,
                _ if def.child(0).is_some_and(|t| kind_of(t) == "async") => DefKind::AsyncFunction,
                _ => DefKind::Function,
            },
            line: line(def),
            byte_range: byte_range(node),
            deps: args.deps.unwrap_or_default(),
            prompt: None,
            infer_deps: Some(false),
            targets: Vec::new(),
            public_api_only: None,
            test: None,
            uses: Vec::new(),
            local_imports: Vec::new(),
            canonical: digests.canonical(),
            legacy: None,
            members: Vec::new(),
            bases: Vec::new(),
            contract: Some(digests),
        });
    }

    /// Records a handwritten top-level definition of a module under
    /// module-level magic.
    fn context(&mut self, stmt: Node<'_>, name: &str) {
        let mut canon = Canon::new(self.source, None);
        walk(stmt, &mut canon);
        self.handwritten.push(Handwritten {
            name: name.to_string(),
            byte_range: byte_range(stmt),
            canonical: canon.finish(),
        });
    }

    /// Records the spec `node` (the definition, decorators included) made
    /// by `decorator`, or by `jaunt.magic_module` when there is none.
    fn spec(
        &mut self,
        decorator: Option<Node<'_>>,
        node: Node<'_>,
        def: Node<'_>,
        qualname: &str,
        kind: SpecKind,
        in_class: bool,
    ) {
        let def_kind = match kind_of(def) {
            "class_definition" => DefKind::Class,
            _ if in_class => DefKind::Method,
            _ if def.child(0).is_some_and(|t| kind_of(t) == "async") => DefKind::AsyncFunction,
            _ => DefKind::Function,
        };
        let own = decorator
            .map(|d| read_args(d, kind, self.source, &mut self.diagnostics))
            .unwrap_or_default();
        let args = match kind {
            SpecKind::Build => own.or(&self.defaults),
            SpecKind::Test | SpecKind::Contract => own,
        };
        let mut deps = args.deps.unwrap_or_default();
        let body = def.field(Field::Body);
        let mut class = ClassBody::default();
        let mut bases = Vec::new();
        if def_kind == DefKind::Class
            && kind == SpecKind::Build
            && let Some(block) = body
        {
            class = read_class(block, self.source, self.resolver, &mut self.diagnostics);
            for inner in &mut class.inner {
                deps.extend(inner.deps.take().unwrap_or_default());
            }
            bases = base_classes(def, self.source);
        }
        let mut fold = class.fold;
        fold.extend(body.map(|b| b.id()));
        let mut visitors = Pair::new(
            Canon::spec(self.source, decorator, fold),
            Uses::new(self.source, self.resolver),
        );
        walk(node, &mut visitors);
        let (uses, local_imports) = visitors.b.finish();
        let legacy = visitors.a.unfolded();
        self.segments.push((node.id(), visitors.a.segment()));
        self.specs.push(RawSpec {
            qualname: qualname.to_string(),
            kind,
            def_kind,
            line: line(def),
            byte_range: byte_range(node),
            deps,
            prompt: args.prompt,
            infer_deps: args.infer_deps,
            targets: args.targets.unwrap_or_default(),
            public_api_only: args.public_api_only,
            test: args.test,
            uses,
            local_imports,
            canonical: visitors.a.finish(),
            legacy,
            members: class.members,
            bases,
            contract: None,
        });
    }
}

fn byte_range(node: Node<'_>) -> (u32, u32) {
    let range = node.byte_range();
    (
        u32::try_from(range.start).unwrap_or(u32::MAX),
        u32::try_from(range.end).unwrap_or(u32::MAX),
    )
}

/// The base classes of a class, as names or attribute chains
/// (`Generic[T]` names `Generic`); keywords such as `metaclass=` are not
/// bases.
fn base_classes(class: Node<'_>, source: &str) -> Vec<NameUse> {
    let Some(arguments) = class.field(Field::Superclasses) else {
        return Vec::new();
    };
    let mut cursor = arguments.walk();
    arguments
        .named_children(&mut cursor)
        .filter_map(|base| {
            let base = if kind_of(base) == "subscript" {
                base.field(Field::Value)?
            } else {
                base
            };
            let chain = attribute_chain(base, source)?;
            Some(NameUse {
                chain: chain.into_iter().map(str::to_string).collect(),
                line: line(base),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::python::MemberRole;
    use crate::python::testing::fragments;

    fn spec_named<'a>(summary: &'a FileSummary, qualname: &str) -> &'a RawSpec {
        summary
            .specs
            .iter()
            .find(|s| s.qualname == qualname)
            .unwrap_or_else(|| panic!("no spec {qualname} in {summary:#?}"))
    }

    fn chains(spec: &RawSpec) -> Vec<String> {
        spec.uses.iter().map(|u| u.chain.join(".")).collect()
    }

    #[test]
    fn imports_at_module_level_including_blocks() {
        let src = "\
import a.b
import a.b as x
from m import Foo as F, Bar
from ..pkg import X
from . import y
from m import *
from __future__ import annotations
if TYPE_CHECKING:
    import t
try:
    import u
except ImportError:
    u = None
def f():
    import local
";
        let s = summarize(src);
        let got: Vec<(String, ImportTarget, u32)> = s
            .imports
            .into_iter()
            .map(|i| (i.binding, i.target, i.line))
            .collect();
        let from = |level, module: &str, name: &str| ImportTarget::From {
            level,
            module: module.to_string(),
            name: name.to_string(),
        };
        let module = |m: &str| ImportTarget::Module(m.to_string());
        assert_eq!(
            got,
            vec![
                ("a".into(), module("a"), 1),
                ("x".into(), module("a.b"), 2),
                ("F".into(), from(0, "m", "Foo"), 3),
                ("Bar".into(), from(0, "m", "Bar"), 3),
                ("X".into(), from(2, "pkg", "X"), 4),
                ("y".into(), from(1, "", "y"), 5),
                ("*".into(), from(0, "m", "*"), 6),
                ("t".into(), module("t"), 9),
                ("u".into(), module("u"), 11),
            ]
        );
        assert!(s.specs.is_empty());
    }

    #[test]
    fn decorators_resolve_through_imports() {
        let cases = [
            (
                "import jaunt\n@jaunt.magic\ndef f(): ...\n",
                SpecKind::Build,
            ),
            (
                "import jaunt\n@jaunt.magic()\ndef f(): ...\n",
                SpecKind::Build,
            ),
            (
                "import jaunt as j\n@j.test(prompt='x')\ndef f(): ...\n",
                SpecKind::Test,
            ),
            (
                "from jaunt import magic\n@magic\ndef f(): ...\n",
                SpecKind::Build,
            ),
            (
                "from jaunt import test as t\n@t()\ndef f(): ...\n",
                SpecKind::Test,
            ),
            (
                "from jaunt import *\n@magic\ndef f(): ...\n",
                SpecKind::Build,
            ),
        ];
        for (src, kind) in cases {
            let s = summarize(src);
            assert_eq!(s.specs.len(), 1, "{src}");
            assert_eq!(s.specs[0].kind, kind, "{src}");
            assert_eq!(s.specs[0].qualname, "f");
        }
        let not_specs = [
            "import jaunt\n@magic\ndef f(): ...\n",
            "import other as jaunt2\n@jaunt2.magic\ndef f(): ...\n",
            "from jaunt import magic\n@jaunt.magic\ndef f(): ...\n",
            "@jaunt.magic\ndef f(): ...\n",
        ];
        for src in not_specs {
            assert!(summarize(src).specs.is_empty(), "{src}");
        }
    }

    #[test]
    fn spec_kinds_qualnames_and_positions() {
        let src = "\
import functools
import jaunt

@functools.cache
@jaunt.magic(deps=[Helper])
async def fetch(url: str) -> bytes:
    ...

@jaunt.magic
class Cart(Base, metaclass=Meta):
    @jaunt.magic
    def total(self) -> int: ...

    @jaunt.test
    async def check(self): ...

    class Inner:
        @jaunt.magic
        def deep(self): ...

class Plain:
    @staticmethod
    @jaunt.magic
    def build(): ...
";
        let s = summarize(src);
        let names: Vec<(&str, DefKind, u32)> = s
            .specs
            .iter()
            .map(|s| (s.qualname.as_str(), s.def_kind, s.line))
            .collect();
        assert_eq!(
            names,
            vec![
                ("fetch", DefKind::AsyncFunction, 6),
                ("Cart", DefKind::Class, 10),
                ("Cart.check", DefKind::Method, 15),
                ("Plain.build", DefKind::Method, 24),
            ]
        );
        // The inner `@jaunt.magic` methods of a class spec are part of it.
        let cart = spec_named(&s, "Cart");
        let members: Vec<(&str, MemberRole)> = cart
            .members
            .iter()
            .map(|m| (m.name.as_str(), m.role))
            .collect();
        assert_eq!(members, [("total", MemberRole::Spec)]);
        let fetch = spec_named(&s, "fetch");
        let (start, end) = fetch.byte_range;
        let text = &src[start as usize..end as usize];
        assert!(text.starts_with("@functools.cache"), "{text}");
        assert!(text.ends_with("..."), "{text}");
        assert_eq!(spec_named(&s, "Cart.check").kind, SpecKind::Test);
        assert!(s.diagnostics.is_empty(), "{:?}", s.diagnostics);
    }

    #[test]
    fn decorator_arguments_are_read_statically() {
        let src = r#"
import jaunt
@jaunt.magic(deps=[Foo, mod.sub.Bar, "pkg.mod:Name", ("pkg.mod.Other")], prompt="Use " 'cents.\n', infer_deps=False)
def a(): ...
@jaunt.magic(deps=Foo, prompt=None, infer_deps=True)
def b(): ...
@jaunt.magic(deps=None)
def c(): ...
"#;
        let s = summarize(src);
        let a = spec_named(&s, "a");
        assert_eq!(
            a.deps,
            vec![
                DepExpr::Name {
                    chain: vec!["Foo".into()],
                    line: 3
                },
                DepExpr::Name {
                    chain: vec!["mod".into(), "sub".into(), "Bar".into()],
                    line: 3
                },
                DepExpr::Str {
                    value: "pkg.mod:Name".into(),
                    line: 3
                },
                DepExpr::Str {
                    value: "pkg.mod.Other".into(),
                    line: 3
                },
            ]
        );
        assert_eq!(a.prompt.as_deref(), Some("Use cents.\n"));
        assert_eq!(a.infer_deps, Some(false));
        let b = spec_named(&s, "b");
        assert_eq!(b.deps.len(), 1);
        assert_eq!(b.prompt, None);
        assert_eq!(b.infer_deps, Some(true));
        assert!(spec_named(&s, "c").deps.is_empty());
        assert!(s.diagnostics.is_empty(), "{:?}", s.diagnostics);
    }

    #[test]
    fn unreadable_arguments_become_diagnostics_with_hints() {
        let src = r#"import jaunt
@jaunt.magic(deps=[Foo, make()], prompt=f"x{y}", infer_deps=flag, colour=1)
def a(): ...
@jaunt.magic("positional", **extra)
def b(): ...
@jaunt.magic(prompt=PROMPT)
def c(): ...
"#;
        let s = summarize(src);
        assert_eq!(s.specs.len(), 3);
        let a = spec_named(&s, "a");
        assert_eq!(a.deps.len(), 1);
        let messages: Vec<(Option<u32>, Option<u32>, &str)> = s
            .diagnostics
            .iter()
            .map(|d| (d.line, d.column, d.message.as_str()))
            .collect();
        assert_eq!(messages.len(), 7, "{messages:#?}");
        assert_eq!(messages[0].0, Some(2));
        assert_eq!(messages[0].1, Some(25));
        assert!(messages[0].2.contains("make()"));
        assert!(messages[1].2.contains("prompt="));
        assert!(messages[2].2.contains("infer_deps="));
        assert!(messages[3].2.contains("colour="));
        assert!(messages[4].2.contains("positional"));
        assert!(messages[5].2.contains("unpacked"));
        assert_eq!(messages[6].0, Some(6));
        assert!(s.diagnostics.iter().all(|d| d.hint.is_some()));
        assert!(
            s.diagnostics[0]
                .hint
                .as_deref()
                .is_some_and(|h| h.contains("deps= takes a name"))
        );
    }

    #[test]
    fn targets_public_api_only_and_test_are_read_statically() {
        let src = r#"
import jaunt
from shop import cart
@jaunt.test(targets=[cart.Cart, "shop.cart:total", ("shop.cart.Other")], public_api_only=False)
def test_a(): ...
@jaunt.test(targets=cart.Cart, public_api_only=True, deps=[Helper])
def test_b(): ...
@jaunt.test(targets=None)
def test_c(): ...
@jaunt.test(targets={"shop.cart:total"})
def test_d(): ...
@jaunt.magic(test=False)
class Cart: ...
@jaunt.magic
class Plain: ...
"#;
        let s = summarize(src);
        assert!(s.diagnostics.is_empty(), "{:?}", s.diagnostics);
        let a = spec_named(&s, "test_a");
        assert_eq!(
            a.targets,
            vec![
                DepExpr::Name {
                    chain: vec!["cart".into(), "Cart".into()],
                    line: 4
                },
                DepExpr::Str {
                    value: "shop.cart:total".into(),
                    line: 4
                },
                DepExpr::Str {
                    value: "shop.cart.Other".into(),
                    line: 4
                },
            ]
        );
        assert_eq!(a.public_api_only, Some(false));
        assert!(a.deps.is_empty());
        let b = spec_named(&s, "test_b");
        assert_eq!(b.targets.len(), 1);
        assert_eq!(b.deps.len(), 1);
        assert_eq!(b.public_api_only, Some(true));
        let c = spec_named(&s, "test_c");
        assert!(c.targets.is_empty());
        assert_eq!(c.public_api_only, None);
        assert_eq!(spec_named(&s, "test_d").targets.len(), 1);
        assert_eq!(spec_named(&s, "Cart").test, Some(false));
        assert_eq!(spec_named(&s, "Plain").test, None);
        assert!(spec_named(&s, "Cart").targets.is_empty());
    }

    #[test]
    fn unreadable_or_misplaced_targets_and_flags_are_errors_with_hints() {
        let src = r#"import jaunt
@jaunt.test(targets=[Cart, pick()], public_api_only=flag)
def test_a(): ...
@jaunt.test(targets=TARGETS + EXTRA)
def test_b(): ...
@jaunt.magic(test="yes", targets=[Cart])
class C: ...
@jaunt.test(test=True, public_api_only="no")
def test_d(): ...
"#;
        let s = summarize(src);
        assert_eq!(s.specs.len(), 4);
        assert_eq!(spec_named(&s, "test_a").targets.len(), 1);
        let got: Vec<(Option<u32>, Option<u32>, &str, &str)> = s
            .diagnostics
            .iter()
            .map(|d| {
                (
                    d.line,
                    d.column,
                    d.message.as_str(),
                    d.hint.as_deref().unwrap_or(""),
                )
            })
            .collect();
        assert_eq!(got.len(), 7, "{got:#?}");
        assert_eq!((got[0].0, got[0].1), (Some(2), Some(28)));
        assert!(got[0].2.contains("targets= entry `pick()`"), "{got:#?}");
        assert!(got[0].3.starts_with("targets= takes a name"), "{got:#?}");
        assert!(
            got[1]
                .2
                .contains("public_api_only= must be the literal True or False")
        );
        assert_eq!(got[2].0, Some(4));
        assert!(got[2].2.contains("targets= entry `TARGETS + EXTRA`"));
        assert!(got[3].2.contains("test= must be the literal True or False"));
        assert_eq!(got[3].0, Some(6));
        assert!(
            got[4]
                .2
                .contains("`targets=` is an argument of @jaunt.test")
        );
        assert!(got[5].2.contains("`test=` is an argument of @jaunt.magic"));
        assert_eq!(got[5].0, Some(8));
        assert!(got[6].2.contains("public_api_only= must be"));
        assert!(spec_named(&s, "C").targets.is_empty());
        assert_eq!(spec_named(&s, "test_d").test, None);
    }

    #[test]
    fn uses_are_chains_in_source_order() {
        let src = r#"import jaunt
import functools
@functools.wraps(wrapped, assigned=ASSIGNED)
@jaunt.magic(deps=[OnlyDep])
def total(cart: Cart, *args: "Extra", late: "list[mod.Late]", rate: float = DEFAULT_RATE, **kw) -> money.Money:
    """Sum."""
    from decimal import Decimal as D
    x = helpers.round(cart.items, key=Key)
    y = make().value.deep
    z = f"{fmt.pct(x)}"
    lambda q: q + Z
    with opener() as handle:
        pass
    total(x)  # a reference to itself is a use; its def name is not
    return money.Money(x + Cart)
"#;
        let s = summarize(src);
        let spec = spec_named(&s, "total");
        assert_eq!(
            chains(spec),
            vec![
                "functools.wraps",
                "wrapped",
                "ASSIGNED",
                "Cart",
                "Extra",
                "list",
                "mod.Late",
                "float",
                "DEFAULT_RATE",
                "money.Money",
                "x",
                "helpers.round",
                "cart.items",
                "Key",
                "y",
                "make",
                "z",
                "fmt.pct",
                "q",
                "Z",
                "opener",
                "total",
            ]
        );
        assert_eq!(spec.uses[0].line, 3);
        assert_eq!(
            spec.local_imports,
            vec![Import {
                binding: "D".into(),
                target: ImportTarget::From {
                    level: 0,
                    module: "decimal".into(),
                    name: "Decimal".into()
                },
                line: 7
            }]
        );
    }

    #[test]
    fn class_uses_include_methods_and_inner_magic_folds_into_the_class() {
        let src = "import jaunt
@jaunt.magic(deps=Rate)
class Cart(Base, metaclass=Meta):
    @jaunt.magic(deps=Price, prompt='Exact.')
    def total(self) -> Money:
        return sum_of(self.items)
    def other(self):
        return Tax
    class Inner:
        @jaunt.magic(deps=[Deep])
        def deep(self): ...
";
        let s = summarize(src);
        assert_eq!(s.specs.len(), 1, "{:#?}", s.specs);
        let cart = spec_named(&s, "Cart");
        assert_eq!(
            chains(cart),
            vec!["Base", "Meta", "Money", "sum_of", "self.items", "Tax"]
        );
        let deps: Vec<String> = cart
            .deps
            .iter()
            .map(|d| match d {
                DepExpr::Name { chain, .. } => chain.join("."),
                DepExpr::Str { value, .. } => value.clone(),
            })
            .collect();
        assert_eq!(deps, ["Rate", "Price", "Deep"]);
        assert_eq!(cart.prompt, None);
        assert_eq!(cart.members[0].prompt.as_deref(), Some("Exact."));
        assert_eq!(
            cart.bases
                .iter()
                .map(|b| b.chain.join("."))
                .collect::<Vec<_>>(),
            ["Base"]
        );
    }

    #[test]
    fn only_a_file_that_imports_jaunt_has_a_whole_file_digest() {
        let spec = "import jaunt\n\n@jaunt.magic\ndef f(x: int) -> int:\n    'Double.'\n";
        let digest = summarize(spec).source_digest;
        assert_ne!(digest, Digest::default());
        assert_eq!(
            summarize(&spec.replace("    'D", "\n    'D")).source_digest,
            digest
        );
        assert_ne!(summarize(&format!("{spec}X = 1\n")).source_digest, digest);
        let plain = "import os\n\ndef f(x: int) -> int:\n    return 2 * x\n";
        assert_eq!(summarize(plain).source_digest, Digest::default());
    }

    #[test]
    fn syntax_errors_are_reported_and_specs_still_read() {
        let src = "import jaunt
@jaunt.magic
def good(x: int) -> int:
    return x

def broken(:
    pass

@jaunt.magic
def after(y): ...
";
        let s = summarize(src);
        assert!(!s.diagnostics.is_empty());
        assert!(
            s.diagnostics
                .iter()
                .all(|d| d.line.is_some_and(|l| l >= 6) && d.hint.is_none())
        );
        assert!(s.specs.iter().any(|s| s.qualname == "good"));
        assert!(s.specs.iter().any(|s| s.qualname == "after"));
    }

    fn names(summary: &FileSummary) -> Vec<&str> {
        summary.specs.iter().map(|s| s.qualname.as_str()).collect()
    }

    #[test]
    fn the_four_stub_bodies_digest_alike_and_real_bodies_do_not() {
        let digest = |body: &str| {
            let s = summarize(&format!(
                "import jaunt\n@jaunt.magic\ndef f(x: int) -> int:\n{body}"
            ));
            assert_eq!(s.specs.len(), 1, "{body}");
            (s.specs[0].canonical, s.specs[0].legacy)
        };
        let documented = [
            "    'Double.'\n",
            "    '''Double.'''\n    ...\n",
            "    'Double.'\n    pass\n",
            "    'Double.'\n    raise NotImplementedError\n",
            "    'Double.'\n    raise NotImplementedError()\n",
        ];
        let (canonical, legacy) = digest(documented[0]);
        // A docstring alone is already the canonical stub: its digest is
        // the one jaunt always gave it.
        assert_eq!(legacy, None);
        for body in &documented[1..] {
            let (other, legacy) = digest(body);
            assert_eq!(other, canonical, "{body:?}");
            assert!(legacy.is_some_and(|l| l != canonical), "{body}");
        }
        let bare = ["    ...\n", "    pass\n", "    raise NotImplementedError\n"];
        let (bare_canonical, legacy) = digest(bare[0]);
        assert_eq!(legacy, None);
        for body in &bare[1..] {
            let (other, legacy) = digest(body);
            // `...` stands in for the folded tail byte for byte: the
            // unfolded digest of `...` is the folded one of the others.
            assert_eq!(other, bare_canonical, "{body}");
            assert!(legacy.is_some_and(|l| l != bare_canonical), "{body}");
        }
        for body in [
            "    return x * 2\n",
            "    'Double.'\n    raise NotImplementedError('twice x')\n",
            "    'Double.'\n    return 0\n",
        ] {
            let (other, _) = digest(body);
            assert_ne!(other, canonical, "{body}");
            assert_ne!(other, bare_canonical, "{body}");
        }
        // Class bodies and the methods of a class spec fold too, except a
        // preserved method, which is kept as written.
        let class = |body: &str| {
            let s = summarize(&format!("import jaunt\n@jaunt.magic\nclass C:\n{body}"));
            s.specs[0].canonical
        };
        assert_eq!(class("    pass\n"), class("    ...\n"));
        assert_eq!(
            class("    def m(self):\n        'M.'\n        pass\n"),
            class("    def m(self):\n        'M.'\n")
        );
        assert_ne!(
            class("    @jaunt.preserve\n    def m(self):\n        raise NotImplementedError\n"),
            class("    @jaunt.preserve\n    def m(self):\n        ...\n")
        );
    }

    const MODULE: &str = r#"import functools
import jaunt
from jaunt import preserve

def early():
    "Before the call: handwritten."

jaunt.magic_module(__name__, deps=["pkg.money:Money"], prompt="Use cents.", infer_deps=False)

def slug(title: str) -> str:
    """Lower-case, dashes."""

async def fetch(url: str) -> bytes:
    raise NotImplementedError

def helper(x):
    return x + 1

@functools.cache
def cached() -> int:
    ...

@preserve
def kept() -> None:
    pass

@jaunt.magic(prompt="Own prompt.")
def overridden(a: int) -> int:
    ...

@jaunt.magic(deps=None, infer_deps=True)
def inherits() -> None: ...

def shadowed(): ...
def shadowed():
    return 1

class Plan:
    """The model designs the API."""

class Mixed:
    def real(self) -> int:
        return 1
    def todo(self) -> int:
        pass

class Handmade:
    def real(self) -> int:
        return 1
    @jaunt.preserve
    def kept(self) -> None: ...

@jaunt.test
def test_slug():
    "slug('A B') is 'a-b'."
"#;

    #[test]
    fn magic_module_makes_top_level_stubs_specs_with_its_defaults() {
        let s = summarize(MODULE);
        assert!(s.diagnostics.is_empty(), "{:?}", s.diagnostics);
        assert_eq!(
            names(&s),
            [
                "slug",
                "fetch",
                "overridden",
                "inherits",
                "Plan",
                "Mixed",
                "test_slug"
            ]
        );
        let money = vec![DepExpr::Str {
            value: "pkg.money:Money".into(),
            line: 8,
        }];
        let slug = spec_named(&s, "slug");
        assert_eq!(slug.kind, SpecKind::Build);
        assert_eq!(slug.deps, money);
        assert_eq!(slug.prompt.as_deref(), Some("Use cents."));
        assert_eq!(slug.infer_deps, Some(false));
        let (start, end) = slug.byte_range;
        assert!(MODULE[start as usize..end as usize].starts_with("def slug("));
        assert_eq!(spec_named(&s, "fetch").def_kind, DefKind::AsyncFunction);
        // `@jaunt.magic(...)` overrides the module's defaults key by key;
        // `None` is an argument not given.
        let overridden = spec_named(&s, "overridden");
        assert_eq!(overridden.prompt.as_deref(), Some("Own prompt."));
        assert_eq!(overridden.deps, money);
        assert_eq!(overridden.infer_deps, Some(false));
        let inherits = spec_named(&s, "inherits");
        assert_eq!(inherits.deps, money);
        assert_eq!(inherits.infer_deps, Some(true));
        assert_eq!(inherits.prompt.as_deref(), Some("Use cents."));
        // Test specs take nothing from it.
        let test = spec_named(&s, "test_slug");
        assert!(test.deps.is_empty() && test.prompt.is_none());
        let mixed = spec_named(&s, "Mixed");
        let roles: Vec<(&str, MemberRole)> = mixed
            .members
            .iter()
            .map(|m| (m.name.as_str(), m.role))
            .collect();
        assert_eq!(
            roles,
            [
                ("real", MemberRole::Handwritten),
                ("todo", MemberRole::Guidepost)
            ]
        );
        let handwritten: Vec<&str> = s.handwritten.iter().map(|h| h.name.as_str()).collect();
        assert_eq!(
            handwritten,
            ["early", "helper", "cached", "kept", "shadowed", "Handmade"]
        );
        let helper = &s.handwritten[1];
        let (start, end) = helper.byte_range;
        assert_eq!(
            &MODULE[start as usize..end as usize],
            "def helper(x):\n    return x + 1"
        );
        let cached = &s.handwritten[2];
        assert!(MODULE[cached.byte_range.0 as usize..].starts_with("@functools.cache"));
    }

    #[test]
    fn magic_module_stubs_are_last_bindings_after_the_call_with_stub_bodies() {
        let src = r#"import jaunt
from pkg import helper

def before(): ...

jaunt.magic_module(
    __name__,
)

def rebound(): ...
rebound = helper

def unpacked(): ...
unpacked, other = helper, helper

def imported_over(): ...
from pkg import imported_over

def kept(): ...

class DocThenPass:
    "Doc."
    pass

class TwoPlaceholders:
    "Doc."
    pass
    ...
"#;
        let s = summarize(src);
        assert!(s.diagnostics.is_empty(), "{:?}", s.diagnostics);
        assert_eq!(names(&s), ["kept", "DocThenPass"]);
        let handwritten: Vec<&str> = s.handwritten.iter().map(|h| h.name.as_str()).collect();
        assert_eq!(handwritten, ["before", "TwoPlaceholders"]);
    }

    #[test]
    fn without_magic_module_nothing_undecorated_is_a_spec() {
        let src = "import jaunt\ndef stub():\n    ...\nclass Plan:\n    'Doc.'\n";
        let s = summarize(src);
        assert!(s.specs.is_empty() && s.handwritten.is_empty());
        // A name that merely contains the word is no call.
        let s = summarize("import jaunt\nmagic_module = 1\ndef stub(): ...\n");
        assert!(s.specs.is_empty() && s.diagnostics.is_empty());
        let s = summarize(
            "import jaunt as j\nfrom jaunt import magic_module as mm\nmm(__name__)\ndef stub(): ...\n",
        );
        assert_eq!(names(&s), ["stub"]);
    }

    #[test]
    fn misplaced_or_repeated_magic_module_calls_are_errors() {
        let src = r#"import jaunt
jaunt.magic_module(__name__, prompt=PROMPT)
def f(): ...
jaunt.magic_module(__name__)
def g():
    jaunt.magic_module(__name__)
if True:
    jaunt.magic_module(__name__)
x = jaunt.magic_module(__name__)
"#;
        let s = summarize(src);
        let got: Vec<(Option<u32>, &str)> = s
            .diagnostics
            .iter()
            .map(|d| (d.line, d.message.as_str()))
            .collect();
        assert_eq!(got.len(), 5, "{got:#?}");
        assert_eq!(got[0].0, Some(2));
        assert!(got[0].1.contains("prompt="), "{got:#?}");
        assert_eq!(
            got[1],
            (
                Some(4),
                "jaunt.magic_module is called twice in this module (first on line 2)"
            )
        );
        for (i, line) in [(2, 6), (3, 8), (4, 9)] {
            assert_eq!(got[i].0, Some(line));
            assert!(got[i].1.contains("at module level"), "{got:#?}");
        }
        assert!(
            s.diagnostics
                .iter()
                .all(|d| d.hint.is_some() && d.column.is_some())
        );
        // The first call still governs: `f` is a spec.
        assert_eq!(names(&s), ["f"]);
        let s = summarize("import jaunt\njaunt.magic_module(\"pkg.mod\", deps=[make()])\n");
        let messages: Vec<&str> = s.diagnostics.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(messages.len(), 2, "{messages:#?}");
        assert!(
            messages[0].contains("`__name__`, not `\"pkg.mod\"`"),
            "{messages:#?}"
        );
        assert!(messages[1].contains("make()"), "{messages:#?}");
        let s = summarize("import jaunt\njaunt.magic_module()\n");
        assert!(
            s.diagnostics[0]
                .message
                .contains("without the module's `__name__`")
        );
    }

    #[test]
    fn magic_module_test_is_a_default_and_test_only_arguments_are_errors() {
        let src = r#"import jaunt
jaunt.magic_module(__name__, test=True, targets=[X], public_api_only=False)
class Plan:
    'A plan.'
@jaunt.magic(test=False)
class Off:
    'No tests.'
@jaunt.magic(test=None)
class Inherits:
    'None is not given.'
@jaunt.test(targets=None, public_api_only=None, infer_deps=None)
def test_plan(): ...
"#;
        let s = summarize(src);
        let got: Vec<(Option<u32>, &str)> = s
            .diagnostics
            .iter()
            .map(|d| (d.line, d.message.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (
                    Some(2),
                    "`targets=` is an argument of @jaunt.test, not jaunt.magic_module"
                ),
                (
                    Some(2),
                    "`public_api_only=` is an argument of @jaunt.test, not jaunt.magic_module"
                ),
            ]
        );
        assert_eq!(spec_named(&s, "Plan").test, Some(true));
        assert_eq!(spec_named(&s, "Off").test, Some(false));
        assert_eq!(spec_named(&s, "Inherits").test, Some(true));
        let t = spec_named(&s, "test_plan");
        assert_eq!(t.test, None);
        assert!(t.targets.is_empty());
        assert_eq!((t.public_api_only, t.infer_deps), (None, None));
    }

    #[test]
    fn class_spec_methods_are_preserved_sealed_guideposts_or_handwritten() {
        let src = r#"import jaunt
from jaunt import sig

@jaunt.magic
class Account:
    """A bank account."""

    def __init__(self, owner: str) -> None:
        self.owner = owner

    @jaunt.preserve
    def audit(self) -> str:
        return "ok"  # keep

    @sig
    async def deposit(self, amount: "int", *, note: str = 'x') -> None:
        """Add money."""

    def balance(self) -> int:
        raise NotImplementedError

    @property
    def name(self) -> str: ...

    @jaunt.preserve
    @jaunt.sig
    def both(self): ...
"#;
        let s = summarize(src);
        let account = spec_named(&s, "Account");
        let roles: Vec<(&str, MemberRole, u32)> = account
            .members
            .iter()
            .map(|m| (m.name.as_str(), m.role, m.line))
            .collect();
        assert_eq!(
            roles,
            [
                ("__init__", MemberRole::Handwritten, 8),
                ("audit", MemberRole::Preserved, 12),
                ("deposit", MemberRole::Sealed, 16),
                ("balance", MemberRole::Guidepost, 19),
                ("name", MemberRole::Guidepost, 23),
                ("both", MemberRole::Preserved, 27),
            ]
        );
        let deposit = &account.members[2];
        assert_eq!(
            deposit.signature,
            "async def deposit(self, amount: \"int\", *, note: str = \"x\") -> None"
        );
        assert!(account.members[1].body.is_some());
        assert!(deposit.body.is_none());
        assert_eq!(s.diagnostics.len(), 1, "{:?}", s.diagnostics);
        assert_eq!(s.diagnostics[0].line, Some(27));
        assert!(s.diagnostics[0].message.contains("also @jaunt.sig"));
        // The preserved method's digest ignores formatting and comments,
        // not its code.
        let audit = |body: &str| {
            let src = format!("import jaunt\n@jaunt.magic\nclass A:\n    @jaunt.preserve\n{body}");
            summarize(&src).specs[0].members[0].body
        };
        let plain = audit("    def audit(self) -> str:\n        return 'ok'\n");
        assert_eq!(
            plain,
            audit("    def audit( self )->str :\n        # why\n        return \"ok\"\n")
        );
        assert_ne!(
            plain,
            audit("    def audit(self) -> str:\n        return 'no'\n")
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        #[test]
        fn never_panics_on_generated_python(src in fragments()) {
            let _ = summarize(&src);
            let contracts = [
                crate::python::Contract::Signature { qualname: "A.g".into(), signature: "def g(self)".into() },
                crate::python::Contract::Preserved { qualname: "A.g".into(), digest: Digest::default() },
            ];
            let _ = crate::python::validate::validate(&src, &["f".into(), "A.g".into()], &contracts);
        }

        #[test]
        fn never_panics_on_arbitrary_text(src in "\\PC{0,200}") {
            let _ = summarize(&src);
            let _ = summarize(&format!("import jaunt\n@jaunt.magic\n{src}"));
        }
    }
}
