//! Certify an SP (and, in [`idp`], an IdP): the suite plays the IdP (its own keys and metadata, which the vendor
//! installs in the SP) and the user's browser, triggers real logins, answers each
//! captured AuthnRequest with a crafted Response (baselines, stripped and misplaced
//! signatures, XSW1–8, untrusted keys, comment injection, DTDs and external fetches,
//! conditions, InResponseTo, replay, Issuer, status, weak algorithms, AuthnContext
//! downgrade, hidden assertions, HMAC forgeries, encrypted assertions, RelayState open
//! redirects, IdP-initiated logout), and asks the SP's protected page whether a session
//! exists, and for whom. Verdicts per requirement of the profile; a message that kills
//! the SP is FAILED on the test that sent it.
//!
//! ```no_run
//! # async fn run() -> Result<(), conformance::ConfigError> {
//! let config = conformance::SutConfig::load(std::path::Path::new("sut.toml"))?;
//! let idp = conformance::SuiteIdp::new("http://127.0.0.1:18500")?;
//! let report = conformance::run(&config, &idp, |_| {}).await?;
//! println!("{}", reports::markdown::render(&report));
//! # Ok(()) }
//! ```
//!
//! Architecture invariant: only this crate knows attack recipes; a verdict comes from the
//! session the SP opened (and which identity it shows), never from a status code alone.

#![warn(missing_docs)]
#![forbid(unsafe_code)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::panic))]

pub mod advice;
pub mod config;
pub mod engine;
pub mod expected;
pub mod explain;
pub mod hmac_sig;
pub mod idp;
pub mod listener;
pub mod matrix;
pub mod message;
pub mod plan;
pub mod splice;
mod words;
pub mod xmlenc;

pub use config::{SuiteIdp, SutConfig};
pub use engine::run;
pub use expected::Expected;

/// The suite could not build a message (a bug of the suite's, reported as such).
#[derive(Debug, Clone, thiserror::Error)]
#[error("crafting: {0}")]
pub struct CraftError(pub String);

/// A configuration that cannot be used.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);
