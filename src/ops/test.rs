//! `jaunt test`: build, generate the test modules, run pytest on them.

use crate::config::Config;
use crate::error::{Diagnostic, JauntError, Result};
use crate::genfile;
use crate::names::SpecKind;
use crate::ops::project::Project;
use crate::ops::runtime;
use std::path::PathBuf;
use std::process::Command;

/// The project's Python: `[python] interpreter`, else the active or local
/// virtual environment, else `python3`.
pub fn interpreter(config: &Config) -> PathBuf {
    if let Some(i) = &config.python.interpreter {
        let p = PathBuf::from(i);
        return if p.components().count() > 1 {
            config.root.join(p)
        } else {
            p
        };
    }
    if let Some(venv) = std::env::var_os("VIRTUAL_ENV").filter(|v| !v.is_empty()) {
        return PathBuf::from(venv).join("bin/python");
    }
    let local = config.root.join(".venv/bin/python");
    if local.exists() {
        return local;
    }
    PathBuf::from("python3")
}

/// The generated test files, for pytest.
pub fn test_files(project: &Project) -> Vec<PathBuf> {
    let dir = &project.config.paths.generated_dir;
    project
        .graph(SpecKind::Test)
        .modules
        .values()
        .map(|m| genfile::output_path(m, dir))
        .filter(|p| p.exists())
        .collect()
}

/// Runs pytest on the generated test files with every root's import base
/// (a root that is a package is imported from its parent) and the project
/// root importable and `JAUNT_GENERATED_DIR` set. Output passes
/// through. Returns whether pytest passed.
pub fn run_pytest(project: &Project, files: &[PathBuf], extra_args: &[String]) -> Result<bool> {
    let status = pytest_command(project, files, extra_args, &[])?
        .status()
        .map_err(|e| cannot_run_pytest(project, &e))?;
    Ok(status.success())
}

/// pytest could not be started with the project's Python.
pub fn cannot_run_pytest(project: &Project, e: &std::io::Error) -> JauntError {
    let python = interpreter(&project.config);
    JauntError::from(
        Diagnostic::error(format!("cannot run pytest with {}: {e}", python.display()))
            .hint("install pytest in the project's Python, or set [python] interpreter"),
    )
}

/// The pytest command [`run_pytest`] runs, for callers that capture its
/// output; `first` goes on `PYTHONPATH` before the project's import bases
/// (a mutated copy, for `--strength`).
pub fn pytest_command(
    project: &Project,
    files: &[PathBuf],
    extra_args: &[String],
    first: &[PathBuf],
) -> Result<Command> {
    let config = &project.config;
    let python = interpreter(config);
    let mut path: Vec<PathBuf> = first.to_vec();
    path.extend(crate::discover::import_bases(config));
    if !path.contains(&config.root) {
        path.push(config.root.clone());
    }
    let has_runtime = Command::new(&python)
        .args(["-c", "import jaunt"])
        .current_dir(&config.root)
        .env(
            "PYTHONPATH",
            std::env::join_paths(&path).unwrap_or_default(),
        )
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_runtime {
        let dir = config.state_dir().join("runtime");
        runtime::install(&dir)?;
        path.push(dir);
    }
    if let Some(existing) = std::env::var_os("PYTHONPATH") {
        path.extend(std::env::split_paths(&existing));
    }
    let mut args: Vec<String> = config.test.pytest_args.clone();
    args.extend_from_slice(extra_args);
    let mut command = Command::new(&python);
    command
        .args(["-m", "pytest"])
        .args(&args)
        .args(files)
        .current_dir(&config.root)
        .env(
            "PYTHONPATH",
            std::env::join_paths(&path)
                .map_err(|e| JauntError::other(format!("PYTHONPATH: {e}")))?,
        )
        .env("JAUNT_GENERATED_DIR", &config.paths.generated_dir);
    Ok(command)
}
