//! Project configuration: `jaunt.toml`, or `[tool.jaunt]` in `pyproject.toml`.
//!
//! The file is validated against a fixed schema so that a typo is an error
//! naming the key, the file and the line (with a did-you-mean), not a
//! silently ignored setting.

use crate::error::{JauntError, Problem, Result};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use toml_edit::{Document, Item, Table, Value};

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
}

#[derive(Clone, Debug, PartialEq)]
pub struct PathsConfig {
    pub source_roots: Vec<String>,
    pub test_roots: Vec<String>,
    /// Name of the generated package directory; a Python identifier.
    pub generated_dir: String,
    /// Whether `source_roots` was written in the file: only explicitly
    /// configured roots must exist.
    pub source_roots_explicit: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct LlmConfig {
    pub provider: String,
    pub model: String,
    pub api_key_env: Option<String>,
    pub base_url: Option<String>,
    /// `command` backend: the program and its arguments.
    pub command: Vec<String>,
    pub temperature: Option<f64>,
    pub max_tokens: Option<i64>,
    pub timeout_s: f64,
    pub price_per_mtok: Option<(f64, f64)>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct BuildConfig {
    pub jobs: usize,
    pub infer_deps: bool,
    pub max_attempts: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TestConfig {
    pub jobs: usize,
    pub infer_deps: bool,
    pub pytest_args: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct PromptsConfig {
    pub build_system: Option<String>,
    pub build_module: Option<String>,
    pub test_system: Option<String>,
    pub test_module: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct StoreConfig {
    pub path: Option<String>,
    pub remote: Option<String>,
    pub remote_write: bool,
    pub remote_token_env: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SkillsConfig {
    pub enabled: bool,
    pub index_url: String,
    pub max_concurrency: usize,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct PythonConfig {
    pub interpreter: Option<String>,
}

/// The type a key must have.
#[derive(Clone, Copy, Debug)]
enum Kind {
    Int,
    Float,
    Bool,
    Str,
    StrList,
    /// `{ input = …, output = … }` prices.
    Prices,
}

impl Kind {
    fn describe(self) -> &'static str {
        match self {
            Kind::Int => "an integer",
            Kind::Float => "a number",
            Kind::Bool => "true or false",
            Kind::Str => "a string",
            Kind::StrList => "a list of strings",
            Kind::Prices => "a table { input = NUMBER, output = NUMBER }",
        }
    }
}

/// Every table and key jaunt understands.
const SCHEMA: &[(&str, &[(&str, Kind)])] = &[
    (
        "paths",
        &[
            ("source_roots", Kind::StrList),
            ("test_roots", Kind::StrList),
            ("generated_dir", Kind::Str),
        ],
    ),
    (
        "llm",
        &[
            ("provider", Kind::Str),
            ("model", Kind::Str),
            ("api_key_env", Kind::Str),
            ("base_url", Kind::Str),
            ("command", Kind::StrList),
            ("temperature", Kind::Float),
            ("max_tokens", Kind::Int),
            ("timeout_s", Kind::Float),
            ("price_per_mtok", Kind::Prices),
        ],
    ),
    (
        "build",
        &[
            ("jobs", Kind::Int),
            ("infer_deps", Kind::Bool),
            ("max_attempts", Kind::Int),
        ],
    ),
    (
        "test",
        &[
            ("jobs", Kind::Int),
            ("infer_deps", Kind::Bool),
            ("pytest_args", Kind::StrList),
        ],
    ),
    (
        "prompts",
        &[
            ("build_system", Kind::Str),
            ("build_module", Kind::Str),
            ("test_system", Kind::Str),
            ("test_module", Kind::Str),
        ],
    ),
    (
        "store",
        &[
            ("path", Kind::Str),
            ("remote", Kind::Str),
            ("remote_write", Kind::Bool),
            ("remote_token_env", Kind::Str),
        ],
    ),
    (
        "skills",
        &[
            ("enabled", Kind::Bool),
            ("index_url", Kind::Str),
            ("max_concurrency", Kind::Int),
        ],
    ),
    ("python", &[("interpreter", Kind::Str)]),
];

/// A validated scalar or list read from the file.
#[derive(Clone, Debug)]
enum Setting {
    Int(i64),
    Float(f64),
    Bool(bool),
    Str(String),
    StrList(Vec<String>),
    Prices(f64, f64),
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
        let text = std::fs::read_to_string(&file).map_err(|e| {
            JauntError::Config(
                Problem::new(format!("cannot read configuration: {e}")).at(&file, None),
            )
        })?;
        let root = file
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        let config = Config::parse(&text, &file, root)?;
        config.check_roots()?;
        let _ = dotenvy::from_path(config.root.join(".env"));
        Ok(config)
    }

    /// Parses configuration text; `file` is used in messages and decides
    /// whether the table is at the top (`jaunt.toml`) or under `[tool.jaunt]`.
    pub fn parse(text: &str, file: &Path, root: PathBuf) -> Result<Config> {
        let doc = Document::parse(text).map_err(|e| {
            let line = e.span().map(|s| line_of(text, s.start));
            JauntError::Config(
                Problem::new(format!("invalid TOML: {}", e.message().trim()))
                    .at(file, line)
                    .hint("fix the TOML syntax at that line"),
            )
        })?;
        let is_pyproject = file.file_name().is_some_and(|n| n == PYPROJECT_FILE);
        let table = if is_pyproject {
            doc.get("tool")
                .and_then(|t| t.get("jaunt"))
                .and_then(Item::as_table)
                .ok_or_else(|| {
                    JauntError::Config(
                        Problem::new("pyproject.toml has no [tool.jaunt] table")
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
        let settings = Reader { text, file, prefix }.read(table)?;
        Ok(Config::from_settings(settings, file.to_path_buf(), root))
    }

    fn from_settings(mut s: BTreeMap<String, Setting>, file: PathBuf, root: PathBuf) -> Config {
        let mut take = |key: &str| s.remove(key);
        let str_of = |v: Option<Setting>| match v {
            Some(Setting::Str(s)) => Some(s),
            _ => None,
        };
        let list_of = |v: Option<Setting>| match v {
            Some(Setting::StrList(l)) => Some(l),
            _ => None,
        };
        let int_of = |v: Option<Setting>| match v {
            Some(Setting::Int(i)) => Some(i),
            _ => None,
        };
        let float_of = |v: Option<Setting>| match v {
            Some(Setting::Float(f)) => Some(f),
            Some(Setting::Int(i)) => Some(i as f64),
            _ => None,
        };
        let bool_of = |v: Option<Setting>| match v {
            Some(Setting::Bool(b)) => Some(b),
            _ => None,
        };
        let explicit_roots = list_of(take("paths.source_roots"));
        let provider = str_of(take("llm.provider")).unwrap_or_else(|| "openai".into());
        let default_key_env = match provider.as_str() {
            "openai" => Some("OPENAI_API_KEY".to_string()),
            "anthropic" => Some("ANTHROPIC_API_KEY".to_string()),
            _ => None,
        };
        let build_infer = bool_of(take("build.infer_deps")).unwrap_or(true);
        Config {
            paths: PathsConfig {
                source_roots_explicit: explicit_roots.is_some(),
                source_roots: explicit_roots.unwrap_or_else(|| vec!["src".into(), ".".into()]),
                test_roots: list_of(take("paths.test_roots"))
                    .unwrap_or_else(|| vec!["tests".into()]),
                generated_dir: str_of(take("paths.generated_dir"))
                    .unwrap_or_else(|| "__generated__".into()),
            },
            llm: LlmConfig {
                model: str_of(take("llm.model")).unwrap_or_else(|| default_model(&provider).into()),
                api_key_env: str_of(take("llm.api_key_env")).or(default_key_env),
                base_url: str_of(take("llm.base_url")),
                command: list_of(take("llm.command")).unwrap_or_default(),
                temperature: float_of(take("llm.temperature")),
                max_tokens: int_of(take("llm.max_tokens")),
                timeout_s: float_of(take("llm.timeout_s")).unwrap_or(600.0),
                price_per_mtok: match take("llm.price_per_mtok") {
                    Some(Setting::Prices(i, o)) => Some((i, o)),
                    _ => None,
                },
                provider,
            },
            build: BuildConfig {
                jobs: int_of(take("build.jobs")).map_or(8, |j| j as usize),
                infer_deps: build_infer,
                max_attempts: int_of(take("build.max_attempts")).map_or(2, |a| a as u32),
            },
            test: TestConfig {
                jobs: int_of(take("test.jobs")).map_or(4, |j| j as usize),
                infer_deps: bool_of(take("test.infer_deps")).unwrap_or(build_infer),
                pytest_args: list_of(take("test.pytest_args")).unwrap_or_else(|| vec!["-q".into()]),
            },
            prompts: PromptsConfig {
                build_system: str_of(take("prompts.build_system")),
                build_module: str_of(take("prompts.build_module")),
                test_system: str_of(take("prompts.test_system")),
                test_module: str_of(take("prompts.test_module")),
            },
            store: StoreConfig {
                path: str_of(take("store.path")),
                remote: str_of(take("store.remote")),
                remote_write: bool_of(take("store.remote_write")).unwrap_or(true),
                remote_token_env: str_of(take("store.remote_token_env")),
            },
            skills: SkillsConfig {
                enabled: bool_of(take("skills.enabled")).unwrap_or(true),
                index_url: str_of(take("skills.index_url"))
                    .unwrap_or_else(|| "https://pypi.org/pypi".into()),
                max_concurrency: int_of(take("skills.max_concurrency")).map_or(4, |c| c as usize),
            },
            python: PythonConfig {
                interpreter: str_of(take("python.interpreter")),
            },
            file,
            root,
        }
    }

    /// Explicitly configured source roots must exist; default roots and
    /// test roots that do not exist are skipped.
    fn check_roots(&self) -> Result<()> {
        if !self.paths.source_roots_explicit {
            return Ok(());
        }
        for root in &self.paths.source_roots {
            if !self.root.join(root).is_dir() {
                let text = std::fs::read_to_string(&self.file).unwrap_or_default();
                let line = text
                    .lines()
                    .position(|l| l.trim_start().starts_with("source_roots"))
                    .map(|i| i as u32 + 1);
                return Err(JauntError::Config(
                    Problem::new(format!(
                        "source root `{root}` does not exist (in `paths.source_roots`)"
                    ))
                    .at(&self.file, line)
                    .hint(format!(
                        "create {} or remove it from `source_roots`",
                        self.root.join(root).display()
                    )),
                ));
            }
        }
        Ok(())
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

fn default_model(provider: &str) -> &'static str {
    match provider {
        "anthropic" => "claude-sonnet-4-5",
        "command" => "command",
        _ => "gpt-5.2",
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
    let text = std::fs::read_to_string(&py).ok()?;
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
    JauntError::Config(
        Problem::new(format!(
            "no jaunt.toml (or pyproject.toml with [tool.jaunt]) found in {} or any parent directory",
            dir.display()
        ))
        .hint("run `jaunt init` to create one, or pass --root/--config"),
    )
}

/// 1-based line of a byte offset.
pub fn line_of(text: &str, offset: usize) -> u32 {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count() as u32
        + 1
}

struct Reader<'a> {
    text: &'a str,
    file: &'a Path,
    /// `tool.jaunt.` in pyproject.toml, for messages.
    prefix: &'a str,
}

impl Reader<'_> {
    fn error(
        &self,
        span: Option<std::ops::Range<usize>>,
        message: String,
        hint: String,
    ) -> JauntError {
        let line = span.map(|s| line_of(self.text, s.start));
        JauntError::Config(Problem::new(message).at(self.file, line).hint(hint))
    }

    fn read(&self, top: &Table) -> Result<BTreeMap<String, Setting>> {
        let mut out = BTreeMap::new();
        match top.get("version") {
            None => {
                return Err(self.error(
                    None,
                    format!("missing required key `{}version`", self.prefix),
                    "add `version = 1` at the top of the configuration".into(),
                ));
            }
            Some(item) if item.as_integer() != Some(1) => {
                return Err(self.error(
                    item.span(),
                    format!("unsupported `{}version`: expected 1", self.prefix),
                    "set `version = 1`; this jaunt reads configuration version 1".into(),
                ));
            }
            Some(_) => {}
        }
        let tables: Vec<&str> = SCHEMA.iter().map(|(t, _)| *t).collect();
        for (key, item) in top.iter() {
            if key == "version" {
                continue;
            }
            let span = top.key(key).and_then(|k| k.span());
            let Some((_, keys)) = SCHEMA.iter().find(|(t, _)| *t == key) else {
                return Err(self.unknown(span, "", key, &tables));
            };
            let Some(table) = item.as_table_like() else {
                return Err(self.error(
                    item.span().or(span),
                    format!("`{}{key}` must be a table", self.prefix),
                    format!("write it as `[{}{key}]`", self.prefix),
                ));
            };
            let names: Vec<&str> = keys.iter().map(|(k, _)| *k).collect();
            for (name, value) in table.iter() {
                let kspan = table.key(name).and_then(|k| k.span());
                let Some((_, kind)) = keys.iter().find(|(k, _)| *k == name) else {
                    return Err(self.unknown(kspan, &format!("{key}."), name, &names));
                };
                let full = format!("{key}.{name}");
                let setting = self.setting(&full, *kind, value, kspan)?;
                out.insert(full, setting);
            }
        }
        self.check_values(&out, top)?;
        Ok(out)
    }

    fn unknown(
        &self,
        span: Option<std::ops::Range<usize>>,
        table: &str,
        key: &str,
        known: &[&str],
    ) -> JauntError {
        let best = known
            .iter()
            .map(|k| (strsim::jaro_winkler(k, key), *k))
            .filter(|(score, _)| *score > 0.8)
            .max_by(|a, b| a.0.total_cmp(&b.0));
        let hint = match best {
            Some((_, k)) => format!("did you mean `{}{table}{k}`?", self.prefix),
            None => format!("known keys here: {}", known.join(", ")),
        };
        self.error(
            span,
            format!("unknown key `{}{table}{key}`", self.prefix),
            hint,
        )
    }

    fn setting(
        &self,
        full: &str,
        kind: Kind,
        item: &Item,
        span: Option<std::ops::Range<usize>>,
    ) -> Result<Setting> {
        let wrong = || {
            self.error(
                item.span().or(span.clone()),
                format!(
                    "`{}{full}` must be {}, found {}",
                    self.prefix,
                    kind.describe(),
                    item.type_name()
                ),
                format!(
                    "write `{}` as {}",
                    full.rsplit('.').next().unwrap_or(full),
                    kind.describe()
                ),
            )
        };
        let value = item.as_value();
        let setting = match kind {
            Kind::Int => Setting::Int(value.and_then(Value::as_integer).ok_or_else(wrong)?),
            Kind::Float => match value {
                Some(Value::Float(f)) => Setting::Float(*f.value()),
                Some(Value::Integer(i)) => Setting::Float(*i.value() as f64),
                _ => return Err(wrong()),
            },
            Kind::Bool => Setting::Bool(value.and_then(Value::as_bool).ok_or_else(wrong)?),
            Kind::Str => Setting::Str(value.and_then(Value::as_str).ok_or_else(wrong)?.to_string()),
            Kind::StrList => {
                let array = value.and_then(Value::as_array).ok_or_else(wrong)?;
                let mut list = Vec::new();
                for v in array.iter() {
                    list.push(v.as_str().ok_or_else(wrong)?.to_string());
                }
                Setting::StrList(list)
            }
            Kind::Prices => {
                let table = item.as_table_like().ok_or_else(wrong)?;
                let price = |k: &str| {
                    table.get(k).and_then(|i| match i.as_value() {
                        Some(Value::Float(f)) => Some(*f.value()),
                        Some(Value::Integer(n)) => Some(*n.value() as f64),
                        _ => None,
                    })
                };
                Setting::Prices(
                    price("input").ok_or_else(wrong)?,
                    price("output").ok_or_else(wrong)?,
                )
            }
        };
        Ok(setting)
    }

    /// Value rules beyond types.
    fn check_values(&self, s: &BTreeMap<String, Setting>, top: &Table) -> Result<()> {
        let span_of = |full: &str| {
            let (t, k) = full.split_once('.')?;
            top.get(t)?.as_table_like()?.key(k)?.span()
        };
        if let Some(Setting::Str(dir)) = s.get("paths.generated_dir")
            && !crate::names::is_identifier(dir)
        {
            return Err(self.error(
                span_of("paths.generated_dir"),
                format!("`{}paths.generated_dir` = {dir:?} is not a Python identifier", self.prefix),
                "use a name like `__generated__`: letters, digits and underscores, not starting with a digit".into(),
            ));
        }
        for key in [
            "build.jobs",
            "test.jobs",
            "build.max_attempts",
            "skills.max_concurrency",
        ] {
            if let Some(Setting::Int(n)) = s.get(key)
                && *n < 1
            {
                return Err(self.error(
                    span_of(key),
                    format!("`{}{key}` must be at least 1, found {n}", self.prefix),
                    "use a positive number".into(),
                ));
            }
        }
        if let Some(Setting::Str(p)) = s.get("llm.provider")
            && !["openai", "anthropic", "command"].contains(&p.as_str())
        {
            return Err(self.error(
                span_of("llm.provider"),
                format!("unknown `{}llm.provider` {p:?}", self.prefix),
                "use one of \"openai\", \"anthropic\", \"command\"".into(),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config> {
        Config::parse(text, Path::new("jaunt.toml"), PathBuf::from("/p"))
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
}
