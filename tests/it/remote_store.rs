//! The remote store against a real nginx serving WebDAV on loopback: two
//! checkouts sharing one cache, a cache that is down, one that serves
//! tampered objects, one that wants a token, and `store push`/`pull`.
//!
//! nginx is required: scripts/test-all.sh installs it. These tests fail,
//! rather than skip, without it.

use crate::common::Fixture;
use serde_json::Value;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// An nginx with the WebDAV module, in the foreground, on a free loopback
/// port, everything it writes inside a temporary directory. Killed on drop.
struct Nginx {
    child: Child,
    dir: tempfile::TempDir,
    port: u16,
}

/// nginx, wherever the distribution put it (often /usr/sbin, which is not
/// on every PATH).
fn nginx_binary() -> PathBuf {
    let on_path = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default();
    on_path
        .into_iter()
        .chain(["/usr/sbin".into(), "/usr/local/sbin".into()])
        .map(|d| d.join("nginx"))
        .find(|p| p.is_file())
        .expect("nginx is required for the remote store tests: run scripts/test-all.sh (it installs nginx-light) or `apt-get install nginx-light`")
}

impl Nginx {
    /// `auth` goes into the cache location (e.g. a token check).
    fn start(auth: &str) -> Nginx {
        let dir = tempfile::tempdir().unwrap();
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let d = dir.path().display();
        std::fs::create_dir_all(dir.path().join("www/cache")).unwrap();
        let conf = format!(
            "daemon off;\nmaster_process off;\nworker_processes 1;\npid {d}/nginx.pid;\nerror_log {d}/error.log;\n\
             events {{ worker_connections 64; }}\n\
             http {{\n  access_log off;\n  client_body_temp_path {d}/body;\n  proxy_temp_path {d}/proxy;\n  fastcgi_temp_path {d}/fastcgi;\n  uwsgi_temp_path {d}/uwsgi;\n  scgi_temp_path {d}/scgi;\n\
             server {{\n    listen 127.0.0.1:{port};\n    root {d}/www;\n\
             location /cache/ {{\n      {auth}\n      dav_methods PUT;\n      create_full_put_path on;\n      dav_access user:rw group:r all:r;\n    }}\n  }}\n}}\n"
        );
        std::fs::write(dir.path().join("nginx.conf"), conf).unwrap();
        let child = Command::new(nginx_binary())
            .arg("-p")
            .arg(dir.path())
            .arg("-c")
            .arg(dir.path().join("nginx.conf"))
            .arg("-e")
            .arg(dir.path().join("error.log"))
            .stdin(Stdio::null())
            .spawn()
            .expect("starting nginx");
        let nginx = Nginx { child, dir, port };
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "nginx did not start; error log:\n{}",
                std::fs::read_to_string(nginx.dir.path().join("error.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        nginx
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/cache", self.port)
    }

    /// The files nginx stores for one area (`cas` or `ac`).
    fn objects(&self, area: &str) -> Vec<PathBuf> {
        files(&self.dir.path().join("www/cache").join(area))
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = entry.path();
        if p.is_dir() {
            out.extend(files(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}

pub(crate) const GEN: &str = "src/shop/__generated__";
pub(crate) const MODULES: [&str; 3] = ["base", "mid", "alone"];

/// base <- mid, plus an independent module.
pub(crate) fn project() -> Fixture {
    let f = Fixture::with_fake_generator();
    f.write("src/shop/__init__.py", "")
        .write(
            "src/shop/base.py",
            "import jaunt\n@jaunt.magic\nclass Money:\n    '''An amount in cents.'''\n",
        )
        .write(
            "src/shop/mid.py",
            "import jaunt\nfrom shop.base import Money\n@jaunt.magic\ndef total(prices: list[Money]) -> Money:\n    'Sum of prices.'\n",
        )
        .write(
            "src/shop/alone.py",
            "import jaunt\n@jaunt.magic\ndef hello(name: str) -> str:\n    'Greet.'\n",
        );
    f
}

/// A second checkout of `f`: same sources and lockfile, its own local
/// store, no generated files.
pub(crate) fn clone_of(f: &Fixture) -> Fixture {
    let g = project();
    g.write("jaunt.lock", &f.read("jaunt.lock"));
    g
}

/// One user's configuration directory (and so signing key) for every
/// checkout in these tests: one person's machines sharing a remote.
pub(crate) fn same_user() -> &'static Path {
    static HOME: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    HOME.get_or_init(|| tempfile::tempdir().unwrap()).path()
}

/// Runs jaunt against the remote at `url` (if any) with extra environment,
/// as the same user everywhere unless `env` says otherwise.
pub(crate) fn run(
    f: &Fixture,
    url: Option<&str>,
    env: &[(&str, &str)],
    args: &[&str],
) -> (i32, String, String) {
    let mut cmd = f.jaunt();
    cmd.env_remove("JAUNT_REMOTE_TOKEN")
        .env("JAUNT_CONFIG_HOME", same_user());
    if let Some(url) = url {
        cmd.env("JAUNT_REMOTE_STORE", url);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `apply --json` (plus `extra`) that must exit 0; returns the report and stderr.
pub(crate) fn apply(
    f: &Fixture,
    url: Option<&str>,
    env: &[(&str, &str)],
    extra: &[&str],
) -> (Value, String) {
    let mut args = vec!["apply", "--json"];
    args.extend_from_slice(extra);
    let (code, out, err) = run(f, url, env, &args);
    assert_eq!(code, 0, "jaunt {args:?}\nstdout:\n{out}\nstderr:\n{err}");
    (serde_json::from_str(&out).unwrap(), err)
}

pub(crate) fn count(v: &Value) -> usize {
    v.as_array().unwrap().len()
}

pub(crate) fn assert_same_outputs(a: &Fixture, b: &Fixture) {
    for m in MODULES {
        let rel = format!("{GEN}/{m}.py");
        assert_eq!(a.read(&rel), b.read(&rel), "{rel} differs");
    }
}

/// The remote's `cas` objects (files) are the local store's zstd frames
/// of `f`, byte for byte.
pub(crate) fn assert_holds_local_frames(remote: &[PathBuf], f: &Fixture) {
    let read = |paths: &[PathBuf]| {
        let mut frames: Vec<Vec<u8>> = paths.iter().map(|p| std::fs::read(p).unwrap()).collect();
        frames.sort();
        frames
    };
    assert_eq!(read(remote), read(&local_artifacts(f)));
}

pub(crate) fn local_artifacts(f: &Fixture) -> Vec<PathBuf> {
    files(&f.store.join("v1/cas"))
}

#[test]
fn plan_asks_the_remote_but_writes_nothing() {
    let nginx = Nginx::start("");
    let url = nginx.url();
    let a = project();
    apply(&a, Some(&url), &[], &[]);
    // One checkout with the lockfile, one without: the artifacts exist only
    // in the remote.
    for (f, status) in [(clone_of(&a), "rewrite"), (project(), "restore")] {
        let (code, out, err) = run(&f, Some(&url), &[], &["plan", "--json"]);
        assert_eq!(code, 0, "{err}");
        let plan: Value = serde_json::from_str(&out).unwrap();
        for m in plan["modules"].as_array().unwrap() {
            assert_eq!(m["status"], status, "{plan:#}");
        }
        assert_eq!(
            files(&f.store),
            Vec::<PathBuf>::new(),
            "plan wrote to the store"
        );
        let (report, _) = apply(&f, Some(&url), &[], &[]);
        assert_eq!(report["model_calls"], 0, "{report:#}");
        assert_same_outputs(&a, &f);
    }
}

#[test]
fn only_entries_signed_by_a_trusted_key_are_restored() {
    let nginx = Nginx::start("");
    let url = nginx.url();
    let a = project();
    apply(&a, Some(&url), &[], &[]);
    // Another user, who trusts nobody yet: the remote's entries are ignored
    // and every module is generated.
    let stranger = tempfile::tempdir().unwrap();
    let home = stranger.path().to_string_lossy().into_owned();
    let as_stranger = [("JAUNT_CONFIG_HOME", home.as_str())];
    let c = project();
    // (A reader only: its own signed entries must not end up in the remote.)
    c.write(
        "jaunt.toml",
        &format!("{}\n[store]\nremote_write = false\n", c.read("jaunt.toml")),
    );
    let (report, err) = apply(&c, Some(&url), &as_stranger, &["-v"]);
    assert_eq!(count(&report["restored"]), 0, "{report:#}");
    assert!(err.contains("signed by no key you trust"), "{err}");
    assert_eq!(count(&report["generated"]), 3, "{report:#}");
    // Once they trust the writer's public key, a fresh checkout restores.
    let (code, key, err) = run(&a, None, &[], &["store", "keygen"]);
    assert_eq!(code, 0, "{err}");
    let key = key.trim();
    assert!(key.starts_with("ed25519:"), "{key}");
    std::fs::write(
        stranger.path().join("config.toml"),
        format!("[store]\ntrusted_keys = [{key:?}]\n"),
    )
    .unwrap();
    let d = project();
    d.write("jaunt.toml", &c.read("jaunt.toml"));
    let (report, _) = apply(&d, Some(&url), &as_stranger, &[]);
    assert_eq!(count(&report["restored"]), 3, "{report:#}");
    assert!(d.requests().is_empty());
}

#[test]
fn second_checkout_restores_everything_from_the_shared_remote() {
    let nginx = Nginx::start("");
    let url = nginx.url();
    let a = project();
    let (report, _) = apply(&a, Some(&url), &[], &[]);
    assert_eq!(count(&report["generated"]), 3, "{report:#}");
    assert_eq!(nginx.objects("cas").len(), 3);
    assert_eq!(nginx.objects("ac").len(), 3);
    // What nginx keeps is the local store's zstd frame, byte for byte.
    assert_holds_local_frames(&nginx.objects("cas"), &a);

    // A fresh clone with the lockfile, as CI runs it: read-only remote,
    // no model.
    let b = clone_of(&a);
    b.write(
        "jaunt.toml",
        &format!("{}\n[store]\nremote_write = false\n", b.read("jaunt.toml")),
    );
    let (report, err) = apply(&b, Some(&url), &[], &["--offline", "--locked"]);
    assert_eq!(count(&report["rewritten"]), 3, "{report:#}\n{err}");
    assert_eq!(report["model_calls"], 0);
    assert!(b.requests().is_empty());
    assert!(!err.contains("warning"), "{err}");
    assert_same_outputs(&a, &b);
    assert_eq!(local_artifacts(&b).len(), 3, "remote hits are kept locally");

    // Without a lockfile the action cache finds every module.
    let c = project();
    let (report, _) = apply(&c, Some(&url), &[], &[]);
    assert_eq!(count(&report["restored"]), 3, "{report:#}");
    assert!(c.requests().is_empty());
    assert_same_outputs(&a, &c);
    assert_eq!(c.read("jaunt.lock"), a.read("jaunt.lock"));

    // --locked takes from the remote only what jaunt.lock pins: without a
    // lockfile, the remote's action entries are not used, nor fetched.
    let e = project();
    let (code, _, err) = run(&e, Some(&url), &[], &["apply", "--locked"]);
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("3 module(s) need generation"), "{err}");
    assert!(files(&e.store).is_empty(), "{:?}", files(&e.store));

    // --no-remote leaves it out: nothing local, so a model is needed.
    let d = clone_of(&a);
    let (code, _, err) = run(&d, Some(&url), &[], &["apply", "--offline", "--no-remote"]);
    assert_eq!(code, 4, "{err}");
}

#[test]
fn a_remote_that_is_down_warns_once_and_the_build_goes_on() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/cache");
    let f = project();
    let (report, err) = apply(&f, Some(&url), &[], &[]);
    assert_eq!(count(&report["generated"]), 3, "{report:#}");
    assert_eq!(err.matches("warning:").count(), 1, "{err}");
    assert!(
        err.contains(&format!("remote store {url} is unavailable")),
        "{err}"
    );
    assert!(
        err.contains("continuing with the local store only"),
        "{err}"
    );
    let (report, _) = apply(&f, Some(&url), &[], &[]);
    assert_eq!(count(&report["fresh"]), 3);
}

#[test]
fn tampered_remote_objects_are_rejected_and_never_used() {
    let nginx = Nginx::start("");
    let url = nginx.url();
    let a = project();
    apply(&a, Some(&url), &[], &[]);
    let cas = nginx.objects("cas");
    let names: Vec<String> = cas
        .iter()
        .map(|p| format!("cas/{}", p.file_name().unwrap().to_string_lossy()))
        .collect();
    for p in &cas {
        let evil = zstd::encode_all(&b"import os\nos.system('rm -rf ~')\n"[..], 3).unwrap();
        std::fs::write(p, evil).unwrap();
    }

    let b = clone_of(&a);
    let (code, _, err) = run(&b, Some(&url), &[], &["apply", "--offline"]);
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("rejected cas/"), "{err}");
    assert!(local_artifacts(&b).is_empty(), "a rejected object was kept");
    assert!(!b.exists(&format!("{GEN}/base.py")));

    let (report, err) = apply(&b, Some(&url), &[], &[]);
    assert_eq!(count(&report["generated"]), 3, "{report:#}");
    assert_eq!(report["model_calls"], 3);
    for name in &names {
        assert_eq!(
            err.matches(&format!("rejected {name} from remote store"))
                .count(),
            1,
            "{name}: {err}"
        );
    }
    assert_same_outputs(&a, &b);
}

#[test]
fn a_remote_that_wants_a_token_refuses_without_it_and_serves_with_it() {
    let nginx = Nginx::start(r#"if ($http_authorization != "Bearer s3cret") { return 401; }"#);
    let url = nginx.url();
    let a = project();
    let (report, err) = apply(&a, Some(&url), &[], &[]);
    assert_eq!(count(&report["generated"]), 3);
    assert_eq!(err.matches("warning:").count(), 1, "{err}");
    assert!(err.contains("401 Unauthorized"), "{err}");
    assert!(err.contains("set $JAUNT_REMOTE_TOKEN"), "{err}");
    assert!(nginx.objects("cas").is_empty());

    let token = [("JAUNT_REMOTE_TOKEN", "s3cret")];
    let (report, err) = apply(&a, Some(&url), &token, &["--force"]);
    assert_eq!(count(&report["generated"]), 3);
    assert!(!err.contains("warning"), "{err}");
    assert_eq!(nginx.objects("cas").len(), 3);

    // A token variable named in jaunt.toml.
    let b = clone_of(&a);
    b.write(
        "jaunt.toml",
        &format!(
            "{}\n[store]\nremote_token_env = \"CACHE_TOKEN\"\n",
            b.read("jaunt.toml")
        ),
    );
    let (report, err) = apply(&b, Some(&url), &[("CACHE_TOKEN", "s3cret")], &["--frozen"]);
    assert_eq!(count(&report["rewritten"]), 3, "{err}");
    assert!(b.requests().is_empty());
    assert_same_outputs(&a, &b);
}

#[test]
fn store_push_and_pull_round_trip_what_the_lockfile_references() {
    let nginx = Nginx::start("");
    let url = nginx.url();
    let a = project();
    apply(&a, None, &[], &[]);
    assert!(nginx.objects("cas").is_empty());

    let push = |args: &[&str]| -> Value {
        let (code, out, err) = run(&a, Some(&url), &[], args);
        assert_eq!(code, 0, "{err}");
        serde_json::from_str(&out).unwrap()
    };
    let report = push(&["store", "push", "--json"]);
    assert_eq!(report["artifacts_copied"], 3, "{report:#}");
    assert_eq!(report["actions_copied"], 3);
    assert_eq!(nginx.objects("cas").len(), 3);
    let again = push(&["store", "push", "--json"]);
    assert_eq!(again["artifacts_copied"], 0);
    assert_eq!(again["artifacts_present"], 3);
    assert_eq!(again["actions_present"], 3);

    let b = clone_of(&a);
    let (code, out, err) = run(&b, Some(&url), &[], &["store", "pull"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out.trim(),
        "pulled 3 artifacts and 3 actions (0 and 0 already there, 0 and 0 missing)"
    );
    let (report, _) = apply(&b, None, &[], &["--frozen"]);
    assert_eq!(count(&report["rewritten"]), 3);
    assert!(b.requests().is_empty());
    assert_same_outputs(&a, &b);

    let (code, _, err) = run(&b, None, &[], &["store", "pull"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("no remote store is configured"), "{err}");
}

#[test]
fn store_push_and_pull_carry_contract_batteries() {
    const WORDS: &str = "import jaunt\n\n\n@jaunt.contract\ndef up(s: str) -> str:\n    \"\"\"Upper.\n\n    Properties:\n      - up(up(\"ab\")) == up(\"ab\")\n    \"\"\"\n    return s.upper()\n";
    const BATTERY: &str = "tests/contract/shop/words/test_up.py";
    let with_contract = |f: &Fixture| {
        f.write(
            "jaunt.toml",
            &format!(
                "{}\n[contract]\nderive = [\"examples\", \"errors\", \"properties\"]\n",
                f.read("jaunt.toml")
            ),
        )
        .write("src/shop/words.py", WORDS);
    };
    let nginx = Nginx::start("");
    let url = nginx.url();
    let a = project();
    with_contract(&a);
    let (report, _) = apply(&a, None, &[], &[]);
    assert_eq!(
        report["contracts"]["derived"],
        serde_json::json!(["shop.words:up"])
    );
    assert_eq!(
        report["contracts"]["model_calls"], 1,
        "the battery is the model's"
    );
    let (code, out, err) = run(&a, Some(&url), &[], &["store", "push", "--json"]);
    assert_eq!(code, 0, "{err}");
    let pushed: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        pushed["artifacts_copied"], 4,
        "3 modules and the battery: {pushed:#}"
    );
    assert_eq!(pushed["actions_copied"], 4);
    assert_holds_local_frames(&nginx.objects("cas"), &a);

    let b = clone_of(&a);
    with_contract(&b);
    let (code, out, err) = run(&b, Some(&url), &[], &["store", "pull"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("pulled 4 artifacts and 4 actions"), "{out}");
    // --frozen never calls a model: the battery can only come from the store.
    let (report, _) = apply(&b, None, &[], &["--frozen"]);
    assert_eq!(
        report["contracts"]["restored"],
        serde_json::json!(["shop.words:up"]),
        "{report:#}"
    );
    assert!(b.requests().is_empty(), "{:?}", b.requests());
    assert_eq!(b.read(BATTERY), a.read(BATTERY));
}
