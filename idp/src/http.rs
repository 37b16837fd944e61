//! The IdP's HTTP interface (axum): SAML endpoints, the card-login JSON API, the login
//! page. Handlers translate; the decisions are in `sso` and `card_login`.

use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use trust_framework::saml::bindings;
use trust_framework::saml::xml::escape;

use crate::card_login::CardAnswer;
use crate::error::IdpError;
use crate::extract::{ClientIp, FormBody, JsonBody, Params};
use crate::platform::Platform;
use crate::sessions::Session;
use crate::sso::Incoming;

/// The session cookie's name (`mnctf_idp_` and the IdP's channel). The platform and a
/// CATV operator's IdP each have their own, since cookies do not tell ports apart: on one
/// host their SSO sessions would otherwise overwrite each other.
pub fn session_cookie_name(app: &Platform) -> String {
    format!("mnctf_idp_{}", app.config.channel)
}

/// The browser cookie's name (`mnctf_idp_browser_` and the IdP's channel): it binds a
/// login in progress to the browser that started it; one per IdP, as the session's.
pub fn browser_cookie(app: &Platform) -> String {
    format!("mnctf_idp_browser_{}", app.config.channel)
}

/// What the browser-binding value is for (its tag is good for nothing else).
const BROWSER_PURPOSE: &str = "browser";
/// What the logout form's token is for.
const LOGOUT_PURPOSE: &str = "logout";

/// Largest request body (a POSTed AuthnRequest, base64).
const MAX_BODY: usize = 256 * 1024;

type App = Arc<Platform>;

/// Every route of the IdP.
pub fn router(platform: Arc<Platform>) -> Router {
    Router::new()
        .route("/metadata", get(metadata))
        .route("/sso", get(sso_redirect).post(sso_post))
        .route("/sso/continue", get(sso_continue))
        .route("/sso/return", get(sso_return))
        .route("/login", get(login_page))
        .route("/login/upstream", get(login_upstream))
        .route("/hub/acs", post(hub_acs))
        .route("/proxy/register", post(proxy_register))
        .route("/slo", get(slo))
        .route("/logout", get(logout_confirm).post(logout_here))
        .route("/card-login/challenge", post(challenge))
        .route("/card-login/answer", post(answer))
        .route("/healthz", get(|| async { "ok" }))
        .route("/", get(home))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(axum::middleware::map_response_with_state(
            Arc::clone(&platform),
            no_framing,
        ))
        .with_state(platform)
}

/// TF-IDP-018: no other site may frame the platform's pages (the PIN is typed there);
/// nothing it answers is cached (a page may carry a signed Response) unless the handler
/// says otherwise (metadata), and no address of it (with a login's tx or a SAMLRequest)
/// leaks to another site as a Referer.
async fn no_framing(State(app): State<App>, mut response: Response) -> Response {
    let h = response.headers_mut();
    if !app.defects().cacheable_pages {
        h.entry(header::CACHE_CONTROL)
            .or_insert(header::HeaderValue::from_static("no-store"));
    }
    h.insert(
        header::REFERRER_POLICY,
        header::HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        header::HeaderValue::from_static("nosniff"),
    );
    if app.defects().frameable_pages {
        return response;
    }
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        header::HeaderValue::from_static("frame-ancestors 'none'"),
    );
    h.insert(
        header::X_FRAME_OPTIONS,
        header::HeaderValue::from_static("DENY"),
    );
    response
}

/// The platform's own address: what it is, and that logins start at a service.
async fn home() -> Response {
    Html(crate::pages::home()).into_response()
}

/// Any other address: a page that says so, in both languages.
async fn not_found() -> Response {
    (StatusCode::NOT_FOUND, Html(crate::pages::not_found())).into_response()
}

pub(crate) fn error_page(err: &IdpError) -> Response {
    let status = StatusCode::from_u16(err.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
    tracing::info!(%err, "request refused");
    (
        status,
        Html(crate::pages::refusal(
            err.heading(),
            &err.notice(),
            &err.to_string(),
        )),
    )
        .into_response()
}

fn json_error(err: &IdpError) -> Response {
    json_refusal(err, None)
}

/// A JSON refusal; `back` is where the browser returns to the SP from it.
pub(crate) fn json_refusal(err: &IdpError, back: Option<&str>) -> Response {
    let status = StatusCode::from_u16(err.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
    tracing::info!(%err, "card login refused");
    // `error` is the technical reason (clients and tests read it); `notice` is for people.
    let mut body = serde_json::json!({ "error": err.to_string(), "notice": err.notice() });
    if let Some(url) = back {
        body["return"] = serde_json::Value::String(url.to_owned());
    }
    (status, Json(body)).into_response()
}

/// A Set-Cookie value: HttpOnly, and Secure when the platform is served over https
/// (TF-IDP-018), with SameSite: the session cookie must come with an AuthnRequest posted
/// from an SP's site (HTTP-POST binding), which only `None` allows, and browsers take
/// `None` only with `Secure`; over plain http it is `Lax` (a POSTed request then finds no
/// session and the card is asked again). Every other cookie is `Lax`.
pub(crate) fn set_cookie(app: &Platform, name: &str, value: &str) -> String {
    let https = app.config.base_url.starts_with("https:");
    let secure = if https { "; Secure" } else { "" };
    let http_only = if app.defects().script_readable_cookies {
        ""
    } else {
        "; HttpOnly"
    };
    let same_site = if name == session_cookie_name(app) && https {
        "None"
    } else {
        "Lax"
    };
    format!("{name}={value}; Path=/{http_only}{secure}; SameSite={same_site}")
}

fn session_cookie(app: &Platform, headers: &HeaderMap) -> Option<String> {
    cookie(headers, &session_cookie_name(app))
}

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// The live transaction `id`, if this browser started it.
pub(crate) fn tx_for(
    app: &Platform,
    id: &str,
    headers: &HeaderMap,
) -> Result<crate::sessions::LoginTx, IdpError> {
    let tx = app
        .memory
        .tx(id, app.now())
        .ok_or(IdpError::UnknownTransaction)?;
    match cookie(headers, &browser_cookie(app)) {
        Some(b) if b == tx.browser => Ok(tx),
        _ if app.defects().unbound_browser => Ok(tx),
        _ => Err(IdpError::ForeignTransaction),
    }
}

/// A new login replaces the browser's session: the old id stops working (someone else
/// may have fixed it, or it was the card that was on the reader before); the services
/// the same person used under it stay with the new one, for logout.
fn replace_session(app: &Platform, headers: &HeaderMap, new: &Session) {
    let Some(old) = session_cookie(app, headers).and_then(|id| app.memory.end_session(&id)) else {
        return;
    };
    if old.person == new.person {
        for visit in old.visits {
            app.memory.visit(&new.id, visit);
        }
    }
}

/// The planted session-fixation defect (`adopted_session_id`): the new session takes the
/// identifier the browser presented. Without it, `session` as opened.
fn adopt_presented_id(app: &Platform, headers: &HeaderMap, session: Session) -> Session {
    let presented = session_cookie(app, headers).filter(|_| app.defects().adopted_session_id);
    let Some(presented) = presented else {
        return session;
    };
    app.memory.end_session(&session.id);
    let adopted = Session {
        id: presented,
        ..session
    };
    // A full store leaves the login without a session (the browser is asked again).
    let _ = app.memory.add_session(adopted.clone(), app.now());
    adopted
}

fn current_session(app: &Platform, headers: &HeaderMap) -> Option<Session> {
    session_cookie(app, headers).and_then(|id| app.memory.session(&id, app.now()))
}

async fn metadata(State(app): State<App>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/samlmetadata+xml"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        app.metadata(),
    )
        .into_response()
}

async fn sso_redirect(
    State(app): State<App>,
    ClientIp(client): ClientIp,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let decoded = match bindings::decode_redirect(query.as_deref().unwrap_or_default()) {
        Ok(m) => m,
        Err(e) => return error_page(&IdpError::BadRequest(e)),
    };
    let incoming = Incoming {
        xml: decoded.xml,
        relay_state: decoded.relay_state,
        redirect_signature: decoded.signature,
    };
    sso(app, incoming, &headers, client).await
}

#[derive(Deserialize)]
struct PostForm {
    #[serde(rename = "SAMLRequest")]
    saml_request: String,
    #[serde(rename = "RelayState")]
    relay_state: Option<String>,
}

async fn sso_post(
    State(app): State<App>,
    ClientIp(client): ClientIp,
    headers: HeaderMap,
    FormBody(form): FormBody<PostForm>,
) -> Response {
    let xml = match bindings::decode_post(&form.saml_request) {
        Ok(x) => x,
        Err(e) => return error_page(&IdpError::BadRequest(e)),
    };
    sso(
        app,
        Incoming {
            xml,
            relay_state: form.relay_state,
            redirect_signature: None,
        },
        &headers,
        client,
    )
    .await
}

async fn sso(
    app: App,
    incoming: Incoming,
    headers: &HeaderMap,
    client: Option<std::net::IpAddr>,
) -> Response {
    let accepted = match app.accept(incoming) {
        Ok(a) => a,
        Err(e) => return error_page(&e),
    };
    // From here the ACS is registered: errors go to the SP as SAML (TF-IDP-014).
    let report = |err: IdpError| {
        let app = Arc::clone(&app);
        let a = accepted.clone();
        async move {
            match app
                .respond_error(&a.acs, &a.request.id, a.relay_state.as_deref(), &err)
                .await
            {
                Ok(page) => Html(page).into_response(),
                Err(e) => error_page(&e),
            }
        }
    };
    if let Err(err) = app.check_policies(&accepted) {
        return report(err).await;
    }
    let session = current_session(&app, headers);
    if session.is_none() && accepted.request.is_passive {
        return report(IdpError::NoPassive).await;
    }
    // Only a binding value the platform made is kept: one an attacker chose and planted
    // would let them finish this browser's login.
    let browser = cookie(headers, &browser_cookie(&app))
        .filter(|b| app.tokens.issued(BROWSER_PURPOSE, b))
        .unwrap_or_else(|| app.tokens.issue(BROWSER_PURPOSE));
    let set_browser = [(
        header::SET_COOKIE,
        set_cookie(&app, &browser_cookie(&app), &browser),
    )];
    let tx = match app.start_login(&accepted, &browser, client) {
        Ok(tx) => tx,
        Err(e) => return error_page(&e),
    };
    let response = match session {
        // TF-IDP-010: the session answers without the card; TF-IDP-011: unless ForceAuthn.
        Some(s) if !tx.force_authn => match app.respond(&tx, &s).await {
            Ok(page) => Html(page).into_response(),
            Err(e) => error_page(&e),
        },
        _ => Redirect::to(&format!("/login?tx={}", tx.id)).into_response(),
    };
    (set_browser, response).into_response()
}

#[derive(Deserialize)]
struct TxQuery {
    tx: String,
}

async fn sso_continue(
    State(app): State<App>,
    Params(q): Params<TxQuery>,
    headers: HeaderMap,
) -> Response {
    let tx = match tx_for(&app, &q.tx, &headers) {
        Ok(tx) => tx,
        Err(e) => return error_page(&e),
    };
    match current_session(&app, &headers) {
        // With ForceAuthn only a card login made for this transaction counts.
        Some(s) if !tx.force_authn || s.authn_instant >= tx.created => {
            match app.respond(&tx, &s).await {
                Ok(page) => Html(page).into_response(),
                Err(e) => error_page(&e),
            }
        }
        _ => Redirect::to(&format!("/login?tx={}", tx.id)).into_response(),
    }
}

/// Back to the SP without a card login (TF-IDP-014): the transaction ends and the SP gets
/// a signed AuthnFailed Response at its registered ACS.
async fn sso_return(
    State(app): State<App>,
    Params(q): Params<TxQuery>,
    headers: HeaderMap,
) -> Response {
    let tx = match tx_for(&app, &q.tx, &headers) {
        Ok(tx) => tx,
        Err(e) => return error_page(&e),
    };
    app.memory.end_tx(&tx.id);
    let err = IdpError::LoginNotCompleted;
    match app
        .respond_error(&tx.acs, &tx.request_id, tx.relay_state.as_deref(), &err)
        .await
    {
        Ok(page) => Html(page).into_response(),
        Err(e) => error_page(&e),
    }
}

/// Where the browser goes back to the SP from login `tx`.
fn return_url(tx: &str) -> String {
    format!("/sso/return?tx={tx}")
}

async fn login_page(
    State(app): State<App>,
    Params(q): Params<TxQuery>,
    headers: HeaderMap,
) -> Response {
    let tx = match tx_for(&app, &q.tx, &headers) {
        Ok(tx) => tx,
        Err(e) => return error_page(&e),
    };
    // Each card IdP by its entity ID, and the name people know it by when its metadata gives one.
    let upstreams: Vec<(String, Option<(String, String)>)> = app
        .upstreams()
        .iter()
        .map(|u| {
            let name = u.display_name("ja").map(|ja| {
                (
                    ja.to_owned(),
                    u.display_name("en").unwrap_or_default().to_owned(),
                )
            });
            (u.entity_id.to_string(), name)
        })
        .collect();
    let sp = app.sp(tx.sp.as_str());
    let name = sp.as_deref().and_then(|m| {
        Some((
            m.display_name("ja")?,
            m.display_name("en").unwrap_or_default(),
        ))
    });
    Html(crate::pages::login(
        &tx,
        name,
        &app.config.card_helper_url,
        &upstreams,
        app.config.on_tv(),
    ))
    .into_response()
}

#[derive(Deserialize)]
struct UpstreamQuery {
    tx: String,
    idp: String,
}

/// The user chose to authenticate the card at a card IdP (e.g. their CATV operator).
async fn login_upstream(
    State(app): State<App>,
    Params(q): Params<UpstreamQuery>,
    headers: HeaderMap,
) -> Response {
    let tx = match tx_for(&app, &q.tx, &headers) {
        Ok(tx) => tx,
        Err(e) => return error_page(&e),
    };
    match app.start_upstream(&tx, &q.idp) {
        Ok(url) => Redirect::to(&url).into_response(),
        Err(e) => error_page(&e),
    }
}

#[derive(Deserialize)]
struct HubForm {
    #[serde(rename = "SAMLResponse")]
    saml_response: String,
    #[serde(rename = "RelayState")]
    relay_state: Option<String>,
}

/// A card IdP's answer: a session on its channel, then on to the SP.
async fn hub_acs(
    State(app): State<App>,
    headers: HeaderMap,
    FormBody(form): FormBody<HubForm>,
) -> Response {
    let relay = form.relay_state.as_deref().unwrap_or_default();
    let login = match app.take_upstream_login(relay, |l| tx_for(&app, &l.tx, &headers).map(|_| ()))
    {
        Ok(l) => l,
        Err(e) => return error_page(&e),
    };
    let xml = match bindings::decode_post(&form.saml_response) {
        Ok(x) => x,
        Err(e) => return error_page(&IdpError::UpstreamRefused(e.to_string())),
    };
    let session = match app.accept_upstream(&login, &xml).await {
        Ok(s) => s,
        Err(e) => return error_page(&e),
    };
    replace_session(&app, &headers, &session);
    let cookie = set_cookie(&app, &session_cookie_name(&app), &session.id);
    (
        [(header::SET_COOKIE, cookie)],
        Redirect::to(&format!("/sso/continue?tx={}", login.tx)),
    )
        .into_response()
}

async fn challenge(
    State(app): State<App>,
    headers: HeaderMap,
    JsonBody(q): JsonBody<TxQuery>,
) -> Response {
    if let Err(e) = tx_for(&app, &q.tx, &headers) {
        return json_error(&e);
    }
    match app.challenge(&q.tx) {
        Ok(c) => Json(serde_json::json!({
            "challenge": c.to_be_signed(),
            "nonce": c.nonce.encode(),
            "endpoint": c.endpoint,
            "expires": c.expires.unix_timestamp(),
        }))
        .into_response(),
        Err(e) => json_error(&e),
    }
}

async fn answer(
    State(app): State<App>,
    headers: HeaderMap,
    JsonBody(a): JsonBody<CardAnswer>,
) -> Response {
    if let Err(e) = tx_for(&app, &a.tx, &headers) {
        return json_error(&e);
    }
    let login = match app.verify_answer(&a).await {
        Ok(l) => l,
        // The refusal names the way back: there the SP learns of it (TF-IDP-014).
        Err(e) => {
            let back = (!app.defects().silent_refusal).then(|| return_url(&a.tx));
            return json_refusal(&e, back.as_deref());
        }
    };
    let session = match app.open_session(&login) {
        Ok(s) => s,
        Err(e) => return json_error(&e),
    };
    replace_session(&app, &headers, &session);
    let session = adopt_presented_id(&app, &headers, session);
    let cookie = set_cookie(&app, &session_cookie_name(&app), &session.id);
    tracing::info!(tx = %a.tx, "card login: the card is verified, a session opened");
    (
        [(header::SET_COOKIE, cookie)],
        Json(serde_json::json!({ "continue": format!("/sso/continue?tx={}", a.tx) })),
    )
        .into_response()
}

async fn slo(State(app): State<App>, RawQuery(query): RawQuery, headers: HeaderMap) -> Response {
    let message = match bindings::decode_redirect(query.as_deref().unwrap_or_default()) {
        Ok(m) => m,
        Err(e) => return error_page(&IdpError::BadRequest(e)),
    };
    let cookie = session_cookie(&app, &headers);
    let next = match message.kind {
        bindings::Kind::Request => app.logout_requested(&message, cookie.as_deref()),
        bindings::Kind::Response => app.logout_answered(&message),
    };
    logout_step(&app, next)
}

/// Asks before logging out: another site may link or redirect a browser here.
async fn logout_confirm(State(app): State<App>, headers: HeaderMap) -> Response {
    match current_session(&app, &headers) {
        Some(s) => Html(crate::pages::logout_confirm(
            &app.tokens.bound(LOGOUT_PURPOSE, &s.id),
        ))
        .into_response(),
        None => logout_step(&app, app.logout_here(None)),
    }
}

#[derive(Deserialize)]
struct LogoutForm {
    #[serde(default)]
    token: String,
}

/// The confirmation page's button: the token must be the one made for this session.
async fn logout_here(
    State(app): State<App>,
    headers: HeaderMap,
    FormBody(form): FormBody<LogoutForm>,
) -> Response {
    let cookie = session_cookie(&app, &headers);
    if let Some(id) = &cookie {
        if !app.tokens.is_bound(LOGOUT_PURPOSE, id, &form.token) {
            return error_page(&IdpError::LogoutNotConfirmed);
        }
    }
    let next = app.logout_here(cookie.as_deref());
    logout_step(&app, next)
}

fn logout_step(app: &Platform, next: Result<crate::slo::Next, IdpError>) -> Response {
    let clear = format!(
        "{}; Max-Age=0",
        set_cookie(app, &session_cookie_name(app), "")
    );
    match next {
        Ok(crate::slo::Next::Redirect(url)) => {
            ([(header::SET_COOKIE, clear)], Redirect::to(&url)).into_response()
        }
        Ok(crate::slo::Next::Done { failed }) => {
            let note = if failed.is_empty() {
                String::from("すべてのサービスからログアウトしました。 / You are logged out of every service.")
            } else {
                let names: Vec<String> = failed.iter().map(|s| escape(s.as_str())).collect();
                format!("次のサービスはログアウトを確認していません / These services did not confirm the logout: {}", names.join(", "))
            };
            let body = format!(
                r#"<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8"><title>ログアウト / Logged out</title></head><body><h1>ログアウト / Logged out</h1><p id="result">{note}</p></body></html>"#
            );
            ([(header::SET_COOKIE, clear)], Html(body)).into_response()
        }
        Err(e) => error_page(&e),
    }
}

#[derive(Deserialize)]
struct RegisterForm {
    #[serde(rename = "Registration")]
    registration: String,
    /// The page to lead back to (kept only when it is a service of the federation).
    #[serde(rename = "return", default)]
    back: Option<String>,
}

/// Proxy model 1: a professional logged in with the card registers their qualification.
async fn proxy_register(
    State(app): State<App>,
    headers: HeaderMap,
    FormBody(form): FormBody<RegisterForm>,
) -> Response {
    let Some(session) = current_session(&app, &headers) else {
        return error_page(&IdpError::ProxyRefused(
            "log in with your card first: the registration binds the card you logged in with"
                .into(),
        ));
    };
    match app
        .register_professional(&session, &form.registration)
        .await
    {
        Ok(q) => {
            let back = form.back.as_deref().filter(|u| app.is_service_page(u));
            Html(crate::pages::registered(&q, back)).into_response()
        }
        Err(e) => error_page(&e),
    }
}
