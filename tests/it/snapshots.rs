//! Snapshot tests (insta) of every human output format and diagnostic:
//! plan, graph (text, dot, mermaid, json), specs (grouped by target
//! module), plain progress, cycles, config and discovery errors. Paths and
//! digests are filtered so the snapshots are stable across machines.

use crate::common::Fixture;

fn project() -> Fixture {
    let f = Fixture::with_fake_generator();
    f.write("src/shop/__init__.py", "")
        .write("src/shop/money.py", "import jaunt\n\n\n@jaunt.magic\nclass Money:\n    \"\"\"Cents.\"\"\"\n")
        .write(
            "src/shop/cart.py",
            "import jaunt\nfrom shop.money import Money\n\n\nclass Cart:\n    @jaunt.magic\n    def total(self) -> Money:\n        \"\"\"Sum.\"\"\"\n\n\n@jaunt.magic(deps=\"shop.money:Money\")\ndef empty() -> \"Cart\": ...\n",
        );
    f
}

/// Runs jaunt and returns stdout + stderr with volatile parts filtered.
fn run(f: &Fixture, args: &[&str]) -> String {
    let (code, out, err) = f.run(args);
    let root = f.root().display().to_string();
    let text = format!("exit: {code}\n--- stdout\n{out}--- stderr\n{err}");
    text.replace(&root, "[ROOT]")
}

macro_rules! snap {
    ($name:expr, $text:expr) => {
        insta::with_settings!({filters => vec![(r"b3:[0-9a-f]{64}", "b3:[DIGEST]"), (r"b3:[0-9a-f]{12}", "b3:[DIGEST]")]}, {
            insta::assert_snapshot!($name, $text);
        });
    };
}

#[test]
fn graph_formats() {
    let f = project();
    snap!("graph_text", run(&f, &["graph"]));
    snap!("graph_dot", run(&f, &["graph", "--format", "dot"]));
    snap!("graph_mermaid", run(&f, &["graph", "--format", "mermaid"]));
    snap!("graph_json", run(&f, &["graph", "--format", "json"]));
}

#[test]
fn specs_text_and_json() {
    let f = project();
    snap!("specs_text", run(&f, &["specs"]));
    snap!("specs_json", run(&f, &["specs", "--json"]));
}

#[test]
fn test_specs_grouped_by_target_module() {
    let f = crate::targets::shop_with_tests();
    snap!("specs_targets_text", run(&f, &["specs"]));
    snap!("specs_targets_json", run(&f, &["specs", "--json"]));
    snap!(
        "specs_module_text",
        run(
            &f,
            &["specs", "--module", "shop.cart", "--module", "test_misc"]
        )
    );
    snap!("graph_test_text", run(&f, &["graph", "--kind", "test"]));
    snap!(
        "graph_test_json",
        run(&f, &["graph", "--kind", "test", "--json"])
    );
}

#[test]
fn progress_plain() {
    let f = project();
    snap!(
        "apply_progress_plain",
        run(&f, &["apply", "--progress", "plain", "-j", "1"])
    );
}

#[test]
fn check_magic_only_with_stale_tests() {
    let f = crate::targets::shop_with_tests();
    f.ok(&["test", "--no-run"]);
    let tests = f.read("tests/test_misc.py");
    f.write(
        "tests/test_misc.py",
        &tests.replace("Nothing", "Nothing at all"),
    );
    snap!("check_stale_tests", run(&f, &["check"]));
    snap!("check_magic_only", run(&f, &["check", "--magic-only"]));
}

#[test]
fn plan_text_json_and_check() {
    let f = project();
    snap!("plan_initial", run(&f, &["plan"]));
    snap!("plan_initial_json", run(&f, &["plan", "--json"]));
    f.ok(&["apply"]);
    snap!("plan_clean", run(&f, &["plan"]));
    let money = f.read("src/shop/money.py");
    f.write(
        "src/shop/money.py",
        &money.replace("Cents.", "Whole cents."),
    );
    std::fs::remove_file(f.path("src/shop/__generated__/cart.py")).unwrap();
    snap!("plan_changed", run(&f, &["plan", "--all"]));
    snap!("check_stale", run(&f, &["check"]));
    snap!("status", run(&f, &["status"]));
}

#[test]
fn diagnostics() {
    let f = Fixture::new();
    f.write("jaunt.toml", "version = 1\n[build]\njobs = \"four\"\n");
    snap!("config_wrong_type", run(&f, &["specs"]));
    f.write("jaunt.toml", "version = 1\n[llm]\nprovidr = \"openai\"\n");
    snap!("config_unknown_key", run(&f, &["specs"]));
    f.write("jaunt.toml", "version = 3\n");
    snap!("config_version", run(&f, &["specs"]));
    f.write("jaunt.toml", "version = 1\n");
    f.write(
        "bad.py",
        "import jaunt\n\n@jaunt.magic(deps=make(), prompt=f\"x{y}\")\ndef f(:\n    pass\n",
    );
    snap!("discovery_errors", run(&f, &["specs"]));
    std::fs::remove_file(f.path("bad.py")).unwrap();
    f.write(
        "a.py",
        "import jaunt\nfrom b import G\n\n@jaunt.magic\ndef F(g: G): ...\n",
    )
    .write(
        "b.py",
        "import jaunt\nimport a\n\n@jaunt.magic(deps=[a.F])\ndef G(): ...\n",
    );
    snap!("cycle", run(&f, &["graph"]));
    f.write("jaunt.lock", "version = 1\n<<<<<<< HEAD\n");
    std::fs::remove_file(f.path("a.py")).unwrap();
    snap!("lock_conflict", run(&f, &["plan"]));
}

#[test]
fn lock_unknown_key() {
    let f = Fixture::new();
    f.write("jaunt.toml", "version = 1\n").write(
        "jaunt.lock",
        "version = 1\nbogus = true\n\n[generator]\nbackend = \"openai\"\nmodel = \"gpt-5.2\"\nfingerprint = \"b3:0000000000000000000000000000000000000000000000000000000000000000\"\n",
    );
    let text = run(&f, &["plan"]);
    assert_eq!(text.matches("jaunt.lock:2").count(), 1, "{text}");
    snap!("lock_unknown_key", text);
}
