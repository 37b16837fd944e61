//! The IdP plan (`mnctf test-idp`) against our own platform, configured by the worked
//! example `mnctf test-idp metadata` writes (the suite's two SPs, the suite's card CA with
//! its OCSP and CRL service): its verdicts must equal
//! `conformance/expected/idp-platform.toml`.

use std::path::Path;
use std::sync::Arc;

use conformance::idp::{IdpSutConfig, Role, SuiteSps};
use conformance::Expected;
use idp::config::IdpConfig;
use idp::platform::Platform;
use mnctf::peers::free_port;
use reports::Verdict;

/// Our platform on loopback, configured by `mnctf test-idp metadata` (the worked example
/// a vendor follows); the loaded `idp-sut.toml` that names it.
async fn start_platform(suite: &SuiteSps, dir: &Path) -> IdpSutConfig {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    mnctf::idp_install::write(dir, &suite.base_url, &suite.ca_url, &url).unwrap();
    let config = IdpConfig::load(&dir.join("platform.toml")).unwrap();
    let platform =
        Arc::new(Platform::new(config, Arc::new(time::OffsetDateTime::now_utc)).unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, idp::http::router(platform)).await;
    });
    IdpSutConfig::load(&dir.join("idp-sut.toml")).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn our_platform_gets_its_expected_verdicts() {
    let dir = tempfile::tempdir().unwrap();
    let ca_url = format!("http://127.0.0.1:{}", free_port().unwrap());
    let suite = SuiteSps::new("http://127.0.0.1:18600", &ca_url).unwrap();
    let config = start_platform(&suite, dir.path()).await;
    assert_eq!(config.role, Role::Platform);
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
