//! BLAKE3 digests and the hashing rules built on them.
//!
//! A [`Digest`] prints as `b3:<64 hex>` everywhere it is shown or stored
//! (lockfile, headers, JSON), so the algorithm travels with the value.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A BLAKE3-256 digest. Serializes as its `b3:<hex>` text in human-readable
/// formats (JSON, TOML) and as 32 raw bytes in binary ones (the parse cache).
#[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Digest(pub [u8; 32]);

impl Serialize for Digest {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            s.collect_str(self)
        } else {
            self.0.serialize(s)
        }
    }
}

impl<'de> Deserialize<'de> for Digest {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        if d.is_human_readable() {
            let text = String::deserialize(d)?;
            text.parse().map_err(serde::de::Error::custom)
        } else {
            <[u8; 32]>::deserialize(d).map(Digest)
        }
    }
}

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
        // Hex on the stack: lockfiles and use records print thousands.
        write!(f, "b3:{}", blake3::Hash::from_bytes(self.0).to_hex())
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

/// Digests that name one kind of thing: the type says which, so an inputs
/// key cannot be passed where an artifact digest is expected. Each prints,
/// parses and serializes exactly as the [`Digest`] inside it.
macro_rules! digest_kind {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Digest);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl FromStr for $name {
            type Err = String;

            fn from_str(s: &str) -> Result<$name, String> {
                s.parse().map($name)
            }
        }
    };
}

digest_kind!(
    /// The inputs key (action key) of a module: everything its request and
    /// the generator's identity depend on.
    InputsKey
);

digest_kind!(
    /// BLAKE3 of a generated module's body (its header excluded): what the
    /// store keeps and the lockfile pins.
    ArtifactDigest
);

digest_kind!(
    /// Digest of a generated module's interface (its canonical stub text):
    /// what its dependents' keys hash, so a regeneration that keeps the
    /// interface leaves them fresh.
    InterfaceDigest
);

impl ArtifactDigest {
    pub fn of(body: &[u8]) -> ArtifactDigest {
        ArtifactDigest(Digest::of(body))
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

/// The decorator arguments Jaunt 1.7 added. Each is folded into a spec's
/// digest only when it says something (targets given, `public_api_only=False`,
/// `test=` given), so a spec without them keeps the digest it always had
/// and existing lockfiles stay valid.
#[derive(Clone, Copy, Debug, Default)]
pub struct SpecExtras<'a> {
    /// Resolved `targets=` refs.
    pub targets: &'a [crate::names::SpecRef],
    /// `public_api_only=` as written; `True` is the default.
    pub public_api_only: Option<bool>,
    /// `test=` as written; absent means `[test] auto_class_tests` decides.
    pub test: Option<bool>,
}

/// A spec's digest (docs/architecture.md, Digests and keys): its canonical syntax tree
/// (formatting-invariant, jaunt decorator left out) plus the decorator's
/// canonical arguments, with `deps` and `targets` as sorted resolved refs.
pub fn spec_digest(
    canonical: &Digest,
    kind: crate::names::SpecKind,
    explicit_deps: &[crate::names::SpecRef],
    prompt: Option<&str>,
    infer_deps: Option<bool>,
    extras: &SpecExtras<'_>,
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
    if !extras.targets.is_empty() {
        let mut targets: Vec<String> = extras.targets.iter().map(ToString::to_string).collect();
        targets.sort();
        h.str("targets", &targets.len().to_string());
        for t in &targets {
            h.str("target", t);
        }
    }
    if extras.public_api_only == Some(false) {
        h.str("public_api_only", "false");
    }
    if let Some(test) = extras.test {
        h.str("test", if test { "true" } else { "false" });
    }
    h.finish()
}

/// Everything the generator is shown for one module (docs/architecture.md,
/// Digests and keys).
pub struct InputsParts<'a> {
    pub kind: crate::names::SpecKind,
    pub module: &'a crate::names::ModuleName,
    pub generated_module: &'a crate::names::ModuleName,
    /// The module's own specs, sorted by ref.
    pub specs: &'a [(crate::names::SpecRef, Digest)],
    /// Specs of other modules whose APIs the request shows, sorted.
    pub dependency_apis: &'a [(crate::names::SpecRef, Digest)],
    /// What the request shows of each dependency module: its interface
    /// digest, or with `dependency_context = "source"` its artifact digest.
    pub dependency_modules: &'a [(crate::names::ModuleName, Digest)],
    pub dependency_context: crate::config::DependencyContext,
    pub generator: &'a Digest,
    /// `(distribution, skill digest)` of the skills in the request.
    pub skills: &'a [(String, Digest)],
    /// The handwritten definitions of a module under `jaunt.magic_module`,
    /// which the request shows. Hashed only when there are some, so the
    /// keys of every other module are those jaunt always computed.
    pub handwritten: Option<&'a Digest>,
}

/// The inputs key (action key) of a module: whatever can change its
/// request or the model's identity, up to formatting.
pub fn inputs_key(p: &InputsParts<'_>) -> InputsKey {
    let mut h = KeyHasher::new("jaunt.inputs.v2");
    h.str("kind", p.kind.as_str())
        .str("module", p.module.as_str())
        .str("generated_module", p.generated_module.as_str())
        .digest("generator", p.generator);
    h.str("specs", &p.specs.len().to_string());
    for (r, d) in p.specs {
        h.str("spec", &r.to_string()).digest("spec_digest", d);
    }
    h.str("dependency_apis", &p.dependency_apis.len().to_string());
    for (r, d) in p.dependency_apis {
        h.str("api", &r.to_string()).digest("api_digest", d);
    }
    h.str("dependency_context", p.dependency_context.as_str());
    h.str(
        "dependency_modules",
        &p.dependency_modules.len().to_string(),
    );
    for (m, d) in p.dependency_modules {
        h.str("dep_module", m.as_str()).digest("dep_context", d);
    }
    h.str("skills", &p.skills.len().to_string());
    for (dist, d) in p.skills {
        h.str("skill", dist).digest("skill_digest", d);
    }
    if let Some(d) = p.handwritten {
        h.digest("handwritten", d);
    }
    InputsKey(h.finish())
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
    fn serializes_as_text_or_bytes() {
        let d = Digest::of(b"x");
        assert_eq!(serde_json::to_string(&d).unwrap(), format!("\"{d}\""));
        let bytes = postcard::to_stdvec(&d).unwrap();
        assert_eq!(bytes.len(), 32);
        assert_eq!(postcard::from_bytes::<Digest>(&bytes).unwrap(), d);
    }

    /// Digests of specs that use none of 1.7's later arguments, as the
    /// jaunt without them computed: a changed value would invalidate every
    /// committed lockfile.
    #[test]
    fn spec_digests_without_the_later_arguments_are_unchanged() {
        use crate::names::{ModuleName, SpecKind, SpecRef};
        let canonical = Digest::of(b"def f(): ...");
        let dep = SpecRef::new(ModuleName::new("shop.money"), "Money");
        let plain = spec_digest(
            &canonical,
            SpecKind::Build,
            &[],
            None,
            None,
            &SpecExtras::default(),
        );
        assert_eq!(
            plain.to_string(),
            "b3:b468daad41368527a90f1448a29224d6ffdea02af2389f7afe59b7a710c60a34"
        );
        let full = spec_digest(
            &canonical,
            SpecKind::Test,
            std::slice::from_ref(&dep),
            Some("Use cents."),
            Some(false),
            &SpecExtras::default(),
        );
        assert_eq!(
            full.to_string(),
            "b3:1e9746fdecc15e8f24fd0325f30e43cb4f42da261f9cf64c0607f194cb1f36a2"
        );
        // public_api_only=True is the default: the same digest.
        let explicit_default = SpecExtras {
            public_api_only: Some(true),
            ..SpecExtras::default()
        };
        assert_eq!(
            spec_digest(
                &canonical,
                SpecKind::Build,
                &[],
                None,
                None,
                &explicit_default
            ),
            plain
        );
        // Each argument that says something changes it, and differently.
        let with = |extras: SpecExtras<'_>| {
            spec_digest(&canonical, SpecKind::Build, &[], None, None, &extras)
        };
        let digests = [
            plain,
            with(SpecExtras {
                targets: std::slice::from_ref(&dep),
                ..SpecExtras::default()
            }),
            with(SpecExtras {
                public_api_only: Some(false),
                ..SpecExtras::default()
            }),
            with(SpecExtras {
                test: Some(true),
                ..SpecExtras::default()
            }),
            with(SpecExtras {
                test: Some(false),
                ..SpecExtras::default()
            }),
        ];
        let distinct: std::collections::HashSet<Digest> = digests.iter().copied().collect();
        assert_eq!(distinct.len(), digests.len(), "{digests:?}");
        // A target is not a dep: the same ref in either place differs.
        assert_ne!(
            digests[1],
            spec_digest(
                &canonical,
                SpecKind::Build,
                std::slice::from_ref(&dep),
                None,
                None,
                &SpecExtras::default()
            )
        );
    }

    #[test]
    fn key_hasher_is_length_prefixed() {
        let a = KeyHasher::new("t").str("x", "ab").str("y", "c").finish();
        let b = KeyHasher::new("t").str("x", "a").str("y", "bc").finish();
        assert_ne!(a, b);
    }
}
