//! SAML 2.0 as the federation profile uses it, over samael (xmlsec) behind our adapter.
//!
//! The rest of the workspace never names samael types: messages go in and out as strings,
//! parsing uses roxmltree (which refuses DTDs, so no XXE or entity expansion), and every
//! signature is verified against keys from configured metadata, never against a key the
//! message carries. The holes rust-stack.md found in samael are closed here: SHA-256
//! digests in our own templates, the reduced (signed-only) document is what gets used,
//! the root ID is checked against it, redirect parameters are parsed by us without panics.

pub mod aggregate;
pub mod attribute_query;
pub mod authn_request;
pub mod bindings;
pub mod constants;
pub mod logout;
pub mod metadata;
pub mod response;
pub mod signature;
pub mod sp;
pub mod xml;

/// Why a SAML message was refused or could not be made.
#[derive(Debug, thiserror::Error)]
pub enum SamlError {
    /// Base64, deflate or XML could not be decoded.
    #[error("malformed message: {0}")]
    Malformed(String),
    /// Over a size limit.
    #[error("message too large: {0}")]
    TooLarge(&'static str),
    /// A required element or attribute is missing or has the wrong value.
    #[error("invalid message: {0}")]
    Invalid(String),
    /// A signature is missing where required.
    #[error("the message is not signed")]
    Unsigned,
    /// A signature did not verify against the configured keys.
    #[error("signature verification failed: {0}")]
    BadSignature(String),
    /// A signature covers another element than the one used (signature wrapping).
    #[error("the signature does not cover the message's root element (signature wrapping?)")]
    Wrapped,
    /// An algorithm outside the profile.
    #[error("algorithm {0} is not allowed (RSA-SHA256 only)")]
    Algorithm(String),
    /// Signing failed.
    #[error("signing failed: {0}")]
    Sign(String),
}
