//! The names a definition uses, and the imports inside it: what dependency
//! inference resolves against the file's imports.

use super::imports::{JauntResolver, attribute_chain, import_bindings};
use super::parse::{Visitor, kind_of, line, parse, text, walk};
use super::strings::Prefix;
use super::summary::{Import, NameUse};
use tree_sitter::{Node, TreeCursor};

/// Collects the uses (first occurrence of each chain, source order) and
/// local imports of one definition, as a [`Visitor`]. Jaunt decorators are
/// skipped: they are not dependencies.
pub(crate) struct Uses<'s, 'r> {
    source: &'s str,
    resolver: &'r JauntResolver<'r>,
    parents: Vec<&'static str>,
    /// Looked up at every name of the definition: a fast, seeded hasher.
    seen: foldhash::HashSet<Vec<&'s str>>,
    /// Chains borrow the source until [`Uses::finish`].
    uses: Vec<(Vec<&'s str>, u32)>,
    imports: Vec<Import>,
}

impl<'s, 'r> Uses<'s, 'r> {
    pub(crate) fn new(source: &'s str, resolver: &'r JauntResolver<'r>) -> Self {
        Uses {
            source,
            resolver,
            parents: Vec::new(),
            seen: foldhash::HashSet::default(),
            uses: Vec::new(),
            imports: Vec::new(),
        }
    }

    pub(crate) fn finish(self) -> (Vec<NameUse>, Vec<Import>) {
        let uses = self
            .uses
            .into_iter()
            .map(|(chain, line)| NameUse {
                chain: chain.into_iter().map(str::to_string).collect(),
                line,
            })
            .collect();
        (uses, self.imports)
    }
}

impl<'s> Uses<'s, '_> {
    /// Records a chain unless already seen; takes a slice so that repeated
    /// names (most of them) cost no allocation.
    fn add(&mut self, chain: &[&'s str], line: u32) {
        if chain.is_empty() || self.seen.contains(chain) {
            return;
        }
        self.uses.push((chain.to_vec(), line));
        self.seen.insert(chain.to_vec());
    }

    /// A string annotation (`x: "Item"`) names types too. Only strings
    /// without escapes are read, so the names stay slices of the source.
    fn annotation(&mut self, node: Node<'_>) {
        let mut cursor = node.walk();
        let parts: Vec<Node<'_>> = node.children(&mut cursor).collect();
        let [start, content, end] = parts[..] else {
            return;
        };
        let prefix = Prefix::of(text(start, self.source));
        if prefix.format || prefix.bytes || kind_of(content) != "string_content" {
            return;
        }
        let Some(inner_source) = self.source.get(start.end_byte()..end.start_byte()) else {
            return;
        };
        if inner_source.contains('\\') {
            return;
        }
        let Some(tree) = parse(inner_source) else {
            return;
        };
        let mut inner = Uses::new(inner_source, self.resolver);
        walk(tree.root_node(), &mut inner);
        let line = line(node);
        for (chain, _) in inner.uses {
            self.add(&chain, line);
        }
    }

    /// Whether `node` reads a name rather than binding or labelling one.
    fn is_use(&self, field: Option<&str>) -> bool {
        // `name`: def/class names, keyword-argument and parameter names,
        // walrus targets; `attribute`: the part after a dot; `alias` and
        // `as_pattern_target`: `as x` in imports, `with` and `except`.
        if matches!(field, Some("name" | "attribute" | "alias")) {
            return false;
        }
        !matches!(
            self.parents.last(),
            Some(
                &("parameters"
                    | "lambda_parameters"
                    | "typed_parameter"
                    | "list_splat_pattern"
                    | "dictionary_splat_pattern"
                    | "as_pattern_target")
            )
        )
    }
}

impl<'t> Visitor<'t> for Uses<'_, '_> {
    fn enter(&mut self, node: Node<'t>, cursor: &TreeCursor<'t>) -> bool {
        let descend = if !node.is_named() || node.is_extra() {
            false
        } else {
            match kind_of(node) {
                "decorator" => self.resolver.decorator(node, self.source).is_none(),
                "import_statement" | "import_from_statement" | "future_import_statement" => {
                    import_bindings(node, self.source, &mut self.imports);
                    false
                }
                "string" if self.parents.contains(&"type") => {
                    self.annotation(node);
                    false
                }
                "identifier" => {
                    if self.is_use(cursor.field_name()) {
                        self.add(&[text(node, self.source)], line(node));
                    }
                    false
                }
                "attribute" => match attribute_chain(node, self.source) {
                    Some(chain) => {
                        self.add(&chain, line(node));
                        false
                    }
                    None => true,
                },
                "dotted_name" => {
                    let mut cursor = node.walk();
                    let chain: Vec<&str> = node
                        .named_children(&mut cursor)
                        .filter(|c| kind_of(*c) == "identifier")
                        .map(|c| text(c, self.source))
                        .collect();
                    self.add(&chain, line(node));
                    false
                }
                _ => true,
            }
        };
        self.parents.push(kind_of(node));
        descend
    }

    fn exit(&mut self, _node: Node<'t>) {
        self.parents.pop();
    }
}
