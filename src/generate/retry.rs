//! Generation with validation and retry, as the original Jaunt did: each
//! answer is unfenced and validated, and a rejected answer's errors go
//! into the next attempt's prompt.

use super::{Budget, Generator, Prompts, Request, Usage, WireRequest};

/// An accepted module: fences stripped, usage summed over the attempts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Accepted {
    pub source: String,
    pub usage: Option<Usage>,
    /// Model calls made, the accepted one included.
    pub attempts: u32,
}

/// Why a module could not be generated in `max_attempts` attempts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GenFailure {
    /// One human-readable line per problem, each prefixed with its
    /// attempt: validation errors and backend errors.
    pub errors: Vec<String>,
    /// Tokens spent over all attempts.
    pub usage: Usage,
    /// Model calls made.
    pub attempts: u32,
    /// The run's budget was reached before an attempt could start.
    pub over_budget: bool,
}

/// Checks an answer beyond syntax and the expected names: one message per
/// problem, empty when acceptable.
pub type Check<'a> = dyn Fn(&str) -> Vec<String> + Sync + 'a;

/// How one module's attempts are bounded and checked.
#[derive(Clone, Copy)]
pub struct Attempts<'a> {
    /// At most this many model calls (at least one).
    pub max: u32,
    /// The imports an answer makes, say.
    pub check: Option<&'a Check<'a>>,
    /// Asked before each call, charged after it.
    pub budget: Option<&'a Budget>,
}

impl Attempts<'_> {
    /// At most `max` attempts, no further check, no budget.
    pub fn new(max: u32) -> Attempts<'static> {
        Attempts {
            max,
            check: None,
            budget: None,
        }
    }
}

/// Checks a candidate module against the request's expected names and
/// contracts; empty when it is acceptable.
type Validator = fn(&str, &Request) -> Vec<String>;

/// Generates `request` in at most `attempts.max` attempts, validating each
/// answer with [`crate::python::validate`] and `attempts.check`. Returns
/// the accepted module (fences stripped) with usage summed over the
/// attempts. A backend error ends the loop early unless it is retryable;
/// a reached budget ends it before the next call.
pub fn generate_with_retry(
    generator: &dyn Generator,
    prompts: &Prompts,
    request: &Request,
    attempts: &Attempts<'_>,
) -> Result<Accepted, GenFailure> {
    retry(generator, prompts, request, attempts, |source, request| {
        crate::python::validate(source, &request.expected_names, &request.contracts)
    })
}

fn retry(
    generator: &dyn Generator,
    prompts: &Prompts,
    request: &Request,
    limits: &Attempts<'_>,
    validate: Validator,
) -> Result<Accepted, GenFailure> {
    let mut usage: Option<Usage> = None;
    let mut failures = Vec::new();
    let mut previous: Vec<String> = Vec::new();
    let mut attempts = 0;
    let mut over_budget = false;
    for attempt in 1..=limits.max.max(1) {
        if let Some(budget) = limits.budget.filter(|b| !b.allows_a_call()) {
            failures.push(format!("attempt {attempt} not made: {}", budget.reached()));
            over_budget = true;
            break;
        }
        attempts = attempt;
        let rendered = prompts.render(request, attempt, &previous);
        let wire = WireRequest {
            request,
            system: rendered.system,
            prompt: rendered.prompt,
            attempt,
            errors: previous.clone(),
        };
        match generator.generate(&wire) {
            Ok(output) => {
                if let Some(spent) = output.usage {
                    usage = Some(usage.unwrap_or_default() + spent);
                    if let Some(budget) = limits.budget {
                        budget.charge(spent);
                    }
                }
                let source = strip_fences(&output.source);
                let mut errors = validate(&source, request);
                if let Some(check) = limits.check {
                    errors.extend(check(&source));
                }
                if errors.is_empty() {
                    return Ok(Accepted {
                        source,
                        usage,
                        attempts: attempt,
                    });
                }
                failures.extend(errors.iter().map(|e| format!("attempt {attempt}: {e}")));
                previous = errors;
            }
            Err(error) => {
                failures.push(format!("attempt {attempt}: {error}"));
                if !error.is_retryable() {
                    break;
                }
            }
        }
    }
    Err(GenFailure {
        errors: failures,
        usage: usage.unwrap_or_default(),
        attempts,
        over_budget,
    })
}

/// The code inside a markdown fence: a reply that opens with a fence
/// (```` ```python ```` or bare ```` ``` ````), or prose followed by a
/// fence with a language tag, yields the lines between the opening fence
/// and the last closing fence (to the end if it is never closed). Fences
/// count only at the start of a line, so indented ones inside docstrings
/// are code; text without such a fence is returned unchanged.
pub fn strip_fences(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let first_code = lines.iter().position(|l| !l.trim().is_empty());
    let opening = lines.iter().enumerate().position(|(i, line)| {
        line.strip_prefix("```").is_some_and(|tag| {
            let tag = tag.trim_end();
            let is_tag = tag
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-_.".contains(c));
            is_tag && (!tag.is_empty() || Some(i) == first_code)
        })
    });
    let Some(open) = opening else {
        return text.to_string();
    };
    let body = &lines[open + 1..];
    let close = body
        .iter()
        .rposition(|l| l.trim_end() == "```")
        .unwrap_or(body.len());
    let mut code = body[..close].join("\n");
    if !code.is_empty() {
        code.push('\n');
    }
    code
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::tests::sample_request;
    use crate::generate::{GenError, Output, WireRequest};
    use std::sync::Mutex;

    #[test]
    fn strip_fences_cases() {
        assert_eq!(strip_fences("```python\nx = 1\n```\n"), "x = 1\n");
        assert_eq!(strip_fences("```\nx = 1\ny = 2\n```"), "x = 1\ny = 2\n");
        assert_eq!(
            strip_fences("Here is the module:\n\n```py\nx = 1\n```\nHope this helps!"),
            "x = 1\n"
        );
        assert_eq!(strip_fences("```python\nx = 1\n"), "x = 1\n");
        let plain = "def f():\n    \"\"\"Example:\n\n    ```\n    f()\n    ```\n    \"\"\"\n";
        assert_eq!(strip_fences(plain), plain);
        assert_eq!(strip_fences("x = 1"), "x = 1");
        let inner = "```python\ns = '''\n```\n'''\n```\n";
        assert_eq!(strip_fences(inner), "s = '''\n```\n'''\n");
    }

    /// Test double: answers from a script of outputs and records every
    /// request it was sent.
    struct ScriptedGenerator {
        answers: Mutex<Vec<Result<Output, GenError>>>,
        seen: Mutex<Vec<(u32, Vec<String>, String)>>,
    }

    impl ScriptedGenerator {
        fn new(mut answers: Vec<Result<Output, GenError>>) -> Self {
            answers.reverse();
            ScriptedGenerator {
                answers: Mutex::new(answers),
                seen: Mutex::new(Vec::new()),
            }
        }
    }

    impl Generator for ScriptedGenerator {
        fn backend(&self) -> &str {
            "scripted"
        }

        fn model(&self) -> &str {
            "double"
        }

        fn generate(&self, request: &WireRequest<'_>) -> Result<Output, GenError> {
            self.seen.lock().expect("lock").push((
                request.attempt,
                request.errors.clone(),
                request.prompt.clone(),
            ));
            self.answers
                .lock()
                .expect("lock")
                .pop()
                .expect("the double was asked more often than scripted")
        }

        fn write_skill(
            &self,
            _request: &crate::generate::SkillRequest,
        ) -> Result<Output, GenError> {
            unreachable!("the retry loop never asks for skills")
        }
    }

    fn answer(source: &str, tokens: u64) -> Result<Output, GenError> {
        Ok(Output {
            source: source.into(),
            usage: Some(Usage {
                prompt_tokens: tokens,
                completion_tokens: 1,
            }),
        })
    }

    /// Runs the retry loop on a scripted double with a test validator that
    /// rejects modules mentioning `BAD`.
    fn run_double(
        answers: Vec<Result<Output, GenError>>,
    ) -> (Result<Accepted, GenFailure>, ScriptedGenerator) {
        let double = ScriptedGenerator::new(answers);
        let result = retry(
            &double,
            &Prompts::default(),
            &sample_request(),
            &Attempts::new(3),
            reject_bad,
        );
        (result, double)
    }

    /// Test validator: rejects modules that mention `BAD`.
    fn reject_bad(source: &str, _request: &Request) -> Vec<String> {
        if source.contains("BAD") {
            vec!["`total` is not defined".into()]
        } else {
            Vec::new()
        }
    }

    #[test]
    fn retry_carries_errors_and_sums_usage() {
        let (result, double) = run_double(vec![
            answer("BAD = 1\n", 10),
            answer("```python\ndef total(items): ...\n```\n", 20),
        ]);
        let out = result.expect("second attempt accepted");
        assert_eq!(out.source, "def total(items): ...\n");
        assert_eq!(out.attempts, 2);
        assert_eq!(
            out.usage,
            Some(Usage {
                prompt_tokens: 30,
                completion_tokens: 2
            })
        );
        let seen = double.seen.lock().expect("lock");
        assert_eq!(seen.len(), 2);
        assert_eq!((seen[0].0, seen[0].1.is_empty()), (1, true));
        assert_eq!(seen[1].0, 2);
        assert_eq!(seen[1].1, ["`total` is not defined"]);
        assert!(seen[1].2.contains("`total` is not defined"));
    }

    #[test]
    fn failure_lists_every_attempt() {
        let (result, double) = run_double(vec![
            answer("BAD\n", 5),
            Err(GenError::BadOutput {
                generator: "g".into(),
                reason: "it printed nothing on stdout".into(),
            }),
            answer("BAD again\n", 5),
        ]);
        let failure = result.expect_err("never accepted");
        assert_eq!(failure.errors.len(), 3, "{:?}", failure.errors);
        assert!(failure.errors[0].starts_with("attempt 1: "));
        assert!(failure.errors[1].contains("printed nothing"));
        assert!(failure.errors[2].starts_with("attempt 3: "));
        assert_eq!(failure.usage.prompt_tokens, 10);
        let seen = double.seen.lock().expect("lock");
        assert_eq!(seen.len(), 3);
        assert_eq!(
            seen[2].1,
            ["`total` is not defined"],
            "a backend error keeps the last validation errors"
        );
    }

    #[test]
    fn setup_errors_stop_the_loop() {
        let (result, double) = run_double(vec![Err(GenError::Failed {
            program: "gen".into(),
            status: "exit code 1".into(),
            stderr_tail: "no API key".into(),
        })]);
        let failure = result.expect_err("fails");
        assert_eq!(failure.errors.len(), 1);
        assert!(failure.errors[0].contains("no API key"));
        assert_eq!(failure.usage, Usage::default());
        assert_eq!(double.seen.lock().expect("lock").len(), 1);
    }

    #[test]
    fn production_path_uses_python_validate() {
        let double = ScriptedGenerator::new(vec![answer("def total(items): ...\n", 1)]);
        let request = sample_request();
        let out = generate_with_retry(&double, &Prompts::default(), &request, &Attempts::new(1));
        let expected =
            crate::python::validate("def total(items): ...\n", &request.expected_names, &[]);
        assert_eq!(out.is_ok(), expected.is_empty());
    }

    #[test]
    fn a_check_rejects_and_its_reasons_reach_the_next_attempt() {
        let double = ScriptedGenerator::new(vec![
            answer("import leftpad\n", 1),
            answer("import json\n", 1),
        ]);
        let check = |source: &str| {
            if source.contains("leftpad") {
                vec!["imports `leftpad`, which is not installed".to_string()]
            } else {
                Vec::new()
            }
        };
        let attempts = Attempts {
            check: Some(&check),
            ..Attempts::new(2)
        };
        let out = retry(
            &double,
            &Prompts::default(),
            &sample_request(),
            &attempts,
            |_, _| Vec::new(),
        )
        .expect("second attempt accepted");
        assert_eq!((out.source.as_str(), out.attempts), ("import json\n", 2));
        let seen = double.seen.lock().expect("lock");
        assert_eq!(seen[1].1, ["imports `leftpad`, which is not installed"]);
    }

    #[test]
    fn the_budget_is_charged_per_call_and_stops_the_next_one() {
        let budget = Budget::new(
            0.000_015,
            crate::config::Prices {
                input: 1.0,
                output: 1.0,
            },
        );
        let double = ScriptedGenerator::new(vec![answer("BAD\n", 10), answer("BAD\n", 10)]);
        let attempts = Attempts {
            budget: Some(&budget),
            ..Attempts::new(3)
        };
        let failure = retry(
            &double,
            &Prompts::default(),
            &sample_request(),
            &attempts,
            reject_bad,
        )
        .expect_err("stopped by the budget");
        assert_eq!(failure.attempts, 2, "{:?}", failure.errors);
        assert!(failure.over_budget);
        assert!(
            failure.errors[2].starts_with("attempt 3 not made: the run's estimated spend"),
            "{:?}",
            failure.errors
        );
        let spent = retry(
            &ScriptedGenerator::new(Vec::new()),
            &Prompts::default(),
            &sample_request(),
            &attempts,
            reject_bad,
        )
        .expect_err("no call at all");
        assert_eq!((spent.attempts, spent.over_budget), (0, true));
    }
}
