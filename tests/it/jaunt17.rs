//! A project written for Jaunt 1.7, end to end: its configuration, module
//! magic, a whole class with all three method tiers and `targets=` tests
//! are read, built and tested with real pytest. The fake generator (a test
//! double for the model) serves the fixture's canned implementations.

use crate::common::{Fixture, copy_tree, fake_generator};
use std::path::Path;

const LLM_17: &str =
    "[llm]\nprovider = \"openai\"\nmodel = \"gpt-5.2\"\napi_key_env = \"OPENAI_API_KEY\"\n";

fn project() -> Fixture {
    let f = Fixture::new();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/jaunt17-project");
    copy_tree(&fixture, f.root(), &[]);
    let toml = f.read("jaunt.toml");
    assert!(toml.contains(LLM_17), "the fixture's [llm] table changed");
    let command = format!(
        "[llm]\nprovider = \"command\"\ncommand = [\"python3\", {:?}, \"--impls\", \"canned\"]\n",
        fake_generator().display().to_string()
    );
    f.write("jaunt.toml", &toml.replace(LLM_17, &command));
    f
}

#[test]
fn a_jaunt_17_project_builds_and_tests_unchanged() {
    let f = project();
    let mut found = f.spec_refs(&[]);
    found.sort();
    assert_eq!(
        found,
        [
            "inventory.ledger:Ledger",
            "inventory.stock:restock",
            "inventory.stock:sell",
            "tests.specs:test_ledger_totals",
            "tests.specs:test_levels_stay_in_range",
        ]
    );

    let (code, out, err) = f.run(&["test"]);
    assert_eq!(code, 0, "stdout:\n{out}\nstderr:\n{err}");
    assert!(out.contains("2 passed"), "{out}");
    let mut called: Vec<String> = f
        .requests()
        .iter()
        .map(|r| r["generated_module"].as_str().unwrap().to_string())
        .collect();
    called.sort();
    assert_eq!(
        called,
        [
            "inventory.__generated__.ledger",
            "inventory.__generated__.stock",
            "tests.__generated__.specs",
        ]
    );
    let requests = f.requests();
    let stock = requests
        .iter()
        .find(|r| r["spec_module"] == "inventory.stock")
        .unwrap()
        .to_string();
    assert!(
        stock.contains("def clamp"),
        "handwritten code is context: {stock}"
    );
    assert!(stock.contains("never negative"), "module prompt: {stock}");
    let tests = requests
        .iter()
        .find(|r| r["spec_module"] == "tests.specs")
        .unwrap()
        .to_string();
    let ledger = requests
        .iter()
        .find(|r| r["spec_module"] == "inventory.ledger")
        .unwrap()
        .to_string();
    for tier in [
        "`describe`: preserved",
        "`add`: sealed",
        "`items`: a guidepost",
        "`total`: a guidepost",
    ] {
        assert!(ledger.contains(tier), "{tier} missing: {ledger}");
    }
    assert!(tests.contains("inventory.stock:restock"), "{tests}");
    assert!(tests.contains("inventory.ledger:Ledger"), "{tests}");

    // The built code runs through the spec modules, as 1.7's runtime does:
    // handwritten `clamp` stays, stubs forward, the preserved method is the
    // spec's own.
    let script = "from inventory.stock import clamp, restock\n\
                  from inventory.ledger import Ledger\n\
                  l = Ledger(); l.add('nut', 3); l.add('bolt', 2)\n\
                  print(clamp(-5), restock(999, 5), l.total(), l.describe())\n";
    let out = f.python_with_runtime(script, &["src"]);
    assert_eq!(out.trim(), "0 1000 5 Ledger with 2 item(s)");

    // Built once: a second run pays for nothing, and CI's check passes.
    f.clear_log();
    f.ok(&["apply"]);
    assert!(f.requests().is_empty());
    f.ok(&["check"]);

    // The Codex-only tables are accepted and named under -v.
    let (code, _, err) = f.run(&["-v", "specs"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("agent.engine"), "{err}");
}
