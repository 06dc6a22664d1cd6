//! The command line: argument parsing and output only.

pub fn main() -> i32 {
    0
}
