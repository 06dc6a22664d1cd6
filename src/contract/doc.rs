//! A contract's docstring read as test cases: the `Examples:`, `Raises:`
//! and `Fixtures:` sections (docs/contracts.md, Derivation). Reading is
//! deterministic and needs no model: a line inside a derived section that
//! does not have one of the shapes below is returned as unparsed, never
//! guessed at.

use crate::config::Derive;
use crate::names::is_dotted_name;
use crate::python::ContractSource;

/// One case, in the order the docstring lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Case {
    /// `- <args> -> <expected>`: calling with `args` returns a value equal
    /// to `expected`. For a class, `args` is the whole expression.
    Returns { args: String, expected: String },
    /// `- <args> raises <Error>`: calling with `args` raises `Error`. For a
    /// class, `args` is the whole expression.
    Raises { args: String, error: String },
}

/// What a case's left side is read as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subject<'a> {
    /// A function's: the arguments of one call to it.
    Function,
    /// A class's (named here): a whole expression that starts with the
    /// class's name, `Counter().add()` or `Counter.zero()`, since a class
    /// has no one call to fill in; each line builds its own instance.
    Class(&'a str),
}

/// A line of a derived section that is not a case jaunt can read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unparsed {
    /// The method (`Counter.add`) whose docstring has the line; `None` for
    /// the contract's own docstring.
    pub method: Option<String>,
    pub section: &'static str,
    /// 1-based line within the cleaned docstring.
    pub line: usize,
    pub text: String,
}

impl Unparsed {
    /// Where the line is: `Examples` or `Examples of Counter.add`.
    pub fn place(&self) -> String {
        match &self.method {
            Some(m) => format!("{} of {m}", self.section),
            None => self.section.to_string(),
        }
    }
}

/// Everything derivation takes from a docstring.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ContractDoc {
    pub cases: Vec<Case>,
    /// Fixture names the battery directory's `conftest.py` provides; each
    /// case takes them as parameters.
    pub fixtures: Vec<String>,
    pub unparsed: Vec<Unparsed>,
    /// The `Properties:` items, when `[contract] derive` lists
    /// `"properties"`: derived by the model.
    pub properties: Vec<String>,
}

impl ContractDoc {
    /// The lines only a model can turn into tests: unparsed lines of the
    /// derived sections, and the properties.
    pub fn model_lines(&self) -> Vec<String> {
        self.unparsed
            .iter()
            .map(|u| format!("{}: {}", u.place(), u.text.trim_start_matches("- ")))
            .chain(self.properties.iter().cloned())
            .collect()
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Section {
    Examples,
    Raises,
    Fixtures,
    Properties,
    Other,
}

fn header(line: &str) -> Option<(Section, &str)> {
    let (name, rest) = line.trim().split_once(':')?;
    let section = match name {
        "Examples" => Section::Examples,
        "Raises" => Section::Raises,
        "Fixtures" => Section::Fixtures,
        "Properties" => Section::Properties,
        _ if !name.contains(' ') && name.chars().next().is_some_and(char::is_uppercase) => {
            Section::Other
        }
        _ => return None,
    };
    Some((section, rest.trim()))
}

/// Reads `doc` (a cleaned docstring), deriving the sections `derive` lists.
pub fn read(doc: &str, derive: &[Derive], subject: Subject<'_>) -> ContractDoc {
    let mut out = ContractDoc::default();
    let mut section = Section::Other;
    for (n, raw) in doc.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        let indented = raw.starts_with([' ', '\t']);
        if !line.starts_with('-')
            && let Some((found, rest)) =
                header(raw).filter(|_| !indented || section == Section::Other)
        {
            section = found;
            if found == Section::Fixtures {
                out.fixtures.extend(names(rest));
            }
            continue;
        }
        let item = line.strip_prefix("- ").map(str::trim);
        let (name, wanted) = match section {
            Section::Examples => ("Examples", Derive::Examples),
            Section::Raises => ("Raises", Derive::Errors),
            Section::Fixtures => {
                out.fixtures.extend(names(item.unwrap_or(line)));
                continue;
            }
            Section::Properties => {
                if derive.contains(&Derive::Properties)
                    && let Some(item) = item
                {
                    out.properties.push(item.to_string());
                }
                continue;
            }
            Section::Other => continue,
        };
        if !derive.contains(&wanted) {
            continue;
        }
        let case = item.and_then(|item| match wanted {
            Derive::Examples => split_top(item, " -> ").map(|(args, expected)| Case::Returns {
                args: args.to_string(),
                expected: expected.to_string(),
            }),
            _ => split_top(item, " raises ")
                .filter(|(_, error)| is_dotted_name(error))
                .map(|(args, error)| Case::Raises {
                    args: args.to_string(),
                    error: error.to_string(),
                }),
        });
        match case.filter(|c| well_formed(c, subject)) {
            Some(c) => out.cases.push(c),
            None => out.unparsed.push(Unparsed {
                method: None,
                section: name,
                line: n + 1,
                text: line.to_string(),
            }),
        }
    }
    out.fixtures.dedup();
    out
}

/// Reads a contract's docstring and, for a class, its public methods'
/// docstrings, whose lines take the class's shape too (`Counter().add(1)
/// -> 1` in `Counter.add`'s): one set of cases, the class's own first.
pub fn read_contract(
    found: &ContractSource,
    derive: &[Derive],
    subject: Subject<'_>,
) -> ContractDoc {
    let mut out = read(&found.doc, derive, subject);
    let Subject::Class(class) = subject else {
        return out;
    };
    for (method, doc) in &found.methods {
        let more = read(doc, derive, subject);
        out.cases.extend(more.cases);
        for name in more.fixtures {
            if !out.fixtures.contains(&name) {
                out.fixtures.push(name);
            }
        }
        out.unparsed
            .extend(more.unparsed.into_iter().map(|u| Unparsed {
                method: Some(format!("{class}.{method}")),
                ..u
            }));
        out.properties.extend(more.properties);
    }
    out
}

fn names(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(',')
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(String::from)
}

/// Splits at the first `sep` outside string literals and brackets.
fn split_top<'a>(text: &'a str, sep: &str) -> Option<(&'a str, &'a str)> {
    let bytes = text.as_bytes();
    let mut depth = 0i32;
    let mut quote: Option<u8> = None;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match quote {
            Some(q) => {
                if b == b'\\' {
                    i += 1;
                } else if b == q {
                    quote = None;
                }
            }
            None => match b {
                b'\'' | b'"' => quote = Some(b),
                b'(' | b'[' | b'{' => depth += 1,
                b')' | b']' | b'}' => depth -= 1,
                _ if depth == 0 && text[i..].starts_with(sep) => {
                    let (left, right) = (text[..i].trim(), text[i + sep.len()..].trim());
                    return (!right.is_empty()).then_some((left, right));
                }
                _ => {}
            },
        }
        i += 1;
    }
    None
}

/// Whether the case's Python parses: the call `f(<args>)` (for a class,
/// `<args>` itself, starting with the class's name) and the expected value
/// as an expression.
fn well_formed(case: &Case, subject: Subject<'_>) -> bool {
    let args = match case {
        Case::Returns { args, .. } | Case::Raises { args, .. } => args,
    };
    let left = match subject {
        Subject::Function => parses(&format!("f({args})\n")),
        Subject::Class(name) => {
            args.strip_prefix(name)
                .is_some_and(|rest| rest.starts_with(['(', '.']))
                && parses(&format!("({args})\n"))
        }
    };
    left && match case {
        Case::Returns { expected, .. } => parses(&format!("({expected})\n")),
        Case::Raises { .. } => true,
    }
}

fn parses(code: &str) -> bool {
    crate::python::is_expression(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: &[Derive] = &[Derive::Examples, Derive::Errors];

    #[test]
    fn examples_raises_and_fixtures_become_cases() {
        let doc = "Slugify a title.\n\nFixtures: tmp_path\n\nExamples:\n  - \"  Hello, World!  \" -> \"hello-world\"\n  - \"a -> b\", sep=\"_\" -> \"a_b\"\n  - [1, (2, 3)] -> {\"k\": 1}\n\nRaises:\n  - \"\" raises ValueError\n  - None raises errors.BadInput\n";
        let d = read(doc, ALL, Subject::Function);
        assert_eq!(d.fixtures, vec!["tmp_path"]);
        assert_eq!(
            d.cases,
            vec![
                Case::Returns {
                    args: "\"  Hello, World!  \"".into(),
                    expected: "\"hello-world\"".into()
                },
                Case::Returns {
                    args: "\"a -> b\", sep=\"_\"".into(),
                    expected: "\"a_b\"".into()
                },
                Case::Returns {
                    args: "[1, (2, 3)]".into(),
                    expected: "{\"k\": 1}".into()
                },
                Case::Raises {
                    args: "\"\"".into(),
                    error: "ValueError".into()
                },
                Case::Raises {
                    args: "None".into(),
                    error: "errors.BadInput".into()
                },
            ]
        );
        assert!(d.unparsed.is_empty());
    }

    #[test]
    fn lines_that_are_not_cases_are_unparsed_and_sections_can_be_left_out() {
        let doc = "Examples:\n  - returns the input, lowercased\n  - (1 -> 2\nRaises:\n  - 1 raises not a name\nProperties:\n  - idempotent\n";
        let d = read(doc, ALL, Subject::Function);
        assert!(d.cases.is_empty());
        let lines: Vec<usize> = d.unparsed.iter().map(|u| u.line).collect();
        assert_eq!(lines, vec![2, 3, 5]);
        assert!(
            d.properties.is_empty(),
            "properties are derived only when opted in"
        );
        let only_examples = read(
            "Raises:\n  - 1 raises ValueError\n",
            &[Derive::Examples],
            Subject::Function,
        );
        assert!(only_examples.cases.is_empty() && only_examples.unparsed.is_empty());
    }

    #[test]
    fn a_class_case_is_an_expression_that_names_the_class() {
        let doc = "Examples:\n  - Counter().add() -> 1\n  - Counter.zero().n -> 0\n  - Counter -> Counter\n  - Other().add() -> 1\n  - CounterX().add() -> 1\n  - 1 -> 1\nRaises:\n  - Counter(-1) raises ValueError\n";
        let d = read(doc, ALL, Subject::Class("Counter"));
        assert_eq!(
            d.cases,
            vec![
                Case::Returns {
                    args: "Counter().add()".into(),
                    expected: "1".into()
                },
                Case::Returns {
                    args: "Counter.zero().n".into(),
                    expected: "0".into()
                },
                Case::Raises {
                    args: "Counter(-1)".into(),
                    error: "ValueError".into()
                },
            ]
        );
        let lines: Vec<usize> = d.unparsed.iter().map(|u| u.line).collect();
        assert_eq!(lines, vec![4, 5, 6, 7]);
    }

    #[test]
    fn a_class_methods_docstrings_add_cases_in_the_classs_shape() {
        let found = ContractSource {
            doc: "Counts.\n\nFixtures: tmp_path\n\nExamples:\n  - Counter().n -> 0\n".into(),
            methods: vec![
                (
                    "add".into(),
                    "Adds.\n\nFixtures: tmp_path, capsys\n\nExamples:\n  - Counter().add(2) -> 2\n  - 1 -> 1\n\nRaises:\n  - Counter().add(\"x\") raises TypeError\n".into(),
                ),
                ("reset".into(), "Properties:\n  - Counter().reset() is None\n".into()),
            ],
            is_async: false,
            is_class: true,
        };
        let derive = [Derive::Examples, Derive::Errors, Derive::Properties];
        let d = read_contract(&found, &derive, Subject::Class("Counter"));
        let lefts: Vec<&str> = d
            .cases
            .iter()
            .map(|c| match c {
                Case::Returns { args, .. } | Case::Raises { args, .. } => args.as_str(),
            })
            .collect();
        assert_eq!(
            lefts,
            ["Counter().n", "Counter().add(2)", "Counter().add(\"x\")"]
        );
        assert_eq!(d.fixtures, ["tmp_path", "capsys"]);
        assert_eq!(
            d.model_lines(),
            [
                "Examples of Counter.add: 1 -> 1",
                "Counter().reset() is None"
            ]
        );
        assert_eq!(d.unparsed[0].line, 7, "a line of the method's docstring");
        assert!(!d.properties.is_empty());
        // A function has no methods to read.
        let function = ContractSource {
            is_class: false,
            ..found
        };
        assert_eq!(
            read_contract(&function, &derive, Subject::Function)
                .cases
                .len(),
            1
        );
    }
}
