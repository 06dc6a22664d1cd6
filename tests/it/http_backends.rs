//! The HTTP backends end to end, against a loopback server speaking each
//! provider's wire format: success, retries, timeouts, errors, the shared
//! concurrency limit, and the API key kept out of every output.

use crate::common::http::{Reply, Server};

use jaunt::config::Config;
use jaunt::generate::{
    AnthropicBackend, Attempts, GenError, Generator, OpenAiBackend, Output, Prompts, Request,
    RequestSpec, Usage, WireRequest, generate_with_retry,
};
use jaunt::names::{DefKind, ModuleName, SpecKind, SpecRef};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

const KEY: &str = "sk-test-SECRET";

/// The two wire formats, so that every test runs against both.
#[derive(Clone, Copy, Debug)]
enum Api {
    OpenAi,
    Anthropic,
}

const APIS: [Api; 2] = [Api::OpenAi, Api::Anthropic];

impl Api {
    fn key_env(self) -> &'static str {
        match self {
            Api::OpenAi => "OPENAI_API_KEY",
            Api::Anthropic => "ANTHROPIC_API_KEY",
        }
    }

    /// A successful answer carrying `text`.
    fn answer(self, text: &str) -> Value {
        match self {
            Api::OpenAi => json!({
                "choices": [{"message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 11, "completion_tokens": 22},
            }),
            Api::Anthropic => json!({
                "type": "message",
                "content": [{"type": "text", "text": text}],
                "stop_reason": "end_turn",
                "usage": {"input_tokens": 11, "output_tokens": 22},
            }),
        }
    }

    /// The answer cut off at the token limit.
    fn truncated(self) -> Value {
        let mut answer = self.answer("def f(x):\n    return");
        match self {
            Api::OpenAi => answer["choices"][0]["finish_reason"] = json!("length"),
            Api::Anthropic => answer["stop_reason"] = json!("max_tokens"),
        }
        answer
    }

    /// A backend on `server` with `extra` `[llm]` lines, the test key,
    /// `limit` requests in flight and 10 ms backoff.
    fn backend(self, server: &Server, extra: &str, limit: usize) -> Box<dyn Generator> {
        self.backend_with_key(server, extra, limit, Some(KEY))
    }

    fn backend_with_key(
        self,
        server: &Server,
        extra: &str,
        limit: usize,
        key: Option<&str>,
    ) -> Box<dyn Generator> {
        let (provider, path) = match self {
            Api::OpenAi => ("openai", "/v1"),
            Api::Anthropic => ("anthropic", ""),
        };
        let config = config(&format!(
            "provider = \"{provider}\"\nmodel = \"test-model\"\nbase_url = \"{}\"\n{extra}",
            server.url(path)
        ));
        let key = key.map(String::from);
        let fast = Duration::from_millis(10);
        match self {
            Api::OpenAi => Box::new(
                OpenAiBackend::with_key(&config, limit, key)
                    .expect("backend")
                    .with_base_delay(fast),
            ),
            Api::Anthropic => Box::new(
                AnthropicBackend::with_key(&config, limit, key)
                    .expect("backend")
                    .with_base_delay(fast),
            ),
        }
    }
}

fn config(llm: &str) -> Config {
    Config::parse(
        &format!("version = 1\n[llm]\n{llm}\n"),
        Path::new("jaunt.toml"),
        PathBuf::from("/p"),
    )
    .expect("configuration parses")
}

/// A request for `m.f`.
fn request() -> Request {
    let module = ModuleName::new("m");
    Request {
        kind: SpecKind::Build,
        spec_module: module.clone(),
        generated_module: ModuleName::new("__generated__.m"),
        expected_names: vec!["f".into()],
        specs: vec![RequestSpec {
            spec_ref: SpecRef::new(module, "f"),
            qualname: "f".into(),
            kind: DefKind::Function,
            source: "@jaunt.magic\ndef f(x: int) -> int:\n    \"\"\"Double x.\"\"\"\n".into(),
            prompt: None,
            members: Vec::new(),
            targets: Vec::new(),
            public_api_only: None,
        }],
        handwritten: Vec::new(),
        dependency_apis: Vec::new(),
        dependency_modules: Vec::new(),
        skills: String::new(),
        contracts: Vec::new(),
    }
}

/// One attempt through `backend`.
fn generate(backend: &dyn Generator) -> Result<Output, GenError> {
    let request = request();
    backend.generate(&WireRequest {
        request: &request,
        system: "SYSTEM".into(),
        prompt: "PROMPT".into(),
        attempt: 1,
        errors: Vec::new(),
    })
}

/// A provider error's message and retryability; panics on anything else.
fn provider_error(result: Result<Output, GenError>) -> (String, bool) {
    match result {
        Err(GenError::Provider { message, retryable }) => {
            assert!(!message.contains(KEY), "{message}");
            (message, retryable)
        }
        other => panic!("expected a provider error, got {other:?}"),
    }
}

const MODULE: &str = "def f(x: int) -> int:\n    return 2 * x\n";

#[test]
fn success_sends_the_wire_format_and_reads_usage() {
    for api in APIS {
        let server = Server::start(move |_, _| Reply::json(200, api.answer(MODULE)));
        let backend = api.backend(&server, "temperature = 0.25", 2);
        let out = generate(backend.as_ref()).expect("answer");
        assert_eq!(out.source, MODULE);
        assert_eq!(
            out.usage,
            Some(Usage {
                prompt_tokens: 11,
                completion_tokens: 22
            })
        );
        let seen = server.seen();
        assert_eq!(seen.len(), 1);
        let (request, body) = (&seen[0], &seen[0].body);
        assert_eq!(body["model"], "test-model");
        assert_eq!(body["temperature"], 0.25);
        match api {
            Api::OpenAi => {
                assert_eq!(request.path, "/v1/chat/completions");
                assert_eq!(
                    request.header("authorization"),
                    Some("Bearer sk-test-SECRET")
                );
                assert_eq!(
                    body["messages"][0],
                    json!({"role": "system", "content": "SYSTEM"})
                );
                assert_eq!(
                    body["messages"][1],
                    json!({"role": "user", "content": "PROMPT"})
                );
                assert!(body.get("max_tokens").is_none(), "{body}");
            }
            Api::Anthropic => {
                assert_eq!(request.path, "/v1/messages");
                assert_eq!(request.header("x-api-key"), Some(KEY));
                assert_eq!(request.header("anthropic-version"), Some("2023-06-01"));
                assert_eq!(request.header("authorization"), None);
                assert_eq!(body["system"], "SYSTEM");
                assert_eq!(
                    body["messages"],
                    json!([{"role": "user", "content": "PROMPT"}])
                );
                assert_eq!(body["max_tokens"], 8192);
            }
        }
        assert!(!body.to_string().contains(KEY), "the key is in the body");
    }
}

#[test]
fn fenced_output_is_stripped_by_the_retry_loop() {
    for api in APIS {
        let fenced = format!("Here you go:\n\n```python\n{MODULE}```\n");
        let server = Server::start(move |_, _| Reply::json(200, api.answer(&fenced)));
        let backend = api.backend(&server, "", 2);
        let accepted = generate_with_retry(
            backend.as_ref(),
            &Prompts::default(),
            &request(),
            &Attempts::new(2),
        )
        .expect("accepted");
        assert_eq!(accepted.source, MODULE);
        assert_eq!(accepted.attempts, 1);
        assert_eq!(accepted.usage.map(|u| u.completion_tokens), Some(22));
        let prompt = server.seen()[0].body.to_string();
        assert!(
            prompt.contains("Double x."),
            "the rendered prompt is sent: {prompt}"
        );
    }
}

#[test]
fn rate_limit_honours_retry_after_then_succeeds() {
    for api in APIS {
        let server = Server::start(move |index, _| match index {
            0 => Reply {
                headers: vec![("Retry-After", "1".into())],
                ..Reply::json(429, json!({"error": {"message": "Rate limit reached"}}))
            },
            _ => Reply::json(200, api.answer(MODULE)),
        });
        let backend = api.backend(&server, "", 2);
        let start = Instant::now();
        let out = generate(backend.as_ref()).expect("answer after the wait");
        assert_eq!(out.source, MODULE);
        assert!(
            start.elapsed() >= Duration::from_secs(1),
            "{:?}",
            start.elapsed()
        );
        assert_eq!(server.seen().len(), 2);
    }
}

#[test]
fn transient_statuses_are_retried_then_succeed() {
    for api in APIS {
        let server = Server::start(move |index, _| match index {
            0 => Reply::json(500, json!({"error": {"message": "internal"}})),
            1 => Reply::json(408, json!({})),
            2 => Reply::json(409, json!({})),
            _ => Reply::json(200, api.answer(MODULE)),
        });
        let out = generate(api.backend(&server, "", 2).as_ref()).expect("answer");
        assert_eq!(out.source, MODULE);
        assert_eq!(server.seen().len(), 4);
    }
}

#[test]
fn persistent_server_errors_give_up_with_the_providers_message() {
    for api in APIS {
        let server =
            Server::start(|_, _| Reply::json(503, json!({"error": {"message": "overloaded"}})));
        let (message, retryable) = provider_error(generate(api.backend(&server, "", 2).as_ref()));
        assert!(
            message.contains("503") && message.contains("overloaded"),
            "{message}"
        );
        assert!(message.contains("gave up after 6 tries"), "{message}");
        assert!(retryable);
        assert_eq!(server.seen().len(), 6);
    }
}

#[test]
fn other_client_errors_are_not_retried() {
    for api in APIS {
        let server = Server::start(|_, _| {
            Reply::json(
                400,
                json!({"error": {"message": "unknown model test-model"}}),
            )
        });
        let (message, retryable) = provider_error(generate(api.backend(&server, "", 2).as_ref()));
        assert!(message.contains("unknown model test-model"), "{message}");
        assert!(!retryable);
        assert_eq!(server.seen().len(), 1);
    }
}

#[test]
fn a_slow_server_times_out_within_timeout_s() {
    for api in APIS {
        let server = Server::start(move |_, _| Reply {
            delay: Duration::from_secs(3),
            ..Reply::json(200, api.answer(MODULE))
        });
        let backend = api.backend(&server, "timeout_s = 0.4", 2);
        let start = Instant::now();
        let error = generate(backend.as_ref()).expect_err("too slow");
        assert!(matches!(error, GenError::Timeout { .. }), "{error}");
        assert!(error.to_string().contains("timeout_s"), "{error}");
        assert!(
            start.elapsed() < Duration::from_secs(2),
            "{:?}",
            start.elapsed()
        );
    }
}

#[test]
fn the_timeout_covers_retries() {
    for api in APIS {
        let server = Server::start(|_, _| Reply {
            headers: vec![("Retry-After", "5".into())],
            ..Reply::json(429, json!({"error": {"message": "slow down"}}))
        });
        let backend = api.backend(&server, "timeout_s = 1.0", 2);
        let start = Instant::now();
        let (message, _) = provider_error(generate(backend.as_ref()));
        assert!(message.contains("slow down"), "{message}");
        assert!(
            start.elapsed() < Duration::from_secs(1),
            "{:?}",
            start.elapsed()
        );
        assert_eq!(server.seen().len(), 1);
    }
}

#[test]
fn unreachable_server_is_a_retryable_provider_error() {
    let server = Server::unreachable();
    for api in APIS {
        let (message, retryable) = provider_error(generate(api.backend(&server, "", 2).as_ref()));
        assert!(message.contains("cannot reach"), "{message}");
        assert!(retryable);
    }
}

#[test]
fn unauthorized_names_the_variable_and_hides_the_key() {
    for api in APIS {
        let server = Server::start(|_, _| {
            Reply::json(
                401,
                json!({"error": {"message": format!("Incorrect API key provided: {KEY}")}}),
            )
        });
        let (message, retryable) = provider_error(generate(api.backend(&server, "", 2).as_ref()));
        assert!(message.contains(api.key_env()), "{message}");
        assert!(
            message.contains("Incorrect API key provided: [redacted]"),
            "{message}"
        );
        assert!(!retryable);
        assert_eq!(server.seen().len(), 1);

        let forbidden = Server::start(|_, _| Reply::json(403, json!({"error": "forbidden"})));
        let backend = api.backend_with_key(&forbidden, "api_key_env = \"LOCAL_KEY\"", 2, None);
        let (message, _) = provider_error(generate(backend.as_ref()));
        assert!(message.contains("`LOCAL_KEY` is not set"), "{message}");
    }
}

#[test]
fn without_a_key_a_local_server_gets_no_key_header() {
    for api in APIS {
        let server = Server::start(move |_, _| Reply::json(200, api.answer(MODULE)));
        let backend = api.backend_with_key(&server, "", 2, None);
        generate(backend.as_ref()).expect("answer");
        let seen = &server.seen()[0];
        assert_eq!(seen.header("authorization"), None);
        assert_eq!(seen.header("x-api-key"), None);
    }
}

#[test]
fn an_endless_answer_is_cut_off() {
    for api in APIS {
        let huge = "x".repeat(3 << 20);
        let server = Server::start(move |_, _| Reply::json(200, api.answer(&huge)));
        let backend = api.backend(&server, "\n[store]\nmax_artifact_bytes = 1000", 1);
        let (message, _) = provider_error(generate(backend.as_ref()));
        assert!(message.contains("larger than"), "{message}");
    }
}

#[test]
fn unusable_answers_carry_the_providers_reason() {
    for api in APIS {
        let server = Server::start(move |index, _| match index {
            0 => Reply::json(200, api.truncated()),
            1 => Reply::json(200, api.answer("  ")),
            _ => Reply::json(200, json!({"unexpected": true})),
        });
        let backend = api.backend(&server, "", 2);
        let (truncated, retryable) = provider_error(generate(backend.as_ref()));
        assert!(
            truncated.contains("max_tokens") && !retryable,
            "{truncated}"
        );
        let reason = match api {
            Api::OpenAi => "\"length\"",
            Api::Anthropic => "stop_reason \"max_tokens\"",
        };
        assert!(truncated.contains(reason), "{truncated}");
        let (empty, retryable) = provider_error(generate(backend.as_ref()));
        assert!(empty.contains("empty completion") && retryable, "{empty}");
        let (malformed, _) = provider_error(generate(backend.as_ref()));
        assert!(malformed.contains("cannot read"), "{malformed}");
    }
}

#[test]
fn an_openai_refusal_is_an_error_with_its_message() {
    let server = Server::start(|_, _| {
        Reply::json(
            200,
            json!({"choices": [{"message": {"content": null, "refusal": "I can't assist with that."}, "finish_reason": "stop"}]}),
        )
    });
    let (message, retryable) =
        provider_error(generate(Api::OpenAi.backend(&server, "", 2).as_ref()));
    assert!(
        message.contains("refused: I can't assist with that."),
        "{message}"
    );
    assert!(!retryable);
}

#[test]
fn one_limit_bounds_requests_in_flight() {
    for api in APIS {
        let server = Server::start(move |_, _| Reply {
            delay: Duration::from_millis(150),
            ..Reply::json(200, api.answer(MODULE))
        });
        let backend: Arc<dyn Generator> = api.backend(&server, "", 2).into();
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let backend = backend.clone();
                thread::spawn(move || generate(backend.as_ref()).map(|out| out.source))
            })
            .collect();
        for thread in threads {
            assert_eq!(thread.join().expect("thread").expect("answer"), MODULE);
        }
        assert_eq!(server.seen().len(), 8);
        assert_eq!(server.max_in_flight(), 2);
    }
}

#[test]
fn debug_output_never_shows_the_key() {
    let openai = config("provider = \"openai\"");
    let anthropic = config("provider = \"anthropic\"");
    let debug = [
        format!(
            "{:?}",
            OpenAiBackend::with_key(&openai, 1, Some(KEY.into())).expect("backend")
        ),
        format!(
            "{:?}",
            AnthropicBackend::with_key(&anthropic, 1, Some(KEY.into())).expect("backend")
        ),
    ];
    for debug in debug {
        assert!(!debug.contains("SECRET"), "{debug}");
        assert!(debug.contains("https://api."), "{debug}");
    }
}

/// How a zstd frame starts: store artifacts are compressed, so they are
/// searched decompressed.
const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];

/// The real binary: `jaunt apply` on a one-module project through the
/// `openai` backend, with the key in the environment and nowhere else.
#[test]
fn jaunt_apply_through_the_openai_backend() {
    let fenced = format!("```python\n{MODULE}```\n");
    let server = Server::start(move |_, _| Reply::json(200, Api::OpenAi.answer(&fenced)));
    let f = crate::common::Fixture::new();
    f.write(
        "jaunt.toml",
        &format!(
            "version = 1\n\n[paths]\nsource_roots = [\"src\"]\n\n[llm]\nprovider = \"openai\"\nmodel = \"test-model\"\nbase_url = \"{}\"\nprice_per_mtok = {{ input = 2.0, output = 10.0 }}\n",
            server.url("/v1")
        ),
    )
    .write(
        "src/m.py",
        "import jaunt\n\n@jaunt.magic\ndef f(x: int) -> int:\n    \"\"\"Double x.\"\"\"\n",
    );
    // The repository chose this server: the key goes there only because
    // the user allowed its host.
    let host = server.url("").trim_start_matches("http://").to_string();
    let (code, _, err) = {
        let out = f
            .jaunt()
            .env("OPENAI_API_KEY", KEY)
            .args(["apply", "--json"])
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("not sending $OPENAI_API_KEY"), "{err}");
    assert!(server.seen().is_empty(), "nothing reached the server");
    f.allow_host(&host);
    let out = f
        .jaunt()
        .env("OPENAI_API_KEY", KEY)
        .args(["apply", "--json"])
        .output()
        .expect("run jaunt");
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    let report: Value = serde_json::from_str(&stdout).expect("JSON report");
    assert_eq!(report["model_calls"], 1, "{report:#}");
    assert_eq!(
        report["usage"],
        serde_json::json!({"prompt_tokens": 11, "completion_tokens": 22})
    );
    assert_eq!(report["module_usage"]["m"]["completion_tokens"], 22);
    assert!(f.read("src/__generated__/m.py").contains("return 2 * x"));
    let action_entries = std::fs::read_dir(f.store.join("v1/ac"))
        .expect("action cache")
        .flatten()
        .flat_map(|d| std::fs::read_dir(d.path()).expect("ac dir").flatten())
        .map(|e| std::fs::read_to_string(e.path()).expect("entry"))
        .collect::<Vec<_>>();
    assert!(
        action_entries
            .iter()
            .any(|e| e.contains("\"completion_tokens\":22")),
        "usage kept in the action entry: {action_entries:?}"
    );

    let seen = server.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(
        seen[0].header("authorization"),
        Some("Bearer sk-test-SECRET")
    );
    assert!(!stdout.contains(KEY) && !stderr.contains(KEY));
    assert!(!f.read("jaunt.lock").contains(KEY));
    let files = crate::common::files_under(&f.store);
    for path in &files {
        let mut bytes = std::fs::read(path).expect("read store file");
        if bytes.starts_with(&ZSTD_MAGIC) {
            bytes = zstd::stream::decode_all(bytes.as_slice()).expect("zstd frame");
        }
        let found = bytes.windows(KEY.len()).any(|w| w == KEY.as_bytes());
        assert!(!found, "the key is in {}", path.display());
    }
    assert!(!files.is_empty(), "the store holds the generated module");

    // The human report carries tokens and the cost line.
    std::fs::remove_file(f.path("src/__generated__/m.py")).expect("remove");
    let out = f
        .jaunt()
        .env("OPENAI_API_KEY", KEY)
        .args(["apply", "--force"])
        .output()
        .expect("run jaunt");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("11 prompt + 22 completion tokens"),
        "{stdout}"
    );
    assert!(stdout.contains("Cost: 0.0002"), "{stdout}");
}
