//! The `command` backend: a program that reads one JSON request on stdin
//! and prints the module source on stdout (docs/architecture.md, Generator
//! backends).
//! This is how coding-agent CLIs plug in, and how tests run offline.
//! Skill requests go the same way, marked `"kind": "skill"`.

use super::{GenError, Generator, Output, SkillRequest, WireRequest};
use crate::config::{Config, Provider};
use crate::error::{Diagnostic, JauntError};
use std::io::{ErrorKind, Read, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::thread::{self, JoinHandle};
use std::time::Duration;
use wait_timeout::ChildExt;

/// How many lines of the program's stderr a failure shows.
const STDERR_TAIL_LINES: usize = 20;

/// Runs `[llm] command` once per request.
#[derive(Clone, Debug)]
pub struct CommandBackend {
    /// The program as configured, for messages.
    name: String,
    /// The program to run: a path with `/` resolved against the root,
    /// otherwise the bare name, found on PATH.
    program: PathBuf,
    args: Vec<String>,
    root: PathBuf,
    model: String,
    timeout: Duration,
    /// The most an answer may be (`[store] max_artifact_bytes`): past it
    /// the generator is stopped, so one that prints forever cannot exhaust
    /// memory.
    max_output: u64,
}

impl CommandBackend {
    pub fn from_config(config: &Config) -> Result<CommandBackend, JauntError> {
        let llm = &config.llm;
        let config_error = |message: String, hint: &str| {
            JauntError::from(
                Diagnostic::config(message)
                    .at(&config.file, None)
                    .hint(hint),
            )
        };
        let Some((name, args)) = llm.command.split_first() else {
            return Err(config_error(
                "`llm.command` is empty: the command backend needs a program to run".into(),
                "set `command = [\"path/to/generator\", \"arg\"]` under [llm]",
            ));
        };
        let timeout = Duration::try_from_secs_f64(llm.timeout_s)
            .ok()
            .filter(|t| !t.is_zero())
            .ok_or_else(|| {
                config_error(
                    format!(
                        "`llm.timeout_s` = {} is not a positive number of seconds",
                        llm.timeout_s
                    ),
                    "set `timeout_s` under [llm] to the seconds one request may take, e.g. 600",
                )
            })?;
        let program = if name.contains('/') {
            config.root.join(name)
        } else {
            PathBuf::from(name)
        };
        Ok(CommandBackend {
            name: name.clone(),
            program,
            args: args.to_vec(),
            root: config.root.clone(),
            model: llm.model.clone(),
            timeout,
            max_output: config.store.max_artifact_bytes,
        })
    }

    fn io_error(&self, source: std::io::Error) -> GenError {
        GenError::Io {
            program: self.name.clone(),
            source,
        }
    }
}

impl Generator for CommandBackend {
    fn backend(&self) -> &str {
        Provider::Command.as_str()
    }

    fn model(&self) -> &str {
        &self.model
    }

    fn generate(&self, request: &WireRequest<'_>) -> Result<Output, GenError> {
        self.run(request)
    }

    fn write_skill(&self, request: &SkillRequest) -> Result<Output, GenError> {
        /// The skill request on stdin, told apart from module requests
        /// (whose `kind` is `build` or `test`) by its `kind`.
        #[derive(serde::Serialize)]
        struct Wire<'a> {
            kind: &'static str,
            #[serde(flatten)]
            request: &'a SkillRequest,
        }
        self.run(&Wire {
            kind: "skill",
            request,
        })
    }
}

impl CommandBackend {
    /// Runs the program once with `request` as JSON on stdin; its stdout
    /// is the answer.
    fn run(&self, request: &impl serde::Serialize) -> Result<Output, GenError> {
        let body = serde_json::to_vec(request).map_err(|e| self.io_error(e.into()))?;
        let mut command = Command::new(&self.program);
        command
            .args(&self.args)
            .current_dir(&self.root)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        own_process_group(&mut command);
        let mut child = command.spawn().map_err(|source| GenError::Spawn {
            program: self.name.clone(),
            source,
        })?;
        let writer = child.stdin.take().map(|mut stdin| {
            thread::spawn(move || match stdin.write_all(&body) {
                Err(e) if e.kind() == ErrorKind::BrokenPipe => Ok(()),
                other => other,
            })
        });
        let group = libc::pid_t::try_from(child.id()).ok();
        let stdout = child
            .stdout
            .take()
            .map(|pipe| read_bounded(pipe, self.max_output, group));
        let stderr = child.stderr.take().map(read_all);
        let status = match child.wait_timeout(self.timeout) {
            Ok(Some(status)) => status,
            Ok(None) => {
                kill(&mut child);
                return Err(GenError::Timeout {
                    generator: self.name.clone(),
                    seconds: self.timeout.as_secs_f64(),
                });
            }
            Err(e) => {
                kill(&mut child);
                return Err(self.io_error(e));
            }
        };
        join(writer).map_err(|e| self.io_error(e))?;
        let stdout = match join(stdout) {
            Err(e) if e.kind() == ErrorKind::FileTooLarge => {
                return Err(GenError::BadOutput {
                    generator: self.name.clone(),
                    reason: format!(
                        "it printed more than {} bytes and was stopped ([store] max_artifact_bytes)",
                        self.max_output
                    ),
                });
            }
            other => other.map_err(|e| self.io_error(e))?,
        };
        let stderr = join(stderr).map_err(|e| self.io_error(e))?;
        if !status.success() {
            let status = match status.code() {
                Some(code) => format!("exit code {code}"),
                None => format!("terminated by a signal: {status}"),
            };
            return Err(GenError::Failed {
                program: self.name.clone(),
                status,
                stderr_tail: tail(&String::from_utf8_lossy(&stderr), STDERR_TAIL_LINES),
            });
        }
        let bad = |reason: &str| GenError::BadOutput {
            generator: self.name.clone(),
            reason: reason.into(),
        };
        let source = String::from_utf8(stdout).map_err(|_| bad("stdout is not UTF-8"))?;
        if source.trim().is_empty() {
            return Err(bad("it printed nothing on stdout"));
        }
        Ok(Output {
            source,
            usage: None,
        })
    }
}

/// Reads a pipe to its end on its own thread, so that neither pipe can
/// fill up and block the child while jaunt waits on the other.
fn read_all(mut pipe: impl Read + Send + 'static) -> JoinHandle<std::io::Result<Vec<u8>>> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        pipe.read_to_end(&mut bytes).map(|_| bytes)
    })
}

/// Reads a pipe like [`read_all`], up to `limit` bytes: past that the
/// child's process group is killed and the read fails (`FileTooLarge`).
fn read_bounded(
    pipe: impl Read + Send + 'static,
    limit: u64,
    group: Option<libc::pid_t>,
) -> JoinHandle<std::io::Result<Vec<u8>>> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        pipe.take(limit.saturating_add(1)).read_to_end(&mut bytes)?;
        if bytes.len() as u64 > limit {
            if let Some(pid) = group {
                // SAFETY: kill(2) on the child's own process group (set up
                // by `own_process_group`); it touches no memory.
                unsafe {
                    libc::kill(-pid, libc::SIGKILL);
                }
            }
            return Err(std::io::Error::new(
                ErrorKind::FileTooLarge,
                format!("more than {limit} bytes"),
            ));
        }
        Ok(bytes)
    })
}

/// The result of a pipe thread; a missing pipe reads as empty.
fn join<T: Default>(handle: Option<JoinHandle<std::io::Result<T>>>) -> std::io::Result<T> {
    match handle {
        None => Ok(T::default()),
        Some(handle) => handle
            .join()
            .unwrap_or_else(|_| Err(std::io::Error::other("pipe thread panicked"))),
    }
}

/// The last `lines` lines of `text`.
fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// The child leads its own process group, so that a timeout stops the
/// programs it started too (a shell script's `sleep`, an agent's tools),
/// and with them every holder of the pipes.
#[cfg(unix)]
fn own_process_group(command: &mut Command) {
    use std::os::unix::process::CommandExt;
    command.process_group(0);
}

#[cfg(not(unix))]
fn own_process_group(_command: &mut Command) {}

/// Stops the child (with its process group on Unix) and reaps it. The pipe
/// threads are left to finish on their own once the pipes close.
fn kill(child: &mut Child) {
    #[cfg(unix)]
    if let Ok(pid) = libc::pid_t::try_from(child.id()) {
        // SAFETY: kill(2) with a negative pid signals the process group the
        // child leads (set up by `own_process_group`); it touches no memory.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
    let _ = child.kill();
    let _ = child.wait();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::tests::{config, sample_request, wire};
    use std::path::Path;

    /// Writes `body` as the executable shell script `dir/gen.sh` and a
    /// backend running it with `args` and extra `[llm]` lines.
    fn script_backend(body: &str, args: &str, llm: &str) -> (tempfile::TempDir, CommandBackend) {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("gen.sh");
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).expect("write script");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))
            .expect("make script executable");
        let llm = format!("provider = \"command\"\ncommand = [\"./gen.sh\"{args}]\n{llm}");
        let backend = CommandBackend::from_config(&config(dir.path(), &llm)).expect("backend");
        (dir, backend)
    }

    /// Runs a script backend (see [`script_backend`]) once on a request.
    fn run_script(body: &str, args: &str, llm: &str) -> Result<Output, GenError> {
        let (_dir, backend) = script_backend(body, args, llm);
        let mut request = sample_request();
        request.skills = "s".repeat(1_000_000);
        backend.generate(&wire(&request))
    }

    #[test]
    fn skill_request_is_marked_and_answered_on_stdout() {
        let body = "python3 -c 'import json, sys; r = json.load(sys.stdin); print(r[\"kind\"], r[\"dist\"], r[\"version\"], r[\"readme\"], r[\"system\"], r[\"prompt\"])'";
        let (_dir, backend) = script_backend(body, "", "");
        let out = backend
            .write_skill(&SkillRequest {
                dist: "six".into(),
                version: "1.17.0".into(),
                readme: "r".into(),
                system: "s".into(),
                prompt: "p".into(),
            })
            .expect("ok");
        assert_eq!(out.source.trim(), "skill six 1.17.0 r s p");
    }

    #[test]
    fn a_generator_that_prints_forever_is_stopped_at_the_limit() {
        let (dir, mut backend) = script_backend("cat >/dev/null\nyes 'x = 1'", "", "");
        backend.max_output = 1 << 20;
        let err = backend
            .generate(&wire(&sample_request()))
            .expect_err("too much output");
        assert!(
            err.to_string().contains("printed more than 1048576 bytes"),
            "{err}"
        );
        drop(dir);
    }

    #[test]
    fn success_returns_stdout() {
        let body = "cat >/dev/null\necho 'def total(items):'\necho '    return sum(items)'";
        let out = run_script(body, "", "").expect("ok");
        assert_eq!(out.source, "def total(items):\n    return sum(items)\n");
        assert_eq!(out.usage, None);
    }

    #[test]
    fn request_arrives_on_stdin_and_cwd_is_the_root() {
        let body = "python3 -c 'import json, os, sys; r = json.load(sys.stdin); print(r[sys.argv[1]], r[\"attempt\"], r[\"errors\"][0], r[\"specs\"][0][\"ref\"], len(r[\"skills\"]), os.path.exists(\"gen.sh\"))' \"$1\"";
        let out = run_script(body, ", \"generated_module\"", "").expect("ok");
        assert_eq!(
            out.source.trim(),
            "shop.__generated__.cart 2 missing `total` shop.cart:total 1000000 True"
        );
    }

    #[test]
    fn large_request_does_not_deadlock_against_early_stdout() {
        let body = "head -c 300000 /dev/zero | tr '\\0' x\necho\ncat >/dev/null";
        let out = run_script(body, "", "").expect("ok");
        assert_eq!(out.source.trim().len(), 300_000);
    }

    #[test]
    fn failure_carries_exit_code_and_stderr_tail() {
        let body = "for i in $(seq 1 30); do echo \"line $i\" >&2; done\necho 'out of credits' >&2\nexit 3";
        let err = run_script(body, "", "").expect_err("fails");
        let message = err.to_string();
        assert!(message.contains("exit code 3"), "{message}");
        assert!(message.contains("out of credits"), "{message}");
        assert!(message.contains("line 30"), "{message}");
        assert!(!message.contains("line 5\n"), "{message}");
        assert!(!err.is_retryable());
    }

    #[test]
    fn timeout_kills_the_program() {
        let err = run_script("sleep 30\necho 'x = 1'", "", "timeout_s = 0.3").expect_err("slow");
        assert!(matches!(err, GenError::Timeout { .. }), "{err}");
        assert!(err.to_string().contains("timeout_s"), "{err}");
    }

    #[test]
    fn empty_stdout_is_an_error() {
        let err = run_script("cat >/dev/null\necho '  '", "", "").expect_err("empty");
        assert!(matches!(err, GenError::BadOutput { .. }), "{err}");
    }

    #[test]
    fn missing_program_names_it_and_the_fix() {
        let dir = tempfile::tempdir().expect("tempdir");
        let llm = "provider = \"command\"\ncommand = [\"./nope.sh\"]";
        let backend = CommandBackend::from_config(&config(dir.path(), llm)).expect("backend");
        let request = sample_request();
        let message = backend
            .generate(&wire(&request))
            .expect_err("missing")
            .to_string();
        assert!(message.contains("./nope.sh"), "{message}");
        assert!(
            message.contains("relative to the project root"),
            "{message}"
        );
    }

    #[test]
    fn configuration_errors() {
        let root = Path::new("/p");
        let empty = CommandBackend::from_config(&config(root, "provider = \"command\""))
            .expect_err("no command");
        assert!(
            empty.to_string().contains("`llm.command` is empty"),
            "{empty}"
        );
        let zero = CommandBackend::from_config(&config(
            root,
            "provider = \"command\"\ncommand = [\"gen\"]\ntimeout_s = 0",
        ))
        .expect_err("zero timeout");
        assert!(zero.to_string().contains("timeout_s"), "{zero}");
    }
}
