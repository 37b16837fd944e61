//! Logout tests: after a valid login, the suite (as the IdP) sends the SP a front-channel
//! LogoutRequest (HTTP-Redirect binding, SAML Profiles §4.4) and asks the protected page
//! again. A correct SP ends the session only for a request it can trust (TF-SP-010): the
//! platform's signature over the query (RSA-SHA256, TF-SP-007), its own endpoint as
//! Destination, a fresh IssueInstant and the session's own NameID. Judged by whether the
//! session survived, never by the status of the LogoutResponse.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use rsa::pkcs1v15::SigningKey;
use rsa::pkcs8::DecodePrivateKey;
use rsa::signature::{SignatureEncoding, Signer};
use rsa::RsaPrivateKey;
use time::{Duration, OffsetDateTime};
use trust_framework::saml::bindings::{deflate_base64, query_value as encode};
use trust_framework::saml::constants::{ALG_RSA_SHA256, NS_ASSERTION, NS_PROTOCOL};
use trust_framework::saml::xml::{escape, instant};

use crate::message::{Key, NAMEID_PERSISTENT};
use crate::CraftError;

/// How a logout test is judged, from whether the session survived the request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogoutJudge {
    /// A request the SP must act on: the session must end.
    MustEnd,
    /// A request the SP must not act on: the session must survive.
    MustKeep,
    /// The profile discourages acting on it: an ended session is WARNING.
    ShouldKeep,
}

/// What a logout test makes its request from.
pub struct LogoutCtx<'a> {
    /// The suite IdP's key (the one the SP trusts).
    pub idp: &'a Key,
    /// A key the SP does not trust.
    pub attacker: &'a Key,
    /// The suite IdP's entityID.
    pub issuer: String,
    /// The SP's HTTP-Redirect SingleLogoutService.
    pub slo_url: String,
    /// The NameID of the session the login opened.
    pub name_id: String,
    /// Its SessionIndex.
    pub session_index: String,
    /// Now.
    pub now: OffsetDateTime,
}

/// The parts of a LogoutRequest a test varies.
#[derive(Clone, Debug)]
pub struct LogoutKnobs {
    /// ID.
    pub id: String,
    /// Issuer.
    pub issuer: String,
    /// Destination.
    pub destination: Option<String>,
    /// IssueInstant.
    pub issued: OffsetDateTime,
    /// NotOnOrAfter.
    pub not_on_or_after: Option<OffsetDateTime>,
    /// The NameID.
    pub name_id: String,
    /// SessionIndex.
    pub session_index: Option<String>,
}

impl LogoutCtx<'_> {
    /// The knobs of the request a correct SP acts on.
    pub fn knobs(&self) -> LogoutKnobs {
        LogoutKnobs {
            id: crate::message::new_id(),
            issuer: self.issuer.clone(),
            destination: Some(self.slo_url.clone()),
            issued: self.now,
            not_on_or_after: Some(self.now + Duration::minutes(5)),
            name_id: self.name_id.clone(),
            session_index: Some(self.session_index.clone()),
        }
    }

    /// The URL that delivers `query` to the SP.
    pub fn url(&self, query: &str) -> String {
        let sep = if self.slo_url.contains('?') { '&' } else { '?' };
        format!("{}{sep}{query}", self.slo_url)
    }
}

/// The LogoutRequest XML.
pub fn request_xml(k: &LogoutKnobs) -> String {
    let opt = |name: &str, v: Option<String>| {
        v.map(|v| format!(r#" {name}="{}""#, escape(&v)))
            .unwrap_or_default()
    };
    let index = k
        .session_index
        .as_ref()
        .map(|i| format!("<samlp:SessionIndex>{}</samlp:SessionIndex>", escape(i)))
        .unwrap_or_default();
    format!(
        r#"<samlp:LogoutRequest xmlns:samlp="{NS_PROTOCOL}" xmlns:saml="{NS_ASSERTION}" ID="{}" Version="2.0" IssueInstant="{}"{}{}><saml:Issuer>{}</saml:Issuer><saml:NameID Format="{NAMEID_PERSISTENT}">{}</saml:NameID>{index}</samlp:LogoutRequest>"#,
        escape(&k.id),
        instant(k.issued),
        opt("Destination", k.destination.clone()),
        opt("NotOnOrAfter", k.not_on_or_after.map(instant)),
        escape(&k.issuer),
        escape(&k.name_id),
    )
}

/// A query signature algorithm.
#[derive(Clone, Copy, Debug)]
pub enum SigAlg {
    /// RSA-SHA256 (the profile's).
    RsaSha256,
    /// RSA-SHA1 (refused by the profile, TF-SP-007).
    RsaSha1,
}

impl SigAlg {
    fn uri(self) -> &'static str {
        match self {
            Self::RsaSha256 => ALG_RSA_SHA256,
            Self::RsaSha1 => "http://www.w3.org/2000/09/xmldsig#rsa-sha1",
        }
    }
}

fn private_key(key: &Key) -> Result<RsaPrivateKey, CraftError> {
    RsaPrivateKey::from_pkcs8_der(&key.key_der).map_err(|e| CraftError(format!("key: {e}")))
}

/// The `SAMLRequest=` part of an HTTP-Redirect query (DEFLATE, base64, URL-encoded).
fn saml_request(xml: &str) -> Result<String, CraftError> {
    let value = deflate_base64(xml).map_err(|e| CraftError(format!("deflate: {e}")))?;
    Ok(format!("SAMLRequest={}", encode(&value)))
}

/// The HTTP-Redirect query for `xml`, signed over its octets (SAML Bindings §3.4.4.1)
/// with `signer` when given.
pub fn redirect(xml: &str, signer: Option<(&Key, SigAlg)>) -> Result<String, CraftError> {
    let mut query = saml_request(xml)?;
    if let Some((key, alg)) = signer {
        query = sign_query(query, key, alg)?;
    }
    Ok(query)
}

fn sign_query(mut query: String, key: &Key, alg: SigAlg) -> Result<String, CraftError> {
    query.push_str(&format!("&SigAlg={}", encode(alg.uri())));
    let key = private_key(key)?;
    let sig = match alg {
        SigAlg::RsaSha256 => SigningKey::<sha2::Sha256>::new(key)
            .sign(query.as_bytes())
            .to_vec(),
        SigAlg::RsaSha1 => SigningKey::<sha1::Sha1>::new(key)
            .sign(query.as_bytes())
            .to_vec(),
    };
    query.push_str(&format!("&Signature={}", encode(&STANDARD.encode(sig))));
    Ok(query)
}

/// A logout test.
pub struct LogoutTest {
    /// Its id.
    pub id: &'static str,
    /// What it sends, in a line.
    pub title: &'static str,
    /// The same in Japanese.
    pub title_ja: &'static str,
    /// The profile requirements it checks.
    pub requirements: &'static [&'static str],
    /// How it is judged.
    pub judge: LogoutJudge,
    /// Makes the query string that carries its request.
    pub craft: fn(&LogoutCtx<'_>) -> Result<String, CraftError>,
}

fn signed(c: &LogoutCtx<'_>, f: impl FnOnce(&mut LogoutKnobs)) -> Result<String, CraftError> {
    let mut k = c.knobs();
    f(&mut k);
    redirect(&request_xml(&k), Some((c.idp, SigAlg::RsaSha256)))
}

fn valid(c: &LogoutCtx<'_>) -> Result<String, CraftError> {
    signed(c, |_| {})
}

fn unsigned(c: &LogoutCtx<'_>) -> Result<String, CraftError> {
    redirect(&request_xml(&c.knobs()), None)
}

fn attacker_key(c: &LogoutCtx<'_>) -> Result<String, CraftError> {
    redirect(
        &request_xml(&c.knobs()),
        Some((c.attacker, SigAlg::RsaSha256)),
    )
}

/// A valid signature over one request, sent with another request in its place.
fn tampered(c: &LogoutCtx<'_>) -> Result<String, CraftError> {
    let good = signed(c, |_| {})?;
    let sig = good
        .find("&SigAlg=")
        .ok_or_else(|| CraftError("no SigAlg in the signed query".into()))?;
    let mut other = c.knobs();
    other.session_index = None;
    Ok(format!(
        "{}{}",
        saml_request(&request_xml(&other))?,
        &good[sig..]
    ))
}

fn sha1(c: &LogoutCtx<'_>) -> Result<String, CraftError> {
    redirect(&request_xml(&c.knobs()), Some((c.idp, SigAlg::RsaSha1)))
}

fn destination_wrong(c: &LogoutCtx<'_>) -> Result<String, CraftError> {
    signed(c, |k| {
        k.destination = Some("http://127.0.0.1:9/another-sp/slo".into());
    })
}

fn issuer_wrong(c: &LogoutCtx<'_>) -> Result<String, CraftError> {
    signed(c, |k| k.issuer = "http://127.0.0.1:9/another-idp".into())
}

fn expired(c: &LogoutCtx<'_>) -> Result<String, CraftError> {
    signed(c, |k| {
        k.issued = c.now - Duration::hours(2);
        k.not_on_or_after = Some(c.now - Duration::hours(1));
    })
}

fn other_name_id(c: &LogoutCtx<'_>) -> Result<String, CraftError> {
    signed(c, |k| {
        k.name_id = format!("{}-someone-else", c.name_id);
        k.session_index = None;
    })
}

/// Every logout test, in report order (the valid one first: if it does not end the
/// session, the others teach nothing and are skipped).
pub static LOGOUT_TESTS: &[LogoutTest] = &[
    LogoutTest {
        id: "logout-valid",
        title: "A signed LogoutRequest for the session ends it",
        title_ja: "セッションに対する署名済み LogoutRequest でセッションが終了",
        requirements: &["TF-SP-010"],
        judge: LogoutJudge::MustEnd,
        craft: valid,
    },
    LogoutTest {
        id: "logout-unsigned",
        title: "An unsigned LogoutRequest (anyone could send it)",
        title_ja: "署名のない LogoutRequest（誰でも送れる）",
        requirements: &["TF-SP-010"],
        judge: LogoutJudge::MustKeep,
        craft: unsigned,
    },
    LogoutTest {
        id: "logout-attacker-key",
        title: "A LogoutRequest signed with a key the SP does not trust",
        title_ja: "SP が信頼しない鍵で署名した LogoutRequest",
        requirements: &["TF-SP-010"],
        judge: LogoutJudge::MustKeep,
        craft: attacker_key,
    },
    LogoutTest {
        id: "logout-signature-for-another-request",
        title: "A valid query signature sent with a different LogoutRequest",
        title_ja: "有効なクエリ署名を別の LogoutRequest と共に送信",
        requirements: &["TF-SP-010"],
        judge: LogoutJudge::MustKeep,
        craft: tampered,
    },
    LogoutTest {
        id: "logout-rsa-sha1",
        title: "A LogoutRequest signed with RSA-SHA1",
        title_ja: "RSA-SHA1 で署名した LogoutRequest",
        requirements: &["TF-SP-010", "TF-SP-007"],
        judge: LogoutJudge::MustKeep,
        craft: sha1,
    },
    LogoutTest {
        id: "logout-destination-wrong",
        title: "A signed LogoutRequest whose Destination is another SP",
        title_ja: "Destination が別の SP の署名済み LogoutRequest",
        requirements: &["TF-SP-010"],
        judge: LogoutJudge::MustKeep,
        craft: destination_wrong,
    },
    LogoutTest {
        id: "logout-issuer-wrong",
        title: "A LogoutRequest signed with the IdP's key but issued by another entity",
        title_ja: "IdP の鍵で署名されているが別のエンティティが発行した LogoutRequest",
        requirements: &["TF-SP-010"],
        judge: LogoutJudge::MustKeep,
        craft: issuer_wrong,
    },
    LogoutTest {
        id: "logout-expired",
        title: "A signed LogoutRequest issued two hours ago, expired an hour ago",
        title_ja: "2 時間前に発行され 1 時間前に期限切れの署名済み LogoutRequest",
        requirements: &["TF-SP-010"],
        judge: LogoutJudge::ShouldKeep,
        craft: expired,
    },
    LogoutTest {
        id: "logout-other-name-id",
        title: "A signed LogoutRequest for another user's NameID",
        title_ja: "別の利用者の NameID に対する署名済み LogoutRequest",
        requirements: &["TF-SP-010"],
        judge: LogoutJudge::ShouldKeep,
        craft: other_name_id,
    },
];
