//! OCSP (RFC 6960) from the relying party's side: building the request, and checking the
//! answer strictly, failing closed on anything short of a fresh, authorised "good".

use const_oid::db::rfc5280;
use const_oid::db::rfc6960;
use der::{Decode, Encode};
use sha1::{Digest, Sha1};
use time::{Duration, OffsetDateTime};
use x509_cert::ext::pkix::ExtendedKeyUsage;
use x509_cert::Certificate;
use x509_ocsp::builder::OcspRequestBuilder;
use x509_ocsp::ext::Nonce;
use x509_ocsp::{
    BasicOcspResponse, CertId, CertStatus, OcspResponse, OcspResponseStatus, Request, ResponderId,
};

use super::{
    rsa_key, to_time, verify_rsa_sha256, Revocation, RevocationAnswer, RevocationSource,
    ValidatedCertificate, SHA256_WITH_RSA,
};

/// Why an OCSP answer is not usable.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum OcspCheckError {
    /// The answer does not parse.
    #[error("the OCSP answer does not parse: {0}")]
    Malformed(String),
    /// responseStatus is not successful.
    #[error("the OCSP responder answered {0}, not successful")]
    Status(String),
    /// Not signed with sha256WithRSAEncryption.
    #[error("OCSP signature algorithm {0} is not allowed")]
    Algorithm(String),
    /// Signed by neither the CA nor a responder the CA authorised.
    #[error("the OCSP answer is signed by a responder the CA did not authorise")]
    UnauthorizedSigner,
    /// The signature does not verify.
    #[error("the OCSP answer's signature does not verify")]
    BadSignature,
    /// We sent a nonce and got none back.
    #[error("the OCSP answer does not echo our nonce")]
    NonceMissing,
    /// We sent a nonce and got another back (a replayed answer).
    #[error("the OCSP answer carries another nonce than ours (replay?)")]
    NonceMismatch,
    /// No answer about our certificate.
    #[error("the OCSP answer says nothing about this certificate")]
    NoResponseForCertificate,
    /// thisUpdate in the future.
    #[error("the OCSP answer is dated in the future ({})", crate::saml::xml::instant(*.0))]
    NotYetValid(OffsetDateTime),
    /// nextUpdate passed, or absent.
    #[error("the OCSP answer is stale (nextUpdate {})", .0.map_or("absent".to_owned(), crate::saml::xml::instant))]
    Stale(Option<OffsetDateTime>),
    /// The responder does not know the certificate: not a "good".
    #[error("the OCSP responder does not know this certificate")]
    Unknown,
}

fn malformed(e: impl std::fmt::Display) -> OcspCheckError {
    OcspCheckError::Malformed(e.to_string())
}

/// A DER OCSP request for `cert` (SHA-1 CertID, as responders universally accept) with
/// `nonce` (RFC 8954).
pub fn ocsp_request(cert: &ValidatedCertificate, nonce: &[u8]) -> Result<Vec<u8>, der::Error> {
    let id = CertId::from_issuer::<Sha1>(
        &cert.anchor.certificate,
        cert.certificate.tbs_certificate.serial_number.clone(),
    )
    .map_err(|_| der::Error::from(der::ErrorKind::Failed))?;
    let request = OcspRequestBuilder::default()
        .with_request(Request::new(id))
        .with_extension(Nonce::new(nonce.to_vec())?)
        .map_err(|_| der::Error::from(der::ErrorKind::Failed))?
        .build();
    request.to_der()
}

/// Checks an OCSP answer about `cert`; `nonce` is what the request carried; `skew` is
/// the clock tolerance.
pub fn check_ocsp_response(
    answer: &[u8],
    cert: &ValidatedCertificate,
    nonce: &[u8],
    now: OffsetDateTime,
    skew: Duration,
) -> Result<RevocationAnswer, OcspCheckError> {
    let response = OcspResponse::from_der(answer).map_err(malformed)?;
    if response.response_status != OcspResponseStatus::Successful {
        // RFC 6960's names, as an operator reads them in the responder's logs.
        let name = match response.response_status {
            OcspResponseStatus::MalformedRequest => "malformedRequest",
            OcspResponseStatus::InternalError => "internalError",
            OcspResponseStatus::TryLater => "tryLater",
            OcspResponseStatus::SigRequired => "sigRequired",
            OcspResponseStatus::Unauthorized => "unauthorized",
            OcspResponseStatus::Successful => "successful",
        };
        return Err(OcspCheckError::Status(name.to_owned()));
    }
    let bytes = response
        .response_bytes
        .ok_or_else(|| malformed("no responseBytes"))?;
    if bytes.response_type != rfc6960::ID_PKIX_OCSP_BASIC {
        return Err(malformed("not a basic OCSP response"));
    }
    let basic = BasicOcspResponse::from_der(bytes.response.as_bytes()).map_err(malformed)?;
    if basic.signature_algorithm.oid != SHA256_WITH_RSA {
        return Err(OcspCheckError::Algorithm(
            basic.signature_algorithm.oid.to_string(),
        ));
    }
    let signer = authorised_signer(&basic, cert, now)?;
    let tbs = basic.tbs_response_data.to_der().map_err(malformed)?;
    if !verify_rsa_sha256(&signer, &tbs, basic.signature.raw_bytes()) {
        return Err(OcspCheckError::BadSignature);
    }
    match basic.nonce() {
        None => return Err(OcspCheckError::NonceMissing),
        Some(n) if n.0.as_bytes() != nonce => return Err(OcspCheckError::NonceMismatch),
        Some(_) => {}
    }
    let issuer = &cert.anchor.certificate;
    let serial = &cert.certificate.tbs_certificate.serial_number;
    let single = basic
        .tbs_response_data
        .responses
        .iter()
        .find(|r| r.cert_id.serial_number == *serial && names_issuer(&r.cert_id, issuer))
        .ok_or(OcspCheckError::NoResponseForCertificate)?;
    let this_update = to_time(single.this_update.0.to_unix_duration());
    if this_update > now + skew {
        return Err(OcspCheckError::NotYetValid(this_update));
    }
    let next_update = single.next_update.map(|t| to_time(t.0.to_unix_duration()));
    match next_update {
        Some(next) if now <= next + skew => {}
        other => return Err(OcspCheckError::Stale(other)),
    }
    let status = match &single.cert_status {
        CertStatus::Good(_) => Revocation::Good,
        CertStatus::Revoked(info) => Revocation::Revoked {
            at: to_time(info.revocation_time.0.to_unix_duration()),
            reason: info.revocation_reason.map(|r| r as u8),
        },
        CertStatus::Unknown(_) => return Err(OcspCheckError::Unknown),
    };
    Ok(RevocationAnswer::new(status, RevocationSource::Ocsp))
}

fn key_hash(cert: &Certificate) -> Vec<u8> {
    Sha1::digest(
        cert.tbs_certificate
            .subject_public_key_info
            .subject_public_key
            .raw_bytes(),
    )
    .to_vec()
}

fn responder_is(id: &ResponderId, cert: &Certificate) -> bool {
    match id {
        ResponderId::ByKey(hash) => hash.as_bytes() == key_hash(cert).as_slice(),
        ResponderId::ByName(name) => *name == cert.tbs_certificate.subject,
    }
}

/// RFC 6960 §4.2.2.2: the CA itself, or a certificate the CA issued with id-kp-OCSPSigning.
fn authorised_signer(
    basic: &BasicOcspResponse,
    cert: &ValidatedCertificate,
    now: OffsetDateTime,
) -> Result<rsa::RsaPublicKey, OcspCheckError> {
    let issuer = &cert.anchor.certificate;
    let id = &basic.tbs_response_data.responder_id;
    if responder_is(id, issuer) {
        return rsa_key(issuer).ok_or(OcspCheckError::UnauthorizedSigner);
    }
    let issuer_key = rsa_key(issuer).ok_or(OcspCheckError::UnauthorizedSigner)?;
    for delegate in basic.certs.as_deref().unwrap_or_default() {
        let tbs = &delegate.tbs_certificate;
        let Ok(tbs_der) = tbs.to_der() else { continue };
        let signed_by_ca = tbs.issuer == issuer.tbs_certificate.subject
            && verify_rsa_sha256(&issuer_key, &tbs_der, delegate.signature.raw_bytes());
        let in_validity = to_time(tbs.validity.not_before.to_unix_duration()) <= now
            && now <= to_time(tbs.validity.not_after.to_unix_duration());
        let ocsp_signing = tbs
            .extensions
            .as_deref()
            .unwrap_or_default()
            .iter()
            .find(|e| e.extn_id == rfc5280::ID_CE_EXT_KEY_USAGE)
            .and_then(|e| ExtendedKeyUsage::from_der(e.extn_value.as_bytes()).ok())
            .is_some_and(|eku| eku.0.contains(&rfc5280::ID_KP_OCSP_SIGNING));
        if signed_by_ca && in_validity && ocsp_signing && responder_is(id, delegate) {
            return rsa_key(delegate).ok_or(OcspCheckError::UnauthorizedSigner);
        }
    }
    Err(OcspCheckError::UnauthorizedSigner)
}

fn names_issuer(id: &CertId, issuer: &Certificate) -> bool {
    let Ok(name) = issuer.tbs_certificate.subject.to_der() else {
        return false;
    };
    let key = issuer
        .tbs_certificate
        .subject_public_key_info
        .subject_public_key
        .raw_bytes();
    let (name_hash, key_hash) = match id.hash_algorithm.oid {
        const_oid::db::rfc5912::ID_SHA_1 => {
            (Sha1::digest(&name).to_vec(), Sha1::digest(key).to_vec())
        }
        const_oid::db::rfc5912::ID_SHA_256 => {
            use sha2::Sha256;
            (Sha256::digest(&name).to_vec(), Sha256::digest(key).to_vec())
        }
        _ => return false,
    };
    id.issuer_name_hash.as_bytes() == name_hash && id.issuer_key_hash.as_bytes() == key_hash
}
