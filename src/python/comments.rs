//! Long runs of comment lines, partly hidden from the parser so that parsing
//! stays linear in their length.
//!
//! At the end of a line, tree-sitter-python's external scanner reads ahead
//! over the comment lines that follow, to the next line of code, to decide
//! whether a block ends there; it does so again after each of those comments,
//! so a run of n comment lines costs O(n²) (0.25.0, the latest release, still
//! does). [`masked`] turns the middle comments of every long [`Run`] into
//! spaces before parsing: the scanner then reads over each run a bounded
//! number of times.
//!
//! Only comment text becomes spaces, so byte offsets and line numbers are
//! the original's and node text is still sliced from the original source.
//! A run's first and last comments stay, and no hidden one is less indented
//! than they are, so the scanner takes the same indent and dedent decisions
//! and the tree is the original's without the hidden comment nodes. What
//! reads comments (the canonical digest) gets those from the source with
//! [`Run::at`] and [`Run::hidden`]. In source with syntax errors, errors are
//! found all the same, but the tree recovered around them may differ:
//! tree-sitter's error recovery weighs what it skips, comments included.

use std::ops::Range;

/// Fewer comment lines than this are parsed as they are: hiding nothing or
/// one line would not save anything worth a copy of the source.
const MIN_LINES: usize = 3;

/// Whole-line comments from a first one to the last at the same indentation
/// with only blank lines and more indented comments between them (more by
/// spaces or tabs added to the first's). Hidden from the parser are the
/// comments between the first and the last: no block can end before any of
/// them that does not end before the last, so they all belong where the
/// first and last do.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Run {
    /// Byte of the first comment's `#`.
    first: usize,
    /// Byte of the last comment's `#`.
    last: usize,
}

impl Run {
    /// The run starting at the comment whose `#` is at `hash`, if that
    /// comment is alone on its line and at least [`MIN_LINES`] long.
    /// Decided from the text alone: the caller knows `hash` starts a comment
    /// (the line after a comment cannot start inside a string, so neither
    /// can the lines after it).
    pub(crate) fn at(source: &str, hash: usize) -> Option<Run> {
        let bytes = source.as_bytes();
        let line_start = source.get(..hash)?.rfind('\n').map_or(0, |i| i + 1);
        let indent = &bytes[line_start..hash];
        if !indent.iter().all(|&b| b == b' ' || b == b'\t') {
            return None;
        }
        let mut end = line_end(bytes, hash);
        if !is_comment(&bytes[hash..end]) {
            return None;
        }
        let (mut last, mut lines, mut lines_to_last) = (hash, 1, 1);
        while end < bytes.len() {
            let start = end + 1;
            let next_end = line_end(bytes, start);
            let line = &bytes[start..next_end];
            if line
                .iter()
                .all(|&b| matches!(b, b' ' | b'\t' | b'\r' | b'\x0c'))
            {
                // Blank lines are not tokens: the scanner skips them alike.
                end = next_end;
                continue;
            }
            let Some(rest) = line.strip_prefix(indent) else {
                break;
            };
            let deeper = rest
                .iter()
                .take_while(|&&b| b == b' ' || b == b'\t')
                .count();
            if !is_comment(&rest[deeper..]) {
                break;
            }
            lines += 1;
            if deeper == 0 {
                last = start + indent.len();
                lines_to_last = lines;
            }
            end = next_end;
        }
        (lines_to_last >= MIN_LINES).then_some(Run { first: hash, last })
    }

    /// The byte ranges of the hidden comments, `#` to end of line, in order.
    pub(crate) fn hidden<'s>(&self, source: &'s str) -> impl Iterator<Item = Range<usize>> + 's {
        let bytes = source.as_bytes();
        let mut pos = line_end(bytes, self.first);
        let last = self.last;
        std::iter::from_fn(move || {
            while pos < last {
                let start = pos + 1;
                pos = line_end(bytes, start);
                match bytes[start..pos].iter().position(|&b| b == b'#') {
                    Some(hash) if start + hash < last => return Some(start + hash..pos),
                    _ => {}
                }
            }
            None
        })
    }

    /// Where the hidden comments start: after the first comment's `#` and
    /// before the last's.
    pub(crate) fn span(&self) -> Range<usize> {
        self.first + 1..self.last
    }

    /// Whether the parser read the run's first and last lines as comments,
    /// as [`masked`]'s lexer expected.
    pub(crate) fn kept_in(&self, root: tree_sitter::Node<'_>) -> bool {
        [self.first, self.last].into_iter().all(|at| {
            root.descendant_for_byte_range(at, at + 1)
                .is_some_and(|n| n.start_byte() == at && super::parse::kind_of(n) == "comment")
        })
    }
}

/// A comment's text from its `#` as the grammar reads it: up to the end of
/// the line, and no NUL, which ends a comment token early.
fn is_comment(text: &[u8]) -> bool {
    text.first() == Some(&b'#') && !text.contains(&0)
}

/// The index of the `\n` ending the line that holds `at`, or the length.
fn line_end(bytes: &[u8], at: usize) -> usize {
    bytes[at..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |i| at + i)
}

/// `source` with the hidden comments of every long run turned into spaces,
/// and the runs; `None` when there is none, the source then being parsed as
/// it is.
///
/// Comment lines are told from string contents by a lexer that knows
/// quotes, triple quotes and backslash escapes but not f-string nesting, so
/// replacement fields holding the string's own quotes (Python 3.12) can
/// mislead it: the caller checks with [`Run::kept_in`] that the parser saw
/// each run's ends as comments, and parses the source as it is otherwise.
pub(crate) fn masked(source: &str) -> Option<(String, Vec<Run>)> {
    let runs = runs(source);
    if runs.is_empty() {
        return None;
    }
    let mut text = String::with_capacity(source.len());
    let mut pos = 0;
    for run in &runs {
        for hidden in run.hidden(source) {
            text.push_str(&source[pos..hidden.start]);
            text.extend(std::iter::repeat_n(' ', hidden.len()));
            pos = hidden.end;
        }
    }
    text.push_str(&source[pos..]);
    Some((text, runs))
}

/// Every long run, in source order.
fn runs(source: &str) -> Vec<Run> {
    let bytes = source.as_bytes();
    let mut runs = Vec::new();
    let mut at_line_start = true;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => {
                at_line_start = true;
                i += 1;
            }
            b' ' | b'\t' => i += 1,
            b'#' => {
                if at_line_start && let Some(run) = Run::at(source, i) {
                    i = run.last;
                    runs.push(run);
                }
                i = line_end(bytes, i);
            }
            quote @ (b'"' | b'\'') => {
                at_line_start = false;
                i = string_end(bytes, i, quote);
            }
            _ => {
                at_line_start = false;
                i += 1;
            }
        }
    }
    runs
}

/// The index after the string literal whose opening quote is at `start`;
/// an unterminated one-line string ends at the end of its line.
fn string_end(bytes: &[u8], start: usize, quote: u8) -> usize {
    let triple = bytes[start..].starts_with(&[quote; 3]);
    let mut i = start + if triple { 3 } else { 1 };
    while i < bytes.len() {
        match bytes[i] {
            // Even in raw strings a backslash keeps the next quote or
            // newline inside the string.
            b'\\' => i += 2,
            b if b == quote && (!triple || bytes[i..].starts_with(&[quote; 3])) => {
                return i + if triple { 3 } else { 1 };
            }
            b'\n' if !triple => return i,
            _ => i += 1,
        }
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn hidden_texts(source: &str) -> Vec<&str> {
        runs(source)
            .iter()
            .flat_map(|run| run.hidden(source).map(|r| &source[r]))
            .collect()
    }

    #[test]
    fn hides_the_middle_of_runs_at_one_indentation() {
        let source = "def f():\n    x = 1\n    # a\n\n    # b\n    # c\n# d\n# e\n";
        assert_eq!(hidden_texts(source), ["# b"]);
        let (masked, runs) = masked(source).expect("one long run");
        assert_eq!(runs.len(), 1);
        assert_eq!(masked.len(), source.len());
        assert_eq!(
            masked,
            "def f():\n    x = 1\n    # a\n\n       \n    # c\n# d\n# e\n"
        );
    }

    #[test]
    fn hides_more_indented_comments_between_the_ends() {
        let source = "class C:\n    def f(self):\n        x = 1\n    # a\n        # b\n    # c\n  # d\n    # e\n";
        assert_eq!(hidden_texts(source), ["# b"]);
        assert_eq!(
            hidden_texts("# a\n    # b\n\n  # c\n# d\n    # e\n"),
            ["# b", "# c"]
        );
    }

    #[test]
    fn short_runs_and_trailing_comments_are_left_alone() {
        assert_eq!(masked("x = 1  # a\n# b\n# c\n"), None);
        assert_eq!(masked("  # a\n# b\n  # c\n"), None);
        assert_eq!(masked("\t# a\n    # b\n\t# c\n"), None);
        assert_eq!(masked("# a\n#\0 b\n# c\n"), None);
        assert_eq!(hidden_texts("x = 1  # a\n# b\n# c\n# d\n"), ["# c"]);
    }

    #[test]
    fn crlf_and_non_ascii_keep_their_offsets() {
        let source = "# a\r\n# é\r\n\r\n# c\r\n";
        assert_eq!(hidden_texts(source), ["# é\r"]);
        let (masked, _) = masked(source).expect("one long run");
        assert_eq!(masked, "# a\r\n     \n\r\n# c\r\n");
        assert_eq!(masked.len(), source.len());
    }

    #[test]
    fn hash_lines_inside_strings_are_not_comments() {
        let sources = [
            "x = '''\n# a\n# b\n# c\n'''\n",
            "x = \"\"\"\n# a\n# b\n# c\n\"\"\"\n",
            "x = '''it''s \\''' # a\n# b\n# c\n'''\n",
            "x = 'a\\\n# a\\\n# b\\\n# c'\n",
            "x = f\"{y!r}\" '''\n# a\n# b\n# c\n'''\n",
            "x = b'''\n\"\"\"\n# a\n# b\n# c\n'''\n",
        ];
        for source in sources {
            assert_eq!(masked(source), None, "{source:?}");
        }
        // After the string closes, comment lines are comments again.
        assert_eq!(
            hidden_texts("x = '''\n# a\n'''\n# b\n# c\n# d\ny = '#'\n"),
            ["# c"]
        );
        assert_eq!(hidden_texts("x = 'a\n# b\n# c\n# d\n"), ["# c"]);
    }

    /// What each front-end entry point makes of `source`, masked and as it
    /// is: equal when the masked tree is the full one without the hidden
    /// comments and the canonical digest reads those from the source. Of
    /// source with syntax errors, only that there are some: tree-sitter's
    /// recovery weighs the nodes it skips, comments included, so the tree
    /// it recovers may differ. Returns whether `source` parsed cleanly.
    fn assert_masking_invisible(source: &str) -> bool {
        use crate::python::parse::{UNMASKED, parse};
        use crate::python::{extract, render_stub, summarize, validate};
        let outputs = || {
            let summary = summarize(source);
            let specs: Vec<String> = summary.specs.iter().map(|s| s.qualname.clone()).collect();
            (
                parse(source).is_none_or(|t| t.root_node().has_error()),
                validate(source, &["f".to_string(), "C.m".to_string()], &[]),
                extract(source),
                render_stub("pkg.m", source, &specs, source),
                summary,
            )
        };
        let masked = (outputs(), nodes(source));
        UNMASKED.set(true);
        let plain = (outputs(), nodes(source));
        UNMASKED.set(false);
        assert_eq!(masked.0.0, plain.0.0, "syntax errors in {source:?}");
        if !masked.0.0 {
            assert_eq!(masked, plain, "{source:?}");
        }
        !masked.0.0
    }

    /// Every node of the tree of `source` (kind and byte range) but the
    /// comments masking hides.
    fn nodes(source: &str) -> Vec<(&'static str, Range<usize>)> {
        use crate::python::parse::{Visitor, kind_of, parse, walk};
        struct Nodes(Vec<Range<usize>>, Vec<(&'static str, Range<usize>)>);
        impl<'t> Visitor<'t> for Nodes {
            fn enter(
                &mut self,
                node: tree_sitter::Node<'t>,
                _: &tree_sitter::TreeCursor<'t>,
            ) -> bool {
                let hidden = self.0.iter().any(|span| span.contains(&node.start_byte()));
                if !(hidden && kind_of(node) == "comment") {
                    self.1.push((kind_of(node), node.byte_range()));
                }
                true
            }
        }
        let spans =
            masked(source).map_or_else(Vec::new, |(_, runs)| runs.iter().map(Run::span).collect());
        let mut nodes = Nodes(spans, Vec::new());
        if let Some(tree) = parse(source) {
            walk(tree.root_node(), &mut nodes);
        }
        nodes.1
    }

    /// Comment runs where a block may end, continue or start, in classes,
    /// brackets and concatenated strings, next to strings holding `#`.
    const SOURCES: [&str; 7] = [
        "import jaunt\n\n\nclass C:\n    @jaunt.magic\n    def f(self):\n        x = 1\n    # a\n        # b\n      # c\n    # d\n  # e\n    # f\n# g\n    # h\n# i\n\n@jaunt.magic\ndef g():\n    pass\n",
        "import jaunt\n\n\n@jaunt.magic\ndef f(x: int) -> int:\n    y = x\n    # a\n    # b\n\n    # c\n# d\n# e\n# f\n",
        "import jaunt\n\n\nclass C:\n    @jaunt.magic\n    def m(self):\n        pass\n    # a\n    # b\n    # c\n\n    @jaunt.magic\n    def n(self):\n        # a\n        # b\n        # c\n        return '''\n# not\n# a\n# comment\n'''\n",
        "import jaunt\n\n\n@jaunt.magic(\n    # a\n    # b\n    # c\n    deps=[\n        # a\n        # b\n        # c\n        A,\n    ],\n)\ndef f():\n    x = (\n        'a'\n        # a\n        # b\n        # c\n        'b'\n    )\n    if x:\n        pass\n        # a\n        # b\n        # c\n    else:\n        # a\n        # b\n        # c\n        pass\n",
        "import jaunt\n\n\n@jaunt.magic\ndef f():\n    x = f\"{y['#']}\"  # a\n    # b\n    # c\n    # d\n    return \"\"\"\n    # e\n    \"\"\"\n    # f\n        # g\n        # h\n        # i\n    # j\n",
        "import jaunt\r\n\r\n@jaunt.magic\r\ndef f():\r\n    x = 1\r\n    # a\r\n    # b\r\n\r\n    # c\r\n",
        "def f():\n    # a\n    # b\n    # c\n    x = 1\n\t# a\n\t# b\n\t# c\n",
    ];

    #[test]
    fn masking_changes_no_summary_stub_or_interface() {
        for source in SOURCES {
            assert!(masked(source).is_some(), "{source:?}");
            assert!(assert_masking_invisible(source), "{source:?} parses");
        }
    }

    /// Parsing is linear in a run's length: unmasked, this takes hours.
    #[test]
    fn a_two_megabyte_comment_run_parses() {
        let line = format!("    # {:-<57}\n", "comment ");
        let source = format!(
            "import jaunt\n\n\n@jaunt.magic\ndef f():\n    x = 1\n{}",
            line.repeat((2 << 20) / line.len())
        );
        let summary = crate::python::summarize(&source);
        assert_eq!(summary.specs.len(), 1);
        assert!(summary.diagnostics.is_empty());
        assert!(crate::python::validate(&source, &["f".to_string()], &[]).is_empty());
    }

    /// Block headers, each line indented by the depth the block opens at
    /// (and its own spaces): comment runs in brackets and between clauses.
    const HEADERS: [&[&str]; 10] = [
        &["@jaunt.magic", "def f(x: int) -> int:"],
        &["@jaunt.magic", "class C(B):"],
        &["def m(self):"],
        &[
            "@jaunt.magic(",
            "    # a",
            "    # b",
            "    # c",
            "    deps=[A],",
            ")",
            "async def g():",
        ],
        &["if x:"],
        &["if x:", "    pass", "# a", "# b", "# c", "else:"],
        &[
            "try:",
            "    pass",
            "    # a",
            "    # b",
            "    # c",
            "except E:",
        ],
        &["for i in x:  # a"],
        &["with (", "    a,  # a", "    # b", "    # c", "):"],
        &[
            "while x:", "    # a", "    # b", "    # c", "    pass", "else:",
        ],
    ];

    /// Statements, strings holding `#` lines among them.
    const STATEMENTS: [&[&str]; 10] = [
        &["pass"],
        &["x = 1  # a"],
        &["return f'{x!r}#{y}'"],
        &["\"\"\"Docstring # with a hash.\"\"\""],
        &["y = '''", "# a", "    # b", "# c", "'''"],
        &["y = r\"\"\"\\\"\"\"", "# a", "# b", "# c", "\"\"\""],
        &["z = 'a\\", "# a\\", "# b\\", "# c'"],
        &[
            "s = (", "    'a'", "    # a", "    # b", "    # c", "    'b'", ")",
        ],
        &["t = [", "    # a", "    # b", "    # c", "    1,", "]"],
        &["u = 1 + \\", "    2"],
    ];

    #[derive(Clone, Debug)]
    enum Step {
        /// One of [`HEADERS`], opening a block.
        Open(usize),
        /// Closes the innermost block.
        Close,
        /// One of [`STATEMENTS`].
        Statement(usize),
        /// Comment lines, `shift` levels deeper than the block (or less
        /// deep), two spaces more if `odd`, a blank line before every other
        /// one if `blank`.
        Comments {
            shift: isize,
            odd: bool,
            lines: usize,
            blank: bool,
        },
    }

    /// A module importing jaunt, then the steps: valid Python, and but for
    /// comments in odd places valid for tree-sitter too.
    fn python(steps: &[Step]) -> String {
        let mut out = String::from("import jaunt\n");
        let mut depth = 0usize;
        let mut needs_body = false;
        let push = |out: &mut String, depth: usize, line: &str| {
            out.push_str(&"    ".repeat(depth));
            out.push_str(line);
            out.push('\n');
        };
        for step in steps {
            match *step {
                Step::Open(header) if depth < 4 => {
                    for line in HEADERS[header] {
                        push(&mut out, depth, line);
                    }
                    depth += 1;
                    needs_body = true;
                }
                Step::Open(_) => {}
                Step::Close => {
                    if needs_body {
                        push(&mut out, depth, "pass");
                    }
                    depth = depth.saturating_sub(1);
                    needs_body = false;
                }
                Step::Statement(statement) => {
                    for line in STATEMENTS[statement] {
                        push(&mut out, depth, line);
                    }
                    needs_body = false;
                }
                Step::Comments {
                    shift,
                    odd,
                    lines,
                    blank,
                } => {
                    let level = depth.saturating_add_signed(shift);
                    let indent = "    ".repeat(level) + if odd { "  " } else { "" };
                    for i in 0..lines {
                        if blank && i % 2 == 1 {
                            out.push('\n');
                        }
                        out.push_str(&format!("{indent}# c{i} é \n"));
                    }
                }
            }
        }
        if needs_body {
            push(&mut out, depth, "pass");
        }
        out
    }

    fn steps() -> impl Strategy<Value = Vec<Step>> {
        let step = prop_oneof![
            2 => (0..HEADERS.len()).prop_map(Step::Open),
            2 => Just(Step::Close),
            3 => (0..STATEMENTS.len()).prop_map(Step::Statement),
            3 => (-2..=1isize, any::<bool>(), 1..8usize, any::<bool>()).prop_map(
                |(shift, odd, lines, blank)| Step::Comments { shift, odd, lines, blank }
            ),
        ];
        proptest::collection::vec(step, 0..40)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn masking_is_invisible_on_generated_python(steps in steps()) {
            assert_masking_invisible(&python(&steps));
        }

        #[test]
        fn masking_is_invisible_on_fragments(
            parts in proptest::collection::vec(
                (crate::python::testing::fragments(), 0..3usize, 0..6usize),
                1..4,
            )
        ) {
            let source: String = parts
                .iter()
                .map(|(fragment, depth, n)| {
                    let comment = format!("{}# c\n", "    ".repeat(*depth));
                    format!("{fragment}\n{}", comment.repeat(*n))
                })
                .collect();
            assert_masking_invisible(&source);
        }
    }
}
