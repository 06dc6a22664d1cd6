//! Errors, with the context a user needs to fix them.
//!
//! Every failure that reaches the command line is a [`JauntError`]; it is
//! rendered once, at the edge, by the CLI, and decides the exit code.

use std::fmt;
use std::path::PathBuf;

/// A located problem: what went wrong, where, and how to fix it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub file: Option<PathBuf>,
    /// 1-based.
    pub line: Option<u32>,
    pub message: String,
    pub hint: Option<String>,
}

impl Problem {
    pub fn new(message: impl Into<String>) -> Problem {
        Problem {
            file: None,
            line: None,
            message: message.into(),
            hint: None,
        }
    }

    pub fn at(mut self, file: impl Into<PathBuf>, line: Option<u32>) -> Problem {
        self.file = Some(file.into());
        self.line = line;
        self
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Problem {
        self.hint = Some(hint.into());
        self
    }
}

/// A path as the user would type it: relative to the working directory
/// when it is inside it.
fn shown(path: &std::path::Path) -> std::path::PathBuf {
    std::env::current_dir()
        .ok()
        .and_then(|cwd| {
            path.strip_prefix(cwd)
                .ok()
                .map(std::path::Path::to_path_buf)
        })
        .unwrap_or_else(|| path.to_path_buf())
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.file, self.line) {
            (Some(file), Some(line)) => write!(f, "{}:{line}: ", shown(file).display())?,
            (Some(file), None) => write!(f, "{}: ", shown(file).display())?,
            _ => {}
        }
        f.write_str(&self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

/// Exit codes (docs/architecture.md, Errors and exit codes).
pub mod exit {
    pub const OK: i32 = 0;
    /// An I/O or internal failure that is none of the categories below.
    pub const FAILURE: i32 = 1;
    /// Configuration, discovery or dependency-cycle error.
    pub const CONFIG: i32 = 2;
    /// Generation failed.
    pub const GENERATION: i32 = 3;
    /// A gate failed (`check`, `--locked`, `--offline`, `store verify`, tests).
    pub const GATE: i32 = 4;
}

#[derive(Debug, thiserror::Error)]
pub enum JauntError {
    /// `jaunt.toml` / `[tool.jaunt]` is missing or wrong.
    #[error("{0}")]
    Config(Problem),
    /// Spec files that cannot be read (syntax errors, non-static arguments).
    #[error("{}", render_all(.0))]
    Discovery(Vec<Problem>),
    /// Module dependency cycles, already rendered in spec terms.
    #[error("{0}")]
    Cycles(String),
    /// `jaunt.lock` cannot be read.
    #[error("{0}")]
    Lock(Problem),
    /// Generation failed for some modules; the message lists them.
    #[error("{0}")]
    Generation(String),
    /// A gate refused: the message says which and why.
    #[error("{0}")]
    Gate(String),
    #[error("{context}: {source}")]
    Io {
        context: String,
        source: std::io::Error,
    },
    #[error("{0}")]
    Other(String),
}

fn render_all(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|p| p.to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

impl JauntError {
    pub fn exit_code(&self) -> i32 {
        match self {
            JauntError::Config(_) | JauntError::Discovery(_) | JauntError::Cycles(_) => {
                exit::CONFIG
            }
            JauntError::Lock(_) => exit::CONFIG,
            JauntError::Generation(_) => exit::GENERATION,
            JauntError::Gate(_) => exit::GATE,
            JauntError::Io { .. } | JauntError::Other(_) => exit::FAILURE,
        }
    }

    pub fn io(context: impl Into<String>, source: std::io::Error) -> JauntError {
        JauntError::Io {
            context: context.into(),
            source,
        }
    }
}

pub type Result<T, E = JauntError> = std::result::Result<T, E>;
