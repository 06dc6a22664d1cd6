//! Contract mode: `@jaunt.contract` discovered, batteries derived from the
//! docstring without a model, checked for each drift state, adopted and
//! ejected (docs/contracts.md).

use crate::common::Fixture;
use std::process::Command;

const TEXT: &str = r#"import asyncio

import jaunt


class BadInput(Exception):
    pass


@jaunt.contract
def slugify(title: str, sep: str = "-") -> str:
    """Turn a title into a URL slug.

    Examples:
      - "  Hello, World!  " -> "hello-world"
      - "a b", sep="_" -> "a_b"

    Raises:
      - "" raises ValueError
      - None raises BadInput
    """
    if title is None:
        raise BadInput("none")
    words = "".join(c if c.isalnum() else " " for c in title.lower()).split()
    if not words:
        raise ValueError("empty")
    return sep.join(words)


@jaunt.contract(deps=[slugify])
async def aslug(title: str) -> str:
    """Async slug.

    Examples:
      - "A B" -> "a-b"
    """
    await asyncio.sleep(0)
    return slugify(title)


@jaunt.contract
def stamp(tmp_path, name: str) -> str:
    """Write a stamp file and return its text.

    Fixtures: tmp_path

    Examples:
      - tmp_path, "x" -> "stamp:x"
    """
    path = tmp_path / name
    path.write_text(f"stamp:{name}")
    return path.read_text()


@jaunt.contract
class Counter:
    """Counts.

    Examples:
      - Counter().add() -> 1
      - Counter().add() + Counter().add() -> 2

    Raises:
      - Counter().add(1) raises TypeError
    """

    def __init__(self) -> None:
        self.n = 0

    def add(self) -> int:
        self.n += 1
        return self.n
"#;

/// A project with one magic spec (one model call) and the contracts above.
fn project() -> Fixture {
    let f = Fixture::with_fake_generator();
    f.add_one_module();
    f.write("src/shop/__init__.py", "")
        .write("src/shop/text.py", TEXT)
        .write(
            "tests/contract/conftest.py",
            "import pytest\n\n\n@pytest.fixture\ndef unused_fixture():\n    return 1\n",
        );
    f
}

const SLUG: &str = "tests/contract/shop/text/test_slugify.py";

fn edit(f: &Fixture, from: &str, to: &str) {
    let text = f.read("src/shop/text.py");
    assert!(text.contains(from), "{from}");
    f.write("src/shop/text.py", &text.replacen(from, to, 1));
}

fn check(f: &Fixture, args: &[&str]) -> (i32, String) {
    let (code, _, err) = f.run(&[&["check"], args].concat());
    (code, err)
}

#[test]
fn contracts_are_discovered_with_their_kind_shape_and_deps() {
    let f = project();
    let specs = f.json(&["specs", "--json"]);
    let rows = specs["specs"].as_array().unwrap();
    let contract = |name: &str| {
        rows.iter()
            .find(|r| r["ref"] == format!("shop.text:{name}"))
            .unwrap_or_else(|| panic!("{name} in {specs}"))
    };
    for (name, definition) in [
        ("slugify", "function"),
        ("aslug", "async_function"),
        ("Counter", "class"),
    ] {
        assert_eq!(contract(name)["kind"], "contract");
        assert_eq!(contract(name)["definition"], definition);
    }
    assert_eq!(
        contract("aslug")["deps"],
        serde_json::json!(["shop.text:slugify"])
    );
    assert!(
        !rows.iter().any(|r| r["ref"] == "shop.text:BadInput"),
        "unmarked code is no spec"
    );
    let graph = f.json(&["graph", "--kind", "contract", "--json"]);
    assert_eq!(
        graph["specs"]["shop.text:aslug"],
        serde_json::json!(["shop.text:slugify"])
    );
    // A contract in a class, or one without a body, is an error.
    f.write(
        "src/shop/bad.py",
        "import jaunt\n\nclass C:\n    @jaunt.contract\n    def m(self):\n        return 1\n\n@jaunt.contract\ndef stub():\n    ...\n",
    );
    let (code, _, err) = f.run(&["specs"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("contracts are top-level"), "{err}");
    assert!(err.contains("which has no body"), "{err}");
}

#[test]
fn apply_derives_batteries_from_examples_and_raises_without_a_model_call() {
    let f = project();
    let (code, _) = check(&f, &["--contracts-only"]);
    assert_eq!(code, 4, "unbuilt batteries fail the gate");
    let plan = f.json(&["plan", "--json"]);
    assert_eq!(plan["contracts"].as_array().unwrap().len(), 4, "{plan}");
    assert_eq!(
        plan["contracts"][0]["drift"],
        serde_json::json!(["unbuilt: no battery derived yet"])
    );
    assert!(
        f.ok(&["plan"])
            .contains("shop.text:slugify [contract] (derive)")
    );
    let report = f.json(&["apply", "--no-skills", "--json"]);
    let requests = f.requests();
    assert_eq!(requests.len(), 1, "only the magic spec: {requests:?}");
    assert_eq!(requests[0]["spec_module"], "pkg.m");
    assert_eq!(report["model_calls"], 1);
    let contracts = &report["contracts"];
    assert_eq!(
        contracts["derived"].as_array().unwrap().len(),
        4,
        "{report}"
    );
    assert_eq!(contracts["model_calls"], 0);
    let battery = f.read(SLUG);
    assert!(battery.starts_with("# This file was generated by jaunt. DO NOT EDIT.\n"));
    assert!(battery.contains("# jaunt:kind=contract\n"));
    assert!(battery.contains("assert slugify(\"a b\", sep=\"_\") == (\"a_b\")"));
    assert!(battery.contains("with pytest.raises(BadInput):\n        slugify(None)"));
    assert!(battery.contains("from shop.text import slugify, BadInput\n"));
    let async_battery = f.read("tests/contract/shop/text/test_aslug.py");
    assert!(async_battery.contains("assert asyncio.run(aslug(\"A B\")) == (\"a-b\")"));
    // A class's cases are expressions naming it, each with its own instance.
    let class_battery = f.read("tests/contract/shop/text/test_Counter.py");
    assert!(
        class_battery.contains("def test_example_1():\n    assert Counter().add() == (1)\n"),
        "{class_battery}"
    );
    assert!(class_battery.contains("assert Counter().add() + Counter().add() == (2)"));
    assert!(class_battery.contains("with pytest.raises(TypeError):\n        Counter().add(1)"));
    assert!(!class_battery.contains("is_importable"), "{class_battery}");
    let fixtures = f.read("tests/contract/shop/text/test_stamp.py");
    assert!(
        fixtures.contains("def test_example_1(tmp_path):"),
        "{fixtures}"
    );
    let lock = f.read("jaunt.lock");
    assert!(
        lock.contains("[[contract]]\nref = \"shop.text:slugify\""),
        "{lock}"
    );
    assert!(lock.contains(&format!("battery = \"{SLUG}\"")));
    // The battery is in the store under its artifact digest.
    let artifact = lock
        .split("ref = \"shop.text:slugify\"")
        .nth(1)
        .and_then(|rest| rest.split("artifact = \"b3:").nth(1))
        .map(|rest| rest[..64].to_string())
        .unwrap();
    let object = f
        .store
        .join(format!("v1/cas/{}/{}.zst", &artifact[..2], &artifact[2..]));
    assert!(object.exists(), "{}", object.display());
    // Current and passing: the gate is green; a second apply derives nothing.
    let (code, err) = check(&f, &[]);
    assert_eq!(code, 0, "{err}");
    let again = f.json(&["apply", "--no-skills", "--json"]);
    assert_eq!(again["contracts"]["derived"], serde_json::json!([]));
    assert_eq!(f.requests().len(), 1);
    // `jaunt test` runs the batteries.
    let (code, out, err) = f.run(&["test", "--no-skills"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("passed"), "{out}");
    // A method that stops doing what the class's examples say is drift.
    edit(&f, "        return self.n\n", "        return self.n + 1\n");
    let (code, err) = check(&f, &["--contracts-only"]);
    assert_eq!(code, 4, "{err}");
    assert!(
        err.contains("shop.text:Counter (contract): behaviour drift"),
        "{err}"
    );
}

#[test]
fn check_exits_4_on_each_drift_state_and_stays_green_after_a_body_refactor() {
    let f = project();
    f.ok(&["apply", "--no-skills"]);
    assert_eq!(check(&f, &["--contracts-only"]).0, 0);
    // A refactor that keeps behaviour: still green.
    edit(
        &f,
        "    return sep.join(words)\n",
        "    joined = sep.join(w for w in words)\n    return joined\n",
    );
    let (code, err) = check(&f, &["--contracts-only"]);
    assert_eq!(code, 0, "{err}");
    // Behaviour drift: the code no longer does what the docstring says.
    edit(&f, "    return joined\n", "    return joined.upper()\n");
    let (code, err) = check(&f, &["--contracts-only"]);
    assert_eq!(code, 4);
    assert!(
        err.contains("shop.text:slugify (contract): behaviour drift"),
        "{err}"
    );
    assert_eq!(
        check(&f, &["--contracts-only", "--no-run"]).0,
        0,
        "--no-run skips it"
    );
    edit(&f, "    return joined.upper()\n", "    return joined\n");
    // Stale prose.
    edit(&f, "Turn a title into a URL slug.", "Make a slug.");
    let (code, err) = check(&f, &["--contracts-only", "--no-run"]);
    assert_eq!(code, 4);
    assert!(err.contains("stale prose"), "{err}");
    assert!(!err.contains("signature drift"), "{err}");
    let (code, _, err) = f.run(&["apply", "--no-skills", "--locked"]);
    assert_eq!(
        code, 4,
        "--locked refuses a battery that would change: {err}"
    );
    assert!(
        err.contains("contract batteries would change:")
            && err.contains("shop.text:slugify (stale prose"),
        "{err}"
    );
    f.ok(&["reconcile"]);
    assert_eq!(check(&f, &["--contracts-only"]).0, 0);
    // Signature drift; a deps= contract whose dependency changed is stale too.
    edit(
        &f,
        "def slugify(title: str, sep: str = \"-\")",
        "def slugify(title: str, sep: str = \"-\", *, lower: bool = True)",
    );
    let (code, err) = check(&f, &["--contracts-only", "--no-run"]);
    assert_eq!(code, 4);
    assert!(err.contains("slugify (contract): signature drift"), "{err}");
    assert!(err.contains("aslug (contract): inputs changed"), "{err}");
    let json = f.json_code(&["check", "--contracts-only", "--no-run", "--json"], 4);
    assert_eq!(json["ok"], false);
    // reconcile derives only the contracts: no model call.
    f.clear_log();
    let report = f.json(&["reconcile", "--json"]);
    let derived: Vec<&str> = report["derived"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(derived, ["shop.text:aslug", "shop.text:slugify"]);
    assert!(f.requests().is_empty());
    assert_eq!(check(&f, &[]).0, 0);
    // A hand-edited battery is drift too.
    f.write(SLUG, &f.read(SLUG).replace("hello-world", "hello"));
    let (code, err) = check(&f, &["--contracts-only", "--no-run"]);
    assert_eq!(code, 4);
    assert!(err.contains("battery edited"), "{err}");
    // Derived again; the hand edit is kept aside, never lost.
    let (code, _, err) = f.run(&["reconcile"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("was edited by hand; your version is kept in"),
        "{err}"
    );
    assert!(f.read(SLUG).contains("hello-world"));
    assert_eq!(check(&f, &["--contracts-only"]).0, 0);
}

/// Lines of `new` as a diff from `old` when `new` only adds lines: `+` for
/// an added line, two spaces for a kept one.
fn insertions(old: &str, new: &str) -> String {
    let mut old_lines = old.lines().peekable();
    let mut out = String::new();
    for line in new.lines() {
        if old_lines.peek() == Some(&line) {
            old_lines.next();
            out.push_str(&format!("  {line}\n"));
        } else {
            out.push_str(&format!("+ {line}\n"));
        }
    }
    assert!(old_lines.next().is_none(), "lines were removed or changed");
    out
}

#[test]
fn adopt_marks_formatted_code_with_a_minimal_edit_and_derives() {
    let f = Fixture::with_fake_generator();
    let original = "\"\"\"Money helpers.\"\"\"\n\nfrom __future__ import annotations\n\nimport functools  # caching\n\n\n@functools.lru_cache(maxsize=None)\ndef cents(\n    amount: str,\n) -> int:\n    \"\"\"Parse an amount into cents.\n\n    Examples:\n      - \"1.50\" -> 150\n      - \"2\" -> 200\n\n    Raises:\n      - \"x\" raises ValueError\n    \"\"\"\n    whole, _, frac = amount.partition(\".\")\n    return int(whole) * 100 + int((frac + \"00\")[:2])\n";
    f.write("src/money.py", original);
    let out = f.ok(&["adopt", "money:cents"]);
    assert!(out.contains("adopted money:cents"), "{out}");
    let adopted = f.read("src/money.py");
    insta::assert_snapshot!(insertions(original, &adopted));
    assert!(f.requests().is_empty(), "derivation calls no model");
    let battery = f.read("tests/contract/money/test_cents.py");
    assert!(
        battery.contains("assert cents(\"1.50\") == (150)"),
        "{battery}"
    );
    let (code, err) = check(&f, &[]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = f.run(&["adopt", "money:cents"]);
    assert_eq!(code, 2);
    assert!(err.contains("already marked @jaunt.contract"), "{err}");
}

#[test]
fn eject_leaves_plain_python_and_a_battery_that_passes_without_jaunt() {
    let f = project();
    f.ok(&["apply", "--no-skills"]);
    f.ok(&["eject", "--all"]);
    let text = f.read("src/shop/text.py");
    assert!(!text.contains("jaunt"), "{text}");
    assert_eq!(
        text,
        TEXT.replace("import jaunt\n\n", "")
            .replace("@jaunt.contract(deps=[slugify])\n", "")
            .replace("@jaunt.contract\n", "")
    );
    let battery = f.read(SLUG);
    assert!(
        battery.starts_with("\"\"\"Contract battery"),
        "header dropped: {battery}"
    );
    assert!(!f.read("jaunt.lock").contains("[[contract]]"));
    // A `jaunt` that fails on import shadows any installed one: the code
    // and batteries must not need it.
    f.write(
        "nojaunt/jaunt.py",
        "raise ImportError('jaunt must not be needed')\n",
    );
    let out = Command::new("python3")
        .args([
            "-m",
            "pytest",
            "-q",
            "--import-mode=importlib",
            "-p",
            "no:cacheprovider",
            "tests/contract",
        ])
        .env(
            "PYTHONPATH",
            format!(
                "{}:{}",
                f.path("nojaunt").display(),
                f.path("src").display()
            ),
        )
        .current_dir(f.root())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("9 passed"), "{stdout}");
    // Ejected code is no contract; the battery is the user's, never touched.
    let specs = f.json(&["specs", "--json"]);
    assert!(!specs.to_string().contains("\"contract\""), "{specs}");
    f.ok(&["apply", "--no-skills"]);
    assert_eq!(f.read(SLUG), battery);
}

/// `grade` with a docstring of `examples`.
fn grading(examples: &str) -> Fixture {
    let f = Fixture::with_fake_generator();
    f.write(
        "src/school.py",
        &format!(
            "import jaunt\n\n\n@jaunt.contract\ndef grade(score: int) -> str:\n    \"\"\"Letter grade.\n\n    Examples:\n{examples}    \"\"\"\n    if score < 0:\n        raise ValueError(\"negative\")\n    if score >= 90:\n        return \"A\"\n    if score >= 80:\n        return \"B\"\n    return \"C\"\n"
        ),
    );
    f.ok(&["reconcile"]);
    f
}

fn strength(f: &Fixture) -> (f64, u64) {
    let path = f.path("src/school.py");
    let before = (
        std::fs::read(&path).unwrap(),
        std::fs::metadata(&path).unwrap().modified().unwrap(),
    );
    let (code, out, err) = f.run(&["test", "--no-skills", "--strength"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("strength school:grade: "), "{out}");
    let after = (
        std::fs::read(&path).unwrap(),
        std::fs::metadata(&path).unwrap().modified().unwrap(),
    );
    assert_eq!(before, after, "mutants never touch the user's file");
    let scores: serde_json::Value = serde_json::from_str(&f.read(".jaunt/strength.json")).unwrap();
    let s = &scores[0];
    assert_eq!(s["ref"], "school:grade");
    assert!(f.ok(&["status"]).contains("strength school:grade: "));
    (s["score"].as_f64().unwrap(), s["mutants"].as_u64().unwrap())
}

#[test]
fn a_battery_with_more_examples_kills_more_mutants() {
    let weak = grading("      - 95 -> \"A\"\n");
    let strong = grading(
        "      - 95 -> \"A\"\n      - 90 -> \"A\"\n      - 89 -> \"B\"\n      - 80 -> \"B\"\n      - 79 -> \"C\"\n\n    Raises:\n      - -1 raises ValueError\n",
    );
    let (weak_score, weak_mutants) = strength(&weak);
    let (strong_score, strong_mutants) = strength(&strong);
    assert_eq!(
        weak_mutants, strong_mutants,
        "the same code, the same mutants"
    );
    assert!(weak_mutants >= 8, "{weak_mutants}");
    assert!(
        strong_score > weak_score,
        "five examples {strong_score} vs one {weak_score}"
    );
    let scores: serde_json::Value =
        serde_json::from_str(&strong.read(".jaunt/strength.json")).unwrap();
    let survivors = &scores[0]["survivors"];
    assert!(
        survivors
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s.as_str().unwrap().ends_with("\"negative\" -> \"\"")),
        "no example pins the message: {survivors}"
    );
}

/// A project whose `[contract] derive` lists `"properties"`.
fn deriving_properties() -> Fixture {
    let f = Fixture::with_fake_generator();
    f.write(
        "jaunt.toml",
        &format!(
            "{}\n[contract]\nderive = [\"examples\", \"errors\", \"properties\"]\n",
            f.read("jaunt.toml")
        ),
    );
    f
}

/// A contract with a `Properties:` section, under `derive` with
/// `"properties"`: its properties are the model's (the fake generator's).
fn with_properties() -> Fixture {
    let f = deriving_properties();
    f.write(
        "src/words.py",
        "import jaunt\n\n\n@jaunt.contract\ndef up(s: str) -> str:\n    \"\"\"Upper.\n\n    Examples:\n      - \"a\" -> \"A\"\n\n    Properties:\n      - up(up(\"ab\")) == up(\"ab\")\n      - up(\"\") == \"\"\n    \"\"\"\n    return s.upper()\n",
    );
    f
}

fn reconcile_with(f: &Fixture, env: &[(&str, &str)]) -> (i32, String) {
    let mut cmd = f.jaunt();
    cmd.args(["reconcile"]);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Reconciles with a model whose tests always fail against the code of
/// `spec`: each attempt is rejected, the next told why, exit 3, and no
/// battery is written. Returns the requests.
fn rejected_on_every_attempt(f: &Fixture, spec: &str, battery: &str) -> Vec<serde_json::Value> {
    let module = spec.split(':').next().unwrap();
    let (code, err) = reconcile_with(f, &[("FAKE_GEN_CONTRACT_WRONG", module)]);
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains(&format!("failed {spec} (contract battery)")),
        "{err}"
    );
    assert!(
        err.contains("the battery fails against the current code"),
        "{err}"
    );
    let requests = f.requests();
    assert_eq!(requests.len(), 2, "[build] max_attempts");
    assert_eq!(requests[0]["kind"], "contract");
    assert!(
        requests[1]["errors"][0]
            .as_str()
            .unwrap()
            .contains("fails against the current code")
    );
    assert!(!f.exists(battery), "no battery accepted");
    requests
}

#[test]
fn properties_are_derived_by_the_model_and_must_pass_against_the_code() {
    const BATTERY: &str = "tests/contract/words/test_up.py";
    // Tests that fail against the code are rejected on every attempt.
    let f = with_properties();
    rejected_on_every_attempt(&f, "words:up", BATTERY);
    assert!(!f.exists("tests/contract/words/jaunt_candidate_test_up.py"));
    assert_eq!(check(&f, &["--contracts-only", "--no-run"]).0, 4);
    // A first answer that fails is retried with the failure, then accepted.
    f.clear_log();
    let (code, err) = reconcile_with(&f, &[("FAKE_GEN_CONTRACT_WRONG_FIRST", "words")]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(f.requests().len(), 2);
    let battery = f.read(BATTERY);
    assert!(battery.contains("assert up(\"a\") == (\"A\")"), "{battery}");
    assert!(
        battery.contains("def test_model_1():\n    assert up(up(\"ab\")) == up(\"ab\")"),
        "{battery}"
    );
    assert!(battery.contains("def test_model_2():"), "{battery}");
    let (code, err) = check(&f, &[]);
    assert_eq!(code, 0, "{err}");
    // Only the docstring's prose makes it stale: a body refactor costs nothing.
    f.clear_log();
    f.write(
        "src/words.py",
        &f.read("src/words.py")
            .replace("return s.upper()", "out = s.upper()\n    return out"),
    );
    assert_eq!(check(&f, &[]).0, 0);
    f.ok(&["reconcile"]);
    assert!(f.requests().is_empty(), "{:?}", f.requests());
}

#[test]
fn a_lost_or_edited_model_battery_is_restored_from_the_store_without_a_call() {
    const BATTERY: &str = "tests/contract/words/test_up.py";
    let f = with_properties();
    let (code, err) = reconcile_with(&f, &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(f.requests().len(), 1);
    let accepted = f.read(BATTERY);
    // `apply --offline` writes the accepted battery back, with no call.
    let restored_offline = || {
        let report = f.json(&["apply", "--offline", "--no-skills", "--json"]);
        assert_eq!(
            report["contracts"]["restored"],
            serde_json::json!(["words:up"]),
            "{report}"
        );
        assert!(f.requests().is_empty(), "{:?}", f.requests());
        assert_eq!(f.read(BATTERY), accepted);
    };
    // Lost: written again from the store, byte for byte, with no call.
    f.clear_log();
    std::fs::remove_file(f.path(BATTERY)).unwrap();
    let report = f.json(&["reconcile", "--json"]);
    assert_eq!(
        report["restored"],
        serde_json::json!(["words:up"]),
        "{report}"
    );
    assert_eq!(report["derived"], serde_json::json!([]));
    assert_eq!(report["model_calls"], 0);
    assert!(f.requests().is_empty(), "{:?}", f.requests());
    assert_eq!(f.read(BATTERY), accepted);
    // Edited: `apply --offline` restores it (the edit kept aside), no call.
    f.write(BATTERY, &accepted.replace("== (\"A\")", "== (\"B\")"));
    restored_offline();
    let kept: Vec<String> = std::fs::read_dir(f.path(".jaunt/edited"))
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    assert!(kept.iter().any(|k| k.contains("== (\"B\")")), "{kept:?}");
    // A changed key pays, and `--offline` refuses to (exit 4), keeping the old battery.
    let original = f.read("src/words.py");
    f.write(
        "src/words.py",
        &original.replace("\"\"\"Upper.", "\"\"\"To upper case."),
    );
    let (code, _, err) = f.run(&["apply", "--offline", "--no-skills"]);
    assert_eq!(code, 4, "{err}");
    assert!(
        err.contains("--offline: 1 contract battery(ies) could not be restored"),
        "{err}"
    );
    assert!(err.contains("words:up"), "{err}");
    assert!(f.requests().is_empty(), "{:?}", f.requests());
    assert_eq!(f.read(BATTERY), accepted);
    let (code, err) = reconcile_with(&f, &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(f.requests().len(), 1, "the new prose is derived once");
    // Back to the old prose: its key is in the store, so no call again.
    f.clear_log();
    f.write("src/words.py", &original);
    restored_offline();
    assert_eq!(check(&f, &[]).0, 0);
}

/// `check` is green, then finds behaviour drift of `spec` once `file`
/// holds `drifted`.
fn assert_drift_caught(f: &Fixture, file: &str, drifted: &str, spec: &str) {
    let (code, err) = check(f, &[]);
    assert_eq!(code, 0, "{err}");
    f.write(file, drifted);
    let (code, err) = check(f, &["--contracts-only"]);
    assert_eq!(code, 4, "{err}");
    assert!(
        err.contains(&format!("{spec} (contract): behaviour drift")),
        "{err}"
    );
}

/// A class contract with lines in no known shape (they do not start with
/// the class's name) and a property: the model's, as a function's are.
const TALLY: &str = r#"import jaunt


@jaunt.contract
class Tally:
    """Tallies.

    Examples:
      - Tally().add(2) -> 2
      - str(Tally().add(3)) -> "3"

    Raises:
      - [Tally().add("x")] raises TypeError

    Properties:
      - Tally().add(1) + Tally().add(1) == 2
    """

    def __init__(self) -> None:
        self.n = 0

    def add(self, k: int) -> int:
        self.n += k
        return self.n
"#;

#[test]
fn a_class_contracts_unread_lines_and_properties_go_to_the_model() {
    const BATTERY: &str = "tests/contract/tally/test_Tally.py";
    let f = deriving_properties();
    f.write("src/tally.py", TALLY);
    // Tests that fail against the class are rejected on every attempt.
    let requests = rejected_on_every_attempt(&f, "tally:Tally", BATTERY);
    let spec = &requests[0]["specs"][0];
    assert_eq!(spec["kind"], "class");
    assert!(
        spec["source"]
            .as_str()
            .unwrap()
            .contains("def add(self, k: int)")
    );
    let prompt = spec["prompt"].as_str().unwrap();
    for line in [
        "- Examples: str(Tally().add(3)) -> \"3\"\n",
        "- Raises: [Tally().add(\"x\")] raises TypeError\n",
        "- Tally().add(1) + Tally().add(1) == 2\n",
    ] {
        assert!(prompt.contains(line), "{line} in {prompt}");
    }
    assert!(!prompt.contains("Tally().add(2) -> 2"), "derived: {prompt}");
    assert!(prompt.contains("each test builds the instances it uses"));
    // Retried with the failure, then accepted: the derived case and the
    // model's tests in one battery that passes.
    f.clear_log();
    let (code, err) = reconcile_with(&f, &[("FAKE_GEN_CONTRACT_WRONG_FIRST", "tally")]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(f.requests().len(), 2);
    let battery = f.read(BATTERY);
    assert!(
        battery.contains("def test_example_1():\n    assert Tally().add(2) == (2)\n"),
        "{battery}"
    );
    assert!(
        battery.contains("with pytest.raises(TypeError):\n        [Tally().add(\"x\")]"),
        "{battery}"
    );
    assert!(
        battery.contains("def test_model_3():\n    assert Tally().add(1) + Tally().add(1) == 2")
    );
    // The model wrote part of it: a battery that no longer holds is drift.
    assert_drift_caught(
        &f,
        "src/tally.py",
        &TALLY.replace("        self.n += k\n", "        self.n += int(k)\n"),
        "tally:Tally",
    );
    // Under the default `derive`, the unread lines still go to the model,
    // listed in `unparsed`; the property does not.
    f.write("src/tally.py", TALLY);
    f.write(
        "jaunt.toml",
        &f.read("jaunt.toml").replace(", \"properties\"]", "]"),
    );
    f.clear_log();
    let report = f.json(&["reconcile", "--json"]);
    assert_eq!(
        report["derived"],
        serde_json::json!(["tally:Tally"]),
        "{report}"
    );
    assert_eq!(report["model_calls"], 1);
    assert_eq!(
        report["unparsed"],
        serde_json::json!([
            "tally:Tally: Examples line 5: - str(Tally().add(3)) -> \"3\"",
            "tally:Tally: Raises line 8: - [Tally().add(\"x\")] raises TypeError",
        ])
    );
    let prompt = f.requests()[0]["specs"][0]["prompt"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        !prompt.contains("Tally().add(1) + Tally().add(1)"),
        "{prompt}"
    );
}

/// A class whose cases are in its public methods' docstrings.
const STACK: &str = r#"import jaunt


@jaunt.contract
class Stack:
    """A stack of items."""

    def __init__(self) -> None:
        self.items = []

    def push(self, item) -> int:
        """Adds an item; returns the new size.

        Examples:
          - Stack().push("a") -> 1

        Raises:
          - Stack().push() raises TypeError
        """
        self.items.append(item)
        return len(self.items)

    def pop(self):
        """Removes the last item, None when empty.

        Examples:
          - Stack().pop() -> None
          - [Stack().pop()] -> [None]
        """
        return self.items.pop() if self.items else None

    def _peek(self):
        """Private: not part of the contract.

        Examples:
          - Stack()._peek() -> "never derived"
        """
        return self.items[-1]
"#;

#[test]
fn a_class_contracts_public_methods_docstrings_are_read_for_cases() {
    const BATTERY: &str = "tests/contract/stack/test_Stack.py";
    let f = Fixture::with_fake_generator();
    f.write("src/stack.py", STACK);
    let report = f.json(&["reconcile", "--json"]);
    assert_eq!(
        report["derived"],
        serde_json::json!(["stack:Stack"]),
        "{report}"
    );
    let battery = f.read(BATTERY);
    assert!(
        battery.contains("def test_example_1():\n    assert Stack().push(\"a\") == (1)\n"),
        "{battery}"
    );
    assert!(battery.contains("def test_example_2():\n    assert Stack().pop() == (None)\n"));
    assert!(battery.contains("with pytest.raises(TypeError):\n        Stack().push()\n"));
    assert!(
        !battery.contains("_peek"),
        "a private method is not the contract's: {battery}"
    );
    // A method's line in no known shape is the model's, named by its method.
    assert_eq!(
        report["unparsed"],
        serde_json::json!([
            "stack:Stack: Examples of Stack.pop line 5: - [Stack().pop()] -> [None]"
        ])
    );
    let requests = f.requests();
    assert_eq!(requests.len(), 1, "{requests:?}");
    let prompt = requests[0]["specs"][0]["prompt"].as_str().unwrap();
    assert!(
        prompt.contains("- Examples of Stack.pop: [Stack().pop()] -> [None]\n"),
        "{prompt}"
    );
    assert!(battery.contains("def test_model_1():\n    assert ([Stack().pop()]) == ([None])"));
    // A method that stops doing what its docstring says is behaviour drift.
    assert_drift_caught(
        &f,
        "src/stack.py",
        &STACK.replace("return len(self.items)\n", "return len(self.items) - 1\n"),
        "stack:Stack",
    );
    // A method's docstring is prose: a new example there makes it stale.
    let more = STACK.replace(
        "          - Stack().push(\"a\") -> 1\n",
        "          - Stack().push(\"a\") -> 1\n          - Stack().push(1) + Stack().push(2) -> 2\n",
    );
    f.write("src/stack.py", &more);
    let (code, err) = check(&f, &["--contracts-only", "--no-run"]);
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("stack:Stack (contract): stale prose"), "{err}");
    f.ok(&["reconcile"]);
    assert!(
        f.read(BATTERY)
            .contains("assert Stack().push(1) + Stack().push(2) == (2)")
    );
    assert_eq!(check(&f, &[]).0, 0);
}

#[test]
fn reconcile_offline_restores_from_the_store_and_never_calls_a_model() {
    const BATTERY: &str = "tests/contract/words/test_up.py";
    const DOWN: &str = "tests/contract/words/test_down.py";
    let f = with_properties();
    f.ok(&["reconcile"]);
    assert_eq!(f.requests().len(), 1);
    let accepted = f.read(BATTERY);
    // Lost: written back from the store, with no call.
    f.clear_log();
    std::fs::remove_file(f.path(BATTERY)).unwrap();
    let report = f.json(&["reconcile", "--offline", "--json"]);
    assert_eq!(
        report["restored"],
        serde_json::json!(["words:up"]),
        "{report}"
    );
    assert_eq!(report["model_calls"], 0);
    assert!(f.requests().is_empty(), "{:?}", f.requests());
    assert_eq!(f.read(BATTERY), accepted);
    // New prose needs the model: refused (exit 4), the old battery kept;
    // a deterministic contract is still derived and locked.
    let original = f.read("src/words.py");
    f.write(
        "src/words.py",
        &format!(
            "{}\n\n@jaunt.contract\ndef down(s: str) -> str:\n    \"\"\"Lower.\n\n    Examples:\n      - \"A\" -> \"a\"\n    \"\"\"\n    return s.lower()\n",
            original.replace("\"\"\"Upper.", "\"\"\"To upper case.")
        ),
    );
    let (code, out, err) = f.run(&["reconcile", "--offline"]);
    assert_eq!(code, 4, "{out}\n{err}");
    assert!(
        err.contains("--offline: 1 contract battery(ies) could not be restored and would need a model call:\n  words:up"),
        "{err}"
    );
    assert!(f.requests().is_empty(), "{:?}", f.requests());
    assert_eq!(f.read(BATTERY), accepted);
    assert!(f.read(DOWN).contains("assert down(\"A\") == (\"a\")"));
    assert!(f.read("jaunt.lock").contains("ref = \"words:down\""));
    let (code, err) = check(&f, &["--contracts-only", "--no-run"]);
    assert_eq!(code, 4);
    assert!(err.contains("words:up (contract): stale prose"), "{err}");
    assert!(!err.contains("words:down"), "{err}");
    // Back to the prose derived before: the refused run left its entry and
    // battery as they were, so it is current again.
    f.write(
        "src/words.py",
        &f.read("src/words.py")
            .replace("\"\"\"To upper case.", "\"\"\"Upper."),
    );
    let report = f.json(&["reconcile", "--offline", "--json"]);
    assert_eq!(
        report["fresh"],
        serde_json::json!(["words:down", "words:up"]),
        "{report}"
    );
    assert!(f.requests().is_empty(), "{:?}", f.requests());
    assert_eq!(check(&f, &[]).0, 0);
}
