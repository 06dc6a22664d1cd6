//! Prompt templates and their rendering.
//!
//! Four templates (system and module prompt, for build and for test
//! specs) are built in and may each be replaced by a file named in
//! `[prompts]`. A template is plain text with `{{name}}` placeholders:
//!
//! - `{{kind}}`, `{{spec_module}}`, `{{generated_module}}`, `{{attempt}}`;
//! - `{{expected_names}}`: the required names, as a comma-separated list;
//! - `{{specs}}`: every spec's verbatim source with its decorator prompt,
//!   for a class spec its methods' roles, for a test spec its `targets=`
//!   and the public-API rule, and under `jaunt.magic_module` the module's
//!   handwritten code;
//! - `{{dependency_apis}}`, `{{dependency_modules}}`, `{{skills}}`,
//!   `{{errors}}`, `{{build_instructions_block}}`: whole sections with
//!   their own heading, empty when there is nothing to show (a line holding
//!   only such an empty placeholder is dropped, so the prompt has no gaps);
//! - Jaunt 1.7's names, so that its templates work unchanged (see
//!   [`PLACEHOLDERS`]): aliases of the above, `{{async_test_info}}`, and
//!   blocks jaunt has no content for, which render empty.
//!
//! A template file with an unknown placeholder is a configuration error
//! naming its line, never sent as written. `[build] instructions` go where
//! a build template places `{{build_instructions_block}}`, else at the end
//! of the build system prompt. Substitution is one pass, so spec source
//! that happens to contain `{{…}}` is shown verbatim.

use super::{Request, RequestMember, RequestSpec};
use crate::config::{AsyncRunner, Config};
use crate::error::{Diagnostic, JauntError};
use crate::names::SpecKind;
use crate::python::MemberRole;
use std::collections::BTreeMap;
use std::path::Path;

/// The four templates, built-in or from `[prompts]`, and the settings
/// that render into them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prompts {
    pub build_system: String,
    pub build_module: String,
    pub test_system: String,
    pub test_module: String,
    /// `[build] instructions`.
    pub instructions: Vec<String>,
    /// `[build] async_runner`, for `{{async_test_info}}`.
    pub async_runner: AsyncRunner,
}

/// Every placeholder a template may use: jaunt's own, then those of Jaunt
/// 1.7's templates. `docs/architecture.md` (Generator backends) says what
/// each 1.7 name renders.
pub const PLACEHOLDERS: &[&str] = &[
    "kind",
    "spec_module",
    "generated_module",
    "attempt",
    "expected_names",
    "specs",
    "dependency_apis",
    "dependency_modules",
    "skills",
    "errors",
    "build_instructions_block",
    "specs_block",
    "deps_api_block",
    "deps_generated_block",
    "error_context_block",
    "async_test_info",
    "module_contract_block",
    "decorator_apis_block",
    "package_context_block",
    "blueprint_source_block",
    "base_contract_block",
    "attached_test_specs_block",
];

/// 1.7's names for jaunt's own blocks: (1.7 name, jaunt name).
const ALIASES: &[(&str, &str)] = &[
    ("specs_block", "specs"),
    ("deps_api_block", "dependency_apis"),
    ("deps_generated_block", "dependency_modules"),
    ("error_context_block", "errors"),
];

/// 1.7 blocks for what jaunt does not have (module contracts, decorator
/// APIs, package context, blueprints, base-class contracts, attached test
/// specs): always empty.
const EMPTY_IN_JAUNT: &[&str] = &[
    "module_contract_block",
    "decorator_apis_block",
    "package_context_block",
    "blueprint_source_block",
    "base_contract_block",
    "attached_test_specs_block",
];

const INSTRUCTIONS: &str = "{{build_instructions_block}}";

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
            instructions: Vec::new(),
            async_runner: AsyncRunner::default(),
        }
    }
}

impl Prompts {
    /// The built-in templates, each replaced by the file its `[prompts]`
    /// key names (relative to the project root), whose placeholders must
    /// all be known.
    pub fn load(config: &Config) -> Result<Prompts, JauntError> {
        let mut prompts = Prompts {
            instructions: config.build.instructions.clone(),
            async_runner: config.build.async_runner,
            ..Prompts::default()
        };
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
            check_placeholders(slot, &full, key)?;
        }
        Ok(prompts)
    }

    /// Whether a template of this run uses `placeholder`.
    pub fn uses(&self, placeholder: &str) -> bool {
        let written = format!("{{{{{placeholder}}}}}");
        [
            &self.build_system,
            &self.build_module,
            &self.test_system,
            &self.test_module,
        ]
        .iter()
        .any(|t| t.contains(&written))
    }

    /// Renders the system and module prompt for one attempt; `errors` are
    /// the previous attempt's validation errors (empty on the first).
    pub fn render(&self, request: &Request, attempt: u32, errors: &[String]) -> Rendered {
        let (system, module) = match request.kind {
            SpecKind::Build => (&self.build_system, &self.build_module),
            SpecKind::Test | SpecKind::Contract => (&self.test_system, &self.test_module),
        };
        let values = self.values(request, attempt, errors);
        let mut system = substitute(system, &values);
        let instructions = &values["build_instructions_block"];
        let placed = [&self.build_system, &self.build_module]
            .iter()
            .any(|t| t.contains(INSTRUCTIONS));
        if request.kind == SpecKind::Build && !placed && !instructions.is_empty() {
            system = format!("{}\n\n{instructions}", system.trim_end());
        }
        Rendered {
            system,
            prompt: substitute(module, &values),
        }
    }

    fn values(
        &self,
        request: &Request,
        attempt: u32,
        errors: &[String],
    ) -> BTreeMap<&'static str, String> {
        let mut v = values(request, attempt, errors);
        let lines: Vec<String> = self.instructions.iter().map(|i| format!("- {i}")).collect();
        v.insert(
            "build_instructions_block",
            section(
                "Project instructions",
                "This project's own instructions. Follow each of them.",
                &lines.join("\n"),
            ),
        );
        let mark = match self.async_runner {
            AsyncRunner::Asyncio => "`@pytest.mark.asyncio` (pytest-asyncio runs it)",
            AsyncRunner::Anyio => "`@pytest.mark.anyio` (the anyio pytest plugin runs it)",
        };
        v.insert(
            "async_test_info",
            format!("An `async def` test spec becomes an `async def` test marked {mark}."),
        );
        for (old, new) in ALIASES {
            let value = v[new].clone();
            v.insert(old, value);
        }
        for name in EMPTY_IN_JAUNT {
            v.insert(name, String::new());
        }
        v
    }
}

/// Fails on the first line of `template` (the file at `path`, set by
/// `prompts.{key}`) holding a placeholder that is not in [`PLACEHOLDERS`]:
/// sent as written it would reach the model as noise.
fn check_placeholders(template: &str, path: &Path, key: &str) -> Result<(), JauntError> {
    let mut problems = Vec::new();
    for (i, line) in template.lines().enumerate() {
        let mut rest = line;
        while let Some(start) = rest.find("{{") {
            let after = &rest[start + 2..];
            let Some(end) = after.find("}}") else { break };
            let inner = &after[..end];
            let name = inner.trim();
            let word =
                !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if word && (name != inner || !PLACEHOLDERS.contains(&name)) {
                let line = u32::try_from(i + 1).unwrap_or(u32::MAX);
                let message = if PLACEHOLDERS.contains(&name) {
                    format!(
                        "placeholder `{{{{{inner}}}}}` in the template `prompts.{key}` has spaces; write it `{{{{{name}}}}}`"
                    )
                } else {
                    format!("unknown placeholder `{{{{{name}}}}}` in the template `prompts.{key}`")
                };
                problems.push(
                    Diagnostic::config(message)
                        .at(path, Some(line))
                        .hint(format!(
                            "known placeholders: {}",
                            PLACEHOLDERS
                                .iter()
                                .map(|p| format!("{{{{{p}}}}}"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        )),
                );
            }
            rest = &after[end + 2..];
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(JauntError::Diagnostics(problems))
    }
}

fn values(request: &Request, attempt: u32, errors: &[String]) -> BTreeMap<&'static str, String> {
    let names: Vec<String> = request
        .expected_names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect();
    let mut specs: Vec<String> = request
        .specs
        .iter()
        .map(|s| {
            let mut text = s
                .prompt
                .as_deref()
                .map(|p| format!("Decorator prompt: {p}\n\n"))
                .unwrap_or_default();
            text.push_str(&members(&s.members));
            text.push_str(&under_test(s));
            let title = format!("`{}` ({})", s.spec_ref, s.kind.as_str());
            code_block(&title, &text, &s.source)
        })
        .collect();
    if !request.handwritten.is_empty() {
        // Inside `{{specs}}`, so that templates (and with them every
        // generator fingerprint) stay as they were.
        let sources: Vec<&str> = request
            .handwritten
            .iter()
            .map(|h| h.source.trim_end())
            .collect();
        specs.push(code_block(
            &format!("Handwritten code in `{}`", request.spec_module),
            &format!(
                "These definitions stay in `{0}` as written: never write them again. Where your code needs one, import it from `{0}` (the one exception to the rule against importing from it).\n\n",
                request.spec_module
            ),
            &sources.join("\n\n"),
        ));
    }
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

/// What a class spec asks of each of its methods, as a list; empty when
/// every method is handwritten (the template already says to keep those).
fn members(members: &[RequestMember]) -> String {
    if members.iter().all(|m| m.role == MemberRole::Handwritten) {
        return String::new();
    }
    let mut out = String::from("Methods of this class:\n");
    for m in members {
        let what = match m.role {
            MemberRole::Preserved => {
                "preserved (`@jaunt.preserve`): copy it into the class verbatim, unchanged"
                    .to_string()
            }
            MemberRole::Sealed => format!(
                "sealed (`@jaunt.sig`): keep exactly the signature `{}`, and write its body",
                m.signature
            ),
            MemberRole::Spec => {
                "a spec (`@jaunt.magic`): implement it as its docstring says".to_string()
            }
            MemberRole::Guidepost => {
                "a guidepost: a suggested method; adapt its signature if the design needs it"
                    .to_string()
            }
            MemberRole::Handwritten => "handwritten: keep it as written".to_string(),
        };
        out.push_str(&format!("- `{}`: {what}", m.name));
        if let Some(prompt) = &m.prompt {
            out.push_str(&format!(" (decorator prompt: {prompt})"));
        }
        out.push('\n');
    }
    out.push('\n');
    out
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
        assert!(
            r.prompt.contains("Methods of this class:\n- `add`: sealed (`@jaunt.sig`): keep exactly the signature `def add(self, cents: int) -> None`, and write its body\n"),
            "{}",
            r.prompt
        );
        assert!(
            r.prompt.contains("### Handwritten code in `shop.cart`\n\nThese definitions stay in `shop.cart` as written"),
            "{}",
            r.prompt
        );
        assert!(
            r.prompt
                .contains("def tax_rate() -> int:\n    return 20\n```")
        );
        // A prompt without class members or handwritten code shows neither.
        let mut plain = request.clone();
        plain.handwritten.clear();
        for spec in &mut plain.specs {
            spec.members.clear();
        }
        let r = Prompts::default().render(&plain, 1, &[]);
        assert!(!r.prompt.contains("Methods of this class") && !r.prompt.contains("Handwritten"));
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

    #[test]
    fn the_placeholders_accepted_are_exactly_those_rendered() {
        let values = Prompts::default().values(&sample_request(), 1, &[]);
        let rendered: std::collections::BTreeSet<&str> = values.keys().copied().collect();
        let accepted: std::collections::BTreeSet<&str> = PLACEHOLDERS.iter().copied().collect();
        assert_eq!(rendered, accepted);
    }

    /// A 1.7 build_module template using every placeholder 1.7 offers it.
    const TEMPLATE_1_7: &str = "\
Module {{generated_module}} from {{spec_module}}: {{expected_names}}
{{specs_block}}
{{deps_api_block}}
{{deps_generated_block}}
{{error_context_block}}
{{module_contract_block}}
{{decorator_apis_block}}
{{build_instructions_block}}
{{package_context_block}}
{{blueprint_source_block}}
{{base_contract_block}}
{{attached_test_specs_block}}
{{async_test_info}}
end
";

    #[test]
    fn placeholders_of_1_7_render_what_jaunt_has() {
        let request = sample_request();
        let errors = vec!["missing name `total`".to_string()];
        let own = Prompts::default().values(&request, 2, &errors);
        let prompts = Prompts {
            build_module: TEMPLATE_1_7.into(),
            ..Prompts::default()
        };
        let r = prompts.render(&request, 2, &errors);
        let expected = format!(
            "Module shop.__generated__.cart from shop.cart: {}\n{}\n{}\n{}\n{}\n{}\nend\n",
            own["expected_names"],
            own["specs"],
            own["dependency_apis"],
            own["dependency_modules"],
            own["errors"],
            own["async_test_info"],
        );
        assert_eq!(r.prompt, expected);
        assert!(
            r.prompt.contains("def money_helper"),
            "deps_generated_block"
        );
        assert!(
            r.prompt.contains("Attempt 1 was rejected"),
            "error_context_block"
        );
        assert!(r.prompt.contains("@pytest.mark.asyncio"), "{}", r.prompt);
        let anyio = Prompts {
            async_runner: AsyncRunner::Anyio,
            ..prompts
        };
        assert!(
            anyio
                .render(&request, 1, &[])
                .prompt
                .contains("@pytest.mark.anyio")
        );
    }

    #[test]
    fn instructions_go_to_the_build_system_prompt_unless_a_template_places_them() {
        let request = sample_request();
        let with = Prompts {
            instructions: vec!["Prefer small helpers.".into(), "No globals.".into()],
            ..Prompts::default()
        };
        let r = with.render(&request, 1, &[]);
        assert!(
            r.system
                .ends_with("## Project instructions\n\nThis project's own instructions. Follow each of them.\n\n- Prefer small helpers.\n- No globals.\n"),
            "{}",
            r.system
        );
        assert!(
            r.system.starts_with(
                &Prompts::default()
                    .render(&request, 1, &[])
                    .system
                    .trim_end()
                    .to_string()
            )
        );
        assert!(!r.prompt.contains("Prefer small helpers."));
        let placed = Prompts {
            build_module: "Rules:\n{{build_instructions_block}}\nGo.\n".into(),
            ..with.clone()
        };
        let r = placed.render(&request, 1, &[]);
        assert_eq!(r.prompt.matches("Prefer small helpers.").count(), 1);
        assert!(!r.system.contains("Prefer small helpers."), "placed once");
        let mut test = request.clone();
        test.kind = SpecKind::Test;
        let r = with.render(&test, 1, &[]);
        assert!(!r.system.contains("Prefer small helpers.") && !r.prompt.contains("Prefer"));
        let none = Prompts::default().render(&request, 1, &[]);
        assert_eq!(
            none,
            Prompts {
                build_module: Prompts::default()
                    .build_module
                    .replace("{{errors}}", "{{errors}}\n{{build_instructions_block}}"),
                ..Prompts::default()
            }
            .render(&request, 1, &[]),
            "no instructions, no section, no blank line"
        );
    }

    #[test]
    fn built_in_templates_use_known_placeholders_only() {
        let d = Prompts::default();
        for (key, t) in [
            ("build_system", &d.build_system),
            ("build_module", &d.build_module),
            ("test_system", &d.test_system),
            ("test_module", &d.test_module),
        ] {
            check_placeholders(t, Path::new(key), key).unwrap();
        }
    }

    #[test]
    fn an_unknown_placeholder_in_a_template_file_is_an_error_at_its_line() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("module.md"),
            "Write {{generated_module}}.\n\nSee {{spec_modul}} and {{ specs_block }}; literal {{ not a name }} {{x\n",
        )
        .unwrap();
        let text = "version = 1\n[prompts]\nbuild_module = \"module.md\"\n";
        let config = Config::parse(text, Path::new("jaunt.toml"), dir.path().into()).unwrap();
        let err = Prompts::load(&config).unwrap_err();
        assert_eq!(err.exit_code(), crate::error::exit::CONFIG);
        let diagnostics = err.diagnostics();
        assert_eq!(diagnostics.len(), 2, "{err}");
        let first = &diagnostics[0];
        assert_eq!(
            first.file.as_deref(),
            Some(dir.path().join("module.md").as_path())
        );
        assert_eq!(first.line, Some(3));
        assert_eq!(
            first.message,
            "unknown placeholder `{{spec_modul}}` in the template `prompts.build_module`"
        );
        let hint = first.hint.as_deref().unwrap();
        assert!(
            hint.contains("{{spec_module}}") && hint.contains("{{deps_generated_block}}"),
            "{hint}"
        );
        assert!(
            diagnostics[1]
                .message
                .contains("has spaces; write it `{{specs_block}}`"),
            "{err}"
        );
    }
}
