//! Whole-class specs: what each method of a class spec asks of the
//! generated class (docs/architecture.md, Module-level magic and
//! whole-class specs).

use super::args::{SpecArgs, read_args};
use super::canonical::Canon;
use super::imports::{JauntName, JauntResolver};
use super::interface::signature;
use super::parse::{column, kind_of, line, text, walk};
use super::stubbody::has_stub_body;
use crate::digest::Digest;
use crate::error::{Code, Diagnostic};
use crate::names::SpecKind;
use crate::python::parse::{Field, Fields};
use serde::{Deserialize, Serialize};
use tree_sitter::Node;

/// One method of a class spec.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub name: String,
    pub role: MemberRole,
    /// 1-based line of its `def`.
    pub line: u32,
    /// Its signature, canonically spelled (see [`signature`]).
    pub signature: String,
    /// [`body_digest`] of a preserved method: what the generated class's
    /// method must digest to.
    pub body: Option<Digest>,
    /// The `prompt=` of an inner `@jaunt.magic`.
    pub prompt: Option<String>,
}

/// What the generated class does with a method of the class spec.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MemberRole {
    /// `@jaunt.preserve`: kept verbatim; validation checks it.
    Preserved,
    /// `@jaunt.sig`: the signature is sealed, the body generated;
    /// validation checks the signature.
    Sealed,
    /// An inner `@jaunt.magic`: part of the class spec, a method the
    /// generated class must define.
    Spec,
    /// An unmarked stub: a suggestion whose signature the model may adapt.
    Guidepost,
    /// An unmarked method with a real body: kept as written.
    Handwritten,
}

impl MemberRole {
    pub fn as_str(self) -> &'static str {
        match self {
            MemberRole::Preserved => "preserved",
            MemberRole::Sealed => "sealed",
            MemberRole::Spec => "spec",
            MemberRole::Guidepost => "guidepost",
            MemberRole::Handwritten => "handwritten",
        }
    }

    /// Whether the generated class must define the method.
    pub fn required(self) -> bool {
        matches!(
            self,
            MemberRole::Preserved | MemberRole::Sealed | MemberRole::Spec
        )
    }
}

/// What reading a class spec's body yields besides its members.
#[derive(Default)]
pub(crate) struct ClassBody {
    pub members: Vec<Member>,
    /// Bodies (block node ids) whose stub tails the spec digest folds:
    /// every method's but the preserved ones'.
    pub fold: Vec<usize>,
    /// Arguments of the inner `@jaunt.magic` decorators folded into the
    /// class spec, nested classes' included.
    pub inner: Vec<SpecArgs>,
}

/// Reads the body of a class spec: each method's role, and what folds
/// into the spec. Problems (a method both preserved and sealed, unreadable
/// inner arguments) become diagnostics.
pub(crate) fn read_class(
    block: Node<'_>,
    source: &str,
    resolver: &JauntResolver<'_>,
    diagnostics: &mut Vec<Diagnostic>,
) -> ClassBody {
    let mut body = ClassBody::default();
    read_block(block, source, resolver, diagnostics, &mut body, true);
    body
}

fn read_block(
    block: Node<'_>,
    source: &str,
    resolver: &JauntResolver<'_>,
    diagnostics: &mut Vec<Diagnostic>,
    body: &mut ClassBody,
    direct: bool,
) {
    let mut cursor = block.walk();
    for statement in block.named_children(&mut cursor) {
        let (def, decorators) = match kind_of(statement) {
            "decorated_definition" => match statement.field(Field::Definition) {
                Some(def) => (def, decorators_of(statement)),
                None => continue,
            },
            "function_definition" | "class_definition" => (statement, Vec::new()),
            _ => continue,
        };
        let marks: Vec<(Node<'_>, JauntName)> = decorators
            .iter()
            .filter_map(|d| Some((*d, resolver.decorator(*d, source)?)))
            .collect();
        let has = |name: JauntName| marks.iter().find(|(_, n)| *n == name).map(|(d, _)| *d);
        if kind_of(def) == "class_definition" {
            if let Some(inner) = def.field(Field::Body) {
                read_block(inner, source, resolver, diagnostics, body, false);
            }
            continue;
        }
        if has(JauntName::Test).is_some() {
            // A test spec of its own, not part of the class.
            continue;
        }
        let magic = has(JauntName::Magic);
        if let Some(decorator) = magic {
            body.inner
                .push(read_args(decorator, SpecKind::Build, source, diagnostics));
        }
        let preserved = has(JauntName::Preserve).is_some();
        let sealed = has(JauntName::Sig).is_some();
        if preserved && (sealed || magic.is_some()) {
            let name = def.field(Field::Name).map_or("", |n| text(n, source));
            diagnostics.push(
                Diagnostic::new(
                    Code::Discovery,
                    format!(
                        "method `{name}` is marked @jaunt.preserve and also {}",
                        if sealed { "@jaunt.sig" } else { "@jaunt.magic" }
                    ),
                )
                .position(line(def), column(def, source))
                .hint("@jaunt.preserve keeps a method as written; @jaunt.sig and @jaunt.magic have it generated: keep one"),
            );
        }
        let role = if preserved {
            MemberRole::Preserved
        } else if sealed {
            MemberRole::Sealed
        } else if magic.is_some() {
            MemberRole::Spec
        } else if has_stub_body(def, source) {
            MemberRole::Guidepost
        } else {
            MemberRole::Handwritten
        };
        if role != MemberRole::Preserved
            && let Some(block) = def.field(Field::Body)
        {
            body.fold.push(block.id());
        }
        if !direct {
            continue;
        }
        body.members.push(Member {
            name: def
                .field(Field::Name)
                .map_or("", |n| text(n, source))
                .to_string(),
            role,
            line: line(def),
            signature: signature(def, source),
            body: (role == MemberRole::Preserved).then(|| body_digest(def, source)),
            prompt: body
                .inner
                .last()
                .filter(|_| magic.is_some())
                .and_then(|a| a.prompt.clone()),
        });
    }
}

fn decorators_of(decorated: Node<'_>) -> Vec<Node<'_>> {
    let mut cursor = decorated.walk();
    decorated
        .named_children(&mut cursor)
        .filter(|d| kind_of(*d) == "decorator")
        .collect()
}

/// A method's definition, signature and body, digested without its
/// decorators and comments: what "kept verbatim" compares, however the
/// model formatted it.
pub(crate) fn body_digest(def: Node<'_>, source: &str) -> Digest {
    let mut canon = Canon::new(source, None);
    walk(def, &mut canon);
    canon.finish_tree("jaunt.preserved.v1")
}
