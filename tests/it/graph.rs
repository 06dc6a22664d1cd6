//! Discovery and the spec graph: every deps= form, inference (2A, 2B, 2C),
//! decorator spellings, mutual recursion, -v notes, cycles.

use crate::common::Fixture;
use serde_json::{Value, json};

fn project() -> Fixture {
    let f = Fixture::new();
    f.write(
        "jaunt.toml",
        "version = 1\n[paths]\nsource_roots = [\"src\"]\n",
    );
    f
}

fn graph(f: &Fixture, extra: &[&str]) -> Value {
    let mut args = vec!["graph", "--format", "json"];
    args.extend_from_slice(extra);
    f.json(&args)
}

fn deps_of(g: &Value, spec: &str) -> Vec<String> {
    g["specs"][spec]
        .as_array()
        .unwrap_or_else(|| panic!("{spec} not in graph: {g:#}"))
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn every_deps_form_resolves() {
    let f = project();
    f.write("src/pkg/__init__.py", "")
        .write(
            "src/pkg/base.py",
            "import jaunt\n\n@jaunt.magic\ndef a(): ...\n\n@jaunt.magic\ndef b(): ...\n\n@jaunt.magic\ndef c(): ...\n\n@jaunt.magic\nclass D: ...\n",
        )
        .write(
            "src/pkg/user.py",
            r#"import jaunt
import pkg.base
from pkg import base
from pkg.base import a

@jaunt.magic(deps=a, infer_deps=False)
def by_name(): ...

@jaunt.magic(deps=base.b, infer_deps=False)
def by_attribute(): ...

@jaunt.magic(deps=pkg.base.c, infer_deps=False)
def by_chain(): ...

@jaunt.magic(deps="pkg.base:D", infer_deps=False)
def by_ref_string(): ...

@jaunt.magic(deps="pkg.base.a", infer_deps=False)
def by_dot_shorthand(): ...

@jaunt.magic(deps=[a, "pkg.base:b"], infer_deps=False)
def by_list(): ...

@jaunt.magic(deps=(base.c,), infer_deps=False)
def by_tuple(): ...

@jaunt.magic(deps={"pkg.base:D", a}, infer_deps=False)
def by_set(): ...
"#,
        );
    let g = graph(&f, &[]);
    assert_eq!(deps_of(&g, "pkg.user:by_name"), ["pkg.base:a"]);
    assert_eq!(deps_of(&g, "pkg.user:by_attribute"), ["pkg.base:b"]);
    assert_eq!(deps_of(&g, "pkg.user:by_chain"), ["pkg.base:c"]);
    assert_eq!(deps_of(&g, "pkg.user:by_ref_string"), ["pkg.base:D"]);
    assert_eq!(deps_of(&g, "pkg.user:by_dot_shorthand"), ["pkg.base:a"]);
    assert_eq!(
        deps_of(&g, "pkg.user:by_list"),
        ["pkg.base:a", "pkg.base:b"]
    );
    assert_eq!(deps_of(&g, "pkg.user:by_tuple"), ["pkg.base:c"]);
    assert_eq!(deps_of(&g, "pkg.user:by_set"), ["pkg.base:D", "pkg.base:a"]);
    assert_eq!(g["modules"]["pkg.user"], json!(["pkg.base"]));
    assert_eq!(g["modules"]["pkg.base"], json!([]));
}

#[test]
fn inference_through_names_attributes_and_nested_specs() {
    let f = project();
    f.write("src/app/__init__.py", "")
        .write("src/app/sub/__init__.py", "")
        .write(
            "src/app/sub/sub.py",
            "import jaunt\n\n@jaunt.magic\nclass Foo: ...\n",
        )
        .write("src/app/sub/__init__.py", "")
        .write(
            "src/app/models.py",
            "from jaunt import magic\n\n@magic\nclass User: ...\n\n@magic()\ndef helper(): ...\n",
        )
        .write(
            "src/app/service.py",
            r#"import jaunt
import app.models
import app.sub.sub as alias
from app.models import User

class Service:
    @jaunt.magic
    def find(self, uid: int) -> User:
        """2A: a nested spec infers from its own node."""

    def plain(self):
        return app.models.helper()

@jaunt.magic
def via_import_chain(x=None):
    """2B with `import a.b`: the chain resolves to the spec."""
    return app.models.helper()

@jaunt.magic
def via_alias() -> "None":
    """2B with `import a.b as x`: alias.Foo is app.sub.sub:Foo."""
    return alias.Foo()
"#,
        );
    let g = graph(&f, &[]);
    assert_eq!(deps_of(&g, "app.service:Service.find"), ["app.models:User"]);
    assert_eq!(
        deps_of(&g, "app.service:via_import_chain"),
        ["app.models:helper"]
    );
    assert_eq!(deps_of(&g, "app.service:via_alias"), ["app.sub.sub:Foo"]);
    assert!(
        g["specs"].get("app.service:Service").is_none(),
        "plain class is no spec"
    );
}

#[test]
fn longest_module_prefix_first_for_alias_chains() {
    let f = project();
    f.write("src/pkg/__init__.py", "")
        .write("src/pkg/sub/__init__.py", "import jaunt\n\nclass sub:\n    @jaunt.magic\n    def Foo(self): ...\n")
        .write("src/pkg/sub/sub.py", "import jaunt\n\n@jaunt.magic\ndef Foo(): ...\n")
        .write(
            "src/pkg/user.py",
            "import jaunt\nimport pkg.sub as alias\n\n@jaunt.magic\ndef use():\n    return alias.sub.Foo()\n",
        );
    let g = graph(&f, &[]);
    assert_eq!(deps_of(&g, "pkg.user:use"), ["pkg.sub.sub:Foo"]);
}

#[test]
fn re_exports_two_levels_and_relative() {
    let f = project();
    f.write("src/pkg/__init__.py", "from pkg.mid import Thing\nfrom .rel import Other as Renamed\n")
        .write("src/pkg/mid/__init__.py", "from pkg.mid.deep import Thing\n")
        .write("src/pkg/mid/deep.py", "import jaunt\n\n@jaunt.magic\nclass Thing: ...\n")
        .write("src/pkg/rel/__init__.py", "from .impl import Other\n")
        .write("src/pkg/rel/impl.py", "import jaunt\n\n@jaunt.magic\nclass Other: ...\n")
        .write(
            "src/consumer.py",
            "import jaunt\nimport pkg\nfrom pkg import Thing, Renamed\n\n@jaunt.magic\ndef make(t: Thing) -> Renamed: ...\n\n@jaunt.magic\ndef via_attr():\n    return pkg.Thing()\n",
        );
    let g = graph(&f, &[]);
    assert_eq!(
        deps_of(&g, "consumer:make"),
        ["pkg.mid.deep:Thing", "pkg.rel.impl:Other"]
    );
    assert_eq!(deps_of(&g, "consumer:via_attr"), ["pkg.mid.deep:Thing"]);
}

#[test]
fn re_export_cycle_does_not_hang() {
    let f = project();
    f.write("src/a/__init__.py", "from b import X\n")
        .write("src/b/__init__.py", "from a import X\n")
        .write(
            "src/c.py",
            "import jaunt\nfrom a import X\n\n@jaunt.magic\ndef f(x: X): ...\n",
        );
    let g = graph(&f, &[]);
    assert_eq!(deps_of(&g, "c:f"), Vec::<String>::new());
}

#[test]
fn decorator_spellings() {
    let f = project();
    f.write(
        "src/spell.py",
        r#"import functools
import jaunt
import jaunt as j
from jaunt import magic
from jaunt import magic as m

@jaunt.magic
def plain(): ...

@jaunt.magic()
def called(): ...

@j.magic(prompt="short")
def aliased_module(): ...

@magic
def from_import(): ...

@m
def from_import_alias(): ...

@functools.lru_cache
@jaunt.magic
async def stacked_async(): ...

@magic
class Klass:
    pass

def not_a_spec(): ...

@other.magic
def other_decorator(): ...
"#,
    );
    f.write(
        "src/spell_tests.py",
        "from jaunt import test as jt\n\n@jt\ndef test_like(): ...\n",
    );
    let out = f.json(&["specs", "--json"]);
    let specs = out["specs"].as_array().unwrap();
    let refs: Vec<(&str, &str, &str)> = specs
        .iter()
        .map(|s| {
            (
                s["ref"].as_str().unwrap(),
                s["kind"].as_str().unwrap(),
                s["definition"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        refs,
        [
            ("spell:Klass", "build", "class"),
            ("spell:aliased_module", "build", "function"),
            ("spell:called", "build", "function"),
            ("spell:from_import", "build", "function"),
            ("spell:from_import_alias", "build", "function"),
            ("spell:plain", "build", "function"),
            ("spell:stacked_async", "build", "async_function"),
            ("spell_tests:test_like", "test", "function"),
        ]
    );
    let plain = specs.iter().find(|s| s["ref"] == "spell:plain").unwrap();
    assert_eq!(plain["file"], "src/spell.py");
    assert_eq!(plain["line"], 8);
    assert!(plain["digest"].as_str().unwrap().starts_with("b3:"));
}

#[test]
fn mutual_recursion_in_one_module_is_fine() {
    let f = project();
    f.write(
        "src/parity.py",
        "import jaunt\n\n@jaunt.magic\ndef is_even(n: int) -> bool:\n    return n == 0 or is_odd(n - 1)\n\n@jaunt.magic\ndef is_odd(n: int) -> bool:\n    return n != 0 and is_even(n - 1)\n",
    );
    let g = graph(&f, &[]);
    assert_eq!(deps_of(&g, "parity:is_even"), ["parity:is_odd"]);
    assert_eq!(deps_of(&g, "parity:is_odd"), ["parity:is_even"]);
    assert_eq!(g["modules"]["parity"], json!([]));
}

#[test]
fn no_infer_deps_flag_and_config_and_per_spec() {
    let f = project();
    f.write("src/base.py", "import jaunt\n\n@jaunt.magic\nclass A: ...\n")
        .write(
            "src/user.py",
            "import jaunt\nfrom base import A\n\n@jaunt.magic\ndef infers(a: A): ...\n\n@jaunt.magic(infer_deps=False)\ndef opts_out(a: A): ...\n",
        );
    let g = graph(&f, &[]);
    assert_eq!(deps_of(&g, "user:infers"), ["base:A"]);
    assert!(deps_of(&g, "user:opts_out").is_empty());
    let g = graph(&f, &["--no-infer-deps"]);
    assert!(deps_of(&g, "user:infers").is_empty());
    f.write(
        "jaunt.toml",
        "version = 1\n[paths]\nsource_roots = [\"src\"]\n[build]\ninfer_deps = false\n",
    );
    let g = graph(&f, &[]);
    assert!(deps_of(&g, "user:infers").is_empty());
}

#[test]
fn verbose_reports_unresolved_inferred_deps() {
    let f = project();
    f.write(
        "src/mod.py",
        "import jaunt\nfrom jaunt import magic\nfrom typing import Optional\nfrom other.lib import Missing\n\n@magic(deps=\"nowhere:Thing\")\ndef f(x: Optional[int]) -> Missing: ...\n",
    );
    let (code, _, err) = f.run(&["graph", "--format", "json"]);
    assert_eq!(code, 0);
    assert!(!err.contains("unresolved"), "quiet without -v: {err}");
    let (code, _, err) = f.run(&["-v", "graph", "--format", "json"]);
    assert_eq!(code, 0);
    assert!(
        err.contains(
            "unresolved inferred dep: mod:f uses 'Optional' (from typing) at src/mod.py:7"
        ),
        "{err}"
    );
    assert!(
        err.contains(
            "unresolved inferred dep: mod:f uses 'Missing' (from other.lib) at src/mod.py:7"
        ),
        "{err}"
    );
    assert!(
        !err.contains("uses 'magic'"),
        "jaunt names are never reported: {err}"
    );
    assert!(
        err.contains("dropped dep: mod:f deps= entry 'nowhere:Thing'"),
        "{err}"
    );
}

fn cycle_project(modules: &[(&str, &str)]) -> Fixture {
    let f = project();
    for (name, body) in modules {
        f.write(&format!("src/{name}.py"), body);
    }
    f
}

#[test]
fn two_module_cycle_is_reported_in_spec_terms() {
    let f = cycle_project(&[
        (
            "a",
            "import jaunt\nfrom b import G\n\n@jaunt.magic\ndef F(g: G): ...\n",
        ),
        (
            "b",
            "import jaunt\nimport a\n\n@jaunt.magic(deps=[a.F])\ndef G(): ...\n",
        ),
    ]);
    for args in [
        vec!["graph"],
        vec!["graph", "--format", "json"],
        vec!["specs", "--json"],
    ] {
        let (code, out, err) = f.run(&args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(out.is_empty(), "nothing on stdout: {out}");
        // Under --json the error is a JSON document on stderr.
        let (message, hint) = if args.contains(&"--json") {
            let doc: Value = serde_json::from_str(&err).expect("a JSON error document");
            let e = &doc["errors"][0];
            assert_eq!(e["code"], "cycle", "{doc:#}");
            (
                e["message"].as_str().unwrap().to_string(),
                e["hint"].as_str().unwrap().to_string(),
            )
        } else {
            assert!(err.starts_with("error[cycle]: "), "{err}");
            (
                err.clone(),
                err.split("hint: ").nth(1).unwrap_or("").to_string(),
            )
        };
        assert!(
            message.contains("dependency cycle between modules: a -> b -> a"),
            "{message}"
        );
        assert!(message.contains("a:F -> b:G -> a:F"), "{message}");
        assert!(
            message.contains("a:F -> b:G  (src/a.py:5, inferred)"),
            "{message}"
        );
        assert!(
            message.contains("b:G -> a:F  (src/b.py:4, deps=)"),
            "{message}"
        );
        assert!(hint.contains("generated as whole units"), "{hint}");
    }
}

#[test]
fn three_module_cycle_and_two_independent_cycles() {
    let f = cycle_project(&[
        (
            "x",
            "import jaunt\nfrom y import Y\n\n@jaunt.magic\ndef X(v: Y): ...\n",
        ),
        (
            "y",
            "import jaunt\nfrom z import Z\n\n@jaunt.magic\ndef Y(v: Z): ...\n",
        ),
        (
            "z",
            "import jaunt\nfrom x import X\n\n@jaunt.magic\ndef Z(v: X): ...\n",
        ),
        (
            "p",
            "import jaunt\nfrom q import Q\n\n@jaunt.magic\ndef P(v: Q): ...\n",
        ),
        (
            "q",
            "import jaunt\nfrom p import P\n\n@jaunt.magic\ndef Q(v: P): ...\n",
        ),
        (
            "ok",
            "import jaunt\nfrom p import P\n\n@jaunt.magic\ndef fine(v: P): ...\n",
        ),
    ]);
    let (code, _, err) = f.run(&["graph"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("dependency cycle between modules: p -> q -> p"),
        "{err}"
    );
    assert!(
        err.contains("dependency cycle between modules: x -> y -> z -> x"),
        "{err}"
    );
    assert!(err.contains("x:X -> y:Y -> z:Z -> x:X"), "{err}");
    assert_eq!(
        err.matches("dependency cycle between modules").count(),
        2,
        "{err}"
    );
}
