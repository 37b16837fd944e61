//! The parts of `mnctf` that tests drive too: the card helper, the loopback stack, the
//! real-peer harness and the lab of vulnerable releases. The scripted browser is the `user-agent` crate, re-exported here.

#![warn(missing_docs)]
#![forbid(unsafe_code)]

pub use user_agent as browser;
pub mod authority;
pub mod bundle;
pub mod containers;
pub mod helper;
pub mod idp_install;
pub mod lab;
pub mod listen;
pub mod peers;
pub mod portal;
pub mod stack;
