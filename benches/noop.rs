//! The no-op path as a user meets it (issue 17): the release `jaunt`
//! binary spawned on an applied synthetic project, one process per run.
//!
//! Per size (1,000 and 10,000 modules × 6 specs, `benches/synth`), on a
//! project whose every module is generated and recorded in `jaunt.lock`:
//! - `status`, no-op `apply`, `graph --format json`, `specs --json` with
//!   warm caches (`.jaunt/cache` as the previous run left it);
//! - `status` cold: `.jaunt/cache` removed before every run (untimed);
//! - `plan` after one spec file changed (the last module, which nothing
//!   depends on; its edit is undone, untimed, after every run);
//! - the read + BLAKE3 floor (in-process, `synth::read_and_hash`).
//!
//! Each run reports wall time, CPU time (user + system, from `wait4`) and
//! peak RSS of the child; the medians (peak RSS: the maximum) are printed
//! with the load average before and after, since the machine is shared.
//!
//! The project is populated once, untimed, by a real `jaunt apply` whose
//! `command` backend is this bench binary re-executed as a stub generator
//! (`--noop-bench-generator`, copied to a fixed path so the generator
//! fingerprint stays put between builds): the synthetic modules form a
//! chain, so a `python3` generator would take half an hour at 10,000.
//!
//! `cargo bench --bench noop [-- 1000|10000]` runs one or both sizes
//! (`JAUNT_BENCH_RUNS` overrides the runs per measurement,
//! `JAUNT_BENCH_BIN` the binary measured);
//! `cargo test --benches` smoke-tests a 30-module project with one run each.

mod synth;

use serde_json::Value;
use std::fmt::Write as _;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const SPECS: usize = 6;
const GENERATOR_ARG: &str = "--noop-bench-generator";
/// The store, relative to the project root (the project's own).
const STORE: &str = ".bench-store";

/// The binary measured: this build's `jaunt`, or `JAUNT_BENCH_BIN` (to
/// measure a saved baseline build against the same projects).
fn jaunt_bin() -> PathBuf {
    std::env::var_os("JAUNT_BENCH_BIN")
        .filter(|v| !v.is_empty())
        .map_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_jaunt")), PathBuf::from)
}

fn bench_mode() -> bool {
    std::env::args().any(|a| a == "--bench")
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).is_some_and(|a| a == GENERATOR_ARG) {
        return stub_generator();
    }
    if args.iter().any(|a| a == "--list") {
        return;
    }
    for var in ["JAUNT_STORE", "JAUNT_REMOTE_STORE"] {
        assert!(
            std::env::var_os(var).is_none_or(|v| v.is_empty()),
            "unset {var}: the bench uses its own store"
        );
    }
    let picked: Vec<usize> = args[1..].iter().filter_map(|a| a.parse().ok()).collect();
    let sizes: Vec<usize> = if !bench_mode() {
        vec![30]
    } else if picked.is_empty() {
        vec![1_000, 10_000]
    } else {
        picked
    };
    for n in sizes {
        let dir = populate(n);
        measure(&dir, n);
    }
}

/// The synthetic project of `modules` modules, applied: generated sources,
/// a store with every artifact and a `jaunt.lock`.
fn populate(modules: usize) -> PathBuf {
    let parent = Path::new(env!("CARGO_TARGET_TMPDIR")).join("jaunt-bench/noop");
    let (dir, stats) = synth::ensure(&parent, modules, SPECS).expect("synthetic project");
    let generator = parent.join("stub-generator");
    if !generator.exists() {
        std::fs::copy(std::env::current_exe().expect("bench exe"), &generator)
            .expect("copy the bench binary as the generator");
    }
    synth::write_command_config(
        &dir,
        &[&generator.display().to_string(), GENERATOR_ARG],
        STORE,
    )
    .expect("write jaunt.toml");
    if dir.join("jaunt.lock").exists() && all_fresh(&dir) {
        return dir;
    }
    let t = Instant::now();
    let out = jaunt(&dir, &["apply", "--jobs", "8"])
        .output()
        .expect("apply");
    assert!(
        out.status.success(),
        "populating apply failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(all_fresh(&dir), "every module fresh after apply");
    println!(
        "populated {} ({} modules, {} specs, {:.2} MB of spec source): {:.1} s (untimed)",
        dir.display(),
        stats.modules,
        stats.specs,
        stats.bytes as f64 / 1e6,
        t.elapsed().as_secs_f64()
    );
    dir
}

fn jaunt(dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(jaunt_bin());
    c.args(args).current_dir(dir).stdin(Stdio::null());
    c
}

/// Whether `jaunt status --json` finds nothing to do.
fn all_fresh(dir: &Path) -> bool {
    let out = jaunt(dir, &["--json", "status"])
        .output()
        .expect("jaunt status");
    out.status.success()
        && serde_json::from_slice::<Value>(&out.stdout).is_ok_and(|v| v["ok"] == Value::Bool(true))
}

/// One spawned run.
#[derive(Clone, Copy)]
struct Sample {
    wall: Duration,
    cpu: Duration,
    peak_rss_kb: i64,
}

/// Spawns `jaunt args` in `dir`, output discarded, and reads the child's
/// resource usage from `wait4` (which reaps it: `Child::wait` cannot
/// report usage). Panics unless it exits 0.
#[allow(clippy::zombie_processes)]
fn spawn_once(dir: &Path, args: &[&str]) -> Sample {
    let start = Instant::now();
    let child = jaunt(dir, args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn jaunt");
    let pid = child.id() as libc::pid_t;
    let mut stderr = String::new();
    child
        .stderr
        .expect("piped stderr")
        .read_to_string(&mut stderr)
        .expect("read stderr");
    let mut status = 0;
    // SAFETY: plain libc call on our own child; `rusage` is plain data.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = start.elapsed();
    assert_eq!(waited, pid, "wait4");
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "jaunt {args:?} failed: {stderr}"
    );
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    Sample {
        wall,
        cpu: tv(usage.ru_utime) + tv(usage.ru_stime),
        peak_rss_kb: usage.ru_maxrss,
    }
}

fn runs(modules: usize) -> usize {
    if !bench_mode() {
        return 1;
    }
    std::env::var("JAUNT_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if modules >= 10_000 { 7 } else { 15 })
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort_unstable();
    v[v.len() / 2]
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".into())
}

/// `runs` samples of `args`, each after `before` (untimed); one untimed
/// warm-up run first so caches are as the previous run leaves them.
fn sample(dir: &Path, args: &[&str], runs: usize, before: &dyn Fn()) -> String {
    before();
    spawn_once(dir, args);
    let samples: Vec<Sample> = (0..runs)
        .map(|_| {
            before();
            spawn_once(dir, args)
        })
        .collect();
    format!(
        "wall {:>8.1} ms  cpu {:>8.1} ms  peak {:>6.1} MB",
        ms(median(samples.iter().map(|s| s.wall).collect())),
        ms(median(samples.iter().map(|s| s.cpu).collect())),
        samples.iter().map(|s| s.peak_rss_kb).max().unwrap_or(0) as f64 / 1024.0
    )
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn measure(dir: &Path, modules: usize) {
    let runs = runs(modules);
    // A no-op stamp is recorded only by a run that begins 2 s after the
    // last change to what it reads (docs/architecture.md, The no-op stamp):
    // the warm-up of each case records it once the project has settled.
    if bench_mode() {
        std::thread::sleep(Duration::from_millis(2_100));
    }
    let mut report = format!(
        "noop/{modules}x{SPECS} ({}): medians of {runs} spawned runs, load average {} before",
        jaunt_bin().display(),
        loadavg()
    );
    let nothing = || {};
    let cases: [(&str, &[&str]); 4] = [
        ("status", &["status"]),
        ("apply (no-op)", &["apply"]),
        ("graph --format json", &["graph", "--format", "json"]),
        ("specs --json", &["--json", "specs"]),
    ];
    for (name, args) in cases {
        let _ = write!(
            report,
            "\n  {name:<22} {}",
            sample(dir, args, runs, &nothing)
        );
    }
    let cache = dir.join(".jaunt/cache");
    let cold = || {
        let _ = std::fs::remove_dir_all(&cache);
    };
    let _ = write!(
        report,
        "\n  {:<22} {}",
        "status, cold caches",
        sample(dir, &["status"], runs, &cold)
    );
    let changed = dir.join(format!(
        "src/pkg_{}/mod_{}.py",
        (modules - 1) / 100,
        modules - 1
    ));
    let original = std::fs::read_to_string(&changed).expect("last module");
    // Two edits in turn, so each run meets content the parse cache has not
    // seen (as after a save in an editor), not a re-dated known file.
    let edits = ["one", "each"].map(|word| {
        original.replacen(
            "Keys are unique within a batch.",
            &format!("Keys are unique within {word} batch."),
            1,
        )
    });
    assert_ne!(edits[0], original, "the edit applies");
    let turn = std::cell::Cell::new(0);
    let edit = || {
        turn.set(turn.get() + 1);
        std::fs::write(&changed, &edits[turn.get() % 2]).expect("edit the spec");
    };
    let _ = write!(
        report,
        "\n  {:<22} {}",
        "plan, 1 spec changed",
        sample(dir, &["plan"], runs, &edit)
    );
    std::fs::write(&changed, &original).expect("undo the edit");
    let floor: Vec<Duration> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            synth::read_and_hash(dir);
            t.elapsed()
        })
        .collect();
    let _ = write!(
        report,
        "\n  {:<22} wall {:>8.1} ms (in-process)\n  load average {} after",
        "read + BLAKE3 floor",
        ms(median(floor)),
        loadavg()
    );
    println!("{report}");
    assert!(all_fresh(dir), "the undone edit leaves nothing to do");
}

/// The `command` backend's generator: one JSON request on stdin, a module
/// defining every expected name on stdout (the shape of
/// `tests/support/fake_generator.py`'s stubs, without `python3`'s start-up).
fn stub_generator() {
    let request: Value = serde_json::from_reader(std::io::stdin()).expect("a JSON request");
    let specs = request["specs"].as_array().expect("specs");
    let sources: Vec<&str> = specs.iter().filter_map(|s| s["source"].as_str()).collect();
    let digest = blake3::hash(sources.join("\n").as_bytes()).to_hex();
    let digest = &digest[..16];
    let mut out = format!(
        "\"\"\"Stub implementation of {} (noop bench).\"\"\"\n\n",
        request["spec_module"].as_str().unwrap_or("?")
    );
    for spec in specs {
        let name = spec["qualname"].as_str().expect("qualname");
        if name.contains('.') {
            continue;
        }
        if spec["kind"] == "class" {
            let _ = writeln!(out, "class {name}:\n    SPEC_DIGEST = {digest:?}");
            for member in spec["members"].as_array().into_iter().flatten() {
                let role = member["role"].as_str().unwrap_or("");
                assert_ne!(role, "preserved", "synthetic specs preserve nothing");
                if role == "sealed" || role == "spec" {
                    let sig = member["signature"].as_str().expect("signature");
                    let _ = writeln!(out, "    {sig}:\n        return {digest:?}");
                }
            }
        } else {
            let _ = writeln!(out, "def {name}(*args, **kwargs):\n    return {digest:?}");
        }
        out.push('\n');
    }
    print!("{out}");
}
