//! Literal values: Python string escapes, docstring cleaning and numbers,
//! so that spellings a formatter may change compare by what they mean.

/// What a string literal's prefix says about its contents.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Prefix {
    pub raw: bool,
    pub bytes: bool,
    pub format: bool,
}

impl Prefix {
    /// Reads the prefix letters of a `string_start` token (`rb"""`, `F'`, …);
    /// case and `u` carry no meaning.
    pub(crate) fn of(start: &str) -> Prefix {
        let mut prefix = Prefix::default();
        for c in start.chars().take_while(|c| c.is_ascii_alphabetic()) {
            match c.to_ascii_lowercase() {
                'r' => prefix.raw = true,
                'b' => prefix.bytes = true,
                'f' | 't' => prefix.format = true,
                _ => {}
            }
        }
        prefix
    }
}

/// Appends the value of one piece of string literal text to `out`.
/// Bytes literals map each byte to the char of the same number, which keeps
/// them apart from nothing but themselves (the caller tags them as bytes).
pub(crate) fn decode_into(text: &str, prefix: Prefix, out: &mut String) {
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' | '}' if prefix.format && chars.peek() == Some(&c) => {
                chars.next();
                out.push(c);
            }
            '\\' if !prefix.raw => decode_escape(&mut chars, prefix, out),
            _ => out.push(c),
        }
    }
}

fn decode_escape(
    chars: &mut std::iter::Peekable<std::str::Chars<'_>>,
    prefix: Prefix,
    out: &mut String,
) {
    let Some(c) = chars.next() else {
        out.push('\\');
        return;
    };
    let simple = match c {
        '\n' => Some(None),
        '\r' => {
            if chars.peek() == Some(&'\n') {
                chars.next();
            }
            Some(None)
        }
        '\\' => Some(Some('\\')),
        '\'' => Some(Some('\'')),
        '"' => Some(Some('"')),
        'a' => Some(Some('\x07')),
        'b' => Some(Some('\x08')),
        'f' => Some(Some('\x0c')),
        'n' => Some(Some('\n')),
        'r' => Some(Some('\r')),
        't' => Some(Some('\t')),
        'v' => Some(Some('\x0b')),
        _ => None,
    };
    if let Some(value) = simple {
        out.extend(value);
        return;
    }
    let decoded = match c {
        'x' => hex_escape(chars, 2),
        'u' if !prefix.bytes => hex_escape(chars, 4),
        'U' if !prefix.bytes => hex_escape(chars, 8),
        '0'..='7' => Some(octal_escape(c, chars)),
        'N' if !prefix.bytes && chars.peek() == Some(&'{') => {
            // Kept as written (no name table here), with the name uppercased
            // because Python looks it up case-insensitively.
            out.push_str("\\N");
            for n in chars.by_ref() {
                out.push(n.to_ascii_uppercase());
                if n == '}' {
                    break;
                }
            }
            return;
        }
        _ => None,
    };
    match decoded {
        Some(value) => out.push(value),
        None => {
            out.push('\\');
            out.push(c);
        }
    }
}

/// Reads exactly `digits` hex digits; on a short or invalid escape, `None`
/// and nothing consumed beyond what was valid (Python rejects those anyway).
fn hex_escape(chars: &mut std::iter::Peekable<std::str::Chars<'_>>, digits: usize) -> Option<char> {
    let mut value = 0u32;
    for _ in 0..digits {
        let digit = chars.peek()?.to_digit(16)?;
        chars.next();
        value = value.checked_mul(16)? + digit;
    }
    char::from_u32(value)
}

fn octal_escape(first: char, chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> char {
    let mut value = first.to_digit(8).unwrap_or(0);
    for _ in 0..2 {
        match chars.peek().and_then(|c| c.to_digit(8)) {
            Some(digit) => {
                chars.next();
                value = value * 8 + digit;
            }
            None => break,
        }
    }
    char::from_u32(value).unwrap_or(char::REPLACEMENT_CHARACTER)
}

/// Cleans a docstring's value the way `inspect.cleandoc` does, and strips
/// trailing whitespace per line as black and ruff do: the result is the
/// same however the docstring is indented or padded.
pub(crate) fn clean_docstring(value: &str) -> String {
    let lines: Vec<String> = value.lines().map(expand_leading_tabs).collect();
    let margin = lines
        .iter()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    let cleaned: Vec<&str> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let body = if i == 0 {
                l.trim_start()
            } else {
                l.get(margin..).unwrap_or_else(|| l.trim_start())
            };
            body.trim_end()
        })
        .collect();
    let first = cleaned.iter().position(|l| !l.is_empty());
    let last = cleaned.iter().rposition(|l| !l.is_empty());
    match (first, last) {
        (Some(first), Some(last)) => cleaned[first..=last].join("\n"),
        _ => String::new(),
    }
}

/// Tabs in indentation become spaces to the next multiple of 8, as
/// `str.expandtabs` does, so tab- and space-indented docstrings agree.
fn expand_leading_tabs(line: &str) -> String {
    let indent_len = line.len() - line.trim_start_matches([' ', '\t']).len();
    let (indent, rest) = line.split_at(indent_len);
    if !indent.contains('\t') {
        return line.to_string();
    }
    let mut out = String::with_capacity(line.len() + 8);
    for c in indent.chars() {
        if c == '\t' {
            let pad = 8 - out.len() % 8;
            out.extend(std::iter::repeat_n(' ', pad));
        } else {
            out.push(c);
        }
    }
    out.push_str(rest);
    out
}

/// The canonical spelling of a numeric literal: integers in decimal (when
/// they fit in u128), floats as Rust prints the same f64, everything
/// lowercased with underscores removed, so `0XFF`/`0xff`/`255` and
/// `1E5`/`1e5`/`100_000.0` agree.
pub(crate) fn canonical_number(literal: &str) -> String {
    let lower: String = literal
        .chars()
        .filter(|&c| c != '_')
        .map(|c| c.to_ascii_lowercase())
        .collect();
    if let Some(imaginary) = lower.strip_suffix('j') {
        return format!(
            "{}j",
            canonical_float(imaginary).unwrap_or_else(|| imaginary.to_string())
        );
    }
    let digits = lower.strip_suffix('l').unwrap_or(&lower);
    let radix = match digits.get(..2) {
        Some("0x") => Some(16),
        Some("0o") => Some(8),
        Some("0b") => Some(2),
        _ => None,
    };
    let integer = match radix {
        Some(radix) => u128::from_str_radix(&digits[2..], radix).ok(),
        None if digits.bytes().all(|b| b.is_ascii_digit()) => digits.parse::<u128>().ok(),
        None => return canonical_float(digits).unwrap_or(lower),
    };
    integer.map_or(lower, |value| value.to_string())
}

fn canonical_float(text: &str) -> Option<String> {
    let value: f64 = text.parse().ok()?;
    value.is_finite().then(|| format!("{value:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(text: &str, prefix: Prefix) -> String {
        let mut out = String::new();
        decode_into(text, prefix, &mut out);
        out
    }

    #[test]
    fn escapes_decode_to_their_values() {
        let plain = Prefix::default();
        assert_eq!(decode(r"it\'s", plain), "it's");
        assert_eq!(decode(r"a\tb\n\\", plain), "a\tb\n\\");
        assert_eq!(decode(r"\x41\u00e9\U0001F600\101", plain), "Aé😀A");
        assert_eq!(decode("a\\\nb", plain), "ab");
        assert_eq!(decode(r"\N{bullet}", plain), r"\N{BULLET}");
        assert_eq!(decode(r"\d", plain), r"\d");
        let raw = Prefix::of("r'");
        assert_eq!(decode(r"\n", raw), r"\n");
        let bytes = Prefix::of("B'");
        assert!(bytes.bytes);
        assert_eq!(decode(r"\u0041", bytes), r"\u0041");
        let f = Prefix::of("F'");
        assert_eq!(decode("{{x}}", f), "{x}");
        assert_eq!(decode("{{x}}", plain), "{{x}}");
    }

    #[test]
    fn docstrings_clean_like_cleandoc() {
        let a = clean_docstring("Sum two numbers.   \n\n        Returns the sum.\n        ");
        let b = clean_docstring("\n    Sum two numbers.\n\n    Returns the sum.\n");
        assert_eq!(a, "Sum two numbers.\n\nReturns the sum.");
        assert_eq!(a, b);
        assert_eq!(clean_docstring("x\n\t  y"), "x\ny");
        assert_eq!(clean_docstring("   "), "");
    }

    #[test]
    fn numbers_compare_by_value() {
        assert_eq!(canonical_number("0XFF"), "255");
        assert_eq!(canonical_number("0xff"), "255");
        assert_eq!(canonical_number("1_000"), "1000");
        assert_eq!(canonical_number("0o17"), "15");
        assert_eq!(canonical_number("0B11"), "3");
        assert_eq!(canonical_number("1E5"), canonical_number("1e5"));
        assert_eq!(canonical_number("1e5"), canonical_number("100_000.0"));
        assert_eq!(canonical_number("1J"), "1.0j");
        assert_eq!(canonical_number("1e999"), "1e999");
        assert_eq!(
            canonical_number("0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"),
            "0xffffffffffffffffffffffffffffffffff"
        );
    }
}
