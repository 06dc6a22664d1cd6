//! Carrying out a plan: the DAG scheduler and writing generated files.

pub mod materialize;
pub mod scheduler;
