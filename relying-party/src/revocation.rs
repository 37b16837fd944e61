//! Fetching revocation data over HTTP with time and size limits (TF-PKI-007), then OCSP
//! with CRL fallback, failing closed (TF-PKI-005, -006).

use std::time::Duration;

use rand::RngCore;
use time::OffsetDateTime;
use trust_framework::x509::{
    check_crl, check_ocsp_response, ocsp_request, Revocation, RevocationAnswer, RevocationChecked,
    ValidatedCertificate,
};

/// Largest OCSP answer or CRL read.
const MAX_BODY: usize = 1024 * 1024;

/// Why a certificate's revocation status does not allow its use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RevocationError {
    /// Revoked, with the RFC 5280 reason code if given.
    #[error("revoked ({})", reason_name(*.0))]
    Revoked(Option<u8>),
    /// Neither OCSP nor the CRL gave a verified answer: fail closed (TF-PKI-006).
    #[error("revocation status unavailable (OCSP: {ocsp}; CRL: {crl})")]
    Unavailable {
        /// What went wrong with OCSP.
        ocsp: String,
        /// What went wrong with the CRL.
        crl: String,
    },
    /// A check gave "good" without a proof: a bug, refused.
    #[error("internal: a good answer without proof")]
    Internal,
}

/// An RFC 5280 §5.3.1 reason code in words.
fn reason_name(code: Option<u8>) -> String {
    let name = match code {
        None => return "no reason given".into(),
        Some(0) => "unspecified",
        Some(1) => "key compromise",
        Some(2) => "CA compromise",
        Some(3) => "affiliation changed",
        Some(4) => "superseded",
        Some(5) => "cessation of operation",
        Some(6) => "certificate hold",
        Some(8) => "removed from CRL",
        Some(9) => "privilege withdrawn",
        Some(10) => "AA compromise",
        Some(_) => "unknown reason",
    };
    format!("{name}, reason code {}", code.unwrap_or_default())
}

/// Where a CA publishes revocation data.
#[derive(Clone, Copy, Debug)]
pub struct Sources<'a> {
    /// A name for logs.
    pub label: &'a str,
    /// The OCSP responder.
    pub ocsp_url: &'a str,
    /// The CRL.
    pub crl_url: &'a str,
}

/// Limits and clock for one check.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Now.
    pub now: OffsetDateTime,
    /// Clock skew tolerated.
    pub skew: time::Duration,
    /// Time limit per fetch.
    pub fetch: Duration,
}

/// Sends `req` and reads the answer, within `limit` and [`MAX_BODY`]; a non-2xx status is
/// an error.
pub async fn fetch(req: reqwest::RequestBuilder, limit: Duration) -> Result<Vec<u8>, String> {
    match fetch_answer(req, limit).await? {
        (status, body) if (200..300).contains(&status) => Ok(body),
        (status, _) => Err(http_status(status)),
    }
}

/// "HTTP 503 Service Unavailable".
fn http_status(status: u16) -> String {
    match reqwest::StatusCode::from_u16(status) {
        Ok(s) => format!("HTTP {s}"),
        Err(_) => format!("HTTP {status}"),
    }
}

/// The status and body of an answer, within `limit` and [`MAX_BODY`].
async fn fetch_answer(
    req: reqwest::RequestBuilder,
    limit: Duration,
) -> Result<(u16, Vec<u8>), String> {
    let work = async {
        let mut resp = req.send().await.map_err(|e| e.to_string())?;
        let status = resp.status().as_u16();
        let mut out = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| e.to_string())? {
            out.extend_from_slice(&chunk);
            if out.len() > MAX_BODY {
                return Err(format!("answer over {MAX_BODY} bytes"));
            }
        }
        Ok((status, out))
    };
    tokio::time::timeout(limit, work)
        .await
        .map_err(|_| format!("no answer within {} ms", limit.as_millis()))?
}

async fn ocsp(
    http: &reqwest::Client,
    url: &str,
    cert: &ValidatedCertificate,
    l: Limits,
) -> Result<RevocationAnswer, String> {
    let mut nonce = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut nonce);
    let request = ocsp_request(cert, &nonce).map_err(|e| e.to_string())?;
    let req = http
        .post(url)
        .header("content-type", "application/ocsp-request")
        .body(request);
    let bytes = fetch(req, l.fetch).await?;
    check_ocsp_response(&bytes, cert, &nonce, l.now, l.skew).map_err(|e| e.to_string())
}

async fn crl(
    http: &reqwest::Client,
    url: &str,
    cert: &ValidatedCertificate,
    l: Limits,
) -> Result<RevocationAnswer, String> {
    let bytes = fetch(http.get(url), l.fetch).await?;
    check_crl(&bytes, cert, l.now, l.skew).map_err(|e| e.to_string())
}

fn decide(answer: RevocationAnswer) -> Result<RevocationChecked, RevocationError> {
    match (answer.proof(), answer.status()) {
        (Some(proof), _) => Ok(proof),
        (None, Revocation::Revoked { reason, .. }) => Err(RevocationError::Revoked(reason)),
        (None, Revocation::Good) => Err(RevocationError::Internal),
    }
}

/// OCSP first; the CRL if OCSP gives no verified answer; refused unless one says good.
pub async fn check(
    http: &reqwest::Client,
    sources: Sources<'_>,
    cert: &ValidatedCertificate,
    limits: Limits,
) -> Result<RevocationChecked, RevocationError> {
    let ocsp_err = match ocsp(http, sources.ocsp_url, cert, limits).await {
        Ok(answer) => return decide(answer),
        Err(e) => e,
    };
    tracing::warn!(ca = sources.label, error = %ocsp_err, "OCSP gave no usable answer; trying the CRL");
    match crl(http, sources.crl_url, cert, limits).await {
        Ok(answer) => decide(answer),
        Err(crl_err) => Err(RevocationError::Unavailable {
            ocsp: ocsp_err,
            crl: crl_err,
        }),
    }
}

/// Asks the CA which certificate `serial` replaced (its renewal link, TF-PKI-008):
/// `Ok(None)` when the CA says it replaced none (404), `Err` when the CA could not be
/// asked or answered something else: the caller must then not take the card for a new
/// person.
pub async fn predecessor(
    http: &reqwest::Client,
    url: &str,
    serial: &[u8],
    limit: Duration,
) -> Result<Option<Vec<u8>>, String> {
    let req = http.get(format!(
        "{}/{}",
        url.trim_end_matches('/'),
        hex::encode(serial)
    ));
    let (status, body) = fetch_answer(req, limit).await?;
    if status == 404 {
        return Ok(None);
    }
    if !(200..300).contains(&status) {
        return Err(http_status(status));
    }
    let json: serde_json::Value =
        serde_json::from_slice(&body).map_err(|e| format!("not JSON: {e}"))?;
    let old = json
        .get("old_serial")
        .and_then(|v| v.as_str())
        .ok_or("no old_serial in the answer")?;
    hex::decode(old)
        .map(Some)
        .map_err(|_| "old_serial is not hex".to_owned())
}
