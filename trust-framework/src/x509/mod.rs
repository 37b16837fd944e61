//! Certificate checks a relying party makes on a card certificate: path validation to a
//! configured trust anchor and revocation (OCSP, CRL). No IO: callers fetch OCSP answers
//! and CRLs and hand the bytes in.
//!
//! Each check returns a proof value that only it can construct ([`PathValidated`],
//! [`RevocationChecked`]); code that trusts a certificate asks for both.

mod admission;
mod crl;
mod ocsp;
mod path;

pub use admission::{qualification, AdmissionError, Qualification, ID_ADMISSION};
pub use crl::{check_crl, CrlError};
pub use ocsp::{check_ocsp_response, ocsp_request, OcspCheckError};
pub use path::{Anchor, PathError, PathPolicy, PathValidated, TrustAnchors, ValidatedCertificate};

use der::Encode;
use rsa::pkcs1::EncodeRsaPublicKey;
use rsa::pkcs8::DecodePublicKey;
use rsa::RsaPublicKey;
use time::OffsetDateTime;
use x509_cert::Certificate;

/// An object identifier.
pub type Oid = const_oid::ObjectIdentifier;

/// id-kp-clientAuth (what a login certificate's EKU must allow).
pub const ID_KP_CLIENT_AUTH: Oid = const_oid::db::rfc5280::ID_KP_CLIENT_AUTH;

/// sha256WithRSAEncryption: the only signature algorithm the profile allows (TF-PKI-002).
pub const SHA256_WITH_RSA: const_oid::ObjectIdentifier =
    const_oid::db::rfc5912::SHA_256_WITH_RSA_ENCRYPTION;

/// How a certificate stands with its CA.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Revocation {
    /// Not revoked, per a fresh, verified answer.
    Good,
    /// Revoked at `at`, with the RFC 5280 reason code if given.
    Revoked {
        /// Revocation time.
        at: OffsetDateTime,
        /// Reason code.
        reason: Option<u8>,
    },
}

/// Proof that a fresh, verified revocation source said "good". Only this module makes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RevocationChecked {
    source: RevocationSource,
}

impl RevocationChecked {
    /// Which source answered.
    pub fn source(&self) -> RevocationSource {
        self.source
    }
}

/// Where a revocation answer came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RevocationSource {
    /// An OCSP responder.
    Ocsp,
    /// A CRL.
    Crl,
}

/// A verified answer from a revocation source. Only this module makes one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RevocationAnswer {
    status: Revocation,
    source: RevocationSource,
}

impl RevocationAnswer {
    pub(crate) fn new(status: Revocation, source: RevocationSource) -> Self {
        Self { status, source }
    }

    /// What the source said.
    pub fn status(&self) -> Revocation {
        self.status
    }

    /// The proof that the certificate is not revoked, if it is not.
    pub fn proof(&self) -> Option<RevocationChecked> {
        (self.status == Revocation::Good).then_some(RevocationChecked {
            source: self.source,
        })
    }
}

/// The RSA public key of a certificate.
pub fn rsa_key(cert: &Certificate) -> Option<RsaPublicKey> {
    let spki = cert.tbs_certificate.subject_public_key_info.to_der().ok()?;
    RsaPublicKey::from_public_key_der(&spki).ok()
}

/// Verifies an RSASSA-PKCS1-v1_5 SHA-256 signature by a key of 2048 to 8192 bits (the
/// profile's keys are 2048). ring, not the `rsa` crate's big integers: a login verifies
/// four or five of these, and ring does each in a fifth of the time.
pub(crate) fn verify_rsa_sha256(key: &RsaPublicKey, message: &[u8], signature: &[u8]) -> bool {
    let Ok(pkcs1) = key.to_pkcs1_der() else {
        return false;
    };
    ring::signature::UnparsedPublicKey::new(
        &ring::signature::RSA_PKCS1_2048_8192_SHA256,
        pkcs1.as_bytes(),
    )
    .verify(message, signature)
    .is_ok()
}

/// A `der` time as `OffsetDateTime`.
pub(crate) fn to_time(t: std::time::Duration) -> OffsetDateTime {
    i64::try_from(t.as_secs())
        .ok()
        .and_then(|s| OffsetDateTime::from_unix_timestamp(s).ok())
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}
