//! Every machine-readable output validates against its JSON Schema in
//! `schema/` (draft 2020-12, checked in-process), and jaunt.lock.example
//! against the lockfile schema.

use crate::common::Fixture;
use std::path::Path;
use std::process::Command;

/// What `schema` finds wrong with `instance`, after checking the schema
/// itself against the draft 2020-12 meta-schema.
fn errors(schema: &str, instance: &str) -> Vec<String> {
    let schema_path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("schema")
        .join(schema);
    let schema_json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&schema_path).unwrap())
            .unwrap_or_else(|e| panic!("{schema} is not JSON: {e}"));
    if let Err(e) = jsonschema::draft202012::meta::validate(&schema_json) {
        panic!("{schema} is not a valid draft 2020-12 schema: {e}");
    }
    let validator = jsonschema::draft202012::new(&schema_json)
        .unwrap_or_else(|e| panic!("{schema} does not compile: {e}"));
    let value: serde_json::Value = serde_json::from_str(instance)
        .unwrap_or_else(|e| panic!("output is not JSON ({e}):\n{instance}"));
    validator
        .iter_errors(&value)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

fn validate(schema: &str, instance: &str) {
    let errors = errors(schema, instance);
    assert!(
        errors.is_empty(),
        "{schema} rejects the output:\n{}\n{instance}",
        errors.join("\n")
    );
}

#[test]
fn the_schemas_reject_what_they_should() {
    assert!(!errors("plan.schema.json", r#"{"ok": "yes"}"#).is_empty());
    assert!(!errors("apply.schema.json", r#"{"generated": [1]}"#).is_empty());
    assert!(!errors("graph.schema.json", r#"{"specs": {"a:b": "c"}}"#).is_empty());
    assert!(
        !errors(
            "doctor.schema.json",
            r#"{"ok": true, "checks": [{"name": "config", "status": "passed", "message": "", "fix": null}]}"#
        )
        .is_empty()
    );
    assert!(
        !errors(
            "graph.schema.json",
            r#"{"specs": {}, "modules": {}, "tests_by_target": {"m": ["not a ref"]}}"#
        )
        .is_empty()
    );
    assert!(
        !errors(
            "specs.schema.json",
            r#"{"specs": [], "tests_by_target": {"m": "t:x"}}"#
        )
        .is_empty()
    );
    assert!(
        !errors(
            "store-gc.schema.json",
            r#"{"projects": [{"status": "gone"}]}"#
        )
        .is_empty()
    );
}

fn project() -> Fixture {
    let f = Fixture::with_fake_generator();
    f.write("src/shop/__init__.py", "")
        .write("src/shop/money.py", "import jaunt\n\n\n@jaunt.magic\nclass Money:\n    \"\"\"Cents.\"\"\"\n")
        .write(
            "src/shop/cart.py",
            "import jaunt\nfrom shop.money import Money\n\n\nclass Cart:\n    @jaunt.magic\n    async def total(self) -> Money:\n        \"\"\"Sum.\"\"\"\n",
        )
        .write("tests/test_cart.py", "import jaunt\nfrom shop.cart import Cart\n\n\n@jaunt.test\ndef test_total() -> None:\n    \"\"\"Cart().total() of nothing is zero.\"\"\"\n");
    f.with_test_roots()
}

#[test]
fn json_outputs_match_their_schemas() {
    let f = project();
    validate("specs.schema.json", &f.ok(&["specs", "--json"]));
    validate("graph.schema.json", &f.ok(&["graph", "--format", "json"]));
    validate(
        "graph.schema.json",
        &f.ok(&["graph", "--format", "json", "--kind", "test"]),
    );
    validate("plan.schema.json", &f.ok(&["plan", "--json"]));
    validate("apply.schema.json", &f.ok(&["apply", "--json"]));
    validate("plan.schema.json", &f.ok(&["check", "--json"]));
    let (code, out, _) = f.run(&["test", "--no-run", "--json"]);
    assert_eq!(code, 0);
    validate("apply.schema.json", &out);
    validate("plan.schema.json", &f.ok(&["status", "--json"]));
    validate("doctor.schema.json", &f.run(&["doctor", "--json"]).1);
    std::fs::remove_file(f.path("src/shop/__generated__/money.py")).unwrap();
    let (code, out, _) = f.run(&["check", "--json"]);
    assert_eq!(code, 4);
    validate("plan.schema.json", &out);
    std::fs::write(f.store.join("use/v1/junk"), "not a record").unwrap();
    validate(
        "store-gc.schema.json",
        &f.ok(&["store", "gc", "--dry-run", "--json"]),
    );
    validate("store-gc.schema.json", &f.ok(&["store", "gc", "--json"]));
    validate(
        "store-gc.schema.json",
        &f.ok(&["store", "gc", "--all", "--json"]),
    );
}

#[test]
fn migrate_json_matches_its_schema() {
    let f = Fixture::new();
    crate::common::copy_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/migrate-1.7"),
        f.root(),
        &[],
    );
    validate(
        "migrate.schema.json",
        &f.ok(&["migrate", "--dry-run", "--json"]),
    );
    validate("migrate.schema.json", &f.ok(&["migrate", "--json"]));
    validate("migrate.schema.json", &f.ok(&["migrate", "--json"]));
    assert!(
        !errors(
            "migrate.schema.json",
            r#"{"dry_run": false, "adopted": [{"module": "m", "kind": "build", "file": "f", "from": "jaunt-1.6", "tool_version": null, "stub": null}], "not_adopted": [], "left_alone": [], "already_jaunts": [], "model_calls": 0, "lock_changed": false}"#
        )
        .is_empty()
    );
    assert!(
        !errors(
            "migrate.schema.json",
            r#"{"dry_run": false, "adopted": [], "not_adopted": [{"module": "m", "kind": "build", "file": "f", "reasons": []}], "left_alone": [], "already_jaunts": [], "model_calls": 0, "lock_changed": false}"#
        )
        .is_empty()
    );
}

#[test]
fn target_groupings_match_their_schemas() {
    let f = crate::targets::shop_with_tests();
    validate("specs.schema.json", &f.ok(&["specs", "--json"]));
    validate(
        "specs.schema.json",
        &f.ok(&["specs", "--json", "--module", "test_cart"]),
    );
    validate(
        "graph.schema.json",
        &f.ok(&["graph", "--json", "--kind", "test"]),
    );
    f.ok(&["test", "--no-run"]);
    validate(
        "plan.schema.json",
        &f.ok(&["check", "--json", "--magic-only"]),
    );
}

#[test]
fn errors_under_json_match_the_error_schema() {
    let f = project();
    f.write(
        "src/shop/broken.py",
        "import jaunt\n@jaunt.magic(deps=make())\ndef f(): ...\n",
    );
    let (code, out, err) = f.run(&["specs", "--json"]);
    assert_eq!(code, 2, "{err}");
    assert!(out.is_empty(), "{out}");
    validate("error.schema.json", &err);
    let doc: serde_json::Value = serde_json::from_str(&err).unwrap();
    let e = &doc["errors"][0];
    assert_eq!(e["code"], "discovery");
    assert_eq!(e["file"], "src/shop/broken.py");
    assert_eq!(
        (e["line"].as_u64(), e["column"].as_u64()),
        (Some(2), Some(19))
    );
    assert!(e["hint"].is_string());
}

#[test]
fn lock_diff_json_matches_its_schema() {
    let f = project();
    f.ok(&["apply"]);
    let git = |args: &[&str]| {
        let st = Command::new("git")
            .args([
                "-c",
                "user.name=t",
                "-c",
                "user.email=t@e",
                "-c",
                "init.defaultBranch=main",
            ])
            .args(args)
            .current_dir(f.root())
            .output()
            .unwrap();
        assert!(
            st.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&st.stderr)
        );
    };
    git(&["init", "-q"]);
    git(&["add", "jaunt.lock"]);
    git(&["commit", "-qm", "lock"]);
    f.write(
        "src/shop/money.py",
        &f.read("src/shop/money.py")
            .replace("Cents.", "Whole cents."),
    );
    f.ok(&["apply"]);
    let out = f.ok(&["lock", "diff", "--base", "HEAD", "--format", "json"]);
    assert!(out.contains("shop.money"), "{out}");
    validate("lock-diff.schema.json", &out);
}

#[test]
fn lockfiles_match_the_lockfile_schema() {
    let f = project();
    f.ok(&["test", "--no-run"]);
    for text in [
        f.read("jaunt.lock"),
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("jaunt.lock.example"))
            .unwrap(),
    ] {
        let value: serde_json::Value = toml_edit::de::from_str(&text).expect("TOML");
        validate("jaunt.lock.schema.json", &value.to_string());
    }
}

#[test]
fn contract_outputs_and_lock_entries_match_their_schemas() {
    let f = project();
    f.write(
        "src/shop/text.py",
        "import jaunt\n\n\n@jaunt.contract\ndef up(s: str) -> str:\n    \"\"\"Upper.\n\n    Examples:\n      - \"a\" -> \"A\"\n      - nonsense\n\n    Properties:\n      - up(up(\"s\")) == up(\"s\")\n    \"\"\"\n    return s.upper()\n\n\n@jaunt.contract\nclass Box:\n    \"\"\"A box.\n\n    Examples:\n      - [Box().get()] -> [1]\n    \"\"\"\n\n    def get(self) -> int:\n        return 1\n",
    );
    validate("specs.schema.json", &f.ok(&["specs", "--json"]));
    validate(
        "graph.schema.json",
        &f.ok(&["graph", "--json", "--kind", "contract"]),
    );
    let (code, out, _) = f.run(&["check", "--json", "--contracts-only"]);
    assert_eq!(code, 4);
    validate("plan.schema.json", &out);
    validate("plan.schema.json", &f.ok(&["plan", "--json"]));
    // `- nonsense` goes to the model, whose answer (`assert Examples:
    // nonsense`) never parses: the contract fails, exit 3.
    let (code, reconcile, _) = f.run(&["reconcile", "--json"]);
    assert_eq!(code, 3);
    validate("reconcile.schema.json", &reconcile);
    let report: serde_json::Value = serde_json::from_str(&reconcile).unwrap();
    assert!(report["failed"]["shop.text:up"].is_array(), "{reconcile}");
    // A class's line in no known shape goes to the model too.
    assert_eq!(report["derived"], serde_json::json!(["shop.text:Box"]));
    assert!(reconcile.contains("[Box().get()] -> [1]"), "{reconcile}");
    f.write(
        "src/shop/text.py",
        &f.read("src/shop/text.py").replace("      - nonsense\n", ""),
    );
    f.write(
        "jaunt.toml",
        &format!(
            "{}\n[contract]\nderive = [\"examples\", \"properties\"]\n",
            f.read("jaunt.toml")
        ),
    );
    let reconcile = f.ok(&["reconcile", "--json"]);
    validate("reconcile.schema.json", &reconcile);
    let report: serde_json::Value = serde_json::from_str(&reconcile).unwrap();
    assert_eq!(
        report["model_calls"], 2,
        "up, and Box again: `derive` is in its key"
    );
    validate("apply.schema.json", &f.ok(&["apply", "--json"]));
    validate("plan.schema.json", &f.ok(&["check", "--json", "--no-run"]));
    let value: serde_json::Value = toml_edit::de::from_str(&f.read("jaunt.lock")).expect("TOML");
    assert!(value["contract"].is_array(), "{value}");
    validate("jaunt.lock.schema.json", &value.to_string());
}
