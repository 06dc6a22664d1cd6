//! Mutants of a contract's code, for `jaunt test --strength`
//! (docs/contracts.md, Strength): small static edits a good battery should
//! notice. Each is the whole file with one edit, so it is only ever written
//! to a temporary copy.

use super::parse::{kind_of, parse, text};
use crate::python::parse::{Field, Fields};
use tree_sitter::Node;

/// One mutant: what was changed, and the whole mutated file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mutant {
    pub line: u32,
    pub change: String,
    pub source: String,
}

/// The replacement of one operator token.
fn flipped(op: &str) -> Option<&'static str> {
    Some(match op {
        "<" => ">=",
        ">=" => "<",
        ">" => "<=",
        "<=" => ">",
        "==" => "!=",
        "!=" => "==",
        "and" => "or",
        "or" => "and",
        "+" => "-",
        "-" => "+",
        _ => return None,
    })
}

/// Mutants of the top-level definition `name` in `source`: comparisons and
/// boolean operators flipped, `+`/`-` swapped, integers changed by one,
/// strings changed, a `raise` dropped (made `pass`).
pub fn mutants(source: &str, name: &str) -> Vec<Mutant> {
    let Some(tree) = parse(source) else {
        return Vec::new();
    };
    let Some((_, def)) = super::contract::top_level_definition(tree.root_node(), source, name)
    else {
        return Vec::new();
    };
    let Some(body) = def.field(Field::Body) else {
        return Vec::new();
    };
    let mut edits: Vec<(std::ops::Range<usize>, String, u32)> = Vec::new();
    let mut stack = vec![body];
    let docstring = super::canonical::docstring_statement(body, source).map(|n| n.id());
    while let Some(node) = stack.pop() {
        if Some(node.id()) == docstring {
            continue;
        }
        let line = u32::try_from(node.start_position().row + 1).unwrap_or(u32::MAX);
        match kind_of(node) {
            "comparison_operator" | "boolean_operator" | "binary_operator" => {
                let mut c = node.walk();
                for op in node.children(&mut c).filter(|c| !c.is_named()) {
                    if let Some(to) = flipped(kind_of(op)) {
                        edits.push((op.byte_range(), to.to_string(), line));
                    }
                }
            }
            "integer" => {
                if let Ok(n) = text(node, source).parse::<i64>() {
                    edits.push((node.byte_range(), (n + 1).to_string(), line));
                }
            }
            "string" if !is_part_of_fstring(node) => {
                let raw = text(node, source);
                let to = if raw.len() <= 2 || raw.ends_with("\"\"") || raw.ends_with("''") {
                    "\"jaunt-mutant\"".to_string()
                } else {
                    "\"\"".to_string()
                };
                edits.push((node.byte_range(), to, line));
                continue;
            }
            "raise_statement" => {
                edits.push((node.byte_range(), "pass".to_string(), line));
            }
            _ => {}
        }
        let mut c = node.walk();
        stack.extend(node.named_children(&mut c));
    }
    edits.sort_by_key(|(r, _, _)| r.start);
    edits
        .into_iter()
        .map(|(range, to, line)| {
            let change = format!("{} -> {to}", &source[range.clone()]);
            let mut mutated = source.to_string();
            mutated.replace_range(range, &to);
            Mutant {
                line,
                change,
                source: mutated,
            }
        })
        .collect()
}

fn is_part_of_fstring(node: Node<'_>) -> bool {
    node.parent()
        .is_some_and(|p| kind_of(p) == "concatenated_string" || kind_of(p) == "interpolation")
}

#[cfg(test)]
mod tests {
    #[test]
    fn each_mutant_is_one_edit_inside_the_definition() {
        let src = "X = 1 < 2\n\ndef f(a, b):\n    \"\"\"Doc.\"\"\"\n    if a < b and b == 3:\n        raise ValueError(\"no\")\n    return a + 1\n";
        let changes: Vec<String> = super::mutants(src, "f")
            .into_iter()
            .map(|m| format!("{}: {}", m.line, m.change))
            .collect();
        assert_eq!(
            changes,
            [
                "5: < -> >=",
                "5: and -> or",
                "5: == -> !=",
                "5: 3 -> 4",
                "6: raise ValueError(\"no\") -> pass",
                "6: \"no\" -> \"\"",
                "7: + -> -",
                "7: 1 -> 2",
            ]
        );
        assert!(super::mutants(src, "g").is_empty());
    }
}
