//! Our stand-ins for other organisations' systems, as SAML SPs of the platform: each
//! keeps its own state and keys and verifies Responses as the profile requires of SPs.
//! Today: a generic SP ([`sp::ServiceProvider`]) used as the demo SP of `mnctf up`; the
//! government systems, the bank and the CATV operator build on it.
//!
//! Architecture invariant: SPs take their trust decisions from their configuration (the
//! IdP's metadata), never from a message.

#![warn(missing_docs)]
#![forbid(unsafe_code)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::panic))]

pub mod sp;
