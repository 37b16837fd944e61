//! What the platform, the SPs and the suite all speak: the card-login binding
//! ([`binding`]), pairwise identifiers ([`pairwise`]), entity identifiers ([`ids`]) and the
//! certificate checks a relying party makes on a card ([`x509`]). SAML messages (over
//! samael, behind our adapter) and metadata come next.
//!
//! Architecture invariant: this crate does no IO. Callers fetch OCSP answers, CRLs and
//! metadata and pass bytes in.

#![warn(missing_docs)]
#![forbid(unsafe_code)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::panic))]

pub mod binding;
pub mod ids;
pub mod pairwise;
pub mod payment;
pub mod profile;
pub mod proxy;
pub mod saml;
pub mod x509;

pub use ids::EntityId;
