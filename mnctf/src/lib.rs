//! The parts of `mnctf` that tests drive too: the card helper, the loopback stack and the
//! real-peer harness. The scripted browser is the `user-agent` crate, re-exported here.

#![warn(missing_docs)]
#![forbid(unsafe_code)]

pub use user_agent as browser;
pub mod helper;
pub mod peers;
pub mod stack;
