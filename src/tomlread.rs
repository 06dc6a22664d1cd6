//! Reading TOML files into serde types, with errors a person can act on.
//!
//! toml_edit's deserializer reports a problem as a message and a byte span.
//! The parsed document turns the span into a line, the path of keys that
//! leads to it and the type actually written there, so each file's reader
//! can say "`build.jobs` must be an integer, found string" while its schema
//! lives only in its serde derives.

use serde::de::DeserializeOwned;
use std::ops::Range;
use toml_edit::{Document, Item, TableLike, Value};

/// A parsed file, kept to locate deserialization errors in.
pub type Parsed = Document<String>;

/// One step of a path into a document: a key, or an entry of an array.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    Key(String),
    Entry(usize),
}

/// What is wrong with a file, and where.
#[derive(Clone, Debug, PartialEq)]
pub struct Fault {
    /// 1-based.
    pub line: Option<u32>,
    /// From the document root to the key or entry at fault (for
    /// [`FaultKind::Missing`], to the table missing the key).
    pub path: Vec<Step>,
    pub kind: FaultKind,
}

#[derive(Clone, Debug, PartialEq)]
pub enum FaultKind {
    /// Not TOML at all.
    Syntax(String),
    /// The key the path ends in is not in the schema; `known` are the keys
    /// its table may have.
    UnknownKey { known: Vec<String> },
    /// A string outside a fixed set of choices.
    UnknownChoice { value: String, known: Vec<String> },
    /// `expected` is serde's wording (`usize`, `a string`, …), `found` the
    /// TOML type that was written.
    WrongType { expected: String, found: String },
    /// The table at the path lacks this required key.
    Missing(String),
    /// A value broke a rule of its type (see [`rule`]).
    Invalid {
        message: String,
        hint: Option<String>,
    },
}

impl Fault {
    /// The keys of the path, dotted (`build.jobs`), without array entries.
    pub fn dotted(&self) -> String {
        dotted(&self.path)
    }

    /// The last key of the path.
    pub fn leaf(&self) -> &str {
        self.path
            .iter()
            .rev()
            .find_map(|s| match s {
                Step::Key(k) => Some(k.as_str()),
                Step::Entry(_) => None,
            })
            .unwrap_or_default()
    }
}

/// The keys of `path`, dotted, without array entries.
pub fn dotted(path: &[Step]) -> String {
    let keys: Vec<&str> = path
        .iter()
        .filter_map(|s| match s {
            Step::Key(k) => Some(k.as_str()),
            Step::Entry(_) => None,
        })
        .collect();
    keys.join(".")
}

/// Parses TOML text.
pub fn parse(text: &str) -> Result<Parsed, Fault> {
    Document::parse(text.to_owned()).map_err(|e| Fault {
        line: e.span().map(|s| line_of(text, s.start)),
        path: Vec::new(),
        kind: FaultKind::Syntax(e.message().trim().to_owned()),
    })
}

/// Deserializes a document parsed from `text`. The document is consumed
/// (no copy on the way to success) and parsed again to locate an error.
pub fn read<T: DeserializeOwned>(text: &str, doc: Parsed) -> Result<T, Fault> {
    toml_edit::de::from_document(doc).map_err(|e| match parse(text) {
        Ok(doc) => fault(&doc, &e),
        Err(syntax) => syntax,
    })
}

/// A rule a `deserialize_with` function enforces: the message continues
/// the key's name ("must be at least 1, found 0"), the hint says what to
/// write instead. Both travel in the serde error text, split again by
/// [`read`].
pub fn rule<E: serde::de::Error>(message: impl std::fmt::Display, hint: &str) -> E {
    E::custom(format_args!("{message}\n{hint}"))
}

/// The known name closest to `word`, when one is close enough to be a typo.
pub fn suggest<'a>(word: &str, known: &'a [String]) -> Option<&'a str> {
    known
        .iter()
        .map(|k| (strsim::jaro_winkler(k, word), k.as_str()))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, k)| k)
}

/// How a person would name the type serde calls `expected`.
pub fn describe(expected: &str) -> &str {
    match expected {
        "i8" | "i16" | "i32" | "i64" | "isize" | "u8" | "u16" | "u32" | "u64" | "usize" => {
            "an integer"
        }
        "f32" | "f64" => "a number",
        "a boolean" => "true or false",
        "a sequence" => "a list",
        e if e.starts_with("struct ") => "a table",
        e => e,
    }
}

/// 1-based line of a byte offset.
pub fn line_of(text: &str, offset: usize) -> u32 {
    let before = text.get(..offset).unwrap_or(text);
    let lines = before.bytes().filter(|&b| b == b'\n').count() + 1;
    u32::try_from(lines).unwrap_or(u32::MAX)
}

/// Where the key or entry at `path` is written: its key, or the table
/// header or value of an array entry.
pub fn span_at(doc: &Parsed, path: &[Step]) -> Option<Range<usize>> {
    enum Node<'a> {
        Item(&'a Item),
        Table(&'a toml_edit::Table),
        Value(&'a Value),
    }
    let mut node = Node::Item(doc.as_item());
    let mut span = None;
    for step in path {
        node = match (step, node) {
            (Step::Key(k), node) => {
                let table: &dyn TableLike = match node {
                    Node::Item(i) => i.as_table_like()?,
                    Node::Table(t) => t,
                    Node::Value(v) => v.as_inline_table()?,
                };
                span = table.key(k).and_then(|k| k.span());
                Node::Item(table.get(k)?)
            }
            (Step::Entry(i), Node::Item(Item::ArrayOfTables(a))) => {
                let t = a.get(*i)?;
                span = t.span();
                Node::Table(t)
            }
            (
                Step::Entry(i),
                Node::Item(Item::Value(Value::Array(a))) | Node::Value(Value::Array(a)),
            ) => {
                let v = a.get(*i)?;
                span = v.span();
                Node::Value(v)
            }
            _ => return None,
        };
    }
    span
}

fn fault(doc: &Parsed, e: &toml_edit::de::Error) -> Fault {
    let text = doc.raw();
    let at = e.span().map(|s| s.start);
    let mut path = Vec::new();
    let found = at
        .and_then(|at| in_table(doc.as_table(), at, &mut path))
        .unwrap_or_default();
    let message = e.message();
    let names = backticked(message);
    let kind = if message.starts_with("unknown field `") {
        FaultKind::UnknownKey {
            known: names.into_iter().skip(1).collect(),
        }
    } else if message.starts_with("unknown variant `") {
        let mut names = names.into_iter();
        FaultKind::UnknownChoice {
            value: names.next().unwrap_or_default(),
            known: names.collect(),
        }
    } else if let Some(rest) = message
        .strip_prefix("invalid type: ")
        .or_else(|| message.strip_prefix("invalid value: "))
        && let Some((written, expected)) = rest.split_once(", expected ")
    {
        FaultKind::WrongType {
            expected: expected.to_owned(),
            found: if found.is_empty() {
                written.to_owned()
            } else {
                found.to_owned()
            },
        }
    } else if message.starts_with("missing field `") {
        // The span is the table's; at the top level that is the whole file,
        // which starts with some key.
        if !found.contains("table") {
            path.pop();
        }
        FaultKind::Missing(names.into_iter().next().unwrap_or_default())
    } else {
        let (message, hint) = match message.split_once('\n') {
            Some((m, h)) => (m, Some(h.to_owned())),
            None => (message, None),
        };
        FaultKind::Invalid {
            message: message.to_owned(),
            hint,
        }
    };
    Fault {
        line: at.map(|at| line_of(text, at)),
        path,
        kind,
    }
}

/// The `names` serde quotes in backticks, in order.
fn backticked(message: &str) -> Vec<String> {
    message
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

fn contains(span: Option<Range<usize>>, at: usize) -> bool {
    span.is_some_and(|s| s.contains(&at) || s.start == at)
}

/// Finds what is written at byte `at` below `table`, extending `path` to
/// it; returns its TOML type.
fn in_table(table: &dyn TableLike, at: usize, path: &mut Vec<Step>) -> Option<&'static str> {
    for (key, item) in table.iter() {
        path.push(Step::Key(key.to_owned()));
        if contains(table.key(key).and_then(|k| k.span()), at) {
            return Some(item.type_name());
        }
        if let Some(found) = in_item(item, at, path) {
            return Some(found);
        }
        path.pop();
    }
    None
}

fn in_item(item: &Item, at: usize, path: &mut Vec<Step>) -> Option<&'static str> {
    match item {
        Item::None => None,
        Item::Value(v) => in_value(v, at, path),
        Item::Table(t) => {
            in_table(t, at, path).or_else(|| contains(t.span(), at).then_some("table"))
        }
        Item::ArrayOfTables(a) => a.iter().enumerate().find_map(|(i, t)| {
            path.push(Step::Entry(i));
            let found = in_table(t, at, path).or_else(|| contains(t.span(), at).then_some("table"));
            if found.is_none() {
                path.pop();
            }
            found
        }),
    }
}

fn in_value(value: &Value, at: usize, path: &mut Vec<Step>) -> Option<&'static str> {
    let inner = match value {
        Value::Array(a) => a.iter().enumerate().find_map(|(i, v)| {
            path.push(Step::Entry(i));
            let found = in_value(v, at, path);
            if found.is_none() {
                path.pop();
            }
            found
        }),
        Value::InlineTable(t) => in_table(t, at, path),
        _ => None,
    };
    inner.or_else(|| contains(value.span(), at).then(|| value.type_name()))
}
