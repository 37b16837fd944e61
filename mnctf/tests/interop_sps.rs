//! Interop with real SPs from Debian's packages (peers.md), started privately on loopback:
//! SP-initiated login with the virtual card at our platform ends on the SP's protected
//! page with our pairwise NameID; a second SP in the same browser needs no second card
//! signature; logout where the SP supports it.

use std::time::Duration;

use mnctf::browser::Browser;
use mnctf::peers::{sp_credential_pem, start_sp, IdpFacts, Peer, SpPaths};
use mnctf::stack::{Ports, Stack};
use mock_ca::PersonaId;

#[path = "support/placement.rs"]
mod placement;
use placement::how_it_runs;

async fn start(name: &str, stack: &Stack, dir: &std::path::Path) -> (Peer, SpPaths) {
    let (key, cert) = sp_credential_pem(&stack.ca.pki).unwrap();
    let md = stack.idp.metadata();
    let idp = IdpFacts {
        metadata: &md,
        entity_id: stack.idp.entity_id.as_str(),
        cert_der: &stack.idp.cert_der,
        base_url: &stack.idp_url,
    };
    let (peer, paths) = start_sp(name, &idp, &key, &cert, dir).await.unwrap();
    how_it_runs(&peer);
    (peer, paths)
}

/// The whole check for one SP peer.
async fn check_peer(name: &str) {
    let dir = tempfile::tempdir().unwrap();
    let stack = Stack::start(Ports::ANY, PersonaId::Valid, dir.path())
        .await
        .unwrap();
    let (mut peer, paths) = start(name, &stack, dir.path()).await;
    peer.wait_ready(&paths.metadata, Duration::from_secs(30))
        .await
        .unwrap();
    let md = reqwest::get(format!("{}{}", peer.base_url, paths.metadata))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    stack
        .idp
        .register_sps(&md)
        .unwrap_or_else(|e| panic!("{name} metadata: {e}\n{md}"));
    let b = Browser::new();
    let login = b
        .get(&format!("{}{}", peer.base_url, paths.login))
        .await
        .unwrap();
    assert!(
        login.url.contains("/login?tx="),
        "{name} did not reach the platform's login page: {} {}\n{}",
        login.status,
        login.body,
        peer.log()
    );
    let page = b
        .card_login(&stack.idp_url, &stack.helper_url, &login.url, "1234")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(page.status, 200, "{name}: {}\n{}", page.body, peer.log());
    assert!(page.body.contains("AUTHENTICATED"), "{name}: {}", page.body);
    let name_id = page
        .body
        .lines()
        .find_map(|l| l.strip_prefix("NameID: "))
        .unwrap_or_default()
        .trim()
        .to_owned();
    assert_eq!(
        name_id.len(),
        43,
        "{name} shows our pairwise NameID: {}",
        page.body
    );
    eprintln!("{name} shows:\n{}", page.body);
    // A second SP in the same browser: no card.
    let second = b.get(&format!("{}/login", stack.sp_urls[0])).await.unwrap();
    assert_eq!(
        (second.status, second.url.ends_with('/')),
        (200, true),
        "{name}: {}",
        second.body
    );
    if let Some(logout) = &paths.logout {
        let out = b.get(&format!("{}{logout}", peer.base_url)).await.unwrap();
        assert!(
            out.status == 200 && out.body.contains("LOGGED OUT"),
            "{name}: {} {}\n{}",
            out.status,
            out.body,
            peer.log()
        );
        // Without a session the SP refuses (401) or starts a new login (mod_auth_mellon):
        // either way its protected content is not shown.
        let after = b
            .get(&format!("{}{}", peer.base_url, paths.protected))
            .await
            .unwrap();
        assert!(
            !after.body.contains("AUTHENTICATED"),
            "{name} still has a session: {}",
            after.body
        );
        assert_eq!(
            b.get(&format!("{}/", stack.sp_urls[0]))
                .await
                .unwrap()
                .status,
            401,
            "the platform logged the other SP out"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn python3_saml_logs_in_with_the_card_and_logs_out() {
    check_peer("python3-saml").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn pysaml2_logs_in_with_the_card_and_logs_out() {
    check_peer("pysaml2").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn lasso_logs_in_with_the_card_and_logs_out() {
    check_peer("lasso").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn mod_auth_mellon_logs_in_with_the_card_and_logs_out() {
    check_peer("mellon").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn shibboleth_sp_logs_in_with_the_card_and_logs_out() {
    check_peer("shibboleth").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn simplesamlphp_logs_in_with_the_card_and_logs_out() {
    check_peer("simplesamlphp").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn ruby_saml_logs_in_with_the_card_and_logs_out() {
    check_peer("ruby-saml").await;
}
