//! Project configuration: `jaunt.toml`, or `[tool.jaunt]` in `pyproject.toml`.
//!
//! Each table is a serde struct that denies unknown keys, so a typo is an
//! error naming the key, the file and the line (with a did-you-mean), not a
//! silently ignored setting. Every key has a default, so accepting a new key
//! is one field.

use crate::error::{Diagnostic, JauntError, Result};
use crate::tomlread::{self, Fault, FaultKind, Step};
use serde::de::{DeserializeOwned, IgnoredAny, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use std::fmt;
use std::path::{Path, PathBuf};
use toml_edit::{Document, TableLike};

pub const CONFIG_FILE: &str = "jaunt.toml";
pub const PYPROJECT_FILE: &str = "pyproject.toml";

#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// The project root: the directory holding the configuration file.
    pub root: PathBuf,
    /// The file the configuration was read from.
    pub file: PathBuf,
    pub paths: PathsConfig,
    pub llm: LlmConfig,
    pub build: BuildConfig,
    pub test: TestConfig,
    pub prompts: PromptsConfig,
    pub store: StoreConfig,
    pub skills: SkillsConfig,
    pub python: PythonConfig,
    /// Environment variables the repository's `.env` set (they were not in
    /// the user's environment): like the configuration file, the
    /// repository's choice, not the user's.
    pub from_dotenv: std::collections::BTreeSet<String>,
}

/// The file's tables. A missing table is all defaults.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Settings {
    /// Checked on the document first, so that another version is reported
    /// as such rather than as unknown keys.
    #[serde(rename = "version")]
    _version: IgnoredAny,
    #[serde(default = "defaults")]
    paths: PathsConfig,
    #[serde(default = "defaults")]
    llm: LlmConfig,
    #[serde(default = "defaults")]
    build: BuildConfig,
    #[serde(default = "defaults")]
    test: TestConfig,
    #[serde(default = "defaults")]
    prompts: PromptsConfig,
    #[serde(default = "defaults")]
    store: StoreConfig,
    #[serde(default = "defaults")]
    skills: SkillsConfig,
    #[serde(default = "defaults")]
    python: PythonConfig,
}

/// `pyproject.toml`: only `[tool.jaunt]` is ours.
#[derive(Deserialize)]
struct Pyproject {
    tool: Tool,
}

#[derive(Deserialize)]
struct Tool {
    jaunt: Settings,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PathsConfig {
    #[serde(default = "default::source_roots", deserialize_with = "strings")]
    pub source_roots: Vec<String>,
    #[serde(default = "default::test_roots", deserialize_with = "strings")]
    pub test_roots: Vec<String>,
    /// Name of the generated package directory; a Python identifier.
    #[serde(default = "default::generated_dir", deserialize_with = "identifier")]
    pub generated_dir: String,
    /// Whether `source_roots` was written in the file: only explicitly
    /// configured roots must exist.
    #[serde(skip)]
    pub source_roots_explicit: bool,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LlmConfig {
    #[serde(default)]
    pub provider: Provider,
    /// When not written, the provider's default (set by [`Config::parse`]).
    #[serde(default)]
    pub model: String,
    /// When not written, the provider's variable (set by [`Config::parse`]).
    pub api_key_env: Option<String>,
    pub base_url: Option<String>,
    /// `command` backend: the program and its arguments.
    #[serde(default, deserialize_with = "strings")]
    pub command: Vec<String>,
    pub temperature: Option<f64>,
    pub max_tokens: Option<i64>,
    #[serde(default = "default::timeout_s")]
    pub timeout_s: f64,
    pub price_per_mtok: Option<Prices>,
}

/// Prices per million tokens, for the cost line of the apply report.
#[derive(Clone, Copy, Debug, PartialEq, Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a table { input = NUMBER, output = NUMBER }"
)]
pub struct Prices {
    pub input: f64,
    pub output: f64,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BuildConfig {
    #[serde(default = "default::build_jobs", deserialize_with = "job_count")]
    pub jobs: usize,
    #[serde(default = "default::yes")]
    pub infer_deps: bool,
    #[serde(default = "default::max_attempts", deserialize_with = "at_least_one")]
    pub max_attempts: u32,
    #[serde(default)]
    pub dependency_context: DependencyContext,
    /// Write a `.pyi` stub beside each spec module.
    #[serde(default = "default::yes")]
    pub emit_stubs: bool,
}

/// What a dependent's request shows of each dependency module, and so what
/// its inputs key hashes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DependencyContext {
    /// The module's interface: signatures, no bodies. A regeneration that
    /// keeps the interface leaves dependents fresh.
    #[default]
    Interface,
    /// The module's whole generated source: any regeneration regenerates
    /// every dependent.
    Source,
}

impl DependencyContext {
    pub fn as_str(self) -> &'static str {
        match self {
            DependencyContext::Interface => "interface",
            DependencyContext::Source => "source",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestConfig {
    #[serde(default = "default::test_jobs", deserialize_with = "job_count")]
    pub jobs: usize,
    /// When not written, `build.infer_deps` (set by [`Config::parse`]).
    #[serde(default = "default::yes")]
    pub infer_deps: bool,
    #[serde(default = "default::pytest_args", deserialize_with = "strings")]
    pub pytest_args: Vec<String>,
    /// Whether `jaunt test` writes baseline tests for every build class
    /// spec (Jaunt 1.7's key); a spec's `test=` decides for itself.
    #[serde(default)]
    pub auto_class_tests: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PromptsConfig {
    pub build_system: Option<String>,
    pub build_module: Option<String>,
    pub test_system: Option<String>,
    pub test_module: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreConfig {
    pub path: Option<String>,
    pub remote: Option<String>,
    #[serde(default = "default::yes")]
    pub remote_write: bool,
    pub remote_token_env: Option<String>,
    /// The largest artifact, decompressed, jaunt accepts from any store.
    #[serde(
        default = "default::max_artifact_bytes",
        deserialize_with = "at_least_one"
    )]
    pub max_artifact_bytes: u64,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SkillsConfig {
    #[serde(default = "default::yes")]
    pub enabled: bool,
    #[serde(default = "default::index_url")]
    pub index_url: String,
    #[serde(
        default = "default::max_concurrency",
        deserialize_with = "at_least_one"
    )]
    pub max_concurrency: usize,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PythonConfig {
    pub interpreter: Option<String>,
}

/// Defaults that are not the type's own.
mod default {
    pub(super) fn source_roots() -> Vec<String> {
        vec!["src".into(), ".".into()]
    }
    pub(super) fn test_roots() -> Vec<String> {
        vec!["tests".into()]
    }
    pub(super) fn generated_dir() -> String {
        "__generated__".into()
    }
    pub(super) fn timeout_s() -> f64 {
        600.0
    }
    pub(super) fn max_artifact_bytes() -> u64 {
        crate::store::MAX_ARTIFACT_BYTES
    }
    pub(super) fn build_jobs() -> usize {
        8
    }
    pub(super) fn test_jobs() -> usize {
        4
    }
    pub(super) fn max_attempts() -> u32 {
        2
    }
    pub(super) fn max_concurrency() -> usize {
        4
    }
    pub(super) fn pytest_args() -> Vec<String> {
        vec!["-q".into()]
    }
    pub(super) fn index_url() -> String {
        "https://pypi.org/pypi".into()
    }
    pub(super) fn yes() -> bool {
        true
    }
}

/// A table that is not written: every key at its default.
fn defaults<T: DeserializeOwned>() -> T {
    let empty = serde::de::value::MapDeserializer::<_, serde::de::value::Error>::new(
        std::iter::empty::<(&str, &str)>(),
    );
    T::deserialize(empty).expect("every configuration key has a default")
}

/// A list of strings, named so in errors (serde alone says "a sequence").
fn strings<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    struct Strings;
    impl<'de> Visitor<'de> for Strings {
        type Value = Vec<String>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a list of strings")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<String>, A::Error> {
            let mut out = Vec::new();
            while let Some(s) = seq.next_element()? {
                out.push(s);
            }
            Ok(out)
        }
    }
    d.deserialize_seq(Strings)
}

fn at_least_one<'de, D: Deserializer<'de>, T: TryFrom<i64>>(d: D) -> Result<T, D::Error> {
    let n = i64::deserialize(d)?;
    if n < 1 {
        return Err(tomlread::rule(
            format_args!("must be at least 1, found {n}"),
            "use a positive number",
        ));
    }
    T::try_from(n)
        .map_err(|_| tomlread::rule(format_args!("is too large: {n}"), "use a smaller number"))
}

/// The most parallel jobs jaunt runs: a repository's `jobs = 100000` must
/// not be able to stall every run building threads.
pub const MAX_JOBS: usize = 256;

fn job_count<'de, D: Deserializer<'de>>(d: D) -> Result<usize, D::Error> {
    let n: usize = at_least_one(d)?;
    if n > MAX_JOBS {
        return Err(tomlread::rule(
            format_args!("is {n}, above the limit of {MAX_JOBS}"),
            "use at most 256; a few more than the model provider's concurrency limit is plenty",
        ));
    }
    Ok(n)
}

fn identifier<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let name = String::deserialize(d)?;
    if crate::names::is_identifier(&name) {
        Ok(name)
    } else {
        Err(tomlread::rule(
            format_args!("= {name:?} is not a Python identifier"),
            "use a name like `__generated__`: letters, digits and underscores, not starting with a digit",
        ))
    }
}

/// The model backend, `[llm] provider`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Provider {
    /// Chat Completions, or any OpenAI-compatible server via `base_url`.
    #[default]
    OpenAi,
    /// The Messages API.
    Anthropic,
    /// A local program speaking JSON on stdin/stdout.
    Command,
}

impl Provider {
    pub const ALL: [Provider; 3] = [Provider::OpenAi, Provider::Anthropic, Provider::Command];

    /// The name written in the configuration and the lockfile.
    pub const fn as_str(self) -> &'static str {
        match self {
            Provider::OpenAi => "openai",
            Provider::Anthropic => "anthropic",
            Provider::Command => "command",
        }
    }

    pub fn default_model(self) -> &'static str {
        match self {
            Provider::OpenAi => "gpt-5.2",
            Provider::Anthropic => "claude-sonnet-4-5",
            Provider::Command => "command",
        }
    }

    /// The variable the API key is read from when `api_key_env` is not set.
    pub fn default_key_env(self) -> Option<&'static str> {
        match self {
            Provider::OpenAi => Some("OPENAI_API_KEY"),
            Provider::Anthropic => Some("ANTHROPIC_API_KEY"),
            Provider::Command => None,
        }
    }
}

/// Every provider's name, for serde's unknown-variant error.
static PROVIDER_NAMES: [&str; Provider::ALL.len()] = {
    let mut names = [""; Provider::ALL.len()];
    let mut i = 0;
    while i < names.len() {
        names[i] = Provider::ALL[i].as_str();
        i += 1;
    }
    names
};

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Provider {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        Provider::ALL
            .into_iter()
            .find(|p| p.as_str() == name)
            .ok_or_else(|| serde::de::Error::unknown_variant(&name, &PROVIDER_NAMES))
    }
}

/// Where the configuration comes from.
pub enum Locate<'a> {
    /// Walk up from this directory to the first `jaunt.toml`, or
    /// `pyproject.toml` with a `[tool.jaunt]` table.
    Discover(&'a Path),
    /// `--root DIR`: the configuration is in this directory.
    Root(&'a Path),
    /// `--config FILE`: this file; the root is its directory.
    File(&'a Path),
}

impl Config {
    /// Finds, reads and validates the configuration, then loads `.env` from
    /// the root (without overriding variables already set).
    pub fn load(locate: Locate<'_>) -> Result<Config> {
        let file = match locate {
            Locate::File(f) => f.to_path_buf(),
            Locate::Root(dir) => find_in(dir).ok_or_else(|| no_config(dir))?,
            Locate::Discover(start) => discover(start).ok_or_else(|| no_config(start))?,
        };
        let file = std::path::absolute(&file).unwrap_or(file);
        let text = crate::fsutil::read_regular_string(&file).map_err(|e| {
            JauntError::from(
                Diagnostic::config(format!("cannot read configuration: {e}")).at(&file, None),
            )
        })?;
        let root = file
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        let mut config = Config::parse(&text, &file, root)?;
        config.settle_roots()?;
        let dotenv = config.root.join(".env");
        match std::fs::metadata(&dotenv) {
            // A FIFO or device would make reading it wait forever.
            Ok(m) if !m.is_file() => {
                return Err(Diagnostic::config(".env is not a regular file")
                    .at(&dotenv, None)
                    .hint("replace it with a file of KEY=value lines, or remove it")
                    .into());
            }
            Ok(_) => {
                config.from_dotenv = dotenvy::from_path_iter(&dotenv)
                    .into_iter()
                    .flatten()
                    .flatten()
                    .map(|(key, _)| key)
                    .filter(|key| std::env::var_os(key).is_none())
                    .collect();
                let _ = dotenvy::from_path(&dotenv);
            }
            Err(_) => {}
        }
        Ok(config)
    }

    /// Parses configuration text; `file` is used in messages and decides
    /// whether the table is at the top (`jaunt.toml`) or under `[tool.jaunt]`.
    pub fn parse(text: &str, file: &Path, root: PathBuf) -> Result<Config> {
        let error = |fault: Fault| JauntError::from(problem(&fault).at(file, fault.line));
        let doc = tomlread::parse(text).map_err(error)?;
        let is_pyproject = file.file_name().is_some_and(|n| n == PYPROJECT_FILE);
        let table: &dyn TableLike = if is_pyproject {
            doc.get("tool")
                .and_then(|t| t.get("jaunt"))
                .and_then(|t| t.as_table_like())
                .ok_or_else(|| {
                    JauntError::from(
                        Diagnostic::config("pyproject.toml has no [tool.jaunt] table")
                            .at(file, None)
                            .hint(
                                "add a [tool.jaunt] table with `version = 1`, or run `jaunt init`",
                            ),
                    )
                })?
        } else {
            doc.as_table()
        };
        let prefix = if is_pyproject { "tool.jaunt." } else { "" };
        check_version(table, text, prefix, file)?;
        let written = |section: &str, key: &str| {
            table
                .get(section)
                .and_then(|t| t.as_table_like())
                .is_some_and(|t| t.contains_key(key))
        };
        // Keys whose default follows another key's value.
        let roots_written = written("paths", "source_roots");
        let model_written = written("llm", "model");
        let test_infer_written = written("test", "infer_deps");
        let settings = if is_pyproject {
            tomlread::read::<Pyproject>(text, doc).map(|p| p.tool.jaunt)
        } else {
            tomlread::read::<Settings>(text, doc)
        }
        .map_err(error)?;
        let Settings {
            mut paths,
            mut llm,
            build,
            mut test,
            prompts,
            store,
            skills,
            python,
            ..
        } = settings;
        paths.source_roots_explicit = roots_written;
        if !model_written {
            llm.model = llm.provider.default_model().into();
        }
        if llm.api_key_env.is_none() {
            llm.api_key_env = llm.provider.default_key_env().map(String::from);
        }
        if !test_infer_written {
            test.infer_deps = build.infer_deps;
        }
        Ok(Config {
            root,
            file: file.to_path_buf(),
            paths,
            llm,
            build,
            test,
            prompts,
            store,
            skills,
            python,
            from_dotenv: Default::default(),
        })
    }

    /// Checks every root and writes absolute ones inside the project as
    /// relative paths, so the lockfile never records a machine's layout.
    /// Explicitly configured source roots must exist; default roots and
    /// test roots that do not exist are skipped. A root outside the project
    /// or a symlink that does not resolve is an error: jaunt writes beside
    /// the specs it reads, and must not write outside the project.
    fn settle_roots(&mut self) -> Result<()> {
        let project = std::fs::canonicalize(&self.root).unwrap_or_else(|_| self.root.clone());
        let explicit = self.paths.source_roots_explicit;
        let mut source = std::mem::take(&mut self.paths.source_roots);
        let mut test = std::mem::take(&mut self.paths.test_roots);
        let checked = self
            .settle_list(&project, &mut source, "source_roots", explicit)
            .and_then(|()| self.settle_list(&project, &mut test, "test_roots", false));
        self.paths.source_roots = source;
        self.paths.test_roots = test;
        checked
    }

    fn settle_list(
        &self,
        project: &Path,
        roots: &mut [String],
        key: &str,
        must_exist: bool,
    ) -> Result<()> {
        for root in roots.iter_mut() {
            let dir = self.root.join(&*root);
            let problem = match std::fs::canonicalize(&dir) {
                Ok(real) if !real.is_dir() => Some(("is not a directory", None)),
                Ok(real) => match real.strip_prefix(project) {
                    Ok(inside) => {
                        if Path::new(root.as_str()).is_absolute() {
                            let rel = crate::fsutil::relative(Path::new(""), inside);
                            *root = if rel.is_empty() { ".".into() } else { rel };
                        }
                        None
                    }
                    Err(_) => Some((
                        "is outside the project",
                        Some(format!(
                            "jaunt writes generated code beside the specs it reads, so every root must be inside {}; move the specs into the project or put jaunt.toml in a directory that holds both",
                            project.display()
                        )),
                    )),
                },
                Err(_) if std::fs::symlink_metadata(&dir).is_ok() => Some((
                    "is a symlink that does not resolve (a loop, or a link to nothing)",
                    Some(format!("fix or remove the symlink {}", dir.display())),
                )),
                Err(_) if must_exist => Some((
                    "does not exist",
                    Some(format!(
                        "create {} or remove it from `{key}`",
                        dir.display()
                    )),
                )),
                Err(_) => None,
            };
            if let Some((what, hint)) = problem {
                let label = key.trim_end_matches("s").replace('_', " ");
                let mut d =
                    Diagnostic::config(format!("{label} `{root}` {what} (in `paths.{key}`)"))
                        .at(&self.file, self.line_of(key));
                if let Some(hint) = hint {
                    d = d.hint(hint);
                }
                return Err(d.into());
            }
        }
        Ok(())
    }

    /// The line of the configuration file where `key` is set, if any.
    fn line_of(&self, key: &str) -> Option<u32> {
        let text = crate::fsutil::read_regular_string(&self.file).unwrap_or_default();
        text.lines()
            .position(|l| l.trim_start().starts_with(key))
            .map(|i| i as u32 + 1)
    }

    /// Source roots that exist, as absolute paths, in configured order.
    pub fn source_dirs(&self) -> Vec<PathBuf> {
        existing_dirs(&self.root, &self.paths.source_roots)
    }

    /// Test roots that exist, as absolute paths.
    pub fn test_dirs(&self) -> Vec<PathBuf> {
        existing_dirs(&self.root, &self.paths.test_roots)
    }

    /// `jaunt.lock` beside the configuration.
    pub fn lock_path(&self) -> PathBuf {
        self.root.join("jaunt.lock")
    }

    /// The project-local state directory (parse cache).
    pub fn state_dir(&self) -> PathBuf {
        self.root.join(".jaunt")
    }
}

fn existing_dirs(root: &Path, rel: &[String]) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = Vec::new();
    for r in rel {
        let dir = root.join(r);
        if dir.is_dir() {
            let dir = normalize(&dir);
            if !out.contains(&dir) {
                out.push(dir);
            }
        }
    }
    out
}

/// Removes `.` components so that `root/.` and `root` compare equal.
fn normalize(path: &Path) -> PathBuf {
    path.components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .collect()
}

fn find_in(dir: &Path) -> Option<PathBuf> {
    let toml = dir.join(CONFIG_FILE);
    if toml.is_file() {
        return Some(toml);
    }
    let py = dir.join(PYPROJECT_FILE);
    let text = crate::fsutil::read_regular_string(&py).ok()?;
    let doc = Document::parse(text).ok()?;
    doc.get("tool")
        .and_then(|t| t.get("jaunt"))
        .is_some()
        .then_some(py)
}

fn discover(start: &Path) -> Option<PathBuf> {
    let start = std::path::absolute(start).ok()?;
    start.ancestors().find_map(find_in)
}

fn no_config(dir: &Path) -> JauntError {
    JauntError::from(
        Diagnostic::config(format!(
            "no jaunt.toml (or pyproject.toml with [tool.jaunt]) found in {} or any parent directory",
            dir.display()
        ))
        .hint("run `jaunt init` to create one, or pass --root/--config"),
    )
}

/// The version check comes first: another version's keys may differ.
fn check_version(table: &dyn TableLike, text: &str, prefix: &str, file: &Path) -> Result<()> {
    let problem = match table.get("version") {
        None => Diagnostic::config(format!("missing required key `{prefix}version`"))
            .at(file, None)
            .hint("add `version = 1` at the top of the configuration"),
        Some(item) if item.as_integer() != Some(1) => {
            Diagnostic::config(format!("unsupported `{prefix}version`: expected 1"))
                .at(file, item.span().map(|s| tomlread::line_of(text, s.start)))
                .hint("set `version = 1`; this jaunt reads configuration version 1")
        }
        Some(_) => return Ok(()),
    };
    Err(JauntError::from(problem))
}

/// A deserialization fault in the configuration's words.
fn problem(fault: &Fault) -> Diagnostic {
    let key = fault.dotted();
    let leaf = fault.leaf();
    let (message, hint) = match &fault.kind {
        FaultKind::Syntax(m) => (
            format!("invalid TOML: {m}"),
            "fix the TOML syntax at that line".to_owned(),
        ),
        FaultKind::UnknownKey { known } => {
            let table = tomlread::dotted(&fault.path[..fault.path.len().saturating_sub(1)]);
            let table = if table.is_empty() { table } else { table + "." };
            let hint = match tomlread::suggest(leaf, known) {
                Some(k) => format!("did you mean `{table}{k}`?"),
                None => format!("known keys here: {}", known.join(", ")),
            };
            (format!("unknown key `{key}`"), hint)
        }
        FaultKind::UnknownChoice { value, known } => {
            let hint = match tomlread::suggest(value, known) {
                Some(k) => format!("did you mean {k:?}?"),
                None => {
                    let quoted: Vec<String> = known.iter().map(|k| format!("{k:?}")).collect();
                    format!("use one of {}", quoted.join(", "))
                }
            };
            (format!("unknown `{key}` {value:?}"), hint)
        }
        FaultKind::WrongType { expected, found } => {
            let want = tomlread::describe(expected);
            match fault.path.last() {
                Some(Step::Entry(i)) => {
                    let want = format!("a list of {}", plural(want));
                    (
                        format!("`{key}` must be {want}, found {found} at entry {}", i + 1),
                        format!("write `{leaf}` as {want}"),
                    )
                }
                _ if want == "a table" => (
                    format!("`{key}` must be a table, found {found}"),
                    format!("write it as `[{key}]`"),
                ),
                _ => (
                    format!("`{key}` must be {want}, found {found}"),
                    format!("write `{leaf}` as {want}"),
                ),
            }
        }
        FaultKind::Missing(field) => (
            format!("`{key}` is missing `{field}`"),
            format!("add `{field}` to `{key}`"),
        ),
        FaultKind::Invalid { message, hint } => (
            format!("`{key}` {message}"),
            hint.clone()
                .unwrap_or_else(|| format!("fix the value of `{key}`")),
        ),
    };
    Diagnostic::config(message).hint(hint)
}

fn plural(kind: &str) -> String {
    match kind {
        "true or false" => "booleans".to_owned(),
        k => format!(
            "{}s",
            k.strip_prefix("an ")
                .or_else(|| k.strip_prefix("a "))
                .unwrap_or(k)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config> {
        Config::parse(text, Path::new("jaunt.toml"), PathBuf::from("/p"))
    }

    #[test]
    fn jobs_are_bounded() {
        for key in ["build", "test"] {
            let err = parse(&format!("version = 1\n[{key}]\njobs = 100000\n"))
                .unwrap_err()
                .to_string();
            assert!(err.contains("above the limit of 256"), "{err}");
            assert!(parse(&format!("version = 1\n[{key}]\njobs = 256\n")).is_ok());
        }
    }

    #[test]
    fn defaults() {
        let c = parse("version = 1\n").unwrap();
        assert_eq!(c.paths.source_roots, vec!["src", "."]);
        assert_eq!(c.paths.test_roots, vec!["tests"]);
        assert_eq!(c.paths.generated_dir, "__generated__");
        assert_eq!(c.build.jobs, 8);
        assert!(c.build.infer_deps);
        assert_eq!(c.build.max_attempts, 2);
        assert_eq!(c.test.jobs, 4);
        assert_eq!(c.test.pytest_args, vec!["-q"]);
        assert!(!c.test.auto_class_tests);
        assert!(
            parse("version = 1\n[test]\nauto_class_tests = true\n")
                .unwrap()
                .test
                .auto_class_tests
        );
        assert_eq!(c.llm.api_key_env.as_deref(), Some("OPENAI_API_KEY"));
    }

    #[test]
    fn unknown_key_has_line_and_suggestion() {
        let err = parse("version = 1\n\n[build]\njbos = 3\n").unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("jaunt.toml:4: unknown key `build.jbos`"),
            "{text}"
        );
        assert!(text.contains("did you mean `build.jobs`?"), "{text}");
        assert_eq!(err.exit_code(), 2);
    }

    #[test]
    fn wrong_type_names_key() {
        let err = parse("version = 1\n[build]\njobs = \"many\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains(":3: `build.jobs` must be an integer"), "{err}");
    }

    #[test]
    fn missing_version() {
        let err = parse("[build]\njobs = 2\n").unwrap_err().to_string();
        assert!(err.contains("missing required key `version`"), "{err}");
    }

    #[test]
    fn pyproject_table() {
        let text = "[project]\nname='x'\n[tool.jaunt]\nversion = 1\n[tool.jaunt.paths]\ngenerated_dir = \"gen\"\nbogus = 1\n";
        let err = Config::parse(text, Path::new("pyproject.toml"), PathBuf::from("/p"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("pyproject.toml:7: unknown key `tool.jaunt.paths.bogus`"),
            "{err}"
        );
    }

    #[test]
    fn generated_dir_must_be_identifier() {
        let err = parse("version = 1\n[paths]\ngenerated_dir = \"my-gen\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains(":3:"), "{err}");
        assert!(err.contains("not a Python identifier"), "{err}");
    }

    #[test]
    fn unknown_provider_suggests_a_name() {
        let err = parse("version = 1\n[llm]\nprovider = \"opnai\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(":3: unknown `llm.provider` \"opnai\""),
            "{err}"
        );
        assert!(err.contains("did you mean \"openai\"?"), "{err}");
        let err = parse("version = 1\n[llm]\nprovider = \"zzz\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("use one of \"openai\", \"anthropic\", \"command\""),
            "{err}"
        );
    }

    #[test]
    fn unknown_table_in_pyproject_suggests_one() {
        let text = "[tool.jaunt]\nversion = 1\n[tool.jaunt.pahts]\nx = 1\n";
        let err = Config::parse(text, Path::new("pyproject.toml"), PathBuf::from("/p"))
            .unwrap_err()
            .to_string();
        assert!(err.contains(":3: unknown key `tool.jaunt.pahts`"), "{err}");
        assert!(err.contains("did you mean `tool.jaunt.paths`?"), "{err}");
    }

    #[test]
    fn lists_counts_and_tables_are_checked() {
        let err = |text: &str| {
            parse(&format!("version = 1\n{text}\n"))
                .unwrap_err()
                .to_string()
        };
        let e = err("[paths]\nsource_roots = \"src\"");
        assert!(
            e.contains(":3: `paths.source_roots` must be a list of strings, found string"),
            "{e}"
        );
        let e = err("[llm]\ncommand = [\"gen\", 3]");
        assert!(
            e.contains(":3: `llm.command` must be a list of strings, found integer at entry 2"),
            "{e}"
        );
        let e = err("[build]\njobs = 0");
        assert!(
            e.contains(":3: `build.jobs` must be at least 1, found 0"),
            "{e}"
        );
        let e = err("skills.max_concurrency = -2");
        assert!(
            e.contains(":2: `skills.max_concurrency` must be at least 1, found -2"),
            "{e}"
        );
        let e = err("[llm]\nprice_per_mtok = { input = 1 }");
        assert!(
            e.contains(":3: `llm.price_per_mtok` is missing `output`"),
            "{e}"
        );
        let e = err("paths = 3");
        assert!(
            e.contains(":2: `paths` must be a table, found integer"),
            "{e}"
        );
        let c =
            parse("version = 1\n[llm]\nprice_per_mtok = { input = 1, output = 2.5 }\n").unwrap();
        assert_eq!(
            c.llm.price_per_mtok,
            Some(Prices {
                input: 1.0,
                output: 2.5
            })
        );
    }

    #[test]
    fn defaults_that_follow_other_keys() {
        let c = parse("version = 1\n").unwrap();
        assert!(!c.paths.source_roots_explicit);
        assert_eq!(
            (c.llm.provider, c.llm.model.as_str()),
            (Provider::OpenAi, "gpt-5.2")
        );
        let c = parse("version = 1\n[paths]\nsource_roots = [\"lib\"]\n[llm]\nprovider = \"anthropic\"\n[build]\ninfer_deps = false\n").unwrap();
        assert!(c.paths.source_roots_explicit);
        assert_eq!(c.llm.model, "claude-sonnet-4-5");
        assert_eq!(c.llm.api_key_env.as_deref(), Some("ANTHROPIC_API_KEY"));
        assert!(
            !c.test.infer_deps,
            "test.infer_deps follows build.infer_deps"
        );
        let c = parse("version = 1\n[llm]\nprovider = \"command\"\nmodel = \"m\"\n[build]\ninfer_deps = false\n[test]\ninfer_deps = true\n").unwrap();
        assert_eq!(
            (c.llm.model.as_str(), c.llm.api_key_env.as_deref()),
            ("m", None)
        );
        assert!(c.test.infer_deps);
    }
}
