//! Crash safety and concurrency: SIGKILL during generation, and two
//! applies sharing one project and one store.

use crate::common::Fixture;
use jaunt::genfile::DiskState;
use std::collections::BTreeSet;
use std::process::{Command, Stdio};
use std::time::Duration;

fn project(n: usize) -> Fixture {
    let f = Fixture::with_fake_generator();
    f.write("src/app/__init__.py", "");
    for i in 0..n {
        // Every third module depends on the previous one: chains and fans.
        let (import, ann) = if i % 3 == 2 {
            (
                format!("from app.m{} import f{}\n", i - 1, i - 1),
                format!("f{}", i - 1),
            )
        } else {
            (String::new(), "int".to_string())
        };
        f.write(
            &format!("src/app/m{i}.py"),
            &format!("import jaunt\n{import}\n@jaunt.magic\ndef f{i}(x: {ann}) -> int:\n    \"\"\"Module {i}.\"\"\"\n"),
        );
    }
    f
}

fn jaunt_process(f: &Fixture, extra_env: &[(&str, &str)]) -> std::process::Child {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("jaunt"));
    cmd.current_dir(f.root())
        .env("JAUNT_STORE", &f.store)
        .env("FAKE_GEN_LOG", f.log())
        .args(["--color=never", "-q", "apply", "--jobs", "4"])
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    for (k, v) in extra_env {
        cmd.env(k, v);
    }
    cmd.spawn().unwrap()
}

/// Modules whose generated file is on disk; asserts none is partial.
fn finished_modules(f: &Fixture) -> BTreeSet<String> {
    let dir = f.path("src/app/__generated__");
    let mut done = BTreeSet::new();
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return done;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with(".jaunt-tmp-") || name == "__init__.py" {
            continue;
        }
        match DiskState::read(&e.path()) {
            DiskState::Intact(h) => {
                done.insert(h.source_module.to_string());
            }
            other => panic!("partial or foreign generated file {name}: {other:?}"),
        }
    }
    done
}

/// A small deterministic pseudo-random sequence (xorshift).
struct Rng(u64);

impl Rng {
    fn next(&mut self, below: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % below
    }
}

#[test]
fn sigkill_during_generation_loses_nothing_finished() {
    let f = project(16);
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut kills = 0;
    for round in 0..8 {
        let mut child = jaunt_process(&f, &[("FAKE_GEN_SLEEP", "0.15")]);
        std::thread::sleep(Duration::from_millis(80 + rng.next(700)));
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap();
            kills += 1;
        }
        child.wait().unwrap();

        let (code, out, err) = f.run(&["store", "verify"]);
        assert_eq!(code, 0, "round {round}: store verify\n{out}{err}");
        if f.exists("jaunt.lock") {
            jaunt::lock::Lockfile::parse(&f.read("jaunt.lock"))
                .unwrap_or_else(|e| panic!("round {round}: jaunt.lock unparsable: {e}"));
        }
        let finished = finished_modules(&f);

        // Resume once without killing: only unfinished modules may call the model.
        if round == 7 {
            f.clear_log();
            let (code, _, err) = f.run(&["apply", "--jobs", "4"]);
            assert_eq!(code, 0, "{err}");
            let called: BTreeSet<String> = f
                .requests()
                .iter()
                .map(|r| r["spec_module"].as_str().unwrap().to_string())
                .collect();
            let redone: Vec<&String> = called.intersection(&finished).collect();
            assert!(
                redone.is_empty(),
                "finished modules were regenerated: {redone:?}"
            );
        }
    }
    assert!(
        kills >= 3,
        "the test must actually kill runs ({kills} kills)"
    );
    f.ok(&["check"]);
    assert_eq!(finished_modules(&f).len(), 16);
}

#[test]
fn two_applies_at_once_make_as_many_model_calls_as_one() {
    let f = project(10);
    let a = jaunt_process(&f, &[("FAKE_GEN_SLEEP", "0.2")]);
    let b = jaunt_process(&f, &[("FAKE_GEN_SLEEP", "0.2")]);
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    assert!(a.status.success() && b.status.success(), "{a:?} {b:?}");
    assert_eq!(finished_modules(&f).len(), 10);
    // The second waited for the first, then found everything fresh.
    assert_eq!(f.requests().len(), 10, "each module generated once");
    f.ok(&["store", "verify"]);
    f.ok(&["check"]);
    f.clear_log();
    f.ok(&["apply"]);
    assert!(f.requests().is_empty(), "everything fresh after both");
}

#[test]
fn ctrl_c_finishes_in_flight_work_and_keeps_it() {
    let f = Fixture::with_fake_generator();
    for i in 0..6 {
        f.write(
            &format!("src/m{i}.py"),
            &format!(
                "import jaunt\n\n@jaunt.magic\ndef f{i}() -> int:\n    \"\"\"Number {i}.\"\"\"\n"
            ),
        );
    }
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("jaunt"));
    let child = cmd
        .current_dir(f.root())
        .env("JAUNT_STORE", &f.store)
        .env("FAKE_GEN_LOG", f.log())
        .env("FAKE_GEN_SLEEP", "1.0")
        .args(["--color=never", "apply", "--jobs", "2", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the first two requests are in flight, then interrupt.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while f.requests().len() < 2 {
        assert!(
            std::time::Instant::now() < deadline,
            "generation never started"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // SAFETY: plain kill(2) on the child's pid.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGINT);
    }
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        report["generated"].as_array().unwrap().len(),
        2,
        "in-flight work finished: {report:#}"
    );
    assert_eq!(
        report["cancelled"].as_array().unwrap().len(),
        4,
        "{report:#}"
    );
    let lock = f.read("jaunt.lock");
    for m in report["generated"].as_array().unwrap() {
        assert!(
            lock.contains(&format!("name = \"{}\"", m.as_str().unwrap())),
            "{lock}"
        );
    }
    f.clear_log();
    f.ok(&["apply"]);
    assert_eq!(
        f.requests().len(),
        4,
        "only the interrupted modules are generated"
    );
}
