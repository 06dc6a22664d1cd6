//! Parse time against the length of a run of comment lines.
//!
//! tree-sitter-python's external scanner, at each comment line of a run that
//! follows indented code, reads ahead over the rest of the run to find the
//! next line of code, which makes parsing quadratic in the run's length
//! (docs/performance.md, Parsing long comment runs). Each group here times
//! one kind of module, a few lines of code and then one run of 64-byte
//! comment lines, at growing sizes; criterion's throughput (bytes per second)
//! stays level when the time grows linearly.
//!
//! Groups `parse/{shape}`:
//! - `function`: the run is indented, after the last statement of a
//!   function body;
//! - `module`: the run is at column 0, after the same function;
//! - `class`: the run is indented, in a class body;
//! - `mixed`: after the same function, comment lines at columns 4, 0 and 8
//!   in turn.
//!
//! `summarize` is what discovery runs on a spec file; `validate` is what a
//! generator's answer goes through. In `--bench` mode a table of the CPU
//! time of `summarize` per shape and size follows (a filter that matches no
//! benchmark prints only the table). Without `--bench` (`cargo test
//! --benches`) only the smallest size runs, once.

use criterion::{Criterion, SamplingMode, Throughput, criterion_group};
use std::time::Duration;

const KIB: usize = 1024;

fn bench_mode() -> bool {
    let args: Vec<String> = std::env::args().collect();
    args.iter().any(|a| a == "--bench") && !args.iter().any(|a| a == "--list")
}

/// Module sizes, up to `PARSE_BENCH_MAX_KIB` if set: a build that parses
/// comment runs in quadratic time takes minutes at 1 MiB.
fn sizes() -> Vec<usize> {
    let all: &[usize] = if bench_mode() {
        &[64 * KIB, 256 * KIB, 1024 * KIB, 4096 * KIB]
    } else {
        &[64 * KIB]
    };
    let max = std::env::var("PARSE_BENCH_MAX_KIB")
        .ok()
        .and_then(|kib| kib.parse::<usize>().ok())
        .map_or(usize::MAX, |kib| kib * KIB);
    all.iter().copied().filter(|&size| size <= max).collect()
}

/// A spec module of about `size` bytes: `head`, then 64-byte comment lines
/// indented by each of `indents` in turn.
fn module(head: &str, indents: &[&str], size: usize) -> String {
    let lines: Vec<String> = indents
        .iter()
        .map(|indent| {
            format!(
                "{indent}# {:-<width$}\n",
                "comment ",
                width = 61 - indent.len()
            )
        })
        .collect();
    let mut source = String::with_capacity(size + 64);
    source.push_str(head);
    for line in lines.iter().cycle() {
        if source.len() >= size {
            break;
        }
        source.push_str(line);
    }
    source
}

const FUNCTION: &str = "import jaunt\n\n\n@jaunt.magic\ndef f(x: int) -> int:\n    \"\"\"Doubles x.\"\"\"\n    y = x * 2\n";
const CLASS: &str =
    "import jaunt\n\n\n@jaunt.magic\nclass C:\n    \"\"\"A point.\"\"\"\n\n    x: int\n";

const SHAPES: [(&str, &str, &[&str]); 4] = [
    ("function", FUNCTION, &["    "]),
    ("module", FUNCTION, &[""]),
    ("class", CLASS, &["    "]),
    ("mixed", FUNCTION, &["    ", "", "        "]),
];

fn parse(c: &mut Criterion) {
    for (shape, head, indents) in SHAPES {
        let mut g = c.benchmark_group(format!("parse/{shape}"));
        // Flat: unmasked, one 1 MiB parse took over a minute.
        g.sampling_mode(SamplingMode::Flat);
        for &size in &sizes() {
            let source = module(head, indents, size);
            let summary = jaunt::python::summarize(&source);
            assert_eq!(summary.specs.len(), 1, "{shape}: the spec is found");
            assert!(summary.diagnostics.is_empty(), "{shape}: parses cleanly");
            g.throughput(Throughput::Bytes(source.len() as u64));
            let id = format!("{} KiB", size / KIB);
            g.bench_function(format!("summarize/{id}"), |b| {
                b.iter(|| jaunt::python::summarize(&source))
            });
            if shape == "function" {
                g.bench_function(format!("validate/{id}"), |b| {
                    b.iter(|| jaunt::python::validate(&source, &["f".to_string()], &[]))
                });
            }
        }
        g.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = parse
}

/// Time this thread has run, from `/proc/thread-self/schedstat` (Linux):
/// on a shared machine, steadier than wall time, which includes waiting
/// for a core.
fn thread_cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").expect("schedstat");
    let ns = stat
        .split_whitespace()
        .next()
        .and_then(|ns| ns.parse().ok())
        .expect("run time in ns");
    Duration::from_nanos(ns)
}

/// The CPU time of one `summarize` per shape and size, best of 3 batches,
/// as a table: time per MiB stays level when parsing is linear.
fn report_cpu() {
    let loadavg = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "\nsummarize, CPU time of one call, best of 3 batches (/proc/loadavg {}):",
        loadavg.trim()
    );
    println!("| shape | size | CPU | CPU per MiB |");
    println!("|---|---|---|---|");
    for (shape, head, indents) in SHAPES {
        for &size in &sizes() {
            let source = module(head, indents, size);
            // Run time is accounted at scheduler ticks: batches of 200 ms
            // or more make a tick a small part of what is measured.
            let best = (0..3)
                .map(|_| {
                    let start = thread_cpu();
                    let mut calls = 0;
                    while calls == 0 || thread_cpu() - start < Duration::from_millis(200) {
                        std::hint::black_box(jaunt::python::summarize(&source));
                        calls += 1;
                    }
                    (thread_cpu() - start) / calls
                })
                .min()
                .expect("three runs");
            let per_mib = best.as_secs_f64() * 1e3 * (1 << 20) as f64 / source.len() as f64;
            println!(
                "| {shape} | {} KiB | {:.1} ms | {per_mib:.1} ms |",
                size / KIB,
                best.as_secs_f64() * 1e3
            );
        }
    }
}

fn main() {
    benches();
    if bench_mode() {
        report_cpu();
    }
    Criterion::default().configure_from_args().final_summary();
}
