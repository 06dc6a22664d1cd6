//! `jaunt test`, `jaunt init` and `jaunt runtime install` end to end, with
//! real pytest and the fake generator test double serving working
//! implementations (the example project's canned modules).

use crate::common::{Fixture, copy_tree, fake_generator};
use std::path::Path;

/// A copy of examples/shop whose generator points at the test double.
fn shop() -> Fixture {
    let f = Fixture::new();
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/shop");
    copy_tree(
        &example,
        f.root(),
        &[".jaunt", "__generated__", "__pycache__"],
    );
    let toml = f.read("jaunt.toml");
    let toml = toml.replace(
        "../../tests/support/fake_generator.py",
        &fake_generator().display().to_string(),
    );
    f.write("jaunt.toml", &toml);
    let _ = std::fs::remove_file(f.path("jaunt.lock"));
    f
}

fn called(f: &Fixture) -> Vec<String> {
    let mut v: Vec<String> = f
        .requests()
        .iter()
        .map(|r| {
            format!(
                "{}:{}",
                r["kind"].as_str().unwrap(),
                r["spec_module"].as_str().unwrap()
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn jaunt_test_builds_generates_and_runs_pytest() {
    let f = shop();
    let (code, out, err) = f.run(&["test"]);
    assert_eq!(code, 0, "stdout:\n{out}\nstderr:\n{err}");
    assert!(
        out.contains("4 passed"),
        "pytest output passed through: {out}"
    );
    assert_eq!(
        called(&f),
        [
            "build:shop.cart",
            "build:shop.catalog",
            "build:shop.discounts",
            "build:shop.money",
            "test:test_shop_specs"
        ]
    );
    let test_req = f
        .requests()
        .into_iter()
        .find(|r| r["kind"] == "test")
        .unwrap();
    assert_eq!(
        test_req["generated_module"],
        "__generated__.test_shop_specs"
    );
    let apis: Vec<&str> = test_req["dependency_apis"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["ref"].as_str().unwrap())
        .collect();
    assert!(apis.contains(&"shop.discounts:apply_discount"), "{apis:?}");
    assert!(f.exists("tests/__generated__/test_shop_specs.py"));
    assert!(f.read("jaunt.lock").contains("kind = \"test\""));

    // A spec change regenerates exactly the affected build and test modules.
    f.clear_log();
    let spec = f.read("src/shop/discounts.py");
    f.write(
        "src/shop/discounts.py",
        &spec.replace("Take `percent`", "Take exactly `percent`"),
    );
    let (code, out, err) = f.run(&["test"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(called(&f), ["build:shop.discounts", "test:test_shop_specs"]);

    // A wrong implementation makes the generated tests fail: exit 4.
    f.clear_log();
    let canned = "canned/shop.__generated__.discounts.py";
    f.write(
        canned,
        &f.read(canned)
            .replace("ROUND_HALF_UP)", "ROUND_HALF_UP) + 1"),
    );
    f.write(
        "src/shop/discounts.py",
        &spec.replace("Take `percent`", "Take precisely `percent`"),
    );
    let (code, out, _) = f.run(&["test"]);
    assert_eq!(code, 4, "{out}");
    assert!(out.contains("failed"), "{out}");
    assert!(
        f.read("src/shop/__generated__/discounts.py")
            .contains("+ 1")
    );
    assert_eq!(called(&f), ["build:shop.discounts", "test:test_shop_specs"]);
}

#[test]
fn test_flags_no_run_and_pytest_args() {
    let f = shop();
    let (code, out, err) = f.run(&["test", "--no-run"]);
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains("passed"), "pytest not run: {out}");
    assert!(f.exists("tests/__generated__/test_shop_specs.py"));
    let (code, out, err) = f.run(&[
        "test",
        "--no-build",
        "--pytest-args=-k",
        "--pytest-args=cart",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("1 passed"), "{out}");
}

#[test]
fn init_scaffolds_and_refuses_to_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("my-app");
    std::fs::create_dir(&root).unwrap();
    let f = Fixture::new();
    let run = |args: &[&str]| {
        let out = f.jaunt().current_dir(&root).args(args).output().unwrap();
        (
            out.status.code().unwrap(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, out, err) = run(&["init"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("jaunt apply"), "next commands: {out}");
    assert!(root.join("src/my_app/text.py").exists());
    assert!(root.join("tests/test_my_app_specs.py").exists());
    assert_eq!(
        std::fs::read_to_string(root.join(".gitignore")).unwrap(),
        ".jaunt/\n"
    );
    let (code, out, err) = run(&["specs", "--json"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("my_app.text:slugify")
            && out.contains("test_my_app_specs:test_slugify_examples"),
        "{out}"
    );
    let graph = run(&["graph", "--kind", "test", "--format", "json"]).1;
    assert!(
        graph.contains("my_app.text:slugify"),
        "the test spec depends on the spec it tests: {graph}"
    );

    let (code, _, err) = run(&["init"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("jaunt.toml already exists") && err.contains("--force"),
        "{err}"
    );
    std::fs::write(root.join("jaunt.toml"), "version = 1\n# mine\n").unwrap();
    let (code, _, _) = run(&["init", "--force"]);
    assert_eq!(code, 0);
    assert!(
        !std::fs::read_to_string(root.join("jaunt.toml"))
            .unwrap()
            .contains("# mine")
    );
    assert_eq!(
        std::fs::read_to_string(root.join(".gitignore")).unwrap(),
        ".jaunt/\n",
        "not added twice"
    );
}

#[test]
fn runtime_install_writes_an_importable_package() {
    let f = Fixture::new();
    let out = f.python_with_runtime(
        "import jaunt, inspect; print(jaunt.magic, jaunt.JauntNotBuiltError.__mro__[1].__name__)",
        &[],
    );
    assert!(out.contains("JauntError"), "{out}");
    let embedded = f.read("rt/jaunt/_runtime.py");
    let source = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("python/jaunt/_runtime.py"),
    )
    .unwrap();
    assert_eq!(embedded, source, "the binary carries the current runtime");
}
