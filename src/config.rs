//! Project configuration: `jaunt.toml`, or `[tool.jaunt]` in `pyproject.toml`.
//!
//! Each table is a serde struct that denies unknown keys, so a typo is an
//! error naming the key, the file and the line (with a did-you-mean), not a
//! silently ignored setting. Every key has a default, so accepting a new key
//! is one field.

use crate::error::{Diagnostic, JauntError, Result};
use crate::tomlread::{self, Fault, FaultKind, Step};
use serde::de::{DeserializeOwned, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use std::fmt;
use std::marker::PhantomData;
use std::path::{Path, PathBuf};
use toml_edit::{Document, Item, TableLike};

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
    pub contract: ContractConfig,
    /// Keys accepted from Jaunt 1.7 that have no effect here, one each,
    /// located in the file; shown under `-v`.
    pub notes: Vec<Diagnostic>,
    /// Environment variables the repository's `.env` set (they were not in
    /// the user's environment): like the configuration file, the
    /// repository's choice, not the user's.
    pub from_dotenv: std::collections::BTreeSet<String>,
}

/// The file's tables. A missing table is all defaults. Both configuration
/// versions are read into it; [`check_layout`] has already rejected what
/// the file's version does not allow where it is written.
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
    #[serde(default)]
    prompts: PromptsTable,
    #[serde(default = "defaults")]
    store: StoreConfig,
    #[serde(default = "defaults")]
    skills: SkillsConfig,
    #[serde(default = "defaults")]
    python: PythonConfig,
    /// Version 2: per-language settings.
    #[serde(default)]
    target: TargetTable,
    #[serde(default, rename = "agent")]
    _agent: Unused<AgentTable>,
    #[serde(default, rename = "codex")]
    _codex: Unused<CodexTable>,
    #[serde(default, rename = "daemon")]
    _daemon: Unused<DaemonTable>,
    #[serde(default, rename = "semantic_gate")]
    _semantic_gate: Unused<SemanticGateTable>,
    #[serde(default, rename = "context")]
    _context: Unused<ContextTable>,
    #[serde(default = "defaults")]
    contract: ContractConfig,
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
    /// Stop starting model calls once the run's spend, estimated from
    /// `price_per_mtok` and the tokens the backends report, reaches this.
    #[serde(default, deserialize_with = "some_cost")]
    pub max_cost_per_build: Option<f64>,
    /// Sent as OpenAI's `reasoning_effort`; blank is unset, as in 1.7.
    #[serde(default, deserialize_with = "some_non_blank")]
    pub reasoning_effort: Option<String>,
    /// Sent as Anthropic's extended-thinking `budget_tokens`.
    #[serde(default, deserialize_with = "some_at_least_one")]
    pub anthropic_thinking_budget_tokens: Option<u32>,
    #[serde(default, rename = "prompt_cache")]
    _prompt_cache: Unused<bool>,
    #[serde(default, rename = "prompt_cache_key")]
    _prompt_cache_key: Unused<String>,
}

/// Prices per million tokens (`[llm] price_per_mtok = { input = 3.0,
/// output = 15.0 }`), in whatever currency `max_cost_per_build` is meant
/// in: the cost line of the apply report and the budget.
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
    /// Reject a generated module that imports what is neither the standard
    /// library, an installed package, its dependencies nor allowlisted.
    #[serde(default = "default::yes")]
    pub check_generated_imports: bool,
    /// Modules (and their submodules) a generated module may always import.
    #[serde(default, deserialize_with = "strings")]
    pub generated_import_allowlist: Vec<String>,
    /// Extra instructions for the model, added to the build system prompt.
    #[serde(default, deserialize_with = "strings")]
    pub instructions: Vec<String>,
    /// How async tests run, for the `{{async_test_info}}` placeholder.
    #[serde(default)]
    pub async_runner: AsyncRunner,
    #[serde(default, rename = "ty_retry_attempts")]
    _ty_retry_attempts: Unused<Count>,
    #[serde(default, rename = "include_target_tests")]
    _include_target_tests: Unused<bool>,
}

/// The pytest plugin that runs `async def` tests (1.7's `async_runner`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AsyncRunner {
    #[default]
    Asyncio,
    Anyio,
}

impl AsyncRunner {
    pub fn as_str(self) -> &'static str {
        match self {
            AsyncRunner::Asyncio => "asyncio",
            AsyncRunner::Anyio => "anyio",
        }
    }
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

/// Template files replacing the built-in prompts: `[prompts]`, or
/// `[prompts.py]` in a version 2 configuration.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PromptsConfig {
    pub build_system: Option<String>,
    pub build_module: Option<String>,
    pub test_system: Option<String>,
    pub test_module: Option<String>,
    #[serde(default, rename = "build_preamble")]
    _build_preamble: Unused<String>,
    #[serde(default, rename = "project_overview_system")]
    _project_overview_system: Unused<String>,
    #[serde(default, rename = "project_overview_user")]
    _project_overview_user: Unused<String>,
}

/// `[prompts]` as written: version 1's keys, or version 2's per-language
/// tables.
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PromptsTable {
    build_system: Option<String>,
    build_module: Option<String>,
    test_system: Option<String>,
    test_module: Option<String>,
    #[serde(default, rename = "build_preamble")]
    _build_preamble: Unused<String>,
    #[serde(default, rename = "project_overview_system")]
    _project_overview_system: Unused<String>,
    #[serde(default, rename = "project_overview_user")]
    _project_overview_user: Unused<String>,
    py: Option<PromptsConfig>,
    #[serde(default, rename = "ts")]
    _ts: Unused<FreeTable>,
}

impl PromptsTable {
    /// The Python prompts: version 1's own keys, or `[prompts.py]`.
    fn python(self, version: Version) -> PromptsConfig {
        match version {
            Version::V1 => PromptsConfig {
                build_system: self.build_system,
                build_module: self.build_module,
                test_system: self.test_system,
                test_module: self.test_module,
                ..PromptsConfig::default()
            },
            Version::V2 => self.py.unwrap_or_default(),
        }
    }
}

/// `[target]` (version 2): one table per language; only Python is built.
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct TargetTable {
    py: Option<PyTarget>,
    /// Present only to be reported: TypeScript is not supported.
    #[serde(default, rename = "ts")]
    _ts: Unused<FreeTable>,
}

/// `[target.py]`: version 2's home of the Python keys of `[paths]`,
/// `[build]` and `[test]`. A key written here replaces the default.
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PyTarget {
    #[serde(default, deserialize_with = "some_strings")]
    source_roots: Option<Vec<String>>,
    #[serde(default, deserialize_with = "some_strings")]
    test_roots: Option<Vec<String>>,
    #[serde(default, deserialize_with = "some_identifier")]
    generated_dir: Option<String>,
    infer_deps: Option<bool>,
    test_infer_deps: Option<bool>,
    emit_stubs: Option<bool>,
    async_runner: Option<AsyncRunner>,
    check_generated_imports: Option<bool>,
    #[serde(default, deserialize_with = "some_strings")]
    generated_import_allowlist: Option<Vec<String>>,
    #[serde(default, deserialize_with = "some_strings")]
    pytest_args: Option<Vec<String>>,
    auto_class_tests: Option<bool>,
    #[serde(default, rename = "ty_retry_attempts")]
    _ty_retry_attempts: Unused<Count>,
    #[serde(default, deserialize_with = "some_battery_dir")]
    contract_battery_dir: Option<String>,
}

fn some_battery_dir<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    battery_dir(d).map(Some)
}

impl PyTarget {
    /// Moves every key written here into the tables version 1 keeps it in.
    fn apply(
        self,
        paths: &mut PathsConfig,
        build: &mut BuildConfig,
        test: &mut TestConfig,
        contract: &mut ContractConfig,
    ) {
        fn set<T>(slot: &mut T, value: Option<T>) {
            if let Some(v) = value {
                *slot = v;
            }
        }
        set(&mut paths.source_roots, self.source_roots);
        set(&mut paths.test_roots, self.test_roots);
        set(&mut paths.generated_dir, self.generated_dir);
        set(&mut build.infer_deps, self.infer_deps);
        set(&mut test.infer_deps, self.test_infer_deps);
        set(&mut build.emit_stubs, self.emit_stubs);
        set(&mut build.async_runner, self.async_runner);
        set(
            &mut build.check_generated_imports,
            self.check_generated_imports,
        );
        set(
            &mut build.generated_import_allowlist,
            self.generated_import_allowlist,
        );
        set(&mut test.pytest_args, self.pytest_args);
        set(&mut test.auto_class_tests, self.auto_class_tests);
        set(&mut contract.battery_dir, self.contract_battery_dir);
    }
}

/// The tables below drive Jaunt 1.7's Codex engine, its daemon and its
/// contract batteries. They are read only to be type-checked: a 1.7
/// project's configuration keeps working, and `-v` notes each key.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AgentTable {
    #[serde(default, rename = "engine")]
    _engine: Unused<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CodexTable {
    #[serde(default, rename = "model")]
    _model: Unused<String>,
    #[serde(default, rename = "reasoning_effort")]
    _reasoning_effort: Unused<String>,
    #[serde(default, rename = "sandbox")]
    _sandbox: Unused<String>,
    #[serde(default, rename = "quota_wait_minutes")]
    _quota_wait_minutes: Unused<f64>,
    #[serde(default, rename = "fingerprint_cli_version")]
    _fingerprint_cli_version: Unused<bool>,
    #[serde(default, rename = "features")]
    _features: Unused<Strings>,
    #[serde(default, rename = "config")]
    _config: Unused<FreeTable>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DaemonTable {
    #[serde(default, rename = "poll_interval")]
    _poll_interval: Unused<f64>,
    #[serde(default, rename = "max_jobs")]
    _max_jobs: Unused<Count>,
    #[serde(default, rename = "notify_command")]
    _notify_command: Unused<String>,
    #[serde(default, rename = "auto_commit")]
    _auto_commit: Unused<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SemanticGateTable {
    #[serde(default, rename = "enabled")]
    _enabled: Unused<bool>,
    #[serde(default, rename = "model")]
    _model: Unused<String>,
    #[serde(default, rename = "reasoning_effort")]
    _reasoning_effort: Unused<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ContextTable {
    #[serde(default, rename = "repo_map")]
    _repo_map: Unused<bool>,
    #[serde(default, rename = "repo_map_file")]
    _repo_map_file: Unused<String>,
    #[serde(default, rename = "enrich")]
    _enrich: Unused<bool>,
    #[serde(default, rename = "max_chars")]
    _max_chars: Unused<Count>,
    #[serde(default, rename = "overview")]
    _overview: Unused<bool>,
    #[serde(default, rename = "search")]
    _search: Unused<ContextSearchTable>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ContextSearchTable {
    #[serde(default, rename = "enabled")]
    _enabled: Unused<bool>,
    #[serde(default, rename = "internal_retrieval")]
    _internal_retrieval: Unused<bool>,
    #[serde(default, rename = "max_hits")]
    _max_hits: Unused<Count>,
}

/// `[contract]`: how batteries of `@jaunt.contract` code are derived
/// (docs/contracts.md).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContractConfig {
    /// Where batteries go, relative to the project root; a battery mirrors
    /// its module's path under it.
    #[serde(default = "default::battery_dir", deserialize_with = "battery_dir")]
    pub battery_dir: String,
    /// The docstring sections turned into test cases.
    #[serde(default = "default::derive")]
    pub derive: Vec<Derive>,
    /// Whether `jaunt test --strength` may mutate contract code.
    #[serde(default = "default::yes")]
    pub strength: bool,
    /// How many examples the model's Hypothesis properties may draw.
    #[serde(
        default = "default::property_max_examples",
        deserialize_with = "at_least_one"
    )]
    pub property_max_examples: u64,
}

/// A docstring section `[contract] derive` may list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Derive {
    /// `Examples:` lines, `- args -> result`.
    Examples,
    /// `Raises:` lines, `- args raises Error`.
    Errors,
    /// `Properties:` (Hypothesis); not derived yet.
    Properties,
}

impl Derive {
    pub fn as_str(self) -> &'static str {
        match self {
            Derive::Examples => "examples",
            Derive::Errors => "errors",
            Derive::Properties => "properties",
        }
    }
}

/// A battery directory: a relative POSIX path that stays inside the
/// project (no `..`, not absolute), since jaunt writes and deletes there.
fn battery_dir<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let text = String::deserialize(d)?;
    let trimmed = text.trim_end_matches('/');
    let ok = !trimmed.is_empty()
        && !trimmed.starts_with('/')
        && !trimmed.contains('\\')
        && trimmed
            .split('/')
            .all(|p| !p.is_empty() && p != ".." && p != ".");
    if ok {
        Ok(trimmed.to_owned())
    } else {
        Err(serde::de::Error::custom(format!(
            "expected a relative path inside the project, like \"tests/contract\", not {text:?}"
        )))
    }
}

/// A key accepted for compatibility with Jaunt 1.7: its value must be a
/// `T` (a wrong type is an error like any other), and is then dropped.
struct Unused<T>(PhantomData<T>);

impl<T> Default for Unused<T> {
    fn default() -> Self {
        Unused(PhantomData)
    }
}

impl<T> Clone for Unused<T> {
    fn clone(&self) -> Self {
        Unused(PhantomData)
    }
}

impl<T> fmt::Debug for Unused<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Unused")
    }
}

impl<T> PartialEq for Unused<T> {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Unused<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        T::deserialize(d).map(|_| Unused(PhantomData))
    }
}

/// A list of strings, read with [`strings`]' wording.
struct Strings;

impl<'de> Deserialize<'de> for Strings {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        strings(d).map(|_| Strings)
    }
}

/// An integer of at least 0.
struct Count;

impl<'de> Deserialize<'de> for Count {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let n = i64::deserialize(d)?;
        if n < 0 {
            return Err(tomlread::rule(
                format_args!("must be at least 0, found {n}"),
                "use 0 or a positive number",
            ));
        }
        Ok(Count)
    }
}

/// A table of any keys and values (1.7's `[codex.config]`, `[prompts.ts]`).
struct FreeTable;

impl<'de> Deserialize<'de> for FreeTable {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Entries;
        impl<'de> Visitor<'de> for Entries {
            type Value = FreeTable;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a table")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<FreeTable, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(FreeTable)
            }
        }
        d.deserialize_map(Entries)
    }
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreConfig {
    pub path: Option<String>,
    pub remote: Option<String>,
    #[serde(default = "default::yes")]
    pub remote_write: bool,
    pub remote_token_env: Option<String>,
    /// An `s3://` remote's endpoint, for services other than AWS S3;
    /// `$AWS_ENDPOINT_URL` wins.
    pub s3_endpoint: Option<String>,
    /// Name the bucket in the request's path rather than its host, as
    /// servers without per-bucket host names need.
    #[serde(default)]
    pub s3_path_style: bool,
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
    /// 1.7's switch for writing skills: when false, apply writes none and
    /// the SKILL.md files present are still used.
    #[serde(default = "default::yes")]
    pub auto: bool,
    #[serde(default = "default::index_url")]
    pub index_url: String,
    #[serde(
        default = "default::max_concurrency",
        deserialize_with = "at_least_one"
    )]
    pub max_concurrency: usize,
    #[serde(default, rename = "max_chars_per_skill")]
    _max_chars_per_skill: Unused<Count>,
    #[serde(default, rename = "inject_user_skills")]
    _inject_user_skills: Unused<Strings>,
    #[serde(default, rename = "builtin")]
    _builtin: Unused<bool>,
    #[serde(default, rename = "builtin_skills")]
    _builtin_skills: Unused<Strings>,
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
    pub(super) fn battery_dir() -> String {
        "tests/contract".into()
    }
    pub(super) fn derive() -> Vec<super::Derive> {
        vec![super::Derive::Examples, super::Derive::Errors]
    }
    pub(super) fn property_max_examples() -> u64 {
        50
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

fn some_strings<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    strings(d).map(Some)
}

fn some_identifier<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    identifier(d).map(Some)
}

fn some_at_least_one<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    at_least_one(d).map(Some)
}

/// A string, `None` when blank (1.7 reads a blank `reasoning_effort` as unset).
fn some_non_blank<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let s = String::deserialize(d)?;
    Ok(Some(s.trim().to_owned()).filter(|s| !s.is_empty()))
}

/// An amount of money: a number of at least 0.
fn some_cost<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    let n = f64::deserialize(d)?;
    if !(n >= 0.0 && n.is_finite()) {
        return Err(tomlread::rule(
            format_args!("must be a number of at least 0, found {n}"),
            "write the most one run may spend, in the currency of `price_per_mtok`",
        ));
    }
    Ok(Some(n))
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
        let at = Located {
            table,
            text,
            file,
            prefix,
        };
        let version = check_version(&at)?;
        check_layout(&at, version)?;
        // Keys whose default follows another key's value.
        let roots_written =
            at.written(&["paths", "source_roots"]) || at.written(&["target", "py", "source_roots"]);
        let model_written = at.written(&["llm", "model"]);
        let test_infer_written =
            at.written(&["test", "infer_deps"]) || at.written(&["target", "py", "test_infer_deps"]);
        let settings = if is_pyproject {
            tomlread::read::<Pyproject>(text, doc.clone()).map(|p| p.tool.jaunt)
        } else {
            tomlread::read::<Settings>(text, doc.clone())
        }
        .map_err(error)?;
        let Settings {
            mut paths,
            mut llm,
            mut build,
            mut test,
            prompts,
            store,
            skills,
            python,
            target,
            mut contract,
            ..
        } = settings;
        if let Some(py) = target.py {
            py.apply(&mut paths, &mut build, &mut test, &mut contract);
        }
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
        check_llm(&at, &llm)?;
        let notes = inert_notes(&at, &llm);
        Ok(Config {
            root,
            file: file.to_path_buf(),
            paths,
            llm,
            build,
            test,
            prompts: prompts.python(version),
            store,
            skills,
            python,
            contract,
            notes,
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

/// The configuration format: 1, or 2 with per-language tables
/// (`[target.py]`, `[prompts.py]`), as Jaunt 1.7 reads them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Version {
    V1,
    V2,
}

/// The configuration's table in its file, to find where keys are written.
struct Located<'a> {
    table: &'a dyn TableLike,
    text: &'a str,
    file: &'a Path,
    /// `tool.jaunt.` in `pyproject.toml`, else empty.
    prefix: &'a str,
}

impl Located<'_> {
    /// The item at `path` below the configuration's table.
    fn item(&self, path: &[&str]) -> Option<&Item> {
        let (last, tables) = path.split_last()?;
        let mut table = self.table;
        for key in tables {
            table = table.get(key)?.as_table_like()?;
        }
        table.get(last)
    }

    fn written(&self, path: &[&str]) -> bool {
        self.item(path).is_some()
    }

    /// The line the last key of `path` is written on.
    fn line(&self, path: &[&str]) -> Option<u32> {
        let (last, tables) = path.split_last()?;
        let mut table = self.table;
        for key in tables {
            table = table.get(key)?.as_table_like()?;
        }
        let span = table.key(last)?.span()?;
        Some(tomlread::line_of(self.text, span.start))
    }

    /// `path` dotted as the user reads it (`tool.jaunt.llm.model`).
    fn dotted(&self, path: &[&str]) -> String {
        format!("{}{}", self.prefix, path.join("."))
    }

    /// A configuration error at the line of `path`.
    fn error(&self, path: &[&str], message: String, hint: String) -> Diagnostic {
        Diagnostic::config(message)
            .at(self.file, self.line(path))
            .hint(hint)
    }
}

/// The version check comes first: another version's keys may differ.
fn check_version(at: &Located<'_>) -> Result<Version> {
    let key = at.dotted(&["version"]);
    let problem = match at.table.get("version") {
        None => Diagnostic::config(format!("missing required key `{key}`"))
            .at(at.file, None)
            .hint("add `version = 1` at the top of the configuration"),
        Some(item) => match item.as_integer() {
            Some(1) => return Ok(Version::V1),
            Some(2) => return Ok(Version::V2),
            _ => Diagnostic::config(format!("unsupported `{key}`: expected 1 or 2"))
                .at(at.file, at.line(&["version"]))
                .hint("set `version = 1`, or `version = 2` with a [target.py] table, as Jaunt 1.7 reads them"),
        },
    };
    Err(JauntError::from(problem))
}

/// Python keys that version 2 reads from `[target.py]` (or `[prompts.py]`)
/// and not from the version 1 table that holds them: (where version 1
/// writes it, where version 2 does).
const MOVED_IN_V2: &[(&[&str], &[&str])] = &[
    (
        &["paths", "source_roots"],
        &["target", "py", "source_roots"],
    ),
    (&["paths", "test_roots"], &["target", "py", "test_roots"]),
    (
        &["paths", "generated_dir"],
        &["target", "py", "generated_dir"],
    ),
    (&["build", "infer_deps"], &["target", "py", "infer_deps"]),
    (&["build", "emit_stubs"], &["target", "py", "emit_stubs"]),
    (
        &["build", "ty_retry_attempts"],
        &["target", "py", "ty_retry_attempts"],
    ),
    (
        &["build", "async_runner"],
        &["target", "py", "async_runner"],
    ),
    (
        &["build", "check_generated_imports"],
        &["target", "py", "check_generated_imports"],
    ),
    (
        &["build", "generated_import_allowlist"],
        &["target", "py", "generated_import_allowlist"],
    ),
    (
        &["test", "infer_deps"],
        &["target", "py", "test_infer_deps"],
    ),
    (&["test", "pytest_args"], &["target", "py", "pytest_args"]),
    (
        &["test", "auto_class_tests"],
        &["target", "py", "auto_class_tests"],
    ),
    (
        &["contract", "battery_dir"],
        &["target", "py", "contract_battery_dir"],
    ),
    (
        &["prompts", "build_system"],
        &["prompts", "py", "build_system"],
    ),
    (
        &["prompts", "build_module"],
        &["prompts", "py", "build_module"],
    ),
    (
        &["prompts", "test_system"],
        &["prompts", "py", "test_system"],
    ),
    (
        &["prompts", "test_module"],
        &["prompts", "py", "test_module"],
    ),
    (
        &["prompts", "build_preamble"],
        &["prompts", "py", "build_preamble"],
    ),
    (
        &["prompts", "project_overview_system"],
        &["prompts", "py", "project_overview_system"],
    ),
    (
        &["prompts", "project_overview_user"],
        &["prompts", "py", "project_overview_user"],
    ),
];

/// What each version allows where: version 1 has no per-language tables;
/// version 2 has `[target.py]` (and no TypeScript here) and keeps its Python
/// keys only there. Every misplaced key is reported, at its line.
fn check_layout(at: &Located<'_>, version: Version) -> Result<()> {
    let mut problems = Vec::new();
    match version {
        Version::V1 => {
            for (path, home) in [
                (&["target"][..], "[paths], [build] and [test]"),
                (&["prompts", "py"][..], "[prompts]"),
                (&["prompts", "ts"][..], "[prompts]"),
            ] {
                if at.written(path) {
                    problems.push(at.error(
                        path,
                        format!("`[{}]` is a version 2 table, and this configuration is version 1", at.dotted(path)),
                        format!("set `version = 2` to read Python settings from [target.py] and [prompts.py], or write these keys in {home}"),
                    ));
                }
            }
        }
        Version::V2 => {
            let ts = ["target", "ts"];
            if at.written(&ts) {
                problems.push(at.error(
                    &ts,
                    format!("`[{}]`: TypeScript targets are not supported; jaunt builds Python specs only", at.dotted(&ts)),
                    "remove [target.ts] and keep [target.py] (build the TypeScript specs with Jaunt 1.7)".into(),
                ));
            } else if !at.written(&["target", "py"]) {
                problems.push(at.error(
                    &["version"],
                    format!("`{}` = 2 needs a `[{}]` table", at.dotted(&["version"]), at.dotted(&["target", "py"])),
                    "add [target.py] with the Python settings (source_roots, test_roots, …), or set `version = 1`".into(),
                ));
            }
            for (old, new) in MOVED_IN_V2 {
                if at.written(old) {
                    let (leaf, table) = new.split_last().expect("a key path");
                    problems.push(at.error(
                        old,
                        format!(
                            "`{}` is a Python setting, which version 2 reads from `[{}]`",
                            at.dotted(old),
                            at.dotted(table)
                        ),
                        format!("write it as `{leaf}` under [{}]", at.dotted(table)),
                    ));
                }
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(JauntError::Diagnostics(problems))
    }
}

/// Anthropic's smallest extended-thinking budget.
const MIN_THINKING_BUDGET: u32 = 1024;

/// `[llm]` keys that only make sense together.
fn check_llm(at: &Located<'_>, llm: &LlmConfig) -> Result<()> {
    let key = |k: &str| at.dotted(&["llm", k]);
    if llm.max_cost_per_build.is_some() && llm.price_per_mtok.is_none() {
        return Err(at
            .error(
                &["llm", "max_cost_per_build"],
                format!(
                    "`{}` needs `{}`: without prices jaunt cannot tell what a run spends",
                    key("max_cost_per_build"),
                    key("price_per_mtok")
                ),
                "add `price_per_mtok = { input = …, output = … }` under [llm] (prices per million prompt and completion tokens), or remove `max_cost_per_build`".into(),
            )
            .into());
    }
    if llm.provider != Provider::Anthropic {
        return Ok(());
    }
    let Some(budget) = llm.anthropic_thinking_budget_tokens else {
        return Ok(());
    };
    let thinking = key("anthropic_thinking_budget_tokens");
    let path = ["llm", "anthropic_thinking_budget_tokens"];
    if budget < MIN_THINKING_BUDGET {
        return Err(at
            .error(
                &path,
                format!("`{thinking}` is {budget}; Anthropic's extended thinking needs at least {MIN_THINKING_BUDGET}"),
                format!("use {MIN_THINKING_BUDGET} or more, or remove it"),
            )
            .into());
    }
    if let Some(max) = llm.max_tokens.filter(|&m| m <= i64::from(budget)) {
        return Err(at
            .error(
                &["llm", "max_tokens"],
                format!("`{}` = {max} must be larger than `{thinking}` = {budget}: the thinking counts within max_tokens", key("max_tokens")),
                format!("raise `max_tokens` above {budget} to leave room for the module, or remove it"),
            )
            .into());
    }
    if llm.temperature.is_some() {
        return Err(at
            .error(
                &["llm", "temperature"],
                format!("`{}` cannot be set with `{thinking}`: Anthropic does not allow changing the temperature with extended thinking", key("temperature")),
                "remove `temperature`, or `anthropic_thinking_budget_tokens`".into(),
            )
            .into());
    }
    Ok(())
}

/// Keys Jaunt 1.7 reads that have no effect here, with why: a table stands
/// for every key written in it; `codex.config` and `prompts.ts` are noted
/// whole.
const INERT: &[(&[&str], &str)] = &[
    (&["llm", "prompt_cache"], "1.7's prompt caching"),
    (&["llm", "prompt_cache_key"], "1.7's prompt caching"),
    (&["build", "ty_retry_attempts"], "1.7's type-check retries"),
    (&["build", "include_target_tests"], "1.7's build prompts"),
    (
        &["target", "py", "ty_retry_attempts"],
        "1.7's type-check retries",
    ),
    (&["prompts", "build_preamble"], "1.7's Codex engine"),
    (
        &["prompts", "project_overview_system"],
        "1.7's project overview",
    ),
    (
        &["prompts", "project_overview_user"],
        "1.7's project overview",
    ),
    (&["prompts", "py", "build_preamble"], "1.7's Codex engine"),
    (
        &["prompts", "py", "project_overview_system"],
        "1.7's project overview",
    ),
    (
        &["prompts", "py", "project_overview_user"],
        "1.7's project overview",
    ),
    (&["prompts", "ts"], "1.7's TypeScript target"),
    (&["skills", "max_chars_per_skill"], "1.7's skills"),
    (&["skills", "inject_user_skills"], "1.7's skills"),
    (&["skills", "builtin"], "1.7's built-in skills"),
    (&["skills", "builtin_skills"], "1.7's built-in skills"),
    (&["agent"], "1.7's Codex engine"),
    (&["codex"], "1.7's Codex engine"),
    (&["daemon"], "1.7's daemon"),
    (&["semantic_gate"], "1.7's Codex engine"),
    (&["context"], "1.7's Codex engine"),
];

/// Tables noted as one key: their contents are free-form.
const INERT_WHOLE: &[&[&str]] = &[&["codex", "config"], &["prompts", "ts"]];

/// One note per key written that has no effect here, in file order.
fn inert_notes(at: &Located<'_>, llm: &LlmConfig) -> Vec<Diagnostic> {
    let mut found: Vec<(Vec<String>, String)> = Vec::new();
    for (path, why) in INERT {
        let Some(item) = at.item(path) else { continue };
        let mut stack: Vec<(Vec<String>, &Item)> =
            vec![(path.iter().map(|k| k.to_string()).collect(), item)];
        while let Some((path, item)) = stack.pop() {
            let whole = INERT_WHOLE.iter().any(|w| w.iter().eq(path.iter()));
            match item.as_table_like().filter(|_| !whole) {
                Some(table) => stack.extend(
                    table
                        .iter()
                        .map(|(k, v)| ([path.clone(), vec![k.to_owned()]].concat(), v)),
                ),
                None => found.push((path, format!("it drives {why}"))),
            }
        }
    }
    let provider_only = [
        ("reasoning_effort", Provider::OpenAi),
        ("anthropic_thinking_budget_tokens", Provider::Anthropic),
    ];
    for (key, provider) in provider_only {
        if llm.provider != provider && at.written(&["llm", key]) {
            found.push((
                vec!["llm".into(), key.into()],
                format!(
                    "only the `{provider}` provider has it; this project uses `{}`",
                    llm.provider
                ),
            ));
        }
    }
    let mut notes: Vec<(Option<u32>, Diagnostic)> = found
        .into_iter()
        .map(|(path, why)| {
            let path: Vec<&str> = path.iter().map(String::as_str).collect();
            let line = at.line(&path);
            let note = Diagnostic::config(format!(
                "`{}` has no effect in jaunt ({why})",
                at.dotted(&path)
            ))
            .at(at.file, line);
            (line, note)
        })
        .collect();
    notes.sort_by(|a, b| (a.0, &a.1.message).cmp(&(b.0, &b.1.message)));
    notes.into_iter().map(|(_, n)| n).collect()
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
mod schema_tests;

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

    const FIXTURE: &str = include_str!("../tests/fixtures/jaunt-1.7/jaunt.toml");
    const FIXTURE_V2: &str = include_str!("../tests/fixtures/jaunt-1.7/jaunt-v2.toml");

    fn err(text: &str) -> String {
        parse(text).unwrap_err().to_string()
    }

    /// The 1-based line of the first line of `text` starting with `start`.
    fn line_of(text: &str, start: &str) -> usize {
        text.lines()
            .position(|l| l.starts_with(start))
            .expect("the line is there")
            + 1
    }

    #[test]
    fn every_1_7_key_is_accepted_and_those_with_a_meaning_are_honoured() {
        let c = parse(FIXTURE).unwrap();
        assert_eq!(c.llm.max_cost_per_build, Some(5.0));
        assert_eq!(c.llm.reasoning_effort.as_deref(), Some("medium"));
        assert_eq!(c.llm.anthropic_thinking_budget_tokens, Some(4096));
        assert!(c.build.check_generated_imports);
        assert_eq!(c.build.generated_import_allowlist, ["intentional_extra"]);
        assert_eq!(
            c.build.instructions,
            ["Prefer small composable helpers over monolithic functions."]
        );
        assert_eq!(c.build.async_runner, AsyncRunner::Asyncio);
        assert!(c.test.auto_class_tests);
        assert!(c.skills.auto);
        assert_eq!(
            c.prompts.build_module.as_deref(),
            Some("prompts/build_module.md")
        );
        let blank = parse("version = 1\n[llm]\nreasoning_effort = \"  \"\n").unwrap();
        assert_eq!(
            blank.llm.reasoning_effort, None,
            "blank is unset, as in 1.7"
        );
        let defaults = parse("version = 1\n").unwrap();
        assert!(defaults.build.check_generated_imports);
        assert!(defaults.build.instructions.is_empty());
        assert!(defaults.notes.is_empty());
    }

    #[test]
    fn keys_without_effect_are_noted_once_each_at_their_line() {
        let c = parse(FIXTURE).unwrap();
        let notes: Vec<String> = c.notes.iter().map(|n| n.to_string()).collect();
        let noted = |key: &str| {
            notes
                .iter()
                .filter(|n| n.contains(&format!("`{key}` has no effect in jaunt")))
                .count()
        };
        for key in [
            "llm.prompt_cache",
            "llm.prompt_cache_key",
            "llm.anthropic_thinking_budget_tokens",
            "build.ty_retry_attempts",
            "build.include_target_tests",
            "prompts.build_preamble",
            "prompts.project_overview_system",
            "prompts.project_overview_user",
            "skills.max_chars_per_skill",
            "skills.inject_user_skills",
            "skills.builtin",
            "skills.builtin_skills",
            "agent.engine",
            "codex.model",
            "codex.reasoning_effort",
            "codex.sandbox",
            "codex.quota_wait_minutes",
            "codex.fingerprint_cli_version",
            "codex.features",
            "codex.config",
            "daemon.poll_interval",
            "daemon.max_jobs",
            "daemon.notify_command",
            "daemon.auto_commit",
            "semantic_gate.enabled",
            "semantic_gate.model",
            "semantic_gate.reasoning_effort",
            "context.repo_map",
            "context.repo_map_file",
            "context.enrich",
            "context.max_chars",
            "context.overview",
            "context.search.enabled",
            "context.search.internal_retrieval",
            "context.search.max_hits",
        ] {
            assert_eq!(noted(key), 1, "{key}: {notes:#?}");
        }
        assert_eq!(notes.len(), 35, "{notes:#?}");
        for honoured in [
            "contract.property_max_examples",
            "contract.strength",
            "contract.battery_dir",
            "contract.derive",
            "llm.reasoning_effort",
            "llm.max_cost_per_build",
            "build.instructions",
            "build.async_runner",
            "skills.auto",
        ] {
            assert_eq!(noted(honoured), 0, "{honoured}");
        }
        let sandbox = line_of(FIXTURE, "sandbox");
        assert!(
            notes.contains(&format!(
                "jaunt.toml:{sandbox}: `codex.sandbox` has no effect in jaunt (it drives 1.7's Codex engine)"
            )),
            "{notes:#?}"
        );
        let effort = notes
            .iter()
            .find(|n| n.contains("llm.anthropic_thinking_budget_tokens"))
            .unwrap();
        assert!(effort.contains("this project uses `openai`"), "{effort}");
        let lines: Vec<u32> = c.notes.iter().map(|n| n.line.unwrap()).collect();
        assert!(lines.is_sorted(), "in file order: {lines:?}");
    }

    #[test]
    fn wrong_types_of_1_7_keys_are_errors_at_their_line() {
        let cases = [
            (
                "[codex]\nquota_wait_minutes = \"soon\"",
                ":3: `codex.quota_wait_minutes` must be a number, found string",
            ),
            (
                "[daemon]\nmax_jobs = -1",
                ":3: `daemon.max_jobs` must be at least 0, found -1",
            ),
            (
                "[contract]\nderive = [\"exampels\"]",
                ":3: unknown `contract.derive` \"exampels\"",
            ),
            (
                "[contract]\nproperty_max_examples = 0",
                ":3: `contract.property_max_examples` must be at least 1, found 0",
            ),
            (
                "[build]\nasync_runner = \"trio\"",
                "use one of \"asyncio\", \"anyio\"",
            ),
            (
                "[llm]\nprompt_cache = \"yes\"",
                ":3: `llm.prompt_cache` must be true or false, found string",
            ),
            (
                "[llm]\nmax_cost_per_build = \"5\"",
                ":3: `llm.max_cost_per_build` must be a number, found string",
            ),
            (
                "[llm]\nmax_cost_per_build = -1.0\nprice_per_mtok = { input = 1, output = 1 }",
                ":3: `llm.max_cost_per_build` must be a number of at least 0, found -1",
            ),
            (
                "[codex]\nconfig = 3",
                ":3: `codex.config` must be a table, found integer",
            ),
            (
                "[skills]\nbuiltin_skills = [1]",
                ":3: `skills.builtin_skills` must be a list of strings, found integer at entry 1",
            ),
            (
                "[build]\ninstructions = \"be brief\"",
                ":3: `build.instructions` must be a list of strings, found string",
            ),
            (
                "[context.search]\nmax_hits = \"8\"",
                ":3: `context.search.max_hits` must be an integer, found string",
            ),
            (
                "[llm]\nanthropic_thinking_budget_tokens = 0",
                ":3: `llm.anthropic_thinking_budget_tokens` must be at least 1, found 0",
            ),
        ];
        for (text, expected) in cases {
            let e = err(&format!("version = 1\n{text}\n"));
            assert!(e.contains(expected), "{text}: {e}");
        }
    }

    #[test]
    fn a_misspelled_1_7_key_is_still_an_error_with_a_suggestion() {
        let e = err("version = 1\n[codex]\nsandbx = \"x\"\n");
        assert!(e.contains(":3: unknown key `codex.sandbx`"), "{e}");
        assert!(e.contains("did you mean `codex.sandbox`?"), "{e}");
        let e = err("version = 1\n[build]\ninstruction = []\n");
        assert!(e.contains("did you mean `build.instructions`?"), "{e}");
        let e = err("version = 1\n[semantic_gaet]\nenabled = true\n");
        assert!(e.contains("did you mean `semantic_gate`?"), "{e}");
        let e = err("version = 1\n[context.search]\nmax_hit = 2\n");
        assert!(e.contains("did you mean `context.search.max_hits`?"), "{e}");
    }

    #[test]
    fn a_budget_needs_prices() {
        let text = "version = 1\n[llm]\nmodel = \"m\"\nmax_cost_per_build = 2.5\n";
        let e = parse(text).unwrap_err();
        let message = e.to_string();
        assert!(
            message.contains("jaunt.toml:4: `llm.max_cost_per_build` needs `llm.price_per_mtok`"),
            "{message}"
        );
        assert_eq!(e.exit_code(), crate::error::exit::CONFIG);
        let c = parse(&format!(
            "{text}price_per_mtok = {{ input = 1, output = 2 }}\n"
        ))
        .unwrap();
        assert_eq!(c.llm.max_cost_per_build, Some(2.5));
    }

    #[test]
    fn an_anthropic_thinking_budget_must_fit_the_api() {
        let anthropic = |extra: &str| {
            format!(
                "version = 1\n[llm]\nprovider = \"anthropic\"\nanthropic_thinking_budget_tokens = 2048\n{extra}"
            )
        };
        assert!(parse(&anthropic("")).is_ok());
        let e = err(&anthropic("max_tokens = 2048\n"));
        assert!(e.contains(":5: `llm.max_tokens` = 2048 must be larger than `llm.anthropic_thinking_budget_tokens` = 2048"), "{e}");
        let e = err(&anthropic("temperature = 0.2\n"));
        assert!(
            e.contains(
                ":5: `llm.temperature` cannot be set with `llm.anthropic_thinking_budget_tokens`"
            ),
            "{e}"
        );
        let e = err(
            "version = 1\n[llm]\nprovider = \"anthropic\"\nanthropic_thinking_budget_tokens = 100\n",
        );
        assert!(e.contains(":4:") && e.contains("at least 1024"), "{e}");
        let openai = parse(
            "version = 1\n[llm]\nanthropic_thinking_budget_tokens = 100\ntemperature = 0.2\n",
        )
        .unwrap();
        assert_eq!(openai.notes.len(), 1, "noted, not checked: it is not sent");
    }

    #[test]
    fn version_2_reads_python_settings_from_target_py() {
        let c = parse(FIXTURE_V2).unwrap();
        assert_eq!(c.paths.source_roots, ["src"]);
        assert!(c.paths.source_roots_explicit);
        assert!(c.build.infer_deps);
        assert!(!c.test.infer_deps, "test_infer_deps");
        assert_eq!(c.test.pytest_args, ["-q", "-x"]);
        assert!(c.test.auto_class_tests);
        assert_eq!(c.build.async_runner, AsyncRunner::Anyio);
        assert_eq!(c.build.generated_import_allowlist, ["intentional_extra"]);
        assert_eq!(c.build.instructions, ["Use dataclasses for records."]);
        assert_eq!((c.build.jobs, c.test.jobs), (6, 2));
        assert_eq!(
            c.prompts.build_module.as_deref(),
            Some("prompts/build_module.md")
        );
        assert_eq!(c.prompts.build_system, None);
        assert_eq!(c.contract.battery_dir, "tests/contract");
        let moved =
            parse("version = 2\n[target.py]\ncontract_battery_dir = \"checks/pinned/\"\n").unwrap();
        assert_eq!(moved.contract.battery_dir, "checks/pinned");
        for outside in ["/abs", "../up", "a/../b", ""] {
            let text = format!("version = 1\n[contract]\nbattery_dir = {outside:?}\n");
            assert!(
                err(&text).contains("a relative path inside the project"),
                "{outside}: {}",
                err(&text)
            );
        }
        let c = parse("version = 2\n[target.py]\n[build]\ninfer_deps = false\n");
        assert!(c.is_err());
        let minimal = parse("version = 2\n[target.py]\n").unwrap();
        assert_eq!(minimal.paths.source_roots, ["src", "."]);
        assert!(minimal.test.infer_deps);
        let follows = parse("version = 2\n[target.py]\ninfer_deps = false\n").unwrap();
        assert!(
            !follows.test.infer_deps,
            "test_infer_deps follows infer_deps"
        );
    }

    #[test]
    fn version_2_layout_errors_name_the_line_and_the_home() {
        let text = "version = 2\n\n[target.py]\n\n[target.ts]\nsource_roots = [\"web\"]\n";
        let e = parse(text).unwrap_err();
        let message = e.to_string();
        assert!(
            message.contains("jaunt.toml:5: `[target.ts]`: TypeScript targets are not supported"),
            "{message}"
        );
        assert_eq!(e.exit_code(), crate::error::exit::CONFIG);
        let e = err("version = 2\n[llm]\nmodel = \"m\"\n");
        assert!(
            e.contains("jaunt.toml:1: `version` = 2 needs a `[target.py]` table"),
            "{e}"
        );
        let e = err(
            "version = 2\n[target.py]\n[paths]\nsource_roots = [\"src\"]\n[test]\npytest_args = []\n",
        );
        assert!(e.contains("jaunt.toml:4: `paths.source_roots` is a Python setting, which version 2 reads from `[target.py]`"), "{e}");
        assert!(
            e.contains("write it as `source_roots` under [target.py]"),
            "{e}"
        );
        assert!(
            e.contains("jaunt.toml:6: `test.pytest_args`"),
            "both reported: {e}"
        );
        let e = err("version = 2\n[target.py]\n[test]\nauto_class_tests = true\n");
        assert!(
            e.contains("jaunt.toml:4: `test.auto_class_tests` is a Python setting, which version 2 reads from `[target.py]`"),
            "{e}"
        );
        let minimal = parse("version = 2\n[target.py]\n").unwrap();
        assert!(!minimal.test.auto_class_tests);
        let e = err("version = 2\n[target.py]\n[prompts]\nbuild_module = \"b.md\"\n");
        assert!(e.contains(":4: `prompts.build_module` is a Python setting, which version 2 reads from `[prompts.py]`"), "{e}");
        let e = err("version = 2\n[target.py]\nsource_root = []\n");
        assert!(e.contains("did you mean `target.py.source_roots`?"), "{e}");
        let e = err("version = 1\n[target.py]\nsource_roots = []\n");
        assert!(e.contains(":2: `[target]` is a version 2 table"), "{e}");
        let e = err("version = 1\n[prompts.py]\nbuild_module = \"b.md\"\n");
        assert!(e.contains(":2: `[prompts.py]` is a version 2 table"), "{e}");
        let e = err("version = 3\n");
        assert!(
            e.contains(":1: unsupported `version`: expected 1 or 2"),
            "{e}"
        );
        let text = "[tool.jaunt]\nversion = 2\n[tool.jaunt.target.ts]\n";
        let e = Config::parse(text, Path::new("pyproject.toml"), PathBuf::from("/p"))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("pyproject.toml:3: `[tool.jaunt.target.ts]`"),
            "{e}"
        );
    }
}
