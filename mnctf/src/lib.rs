//! The parts of `mnctf` that tests drive too: the card helper and the loopback stack.

#![warn(missing_docs)]
#![forbid(unsafe_code)]

pub mod browser;
pub mod helper;
pub mod peers;
pub mod stack;
