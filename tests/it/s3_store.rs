//! The `s3://` remote store against a real S3-compatible server on
//! loopback: s3s-fs (crates.io), which checks AWS Signature Version 4
//! (presigned URLs included) against one access key, honours `If-None-Match`
//! on `PUT`, and keeps each bucket as a directory, so a test can see and
//! tamper with what jaunt stored. Two checkouts sharing one bucket, a
//! tampered object, a refused credential, a missing bucket, a server that
//! dies mid-run, and `store push`/`pull`.
//!
//! s3s-fs is required: scripts/test-all.sh installs it. These tests fail,
//! rather than skip, without it.

use crate::common::Fixture;
use crate::remote_store::{
    GEN, apply, assert_holds_local_frames, assert_same_outputs, clone_of, count, files,
    local_artifacts, project, run,
};
use serde_json::Value;
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const KEY: &str = "JAUNTTESTKEY";
const SECRET: &str = "jaunt-test-secret";
const BUCKET: &str = "team-cache";

/// s3s-fs on a free loopback port, serving the buckets under a temporary
/// directory and accepting only [`KEY`]/[`SECRET`]. Killed on drop.
struct S3Server {
    child: Child,
    root: tempfile::TempDir,
    port: u16,
}

fn s3s_fs_binary() -> PathBuf {
    std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .map(|d| d.join("s3s-fs"))
        .find(|p| p.is_file())
        .expect("s3s-fs is required for the S3 remote store tests: run scripts/test-all.sh (it installs it) or `cargo install --locked s3s-fs@0.14.1 --features binary`")
}

impl S3Server {
    /// A server with `bucket` created (or none, for `None`).
    fn start(bucket: Option<&str>) -> S3Server {
        let root = tempfile::tempdir().unwrap();
        if let Some(bucket) = bucket {
            std::fs::create_dir(root.path().join(bucket)).unwrap();
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(s3s_fs_binary())
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .args(["--access-key", KEY, "--secret-key", SECRET])
            .arg(root.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting s3s-fs");
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "s3s-fs did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        S3Server { child, root, port }
    }

    fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The stored objects of one area (`cas` or `ac`) under `jaunt/`.
    fn objects(&self, area: &str) -> Vec<PathBuf> {
        files(&self.root.path().join(BUCKET).join("jaunt").join(area))
    }

    /// The environment of a user with `key`/`secret` and this endpoint,
    /// and nothing from the machine's own AWS set-up.
    fn env(&self, key: &str, secret: &str) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT_URL", self.endpoint()),
            ("AWS_ENDPOINT_URL_S3", String::new()),
            ("AWS_REGION", String::new()),
            ("AWS_DEFAULT_REGION", String::new()),
            ("AWS_ACCESS_KEY_ID", key.into()),
            ("AWS_SECRET_ACCESS_KEY", secret.into()),
            ("AWS_SESSION_TOKEN", String::new()),
            ("AWS_PROFILE", String::new()),
            ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent".into()),
            ("AWS_CONFIG_FILE", "/nonexistent".into()),
        ]
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const URL: &str = "s3://team-cache/jaunt";

fn pairs<'a>(env: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    env.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// Stderr with the server's port made stable, for snapshots.
fn stable(err: &str, server: &S3Server) -> String {
    err.replace(&server.port.to_string(), "[PORT]")
}

#[test]
fn a_second_checkout_restores_everything_from_the_bucket() {
    let server = S3Server::start(Some(BUCKET));
    let env = server.env(KEY, SECRET);
    let a = project();
    let (report, err) = apply(&a, Some(URL), &pairs(&env), &[]);
    assert_eq!(count(&report["generated"]), 3, "{report:#}");
    assert!(!err.contains("warning"), "{err}");
    assert_eq!(server.objects("cas").len(), 3);
    assert_eq!(server.objects("ac").len(), 3);
    // What the bucket keeps is the local store's zstd frame, byte for byte.
    assert_holds_local_frames(&server.objects("cas"), &a);

    // A fresh clone with the lockfile, as a read-only CI runner.
    let b = clone_of(&a);
    b.write(
        "jaunt.toml",
        &format!("{}\n[store]\nremote_write = false\n", b.read("jaunt.toml")),
    );
    let (report, err) = apply(&b, Some(URL), &pairs(&env), &["--offline", "--locked"]);
    assert_eq!(count(&report["rewritten"]), 3, "{report:#}\n{err}");
    assert_eq!(report["model_calls"], 0);
    assert!(b.requests().is_empty());
    assert!(!err.contains("warning"), "{err}");
    assert_same_outputs(&a, &b);

    // Without a lockfile, the bucket's signed action entries find every module.
    let c = project();
    let (report, _) = apply(&c, Some(URL), &pairs(&env), &[]);
    assert_eq!(count(&report["restored"]), 3, "{report:#}");
    assert_eq!(report["model_calls"], 0);
    assert_same_outputs(&a, &c);
}

#[test]
fn a_tampered_object_is_rejected_and_not_replaced() {
    let server = S3Server::start(Some(BUCKET));
    let env = server.env(KEY, SECRET);
    let a = project();
    apply(&a, Some(URL), &pairs(&env), &[]);
    let evil = zstd::encode_all(&b"import os\nos.system('rm -rf ~')\n"[..], 3).unwrap();
    let cas = server.objects("cas");
    for p in &cas {
        std::fs::write(p, &evil).unwrap();
    }

    let b = clone_of(&a);
    let (code, _, err) = run(&b, Some(URL), &pairs(&env), &["apply", "--offline"]);
    assert_eq!(code, 4, "{err}");
    assert!(
        err.contains(&format!(
            "rejected cas/{} from remote store s3://team-cache/jaunt (endpoint http://127.0.0.1:{})",
            cas[0].file_name().unwrap().to_string_lossy(),
            server.port
        )),
        "{err}"
    );
    assert!(
        err.contains("delete this one (`aws s3 rm s3://team-cache/jaunt/cas/"),
        "{err}"
    );
    assert!(local_artifacts(&b).is_empty(), "a rejected object was kept");
    assert!(!b.exists(&format!("{GEN}/base.py")));

    // Generated again, and written with If-None-Match: the bucket's
    // objects are not rewritten, by this checkout or by `store push`.
    let (report, _) = apply(&b, Some(URL), &pairs(&env), &[]);
    assert_eq!(report["model_calls"], 3, "{report:#}");
    assert_same_outputs(&a, &b);
    let (code, _, err) = run(&b, Some(URL), &pairs(&env), &["store", "push"]);
    assert_eq!(code, 0, "{err}");
    for p in &cas {
        assert_eq!(
            std::fs::read(p).unwrap(),
            evil,
            "{} was rewritten",
            p.display()
        );
    }
}

#[test]
fn a_refused_credential_is_one_clear_error() {
    let server = S3Server::start(Some(BUCKET));
    let wrong = server.env(KEY, "not-the-secret");
    let a = project();
    let (report, err) = apply(&a, Some(URL), &pairs(&wrong), &[]);
    assert_eq!(count(&report["generated"]), 3, "{report:#}");
    assert_eq!(err.matches("warning:").count(), 1, "{err}");
    assert!(server.objects("cas").is_empty());
    insta::assert_snapshot!("s3_refused_credential_apply", stable(&err, &server));

    // Where reaching the remote is the point, the same error fails the command.
    let (code, _, err) = run(&a, Some(URL), &pairs(&wrong), &["store", "push"]);
    assert_eq!(code, 1, "{err}");
    insta::assert_snapshot!("s3_refused_credential_push", stable(&err, &server));

    // No credentials at all: the hint says where they are looked for.
    let none = server.env("", "");
    let (code, _, err) = run(&a, Some(URL), &pairs(&none), &["store", "push"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("no AWS credentials were found"), "{err}");
}

#[test]
fn a_missing_bucket_is_one_clear_error() {
    let server = S3Server::start(None);
    let env = server.env(KEY, SECRET);
    let a = project();
    let (report, err) = apply(&a, Some(URL), &pairs(&env), &[]);
    assert_eq!(count(&report["generated"]), 3, "{report:#}");
    assert_eq!(err.matches("warning:").count(), 1, "{err}");
    insta::assert_snapshot!("s3_missing_bucket_apply", stable(&err, &server));
    let (code, _, err) = run(&a, Some(URL), &pairs(&env), &["store", "push"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("S3 bucket `team-cache` does not exist"),
        "{err}"
    );
}

#[test]
fn the_server_going_down_mid_run_degrades_to_local_with_one_warning() {
    let server = S3Server::start(Some(BUCKET));
    let mut env = server.env(KEY, SECRET);
    // The first model call kills the server: planning reached it, the
    // writes that follow generation cannot.
    env.push(("FAKE_GEN_KILL", server.child.id().to_string()));
    let a = project();
    let (report, err) = apply(&a, Some(URL), &pairs(&env), &[]);
    assert_eq!(count(&report["generated"]), 3, "{report:#}");
    assert_eq!(err.matches("warning:").count(), 1, "{err}");
    assert!(
        err.contains("remote store s3://team-cache/jaunt (endpoint http://127.0.0.1:"),
        "{err}"
    );
    assert!(err.contains("is unavailable"), "{err}");
    assert!(
        err.contains("continuing with the local store only"),
        "{err}"
    );
    // Everything was kept locally.
    let (report, err) = apply(&a, Some(URL), &pairs(&env), &[]);
    assert_eq!(count(&report["fresh"]), 3, "{report:#}\n{err}");
}

#[test]
fn store_push_and_pull_go_through_the_bucket() {
    let server = S3Server::start(Some(BUCKET));
    let env = server.env(KEY, SECRET);
    let a = project();
    apply(&a, None, &[], &[]);
    let push = |f: &Fixture, args: &[&str]| -> Value {
        let (code, out, err) = run(f, Some(URL), &pairs(&env), args);
        assert_eq!(code, 0, "{err}");
        serde_json::from_str(&out).unwrap()
    };
    let report = push(&a, &["store", "push", "--json"]);
    assert_eq!(report["artifacts_copied"], 3, "{report:#}");
    assert_eq!(report["actions_copied"], 3);
    assert_eq!(server.objects("cas").len(), 3);
    let again = push(&a, &["store", "push", "--json"]);
    assert_eq!(again["artifacts_present"], 3, "{again:#}");
    assert_eq!(again["actions_present"], 3);

    let b = clone_of(&a);
    let report = push(&b, &["store", "pull", "--json"]);
    assert_eq!(report["artifacts_copied"], 3, "{report:#}");
    assert_eq!(report["actions_copied"], 3);
    let (report, _) = apply(&b, None, &[], &["--frozen"]);
    assert_eq!(count(&report["rewritten"]), 3);
    assert!(b.requests().is_empty());
    assert_same_outputs(&a, &b);
}

#[test]
fn a_bucket_the_repository_names_gets_credentials_only_where_the_user_allows() {
    let server = S3Server::start(Some(BUCKET));
    let env = server.env(KEY, SECRET);
    let in_toml = |f: &Fixture| {
        f.write(
            "jaunt.toml",
            &format!("{}\n[store]\nremote = {URL:?}\n", f.read("jaunt.toml")),
        );
    };
    let a = project();
    in_toml(&a);
    let (report, err) = apply(&a, None, &pairs(&env), &[]);
    assert_eq!(count(&report["generated"]), 3, "{report:#}");
    assert!(
        err.contains("not sending your AWS credentials to the remote store s3://team-cache/jaunt"),
        "{err}"
    );
    assert!(
        err.contains("your AWS credentials were not sent to this bucket"),
        "{err}"
    );
    assert!(server.objects("cas").is_empty());

    // Once the user allows the server, the same configuration writes.
    let home = tempfile::tempdir().unwrap();
    std::fs::write(
        home.path().join("config.toml"),
        format!(
            "[credentials]\nallowed_hosts = [\"127.0.0.1:{}\"]\n",
            server.port
        ),
    )
    .unwrap();
    let mut allowed = env.clone();
    allowed.push(("JAUNT_CONFIG_HOME", home.path().display().to_string()));
    let b = clone_of(&a);
    in_toml(&b);
    let (report, err) = apply(&b, None, &pairs(&allowed), &[]);
    assert_eq!(count(&report["generated"]), 3, "{report:#}");
    assert!(!err.contains("warning"), "{err}");
    assert_eq!(server.objects("cas").len(), 3);
}
