//! The IdP plan (`mnctf test-idp`) against our own platform, configured as a vendor would
//! from `mnctf test-idp metadata` (the suite's two SPs, the suite's card CA with its OCSP
//! and CRL service): its verdicts must equal `conformance/expected/idp-platform.toml`.

use std::path::Path;
use std::sync::Arc;

use conformance::idp::{IdpSutConfig, Role, SuiteSps};
use conformance::Expected;
use idp::config::IdpConfig;
use idp::platform::Platform;
use mnctf::peers::free_port;
use reports::Verdict;

/// Our platform on loopback, trusting the suite's SPs and card CA; its base URL.
async fn start_platform(suite: &SuiteSps, dir: &Path) -> String {
    use rsa::pkcs8::EncodePrivateKey;
    let pki = mock_ca::Pki::build(
        mock_ca::PkiConfig::new(&suite.ca_url),
        mock_ca::Clock::system(),
    )
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let cred = pki.service_credential("idp").unwrap();
    let write = |name: &str, bytes: &[u8]| std::fs::write(dir.join(name), bytes).unwrap();
    write("idp.key", cred.key.to_pkcs8_der().unwrap().as_bytes());
    write("idp.crt", &cred.certificate);
    let ca = pki.authority(mock_ca::pki::ca::JPKI_AUTH).unwrap();
    write("jpki-auth.crt", ca.certificate());
    write("sp-a.xml", suite.metadata(0).as_bytes());
    write("sp-b.xml", suite.metadata(1).as_bytes());
    let base = &suite.ca_url;
    let toml = format!(
        r#"entity_id = "{url}/idp"
base_url = "{url}"
store = "idp.sqlite"
signing_key = "idp.key"
signing_cert = "idp.crt"
sp_metadata = ["sp-a.xml", "sp-b.xml"]

[[anchors]]
label = "jpki-auth"
certificate = "jpki-auth.crt"
ocsp_url = "{base}/ocsp/jpki-auth"
crl_url = "{base}/crl/jpki-auth.crl"
predecessor_url = "{base}/predecessors"
"#
    );
    write("idp.toml", toml.as_bytes());
    let config = IdpConfig::load(&dir.join("idp.toml")).unwrap();
    let platform =
        Arc::new(Platform::new(config, Arc::new(time::OffsetDateTime::now_utc)).unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, idp::http::router(platform)).await;
    });
    url
}

#[tokio::test(flavor = "multi_thread")]
async fn our_platform_gets_its_expected_verdicts() {
    let dir = tempfile::tempdir().unwrap();
    let ca_url = format!("http://127.0.0.1:{}", free_port().unwrap());
    let suite = SuiteSps::new("http://127.0.0.1:18600", &ca_url).unwrap();
    let url = start_platform(&suite, dir.path()).await;
    let config = IdpSutConfig {
        name: "platform".into(),
        metadata: format!("{url}/metadata"),
        role: Role::Platform,
        pin: "1234".into(),
        authn_class: trust_framework::saml::constants::AC_JPKI_USER_AUTH.into(),
        expected: None,
        timeout_ms: 10_000,
        only: Vec::new(),
    };
    let report = conformance::idp::run(&config, &suite, |_| {})
        .await
        .unwrap();
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("test-idp/platform");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("report.json"), reports::json(&report)).unwrap();
    std::fs::write(out.join("report.md"), reports::markdown::render(&report)).unwrap();
    let mut summary = String::new();
    for c in report.cases() {
        summary.push_str(&format!(
            "{:<8} {:<36} {}\n",
            c.verdict.label(),
            c.id,
            c.reason.as_deref().unwrap_or("")
        ));
    }
    std::fs::write(out.join("verdicts.txt"), &summary).unwrap();
    let pre = report.cases().find(|c| c.id == "preflight").unwrap();
    assert_eq!(pre.verdict, Verdict::Passed, "{summary}");
    let file =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../conformance/expected/idp-platform.toml");
    let expected = Expected::load(&file).unwrap();
    let diff = expected.differences(&report);
    assert!(
        diff.is_empty(),
        "differs from {}:\n{diff:#?}\n{summary}",
        file.display()
    );
}
