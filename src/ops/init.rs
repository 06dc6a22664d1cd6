//! `jaunt init`: scaffold a new project, as `cargo new` does.

use crate::error::{Diagnostic, JauntError, Result};
use crate::fsutil::write_atomic;
use std::path::{Path, PathBuf};

const CONFIG: &str = r#"# jaunt configuration. Every key is shown with its default; uncomment to change.
version = 1

[paths]
# Where spec modules live; configured roots must exist.
# source_roots = ["src", "."]
# Where @jaunt.test spec modules live.
# test_roots = ["tests"]
# Name of the generated package directory next to each spec module.
# generated_dir = "__generated__"

[llm]
# "openai" (any OpenAI-compatible server via base_url), "anthropic", or "command".
# provider = "openai"
# model = "gpt-5.2"
# api_key_env = "OPENAI_API_KEY"
# base_url = "http://localhost:11434/v1"
# command = ["./my-agent-wrapper", "--flag"]
# temperature = 0.0
# max_tokens = 8192
# timeout_s = 600

[build]
# jobs = 8
# infer_deps = true
# max_attempts = 2

[test]
# jobs = 4
# infer_deps = true
# pytest_args = ["-q"]
# auto_class_tests = false

[prompts]
# Files overriding the built-in prompt templates.
# build_system = "prompts/build_system.md"
# build_module = "prompts/build_module.md"
# test_system = "prompts/test_system.md"
# test_module = "prompts/test_module.md"

[store]
# path = "~/.cache/jaunt"
# remote = "http://cache.example:8080/jaunt"   # or "s3://bucket/prefix"
# remote_write = true

[skills]
# enabled = true
# max_concurrency = 4
"#;

const SPEC: &str = r#""""Starter specs: describe what you want; `jaunt apply` writes it."""

import jaunt


@jaunt.magic
def slugify(title: str) -> str:
    """Turn a title into a URL slug.

    Lowercase, ASCII letters and digits only, words joined by single
    hyphens, no leading or trailing hyphen: "Hello, World!" -> "hello-world".
    """
"#;

const TEST_SPEC: &str = r#""""Starter test specs: `jaunt test` generates and runs pytest tests."""

import jaunt
from {package}.text import slugify


@jaunt.test
def test_slugify_examples() -> None:
    """slugify("Hello, World!") == "hello-world" and slugify("  a  b ") == "a-b"."""
"#;

/// What `init` wrote, for the CLI to report.
pub struct Scaffold {
    pub created: Vec<PathBuf>,
    pub package: String,
}

/// Scaffolds `root`. Refuses to replace an existing `jaunt.toml` unless
/// `force`; never touches existing spec files.
pub fn init(root: &Path, force: bool) -> Result<Scaffold> {
    let config = root.join(crate::config::CONFIG_FILE);
    if config.exists() && !force {
        return Err(JauntError::from(
            Diagnostic::config("jaunt.toml already exists")
                .at(&config, None)
                .hint("pass --force to overwrite it"),
        ));
    }
    let name = std::path::absolute(root)
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_default();
    let package = package_name(&name);
    let mut created = Vec::new();
    let mut write = |rel: String, text: &str, replace: bool| -> Result<()> {
        let path = root.join(&rel);
        if path.exists() && !replace {
            return Ok(());
        }
        write_atomic(&path, text.as_bytes())
            .map_err(|e| JauntError::io(format!("writing {}", path.display()), e))?;
        created.push(path);
        Ok(())
    };
    write(crate::config::CONFIG_FILE.into(), CONFIG, true)?;
    write(format!("src/{package}/__init__.py"), "", false)?;
    write(format!("src/{package}/text.py"), SPEC, false)?;
    write(
        format!("tests/test_{package}_specs.py"),
        &TEST_SPEC.replace("{package}", &package),
        false,
    )?;
    let gitignore = root.join(".gitignore");
    let existing = std::fs::read_to_string(&gitignore).unwrap_or_default();
    if !existing
        .lines()
        .any(|l| l.trim() == ".jaunt/" || l.trim() == ".jaunt")
    {
        let mut text = existing;
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str(".jaunt/\n");
        write_atomic(&gitignore, text.as_bytes())
            .map_err(|e| JauntError::io(format!("writing {}", gitignore.display()), e))?;
        created.push(gitignore);
    }
    Ok(Scaffold { created, package })
}

/// A Python package name from a directory name: `my-app` → `my_app`.
fn package_name(dir: &str) -> String {
    let mut s: String = dir
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    if s.is_empty() || s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert_str(0, "app_");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_names() {
        assert_eq!(package_name("my-app"), "my_app");
        assert_eq!(package_name("1st"), "app_1st");
        assert_eq!(package_name(""), "app_");
    }

    #[test]
    fn starter_config_parses() {
        let c = crate::config::Config::parse(CONFIG, Path::new("jaunt.toml"), PathBuf::from("/p"))
            .unwrap();
        assert_eq!(c.paths.generated_dir, "__generated__");
    }
}
