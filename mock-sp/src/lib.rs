//! Our stand-ins for other organisations' systems, as SAML SPs of the platform: each
//! keeps its own state and keys and verifies Responses as the profile requires of SPs.
//! A generic SP ([`sp::ServiceProvider`]), the e-application system on it ([`egov`]),
//! the bank ([`bank`]) and a 士業 body's attribute authority ([`attribute_authority`]). The CATV operator runs the reference IdP (`idp` crate) in its
//! card-IdP configuration; its set-top box is a device client in `scenarios`.
//!
//! Architecture invariant: SPs take their trust decisions from their configuration (the
//! IdP's metadata), never from a message.

#![warn(missing_docs)]
#![forbid(unsafe_code)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::panic))]

pub mod attribute_authority;
pub mod bank;
mod bank_pages;
pub mod egov;
mod egov_pages;
pub mod ledger;
mod refusal;
pub mod registry;
pub mod sp;
