//! The remote store: a plain HTTP cache in the layout of Bazel's HTTP
//! cache, or an S3 bucket holding the same objects ([`super::s3`]).
//!
//! `GET`/`HEAD`/`PUT` on `{url}/cas/{hex}` and `{url}/ac/{hex}`, so any
//! WebDAV server (nginx with `dav_methods PUT`) serves it; in a bucket, the
//! keys `{prefix}/cas/{hex}` and `{prefix}/ac/{hex}`. Bodies are the bytes
//! the local store keeps: an artifact is its zstd frame (copied verbatim
//! both ways, and smaller on the wire than the raw module), an action entry
//! its self-checking JSON. This type only moves bytes; the tiered store
//! checks every object before anything uses it.

use super::Area;
use super::s3::{Asked, S3};
use crate::digest::Digest;
use reqwest::StatusCode;
use reqwest::blocking::{Client, RequestBuilder, Response};
use std::time::Duration;

/// Environment variable that names the remote store; it wins over
/// `[store] remote`.
pub const REMOTE_ENV: &str = "JAUNT_REMOTE_STORE";

/// Where the bearer token is read from unless `[store] remote_token_env`
/// names another variable.
pub const DEFAULT_TOKEN_ENV: &str = "JAUNT_REMOTE_TOKEN";

/// What a zstd frame may add to the artifact inside it: incompressible
/// bytes grow by a few per block, and an action entry is tiny.
pub const FRAME_SLACK: u64 = 64 * 1024;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const READ_TIMEOUT: Duration = Duration::from_secs(30);
/// Retries after a connection error, a timeout or a 5xx; a refusal
/// (401/403) is not retried, it will not change.
const RETRIES: u32 = 2;
const RETRY_PAUSE: Duration = Duration::from_millis(200);

/// A configured remote store: a plain HTTP cache or an S3 bucket, behind
/// one client, one retry policy and one bound on what a read may return.
/// The HTTP client is built on first use, so commands that never touch the
/// remote pay nothing for it.
pub struct Remote {
    /// The remote as it may be printed (no credentials).
    shown: String,
    protocol: Protocol,
    client: std::sync::OnceLock<Result<Client, String>>,
    /// The most bytes one object read may be.
    max_body: u64,
    /// S3: whether the bucket exists and takes the credentials, asked once
    /// before the first object request, so a typo in the bucket's name or
    /// a refused key is one clear error rather than every object missing.
    checked: std::sync::OnceLock<Result<(), String>>,
}

enum Protocol {
    Http(Http),
    S3(Box<S3>),
}

/// A plain HTTP cache (WebDAV, Bazel's layout) and its bearer token.
pub struct Http {
    /// Base URL without a trailing slash (credentials included, if any:
    /// reqwest turns `user:pass@` into basic auth).
    base: String,
    /// The URL without credentials, for messages.
    shown: String,
    token: Option<String>,
    token_env: String,
}

/// The requests a remote store receives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Get,
    Head,
    Put,
}

/// Why a remote request failed. Every one means "do without the remote".
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct RemoteError(String);

/// How much of a refusal's body is read for its error code.
const MAX_ERROR_BODY: u64 = 64 * 1024;

impl Http {
    /// A cache at `url` (`http://` or `https://`); the bearer token comes
    /// from `$token_env` when set and the URL carries no `user:pass@`.
    pub fn new(url: &str, token_env: &str) -> Result<Http, String> {
        let parsed = reqwest::Url::parse(url)
            .map_err(|e| format!("invalid remote store URL `{url}`: {e}"))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(format!(
                "remote store URL `{url}` must start with http://, https:// or s3://"
            ));
        }
        let mut shown = parsed.clone();
        let has_userinfo = !parsed.username().is_empty() || parsed.password().is_some();
        // Clearing credentials cannot fail on an http(s) URL.
        let _ = shown.set_username("");
        let _ = shown.set_password(None);
        let token = std::env::var(token_env)
            .ok()
            .filter(|t| !t.is_empty() && !has_userinfo);
        Ok(Http {
            base: url.trim_end_matches('/').to_string(),
            shown: shown.as_str().trim_end_matches('/').to_string(),
            token,
            token_env: token_env.to_string(),
        })
    }

    /// The same cache without the token: it goes nowhere the user did not
    /// allow (see [`crate::credentials`]). Returns whether there was one.
    pub fn without_token(&mut self) -> bool {
        self.token.take().is_some()
    }

    pub fn parsed_url(&self) -> Option<reqwest::Url> {
        reqwest::Url::parse(&self.shown).ok()
    }

    /// The URL as it may be printed (no credentials).
    pub fn url(&self) -> &str {
        &self.shown
    }

    fn refusal(&self, name: &str, status: StatusCode) -> String {
        let hint = if matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN) {
            if self.token.is_some() {
                format!(
                    "; hint: the token in ${} was not accepted; check it",
                    self.token_env
                )
            } else {
                format!(
                    "; hint: set ${} to the server's bearer token (another variable can be named by [store] remote_token_env), or put user:pass@ in the URL",
                    self.token_env
                )
            }
        } else {
            String::new()
        };
        format!("remote store {} refused {name}: {status}{hint}", self.shown)
    }
}

impl Remote {
    pub fn http(http: Http) -> Remote {
        Remote::with_protocol(http.shown.clone(), Protocol::Http(http))
    }

    pub fn s3(s3: S3) -> Remote {
        Remote::with_protocol(s3.shown(), Protocol::S3(Box::new(s3)))
    }

    fn with_protocol(shown: String, protocol: Protocol) -> Remote {
        Remote {
            shown,
            protocol,
            client: std::sync::OnceLock::new(),
            max_body: super::MAX_ARTIFACT_BYTES + FRAME_SLACK,
            checked: std::sync::OnceLock::new(),
        }
    }

    /// The remote as it may be printed (no credentials).
    pub fn url(&self) -> &str {
        &self.shown
    }

    /// `cas/<hex>` or `ac/<hex>`: the object's name on the server (under
    /// the prefix, in a bucket).
    pub fn object_name(area: Area, digest: &Digest) -> String {
        format!("{}/{}", area.dir(), digest.hex())
    }

    /// Bounds what one object read from the remote may be.
    pub fn with_max_body(self, max_body: u64) -> Remote {
        Remote { max_body, ..self }
    }

    fn client(&self) -> Result<&Client, RemoteError> {
        self.client
            .get_or_init(|| {
                let builder = Client::builder()
                    .connect_timeout(CONNECT_TIMEOUT)
                    .timeout(READ_TIMEOUT);
                // A signed S3 request is valid for one host: a redirect is
                // S3 naming the bucket's region, reported as such.
                let builder = match self.protocol {
                    Protocol::S3(_) => builder.redirect(reqwest::redirect::Policy::none()),
                    Protocol::Http(_) => builder,
                };
                builder.build().map_err(|e| e.to_string())
            })
            .as_ref()
            .map_err(|e| RemoteError(format!("cannot set up an HTTP client: {e}")))
    }

    /// The object's bytes; `None` when the server has no such object.
    pub fn get(&self, area: Area, digest: &Digest) -> Result<Option<Vec<u8>>, RemoteError> {
        use std::io::Read;
        let name = Remote::object_name(area, digest);
        let response = self.send(Op::Get, &name, None)?;
        if response.status() == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        let response = self.expect_success(Op::Get, &name, response)?;
        // A compressed object is never larger than the artifact it holds
        // (plus a frame's overhead); an endless body is cut off.
        let limit = self.max_body;
        let mut body = Vec::new();
        response
            .take(limit.saturating_add(1))
            .read_to_end(&mut body)
            .map_err(|e| RemoteError(format!("reading {name} from {}: {e}", self.shown)))?;
        if body.len() as u64 > limit {
            return Err(RemoteError(format!(
                "remote store {} answered more than {limit} bytes for {name}; it was not used",
                self.shown
            )));
        }
        Ok(Some(body))
    }

    /// Whether the server holds the object.
    pub fn has(&self, area: Area, digest: &Digest) -> Result<bool, RemoteError> {
        let name = Remote::object_name(area, digest);
        let response = self.send(Op::Head, &name, None)?;
        if response.status() == StatusCode::NOT_FOUND {
            return Ok(false);
        }
        self.expect_success(Op::Head, &name, response).map(|_| true)
    }

    /// Writes the object. In a bucket the write is a create: an object
    /// that exists is not rewritten (it holds the same bytes, or, for an
    /// action entry, an equally valid mapping).
    pub fn put(&self, area: Area, digest: &Digest, bytes: &[u8]) -> Result<(), RemoteError> {
        let name = Remote::object_name(area, digest);
        let response = self.send(Op::Put, &name, Some(bytes))?;
        self.expect_success(Op::Put, &name, response).map(|_| ())
    }

    /// The request for one attempt (an S3 request is signed anew for each).
    fn request(&self, client: &Client, op: Op, name: &str, body: Option<&[u8]>) -> RequestBuilder {
        let (url, headers, token) = match &self.protocol {
            Protocol::Http(h) => (format!("{}/{name}", h.base), Vec::new(), h.token.as_deref()),
            Protocol::S3(s3) => {
                let signed = s3.sign(op, name);
                (signed.url.to_string(), signed.headers, None)
            }
        };
        let mut request = match op {
            Op::Get => client.get(url),
            Op::Head => client.head(url),
            Op::Put => client.put(url).body(body.unwrap_or_default().to_vec()),
        };
        for (header, value) in headers {
            request = request.header(header, value);
        }
        match token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
    }

    /// Sends a request, retrying transport errors and 5xx answers; in a
    /// bucket, once the bucket is known to be usable.
    fn send(&self, op: Op, name: &str, body: Option<&[u8]>) -> Result<Response, RemoteError> {
        if let Protocol::S3(s3) = &self.protocol {
            self.checked
                .get_or_init(|| self.check_bucket(s3))
                .clone()
                .map_err(RemoteError)?;
        }
        self.retrying(name, |client| self.request(client, op, name, body))
    }

    /// Asks the bucket once whether it exists and takes the credentials.
    fn check_bucket(&self, s3: &S3) -> Result<(), String> {
        let response = self
            .retrying("the bucket", |client| {
                let signed = s3.sign_check();
                client.get(signed.url.to_string())
            })
            .map_err(|e| e.0)?;
        if response.status().is_success() {
            return Ok(());
        }
        Err(self.s3_refusal(s3, Asked::Bucket, response))
    }

    fn retrying(
        &self,
        what: &str,
        build: impl Fn(&Client) -> RequestBuilder,
    ) -> Result<Response, RemoteError> {
        let client = self.client()?;
        let mut attempt = 0;
        loop {
            let retry_reason = match build(client).send() {
                Ok(r) if r.status().is_server_error() => format!("answered {}", r.status()),
                Ok(r) => return Ok(r),
                Err(e) => describe_transport_error(e),
            };
            if attempt == RETRIES {
                return Err(RemoteError(format!(
                    "remote store {} is unavailable: {what}: {retry_reason} (after {} attempts)",
                    self.shown,
                    RETRIES + 1
                )));
            }
            attempt += 1;
            std::thread::sleep(RETRY_PAUSE * attempt);
        }
    }

    fn expect_success(
        &self,
        op: Op,
        name: &str,
        response: Response,
    ) -> Result<Response, RemoteError> {
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        Err(RemoteError(match &self.protocol {
            Protocol::Http(h) => h.refusal(name, status),
            Protocol::S3(_) if S3::already_there(op, status) => return Ok(response),
            Protocol::S3(s3) => self.s3_refusal(s3, Asked::Object(name), response),
        }))
    }

    /// S3's refusal, explained from its error document (read up to a
    /// bound) and its region header.
    fn s3_refusal(&self, s3: &S3, asked: Asked<'_>, response: Response) -> String {
        use std::io::Read;
        let status = response.status();
        let region = response
            .headers()
            .get("x-amz-bucket-region")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let mut body = Vec::new();
        let _ = response.take(MAX_ERROR_BODY).read_to_end(&mut body);
        s3.refusal(
            asked,
            status,
            &String::from_utf8_lossy(&body),
            region.as_deref(),
        )
    }
}

impl super::Backend for Remote {
    fn get(&self, area: Area, key: &Digest) -> Result<Option<Vec<u8>>, super::StoreError> {
        Ok(Remote::get(self, area, key)?)
    }

    fn contains(&self, area: Area, key: &Digest) -> Result<bool, super::StoreError> {
        Ok(self.has(area, key)?)
    }

    fn put(&self, area: Area, key: &Digest, bytes: &[u8]) -> Result<(), super::StoreError> {
        Ok(Remote::put(self, area, key, bytes)?)
    }

    fn reject(&self, area: Area, key: &Digest, reason: String) -> super::StoreError {
        let name = Remote::object_name(area, key);
        // nginx takes the next writer's good copy over a bad one; a bucket
        // keeps the first object written under a name.
        let hint = match &self.protocol {
            Protocol::Http(_) => String::new(),
            Protocol::S3(s3) => format!(
                "\n  hint: jaunt never replaces an object in a bucket: delete this one (`aws s3 rm {}`) so the next writer stores a good copy",
                s3.object_uri(&name)
            ),
        };
        let error = super::StoreError::Rejected {
            object: format!("{name} from remote store {}", self.url()),
            reason,
        };
        super::warn(&format!("{error}{hint}"));
        error
    }
}

/// A transport error with its causes (reqwest's own message is only
/// "error sending request"), without the URL, which may carry credentials.
fn describe_transport_error(e: reqwest::Error) -> String {
    let e = e.without_url();
    let mut text = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        text = format!("{text}: {s}");
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked_and_shown_without_credentials() {
        let r = Http::new(
            "http://ci:secret@cache.local:8080/jaunt/",
            "JAUNT_TEST_UNSET_TOKEN",
        )
        .unwrap();
        assert_eq!(r.url(), "http://cache.local:8080/jaunt");
        assert_eq!(r.base, "http://ci:secret@cache.local:8080/jaunt");
        assert_eq!(Remote::http(r).url(), "http://cache.local:8080/jaunt");
        assert!(Http::new("ftp://cache.local/jaunt", "X").is_err());
        assert!(Http::new("not a url", "X").is_err());
    }

    #[test]
    fn objects_are_named_as_in_bazels_http_cache() {
        let d = Digest::of(b"body");
        assert_eq!(
            Remote::object_name(Area::Cas, &d),
            format!("cas/{}", d.hex())
        );
        assert_eq!(Remote::object_name(Area::Ac, &d), format!("ac/{}", d.hex()));
    }
}
