//! `jaunt apply` and the DAG scheduler, on the synthetic projects of
//! `benches/synth`.
//!
//! Criterion groups:
//! - `apply/{N}x6`: `plan` (load + session + `Session::plan`, what
//!   `jaunt plan` does) and `noop_apply` (load + session + `apply`) on a
//!   project where everything is fresh; `offline_materialize` and
//!   `offline_materialize_cold` (`apply --offline` after every generated
//!   file was deleted, untimed; the second also clears the parse cache, as
//!   in a fresh clone that shares only the store);
//! - `scheduler`: `exec::scheduler::run` with a work function that sleeps
//!   `L`, on independent nodes, a chain, and a chain plus independent
//!   nodes (critical path first).
//!
//! The project is populated untimed through the `command` backend and the
//! fake generator test double (one `python3` per module), into a store of
//! its own (`[store] path`), and reused by later runs. In `--bench` mode the binary
//! then prints plan vs no-op apply interleaved (fairer than two criterion
//! groups on a shared machine), where an offline materialization spends
//! its time, and the scheduler's wall times against their bounds;
//! `JAUNT_BENCH_EXTRAS=0` skips those. Without `--bench`
//! (`cargo test --benches`) it smoke-tests a 30-module project.

mod synth;

use criterion::{BatchSize, Criterion, SamplingMode};
use jaunt::exec::scheduler::{self, Outcome};
use jaunt::names::SpecKind;
use jaunt::ops::apply::{ApplyOptions, ApplyReport, Event, apply};
use jaunt::ops::project::{LoadOptions, Project};
use jaunt::ops::session::Session;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

const SPECS: usize = 6;
/// Parallel generator processes while populating (`--jobs 8`).
const POPULATE_JOBS: usize = 8;
/// The store, relative to the project root: one per project, so nothing
/// depends on `JAUNT_STORE` or the user's cache.
const STORE: &str = ".bench-store";

fn bench_mode() -> bool {
    let args: Vec<String> = std::env::args().collect();
    args.iter().any(|a| a == "--bench") && !args.iter().any(|a| a == "--list")
}

fn modules() -> usize {
    if bench_mode() { 1_000 } else { 30 }
}

/// Sleep per scheduler node: long enough that thread start-up and the
/// scheduler's own bookkeeping are small next to it.
fn latency() -> Duration {
    Duration::from_millis(if bench_mode() { 20 } else { 1 })
}

/// A populated project: sources, a store holding every artifact, a
/// `jaunt.lock`, and every generated file on disk.
struct Populated {
    dir: PathBuf,
    modules: usize,
}

/// Generates (or reuses) the synthetic sources under their own parent, so
/// the discovery bench's projects are never touched, then empties the
/// store, lock and generated files and runs one real apply through the
/// fake generator. Prints how long that took: it is mostly `python3`
/// start-up, one per module, so it says little about jaunt.
fn populate(modules: usize) -> Populated {
    for var in ["JAUNT_STORE", "JAUNT_REMOTE_STORE"] {
        assert!(
            std::env::var_os(var).is_none_or(|v| v.is_empty()),
            "unset {var}: the bench uses its own store"
        );
    }
    let parent = Path::new(env!("CARGO_TARGET_TMPDIR")).join("jaunt-bench/apply");
    let (dir, stats) = synth::ensure(&parent, modules, SPECS).expect("synthetic project");
    let fake = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/fake_generator.py");
    synth::write_command_config(&dir, &["python3", &fake.display().to_string()], STORE)
        .expect("write jaunt.toml");
    // A previous run's store and lock serve again: synth regenerating the
    // sources wipes both, and the fake generator's output depends only on
    // them. Generation is slow here because module i depends on i - 1, so
    // the thousand model calls run one after the other.
    if dir.join("jaunt.lock").exists()
        && let Ok(r) = try_apply(&dir, &offline())
        && r.failed.is_empty()
        && r.fresh.len() + r.rewritten.len() + r.restored.len() == modules
    {
        println!("reusing the populated store of {}", dir.display());
        return Populated { dir, modules };
    }
    let _ = std::fs::remove_dir_all(dir.join(STORE));
    let _ = std::fs::remove_file(dir.join("jaunt.lock"));
    delete_generated(&dir);
    let t = Instant::now();
    let report = run_apply(
        &dir,
        &ApplyOptions {
            jobs: Some(POPULATE_JOBS),
            ..Default::default()
        },
    );
    assert!(
        report.failed.is_empty(),
        "populate failed: {:?}",
        report.failed
    );
    assert_eq!(report.generated.len(), modules, "every module generated");
    println!(
        "populated {} ({} modules, {} specs, {} .py files, {:.2} MB): \
         {} model calls through the fake generator, {:.1} s with {POPULATE_JOBS} jobs (untimed)",
        dir.display(),
        stats.modules,
        stats.specs,
        stats.files,
        stats.bytes as f64 / 1e6,
        report.model_calls,
        t.elapsed().as_secs_f64()
    );
    Populated { dir, modules }
}

/// Removes every `src/pkg_*/__generated__/`: a checkout before apply.
fn delete_generated(dir: &Path) {
    for pkg in std::fs::read_dir(dir.join("src")).expect("src").flatten() {
        let generated = pkg.path().join("__generated__");
        if generated.exists() {
            std::fs::remove_dir_all(&generated).expect("remove generated dir");
        }
    }
}

fn clear_parse_cache(dir: &Path) {
    jaunt::discover::cache::clear(&dir.join(".jaunt")).expect("clear parse cache");
}

fn load(dir: &Path) -> Project {
    Project::load(&LoadOptions {
        root: Some(dir.to_path_buf()),
        ..Default::default()
    })
    .expect("synthetic project loads")
}

fn session(project: &Project) -> Session {
    Session::open(&project.config).expect("session")
}

/// What `jaunt plan` does: load, open the session, plan the build specs.
fn run_plan(dir: &Path) -> jaunt::plan::Plan {
    let project = load(dir);
    session(&project).plan(&project, &[SpecKind::Build], false)
}

/// What `jaunt apply` does, minus printing.
fn run_apply(dir: &Path, opts: &ApplyOptions) -> ApplyReport {
    try_apply(dir, opts).expect("apply")
}

fn try_apply(dir: &Path, opts: &ApplyOptions) -> jaunt::error::Result<ApplyReport> {
    let project = load(dir);
    apply(
        &project,
        &session(&project),
        &[SpecKind::Build],
        opts,
        &AtomicBool::new(false),
        &|_e: Event| {},
    )
}

fn offline() -> ApplyOptions {
    ApplyOptions {
        offline: true,
        ..Default::default()
    }
}

fn apply_benches(c: &mut Criterion, p: &Populated) {
    let dir = &p.dir;
    let fresh = run_plan(dir)
        .modules
        .iter()
        .filter(|m| m.status == jaunt::plan::Status::Fresh)
        .count();
    assert_eq!(fresh, p.modules, "everything fresh after populating");
    let mut g = c.benchmark_group(format!("apply/{}x{SPECS}", p.modules));
    g.sampling_mode(SamplingMode::Flat);
    g.bench_function("plan", |b| b.iter_with_large_drop(|| run_plan(dir)));
    g.bench_function("noop_apply", |b| {
        b.iter(|| {
            let r = run_apply(dir, &ApplyOptions::default());
            assert_eq!((r.fresh.len(), r.lock_changed), (p.modules, false));
        })
    });
    for (name, cold) in [
        ("offline_materialize", false),
        ("offline_materialize_cold", true),
    ] {
        g.bench_function(name, |b| {
            b.iter_batched(
                || {
                    delete_generated(dir);
                    if cold {
                        clear_parse_cache(dir);
                    }
                },
                |()| {
                    let r = run_apply(dir, &offline());
                    assert_eq!(r.rewritten.len(), p.modules, "all rewritten from the store");
                },
                BatchSize::PerIteration,
            )
        });
    }
    g.finish();
    // Leave the project complete and the parse cache warm.
    run_apply(dir, &offline());
}

/// A scheduler case: `deps` per node, `jobs`, and the wall-time bound in
/// units of the node latency `L` (before the 10% allowance).
struct Case {
    name: &'static str,
    deps: Vec<Vec<usize>>,
    jobs: usize,
    bound_l: usize,
    /// Nodes that should start first, if order matters for the case.
    first: Option<usize>,
}

fn cases() -> Vec<Case> {
    let independent = |n: usize, jobs: usize| Case {
        name: if jobs == 4 {
            "independent_64_j4"
        } else {
            "independent_64_j8"
        },
        deps: vec![Vec::new(); n],
        jobs,
        bound_l: n.div_ceil(jobs),
        first: None,
    };
    let chain: Vec<Vec<usize>> = (0..16)
        .map(|i| if i == 0 { vec![] } else { vec![i - 1] })
        .collect();
    // 20 independent nodes first (indices 0..20), then a 20-node chain: a
    // scheduler that went by index would run the independent nodes first
    // and finish in (20/2 + 20) L = 30 L; critical path first gives
    // max(20, 40/2) = 20 L.
    let (rest, long) = (20, 20);
    let mixed: Vec<Vec<usize>> = (0..rest + long)
        .map(|i| if i <= rest { vec![] } else { vec![i - 1] })
        .collect();
    vec![
        independent(64, 4),
        independent(64, 8),
        Case {
            name: "chain_16_j4",
            deps: chain,
            jobs: 4,
            bound_l: 16,
            first: None,
        },
        Case {
            name: "chain_20_plus_20_j2",
            deps: mixed,
            jobs: 2,
            bound_l: long.max((rest + long).div_ceil(2)),
            first: Some(rest),
        },
    ]
}

/// Runs a case once; returns the wall time and the order nodes started in.
fn run_case(case: &Case, l: Duration) -> (Duration, Vec<usize>) {
    let started = Mutex::new(Vec::with_capacity(case.deps.len()));
    let t = Instant::now();
    scheduler::run(
        case.deps.len(),
        &case.deps,
        case.jobs,
        &AtomicBool::new(false),
        |i| {
            started.lock().expect("lock").push(i);
            std::thread::sleep(l);
            Ok(())
        },
        |i, o: Outcome<(), ()>| assert_eq!(o, Outcome::Done(()), "node {i}"),
    );
    (t.elapsed(), started.into_inner().expect("lock"))
}

fn scheduler_benches(c: &mut Criterion) {
    let l = latency();
    let mut g = c.benchmark_group("scheduler");
    g.sampling_mode(SamplingMode::Flat);
    for case in cases() {
        g.bench_function(case.name, |b| b.iter(|| run_case(&case, l)));
    }
    g.finish();
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .trim()
        .to_string()
}

/// Plan and no-op apply alternated, so both see the same machine load;
/// the ratio of the medians is what the ≤ 1.1 target is about.
fn report_plan_vs_apply(p: &Populated, rounds: usize) {
    let (mut plans, mut applies) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        let t = Instant::now();
        std::hint::black_box(run_plan(&p.dir));
        plans.push(t.elapsed());
        let t = Instant::now();
        std::hint::black_box(run_apply(&p.dir, &ApplyOptions::default()));
        applies.push(t.elapsed());
    }
    let (plan, noop) = (median(plans), median(applies));
    println!(
        "\nplan vs no-op apply, {} modules, {rounds} interleaved rounds (loadavg {}):\n  \
         plan median {}, no-op apply median {}, ratio {:.2} (target <= 1.10)",
        p.modules,
        loadavg(),
        ms(plan),
        ms(noop),
        noop.as_secs_f64() / plan.as_secs_f64()
    );
    report_noop_extras(p);
}

/// What a no-op apply does beyond the plan, timed through the same public
/// functions (`src/` is not instrumented): sweeping the store's temp
/// files, preparing library skills, and building, rendering and comparing
/// the next lockfile (`lock_after` builds the same lockfile apply writes).
fn report_noop_extras(p: &Populated) {
    let project = load(&p.dir);
    let s = session(&project);
    let time = |f: &dyn Fn()| {
        let t = Instant::now();
        f();
        t.elapsed()
    };
    let sweep = time(&|| {
        s.store.sweep_temps();
    });
    let skills = time(&|| {
        jaunt::skills::prepare(&project.config, &project.discovery, true, None, &|_| {});
    });
    let plan = s.plan(&project, &[SpecKind::Build], false);
    let lock = time(&|| {
        let next = jaunt::ops::lockfile::planned_lock(&jaunt::ops::lockfile::LockInputs {
            project: &project,
            session: &s,
            kinds: &[SpecKind::Build],
            plan: &plan,
            targeted: false,
        });
        let old = std::fs::read(project.config.lock_path()).expect("jaunt.lock");
        assert_eq!(next.render().as_bytes(), old.as_slice(), "lock unchanged");
    });
    println!(
        "  beyond the plan: store sweep_temps {}, skills::prepare {}, \
         planned_lock + render + compare {}",
        ms(sweep),
        ms(skills),
        ms(lock)
    );
}

/// Splits one offline materialization into load, plan and the rest of
/// apply, then times the rest's two ingredients over every module on one
/// thread: reading artifacts from the store (zstd + hash check) and
/// atomic writes (temp file + fsync + rename + directory fsync).
fn report_materialize_phases(p: &Populated) {
    delete_generated(&p.dir);
    let t = Instant::now();
    let project = load(&p.dir);
    let t_load = t.elapsed();
    let s = session(&project);
    let t = Instant::now();
    let plan = s.plan(&project, &[SpecKind::Build], false);
    let t_plan = t.elapsed();
    let t = Instant::now();
    let r = apply(
        &project,
        &s,
        &[SpecKind::Build],
        &offline(),
        &AtomicBool::new(false),
        &|_e: Event| {},
    )
    .expect("apply");
    let t_apply = t.elapsed();
    assert_eq!(r.rewritten.len(), p.modules);
    let artifacts: Vec<_> = plan.modules.iter().filter_map(|m| m.artifact).collect();
    let t = Instant::now();
    let bodies: Vec<Vec<u8>> = artifacts
        .iter()
        .map(|a| s.store.get_artifact(a).expect("read").expect("stored"))
        .collect();
    let t_read = t.elapsed();
    let scratch = tempfile::tempdir_in(&p.dir).expect("scratch dir");
    let t = Instant::now();
    for (i, b) in bodies.iter().enumerate() {
        jaunt::fsutil::write_atomic(&scratch.path().join(format!("a{i}.py")), b).expect("write");
    }
    let t_atomic = t.elapsed();
    let t = Instant::now();
    for (i, b) in bodies.iter().enumerate() {
        std::fs::write(scratch.path().join(format!("p{i}.py")), b).expect("write");
    }
    let t_plain = t.elapsed();
    println!(
        "\noffline materialization phases, {} modules (one run; loadavg {}):\n  \
         Project::load (warm parse cache): {}\n  \
         Session::plan (all `rewrite`):     {}\n  \
         apply (plans again, then writes): {}\n  \
         store reads of every artifact:    {} (1 thread)\n  \
         write_atomic of every body:       {} (1 thread, fsync file + dir)\n  \
         plain fs::write of every body:    {} (1 thread, no fsync)",
        p.modules,
        loadavg(),
        ms(t_load),
        ms(t_plan),
        ms(t_apply),
        ms(t_read),
        ms(t_atomic),
        ms(t_plain)
    );
}

/// Each scheduler case a few times: best and median wall time against
/// `1.1 × bound`, and whether the node meant to go first did.
fn report_scheduler(runs: usize) {
    let l = latency();
    println!(
        "\nscheduler, L = {} (best / median of {runs}; loadavg {}):",
        ms(l),
        loadavg()
    );
    for case in cases() {
        let results: Vec<_> = (0..runs).map(|_| run_case(&case, l)).collect();
        let best = results.iter().map(|r| r.0).min().expect("runs");
        let med = median(results.iter().map(|r| r.0).collect());
        let bound = l * case.bound_l as u32;
        let limit = bound.mul_f64(1.1);
        let order = case.first.map_or(String::new(), |f| {
            let firsts = results.iter().filter(|r| r.1.first() == Some(&f)).count();
            format!(", chain head started first in {firsts}/{runs}")
        });
        println!(
            "  {:<22} {:>9} / {:>9}  bound {} x L = {}, limit {}: {}{order}",
            case.name,
            ms(best),
            ms(med),
            case.bound_l,
            ms(bound),
            ms(limit),
            if med <= limit { "ok" } else { "OVER" }
        );
    }
}

fn main() {
    let mut c = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5))
        .configure_from_args();
    let p = populate(modules());
    apply_benches(&mut c, &p);
    scheduler_benches(&mut c);
    if bench_mode() && std::env::var("JAUNT_BENCH_EXTRAS").as_deref() != Ok("0") {
        report_plan_vs_apply(&p, 10);
        report_materialize_phases(&p);
        report_scheduler(5);
    }
    c.final_summary();
}
