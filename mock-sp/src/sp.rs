//! A SAML SP: SP-initiated login (signed AuthnRequest over HTTP-Redirect), an HTTP-POST
//! ACS that verifies the Response (TF-SP-001..005, replay refused), a protected page, and
//! Single Logout both ways.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use axum::extract::{Form, Query, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use base64::Engine as _;
use rand::RngCore;
use rsa::RsaPrivateKey;
use serde::Deserialize;
use time::{Duration, OffsetDateTime};
use trust_framework::saml::aggregate::{self, Aggregate};
use trust_framework::saml::authn_request::{self, NewAuthnRequest};
use trust_framework::saml::bindings::{self, Kind};
use trust_framework::saml::constants::category;
use trust_framework::saml::constants::{
    status, BINDING_POST, BINDING_REDIRECT, NS_DSIG, NS_MDUI, NS_METADATA,
};
use trust_framework::saml::logout::{self, LogoutRequest, LogoutResponse};
use trust_framework::saml::metadata::IdpMetadata;
use trust_framework::saml::sp::{verify_response, Expectations, VerifiedAssertion};
use trust_framework::saml::xml::escape;

/// What an SP is configured with.
#[derive(Clone)]
pub struct SpConfig {
    /// A short name (cookie names, page titles).
    pub name: String,
    /// entityID.
    pub entity_id: String,
    /// Base URL (`http://127.0.0.1:PORT`).
    pub base_url: String,
    /// The IdP's entityID.
    pub idp_entity_id: String,
    /// The IdP's SSO URL (HTTP-Redirect).
    pub idp_sso_url: String,
    /// The IdP's SLO URL (HTTP-Redirect).
    pub idp_slo_url: String,
    /// The IdP's signing certificates (DER), from its metadata.
    pub idp_certs: Vec<Vec<u8>>,
    /// The SP's signing key.
    pub key: RsaPrivateKey,
    /// Its certificate (DER).
    pub cert_der: Vec<u8>,
    /// The AuthnContext class the service requires (TF-SP-005).
    pub required_class: Option<String>,
    /// Attributes it may ask for with `/login?attrs=1` (its AttributeConsumingService 1),
    /// e.g. a professional's qualification for proxy applications.
    pub requested_attributes: Vec<String>,
    /// The name people see for the service (the platform's login page shows it), from
    /// the metadata's mdui:DisplayName.
    pub display_name: Option<DisplayName>,
    /// Checks switched off, to show that the conformance suite catches them (planted
    /// ground truth). Never set outside tests of the suite.
    pub danger: SpDanger,
}

/// Checks an SP can be told to skip (see [`SpConfig::danger`]).
#[derive(Clone, Copy, Debug, Default)]
pub struct SpDanger {
    /// Accept the same assertion again (no replay cache, TF-SP-004).
    pub danger_no_replay_cache: bool,
    /// Act on logout messages without verifying their signature (TF-SP-010).
    pub danger_unsigned_logout: bool,
}

impl SpConfig {
    /// Takes the IdP's entityID, endpoints and keys from its metadata (for an SP of the
    /// federation: from the verified aggregate, TF-MD-003).
    pub fn trust_idp(&mut self, idp: &IdpMetadata) -> Result<(), TrustError> {
        let missing = |what: &str| TrustError(format!("{} has no {what}", idp.entity_id));
        self.idp_sso_url = idp
            .sso_location(BINDING_REDIRECT)
            .ok_or_else(|| missing("HTTP-Redirect SSO endpoint"))?
            .to_owned();
        self.idp_slo_url = idp
            .slo_location(BINDING_REDIRECT)
            .ok_or_else(|| missing("HTTP-Redirect SLO endpoint"))?
            .to_owned();
        if idp.signing_certs.is_empty() {
            return Err(missing("signing certificate"));
        }
        self.idp_certs = idp.signing_certs.clone();
        self.idp_entity_id = idp.entity_id.to_string();
        Ok(())
    }
}

/// A service's name as people read it, in Japanese and English (mdui:DisplayName).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DisplayName {
    /// 日本語の名前.
    pub ja: String,
    /// The English name.
    pub en: String,
}

impl DisplayName {
    /// From the two names.
    pub fn new(ja: &str, en: &str) -> Self {
        Self {
            ja: ja.to_owned(),
            en: en.to_owned(),
        }
    }

    /// The SPSSODescriptor's Extensions carrying the names (mdui:UIInfo).
    fn extensions(&self) -> String {
        format!(
            r#"<md:Extensions><mdui:UIInfo xmlns:mdui="{NS_MDUI}"><mdui:DisplayName xml:lang="ja">{}</mdui:DisplayName><mdui:DisplayName xml:lang="en">{}</mdui:DisplayName></mdui:UIInfo></md:Extensions>"#,
            escape(&self.ja),
            escape(&self.en)
        )
    }
}

/// The metadata of an SP of this crate at `base_url`: signed AuthnRequests, an HTTP-POST
/// ACS at `/acs`, an HTTP-Redirect SLO at `/slo`, and AttributeConsumingService 1 with
/// `requested` attributes if any; its `display` name for people.
pub fn metadata(
    entity_id: &str,
    base_url: &str,
    cert_der: &[u8],
    requested: &[String],
    display: Option<&DisplayName>,
) -> String {
    let extensions = display.map(DisplayName::extensions).unwrap_or_default();
    let cert = base64::engine::general_purpose::STANDARD.encode(cert_der);
    let base = base_url.trim_end_matches('/');
    let service = if requested.is_empty() {
        String::new()
    } else {
        let attrs: String = requested
            .iter()
            .map(|a| format!(r#"<md:RequestedAttribute Name="{}" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri" isRequired="true"/>"#, escape(a)))
            .collect();
        format!(
            r#"<md:AttributeConsumingService index="1"><md:ServiceName xml:lang="en">proxy applications</md:ServiceName>{attrs}</md:AttributeConsumingService>"#
        )
    };
    format!(
        r#"<md:EntityDescriptor xmlns:md="{NS_METADATA}" xmlns:ds="{NS_DSIG}" entityID="{}"><md:SPSSODescriptor AuthnRequestsSigned="true" WantAssertionsSigned="true" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">{extensions}<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{cert}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor><md:SingleLogoutService Binding="{BINDING_REDIRECT}" Location="{}"/><md:AssertionConsumerService Binding="{BINDING_POST}" Location="{}" index="0" isDefault="true"/>{service}</md:SPSSODescriptor></md:EntityDescriptor>"#,
        escape(entity_id),
        escape(&format!("{base}/slo")),
        escape(&format!("{base}/acs")),
    )
}

/// The platform an SP of the federation trusts: the one entity the verified aggregate
/// registers as the platform, with an IdP role (TF-MD-001..003).
pub fn platform_from_aggregate(
    text: &str,
    operator_certs: &[Vec<u8>],
    now: OffsetDateTime,
) -> Result<(Aggregate, IdpMetadata), TrustError> {
    let agg = aggregate::load(text, operator_certs, now)
        .map_err(|e| TrustError(format!("metadata aggregate refused: {e}")))?;
    let platforms: Vec<IdpMetadata> = agg
        .with_category(category::PLATFORM)
        .filter_map(|e| e.idp.clone())
        .collect();
    match <[IdpMetadata; 1]>::try_from(platforms) {
        Ok([platform]) => Ok((agg, platform)),
        Err(all) if all.is_empty() => {
            Err(TrustError("the aggregate registers no platform IdP".into()))
        }
        Err(_) => Err(TrustError(
            "the aggregate registers more than one platform IdP".into(),
        )),
    }
}

/// Why an SP cannot take its trust from the metadata it was given.
#[derive(Debug, thiserror::Error)]
#[error("SP trust: {0}")]
pub struct TrustError(pub String);

/// A logged-in user.
#[derive(Clone, Debug)]
pub struct SpSession {
    /// The verified assertion.
    pub assertion: VerifiedAssertion,
}

/// The SP's state.
pub struct ServiceProvider {
    config: SpConfig,
    pending: Mutex<HashMap<String, PendingLogin>>,
    sessions: Mutex<HashMap<String, SpSession>>,
    seen: Mutex<HashMap<String, OffsetDateTime>>,
    clock: Arc<dyn Fn() -> OffsetDateTime + Send + Sync>,
}

/// Most logins in progress an SP keeps.
const MAX_PENDING: usize = 10_000;

/// Whether another login may start: expired ones are dropped when the map is full.
fn room_for_one_more(pending: &mut HashMap<String, PendingLogin>, now: OffsetDateTime) -> bool {
    if pending.len() >= MAX_PENDING {
        pending.retain(|_, p| p.expires > now);
    }
    pending.len() < MAX_PENDING
}

/// A login this SP started: the request ID, where to go after, and until when.
struct PendingLogin {
    request_id: String,
    next: String,
    expires: OffsetDateTime,
}

/// Login options from the query (`/login?force=1&next=/path`).
#[derive(Deserialize, Default)]
struct LoginQuery {
    /// ForceAuthn.
    force: Option<String>,
    /// A path on this SP to go to after the login (never another site: TF-SP-006).
    next: Option<String>,
    /// Ask for the SP's requested attributes (AttributeConsumingService 1).
    attrs: Option<String>,
}

/// Whether `next` is a path on this site: `/…`, not `//host` or `/\host`.
fn local_path(next: &str) -> bool {
    next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && !next.chars().any(|c| c.is_control())
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

pub(crate) fn random_token() -> String {
    let mut b = [0u8; 24];
    rand::rngs::OsRng.fill_bytes(&mut b);
    hex::encode(b)
}

impl ServiceProvider {
    /// A new SP with an empty state.
    pub fn new(
        config: SpConfig,
        clock: Arc<dyn Fn() -> OffsetDateTime + Send + Sync>,
    ) -> Arc<Self> {
        Arc::new(Self {
            config,
            pending: Mutex::default(),
            sessions: Mutex::default(),
            seen: Mutex::default(),
            clock,
        })
    }

    /// Its signing key as PKCS#8 DER (for the signed messages it sends besides SAML).
    pub fn key_der(&self) -> Result<Vec<u8>, String> {
        use rsa::pkcs8::EncodePrivateKey;
        Ok(self
            .config
            .key
            .to_pkcs8_der()
            .map_err(|e| format!("the SP key does not encode: {e}"))?
            .as_bytes()
            .to_vec())
    }

    /// Now, by the SP's clock.
    pub fn now(&self) -> OffsetDateTime {
        (self.clock)()
    }

    /// The configuration.
    pub fn config(&self) -> &SpConfig {
        &self.config
    }

    /// A URL on this SP.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.config.base_url.trim_end_matches('/'))
    }

    fn cookie_name(&self) -> String {
        format!(
            "mnctf_sp_{}",
            self.config
                .name
                .replace(|c: char| !c.is_ascii_alphanumeric(), "_")
        )
    }

    /// The SP's metadata: signed AuthnRequests, POST ACS, Redirect SLO.
    pub fn metadata(&self) -> String {
        metadata(
            &self.config.entity_id,
            &self.config.base_url,
            &self.config.cert_der,
            &self.config.requested_attributes,
            self.config.display_name.as_ref(),
        )
    }

    /// The service's name for people, Japanese and English (its config name without one).
    pub fn display_names(&self) -> (&str, &str) {
        match &self.config.display_name {
            Some(d) => (d.ja.as_str(), d.en.as_str()),
            None => (self.config.name.as_str(), self.config.name.as_str()),
        }
    }

    /// The session of the browser that sent `headers`: its cookie value and the session.
    pub fn session(&self, headers: &HeaderMap) -> Option<(String, SpSession)> {
        let name = self.cookie_name();
        let id = headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|kv| kv.trim().split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_owned())?;
        lock(&self.sessions).get(&id).cloned().map(|s| (id, s))
    }

    /// The routes.
    pub fn router(self: &Arc<Self>) -> Router {
        Router::new()
            .route("/", get(protected))
            .route("/login", get(login))
            .route("/acs", post(acs))
            .route("/logout", get(logout_start))
            .route("/slo", get(slo))
            .route(
                "/metadata",
                get(|State(sp): State<Arc<ServiceProvider>>| async move {
                    (
                        [(header::CONTENT_TYPE, "application/samlmetadata+xml")],
                        sp.metadata(),
                    )
                }),
            )
            .fallback(not_found)
            .method_not_allowed_fallback(not_found)
            .with_state(Arc::clone(self))
    }
}

/// A signed XML message posted in a form field (base64), as text; `what` names it in errors.
pub fn decode_xml_field(encoded: &str, what: &str) -> Result<String, String> {
    let bytes = STANDARD_B64
        .decode(encoded.trim())
        .map_err(|_| format!("the {what} is not base64"))?;
    String::from_utf8(bytes).map_err(|_| format!("the {what} is not UTF-8"))
}

const STANDARD_B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// A plain page: the title, and the body in `<pre id="result">`.
pub fn page(status: StatusCode, title: &str, body: &str) -> Response {
    (status, Html(format!(r#"<!DOCTYPE html><html><head><meta charset="utf-8"><title>{0}</title></head><body><h1>{0}</h1><pre id="result">{1}</pre></body></html>"#, escape(title), escape(body)))).into_response()
}

/// A page for people: the service's name, what happened (Japanese, English beside it),
/// where to go next, and the machine-readable result folded under it (`#result`, which
/// the suite and the tests read).
pub(crate) fn citizen_page(
    sp: &ServiceProvider,
    status: StatusCode,
    message: (&str, &str),
    links: &[(&str, &str, &str)],
    result: &str,
) -> Response {
    (status, Html(citizen_html(sp, message, "", links, result))).into_response()
}

/// The page of [`citizen_page`] with `extra` markup (a table, a form) under the message.
pub(crate) fn citizen_html(
    sp: &ServiceProvider,
    (ja, en): (&str, &str),
    extra: &str,
    links: &[(&str, &str, &str)],
    result: &str,
) -> String {
    let (name_ja, name_en) = sp.display_names();
    let links: String = links
        .iter()
        .map(|(href, ja, en)| {
            format!(
                r#"<li><a href="{}">{} <span class="en">/ {}</span></a></li>"#,
                escape(href),
                escape(ja),
                escape(en)
            )
        })
        .collect();
    format!(
        r#"<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8"><title>{nj} / {ne}</title><style>body{{font-family:'Noto Sans CJK JP',sans-serif;max-width:40em;margin:3em auto;line-height:1.6}}.en{{color:#555}}details{{color:#555;font-size:0.9em}}th{{text-align:left;padding-right:1em}}</style></head><body><h1>{nj} <span class="en">/ {ne}</span></h1><p id="message">{ja}<br><span class="en" lang="en">{en}</span></p>{extra}<ul>{links}</ul><details><summary>技術的な情報 / Technical details</summary><pre id="result">{result}</pre></details></body></html>"#,
        nj = escape(name_ja),
        ne = escape(name_en),
        ja = escape(ja),
        en = escape(en),
        result = escape(result),
    )
}

/// The login did not succeed (a refused, replayed or unexpected Response, or the
/// platform's error): said to the person, the reason kept as the result.
fn login_failed(sp: &ServiceProvider, status: StatusCode, why: &str) -> Response {
    citizen_page(
        sp,
        status,
        (
            "ログインできませんでした。カードによる本人確認ができなかったか、ログインが中止されました。",
            "The login did not succeed: the card could not confirm your identity, or the login was abandoned.",
        ),
        &[LOG_IN],
        &format!("refused: {why}"),
    )
}

const LOG_IN: (&str, &str, &str) = (
    "/login",
    "マイナンバーカードでログイン",
    "Log in with your My Number Card",
);
const LOG_OUT: (&str, &str, &str) = ("/logout", "ログアウト", "Log out");

/// An address this service does not have (mistyped, cut, or from an old bookmark).
async fn not_found(State(sp): State<Arc<ServiceProvider>>) -> Response {
    citizen_page(
        &sp,
        StatusCode::NOT_FOUND,
        (
            "このアドレスのページはありません。アドレスが正しいかご確認のうえ、トップページからお進みください。",
            "There is no page at this address. Check the address, or start again from the top page.",
        ),
        &[("/", "トップページ", "Top page")],
        "no such page",
    )
}

/// The protected page: 200 with the NameID for a session, 401 without.
async fn protected(State(sp): State<Arc<ServiceProvider>>, headers: HeaderMap) -> Response {
    match sp.session(&headers) {
        Some((_, s)) => {
            let mut text = format!(
                "AUTHENTICATED\nNameID: {}\nAuthnContext: {}\n",
                s.assertion.name_id,
                s.assertion.authn_class.as_deref().unwrap_or("-")
            );
            for a in &s.assertion.attributes {
                text.push_str(&format!("{}: {}\n", a.name, a.values.join(", ")));
            }
            let number = user_number(&s.assertion.name_id);
            citizen_page(
                &sp,
                StatusCode::OK,
                (
                    &format!("マイナンバーカードでログインしています。このサービスでのあなたの利用者番号は {number} です。"),
                    &format!("You are logged in with your My Number Card. Your user number at this service is {number}."),
                ),
                &[LOG_OUT],
                &text,
            )
        }
        None => citizen_page(
            &sp,
            StatusCode::UNAUTHORIZED,
            ("ログインしていません。", "You are not logged in."),
            &[LOG_IN],
            "not logged in: /login",
        ),
    }
}

/// A short label of the person this service knows (the pairwise NameID's digest): what a
/// citizen can compare between logins, e.g. before and after renewing the card.
pub fn user_number(name_id: &str) -> String {
    use sha2::Digest as _;
    let d = sha2::Sha256::digest(name_id.as_bytes());
    format!("{:02X}{:02X}-{:02X}{:02X}", d[0], d[1], d[2], d[3])
}

/// Starts SP-initiated SSO: a signed AuthnRequest by HTTP-Redirect.
async fn login(State(sp): State<Arc<ServiceProvider>>, Query(q): Query<LoginQuery>) -> Response {
    let next = q.next.unwrap_or_else(|| "/".to_owned());
    if !local_path(&next) {
        return page(
            StatusCode::BAD_REQUEST,
            "refused",
            "TF-SP-006: next must be a path on this site",
        );
    }
    let id = format!("_{}", random_token());
    let now = (sp.clock)();
    let xml = authn_request::build(&NewAuthnRequest {
        id: &id,
        issuer: &sp.config.entity_id,
        destination: &sp.config.idp_sso_url,
        acs_url: &sp.url("/acs"),
        issue_instant: now,
        force_authn: q.force.is_some_and(|f| f == "1"),
        is_passive: false,
        authn_context_class: sp.config.required_class.as_deref(),
        attribute_consuming_service_index: (q.attrs.is_some_and(|a| a == "1")
            && !sp.config.requested_attributes.is_empty())
        .then_some(1),
    });
    let relay = random_token();
    {
        // Bounded: a flood of started logins cannot exhaust memory (expired ones go first).
        let mut pending = lock(&sp.pending);
        if !room_for_one_more(&mut pending, now) {
            return citizen_page(
                &sp,
                StatusCode::SERVICE_UNAVAILABLE,
                (
                    "ただいま混み合っています。しばらくしてから、もう一度ログインしてください。",
                    "The service is busy. Please log in again in a few minutes.",
                ),
                &[LOG_IN],
                "busy: too many logins in progress",
            );
        }
        pending.insert(
            relay.clone(),
            PendingLogin {
                request_id: id,
                next,
                expires: now + Duration::minutes(10),
            },
        );
    }
    match bindings::encode_redirect(Kind::Request, &xml, Some(&relay), Some(&sp.config.key)) {
        Ok(q) => Redirect::to(&format!("{}?{q}", sp.config.idp_sso_url)).into_response(),
        Err(e) => page(StatusCode::INTERNAL_SERVER_ERROR, "error", &e.to_string()),
    }
}

#[derive(Deserialize)]
struct AcsForm {
    #[serde(rename = "SAMLResponse")]
    saml_response: String,
    #[serde(rename = "RelayState")]
    relay_state: Option<String>,
}

/// The ACS: verifies, refuses replays, opens a session.
async fn acs(State(sp): State<Arc<ServiceProvider>>, Form(form): Form<AcsForm>) -> Response {
    let now = (sp.clock)();
    // The request this answers, by RelayState (no unsolicited Responses here).
    let pending = form
        .relay_state
        .as_deref()
        .and_then(|r| lock(&sp.pending).remove(r))
        .filter(|p| p.expires > now);
    let Some(PendingLogin {
        request_id, next, ..
    }) = pending
    else {
        return login_failed(
            &sp,
            StatusCode::FORBIDDEN,
            "no login in progress for this response",
        );
    };
    let xml = match bindings::decode_post(&form.saml_response) {
        Ok(x) => x,
        Err(e) => return login_failed(&sp, StatusCode::BAD_REQUEST, &e.to_string()),
    };
    let acs_url = sp.url("/acs");
    let e = Expectations {
        sp_entity_id: &sp.config.entity_id,
        acs_url: &acs_url,
        idp_entity_id: &sp.config.idp_entity_id,
        idp_certs: &sp.config.idp_certs,
        request_id: Some(&request_id),
        now,
        skew: Duration::minutes(3),
        required_class: sp.config.required_class.as_deref(),
        // Its metadata says WantAssertionsSigned.
        require_signed_assertion: true,
    };
    let assertion = match verify_response(&xml, &e) {
        Ok(a) => a,
        Err(err) => return login_failed(&sp, StatusCode::FORBIDDEN, &err.to_string()),
    };
    // TF-SP-004: each assertion once.
    if !sp.config.danger.danger_no_replay_cache {
        let mut seen = lock(&sp.seen);
        seen.retain(|_, exp| *exp > now);
        if seen
            .insert(assertion.assertion_id.clone(), assertion.not_on_or_after)
            .is_some()
        {
            return login_failed(&sp, StatusCode::FORBIDDEN, "TF-SP-004: assertion replayed");
        }
    }
    let id = random_token();
    tracing::info!(sp = %sp.config.name, "login accepted");
    lock(&sp.sessions).insert(id.clone(), SpSession { assertion });
    let cookie = format!("{}={id}; Path=/; HttpOnly", sp.cookie_name());
    ([(header::SET_COOKIE, cookie)], Redirect::to(&next)).into_response()
}

/// SP-initiated logout: a signed LogoutRequest to the IdP.
async fn logout_start(State(sp): State<Arc<ServiceProvider>>, headers: HeaderMap) -> Response {
    let Some((id, s)) = sp.session(&headers) else {
        return citizen_page(
            &sp,
            StatusCode::OK,
            ("ログインしていません。", "You are not logged in."),
            &[LOG_IN],
            "logged out: no session",
        );
    };
    lock(&sp.sessions).remove(&id);
    tracing::info!(sp = %sp.config.name, "logout started");
    let request = LogoutRequest {
        id: format!("_{}", random_token()),
        issuer: sp.config.entity_id.clone(),
        destination: Some(sp.config.idp_slo_url.clone()),
        issue_instant: (sp.clock)(),
        name_id: s.assertion.name_id.clone(),
        session_index: s.assertion.session_index.clone(),
    };
    let xml = logout::build_request(&request, &sp.config.idp_entity_id, &sp.config.entity_id);
    match bindings::encode_redirect(Kind::Request, &xml, None, Some(&sp.config.key)) {
        Ok(q) => Redirect::to(&format!("{}?{q}", sp.config.idp_slo_url)).into_response(),
        Err(e) => page(StatusCode::INTERNAL_SERVER_ERROR, "error", &e.to_string()),
    }
}

/// The SLO endpoint: the IdP's LogoutRequest (end the user's session, answer) or its
/// LogoutResponse (the end of a logout we started).
async fn slo(State(sp): State<Arc<ServiceProvider>>, RawQuery(q): RawQuery) -> Response {
    let message = match bindings::decode_redirect(q.as_deref().unwrap_or_default()) {
        Ok(m) => m,
        Err(e) => return page(StatusCode::BAD_REQUEST, "refused", &e.to_string()),
    };
    if !sp.config.danger.danger_unsigned_logout {
        let Some(sig) = &message.signature else {
            return page(StatusCode::FORBIDDEN, "refused", "unsigned logout message");
        };
        if let Err(e) = bindings::verify_redirect_signature(sig, &sp.config.idp_certs) {
            return page(StatusCode::FORBIDDEN, "refused", &e.to_string());
        }
    }
    let own = sp.url("/slo");
    let addressed = |r: (&str, Option<&str>, time::OffsetDateTime)| {
        logout::check_addressing(r, &sp.config.idp_entity_id, &own, (sp.clock)())
    };
    match message.kind {
        Kind::Response => match logout::parse_response(&message.xml).and_then(|r| {
            addressed((&r.issuer, r.destination.as_deref(), r.issue_instant))?;
            Ok(r)
        }) {
            Ok(r) if r.status == status::SUCCESS => citizen_page(
                &sp,
                StatusCode::OK,
                (
                    "すべてのサービスからログアウトしました。",
                    "You are logged out of every service.",
                ),
                &[LOG_IN],
                "logged out of every service",
            ),
            Ok(r) => page(
                StatusCode::OK,
                "logged out",
                &format!("logged out here; the platform reports {}", r.status),
            ),
            Err(e) => page(StatusCode::BAD_REQUEST, "refused", &e.to_string()),
        },
        Kind::Request => {
            let request = match logout::parse_request(&message.xml).and_then(|r| {
                addressed((&r.issuer, r.destination.as_deref(), r.issue_instant))?;
                Ok(r)
            }) {
                Ok(r) => r,
                Err(e) => return page(StatusCode::BAD_REQUEST, "refused", &e.to_string()),
            };
            lock(&sp.sessions).retain(|_, s| s.assertion.name_id != request.name_id);
            let response = LogoutResponse {
                id: format!("_{}", random_token()),
                issuer: sp.config.entity_id.clone(),
                destination: Some(sp.config.idp_slo_url.clone()),
                issue_instant: (sp.clock)(),
                in_response_to: Some(request.id),
                status: status::SUCCESS.to_owned(),
            };
            match bindings::encode_redirect(
                Kind::Response,
                &logout::build_response(&response),
                message.relay_state.as_deref(),
                Some(&sp.config.key),
            ) {
                Ok(q) => Redirect::to(&format!("{}?{q}", sp.config.idp_slo_url)).into_response(),
                Err(e) => page(StatusCode::INTERNAL_SERVER_ERROR, "error", &e.to_string()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logins_in_progress_are_bounded_and_expired_ones_make_room() {
        let now = OffsetDateTime::now_utc();
        let login = |expires| PendingLogin {
            request_id: String::new(),
            next: "/".into(),
            expires,
        };
        let mut pending: HashMap<String, PendingLogin> = (0..MAX_PENDING)
            .map(|i| (i.to_string(), login(now + Duration::minutes(10))))
            .collect();
        assert!(!room_for_one_more(&mut pending, now), "full of live logins");
        pending.insert("old".into(), login(now - Duration::minutes(1)));
        pending.remove("0");
        pending.remove("1");
        pending.insert("older".into(), login(now - Duration::minutes(2)));
        assert_eq!(pending.len(), MAX_PENDING);
        assert!(
            room_for_one_more(&mut pending, now),
            "the expired ones made room"
        );
        assert_eq!(pending.len(), MAX_PENDING - 2);
    }
}
