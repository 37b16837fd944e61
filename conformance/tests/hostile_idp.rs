//! A hostile or broken IdP cannot hurt the suite: a redirect loop, a hanging login page,
//! a huge challenge and an unreadable Response each end in a clear reason within the time
//! limits, every test is SKIPPED with it (never PASSED), and the report is written.

use std::time::{Duration, Instant};

use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use conformance::idp::{IdpSutConfig, Role, SuiteSps};
mod common;

use common::preflight_reason;

#[derive(Clone, Copy)]
enum Mode {
    /// The SSO endpoint redirects to itself forever.
    LoopingSso,
    /// The login page never answers.
    HangingLogin,
    /// The challenge is 4 MiB.
    HugeChallenge,
    /// The login ends with a form whose SAMLResponse is not base64.
    UnreadableResponse,
}

#[derive(Clone)]
struct Idp {
    mode: Mode,
    acs: String,
}

async fn sso(State(idp): State<Idp>) -> Response {
    match idp.mode {
        Mode::LoopingSso => Redirect::to("/sso").into_response(),
        Mode::UnreadableResponse => Html(format!(
            r#"<html><body onload="document.forms[0].submit()"><form method="post" action="{}"><input type="hidden" name="SAMLResponse" value="%%% not base64 %%%"/></form></body></html>"#,
            idp.acs
        ))
        .into_response(),
        _ => Redirect::to("/login?tx=t1").into_response(),
    }
}

async fn login(State(idp): State<Idp>) -> Response {
    if let Mode::HangingLogin = idp.mode {
        tokio::time::sleep(Duration::from_secs(60)).await;
    }
    Html("<html><body>card login</body></html>").into_response()
}

async fn challenge() -> Response {
    Json(serde_json::json!({ "challenge": "x".repeat(4 * 1024 * 1024) })).into_response()
}

async fn run(mode: Mode) -> (reports::Report, Duration) {
    let ca = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let ca_url = format!("http://{}", ca.local_addr().unwrap());
    drop(ca);
    let suite = SuiteSps::new("http://127.0.0.1:18600", &ca_url).unwrap();
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let idp = Idp {
        mode,
        acs: suite.sps[0].acs_url.clone(),
    };
    let app = Router::new()
        .route("/sso", get(sso))
        .route("/login", get(login))
        .route("/card-login/challenge", post(challenge))
        .with_state(idp);
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let dir = tempfile::tempdir().unwrap();
    let md = dir.path().join("idp.xml");
    std::fs::write(&md, format!(r#"<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="{base}/idp"><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor><md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="{base}/sso"/></md:IDPSSODescriptor></md:EntityDescriptor>"#,
        base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &suite.sps[1].key.cert_der))).unwrap();
    let config = IdpSutConfig {
        name: "hostile".into(),
        metadata: md.display().to_string(),
        role: Role::Platform,
        pin: "1234".into(),
        password: None,
        authn_class: "urn:mnctf:ac:classes:jpki-user-authentication".into(),
        expected: None,
        timeout_ms: 500,
        only: Vec::new(),
        registration: None,
        tls_binding: None,
        network: Default::default(),
    };
    let t = Instant::now();
    let report = conformance::idp::run(&config, &suite, |_| {})
        .await
        .unwrap();
    (report, t.elapsed())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_redirect_loop_is_stopped_with_a_clear_reason() {
    let (report, took) = run(Mode::LoopingSso).await;
    let why = preflight_reason(&report);
    assert!(why.contains("more than 25 redirects"), "{why}");
    assert!(took < Duration::from_secs(10), "{took:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hanging_login_page_is_cut_off_by_the_time_limit() {
    let (report, took) = run(Mode::HangingLogin).await;
    let why = preflight_reason(&report);
    assert!(
        why.contains("timed out") || why.contains("timeout"),
        "{why}"
    );
    assert!(took < Duration::from_secs(10), "{took:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_huge_challenge_is_refused_by_the_size_limit() {
    let (report, took) = run(Mode::HugeChallenge).await;
    let why = preflight_reason(&report);
    assert!(why.contains("bytes"), "{why}");
    assert!(took < Duration::from_secs(10), "{took:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreadable_response_is_named_as_such() {
    let (report, took) = run(Mode::UnreadableResponse).await;
    let why = preflight_reason(&report);
    assert!(why.contains("unreadable message"), "{why}");
    assert!(took < Duration::from_secs(10), "{took:?}");
}
