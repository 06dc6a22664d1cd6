//! `jaunt doctor`: checks what building needs, before a build finds out,
//! and says how to fix each problem (docs/architecture.md, Doctor).
//!
//! Every check reads what the commands read, the way they read it: the
//! configuration through [`Config`], the model backend through
//! [`crate::generate::backend_from_config`], the store and the remote
//! through [`crate::ops::session`]. Only the store and the remote are
//! written to, with a probe.

use crate::config::{Config, Provider};
use crate::discover::cache::{self, Health, ParseCache};
use crate::error::{Diagnostic, JauntError};
use crate::genfile::DiskState;
use crate::lock::Lockfile;
use crate::ops::project::{LoadOptions, Project};
use crate::ops::runtime::install_command;
use crate::ops::session::{self, StoreUse};
use crate::store::Store;
use crate::stubfile::StubState;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

/// Every check, in the order they run and print.
pub const CHECKS: [&str; 7] = [
    "config",
    "runtime",
    "provider",
    "store",
    "remote",
    "generated",
    "parse_cache",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Fail,
    /// Not run: what it needs is missing (a valid configuration), or the
    /// command line left it out (`--no-remote`).
    Skip,
}

/// One check's outcome: a line for the user, and for a failure the fix.
#[derive(Clone, Debug, Serialize)]
pub struct Check {
    pub name: &'static str,
    pub status: Status,
    pub message: String,
    pub fix: Option<String>,
}

impl Check {
    fn ok(name: &'static str, message: impl Into<String>) -> Check {
        Check {
            name,
            status: Status::Ok,
            message: message.into(),
            fix: None,
        }
    }

    fn fail(name: &'static str, message: impl Into<String>, fix: impl Into<String>) -> Check {
        Check {
            name,
            status: Status::Fail,
            message: message.into(),
            fix: Some(fix.into()),
        }
    }

    fn skip(name: &'static str, message: impl Into<String>) -> Check {
        Check {
            name,
            status: Status::Skip,
            message: message.into(),
            fix: None,
        }
    }

    /// A failure reported as a jaunt error: its first problem, located,
    /// and that problem's hint as the fix.
    fn from_error(name: &'static str, err: &JauntError, fallback_fix: &str) -> Check {
        let diagnostics = err.diagnostics();
        let first = diagnostics
            .first()
            .map(Diagnostic::shown)
            .unwrap_or_else(|| Diagnostic::error(err.to_string()));
        let mut message = match (&first.file, first.line) {
            (Some(file), Some(line)) => format!("{}:{line}: {}", file.display(), first.message),
            (Some(file), None) => format!("{}: {}", file.display(), first.message),
            _ => first.message.clone(),
        };
        if diagnostics.len() > 1 {
            message.push_str(&format!(" (and {} more)", diagnostics.len() - 1));
        }
        let fix = first.hint.clone().unwrap_or_else(|| fallback_fix.into());
        Check::fail(name, message, fix)
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct DoctorReport {
    /// No check failed.
    pub ok: bool,
    pub checks: Vec<Check>,
}

/// What the command line decides.
#[derive(Clone, Debug, Default)]
pub struct DoctorOptions {
    pub load: LoadOptions,
    /// `--no-remote`: the remote is not contacted.
    pub no_remote: bool,
}

/// Runs every check. Checks after the first need a configuration, and are
/// skipped without one.
pub fn doctor(opts: &DoctorOptions) -> DoctorReport {
    let config = Project::load_config(&opts.load);
    let mut checks = vec![check_config(&config)];
    match &config {
        Ok(config) => {
            checks.push(check_runtime(config));
            checks.push(check_provider(config));
            checks.push(check_store(config));
            checks.push(check_remote(config, opts.no_remote));
            checks.push(check_generated(config));
            checks.push(check_parse_cache(config));
        }
        Err(_) => checks.extend(
            CHECKS[1..]
                .iter()
                .map(|name| Check::skip(name, "needs a valid configuration")),
        ),
    }
    DoctorReport {
        ok: checks.iter().all(|c| c.status != Status::Fail),
        checks,
    }
}

/// The configuration reads, and so do the prompt templates it names.
fn check_config(config: &Result<Config, JauntError>) -> Check {
    const NAME: &str = "config";
    let config = match config {
        Ok(config) => config,
        Err(e) => return Check::from_error(NAME, e, "fix the configuration, or run `jaunt init`"),
    };
    if let Err(e) = crate::generate::Prompts::load(config) {
        return Check::from_error(
            NAME,
            &e,
            "fix the template file or its path under [prompts]",
        );
    }
    let mut message = format!(
        "{} is valid: provider {}, model {}",
        shown(&config.file).display(),
        config.llm.provider,
        config.llm.model
    );
    if !config.notes.is_empty() {
        message.push_str(&format!(
            "; {} Jaunt 1.7 key(s) have no effect (`jaunt -v plan` lists them)",
            config.notes.len()
        ));
    }
    Check::ok(NAME, message)
}

/// What the project's Python says of `import jaunt`, as one JSON line.
const RUNTIME_PROBE: &str = r#"
import json
try:
    import jaunt
except Exception as e:
    print(json.dumps({"error": type(e).__name__ + ": " + str(e)}))
else:
    try:
        import importlib.metadata as m
        dists = m.packages_distributions().get("jaunt", [])
    except Exception:
        dists = []
    print(json.dumps({"version": str(getattr(jaunt, "__version__", "")),
                      "file": str(getattr(jaunt, "__file__", "")),
                      "dists": dists}))
"#;

/// How long the project's Python may take to import the runtime.
const PYTHON_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(serde::Deserialize)]
struct RuntimeProbe {
    error: Option<String>,
    version: Option<String>,
    file: Option<String>,
    #[serde(default)]
    dists: Vec<String>,
}

/// The runtime imports in the project's Python (the one `jaunt test`
/// runs), and is this binary's major and minor version.
fn check_runtime(config: &Config) -> Check {
    const NAME: &str = "runtime";
    let python = crate::ops::test::interpreter(config);
    let shown = python.display();
    let where_fix = "activate the project's virtualenv, create .venv in the project, or set `interpreter` under [python]";
    let output = match run_python(&python, &config.root) {
        Ok(output) => output,
        Err(why) => return Check::fail(NAME, format!("cannot run {shown}: {why}"), where_fix),
    };
    let probe: Option<RuntimeProbe> = output
        .lines()
        .last()
        .and_then(|line| serde_json::from_str(line).ok());
    let Some(probe) = probe else {
        return Check::fail(
            NAME,
            format!("{shown} did not answer whether it can import jaunt"),
            where_fix,
        );
    };
    let install = format!(
        "{} in that environment (or `jaunt runtime install --target DIR` and put DIR on PYTHONPATH)",
        install_command()
    );
    if let Some(error) = probe.error {
        return Check::fail(
            NAME,
            format!("{shown} cannot import jaunt ({error})"),
            install,
        );
    }
    let version = probe.version.unwrap_or_default();
    let file = probe.file.unwrap_or_default();
    let ours = env!("CARGO_PKG_VERSION");
    if !compatible(&version, ours) {
        // PyPI's `jaunt` is Jaunt 1.7; a runtime of this jaunt's series
        // installed from ./python before its rename also says `jaunt`.
        if probe.dists.iter().any(|d| d == "jaunt") {
            return Check::fail(
                NAME,
                format!(
                    "{shown} imports Jaunt 1.7's runtime (PyPI's `jaunt` {version}, {file}), not this jaunt's {ours}"
                ),
                format!("pip uninstall jaunt, then {install}"),
            );
        }
        return Check::fail(
            NAME,
            format!("{shown} imports runtime {version} ({file}); this jaunt is {ours}"),
            install,
        );
    }
    Check::ok(NAME, format!("{shown} imports jaunt {version} from {file}"))
}

/// Runs the runtime probe, bounded in time; stdout on success.
fn run_python(python: &Path, root: &Path) -> Result<String, String> {
    use wait_timeout::ChildExt;
    let mut child = Command::new(python)
        .args(["-c", RUNTIME_PROBE])
        .current_dir(root)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| e.to_string())?;
    match child
        .wait_timeout(PYTHON_TIMEOUT)
        .map_err(|e| e.to_string())?
    {
        Some(_) => {}
        None => {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("no answer within {}s", PYTHON_TIMEOUT.as_secs()));
        }
    }
    let mut out = String::new();
    if let Some(mut stdout) = child.stdout.take() {
        use std::io::Read;
        stdout.read_to_string(&mut out).map_err(|e| e.to_string())?;
    }
    Ok(out)
}

/// Same major and minor version: the runtime and the binary agree on the
/// generated-module layout within a minor series.
fn compatible(runtime: &str, binary: &str) -> bool {
    let major_minor = |v: &str| {
        let mut parts = v.split('.');
        (
            parts.next().map(str::to_owned),
            parts.next().map(str::to_owned),
        )
    };
    let (a, b) = (major_minor(runtime), major_minor(binary));
    a.0.is_some() && a.1.is_some() && a == b
}

/// The model backend can be set up as `apply` sets it up: its API key is
/// present (never shown), or the `command` program is found.
fn check_provider(config: &Config) -> Check {
    const NAME: &str = "provider";
    if let Err(e) = crate::generate::backend_from_config(config) {
        return Check::from_error(NAME, &e, "fix [llm] in the configuration");
    }
    let llm = &config.llm;
    match llm.provider {
        Provider::Command => {
            let program = &llm.command[0];
            let found = if program.contains('/') {
                Some(config.root.join(program)).filter(|p| p.is_file())
            } else {
                on_path(program)
            };
            match found {
                Some(path) => Check::ok(
                    NAME,
                    format!(
                        "the command backend runs {} (no API key needed)",
                        path.display()
                    ),
                ),
                None => Check::fail(
                    NAME,
                    format!("`{program}` (the first word of `llm.command`) is not found"),
                    if program.contains('/') {
                        "create it (the path is relative to the project root), or fix `command` under [llm]"
                    } else {
                        "install it, put its directory on PATH, or fix `command` under [llm]"
                    },
                ),
            }
        }
        Provider::OpenAi | Provider::Anthropic => {
            let env = llm.api_key_env.as_deref().unwrap_or_default();
            if std::env::var_os(env).is_some_and(|v| !v.is_empty()) {
                Check::ok(
                    NAME,
                    format!("{env} is set for the {} backend (not shown)", llm.provider),
                )
            } else {
                Check::ok(
                    NAME,
                    format!(
                        "{env} is not set; none is needed for `llm.base_url` = {}",
                        llm.base_url.as_deref().unwrap_or_default()
                    ),
                )
            }
        }
    }
}

/// A path as the user would type it: relative to the working directory
/// when inside it.
fn shown(path: &Path) -> PathBuf {
    std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| path.to_path_buf())
}

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// The local store takes a write, and how much it holds.
fn check_store(config: &Config) -> Check {
    const NAME: &str = "store";
    let store = Store::open(session::store_root(config));
    let root = store.root().display();
    if let Err(e) = store.check_writable() {
        return Check::fail(
            NAME,
            format!("the store {root} is not writable: {e}"),
            "make it writable, or point $JAUNT_STORE (or `path` under [store]) at a writable directory",
        );
    }
    match store.stats() {
        Ok(s) => Check::ok(
            NAME,
            format!(
                "{root} is writable: {} artifact(s), {} action entr{}, {} bytes",
                s.artifacts,
                s.actions,
                if s.actions == 1 { "y" } else { "ies" },
                s.bytes_stored
            ),
        ),
        Err(e) => Check::fail(
            NAME,
            format!("the store {root} cannot be listed: {e}"),
            "check its permissions, or run `jaunt store verify`",
        ),
    }
}

/// The remote answers and, unless `remote_write = false`, takes a write.
fn check_remote(config: &Config, no_remote: bool) -> Check {
    const NAME: &str = "remote";
    if no_remote {
        return Check::skip(NAME, "left out (--no-remote)");
    }
    if session::remote_url(config).is_none() {
        return Check::ok(NAME, "no remote store configured (the local store only)");
    }
    let store = match session::open_store(config, None, StoreUse::default()) {
        Ok(store) => store,
        Err(e) => return Check::from_error(NAME, &e, "fix [store] remote or $JAUNT_REMOTE_STORE"),
    };
    let Some(remote) = store.remote() else {
        return Check::ok(NAME, "no remote store configured (the local store only)");
    };
    let url = remote.url();
    let write = config.store.remote_write;
    let found = crate::store::probe::probe(remote, write);
    if let Err(why) = found.reachable {
        return Check::fail(
            NAME,
            format!("{url} is unreachable: {why}"),
            "check the URL ($JAUNT_REMOTE_STORE or `remote` under [store]) and the network, or build without it (--no-remote)",
        );
    }
    match found.writable {
        None => Check::ok(
            NAME,
            format!("{url} is reachable; read only (remote_write = false)"),
        ),
        Some(Ok(())) => Check::ok(NAME, format!("{url} is reachable and accepts writes")),
        Some(Err(why)) => Check::fail(
            NAME,
            format!("{url} is reachable but refused a write: {why}"),
            "give it a token that may write ($JAUNT_REMOTE_TOKEN, or the variable `remote_token_env` under [store] names), or set `remote_write = false` under [store] to only read",
        ),
    }
}

/// The files `jaunt.lock` records are on disk as jaunt wrote them: every
/// generated module intact with its entry's key and artifact, every stub
/// current and unedited.
fn check_generated(config: &Config) -> Check {
    const NAME: &str = "generated";
    let lock = match Lockfile::load(&config.lock_path()) {
        Ok(Some(lock)) => lock,
        Ok(None) => return Check::ok(NAME, "nothing generated yet (no jaunt.lock)"),
        Err(e) => {
            return Check::from_error(
                NAME,
                &e,
                "fix jaunt.lock, or delete it and run `jaunt apply`",
            );
        }
    };
    let mut problems: Vec<String> = Vec::new();
    let (mut foreign, mut legacy) = (false, false);
    let (mut files, mut stubs) = (0, 0);
    for m in &lock.modules {
        files += 1;
        let state = DiskState::read(&config.root.join(&m.output));
        let problem = match &state {
            s if s.matches(&m.inputs, &m.artifact) => None,
            DiskState::Missing => Some("missing"),
            DiskState::Edited(_) => Some("edited"),
            DiskState::Foreign => {
                foreign = true;
                Some("not written by jaunt")
            }
            DiskState::Intact(_) => Some("from another build than jaunt.lock records"),
            DiskState::Legacy(_) => {
                legacy = true;
                Some("written by Jaunt 1.7")
            }
        };
        if let Some(p) = problem {
            problems.push(format!("{} {p}", m.output));
        }
        let (Some(digest), Some(inputs)) = (m.stub, m.stub_inputs) else {
            continue;
        };
        stubs += 1;
        let stub = Path::new(&m.source).with_extension("pyi");
        let problem = match StubState::read(&config.root.join(&stub), &inputs) {
            StubState::Current(d) if d == digest => None,
            StubState::Current(_) => Some("edited"),
            StubState::Stale => Some("out of date"),
            StubState::Missing => Some("missing"),
            StubState::Foreign => Some("not written by jaunt"),
        };
        if let Some(p) = problem {
            problems.push(format!("{} {p}", stub.display()));
        }
    }
    if problems.is_empty() {
        return Check::ok(
            NAME,
            format!("{files} generated file(s) and {stubs} stub(s) match jaunt.lock"),
        );
    }
    const SHOWN: usize = 3;
    let mut message = problems[..problems.len().min(SHOWN)].join(", ");
    if problems.len() > SHOWN {
        message.push_str(&format!(" and {} more", problems.len() - SHOWN));
    }
    let mut fix = "run `jaunt apply`: it restores them from the store without a model call, keeping edited files in .jaunt/edited/".to_owned();
    if legacy {
        fix.push_str(
            "; to keep the files Jaunt 1.7 wrote without a model call, run `jaunt migrate` first",
        );
    }
    if foreign {
        fix.push_str("; move away the files jaunt did not write first, it never overwrites them");
    }
    Check::fail(NAME, message, fix)
}

/// The parse cache decodes and can be rewritten.
fn check_parse_cache(config: &Config) -> Check {
    const NAME: &str = "parse_cache";
    let state = config.state_dir();
    let dir = ParseCache::dir(&state);
    let shown = crate::fsutil::relative(&config.root, &dir);
    let message = match cache::health(&state) {
        Health::Absent => return Check::ok(NAME, "not written yet; the next command builds it"),
        Health::Unreadable(why) => {
            return Check::fail(
                NAME,
                format!("{shown} is unreadable ({why}): every command parses every file again"),
                "run `jaunt cache clear`",
            );
        }
        Health::OtherVersion => {
            "written by another jaunt version; the next command replaces it".to_owned()
        }
        Health::Healthy { entries } => format!("{entries} file(s) cached"),
    };
    match crate::fsutil::probe_writable(&dir) {
        Ok(()) => Check::ok(NAME, message),
        Err(e) => Check::fail(
            NAME,
            format!("{shown} is not writable ({e}): the cache cannot be kept up to date"),
            format!("make {shown} writable, or run `jaunt cache clear`"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runtime_versions_are_compatible_within_a_minor_series() {
        assert!(compatible("0.1.0", "0.1.0"));
        assert!(compatible("0.1.7", "0.1.0"));
        assert!(!compatible("0.2.0", "0.1.0"));
        assert!(!compatible("1.7.14", "0.1.0"));
        assert!(!compatible("", "0.1.0"));
        assert!(!compatible("0", "0"));
    }

    #[test]
    fn every_check_is_reported_once_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let report = doctor(&DoctorOptions {
            load: LoadOptions {
                root: Some(dir.path().to_path_buf()),
                ..LoadOptions::default()
            },
            no_remote: false,
        });
        let names: Vec<&str> = report.checks.iter().map(|c| c.name).collect();
        assert_eq!(names, CHECKS);
        assert!(!report.ok, "no configuration: {report:?}");
        assert_eq!(report.checks[0].status, Status::Fail);
        assert!(
            report.checks[0]
                .fix
                .as_deref()
                .unwrap()
                .contains("jaunt init")
        );
        assert!(report.checks[1..].iter().all(|c| c.status == Status::Skip));
    }
}
