//! Canonical serialization of syntax trees for spec digests.
