//! The OCSP responder's logic (RFC 6960), with switchable faults. No IO: the HTTP
//! server in [`crate::server`] carries requests and answers.

use der::asn1::BitString;
use der::asn1::{GeneralizedTime, OctetString};
use der::{Decode, Encode};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use spki::AlgorithmIdentifierOwned;
use time::{Duration, OffsetDateTime};
use x509_cert::ext::pkix::CrlReason;
use x509_cert::ext::AsExtension;
use x509_cert::Certificate;
use x509_ocsp::{
    BasicOcspResponse, CertId, CertStatus, OcspGeneralizedTime, OcspRequest, OcspResponse,
    ResponderId, ResponseData, RevokedInfo, SingleResponse, Version,
};

use crate::authority::{Authority, CertState, Reason};

/// How long a good answer is fresh.
pub const ANSWER_LIFETIME: Duration = Duration::hours(24);

/// A fault a test can switch on at the responder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// HTTP 503, no OCSP body.
    Unavailable,
    /// Answers correctly, after this delay.
    Slow(std::time::Duration),
    /// Answers with thisUpdate and nextUpdate in the past.
    Stale,
    /// Signs with a key that is neither the CA's nor authorised by it.
    WrongSigner,
    /// Echoes a different nonce than the request's.
    BadNonce,
}

impl Fault {
    /// The command-line names [`Fault::parse`] takes, for error messages.
    pub const NAMES: &'static str =
        "unavailable, slow (5 s), slow:<ms>, stale, wrong-signer, bad-nonce";

    /// Parses a command-line name: `unavailable`, `slow` (5 s) or `slow:<ms>`, `stale`,
    /// `wrong-signer`, `bad-nonce`.
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "unavailable" => Self::Unavailable,
            "slow" => Self::Slow(std::time::Duration::from_secs(5)),
            "stale" => Self::Stale,
            "wrong-signer" => Self::WrongSigner,
            "bad-nonce" => Self::BadNonce,
            _ => {
                let ms = text.strip_prefix("slow:")?.parse().ok()?;
                Self::Slow(std::time::Duration::from_millis(ms))
            }
        })
    }
}

impl std::fmt::Display for Fault {
    /// The command-line name.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Unavailable => f.write_str("unavailable"),
            Self::Slow(d) => write!(f, "slow:{}", d.as_millis()),
            Self::Stale => f.write_str("stale"),
            Self::WrongSigner => f.write_str("wrong-signer"),
            Self::BadNonce => f.write_str("bad-nonce"),
        }
    }
}

/// What to send back over HTTP.
#[derive(Clone, Debug)]
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// `application/ocsp-response` body (empty for 503).
    pub body: Vec<u8>,
    /// Wait this long first.
    pub delay: Option<std::time::Duration>,
}

/// Why an answer could not be built (a bug or a broken key; the HTTP layer sends
/// `internalError`).
#[derive(Debug, thiserror::Error)]
pub enum OcspError {
    /// DER encoding or decoding of our own structures failed.
    #[error("OCSP encoding: {0}")]
    Der(#[from] der::Error),
    /// Signing failed.
    #[error("OCSP signing: {0}")]
    Sign(String),
}

/// Answers one DER OCSP request for `ca` as of `now`. `wrong_signer` is the CA whose key
/// signs under [`Fault::WrongSigner`].
pub fn respond(
    ca: &Authority,
    wrong_signer: &Authority,
    request: &[u8],
    now: OffsetDateTime,
    fault: Option<Fault>,
) -> Answer {
    let ok = |body| Answer {
        status: 200,
        body,
        delay: None,
    };
    match fault {
        Some(Fault::Unavailable) => {
            return Answer {
                status: 503,
                body: Vec::new(),
                delay: None,
            }
        }
        Some(Fault::Slow(d)) => {
            let mut answer = respond(ca, wrong_signer, request, now, None);
            answer.delay = Some(d);
            return answer;
        }
        _ => {}
    }
    let Ok(request) = OcspRequest::from_der(request) else {
        return ok(encode(&OcspResponse::malformed_request()));
    };
    match build(ca, wrong_signer, &request, now, fault) {
        Ok(body) => ok(body),
        Err(err) => {
            tracing::error!(%err, ca = ca.id(), "could not build an OCSP answer");
            ok(encode(&OcspResponse::internal_error()))
        }
    }
}

fn encode(resp: &OcspResponse) -> Vec<u8> {
    // These two fixed structures always encode; an empty body would make the client
    // report a malformed answer, which is also what went wrong.
    resp.to_der().unwrap_or_default()
}

fn gtime(t: OffsetDateTime) -> Result<OcspGeneralizedTime, der::Error> {
    let secs = u64::try_from(t.unix_timestamp())
        .map_err(|_| der::Error::from(der::ErrorKind::DateTime))?;
    Ok(OcspGeneralizedTime(GeneralizedTime::from_unix_duration(
        std::time::Duration::from_secs(secs),
    )?))
}

fn crl_reason(reason: Reason) -> CrlReason {
    match reason {
        Reason::Unspecified => CrlReason::Unspecified,
        Reason::KeyCompromise => CrlReason::KeyCompromise,
        Reason::AffiliationChanged => CrlReason::AffiliationChanged,
        Reason::Superseded => CrlReason::Superseded,
        Reason::CessationOfOperation => CrlReason::CessationOfOperation,
        Reason::PrivilegeWithdrawn => CrlReason::PrivilegeWithdrawn,
    }
}

/// Whether `id` names a certificate of `issuer` (issuerNameHash and issuerKeyHash, in
/// the hash the client chose: SHA-1 or SHA-256).
fn issued_by(id: &CertId, issuer: &Certificate) -> Result<bool, der::Error> {
    let name = issuer.tbs_certificate.subject.to_der()?;
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
            (Sha256::digest(&name).to_vec(), Sha256::digest(key).to_vec())
        }
        _ => return Ok(false),
    };
    Ok(id.issuer_name_hash.as_bytes() == name_hash && id.issuer_key_hash.as_bytes() == key_hash)
}

fn build(
    ca: &Authority,
    wrong_signer: &Authority,
    request: &OcspRequest,
    now: OffsetDateTime,
    fault: Option<Fault>,
) -> Result<Vec<u8>, OcspError> {
    let issuer = Certificate::from_der(ca.certificate())?;
    let (this_update, next_update) = match fault {
        Some(Fault::Stale) => (now - Duration::days(8), now - Duration::days(1)),
        _ => (now, now + ANSWER_LIFETIME),
    };
    let signer = if fault == Some(Fault::WrongSigner) {
        wrong_signer
    } else {
        ca
    };
    let signer_cert = Certificate::from_der(signer.certificate())?;
    let key_hash = Sha1::digest(
        signer_cert
            .tbs_certificate
            .subject_public_key_info
            .subject_public_key
            .raw_bytes(),
    );
    let mut responses = Vec::new();
    for req in &request.tbs_request.request_list {
        let id = &req.req_cert;
        let status = if issued_by(id, &issuer)? {
            match ca.state(id.serial_number.as_bytes(), now) {
                CertState::Good => CertStatus::good(),
                CertState::Revoked(r) => CertStatus::revoked(RevokedInfo {
                    revocation_time: gtime(r.at)?,
                    revocation_reason: Some(crl_reason(r.reason)),
                }),
                CertState::Unknown => CertStatus::unknown(),
            }
        } else {
            CertStatus::unknown()
        };
        responses.push(
            SingleResponse::new(id.clone(), status, gtime(this_update)?)
                .with_next_update(gtime(next_update)?),
        );
    }
    let nonce = match (request.nonce(), fault) {
        (Some(n), Some(Fault::BadNonce)) => Some(x509_ocsp::ext::Nonce::new(
            n.0.as_bytes().iter().map(|b| !b).collect::<Vec<u8>>(),
        )?),
        (None, Some(Fault::BadNonce)) => Some(x509_ocsp::ext::Nonce::new(vec![0x42; 16])?),
        (n, _) => n,
    };
    let response_extensions = nonce
        .map(|n| n.to_extension(&x509_cert::name::Name::default(), &[]))
        .transpose()?
        .map(|e| vec![e]);
    let tbs = ResponseData {
        version: Version::default(),
        responder_id: ResponderId::ByKey(OctetString::new(key_hash.to_vec())?),
        produced_at: gtime(if fault == Some(Fault::Stale) {
            this_update
        } else {
            now
        })?,
        responses,
        response_extensions,
    };
    let signature = signer
        .sign_sha256_rsa(&tbs.to_der()?)
        .map_err(|e| OcspError::Sign(e.to_string()))?;
    let basic = BasicOcspResponse {
        tbs_response_data: tbs,
        signature_algorithm: AlgorithmIdentifierOwned {
            oid: const_oid::db::rfc5912::SHA_256_WITH_RSA_ENCRYPTION,
            parameters: Some(der::asn1::Null.into()),
        },
        signature: BitString::from_bytes(&signature)?,
        certs: (fault == Some(Fault::WrongSigner)).then(|| vec![signer_cert.clone()]),
    };
    Ok(OcspResponse::successful(basic)?.to_der()?)
}
