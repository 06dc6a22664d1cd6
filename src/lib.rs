//! jaunt: a build system for spec-driven Python code generation.
//!
//! `docs/architecture.md` describes the architecture; each module below owns
//! one concern.

pub mod cli;
pub mod config;
pub mod contract;
pub mod credentials;
pub mod digest;
pub mod discover;
pub mod error;
pub mod exec;
pub mod fsutil;
pub mod generate;
pub mod genfile;
pub mod graph;
pub mod lock;
pub mod lockcache;
pub mod names;
pub mod ops;
pub mod plan;
pub mod python;
pub mod skills;
pub mod stamp;
pub mod store;
pub mod stubcache;
pub mod stubfile;
pub mod tomlread;
