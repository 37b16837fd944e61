//! Single Logout as the suite's SPs play it (TF-IDP-013, front channel, HTTP-Redirect):
//! the signed LogoutRequest one SP sends, what the IdP must then send the other SP and
//! the first, and the other SP's answer.

use time::OffsetDateTime;
use trust_framework::saml::bindings::{self, Kind};
use trust_framework::saml::logout::{self, LogoutRequest, LogoutResponse};

use super::config::SuiteSp;
use crate::message::new_id;

/// SP `sp`'s signed LogoutRequest for `name_id` (and `session_index`) to `idp_slo`: its
/// ID and the URL the browser is sent to.
pub fn request_url(
    idp_slo: &str,
    idp_entity_id: &str,
    sp: &SuiteSp,
    name_id: &str,
    session_index: Option<&str>,
) -> Result<(String, String), String> {
    let r = LogoutRequest {
        id: new_id(),
        issuer: sp.entity_id.clone(),
        destination: Some(idp_slo.to_owned()),
        issue_instant: OffsetDateTime::now_utc(),
        name_id: name_id.to_owned(),
        session_index: session_index.map(str::to_owned),
    };
    let xml = logout::build_request(&r, idp_entity_id, &sp.entity_id);
    let query = bindings::encode_redirect(Kind::Request, &xml, Some("mnctf-slo"), Some(&sp.rsa))
        .map_err(|e| format!("encoding the LogoutRequest: {e}"))?;
    Ok((r.id, format!("{idp_slo}?{query}")))
}

/// SP `sp`'s signed Success answer to the IdP's LogoutRequest `answered`, with the
/// RelayState it came with.
pub fn response_url(
    idp_slo: &str,
    sp: &SuiteSp,
    answered: &str,
    relay_state: Option<&str>,
) -> Result<String, String> {
    let r = LogoutResponse {
        id: new_id(),
        issuer: sp.entity_id.clone(),
        destination: Some(idp_slo.to_owned()),
        issue_instant: OffsetDateTime::now_utc(),
        in_response_to: Some(answered.to_owned()),
        status: trust_framework::saml::constants::status::SUCCESS.to_owned(),
    };
    let query = bindings::encode_redirect(
        Kind::Response,
        &logout::build_response(&r),
        relay_state,
        Some(&sp.rsa),
    )
    .map_err(|e| format!("encoding the LogoutResponse: {e}"))?;
    Ok(format!("{idp_slo}?{query}"))
}

/// A logout message the IdP sent to SP `sp`'s SLO endpoint, as a strict SP reads it.
pub enum Received {
    /// A LogoutRequest (the IdP logging the user out of this SP).
    Request(LogoutRequest, Option<String>),
    /// A LogoutResponse (the end of a logout this SP started).
    Response(LogoutResponse),
}

/// Reads the message at `url` (the SP's SLO endpoint with the IdP's query): signed with
/// one of `idp_certs` (RSA-SHA256), from the IdP, addressed to this endpoint, recent.
pub fn read(
    url: &url::Url,
    sp: &SuiteSp,
    idp_entity_id: &str,
    idp_certs: &[Vec<u8>],
) -> Result<Received, String> {
    let here = format!("{}{}", url.origin().ascii_serialization(), url.path());
    if here != sp.slo_url {
        return Err(format!(
            "the IdP sent the browser to {here}, not the SP's SingleLogoutService {}",
            sp.slo_url
        ));
    }
    let m = bindings::decode_redirect(url.query().unwrap_or_default())
        .map_err(|e| format!("the logout message does not decode: {e}"))?;
    let sig = m
        .signature
        .as_ref()
        .ok_or("the logout message is not signed (TF-IDP-013: a strict SP refuses it)")?;
    bindings::verify_redirect_signature(sig, idp_certs)
        .map_err(|e| format!("the logout message's signature: {e}"))?;
    let now = OffsetDateTime::now_utc();
    let addressed = |r: (&str, Option<&str>, OffsetDateTime)| {
        logout::check_addressing(r, idp_entity_id, &sp.slo_url, now).map_err(|e| e.to_string())
    };
    match m.kind {
        Kind::Request => {
            let r = logout::parse_request(&m.xml).map_err(|e| e.to_string())?;
            addressed((&r.issuer, r.destination.as_deref(), r.issue_instant))?;
            Ok(Received::Request(r, m.relay_state))
        }
        Kind::Response => {
            let r = logout::parse_response(&m.xml).map_err(|e| e.to_string())?;
            addressed((&r.issuer, r.destination.as_deref(), r.issue_instant))?;
            Ok(Received::Response(r))
        }
    }
}
