//! BLAKE3 digests and the hashing rules built on them.
//!
//! A [`Digest`] prints as `b3:<64 hex>` everywhere it is shown or stored
//! (lockfile, headers, JSON), so the algorithm travels with the value.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A BLAKE3-256 digest.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Digest(pub [u8; 32]);

impl Digest {
    pub fn of(bytes: &[u8]) -> Digest {
        Digest(*blake3::hash(bytes).as_bytes())
    }

    /// The bare lowercase hex, as used in store paths.
    pub fn hex(&self) -> String {
        blake3::Hash::from_bytes(self.0).to_hex().to_string()
    }

    pub fn from_hex(hex: &str) -> Option<Digest> {
        blake3::Hash::from_hex(hex)
            .ok()
            .map(|h| Digest(*h.as_bytes()))
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "b3:{}", self.hex())
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl FromStr for Digest {
    type Err = String;

    fn from_str(s: &str) -> Result<Digest, String> {
        let hex = s
            .strip_prefix("b3:")
            .ok_or_else(|| format!("digest must start with `b3:`: {s:?}"))?;
        if hex.len() != 64
            || !hex
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        {
            return Err(format!(
                "digest must be `b3:` and 64 lowercase hex digits: {s:?}"
            ));
        }
        Digest::from_hex(hex).ok_or_else(|| format!("bad digest {s:?}"))
    }
}

/// A versioned, length-prefixed encoder: every field is tagged and its
/// length written before it, so no two different field sequences can
/// produce the same byte stream.
pub struct KeyHasher(blake3::Hasher);

impl KeyHasher {
    /// Starts a hash for one purpose (`"jaunt.spec.v1"`, …); the domain is
    /// the first field, so digests of different kinds never collide.
    pub fn new(domain: &str) -> KeyHasher {
        let mut h = KeyHasher(blake3::Hasher::new());
        h.field("domain", domain.as_bytes());
        h
    }

    pub fn field(&mut self, tag: &str, value: &[u8]) -> &mut Self {
        self.0.update(&(tag.len() as u64).to_le_bytes());
        self.0.update(tag.as_bytes());
        self.0.update(&(value.len() as u64).to_le_bytes());
        self.0.update(value);
        self
    }

    pub fn str(&mut self, tag: &str, value: &str) -> &mut Self {
        self.field(tag, value.as_bytes())
    }

    pub fn digest(&mut self, tag: &str, value: &Digest) -> &mut Self {
        self.field(tag, &value.0)
    }

    pub fn finish(&self) -> Digest {
        Digest(*self.0.finalize().as_bytes())
    }
}

/// A spec's digest (DESIGN.md, spec digest): its canonical syntax tree
/// (formatting-invariant, jaunt decorator left out) plus the decorator's
/// canonical arguments, with `deps` as sorted resolved refs.
pub fn spec_digest(
    canonical: &Digest,
    kind: crate::names::SpecKind,
    explicit_deps: &[crate::names::SpecRef],
    prompt: Option<&str>,
    infer_deps: Option<bool>,
) -> Digest {
    let mut h = KeyHasher::new("jaunt.spec.v1");
    h.digest("canonical", canonical).str("kind", kind.as_str());
    let mut deps: Vec<String> = explicit_deps.iter().map(ToString::to_string).collect();
    deps.sort();
    h.str("deps", &deps.len().to_string());
    for d in &deps {
        h.str("dep", d);
    }
    match prompt {
        Some(p) => h.str("prompt", p),
        None => h.str("no-prompt", ""),
    };
    h.str(
        "infer_deps",
        match infer_deps {
            None => "default",
            Some(true) => "true",
            Some(false) => "false",
        },
    );
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_and_parse_round_trip() {
        let d = Digest::of(b"hello");
        let s = d.to_string();
        assert!(s.starts_with("b3:"));
        assert_eq!(s.len(), 67);
        assert_eq!(s.parse::<Digest>().unwrap(), d);
        assert!("deadbeef".parse::<Digest>().is_err());
        assert!(s.to_uppercase().parse::<Digest>().is_err());
    }

    #[test]
    fn key_hasher_is_length_prefixed() {
        let a = KeyHasher::new("t").str("x", "ab").str("y", "c").finish();
        let b = KeyHasher::new("t").str("x", "a").str("y", "bc").finish();
        assert_ne!(a, b);
    }
}
