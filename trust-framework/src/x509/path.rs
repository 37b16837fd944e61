//! Path validation of a card certificate to a configured trust anchor (RFC 5280 §6, for
//! the profile's two-level hierarchy: end entity → root). Every check has its own error.

use const_oid::db::rfc5280;
use const_oid::ObjectIdentifier;
use der::{Decode, Encode};
use rsa::RsaPublicKey;
use time::OffsetDateTime;
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, CertificatePolicies, ExtendedKeyUsage, KeyUsage,
    KeyUsages, SubjectKeyIdentifier,
};
use x509_cert::Certificate;

use super::{rsa_key, to_time, verify_rsa_sha256, SHA256_WITH_RSA};

/// Why a certificate path was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    /// Not a DER certificate.
    #[error("the certificate does not parse: {0}")]
    Malformed(String),
    /// Not signed with sha256WithRSAEncryption, or the inner and outer algorithms differ.
    #[error("signature algorithm {0} is not allowed (sha256WithRSAEncryption only)")]
    Algorithm(String),
    /// No configured anchor has the issuer's name.
    #[error("issuer {0} is not a trusted CA")]
    UnknownIssuer(String),
    /// An anchor has the issuer's name, but its key did not sign this certificate
    /// (a look-alike CA).
    #[error(
        "the certificate claims issuer {0} but its signature does not verify with that CA's key"
    )]
    BadSignature(String),
    /// Before notBefore.
    #[error("the certificate is not valid before {}", crate::saml::xml::instant(*.0))]
    NotYetValid(OffsetDateTime),
    /// After notAfter.
    #[error("the certificate expired at {}", crate::saml::xml::instant(*.0))]
    Expired(OffsetDateTime),
    /// The anchor itself is outside its validity.
    #[error("the trust anchor {0} is outside its validity period")]
    AnchorExpired(String),
    /// A CA certificate where an end entity is required.
    #[error("the certificate is a CA certificate")]
    IsCa,
    /// keyUsage lacks digitalSignature.
    #[error("keyUsage does not allow digitalSignature")]
    KeyUsage,
    /// extendedKeyUsage present without the required purpose.
    #[error("extendedKeyUsage does not allow {0}")]
    ExtendedKeyUsage(ObjectIdentifier),
    /// The required certificate policy is absent.
    #[error("certificate policy {0} is missing")]
    Policy(ObjectIdentifier),
    /// A critical extension we do not process (RFC 5280 §4.2: must reject).
    #[error("unsupported critical extension {0}")]
    CriticalExtension(ObjectIdentifier),
    /// The key is not RSA.
    #[error("the certificate key is not RSA")]
    NotRsa,
}

/// A configured trust anchor.
#[derive(Clone, Debug)]
pub struct Anchor {
    /// A name for logs and reports (e.g. `jpki-auth`).
    pub label: String,
    /// The anchor's certificate.
    pub certificate: Certificate,
    /// The DER of it.
    pub der: Vec<u8>,
    key: RsaPublicKey,
}

/// The anchors a relying party trusts for one purpose.
#[derive(Clone, Debug, Default)]
pub struct TrustAnchors(Vec<Anchor>);

impl TrustAnchors {
    /// An empty set (trusts nothing).
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an anchor from DER.
    pub fn add(&mut self, label: &str, der: &[u8]) -> Result<(), PathError> {
        let certificate =
            Certificate::from_der(der).map_err(|e| PathError::Malformed(e.to_string()))?;
        let key = rsa_key(&certificate).ok_or(PathError::NotRsa)?;
        self.0.push(Anchor {
            label: label.to_owned(),
            certificate,
            der: der.to_vec(),
            key,
        });
        Ok(())
    }

    /// The anchors.
    pub fn iter(&self) -> impl Iterator<Item = &Anchor> {
        self.0.iter()
    }
}

/// What a certificate must satisfy beyond a valid path.
#[derive(Clone, Debug, Default)]
pub struct PathPolicy {
    /// A certificate policy OID that must be present.
    pub required_policy: Option<ObjectIdentifier>,
    /// An extended key usage that must be allowed if the extension is present.
    pub required_eku: Option<ObjectIdentifier>,
}

/// Proof that a path validated. Only [`TrustAnchors::validate`] makes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PathValidated {
    _private: (),
}

/// A certificate with a validated path.
#[derive(Clone, Debug)]
pub struct ValidatedCertificate {
    /// The end-entity certificate.
    pub certificate: Certificate,
    /// Its DER.
    pub der: Vec<u8>,
    /// Its public key.
    pub key: RsaPublicKey,
    /// The anchor it chains to.
    pub anchor: Anchor,
    /// The proof.
    pub proof: PathValidated,
}

impl ValidatedCertificate {
    /// The serial number's bytes.
    pub fn serial(&self) -> &[u8] {
        self.certificate.tbs_certificate.serial_number.as_bytes()
    }
}

const HANDLED: [ObjectIdentifier; 4] = [
    rfc5280::ID_CE_KEY_USAGE,
    rfc5280::ID_CE_BASIC_CONSTRAINTS,
    rfc5280::ID_CE_EXT_KEY_USAGE,
    rfc5280::ID_CE_CERTIFICATE_POLICIES,
];

impl TrustAnchors {
    /// Validates `der` as an end-entity certificate issued by one of the anchors, at `now`.
    pub fn validate(
        &self,
        der: &[u8],
        now: OffsetDateTime,
        policy: &PathPolicy,
    ) -> Result<ValidatedCertificate, PathError> {
        let cert = Certificate::from_der(der).map_err(|e| PathError::Malformed(e.to_string()))?;
        let tbs = &cert.tbs_certificate;
        // RFC 5280 §4.1.1.2: the two algorithm fields must match; the profile allows one.
        if cert.signature_algorithm.oid != SHA256_WITH_RSA || tbs.signature.oid != SHA256_WITH_RSA {
            return Err(PathError::Algorithm(
                cert.signature_algorithm.oid.to_string(),
            ));
        }
        let issuer = tbs.issuer.to_string();
        let candidates: Vec<&Anchor> = self
            .0
            .iter()
            .filter(|a| a.certificate.tbs_certificate.subject == tbs.issuer)
            .collect();
        if candidates.is_empty() {
            return Err(PathError::UnknownIssuer(issuer));
        }
        let tbs_der = tbs
            .to_der()
            .map_err(|e| PathError::Malformed(e.to_string()))?;
        // The signature decides, never the name alone: a look-alike CA copies names.
        let anchor = candidates
            .into_iter()
            .find(|a| verify_rsa_sha256(&a.key, &tbs_der, cert.signature.raw_bytes()))
            .ok_or(PathError::BadSignature(issuer))?;
        check_anchor_validity(anchor, now)?;
        let (from, to) = (
            to_time(tbs.validity.not_before.to_unix_duration()),
            to_time(tbs.validity.not_after.to_unix_duration()),
        );
        if now < from {
            return Err(PathError::NotYetValid(from));
        }
        if now > to {
            return Err(PathError::Expired(to));
        }
        check_extensions(&cert, policy)?;
        check_key_ids(&cert, anchor);
        let key = rsa_key(&cert).ok_or(PathError::NotRsa)?;
        Ok(ValidatedCertificate {
            certificate: cert,
            der: der.to_vec(),
            key,
            anchor: anchor.clone(),
            proof: PathValidated { _private: () },
        })
    }
}

fn check_anchor_validity(anchor: &Anchor, now: OffsetDateTime) -> Result<(), PathError> {
    let v = &anchor.certificate.tbs_certificate.validity;
    let (from, to) = (
        to_time(v.not_before.to_unix_duration()),
        to_time(v.not_after.to_unix_duration()),
    );
    if now < from || now > to {
        return Err(PathError::AnchorExpired(anchor.label.clone()));
    }
    Ok(())
}

fn check_extensions(cert: &Certificate, policy: &PathPolicy) -> Result<(), PathError> {
    let exts = cert
        .tbs_certificate
        .extensions
        .as_deref()
        .unwrap_or_default();
    let find = |oid| {
        exts.iter()
            .find(|e| e.extn_id == oid)
            .map(|e| e.extn_value.as_bytes())
    };
    for ext in exts {
        if ext.critical && !HANDLED.contains(&ext.extn_id) {
            return Err(PathError::CriticalExtension(ext.extn_id));
        }
    }
    if let Some(bc) = find(rfc5280::ID_CE_BASIC_CONSTRAINTS) {
        if BasicConstraints::from_der(bc)
            .map_err(|e| PathError::Malformed(e.to_string()))?
            .ca
        {
            return Err(PathError::IsCa);
        }
    }
    let ku = find(rfc5280::ID_CE_KEY_USAGE).ok_or(PathError::KeyUsage)?;
    let ku = KeyUsage::from_der(ku).map_err(|e| PathError::Malformed(e.to_string()))?;
    if !ku.0.contains(KeyUsages::DigitalSignature) {
        return Err(PathError::KeyUsage);
    }
    if let (Some(required), Some(eku)) = (policy.required_eku, find(rfc5280::ID_CE_EXT_KEY_USAGE)) {
        let eku =
            ExtendedKeyUsage::from_der(eku).map_err(|e| PathError::Malformed(e.to_string()))?;
        if !eku.0.contains(&required) {
            return Err(PathError::ExtendedKeyUsage(required));
        }
    }
    if let Some(required) = policy.required_policy {
        let present = find(rfc5280::ID_CE_CERTIFICATE_POLICIES)
            .and_then(|p| CertificatePolicies::from_der(p).ok())
            .is_some_and(|p| p.0.iter().any(|i| i.policy_identifier == required));
        if !present {
            return Err(PathError::Policy(required));
        }
    }
    Ok(())
}

/// AKI/SKI only help choose among anchors; a mismatch with a verified signature is
/// logged, not fatal (RFC 5280 §4.2.1.1 makes AKI a hint).
fn check_key_ids(cert: &Certificate, anchor: &Anchor) {
    let ext = |c: &Certificate, oid| {
        c.tbs_certificate
            .extensions
            .as_deref()
            .unwrap_or_default()
            .iter()
            .find(|e| e.extn_id == oid)
            .map(|e| e.extn_value.as_bytes().to_vec())
    };
    let aki = ext(cert, rfc5280::ID_CE_AUTHORITY_KEY_IDENTIFIER)
        .and_then(|v| AuthorityKeyIdentifier::from_der(&v).ok())
        .and_then(|a| a.key_identifier);
    let ski = ext(&anchor.certificate, rfc5280::ID_CE_SUBJECT_KEY_IDENTIFIER)
        .and_then(|v| SubjectKeyIdentifier::from_der(&v).ok());
    if let (Some(aki), Some(ski)) = (aki, ski) {
        if aki.as_bytes() != ski.0.as_bytes() {
            tracing::warn!(
                anchor = anchor.label,
                "authorityKeyIdentifier does not match the anchor's subjectKeyIdentifier"
            );
        }
    }
}
