//! One login as the suite plays it: an SP's AuthnRequest (with the test's change) sent
//! by HTTP-Redirect, the IdP's login page, the cardholder (challenge, card, answer), and
//! where the browser is sent at the end. The browser stops before any URL of the suite's
//! SPs and reads the SAML message there: nothing listens at those URLs.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use cardholder::Card;
use time::{Duration, OffsetDateTime};
use trust_framework::saml::authn_request::{self, NewAuthnRequest};
use trust_framework::saml::bindings::{self, Kind};
use trust_framework::saml::constants::ALG_RSA_SHA256;
use user_agent::{login_tx, Browser, Navigation};

use super::config::SuiteSp;
use super::plan::Request;
use crate::message::new_id;

/// RSA-SHA1 for HTTP-Redirect signatures.
const ALG_RSA_SHA1: &str = "http://www.w3.org/2000/09/xmldsig#rsa-sha1";
/// RelayState that breaks an HTML attribute if put in a page unescaped.
pub const MARKUP_RELAY: &str = "mnctf\"><script>alert('relay')</script>";

/// The IdP as the suite found it in its metadata.
#[derive(Clone, Debug)]
pub struct Idp {
    /// Its entityID.
    pub entity_id: String,
    /// Its HTTP-Redirect SSO endpoint.
    pub sso_url: String,
    /// Its origin (the card-login endpoints hang off it).
    pub origin: String,
    /// Its signing certificates (DER).
    pub certs: Vec<Vec<u8>>,
    /// Its HTTP-Redirect SingleLogoutService, if its metadata has one.
    pub slo_url: Option<String>,
    /// Its HTTP-POST SSO endpoint, if its metadata has one.
    pub sso_post_url: Option<String>,
}

/// A request as sent.
#[derive(Clone, Debug)]
pub struct Sent {
    /// The AuthnRequest's ID.
    pub id: String,
    /// The RelayState sent.
    pub relay_state: String,
    /// The URL the browser was sent to.
    pub url: String,
    /// The form it posts there (HTTP-POST binding), if not a redirect.
    pub form: Option<Vec<(String, String)>>,
}

/// Where a login ended.
#[derive(Clone, Debug)]
pub enum Reached {
    /// The browser was sent to the suite with a SAML Response.
    Response {
        /// Where (an ACS of the suite's SPs, or another suite URL).
        url: String,
        /// The Response.
        xml: String,
        /// The RelayState that came with it.
        relay_state: Option<String>,
    },
    /// The login stopped at the IdP: an error page or a refused step.
    Refused(String),
}

/// A login in progress at the IdP's login page.
#[derive(Clone, Debug)]
pub struct AtLoginPage {
    /// The login transaction.
    pub tx: String,
    /// The page as served (its headers: framing protection).
    pub page: user_agent::Page,
}

/// What the first navigation showed.
#[derive(Clone, Debug)]
pub enum Started {
    /// The IdP's card-login page.
    LoginPage(AtLoginPage),
    /// The IdP answered at once (an SSO session, IsPassive, or an error Response).
    Reached(Reached),
    /// Another page of the IdP (a password form, or an error page).
    Page(user_agent::Page),
}

impl std::fmt::Display for Reached {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Response { url, .. } => write!(f, "a SAML Response sent to {url}"),
            Self::Refused(why) => write!(f, "stopped at the IdP: {why}"),
        }
    }
}

impl std::fmt::Display for Started {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::LoginPage(at) => write!(f, "the card-login page at {}", at.page.url),
            Self::Reached(r) => r.fmt(f),
            Self::Page(p) => write!(
                f,
                "a page at {} (HTTP {}): {}",
                p.url,
                p.status,
                page_text(&p.body)
            ),
        }
    }
}

/// A class of SAML's list that a card login never is.
const AC_KERBEROS: &str = "urn:oasis:names:tc:SAML:2.0:ac:classes:Kerberos";

/// Builds the AuthnRequest of `sp` with `change`, signed as the change says.
pub fn request_url(
    idp: &Idp,
    sp: &SuiteSp,
    others: &SuiteSp,
    base: &str,
    class: &str,
    change: Request,
) -> Result<Sent, String> {
    let id = new_id();
    let now = OffsetDateTime::now_utc();
    let unknown = format!("{base}/unknown-sp/metadata");
    let evil_acs = format!("{base}/elsewhere/acs");
    let xml = authn_request::build(&NewAuthnRequest {
        id: &id,
        issuer: if change == Request::UnknownSp {
            &unknown
        } else {
            &sp.entity_id
        },
        destination: &idp.sso_url,
        acs_url: if change == Request::AcsNotInMetadata {
            &evil_acs
        } else {
            &sp.acs_url
        },
        issue_instant: if change == Request::Stale {
            now - Duration::hours(1)
        } else {
            now
        },
        force_authn: change == Request::ForceAuthn,
        is_passive: change == Request::IsPassive,
        authn_context_class: Some(if change == Request::UnavailableClass {
            AC_KERBEROS
        } else {
            class
        }),
        attribute_consuming_service_index: None,
    });
    let xml = match change {
        Request::Doctype => format!("<!DOCTYPE samlp:AuthnRequest [<!ENTITY x \"mnctf\">]>{xml}"),
        Request::InflatesLarge => padded(&xml, INFLATED_SIZE)?,
        _ => xml,
    };
    let relay_state = if change == Request::RelayStateMarkup {
        MARKUP_RELAY.to_owned()
    } else {
        format!("mnctf-{}", &id[1..9])
    };
    if matches!(change, Request::PostSigned | Request::PostWrapped) {
        return post_request(
            idp,
            sp,
            &id,
            &xml,
            relay_state,
            change == Request::PostWrapped,
        );
    }
    let key = match change {
        Request::Unsigned => None,
        Request::WrongKey => Some(&others.rsa),
        _ => Some(&sp.rsa),
    };
    let query = match change {
        Request::Sha1 => sha1_query(&xml, &relay_state, &sp.key.key_der)?,
        // Signed as sent: only the DEFLATE stream is broken (a truncated one).
        Request::BadDeflate => {
            let good = bindings::deflate_base64(&xml).map_err(|e| e.to_string())?;
            let bytes = STANDARD.decode(&good).map_err(|e| e.to_string())?;
            let broken = STANDARD.encode(&bytes[..bytes.len() / 2]);
            signed_query(&broken, &relay_state, &sp.key.key_der, ALG_RSA_SHA256)?
        }
        _ => bindings::encode_redirect(Kind::Request, &xml, Some(&relay_state), key)
            .map_err(|e| format!("encoding the AuthnRequest: {e}"))?,
    };
    let query = if change == Request::Tampered {
        // The signature covers RelayState: another value after signing breaks it.
        query.replacen(
            &format!("RelayState={}", bindings::query_value(&relay_state)),
            "RelayState=mnctf-changed-after-signing",
            1,
        )
    } else {
        query
    };
    Ok(Sent {
        id,
        relay_state,
        url: format!("{}?{query}", idp.sso_url),
        form: None,
    })
}

/// The request signed enveloped (RSA-SHA256) for the HTTP-POST binding; `wrapped`: an
/// unsigned request with a new ID carrying the signed one in its Extensions, as the
/// signature-wrapping attacks on AuthnRequests do (TF-IDP-004: only signed content
/// counts).
fn post_request(
    idp: &Idp,
    sp: &SuiteSp,
    id: &str,
    xml: &str,
    relay_state: String,
    wrapped: bool,
) -> Result<Sent, String> {
    let url = idp
        .sso_post_url
        .clone()
        .ok_or("the IdP's metadata has no HTTP-POST SingleSignOnService (TF-IDP-001)")?;
    let end = "</saml:Issuer>";
    let at = xml.find(end).ok_or("the AuthnRequest has no Issuer")? + end.len();
    let template = trust_framework::saml::signature::template(id, &sp.key.cert_der);
    let signed = trust_framework::saml::signature::sign(
        &format!("{}{template}{}", &xml[..at], &xml[at..]),
        &sp.key.key_der,
    )
    .map_err(|e| format!("signing the AuthnRequest: {e}"))?;
    let (id, sent) = if wrapped {
        let outer = new_id();
        let signed = signed
            .trim_start()
            .strip_prefix("<?xml")
            .and_then(|r| r.split_once("?>"))
            .map_or(signed.as_str(), |(_, body)| body);
        let root = xml.replacen(&format!(r#"ID="{id}""#), &format!(r#"ID="{outer}""#), 1);
        let at = root.find(end).ok_or("the AuthnRequest has no Issuer")? + end.len();
        let wrapped = format!(
            "{}<samlp:Extensions>{signed}</samlp:Extensions>{}",
            &root[..at],
            &root[at..]
        );
        (outer, wrapped)
    } else {
        (id.to_owned(), signed)
    };
    Ok(Sent {
        id,
        relay_state: relay_state.clone(),
        url,
        form: Some(vec![
            ("SAMLRequest".into(), STANDARD.encode(sent.as_bytes())),
            ("RelayState".into(), relay_state),
        ]),
    })
}

/// An HTTP-Redirect query signed with RSA-SHA1 (the SAML Bindings' octets, §3.4.4.1).
fn sha1_query(xml: &str, relay: &str, key_der: &[u8]) -> Result<String, String> {
    let request = bindings::deflate_base64(xml).map_err(|e| e.to_string())?;
    signed_query(&request, relay, key_der, ALG_RSA_SHA1)
}

/// An HTTP-Redirect query carrying `request` (base64, as sent) signed with `alg` over
/// the SAML Bindings' octets (§3.4.4.1).
fn signed_query(request: &str, relay: &str, key_der: &[u8], alg: &str) -> Result<String, String> {
    let mut query = format!(
        "SAMLRequest={}&RelayState={}&SigAlg={}",
        bindings::query_value(request),
        bindings::query_value(relay),
        bindings::query_value(alg)
    );
    let digest = if alg == ALG_RSA_SHA1 {
        openssl::hash::MessageDigest::sha1()
    } else {
        openssl::hash::MessageDigest::sha256()
    };
    let key = openssl::pkey::PKey::private_key_from_der(key_der).map_err(|e| e.to_string())?;
    let mut signer = openssl::sign::Signer::new(digest, &key).map_err(|e| e.to_string())?;
    let sig = signer
        .sign_oneshot_to_vec(query.as_bytes())
        .map_err(|e| e.to_string())?;
    query.push_str(&format!(
        "&Signature={}",
        bindings::query_value(&STANDARD.encode(sig))
    ));
    Ok(query)
}

/// How large the padded AuthnRequest inflates to: four times TF-IDP-015's 256 KiB.
pub const INFLATED_SIZE: usize = 1024 * 1024;

/// The request with an Extensions element of `size` bytes of one repeated letter: a few
/// KiB deflated, `size` inflated.
fn padded(xml: &str, size: usize) -> Result<String, String> {
    let end = "</saml:Issuer>";
    let at = xml.find(end).ok_or("the AuthnRequest has no Issuer")? + end.len();
    Ok(format!(
        r#"{}<samlp:Extensions><mnctf:Pad xmlns:mnctf="urn:mnctf:padding">{}</mnctf:Pad></samlp:Extensions>{}"#,
        &xml[..at],
        "A".repeat(size),
        &xml[at..]
    ))
}

/// Sends the browser with `sent` (a redirect, or a POSTed form) and says what the IdP
/// showed; stops before the suite's URLs (`stop`).
pub async fn start_sent(b: &Browser, sent: &Sent, stop: &str) -> Result<Started, String> {
    let Some(form) = &sent.form else {
        return start(b, &sent.url, stop).await;
    };
    let nav = b
        .post_form_until(&sent.url, form, stop)
        .await
        .map_err(|e| e.to_string())?;
    Ok(started(nav))
}

/// Goes to `url` and says what the IdP showed; stops before the suite's URLs (`stop`).
pub async fn start(b: &Browser, url: &str, stop: &str) -> Result<Started, String> {
    let nav = b.get_until(url, stop).await.map_err(|e| e.to_string())?;
    Ok(started(nav))
}

fn started(nav: Navigation) -> Started {
    match nav {
        Navigation::Stopped { url, form } => Started::Reached(reached(url.as_str(), form)),
        Navigation::Page(p) => match login_tx(&p.url) {
            Some(tx) => Started::LoginPage(AtLoginPage { tx, page: p }),
            None => Started::Page(p),
        },
    }
}

/// The SAML Response the browser was about to deliver to the suite at `url`.
fn reached(url: &str, form: Option<Vec<(String, String)>>) -> Reached {
    let field = |fields: &[(String, String)], n: &str| {
        fields.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone())
    };
    let (message, relay_state) = match &form {
        Some(fields) => (
            field(fields, "SAMLResponse").map(|v| bindings::decode_post(&v)),
            field(fields, "RelayState"),
        ),
        None => {
            let query = url.split_once('?').map(|(_, q)| q).unwrap_or_default();
            let m = bindings::decode_redirect(query);
            let relay = m.as_ref().ok().and_then(|m| m.relay_state.clone());
            (Some(m.map(|m| m.xml)), relay)
        }
    };
    let bare = url.split('?').next().unwrap_or(url).to_owned();
    match message {
        Some(Ok(xml)) => Reached::Response {
            url: bare,
            xml,
            relay_state,
        },
        Some(Err(e)) => Reached::Refused(format!(
            "the IdP sent the browser to {bare} with an unreadable message: {e}"
        )),
        None => Reached::Refused(format!(
            "the IdP sent the browser to {bare} without a SAML Response"
        )),
    }
}

/// The challenge of login `tx`.
pub async fn challenge(b: &Browser, idp: &Idp, tx: &str) -> Result<serde_json::Value, String> {
    let (status, c) = b
        .post_json(
            &format!("{}/card-login/challenge", idp.origin),
            None,
            serde_json::json!({ "tx": tx }),
        )
        .await
        .map_err(|e| e.to_string())?;
    if status != 200 || !c["challenge"].is_string() {
        return Err(format!(
            "no challenge (HTTP {status}): {}",
            c["error"].as_str().unwrap_or("no error given")
        ));
    }
    Ok(c)
}

/// The card's answer to `challenge_text` (certificate and signature, base64).
pub fn sign(
    card: &Card,
    idp: &Idp,
    challenge_text: &str,
    pin: &str,
) -> Result<serde_json::Value, String> {
    let (cert, sig) = card
        .sign(challenge_text, pin, &idp.origin, OffsetDateTime::now_utc())
        .map_err(|e| format!("the card did not sign: {e}"))?;
    Ok(
        serde_json::json!({ "certificate": STANDARD.encode(cert), "signature": STANDARD.encode(sig) }),
    )
}

/// Posts the card's answer and follows to where the IdP sends the browser.
pub async fn finish(
    b: &Browser,
    idp: &Idp,
    tx: &str,
    c: &serde_json::Value,
    answer: &serde_json::Value,
    stop: &str,
) -> Result<Reached, String> {
    match b
        .answer_until(&idp.origin, tx, c, answer, stop)
        .await
        .map_err(|e| e.to_string())?
    {
        Err(why) => Ok(Reached::Refused(format!("the answer was refused: {why}"))),
        Ok(Navigation::Stopped { url, form }) => Ok(reached(url.as_str(), form)),
        Ok(Navigation::Page(p)) => Ok(Reached::Refused(format!(
            "after the answer the IdP showed a page (HTTP {}): {}",
            p.status,
            page_text(&p.body)
        ))),
    }
}

/// Posts an answer the IdP must refuse, then follows the way back its refusal names
/// (`return`, TF-IDP-014) to where the IdP sends the browser.
pub async fn refusal_return(
    b: &Browser,
    idp: &Idp,
    tx: &str,
    c: &serde_json::Value,
    card: &serde_json::Value,
    stop: &str,
) -> Result<Reached, String> {
    let answer = serde_json::json!({ "tx": tx, "nonce": c["nonce"], "certificate": card["certificate"], "signature": card["signature"] });
    let (status, a) = b
        .post_json(&format!("{}/card-login/answer", idp.origin), None, answer)
        .await
        .map_err(|e| e.to_string())?;
    if status == 200 {
        return Err("the IdP accepted a revoked card's answer".into());
    }
    let Some(back) = a["return"].as_str() else {
        return Ok(Reached::Refused(format!(
            "the refusal (HTTP {status}: {}) names no way back to the SP (`return`)",
            a["error"].as_str().unwrap_or("no reason given")
        )));
    };
    let url = match url::Url::parse(&idp.origin).and_then(|o| o.join(back)) {
        Ok(u) if u.origin().ascii_serialization() == idp.origin => u,
        _ => {
            return Ok(Reached::Refused(format!(
                "the way back {back:?} is not at the IdP"
            )))
        }
    };
    match b
        .get_until(url.as_str(), stop)
        .await
        .map_err(|e| e.to_string())?
    {
        Navigation::Stopped { url, form } => Ok(reached(url.as_str(), form)),
        Navigation::Page(p) => Ok(Reached::Refused(format!(
            "the way back showed a page (HTTP {}): {}",
            p.status,
            page_text(&p.body)
        ))),
    }
}

/// A card login through the TLS binding from the login page: the card signs the TLS 1.2
/// handshake to `tls_url` (`?tx=`), then the browser follows.
pub async fn tls_login(
    b: &Browser,
    at: &AtLoginPage,
    tls_url: &str,
    config: std::sync::Arc<rustls::ClientConfig>,
    stop: &str,
) -> Result<Reached, String> {
    let url = format!("{tls_url}?tx={}", bindings::query_value(&at.tx));
    match b.get_tls_until(&url, config, stop).await {
        Ok(Navigation::Stopped { url, form }) => Ok(reached(url.as_str(), form)),
        Ok(Navigation::Page(p)) => Ok(Reached::Refused(format!(
            "after the TLS login the IdP showed a page (HTTP {}): {}",
            p.status,
            page_text(&p.body)
        ))),
        Err(e) => Ok(Reached::Refused(format!("the TLS login: {e}"))),
    }
}

/// A whole card login from the login page: challenge, card, answer.
pub async fn card_login(
    b: &Browser,
    idp: &Idp,
    at: &AtLoginPage,
    card: &Card,
    pin: &str,
    stop: &str,
) -> Result<Reached, String> {
    let c = match challenge(b, idp, &at.tx).await {
        Ok(c) => c,
        Err(why) => return Ok(Reached::Refused(why)),
    };
    let text = c["challenge"].as_str().unwrap_or_default().to_owned();
    let answer = match sign(card, idp, &text, pin) {
        Ok(a) => a,
        Err(why) => return Ok(Reached::Refused(why)),
    };
    finish(b, idp, &at.tx, &c, &answer, stop).await
}

/// A page that is neither the card binding's login page nor a message: an error page,
/// unless it holds a password form and the suite has credentials for it.
pub async fn password_or_refusal(
    b: &Browser,
    page: &user_agent::Page,
    credentials: Option<&super::config::Password>,
    stop: &str,
) -> Result<(Reached, bool), String> {
    let refused = || {
        Reached::Refused(format!(
            "the IdP answered with a page (HTTP {}): {}",
            page.status,
            page_text(&page.body)
        ))
    };
    let has_form = page.body.contains("name=\"password\"");
    let Some(c) = credentials.filter(|_| has_form) else {
        return Ok((refused(), false));
    };
    let set = [
        ("username", c.username.as_str()),
        ("password", c.password.as_str()),
    ];
    match b
        .submit_until(page, "password", &set, stop)
        .await
        .map_err(|e| e.to_string())?
    {
        Navigation::Stopped { url, form } => Ok((reached(url.as_str(), form), true)),
        Navigation::Page(p) => Ok((
            Reached::Refused(format!(
                "after the password the IdP showed a page (HTTP {}): {}",
                p.status,
                page_text(&p.body)
            )),
            true,
        )),
    }
}

/// The visible text of a page, shortened.
pub fn page_text(html: &str) -> String {
    // Not a page at all (compressed or binary bytes the server did not label): say so
    // rather than show the bytes.
    let odd = html
        .chars()
        .filter(|c| *c == char::REPLACEMENT_CHARACTER || (c.is_control() && !c.is_whitespace()))
        .count();
    if odd * 10 > html.chars().count().max(1) {
        return format!("no text: {} bytes of binary content", html.len());
    }
    // What a person reads: the body, without styles and scripts.
    let body = html.split_once("<body").map_or(html, |(_, b)| b);
    let mut out = String::new();
    let mut in_tag = false;
    let mut hidden: Option<&str> = None;
    for (i, ch) in body.char_indices() {
        if let Some(end) = hidden {
            if body[i..].starts_with(end) {
                hidden = None;
            }
            continue;
        }
        match ch {
            '<' => {
                in_tag = true;
                let rest = &body[i..];
                hidden = [("<style", "</style"), ("<script", "</script")]
                    .into_iter()
                    .find(|(open, _)| rest.starts_with(open))
                    .map(|(_, close)| close);
            }
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    let text = out.split_whitespace().collect::<Vec<_>>().join(" ");
    let text = user_agent::unescape(&text);
    match text.char_indices().nth(200) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text,
    }
}
