//! `jaunt doctor`: every check passes on a healthy project, and each one
//! fails on purpose with its fix, making the command exit 4.

use crate::common::Fixture;
use crate::common::http::{Reply, Server};
use serde_json::Value;

/// The project's Python for these tests: `python3` without its
/// site-packages, so that only `PYTHONPATH` decides which `jaunt` it
/// imports, whatever the machine has installed.
const BARE_PYTHON: &str = "bin/python";

fn project() -> Fixture {
    let f = Fixture::with_fake_generator();
    f.add_one_module();
    f.write(BARE_PYTHON, "#!/bin/sh\nexec python3 -S \"$@\"\n");
    let script = f.path(BARE_PYTHON);
    let mut perms = std::fs::metadata(&script).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(&script, perms).unwrap();
    f.write(
        "jaunt.toml",
        &format!(
            "{}\n[python]\ninterpreter = \"{BARE_PYTHON}\"\n",
            f.read("jaunt.toml")
        ),
    );
    f.ok(&["runtime", "install", "--target", "rt"]);
    f
}

/// Runs `jaunt doctor --json` with extra environment; returns the exit
/// code and the report.
fn doctor(f: &Fixture, env: &[(&str, &str)]) -> (i32, Value) {
    let mut cmd = f.jaunt();
    cmd.env("PYTHONPATH", f.path("rt"));
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.args(["doctor", "--json"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let report: Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("doctor --json is not JSON ({e}): {stdout}"));
    (out.status.code().unwrap(), report)
}

/// One check of a report: (status, message, fix).
fn check<'a>(report: &'a Value, name: &str) -> (&'a str, &'a str, &'a str) {
    let c = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no check {name}: {report:#}"));
    (
        c["status"].as_str().unwrap(),
        c["message"].as_str().unwrap(),
        c["fix"].as_str().unwrap_or_default(),
    )
}

/// Asserts that `name` failed with a message and fix containing the
/// given words, that every other check passed, and that doctor exited 4.
fn fails_alone(code: i32, report: &Value, name: &str, message: &str, fix: &str) {
    let (status, got_message, got_fix) = check(report, name);
    assert_eq!(status, "fail", "{name}: {report:#}");
    assert!(
        got_message.contains(message),
        "{name} message: {got_message}"
    );
    assert!(got_fix.contains(fix), "{name} fix: {got_fix}");
    for c in report["checks"].as_array().unwrap() {
        if c["name"] != name {
            assert_eq!(c["status"], "ok", "only {name} fails: {report:#}");
        }
    }
    assert_eq!(report["ok"], false);
    assert_eq!(code, 4, "a failed check exits 4");
}

#[test]
fn a_healthy_project_passes_every_check() {
    let f = project();
    f.ok(&["apply"]);
    let (code, report) = doctor(&f, &[]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["ok"], true);
    let names: Vec<&str> = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "config",
            "runtime",
            "provider",
            "store",
            "remote",
            "generated",
            "parse_cache"
        ]
    );
    for c in report["checks"].as_array().unwrap() {
        assert_eq!(c["status"], "ok", "{c:#}");
        assert!(c["fix"].is_null(), "no fix for a pass: {c:#}");
    }
    let (_, runtime, _) = check(&report, "runtime");
    assert!(
        runtime.contains(&format!("imports jaunt {}", env!("CARGO_PKG_VERSION"))),
        "{runtime}"
    );
    let (_, store, _) = check(&report, "store");
    assert!(store.contains("1 artifact(s)"), "{store}");
    let (_, generated, _) = check(&report, "generated");
    assert!(
        generated.contains("1 generated file(s) and 1 stub(s)"),
        "{generated}"
    );

    // The human form: one line per check.
    let mut cmd = f.jaunt();
    let out = cmd
        .env("PYTHONPATH", f.path("rt"))
        .arg("doctor")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.lines().count(), 7, "{text}");
    assert!(text.lines().all(|l| l.starts_with("ok ")), "{text}");
}

#[test]
fn an_invalid_configuration_fails_at_its_line_and_skips_the_rest() {
    let f = project();
    f.write(
        "jaunt.toml",
        &f.read("jaunt.toml")
            .replace("[llm]", "[llm]\nmodle = \"x\""),
    );
    let (code, report) = doctor(&f, &[]);
    assert_eq!(code, 4);
    let (status, message, fix) = check(&report, "config");
    assert_eq!(status, "fail");
    assert!(
        message.contains("jaunt.toml:") && message.contains("llm.modle"),
        "{message}"
    );
    assert!(fix.contains("did you mean `llm.model`"), "{fix}");
    for c in &report["checks"].as_array().unwrap()[1..] {
        assert_eq!(c["status"], "skip", "{c:#}");
    }
}

#[test]
fn a_missing_or_foreign_runtime_fails_with_the_install_command() {
    let f = project();
    let install = format!("pip install jaunt-build=={}", env!("CARGO_PKG_VERSION"));

    let (code, report) = doctor(&f, &[("PYTHONPATH", "")]);
    fails_alone(code, &report, "runtime", "cannot import jaunt", &install);

    // Jaunt 1.7, as PyPI's `jaunt` installs it.
    f.write("old/jaunt/__init__.py", "__version__ = \"1.7.14\"\n")
        .write(
            "old/jaunt-1.7.14.dist-info/METADATA",
            "Metadata-Version: 2.1\nName: jaunt\nVersion: 1.7.14\n",
        )
        .write("old/jaunt-1.7.14.dist-info/top_level.txt", "jaunt\n");
    let old = f.path("old");
    let (code, report) = doctor(&f, &[("PYTHONPATH", old.to_str().unwrap())]);
    fails_alone(
        code,
        &report,
        "runtime",
        "Jaunt 1.7's runtime",
        "pip uninstall jaunt",
    );

    // Another series of this runtime.
    f.write("next/jaunt/__init__.py", "__version__ = \"9.9.0\"\n");
    let next = f.path("next");
    let (code, report) = doctor(&f, &[("PYTHONPATH", next.to_str().unwrap())]);
    fails_alone(code, &report, "runtime", "imports runtime 9.9.0", &install);

    f.write(
        "jaunt.toml",
        &f.read("jaunt.toml")
            .replace(BARE_PYTHON, "bin/no-such-python"),
    );
    let (code, report) = doctor(&f, &[]);
    fails_alone(code, &report, "runtime", "cannot run", "[python]");
}

#[test]
fn a_missing_api_key_fails_and_a_present_one_is_never_shown() {
    let f = project();
    f.write(
        "jaunt.toml",
        &format!(
            "version = 1\n\n[paths]\nsource_roots = [\"src\"]\n\n[llm]\nprovider = \"openai\"\napi_key_env = \"JAUNT_DOCTOR_TEST_KEY\"\n\n[python]\ninterpreter = \"{BARE_PYTHON}\"\n"
        ),
    );
    let (code, report) = doctor(&f, &[]);
    fails_alone(
        code,
        &report,
        "provider",
        "`JAUNT_DOCTOR_TEST_KEY` is not set",
        "export JAUNT_DOCTOR_TEST_KEY=",
    );

    let secret = "sk-doctor-secret-0123456789";
    let mut cmd = f.jaunt();
    let out = cmd
        .env("PYTHONPATH", f.path("rt"))
        .env("JAUNT_DOCTOR_TEST_KEY", secret)
        .args(["doctor"])
        .output()
        .unwrap();
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(0), "{all}");
    assert!(all.contains("JAUNT_DOCTOR_TEST_KEY is set"), "{all}");
    assert!(!all.contains(secret), "the key is never printed: {all}");
}

#[test]
fn a_missing_generator_program_fails() {
    let f = project();
    f.write(
        "jaunt.toml",
        &f.read("jaunt.toml")
            .replace("command = [\"python3\"", "command = [\"no-such-generator\""),
    );
    let (code, report) = doctor(&f, &[]);
    fails_alone(code, &report, "provider", "`no-such-generator`", "PATH");
}

#[test]
fn an_unwritable_store_fails() {
    let f = project();
    f.write("not-a-dir", "a file");
    let store = f.path("not-a-dir/store");
    let (code, report) = doctor(&f, &[("JAUNT_STORE", store.to_str().unwrap())]);
    fails_alone(code, &report, "store", "is not writable", "JAUNT_STORE");
}

/// A remote store that answers every request with `status`.
fn remote(status: u16) -> Server {
    Server::start(move |_, _| Reply::json(status, serde_json::json!({})))
}

#[test]
fn the_remote_must_answer_and_take_writes() {
    let f = project();
    let down = Server::unreachable();
    let (code, report) = doctor(&f, &[("JAUNT_REMOTE_STORE", &down.url("/cache"))]);
    fails_alone(code, &report, "remote", "is unreachable", "--no-remote");

    // Lookups answer (404: not there), writes are refused.
    let read_only = remote(404);
    let (code, report) = doctor(&f, &[("JAUNT_REMOTE_STORE", &read_only.url("/cache"))]);
    fails_alone(
        code,
        &report,
        "remote",
        "refused a write",
        "remote_write = false",
    );

    let open = remote(200);
    let (code, report) = doctor(&f, &[("JAUNT_REMOTE_STORE", &open.url("/cache"))]);
    assert_eq!(code, 0, "{report:#}");
    assert!(check(&report, "remote").1.contains("accepts writes"));
    let paths: Vec<String> = open.seen().into_iter().map(|s| s.path).collect();
    assert_eq!(paths.len(), 2, "one lookup and one write: {paths:?}");
    assert!(
        paths.iter().all(|p| p.starts_with("/cache/cas/")),
        "{paths:?}"
    );

    // Told not to write, it only looks.
    f.write(
        "jaunt.toml",
        &format!("{}\n[store]\nremote_write = false\n", f.read("jaunt.toml")),
    );
    let (code, report) = doctor(&f, &[("JAUNT_REMOTE_STORE", &read_only.url("/cache"))]);
    assert_eq!(code, 0, "{report:#}");
    assert!(check(&report, "remote").1.contains("read only"));

    // --no-remote leaves it out.
    let mut cmd = f.jaunt();
    let out = cmd
        .env("PYTHONPATH", f.path("rt"))
        .env("JAUNT_REMOTE_STORE", down.url("/cache"))
        .args(["doctor", "--json", "--no-remote"])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{report:#}");
    assert_eq!(check(&report, "remote").0, "skip");
}

#[test]
fn edited_or_missing_generated_files_fail_until_apply() {
    let f = project();
    f.ok(&["apply"]);
    let generated = "src/pkg/__generated__/m.py";
    f.write(generated, &format!("{}# my fix\n", f.read(generated)));
    std::fs::remove_file(f.path("src/pkg/m.pyi")).unwrap();
    let (code, report) = doctor(&f, &[]);
    fails_alone(
        code,
        &report,
        "generated",
        "src/pkg/__generated__/m.py edited",
        "jaunt apply",
    );
    assert!(
        check(&report, "generated")
            .1
            .contains("src/pkg/m.pyi missing")
    );

    f.ok(&["apply"]);
    let (code, report) = doctor(&f, &[]);
    assert_eq!(code, 0, "{report:#}");
}

#[test]
fn a_corrupt_parse_cache_fails_until_cleared() {
    let f = project();
    f.ok(&["plan"]);
    f.write(
        ".jaunt/cache/parse-v1.bin",
        "\u{7f}garbage that is no cache",
    );
    let (code, report) = doctor(&f, &[]);
    fails_alone(
        code,
        &report,
        "parse_cache",
        "is unreadable",
        "jaunt cache clear",
    );

    f.ok(&["cache", "clear"]);
    let (code, report) = doctor(&f, &[]);
    assert_eq!(code, 0, "{report:#}");
    assert!(check(&report, "parse_cache").1.contains("not written yet"));
}

/// The human form, one line per check and a fix under a failure, pinned.
#[test]
fn the_report_as_printed() {
    let f = project();
    f.ok(&["apply"]);
    let generated = "src/pkg/__generated__/m.py";
    f.write(generated, &format!("{}# my fix\n", f.read(generated)));
    let mut cmd = f.jaunt();
    let out = cmd
        .env("PYTHONPATH", f.path("rt"))
        .arg("doctor")
        .output()
        .unwrap();
    let text = format!(
        "exit: {}\n{}",
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stdout)
    )
    .replace(&f.root().display().to_string(), "[ROOT]")
    .replace(env!("CARGO_PKG_VERSION"), "[VERSION]");
    insta::with_settings!({filters => vec![(r"\d+ bytes", "[N] bytes"), (r"runs \S+ \(", "runs [PYTHON] (")]}, {
        insta::assert_snapshot!("doctor_human", text);
    });
}
