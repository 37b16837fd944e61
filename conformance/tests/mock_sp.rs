//! The plan against the project's own SP (mock-sp): its verdicts must equal its
//! expected-results file, in both directions.

use std::sync::Arc;

use conformance::{Expected, SuiteIdp, SutConfig};
use mock_sp::sp::{ServiceProvider, SpConfig};
use reports::Verdict;
use trust_framework::saml::constants::AC_JPKI_USER_AUTH;

async fn start_sp(idp: &SuiteIdp, dir: &std::path::Path) -> SutConfig {
    start_sp_with(idp, dir, |_| {}).await
}

async fn start_sp_with(
    idp: &SuiteIdp,
    dir: &std::path::Path,
    tune: impl FnOnce(&mut SpConfig),
) -> SutConfig {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let pki = mock_ca::Pki::build(
        mock_ca::PkiConfig::new("http://127.0.0.1:18080"),
        mock_ca::Clock::system(),
    )
    .unwrap();
    let cred = pki.service_credential("sp-1").unwrap();
    let mut config = SpConfig {
        name: "mock-sp".into(),
        entity_id: format!("{url}/sp"),
        base_url: url.clone(),
        idp_entity_id: idp.entity_id.clone(),
        idp_sso_url: idp.sso_url.clone(),
        idp_slo_url: idp.slo_url.clone(),
        idp_certs: vec![idp.key.cert_der.clone()],
        key: (*cred.key).clone(),
        cert_der: cred.certificate.clone(),
        required_class: Some(AC_JPKI_USER_AUTH.into()),
        requested_attributes: Vec::new(),
        display_name: None,
        danger: Default::default(),
    };
    tune(&mut config);
    let sp = ServiceProvider::new(config, Arc::new(time::OffsetDateTime::now_utc));
    let md = dir.join("sp.xml");
    std::fs::write(&md, sp.metadata()).unwrap();
    let app = sp.router();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    SutConfig {
        name: "mock-sp".into(),
        metadata: md.display().to_string(),
        login_url: format!("{url}/login"),
        protected_url: format!("{url}/"),
        logged_in: "AUTHENTICATED".into(),
        identity_prefix: "NameID: ".into(),
        authn_class: AC_JPKI_USER_AUTH.into(),
        expected: None,
        timeout_ms: 10_000,
        only: Vec::new(),
        network: Default::default(),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_mock_sp_gets_its_expected_verdicts() {
    let dir = tempfile::tempdir().unwrap();
    let idp = SuiteIdp::new("http://127.0.0.1:18500").unwrap();
    let config = start_sp(&idp, dir.path()).await;
    let report = conformance::run(&config, &idp, |_| {}).await.unwrap();
    for c in report.cases() {
        println!(
            "{:<8} {:<44} {}",
            c.verdict.label(),
            c.id,
            c.reason.as_deref().unwrap_or("")
        );
    }
    let pre = report.cases().find(|c| c.id == "preflight").unwrap();
    assert_eq!(pre.verdict, Verdict::Passed, "{:?}", pre.reason);
    let expected = Expected::load(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("expected/mock-sp.toml"),
    )
    .unwrap();
    let diff = expected.differences(&report);
    assert!(
        diff.is_empty(),
        "results differ from expected/mock-sp.toml: {diff:#?}"
    );
}

/// Planted ground truth: an SP with one check removed fails exactly the tests of that
/// check, and nothing else changes from the correct SP's expected verdicts.
async fn planted(tune: impl FnOnce(&mut SpConfig), caught: &[(&str, Verdict)]) {
    let dir = tempfile::tempdir().unwrap();
    let idp = SuiteIdp::new("http://127.0.0.1:18500").unwrap();
    let config = start_sp_with(&idp, dir.path(), tune).await;
    let report = conformance::run(&config, &idp, |_| {}).await.unwrap();
    let expected = Expected::load(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("expected/mock-sp.toml"),
    )
    .unwrap();
    let mut changed: Vec<(String, Verdict)> = expected
        .differences(&report)
        .into_iter()
        .map(|(id, _, got)| (id, got))
        .collect();
    changed.sort_by(|a, b| a.0.cmp(&b.0));
    let mut want: Vec<(String, Verdict)> =
        caught.iter().map(|(c, v)| ((*c).to_owned(), *v)).collect();
    want.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(changed, want);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_sp_that_does_not_require_the_card_class_fails_the_downgrade_tests_only() {
    use Verdict::{Failed, Warning};
    planted(
        |c| c.required_class = None,
        &[
            ("authn-class-password", Failed),
            ("authn-class-unspecified", Failed),
            ("field-authn-context-class-empty", Failed),
            ("field-authn-context-class-missing", Failed),
            ("request-authn-context", Warning),
        ],
    )
    .await;
}

/// No false FAILED: without a replay cache the SP is still safe from replay, because it
/// takes a Response only for a login it has in progress (InResponseTo, consumed once).
#[tokio::test(flavor = "multi_thread")]
async fn an_sp_without_a_replay_cache_that_correlates_requests_is_not_reported() {
    planted(|c| c.danger.danger_no_replay_cache = true, &[]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_sp_that_does_not_verify_logout_signatures_fails_the_forged_logout_tests_only() {
    use Verdict::Failed;
    planted(
        |c| c.danger.danger_unsigned_logout = true,
        &[
            ("logout-unsigned", Failed),
            ("logout-attacker-key", Failed),
            ("logout-signature-for-another-request", Failed),
            ("logout-rsa-sha1", Failed),
        ],
    )
    .await;
}

/// A `logged_in` text the SP's page never shows: the preflight says what the page showed
/// and which setting to change, not only that no session was seen.
#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_logged_in_text_is_diagnosed() {
    let dir = tempfile::tempdir().unwrap();
    let idp = SuiteIdp::new("http://127.0.0.1:18500").unwrap();
    let mut config = start_sp(&idp, dir.path()).await;
    config.logged_in = "WELCOME-TEXT-NOT-THERE".into();
    config.only = vec!["baseline-both-signed".into()];
    let report = conformance::run(&config, &idp, |_| {}).await.unwrap();
    let pre = report.cases().find(|c| c.id == "preflight").unwrap();
    assert_eq!(pre.verdict, Verdict::Failed);
    let why = pre.reason.clone().unwrap_or_default();
    assert!(
        why.contains("WELCOME-TEXT-NOT-THERE")
            && why.contains("it shows:")
            && why.contains("ログインしています"),
        "{why}"
    );
}
