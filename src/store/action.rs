//! Action entries: inputs key → artifact, stored as self-checking JSON.
//!
//! An entry carries a `check` digest over its other fields, so a truncated
//! or garbled file is detected on read instead of pointing a module at the
//! wrong artifact.

use crate::digest::{ArtifactDigest, Digest, InterfaceDigest, KeyHasher};
use serde::{Deserialize, Serialize};
use std::ops::{Add, AddAssign};

/// Entry format version, stored as `v`.
const ACTION_VERSION: u32 = 1;

/// What one generation produced for one inputs key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionEntry {
    pub artifact: ArtifactDigest,
    /// The artifact's interface, so a plan can key dependents on a remote
    /// artifact without downloading it. Entries written before interfaces
    /// have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interface: Option<InterfaceDigest>,
    /// Human-readable generator identity (`backend/model`), for reports.
    pub generator: String,
    /// Token usage of the model call, when the backend reported it.
    pub usage: Option<Usage>,
    /// Unix seconds when the entry was generated.
    pub created: u64,
    /// Who vouches for the mapping (see [`super::trust`]); entries written
    /// without a remote, or before signing existed, have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<super::trust::EntrySignature>,
}

/// Tokens spent on model calls, as reported by a backend.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
}

impl Add for Usage {
    type Output = Usage;

    fn add(self, other: Usage) -> Usage {
        Usage {
            prompt_tokens: self.prompt_tokens + other.prompt_tokens,
            completion_tokens: self.completion_tokens + other.completion_tokens,
        }
    }
}

impl AddAssign for Usage {
    fn add_assign(&mut self, other: Usage) {
        *self = *self + other;
    }
}

/// The on-disk form: `{"v":1, …entry…, "check":"b3:…"}`.
#[derive(Serialize, Deserialize)]
struct Sealed {
    v: u32,
    #[serde(flatten)]
    entry: ActionEntry,
    check: Digest,
}

/// The check over an entry's canonical JSON (struct field order, no
/// whitespace), so it is recomputable from the parsed entry.
fn check_of(entry: &ActionEntry) -> serde_json::Result<Digest> {
    let json = serde_json::to_vec(entry)?;
    Ok(KeyHasher::new("jaunt.ac.v1").field("entry", &json).finish())
}

pub(super) fn seal(entry: &ActionEntry) -> serde_json::Result<Vec<u8>> {
    let sealed = Sealed {
        v: ACTION_VERSION,
        entry: entry.clone(),
        check: check_of(entry)?,
    };
    let mut bytes = serde_json::to_vec(&sealed)?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// Parses and checks a stored entry; the error is the reason it is corrupt.
pub(super) fn unseal(bytes: &[u8]) -> Result<ActionEntry, String> {
    let sealed: Sealed =
        serde_json::from_slice(bytes).map_err(|e| format!("not a valid action entry: {e}"))?;
    if sealed.v != ACTION_VERSION {
        return Err(format!("unknown action entry version {}", sealed.v));
    }
    let expected = check_of(&sealed.entry).map_err(|e| e.to_string())?;
    if expected != sealed.check {
        return Err("check digest does not match the entry".to_string());
    }
    Ok(sealed.entry)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> ActionEntry {
        ActionEntry {
            artifact: crate::digest::ArtifactDigest::of(b"body"),
            interface: None,
            generator: "openai/gpt-5.2".into(),
            usage: Some(Usage {
                prompt_tokens: 1200,
                completion_tokens: 340,
            }),
            created: 1_760_000_000,
            signature: None,
        }
    }

    #[test]
    fn seal_round_trips_and_is_readable_json() {
        let bytes = seal(&entry()).unwrap();
        let json: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(json["v"], 1);
        assert_eq!(json["artifact"], Digest::of(b"body").to_string());
        assert!(json["check"].as_str().unwrap().starts_with("b3:"));
        assert_eq!(unseal(&bytes).unwrap(), entry());
    }

    #[test]
    fn garbled_or_truncated_entries_are_rejected() {
        let bytes = seal(&entry()).unwrap();
        assert!(unseal(&bytes[..bytes.len() / 2]).is_err());
        let text = String::from_utf8(bytes).unwrap();
        let garbled = text.replace("1200", "1201");
        assert!(unseal(garbled.as_bytes()).unwrap_err().contains("check"));
    }
}
