//! What a relying party does over the network, for the platform and for the other
//! organisations' systems alike: revocation checks (OCSP first, the CRL if OCSP gives no
//! verified answer, refused unless one says good), the CA's renewal links, and SOAP
//! calls. Every fetch has a time limit and a size limit (TF-PKI-007); the checks of
//! what comes back are `trust_framework`'s.
//!
//! Architecture invariant: no decision is made here that `trust_framework` could make
//! without IO; this crate fetches, bounds and hands over.

#![warn(missing_docs)]
#![forbid(unsafe_code)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::panic))]

pub mod revocation;
pub mod soap;

pub use revocation::{check, fetch, predecessor, Limits, RevocationError, Sources};
