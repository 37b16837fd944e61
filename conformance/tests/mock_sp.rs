//! The plan against the project's own SP (mock-sp): its verdicts must equal its
//! expected-results file, in both directions.

use std::sync::Arc;

use conformance::{Expected, SuiteIdp, SutConfig};
use mock_sp::sp::{ServiceProvider, SpConfig};
use reports::Verdict;
use trust_framework::saml::constants::AC_JPKI_USER_AUTH;

async fn start_sp(idp: &SuiteIdp, dir: &std::path::Path) -> SutConfig {
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
    let sp = ServiceProvider::new(
        SpConfig {
            name: "mock-sp".into(),
            entity_id: format!("{url}/sp"),
            base_url: url.clone(),
            idp_entity_id: idp.entity_id.clone(),
            idp_sso_url: idp.sso_url.clone(),
            idp_slo_url: format!("{}/slo", idp.sso_url.trim_end_matches("/sso")),
            idp_certs: vec![idp.key.cert_der.clone()],
            key: (*cred.key).clone(),
            cert_der: cred.certificate.clone(),
            required_class: Some(AC_JPKI_USER_AUTH.into()),
            requested_attributes: Vec::new(),
        },
        Arc::new(time::OffsetDateTime::now_utc),
    );
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
