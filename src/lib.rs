//! jaunt: a build system for spec-driven Python code generation.
//!
//! See `DESIGN.md` for the architecture; each module below owns one concern.

pub mod cli;
pub mod digest;
pub mod fsutil;
pub mod lock;
pub mod names;
pub mod python;
pub mod store;
