//! Operations: one per command, the logic behind the CLI (as Cargo splits
//! `cargo::ops` from its data model). The CLI parses arguments, calls an
//! operation, and prints what it returns.

pub mod apply;
pub mod check;
pub mod clean;
pub mod contract;
pub mod doctor;
pub mod init;
pub mod lockdiff;
pub mod lockfile;
pub mod migrate;
pub mod noop;
pub mod project;
pub mod replan;
pub mod runtime;
pub mod session;
pub mod specs;
pub mod store;
pub mod test;
pub mod watch;
pub mod writer;
