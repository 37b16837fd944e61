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
use mnctf::peers::{free_port, Peer};
use reports::Verdict;

#[path = "support/placement.rs"]
mod placement;
use placement::how_it_runs;

/// Our IdP on loopback as `example` (`platform` or `catv`), configured by
/// `mnctf test-idp metadata` (the worked example a vendor follows); the loaded
/// `*-sut.toml` that names it.
async fn start_example(suite: &SuiteSps, dir: &Path, example: &str, defects: &str) -> IdpSutConfig {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let tls_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let tls_url = format!("https://{}", tls_listener.local_addr().unwrap());
    let urls = mnctf::idp_install::Urls {
        sps: suite.base_url.clone(),
        ca: suite.ca_url.clone(),
        platform: url.clone(),
        platform_tls: tls_url,
        catv: url.clone(),
        authority: url,
    };
    mnctf::idp_install::write(dir, &urls).unwrap();
    // A test configuration: challenges live 3 s, so that bind-challenge-expired waits
    // that long rather than the 120 s a person needs (TF-BIND-003).
    let path = dir.join(format!("{example}.toml"));
    let toml = std::fs::read_to_string(&path).unwrap();
    let timing = if example == "authority" {
        ""
    } else {
        "\n[timing]\nchallenge = 3\n"
    };
    let table = if defects.is_empty() || example == "authority" {
        String::new()
    } else {
        format!("\n[defects]\n{defects} = true\n")
    };
    std::fs::write(&path, format!("{toml}{timing}{table}")).unwrap();
    let router = if example == "authority" {
        let aa = mnctf::authority::load(&path).unwrap();
        plant_in_authority(&aa, defects);
        aa.router()
    } else {
        let config = IdpConfig::load(&path).unwrap();
        let platform =
            Arc::new(Platform::new(config, Arc::new(time::OffsetDateTime::now_utc)).unwrap());
        if platform.config.tls_binding.is_some() {
            let tls = idp::tls_binding::server_config(&platform).unwrap();
            tokio::spawn(idp::tls_binding::serve(
                Arc::clone(&platform),
                tls_listener,
                tls,
            ));
        }
        idp::http::router(platform)
    };
    tokio::spawn(async move {
        let _ = idp::serve::serve(listener, router, idp::serve::Limits::default()).await;
    });
    let sut = if example == "platform" {
        "idp-sut.toml".to_owned()
    } else {
        format!("{example}-sut.toml")
    };
    IdpSutConfig::load(&dir.join(sut)).unwrap()
}

/// Plants `defect` in our attribute authority (its switches are set at run time).
fn plant_in_authority(aa: &mock_sp::attribute_authority::AttributeAuthority, defect: &str) {
    let mut d = aa.faults.defects.lock().unwrap();
    match defect {
        "" => {}
        "card_not_matched" => d.card_not_matched = true,
        "key_from_query" => d.key_from_query = true,
        "no_recheck" => d.no_recheck = true,
        other => panic!("no defect {other} in the attribute authority"),
    }
}

/// The plan against our IdP as `example` with `defects` planted; the report, also
/// written to `target/tmp/test-idp/<name>/`.
async fn certify(example: &str, name: &str, defects: &str) -> reports::Report {
    let dir = tempfile::tempdir().unwrap();
    let ca_url = format!("http://127.0.0.1:{}", free_port().unwrap());
    let suite = SuiteSps::new("http://127.0.0.1:18600", &ca_url).unwrap();
    let config = start_example(&suite, dir.path(), example, defects).await;
    let role = match example {
        "platform" => Role::Platform,
        "catv" => Role::CardIdp,
        _ => Role::AttributeAuthority,
    };
    assert_eq!(config.role, role);
    let report = conformance::idp::run(&config, &suite, |_| {})
        .await
        .unwrap();
    let out = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("test-idp")
        .join(name);
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("report.json"), reports::json(&report)).unwrap();
    std::fs::write(out.join("report.md"), reports::markdown::render(&report)).unwrap();
    let summary = summary(&report);
    std::fs::write(out.join("verdicts.txt"), &summary).unwrap();
    let pre = report.cases().find(|c| c.id == "preflight").unwrap();
    assert_eq!(pre.verdict, Verdict::Passed, "{summary}");
    report
}

/// A line per case: verdict, id, reason.
fn summary(report: &reports::Report) -> String {
    report
        .cases()
        .map(|c| {
            format!(
                "{:<8} {:<36} {}\n",
                c.verdict.label(),
                c.id,
                c.reason.as_deref().unwrap_or("")
            )
        })
        .collect()
}

fn expected(example: &str) -> (std::path::PathBuf, Expected) {
    let file = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(format!("../conformance/expected/idp-{example}.toml"));
    let expected = Expected::load(&file).unwrap();
    (file, expected)
}

#[tokio::test(flavor = "multi_thread")]
async fn our_platform_gets_its_expected_verdicts() {
    as_expected("platform").await;
}

/// Our IdP as `example` gets the verdicts of `conformance/expected/idp-<example>.toml`.
async fn as_expected(example: &str) {
    let report = certify(example, example, "").await;
    let (file, expected) = expected(example);
    let diff = expected.differences(&report);
    assert!(
        diff.is_empty(),
        "differs from {}:\n{diff:#?}",
        file.display()
    );
}

/// Ground truth (verdicts.md §5): a defect planted in our platform is caught on exactly
/// the tests `caught`, and nothing else changes.
async fn planted(defect: &str, caught: &[&str]) {
    planted_in("platform", defect, caught).await;
}

async fn planted_in(example: &str, defect: &str, caught: &[&str]) {
    planted_with(example, defect, caught, &[]).await;
}

/// As [`planted_in`], and the tests `inconclusive` SKIPPED because their positive twin is
/// among those caught.
async fn planted_with(example: &str, defect: &str, caught: &[&str], inconclusive: &[&str]) {
    let want: Vec<_> = caught
        .iter()
        .map(|c| (*c, Verdict::Failed))
        .chain(inconclusive.iter().map(|c| (*c, Verdict::Skipped)))
        .collect();
    planted_changes(example, defect, &want).await;
}

/// A defect against a SHOULD of the profile: the tests `warned` end as WARNING, nothing
/// else changes.
async fn planted_warned(defect: &str, warned: &[&str]) {
    let want: Vec<_> = warned.iter().map(|c| (*c, Verdict::Warning)).collect();
    planted_changes("platform", defect, &want).await;
}

/// `defect` planted in `example`: the verdicts that differ from its expected file are
/// exactly `want`.
async fn planted_changes(example: &str, defect: &str, want: &[(&str, Verdict)]) {
    let report = certify(example, &format!("{example}-{defect}"), defect).await;
    let (_, expected) = expected(example);
    let mut changed: Vec<(String, Verdict)> = expected
        .differences(&report)
        .into_iter()
        .map(|(id, _, got)| (id, got))
        .collect();
    changed.sort_by(|a, b| a.0.cmp(&b.0));
    let mut want: Vec<(String, Verdict)> =
        want.iter().map(|(id, v)| ((*id).to_owned(), *v)).collect();
    want.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(changed, want, "{defect}");
}

#[tokio::test(flavor = "multi_thread")]
async fn our_catv_idp_gets_its_expected_verdicts() {
    as_expected("catv").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn our_attribute_authority_gets_its_expected_verdicts() {
    as_expected("authority").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_registration_naming_another_card_taken_is_caught() {
    planted_in(
        "authority",
        "card_not_matched",
        &["aa-register-other-card-named"],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_query_verified_with_its_own_key_is_caught() {
    planted_in(
        "authority",
        "key_from_query",
        &["aa-query-unknown-requester"],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_qualification_not_checked_again_is_caught() {
    planted_in("authority", "no_recheck", &["aa-query-after-revocation"]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_card_certificate_released_to_any_sp_is_caught() {
    planted_in(
        "catv",
        "certificate_to_any_sp",
        &["catv-certificate-not-to-sp"],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_login_not_bound_to_its_browser_is_caught() {
    planted("unbound_browser", &["bind-other-browser"]).await;
}

/// No false FAILED: a challenge left answerable is not exploitable while the login
/// transaction is single-use and the challenge is bound to it (a replay in the same
/// transaction finds it finished, in another one finds the challenge foreign), so the
/// plan rightly reports nothing.
#[tokio::test(flavor = "multi_thread")]
async fn a_reusable_challenge_behind_single_use_transactions_is_not_reported() {
    planted("reusable_challenge", &[]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_requested_class_ignored_is_caught() {
    planted("ignore_requested_class", &["req-authn-context-unavailable"]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_challenge_taken_in_another_login_is_caught() {
    planted("challenge_any_transaction", &["bind-other-transaction"]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrapped_request_taken_is_caught() {
    planted("signature_anywhere", &["req-post-wrapped"]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_acs_not_in_metadata_is_caught() {
    planted("any_acs", &["req-acs-not-in-metadata"]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_name_id_shared_by_all_sps_is_caught() {
    planted("shared_name_id", &["sso-across-sps"]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn ignoring_force_authn_is_caught() {
    planted("ignore_force_authn", &["force-authn"]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_answer_after_expiry_taken_is_caught() {
    planted("ignore_challenge_expiry", &["bind-challenge-expired"]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refusal_the_sp_never_hears_of_is_caught() {
    planted("silent_refusal", &["card-refused-reported"]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_logout_that_forgets_the_other_sps_is_caught() {
    planted("logout_initiator_only", &["slo-both-sps"]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_tls_binding_the_card_cannot_use_is_caught() {
    planted_with(
        "platform",
        "tls13_only",
        &["bind-tls-valid"],
        &["bind-tls-revoked"],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_renewed_card_made_a_new_person_is_caught() {
    planted(
        "ignore_renewal_links",
        &["card-renewed", "card-renewed-links-down"],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_frameable_login_page_is_caught() {
    planted("frameable_pages", &["page-framing"]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn cookies_without_http_only_are_caught() {
    planted("script_readable_cookies", &["cookie-flags"]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_session_fixed_before_the_login_is_caught() {
    planted("adopted_session_id", &["session-fixation"]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cacheable_response_page_is_warned_of() {
    planted_warned("cacheable_pages", &["response-not-cached"]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn unsigned_requests_taken_are_caught() {
    // A wrapped request is an unsigned one to an IdP that takes unsigned requests.
    planted("unsigned_requests", &["req-post-wrapped", "req-unsigned"]).await;
}

/// A test key and certificate (PEM) for a Debian IdP peer called `name`.
fn peer_credential(ca_url: &str, name: &str) -> (String, String) {
    use rsa::pkcs8::EncodePrivateKey;
    let pki =
        mock_ca::Pki::build(mock_ca::PkiConfig::new(ca_url), mock_ca::Clock::system()).unwrap();
    let cred = pki.service_credential(name).unwrap();
    let key = cred
        .key
        .to_pkcs8_pem(rsa::pkcs8::LineEnding::LF)
        .unwrap()
        .to_string();
    (key, mock_ca::pki::pem("CERTIFICATE", &cred.certificate))
}

/// The plan against a Debian IdP peer logging `testuser` in by password, its metadata at
/// `metadata_path`; its verdicts must equal `conformance/expected/idp-<name>.toml`.
async fn certify_peer(name: &str, suite: &SuiteSps, mut peer: Peer, metadata_path: &str) {
    how_it_runs(&peer);
    peer.wait_ready(metadata_path, std::time::Duration::from_secs(30))
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let sut = dir.path().join("idp-sut.toml");
    std::fs::write(
        &sut,
        format!(
            "name = \"{name}-idp\"\nmetadata = \"{}{metadata_path}\"\nauthn_class = \"urn:oasis:names:tc:SAML:2.0:ac:classes:Password\"\n\n[password]\nusername = \"testuser\"\npassword = \"testpass\"\n",
            peer.base_url
        ),
    )
    .unwrap();
    let config = IdpSutConfig::load(&sut).unwrap();
    let report = conformance::idp::run(&config, suite, |_| {}).await.unwrap();
    let out = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("test-idp")
        .join(name);
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("report.json"), reports::json(&report)).unwrap();
    std::fs::write(out.join("peer.log"), peer.log()).unwrap();
    let summary = summary(&report);
    std::fs::write(out.join("verdicts.txt"), &summary).unwrap();
    let pre = report.cases().find(|c| c.id == "preflight").unwrap();
    assert_eq!(pre.verdict, Verdict::Passed, "{summary}\n{}", peer.log());
    let file = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(format!("../conformance/expected/idp-{name}.toml"));
    let diff = Expected::load(&file).unwrap().differences(&report);
    assert!(
        diff.is_empty(),
        "differs from {}:\n{diff:#?}\n{summary}",
        file.display()
    );
}

/// SimpleSAMLphp's IdP from Debian (password login, no card binding), trusting the suite's
/// two SPs as its stock configuration would: the protocol part of the plan runs, the card
/// tests are SKIPPED; verdicts as `conformance/expected/idp-simplesamlphp.toml` says.
#[tokio::test(flavor = "multi_thread")]
async fn simplesamlphp_idp_gets_its_expected_verdicts() {
    let dir = tempfile::tempdir().unwrap();
    let ca_url = format!("http://127.0.0.1:{}", free_port().unwrap());
    let suite = SuiteSps::new("http://127.0.0.1:18600", &ca_url).unwrap();
    let (key, cert) = peer_credential(&ca_url, "simplesamlphp-idp");
    let sps: Vec<(&str, &str, Option<&str>)> = suite
        .sps
        .iter()
        .map(|s| {
            (
                s.entity_id.as_str(),
                s.acs_url.as_str(),
                Some(s.slo_url.as_str()),
            )
        })
        .collect();
    let peer = mnctf::peers::simplesamlphp_idp_for(&dir.path().join("ssp-idp"), &key, &cert, &sps)
        .await
        .unwrap();
    certify_peer("simplesamlphp", &suite, peer, "/saml2/idp/metadata.php").await;
}

/// pysaml2's IdP from Debian (password login, as its example IdP), trusting the suite's
/// two SPs by their metadata: the protocol part runs; verdicts as
/// `conformance/expected/idp-pysaml2.toml` says.
#[tokio::test(flavor = "multi_thread")]
async fn pysaml2_idp_gets_its_expected_verdicts() {
    let dir = tempfile::tempdir().unwrap();
    let ca_url = format!("http://127.0.0.1:{}", free_port().unwrap());
    let suite = SuiteSps::new("http://127.0.0.1:18600", &ca_url).unwrap();
    let (key, cert) = peer_credential(&ca_url, "pysaml2-idp");
    let mds = vec![suite.metadata(0), suite.metadata(1)];
    let peer = mnctf::peers::pysaml2_idp(&dir.path().join("pysaml2-idp"), (&key, &cert), &mds)
        .await
        .unwrap();
    certify_peer("pysaml2", &suite, peer, "/metadata").await;
}
