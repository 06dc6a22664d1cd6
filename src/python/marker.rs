//! `jaunt adopt` and `jaunt eject` as text edits: adding or removing the
//! `@jaunt.contract` line (and `import jaunt`) and nothing else, so the
//! file keeps its formatting and a review shows exactly what changed.

use super::contract::top_level_definition;
use super::imports::{JauntName, JauntResolver, import_bindings};
use super::parse::{kind_of, parse, text};
use super::stubbody::stub_body;
use super::summary::ImportTarget;
use crate::python::parse::{Field, Fields};
use tree_sitter::Node;

/// Why a marker cannot be added or removed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MarkerError {
    #[error("the file does not parse")]
    Syntax,
    #[error("no top-level function, async function or class named `{0}`")]
    NotFound(String),
    #[error("`{0}` has no body to pin (a stub): contracts mark handwritten code")]
    Stub(String),
    #[error("`{0}` is already marked @jaunt.{1}")]
    Marked(String, &'static str),
    #[error("`{0}` is not marked @jaunt.contract")]
    NotContract(String),
}

fn decorators(stmt: Node<'_>) -> Vec<Node<'_>> {
    if kind_of(stmt) != "decorated_definition" {
        return Vec::new();
    }
    let mut cursor = stmt.walk();
    stmt.named_children(&mut cursor)
        .filter(|d| kind_of(*d) == "decorator")
        .collect()
}

/// The byte just past the line holding `byte`.
fn line_end(source: &str, byte: usize) -> usize {
    source[byte..]
        .find('\n')
        .map_or(source.len(), |i| byte + i + 1)
}

/// The start of the line holding `byte`.
fn line_start(source: &str, byte: usize) -> usize {
    source[..byte].rfind('\n').map_or(0, |i| i + 1)
}

/// Adds `@jaunt.contract` right above the `def`/`class` line of the
/// top-level definition `name` (below its other decorators, so it marks
/// the function itself, not a wrapper such as `functools.lru_cache`'s),
/// and `import jaunt` after the file's leading imports when no import
/// provides the decorator.
pub fn add_contract_marker(source: &str, name: &str) -> Result<String, MarkerError> {
    let tree = parse(source).ok_or(MarkerError::Syntax)?;
    let root = tree.root_node();
    if root.has_error() {
        return Err(MarkerError::Syntax);
    }
    let (stmt, def) = top_level_definition(root, source, name)
        .ok_or_else(|| MarkerError::NotFound(name.into()))?;
    let mut imports = Vec::new();
    let mut cursor = root.walk();
    let mut last_import_end = None;
    let mut after_preamble = 0;
    for (i, s) in root.named_children(&mut cursor).enumerate() {
        if import_bindings(s, source, &mut imports) {
            last_import_end = Some(s.end_byte());
        } else if i == 0
            && kind_of(s) == "expression_statement"
            && s.named_child(0).is_some_and(|c| kind_of(c) == "string")
        {
            after_preamble = s.end_byte();
        } else if kind_of(s) != "comment" {
            break;
        }
    }
    if let Some(resolver) = JauntResolver::new(&imports) {
        for d in decorators(stmt) {
            match resolver.decorator(d, source) {
                Some(JauntName::Contract) => {
                    return Err(MarkerError::Marked(name.into(), "contract"));
                }
                Some(JauntName::Magic) => return Err(MarkerError::Marked(name.into(), "magic")),
                Some(JauntName::Test) => return Err(MarkerError::Marked(name.into(), "test")),
                _ => {}
            }
        }
    }
    if def
        .field(Field::Body)
        .is_some_and(|b| stub_body(b, source).is_some())
    {
        return Err(MarkerError::Stub(name.into()));
    }
    let decorator = imports.iter().rev().find_map(|i| match &i.target {
        ImportTarget::Module(m) if m == "jaunt" => Some(format!("{}.contract", i.binding)),
        ImportTarget::From {
            level: 0,
            module,
            name,
        } if module == "jaunt" && name == "contract" => Some(i.binding.clone()),
        _ => None,
    });
    let mut out = String::with_capacity(source.len() + 32);
    let at = line_start(source, def.start_byte());
    let (import_at, decorator) = match decorator {
        Some(d) => (None, d),
        None => {
            let end = last_import_end.unwrap_or(after_preamble);
            let at = if end == 0 { 0 } else { line_end(source, end) };
            (Some(at), "jaunt.contract".to_string())
        }
    };
    let mut pos = 0;
    if let Some(i) = import_at {
        out.push_str(&source[..i]);
        // Its own paragraph when there was no import to join: after a
        // module docstring, or at the top.
        match (last_import_end, i) {
            (Some(_), _) => out.push_str("import jaunt\n"),
            (None, 0) => out.push_str("import jaunt\n\n"),
            (None, _) => out.push_str("\nimport jaunt\n"),
        }
        pos = i;
    }
    out.push_str(&source[pos..at]);
    out.push_str(&format!("@{decorator}\n"));
    out.push_str(&source[at..]);
    Ok(out)
}

/// Removes the `@jaunt.contract` decorator of the top-level definition
/// `name`, and the file's `import jaunt` when nothing else uses it.
pub fn remove_contract_marker(source: &str, name: &str) -> Result<String, MarkerError> {
    let tree = parse(source).ok_or(MarkerError::Syntax)?;
    let root = tree.root_node();
    let mut imports = Vec::new();
    let mut import_stmts = Vec::new();
    let mut cursor = root.walk();
    for s in root.named_children(&mut cursor) {
        let before = imports.len();
        if import_bindings(s, source, &mut imports) && imports.len() > before {
            import_stmts.push((s, before..imports.len()));
        }
    }
    let (stmt, _) = top_level_definition(root, source, name)
        .ok_or_else(|| MarkerError::NotFound(name.into()))?;
    let resolver =
        JauntResolver::new(&imports).ok_or_else(|| MarkerError::NotContract(name.into()))?;
    let marker = decorators(stmt)
        .into_iter()
        .find(|d| resolver.decorator(*d, source) == Some(JauntName::Contract))
        .ok_or_else(|| MarkerError::NotContract(name.into()))?;
    let cut = line_start(source, marker.start_byte())..line_end(source, marker.end_byte());
    let mut out = format!("{}{}", &source[..cut.start], &source[cut.end..]);
    // The import goes too when it is a whole `import jaunt` line whose
    // binding nothing else in the file names.
    let Some(edited) = parse(&out) else {
        return Ok(out);
    };
    let import = import_stmts.iter().find(|(s, range)| {
        range.len() == 1
            && kind_of(*s) == "import_statement"
            && matches!(&imports[range.start].target, ImportTarget::Module(m) if m == "jaunt")
    });
    if let Some((s, range)) = import
        && count_identifier(edited.root_node(), &out, &imports[range.start].binding) == 1
    {
        // Where the import is in `out`, the marker line having gone.
        let shift = if s.start_byte() > cut.start {
            cut.end - cut.start
        } else {
            0
        };
        let mut start = line_start(&out, s.start_byte() - shift);
        let mut end = line_end(&out, s.end_byte() - shift);
        // The blank line that `adopt` put with an import of its own.
        if start == 0 && out[end..].starts_with('\n') {
            end += 1;
        } else if out[..start].ends_with("\n\n") {
            start -= 1;
        }
        out.replace_range(start..end, "");
    }
    Ok(out)
}

fn count_identifier(root: Node<'_>, source: &str, name: &str) -> usize {
    let mut count = 0;
    let mut cursor = root.walk();
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        if kind_of(node) == "identifier" && text(node, source) == name {
            count += 1;
        }
        stack.extend(node.named_children(&mut cursor));
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adopt_adds_only_the_marker_and_the_import() {
        let src = "\"\"\"Text helpers.\"\"\"\n\nfrom __future__ import annotations\n\nimport re  # regexes\n\n\n@functools.cache\ndef slug(t: str) -> str:\n    return re.sub(\"x\", \"y\", t)\n";
        let out = add_contract_marker(src, "slug").unwrap();
        insta::assert_snapshot!(out);
        assert_eq!(
            remove_contract_marker(&out, "slug").unwrap(),
            src,
            "eject undoes adopt"
        );
    }

    #[test]
    fn adopt_uses_an_existing_import_and_refuses_what_it_cannot_mark() {
        let src = "import jaunt as j\n\ndef f(x):\n    return x\n\n@j.magic\ndef g(x):\n    ...\n\ndef h():\n    ...\n";
        let out = add_contract_marker(src, "f").unwrap();
        assert_eq!(out, src.replacen("def f", "@j.contract\ndef f", 1));
        assert_eq!(
            add_contract_marker(&out, "f"),
            Err(MarkerError::Marked("f".into(), "contract"))
        );
        assert_eq!(
            add_contract_marker(src, "g"),
            Err(MarkerError::Marked("g".into(), "magic"))
        );
        assert_eq!(
            add_contract_marker(src, "h"),
            Err(MarkerError::Stub("h".into()))
        );
        assert_eq!(
            add_contract_marker(src, "nope"),
            Err(MarkerError::NotFound("nope".into()))
        );
        let ejected = remove_contract_marker(&out, "f").unwrap();
        assert_eq!(ejected, src, "the import stays: g still uses it");
    }

    #[test]
    fn adopt_then_eject_is_the_identity_without_imports() {
        for src in [
            "def f(x):\n    return x\n",
            "\"\"\"Doc.\"\"\"\n\n\ndef f(x):\n    return x\n",
        ] {
            let out = add_contract_marker(src, "f").unwrap();
            assert!(out.contains("import jaunt\n") && out.contains("@jaunt.contract\ndef f"));
            assert_eq!(remove_contract_marker(&out, "f").unwrap(), src, "{out}");
        }
    }
}
