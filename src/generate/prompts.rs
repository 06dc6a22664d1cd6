//! Prompt templates and their rendering.
//!
//! Four templates (system and module prompt, for build and for test
//! specs) are built in and may each be replaced by a file named in
//! `[prompts]`. A template is plain text with `{{name}}` placeholders:
//!
//! - `{{kind}}`, `{{spec_module}}`, `{{generated_module}}`, `{{attempt}}`;
//! - `{{expected_names}}`: the required names, as a comma-separated list;
//! - `{{specs}}`: every spec's verbatim source with its decorator prompt
//!   and, for a test spec, its `targets=` and the public-API rule;
//! - `{{dependency_apis}}`, `{{dependency_modules}}`, `{{skills}}`,
//!   `{{errors}}`: whole sections with their own heading, empty when there
//!   is nothing to show (a line holding only such an empty placeholder is
//!   dropped, so the prompt has no gaps).
//!
//! Unknown placeholders are left as written. Substitution is one pass, so
//! spec source that happens to contain `{{…}}` is shown verbatim.

use super::{Request, RequestSpec};
use crate::config::Config;
use crate::error::{Diagnostic, JauntError};
use crate::names::SpecKind;
use std::collections::BTreeMap;

/// The four templates, built-in or from `[prompts]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prompts {
    pub build_system: String,
    pub build_module: String,
    pub test_system: String,
    pub test_module: String,
}

/// The messages sent to a model: what the HTTP backends put in their
/// system and user messages, and what the `command` backend receives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rendered {
    pub system: String,
    pub prompt: String,
}

impl Default for Prompts {
    /// The built-in templates.
    fn default() -> Prompts {
        Prompts {
            build_system: include_str!("templates/build_system.md").into(),
            build_module: include_str!("templates/build_module.md").into(),
            test_system: include_str!("templates/test_system.md").into(),
            test_module: include_str!("templates/test_module.md").into(),
        }
    }
}

impl Prompts {
    /// The built-in templates, each replaced by the file its `[prompts]`
    /// key names (relative to the project root).
    pub fn load(config: &Config) -> Result<Prompts, JauntError> {
        let mut prompts = Prompts::default();
        let keys = &config.prompts;
        let slots = [
            (
                "build_system",
                &keys.build_system,
                &mut prompts.build_system,
            ),
            (
                "build_module",
                &keys.build_module,
                &mut prompts.build_module,
            ),
            ("test_system", &keys.test_system, &mut prompts.test_system),
            ("test_module", &keys.test_module, &mut prompts.test_module),
        ];
        for (key, path, slot) in slots {
            let Some(path) = path else { continue };
            let full = config.root.join(path);
            *slot = std::fs::read_to_string(&full).map_err(|e| {
                JauntError::from(
                    Diagnostic::config(format!(
                        "cannot read the template `prompts.{key}` = {path:?} ({}): {e}",
                        full.display()
                    ))
                    .at(&config.file, None)
                    .hint(format!(
                        "create that file (paths are relative to the project root), or remove `prompts.{key}` to use the built-in template"
                    )),
                )
            })?;
        }
        Ok(prompts)
    }

    /// Renders the system and module prompt for one attempt; `errors` are
    /// the previous attempt's validation errors (empty on the first).
    pub fn render(&self, request: &Request, attempt: u32, errors: &[String]) -> Rendered {
        let (system, module) = match request.kind {
            SpecKind::Build => (&self.build_system, &self.build_module),
            SpecKind::Test => (&self.test_system, &self.test_module),
        };
        let values = values(request, attempt, errors);
        Rendered {
            system: substitute(system, &values),
            prompt: substitute(module, &values),
        }
    }
}

fn values(request: &Request, attempt: u32, errors: &[String]) -> BTreeMap<&'static str, String> {
    let names: Vec<String> = request
        .expected_names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect();
    let specs: Vec<String> = request
        .specs
        .iter()
        .map(|s| {
            let mut text = s
                .prompt
                .as_deref()
                .map(|p| format!("Decorator prompt: {p}\n\n"))
                .unwrap_or_default();
            text.push_str(&under_test(s));
            let title = format!("`{}` ({})", s.spec_ref, s.kind.as_str());
            code_block(&title, &text, &s.source)
        })
        .collect();
    let apis: Vec<String> = request
        .dependency_apis
        .iter()
        .map(|d| code_block(&format!("`{}`", d.spec_ref), "", &d.source))
        .collect();
    let modules: Vec<String> = request
        .dependency_modules
        .iter()
        .map(|d| match (&d.interface, &d.source) {
            (Some(stub), _) => code_block(&format!("`{}` (interface)", d.module), "", stub),
            (None, source) => code_block(
                &format!("`{}` (generated)", d.module),
                "",
                source.as_deref().unwrap_or_default(),
            ),
        })
        .collect();
    let shows_interfaces = request
        .dependency_modules
        .iter()
        .any(|d| d.interface.is_some());
    let error_lines: Vec<String> = errors.iter().map(|e| format!("- {e}")).collect();
    let mut v = BTreeMap::new();
    v.insert("kind", request.kind.as_str().to_string());
    v.insert("spec_module", request.spec_module.to_string());
    v.insert("generated_module", request.generated_module.to_string());
    v.insert("attempt", attempt.to_string());
    v.insert("expected_names", names.join(", "));
    v.insert("specs", format!("{}\n", specs.join("\n\n")));
    v.insert(
        "dependency_apis",
        section(
            "Dependency APIs",
            "Specs of other modules that this module uses. Import each from the module in its ref.",
            &apis.join("\n\n"),
        ),
    );
    v.insert(
        "dependency_modules",
        section(
            "Dependency modules",
            if shows_interfaces {
                "The public interface of each generated module behind those dependencies (signatures, no bodies): the names, types and signatures you get when importing from the modules above."
            } else {
                "The generated implementations behind those dependencies, for reference: they show the real types and behaviour you get when importing from the modules above."
            },
            &modules.join("\n\n"),
        ),
    );
    v.insert(
        "skills",
        section(
            "Library skills",
            "Notes on the installed libraries this code may use.",
            request.skills.trim(),
        ),
    );
    v.insert(
        "errors",
        section(
            "Previous attempt rejected",
            &format!(
                "Attempt {} was rejected for these problems. Fix every one of them in this attempt:",
                attempt.saturating_sub(1)
            ),
            &error_lines.join("\n"),
        ),
    );
    v
}

/// What a test spec says about the code under test: its `targets=` and
/// whether the tests keep to their public API. Empty for a spec that uses
/// neither, so its prompt reads as it always did.
fn under_test(spec: &RequestSpec) -> String {
    let refs: Vec<String> = spec.targets.iter().map(|t| format!("`{t}`")).collect();
    match (refs.is_empty(), spec.public_api_only) {
        (false, Some(false)) => format!(
            "APIs under test: {}. The tests may also use their private names (a leading underscore) where that tests them better.\n\n",
            refs.join(", ")
        ),
        (false, _) => format!(
            "APIs under test: {}. Test them through their public API only: no names with a leading underscore, no internals of the implementation.\n\n",
            refs.join(", ")
        ),
        (true, Some(false)) => {
            "The tests may also use private names (a leading underscore) of the code under test.\n\n".to_string()
        }
        (true, _) => String::new(),
    }
}

/// A `###` heading, optional text, and the source in a fenced block.
fn code_block(title: &str, text: &str, source: &str) -> String {
    format!("### {title}\n\n{text}```python\n{}\n```", source.trim_end())
}

/// A heading, an explanation and a body; empty when the body is. Ends
/// with a newline so that the template's own line end leaves a blank line.
fn section(heading: &str, intro: &str, body: &str) -> String {
    if body.is_empty() {
        return String::new();
    }
    format!("## {heading}\n\n{intro}\n\n{body}\n")
}

/// One-pass `{{name}}` substitution; a line that is only a placeholder
/// whose value is empty is dropped.
fn substitute(template: &str, values: &BTreeMap<&'static str, String>) -> String {
    let mut out = String::with_capacity(template.len());
    for line in template.split_inclusive('\n') {
        let alone = line
            .trim()
            .strip_prefix("{{")
            .and_then(|l| l.strip_suffix("}}"))
            .and_then(|name| values.get(name));
        if alone.is_some_and(String::is_empty) {
            continue;
        }
        let mut rest = line;
        while let Some(start) = rest.find("{{") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let value = after
                .find("}}")
                .and_then(|end| Some((values.get(&after[..end])?, end)));
            match value {
                Some((value, end)) => {
                    out.push_str(value);
                    rest = &after[end + 2..];
                }
                None => {
                    out.push_str("{{");
                    rest = after;
                }
            }
        }
        out.push_str(rest);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::tests::sample_request;
    use crate::names::{ModuleName, SpecRef};
    use std::path::Path;

    #[test]
    fn render_shows_every_spec_and_no_retry_section_on_first_attempt() {
        let request = sample_request();
        let r = Prompts::default().render(&request, 1, &[]);
        for spec in &request.specs {
            assert!(r.prompt.contains(&spec.source), "{}", r.prompt);
        }
        assert!(r.prompt.contains("Decorator prompt: use integer cents"));
        assert!(r.prompt.contains("shop.__generated__.cart"));
        assert!(r.prompt.contains("`Cart.add`"));
        assert!(r.prompt.contains("class Money"));
        assert!(r.prompt.contains("def money_helper"));
        assert!(!r.prompt.contains("rejected"));
        assert!(r.prompt.contains("Sum of {{items}}."), "{}", r.prompt);
        assert!(!r.prompt.contains("{{spec"), "{}", r.prompt);
        assert!(!r.prompt.contains("\n\n\n"), "{}", r.prompt);
        assert!(r.system.contains("`total`"));
    }

    #[test]
    fn render_carries_errors_on_retry() {
        let request = sample_request();
        let errors = vec![
            "missing name `total`".to_string(),
            "syntax error at 3:1".into(),
        ];
        let r = Prompts::default().render(&request, 2, &errors);
        assert!(r.prompt.contains("Attempt 1 was rejected"));
        for e in &errors {
            assert!(r.prompt.contains(e.as_str()));
        }
    }

    #[test]
    fn test_kind_uses_test_templates() {
        let mut request = sample_request();
        request.kind = SpecKind::Test;
        let r = Prompts::default().render(&request, 1, &[]);
        assert!(r.system.contains("pytest"));
        assert!(
            r.prompt
                .contains("Never import from a `__generated__` package")
        );
    }

    #[test]
    fn test_specs_name_their_targets_and_the_public_api_rule() {
        let mut request = sample_request();
        request.kind = SpecKind::Test;
        let untouched = Prompts::default().render(&request, 1, &[]);
        for s in &mut request.specs {
            s.public_api_only = Some(true);
        }
        // The default rule without targets adds nothing: such prompts read
        // as they did before targets= existed.
        assert_eq!(Prompts::default().render(&request, 1, &[]), untouched);
        assert!(!untouched.prompt.contains("APIs under test"));

        let cart = SpecRef::new(ModuleName::new("shop.cart"), "Cart");
        let total = SpecRef::new(ModuleName::new("shop.cart"), "total");
        request.specs[0].targets = vec![cart, total];
        let r = Prompts::default().render(&request, 1, &[]);
        assert!(
            r.prompt.contains(
                "APIs under test: `shop.cart:Cart`, `shop.cart:total`. Test them through their public API only"
            ),
            "{}",
            r.prompt
        );
        assert_eq!(r.prompt.matches("APIs under test").count(), 1);

        request.specs[0].public_api_only = Some(false);
        let r = Prompts::default().render(&request, 1, &[]);
        assert!(
            r.prompt
                .contains("The tests may also use their private names")
        );
        assert!(!r.prompt.contains("public API only"));

        request.specs[0].targets.clear();
        let r = Prompts::default().render(&request, 1, &[]);
        assert!(
            r.prompt.contains(
                "may also use private names (a leading underscore) of the code under test"
            )
        );
        assert!(!r.prompt.contains("APIs under test"));
    }

    #[test]
    fn substitution_is_one_pass_and_keeps_unknown_placeholders() {
        let mut values = BTreeMap::new();
        values.insert("a", "{{b}}".to_string());
        values.insert("b", "B".to_string());
        values.insert("empty", String::new());
        let out = substitute("x {{a}} {{b}} {{nope}} {{\n  {{empty}}\nend", &values);
        assert_eq!(out, "x {{b}} B {{nope}} {{\nend");
    }

    #[test]
    fn load_overrides_and_reports_missing_files() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("sys.md"), "custom {{spec_module}}").unwrap();
        let text = "version = 1\n[prompts]\nbuild_system = \"sys.md\"\n";
        let config = Config::parse(text, Path::new("jaunt.toml"), dir.path().into()).unwrap();
        let prompts = Prompts::load(&config).unwrap();
        assert_eq!(prompts.build_system, "custom {{spec_module}}");
        assert_eq!(prompts.build_module, Prompts::default().build_module);

        let text = "version = 1\n[prompts]\ntest_module = \"gone.md\"\n";
        let config = Config::parse(text, Path::new("jaunt.toml"), dir.path().into()).unwrap();
        let err = Prompts::load(&config).unwrap_err();
        let message = err.to_string();
        assert!(message.contains("prompts.test_module"), "{message}");
        assert!(message.contains("gone.md"), "{message}");
        assert_eq!(err.exit_code(), crate::error::exit::CONFIG);
    }
}
