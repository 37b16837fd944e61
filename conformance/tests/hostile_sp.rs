//! A hostile or broken SP cannot hurt the suite: redirect loops, hanging pages and huge
//! bodies end in a clear verdict within the time limits, and the report is written.

use std::time::{Duration, Instant};

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use conformance::{SuiteIdp, SutConfig};
mod common;

use common::preflight_reason;
use trust_framework::saml::authn_request::{self, NewAuthnRequest};
use trust_framework::saml::bindings::{self, Kind};

#[derive(Clone, Copy)]
enum Mode {
    /// The login URL redirects to itself forever.
    LoopingLogin,
    /// The protected page never answers.
    HangingProtected,
    /// The ACS answers with 4 MiB.
    HugeAcs,
}

#[derive(Clone)]
struct Sp {
    base: String,
    sso: String,
    mode: Mode,
}

async fn login(State(sp): State<Sp>) -> Response {
    if let Mode::LoopingLogin = sp.mode {
        return Redirect::to("/login").into_response();
    }
    let xml = authn_request::build(&NewAuthnRequest {
        id: &format!(
            "_req{}",
            time::OffsetDateTime::now_utc().unix_timestamp_nanos()
        ),
        issuer: &format!("{}/sp", sp.base),
        destination: &sp.sso,
        acs_url: &format!("{}/acs", sp.base),
        issue_instant: time::OffsetDateTime::now_utc(),
        force_authn: false,
        is_passive: false,
        authn_context_class: None,
        attribute_consuming_service_index: None,
    });
    let q = bindings::encode_redirect(Kind::Request, &xml, None, None).unwrap();
    Redirect::to(&format!("{}?{q}", sp.sso)).into_response()
}

async fn protected(State(sp): State<Sp>) -> Response {
    if let Mode::HangingProtected = sp.mode {
        tokio::time::sleep(Duration::from_secs(60)).await;
    }
    (axum::http::StatusCode::UNAUTHORIZED, "no session").into_response()
}

async fn acs(State(sp): State<Sp>) -> Response {
    match sp.mode {
        Mode::HugeAcs => "x".repeat(4 * 1024 * 1024).into_response(),
        _ => Redirect::to("/protected").into_response(),
    }
}

async fn run(mode: Mode) -> (reports::Report, Duration) {
    let idp = SuiteIdp::new("http://127.0.0.1:18500").unwrap();
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let sp = Sp {
        base: base.clone(),
        sso: idp.sso_url.clone(),
        mode,
    };
    let app = Router::new()
        .route("/login", get(login))
        .route("/protected", get(protected))
        .route("/acs", post(acs))
        .with_state(sp);
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let dir = tempfile::tempdir().unwrap();
    let md = dir.path().join("sp.xml");
    std::fs::write(&md, format!(r#"<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="{base}/sp"><md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="{base}/acs" index="0"/></md:SPSSODescriptor></md:EntityDescriptor>"#)).unwrap();
    let config = SutConfig {
        name: "hostile".into(),
        metadata: md.display().to_string(),
        login_url: format!("{base}/login"),
        protected_url: format!("{base}/protected"),
        logged_in: "AUTHENTICATED".into(),
        identity_prefix: "NameID: ".into(),
        authn_class: "urn:mnctf:ac:classes:jpki-user-authentication".into(),
        expected: None,
        timeout_ms: 500,
        only: Vec::new(),
        network: Default::default(),
    };
    let t = Instant::now();
    let report = conformance::run(&config, &idp, |_| {}).await.unwrap();
    (report, t.elapsed())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_redirect_loop_is_stopped_with_a_clear_reason() {
    let (report, took) = run(Mode::LoopingLogin).await;
    let why = preflight_reason(&report);
    assert!(why.contains("more than 25 redirects"), "{why}");
    assert!(took < Duration::from_secs(10), "{took:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hanging_page_is_cut_off_by_the_time_limit() {
    let (report, took) = run(Mode::HangingProtected).await;
    let why = preflight_reason(&report);
    assert!(
        why.contains("timed out") || why.contains("timeout"),
        "{why}"
    );
    assert!(took < Duration::from_secs(10), "{took:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_huge_body_is_refused_by_the_size_limit() {
    let (report, took) = run(Mode::HugeAcs).await;
    let why = preflight_reason(&report);
    assert!(why.contains("baseline"), "{why}");
    assert!(took < Duration::from_secs(10), "{took:?}");
}
