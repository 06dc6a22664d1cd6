//! The tree-sitter front end: everything jaunt learns from Python source.
//!
//! User code is never imported or run; these functions read it as syntax.
//! [`summarize`] extracts what the planner needs from one file (imports,
//! specs, the names each spec uses, canonical digests) into a
//! [`FileSummary`] small enough for the persistent parse cache;
//! [`validate`] checks a generated module before it is accepted;
//! [`extract`] reads a generated module's [`Interface`], what its
//! dependents need to call it; [`render_stub`] writes the `.pyi` [`Stub`]
//! type checkers read beside a spec module.

mod args;
mod canonical;
mod comments;
mod contract;
mod imported;
mod imports;
mod interface;
mod layout;
mod marker;
mod members;
mod mutate;
mod parse;
mod strings;
mod stub;
mod stubbody;
mod summary;
#[cfg(test)]
mod testing;
mod uses;
mod validate;

pub use contract::{ContractDigests, ContractSource, is_expression, read_contract};
pub use imported::{Imported, imported_modules};
pub use interface::{Interface, extract};
pub use marker::{MarkerError, add_contract_marker, remove_contract_marker};
pub use members::{Member, MemberRole};
pub use mutate::{Mutant, mutants};
pub use stub::{Stub, render_stub, stub_digest};
pub use summary::{
    DepExpr, FileSummary, Handwritten, Import, ImportTarget, NameUse, RawSpec, summarize,
};
pub use validate::{Contract, validate};
