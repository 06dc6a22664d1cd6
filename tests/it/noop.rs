//! The no-op stamp: `status`, `apply`, `graph` and `specs --json` answer
//! from it when nothing they read changed, and never when something did.

use crate::common::Fixture;
use serde_json::Value;
use std::time::Duration;

/// `pkg.a` and `pkg.b` (which uses `a`), applied, with an ignore file in
/// `src/` that ignores nothing yet.
fn applied() -> Fixture {
    let f = Fixture::with_fake_generator();
    f.write("src/.gitignore", "# nothing\n")
        .write("src/pkg/__init__.py", "")
        .write(
            "src/pkg/a.py",
            "import jaunt\n\n@jaunt.magic\ndef double(x: int) -> int:\n    'Double.'\n",
        )
        .write(
            "src/pkg/b.py",
            "import jaunt\nfrom pkg.a import double\n\n@jaunt.magic(deps=double)\ndef quad(x: int) -> int:\n    'Double twice.'\n",
        );
    f.ok(&["apply"]);
    f
}

/// Waits out the window in which a change is too recent to be trusted by
/// its stat: only then is a stamp written.
fn settle() {
    std::thread::sleep(Duration::from_millis(2_200));
}

/// Runs `args` twice on a settled project: the first run, with every
/// stamp removed, is a full one and records its stamp; the second must
/// answer from it, which it shows by not rebuilding the parse cache
/// removed in between. Returns both outputs.
fn from_stamp(f: &Fixture, args: &[&str]) -> (String, String) {
    for entry in std::fs::read_dir(f.path(".jaunt/cache")).unwrap().flatten() {
        if entry.file_name().to_string_lossy().starts_with("noop-") {
            std::fs::remove_file(entry.path()).unwrap();
        }
    }
    let first = f.ok(args);
    let stamped = f.ok_without_loading(args);
    (first, stamped)
}

fn summary(f: &Fixture) -> Value {
    f.json(&["--json", "status"])["summary"].clone()
}

#[test]
fn nothing_changed_answers_from_the_stamp_with_the_same_output() {
    let f = applied();
    settle();
    for args in [
        &["status"][..],
        &["--json", "status"],
        &["apply"],
        &["--json", "apply"],
        &["--json", "specs"],
        &["graph", "--format", "json"],
        &["graph", "--format", "dot", "--kind", "test"],
    ] {
        let (full, stamped) = from_stamp(&f, args);
        assert_eq!(full, stamped, "jaunt {}", args.join(" "));
    }
    assert_eq!(summary(&f)["fresh"], 2);
}

#[test]
fn an_edited_spec_or_a_new_module_is_planned() {
    let f = applied();
    settle();
    from_stamp(&f, &["status"]);
    f.write(
        "src/pkg/a.py",
        "import jaunt\n\n@jaunt.magic\ndef double(x: int) -> int:\n    'Double it.'\n",
    );
    let s = summary(&f);
    assert_eq!(
        (s["generate"].clone(), s["pending"].clone()),
        (1.into(), 1.into())
    );

    let f = applied();
    settle();
    from_stamp(&f, &["status"]);
    f.write(
        "src/pkg/c.py",
        "import jaunt\n\n@jaunt.magic\ndef half(x: int) -> int:\n    'Half.'\n",
    );
    assert_eq!(summary(&f)["generate"], 1);
}

#[test]
fn an_edited_generated_file_or_stub_is_rewritten() {
    for edited in ["src/pkg/__generated__/a.py", "src/pkg/a.pyi"] {
        let f = applied();
        settle();
        from_stamp(&f, &["status"]);
        let text = f.read(edited);
        f.write(edited, &format!("{text}# edited\n"));
        assert_eq!(summary(&f)["rewrite"], 1, "{edited}");
        let (code, out, _) = f.run(&["apply"]);
        assert_eq!(code, 0);
        assert!(
            out.contains("1 rewritten"),
            "apply after editing {edited}: {out}"
        );
    }
}

#[test]
fn a_changed_lockfile_configuration_or_ignore_file_is_seen() {
    let f = applied();
    settle();
    from_stamp(&f, &["status"]);
    std::fs::remove_file(f.path("jaunt.lock")).unwrap();
    assert_eq!(summary(&f)["fresh"], 0, "no lockfile: nothing is pinned");

    let f = applied();
    settle();
    from_stamp(&f, &["status"]);
    let toml = f.read("jaunt.toml");
    f.write("jaunt.toml", &format!("{toml}model = \"another\"\n"));
    assert_eq!(summary(&f)["fresh"], 0, "another model: every key changed");

    let f = applied();
    settle();
    from_stamp(&f, &["status"]);
    f.write("src/.gitignore", "pkg/b.py\n");
    assert_eq!(summary(&f)["remove"], 1, "b is ignored now");
}

#[test]
fn another_environment_is_not_answered_from_the_stamp() {
    let f = applied();
    settle();
    from_stamp(&f, &["status"]);
    let parse_cache = f.path(".jaunt/cache/parse-v1.bin");
    assert!(!parse_cache.exists());
    let out = f
        .jaunt()
        .env("JAUNT_SOME_SETTING", "1")
        .arg("status")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(parse_cache.exists(), "a new variable means a full run");
}

#[test]
fn a_changed_spec_changes_graph_and_specs_output() {
    let f = applied();
    settle();
    let (graph, _) = from_stamp(&f, &["graph", "--format", "json"]);
    let (specs, _) = from_stamp(&f, &["--json", "specs"]);
    f.write(
        "src/pkg/b.py",
        "import jaunt\n\n@jaunt.magic\ndef quad(x: int) -> int:\n    'Four times.'\n\n@jaunt.magic\ndef triple(x: int) -> int:\n    'Three times.'\n",
    );
    assert_ne!(f.ok(&["graph", "--format", "json"]), graph);
    assert_ne!(f.ok(&["--json", "specs"]), specs);
}
