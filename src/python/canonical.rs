//! Canonical serialization of syntax trees for spec digests (DESIGN.md,
//! "Spec digest"): what black and ruff may change is left out or
//! normalized, everything a reader could notice is kept.

use super::parse::{Visitor, text, walk};
use super::strings::{Prefix, canonical_number, clean_docstring, decode_into};
use crate::digest::{Digest, KeyHasher};
use tree_sitter::Node;

/// One piece of a string literal: literal text by value, or an f-string
/// interpolation.
pub(crate) enum Part<'t> {
    Lit(String),
    Interp(Node<'t>),
}

/// A string literal or implicit concatenation, merged into one value.
pub(crate) struct StringLit<'t> {
    pub bytes: bool,
    pub parts: Vec<Part<'t>>,
    /// Comments between the pieces of a parenthesized concatenation.
    pub comments: Vec<Node<'t>>,
}

/// Reads a `string` or `concatenated_string` node; `None` for other nodes.
pub(crate) fn read_string<'t>(node: Node<'t>, source: &str) -> Option<StringLit<'t>> {
    let mut lit = StringLit {
        bytes: false,
        parts: Vec::new(),
        comments: Vec::new(),
    };
    match node.kind() {
        "string" => read_piece(node, source, &mut lit),
        "concatenated_string" => {
            let mut cursor = node.walk();
            for piece in node.named_children(&mut cursor) {
                match piece.kind() {
                    "string" => read_piece(piece, source, &mut lit),
                    "comment" => lit.comments.push(piece),
                    _ => {}
                }
            }
        }
        _ => return None,
    }
    Some(lit)
}

/// Decodes the text between the quotes, around any interpolations, so the
/// value does not depend on how tree-sitter splits `string_content`.
fn read_piece<'t>(node: Node<'t>, source: &str, lit: &mut StringLit<'t>) {
    let mut prefix = Prefix::default();
    let mut pos = node.start_byte();
    let mut cursor = node.walk();
    for child in node.children(&mut cursor) {
        match child.kind() {
            "string_start" => {
                prefix = Prefix::of(text(child, source));
                lit.bytes |= prefix.bytes;
                pos = child.end_byte();
            }
            "interpolation" | "string_end" => {
                let piece = source.get(pos..child.start_byte()).unwrap_or("");
                if !piece.is_empty() {
                    if let Some(Part::Lit(last)) = lit.parts.last_mut() {
                        decode_into(piece, prefix, last);
                    } else {
                        let mut value = String::new();
                        decode_into(piece, prefix, &mut value);
                        lit.parts.push(Part::Lit(value));
                    }
                }
                if child.kind() == "interpolation" {
                    lit.parts.push(Part::Interp(child));
                }
                pos = child.end_byte();
            }
            _ => {}
        }
    }
}

/// The value of a string literal without interpolations, with its prefix
/// (`format` set when it has interpolations, whose value is unknown).
pub(crate) fn string_value(node: Node<'_>, source: &str) -> Option<(Prefix, String)> {
    let lit = read_string(node, source)?;
    let mut value = String::new();
    let mut prefix = Prefix {
        bytes: lit.bytes,
        ..Prefix::default()
    };
    for part in &lit.parts {
        match part {
            Part::Lit(text) => value.push_str(text),
            Part::Interp(_) => prefix.format = true,
        }
    }
    Some((prefix, value))
}

/// The canonical digest of a definition, leaving out `skip` (the spec's own
/// jaunt decorator).
pub(crate) fn canonical_digest(def: Node<'_>, skip: Option<Node<'_>>, source: &str) -> Digest {
    let mut canon = Canon {
        source,
        skip: skip.map(|n| n.id()),
        docstring: None,
        stack: Vec::new(),
        tree: Vec::with_capacity(1024),
        comments: Vec::new(),
    };
    walk(def, &mut canon);
    KeyHasher::new("jaunt.canonical.v1")
        .field("tree", &canon.tree)
        .field("comments", &canon.comments)
        .finish()
}

/// Stream record tags; each record is a tag byte, then (except for `CLOSE`)
/// a u32 length and the bytes, so the stream is unambiguous.
const OPEN: u8 = b'(';
const CLOSE: u8 = b')';
const VALUE: u8 = b'v';
const TOKEN: u8 = b't';

struct Canon<'s, 't> {
    source: &'s str,
    skip: Option<usize>,
    /// The `expression_statement` holding the docstring of the body being
    /// walked, found on entering the body.
    docstring: Option<usize>,
    /// Per entered node: its kind, and whether an OPEN record was written.
    stack: Vec<(&'t str, bool)>,
    tree: Vec<u8>,
    comments: Vec<u8>,
}

fn record(buf: &mut Vec<u8>, tag: u8, bytes: &[u8]) {
    buf.push(tag);
    buf.extend_from_slice(&u32::try_from(bytes.len()).unwrap_or(u32::MAX).to_le_bytes());
    buf.extend_from_slice(bytes);
}

impl<'s, 't> Canon<'s, 't> {
    fn comment(&mut self, node: Node<'_>) {
        let body = text(node, self.source).trim_start_matches('#').trim();
        record(&mut self.comments, VALUE, body.as_bytes());
    }

    /// Anonymous tokens that only delimit or group: formatters add and
    /// remove them freely, and the tree structure already says what they do.
    fn is_punctuation(&self, kind: &str) -> bool {
        match kind {
            "," | "(" | ")" | ";" | "\\" | "{" | "}" => true,
            ":" => self.stack.last().is_none_or(|(parent, _)| *parent != "slice"),
            _ => false,
        }
    }

    fn emit_string(&mut self, lit: StringLit<'t>) {
        for comment in &lit.comments {
            self.comment(*comment);
        }
        let kind: &[u8] = if lit.bytes { b"bytes" } else { b"str" };
        record(&mut self.tree, OPEN, kind);
        for part in lit.parts {
            match part {
                Part::Lit(value) => record(&mut self.tree, VALUE, value.as_bytes()),
                Part::Interp(node) => walk(node, self),
            }
        }
        self.tree.push(CLOSE);
    }

    /// A format spec's literal text is not in the tree: emit the text
    /// between its nested `{expr}` fields, in order with them.
    fn emit_format_spec(&mut self, node: Node<'t>) {
        let mut pos = node.start_byte();
        let mut cursor = node.walk();
        for child in node.children(&mut cursor) {
            let gap = self.source.get(pos..child.start_byte()).unwrap_or("");
            if !gap.is_empty() {
                record(&mut self.tree, VALUE, gap.as_bytes());
            }
            if child.kind() == "format_expression" {
                walk(child, self);
            }
            pos = child.end_byte();
        }
        let rest = self.source.get(pos..node.end_byte()).unwrap_or("");
        if !rest.is_empty() {
            record(&mut self.tree, VALUE, rest.as_bytes());
        }
    }

    /// The `expression_statement` that is a body's docstring, if any.
    fn find_docstring(block: Node<'_>) -> Option<usize> {
        let mut cursor = block.walk();
        let first = block
            .named_children(&mut cursor)
            .find(|n| n.kind() != "comment")?;
        let only = (first.kind() == "expression_statement" && first.named_child_count() == 1)
            .then(|| first.named_child(0))??;
        matches!(only.kind(), "string" | "concatenated_string").then_some(first.id())
    }

    /// Decides how a named node appears in the stream: `None` to leave it
    /// out (its children still visited), else the kind to record.
    fn named_kind(&mut self, node: Node<'_>, kind: &'t str, field: Option<&str>) -> Option<&'t str> {
        match kind {
            "parenthesized_expression" => None,
            "expression_list" | "pattern_list" | "tuple_pattern" => Some("tuple"),
            "argument_list"
                if field == Some("superclasses")
                    && node.named_children(&mut node.walk()).all(|c| c.is_extra()) =>
            {
                None
            }
            "block"
                if matches!(
                    self.stack.last(),
                    Some(("function_definition" | "class_definition", _))
                ) =>
            {
                self.docstring = Self::find_docstring(node);
                Some(kind)
            }
            _ => Some(kind),
        }
    }
}

impl<'s, 't> Visitor<'t> for Canon<'s, 't> {
    fn enter(&mut self, node: Node<'t>, field: Option<&'t str>) -> bool {
        let kind = node.kind();
        let mut opened = false;
        let descend = if Some(node.id()) == self.skip {
            false
        } else if node.is_extra() {
            if kind == "comment" {
                self.comment(node);
            }
            false
        } else if !node.is_named() {
            if !self.is_punctuation(kind) {
                record(&mut self.tree, TOKEN, kind.as_bytes());
            }
            false
        } else if Some(node.id()) == self.docstring {
            let value = node
                .named_child(0)
                .and_then(|s| string_value(s, self.source))
                .map(|(_, v)| clean_docstring(&v))
                .unwrap_or_default();
            record(&mut self.tree, OPEN, b"docstring");
            record(&mut self.tree, VALUE, value.as_bytes());
            opened = true;
            false
        } else if let Some(lit) = read_string(node, self.source) {
            self.emit_string(lit);
            false
        } else if let Some(name) = self.named_kind(node, kind, field) {
            record(&mut self.tree, OPEN, name.as_bytes());
            opened = true;
            if node.child_count() == 0 {
                let raw = text(node, self.source);
                match kind {
                    "integer" | "float" => {
                        record(&mut self.tree, VALUE, canonical_number(raw).as_bytes());
                    }
                    _ => record(&mut self.tree, VALUE, raw.as_bytes()),
                }
                false
            } else if kind == "format_specifier" {
                self.emit_format_spec(node);
                false
            } else {
                if kind == "interpolation" && has_token(node, "=") {
                    // `f"{x = }"` prints its own source text, spaces included.
                    record(&mut self.tree, VALUE, text(node, self.source).as_bytes());
                }
                true
            }
        } else {
            true
        };
        self.stack.push((kind, opened));
        descend
    }

    fn exit(&mut self, _node: Node<'t>) {
        if let Some((_, true)) = self.stack.pop() {
            self.tree.push(CLOSE);
        }
    }
}

fn has_token(node: Node<'_>, token: &str) -> bool {
    let mut cursor = node.walk();
    node.children(&mut cursor)
        .any(|c| !c.is_named() && c.kind() == token)
}
