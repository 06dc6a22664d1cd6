//! Canonical serialization of syntax trees for spec digests
//! (docs/architecture.md, Digests and keys): what black and ruff may change is left out or
//! normalized, everything a reader could notice is kept.

use super::comments::Run;
use super::parse::{Visitor, kind_of, text, walk};
use super::strings::{Prefix, canonical_number, clean_docstring, decode_into};
use super::stubbody::{StubBody, Tail, stub_body};
use crate::digest::{Digest, KeyHasher};
use std::ops::Range;
use tree_sitter::{Node, TreeCursor};

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
    match kind_of(node) {
        "string" => read_piece(node, source, &mut lit),
        "concatenated_string" => {
            let mut cursor = node.walk();
            for piece in node.named_children(&mut cursor) {
                match kind_of(piece) {
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
        match kind_of(child) {
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
                if kind_of(child) == "interpolation" {
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

/// Stream record tags; each record is a tag byte, then (except for `CLOSE`)
/// a u32 length and the bytes, so the stream is unambiguous.
const OPEN: u8 = b'(';
const CLOSE: u8 = b')';
const VALUE: u8 = b'v';
const TOKEN: u8 = b't';

/// Builds the canonical digest of one definition
/// as a [`Visitor`] over its `decorated_definition`.
pub(crate) struct Canon<'s> {
    source: &'s str,
    skip: Option<usize>,
    /// The `expression_statement` holding the docstring of the body being
    /// walked, found on entering the body.
    docstring: Option<usize>,
    /// Bodies whose stub tail is folded (docs/architecture.md, Digests and
    /// keys): the spec's own, and its methods' unless preserved.
    fold: Vec<usize>,
    /// The stub tail of the body being walked, and whether `...` stands in
    /// for it (no docstring) or nothing does.
    tail: Option<(usize, bool)>,
    /// Whether a tail was folded: the digest differs from the unfolded one.
    folded: bool,
    /// Per entered node: its kind, and whether an OPEN record was written.
    stack: Vec<(&'static str, bool)>,
    tree: Vec<u8>,
    comments: Vec<u8>,
    /// Where the hidden comments of the last long run recorded lie.
    hidden: Range<usize>,
    /// Whether the skipped decorator and folded tails are walked all the
    /// same, into [`Splice`]s, for the unfolded and whole-file streams.
    splicing: bool,
    /// The splice being walked, and the node it is the subtree of.
    diverted: Option<(usize, Splice)>,
    splices: Vec<Splice>,
    /// Definitions whose records were walked already, by their own
    /// [`Canon`]: their node id and [`Canon::segment`].
    segments: Vec<(usize, Segment)>,
}

/// What the primary stream of a spec's walk leaves out: the records of the
/// skipped decorator (`file_only`: a digest of the unfolded spec still
/// skips it) or of a folded tail, and where they go.
struct Splice {
    /// The primary records they replace (the stand-in `...`, or none).
    tree: Range<usize>,
    comments_at: usize,
    with_tree: Vec<u8>,
    with_comments: Vec<u8>,
    file_only: bool,
}

/// A definition's records as a walk of the whole file writes them, and the
/// hidden comment run the walk ended with, for that walk to reuse.
pub(crate) struct Segment {
    tree: Vec<u8>,
    comments: Vec<u8>,
    hidden: Range<usize>,
}

/// The domain of canonical digests, folded or not.
const CANONICAL: &str = "jaunt.canonical.v1";

/// The digest of a walk's two streams under `domain`.
fn streams_digest(domain: &str, tree: &[u8], comments: &[u8]) -> Digest {
    KeyHasher::new(domain)
        .field("tree", tree)
        .field("comments", comments)
        .finish()
}

fn record(buf: &mut Vec<u8>, tag: u8, bytes: &[u8]) {
    buf.push(tag);
    buf.extend_from_slice(&u32::try_from(bytes.len()).unwrap_or(u32::MAX).to_le_bytes());
    buf.extend_from_slice(bytes);
}

impl<'s> Canon<'s> {
    /// `skip` is the spec's own jaunt decorator, left out of the digest.
    pub(crate) fn new(source: &'s str, skip: Option<Node<'_>>) -> Self {
        Canon::folding(source, skip, Vec::new())
    }

    /// A digest in which the stub tails of the bodies `fold` (block node
    /// ids) are folded: `pass`, `raise NotImplementedError` and, after a
    /// docstring, `...` digest as the canonical stub, the docstring alone
    /// or, without one, `...`.
    fn folding(source: &'s str, skip: Option<Node<'_>>, fold: Vec<usize>) -> Self {
        Canon {
            source,
            skip: skip.map(|n| n.id()),
            docstring: None,
            fold,
            tail: None,
            folded: false,
            stack: Vec::new(),
            tree: Vec::with_capacity(1024),
            comments: Vec::new(),
            hidden: 0..0,
            splicing: false,
            diverted: None,
            splices: Vec::new(),
            segments: Vec::new(),
        }
    }

    /// A spec's walk, as [`Canon::folding`], that also yields the unfolded
    /// digest ([`Canon::unfolded`]) and the spec's records in a walk of the
    /// whole file ([`Canon::segment`]): one walk where there were three.
    pub(crate) fn spec(source: &'s str, skip: Option<Node<'_>>, fold: Vec<usize>) -> Self {
        Canon {
            splicing: true,
            ..Canon::folding(source, skip, fold)
        }
    }

    /// A whole file's walk that takes the records of the definitions in
    /// `segments` as they are instead of walking them again.
    pub(crate) fn file(source: &'s str, segments: Vec<(usize, Segment)>) -> Self {
        Canon {
            segments,
            ..Canon::new(source, None)
        }
    }

    pub(crate) fn finish(&self) -> Digest {
        self.finish_in(CANONICAL)
    }

    /// The digest with no tail folded, when one was (else it is
    /// [`Canon::finish`]'s): what digests were before stub bodies were
    /// folded. Only a [`Canon::spec`] walk knows it.
    pub(crate) fn unfolded(&self) -> Option<Digest> {
        if !self.folded || !self.splicing {
            return None;
        }
        let (tree, comments) = self.spliced(false);
        Some(streams_digest(CANONICAL, &tree, &comments))
    }

    /// The walked definition's records as a plain walk of its file writes
    /// them: nothing skipped, nothing folded.
    pub(crate) fn segment(&self) -> Segment {
        let (tree, comments) = self.spliced(true);
        Segment {
            tree,
            comments,
            hidden: self.hidden.clone(),
        }
    }

    /// The primary streams with the splices put in: all of them, or those
    /// of folded tails only.
    fn spliced(&self, all: bool) -> (Vec<u8>, Vec<u8>) {
        let splices = || self.splices.iter().filter(|s| all || !s.file_only);
        let extra: usize = splices().map(|s| s.with_tree.len()).sum();
        let mut tree = Vec::with_capacity(self.tree.len() + extra);
        let mut comments = self.comments.clone();
        let mut at = 0;
        let mut inserted = 0;
        for splice in splices() {
            tree.extend_from_slice(&self.tree[at..splice.tree.start]);
            tree.extend_from_slice(&splice.with_tree);
            at = splice.tree.end;
            let place = splice.comments_at + inserted;
            comments.splice(place..place, splice.with_comments.iter().copied());
            inserted += splice.with_comments.len();
        }
        tree.extend_from_slice(&self.tree[at..]);
        (tree, comments)
    }

    /// Where tree records go: the splice being walked, if any.
    fn tree_out(&mut self) -> &mut Vec<u8> {
        match &mut self.diverted {
            Some((_, splice)) => &mut splice.with_tree,
            None => &mut self.tree,
        }
    }

    fn comments_out(&mut self) -> &mut Vec<u8> {
        match &mut self.diverted {
            Some((_, splice)) => &mut splice.with_comments,
            None => &mut self.comments,
        }
    }

    /// Starts walking `node`, which the primary stream leaves out (after
    /// `tree`, its stand-in), into a splice.
    fn divert(&mut self, node: Node<'_>, tree: Range<usize>, file_only: bool) {
        let splice = Splice {
            tree,
            comments_at: self.comments.len(),
            with_tree: Vec::new(),
            with_comments: Vec::new(),
            file_only,
        };
        self.diverted = Some((node.id(), splice));
    }

    /// The digest of the syntax tree alone, comments left out, under
    /// `domain`.
    pub(crate) fn finish_tree(&self, domain: &str) -> Digest {
        KeyHasher::new(domain).field("tree", &self.tree).finish()
    }

    /// The digest of what was walked, under `domain`, for trees that are
    /// not one definition.
    pub(crate) fn finish_in(&self, domain: &str) -> Digest {
        streams_digest(domain, &self.tree, &self.comments)
    }

    /// Records a comment, and the comments of the long run it starts that
    /// the parser was not shown (their nodes, when it was, are skipped).
    fn comment(&mut self, node: Node<'_>) {
        let source = self.source;
        let start = node.start_byte();
        if self.hidden.contains(&start) {
            return;
        }
        self.comment_text(text(node, source));
        #[cfg(test)]
        if super::parse::UNMASKED.get() {
            return;
        }
        if let Some(run) = Run::at(source, start) {
            for hidden in run.hidden(source) {
                self.comment_text(&source[hidden]);
            }
            self.hidden = run.span();
        }
    }

    fn comment_text(&mut self, comment: &str) {
        let body = comment.trim_start_matches('#').trim();
        record(self.comments_out(), VALUE, body.as_bytes());
    }

    /// Anonymous tokens that only delimit or group: formatters add and
    /// remove them freely, and the tree structure already says what they do.
    fn is_punctuation(&self, kind: &str) -> bool {
        match kind {
            "," | "(" | ")" | ";" | "\\" | "{" | "}" => true,
            ":" => self
                .stack
                .last()
                .is_none_or(|(parent, _)| *parent != "slice"),
            _ => false,
        }
    }

    fn emit_string(&mut self, lit: StringLit<'_>) {
        for comment in &lit.comments {
            self.comment(*comment);
        }
        let kind: &[u8] = if lit.bytes { b"bytes" } else { b"str" };
        record(self.tree_out(), OPEN, kind);
        for part in lit.parts {
            match part {
                Part::Lit(value) => record(self.tree_out(), VALUE, value.as_bytes()),
                Part::Interp(node) => walk(node, self),
            }
        }
        self.tree_out().push(CLOSE);
    }

    /// A format spec's literal text is not in the tree: emit the text
    /// between its nested `{expr}` fields, in order with them.
    fn emit_format_spec(&mut self, node: Node<'_>) {
        let mut pos = node.start_byte();
        let mut cursor = node.walk();
        for child in node.children(&mut cursor) {
            let gap = self.source.get(pos..child.start_byte()).unwrap_or("");
            if !gap.is_empty() {
                record(self.tree_out(), VALUE, gap.as_bytes());
            }
            if kind_of(child) == "format_expression" {
                walk(child, self);
            }
            pos = child.end_byte();
        }
        let rest = self.source.get(pos..node.end_byte()).unwrap_or("");
        if !rest.is_empty() {
            record(self.tree_out(), VALUE, rest.as_bytes());
        }
    }

    /// Notes the stub tail of `block` to fold, if it has one not already
    /// in canonical form.
    fn fold_tail(&mut self, block: Node<'_>) {
        let Some(StubBody {
            docstring,
            tail: Some((statement, tail)),
        }) = stub_body(block, self.source)
        else {
            return;
        };
        let fold = match tail {
            Tail::Message => false,
            Tail::Ellipsis => docstring,
            Tail::Foldable => true,
        };
        if fold {
            self.tail = Some((statement.id(), !docstring));
            self.folded = true;
        }
    }

    /// The records `...` as a statement writes.
    fn ellipsis_statement(&mut self) {
        record(self.tree_out(), OPEN, b"expression_statement");
        record(self.tree_out(), OPEN, b"ellipsis");
        record(self.tree_out(), VALUE, b"...");
        self.tree_out().push(CLOSE);
        self.tree_out().push(CLOSE);
    }

    fn find_docstring(&self, block: Node<'_>) -> Option<usize> {
        docstring_statement(block, self.source).map(|statement| statement.id())
    }

    /// Whether `node` stays out of the walk: the skipped decorator and a
    /// folded tail (unless walked into a splice), and a definition whose
    /// segment was given (its records are written here instead).
    fn left_out(&mut self, node: Node<'_>, kind: &str) -> bool {
        let id = node.id();
        if self.diverted.is_some() {
            return false;
        }
        if Some(id) == self.skip {
            if self.splicing {
                let at = self.tree.len();
                self.divert(node, at..at, true);
            }
            return !self.splicing;
        }
        if let Some((_, stand_in)) = self.tail.filter(|(tail, _)| *tail == id) {
            self.tail = None;
            let start = self.tree.len();
            if stand_in {
                self.ellipsis_statement();
            }
            if self.splicing {
                self.divert(node, start..self.tree.len(), false);
            }
            return !self.splicing;
        }
        if !self.segments.is_empty()
            && matches!(
                kind,
                "decorated_definition" | "function_definition" | "class_definition"
            )
            && let Some(at) = self.segments.iter().position(|(given, _)| *given == id)
        {
            let (_, segment) = self.segments.swap_remove(at);
            self.tree.extend_from_slice(&segment.tree);
            self.comments.extend_from_slice(&segment.comments);
            if !segment.hidden.is_empty() {
                self.hidden = segment.hidden;
            }
            return true;
        }
        false
    }

    /// Decides how a named node appears in the stream: `None` to leave it
    /// out (its children still visited), else the kind to record.
    fn named_kind(
        &mut self,
        node: Node<'_>,
        kind: &'static str,
        cursor: &TreeCursor<'_>,
    ) -> Option<&'static str> {
        let parent = self.stack.last().map_or("", |(parent, _)| *parent);
        match kind {
            "parenthesized_expression" => None,
            "expression_list" | "pattern_list" | "tuple_pattern" => Some("tuple"),
            // Annotations parse as types at the top of an annotation but as
            // expressions inside the parentheses black adds around long ones.
            "generic_type" => Some("subscript"),
            "splat_type" => Some("list_splat"),
            "union_type" => Some("binary_operator"),
            "type_parameter" if parent == "generic_type" => None,
            "type" if matches!(parent, "type_parameter" | "union_type") => None,
            "argument_list"
                if cursor.field_name() == Some("superclasses")
                    && node.named_children(&mut node.walk()).all(|c| c.is_extra()) =>
            {
                None
            }
            "block" if matches!(parent, "function_definition" | "class_definition") => {
                self.docstring = self.find_docstring(node);
                if self.fold.contains(&node.id()) {
                    self.fold_tail(node);
                }
                Some(kind)
            }
            _ => Some(kind),
        }
    }
}

impl<'t> Visitor<'t> for Canon<'_> {
    fn enter(&mut self, node: Node<'t>, cursor: &TreeCursor<'t>) -> bool {
        let kind = kind_of(node);
        if self.left_out(node, kind) {
            self.stack.push((kind, false));
            return false;
        }
        let mut opened = false;
        let descend = if node.is_extra() {
            if kind == "comment" {
                self.comment(node);
            }
            false
        } else if !node.is_named() {
            if !self.is_punctuation(kind) {
                record(self.tree_out(), TOKEN, kind.as_bytes());
            }
            false
        } else if Some(node.id()) == self.docstring {
            let value = node
                .named_child(0)
                .and_then(|s| string_value(s, self.source))
                .map(|(_, v)| clean_docstring(&v))
                .unwrap_or_default();
            record(self.tree_out(), OPEN, b"docstring");
            record(self.tree_out(), VALUE, value.as_bytes());
            opened = true;
            false
        } else if matches!(kind, "string" | "concatenated_string")
            && let Some(lit) = read_string(node, self.source)
        {
            self.emit_string(lit);
            false
        } else if let Some(name) = self.named_kind(node, kind, cursor) {
            record(self.tree_out(), OPEN, name.as_bytes());
            opened = true;
            if node.child_count() == 0 {
                let raw = text(node, self.source);
                match kind {
                    "integer" | "float" => {
                        record(self.tree_out(), VALUE, canonical_number(raw).as_bytes());
                    }
                    _ => record(self.tree_out(), VALUE, raw.as_bytes()),
                }
                false
            } else if kind == "format_specifier" {
                self.emit_format_spec(node);
                false
            } else {
                if kind == "interpolation" && has_token(node, "=") {
                    // `f"{x = }"` prints its own source text, spaces included.
                    let source = self.source;
                    record(self.tree_out(), VALUE, text(node, source).as_bytes());
                }
                true
            }
        } else {
            true
        };
        self.stack.push((kind, opened));
        descend
    }

    fn exit(&mut self, node: Node<'t>) {
        if let Some((_, true)) = self.stack.pop() {
            self.tree_out().push(CLOSE);
        }
        if self
            .diverted
            .as_ref()
            .is_some_and(|(id, _)| *id == node.id())
            && let Some((_, splice)) = self.diverted.take()
        {
            self.splices.push(splice);
        }
    }
}

/// The `expression_statement` that is a body's docstring, if any, with its
/// raw value.
pub(crate) fn docstring<'t>(block: Node<'t>, source: &str) -> Option<(Node<'t>, String)> {
    let statement = docstring_statement(block, source)?;
    let (_, value) = string_value(statement.named_child(0)?, source)?;
    Some((statement, value))
}

/// The `expression_statement` that is a body's docstring, if any: a lone
/// plain string (f-strings and bytes are not docstrings in Python). Its
/// value is not decoded: most callers only need to know which node it is.
pub(crate) fn docstring_statement<'t>(block: Node<'t>, source: &str) -> Option<Node<'t>> {
    // Cursor steps only: `named_children` and `named_child_count` count
    // every statement of the block first.
    let mut cursor = block.walk();
    let mut found = cursor.goto_first_child();
    while found && (!cursor.node().is_named() || kind_of(cursor.node()) == "comment") {
        found = cursor.goto_next_sibling();
    }
    let first = found.then(|| cursor.node())?;
    if kind_of(first) != "expression_statement" {
        return None;
    }
    let mut inner = first.walk();
    let mut named = first.children(&mut inner).filter(|c| c.is_named());
    let only = named.next()?;
    (named.next().is_none() && is_plain_string(only, source)).then_some(first)
}

/// Whether [`string_value`] would find `node` a string with neither the
/// `bytes` nor the `format` flag: no piece has a `b` prefix or an
/// interpolation.
fn is_plain_string(node: Node<'_>, source: &str) -> bool {
    let plain = |piece: Node<'_>| {
        let mut cursor = piece.walk();
        let mut children = piece.children(&mut cursor);
        children.all(|child| match kind_of(child) {
            "string_start" => !Prefix::of(text(child, source)).bytes,
            "interpolation" => false,
            _ => true,
        })
    };
    match kind_of(node) {
        "string" => plain(node),
        "concatenated_string" => {
            let mut cursor = node.walk();
            let mut pieces = node.named_children(&mut cursor);
            pieces.all(|piece| kind_of(piece) != "string" || plain(piece))
        }
        _ => false,
    }
}

pub(crate) fn has_token(node: Node<'_>, token: &str) -> bool {
    let mut cursor = node.walk();
    node.children(&mut cursor)
        .any(|c| !c.is_named() && kind_of(c) == token)
}

#[cfg(test)]
mod tests {
    use crate::digest::Digest;
    use crate::python::summarize;
    use crate::python::testing::{FORMATTERS, format_with};

    /// Digests of every spec in a file (with `import jaunt` prepended).
    fn digests(body: &str) -> Vec<Digest> {
        let summary = summarize(&format!("import jaunt\n{body}"));
        assert!(summary.diagnostics.is_empty(), "{:?}", summary.diagnostics);
        assert!(!summary.specs.is_empty(), "no spec in {body}");
        summary.specs.iter().map(|s| s.canonical).collect()
    }

    fn assert_same(a: &str, b: &str) {
        assert_eq!(
            digests(a),
            digests(b),
            "expected equal digests:\n{a}\n---\n{b}"
        );
    }

    /// A spec file as people write it before running a formatter.
    const MESSY: &str = r#"import jaunt
from typing import Optional
import decimal as dec


@jaunt.magic(deps = [ "shop.money:Money" ], prompt = 'Round half-up.')
def total( items : list[ "Item" ] , rate : float=0.2 , * , currency : Optional[str]=None )->dec.Decimal :
  '''Sum the items' prices, plus tax.

        Raises ValueError on an empty cart.   
  '''
  #apply tax last
  if ( not items ) : raise ValueError( 'empty cart' )
  subtotal = sum( [ i.price*i.qty for i in items ] , start = dec.Decimal( 0 ) )   # exact
  return ( subtotal*( 1+rate ) ).quantize( dec.Decimal( '0.01' ) , rounding = dec.ROUND_HALF_UP )

@jaunt.magic
class Cart( object ):
  '''A shopping cart.'''
  TAX = 0XFF_FF ; LIMIT = 1E3
  def __init__( self , owner , items = ( ) ) :
    self.owner , self.items = owner , list( items )
  @jaunt.magic( prompt = "Be" ' exact.' )
  async def checkout( self , *args , **kwargs ) :
    """Check out."""
    return await self.pay( *args , key = lambda x : ( x.a , x.b ) , **kwargs )
  def describe( self ) :
    return f'{ self.owner!r:>10 } has { len( self.items ) } items' + U'\u00e9' + r'\d'

@jaunt.magic(infer_deps=False)
def long_one(first_argument_name: dict[str, list[tuple[int, int]]], second_argument_name: Optional[int]) -> dict[str, list[tuple[int, int, int, int, int, int]]] | None:
    if first_argument_name is not None and second_argument_name is not None and len(first_argument_name) > 10:
        with open("some/long/path/name.txt") as first_file, open("another/long/path/name.txt") as second_file:
            del first_argument_name["key_one"], first_argument_name["key_two"], first_argument_name["key_3"]
    assert second_argument_name is None or second_argument_name > 0, "second_argument_name must be positive"
    value = first_argument_name["some_long_key_name"][0][1] + first_argument_name["other_key"][1][0] * 2
    return {key: [(a, b, a + b, a - b, a * b, a // max(b, 1)) for a, b in pairs] for key, pairs in first_argument_name.items()}

@jaunt.test( )
def test_total( ) :
  assert total( [ ] , rate = .5 ) == dec.Decimal( "0.00" ) , "empty"
  for ( a , b ) in { 'x' : 1 , 'y' : 2 }.items( ) : print( a , b , sep = '' , end = '\n' )
"#;

    fn spec_digests(source: &str) -> Vec<(String, Digest)> {
        let summary = summarize(source);
        assert!(summary.diagnostics.is_empty(), "{:?}", summary.diagnostics);
        summary
            .specs
            .into_iter()
            .map(|s| (s.qualname, s.canonical))
            .collect()
    }

    #[test]
    fn real_formatters_leave_digests_unchanged() {
        let before = spec_digests(MESSY);
        assert_eq!(before.len(), 4);
        for (program, args) in FORMATTERS {
            let formatted = format_with(program, args, MESSY);
            assert_ne!(formatted, MESSY);
            assert_eq!(
                spec_digests(&formatted),
                before,
                "after {program}:\n{formatted}"
            );
        }
    }

    /// Truncated files (an editor mid-keystroke) must still summarize and
    /// validate without panicking.
    #[test]
    fn every_prefix_of_a_spec_file_is_survivable() {
        let cuts = MESSY.char_indices().map(|(i, _)| i).step_by(5);
        for cut in cuts {
            let partial = &MESSY[..cut];
            let _ = summarize(partial);
            let _ =
                crate::python::validate(partial, &["total".to_string(), "Cart.x".to_string()], &[]);
        }
    }

    fn assert_differ(a: &str, b: &str) {
        assert_ne!(
            digests(a),
            digests(b),
            "expected different digests:\n{a}\n---\n{b}"
        );
    }

    #[test]
    fn formatting_does_not_change_the_digest() {
        let pairs = [
            (
                "@jaunt.magic\ndef f(): return 'a'\n",
                "@jaunt.magic\ndef f():\n    return \"a\"\n",
            ),
            (
                "@jaunt.magic\ndef f():\n    '''Doc.\n\n       More.   \n    '''\n",
                "@jaunt.magic\ndef f():\n        \"\"\"Doc.\n\n        More.\n        \"\"\"\n",
            ),
            (
                "@jaunt.magic\ndef f(a, b,): return g(a, b,)\n",
                "@jaunt.magic\ndef f(a, b): return g(a, b)\n",
            ),
            (
                "@jaunt.magic\ndef f(alpha: int, beta: str = 'x') -> dict[str, int]:\n    return call(alpha, beta, key=[1, 2, 3])\n",
                "@jaunt.magic\ndef f(\n    alpha: int,\n    beta: str = \"x\",\n) -> dict[str, int]:\n    return call(\n        alpha,\n        beta,\n        key=[\n            1,\n            2,\n            3,\n        ],\n    )\n",
            ),
            (
                "@jaunt.magic\nclass A():\n    pass\n",
                "@jaunt.magic\nclass A:\n    pass\n",
            ),
            (
                "@jaunt.magic\ndef f(x):\n    if (x):\n        return (x)\n",
                "@jaunt.magic\ndef f(x):\n    if x:\n        return x\n",
            ),
            (
                "@jaunt.magic\ndef f(): return 0XFF, 1E5\n",
                "@jaunt.magic\ndef f(): return 0xff, 1e5\n",
            ),
            (
                "@jaunt.magic\ndef f(): return ('a' 'b')\n",
                "@jaunt.magic\ndef f(): return 'ab'\n",
            ),
            (
                "@jaunt.magic\ndef f():\n    #comment\n    pass\n",
                "@jaunt.magic\ndef f():\n    # comment\n    pass\n",
            ),
            (
                "@jaunt.magic\ndef f():\n    x = 1  # note\n",
                "@jaunt.magic\ndef f():\n    # note\n    x = 1\n",
            ),
            (
                "@jaunt.magic\ndef f(): return 'it\\'s'\n",
                "@jaunt.magic\ndef f(): return \"it's\"\n",
            ),
            (
                "@jaunt.magic\ndef f():\n    for (a, b) in x: del (a, b)\n    return (1, 2)\n",
                "@jaunt.magic\ndef f():\n    for a, b in x:\n        del a, b\n    return 1, 2\n",
            ),
            (
                "@jaunt.magic\ndef f(): return U'x', Rb'\\d'\n",
                "@jaunt.magic\ndef f(): return 'x', br'\\d'\n",
            ),
            (
                "@jaunt.magic\ndef f(): return f'{x!r:>{w}}'\n",
                "@jaunt.magic\ndef f(): return F\"{x!r:>{w}}\"\n",
            ),
            (
                "@jaunt.magic(deps=[A, B])\ndef f(): ...\n",
                "@jaunt.magic\ndef f(): ...\n",
            ),
            (
                "@other(1)\n@jaunt.magic(prompt='x')\ndef f(): ...\n",
                "@other(1,)\n@jaunt.magic\ndef f(): ...\n",
            ),
            (
                "@jaunt.magic\ndef f(): x = a; y = b\n",
                "@jaunt.magic\ndef f():\n    x = a\n    y = b\n",
            ),
            (
                "@jaunt.magic\ndef f() -> (Set[int]):\n    with open(a) as f, open(b) as g: pass\n",
                "@jaunt.magic\ndef f() -> Set[int]:\n    with (\n        open(a) as f,\n        open(b) as g,\n    ):\n        pass\n",
            ),
            (
                "@jaunt.magic\ndef f(x: Dict[str, *Ts], y: Callable[[int], str]): ...\n",
                "@jaunt.magic\ndef f(x: (Dict[str, *Ts]), y: (Callable[[int], str])): ...\n",
            ),
            (
                "@jaunt.magic\ndef f():\n    del (a), b\n    x = (yield)\n    assert (x), ('m')\n",
                "@jaunt.magic\ndef f():\n    del a, b\n    x = yield\n    assert x, 'm'\n",
            ),
            (
                "@jaunt.magic\ndef f(): return a and \\\n    b\n",
                "@jaunt.magic\ndef f():\n    return (\n        a\n        and b\n    )\n",
            ),
        ];
        for (a, b) in pairs {
            assert_same(a, b);
        }
    }

    #[test]
    fn visible_changes_change_the_digest() {
        let pairs = [
            (
                "@jaunt.magic\ndef f():\n    \"\"\"Add two.\"\"\"\n",
                "@jaunt.magic\ndef f():\n    \"\"\"Add three.\"\"\"\n",
            ),
            (
                "@jaunt.magic\ndef f():\n    # keep it short\n    pass\n",
                "@jaunt.magic\ndef f():\n    # keep it long\n    pass\n",
            ),
            (
                "@jaunt.magic\ndef f(a): ...\n",
                "@jaunt.magic\ndef f(b): ...\n",
            ),
            (
                "@jaunt.magic\ndef f(a=1): ...\n",
                "@jaunt.magic\ndef f(a=2): ...\n",
            ),
            (
                "@jaunt.magic\ndef f(a: int): ...\n",
                "@jaunt.magic\ndef f(a: str): ...\n",
            ),
            (
                "@jaunt.magic\ndef f(a) -> int: ...\n",
                "@jaunt.magic\ndef f(a): ...\n",
            ),
            (
                "@other(1)\n@jaunt.magic\ndef f(): ...\n",
                "@other(2)\n@jaunt.magic\ndef f(): ...\n",
            ),
            (
                "@jaunt.magic\ndef f(a): return a + 1\n",
                "@jaunt.magic\ndef f(a): return a - 1\n",
            ),
            (
                "@jaunt.magic\ndef f(): return 'a'\n",
                "@jaunt.magic\ndef f(): return b'a'\n",
            ),
            (
                "@jaunt.magic\ndef f(): return x[1:]\n",
                "@jaunt.magic\ndef f(): return x[:1]\n",
            ),
            (
                "@jaunt.magic\ndef f(): return (1,)\n",
                "@jaunt.magic\ndef f(): return (1)\n",
            ),
            (
                "@jaunt.magic\ndef f(): return 1\n",
                "@jaunt.magic\ndef f(): return 1.0\n",
            ),
            (
                "@jaunt.magic\ndef f(): return f'{x:>3}'\n",
                "@jaunt.magic\ndef f(): return f'{x:<3}'\n",
            ),
            (
                "@jaunt.magic\ndef f(): return f'{x=}'\n",
                "@jaunt.magic\ndef f(): return f'{x = }'\n",
            ),
            (
                "@jaunt.magic\ndef f(): ...\n",
                "@jaunt.magic\nasync def f(): ...\n",
            ),
            (
                "@jaunt.magic\ndef f(): return a.b\n",
                "@jaunt.magic\ndef f(): return a.c\n",
            ),
        ];
        for (a, b) in pairs {
            assert_differ(a, b);
        }
        // The decorator itself is left out: its kind and arguments are
        // folded in later, once `deps` are resolved.
        assert_same(
            "@jaunt.magic\ndef f(): ...\n",
            "@jaunt.test\ndef f(): ...\n",
        );
    }

    /// A spec's one walk gives what three walks of their own gave: the
    /// folded digest, the unfolded one, and the records a plain walk of the
    /// definition writes, which a walk of the whole file takes over.
    fn assert_one_walk_is_three(source: &str) {
        use super::Canon;
        use crate::python::parse::{kind_of, parse, walk};
        let Some(tree) = parse(source) else {
            return;
        };
        let root = tree.root_node();
        let mut definitions = Vec::new();
        let mut stack = vec![root];
        while let Some(node) = stack.pop() {
            let mut cursor = node.walk();
            stack.extend(node.named_children(&mut cursor));
            let is_definition = matches!(
                kind_of(node),
                "decorated_definition" | "function_definition" | "class_definition"
            );
            let decorated = node
                .parent()
                .is_some_and(|p| kind_of(p) == "decorated_definition");
            if is_definition && !decorated {
                definitions.push(node);
            }
        }
        let plain_walk = |node| {
            let mut plain = Canon::new(source, None);
            walk(node, &mut plain);
            plain
        };
        let mut segments = Vec::new();
        let mut method_segments = Vec::new();
        for &definition in &definitions {
            let mut cursor = definition.walk();
            let skip = definition
                .named_children(&mut cursor)
                .find(|d| kind_of(*d) == "decorator");
            let mut fold = Vec::new();
            let mut blocks = vec![definition];
            while let Some(node) = blocks.pop() {
                let mut cursor = node.walk();
                blocks.extend(node.named_children(&mut cursor));
                if kind_of(node) == "block" {
                    fold.push(node.id());
                }
            }
            let mut one = Canon::spec(source, skip, fold.clone());
            walk(definition, &mut one);
            let mut folded = Canon::folding(source, skip, fold);
            walk(definition, &mut folded);
            let mut unfolded = Canon::new(source, skip);
            walk(definition, &mut unfolded);
            assert_eq!(one.finish(), folded.finish(), "{source:?}");
            assert_eq!(one.unfolded().is_some(), folded.folded, "{source:?}");
            assert_eq!(
                one.unfolded().unwrap_or_else(|| one.finish()),
                unfolded.finish(),
                "{source:?}"
            );
            let segment = one.segment();
            let plain = plain_walk(definition);
            assert_eq!(segment.tree, plain.tree, "{source:?}");
            assert_eq!(segment.comments, plain.comments, "{source:?}");
            let in_class = definition.parent().is_some_and(|block| {
                block
                    .parent()
                    .is_some_and(|c| kind_of(c) == "class_definition")
            });
            if in_class {
                method_segments.push((definition.id(), one.segment()));
            }
            segments.push((definition.id(), segment));
        }
        let whole = plain_walk(root).finish();
        for given in [segments, method_segments] {
            let mut file = Canon::file(source, given);
            walk(root, &mut file);
            assert_eq!(file.finish(), whole, "{source:?}");
        }
    }

    /// Sources whose comments, decorators and stub tails are where the
    /// walks part and meet again.
    const SPLICED: [&str; 5] = [
        "import jaunt\n\n@jaunt.magic(\n    # a\n    # b\n    # c\n    # d\n    deps=[A],  # e\n)\n# f\n@other\ndef f():\n    \"\"\"Doc.\"\"\"\n    raise NotImplementedError(\n        # g\n        # h\n        # i\n        # j\n    )\n    # k\n",
        "import jaunt\n\nclass C:\n    @jaunt.magic\n    def m(self):\n        pass  # a\n    # b\n    # c\n    # d\n\n    @jaunt.magic()\n    def n(self): ...\n# e\n",
        "import jaunt\n\n@jaunt.magic\nclass K:\n    '''Doc.'''\n\n    def a(self):\n        '''A.'''\n        ...\n\n    def b(self):\n        pass\n\n    @jaunt.preserve\n    def c(self):\n        raise NotImplementedError()\n",
        "import jaunt\n\n@jaunt.magic\ndef f():\n    x = 1\n    # a\n    # b\n    # c\n# d\n# e\n\n@jaunt.magic\ndef g(): pass\n",
        "import jaunt\njaunt.magic_module(__name__)\n\ndef f(): ...\n\nclass D:\n    def m(self): pass\n",
    ];

    #[test]
    fn a_specs_one_walk_gives_every_digest_the_separate_walks_gave() {
        let mut sources: Vec<String> = SPLICED.iter().map(|s| s.to_string()).collect();
        sources.push(MESSY.to_string());
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        for entry in ignore::WalkBuilder::new(root).build().flatten() {
            if entry.path().extension().is_some_and(|e| e == "py") {
                sources.push(std::fs::read_to_string(entry.path()).expect("readable"));
            }
        }
        assert!(
            sources.len() > 40,
            "the repository's Python files are found"
        );
        for source in &sources {
            assert_one_walk_is_three(source);
            crate::python::parse::UNMASKED.set(true);
            assert_one_walk_is_three(source);
            crate::python::parse::UNMASKED.set(false);
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        #[test]
        fn a_specs_one_walk_gives_every_digest_on_generated_python(
            source in crate::python::testing::fragments()
        ) {
            assert_one_walk_is_three(&source);
        }
    }
}
