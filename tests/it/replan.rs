//! The incremental plan: after spec files are edited, `plan` and `status`
//! plan from the last all-fresh plan's base, with the same output as a full
//! plan, and fall back to the full plan for anything else.

use crate::common::Fixture;
use std::time::Duration;

/// A chain `pkg.a` ← `pkg.b` ← `pkg.c` and a lone `pkg.d`, applied, then
/// settled and recorded by a full `status`.
fn recorded() -> Fixture {
    let f = Fixture::with_fake_generator();
    f.write("src/pkg/__init__.py", "")
        .write("src/pkg/a.py", &spec("", "double", "Double."))
        .write(
            "src/pkg/b.py",
            &spec(
                "from pkg.a import double\n",
                "quad(deps=double)",
                "Double twice.",
            ),
        )
        .write(
            "src/pkg/c.py",
            &spec(
                "from pkg.b import quad\n",
                "octo(deps=quad)",
                "Quad, doubled.",
            ),
        )
        .write("src/pkg/d.py", &spec("", "half", "Half."));
    f.ok(&["apply"]);
    // Only inputs settled for the racy window are recorded.
    std::thread::sleep(Duration::from_millis(2_200));
    f.ok(&["status"]);
    assert!(
        f.exists(".jaunt/cache/noop-plan-base-v1.bin"),
        "an all-fresh status records the base"
    );
    f
}

/// A module with one function spec `name`, decorated with `args` (a name
/// with its decorator arguments, if any).
fn spec(imports: &str, decorated: &str, doc: &str) -> String {
    let (name, args) = match decorated.split_once('(') {
        Some((name, rest)) => (name, format!("({rest}")),
        None => (decorated, String::new()),
    };
    format!(
        "import jaunt\n{imports}\n@jaunt.magic{args}\ndef {name}(x: int) -> int:\n    \"\"\"{doc}\"\"\"\n"
    )
}

/// `args` by the full plan (`-v` never takes a shortcut), which loads the
/// project.
fn full(f: &Fixture, args: &[&str]) -> String {
    let parse_cache = f.path(".jaunt/cache/parse-v1.bin");
    let _ = std::fs::remove_file(&parse_cache);
    let out = f.ok(&[&["-v"], args].concat());
    assert!(parse_cache.exists());
    out
}

/// Every view of the plan, incremental and full, is the same.
fn same_as_full(f: &Fixture) {
    same_as_full_for(f, &VIEWS);
}

fn same_as_full_for(f: &Fixture, views: &[&[&str]]) {
    for args in views {
        assert_eq!(
            f.ok_without_loading(args),
            full(f, args),
            "jaunt {}",
            args.join(" ")
        );
    }
}

const VIEWS: [&[&str]; 5] = [
    &["plan"],
    &["plan", "--all"],
    &["--json", "plan"],
    &["status"],
    &["--json", "status"],
];

#[test]
fn an_edited_docstring_is_planned_from_the_base_as_the_full_plan_would() {
    let f = recorded();
    // A longer docstring moves every line after it, too.
    f.write(
        "src/pkg/a.py",
        &spec("", "double", "Double.\n\n    Twice the input.\n    "),
    );
    same_as_full(&f);
    let plan = f.ok_without_loading(&["plan"]);
    assert!(plan.contains("+ pkg.a (generate)"), "{plan}");
    assert!(plan.contains("~ pkg.b (pending)"), "{plan}");
    assert!(plan.contains("~ pkg.c (pending)"), "{plan}");
    assert!(
        plan.contains("1 to generate, 2 pending") && plan.contains("1 fresh"),
        "{plan}"
    );

    // The leaf instead: only it is planned again.
    f.write("src/pkg/a.py", &spec("", "double", "Double."));
    f.write(
        "src/pkg/c.py",
        &spec(
            "from pkg.b import quad\n",
            "octo(deps=quad)",
            "Quad, doubled again.",
        ),
    );
    same_as_full(&f);
    assert!(
        f.ok_without_loading(&["plan"])
            .contains("1 to generate, 0 pending")
    );

    // Undone: nothing to do, still without a full load.
    f.write(
        "src/pkg/c.py",
        &spec(
            "from pkg.b import quad\n",
            "octo(deps=quad)",
            "Quad, doubled.",
        ),
    );
    assert_eq!(
        f.ok_without_loading(&["plan"]),
        "No changes. 4 module(s) fresh.\n"
    );
}

#[test]
fn a_changed_shape_or_anything_but_spec_files_takes_the_full_plan() {
    let f = recorded();
    let cases: [(&str, &str); 4] = [
        // Another spec: names other modules resolve against may differ.
        (
            "src/pkg/d.py",
            &format!(
                "{}\n@jaunt.magic\ndef third(x: int) -> int:\n    \"\"\"Third.\"\"\"\n",
                spec("", "half", "Half.")
            ),
        ),
        // Another import.
        ("src/pkg/d.py", &spec("import os\n", "half", "Half.")),
        // Other dependencies.
        (
            "src/pkg/c.py",
            &spec(
                "from pkg.a import double\n",
                "octo(deps=double)",
                "Quad, doubled.",
            ),
        ),
        // A new module.
        ("src/pkg/e.py", &spec("", "third", "Third.")),
    ];
    for (path, text) in cases {
        let before = f.exists(path).then(|| f.read(path));
        f.write(path, text);
        let parse_cache = f.path(".jaunt/cache/parse-v1.bin");
        let _ = std::fs::remove_file(&parse_cache);
        let plan = f.ok(&["plan"]);
        assert!(parse_cache.exists(), "{path}: the full plan ran");
        assert_eq!(plan, full(&f, &["plan"]), "{path}");
        match before {
            Some(text) => {
                f.write(path, &text);
            }
            None => std::fs::remove_file(f.path(path)).unwrap(),
        }
    }
    // An edited generated file is the full plan's to judge.
    let generated = "src/pkg/__generated__/d.py";
    let text = f.read(generated);
    f.write(generated, &format!("{text}# edited\n"));
    let _ = std::fs::remove_file(f.path(".jaunt/cache/parse-v1.bin"));
    assert!(f.ok(&["plan"]).contains("pkg.d (rewrite)"));
    assert!(f.exists(".jaunt/cache/parse-v1.bin"));
}

#[test]
fn an_edit_with_an_error_is_reported_as_by_the_full_plan() {
    let f = recorded();
    f.write(
        "src/pkg/d.py",
        "import jaunt\n\n@jaunt.magic\ndef half(x: int) -> int\n    'Half.'\n",
    );
    let (code, _, err) = f.run(&["plan"]);
    let (full_code, _, full_err) = f.run(&["-v", "plan"]);
    assert_eq!((code, full_code), (2, 2));
    assert!(err.contains("src/pkg/d.py"), "{err}");
    assert!(full_err.contains(err.trim()), "{err}\n---\n{full_err}");
}

#[test]
fn no_infer_deps_is_never_answered_from_what_was_recorded_with_inference() {
    let f = Fixture::with_fake_generator();
    f.write("src/pkg/__init__.py", "")
        .write("src/pkg/a.py", &spec("", "double", "Double."))
        .write(
            "src/pkg/b.py",
            "import jaunt\nfrom pkg.a import double\n\n@jaunt.magic\ndef quad(x: int) -> int:\n    \"\"\"Double twice.\"\"\"\n    return double(double(x))\n",
        );
    f.ok(&["apply"]);
    std::thread::sleep(Duration::from_millis(2_200));
    f.ok(&["status"]);
    f.ok(&["plan"]);
    for args in [
        &["--no-infer-deps", "--json", "status"][..],
        &["--no-infer-deps", "--json", "plan"],
    ] {
        let answered = f.ok(args);
        for entry in std::fs::read_dir(f.path(".jaunt/cache")).unwrap().flatten() {
            if entry.file_name().to_string_lossy().starts_with("noop-") {
                std::fs::remove_file(entry.path()).unwrap();
            }
        }
        assert_eq!(answered, f.ok(args), "jaunt {}", args.join(" "));
        let json: serde_json::Value = serde_json::from_str(&answered).unwrap();
        assert_eq!(
            json["summary"]["fresh"], 1,
            "quad loses its edge: {answered}"
        );
    }
}

#[test]
fn status_plans_test_modules_too_so_it_is_incremental_only_without_them() {
    let f = crate::targets::shop_with_tests();
    f.ok(&["apply"]);
    f.ok(&["test", "--no-run"]);
    std::thread::sleep(Duration::from_millis(2_200));
    f.ok(&["status"]);
    let money = f.read("src/shop/money.py");
    f.write(
        "src/shop/money.py",
        &money.replace("An amount in cents.", "An amount in whole cents."),
    );
    // `plan` covers build modules only: from the base.
    same_as_full_for(&f, &[&["plan"], &["--json", "plan"]]);
    // `status` also plans the test modules the lockfile has: in full.
    let parse_cache = f.path(".jaunt/cache/parse-v1.bin");
    let _ = std::fs::remove_file(&parse_cache);
    let status = f.json(&["--json", "status"]);
    assert!(parse_cache.exists(), "status took the incremental plan");
    let tests: Vec<&serde_json::Value> = status["modules"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["kind"] == "test")
        .collect();
    assert!(!tests.is_empty(), "{status}");
}

#[test]
fn a_spec_file_saved_by_rename_is_still_planned_from_the_base() {
    let f = recorded();
    // How editors that save atomically write: a new file renamed over the
    // old one, which moves the directory's mtime.
    let tmp = f.path("src/pkg/.a.py.swp");
    std::fs::write(&tmp, spec("", "double", "Double, saved atomically.")).unwrap();
    std::fs::rename(&tmp, f.path("src/pkg/a.py")).unwrap();
    same_as_full_for(&f, &[&["plan"], &["--json", "status"]]);
    assert!(
        f.ok_without_loading(&["plan"])
            .contains("+ pkg.a (generate)")
    );
    // A new entry in the directory, even one discovery would pass over:
    // the full plan decides.
    f.write("src/pkg/notes.txt", "");
    let parse_cache = f.path(".jaunt/cache/parse-v1.bin");
    let _ = std::fs::remove_file(&parse_cache);
    f.ok(&["plan"]);
    assert!(
        parse_cache.exists(),
        "a changed directory takes the full plan"
    );
}
