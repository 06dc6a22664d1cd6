//! Who may vouch for an action entry from the remote store.
//!
//! An action entry maps an inputs key to an artifact; the artifact checks
//! itself, the mapping cannot. So an entry from the remote is used only
//! when it is signed (ed25519) by a key the user trusts, or when
//! `jaunt.lock` pins that key to that artifact. Each user has a signing key
//! (`<user config dir>/signing.key`, created on the first remote write) and
//! trusts it, so one person's machines share a remote with no setup; a team
//! lists its members' and CI's public keys under `[store] trusted_keys` in
//! the user-level configuration. docs/ci.md explains the set-up.

use super::ActionEntry;
use crate::credentials::UserConfig;
use crate::digest::{InputsKey, KeyHasher};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::sync::OnceLock;

/// A signature over an entry's mapping, with the key that made it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntrySignature {
    /// `ed25519:<64 hex>`.
    pub key: String,
    /// 128 hex digits.
    pub sig: String,
}

/// What is signed: the inputs key, the artifact and its interface.
fn message(key: &InputsKey, entry: &ActionEntry) -> [u8; 32] {
    let mut h = KeyHasher::new("jaunt.ac.sign.v1");
    h.digest("inputs", &key.0)
        .digest("artifact", &entry.artifact.0);
    if let Some(interface) = &entry.interface {
        h.digest("interface", &interface.0);
    }
    h.finish().0
}

pub fn key_text(key: &VerifyingKey) -> String {
    format!("ed25519:{}", hex(key.as_bytes()))
}

fn parse_key(text: &str) -> Option<VerifyingKey> {
    let bytes: [u8; 32] = unhex(text.strip_prefix("ed25519:")?)?.try_into().ok()?;
    VerifyingKey::from_bytes(&bytes).ok()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// The user's signing key and the keys they trust.
pub struct Trust {
    trusted: Vec<VerifyingKey>,
    signing: OnceLock<Option<SigningKey>>,
}

impl Trust {
    /// The keys the user trusts: their own (if they have one) and those
    /// their configuration lists.
    pub fn load() -> Trust {
        let mut trusted: Vec<VerifyingKey> = UserConfig::load()
            .store
            .trusted_keys
            .iter()
            .filter_map(|k| parse_key(k))
            .collect();
        let signing = OnceLock::new();
        if let Some(own) = read_key() {
            trusted.push(own.verifying_key());
            let _ = signing.set(Some(own));
        }
        Trust { trusted, signing }
    }

    /// Signs `entry` for `key`, creating the user's key on first use; an
    /// entry stays unsigned when no key can be had (no config directory).
    pub fn sign(&self, key: &InputsKey, entry: &mut ActionEntry) {
        let signing = self.signing.get_or_init(|| own_key().ok());
        if let Some(signing) = signing {
            entry.signature = None;
            let sig = signing.sign(&message(key, entry));
            entry.signature = Some(EntrySignature {
                key: key_text(&signing.verifying_key()),
                sig: hex(&sig.to_bytes()),
            });
        }
    }

    /// Whether a trusted key signed this entry for `key`.
    pub fn vouches(&self, key: &InputsKey, entry: &ActionEntry) -> bool {
        let Some(signature) = &entry.signature else {
            return false;
        };
        let Some(signer) = parse_key(&signature.key) else {
            return false;
        };
        let own = self
            .signing
            .get()
            .and_then(Option::as_ref)
            .is_some_and(|k| k.verifying_key() == signer);
        if !own && !self.trusted.contains(&signer) {
            return false;
        }
        let Some(sig) = unhex(&signature.sig).and_then(|b| <[u8; 64]>::try_from(b).ok()) else {
            return false;
        };
        let mut unsigned = entry.clone();
        unsigned.signature = None;
        signer
            .verify_strict(&message(key, &unsigned), &Signature::from_bytes(&sig))
            .is_ok()
    }
}

fn key_path() -> Option<PathBuf> {
    UserConfig::path().and_then(|p| p.parent().map(|d| d.join("signing.key")))
}

fn read_key() -> Option<SigningKey> {
    let text = crate::fsutil::read_regular_string(&key_path()?).ok()?;
    let bytes: [u8; 32] = unhex(text.trim())?.try_into().ok()?;
    Some(SigningKey::from_bytes(&bytes))
}

/// The user's signing key, created (readable by the user only) when there
/// is none yet.
pub fn own_key() -> std::io::Result<SigningKey> {
    if let Some(key) = read_key() {
        return Ok(key);
    }
    let path =
        key_path().ok_or_else(|| std::io::Error::other("no user configuration directory"))?;
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret).map_err(|e| std::io::Error::other(e.to_string()))?;
    crate::fsutil::write_atomic(&path, format!("{}\n", hex(&secret)).as_bytes())?;
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
    Ok(SigningKey::from_bytes(&secret))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::digest::{ArtifactDigest, Digest};

    fn entry() -> ActionEntry {
        ActionEntry {
            artifact: ArtifactDigest::of(b"body"),
            interface: None,
            generator: "command/x".into(),
            usage: None,
            created: 0,
            signature: None,
        }
    }

    fn trust_of(key: &SigningKey, trusted: Vec<VerifyingKey>) -> Trust {
        let signing = OnceLock::new();
        let _ = signing.set(Some(key.clone()));
        Trust { trusted, signing }
    }

    #[test]
    fn a_signature_binds_the_key_to_the_artifact() {
        let alice = SigningKey::from_bytes(&[1; 32]);
        let mallory = SigningKey::from_bytes(&[2; 32]);
        let inputs = InputsKey(Digest::of(b"inputs"));
        let mut e = entry();
        trust_of(&alice, vec![]).sign(&inputs, &mut e);
        // Alice trusts herself; Bob trusts Alice; Carol trusts nobody.
        assert!(trust_of(&alice, vec![]).vouches(&inputs, &e));
        let bob = SigningKey::from_bytes(&[3; 32]);
        assert!(trust_of(&bob, vec![alice.verifying_key()]).vouches(&inputs, &e));
        assert!(!trust_of(&bob, vec![]).vouches(&inputs, &e));
        // The same signature does not vouch for another key or artifact.
        assert!(!trust_of(&alice, vec![]).vouches(&InputsKey(Digest::of(b"other")), &e));
        let mut swapped = e.clone();
        swapped.artifact = ArtifactDigest::of(b"evil");
        assert!(!trust_of(&alice, vec![]).vouches(&inputs, &swapped));
        // Mallory's signature is not Alice's.
        let mut forged = entry();
        forged.artifact = ArtifactDigest::of(b"evil");
        trust_of(&mallory, vec![]).sign(&inputs, &mut forged);
        assert!(!trust_of(&bob, vec![alice.verifying_key()]).vouches(&inputs, &forged));
        // Unsigned is never vouched for.
        assert!(!trust_of(&alice, vec![]).vouches(&inputs, &entry()));
    }
}
