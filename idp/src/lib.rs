//! The personal authentication platform (個人認証プラットフォーム): the federation's IdP.
//! It authenticates My Number Cards with the card-login binding (challenge, card
//! signature, path validation, OCSP with CRL fallback, fail closed) and gives SAML 2.0
//! SSO to the SPs of its metadata, with persistent pairwise NameIDs.
//!
//! Architecture invariant: every trust decision is made in `sso` (requests) and
//! `card_login` (cards); `http` only translates.

#![warn(missing_docs)]
#![forbid(unsafe_code)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::panic))]

pub mod card_login;
pub mod config;
pub mod defects;
pub mod error;
mod extract;
pub mod head_errors;
pub mod http;
pub mod hub;
pub mod notice;
pub mod pages;
pub mod platform;
pub mod proxy;
pub mod serve;
pub mod sessions;
pub mod slo;
pub mod sso;
pub mod store;
pub mod tls_binding;
mod tokens;

pub use config::IdpConfig;
pub use error::IdpError;
pub use platform::{system_clock, Clock, Platform};
