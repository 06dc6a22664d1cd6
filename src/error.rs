//! Errors, with the context a user needs to fix them.
//!
//! Every failure that reaches the command line is a [`JauntError`]; it is
//! rendered once, at the edge, by the CLI, and decides the exit code.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::PathBuf;

/// What kind of problem a [`Diagnostic`] reports: its label
/// (`error[config]`), its `code` in JSON, and the exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Code {
    /// `jaunt.toml` / `[tool.jaunt]` is missing or wrong.
    Config,
    /// A spec file cannot be read (syntax errors, non-static arguments).
    Discovery,
    /// Module dependency cycles.
    Cycle,
    /// `jaunt.lock` cannot be read.
    Lock,
    /// Generation failed.
    Generate,
    /// A gate refused (`--offline`, `--locked`, a failed check).
    Gate,
    /// Anything else: I/O and internal failures.
    Error,
}

impl Code {
    pub fn as_str(self) -> &'static str {
        match self {
            Code::Config => "config",
            Code::Discovery => "discovery",
            Code::Cycle => "cycle",
            Code::Lock => "lock",
            Code::Generate => "generate",
            Code::Gate => "gate",
            Code::Error => "error",
        }
    }

    pub fn exit_code(self) -> i32 {
        match self {
            Code::Config | Code::Discovery | Code::Cycle | Code::Lock => exit::CONFIG,
            Code::Generate => exit::GENERATION,
            Code::Gate => exit::GATE,
            Code::Error => exit::FAILURE,
        }
    }
}

/// A problem for the user: what went wrong, where (file, line and column
/// where known), and how to fix it. Every error jaunt reports is one or
/// more of these, rendered once at the edge as text or JSON.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    pub code: Code,
    pub file: Option<PathBuf>,
    /// 1-based.
    pub line: Option<u32>,
    /// 1-based.
    pub column: Option<u32>,
    pub message: String,
    pub hint: Option<String>,
}

impl Diagnostic {
    pub fn new(code: Code, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code,
            file: None,
            line: None,
            column: None,
            message: message.into(),
            hint: None,
        }
    }

    pub fn config(message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(Code::Config, message)
    }

    pub fn gate(message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(Code::Gate, message)
    }

    pub fn error(message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(Code::Error, message)
    }

    pub fn at(mut self, file: impl Into<PathBuf>, line: Option<u32>) -> Diagnostic {
        self.file = Some(file.into());
        self.line = line;
        self
    }

    /// A position in a file named later (a parsed source does not know
    /// its path).
    pub fn position(mut self, line: u32, column: u32) -> Diagnostic {
        self.line = Some(line);
        self.column = Some(column);
        self
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Diagnostic {
        self.hint = Some(hint.into());
        self
    }

    /// The same diagnostic as seen from the working directory: its file as
    /// the user would type it.
    pub fn shown(&self) -> Diagnostic {
        Diagnostic {
            file: self.file.as_deref().map(shown),
            ..self.clone()
        }
    }
}

/// A path as the user would type it: relative to the working directory
/// when it is inside it.
fn shown(path: &std::path::Path) -> PathBuf {
    std::env::current_dir()
        .ok()
        .and_then(|cwd| {
            path.strip_prefix(cwd)
                .ok()
                .map(std::path::Path::to_path_buf)
        })
        .unwrap_or_else(|| path.to_path_buf())
}

/// `file:line: message (column N)` and the hint on its own line, without
/// the label, which the CLI adds.
impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.file, self.line) {
            (Some(file), Some(line)) => write!(f, "{}:{line}: ", shown(file).display())?,
            (Some(file), None) => write!(f, "{}: ", shown(file).display())?,
            _ => {}
        }
        f.write_str(&self.message)?;
        if let Some(column) = self.column {
            write!(f, " (column {column})")?;
        }
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

/// Every failure that reaches the command line.
#[derive(Debug, thiserror::Error)]
pub enum JauntError {
    /// One or more problems for the user, each with its code.
    #[error("{}", render_all(.0))]
    Diagnostics(Vec<Diagnostic>),
    #[error("{context}: {source}")]
    Io {
        context: String,
        source: std::io::Error,
    },
}

impl From<Diagnostic> for JauntError {
    fn from(d: Diagnostic) -> JauntError {
        JauntError::Diagnostics(vec![d])
    }
}

fn render_all(diagnostics: &[Diagnostic]) -> String {
    diagnostics
        .iter()
        .map(|d| d.to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

impl JauntError {
    /// The exit code of the first diagnostic (they share one in practice).
    pub fn exit_code(&self) -> i32 {
        self.code().exit_code()
    }

    pub fn code(&self) -> Code {
        match self {
            JauntError::Diagnostics(ds) => ds.first().map_or(Code::Error, |d| d.code),
            JauntError::Io { .. } => Code::Error,
        }
    }

    /// The diagnostics to show: an I/O error becomes one.
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        match self {
            JauntError::Diagnostics(ds) => ds.clone(),
            JauntError::Io { .. } => vec![Diagnostic::error(self.to_string())],
        }
    }

    pub fn io(context: impl Into<String>, source: std::io::Error) -> JauntError {
        JauntError::Io {
            context: context.into(),
            source,
        }
    }

    /// A failure of no particular kind (exit 1).
    pub fn other(message: impl Into<String>) -> JauntError {
        Diagnostic::error(message).into()
    }
}

pub type Result<T, E = JauntError> = std::result::Result<T, E>;
