//! Shared harness for integration tests: fixture projects in temporary
//! directories, and the real `jaunt` binary run on them.
#![allow(dead_code)]

pub mod http;

use assert_cmd::Command;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// A throwaway project directory with its own store and generator log.
pub struct Fixture {
    pub dir: tempfile::TempDir,
    pub store: PathBuf,
}

/// The fake generator test double (tests/support/fake_generator.py).
pub fn fake_generator() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/fake_generator.py")
}

impl Fixture {
    pub fn new() -> Fixture {
        Fixture::in_dir(tempfile::tempdir().expect("tempdir"))
    }

    /// A fixture whose directory name starts with `prefix`, so that output
    /// listing several projects by path has a stable order.
    pub fn named(prefix: &str) -> Fixture {
        let dir = tempfile::Builder::new().prefix(prefix).tempdir();
        Fixture::in_dir(dir.expect("tempdir"))
    }

    fn in_dir(dir: tempfile::TempDir) -> Fixture {
        let store = dir.path().join(".store");
        Fixture { dir, store }
    }

    /// A project whose `jaunt.toml` uses the fake generator through the
    /// `command` backend.
    pub fn with_fake_generator() -> Fixture {
        Fixture::new().use_fake_generator()
    }

    /// Adds `test_roots = ["tests"]` to a `jaunt.toml` written by
    /// [`Fixture::use_fake_generator`].
    pub fn with_test_roots(self) -> Fixture {
        let toml = self.read("jaunt.toml").replace(
            "source_roots = [\"src\"]",
            "source_roots = [\"src\"]\ntest_roots = [\"tests\"]",
        );
        assert!(
            toml.contains("test_roots"),
            "no source_roots line to extend"
        );
        self.write("jaunt.toml", &toml);
        self
    }

    /// Writes a `jaunt.toml` that uses the fake generator through the
    /// `command` backend.
    pub fn use_fake_generator(self) -> Fixture {
        let f = self;
        f.write(
            "jaunt.toml",
            &format!(
                "version = 1\n\n[paths]\nsource_roots = [\"src\"]\n\n[llm]\nprovider = \"command\"\ncommand = [\"python3\", {:?}]\n",
                fake_generator().display().to_string()
            ),
        );
        std::fs::create_dir_all(f.path("src")).unwrap();
        f
    }

    /// The smallest project: package `pkg` with one spec module, `pkg.m`,
    /// whose one function spec `f` doubles.
    pub fn add_one_module(&self) {
        self.write("src/pkg/__init__.py", "").write(
            "src/pkg/m.py",
            "import jaunt\n\n@jaunt.magic\ndef f(x: int) -> int:\n    'Double.'\n",
        );
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn write(&self, rel: &str, text: &str) -> &Fixture {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
        self
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path(rel)).unwrap_or_else(|e| panic!("reading {rel}: {e}"))
    }

    pub fn exists(&self, rel: &str) -> bool {
        self.path(rel).exists()
    }

    /// The user-level configuration directory jaunt reads in tests (empty
    /// unless a test writes `config.toml` there): never the developer's own.
    pub fn user_config_home(&self) -> PathBuf {
        self.path(".user-config")
    }

    /// Lets `host` (`name:port`) receive the user's credentials.
    pub fn allow_host(&self, host: &str) {
        self.write(
            ".user-config/config.toml",
            &format!("[credentials]\nallowed_hosts = [{host:?}]\n"),
        );
    }

    /// The log of requests the fake generator saw.
    pub fn log(&self) -> PathBuf {
        self.path(".fake-gen.log")
    }

    /// Requests the fake generator received, in order.
    pub fn requests(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(self.log())
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    pub fn clear_log(&self) {
        let _ = std::fs::remove_file(self.log());
    }

    /// `jaunt` in the project root, with an isolated store, no color, and
    /// no activated virtualenv (library skills read the project's own).
    pub fn jaunt(&self) -> Command {
        Command::from_std(self.std_jaunt())
    }

    /// [`Fixture::jaunt`] as a `std::process::Command`, for what only it
    /// offers (`pre_exec`).
    pub fn std_jaunt(&self) -> std::process::Command {
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin!("jaunt"));
        cmd.current_dir(self.root())
            .env("JAUNT_STORE", &self.store)
            .env("FAKE_GEN_LOG", self.log())
            .env("JAUNT_CONFIG_HOME", self.user_config_home())
            .env("NO_COLOR", "1")
            .env_remove("JAUNT_REMOTE_STORE")
            .env_remove("VIRTUAL_ENV")
            .arg("--color=never");
        cmd
    }

    /// Runs jaunt and returns (exit code, stdout, stderr).
    pub fn run(&self, args: &[&str]) -> (i32, String, String) {
        let out = self.jaunt().args(args).output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// Runs jaunt, asserting the exit code, and returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let (code, out, err) = self.run(args);
        assert_eq!(
            code, 0,
            "jaunt {args:?} failed\nstdout:\n{out}\nstderr:\n{err}"
        );
        out
    }

    /// Runs jaunt like [`Fixture::ok`], asserting that it answered without
    /// loading the project: the parse cache, removed first, is not written
    /// again.
    pub fn ok_without_loading(&self, args: &[&str]) -> String {
        let parse_cache = self.path(".jaunt/cache/parse-v1.bin");
        let _ = std::fs::remove_file(&parse_cache);
        let out = self.ok(args);
        assert!(
            !parse_cache.exists(),
            "`jaunt {}` loaded the whole project (walked and parsed again)",
            args.join(" ")
        );
        out
    }

    /// Installs the runtime this binary carries into `rt/` (`jaunt runtime
    /// install`) and runs `python3 -c code` with it and the project-relative
    /// `paths` on `PYTHONPATH`, asserting success; returns stdout.
    pub fn python_with_runtime(&self, code: &str, paths: &[&str]) -> String {
        self.ok(&["runtime", "install", "--target", "rt"]);
        let path = std::iter::once("rt")
            .chain(paths.iter().copied())
            .map(|p| self.path(p).display().to_string())
            .collect::<Vec<_>>()
            .join(":");
        let out = std::process::Command::new("python3")
            .args(["-c", code])
            .env("PYTHONPATH", path)
            .env_remove("PYTHONHOME")
            .env_remove("JAUNT_GENERATED_DIR")
            .current_dir(self.root())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "python3 -c {code}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Runs jaunt expecting exit `code`, with `--json` output parsed.
    pub fn json_code(&self, args: &[&str], code: i32) -> serde_json::Value {
        let (got, out, err) = self.run(args);
        assert_eq!(got, code, "jaunt {args:?}\nstdout:\n{out}\nstderr:\n{err}");
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("bad JSON from {args:?}: {e}\n{out}"))
    }

    /// Runs jaunt with `--json` output parsed.
    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let out = self.ok(args);
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("bad JSON from {args:?}: {e}\n{out}"))
    }

    /// The refs `jaunt specs --json` lists, in its order, with `extra`
    /// arguments (`--module`, `--target`).
    pub fn spec_refs(&self, extra: &[&str]) -> Vec<String> {
        let mut args = vec!["specs", "--json"];
        args.extend_from_slice(extra);
        self.json(&args)["specs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["ref"].as_str().unwrap().to_string())
            .collect()
    }
}

/// The strings of a JSON array (module lists in reports), as a set.
pub fn names(v: &serde_json::Value) -> BTreeSet<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().to_string())
        .collect()
}

pub fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// Copies a directory tree, leaving out entries named in `skip`.
pub fn copy_tree(from: &Path, to: &Path, skip: &[&str]) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if skip.contains(&name.as_str()) {
            continue;
        }
        let dest = to.join(&name);
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &dest, skip);
        } else {
            std::fs::copy(entry.path(), dest).unwrap();
        }
    }
}

/// Every file below `dir` (none when it does not exist).
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            if e.path().is_dir() {
                dirs.push(e.path());
            } else {
                files.push(e.path());
            }
        }
    }
    files
}
