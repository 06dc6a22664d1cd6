//! `jaunt watch` as a user runs it: a real file watcher on a real project,
//! stopped with SIGINT as Ctrl-C stops it. Each cycle prints one status
//! line on stdout, which these tests read as it comes.

use crate::common::Fixture;
use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

/// Long enough for a cycle on a loaded machine.
const CYCLE_TIMEOUT: Duration = Duration::from_secs(60);

/// Longer than the watch's debounce and the time a cycle's own writes
/// take to arrive: a cycle they would wrongly trigger starts within it.
const QUIET: Duration = Duration::from_secs(2);

/// A running `jaunt watch` and its status lines.
struct Watch {
    child: Child,
    lines: Receiver<String>,
}

impl Watch {
    fn start(f: &Fixture, args: &[&str], env: &[(&str, &str)]) -> Watch {
        let mut cmd = f.std_jaunt();
        cmd.arg("watch").args(args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for line in stdout.lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Watch { child, lines }
    }

    /// The next stdout line, which must come within [`CYCLE_TIMEOUT`].
    fn next(&self) -> String {
        self.lines
            .recv_timeout(CYCLE_TIMEOUT)
            .unwrap_or_else(|e| panic!("no status line within {CYCLE_TIMEOUT:?}: {e}"))
    }

    /// Lines up to the status line of cycle `n`, which is returned.
    fn cycle(&self, n: usize) -> String {
        let prefix = format!("cycle {n} (");
        loop {
            let line = self.next();
            if line.starts_with(&prefix) {
                return line;
            }
            assert!(
                !line.starts_with("cycle "),
                "expected cycle {n}, got: {line}"
            );
        }
    }

    /// Asserts that no cycle starts within [`QUIET`].
    fn stays_quiet(&self) {
        let deadline = Instant::now() + QUIET;
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(line) => assert!(!line.starts_with("cycle "), "an unasked cycle: {line}"),
                Err(RecvTimeoutError::Timeout) => return,
                Err(RecvTimeoutError::Disconnected) => panic!("watch exited"),
            }
        }
    }

    /// Ctrl-C: SIGINT to the process. Returns its exit code and the rest of
    /// its stdout.
    fn interrupt(mut self) -> (i32, Vec<String>) {
        // SAFETY: plain kill(2) on the child's pid.
        unsafe {
            libc::kill(self.child.id() as i32, libc::SIGINT);
        }
        let status = self.child.wait().unwrap();
        let rest = self.lines.iter().collect();
        (status.code().unwrap_or(-1), rest)
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `pkg.m` with `f`'s docstring set to `doc`.
fn spec(doc: &str) -> String {
    format!("import jaunt\n\n@jaunt.magic\ndef f(x: int) -> int:\n    '{doc}'\n")
}

/// Waits until the fake generator has received `n` requests.
fn wait_for_requests(f: &Fixture, n: usize) {
    let deadline = Instant::now() + CYCLE_TIMEOUT;
    while f.requests().len() < n {
        assert!(Instant::now() < deadline, "generation never started");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn an_edit_triggers_exactly_one_apply() {
    let f = Fixture::with_fake_generator();
    f.add_one_module();
    let watch = Watch::start(&f, &[], &[]);
    let first = watch.cycle(1);
    assert!(
        first.starts_with("cycle 1 (start): applied: 1 generated,")
            && first.contains("1 model call(s)"),
        "{first}"
    );
    // The cycle's own reads and writes (spec files, generated module, stub,
    // lockfile, store, parse cache) start nothing.
    watch.stays_quiet();
    let before = f.read("src/pkg/__generated__/m.py");

    f.write("src/pkg/m.py", &spec("Triple."));
    let second = watch.cycle(2);
    assert!(
        second.starts_with("cycle 2 (src/pkg/m.py changed): applied: 1 generated,"),
        "{second}"
    );
    watch.stays_quiet();
    assert_eq!(f.requests().len(), 2, "one model call per cycle");

    // A file that is not a spec (here, a note) is not a change.
    f.write("src/pkg/notes.txt", "todo\n");
    watch.stays_quiet();

    let (code, rest) = watch.interrupt();
    assert_eq!(code, 130, "{rest:?}");
    assert!(rest.iter().all(|l| !l.starts_with("cycle ")), "{rest:?}");
    f.ok(&["check"]);
    assert_ne!(
        f.read("src/pkg/__generated__/m.py"),
        before,
        "regenerated from the edit"
    );
}

#[test]
fn edits_during_an_apply_are_picked_up_by_the_next_cycle() {
    let f = Fixture::with_fake_generator();
    f.add_one_module();
    let watch = Watch::start(&f, &[], &[("FAKE_GEN_SLEEP", "1.5")]);
    wait_for_requests(&f, 1);
    // Cycle 1 is generating from "Double."; this edit lands meanwhile.
    f.write("src/pkg/m.py", &spec("Triple."));
    let first = watch.cycle(1);
    assert!(first.contains("applied: 1 generated,"), "{first}");
    assert_eq!(
        f.requests().len(),
        1,
        "no second apply started while the first ran"
    );
    let second = watch.cycle(2);
    assert!(
        second.starts_with("cycle 2 (src/pkg/m.py changed): applied: 1 generated,"),
        "{second}"
    );
    watch.stays_quiet();
    let requests = f.requests();
    assert_eq!(requests.len(), 2, "{requests:?}");
    assert!(
        requests[0]["specs"][0]["source"]
            .as_str()
            .unwrap()
            .contains("Double.")
    );
    assert!(
        requests[1]["specs"][0]["source"]
            .as_str()
            .unwrap()
            .contains("Triple.")
    );
    let (code, _) = watch.interrupt();
    assert_eq!(code, 130);
    f.ok(&["check"]);
}

#[test]
fn ctrl_c_finishes_the_module_in_flight_and_keeps_it() {
    let f = Fixture::with_fake_generator();
    for i in 0..4 {
        f.write(
            &format!("src/m{i}.py"),
            &format!(
                "import jaunt\n\n@jaunt.magic\ndef f{i}() -> int:\n    \"\"\"Number {i}.\"\"\"\n"
            ),
        );
    }
    let watch = Watch::start(&f, &["--jobs", "1"], &[("FAKE_GEN_SLEEP", "1.0")]);
    wait_for_requests(&f, 1);
    let (code, rest) = watch.interrupt();
    assert_eq!(code, 130, "{rest:?}");
    let status = rest
        .iter()
        .find(|l| l.starts_with("cycle 1 (start)"))
        .unwrap_or_else(|| panic!("{rest:?}"));
    assert!(
        status.contains("applied: 1 generated,")
            && status.contains("interrupted, not started: ")
            && status.contains("finished modules are kept"),
        "{status}"
    );
    assert_eq!(f.requests().len(), 1, "no module started after Ctrl-C");
    let generated = f.requests()[0]["spec_module"].as_str().unwrap().to_owned();
    assert!(
        f.read("jaunt.lock")
            .contains(&format!("name = \"{generated}\""))
    );
    f.clear_log();
    f.ok(&["apply"]);
    assert_eq!(
        f.requests().len(),
        3,
        "only the modules not started are generated"
    );
}

#[test]
fn plan_only_prints_the_plan_and_generates_nothing() {
    let f = Fixture::with_fake_generator();
    f.add_one_module();
    let watch = Watch::start(&f, &["--plan-only"], &[]);
    let mut plan = Vec::new();
    let first = loop {
        let line = watch.next();
        if line.starts_with("cycle ") {
            break line;
        }
        plan.push(line);
    };
    assert!(first.starts_with("cycle 1 (start): "), "{first}");
    assert!(
        plan.iter().any(|l| l.contains("pkg.m")),
        "the plan is printed: {plan:?}"
    );
    f.write(
        "jaunt.toml",
        &format!("{}\n[build]\njobs = 2\n", f.read("jaunt.toml")),
    );
    let second = watch.cycle(2);
    assert!(
        second.starts_with("cycle 2 (jaunt.toml changed): "),
        "{second}"
    );
    let (code, _) = watch.interrupt();
    assert_eq!(code, 130);
    assert!(f.requests().is_empty(), "--plan-only never calls the model");
    assert!(!f.exists("jaunt.lock") && !f.exists("src/pkg/__generated__/m.py"));
}

#[test]
fn test_runs_pytest_after_each_apply() {
    let f = crate::python_e2e::shop();
    let watch = Watch::start(&f, &["--test"], &[]);
    let first = watch.cycle(1);
    assert!(first.contains("; tests passed"), "{first}");
    let (code, _) = watch.interrupt();
    assert_eq!(code, 130);
    assert!(f.exists("tests/__generated__/test_shop_specs.py"));
}
