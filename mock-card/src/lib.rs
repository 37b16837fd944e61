//! A virtual My Number Card: the JPKI applet (公的個人認証AP) at APDU level.
//!
//! [`JpkiCard`] is a state machine with no IO; transports adapt it to the world: in
//! process ([`transport::InProcess`]), over the vpcd socket so that pcscd shows a reader
//! with our card ([`transport::vpcd`]), and a PC/SC client (feature `pcsc`) that drives
//! our card behind pcscd or a real card in a real reader. [`client::JpkiClient`] speaks
//! the applet's APDUs over any of them.
//!
//! ```
//! use mock_card::{client::JpkiClient, transport::InProcess, JpkiCard};
//! # fn image() -> mock_card::CardImage { mock_card::testing::image() }
//! let mut client = JpkiClient::new(InProcess::new(JpkiCard::new(image())));
//! client.select_ap().unwrap();
//! assert_eq!(client.pin_status(mock_card::PinKind::UserAuthentication).unwrap().tries_left(), 3);
//! ```
//!
//! Architecture invariant: this crate knows nothing about certificates' meaning, SAML or
//! HTTP. It stores DER blobs and an RSA key, and answers APDUs.

#![warn(missing_docs)]
#![forbid(unsafe_code)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::panic))]

pub mod apdu;
pub mod applet;
pub mod client;
pub mod image;
pub mod pin;
pub mod transport;

#[doc(hidden)]
pub mod testing;

pub use apdu::{Command, Response, StatusWord};
pub use applet::{CardError, Ef, JpkiCard};
pub use image::{CardImage, KeyAndCertificate};
pub use pin::{Pin, PinKind};
