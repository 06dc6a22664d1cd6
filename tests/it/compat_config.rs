//! Configurations written for Jaunt 1.7 (docs/architecture.md, Discovery
//! and the parse cache; Generator backends): every key accepted, those
//! with a meaning honoured (instructions, the import check, reasoning on
//! the wire, the spending limit), version 2's `[target.py]`, and 1.7's
//! prompt templates.

use crate::common::http::{Reply, Seen, Server};
use crate::common::{Fixture, copy_tree, fake_generator, names, set};
use serde_json::{Value, json};
use std::path::Path;

/// `[llm]` lines for the fake generator behind the `command` backend.
fn fake_llm() -> String {
    format!(
        "provider = \"command\"\ncommand = [\"python3\", {:?}]\n",
        fake_generator().display().to_string()
    )
}

/// A project of `config` (its `[llm]` the fake generator's, unless it
/// writes its own) holding the one-module package `pkg.m`.
fn project(config: &str) -> Fixture {
    let f = Fixture::new();
    f.write("jaunt.toml", config);
    f.add_one_module();
    f
}

fn v1(extra: &str) -> String {
    format!(
        "version = 1\n[paths]\nsource_roots = [\"src\"]\n[llm]\n{}{extra}",
        fake_llm()
    )
}

#[test]
fn a_1_7_configuration_with_every_key_works_unchanged() {
    let f = Fixture::new();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/jaunt-1.7");
    copy_tree(&fixture, f.root(), &["jaunt-v2.toml"]);
    // The fixture's model is OpenAI's; the fake generator stands in for it.
    let config = f
        .read("jaunt.toml")
        .replace("provider = \"openai\"\n", &fake_llm());
    f.write("jaunt.toml", &config);
    f.add_one_module();
    let (code, _, err) = f.run(&["-v", "apply"]);
    assert_eq!(code, 0, "{err}");
    let notes: Vec<&str> = err
        .lines()
        .filter(|l| l.contains("has no effect in jaunt"))
        .collect();
    // 35 keys drive only what jaunt does not have (1.7's engine); with the
    // command backend `reasoning_effort` is not sent either.
    assert_eq!(notes.len(), 36, "{err}");
    for key in [
        "codex.config",
        "context.search.max_hits",
        "llm.reasoning_effort",
    ] {
        assert!(
            notes.iter().any(|n| n.contains(&format!("`{key}`"))),
            "{key}: {err}"
        );
    }
    assert!(
        notes.iter().all(|n| n.starts_with("note: jaunt.toml:")),
        "{notes:#?}"
    );
    let requests = f.requests();
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    let system = r["system"].as_str().unwrap();
    let prompt = r["prompt"].as_str().unwrap();
    assert!(
        system.starts_with(
            "You are a careful Python engineer. Write the module `pkg.__generated__.m`"
        ),
        "the 1.7 template renders: {system}"
    );
    assert!(prompt.contains("def f(x: int) -> int:"), "{prompt}");
    assert!(
        prompt.contains("- Prefer small composable helpers over monolithic functions."),
        "{prompt}"
    );
    assert!(!prompt.contains("{{") && !system.contains("{{"), "{prompt}");
    // Without -v the notes stay out of the way.
    let (_, _, quiet) = f.run(&["plan"]);
    assert!(!quiet.contains("has no effect"), "{quiet}");
}

#[test]
fn build_instructions_reach_the_system_prompt() {
    let f = project(&v1(
        "[build]\ninstructions = [\"Use integer cents.\", \"No global state.\"]\n",
    ));
    f.ok(&["apply"]);
    let r = &f.requests()[0];
    let system = r["system"].as_str().unwrap();
    assert!(
        system.ends_with("- Use integer cents.\n- No global state.\n"),
        "{system}"
    );
    assert!(!r["prompt"].as_str().unwrap().contains("Use integer cents."));
    // They are part of what the model sees, so of the generator fingerprint.
    let lock = f.read("jaunt.lock");
    f.write(
        "jaunt.toml",
        &v1("[build]\ninstructions = [\"Use integer cents.\"]\n"),
    );
    let plan = f.json(&["plan", "--json"]);
    assert_eq!(plan["modules"][0]["status"], "generate", "{plan:#}");
    assert!(
        plan["modules"][0]["reasons"][0]
            .as_str()
            .unwrap()
            .contains("generator changed"),
        "{plan:#}"
    );
    assert_eq!(f.read("jaunt.lock"), lock);
}

#[test]
fn an_import_that_is_not_installed_is_rejected_and_retried() {
    let missing = "leftpad_not_installed_anywhere";
    let f = project(&v1(""));
    f.write(".env", &format!("FAKE_GEN_IMPORT_FIRST={missing}\n"));
    let report = f.json(&["apply", "--json"]);
    assert_eq!(report["model_calls"], 2, "{report:#}");
    let requests = f.requests();
    let errors = requests[1]["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    let error = errors[0].as_str().unwrap();
    assert!(
        error.starts_with(&format!("line 1: imports `{missing}`, but `{missing}` is neither in the standard library nor installed")),
        "{error}"
    );
    assert!(
        requests[1]["prompt"].as_str().unwrap().contains(error),
        "the reason reaches the next attempt's prompt"
    );
    assert!(!f.read("src/pkg/__generated__/m.py").contains(missing));

    // Rejected on every attempt, the module fails with the reasons.
    f.clear_log();
    f.write(".env", &format!("FAKE_GEN_IMPORT_FIRST={missing}\n"));
    f.write("jaunt.toml", &v1("[build]\nmax_attempts = 1\n"));
    let (code, _, err) = f.run(&["apply", "--force"]);
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains(&format!("attempt 1: line 1: imports `{missing}`")),
        "{err}"
    );

    // The allowlist, or the check turned off, lets it through.
    for extra in [
        format!("[build]\nmax_attempts = 1\ngenerated_import_allowlist = [\"{missing}\"]\n"),
        "[build]\nmax_attempts = 1\ncheck_generated_imports = false\n".to_string(),
    ] {
        f.clear_log();
        f.write("jaunt.toml", &v1(&extra));
        f.ok(&["apply", "--force"]);
        assert_eq!(f.requests().len(), 1, "{extra}");
        assert!(f.read("src/pkg/__generated__/m.py").contains(missing));
    }
}

#[test]
fn without_a_python_the_import_check_warns_instead_of_rejecting() {
    let f = project(&v1("[python]\ninterpreter = \"./no-such-python\"\n"));
    f.write(".env", "FAKE_GEN_IMPORT_FIRST=some_library\n");
    let (code, _, err) = f.run(&["apply"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(f.requests().len(), 1);
    assert_eq!(
        err.matches(
            "warning: imports of generated modules were checked without the project's Python"
        )
        .count(),
        1,
        "{err}"
    );
}

/// A loopback provider answering every module with `def f`, and the
/// `[llm]` lines that point jaunt at it.
fn provider(api: &str) -> (Server, String) {
    let answer = match api {
        "openai" => json!({
            "choices": [{"message": {"content": "def f(x: int) -> int:\n    return 2 * x\n"}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 1000, "completion_tokens": 1000},
        }),
        _ => json!({
            "content": [{"type": "thinking", "thinking": "…"}, {"type": "text", "text": "def f(x: int) -> int:\n    return 2 * x\n"}],
            "stop_reason": "end_turn",
            "usage": {"input_tokens": 1000, "output_tokens": 1000},
        }),
    };
    let server = Server::start(move |_, _: &Seen| Reply::json(200, answer.clone()));
    let base = if api == "openai" { "/v1" } else { "" };
    let llm = format!(
        "provider = \"{api}\"\nmodel = \"test-model\"\nbase_url = \"{}\"\n",
        server.url(base)
    );
    (server, llm)
}

/// Runs jaunt with no provider key in the environment: a loopback
/// `base_url` needs none.
fn run_keyless(f: &Fixture, args: &[&str]) -> (i32, String, String) {
    let out = f
        .jaunt()
        .env_remove("OPENAI_API_KEY")
        .env_remove("ANTHROPIC_API_KEY")
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn reasoning_settings_go_on_the_wire_in_each_providers_format() {
    for (api, extra, check) in [
        (
            "openai",
            "reasoning_effort = \"high\"\n",
            (|body: &Value| {
                assert_eq!(body["reasoning_effort"], "high", "{body}");
                assert!(body.get("thinking").is_none(), "{body}");
            }) as fn(&Value),
        ),
        (
            "anthropic",
            "anthropic_thinking_budget_tokens = 2048\nreasoning_effort = \"high\"\n",
            |body: &Value| {
                assert_eq!(
                    body["thinking"],
                    json!({"type": "enabled", "budget_tokens": 2048}),
                    "{body}"
                );
                assert_eq!(body["max_tokens"], 8192 + 2048, "{body}");
                assert!(body.get("reasoning_effort").is_none(), "{body}");
            },
        ),
    ] {
        let (server, llm) = provider(api);
        let f = project(&format!(
            "version = 1\n[paths]\nsource_roots = [\"src\"]\n[llm]\n{llm}{extra}"
        ));
        let (code, _, err) = run_keyless(&f, &["-v", "apply"]);
        assert_eq!(code, 0, "{api}: {err}");
        let seen = server.seen();
        assert_eq!(seen.len(), 1, "{api}");
        check(&seen[0].body);
        assert_eq!(
            err.contains("`llm.reasoning_effort` has no effect in jaunt"),
            api == "anthropic",
            "{api}: {err}"
        );
        assert!(
            f.read("src/pkg/__generated__/m.py")
                .contains("return 2 * x")
        );
    }
}

/// `pkg.m1` … `pkg.m4`, each depending on the one before.
fn chain(f: &Fixture) {
    f.write("src/pkg/__init__.py", "");
    for i in 1..=4 {
        let deps = if i == 1 {
            String::new()
        } else {
            format!("deps=[\"pkg.m{}:f\"]", i - 1)
        };
        f.write(
            &format!("src/pkg/m{i}.py"),
            &format!("import jaunt\n\n@jaunt.magic({deps})\ndef f(x: int) -> int:\n    \"\"\"Step {i}.\"\"\"\n"),
        );
    }
}

#[test]
fn the_budget_stops_new_model_calls_and_reports_what_was_skipped() {
    let (server, llm) = provider("openai");
    // Each call costs 1000 + 1000 tokens at 1 per million: 0.002.
    let config = |limit: f64| {
        format!(
            "version = 1\n[paths]\nsource_roots = [\"src\"]\n[llm]\n{llm}price_per_mtok = {{ input = 1.0, output = 1.0 }}\nmax_cost_per_build = {limit}\n[build]\njobs = 1\n"
        )
    };
    let f = Fixture::new();
    f.write("jaunt.toml", &config(0.003));
    chain(&f);
    let (code, out, err) = run_keyless(&f, &["apply", "--json"]);
    assert_eq!(code, 3, "{err}");
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        names(&report["generated"]),
        set(&["pkg.m1", "pkg.m2"]),
        "{report:#}"
    );
    assert_eq!(
        report["over_budget"],
        json!(["pkg.m3", "pkg.m4"]),
        "{report:#}"
    );
    assert_eq!(report["failed"], json!({}), "{report:#}");
    assert_eq!(report["model_calls"], 2);
    assert_eq!(server.seen().len(), 2, "no call after the limit");
    let lock = f.read("jaunt.lock");
    assert!(
        lock.contains("name = \"pkg.m2\"") && !lock.contains("pkg.m3"),
        "{lock}"
    );

    // The human report says so.
    let (code, out, err) = run_keyless(&f, &["apply", "--force"]);
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains(
            "stopped the run reached `[llm] max_cost_per_build`; not generated: pkg.m3, pkg.m4"
        ),
        "{err}"
    );
    assert!(out.contains("2 generated"), "{out}");
    assert_eq!(server.seen().len(), 4);

    // The limit is per run: the next one goes on from what was built.
    let (code, out, err) = run_keyless(&f, &["apply", "--json"]);
    assert_eq!(code, 0, "{err}");
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(names(&report["generated"]), set(&["pkg.m3", "pkg.m4"]));
    assert_eq!(server.seen().len(), 6);
    f.write("jaunt.toml", &config(1.0));
    assert_eq!(
        run_keyless(&f, &["check"]).0,
        0,
        "the limit is not in any key"
    );
}

#[test]
fn a_budget_without_prices_is_a_configuration_error() {
    let f = project(&v1("max_cost_per_build = 1.0\n"));
    let (code, _, err) = f.run(&["plan"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(
            "error[config]: jaunt.toml:7: `llm.max_cost_per_build` needs `llm.price_per_mtok`"
        ),
        "{err}"
    );
}

#[test]
fn version_2_builds_from_target_py() {
    let f = Fixture::new();
    f.write(
        "jaunt.toml",
        &format!(
            "version = 2\n\n[target.py]\nsource_roots = [\"lib\"]\ngenerated_dir = \"gen\"\nty_retry_attempts = 2\n\n[llm]\n{}\n[build]\ninstructions = [\"Keep it short.\"]\n",
            fake_llm()
        ),
    );
    f.write("lib/pkg/__init__.py", "").write(
        "lib/pkg/m.py",
        "import jaunt\n\n@jaunt.magic\ndef f(x: int) -> int:\n    'Double.'\n",
    );
    let (code, _, err) = f.run(&["-v", "apply"]);
    assert_eq!(code, 0, "{err}");
    assert!(f.exists("lib/pkg/gen/m.py"));
    assert!(
        err.contains("note: jaunt.toml:6: `target.py.ty_retry_attempts` has no effect in jaunt"),
        "{err}"
    );
    assert!(
        f.requests()[0]["system"]
            .as_str()
            .unwrap()
            .contains("- Keep it short.")
    );
    f.ok(&["check"]);
}

#[test]
fn a_typescript_target_is_an_error_at_its_line() {
    let f = Fixture::new();
    f.write(
        "jaunt.toml",
        "version = 2\n\n[target.py]\nsource_roots = [\"src\"]\n\n[target.ts]\nsource_roots = [\"web\"]\n",
    );
    f.write("src/m.py", "x = 1\n");
    let (code, _, err) = f.run(&["plan"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(
            "error[config]: jaunt.toml:6: `[target.ts]`: TypeScript targets are not supported"
        ),
        "{err}"
    );
    let (code, _, err) = f.run(&["plan", "--json"]);
    assert_eq!(code, 2);
    let doc: Value = serde_json::from_str(err.trim()).unwrap();
    assert_eq!(doc["errors"][0]["line"], 6, "{doc}");
}

#[test]
fn a_template_with_1_7_placeholders_renders_and_an_unknown_one_is_an_error() {
    let f = project(&v1(
        "[prompts]\nbuild_module = \"prompts/module.md\"\ntest_system = \"prompts/test.md\"\n",
    ));
    f.write(
        "prompts/module.md",
        "Specs:\n{{specs_block}}\n{{module_contract_block}}\n{{deps_generated_block}}\nWrite {{generated_module}}.\n",
    );
    f.write("prompts/test.md", "Tests.\n{{async_test_info}}\n");
    f.ok(&["apply"]);
    let prompt = f.requests()[0]["prompt"].as_str().unwrap().to_string();
    assert!(
        prompt.starts_with("Specs:\n### `pkg.m:f` (function)\n"),
        "{prompt}"
    );
    assert!(
        prompt.ends_with("\nWrite pkg.__generated__.m.\n"),
        "{prompt}"
    );
    assert!(!prompt.contains("{{"), "{prompt}");

    f.write(
        "prompts/module.md",
        "Specs:\n{{specs_block}}\nAnd {{spec_sources}} too.\n",
    );
    let (code, _, err) = f.run(&["plan"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("error[config]: prompts/module.md:3: unknown placeholder `{{spec_sources}}` in the template `prompts.build_module`"),
        "{err}"
    );
    assert!(err.contains("known placeholders: {{kind}}"), "{err}");
}

#[test]
fn skills_auto_false_writes_no_skills() {
    let index = Server::unreachable();
    let f = project(&v1(&format!(
        "[python]\ninterpreter = \"./py\"\n[skills]\nindex_url = \"{}\"\n",
        index.url("/pypi")
    )));
    // `fancylib` 1.0 is installed in the project's Python.
    f.write("site/fancylib/__init__.py", "")
        .write(
            "site/fancylib-1.0.dist-info/METADATA",
            "Metadata-Version: 2.1\nName: fancylib\nVersion: 1.0\n",
        )
        .write("site/fancylib-1.0.dist-info/top_level.txt", "fancylib\n");
    f.write(
        "py",
        &format!(
            "#!/bin/sh\nPYTHONPATH={} exec python3 \"$@\"\n",
            f.path("site").display()
        ),
    );
    let mut mode = std::fs::metadata(f.path("py")).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut mode, 0o755);
    std::fs::set_permissions(f.path("py"), mode).unwrap();
    f.write(
        "src/pkg/m.py",
        "import jaunt\nimport fancylib\n\n@jaunt.magic\ndef f(x: int) -> int:\n    'Double.'\n",
    );
    let (code, _, err) = f.run(&["apply"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("warning: no library skill for fancylib 1.0"),
        "by default the skill is attempted: {err}"
    );
    let toml = f.read("jaunt.toml");
    f.write("jaunt.toml", &format!("{toml}auto = false\n"));
    f.clear_log();
    let (code, _, err) = f.run(&["apply", "--force"]);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("library skill"), "{err}");
    assert!(f.requests().iter().all(|r| r["kind"] != "skill"));
    assert!(!f.exists(".agents/skills/fancylib/SKILL.md"));
}
