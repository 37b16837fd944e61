//! CRL checks (RFC 5280 §5, §6.3): signed by the anchor, current, and listing or not
//! listing the certificate.

use const_oid::db::rfc5280;
use der::{Decode, Encode};
use time::{Duration, OffsetDateTime};
use x509_cert::crl::CertificateList;
use x509_cert::ext::pkix::CrlReason;

use super::{
    to_time, verify_rsa_sha256, Revocation, RevocationAnswer, RevocationSource,
    ValidatedCertificate, SHA256_WITH_RSA,
};

/// Why a CRL is not usable.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CrlError {
    /// It does not parse.
    #[error("the CRL does not parse: {0}")]
    Malformed(String),
    /// Not sha256WithRSAEncryption.
    #[error("CRL signature algorithm {0} is not allowed")]
    Algorithm(String),
    /// Issued by someone else than the certificate's CA.
    #[error("the CRL is issued by {0}, not by the certificate's CA")]
    WrongIssuer(String),
    /// The signature does not verify with the CA's key.
    #[error("the CRL's signature does not verify with the CA's key")]
    BadSignature,
    /// thisUpdate in the future.
    #[error("the CRL is dated in the future ({})", crate::saml::xml::instant(*.0))]
    NotYetValid(OffsetDateTime),
    /// nextUpdate passed, or absent.
    #[error("the CRL is stale (nextUpdate {})", .0.map_or("absent".to_owned(), crate::saml::xml::instant))]
    Stale(Option<OffsetDateTime>),
    /// A critical CRL extension we do not process (e.g. a partitioned CRL's IDP).
    #[error("the CRL has an unsupported critical extension {0}")]
    CriticalExtension(String),
}

/// Checks `crl` and looks `cert` up in it.
pub fn check_crl(
    crl: &[u8],
    cert: &ValidatedCertificate,
    now: OffsetDateTime,
    skew: Duration,
) -> Result<RevocationAnswer, CrlError> {
    let list = CertificateList::from_der(crl).map_err(|e| CrlError::Malformed(e.to_string()))?;
    let tbs = &list.tbs_cert_list;
    if list.signature_algorithm.oid != SHA256_WITH_RSA || tbs.signature.oid != SHA256_WITH_RSA {
        return Err(CrlError::Algorithm(
            list.signature_algorithm.oid.to_string(),
        ));
    }
    if tbs.issuer != cert.anchor.certificate.tbs_certificate.subject {
        return Err(CrlError::WrongIssuer(tbs.issuer.to_string()));
    }
    let tbs_der = tbs
        .to_der()
        .map_err(|e| CrlError::Malformed(e.to_string()))?;
    let anchor_key = super::rsa_key(&cert.anchor.certificate).ok_or(CrlError::BadSignature)?;
    if !verify_rsa_sha256(&anchor_key, &tbs_der, list.signature.raw_bytes()) {
        return Err(CrlError::BadSignature);
    }
    let this_update = to_time(tbs.this_update.to_unix_duration());
    if this_update > now + skew {
        return Err(CrlError::NotYetValid(this_update));
    }
    let next_update = tbs.next_update.map(|t| to_time(t.to_unix_duration()));
    match next_update {
        Some(next) if now <= next + skew => {}
        other => return Err(CrlError::Stale(other)),
    }
    for ext in tbs.crl_extensions.as_deref().unwrap_or_default() {
        if ext.critical {
            return Err(CrlError::CriticalExtension(ext.extn_id.to_string()));
        }
    }
    let serial = &cert.certificate.tbs_certificate.serial_number;
    let entry = tbs
        .revoked_certificates
        .as_deref()
        .unwrap_or_default()
        .iter()
        .find(|r| r.serial_number == *serial);
    let status = match entry {
        None => Revocation::Good,
        Some(r) => Revocation::Revoked {
            at: to_time(r.revocation_date.to_unix_duration()),
            reason: r
                .crl_entry_extensions
                .as_deref()
                .unwrap_or_default()
                .iter()
                .find(|e| e.extn_id == rfc5280::ID_CE_CRL_REASONS)
                .and_then(|e| CrlReason::from_der(e.extn_value.as_bytes()).ok())
                .map(|r| r as u8),
        },
    };
    Ok(RevocationAnswer::new(status, RevocationSource::Crl))
}
