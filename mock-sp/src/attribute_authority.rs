//! A 士業 body's attribute authority (proxy model 2, TF-PROXY-002, -004): the body's site
//! where a professional registers their My Number Card's user-authentication certificate,
//! proving possession of both keys (the card signs the site's challenge; the 士業 key
//! signs the registration naming the card and the challenge), and a SAML Attribute
//! Authority that answers AttributeQuery over SOAP with a signed assertion of the
//! qualification, to requesters of the federation metadata only.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use rand::RngCore;
use relying_party::{Limits, Sources};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};
use trust_framework::binding::{Challenge, Nonce, NONCE_LEN};
use trust_framework::proxy;
use trust_framework::saml::attribute_query::{
    self, Signer, STATUS_REQUEST_DENIED, STATUS_UNKNOWN_PRINCIPAL,
};
use trust_framework::saml::constants::attr;
use trust_framework::saml::response::Attribute;
use trust_framework::x509::{
    qualification, PathPolicy, Qualification, TrustAnchors, ValidatedCertificate,
};
use trust_framework::EntityId;

use crate::registry::Registry;
use crate::sp::{lock, random_token};

/// A CA the authority checks certificates against, with its revocation sources.
#[derive(Clone, Debug)]
pub struct CheckedCa {
    /// Its anchors.
    pub anchors: TrustAnchors,
    /// Its OCSP responder.
    pub ocsp_url: String,
    /// Its CRL.
    pub crl_url: String,
}

/// The requesters of an aggregate an authority answers: the entities the operator
/// registered as platform or government system, with their SP signing certificates.
pub fn requesters_of(
    agg: &trust_framework::saml::aggregate::Aggregate,
) -> Vec<(String, Vec<Vec<u8>>)> {
    use trust_framework::saml::constants::category;
    agg.entities
        .iter()
        .filter(|e| e.has_category(category::PLATFORM) || e.has_category(category::GOVERNMENT))
        .filter_map(|e| {
            Some((
                e.entity_id.to_string(),
                e.sp.as_ref()?.signing_certs.clone(),
            ))
        })
        .collect()
}

/// What the authority is configured with.
pub struct AuthorityConfig {
    /// Its entityID.
    pub entity_id: EntityId,
    /// Its base URL.
    pub base_url: String,
    /// Its signing key (PKCS#8 DER) and certificate (DER).
    pub key_der: Vec<u8>,
    /// Its certificate.
    pub cert_der: Vec<u8>,
    /// The JPKI user-authentication CA (the cards).
    pub cards: CheckedCa,
    /// The body's own 士業 CA (the professionals).
    pub professionals: CheckedCa,
    /// Requesters of the federation metadata: entityID → signing certificates.
    pub requesters: Vec<(String, Vec<Vec<u8>>)>,
}

/// Faults to switch on while running: the authority down, or answering with a key that
/// is not its own (the requester must refuse such answers).
#[derive(Debug, Default)]
pub struct AuthorityFaults {
    /// Answer every SOAP call with HTTP 503.
    pub unavailable: AtomicBool,
    /// Sign answers with this key (PKCS#8 DER) and certificate instead of its own.
    wrong_signer: Mutex<Option<(Vec<u8>, Vec<u8>)>>,
    /// Planted defects (a `planted-defects` test build only).
    #[cfg(feature = "planted-defects")]
    pub defects: Mutex<Defects>,
}

/// Planted defects: each switch weakens the authority in one way, so that the IdP
/// conformance suite can be seen to catch exactly that weakness (verdicts.md §5).
#[cfg(feature = "planted-defects")]
#[derive(Clone, Copy, Debug, Default)]
pub struct Defects {
    /// A registration naming another card than the one that signed the challenge is taken
    /// (and the card named is registered).
    pub card_not_matched: bool,
    /// A query from an entity no metadata lists is verified with the certificate it
    /// carries, and answered.
    pub key_from_query: bool,
    /// The registered 士業 certificate is not checked again when answering.
    pub no_recheck: bool,
}

impl AttributeAuthority {
    /// The defects planted (none outside a `planted-defects` build).
    fn defects(&self) -> Defects {
        #[cfg(feature = "planted-defects")]
        {
            *lock(&self.faults.defects)
        }
        #[cfg(not(feature = "planted-defects"))]
        {
            Defects::default()
        }
    }
}

/// Without the feature: no defect can be switched on.
#[cfg(not(feature = "planted-defects"))]
#[derive(Clone, Copy, Debug, Default)]
struct Defects {
    card_not_matched: bool,
    key_from_query: bool,
    no_recheck: bool,
}

impl AuthorityFaults {
    /// Signs answers with `other` (key PKCS#8 DER, certificate DER), or its own key again.
    pub fn sign_with(&self, other: Option<(Vec<u8>, Vec<u8>)>) {
        *lock(&self.wrong_signer) = other;
    }
}

/// The authority.
pub struct AttributeAuthority {
    config: AuthorityConfig,
    http: reqwest::Client,
    challenges: Mutex<HashMap<String, OffsetDateTime>>,
    /// SHA-256 of the card certificate → the 士業 certificate registered with it.
    registrations: Registry,
    clock: Arc<dyn Fn() -> OffsetDateTime + Send + Sync>,
    /// Faults, for scenarios.
    pub faults: AuthorityFaults,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RegisterRequest {
    nonce: String,
    certificate: String,
    signature: String,
    registration: String,
}

/// Most registrations in progress (a flood cannot exhaust memory).
const MAX_CHALLENGES: usize = 10_000;

fn json_error(status: StatusCode, message: String) -> Response {
    (status, Json(serde_json::json!({ "error": message }))).into_response()
}

impl AttributeAuthority {
    /// A new authority with its registrations in memory.
    pub fn new(
        config: AuthorityConfig,
        clock: Arc<dyn Fn() -> OffsetDateTime + Send + Sync>,
    ) -> Result<Arc<Self>, String> {
        let registry = Registry::open(None).map_err(|e| e.to_string())?;
        Self::with_registry(config, registry, clock)
    }

    /// A new authority keeping its registrations in `registry` (a file: what it
    /// acknowledged outlasts a crash).
    pub fn with_registry(
        config: AuthorityConfig,
        registry: Registry,
        clock: Arc<dyn Fn() -> OffsetDateTime + Send + Sync>,
    ) -> Result<Arc<Self>, String> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(std::time::Duration::from_secs(3))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Arc::new(Self {
            config,
            http,
            challenges: Mutex::default(),
            registrations: registry,
            clock,
            faults: AuthorityFaults::default(),
        }))
    }

    /// Its SOAP endpoint.
    pub fn soap_url(&self) -> String {
        format!("{}/soap", self.config.base_url)
    }

    /// Its metadata: an AttributeAuthorityDescriptor with the SOAP AttributeService.
    pub fn metadata(&self) -> String {
        trust_framework::saml::metadata::attribute_authority_metadata(
            self.config.entity_id.as_str(),
            &self.soap_url(),
            &self.config.cert_der,
        )
    }

    /// The routes: `/metadata`, `/register/challenge`, `/register`, `/soap`.
    pub fn router(self: &Arc<Self>) -> Router {
        Router::new()
            .route("/metadata", axum::routing::get(metadata))
            .route("/register/challenge", post(challenge))
            .route("/register", post(register))
            .route("/soap", post(soap))
            .with_state(Arc::clone(self))
    }

    fn now(&self) -> OffsetDateTime {
        let now = (self.clock)();
        now.replace_nanosecond(0).unwrap_or(now)
    }

    fn limits(&self) -> Limits {
        Limits {
            now: self.now(),
            skew: Duration::minutes(2),
            fetch: std::time::Duration::from_secs(3),
        }
    }

    /// A certificate validated to `ca` and not revoked now.
    async fn checked(
        &self,
        ca: &CheckedCa,
        der: &[u8],
        policy: &PathPolicy,
        what: &str,
    ) -> Result<ValidatedCertificate, String> {
        let cert = ca
            .anchors
            .validate(der, self.now(), policy)
            .map_err(|e| format!("the {what} is refused: {e}"))?;
        let sources = Sources {
            label: &cert.anchor.label,
            ocsp_url: &ca.ocsp_url,
            crl_url: &ca.crl_url,
        };
        relying_party::check(&self.http, sources, &cert, self.limits())
            .await
            .map_err(|e| format!("the {what} is {e}"))?;
        Ok(cert)
    }

    /// TF-PROXY-004: both keys proven, the card the one named, the 士業 certificate good.
    async fn register(&self, r: &RegisterRequest) -> Result<Qualification, String> {
        // The challenge is used once, whatever happens next.
        let expires = lock(&self.challenges)
            .remove(&r.nonce)
            .ok_or("unknown or already used challenge")?;
        if expires < self.now() {
            return Err("the challenge has expired".into());
        }
        let decode = |v: &str, what: &str| {
            STANDARD
                .decode(v)
                .map_err(|_| format!("the {what} is not base64"))
        };
        let card_der = decode(&r.certificate, "card certificate")?;
        let card_policy = PathPolicy {
            required_policy: "1.2.392.200149.8.5.1.3.30".parse().ok(),
            required_eku: Some(trust_framework::x509::ID_KP_CLIENT_AUTH),
        };
        let card = self
            .checked(
                &self.config.cards,
                &card_der,
                &card_policy,
                "card certificate",
            )
            .await?;
        let challenge = self.challenge_for(&r.nonce, expires)?;
        challenge
            .verify_signature(&card.key, &decode(&r.signature, "card signature")?)
            .map_err(|e| format!("TF-PROXY-004: {e}"))?;
        let xml = String::from_utf8(decode(&r.registration, "registration")?)
            .map_err(|_| "the registration is not UTF-8".to_owned())?;
        let signer = proxy::signer_certificate(&xml).map_err(|e| e.to_string())?;
        let shigyo = self
            .checked(
                &self.config.professionals,
                &signer,
                &PathPolicy::default(),
                "signing certificate (not from this body's 士業 CA?)",
            )
            .await?;
        let doc = proxy::verify(
            &xml,
            &shigyo.der,
            self.config.entity_id.as_str(),
            self.now(),
        )
        .map_err(|e| format!("TF-PROXY-004: {e}"))?;
        if doc.nonce.as_deref() != Some(r.nonce.as_str()) {
            return Err("TF-PROXY-004: the registration is not for this challenge".into());
        }
        // The planted defect registers the card the document names, whichever card
        // signed the challenge.
        if doc.card_certificate != card_der && !self.defects().card_not_matched {
            return Err("TF-PROXY-004: the registration names another card than the one that signed the challenge".into());
        }
        let q = qualification(&shigyo).map_err(|e| e.to_string())?;
        // Committed before the answer: an acknowledged registration outlasts a crash.
        self.registrations
            .register(&Sha256::digest(&doc.card_certificate).into(), &shigyo.der)
            .map_err(|e| e.to_string())?;
        Ok(q)
    }

    /// The challenge text for `nonce` (issued by [`challenge`]).
    fn challenge_for(&self, nonce: &str, expires: OffsetDateTime) -> Result<Challenge, String> {
        Ok(Challenge {
            idp: self.config.entity_id.clone(),
            endpoint: format!("{}/register", self.config.base_url),
            nonce: Nonce::parse(nonce).map_err(|e| e.to_string())?,
            issued: expires - Duration::seconds(120),
            expires,
        })
    }

    /// Answers one AttributeQuery (the SOAP body's element); always a signed Response.
    async fn answer(&self, query_xml: &str) -> Result<String, String> {
        let now = self.now();
        let (key, cert) = match lock(&self.faults.wrong_signer).clone() {
            Some(other) => other,
            None => (self.config.key_der.clone(), self.config.cert_der.clone()),
        };
        let me = self.config.entity_id.as_str();
        let rid = format!("_{}", random_token());
        let error = |qid: &str, sub: &str, message: &str| {
            attribute_query::build_error(
                qid,
                me,
                &rid,
                now,
                sub,
                message,
                Signer {
                    key_der: &key,
                    cert_der: &cert,
                },
            )
            .map_err(|e| e.to_string())
        };
        let claimed = attribute_query::claimed_issuer(query_xml).map_err(|e| e.to_string())?;
        let qid = trust_framework::saml::xml::parse(query_xml)
            .ok()
            .and_then(|d| d.root_element().attribute("ID").map(str::to_owned))
            .unwrap_or_default();
        // TF-PROXY-002: only requesters of the federation metadata are answered.
        let carried;
        let certs = match self.config.requesters.iter().find(|(e, _)| *e == claimed) {
            Some((_, certs)) => certs,
            None if self.defects().key_from_query => {
                carried = vec![embedded_certificate(query_xml).unwrap_or_default()];
                &carried
            }
            None => {
                return error(
                    &qid,
                    STATUS_REQUEST_DENIED,
                    &format!("{claimed} is not a requester of the federation metadata"),
                )
            }
        };
        let q = match attribute_query::verify_query(query_xml, certs, &self.soap_url(), now) {
            Ok(q) => q,
            Err(e) => return error(&qid, STATUS_REQUEST_DENIED, &e.to_string()),
        };
        let digest: [u8; 32] = Sha256::digest(&q.subject.card_certificate).into();
        let registered = self
            .registrations
            .shigyo_of(&digest)
            .map_err(|e| e.to_string())?;
        let Some(shigyo) = registered else {
            return error(
                &q.id,
                STATUS_UNKNOWN_PRINCIPAL,
                "no qualification is registered for this card",
            );
        };
        // The qualification as of now: a revoked 士業 certificate is withdrawn.
        let checked = if self.defects().no_recheck {
            self.config
                .professionals
                .anchors
                .validate(&shigyo, self.now(), &PathPolicy::default())
                .map_err(|e| e.to_string())
        } else {
            self.checked(
                &self.config.professionals,
                &shigyo,
                &PathPolicy::default(),
                "士業 certificate",
            )
            .await
        };
        let checked = match checked {
            Ok(c) => c,
            Err(e) => return error(&q.id, STATUS_REQUEST_DENIED, &e),
        };
        let qual = qualification(&checked).map_err(|e| e.to_string())?;
        let attributes = [
            (attr::PROFESSION, qual.profession),
            (attr::REGISTRATION_NUMBER, qual.registration_number),
            (attr::ISSUING_BODY, qual.body),
        ]
        .map(|(name, value)| Attribute {
            name: name.to_owned(),
            values: vec![value],
        });
        let aid = format!("_{}", random_token());
        attribute_query::build_answer(
            &q,
            me,
            (&rid, &aid),
            now,
            &attributes,
            Signer {
                key_der: &key,
                cert_der: &cert,
            },
        )
        .map_err(|e| e.to_string())
    }
}

/// The certificate in a message's signature KeyInfo (only the planted defect uses it).
fn embedded_certificate(xml: &str) -> Option<Vec<u8>> {
    let start = xml.find("<ds:X509Certificate>")? + "<ds:X509Certificate>".len();
    let end = start + xml[start..].find("</ds:X509Certificate>")?;
    let b64: String = xml[start..end].split_whitespace().collect();
    STANDARD.decode(b64).ok()
}

async fn metadata(State(aa): State<Arc<AttributeAuthority>>) -> Response {
    (
        [(header::CONTENT_TYPE, "application/samlmetadata+xml")],
        aa.metadata(),
    )
        .into_response()
}

async fn challenge(State(aa): State<Arc<AttributeAuthority>>) -> Response {
    let mut bytes = [0u8; NONCE_LEN];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let nonce = Nonce::from_bytes(bytes).encode();
    let expires = aa.now() + Duration::seconds(120);
    {
        let mut c = lock(&aa.challenges);
        let now = aa.now();
        c.retain(|_, e| *e > now);
        if c.len() >= MAX_CHALLENGES {
            return json_error(StatusCode::SERVICE_UNAVAILABLE, "busy".into());
        }
        c.insert(nonce.clone(), expires);
    }
    match aa.challenge_for(&nonce, expires) {
        Ok(ch) => Json(serde_json::json!({ "challenge": ch.to_be_signed(), "nonce": nonce, "audience": aa.config.entity_id.as_str() })).into_response(),
        Err(e) => json_error(StatusCode::INTERNAL_SERVER_ERROR, e),
    }
}

async fn register(
    State(aa): State<Arc<AttributeAuthority>>,
    Json(r): Json<RegisterRequest>,
) -> Response {
    match aa.register(&r).await {
        Ok(q) => Json(serde_json::json!({ "registered": q.profession, "registration_number": q.registration_number, "body": q.body })).into_response(),
        Err(e) => json_error(StatusCode::FORBIDDEN, e),
    }
}

/// Largest SOAP request read.
const MAX_SOAP: usize = 128 * 1024;

async fn soap(State(aa): State<Arc<AttributeAuthority>>, body: axum::body::Bytes) -> Response {
    if aa.faults.unavailable.load(Ordering::SeqCst) {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "the attribute authority is down",
        )
            .into_response();
    }
    if body.len() > MAX_SOAP {
        return (StatusCode::PAYLOAD_TOO_LARGE, "SOAP request over 128 KiB").into_response();
    }
    let text = String::from_utf8_lossy(&body);
    let answer = match attribute_query::soap_unwrap(&text) {
        Ok(q) => aa.answer(q).await,
        Err(e) => Err(e.to_string()),
    };
    match answer {
        Ok(xml) => ([(header::CONTENT_TYPE, "text/xml; charset=utf-8")], attribute_query::soap_wrap(&xml)).into_response(),
        // SAML Bindings §3.2.3.3: what cannot be answered in SAML is a SOAP fault.
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            [(header::CONTENT_TYPE, "text/xml; charset=utf-8")],
            format!(
                r#"<soap11:Envelope xmlns:soap11="{}"><soap11:Body><soap11:Fault><faultcode>soap11:Client</faultcode><faultstring>{}</faultstring></soap11:Fault></soap11:Body></soap11:Envelope>"#,
                attribute_query::NS_SOAP11,
                trust_framework::saml::xml::escape(&e)
            ),
        )
            .into_response(),
    }
}
