//! The generator layer: what a model is asked, and how it is asked.
//!
//! A [`Request`] describes one module to generate (docs/architecture.md,
//! Generator backends); [`Prompts`] render it into messages; a [`Generator`] backend
//! turns the [`WireRequest`] (request plus messages, attempt and the
//! previous attempt's errors) into Python source; [`generate_with_retry`]
//! validates each answer and retries with its errors. [`fingerprint`]
//! digests everything about the generator that can change its output, for
//! the inputs key and the lockfile's `[generator]`.

mod anthropic;
mod budget;
mod command;
mod imports;
mod openai;
mod prompts;
pub mod request;
mod retry;
mod transport;

pub use crate::store::Usage;
pub use anthropic::{Anthropic, AnthropicBackend};
pub use budget::{Budget, cost};
pub use command::CommandBackend;
pub use imports::{ImportCheck, ModuleImports};
pub use openai::{OpenAi, OpenAiBackend};
pub use prompts::{Prompts, Rendered};
pub use request::DependencyText;
pub use retry::{Accepted, Attempts, GenFailure, generate_with_retry, strip_fences};
pub use transport::{HttpBackend, Params, Unusable, WireFormat};

use crate::config::{Config, Provider};
use crate::digest::{Digest, KeyHasher};
use crate::error::JauntError;
use crate::names::{DefKind, ModuleName, SpecKind, SpecRef};
use crate::python::{Contract, MemberRole};
use serde::Serialize;

/// Version of the request and prompt format: bump it when rendering or the
/// wire request changes in a way templates do not show, so that every
/// inputs key changes with it. (What `targets=` and `public_api_only=False`
/// add is rendered only for specs that use them, whose digests, and so
/// keys, already say so.)
pub const PROMPT_FORMAT_VERSION: u32 = 1;

/// Everything the generator is shown for one module. Serializes as the
/// `command` backend's JSON (docs/architecture.md, Generator backends), without the per-attempt fields
/// that [`WireRequest`] adds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Request {
    pub kind: SpecKind,
    pub spec_module: ModuleName,
    pub generated_module: ModuleName,
    /// Module-relative qualnames the output must define (`Outer.method`):
    /// the specs, and the methods class specs require (preserved, sealed,
    /// inner `@jaunt.magic`).
    pub expected_names: Vec<String>,
    pub specs: Vec<RequestSpec>,
    /// Under `jaunt.magic_module`, the spec module's handwritten
    /// definitions: context the output uses but never rewrites.
    pub handwritten: Vec<HandwrittenSource>,
    pub dependency_apis: Vec<DependencyApi>,
    pub dependency_modules: Vec<DependencyModule>,
    /// The library skills block, already rendered.
    pub skills: String,
    /// What validation checks besides the expected names: sealed
    /// signatures and preserved methods. Derived from `specs`, so not sent.
    #[serde(skip)]
    pub contracts: Vec<Contract>,
}

/// A handwritten definition of the spec module, verbatim.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HandwrittenSource {
    pub name: String,
    pub source: String,
}

/// A method of a class spec and what the generated class does with it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RequestMember {
    pub name: String,
    pub role: MemberRole,
    /// Its signature as written, canonically spelled.
    pub signature: String,
    /// The `prompt=` of an inner `@jaunt.magic`.
    pub prompt: Option<String>,
}

/// One spec of the module being generated.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RequestSpec {
    #[serde(rename = "ref")]
    pub spec_ref: SpecRef,
    pub qualname: String,
    pub kind: DefKind,
    /// Verbatim source, decorators included.
    pub source: String,
    /// The decorator's `prompt=` (or the module's, under
    /// `jaunt.magic_module`).
    pub prompt: Option<String>,
    /// A class spec's methods, in source order; empty for other specs.
    pub members: Vec<RequestMember>,
    /// A test spec's `targets=`: the APIs under test.
    pub targets: Vec<SpecRef>,
    /// A test spec's `public_api_only=` (true unless the spec says false);
    /// `None` for a build spec.
    pub public_api_only: Option<bool>,
}

/// A spec of another module that this module uses.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DependencyApi {
    #[serde(rename = "ref")]
    pub spec_ref: SpecRef,
    pub source: String,
}

/// A dependency module as the request shows it: its interface (stub text,
/// no bodies), or with `dependency_context = "source"` its whole generated
/// source. Exactly one of the two is set.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DependencyModule {
    pub module: ModuleName,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interface: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

impl DependencyModule {
    pub fn interface(module: ModuleName, stub: String) -> DependencyModule {
        DependencyModule {
            module,
            interface: Some(stub),
            source: None,
        }
    }

    pub fn source(module: ModuleName, source: String) -> DependencyModule {
        DependencyModule {
            module,
            interface: None,
            source: Some(source),
        }
    }
}

/// What a backend receives for one attempt: the request, the rendered
/// messages an HTTP backend would send, the 1-based attempt and the
/// previous attempt's validation errors.
#[derive(Clone, Debug, Serialize)]
pub struct WireRequest<'a> {
    #[serde(flatten)]
    pub request: &'a Request,
    pub system: String,
    pub prompt: String,
    pub attempt: u32,
    pub errors: Vec<String>,
}

/// A request for a library skill: free-form Markdown about one installed
/// distribution, written from its README. Backends send `system` and
/// `prompt` as they would a module's messages; the metadata is there for
/// the `command` backend's JSON and for logs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SkillRequest {
    pub dist: String,
    pub version: String,
    pub readme: String,
    pub system: String,
    pub prompt: String,
}

/// A backend's answer: module source (fences not yet stripped) and, when
/// the backend reports it, the tokens spent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Output {
    pub source: String,
    pub usage: Option<Usage>,
}

/// Why a backend produced no answer. Messages never contain secrets.
#[derive(Debug, thiserror::Error)]
pub enum GenError {
    /// The generator program exited unsuccessfully.
    #[error("generator `{program}` failed ({status}){}", stderr_suffix(.stderr_tail))]
    Failed {
        program: String,
        /// `exit code 3`, `killed by signal 9`, …
        status: String,
        /// The last lines of its stderr.
        stderr_tail: String,
    },
    /// The generator did not answer in `[llm] timeout_s` and was stopped.
    #[error(
        "generator `{generator}` did not answer within {seconds}s and was stopped; raise `[llm] timeout_s` if it needs longer"
    )]
    Timeout { generator: String, seconds: f64 },
    /// The generator answered with nothing usable.
    #[error("generator `{generator}` gave no usable output: {reason}")]
    BadOutput { generator: String, reason: String },
    /// The generator program could not be started.
    #[error(
        "cannot run generator `{program}`: {source}\n  hint: check `[llm] command`: a program path containing `/` is relative to the project root, any other name is looked up on PATH, and the file must be executable"
    )]
    Spawn {
        program: String,
        source: std::io::Error,
    },
    /// Talking to a running generator program failed.
    #[error("I/O error talking to generator `{program}`: {source}")]
    Io {
        program: String,
        source: std::io::Error,
    },
    /// An error reported by a model provider's API.
    #[error("{message}")]
    Provider { message: String, retryable: bool },
}

fn stderr_suffix(tail: &str) -> String {
    if tail.trim().is_empty() {
        String::new()
    } else {
        format!("; its stderr ended with:\n{}", tail.trim_end())
    }
}

impl GenError {
    /// Whether another attempt may succeed: a slow or empty answer and
    /// transient provider errors, not a broken setup.
    pub fn is_retryable(&self) -> bool {
        match self {
            GenError::Timeout { .. } | GenError::BadOutput { .. } => true,
            GenError::Provider { retryable, .. } => *retryable,
            GenError::Failed { .. } | GenError::Spawn { .. } | GenError::Io { .. } => false,
        }
    }
}

/// A model backend.
pub trait Generator: Send + Sync {
    /// Backend name for the lockfile's `[generator] backend`.
    fn backend(&self) -> &str;
    /// Model name for the lockfile's `[generator] model`.
    fn model(&self) -> &str;
    /// One attempt: the module source for `request`.
    fn generate(&self, request: &WireRequest<'_>) -> Result<Output, GenError>;
    /// One free-form answer for a library skill: the SKILL.md body (no
    /// validation or retry; a failure only costs that library its skill).
    /// HTTP backends send `system` and `prompt` like any other request.
    fn write_skill(&self, request: &SkillRequest) -> Result<Output, GenError>;
}

/// The backend `[llm] provider` selects. An HTTP backend allows
/// `[build] jobs` requests in flight at once over the whole run.
pub fn backend_from_config(config: &Config) -> Result<Box<dyn Generator>, JauntError> {
    Ok(match config.llm.provider {
        Provider::Command => Box::new(CommandBackend::from_config(config)?),
        Provider::OpenAi => Box::new(OpenAiBackend::from_config(config, config.build.jobs)?),
        Provider::Anthropic => Box::new(AnthropicBackend::from_config(config, config.build.jobs)?),
    })
}

/// The generator fingerprint: backend, model, parameters, every prompt
/// template and [`PROMPT_FORMAT_VERSION`]. The API key and the timeout are
/// left out: neither changes what the model writes. Settings added later
/// (reasoning, instructions, the async runner) are hashed only when they
/// reach the model, so a project that sets none keeps its fingerprint.
pub fn fingerprint(config: &Config, prompts: &Prompts) -> Digest {
    let llm = &config.llm;
    let mut h = KeyHasher::new("jaunt.generator.v1");
    h.str("prompt_format", &PROMPT_FORMAT_VERSION.to_string())
        .str("backend", llm.provider.as_str())
        .str("model", &llm.model);
    optional(&mut h, "temperature", llm.temperature.map(f64::to_bits));
    optional(&mut h, "max_tokens", llm.max_tokens);
    optional(&mut h, "base_url", llm.base_url.as_deref());
    h.str("command_args", &llm.command.len().to_string());
    for arg in &llm.command {
        h.str("arg", arg);
    }
    h.str("build_system", &prompts.build_system)
        .str("build_module", &prompts.build_module)
        .str("test_system", &prompts.test_system)
        .str("test_module", &prompts.test_module);
    match (
        llm.provider,
        &llm.reasoning_effort,
        llm.anthropic_thinking_budget_tokens,
    ) {
        (Provider::OpenAi, Some(effort), _) => {
            h.str("reasoning_effort", effort);
        }
        (Provider::Anthropic, _, Some(budget)) => {
            h.str("thinking_budget_tokens", &budget.to_string());
        }
        _ => {}
    }
    if !prompts.instructions.is_empty() {
        h.str("instructions", &prompts.instructions.len().to_string());
        for instruction in &prompts.instructions {
            h.str("instruction", instruction);
        }
    }
    if prompts.uses("async_test_info") {
        h.str("async_runner", prompts.async_runner.as_str());
    }
    h.finish()
}

/// An optional parameter: its tag with the value, or `no-` and the tag.
fn optional<T: ToString>(h: &mut KeyHasher, tag: &str, value: Option<T>) {
    match value {
        Some(v) => h.str(tag, &v.to_string()),
        None => h.str(&format!("no-{tag}"), ""),
    };
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::path::{Path, PathBuf};

    pub(crate) fn sample_request() -> Request {
        let m = ModuleName::new("shop.cart");
        let spec = |name: &str, kind, source: &str, prompt: Option<&str>| RequestSpec {
            spec_ref: SpecRef::new(m.clone(), name),
            qualname: name.into(),
            kind,
            source: source.into(),
            prompt: prompt.map(Into::into),
            members: Vec::new(),
            targets: Vec::new(),
            public_api_only: None,
        };
        let mut cart = spec(
            "Cart",
            DefKind::Class,
            "@jaunt.magic()\nclass Cart:\n    @jaunt.sig\n    def add(self, cents: int) -> None:\n        \"\"\"Add an item.\"\"\"\n",
            None,
        );
        cart.members.push(RequestMember {
            name: "add".into(),
            role: MemberRole::Sealed,
            signature: "def add(self, cents: int) -> None".into(),
            prompt: None,
        });
        Request {
            kind: SpecKind::Build,
            spec_module: m.clone(),
            generated_module: ModuleName::new("shop.__generated__.cart"),
            expected_names: vec!["total".into(), "Cart".into(), "Cart.add".into()],
            specs: vec![
                spec(
                    "total",
                    DefKind::Function,
                    "@jaunt.magic(prompt=\"use integer cents\")\ndef total(items: list[int]) -> int:\n    \"\"\"Sum of {{items}}.\"\"\"\n",
                    Some("use integer cents"),
                ),
                cart,
            ],
            handwritten: vec![HandwrittenSource {
                name: "tax_rate".into(),
                source: "def tax_rate() -> int:\n    return 20".into(),
            }],
            dependency_apis: vec![DependencyApi {
                spec_ref: SpecRef::new(ModuleName::new("shop.money"), "Money"),
                source: "@jaunt.magic()\nclass Money:\n    \"\"\"An amount.\"\"\"\n".into(),
            }],
            dependency_modules: vec![DependencyModule::source(
                ModuleName::new("shop.money"),
                "def money_helper() -> int:\n    return 1\n".into(),
            )],
            skills: "pydantic: use model_validate".into(),
            contracts: Vec::new(),
        }
    }

    /// A second-attempt wire request around `request`.
    pub(crate) fn wire(request: &Request) -> WireRequest<'_> {
        WireRequest {
            request,
            system: "the system prompt".into(),
            prompt: "the module prompt".into(),
            attempt: 2,
            errors: vec!["missing `total`".into()],
        }
    }

    pub(crate) fn config(root: &Path, llm: &str) -> Config {
        let text = format!("version = 1\n[llm]\n{llm}\n");
        Config::parse(&text, Path::new("jaunt.toml"), PathBuf::from(root))
            .expect("test configuration parses")
    }

    #[test]
    fn wire_request_has_the_documented_shape() {
        let request = sample_request();
        let value = serde_json::to_value(wire(&request)).expect("serializes");
        let object = value.as_object().expect("an object");
        let mut keys: Vec<&str> = object.keys().map(String::as_str).collect();
        keys.sort();
        assert_eq!(
            keys,
            [
                "attempt",
                "dependency_apis",
                "dependency_modules",
                "errors",
                "expected_names",
                "generated_module",
                "handwritten",
                "kind",
                "prompt",
                "skills",
                "spec_module",
                "specs",
                "system",
            ]
        );
        assert_eq!(value["kind"], "build");
        assert_eq!(value["spec_module"], "shop.cart");
        assert_eq!(value["generated_module"], "shop.__generated__.cart");
        assert_eq!(value["attempt"], 2);
        assert_eq!(value["errors"][0], "missing `total`");
        assert_eq!(value["system"], "the system prompt");
        assert_eq!(value["prompt"], "the module prompt");
        let spec = &value["specs"][0];
        assert_eq!(spec["ref"], "shop.cart:total");
        assert_eq!(spec["qualname"], "total");
        assert_eq!(spec["kind"], "function");
        assert_eq!(spec["prompt"], "use integer cents");
        assert_eq!(spec["targets"], serde_json::json!([]));
        assert!(spec["public_api_only"].is_null());
        assert!(value["specs"][1]["prompt"].is_null());
        assert_eq!(value["specs"][1]["kind"], "class");
        assert_eq!(
            value["specs"][1]["members"][0],
            serde_json::json!({"name": "add", "role": "sealed", "signature": "def add(self, cents: int) -> None", "prompt": null})
        );
        assert_eq!(value["specs"][0]["members"], serde_json::json!([]));
        assert_eq!(value["handwritten"][0]["name"], "tax_rate");
        assert_eq!(value["dependency_apis"][0]["ref"], "shop.money:Money");
        assert_eq!(value["dependency_modules"][0]["module"], "shop.money");
        let mut test = request.clone();
        test.kind = SpecKind::Test;
        assert_eq!(
            serde_json::to_value(&test).expect("serializes")["kind"],
            "test"
        );
    }

    #[test]
    fn usage_adds() {
        let mut u = Usage {
            prompt_tokens: 1,
            completion_tokens: 2,
        };
        u += Usage {
            prompt_tokens: 10,
            completion_tokens: 20,
        };
        assert_eq!(u.prompt_tokens, 11);
        assert_eq!(u.completion_tokens, 22);
    }

    #[test]
    fn fingerprint_follows_output_relevant_settings_only() {
        let root = Path::new("/p");
        let prompts = Prompts::default();
        let base_llm = "provider = \"command\"\ncommand = [\"gen\", \"--fast\"]\nmodel = \"m1\"";
        let base = fingerprint(&config(root, base_llm), &prompts);
        assert_eq!(base, fingerprint(&config(root, base_llm), &prompts));

        let changed = |llm: &str| fingerprint(&config(root, llm), &prompts);
        assert_ne!(
            base,
            changed("provider = \"command\"\ncommand = [\"gen\", \"--fast\"]\nmodel = \"m2\"")
        );
        assert_ne!(
            base,
            changed("provider = \"command\"\ncommand = [\"gen\", \"--slow\"]\nmodel = \"m1\"")
        );
        assert_ne!(
            base,
            changed("provider = \"command\"\ncommand = [\"gen --fast\"]\nmodel = \"m1\"")
        );
        assert_ne!(base, changed(&format!("{base_llm}\ntemperature = 0.2")));
        assert_ne!(base, changed(&format!("{base_llm}\nmax_tokens = 100")));
        assert_eq!(base, changed(&format!("{base_llm}\ntimeout_s = 5.0")));
        assert_eq!(
            base,
            changed(&format!("{base_llm}\napi_key_env = \"OTHER\""))
        );

        let mut edited = prompts.clone();
        edited.test_module.push_str("\nOne more rule.");
        assert_ne!(base, fingerprint(&config(root, base_llm), &edited));

        // Reasoning counts where it is sent, and only there.
        assert_eq!(
            base,
            changed(&format!("{base_llm}\nreasoning_effort = \"high\""))
        );
        let openai = "provider = \"openai\"\nbase_url = \"http://localhost:1/v1\"";
        let effort = |e: &str| {
            fingerprint(
                &config(root, &format!("{openai}\nreasoning_effort = \"{e}\"")),
                &prompts,
            )
        };
        assert_ne!(effort("low"), effort("high"));
        assert_ne!(effort("low"), fingerprint(&config(root, openai), &prompts));

        let instructed = Prompts {
            instructions: vec!["Be brief.".into()],
            ..prompts.clone()
        };
        assert_ne!(base, fingerprint(&config(root, base_llm), &instructed));
        // The async runner counts only for a template that shows it.
        let anyio = Prompts {
            async_runner: crate::config::AsyncRunner::Anyio,
            ..prompts.clone()
        };
        assert_eq!(base, fingerprint(&config(root, base_llm), &anyio));
        let shown = |p: &Prompts| Prompts {
            test_module: format!("{}\n{{{{async_test_info}}}}\n", p.test_module),
            ..p.clone()
        };
        assert_ne!(
            fingerprint(&config(root, base_llm), &shown(&prompts)),
            fingerprint(&config(root, base_llm), &shown(&anyio))
        );
    }

    #[test]
    fn backend_selection() {
        let root = Path::new("/p");
        let command =
            backend_from_config(&config(root, "provider = \"command\"\ncommand = [\"gen\"]"))
                .expect("command backend");
        assert_eq!(command.backend(), "command");
        assert_eq!(command.model(), "command");
        for (provider, path) in [("openai", "/v1"), ("anthropic", "")] {
            let local = format!(
                "provider = \"{provider}\"\nbase_url = \"http://localhost:8000{path}\"\nmodel = \"m\"\napi_key_env = \"JAUNT_TEST_UNSET_KEY\""
            );
            let backend = backend_from_config(&config(root, &local)).expect("no key needed");
            assert_eq!((backend.backend(), backend.model()), (provider, "m"));
            let hosted =
                format!("provider = \"{provider}\"\napi_key_env = \"JAUNT_TEST_UNSET_KEY\"");
            let err = backend_from_config(&config(root, &hosted))
                .err()
                .expect("the hosted API needs a key");
            assert!(
                err.to_string()
                    .contains("`JAUNT_TEST_UNSET_KEY` is not set"),
                "{err}"
            );
            assert_eq!(err.exit_code(), crate::error::exit::CONFIG);
        }
    }
}
