//! Fake certification authorities for the My Number Card federation: the JPKI
//! user-authentication and signature CAs (with the real DN and extension layout and a
//! TEST marker), look-alike CAs nobody trusts, and 士業 CAs whose certificates carry a
//! professional qualification; CRLs with reason codes; an RFC 6960 OCSP responder with
//! switchable faults; a steerable clock; and personas, each a ready virtual card.
//!
//! ```
//! use mock_ca::{Clock, Pki, PkiConfig, PersonaId};
//! let pki = Pki::build(PkiConfig::new("http://127.0.0.1:9"), Clock::system()).unwrap();
//! let card = pki.persona(PersonaId::Valid).card_image();
//! assert_eq!(card.user_auth.certificate[0], 0x30);
//! ```
//!
//! Architecture invariant: this crate knows nothing about SAML. It depends on
//! `mock-card` only for the card image type a persona produces.

#![warn(missing_docs)]
#![forbid(unsafe_code)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::panic))]

pub mod authority;
pub mod clock;
pub mod ext;
pub mod holder;
pub mod keys;
pub mod names;
pub mod ocsp;
pub mod persona;
pub mod pki;
pub mod profile;
pub mod server;

pub use authority::{Authority, CertState, Reason};
pub use clock::Clock;
pub use persona::{Persona, PersonaId};
pub use pki::{Pki, PkiConfig};

/// Errors of the CA side.
#[derive(Debug, thiserror::Error)]
pub enum CaError {
    /// A key could not be loaded or made.
    #[error(transparent)]
    Key(#[from] keys::KeyError),
    /// rcgen refused a certificate or CRL.
    #[error("certificate generation: {0}")]
    Rcgen(#[from] rcgen::Error),
    /// DER encoding failed.
    #[error("DER encoding: {0}")]
    Der(#[from] der::Error),
    /// Another encoding failed.
    #[error("encoding: {0}")]
    Encode(String),
    /// No CA with this id.
    #[error("no CA named {0:?}")]
    UnknownAuthority(String),
    /// The CA never issued this serial.
    #[error("{ca} never issued serial {serial}")]
    UnknownSerial {
        /// CA id.
        ca: String,
        /// Serial, hex.
        serial: String,
    },
    /// Writing files failed.
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
}
