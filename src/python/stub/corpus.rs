//! Random spec modules and the generated modules a model could have
//! written for them, varied in every way the stub layout cares about
//! (item kinds and their order, decorators, docstrings, nested classes,
//! lengths around the line limit), for tests that run real formatters and
//! type checkers over the stubs.

use std::fmt::Write as _;

/// A deterministic xorshift generator: the corpus is the same on every run.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % (n.max(1) as u64)).unwrap_or(0)
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// One spec module, its spec qualnames and its generated module.
pub(crate) struct Pair {
    pub spec: String,
    pub specs: Vec<String>,
    pub generated: String,
}

const WORDS: &[&str] = &[
    "cart",
    "item",
    "price",
    "quantity",
    "discount",
    "currency",
    "customer",
    "shipping",
    "address",
    "warehouse",
    "inventory",
    "threshold",
    "rate",
    "order",
];

const ANNOTATIONS: &[&str] = &[
    "int",
    "str",
    "float",
    "bool",
    "Money",
    "list[int]",
    "dict[str, list[Money]]",
    "Money | None",
    "Callable[[int, str], Money]",
    "tuple[int, ...]",
    "Iterator[Money]",
    "'Money'",
    "dec.Decimal",
    "set[str] | frozenset[str]",
    "Any",
    "ClassVar[int]",
];

const DEFAULTS: &[&str] = &[
    "0",
    "1",
    "-1",
    "0.5",
    "1e-3",
    "2 ** 10",
    "0XFF",
    "None",
    "True",
    "'text'",
    "\"it's\"",
    "'say \"hi\"'",
    "()",
    "(1, 2)",
    "{'a': 1}",
    "b'raw'",
    "-(2 ** 3)",
    "Money(0)",
    "lambda x: x",
    "'日本語のテキスト'",
];

const DOCSTRINGS: &[&str] = &[
    "\"\"\"Short.\"\"\"",
    "\"\"\"Summary line.\n\n    Details with \"quotes\" and a backslash \\\\ here.\n    \"\"\"",
    "'''Single quotes with \"\"\" inside.'''",
    "\"\"\"\n    Leading newline.\n\n        Indented example.\n    Back.\n    \"\"\"",
    "r\"\"\"Raw \\d+ docstring.\"\"\"",
    "\"\"\"Ends with a quote \"x\\\"\"\"\"",
    "\"\"\"\"Starts with a quote.\"\"\"",
    "\"\"\"A single line that is long enough to pass the line length limit of the formatters by a fair margin.\"\"\"",
    "\"\"\"Tab\tand unicode é ✓ and 日本語.\"\"\"",
    "\"\"\"  Padded.   \"\"\"",
    "\"\"\"Path C:\\\\temp\\\\ ends the line \\\\\n    and goes on.\n    \"\"\"",
    "\"\"\"\"\"\"",
    "'Plain single-quoted docstring.'",
];

const LONG_BASES: &[&str] = &[
    "BaseWithAVeryLongNameNumberOne",
    "BaseWithAVeryLongNameNumberTwo",
    "BaseWithAVeryLongNameNumberThree",
    "metaclass=SomeMetaclassWithALongName",
];

/// The imports every spec module starts with; the generated module has its
/// own, some relative to its `__generated__` package.
const SPEC_IMPORTS: &str = "\
from __future__ import annotations

import contextlib
import decimal as dec
import functools
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from contextlib import asynccontextmanager as acm
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar, overload

import jaunt
from jaunt import magic as m
from shop.money import Money
";

const GENERATED_IMPORTS: &str = "\
from __future__ import annotations

import contextlib
import decimal as dec
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from ..money import Money
from .helpers import only_for_the_generated_package
";

struct Gen {
    rng: Rng,
    counter: usize,
    spec: String,
    specs: Vec<String>,
    generated: String,
    /// Names the spec module defines, for `__all__`.
    names: Vec<String>,
}

/// A spec module and generated module from `seed`.
pub(crate) fn pair(seed: u64) -> Pair {
    let mut g = Gen {
        rng: Rng::new(seed),
        counter: 0,
        spec: SPEC_IMPORTS.to_string(),
        specs: Vec::new(),
        generated: GENERATED_IMPORTS.to_string(),
        names: Vec::new(),
    };
    let uses_typevar = g.rng.chance(30);
    if uses_typevar {
        g.spec.push_str("\n_T = TypeVar(\"_T\")\n");
    }
    let items = 1 + g.rng.below(8);
    for _ in 0..items {
        g.spec.push_str("\n\n");
        match g.rng.below(8) {
            0 => g.constant(),
            1 | 2 => g.function_spec(),
            3 => g.handwritten_function(uses_typevar),
            4 => g.overloads(),
            5 => g.handwritten_class(),
            _ => g.class_spec(),
        }
    }
    if g.rng.chance(30) && !g.names.is_empty() {
        let count = 1 + g.rng.below(g.names.len());
        let listed: Vec<String> = g.names[..count].iter().map(|n| format!("'{n}'")).collect();
        let _ = write!(g.spec, "\n__all__ = [{}]\n", listed.join(", "));
    }
    g.extras();
    Pair {
        spec: g.spec,
        specs: g.specs,
        generated: g.generated,
    }
}

impl Gen {
    fn name(&mut self, capital: bool) -> String {
        self.counter += 1;
        let most = if self.rng.chance(15) { 6 } else { 3 };
        let words = 1 + self.rng.below(most);
        let mut parts: Vec<String> = (0..words)
            .map(|_| self.rng.pick(WORDS).to_string())
            .collect();
        if capital {
            for part in &mut parts {
                if let Some(first) = part.get(..1) {
                    *part = first.to_uppercase() + &part[1..];
                }
            }
            format!("{}{}", parts.concat(), self.counter)
        } else {
            format!("{}_{}", parts.join("_"), self.counter)
        }
    }

    fn annotation(&mut self) -> &'static str {
        self.rng.pick(ANNOTATIONS)
    }

    /// A parameter list in a valid order, `self` first for methods.
    fn params(&mut self, method: bool) -> String {
        let mut params = Vec::new();
        if method {
            params.push("self".to_string());
        }
        if self.rng.chance(15) {
            params.push(format!("{}: int", self.name(false)));
            params.push("/".to_string());
        }
        for _ in 0..self.rng.below(3) {
            let name = self.name(false);
            if self.rng.chance(70) {
                params.push(format!("{name}: {}", self.annotation()));
            } else {
                params.push(name);
            }
        }
        for _ in 0..self.rng.below(3) {
            let name = self.name(false);
            let default = self.rng.pick(DEFAULTS);
            if self.rng.chance(70) {
                params.push(format!("{name}: {} = {default}", self.annotation()));
            } else {
                params.push(format!("{name}={default}"));
            }
        }
        match self.rng.below(4) {
            0 => params.push("*args: int".to_string()),
            1 => {
                params.push("*".to_string());
                params.push(format!("{}: str = 'x'", self.name(false)));
            }
            _ => {}
        }
        if self.rng.chance(20) {
            params.push("**kwargs: Any".to_string());
        }
        params.join(", ")
    }

    fn returns(&mut self) -> String {
        if self.rng.chance(85) {
            format!(" -> {}", self.annotation())
        } else {
            String::new()
        }
    }

    fn constant(&mut self) {
        let name = self.name(false).to_uppercase();
        let value = match self.rng.below(6) {
            0 => format!("{name}: int = 3"),
            1 => format!("{name} = {}", self.rng.pick(DEFAULTS)),
            2 => format!("{name} = dict[str, list[int]]"),
            3 => format!("{name} = make_something()"),
            4 => format!("{name}: Money = Money(1)"),
            _ => format!(
                "{name} = {}",
                "'a long string value' + ".repeat(5) + "'end'"
            ),
        };
        self.spec.push_str(&value);
        self.spec.push('\n');
        self.names.push(name);
    }

    fn spec_decorators(&mut self, out: &mut String) {
        let jaunt = self.rng.pick(&[
            "@jaunt.magic",
            "@jaunt.magic()",
            "@jaunt.magic(deps=[Money], prompt='Be exact.')",
            "@m",
        ]);
        out.push_str(jaunt);
        out.push('\n');
        if self.rng.chance(15) {
            out.push_str("@functools.cache\n");
        }
    }

    fn function_spec(&mut self) {
        let name = self.name(false);
        let mut text = String::new();
        self.spec_decorators(&mut text);
        let doc = self.rng.pick(DOCSTRINGS);
        let params = self.params(false);
        if self.rng.chance(30) {
            let decorator = self.rng.pick(&[
                "@contextlib.asynccontextmanager",
                "@asynccontextmanager",
                "@acm",
            ]);
            let _ = write!(
                text,
                "{decorator}\nasync def {name}({params}) -> AsyncIterator[Money]:\n    {doc}\n"
            );
            let _ = write!(
                self.generated,
                "\n\n@contextlib.asynccontextmanager\nasync def {name}({params}) -> AsyncIterator[Money]:\n    yield Money(0)\n"
            );
        } else {
            let prefix = if self.rng.chance(20) { "async " } else { "" };
            let returns = self.returns();
            let _ = write!(text, "{prefix}def {name}({params}){returns}:\n    {doc}\n");
            let _ = write!(
                self.generated,
                "\n\n{prefix}def {name}({params}){returns}:\n    return NotImplemented\n"
            );
        }
        self.spec.push_str(&text);
        self.specs.push(name.clone());
        self.names.push(name);
    }

    fn handwritten_function(&mut self, uses_typevar: bool) {
        let name = self.name(false);
        if self.rng.chance(20) {
            self.spec.push_str("@functools.cache\n");
        }
        let (params, returns) = if uses_typevar && self.rng.chance(50) {
            ("items: list[_T]".to_string(), " -> _T".to_string())
        } else {
            (self.params(false), self.returns())
        };
        let _ = writeln!(self.spec, "def {name}({params}){returns}:\n    return None");
        self.names.push(name);
    }

    fn overloads(&mut self) {
        let name = self.name(false);
        let _ = write!(
            self.spec,
            "@overload\ndef {name}(value: int) -> int: ...\n@overload\ndef {name}(value: str) -> str: ...\n\
             def {name}(value):\n    return value\n"
        );
        self.names.push(name);
    }

    fn bases(&mut self) -> String {
        match self.rng.below(5) {
            0 => "(Exception)".to_string(),
            1 => format!("({})", LONG_BASES.join(", ")),
            2 => "(Base, metaclass=Meta)".to_string(),
            _ => String::new(),
        }
    }

    fn class_decorators(&mut self, out: &mut String) {
        match self.rng.below(5) {
            0 => out.push_str("@dataclass\n"),
            1 => out.push_str("@dataclass(frozen=True)\n"),
            _ => {}
        }
    }

    /// Members of a class body at `level` indents; method specs (recorded
    /// under `qualname`) when `specs`.
    fn members(&mut self, qualname: &str, level: usize, specs: bool) -> String {
        let indent = "    ".repeat(level);
        let mut body = String::new();
        let count = self.rng.below(6);
        for _ in 0..count {
            match self.rng.below(8) {
                0 => {
                    let _ = writeln!(body, "{indent}{}: {}", self.name(false), self.annotation());
                }
                1 => {
                    let _ = writeln!(body, "{indent}{}: int = 0", self.name(false));
                }
                2 => {
                    let _ = writeln!(body, "{indent}_hidden: int = 1");
                }
                3 if level < 3 => {
                    let name = self.name(true);
                    let mut nested = String::new();
                    self.class_decorators(&mut nested);
                    let inner = self.members(&format!("{qualname}.{name}"), level + 1, false);
                    let inner = if inner.is_empty() {
                        format!("{indent}    pass\n")
                    } else {
                        inner
                    };
                    let _ = write!(
                        body,
                        "{}{indent}class {name}:\n{inner}",
                        indent_lines(&nested, &indent)
                    );
                }
                4 => {
                    let _ = writeln!(
                        body,
                        "{indent}@property\n{indent}def {}(self) -> int:\n{indent}    return 1",
                        self.name(false)
                    );
                }
                5 if specs => {
                    let name = self.name(false);
                    let mut decorators = String::new();
                    self.spec_decorators(&mut decorators);
                    let params = self.params(true);
                    let returns = self.returns();
                    let doc = self.rng.pick(DOCSTRINGS);
                    let _ = write!(
                        body,
                        "{}{indent}def {name}({params}){returns}:\n{indent}    {}\n",
                        indent_lines(&decorators, &indent),
                        doc.replace("\n    ", &format!("\n{indent}    "))
                    );
                    self.specs.push(format!("{qualname}.{name}"));
                }
                _ => {
                    let params = self.params(true);
                    let returns = self.returns();
                    let _ = writeln!(
                        body,
                        "{indent}def {}({params}){returns}:\n{indent}    return None",
                        self.name(false)
                    );
                }
            }
        }
        body
    }

    fn handwritten_class(&mut self) {
        let name = self.name(true);
        let mut text = String::new();
        self.class_decorators(&mut text);
        let bases = self.bases();
        let mut body = String::new();
        if self.rng.chance(40) {
            body.push_str("    \"\"\"Handwritten, so not in the stub.\"\"\"\n");
        }
        body.push_str(&self.members(&name, 1, true));
        if body.is_empty() {
            body.push_str("    pass\n");
        }
        let _ = write!(text, "class {name}{bases}:\n{body}");
        self.spec.push_str(&text);
        self.names.push(name);
    }

    fn class_spec(&mut self) {
        let name = self.name(true);
        let mut text = String::new();
        self.spec_decorators(&mut text);
        self.class_decorators(&mut text);
        let bases = self.bases();
        let doc = self.rng.pick(DOCSTRINGS);
        let mut body = format!("    {doc}\n");
        body.push_str(&self.members(&name, 1, true));
        let _ = write!(text, "class {name}{bases}:\n{body}");
        self.spec.push_str(&text);
        self.specs.push(name.clone());
        if self.rng.chance(85) {
            let mut generated = String::new();
            self.class_decorators(&mut generated);
            let members = self.members(&name, 1, false);
            let members = if members.is_empty() {
                "    pass\n".to_string()
            } else {
                members
            };
            let _ = write!(
                self.generated,
                "\n\n{generated}class {name}{bases}:\n{members}"
            );
        }
        self.names.push(name);
    }

    /// What a generated module adds: errors, constants, functions, data
    /// classes, private helpers, maybe an `__all__`.
    fn extras(&mut self) {
        let mut public = Vec::new();
        for _ in 0..self.rng.below(5) {
            let name = self.name(true);
            let text = match self.rng.below(6) {
                0 => format!("class {name}Error(Exception):\n    pass\n"),
                1 => format!("{}: int = 10\n", name.to_uppercase()),
                2 => format!(
                    "def {}({}){}:\n    return None\n",
                    name.to_lowercase(),
                    self.params(false),
                    self.returns()
                ),
                3 => format!("@dataclass\nclass {name}:\n    label: str\n    count: int = 0\n"),
                4 => format!("class {name}:\n    pass\n"),
                _ => format!("def _{}() -> None:\n    pass\n", name.to_lowercase()),
            };
            let defined = text
                .lines()
                .find(|l| !l.starts_with('@'))
                .and_then(|l| {
                    l.trim_start_matches("class ")
                        .trim_start_matches("def ")
                        .split(['(', ':', ' '])
                        .next()
                })
                .unwrap_or("")
                .to_string();
            public.push(defined);
            let _ = write!(self.generated, "\n\n{text}");
        }
        if self.rng.chance(40) {
            let listed: Vec<String> = public
                .iter()
                .chain(&self.names)
                .filter(|n| !n.starts_with('_'))
                .map(|n| format!("\"{n}\""))
                .collect();
            let _ = write!(self.generated, "\n__all__ = [{}]\n", listed.join(", "));
        }
    }
}

/// `text`'s lines with `indent` in front.
fn indent_lines(text: &str, indent: &str) -> String {
    text.lines().map(|l| format!("{indent}{l}\n")).collect()
}
