//! What edits cost in model calls, with a generator that behaves like a
//! model: the fake generator test double, told (through the project's
//! `.env`) to keep each spec's signature and to add a random comment and a
//! random private helper to every answer, so no answer is ever the same
//! bytes twice. Early cutoff on the interface is what keeps an edit from
//! cascading through every dependent.

use crate::common::Fixture;
use serde_json::Value;

/// Modules in the chain project.
const N: usize = 60;

/// `pkg.m0` holds three specs: `root` (used by `m1`), `shared` (used by
/// `m1`..`m5`) and `lonely` (used by nobody). Every `m{i}` for `i >= 1`
/// calls `f{i-1}` of the module before it, so `m0` is an ancestor of all.
fn chain(context: Option<&str>) -> Fixture {
    let f = Fixture::with_fake_generator();
    if let Some(mode) = context {
        f.write(
            "jaunt.toml",
            &format!(
                "{}\n[build]\ndependency_context = \"{mode}\"\n",
                f.read("jaunt.toml")
            ),
        );
    }
    f.write(".env", "FAKE_GEN_MIRROR=1\nFAKE_GEN_NOISE=1\n");
    f.write("src/pkg/__init__.py", "");
    f.write("src/pkg/m0.py", &m0("x: int", "Lonely."));
    for i in 1..N {
        let prev = if i == 1 {
            "from pkg.m0 import root as f0".to_string()
        } else {
            format!("from pkg.m{} import f{}", i - 1, i - 1)
        };
        let (import_shared, deps) = if i <= 5 {
            ("from pkg.m0 import shared\n", format!("f{}, shared", i - 1))
        } else {
            ("", format!("f{}", i - 1))
        };
        f.write(
            &format!("src/pkg/m{i}.py"),
            &format!(
                "import jaunt\n{prev}\n{import_shared}\n\n@jaunt.magic(deps=[{deps}])\ndef f{i}(x: int) -> int:\n    \"\"\"Step {i}: calls its dependencies.\"\"\"\n"
            ),
        );
    }
    f
}

fn m0(lonely_params: &str, lonely_doc: &str) -> String {
    format!(
        "import jaunt\n\n\n@jaunt.magic\ndef root(x: int) -> int:\n    \"\"\"The root.\"\"\"\n\n\n@jaunt.magic\ndef shared(x: int) -> int:\n    \"\"\"Shared.\"\"\"\n\n\n@jaunt.magic\ndef lonely({lonely_params}) -> int:\n    \"\"\"{lonely_doc}\"\"\"\n"
    )
}

fn apply(f: &Fixture, extra: &[&str]) -> Value {
    let mut args = vec!["apply", "--json"];
    args.extend_from_slice(extra);
    f.json(&args)
}

fn calls(report: &Value) -> u64 {
    report["model_calls"].as_u64().unwrap()
}

fn generated(report: &Value) -> Vec<String> {
    report["generated"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

/// A project applied once, its log cleared.
fn applied(context: Option<&str>) -> Fixture {
    let f = chain(context);
    assert_eq!(calls(&apply(&f, &[])), N as u64);
    f.clear_log();
    f
}

#[test]
fn an_edit_to_an_unused_spec_costs_one_call() {
    let f = applied(None);
    f.write("src/pkg/m0.py", &m0("x: int", "Lonely, and says so."));
    let plan = f.json_code(&["plan", "--json"], 0);
    let m1 = plan["modules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "pkg.m1")
        .unwrap();
    assert_eq!(m1["status"], "pending", "{plan:#}");
    let report = apply(&f, &[]);
    assert_eq!(calls(&report), 1, "{report:#}");
    assert_eq!(generated(&report), ["pkg.m0"]);
    // The pending dependents turned out fresh: cut off on the interface.
    assert_eq!(report["fresh"].as_array().unwrap().len(), N - 1);
    f.ok(&["check"]);
}

#[test]
fn forcing_the_root_costs_one_call_and_check_stays_green() {
    let f = applied(None);
    let before = f.read("jaunt.lock");
    let report = apply(&f, &["--force", "--target", "pkg.m0"]);
    assert_eq!(calls(&report), 1, "{report:#}");
    // The root was regenerated to new bytes; its dependents stay fresh.
    assert_ne!(f.read("jaunt.lock"), before);
    f.ok(&["check"]);
}

#[test]
fn a_changed_interface_regenerates_the_direct_dependents_only() {
    let f = applied(None);
    // `lonely` gains a parameter: nobody uses it, but m0's interface changes.
    f.write("src/pkg/m0.py", &m0("x: int, y: int = 0", "Lonely."));
    let report = apply(&f, &[]);
    let mut got = generated(&report);
    got.sort();
    assert_eq!(
        got,
        ["pkg.m0", "pkg.m1", "pkg.m2", "pkg.m3", "pkg.m4", "pkg.m5"],
        "{report:#}"
    );
    assert_eq!(calls(&report), 6);
    f.ok(&["check"]);
}

#[test]
fn a_changed_signature_costs_its_users_and_nothing_beyond() {
    let f = applied(None);
    let changed = m0("x: int", "Lonely.").replace(
        "def shared(x: int) -> int:",
        "def shared(x: int, scale: int = 1) -> int:",
    );
    f.write("src/pkg/m0.py", &changed);
    let plan = f.json_code(&["plan", "--json"], 0);
    let m3 = plan["modules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "pkg.m3")
        .unwrap()
        .clone();
    assert_eq!(m3["status"], "pending", "{plan:#}");
    let report = apply(&f, &[]);
    assert_eq!(calls(&report), 1 + 5, "{report:#}");
    assert!(!generated(&report).contains(&"pkg.m6".to_string()));
    f.ok(&["check"]);
}

#[test]
fn with_source_context_the_cascade_is_back() {
    let f = applied(Some("source"));
    f.write("src/pkg/m0.py", &m0("x: int", "Lonely, and says so."));
    let report = apply(&f, &[]);
    assert_eq!(calls(&report), N as u64, "{report:#}");
}

#[test]
fn a_new_body_behind_the_same_interface_changes_no_byte_of_a_dependents_request() {
    for (context, same) in [("interface", true), ("source", false)] {
        let f = applied(Some(context));
        let lock = |f: &Fixture| f.read("jaunt.lock");
        apply(&f, &["--force", "--target", "pkg.m1"]);
        let first = f.requests();
        let before = lock(&f);
        apply(&f, &["--force", "--target", "pkg.m0"]);
        assert_ne!(lock(&f), before, "m0 was regenerated to new bytes");
        f.clear_log();
        apply(&f, &["--force", "--target", "pkg.m1"]);
        let second = f.requests();
        assert_eq!(first.len(), 1);
        assert_eq!(second.len(), 1);
        assert_eq!(
            first[0] == second[0],
            same,
            "{context}: {:#}\n{:#}",
            first[0]["dependency_modules"],
            second[0]["dependency_modules"]
        );
    }
}

#[test]
fn a_lockfile_from_the_previous_key_scheme_upgrades_without_a_model_call() {
    let f = Fixture::new();
    crate::common::copy_tree(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lock-v1"),
        f.root(),
        &[],
    );
    std::fs::copy(crate::common::fake_generator(), f.path("fake_generator.py")).unwrap();
    let store = f.path("store");
    let run = |args: &[&str]| {
        let out = f
            .jaunt()
            .env("JAUNT_STORE", &store)
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, out, err) = run(&["plan", "--json"]);
    assert_eq!(code, Some(0), "{err}");
    let plan: Value = serde_json::from_str(&out).unwrap();
    for m in plan["modules"].as_array().unwrap() {
        assert_eq!(m["status"], "rewrite", "{plan:#}");
        assert!(
            m["reasons"][0].as_str().unwrap().starts_with("re-keyed"),
            "{plan:#}"
        );
    }
    let (code, out, err) = run(&["apply", "--json"]);
    assert_eq!(code, Some(0), "{err}");
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["model_calls"], 0, "{report:#}");
    assert_eq!(report["rewritten"].as_array().unwrap().len(), 4);
    assert!(f.requests().is_empty());
    assert!(f.read("jaunt.lock").contains("version = 2"));
    let (code, _, err) = run(&["check"]);
    assert_eq!(code, Some(0), "{err}");
    // With the generated files gone too, the store alone re-keys them.
    let g = Fixture::new();
    crate::common::copy_tree(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lock-v1"),
        g.root(),
        &["__generated__"],
    );
    std::fs::copy(crate::common::fake_generator(), g.path("fake_generator.py")).unwrap();
    let out = g
        .jaunt()
        .env("JAUNT_STORE", g.path("store"))
        .args(["apply", "--json"])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["model_calls"], 0, "{report:#}");
    assert!(g.requests().is_empty());
}
