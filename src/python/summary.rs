//! One file's summary: imports, specs and the names they use.

use super::args::read_args;
use super::canonical::Canon;
use super::imports::{JauntResolver, import_bindings};
use super::parse::{Pair, kind_of, line, module_statements, parse, syntax_errors, text, walk};
use super::uses::Uses;
use crate::digest::Digest;
use crate::error::{Code, Diagnostic};
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
    /// Canonical digest of the whole file: the same after `ruff format` or
    /// `black`, different after any edit a reader could notice. What the
    /// module's `.pyi` stub is rendered from, handwritten code included.
    pub source_digest: Digest,
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
    /// `@jaunt.test(targets=…)` entries as written: the specs under test.
    pub targets: Vec<DepExpr>,
    /// `@jaunt.test(public_api_only=…)` value.
    pub public_api_only: Option<bool>,
    /// `@jaunt.magic(test=…)` value: a class spec's baseline test on or off.
    pub test: Option<bool>,
    /// Names and attribute chains the definition uses (body, annotations,
    /// defaults, decorator arguments, base classes), first use of each
    /// chain, in source order. The jaunt decorator itself is not a use.
    pub uses: Vec<NameUse>,
    /// Imports inside the definition (function-local imports), which shadow
    /// module-level bindings for this spec's uses.
    pub local_imports: Vec<Import>,
    /// BLAKE3 of the canonical syntax tree with the jaunt decorator left
    /// out (docs/architecture.md, Digests and keys); the decorator's arguments are folded
    /// in later, once `deps` are resolved.
    pub canonical: Digest,
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
    let mut canon = Canon::new(source, None);
    walk(root, &mut canon);
    summary.source_digest = canon.finish();
    summary.diagnostics = syntax_errors(root, source)
        .into_iter()
        .map(|e| Diagnostic::new(Code::Discovery, e.message).position(e.line, e.column))
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
        let (def, decorated) = match kind_of(stmt) {
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
        if kind_of(def) == "class_definition"
            && let Some(body) = def.child_by_field_name("body")
        {
            let inner = format!("{qualname}.");
            let mut cursor = body.walk();
            for child in body.named_children(&mut cursor) {
                self.visit(child, &inner);
            }
        }
    }

    /// Records `decorated` as a spec if one of its decorators is jaunt's.
    fn spec(&mut self, decorated: Node<'_>, def: Node<'_>, qualname: &str, in_class: bool) {
        let mut cursor = decorated.walk();
        let Some((decorator, kind)) = decorated
            .named_children(&mut cursor)
            .filter(|d| kind_of(*d) == "decorator")
            .find_map(|d| Some((d, self.resolver.decorator_kind(d, self.source)?)))
        else {
            return;
        };
        let def_kind = match kind_of(def) {
            "class_definition" => DefKind::Class,
            _ if in_class => DefKind::Method,
            _ if def.child(0).is_some_and(|t| kind_of(t) == "async") => DefKind::AsyncFunction,
            _ => DefKind::Function,
        };
        let args = read_args(decorator, kind, self.source, &mut self.diagnostics);
        let mut visitors = Pair::new(
            Canon::new(self.source, Some(decorator)),
            Uses::new(self.source, self.resolver),
        );
        walk(decorated, &mut visitors);
        let (uses, local_imports) = visitors.b.finish();
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
            targets: args.targets,
            public_api_only: args.public_api_only,
            test: args.test,
            uses,
            local_imports,
            canonical: visitors.a.finish(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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
                ("Cart.total", DefKind::Method, 12),
                ("Cart.check", DefKind::Method, 15),
                ("Cart.Inner.deep", DefKind::Method, 19),
                ("Plain.build", DefKind::Method, 24),
            ]
        );
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
@jaunt.test(test=True, public_api_only=None)
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
    fn class_uses_include_methods_and_nested_specs_their_own() {
        let src = "import jaunt
@jaunt.magic
class Cart(Base, metaclass=Meta):
    @jaunt.magic(deps=Price)
    def total(self) -> Money:
        return sum_of(self.items)
    def other(self):
        return Tax
";
        let s = summarize(src);
        assert_eq!(
            chains(spec_named(&s, "Cart")),
            vec!["Base", "Meta", "Money", "sum_of", "self.items", "Tax"]
        );
        assert_eq!(
            chains(spec_named(&s, "Cart.total")),
            vec!["Money", "sum_of", "self.items"]
        );
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

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        #[test]
        fn never_panics_on_generated_python(src in fragments()) {
            let _ = summarize(&src);
            let _ = crate::python::validate::validate(&src, &["f".into(), "A.g".into()]);
        }

        #[test]
        fn never_panics_on_arbitrary_text(src in "\\PC{0,200}") {
            let _ = summarize(&src);
            let _ = summarize(&format!("import jaunt\n@jaunt.magic\n{src}"));
        }
    }
}
