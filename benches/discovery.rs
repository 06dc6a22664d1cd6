//! Discovery + spec graph + digests (`Project::load`) on synthetic projects.
//!
//! Criterion groups `discovery/{N}x6` time, per project size:
//! - `load_cold`: the parse cache is cleared before every iteration (untimed),
//!   so every file is parsed with tree-sitter and the cache is rewritten;
//! - `load_warm`: the parse cache is present and every file hits it;
//! - `read_and_hash`: the floor any content-based tool pays — walk the tree,
//!   read every `.py` file and BLAKE3 it, in parallel.
//!
//! "Cold" means a cold *parse cache*; the OS page cache stays warm, as it is
//! when a developer re-runs the tool. In `--bench` mode the binary then
//! prints, per size, a phase breakdown and one cold and one warm load run
//! in a child process for wall time, CPU time and peak RSS (see
//! [`one_shot`]); `JAUNT_BENCH_EXTRAS=0` skips those. Without `--bench`
//! (`cargo test --benches`) it only smoke-tests a 100-module project.
//!
//! `JAUNT_BENCH_AGAINST=PATH`, the discovery bench binary of another build
//! (`cargo bench --bench discovery --no-run` at another commit), adds cold
//! one-shot loads of that build and this one, alternating, on the same
//! project: how a target measured on another machine, by another build,
//! reads on this one (see [`report_against`]).

mod synth;

use criterion::{BatchSize, Criterion, SamplingMode, Throughput, criterion_group};
use jaunt::config::{Config, Locate};
use jaunt::discover::{self, cache::ParseCache};
use jaunt::graph::{GraphOptions, SpecGraph};
use jaunt::ops::project::{LoadOptions, Project};
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const SPECS: usize = 6;
/// Set in the child process of [`one_shot`]: `cold|warm DIR`.
const CHILD_ENV: &str = "JAUNT_BENCH_ONE_SHOT_CHILD";

fn bench_mode() -> bool {
    let args: Vec<String> = std::env::args().collect();
    args.iter().any(|a| a == "--bench") && !args.iter().any(|a| a == "--list")
}

fn sizes() -> &'static [usize] {
    if bench_mode() {
        &[1_000, 10_000]
    } else {
        &[100]
    }
}

/// Projects live under the target dir so they survive between runs.
fn project(modules: usize) -> (PathBuf, synth::Stats) {
    let parent = Path::new(env!("CARGO_TARGET_TMPDIR")).join("jaunt-bench");
    synth::ensure(&parent, modules, SPECS).expect("generate synthetic project")
}

fn load(dir: &Path) -> Project {
    Project::load(&LoadOptions {
        root: Some(dir.to_path_buf()),
        ..Default::default()
    })
    .expect("synthetic project loads")
}

fn clear_cache(dir: &Path) {
    discover::cache::clear(&dir.join(".jaunt")).expect("clear parse cache");
}

fn discovery(c: &mut Criterion) {
    for &n in sizes() {
        let (dir, stats) = project(n);
        let p = load(&dir);
        assert_eq!(p.build.specs.len(), stats.specs, "every spec discovered");
        let module_edges: usize = p.build.modules.values().map(|m| m.deps.len()).sum();
        let spec_edges: usize = p.build.specs.values().map(|s| s.deps.len()).sum();
        println!(
            "synthetic project {}: {} modules x {SPECS} specs, {} .py files, {:.2} MB, \
             {module_edges} module edges, {spec_edges} spec edges",
            dir.display(),
            stats.modules,
            stats.files,
            stats.bytes as f64 / 1e6
        );
        drop(p);

        let mut g = c.benchmark_group(format!("discovery/{n}x{SPECS}"));
        // Flat: a 10,000-module cold load takes seconds; linear sampling
        // would run it 55+ times even at `--sample-size 10`.
        g.sampling_mode(SamplingMode::Flat);
        g.throughput(Throughput::Bytes(stats.bytes));
        g.bench_function("load_cold", |b| {
            b.iter_batched(
                || clear_cache(&dir),
                |()| load(&dir),
                BatchSize::PerIteration,
            )
        });
        load(&dir); // leave a cache behind for the warm runs
        g.bench_function("load_warm", |b| b.iter_with_large_drop(|| load(&dir)));
        g.bench_function("read_and_hash", |b| {
            b.iter(|| assert_eq!(synth::read_and_hash(&dir).0, stats.files))
        });
        g.finish();
    }
}

/// Best of `runs` (wall, process CPU) times of `f`, with `before` run
/// untimed each time. CPU time matters on a shared machine: wall time
/// there includes waiting for a core.
fn best_of(runs: usize, mut before: impl FnMut(), mut f: impl FnMut()) -> (Duration, Duration) {
    let mut best = (Duration::MAX, Duration::MAX);
    for _ in 0..runs {
        before();
        let (t, cpu) = (Instant::now(), proc_cpu());
        f();
        best.0 = best.0.min(t.elapsed());
        best.1 = best.1.min(proc_cpu() - cpu);
    }
    best
}

fn wall_cpu((wall, cpu): (Duration, Duration)) -> String {
    format!("{:>9} wall {:>9} CPU", ms(wall), ms(cpu))
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

/// Times the phases of `Project::load` through the same public functions it
/// calls, to show where the time goes (src/ is not instrumented). Graph
/// phases include dropping the graph they build.
fn report_phases(modules: usize) {
    let (dir, _) = project(modules);
    let config = Config::load(Locate::Root(&dir)).expect("config");
    let opts = GraphOptions { infer_deps: true };
    let noop = || {};
    println!(
        "\nphases, {modules} modules (best of 3, CPU in 10 ms ticks; /proc/loadavg {}):",
        loadavg().trim()
    );
    let cfg = best_of(3, noop, || {
        Config::load(Locate::Root(&dir)).expect("config");
    });
    println!("  config load:                 {}", wall_cpu(cfg));
    let cold = best_of(
        3,
        || clear_cache(&dir),
        || {
            discover::discover_all(&config, false).expect("discover");
        },
    );
    println!("  discover_all, cold cache:    {}", wall_cpu(cold));
    let warm = best_of(3, noop, || {
        discover::discover_all(&config, false).expect("discover");
    });
    println!("  discover_all, warm cache:    {}", wall_cpu(warm));
    let cache_load = best_of(3, noop, || {
        ParseCache::load(&config.state_dir());
    });
    let cache_bytes =
        std::fs::metadata(config.state_dir().join("cache/parse-v1.bin")).map_or(0, |m| m.len());
    println!(
        "    of which ParseCache::load: {} ({:.1} MB file)",
        wall_cpu(cache_load),
        cache_bytes as f64 / 1e6
    );
    // Cold cost split: tree-sitter alone vs jaunt's whole summary, on one
    // thread, so the numbers are per-core work rather than wall time.
    let sources: Vec<String> = synth::py_files(&dir)
        .map(|p| std::fs::read_to_string(p).expect("read"))
        .collect();
    let mut parser = tree_sitter::Parser::new();
    parser
        .set_language(&tree_sitter_python::LANGUAGE.into())
        .expect("python grammar");
    let parse_only = best_of(1, noop, || {
        for src in &sources {
            std::hint::black_box(parser.parse(src, None));
        }
    });
    println!("  tree-sitter parse, 1 thread: {}", wall_cpu(parse_only));
    let summarize = best_of(1, noop, || {
        for src in &sources {
            std::hint::black_box(jaunt::python::summarize(src));
        }
    });
    println!("  python::summarize, 1 thread: {}", wall_cpu(summarize));
    let d = discover::discover_all(&config, false).expect("discover");
    let check = best_of(3, noop, || d.check().expect("no problems"));
    println!("  discovery.check:             {}", wall_cpu(check));
    let graphs = best_of(3, noop, || {
        SpecGraph::build_all(&d, opts, opts);
    });
    println!("  SpecGraph::build_all:        {}", wall_cpu(graphs));
    let (g, _) = SpecGraph::build_all(&d, opts, opts);
    let cycles = best_of(3, noop, || g.check_cycles().expect("acyclic"));
    println!("  check_cycles (build):        {}", wall_cpu(cycles));
    let dropping = (0..3)
        .map(|_| {
            let p = load(&dir);
            let t = Instant::now();
            drop(p);
            t.elapsed()
        })
        .min()
        .expect("runs");
    println!("  drop(Project) (not timed):   {}", ms(dropping));
}

/// One load, measured from the inside of a fresh process.
struct OneShot {
    /// kB resident before the load (binary, allocator, runtime).
    rss_before_kb: u64,
    /// Peak resident kB of the process (`VmHWM`).
    peak_kb: u64,
    wall: Duration,
    /// User + system CPU time of the load, all threads.
    cpu: Duration,
}

/// Runs one load in a child process (this binary, re-executed with
/// [`CHILD_ENV`]). A separate process, because a peak high-water mark
/// cannot be reset within one; Linux-only (`/proc/self`). CPU time is
/// reported too: on a shared machine it is steadier than wall time.
fn one_shot(mode: &str, dir: &Path) -> OneShot {
    one_shot_of(&std::env::current_exe().expect("current exe"), mode, dir)
}

/// [`one_shot`] by the bench binary `exe`, of this build or another: the
/// child's protocol (environment in, four numbers out) is the same since
/// the one-shot loads were added.
fn one_shot_of(exe: &Path, mode: &str, dir: &Path) -> OneShot {
    let out = Command::new(exe)
        .env(CHILD_ENV, format!("{mode} {}", dir.display()))
        .output()
        .expect("spawn child");
    assert!(out.status.success(), "child failed: {out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    let n: Vec<u64> = text
        .split_whitespace()
        .map(|n| n.parse().expect("number"))
        .collect();
    OneShot {
        rss_before_kb: n[0],
        peak_kb: n[1],
        wall: Duration::from_micros(n[2]),
        cpu: Duration::from_micros(n[3]),
    }
}

fn proc_status_kb(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("field in /proc/self/status")
}

/// User + system CPU time of this process so far, from `/proc/self/stat`
/// (in USER_HZ ticks, 100 per second on Linux).
fn proc_cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").expect("/proc/self/stat");
    let after_comm = &stat[stat.rfind(')').expect("comm") + 1..];
    let f: Vec<u64> = after_comm
        .split_whitespace()
        .skip(11)
        .take(2)
        .map(|t| t.parse().expect("ticks"))
        .collect();
    Duration::from_millis((f[0] + f[1]) * 10)
}

fn one_shot_child(spec: &str) {
    let (mode, dir) = spec.split_once(' ').expect("mode and dir");
    let dir = Path::new(dir);
    if mode == "cold" {
        clear_cache(dir);
    }
    let before = proc_status_kb("VmRSS:");
    let cpu = proc_cpu();
    let t = Instant::now();
    let p = load(dir);
    let wall = t.elapsed();
    let cpu = proc_cpu() - cpu;
    std::hint::black_box(&p);
    println!(
        "{before} {} {} {}",
        proc_status_kb("VmHWM:"),
        wall.as_micros(),
        cpu.as_micros()
    );
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg").unwrap_or_default()
}

fn report_one_shots(modules: usize) {
    let (dir, _) = project(modules);
    println!(
        "
one-shot loads, {modules} modules (child process; /proc/loadavg {}):",
        loadavg().trim()
    );
    for mode in ["cold", "warm"] {
        if mode == "warm" {
            load(&dir); // the cold child left a cache, but do not rely on it
        }
        let s = one_shot(mode, &dir);
        println!(
            "  {mode}: wall {}, CPU {}, peak RSS {:.1} MB (RSS before the load {:.1} MB)",
            ms(s.wall),
            ms(s.cpu),
            s.peak_kb as f64 / 1024.0,
            s.rss_before_kb as f64 / 1024.0
        );
    }
}

/// Cold one-shot loads of another build's bench binary and of this one,
/// alternating so that both meet the same machine (on a shared VM its
/// speed drifts within minutes), each after `.jaunt/cache` is removed whole
/// (the builds' caches may differ in layout). Prints median wall and CPU
/// time and the highest peak RSS of each.
fn report_against(other: &Path, modules: usize) {
    let (dir, _) = project(modules);
    let runs = if modules >= 10_000 { 3 } else { 11 };
    let builds = [
        other.to_path_buf(),
        std::env::current_exe().expect("current exe"),
    ];
    let mut shots: [Vec<OneShot>; 2] = [Vec::new(), Vec::new()];
    for _ in 0..runs {
        for (exe, of_build) in builds.iter().zip(shots.iter_mut()) {
            match std::fs::remove_dir_all(dir.join(".jaunt/cache")) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => panic!("remove .jaunt/cache: {e}"),
            }
            of_build.push(one_shot_of(exe, "cold", &dir));
        }
    }
    println!(
        "\ncold one-shot loads against {}, {modules} modules, {runs} runs each, alternating (/proc/loadavg {}):",
        other.display(),
        loadavg().trim()
    );
    for (name, of_build) in ["that build", "this build"].iter().zip(shots.iter_mut()) {
        let median = |key: fn(&OneShot) -> Duration, of_build: &mut Vec<OneShot>| {
            of_build.sort_by_key(key);
            key(&of_build[of_build.len() / 2])
        };
        let wall = median(|s| s.wall, of_build);
        let cpu = median(|s| s.cpu, of_build);
        let peak = of_build.iter().map(|s| s.peak_kb).max().expect("runs");
        println!(
            "  {name}: median wall {}, CPU {}, peak RSS {:.1} MB",
            ms(wall),
            ms(cpu),
            peak as f64 / 1024.0
        );
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    targets = discovery
}

fn main() {
    if let Ok(spec) = std::env::var(CHILD_ENV) {
        one_shot_child(&spec);
        return;
    }
    benches();
    if bench_mode() && std::env::var("JAUNT_BENCH_EXTRAS").as_deref() != Ok("0") {
        for &n in sizes() {
            report_phases(n);
            report_one_shots(n);
        }
    }
    if bench_mode()
        && let Some(other) = std::env::var_os("JAUNT_BENCH_AGAINST")
    {
        for &n in sizes() {
            report_against(Path::new(&other), n);
        }
    }
    Criterion::default().configure_from_args().final_summary();
}
