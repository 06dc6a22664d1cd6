//! Names with meaning: dotted module names and spec refs.
//!
//! Everything that crosses a module boundary in jaunt names a module or a
//! spec through these types rather than bare strings, so that the
//! `pkg.mod:Qualname` convention is parsed and printed in one place.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A Python identifier by Python's own rule (PEP 3131: `XID_Start` or `_`,
/// then `XID_Continue`), and not a keyword: `café.py` is a module,
/// `class.py` cannot be imported. A name the parser accepts must survive a
/// round trip through the lockfile.
pub fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c == '_' || unicode_ident::is_xid_start(c))
        && chars.all(unicode_ident::is_xid_continue)
        && !KEYWORDS.contains(&s)
}

/// Python's hard keywords; soft keywords (`match`, `type`, …) are names.
const KEYWORDS: &[&str] = &[
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
    "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import",
    "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while",
    "with", "yield",
];

/// Identifiers joined by dots: `pkg.mod`, or a qualname `Outer.method`.
pub fn is_dotted_name(s: &str) -> bool {
    s.split('.').all(is_identifier)
}

/// Text that is not the name it was read as.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("not a {what}: {text:?}")]
pub struct BadName {
    what: &'static str,
    text: String,
}

/// A dotted Python module name, `pkg.sub.mod`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct ModuleName(String);

impl ModuleName {
    /// A name known to be valid (built from parts that were checked).
    pub fn new(dotted: impl Into<String>) -> Self {
        ModuleName(dotted.into())
    }

    /// Checks that `text` is a dotted module name.
    pub fn parse(text: &str) -> Result<ModuleName, BadName> {
        if is_dotted_name(text) {
            Ok(ModuleName::new(text))
        } else {
            Err(BadName {
                what: "dotted module name",
                text: text.to_owned(),
            })
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The dotted components, `["pkg", "sub", "mod"]`.
    pub fn parts(&self) -> impl Iterator<Item = &str> {
        self.0.split('.')
    }

    /// The enclosing package, `pkg.sub` for `pkg.sub.mod`; `None` at top level.
    pub fn parent(&self) -> Option<ModuleName> {
        self.0.rsplit_once('.').map(|(p, _)| ModuleName::new(p))
    }

    /// Whether this is `ancestor` or a module inside it: `pkg.sub` is
    /// within `pkg`, `pkg2` is not.
    pub fn is_within(&self, ancestor: &ModuleName) -> bool {
        self.0
            .strip_prefix(ancestor.as_str())
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
    }

    /// A child module, `pkg.sub` + `mod`.
    pub fn child(&self, name: &str) -> ModuleName {
        if self.0.is_empty() {
            ModuleName::new(name)
        } else {
            ModuleName(format!("{}.{}", self.0, name))
        }
    }

    /// The generated module that holds this spec module's implementation
    /// (docs/architecture.md, Vocabulary): `pkg.mod` → `pkg.<gen>.mod`, a package's
    /// own specs → `pkg.<gen>`, a top-level single-file module `mod` →
    /// `<gen>.mod`.
    pub fn generated(&self, generated_dir: &str, is_package: bool) -> ModuleName {
        if is_package {
            return self.child(generated_dir);
        }
        match self.0.rsplit_once('.') {
            Some((parent, leaf)) => ModuleName(format!("{parent}.{generated_dir}.{leaf}")),
            None => ModuleName(format!("{generated_dir}.{}", self.0)),
        }
    }
}

impl fmt::Display for ModuleName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for ModuleName {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        ModuleName::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// A reference to one spec: `pkg.mod:Qualname`, nested specs with a dotted
/// qualname (`pkg.mod:Outer.method`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SpecRef {
    pub module: ModuleName,
    pub qualname: String,
}

impl SpecRef {
    pub fn new(module: ModuleName, qualname: impl Into<String>) -> Self {
        SpecRef {
            module,
            qualname: qualname.into(),
        }
    }

    /// Parses `pkg.mod:Name` (canonical form); the dot shorthand `pkg.mod.Name`
    /// is ambiguous without knowing the modules and is resolved by the graph.
    pub fn parse(text: &str) -> Result<SpecRef, BadName> {
        match text.split_once(':') {
            Some((module, qualname)) if is_dotted_name(module) && is_dotted_name(qualname) => {
                Ok(SpecRef::new(ModuleName::new(module), qualname))
            }
            _ => Err(BadName {
                what: "spec ref `pkg.mod:Name`",
                text: text.to_owned(),
            }),
        }
    }
}

impl fmt::Display for SpecRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.module, self.qualname)
    }
}

impl Serialize for SpecRef {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for SpecRef {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        SpecRef::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// A `--target MODULE[:QUALNAME]` argument.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Target {
    pub module: ModuleName,
    pub qualname: Option<String>,
}

impl std::str::FromStr for Target {
    type Err = String;

    fn from_str(s: &str) -> Result<Target, String> {
        let (module, qualname) = match s.split_once(':') {
            Some((m, q)) => (m, Some(q.to_string())),
            None => (s, None),
        };
        if !is_dotted_name(module) {
            return Err(format!(
                "`{s}` is not MODULE[:QUALNAME] (a dotted module name like `pkg.mod`)"
            ));
        }
        if let Some(q) = &qualname
            && !is_dotted_name(q)
        {
            return Err(format!("`{s}` has an invalid qualname after `:`"));
        }
        Ok(Target {
            module: ModuleName::new(module),
            qualname,
        })
    }
}

/// Which decorator made a spec, and so which kind of module it generates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SpecKind {
    /// `@jaunt.magic`: an implementation spec.
    Build,
    /// `@jaunt.test`: a test spec.
    Test,
    /// `@jaunt.contract`: handwritten code pinned by a derived test battery.
    Contract,
}

impl SpecKind {
    /// Both kinds, build first (tests may depend on build specs).
    pub const ALL: [SpecKind; 2] = [SpecKind::Build, SpecKind::Test];

    pub fn as_str(self) -> &'static str {
        match self {
            SpecKind::Build => "build",
            SpecKind::Test => "test",
            SpecKind::Contract => "contract",
        }
    }
}

impl fmt::Display for SpecKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What kind of definition a spec decorates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DefKind {
    Function,
    AsyncFunction,
    Class,
    Method,
}

impl DefKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DefKind::Function => "function",
            DefKind::AsyncFunction => "async_function",
            DefKind::Class => "class",
            DefKind::Method => "method",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_module_mapping() {
        let m = ModuleName::new("pkg.mod");
        assert_eq!(
            m.generated("__generated__", false).as_str(),
            "pkg.__generated__.mod"
        );
        let p = ModuleName::new("pkg");
        assert_eq!(
            p.generated("__generated__", true).as_str(),
            "pkg.__generated__"
        );
        let top = ModuleName::new("mod");
        assert_eq!(top.generated("gen", false).as_str(), "gen.mod");
    }

    #[test]
    fn is_within_follows_dotted_components() {
        let pkg = ModuleName::new("pkg");
        for inside in ["pkg", "pkg.sub", "pkg.sub.mod"] {
            assert!(ModuleName::new(inside).is_within(&pkg), "{inside}");
        }
        for outside in ["pkg2", "pk", "other.pkg", "pkg_sub"] {
            assert!(!ModuleName::new(outside).is_within(&pkg), "{outside}");
        }
        assert!(!pkg.is_within(&ModuleName::new("pkg.sub")));
    }

    #[test]
    fn spec_ref_round_trip() {
        let r = SpecRef::parse("a.b:Outer.method").unwrap();
        assert_eq!(r.module.as_str(), "a.b");
        assert_eq!(r.qualname, "Outer.method");
        assert_eq!(r.to_string(), "a.b:Outer.method");
        for bad in ["a.b", ":x", "a.b:", "a:b:c", "a b:x", "a.b.C", "a..b:x"] {
            assert!(SpecRef::parse(bad).is_err(), "{bad}");
        }
        let e = SpecRef::parse("a.b.C").unwrap_err();
        assert_eq!(e.to_string(), "not a spec ref `pkg.mod:Name`: \"a.b.C\"");
    }

    #[test]
    fn one_identifier_rule() {
        for good in ["pkg", "_x", "pkg.sub_2.mod", "café", "数据", "match.type"] {
            assert!(ModuleName::parse(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "2x",
            "a-b",
            "a.",
            ".a",
            "a..b",
            "a b",
            "pkg.class",
            "x²",
            "a€",
        ] {
            assert!(ModuleName::parse(bad).is_err(), "{bad}");
        }
        assert!(is_identifier("__generated__"));
        assert!(!is_identifier("my-gen"));
        assert!(!is_identifier("a.b"));
    }
}
