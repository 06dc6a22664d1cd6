//! The remote store in an S3 bucket (AWS S3 or an S3-compatible service:
//! Cloudflare R2, Google Cloud Storage's interoperability API, MinIO,
//! Ceph's RADOS gateway).
//!
//! `s3://bucket/prefix` holds the objects the HTTP remote serves, under the
//! same names: `prefix/cas/<hex>` and `prefix/ac/<hex>`, bodies byte for
//! byte the local store's. This module decides where requests go (endpoint,
//! region, addressing), signs them (AWS Signature Version 4, as presigned
//! URLs, by `rusty-s3`, so they travel over the same blocking HTTP client as
//! the HTTP remote's), reads the user's AWS credentials (the environment,
//! then the shared credentials and config files, which `aws-creds` parses),
//! and turns S3's refusals into errors that name the bucket and the fix.
//! [`super::remote::Remote`] sends the requests.

use super::remote::Op;
use reqwest::StatusCode;
use rusty_s3::actions::{GetObject, HeadObject, PutObject};
use rusty_s3::{Bucket, Credentials, S3Action, UrlStyle};
use std::time::Duration;

/// Variables that name the endpoint, as the AWS SDKs read them: the
/// service-specific one first.
pub const ENDPOINT_ENVS: [&str; 2] = ["AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"];

/// Variables that name the region, in the order the AWS CLI reads them.
pub const REGION_ENVS: [&str; 2] = ["AWS_REGION", "AWS_DEFAULT_REGION"];

/// Variables [`AwsCredentials::load`] reads: a repository's `.env` may
/// set none of them.
pub const CREDENTIAL_ENVS: [&str; 6] = [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_PROFILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_CONFIG_FILE",
];

/// The region when no variable names one (the one AWS's global endpoint
/// signs for, and the one R2 and others accept for "any").
pub const DEFAULT_REGION: &str = "us-east-1";

/// How long a signed request stays valid. Each request is signed just
/// before it is sent (a retry is signed again), so this only has to cover
/// clock skew and one slow transfer.
const SIGNATURE_LIFETIME: Duration = Duration::from_secs(15 * 60);

/// `s3://bucket/prefix`, parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    pub bucket: String,
    /// Without leading or trailing `/`; empty for the bucket's root.
    pub prefix: String,
}

impl Location {
    /// `None` when `url` is not an `s3://` URL; an error when it is one
    /// without a usable bucket name.
    pub fn parse(url: &str) -> Option<Result<Location, String>> {
        let rest = url.strip_prefix("s3://")?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        // S3's bucket names are 3 to 63 of these; compatible services and
        // older buckets are laxer about case and length, so only what would
        // change the URL's meaning is refused here.
        let valid = !bucket.is_empty()
            && bucket
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
        if !valid {
            return Some(Err(format!(
                "remote store URL `{url}` names no valid bucket: expected s3://bucket/prefix, the bucket made of letters, digits, `.`, `-` and `_`"
            )));
        }
        Some(Ok(Location {
            bucket: bucket.to_string(),
            prefix: prefix.trim_matches('/').to_string(),
        }))
    }
}

/// The user's AWS credentials and where they were found, for hints.
pub struct AwsCredentials {
    credentials: Credentials,
    source: String,
}

impl std::fmt::Debug for AwsCredentials {
    /// Only where they came from: the key and secret are never shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AwsCredentials from {}", self.source)
    }
}

impl AwsCredentials {
    /// The standard sources, in the AWS CLI's order: `AWS_ACCESS_KEY_ID`
    /// and `AWS_SECRET_ACCESS_KEY` (with `AWS_SESSION_TOKEN`), then the
    /// profile `$AWS_PROFILE` (else `default`) of the shared credentials
    /// file (`$AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/credentials`),
    /// then of the config file (`$AWS_CONFIG_FILE`, else `~/.aws/config`).
    /// `var` reads a variable; the caller hides those the repository set,
    /// so credentials never come from it. `None` when no source has any.
    pub fn load(var: impl Fn(&str) -> Option<String>) -> Option<AwsCredentials> {
        if let (Some(key), Some(secret)) = (var("AWS_ACCESS_KEY_ID"), var("AWS_SECRET_ACCESS_KEY"))
        {
            return Some(AwsCredentials::new(
                key,
                secret,
                var("AWS_SESSION_TOKEN"),
                "$AWS_ACCESS_KEY_ID and $AWS_SECRET_ACCESS_KEY".into(),
            ));
        }
        let profile = var("AWS_PROFILE").unwrap_or_else(|| "default".into());
        let home = |rel: &str| dirs::home_dir().map(|h| h.join(rel));
        // The config file names a profile's section `[profile NAME]`,
        // except the default one.
        let config_section = if profile == "default" {
            profile.clone()
        } else {
            format!("profile {profile}")
        };
        let files = [
            (
                var("AWS_SHARED_CREDENTIALS_FILE")
                    .map(Into::into)
                    .or_else(|| home(".aws/credentials")),
                profile.clone(),
            ),
            (
                var("AWS_CONFIG_FILE")
                    .map(Into::into)
                    .or_else(|| home(".aws/config")),
                config_section,
            ),
        ];
        files.into_iter().find_map(|(file, section)| {
            let file: std::path::PathBuf = file?;
            // Only a regular file: a FIFO would make reading it wait forever.
            if !std::fs::metadata(&file).is_ok_and(|m| m.is_file()) {
                return None;
            }
            let found = awscreds::Credentials::from_credentials_file(&file, Some(&section)).ok()?;
            Some(AwsCredentials::new(
                found.access_key.filter(|k| !k.is_empty())?,
                found.secret_key.filter(|s| !s.is_empty())?,
                found.session_token.or(found.security_token),
                format!("profile `{profile}` of {}", file.display()),
            ))
        })
    }

    fn new(key: String, secret: String, token: Option<String>, source: String) -> AwsCredentials {
        let credentials = match token.filter(|t| !t.is_empty()) {
            Some(token) => Credentials::new_with_token(key, secret, token),
            None => Credentials::new(key, secret),
        };
        AwsCredentials {
            credentials,
            source,
        }
    }

    #[cfg(test)]
    fn fixed(key: &str, secret: &str) -> AwsCredentials {
        AwsCredentials::new(key.into(), secret.into(), None, "a test".into())
    }
}

/// What a refused request asked for.
#[derive(Clone, Copy, Debug)]
pub enum Asked<'a> {
    /// The check that the bucket exists and takes the credentials.
    Bucket,
    /// An object, by its name (`cas/<hex>`).
    Object(&'a str),
}

/// A bucket (and prefix) at an endpoint, as requests address it.
pub struct S3 {
    location: Location,
    bucket: Bucket,
    /// Whether the endpoint is AWS's own (no endpoint was configured).
    aws: bool,
    credentials: Option<AwsCredentials>,
    /// Whether the user has credentials that were not sent here.
    withheld: bool,
}

/// What the caller sends: a signed URL, and the headers the signature
/// covers besides `host`.
pub struct Signed {
    pub url: reqwest::Url,
    pub headers: Vec<(&'static str, &'static str)>,
}

impl S3 {
    /// `endpoint`: `None` for AWS (`https://s3.<region>.amazonaws.com`).
    /// Requests name the bucket in the path (`path_style`, or always for an
    /// endpoint that is an IP address or `localhost`, which cannot take a
    /// bucket as a subdomain) or else in the host, as AWS prefers; on AWS a
    /// bucket whose name has a dot is addressed by path too, since its
    /// host name would not match AWS's certificate.
    pub fn new(
        location: Location,
        endpoint: Option<&str>,
        region: &str,
        path_style: bool,
    ) -> Result<S3, String> {
        let aws = endpoint.is_none();
        let endpoint = endpoint
            .map(str::to_string)
            .unwrap_or_else(|| format!("https://s3.{region}.amazonaws.com"));
        let parsed = reqwest::Url::parse(&endpoint)
            .map_err(|e| format!("invalid S3 endpoint `{endpoint}`: {e}"))?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
            return Err(format!(
                "S3 endpoint `{endpoint}` must be an http:// or https:// URL with a host"
            ));
        }
        let host = parsed.host_str().unwrap_or_default();
        let by_path = path_style
            || host.eq_ignore_ascii_case("localhost")
            || host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .parse::<std::net::IpAddr>()
                .is_ok()
            || (aws && location.bucket.contains('.'));
        let style = if by_path {
            UrlStyle::Path
        } else {
            UrlStyle::VirtualHost
        };
        let bucket = Bucket::new(parsed, style, location.bucket.clone(), region.to_string())
            .map_err(|e| {
                format!(
                    "cannot address bucket `{}` at {endpoint}: {e:?}",
                    location.bucket
                )
            })?;
        Ok(S3 {
            location,
            bucket,
            aws,
            credentials: None,
            withheld: false,
        })
    }

    /// The same bucket, with requests signed by `credentials`.
    pub fn with_credentials(self, credentials: Option<AwsCredentials>) -> S3 {
        S3 {
            credentials,
            ..self
        }
    }

    /// The same bucket, unsigned: the user's credentials were found but
    /// may not go there (see [`crate::credentials`]).
    pub fn withholding_credentials(self) -> S3 {
        S3 {
            credentials: None,
            withheld: true,
            ..self
        }
    }

    /// Where requests go: what receives the user's signature, and so what
    /// the credentials policy ([`crate::credentials`]) is asked about.
    pub fn request_url(&self) -> &reqwest::Url {
        self.bucket.base_url()
    }

    /// `s3://bucket/prefix`, plus the endpoint when it is not AWS's.
    pub fn shown(&self) -> String {
        let mut shown = format!("s3://{}", self.location.bucket);
        if !self.location.prefix.is_empty() {
            shown = format!("{shown}/{}", self.location.prefix);
        }
        if !self.aws {
            shown = format!("{shown} (endpoint {})", self.endpoint_shown());
        }
        shown
    }

    /// The object's key in the bucket: `prefix/cas/<hex>`.
    fn key(&self, name: &str) -> String {
        if self.location.prefix.is_empty() {
            name.to_string()
        } else {
            format!("{}/{name}", self.location.prefix)
        }
    }

    /// `s3://bucket/prefix/cas/<hex>`, as the AWS CLI names an object.
    pub fn object_uri(&self, name: &str) -> String {
        format!("s3://{}/{}", self.location.bucket, self.key(name))
    }

    fn credentials(&self) -> Option<&Credentials> {
        self.credentials.as_ref().map(|c| &c.credentials)
    }

    /// A signed request for object `name` (`cas/<hex>`).
    pub fn sign(&self, op: Op, name: &str) -> Signed {
        let key = self.key(name);
        let creds = self.credentials();
        match op {
            Op::Get => Signed {
                url: GetObject::new(&self.bucket, creds, &key).sign(SIGNATURE_LIFETIME),
                headers: Vec::new(),
            },
            Op::Head => Signed {
                url: HeadObject::new(&self.bucket, creds, &key).sign(SIGNATURE_LIFETIME),
                headers: Vec::new(),
            },
            Op::Put => {
                // `If-None-Match: *` makes the write a create: S3 answers
                // 412 when the object exists, and leaves it untouched.
                let mut put = PutObject::new(&self.bucket, creds, &key);
                put.headers_mut().insert("if-none-match", "*");
                Signed {
                    url: put.sign(SIGNATURE_LIFETIME),
                    headers: vec![("if-none-match", "*")],
                }
            }
        }
    }

    /// A signed request that lists at most one key under the prefix
    /// (ListObjectsV2): the check, once per run, that the bucket exists and
    /// takes these credentials. It needs the permission a missing object
    /// needs to read as missing (`s3:ListBucket`) and nothing more.
    pub fn sign_check(&self) -> Signed {
        let prefix = self.key("");
        let mut list = GetObject::new(&self.bucket, self.credentials(), "");
        list.query_mut().insert("list-type", "2");
        list.query_mut().insert("max-keys", "1");
        list.query_mut().insert("prefix", prefix);
        Signed {
            url: list.sign(SIGNATURE_LIFETIME),
            headers: Vec::new(),
        }
    }

    /// Whether an answer to a conditional create means the object is
    /// there: 412 (it existed) or 409 (another writer is creating it, and
    /// an object's name is its content's hash).
    pub fn already_there(op: Op, status: StatusCode) -> bool {
        op == Op::Put
            && matches!(
                status,
                StatusCode::PRECONDITION_FAILED | StatusCode::CONFLICT
            )
    }

    /// Why S3 refused a request, with the fix: `body` is the start of its
    /// XML error document (empty for `HEAD`), `bucket_region` its
    /// `x-amz-bucket-region` header.
    pub fn refusal(
        &self,
        asked: Asked<'_>,
        status: StatusCode,
        body: &str,
        bucket_region: Option<&str>,
    ) -> String {
        let code = xml_text(body, "Code");
        let detail = match (code, xml_text(body, "Message")) {
            (Some(c), Some(m)) => format!("{status} {c}: {m}"),
            (Some(c), None) => format!("{status} {c}"),
            _ => status.to_string(),
        };
        let bucket = &self.location.bucket;
        let region = self.bucket.region();
        let wrong_region = bucket_region
            .or_else(|| xml_text(body, "Region"))
            .filter(|r| !r.eq_ignore_ascii_case(region));
        let hint = if code == Some("NoSuchBucket")
            || (matches!(asked, Asked::Bucket) && status == 404)
        {
            let fix = if self.aws {
                format!("create it (`aws s3 mb s3://{bucket} --region {region}`)")
            } else {
                format!(
                    "create it on that server (`aws s3 mb s3://{bucket} --endpoint-url {}`)",
                    self.endpoint_shown()
                )
            };
            return format!(
                "S3 bucket `{bucket}` does not exist ({detail}); hint: {fix}, or name an existing bucket in [store] remote or $JAUNT_REMOTE_STORE"
            );
        } else if let Some(actual) = wrong_region {
            format!("the bucket is in region {actual}: set AWS_REGION={actual}")
        } else if matches!(
            code,
            Some("AuthorizationHeaderMalformed" | "AuthorizationQueryParametersError")
        ) || status == StatusCode::MOVED_PERMANENTLY
        {
            format!(
                "the request was signed for region {region}: set AWS_REGION to the bucket's region"
            )
        } else if matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN) {
            self.credentials_hint(code)
        } else {
            String::new()
        };
        let hint = if hint.is_empty() {
            hint
        } else {
            format!("; hint: {hint}")
        };
        let what = match asked {
            Asked::Bucket => "access",
            Asked::Object(name) => name,
        };
        format!("S3 bucket `{bucket}` refused {what}: {detail}{hint}")
    }

    /// `code`: S3's error code, which tells an unknown key or a wrong
    /// secret from a key without the permissions.
    fn credentials_hint(&self, code: Option<&str>) -> String {
        let bucket = &self.location.bucket;
        let objects = self.key("*");
        match (&self.credentials, code) {
            (None, _) if self.withheld => "your AWS credentials were not sent to this bucket (the warning above says why)".to_string(),
            (None, _) => "no AWS credentials were found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE to a profile of ~/.aws/credentials (or $AWS_SHARED_CREDENTIALS_FILE)".to_string(),
            (Some(c), Some("SignatureDoesNotMatch" | "InvalidAccessKeyId" | "InvalidToken" | "ExpiredToken")) => format!(
                "the server does not accept the AWS credentials from {}: fix them, or set AWS_PROFILE to a profile whose credentials it knows",
                c.source
            ),
            (Some(c), _) => format!(
                "the AWS credentials from {} need s3:ListBucket on `{bucket}` and s3:GetObject (and, to write, s3:PutObject) on `{bucket}/{objects}`",
                c.source
            ),
        }
    }

    fn endpoint_shown(&self) -> String {
        let mut endpoint = self.bucket.base_url().clone();
        endpoint.set_path("");
        endpoint.as_str().trim_end_matches('/').to_string()
    }
}

/// The text of the first `<tag>…</tag>` in an S3 error document. S3's
/// codes and messages carry no markup, so no XML parser is needed.
fn xml_text<'a>(xml: &'a str, tag: &str) -> Option<&'a str> {
    let open = format!("<{tag}>");
    let start = xml.find(&open)? + open.len();
    let end = xml[start..].find(&format!("</{tag}>"))?;
    Some(xml[start..start + end].trim()).filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn location(url: &str) -> Location {
        Location::parse(url).unwrap().unwrap()
    }

    fn s3(url: &str, endpoint: Option<&str>) -> S3 {
        S3::new(location(url), endpoint, "eu-west-1", false).unwrap()
    }

    #[test]
    fn locations_name_a_bucket_and_an_optional_prefix() {
        assert!(Location::parse("https://cache.example.com").is_none());
        assert_eq!(
            location("s3://team-cache/jaunt/main/"),
            Location {
                bucket: "team-cache".into(),
                prefix: "jaunt/main".into()
            }
        );
        assert_eq!(location("s3://team-cache").prefix, "");
        for bad in ["s3://", "s3:///prefix", "s3://a b/x", "s3://user@host/x"] {
            let err = Location::parse(bad).unwrap().unwrap_err();
            assert!(err.contains("names no valid bucket"), "{bad}: {err}");
        }
    }

    #[test]
    fn credentials_come_from_the_variables_then_the_profile_of_either_file() {
        let dir = tempfile::tempdir().unwrap();
        let credentials = dir.path().join("credentials");
        let config = dir.path().join("config");
        std::fs::write(
            &credentials,
            "[default]\naws_access_key_id = FILEKEY\naws_secret_access_key = filesecret\n",
        )
        .unwrap();
        std::fs::write(
            &config,
            "[profile ci]\naws_access_key_id = CIKEY\naws_secret_access_key = cisecret\n",
        )
        .unwrap();
        let load = |vars: &[(&str, &str)]| {
            let mut vars: Vec<(String, String)> = vars
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            vars.push((
                "AWS_SHARED_CREDENTIALS_FILE".into(),
                credentials.display().to_string(),
            ));
            vars.push(("AWS_CONFIG_FILE".into(), config.display().to_string()));
            AwsCredentials::load(|name| {
                vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
            })
            .map(|c| (c.credentials.key().to_string(), c.source))
        };
        let (key, source) = load(&[
            ("AWS_ACCESS_KEY_ID", "ENVKEY"),
            ("AWS_SECRET_ACCESS_KEY", "envsecret"),
        ])
        .unwrap();
        assert_eq!(key, "ENVKEY");
        assert_eq!(source, "$AWS_ACCESS_KEY_ID and $AWS_SECRET_ACCESS_KEY");
        // A key without its secret is no credential: the files are next.
        let (key, source) = load(&[("AWS_ACCESS_KEY_ID", "ENVKEY")]).unwrap();
        assert_eq!(key, "FILEKEY");
        assert_eq!(
            source,
            format!("profile `default` of {}", credentials.display())
        );
        // A profile only the config file has, under `[profile NAME]`.
        let (key, source) = load(&[("AWS_PROFILE", "ci")]).unwrap();
        assert_eq!(key, "CIKEY");
        assert!(source.ends_with(&config.display().to_string()), "{source}");
        assert!(load(&[("AWS_PROFILE", "nobody")]).is_none());
        let shown = format!("{:?}", AwsCredentials::fixed("AKID", "secret"));
        assert!(
            !shown.contains("AKID") && !shown.contains("secret"),
            "{shown}"
        );
    }

    #[test]
    fn aws_is_addressed_by_host_and_local_servers_by_path() {
        let aws = s3("s3://team-cache/jaunt", None);
        assert_eq!(
            aws.request_url().as_str(),
            "https://team-cache.s3.eu-west-1.amazonaws.com/"
        );
        assert_eq!(aws.shown(), "s3://team-cache/jaunt");
        // A dotted name would not match AWS's wildcard certificate.
        let dotted = s3("s3://team.cache/jaunt", None);
        assert_eq!(
            dotted.request_url().as_str(),
            "https://s3.eu-west-1.amazonaws.com/team.cache/"
        );
        for endpoint in [
            "http://127.0.0.1:9000",
            "http://localhost:9000",
            "http://[::1]:9000",
        ] {
            let local = s3("s3://team-cache", Some(endpoint));
            assert_eq!(
                local.request_url().as_str(),
                format!("{endpoint}/team-cache/"),
            );
            assert_eq!(
                local.shown(),
                format!("s3://team-cache (endpoint {endpoint})")
            );
        }
        let r2 = s3(
            "s3://team-cache",
            Some("https://acct.r2.cloudflarestorage.com"),
        );
        assert_eq!(
            r2.request_url().as_str(),
            "https://team-cache.acct.r2.cloudflarestorage.com/"
        );
        let minio = S3::new(
            location("s3://team-cache"),
            Some("https://minio.internal:9000"),
            "us-east-1",
            true,
        )
        .unwrap();
        assert_eq!(
            minio.request_url().as_str(),
            "https://minio.internal:9000/team-cache/"
        );
        assert!(S3::new(location("s3://b"), Some("ftp://x"), "us-east-1", false).is_err());
    }

    #[test]
    fn requests_are_signed_and_writes_are_conditional() {
        let d = crate::digest::Digest::of(b"body");
        let name = crate::store::Remote::object_name(crate::store::Area::Cas, &d);
        let anonymous = s3("s3://b/p", Some("http://127.0.0.1:9000"));
        let get = anonymous.sign(Op::Get, &name);
        assert_eq!(
            get.url.as_str(),
            format!("http://127.0.0.1:9000/b/p/cas/{}", d.hex())
        );
        let signed = anonymous.with_credentials(Some(AwsCredentials::fixed("AKID", "secret")));
        let get = signed.sign(Op::Get, &name);
        let query: String = get.url.query().unwrap().to_string();
        assert!(query.contains("X-Amz-Signature="), "{query}");
        assert!(query.contains("X-Amz-Credential=AKID%2F"), "{query}");
        assert!(!query.contains("secret"), "{query}");
        let put = signed.sign(Op::Put, &name);
        assert_eq!(put.headers, vec![("if-none-match", "*")]);
        assert!(
            put.url
                .query()
                .unwrap()
                .contains("X-Amz-SignedHeaders=host%3Bif-none-match"),
            "{}",
            put.url
        );
        let check = signed.sign_check();
        assert_eq!(check.url.path(), "/b/");
        assert!(
            check.url.query().unwrap().contains("prefix=p%2F"),
            "{}",
            check.url
        );
        assert!(S3::already_there(Op::Put, StatusCode::PRECONDITION_FAILED));
        assert!(!S3::already_there(Op::Get, StatusCode::PRECONDITION_FAILED));
    }

    #[test]
    fn refusals_name_the_bucket_and_the_fix() {
        let local = s3("s3://team-cache/jaunt", Some("http://127.0.0.1:9000"));
        let missing = "<?xml version=\"1.0\"?><Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message></Error>";
        let text = local.refusal(
            Asked::Object("cas/ab"),
            StatusCode::NOT_FOUND,
            missing,
            None,
        );
        assert!(
            text.starts_with("S3 bucket `team-cache` does not exist"),
            "{text}"
        );
        assert!(
            text.contains("--endpoint-url http://127.0.0.1:9000"),
            "{text}"
        );
        // The check's HEAD-less answer still says so without a body.
        let text = local.refusal(Asked::Bucket, StatusCode::NOT_FOUND, "", None);
        assert!(text.contains("does not exist"), "{text}");

        let denied = "<Error><Code>SignatureDoesNotMatch</Code><Message>bad</Message></Error>";
        let text = local.refusal(Asked::Bucket, StatusCode::FORBIDDEN, denied, None);
        assert!(
            text.contains("403 Forbidden SignatureDoesNotMatch: bad"),
            "{text}"
        );
        assert!(text.contains("no AWS credentials were found"), "{text}");
        let signed = local.with_credentials(Some(AwsCredentials::fixed("AKID", "secret")));
        let text = signed.refusal(Asked::Object("cas/ab"), StatusCode::FORBIDDEN, denied, None);
        assert!(
            text.contains("the server does not accept the AWS credentials from a test"),
            "{text}"
        );
        let forbidden = "<Error><Code>AccessDenied</Code></Error>";
        let text = signed.refusal(Asked::Bucket, StatusCode::FORBIDDEN, forbidden, None);
        assert!(
            text.contains("the AWS credentials from a test need s3:ListBucket"),
            "{text}"
        );
        assert!(text.contains("`team-cache/jaunt/*`"), "{text}");

        let aws = s3("s3://team-cache", None);
        let text = aws.refusal(
            Asked::Bucket,
            StatusCode::MOVED_PERMANENTLY,
            "",
            Some("us-west-2"),
        );
        assert!(text.contains("set AWS_REGION=us-west-2"), "{text}");
        let text = aws.refusal(Asked::Bucket, StatusCode::NOT_FOUND, "", None);
        assert!(
            text.contains("aws s3 mb s3://team-cache --region eu-west-1"),
            "{text}"
        );
    }
}
