//! What the HTTP backends share: one client, one concurrency limit for the
//! whole run, and retries that survive real providers (exponential backoff
//! with jitter on connection errors, 408, 409, 429 and 5xx, `Retry-After`
//! honoured), all inside `[llm] timeout_s`. A provider's wire format is a
//! [`WireFormat`] (`openai.rs`, `anthropic.rs`); [`HttpBackend`] joins one
//! to the transport.
//!
//! The API key travels only in a request header. It is kept in a [`Secret`]
//! whose `Debug` hides it, the header is marked sensitive, and every
//! message that leaves this module has the key scrubbed out, in case a
//! provider echoes it back.

use super::{GenError, Generator, Output, SkillRequest, Usage, WireRequest};
use crate::config::{Config, Provider};
use crate::credentials::{self, ChosenBy, UserConfig};
use crate::error::{Diagnostic, JauntError};
use reqwest::blocking::Client;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, RETRY_AFTER};
use serde_json::Value;
use std::fmt;
use std::hash::{BuildHasher, RandomState};
use std::marker::PhantomData;
use std::sync::{Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// The first retry's delay; each further retry doubles it.
const BASE_DELAY: Duration = Duration::from_secs(1);
/// Backoff never waits longer than this between two tries (a longer
/// `Retry-After` is still honoured).
const MAX_DELAY: Duration = Duration::from_secs(30);
/// Tries per request, the first included; `timeout_s` may end them sooner.
const MAX_TRIES: u32 = 6;
/// How much of a non-JSON error body a message quotes.
const BODY_EXCERPT_CHARS: usize = 500;

/// One provider's wire format: where a request goes, what it carries and
/// how the answer is read.
pub trait WireFormat {
    /// The `[llm] provider`; its name is used in messages and the lockfile.
    const PROVIDER: Provider;
    /// Where requests go when `base_url` is not set.
    const DEFAULT_BASE_URL: &'static str;
    /// Appended to the base URL.
    const PATH: &'static str;
    /// Headers every request carries, besides the key.
    const HEADERS: &'static [(&'static str, &'static str)];
    /// The header that carries `key`, and its value.
    fn auth(key: &str) -> (HeaderName, String);
    /// The JSON body of one attempt: the rendered system and user messages.
    fn body(params: &Params, system: &str, prompt: &str) -> Value;
    /// The module source and usage in a successful response; a blank
    /// source is rejected by the caller.
    fn parse(response: &Value) -> Result<Output, Unusable>;
}

/// The `[llm]` settings a request body carries.
#[derive(Clone, Debug, PartialEq)]
pub struct Params {
    pub model: String,
    pub temperature: Option<f64>,
    pub max_tokens: Option<i64>,
    /// `reasoning_effort`, for a wire format that has it.
    pub reasoning_effort: Option<String>,
    /// `anthropic_thinking_budget_tokens`, for a wire format that has it.
    pub thinking_budget: Option<u32>,
}

/// Why a successful response holds no module.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unusable {
    /// No text at all; another attempt may do better.
    Empty,
    /// Cut off at the token limit; the provider's stop reason.
    Truncated(String),
    /// The model declined; the provider's message.
    Refused(String),
    /// Not the documented shape; what is missing.
    Malformed(String),
}

/// The usage object `usage` as read with the provider's two field names;
/// `None` when the provider did not report both.
pub fn usage(usage: &Value, prompt: &str, completion: &str) -> Option<Usage> {
    Some(Usage {
        prompt_tokens: usage[prompt].as_u64()?,
        completion_tokens: usage[completion].as_u64()?,
    })
}

/// An HTTP model backend: a wire format over the shared transport.
pub struct HttpBackend<F> {
    url: String,
    params: Params,
    transport: Transport,
    format: PhantomData<fn() -> F>,
}

impl<F: WireFormat> HttpBackend<F> {
    /// The backend `[llm]` describes, with the key read from the variable
    /// `api_key_env` names; `concurrency` bounds the requests in flight
    /// over every call of this backend.
    pub fn from_config(config: &Config, concurrency: usize) -> Result<Self, JauntError> {
        let env = key_env::<F>(config);
        let key = std::env::var(&env).ok().filter(|k| !k.is_empty());
        // `base_url` is the repository's choice: the user's key goes there
        // only if it is the provider's own host, on this machine, or a host
        // the user allowed.
        if key.is_some()
            && let Some(base) = &config.llm.base_url
            && let Ok(url) = reqwest::Url::parse(base)
            && let Ok(default) = reqwest::Url::parse(F::DEFAULT_BASE_URL)
            && url.host_str() != default.host_str()
            && let Err(why) = credentials::may_send(&url, ChosenBy::Repository, &UserConfig::load())
        {
            return Err(Diagnostic::config(format!(
                "not sending ${env} to `llm.base_url` = {base}: {why}"
            ))
            .at(&config.file, None)
            .hint(format!(
                "if you trust that server, allow its host under [credentials] allowed_hosts in {}; otherwise unset ${env} for this project",
                UserConfig::path().map_or_else(|| "your jaunt config.toml".into(), |p| p.display().to_string())
            ))
            .into());
        }
        Self::with_key(config, concurrency, key)
    }

    /// As [`HttpBackend::from_config`], with the key given rather than read
    /// from the environment. The key is optional only with `base_url`: a
    /// local server may need none, the provider's own API always does.
    pub fn with_key(
        config: &Config,
        concurrency: usize,
        key: Option<String>,
    ) -> Result<Self, JauntError> {
        let llm = &config.llm;
        let env = key_env::<F>(config);
        let config_error = |message: String, hint: String| {
            JauntError::from(
                Diagnostic::config(message)
                    .at(&config.file, None)
                    .hint(hint),
            )
        };
        let timeout = Duration::try_from_secs_f64(llm.timeout_s)
            .ok()
            .filter(|t| !t.is_zero())
            .ok_or_else(|| {
                config_error(
                    format!("`llm.timeout_s` = {} is not a positive number of seconds", llm.timeout_s),
                    "set `timeout_s` under [llm] to the seconds one request may take, retries included, e.g. 600".into(),
                )
            })?;
        let base = llm.base_url.as_deref().unwrap_or(F::DEFAULT_BASE_URL);
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(config_error(
                format!("`llm.base_url` {base:?} is not an http:// or https:// URL"),
                format!(
                    "for a local OpenAI-compatible server write e.g. `base_url = \"http://localhost:11434/v1\"`; remove it to use {}",
                    F::DEFAULT_BASE_URL
                ),
            ));
        }
        if key.is_none() && llm.base_url.is_none() {
            return Err(config_error(
                format!(
                    "`{env}` is not set: the `{}` backend needs an API key for {base}",
                    F::PROVIDER.as_str()
                ),
                format!(
                    "export {env}=… or put it in .env beside the configuration; set `api_key_env` under [llm] to read another variable"
                ),
            ));
        }
        let mut headers = HeaderMap::new();
        for (name, value) in F::HEADERS {
            headers.insert(*name, HeaderValue::from_static(value));
        }
        if let Some(key) = &key {
            let (name, value) = F::auth(key);
            let mut value = HeaderValue::from_str(&value).map_err(|_| {
                config_error(
                    format!(
                        "the API key in `{env}` contains characters an HTTP header cannot carry"
                    ),
                    format!("check the value of `{env}` for stray spaces, quotes or line breaks"),
                )
            })?;
            value.set_sensitive(true);
            headers.insert(name, value);
        }
        let client = Client::builder()
            .user_agent(concat!("jaunt/", env!("CARGO_PKG_VERSION")))
            .timeout(None)
            .build()
            .map_err(|e| JauntError::other(format!("cannot set up the HTTP client: {e}")))?;
        Ok(HttpBackend {
            url: format!("{}{}", base.trim_end_matches('/'), F::PATH),
            params: Params {
                model: llm.model.clone(),
                temperature: llm.temperature,
                max_tokens: llm.max_tokens,
                reasoning_effort: llm.reasoning_effort.clone(),
                thinking_budget: llm.anthropic_thinking_budget_tokens,
            },
            transport: Transport {
                provider: F::PROVIDER.as_str(),
                client,
                headers,
                key: key.map(Secret),
                key_env: env,
                limit: Limit::new(concurrency),
                timeout,
                base_delay: BASE_DELAY,
                max_body: config.store.max_artifact_bytes.saturating_mul(6) + (1 << 20),
            },
            format: PhantomData,
        })
    }

    /// Sets the first retry's delay (later ones double it), so that tests
    /// need not wait for real backoff.
    pub fn with_base_delay(mut self, delay: Duration) -> Self {
        self.transport.base_delay = delay;
        self
    }
}

/// The variable holding the key: `[llm] api_key_env`, else the provider's.
fn key_env<F: WireFormat>(config: &Config) -> String {
    config
        .llm
        .api_key_env
        .clone()
        .or_else(|| F::PROVIDER.default_key_env().map(String::from))
        .unwrap_or_default()
}

impl<F: WireFormat> fmt::Debug for HttpBackend<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpBackend")
            .field("provider", &F::PROVIDER.as_str())
            .field("url", &self.url)
            .field("params", &self.params)
            .field("transport", &self.transport)
            .finish()
    }
}

impl<F: WireFormat> Generator for HttpBackend<F> {
    fn backend(&self) -> &str {
        F::PROVIDER.as_str()
    }

    fn model(&self) -> &str {
        &self.params.model
    }

    fn generate(&self, request: &WireRequest<'_>) -> Result<Output, GenError> {
        self.complete(&request.system, &request.prompt)
    }

    fn write_skill(&self, request: &SkillRequest) -> Result<Output, GenError> {
        self.complete(&request.system, &request.prompt)
    }
}

impl<F: WireFormat> HttpBackend<F> {
    /// One chat completion: a system and a user message in, text out.
    fn complete(&self, system: &str, prompt: &str) -> Result<Output, GenError> {
        let response = self
            .transport
            .post(&self.url, &F::body(&self.params, system, prompt))?;
        let output = F::parse(&response).map_err(|unusable| self.transport.unusable(unusable))?;
        if output.source.trim().is_empty() {
            return Err(self.transport.unusable(Unusable::Empty));
        }
        Ok(output)
    }
}

/// A key that `Debug` does not print.
struct Secret(String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(..)")
    }
}

/// A counting semaphore: at most `limit` requests in flight at once, over
/// every thread of a run.
#[derive(Debug)]
struct Limit {
    free: Mutex<usize>,
    freed: Condvar,
}

/// A slot of a [`Limit`], given back on drop.
struct Permit<'a>(&'a Limit);

impl Limit {
    fn new(limit: usize) -> Limit {
        Limit {
            free: Mutex::new(limit.max(1)),
            freed: Condvar::new(),
        }
    }

    /// Waits for a free slot. A poisoned lock still counts correctly: the
    /// counter is only ever changed by one whole statement.
    fn acquire(&self) -> Permit<'_> {
        let mut free = self.free.lock().unwrap_or_else(PoisonError::into_inner);
        while *free == 0 {
            free = self
                .freed
                .wait(free)
                .unwrap_or_else(PoisonError::into_inner);
        }
        *free -= 1;
        Permit(self)
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        *self.0.free.lock().unwrap_or_else(PoisonError::into_inner) += 1;
        self.0.freed.notify_one();
    }
}

/// Sends requests with retries inside the timeout, under the limit.
#[derive(Debug)]
struct Transport {
    provider: &'static str,
    client: Client,
    /// The fixed headers and the key's, marked sensitive.
    headers: HeaderMap,
    /// Kept to scrub it from messages.
    key: Option<Secret>,
    /// The key's variable, for messages.
    key_env: String,
    limit: Limit,
    /// For one request, retries included; waiting for a slot is not.
    timeout: Duration,
    base_delay: Duration,
    /// The most bytes an answer may be: a module the store would take
    /// (`[store] max_artifact_bytes`), JSON-escaped, with room for the
    /// envelope. A server that sends more is cut off.
    max_body: u64,
}

/// The outcome of one try.
enum Try {
    Done(Value),
    /// A failure that a later try may not repeat, and the delay the server
    /// asked for.
    Again {
        message: String,
        retry_after: Option<Duration>,
    },
    Fail(GenError),
}

impl Transport {
    /// POSTs `body` as JSON and returns the response's JSON, retrying
    /// transient failures until they stop, the tries run out or the
    /// timeout would pass.
    fn post(&self, url: &str, body: &Value) -> Result<Value, GenError> {
        let _permit = self.limit.acquire();
        let deadline = Instant::now() + self.timeout;
        let mut tries = 0;
        loop {
            tries += 1;
            let (message, retry_after) = match self.try_once(url, body, deadline) {
                Try::Done(value) => return Ok(value),
                Try::Fail(error) => return Err(error),
                Try::Again {
                    message,
                    retry_after,
                } => (message, retry_after),
            };
            let delay = retry_after.unwrap_or_else(|| self.backoff(tries));
            if tries >= MAX_TRIES || Instant::now() + delay >= deadline {
                return Err(self.error(format!("{message} (gave up after {tries} tries)"), true));
            }
            std::thread::sleep(delay);
        }
    }

    fn try_once(&self, url: &str, body: &Value, deadline: Instant) -> Try {
        let remaining = deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            return Try::Fail(self.timed_out());
        }
        let sent = self
            .client
            .post(url)
            .headers(self.headers.clone())
            .json(body)
            .timeout(remaining)
            .send();
        let response = match sent {
            Ok(response) => response,
            Err(e) => return self.failed(&format!("cannot reach `{}`", self.provider), &e),
        };
        let status = response.status();
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(parse_retry_after);
        let mut body = Vec::new();
        if let Err(e) = std::io::Read::read_to_end(
            &mut std::io::Read::take(response, self.max_body.saturating_add(1)),
            &mut body,
        ) {
            if e.kind() == std::io::ErrorKind::TimedOut {
                return Try::Fail(self.timed_out());
            }
            return Try::Again {
                message: format!("reading `{}`'s answer failed: {e}", self.provider),
                retry_after: None,
            };
        }
        if body.len() as u64 > self.max_body {
            return Try::Fail(self.unusable(Unusable::Malformed(format!(
                "the answer is larger than {} bytes and was cut off",
                self.max_body
            ))));
        }
        let text = String::from_utf8_lossy(&body).into_owned();
        if status.is_success() {
            return match serde_json::from_str(&text) {
                Ok(value) => Try::Done(value),
                Err(e) => Try::Fail(self.unusable(Unusable::Malformed(format!("not JSON ({e})")))),
            };
        }
        let detail = provider_message(&text);
        let message = format!("`{}` answered HTTP {status}: {detail}", self.provider);
        match status.as_u16() {
            401 | 403 => Try::Fail(self.error(self.auth_message(&message), false)),
            408 | 409 | 429 | 500..=599 => Try::Again {
                message,
                retry_after,
            },
            _ => Try::Fail(self.error(message, false)),
        }
    }

    /// A request that got no complete answer: out of time, or worth
    /// another try (refused connection, reset, DNS).
    fn failed(&self, what: &str, error: &reqwest::Error) -> Try {
        if error.is_timeout() {
            Try::Fail(self.timed_out())
        } else {
            Try::Again {
                message: format!("{what}: {}", chain(error)),
                retry_after: None,
            }
        }
    }

    /// A rejected key: which variable holds it (or should).
    fn auth_message(&self, message: &str) -> String {
        let env = &self.key_env;
        match self.key {
            Some(_) => format!(
                "{message}\n  hint: the API key comes from the environment variable `{env}` (or .env beside the configuration); check that it is valid for this provider"
            ),
            None => format!(
                "{message}\n  hint: no API key was sent because `{env}` is not set; set it (or `api_key_env` under [llm])"
            ),
        }
    }

    /// Full jitter over the upper half of an exponential delay, so that
    /// requests that failed together do not retry together.
    fn backoff(&self, tries: u32) -> Duration {
        let doubled = self
            .base_delay
            .saturating_mul(1 << tries.saturating_sub(1).min(16))
            .min(MAX_DELAY);
        doubled.mul_f64(0.5 + 0.5 * unit_random())
    }

    fn timed_out(&self) -> GenError {
        GenError::Timeout {
            generator: self.provider.into(),
            seconds: self.timeout.as_secs_f64(),
        }
    }

    fn unusable(&self, unusable: Unusable) -> GenError {
        let provider = self.provider;
        let (message, retryable) = match unusable {
            Unusable::Empty => (format!("`{provider}` returned an empty completion"), true),
            Unusable::Truncated(reason) => (
                format!(
                    "`{provider}` cut the answer off at the token limit ({reason}); raise `max_tokens` under [llm]"
                ),
                false,
            ),
            Unusable::Refused(why) => (format!("`{provider}` refused: {why}"), false),
            Unusable::Malformed(what) => (
                format!("`{provider}` sent a response jaunt cannot read: {what}"),
                true,
            ),
        };
        self.error(message, retryable)
    }

    /// A provider error with the key scrubbed out.
    fn error(&self, message: String, retryable: bool) -> GenError {
        let message = match &self.key {
            Some(Secret(key)) => message.replace(key.as_str(), "[redacted]"),
            None => message,
        };
        GenError::Provider { message, retryable }
    }
}

/// `Retry-After` in seconds; an HTTP date is ignored in favour of backoff.
fn parse_retry_after(value: &HeaderValue) -> Option<Duration> {
    let seconds: f64 = value.to_str().ok()?.trim().parse().ok()?;
    Duration::try_from_secs_f64(seconds).ok()
}

/// The message in an error body: `error.message` (OpenAI, Anthropic),
/// `error` as a string (Ollama) or `message`, else the start of the body.
fn provider_message(body: &str) -> String {
    if let Ok(value) = serde_json::from_str::<Value>(body) {
        let found = [
            &value["error"]["message"],
            &value["error"],
            &value["message"],
        ]
        .into_iter()
        .find_map(Value::as_str);
        if let Some(message) = found {
            return message.to_string();
        }
    }
    let body = body.trim();
    if body.is_empty() {
        return "(empty body)".into();
    }
    let excerpt: String = body.chars().take(BODY_EXCERPT_CHARS).collect();
    if excerpt.len() < body.len() {
        format!("{excerpt}…")
    } else {
        excerpt
    }
}

/// An error with its causes: reqwest's own message hides the reason
/// (refused, DNS, TLS) in its sources.
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// A number in [0, 1) that differs between calls and threads, from std's
/// randomly keyed hasher: enough for jitter, without a dependency.
fn unit_random() -> f64 {
    let bits = RandomState::new().hash_one(Instant::now());
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::generate::OpenAiBackend;
    use crate::generate::tests::{config, sample_request, wire};

    /// `F`'s body for the sample request with model `m`: without the
    /// optional knobs, and with temperature 0.5 and max_tokens 100.
    pub(crate) fn bodies<F: WireFormat>() -> (Value, Value) {
        let request = sample_request();
        let mut params = Params {
            model: "m".into(),
            temperature: None,
            max_tokens: None,
            reasoning_effort: None,
            thinking_budget: None,
        };
        let w = wire(&request);
        let bare = F::body(&params, &w.system, &w.prompt);
        params.temperature = Some(0.5);
        params.max_tokens = Some(100);
        (bare, F::body(&params, &w.system, &w.prompt))
    }
    use std::path::Path;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn limit_bounds_holders() {
        let limit = Arc::new(Limit::new(2));
        let held = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..6)
            .map(|_| {
                let (limit, held, most) = (limit.clone(), held.clone(), most.clone());
                std::thread::spawn(move || {
                    let _permit = limit.acquire();
                    let now = held.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(30));
                    held.fetch_sub(1, Ordering::SeqCst);
                })
            })
            .collect();
        for thread in threads {
            thread.join().expect("thread");
        }
        assert_eq!(most.load(Ordering::SeqCst), 2);
        assert_eq!(*limit.free.lock().expect("lock"), 2);
        assert_eq!(*Limit::new(0).free.lock().expect("lock"), 1);
    }

    #[test]
    fn retry_after_is_seconds() {
        let parse = |s: &'static str| parse_retry_after(&HeaderValue::from_static(s));
        assert_eq!(parse("3"), Some(Duration::from_secs(3)));
        assert_eq!(parse(" 0.5 "), Some(Duration::from_millis(500)));
        assert_eq!(parse("-1"), None);
        assert_eq!(parse("Wed, 21 Oct 2015 07:28:00 GMT"), None);
    }

    #[test]
    fn provider_messages() {
        assert_eq!(
            provider_message(r#"{"error":{"message":"Rate limit","type":"x"}}"#),
            "Rate limit"
        );
        assert_eq!(
            provider_message(r#"{"error":"model not found"}"#),
            "model not found"
        );
        assert_eq!(provider_message(r#"{"message":"busy"}"#), "busy");
        assert_eq!(provider_message("  "), "(empty body)");
        assert_eq!(
            provider_message("<html>bad gateway</html>"),
            "<html>bad gateway</html>"
        );
        let long = "é".repeat(2 * BODY_EXCERPT_CHARS);
        assert_eq!(
            provider_message(&long).chars().count(),
            BODY_EXCERPT_CHARS + 1
        );
    }

    fn backend(llm: &str, key: Option<&str>) -> Result<OpenAiBackend, JauntError> {
        let llm = format!("provider = \"openai\"\n{llm}");
        OpenAiBackend::with_key(&config(Path::new("/p"), &llm), 2, key.map(Into::into))
    }

    #[test]
    fn backoff_doubles_with_jitter_and_a_cap() {
        let b = backend("", Some("k")).expect("backend");
        for tries in 1..=3 {
            let full = BASE_DELAY * (1 << (tries - 1));
            let delay = b.transport.backoff(tries);
            assert!(delay >= full / 2 && delay <= full, "{tries}: {delay:?}");
        }
        assert!(b.transport.backoff(40) <= MAX_DELAY);
    }

    #[test]
    fn configuration() {
        let missing = backend("api_key_env = \"MY_KEY\"", None).expect_err("no key");
        let message = missing.to_string();
        assert!(message.contains("`MY_KEY` is not set"), "{message}");
        assert!(message.contains("https://api.openai.com/v1"), "{message}");

        let local = backend("base_url = \"http://localhost:11434/v1/\"", None).expect("local");
        assert_eq!(local.url, "http://localhost:11434/v1/chat/completions");
        assert!(local.transport.headers.is_empty());

        let bad_url = backend("base_url = \"localhost:8000\"", None).expect_err("scheme");
        assert!(bad_url.to_string().contains("http://"), "{bad_url}");
        let timeout = backend("timeout_s = -1.0", Some("k")).expect_err("timeout");
        assert!(timeout.to_string().contains("timeout_s"), "{timeout}");
        let newline = backend("", Some("sk-a\nb")).expect_err("header");
        assert!(!newline.to_string().contains("sk-a"), "{newline}");
    }

    #[test]
    fn the_key_stays_out_of_debug_and_errors() {
        let b = backend("", Some("sk-test-SECRET")).expect("backend");
        let debug = format!("{b:?}");
        assert!(!debug.contains("SECRET"), "{debug}");
        assert!(debug.contains("api.openai.com"), "{debug}");
        let error = b
            .transport
            .error("bad key sk-test-SECRET given".into(), false);
        assert_eq!(error.to_string(), "bad key [redacted] given");
    }
}
