//! The SP test plan (`mnctf test-sp`) against the real SPs of Debian's packages
//! (peers.md), each started privately on loopback with the suite's IdP metadata in its
//! default configuration. Each peer's verdicts must equal its expected-results file
//! (`conformance/expected/<peer>.toml`) in both directions; the reports are written to
//! `target/conformance/<peer>/` for reading the evidence. Peers with an image
//! (`scripts/images`) run in containers when a Docker daemon answers at `DOCKER_HOST`
//! (`mnctf::containers`), as processes otherwise; `MNCTF_PEERS` pins one or the other.

use std::path::{Path, PathBuf};
use std::time::Duration;

use conformance::{Expected, SuiteIdp, SutConfig};
use mnctf::peers::{sp_credential_pem, start_sp_lax, IdpFacts, Peer, SpPaths};
use reports::{Report, Verdict};
use trust_framework::saml::constants::AC_JPKI_USER_AUTH;

#[path = "support/placement.rs"]
mod placement;
use placement::how_it_runs;

const SUITE_URL: &str = "http://127.0.0.1:18500";

async fn start(name: &str, idp: &SuiteIdp, dir: &Path, lax: &str) -> (Peer, SpPaths) {
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
    let (peer, paths) = start_sp_lax(name, &facts, (&key, &cert), dir, lax)
        .await
        .unwrap();
    how_it_runs(&peer);
    (peer, paths)
}

fn expected_file(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../conformance/expected")
        .join(format!("{name}.toml"))
}

async fn certify(name: &str) {
    let dir = tempfile::tempdir().unwrap();
    let idp = SuiteIdp::new(SUITE_URL).unwrap();
    let (peer, paths) = start(name, &idp, dir.path(), "").await;
    let report = run_plan(name, &idp, peer, &paths).await;
    let expected = Expected::load(&expected_file(name)).unwrap();
    let diff = expected.differences(&report);
    assert!(
        diff.is_empty(),
        "{name}: verdicts differ from {} (reports in target/tmp/conformance/{name}):\n{diff:#?}",
        expected_file(name).display(),
    );
}

/// The plan against a running peer; the reports go to `target/tmp/conformance/<name>/`.
async fn run_plan(name: &str, idp: &SuiteIdp, mut peer: Peer, paths: &SpPaths) -> Report {
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
        expected: None,
        timeout_ms: 10_000,
        only: std::env::var("MNCTF_ONLY")
            .map(|v| v.split(',').map(str::to_owned).collect())
            .unwrap_or_default(),
        network: Default::default(),
    };
    let report = conformance::run(&config, idp, |_| {}).await.unwrap();
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
    // The SP's own logs say why it refused what it refused.
    std::fs::write(out.join("peer.log"), peer.log()).unwrap();
    let pre = report.cases().find(|c| c.id == "preflight").unwrap();
    assert_eq!(
        pre.verdict,
        Verdict::Passed,
        "{name}: {:?}\n{}",
        pre.reason,
        peer.log()
    );
    report
}

/// A lax configuration is caught on the requirements it weakens: the tests `caught` end
/// as their verdict where the default configuration passes them, and every verdict that
/// became FAILED or WARNING is on a test of one of `weakened`.
async fn lax(name: &str, knob: &str, weakened: &[&str], caught: &[(&str, Verdict)]) {
    let dir = tempfile::tempdir().unwrap();
    let idp = SuiteIdp::new(SUITE_URL).unwrap();
    let (peer, paths) = start(name, &idp, dir.path(), knob).await;
    let report = run_plan(&format!("{name}-{knob}"), &idp, peer, &paths).await;
    let default = Expected::load(&expected_file(name)).unwrap();
    for (id, want) in caught {
        let got = report.cases().find(|c| c.id == *id).map(|c| c.verdict);
        assert_eq!(
            default.verdict(id).0,
            Verdict::Passed,
            "{id} must pass in {name}'s default configuration"
        );
        assert_eq!(got, Some(*want), "{name} with {knob}: {id}");
    }
    // A test that now runs and passes (its twin is accepted under the knob) is no
    // weakening; every verdict that got worse must be on a weakened requirement.
    let worse = |v: Verdict| matches!(v, Verdict::Failed | Verdict::Warning);
    for c in report.cases().filter(|c| c.id != "preflight") {
        if c.verdict != default.verdict(&c.id).0 && worse(c.verdict) {
            assert!(
                c.requirements().iter().any(|r| weakened.contains(r)),
                "{name} with {knob} changed {} ({:?} → {:?}), which is not a test of {weakened:?}: {:?}",
                c.id, default.verdict(&c.id).0, c.verdict, c.reason
            );
        }
    }
}

/// python3-saml publishes no encryption key by default (its encryption tests are SKIPPED);
/// with one published, they run and end as `python3-saml-encryption-key.toml` says, and
/// every other test ends as in the default configuration.
#[tokio::test(flavor = "multi_thread")]
async fn python3_saml_with_an_encryption_key_runs_the_encryption_tests() {
    let (name, knob) = ("python3-saml", "encryption-key");
    let dir = tempfile::tempdir().unwrap();
    let idp = SuiteIdp::new(SUITE_URL).unwrap();
    let (peer, paths) = start(name, &idp, dir.path(), knob).await;
    let report = run_plan(&format!("{name}-{knob}"), &idp, peer, &paths).await;
    let default = Expected::load(&expected_file(name)).unwrap();
    let encrypted = Expected::load(&expected_file(&format!("{name}-{knob}"))).unwrap();
    let mut ran = 0;
    for c in report.cases().filter(|c| c.id != "preflight") {
        let want = if c.requirements().contains(&"TF-SP-011") {
            ran += 1;
            encrypted.verdict(&c.id).0
        } else {
            default.verdict(&c.id).0
        };
        assert_eq!(c.verdict, want, "{}: {:?}", c.id, c.reason);
    }
    assert!(ran >= 15, "{ran} encryption tests ran");
}

#[tokio::test(flavor = "multi_thread")]
async fn lax_python3_saml_not_strict_is_caught_on_tf_sp_003() {
    use Verdict::Failed;
    // strict=false turns off python3-saml's protocol checks: Issuer, conditions, replay,
    // the message's structure (its schema validation, which also refuses an AuthnContext
    // without its class), and the Destination of logout messages.
    lax(
        "python3-saml",
        "not-strict",
        &[
            "TF-SP-001",
            "TF-SP-003",
            "TF-SP-004",
            "TF-SP-005",
            "TF-SP-010",
            "TF-SP-012",
        ],
        &[
            ("audience-wrong", Failed),
            ("recipient-wrong", Failed),
            ("destination-wrong", Failed),
            ("irt-wrong-both", Failed),
            ("sc-expired", Failed),
        ],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn lax_pysaml2_unsigned_assertions_is_caught_on_tf_sp_001() {
    // Unsigned assertions accepted: a forged unsigned one wrapping the signed one is believed.
    use Verdict::Failed;
    lax(
        "pysaml2",
        "unsigned",
        &["TF-SP-001", "TF-SP-002"],
        &[
            ("sig-none", Failed),
            ("xsw4-assertion-signed", Failed),
            ("hidden-in-advice", Failed),
        ],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn lax_pysaml2_unsolicited_is_caught_on_tf_sp_009() {
    // allow_unsolicited also stops pysaml2 comparing InResponseTo at all.
    lax(
        "pysaml2",
        "unsolicited",
        &["TF-SP-009", "TF-SP-003"],
        &[
            ("unsolicited", Verdict::Warning),
            ("irt-wrong-both", Verdict::Failed),
        ],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn lax_pysaml2_an_hour_of_clock_skew_is_caught_on_tf_sp_003() {
    use Verdict::Failed;
    // pysaml2 applies accepted_time_diff to NotBefore and the confirmation's NotOnOrAfter
    // (Conditions NotOnOrAfter stays strict: cond-expired is still refused).
    lax(
        "pysaml2",
        "clock",
        &["TF-SP-003"],
        &[("cond-not-yet-valid", Failed), ("sc-expired", Failed)],
    )
    .await;
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
async fn ruby_saml() {
    certify("ruby-saml").await;
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

#[tokio::test(flavor = "multi_thread")]
async fn lax_shibboleth_an_hour_of_clock_skew_is_caught_on_tf_sp_003() {
    use Verdict::Failed;
    lax(
        "shibboleth",
        "clock",
        &["TF-SP-003"],
        &[
            ("cond-expired", Failed),
            ("cond-not-yet-valid", Failed),
            ("sc-expired", Failed),
        ],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn lax_shibboleth_without_replay_check_is_caught_on_tf_sp_004() {
    lax(
        "shibboleth",
        "replay",
        &["TF-SP-004"],
        &[("replay", Verdict::Failed)],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn lax_shibboleth_sha1_requests_are_caught_on_tf_sp_007() {
    lax(
        "shibboleth",
        "sha1",
        // Its signature no longer verifies under the profile's algorithms either.
        &["TF-SP-007", "TF-SP-006"],
        &[("request-signature-algorithm", Verdict::Failed)],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn lax_mellon_without_the_card_class_is_caught_on_tf_sp_005() {
    lax(
        "mellon",
        "no-class",
        &["TF-SP-005"],
        &[
            ("authn-class-password", Verdict::Failed),
            ("request-authn-context", Verdict::Warning),
        ],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn lax_mellon_sha1_requests_are_caught_on_tf_sp_007() {
    lax(
        "mellon",
        "sha1",
        // Its signature no longer verifies under the profile's algorithms either.
        &["TF-SP-007", "TF-SP-006"],
        &[("request-signature-algorithm", Verdict::Failed)],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn lax_simplesamlphp_sha1_requests_are_caught_on_tf_sp_007() {
    lax(
        "simplesamlphp",
        "sha1",
        // Its signature no longer verifies under the profile's algorithms either.
        &["TF-SP-007", "TF-SP-006"],
        &[("request-signature-algorithm", Verdict::Failed)],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn lax_simplesamlphp_transient_name_ids_are_caught_on_tf_idp_008() {
    lax(
        "simplesamlphp",
        "transient",
        &["TF-IDP-008"],
        &[("request-name-id-policy", Verdict::Failed)],
    )
    .await;
}
