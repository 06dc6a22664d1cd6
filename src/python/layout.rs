//! Rendered definitions as data, and their two layouts: the interface's
//! compact canonical text, and a `.pyi` stub that `black` and `ruff format`
//! both leave byte-identical.
//!
//! The two formatters format `.pyi` files in stub mode and disagree about a
//! few layouts; the rules here are the ones both keep, found by running
//! them over every pair of item shapes and over random stubs (the tests do
//! the latter with the real tools).

use std::fmt::Write as _;
use unicode_width::UnicodeWidthStr;

/// The formatters' default line length, measured as they do, in display
/// columns.
const LINE_LENGTH: usize = 88;

const INDENT: &str = "    ";

/// One statement of a stub, rendered but not yet laid out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Item {
    /// An assignment, attribute or type alias: one logical line.
    Line(String),
    /// `__all__ = [...]`, its names already quoted.
    All(Vec<String>),
    Def(Def),
    Class(Class),
}

/// A function or method: its signature, and for a spec its docstring.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Def {
    /// Decorator expressions, without the `@`.
    pub decorators: Vec<String>,
    pub is_async: bool,
    pub name: String,
    /// `[T, U]`, or empty.
    pub type_params: String,
    pub params: Vec<String>,
    /// The return annotation, without the arrow.
    pub returns: Option<String>,
    /// The cleaned docstring value: the body when present, else `...`.
    pub doc: Option<String>,
}

/// A class: header, optional docstring, members.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Class {
    pub decorators: Vec<String>,
    pub name: String,
    pub type_params: String,
    pub bases: Option<Bases>,
    pub doc: Option<String>,
    pub members: Vec<Item>,
}

/// Superclasses and class keywords.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Bases {
    /// As one piece, parentheses included: `(Base, metaclass=Meta)`.
    pub text: String,
    /// One per argument, for a header too long for one line.
    pub items: Vec<String>,
}

impl Item {
    /// The interface's spelling: one line per signature, members right
    /// under their class, no docstrings (they are not part of an interface).
    pub(crate) fn write_compact(&self, level: usize, out: &mut String) {
        let indent = INDENT.repeat(level);
        match self {
            Item::Line(line) => {
                let _ = writeln!(out, "{indent}{line}");
            }
            Item::All(names) => {
                let _ = writeln!(out, "{indent}__all__ = [{}]", names.join(", "));
            }
            Item::Def(def) => {
                write_decorators(&def.decorators, &indent, out);
                let _ = writeln!(out, "{indent}{}: ...", def.signature());
            }
            Item::Class(class) => {
                write_decorators(&class.decorators, &indent, out);
                let bases = class.bases.as_ref().map_or("", |b| b.text.as_str());
                let head = format!("{indent}class {}{}{bases}", class.name, class.type_params);
                if class.members.is_empty() {
                    let _ = writeln!(out, "{head}: ...");
                } else {
                    let _ = writeln!(out, "{head}:");
                    for member in &class.members {
                        member.write_compact(level + 1, out);
                    }
                }
            }
        }
    }

    /// What decides the blank lines around an item.
    fn shape(&self) -> Shape {
        match self {
            Item::Line(_) | Item::All(_) => Shape::Line,
            Item::Def(def) => Shape::Def {
                body: def.doc().is_some(),
            },
            Item::Class(class) => Shape::Class {
                stub: class.doc().is_none() && class.members.is_empty(),
                decorated: !class.decorators.is_empty(),
            },
        }
    }
}

impl Def {
    /// `async def name[T](a, b) -> R`, on one line.
    pub(crate) fn signature(&self) -> String {
        let returns = self
            .returns
            .as_ref()
            .map(|r| format!(" -> {r}"))
            .unwrap_or_default();
        format!("{}({}){returns}", self.head(), self.params.join(", "))
    }

    fn head(&self) -> String {
        let prefix = if self.is_async { "async " } else { "" };
        format!("{prefix}def {}{}", self.name, self.type_params)
    }

    fn doc(&self) -> Option<&str> {
        self.doc.as_deref().filter(|d| !d.is_empty())
    }
}

impl Class {
    fn doc(&self) -> Option<&str> {
        self.doc.as_deref().filter(|d| !d.is_empty())
    }
}

fn write_decorators(decorators: &[String], indent: &str, out: &mut String) {
    for decorator in decorators {
        let _ = writeln!(out, "{indent}@{decorator}");
    }
}

/// The kinds of item the formatters' blank-line rules tell apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shape {
    Line,
    /// `body`: a docstring rather than `...`.
    Def {
        body: bool,
    },
    /// `stub`: `class X: ...`, no docstring and no members.
    Class {
        stub: bool,
        decorated: bool,
    },
}

/// What goes between two top-level items.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Gap {
    Nothing,
    Blank,
    /// A blank line and a comment naming the next item: after a one-line
    /// function, black wants no blank line before a decorated class and
    /// ruff wants one; a comment line between them satisfies both.
    Comment,
}

/// Top level: consecutive functions, assignments or one-line classes stay
/// together; anything else is one blank line apart.
fn top_gap(prev: Shape, next: Shape) -> Gap {
    match (prev, next) {
        (Shape::Line, Shape::Line) | (Shape::Def { body: false }, Shape::Def { .. }) => {
            Gap::Nothing
        }
        (
            Shape::Class {
                stub: true,
                decorated: false,
            },
            Shape::Class {
                stub: true,
                decorated: false,
            },
        ) => Gap::Nothing,
        (
            Shape::Def { body: false },
            Shape::Class {
                decorated: true, ..
            },
        ) => Gap::Comment,
        _ => Gap::Blank,
    }
}

/// In a class body (nested classes first): attributes and methods stay
/// together, except after a method with a docstring and before the next
/// method; a nested class with a body or decorators is set apart; a
/// one-line nested class joins the classes and attributes after it.
fn member_gap(prev: Shape, next: Shape) -> bool {
    match prev {
        Shape::Class {
            stub: true,
            decorated: false,
        } => !matches!(
            next,
            Shape::Line
                | Shape::Class {
                    stub: true,
                    decorated: false
                }
        ),
        Shape::Class { .. } => true,
        Shape::Def { body: true } => !matches!(next, Shape::Line),
        Shape::Line | Shape::Def { body: false } => {
            matches!(
                next,
                Shape::Class {
                    decorated: false,
                    ..
                }
            )
        }
    }
}

/// Writes a stub's items at top level, each followed by a newline, with
/// the blank lines both formatters keep.
pub(crate) fn write_stub(items: &[Item], out: &mut String) {
    let mut prev: Option<Shape> = None;
    for item in items {
        let shape = item.shape();
        if let Some(prev) = prev {
            match top_gap(prev, shape) {
                Gap::Nothing => {}
                Gap::Blank => out.push('\n'),
                Gap::Comment => {
                    let name = match item {
                        Item::Class(class) => class.name.as_str(),
                        _ => "",
                    };
                    let _ = writeln!(out, "\n# {name}");
                }
            }
        }
        write_item(item, 0, out);
        prev = Some(shape);
    }
}

fn write_item(item: &Item, level: usize, out: &mut String) {
    let indent = INDENT.repeat(level);
    match item {
        Item::Line(line) => {
            let _ = writeln!(out, "{indent}{line}");
        }
        Item::All(names) => {
            let head = format!("{indent}__all__ = [");
            write_bracketed(&head, names, "]", &indent, out);
            out.push('\n');
        }
        Item::Def(def) => {
            write_decorators(&def.decorators, &indent, out);
            let returns = def
                .returns
                .as_ref()
                .map(|r| format!(" -> {r}"))
                .unwrap_or_default();
            let colon = if def.doc().is_some() { ":" } else { ": ..." };
            let head = format!("{indent}{}(", def.head());
            write_bracketed(
                &head,
                &def.params,
                &format!("){returns}{colon}"),
                &indent,
                out,
            );
            out.push('\n');
            if let Some(doc) = def.doc() {
                let _ = writeln!(out, "{}", docstring(doc, &INDENT.repeat(level + 1)));
            }
        }
        Item::Class(class) => write_class(class, level, out),
    }
}

/// An import line; a `from` import too long for one line gets its names in
/// parentheses, one per line, as both formatters write it.
pub(crate) fn write_import(line: &str, out: &mut String) {
    match line.split_once(" import ") {
        Some((from, names)) if line.starts_with("from ") && line.width() > LINE_LENGTH => {
            let _ = writeln!(out, "{from} import (\n{INDENT}{names},\n)");
        }
        _ => {
            let _ = writeln!(out, "{line}");
        }
    }
}

/// `head` + items + `tail` on one line when it fits, else one item per
/// line with a trailing comma, which both formatters then keep exploded.
/// No trailing newline.
fn write_bracketed(head: &str, items: &[String], tail: &str, indent: &str, out: &mut String) {
    let one_line = format!("{head}{}{tail}", items.join(", "));
    if items.is_empty() || one_line.width() <= LINE_LENGTH {
        out.push_str(&one_line);
        return;
    }
    out.push_str(head);
    for item in items {
        let _ = write!(out, "\n{indent}{INDENT}{item},");
    }
    let _ = write!(out, "\n{indent}{tail}");
}

fn write_class(class: &Class, level: usize, out: &mut String) {
    let indent = INDENT.repeat(level);
    write_decorators(&class.decorators, &indent, out);
    let head = format!("{indent}class {}{}", class.name, class.type_params);
    let stub = class.doc().is_none() && class.members.is_empty();
    let colon = if stub { ": ..." } else { ":" };
    match &class.bases {
        Some(bases) if format!("{head}{}{colon}", bases.text).width() > LINE_LENGTH => {
            write_bracketed(
                &format!("{head}("),
                &bases.items,
                &format!("){colon}"),
                &indent,
                out,
            );
        }
        Some(bases) => {
            let _ = write!(out, "{head}{}{colon}", bases.text);
        }
        None => {
            let _ = write!(out, "{head}{colon}");
        }
    }
    out.push('\n');
    let inner = INDENT.repeat(level + 1);
    let mut prev = None;
    if let Some(doc) = class.doc() {
        let _ = writeln!(out, "{}", docstring(doc, &inner));
        if !class.members.is_empty() {
            out.push('\n');
        }
    }
    let nested = class.members.iter().filter(|m| matches!(m, Item::Class(_)));
    let others = class
        .members
        .iter()
        .filter(|m| !matches!(m, Item::Class(_)));
    for member in nested.chain(others) {
        let shape = member.shape();
        if prev.is_some_and(|prev| member_gap(prev, shape)) {
            out.push('\n');
        }
        write_item(member, level + 1, out);
        prev = Some(shape);
    }
}

/// A docstring literal at `indent`: the value with what a formatter would
/// change escaped (backslashes, control and non-space whitespace
/// characters, runs of three quotes), continuation lines indented, the
/// closing quotes of a multi-line docstring on their own line, and a space
/// between a quote and the delimiter, as both formatters put it.
fn docstring(value: &str, indent: &str) -> String {
    let mut body = String::with_capacity(value.len() + 8);
    let chars: Vec<char> = value.chars().collect();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        match c {
            '"' => {
                let run = chars[i..].iter().take_while(|&&q| q == '"').count();
                let quote = if run >= 3 { "\\\"" } else { "\"" };
                body.push_str(&quote.repeat(run));
                i += run;
                continue;
            }
            '\\' => body.push_str("\\\\"),
            '\t' => body.push_str("\\t"),
            '\r' => body.push_str("\\r"),
            '\n' => {
                body.push('\n');
                if chars.get(i + 1).is_some_and(|&next| next != '\n') {
                    body.push_str(indent);
                }
            }
            c if c.is_control() || (c.is_whitespace() && c != ' ') => escape(c, &mut body),
            c => body.push(c),
        }
        i += 1;
    }
    if body.starts_with('"') {
        body.insert(0, ' ');
    }
    if value.contains('\n') {
        format!("{indent}\"\"\"{body}\n{indent}\"\"\"")
    } else {
        if body.ends_with('"') {
            body.push(' ');
        }
        format!("{indent}\"\"\"{body}\"\"\"")
    }
}

/// `\xNN`, `\uNNNN` or `\UNNNNNNNN`, in lowercase as black writes them.
fn escape(c: char, out: &mut String) {
    let code = u32::from(c);
    let _ = match code {
        0..=0xff => write!(out, "\\x{code:02x}"),
        0x100..=0xffff => write!(out, "\\u{code:04x}"),
        _ => write!(out, "\\U{code:08x}"),
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    fn def(name: &str, params: &[&str], doc: Option<&str>) -> Item {
        Item::Def(Def {
            decorators: Vec::new(),
            is_async: false,
            name: name.to_string(),
            type_params: String::new(),
            params: params.iter().map(|p| p.to_string()).collect(),
            returns: Some("int".to_string()),
            doc: doc.map(str::to_string),
        })
    }

    fn class(name: &str, decorators: &[&str], doc: Option<&str>, members: Vec<Item>) -> Item {
        Item::Class(Class {
            decorators: decorators.iter().map(|d| d.to_string()).collect(),
            name: name.to_string(),
            type_params: String::new(),
            bases: None,
            doc: doc.map(str::to_string),
            members,
        })
    }

    fn line(text: &str) -> Item {
        Item::Line(text.to_string())
    }

    fn stub(items: &[Item]) -> String {
        let mut out = String::new();
        write_stub(items, &mut out);
        out
    }

    #[test]
    fn compact_layout_is_the_interface_spelling() {
        let mut out = String::new();
        let cart = class(
            "Cart",
            &["dataclass"],
            Some("Ignored."),
            vec![line("x: int"), def("total", &["self"], Some("Ignored."))],
        );
        cart.write_compact(0, &mut out);
        class("Empty", &[], None, Vec::new()).write_compact(1, &mut out);
        assert_eq!(
            out,
            "@dataclass\nclass Cart:\n    x: int\n    def total(self) -> int: ...\n    class Empty: ...\n"
        );
    }

    #[test]
    fn top_level_blank_lines() {
        let text = stub(&[
            line("A: int"),
            line("B: int"),
            def("f", &[], None),
            def("g", &[], Some("Doc.")),
            def("h", &[], None),
            class("C", &[], None, Vec::new()),
            class("D", &[], None, Vec::new()),
            class("E", &["final"], None, Vec::new()),
            class("F", &[], Some("Doc."), Vec::new()),
            def("k", &[], None),
            class("G", &["dataclass"], None, vec![line("x: int")]),
        ]);
        assert_eq!(
            text,
            "A: int\nB: int\n\ndef f() -> int: ...\ndef g() -> int:\n    \"\"\"Doc.\"\"\"\n\n\
             def h() -> int: ...\n\nclass C: ...\nclass D: ...\n\n@final\nclass E: ...\n\n\
             class F:\n    \"\"\"Doc.\"\"\"\n\ndef k() -> int: ...\n\n# G\n@dataclass\nclass G:\n    x: int\n"
        );
    }

    #[test]
    fn class_bodies_put_nested_classes_first() {
        let text = stub(&[class(
            "K",
            &[],
            Some("Doc."),
            vec![
                line("a: int"),
                def("m", &["self"], Some("Doc.")),
                def("n", &["self"], Some("Doc.")),
                line("b: int"),
                def("o", &["self"], None),
                class("One", &[], None, Vec::new()),
                class("Two", &[], None, Vec::new()),
                class("Body", &[], None, vec![line("x: int")]),
            ],
        )]);
        assert_eq!(
            text,
            "class K:\n    \"\"\"Doc.\"\"\"\n\n    class One: ...\n    class Two: ...\n\n    \
             class Body:\n        x: int\n\n    a: int\n    def m(self) -> int:\n        \"\"\"Doc.\"\"\"\n\n    \
             def n(self) -> int:\n        \"\"\"Doc.\"\"\"\n    b: int\n    def o(self) -> int: ...\n"
        );
        let text = stub(&[class(
            "K",
            &[],
            None,
            vec![
                def("m", &["self"], None),
                class("One", &[], None, Vec::new()),
            ],
        )]);
        assert_eq!(
            text,
            "class K:\n    class One: ...\n\n    def m(self) -> int: ...\n"
        );
    }

    #[test]
    fn long_headers_explode_with_a_trailing_comma() {
        let params: Vec<String> = (0..6).map(|i| format!("argument_{i}: int")).collect();
        let params: Vec<&str> = params.iter().map(String::as_str).collect();
        let text = stub(&[def("f", &params, Some("Doc."))]);
        assert!(
            text.starts_with("def f(\n    argument_0: int,\n")
                && text.ends_with("    argument_5: int,\n) -> int:\n    \"\"\"Doc.\"\"\"\n"),
            "{text}"
        );
        let names: Vec<String> = (0..12).map(|i| format!("\"name_{i}\"")).collect();
        let text = stub(&[Item::All(names)]);
        assert!(text.starts_with("__all__ = [\n    \"name_0\",\n"), "{text}");
        assert!(text.ends_with("    \"name_11\",\n]\n"), "{text}");
        let short = stub(&[Item::All(vec!["\"a\"".to_string()])]);
        assert_eq!(short, "__all__ = [\"a\"]\n");
        let bases: Vec<String> = (0..8).map(|i| format!("BaseNumber{i}")).collect();
        let text = stub(&[Item::Class(Class {
            decorators: Vec::new(),
            name: "C".to_string(),
            type_params: String::new(),
            bases: Some(Bases {
                text: format!("({})", bases.join(", ")),
                items: bases,
            }),
            doc: None,
            members: Vec::new(),
        })]);
        assert!(text.starts_with("class C(\n    BaseNumber0,\n"), "{text}");
        assert!(text.ends_with("    BaseNumber7,\n): ...\n"), "{text}");
    }

    #[test]
    fn long_from_imports_get_parentheses() {
        let mut out = String::new();
        let long = format!("from {} import Name as Alias", "a.".repeat(40) + "b");
        write_import(&long, &mut out);
        write_import("from a import b", &mut out);
        write_import(&format!("import {}", "a.".repeat(50) + "b"), &mut out);
        let expected = format!(
            "from {}b import (\n    Name as Alias,\n)\nfrom a import b\nimport {}b\n",
            "a.".repeat(40),
            "a.".repeat(50)
        );
        assert_eq!(out, expected);
    }

    #[test]
    fn docstrings_escape_what_formatters_would_change() {
        let table = [
            ("Doc.", "    \"\"\"Doc.\"\"\""),
            ("\"Quoted\"", "    \"\"\" \"Quoted\" \"\"\""),
            ("a\\b", "    \"\"\"a\\\\b\"\"\""),
            ("tab\there\u{c}", "    \"\"\"tab\\there\\x0c\"\"\""),
            (
                "x \"\"\" y \"\" z",
                "    \"\"\"x \\\"\\\"\\\" y \"\" z\"\"\"",
            ),
            ("nbsp\u{a0}\u{2028}", "    \"\"\"nbsp\\xa0\\u2028\"\"\""),
            (
                "First.\n\n  Indented.\nLast.",
                "    \"\"\"First.\n\n      Indented.\n    Last.\n    \"\"\"",
            ),
        ];
        for (value, expected) in table {
            assert_eq!(docstring(value, "    "), expected, "{value:?}");
        }
    }
}
