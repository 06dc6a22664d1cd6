//! Discovery: roots and skipped directories, targeted discovery, the
//! parse cache, configuration errors and bad spec files.

use crate::common::Fixture;

fn project() -> Fixture {
    let f = Fixture::new();
    f.write("jaunt.toml", "version = 1\n");
    f
}

const SPEC: &str = "import jaunt\n\n@jaunt.magic\ndef f(): ...\n";

#[test]
fn modules_are_found_by_python_rules_not_by_a_list_of_names() {
    let f = project();
    f.write("src/pkg/__init__.py", "")
        .write("src/pkg/mod.py", SPEC)
        .write("top.py", SPEC)
        .write(
            "tests/test_top.py",
            "import jaunt\n\n@jaunt.test\ndef test_f(): ...\n",
        )
        .write("src/pkg/__generated__/mod.py", "")
        // Packages named like common tool directories are packages.
        .write("build/__init__.py", "")
        .write("build/tools.py", SPEC)
        .write("src/pkg/env/__init__.py", "")
        .write("src/pkg/env/vars.py", SPEC)
        .write("dist/x.py", SPEC)
        .write("target/y.py", SPEC)
        // Unicode identifiers are module names.
        .write("café.py", SPEC)
        // Skipped, each for a reason `-v` names.
        .write(".hidden/h.py", SPEC)
        .write("myenv/pyvenv.cfg", "home = /usr\n")
        .write("myenv/lib/e.py", SPEC)
        .write("ignored/i.py", SPEC)
        .write("ignored/j.py", SPEC)
        .write("ignored/plain.py", "x = 1\n")
        .write(".gitignore", "ignored/\n")
        .write("my-script.py", SPEC)
        .write("class.py", SPEC);
    assert_eq!(
        f.spec_refs(&[]),
        [
            "build.tools:f",
            "café:f",
            "dist.x:f",
            "pkg.env.vars:f",
            "pkg.mod:f",
            "target.y:f",
            "top:f",
            "test_top:test_f"
        ]
    );
    let (code, _, err) = f.run(&["-v", "specs"]);
    assert_eq!(code, 0, "{err}");
    let skipped: Vec<&str> = err.lines().filter(|l| l.contains("skipped")).collect();
    insta::assert_snapshot!(skipped.join("\n"), @r"
    note: skipped .hidden (hidden directory): 1 file(s) with jaunt specs
    note: skipped class.py (not an importable module name (every part of the path must be a Python identifier)): 1 file(s) with jaunt specs
    note: skipped ignored (excluded by .gitignore or .ignore): 2 file(s) with jaunt specs
    note: skipped my-script.py (not an importable module name (every part of the path must be a Python identifier)): 1 file(s) with jaunt specs
    note: skipped myenv (virtual environment (pyvenv.cfg)): 1 file(s) with jaunt specs
    ");
    // Without -v nothing extra is walked or said.
    let (_, _, quiet) = f.run(&["specs"]);
    assert!(!quiet.contains("skipped"), "{quiet}");
}

#[test]
fn a_root_that_is_a_package_contributes_its_name_so_overlapping_roots_rename_nothing() {
    let f = project();
    f.write(
        "jaunt.toml",
        "version = 1\n[paths]\nsource_roots = [\"src\", \"src/shop\"]\n",
    )
    .write("src/shop/__init__.py", "")
    .write("src/shop/cart.py", SPEC)
    .write("src/other.py", SPEC)
    .write("tests/__init__.py", "")
    .write(
        "tests/specs.py",
        "import jaunt\n\n@jaunt.test\ndef test_f(): ...\n",
    );
    assert_eq!(
        f.spec_refs(&[]),
        ["other:f", "shop.cart:f", "tests.specs:test_f"]
    );
    // Targeted discovery names a module the same way.
    assert_eq!(f.spec_refs(&["--target", "shop.cart"]), ["shop.cart:f"]);
    assert_eq!(
        f.spec_refs(&["--target", "tests.specs"]),
        ["tests.specs:test_f"]
    );
}

#[test]
fn a_generated_dir_named_like_a_package_is_a_config_error() {
    let f = project();
    f.write(
        "jaunt.toml",
        "version = 1\n[paths]\nsource_roots = [\"src\"]\ngenerated_dir = \"shop\"\n",
    )
    .write("src/shop/__init__.py", "")
    .write("src/shop/cart.py", SPEC);
    let (code, _, err) = f.run(&["apply"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("names a directory jaunt did not write: src/shop/cart.py"),
        "{err}"
    );
    assert!(err.contains("set `generated_dir`"), "{err}");
    assert!(f.path("src/shop/cart.py").exists());
}

#[test]
fn roots_outside_the_project_or_through_a_symlink_loop_are_config_errors() {
    let f = project();
    let outside = tempfile::tempdir().unwrap();
    f.write(
        "jaunt.toml",
        &format!(
            "version = 1\n[paths]\nsource_roots = [{:?}]\n",
            outside.path().display().to_string()
        ),
    );
    let (code, _, err) = f.run(&["specs"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("jaunt.toml:3: source root"), "{err}");
    assert!(err.contains("is outside the project"), "{err}");

    f.write(
        "jaunt.toml",
        "version = 1\n[paths]\ntest_roots = [\"loop\"]\n",
    );
    std::os::unix::fs::symlink("loop", f.path("loop")).unwrap();
    let (code, _, err) = f.run(&["specs"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("test root `loop` is a symlink that does not resolve"),
        "{err}"
    );
}

#[test]
fn an_absolute_root_inside_the_project_is_recorded_relative() {
    let f = Fixture::with_fake_generator();
    f.add_one_module();
    let toml = f.read("jaunt.toml").replace(
        "source_roots = [\"src\"]",
        &format!("source_roots = [{:?}]", f.path("src").display().to_string()),
    );
    f.write("jaunt.toml", &toml);
    f.ok(&["apply"]);
    let lock = f.read("jaunt.lock");
    assert!(lock.contains("source = \"src/pkg/m.py\""), "{lock}");
    f.ok(&["check"]);
}

#[test]
fn targeted_discovery_parses_only_the_closure() {
    let f = project();
    f.write("src/app/__init__.py", "from app.models import User\n")
        .write("src/app/models.py", "import jaunt\n\n@jaunt.magic\nclass User: ...\n")
        .write(
            "src/app/api.py",
            "import jaunt\nfrom app import User\n\n@jaunt.magic(deps=\"app.util:fmt\")\ndef get(u: User): ...\n",
        )
        .write("src/app/util.py", "import jaunt\n\n@jaunt.magic\ndef fmt(): ...\n")
        .write("src/app/unrelated.py", "import jaunt\n\n@jaunt.magic\ndef other(): ...\n")
        .write("src/broken.py", "def oops(:\n");
    let (code, _, err) = f.run(&["graph", "--format", "json"]);
    assert_eq!(code, 2, "a full scan sees the broken file: {err}");
    let targeted = f.json(&["graph", "--format", "json", "--target", "app.api"]);
    assert_eq!(
        targeted,
        serde_json::json!({
            "specs": {
                "app.api:get": ["app.models:User", "app.util:fmt"],
                "app.models:User": [],
                "app.util:fmt": []
            },
            "modules": {
                "app.api": ["app.models", "app.util"],
                "app.models": [],
                "app.util": []
            },
            "tests_by_target": {}
        })
    );
    std::fs::remove_file(f.path("src/broken.py")).unwrap();
    let full = f.json(&["graph", "--format", "json"]);
    for (k, v) in targeted["specs"].as_object().unwrap() {
        assert_eq!(&full["specs"][k], v, "same edges as a full scan for {k}");
    }
    let (code, _, err) = f.run(&["graph", "--target", "app.nope"]);
    assert_eq!(code, 2);
    assert!(err.contains("target module `app.nope` not found"), "{err}");
}

fn parsed_count(err: &str) -> usize {
    let line = err
        .lines()
        .find(|l| l.contains("files read from the parse cache"))
        .unwrap_or_else(|| panic!("no cache note in {err}"));
    let parsed = line.rsplit(", ").next().unwrap();
    parsed.split_whitespace().next().unwrap().parse().unwrap()
}

/// Sets a file's mtime into the past so it is not "racy" against the cache.
fn age(f: &Fixture, rel: &str, secs_ago: u64) {
    let t = std::time::SystemTime::now() - std::time::Duration::from_secs(secs_ago);
    let file = std::fs::File::options()
        .write(true)
        .open(f.path(rel))
        .unwrap();
    file.set_modified(t).unwrap();
}

#[test]
fn parse_cache_hits_invalidates_and_survives_corruption() {
    let f = project();
    f.write("a.py", SPEC).write("b.py", SPEC);
    age(&f, "a.py", 100);
    age(&f, "b.py", 100);
    let (_, _, err) = f.run(&["-v", "specs"]);
    assert_eq!(parsed_count(&err), 2, "cold: {err}");
    assert!(f.exists(".jaunt/cache/parse-v1.bin"));
    let (_, _, err) = f.run(&["-v", "specs"]);
    assert_eq!(parsed_count(&err), 0, "warm: {err}");

    f.write("a.py", "import jaunt\n\n@jaunt.magic\ndef g(): ...\n");
    age(&f, "a.py", 50);
    let (_, _, err) = f.run(&["-v", "specs"]);
    assert_eq!(parsed_count(&err), 1, "one changed file: {err}");
    assert_eq!(f.spec_refs(&[]), ["a:g", "b:f"]);

    std::fs::write(
        f.path(".jaunt/cache/parse-v1.bin"),
        b"\x00garbage not a cache",
    )
    .unwrap();
    let (code, _, err) = f.run(&["-v", "specs"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(parsed_count(&err), 2, "corrupt cache ignored: {err}");
    let (_, _, err) = f.run(&["-v", "specs"]);
    assert_eq!(parsed_count(&err), 0, "and rewritten: {err}");

    let out = f.ok(&["cache", "clear"]);
    assert!(out.contains("parse cache removed"), "{out}");
    assert!(!f.exists(".jaunt/cache"));
}

#[test]
fn racy_change_within_mtime_granularity_is_reparsed() {
    let f = project();
    f.write("a.py", SPEC);
    let before = std::fs::metadata(f.path("a.py"))
        .unwrap()
        .modified()
        .unwrap();
    f.ok(&["specs"]);
    // Same size, same mtime, different content: only the racy rule saves us.
    f.write("a.py", "import jaunt\n\n@jaunt.magic\ndef h(): ...\n");
    std::fs::File::options()
        .write(true)
        .open(f.path("a.py"))
        .unwrap()
        .set_modified(before)
        .unwrap();
    assert_eq!(f.spec_refs(&[]), ["a:h"]);
}

#[test]
fn syntax_error_names_file_and_line_and_other_files_still_report() {
    let f = project();
    f.write("good.py", SPEC)
        .write(
            "bad.py",
            "import jaunt\n\n@jaunt.magic\ndef f(:\n    pass\n",
        )
        .write("worse.py", "import jaunt\n\n\nx = (\n");
    let (code, out, err) = f.run(&["specs"]);
    assert_eq!(code, 2, "{err}");
    assert!(out.is_empty());
    assert!(err.contains("bad.py:4:"), "{err}");
    assert!(err.contains("worse.py:"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn non_static_deps_is_an_error_with_a_fix() {
    let f = project();
    f.write(
        "m.py",
        "import jaunt\n\ndef pick(): ...\n\n@jaunt.magic(deps=pick())\ndef f(): ...\n",
    );
    let (code, _, err) = f.run(&["specs"]);
    assert_eq!(code, 2);
    assert!(err.contains("m.py:5:"), "{err}");
    assert!(err.contains("hint:"), "{err}");
}

#[test]
fn unknown_config_key_suggests_the_right_one() {
    let f = Fixture::new();
    f.write(
        "jaunt.toml",
        "version = 1\n\n[paths]\nsource_root = [\"src\"]\n",
    );
    let (code, _, err) = f.run(&["specs"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("jaunt.toml:4: unknown key `paths.source_root`"),
        "{err}"
    );
    assert!(err.contains("did you mean `paths.source_roots`?"), "{err}");
}

#[test]
fn missing_explicit_source_root_is_an_error_missing_defaults_are_not() {
    let f = Fixture::new();
    f.write(
        "jaunt.toml",
        "version = 1\n[paths]\nsource_roots = [\"lib\"]\n",
    );
    let (code, _, err) = f.run(&["specs"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("jaunt.toml:3: source root `lib` does not exist"),
        "{err}"
    );
    let g = Fixture::new();
    g.write("jaunt.toml", "version = 1\n").write("m.py", SPEC);
    assert_eq!(g.spec_refs(&[]), ["m:f"]);
}

#[test]
fn pyproject_tool_jaunt_and_root_discovery_from_a_subdirectory() {
    let f = Fixture::new();
    f.write("pyproject.toml", "[project]\nname = \"x\"\n\n[tool.jaunt]\nversion = 1\n\n[tool.jaunt.paths]\nsource_roots = [\"src\"]\n")
        .write("src/pkg/__init__.py", "")
        .write("src/pkg/m.py", SPEC);
    let out = f
        .jaunt()
        .current_dir(f.path("src/pkg"))
        .args(["specs", "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("pkg.m:f"));
    let none = tempfile::tempdir().unwrap();
    let out = f
        .jaunt()
        .current_dir(none.path())
        .args(["specs"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("jaunt init"));
}

/// Runs jaunt with a deadline: a command that blocks on a FIFO fails the
/// test instead of hanging the suite.
fn run_within(f: &Fixture, args: &[&str], seconds: u64) -> (i32, String) {
    use std::io::Read;
    use wait_timeout::ChildExt;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_jaunt"))
        .args(args)
        .current_dir(f.root())
        .env("JAUNT_STORE", &f.store)
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let status = child
        .wait_timeout(std::time::Duration::from_secs(seconds))
        .unwrap();
    let Some(status) = status else {
        let _ = child.kill();
        panic!("jaunt {args:?} hung");
    };
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    (status.code().unwrap_or(-1), err)
}

/// A FIFO at `path`, in place of whatever was there.
fn mkfifo(path: &std::path::Path) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let _ = std::fs::remove_file(path);
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn a_fifo_where_a_file_belongs_is_an_error_not_a_hang() {
    let f = Fixture::with_fake_generator();
    f.add_one_module();
    for (fifo, code, says) in [
        ("jaunt.lock", 2, "not a regular file"),
        (".env", 2, ".env is not a regular file"),
        (".jaunt/cache/parse-v1.bin", 0, ""),
    ] {
        mkfifo(&f.path(fifo));
        let (got, err) = run_within(&f, &["plan"], 20);
        assert_eq!(got, code, "{fifo}: {err}");
        assert!(err.contains(says), "{fifo}: {err}");
        std::fs::remove_file(f.path(fifo)).unwrap();
    }
    // A FIFO at the generated file's path is never written through.
    mkfifo(&f.path("src/pkg/__generated__/m.py"));
    let (got, err) = run_within(&f, &["apply"], 20);
    assert_eq!(got, 3, "{err}");
    assert!(err.contains("not written by jaunt"), "{err}");
}

#[test]
fn jobs_above_the_limit_are_refused() {
    let f = project();
    let (code, _, err) = f.run(&["--jobs", "100000", "plan"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("from 1 to 256"), "{err}");
    f.write(
        "jaunt.toml",
        &format!("{}\n[build]\njobs = 100000\n", f.read("jaunt.toml")),
    );
    let (code, _, err) = f.run(&["plan"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("above the limit of 256"), "{err}");
}

/// Runs jaunt as a user the file permissions apply to: `nobody` when the
/// suite runs as root (as CI does), else the current user.
fn run_unprivileged(f: &Fixture, args: &[&str]) -> (i32, String) {
    let jaunt = env!("CARGO_BIN_EXE_jaunt");
    let mut cmd = if unsafe { libc::geteuid() } == 0 {
        let mut c = std::process::Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
            .arg(jaunt);
        c
    } else {
        std::process::Command::new(jaunt)
    };
    let out = cmd
        .args(args)
        .current_dir(f.root())
        .env("JAUNT_STORE", &f.store)
        .env("NO_COLOR", "1")
        .output()
        .expect("setpriv (util-linux) runs jaunt as nobody");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Opens the project to other users, as a checkout normally is.
fn open_up(dir: &std::path::Path) {
    use std::os::unix::fs::PermissionsExt;
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
            open_up(&path);
        } else {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
    }
}

#[test]
fn an_unreadable_spec_file_or_directory_is_an_error_never_a_deletion() {
    use std::os::unix::fs::PermissionsExt;
    let f = Fixture::with_fake_generator();
    f.write("src/pkg/__init__.py", "")
        .write(
            "src/pkg/m.py",
            "import jaunt\n\n@jaunt.magic\ndef f(x: int) -> int:\n    'Double.'\n",
        )
        .write(
            "src/pkg/n.py",
            "import jaunt\n\n@jaunt.magic\ndef g(x: int) -> int:\n    'Triple.'\n",
        );
    f.ok(&["apply"]);
    let lock = f.read("jaunt.lock");
    std::fs::remove_dir_all(f.path(".jaunt")).unwrap();
    std::fs::set_permissions(f.root(), std::fs::Permissions::from_mode(0o755)).unwrap();
    open_up(f.root());
    let mode = |rel: &str, m: u32| {
        std::fs::set_permissions(f.path(rel), std::fs::Permissions::from_mode(m)).unwrap()
    };
    for (rel, dir_mode, says) in [
        ("src/pkg/m.py", 0o000, "cannot read src/pkg/m.py"),
        ("src/pkg", 0o000, "cannot read"),
    ] {
        mode(rel, dir_mode);
        for args in [&["apply"][..], &["plan"], &["check"]] {
            let (code, err) = run_unprivileged(&f, args);
            assert_eq!(code, 2, "{rel} {args:?}: {err}");
            assert!(err.contains(says), "{rel} {args:?}: {err}");
            assert!(err.contains("error[discovery]"), "{err}");
        }
        mode(rel, if rel.ends_with(".py") { 0o644 } else { 0o755 });
    }
    assert_eq!(f.read("jaunt.lock"), lock, "no entry was dropped");
    assert!(f.exists("src/pkg/__generated__/m.py"));
    assert!(f.exists("src/pkg/__generated__/n.py"));
}

#[test]
fn a_module_with_both_build_and_test_specs_is_an_error_not_an_overwrite() {
    let f = project();
    f.write(
        "src/mixed.py",
        "import jaunt\n\n@jaunt.magic\ndef f(): ...\n\n@jaunt.test\ndef test_f(): ...\n",
    );
    let (code, _, err) = f.run(&["plan"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("src/mixed.py:7"), "{err}");
    assert!(
        err.contains("holds both @jaunt.magic and @jaunt.test specs"),
        "{err}"
    );
}
