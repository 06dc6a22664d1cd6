//! One file's summary: imports, specs and the names they use.

use crate::digest::Digest;
use crate::names::{DefKind, SpecKind};
use serde::{Deserialize, Serialize};

/// What the planner needs from one Python file. Serializable: it is what
/// the persistent parse cache stores.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FileSummary {
    /// Import bindings at module level (including those nested in module-level
    /// `if`/`try` blocks), in source order.
    pub imports: Vec<Import>,
    /// Specs in source order; nested specs (`Outer.method`) after their class.
    pub specs: Vec<RawSpec>,
    /// Syntax errors and spec arguments that cannot be read statically.
    pub diagnostics: Vec<Diagnostic>,
}

/// One name bound by an import statement.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Import {
    /// The local name bound (`a` for `import a.b`, `x` for `import a.b as x`,
    /// `Foo`/`F` for `from m import Foo [as F]`; `*` for a star import).
    pub binding: String,
    pub target: ImportTarget,
    /// 1-based line of the import statement.
    pub line: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ImportTarget {
    /// `import a.b` binds `a` to `Module("a")`; `import a.b as x` binds `x`
    /// to `Module("a.b")`.
    Module(String),
    /// `from <level dots><module> import <name>`; `module` is empty for
    /// `from . import x`; `name` is `*` for a star import.
    From {
        level: u32,
        module: String,
        name: String,
    },
}

/// A spec as written, before any cross-file resolution.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RawSpec {
    /// Module-relative qualname, `total` or `Outer.method`.
    pub qualname: String,
    pub kind: SpecKind,
    pub def_kind: DefKind,
    /// 1-based line of the `def`/`class` keyword.
    pub line: u32,
    /// Byte range of the whole decorated definition (decorators included),
    /// to show the spec verbatim in requests without caching its text.
    pub byte_range: (u32, u32),
    /// `deps=` entries as written.
    pub deps: Vec<DepExpr>,
    /// `prompt=` string value.
    pub prompt: Option<String>,
    /// `infer_deps=` value.
    pub infer_deps: Option<bool>,
    /// Names and attribute chains the definition uses (body, annotations,
    /// defaults, decorator arguments, base classes), first use of each
    /// chain, in source order. The jaunt decorator itself is not a use.
    pub uses: Vec<NameUse>,
    /// Imports inside the definition (function-local imports), which shadow
    /// module-level bindings for this spec's uses.
    pub local_imports: Vec<Import>,
    /// BLAKE3 of the canonical syntax tree with the jaunt decorator left
    /// out (DESIGN.md, spec digest); the decorator's arguments are folded
    /// in later, once `deps` are resolved.
    pub canonical: Digest,
}

/// One `deps=` entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DepExpr {
    /// A name or attribute chain, `Foo` or `mod.sub.Foo`.
    Name { chain: Vec<String>, line: u32 },
    /// A string, `"pkg.mod:Name"` or the dot shorthand `"pkg.mod.Name"`.
    Str { value: String, line: u32 },
}

/// One use of a name or attribute chain: `Foo` → `["Foo"]`,
/// `alias.sub.Foo` → `["alias", "sub", "Foo"]`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NameUse {
    pub chain: Vec<String>,
    pub line: u32,
}

/// A problem in a file, with its position and, where there is one, a fix.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    /// 1-based.
    pub line: u32,
    /// 1-based.
    pub column: u32,
    pub message: String,
    pub hint: Option<String>,
}

/// Reads one file's source into a summary. Never fails: syntax errors and
/// unreadable spec arguments become [`Diagnostic`]s, and every spec that can
/// be read is still returned.
pub fn summarize(source: &str) -> FileSummary {
    let _ = source;
    FileSummary::default()
}
