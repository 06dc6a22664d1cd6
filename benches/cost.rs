//! What edits cost in model calls: runs the `jaunt` binary on synthetic
//! projects with the fake generator test double behaving like a model
//! (`FAKE_GEN_MIRROR`: implementations keep each spec's signature;
//! `FAKE_GEN_NOISE`: every answer has a random comment and a random private
//! helper, so no answer is the same bytes twice), and prints how many model
//! calls each kind of edit makes. docs/cost.md records the numbers.
//!
//! `cargo bench --bench cost` measures this build's binary; set `JAUNT_BIN`
//! to measure another one (an older release, for comparison). Set
//! `COST_SIZES` (default `60,1000`) to choose the project sizes, and
//! `COST_CONTEXT=source` to measure `[build] dependency_context = "source"`.
//!
//! The project: `pkg.m0` holds `root`, `shared` and `lonely`; module `i`
//! calls the spec of its parent module (`i - 1` in the 60-module chain, so
//! `m0` is an ancestor of every module; `(i - 1) / 2` in the 1,000-module
//! tree), and modules 1 to 5 also call `shared`. Nothing calls `lonely`.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let bin = std::env::var_os("JAUNT_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_jaunt")));
    let sizes: Vec<usize> = std::env::var("COST_SIZES")
        .unwrap_or_else(|_| "60,1000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let generator = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/fake_generator.py");
    println!("binary: {}", bin.display());
    println!("| modules | edit | model calls |");
    println!("|---|---|---|");
    for n in sizes {
        let parent = if n <= 100 { chain } else { tree };
        let project = Project::new(&bin, &generator, n, parent);
        let first = project.apply(&[]);
        println!("| {n} | first apply | {first} |");
        for (edit, source) in edits() {
            project.write_m0(&source);
            let calls = project.apply(&[]);
            println!("| {n} | {edit} | {calls} |");
        }
        project.write_m0(&m0("x: int", "Lonely."));
        project.apply(&[]);
        let forced = project.apply(&["--force", "--target", "pkg.m0"]);
        println!("| {n} | `apply --force --target pkg.m0` | {forced} |");
        let after = project.apply(&[]);
        println!("| {n} | then `apply` (the rest of the project) | {after} |");
    }
}

fn chain(i: usize) -> usize {
    i - 1
}

fn tree(i: usize) -> usize {
    (i - 1) / 2
}

/// Each edit, and the `pkg.m0` source it leaves.
fn edits() -> Vec<(&'static str, String)> {
    vec![
        (
            "docstring of `lonely` (used by nothing)",
            m0("x: int", "Lonely, and says so."),
        ),
        (
            "new parameter on `lonely` (m0's interface changes)",
            m0("x: int, y: int = 0", "Lonely, and says so."),
        ),
        (
            "new parameter on `shared` (used by m1..m5)",
            m0("x: int, y: int = 0", "Lonely, and says so.").replace(
                "def shared(x: int) -> int:",
                "def shared(x: int, scale: int = 1) -> int:",
            ),
        ),
    ]
}

fn m0(lonely_params: &str, lonely_doc: &str) -> String {
    format!(
        "import jaunt\n\n\n@jaunt.magic\ndef root(x: int) -> int:\n    \"\"\"The root.\"\"\"\n\n\n@jaunt.magic\ndef shared(x: int) -> int:\n    \"\"\"Shared.\"\"\"\n\n\n@jaunt.magic\ndef lonely({lonely_params}) -> int:\n    \"\"\"{lonely_doc}\"\"\"\n"
    )
}

struct Project {
    dir: tempfile::TempDir,
    bin: PathBuf,
}

impl Project {
    fn new(bin: &Path, generator: &Path, n: usize, parent: fn(usize) -> usize) -> Project {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        let pkg = root.join("src/pkg");
        fs::create_dir_all(&pkg).expect("mkdir");
        fs::write(
            root.join("jaunt.toml"),
            format!(
                "version = 1\n\n[paths]\nsource_roots = [\"src\"]\n\n[llm]\nprovider = \"command\"\ncommand = [\"python3\", {:?}]\n\n[build]\njobs = 4\n",
                generator.display().to_string()
            ),
        )
        .expect("jaunt.toml");
        if let Ok(context) = std::env::var("COST_CONTEXT") {
            let mut config = fs::read_to_string(root.join("jaunt.toml")).expect("jaunt.toml");
            let _ = writeln!(config, "dependency_context = {context:?}");
            fs::write(root.join("jaunt.toml"), config).expect("jaunt.toml");
        }
        fs::write(root.join(".env"), "FAKE_GEN_MIRROR=1\nFAKE_GEN_NOISE=1\n").expect(".env");
        fs::write(pkg.join("__init__.py"), "").expect("__init__");
        fs::write(pkg.join("m0.py"), m0("x: int", "Lonely.")).expect("m0");
        for i in 1..n {
            let p = parent(i);
            let mut src = String::from("import jaunt\n");
            let dep = if p == 0 {
                src.push_str("from pkg.m0 import root as f0\n");
                "f0".to_string()
            } else {
                let _ = writeln!(src, "from pkg.m{p} import f{p}");
                format!("f{p}")
            };
            let deps = if i <= 5 {
                src.push_str("from pkg.m0 import shared\n");
                format!("{dep}, shared")
            } else {
                dep
            };
            let _ = write!(
                src,
                "\n\n@jaunt.magic(deps=[{deps}])\ndef f{i}(x: int) -> int:\n    \"\"\"Step {i}: calls its dependencies.\"\"\"\n"
            );
            fs::write(pkg.join(format!("m{i}.py")), src).expect("module");
        }
        Project {
            dir,
            bin: bin.to_path_buf(),
        }
    }

    fn write_m0(&self, source: &str) {
        fs::write(self.dir.path().join("src/pkg/m0.py"), source).expect("m0");
    }

    /// Runs `apply --json`; returns its model calls.
    fn apply(&self, extra: &[&str]) -> u64 {
        let out = Command::new(&self.bin)
            .current_dir(self.dir.path())
            .env("JAUNT_STORE", self.dir.path().join(".store"))
            .env_remove("JAUNT_REMOTE_STORE")
            .args(["apply", "--json"])
            .args(extra)
            .output()
            .expect("run jaunt");
        assert!(
            out.status.success(),
            "jaunt apply failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
        report["model_calls"].as_u64().expect("model_calls")
    }
}
