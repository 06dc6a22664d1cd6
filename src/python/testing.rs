//! What the front end's tests share: real formatters, and generated Python
//! for property tests.

use proptest::prelude::*;

/// The formatters, and settings, the formatting-invariance tests run:
/// default and preview styles, the latter at a narrow width where they
/// change most.
pub(crate) const FORMATTERS: [(&str, &[&str]); 4] = [
    ("ruff", &["format", "--no-cache", "-"]),
    (
        "ruff",
        &[
            "format",
            "--no-cache",
            "--preview",
            "--line-length",
            "40",
            "-",
        ],
    ),
    ("black", &["-q", "-"]),
    ("black", &["-q", "--preview", "--line-length", "40", "-"]),
];

/// Runs a formatter on `source` through stdin; a missing tool fails the
/// test, because formatting invariance is a promise jaunt makes.
pub(crate) fn format_with(program: &str, args: &[&str], source: &str) -> String {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("`{program}` is needed for this test ({e}); run `pip install ruff black`")
        });
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(source.as_bytes())
        .expect("formatter reads stdin");
    let output = child.wait_with_output().expect("formatter runs");
    assert!(
        output.status.success(),
        "{program} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("formatter writes UTF-8")
}

/// Fragments of Python, jaunt decorators and broken syntax, joined at
/// random, so generated sources reach the parser's and the renderers' odd
/// corners far more often than random text would.
pub(crate) fn fragments() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("import jaunt\n"),
        Just("import a.b as c\n"),
        Just("from jaunt import magic as m, test\n"),
        Just("from contextlib import asynccontextmanager\n"),
        Just("from . import x\n"),
        Just("from ..x import y\n"),
        Just("from m import *\n"),
        Just("__all__ = ['f', 'A']\n"),
        Just("@jaunt.magic"),
        Just("@jaunt.magic\n"),
        Just("@jaunt.test(targets=[f])"),
        Just("@jaunt.magic(deps=[A, 'p.q:R'], prompt='x', infer_deps=False)"),
        Just("@m("),
        Just("@dataclass(frozen=True)\n"),
        Just("@asynccontextmanager\n"),
        Just("@overload\n"),
        Just("@x.setter"),
        Just("def f(a: int = 1, *b, **c) -> int:"),
        Just("def f(a: int = 1, /, *b: *Ts, c=lambda: 0, **d) -> int | None:"),
        Just("async def g(self):"),
        Just("async def g[T: int, *U, **P](self):"),
        Just("class A(B, metaclass=M):"),
        Just("class C(:"),
        Just("x: int = 3\n"),
        Just("_T = TypeVar('_T')\n"),
        Just("X = Y = f'{a!r:>{w}}'\n"),
        Just("type T[K] = dict[K, 'V']\n"),
        Just("if TYPE_CHECKING:\n"),
        Just("\n"),
        Just("    "),
        Just("\t"),
        Just("..."),
        Just("pass"),
        Just("'''doc'''"),
        Just("'''doc \"\"\" \\\\'''"),
        Just("\"\"\"unterminated"),
        Just("# comment\n"),
        Just("("),
        Just(")"),
        Just("["),
        Just(":"),
        Just(","),
        Just("|"),
        Just("**"),
        Just("b'\\xff'"),
        Just("\u{0}\u{feff}"),
        Just("é"),
    ]
    .prop_map(str::to_string);
    let piece = prop_oneof![piece, "[a-zA-Z_]{1,6}"];
    proptest::collection::vec(piece, 0..40).prop_map(|v| v.concat())
}
