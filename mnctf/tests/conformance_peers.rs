//! The SP test plan (`mnctf test-sp`) against the real SPs of Debian's packages
//! (peers.md), each started privately on loopback with the suite's IdP metadata in its
//! default configuration. Each peer's verdicts must equal its expected-results file
//! (`conformance/expected/<peer>.toml`) in both directions; the reports are written to
//! `target/conformance/<peer>/` for reading the evidence.

use std::path::{Path, PathBuf};
use std::time::Duration;

use conformance::{Expected, SuiteIdp, SutConfig};
use mnctf::peers::{sp_credential_pem, start_sp, IdpFacts, Peer, SpPaths};
use trust_framework::saml::constants::AC_JPKI_USER_AUTH;

const SUITE_URL: &str = "http://127.0.0.1:18500";

async fn start(name: &str, idp: &SuiteIdp, dir: &Path) -> (Peer, SpPaths) {
    let pki = mock_ca::Pki::build(
        mock_ca::PkiConfig::new("http://127.0.0.1:18080"),
        mock_ca::Clock::system(),
    )
    .unwrap();
    let (key, cert) = sp_credential_pem(&pki).unwrap();
    let md = idp.metadata();
    let facts = IdpFacts {
        metadata: &md,
        entity_id: &idp.entity_id,
        cert_der: &idp.key.cert_der,
        base_url: SUITE_URL,
    };
    start_sp(name, &facts, &key, &cert, dir).await.unwrap()
}

fn expected_file(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../conformance/expected")
        .join(format!("{name}.toml"))
}

async fn certify(name: &str) {
    let dir = tempfile::tempdir().unwrap();
    let idp = SuiteIdp::new(SUITE_URL).unwrap();
    let (mut peer, paths) = start(name, &idp, dir.path()).await;
    peer.wait_ready(&paths.metadata, Duration::from_secs(30))
        .await
        .unwrap();
    let config = SutConfig {
        name: name.into(),
        metadata: format!("{}{}", peer.base_url, paths.metadata),
        login_url: format!("{}{}", peer.base_url, paths.login),
        protected_url: format!("{}{}", peer.base_url, paths.protected),
        logged_in: "AUTHENTICATED".into(),
        identity_prefix: "NameID: ".into(),
        authn_class: AC_JPKI_USER_AUTH.into(),
        expected: Some(expected_file(name)),
        timeout_ms: 10_000,
        only: std::env::var("MNCTF_ONLY")
            .map(|v| v.split(',').map(str::to_owned).collect())
            .unwrap_or_default(),
    };
    let report = conformance::run(&config, &idp, |_| {}).await.unwrap();
    let out = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("conformance")
        .join(name);
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("report.md"), reports::markdown::render(&report)).unwrap();
    std::fs::write(out.join("report.json"), reports::json(&report)).unwrap();
    let mut summary = String::new();
    for c in report.cases() {
        summary.push_str(&format!(
            "{:<8} {:<44} {}\n",
            c.verdict.label(),
            c.id,
            c.reason.as_deref().unwrap_or("")
        ));
    }
    std::fs::write(out.join("verdicts.txt"), &summary).unwrap();
    let pre = report.cases().find(|c| c.id == "preflight").unwrap();
    assert_eq!(
        pre.verdict,
        reports::Verdict::Passed,
        "{name}: {:?}\n{}",
        pre.reason,
        peer.log()
    );
    let expected = Expected::load(&expected_file(name)).unwrap();
    let diff = expected.differences(&report);
    assert!(
        diff.is_empty(),
        "{name}: verdicts differ from {} (reports in {}):\n{diff:#?}\n{summary}",
        expected_file(name).display(),
        out.display()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn python3_saml() {
    certify("python3-saml").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn pysaml2() {
    certify("pysaml2").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn lasso() {
    certify("lasso").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn mellon() {
    certify("mellon").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn shibboleth() {
    certify("shibboleth").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn simplesamlphp() {
    certify("simplesamlphp").await;
}
