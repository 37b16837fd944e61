//! Interop with real SPs from Debian's packages (peers.md), started privately on loopback:
//! SP-initiated login with the virtual card at our platform ends on the SP's protected
//! page with our pairwise NameID; a second SP in the same browser needs no second card
//! signature; logout where the SP supports it.

use std::time::Duration;

use mnctf::browser::Browser;
use mnctf::peers::{python_sp, Peer};
use mnctf::stack::{Ports, Stack};
use mock_ca::PersonaId;
use rsa::pkcs8::EncodePrivateKey;
use trust_framework::saml::constants::AC_JPKI_USER_AUTH;

async fn start_python(name: &str, stack: &Stack, dir: &std::path::Path) -> Peer {
    let cred = stack.ca.pki.service_credential("sp-3").unwrap();
    let key = cred.key.to_pkcs8_pem(rsa::pkcs8::LineEnding::LF).unwrap();
    let cert = mock_ca::pki::pem("CERTIFICATE", &cred.certificate);
    let mut peer = python_sp(
        name,
        &dir.join(name),
        &stack.idp.metadata(),
        &key,
        &cert,
        AC_JPKI_USER_AUTH,
    )
    .unwrap();
    peer.wait_ready("/metadata", Duration::from_secs(30))
        .await
        .unwrap();
    let md = reqwest::get(format!("{}/metadata", peer.base_url))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    stack
        .idp
        .register_sps(&md)
        .unwrap_or_else(|e| panic!("{name} metadata: {e}\n{md}"));
    peer
}

/// The whole check for one SP peer; `logout` when the peer does SLO.
async fn check_peer(name: &str, logout: bool) {
    let dir = tempfile::tempdir().unwrap();
    let stack = Stack::start(Ports::ANY, PersonaId::Valid, dir.path())
        .await
        .unwrap();
    let peer = start_python(name, &stack, dir.path()).await;
    let b = Browser::new();
    let login = b.get(&format!("{}/login", peer.base_url)).await.unwrap();
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
        .to_owned();
    assert_eq!(
        name_id.len(),
        43,
        "{name} shows our pairwise NameID: {}",
        page.body
    );
    assert!(
        page.body.contains(AC_JPKI_USER_AUTH),
        "{name}: {}",
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
    if logout {
        let out = b.get(&format!("{}/logout", peer.base_url)).await.unwrap();
        assert!(
            out.status == 200 && out.body.contains("LOGGED OUT"),
            "{name}: {} {}\n{}",
            out.status,
            out.body,
            peer.log()
        );
        assert_eq!(
            b.get(&format!("{}/protected", peer.base_url))
                .await
                .unwrap()
                .status,
            401
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
    check_peer("python3-saml", true).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn pysaml2_logs_in_with_the_card() {
    check_peer("pysaml2", false).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn lasso_logs_in_with_the_card() {
    check_peer("lasso", false).await;
}
