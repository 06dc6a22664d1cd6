//! Integration tests: the real `jaunt` binary on fixture projects in
//! temporary directories, with real nginx, s3s-fs, git, pytest, ruff and black
//! where they are needed. One test binary links the crate once.

mod common;

mod apply;
mod cli_habits;
mod compat_config;
mod contract;
mod cost;
mod crash;
mod discovery;
mod doctor;
mod graph;
mod http_backends;
mod jaunt17;
mod lock_diff;
mod magic;
mod migrate;
mod noop;
mod python_e2e;
mod remote_store;
mod replan;
mod s3_store;
mod schemas;
mod security;
mod shell;
mod skills;
mod snapshots;
mod store_gc;
mod stubs;
mod targets;
mod watch;
mod write_failures;
