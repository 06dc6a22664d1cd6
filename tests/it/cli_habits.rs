//! Command-line habits Jaunt 1.7 users bring: `--progress auto|plain|none`
//! and `--no-progress`, `jaunt specs --module M`, `jaunt check --magic-only`.

use crate::common::Fixture;
use crate::targets::shop_with_tests;

/// Two build modules, `shop.base` <- `shop.top`, so progress has events
/// in a known order with one job.
fn chain() -> Fixture {
    let f = Fixture::with_fake_generator();
    f.write("src/shop/__init__.py", "")
        .write(
            "src/shop/base.py",
            "import jaunt\n\n\n@jaunt.magic\ndef base() -> int:\n    \"\"\"One.\"\"\"\n",
        )
        .write(
            "src/shop/top.py",
            "import jaunt\nfrom shop.base import base\n\n\n@jaunt.magic\ndef top() -> int:\n    \"\"\"base() plus one.\"\"\"\n",
        );
    f
}

fn stderr_of(f: &Fixture, args: &[&str]) -> String {
    let (code, out, err) = f.run(args);
    assert_eq!(code, 0, "jaunt {args:?}\nstdout:\n{out}\nstderr:\n{err}");
    err
}

#[test]
fn progress_plain_prints_a_line_per_event_in_order() {
    let f = chain();
    let err = stderr_of(&f, &["apply", "--progress", "plain", "-j", "1"]);
    assert_eq!(
        err,
        "building 2 module(s)\n    started shop.base\n   generate shop.base\n    started shop.top\n   generate shop.top\n"
    );
    // Plain lines go to stderr under --json too; stdout stays one document.
    let (code, out, err) = f.run(&["apply", "--json", "--progress", "plain", "--force"]);
    assert_eq!(code, 0, "{err}");
    serde_json::from_str::<serde_json::Value>(&out).expect("stdout is JSON alone");
    assert!(err.contains("   generate shop.top\n"), "{err}");
}

#[test]
fn progress_auto_without_a_terminal_prints_finished_modules_only() {
    let f = chain();
    let err = stderr_of(&f, &["apply", "-j", "1"]);
    assert_eq!(err, "   generate shop.base\n   generate shop.top\n");
    let err = stderr_of(&f, &["apply", "--progress", "auto", "--force", "-j", "1"]);
    assert_eq!(err, "   generate shop.base\n   generate shop.top\n");
    // Nothing under --json.
    let (code, _, err) = f.run(&["apply", "--json", "--force"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(err, "");
}

#[test]
fn progress_none_and_no_progress_print_nothing() {
    let f = chain();
    let (code, out, err) = f.run(&["apply", "--progress", "none"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(err, "");
    assert!(out.starts_with("Applied: 2 generated"), "{out}");
    let (code, _, err) = f.run(&["apply", "--no-progress", "--force"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(err, "");
    // `jaunt test` shows progress the same way.
    let (code, _, err) = f.run(&["test", "--no-run", "--no-progress", "--force"]);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("generate"), "{err}");
    let (code, _, err) = f.run(&[
        "test",
        "--no-run",
        "--progress",
        "plain",
        "--force",
        "-j",
        "1",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(err.starts_with("building 2 module(s)\n"), "{err}");
}

#[test]
fn progress_flags_are_checked() {
    let f = chain();
    let (code, _, err) = f.run(&["apply", "--progress", "fancy"]);
    assert_eq!(code, 2);
    assert!(err.contains("possible values: auto, plain, none"), "{err}");
    let (code, _, err) = f.run(&["apply", "--progress", "plain", "--no-progress"]);
    assert_eq!(code, 2);
    assert!(err.contains("cannot be used with"), "{err}");
    assert!(!f.exists("jaunt.lock"), "nothing ran");
}

#[test]
fn specs_module_selects_a_module_and_the_modules_inside_it() {
    let f = shop_with_tests();
    f.write(
        "src/shopping.py",
        "import jaunt\n\n\n@jaunt.magic\ndef basket() -> None:\n    \"\"\"Not in shop.\"\"\"\n",
    );
    assert_eq!(
        f.spec_refs(&["--module", "shop.cart"]),
        ["shop.cart:Cart", "shop.cart:total"]
    );
    // A package prefix takes its submodules, never a longer name.
    assert_eq!(
        f.spec_refs(&["--module", "shop"]),
        ["shop.cart:Cart", "shop.cart:total", "shop.money:Money"]
    );
    assert_eq!(
        f.spec_refs(&["--module", "shop.money", "--module", "test_misc"]),
        ["shop.money:Money", "test_misc:test_plain"]
    );
    // Groups hold only the listed tests.
    let doc = f.json(&["specs", "--json", "--module", "test_cart"]);
    assert_eq!(doc["specs"].as_array().unwrap().len(), 3);
    assert_eq!(
        doc["tests_by_target"]["shop.money"],
        serde_json::json!(["test_cart:test_money"])
    );
    let (code, _, err) = f.run(&["specs", "--module", "shop.cart"]);
    assert_eq!(code, 0);
    assert_eq!(err, "2 specs in 1 modules\n");

    let (code, out, err) = f.run(&["specs", "--module", "sho", "--module", "shop"]);
    assert_eq!(code, 2, "{out}");
    assert!(out.is_empty(), "{out}");
    assert!(
        err.contains("error[config]: --module sho: no module with specs is `sho` or inside it"),
        "{err}"
    );
    let (code, _, err) = f.run(&["specs", "--module", "shop..cart"]);
    assert_eq!(code, 2);
    assert!(err.contains("not a dotted module name"), "{err}");
}

#[test]
fn check_magic_only_leaves_test_modules_out() {
    let f = shop_with_tests();
    f.ok(&["test", "--no-run"]);
    f.ok(&["check"]);
    f.ok(&["check", "--magic-only"]);
    let tests = f.read("tests/test_cart.py");
    f.write(
        "tests/test_cart.py",
        &tests.replace("holds both.", "holds both prices."),
    );
    let (code, _, err) = f.run(&["check"]);
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("stale test_cart (generate)"), "{err}");
    let out = f.ok(&["check", "--magic-only"]);
    assert_eq!(out, "ok: 2 module(s) fresh, jaunt.lock up to date\n");
    let doc = f.json(&["check", "--magic-only", "--json"]);
    let kinds: Vec<&str> = doc["modules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["build", "build"], "{doc:#}");
    // A stale build module still fails it.
    f.write("tests/test_cart.py", &tests);
    let money = f.read("src/shop/money.py");
    f.write(
        "src/shop/money.py",
        &money.replace("in cents", "in whole cents"),
    );
    let (code, _, err) = f.run(&["check", "--magic-only"]);
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("stale shop.money (generate)"), "{err}");
    assert!(!err.contains("test_cart"), "{err}");
}
