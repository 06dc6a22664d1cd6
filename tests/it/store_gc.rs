//! `store gc` on a store several projects share: each apply records what
//! its project's jaunt.lock pins, and gc run from one project keeps what
//! the others used recently.

use crate::common::{Fixture, files_under};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

const DAY: Duration = Duration::from_secs(86_400);

/// A project named `name` with one module whose spec says `doc`, using
/// `store` (its own when `None`).
fn project(name: &str, doc: &str, store: Option<&Path>) -> Fixture {
    let mut f = Fixture::named(&format!("jaunt-gc-{name}-")).use_fake_generator();
    if let Some(store) = store {
        f.store = store.to_path_buf();
    }
    f.write("src/pkg/__init__.py", "").write(
        "src/pkg/m.py",
        &format!("import jaunt\n\n@jaunt.magic\ndef f(x: int) -> int:\n    '{doc}'\n"),
    );
    f
}

fn backdate(path: &Path, age: Duration) {
    std::fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(SystemTime::now() - age)
        .unwrap();
}

/// Makes every object in the store look `age` old.
fn age_objects(store: &Path, age: Duration) {
    for file in files_under(&store.join("v1")) {
        backdate(&file, age);
    }
}

/// The use records in the store.
fn records(store: &Path) -> Vec<PathBuf> {
    files_under(&store.join("use/v1"))
}

/// The use record that names `f`'s project.
fn record_of(f: &Fixture) -> PathBuf {
    let root = f.root().canonicalize().unwrap().display().to_string();
    records(&f.store)
        .into_iter()
        .find(|r| std::fs::read_to_string(r).unwrap().contains(&root))
        .expect("a use record")
}

/// stdout and stderr of a gc run, exit code first, with the projects'
/// roots and the store's path filtered.
fn gc_text(f: &Fixture, args: &[&str], roots: &[(PathBuf, &str)]) -> String {
    let mut argv = vec!["store", "gc"];
    argv.extend_from_slice(args);
    let (code, out, err) = f.run(&argv);
    let mut text = format!("exit: {code}\n--- stdout\n{out}--- stderr\n{err}");
    for (root, name) in roots {
        text = text.replace(&root.display().to_string(), name);
    }
    text
}

/// A project's root as records name it, for [`gc_text`].
fn real(f: &Fixture) -> PathBuf {
    f.root().canonicalize().unwrap()
}

macro_rules! snap {
    ($name:expr, $text:expr) => {
        insta::with_settings!({filters => vec![(r"\(\d+ bytes", "([N] bytes")]}, {
            insta::assert_snapshot!($name, $text);
        });
    };
}

#[test]
fn gc_in_one_project_keeps_what_another_uses() {
    let a = project("a", "Double.", None);
    let b = project("b", "Triple.", Some(&a.store));
    let c = project("c", "Halve.", Some(&a.store));
    let d = project("d", "Negate.", Some(&a.store));
    for f in [&a, &b, &c, &d] {
        f.ok(&["apply", "-q"]);
    }
    assert_eq!(records(&a.store).len(), 4);
    // A changes its spec: the artifact and entry it used before are garbage.
    a.write(
        "src/pkg/m.py",
        &a.read("src/pkg/m.py").replace("Double.", "Quadruple."),
    );
    a.ok(&["apply", "-q"]);
    // C is deleted, D has not been built for 40 days.
    let roots = [
        (real(&a), "[A]"),
        (real(&b), "[B]"),
        (real(&c), "[C]"),
        (real(&d), "[D]"),
    ];
    drop(c);
    backdate(&record_of(&d), 40 * DAY);
    age_objects(&a.store, 40 * DAY);

    let before = files_under(&a.store);
    snap!("gc_dry_run", gc_text(&a, &["--dry-run"], &roots));
    let dry = a.json(&["store", "gc", "--dry-run", "--json"]);
    assert_eq!(files_under(&a.store), before, "a dry run deletes nothing");
    assert_eq!(dry["dry_run"], true);
    // A's old objects, C's and D's go; A's and B's stay.
    assert_eq!(
        (&dry["artifacts_removed"], &dry["actions_removed"]),
        (&3.into(), &3.into()),
        "{dry:#}"
    );
    assert_eq!(
        (&dry["artifacts_kept"], &dry["actions_kept"]),
        (&2.into(), &2.into())
    );

    snap!("gc_shared", gc_text(&a, &[], &roots));
    assert_eq!(records(&a.store).len(), 2, "C's and D's records are gone");
    // B restores from the store without a model.
    std::fs::remove_file(b.path("src/pkg/__generated__/m.py")).unwrap();
    b.clear_log();
    b.ok(&["apply", "--offline", "-q"]);
    assert!(b.requests().is_empty());
    b.ok(&["check"]);
    // D's objects went with its record.
    std::fs::remove_file(d.path("src/pkg/__generated__/m.py")).unwrap();
    let (code, _, err) = d.run(&["apply", "--offline"]);
    assert_eq!(code, 4, "{err}");
}

#[test]
fn gc_all_removes_every_projects_objects_and_says_so() {
    let a = project("a", "Double.", None);
    let b = project("b", "Triple.", Some(&a.store));
    a.ok(&["apply", "-q"]);
    b.ok(&["apply", "-q"]);
    age_objects(&a.store, DAY);
    let (code, _, err) = a.run(&["store", "gc", "--all", "--keep-lock", "jaunt.lock"]);
    assert_eq!(code, 2, "--all keeps nothing: {err}");
    let roots = [(real(&a), "[A]"), (real(&b), "[B]")];
    snap!("gc_all", gc_text(&a, &["--all"], &roots));
    assert!(files_under(&a.store.join("v1/cas")).is_empty());
    assert!(records(&a.store).is_empty());
    std::fs::remove_file(b.path("src/pkg/__generated__/m.py")).unwrap();
    let (code, _, err) = b.run(&["apply", "--offline"]);
    assert_eq!(code, 4, "{err}");
}

/// Only apply records use: plan, check and the rest read. A no-op apply
/// leaves a fresh record as it is.
#[test]
fn only_apply_records_use_and_a_no_op_apply_leaves_the_record() {
    let f = Fixture::with_fake_generator();
    f.add_one_module();
    f.ok(&["plan"]);
    assert_eq!(f.run(&["check"]).0, 4);
    f.ok(&["status"]);
    f.ok(&["specs"]);
    assert!(records(&f.store).is_empty());

    f.ok(&["apply", "-q"]);
    let record = record_of(&f);
    backdate(&record, Duration::from_secs(3600));
    let stamp = || {
        (
            std::fs::read(&record).unwrap(),
            std::fs::metadata(&record).unwrap().modified().unwrap(),
        )
    };
    let before = stamp();
    f.ok(&["apply", "-q"]);
    f.ok(&["plan"]);
    f.ok(&["check"]);
    assert_eq!(stamp(), before, "no-op apply, plan and check leave it");

    f.write(
        "src/pkg/m.py",
        &f.read("src/pkg/m.py").replace("Double.", "Triple."),
    );
    f.ok(&["plan"]);
    assert_eq!(stamp(), before, "plan does not record");
    f.ok(&["apply", "-q"]);
    assert_ne!(
        stamp().0,
        before.0,
        "apply records what the lockfile now pins"
    );
    assert_eq!(records(&f.store), vec![record], "one record per project");
}

/// A record that cannot be read keeps nothing, is reported, and stays.
#[test]
fn an_unreadable_record_is_ignored_with_a_warning() {
    let f = project("a", "Double.", None);
    f.ok(&["apply", "-q"]);
    let junk = f.store.join("use/v1/junk");
    std::fs::write(&junk, "{\"root\": 1}").unwrap();
    let (code, out, err) = f.run(&["store", "gc"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains(&format!(
            "warning: ignoring {}: not a use record",
            junk.display()
        )),
        "{err}"
    );
    assert!(out.contains("unreadable, keeps nothing"), "{out}");
    assert!(junk.exists());
}

/// A project named `name` whose one contract, `pkg.m:f`, returns `x *
/// factor` and says so in its examples, using `store`.
fn contract_project(name: &str, factor: u32, store: &Path) -> Fixture {
    let mut f = Fixture::named(&format!("jaunt-gc-{name}-")).use_fake_generator();
    f.store = store.to_path_buf();
    f.write("src/pkg/__init__.py", "").write(
        "src/pkg/m.py",
        &format!(
            "import jaunt\n\n\n@jaunt.contract\ndef f(x: int) -> int:\n    \"\"\"Times {factor}.\n\n    Examples:\n      - 2 -> {}\n    \"\"\"\n    return x * {factor}\n",
            2 * factor
        ),
    );
    f
}

#[test]
fn gc_keeps_the_batteries_that_lockfiles_pin_and_other_projects_used() {
    let store = tempfile::tempdir().unwrap();
    let a = contract_project("a", 2, store.path());
    let b = contract_project("b", 3, store.path());
    for f in [&a, &b] {
        f.ok(&["apply", "-q"]);
    }
    const BATTERY: &str = "tests/contract/pkg/m/test_f.py";
    let (a_old, b_battery) = (a.read(BATTERY), b.read(BATTERY));
    // A adds an example: its old battery and entry are garbage.
    a.write(
        "src/pkg/m.py",
        &a.read("src/pkg/m.py")
            .replace("- 2 -> 4\n", "- 2 -> 4\n      - 5 -> 10\n"),
    );
    a.ok(&["reconcile", "-q"]);
    assert_ne!(a.read(BATTERY), a_old);
    age_objects(store.path(), 40 * DAY);
    let gc = a.json(&["store", "gc", "--json"]);
    assert_eq!(
        (&gc["artifacts_removed"], &gc["actions_removed"]),
        (&1.into(), &1.into()),
        "{gc:#}"
    );
    assert_eq!(
        (&gc["artifacts_kept"], &gc["actions_kept"]),
        (&2.into(), &2.into()),
        "A's pinned battery and B's recently used one: {gc:#}"
    );
    // Both kept batteries come back from the store, not from derivation.
    for f in [&a, &b] {
        let kept = f.read(BATTERY);
        std::fs::remove_file(f.path(BATTERY)).unwrap();
        let report = f.json(&["apply", "--offline", "--json"]);
        assert_eq!(
            report["contracts"]["restored"],
            serde_json::json!(["pkg.m:f"]),
            "{report:#}"
        );
        assert_eq!(f.read(BATTERY), kept);
    }
    assert_eq!(b.read(BATTERY), b_battery);
    // A's old battery went: going back to it derives it again.
    a.write(
        "src/pkg/m.py",
        &a.read("src/pkg/m.py").replace("      - 5 -> 10\n", ""),
    );
    let report = a.json(&["reconcile", "--json"]);
    assert_eq!(
        report["derived"],
        serde_json::json!(["pkg.m:f"]),
        "{report:#}"
    );
    assert_eq!(a.read(BATTERY), a_old);
}
