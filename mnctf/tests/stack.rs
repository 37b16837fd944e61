//! The federation a person clicks through (`mnctf up`), driven by a scripted browser: SP
//! login, the platform's login page, the card helper with the PIN, the POST back to the
//! SP, a second SP without the card, and logout everywhere.

use mnctf::browser::Browser;
use mnctf::stack::{Ports, Stack};
use mock_ca::PersonaId;

#[tokio::test(flavor = "multi_thread")]
async fn a_person_logs_in_with_the_card_uses_two_sps_and_logs_out_of_both() {
    let dir = tempfile::tempdir().unwrap();
    let stack = Stack::start(Ports::ANY, PersonaId::Valid, dir.path())
        .await
        .unwrap();
    let b = Browser::new();
    let login = b.get(&format!("{}/login", stack.sp_urls[0])).await.unwrap();
    assert!(
        login
            .url
            .starts_with(&format!("{}/login?tx=", stack.idp_url)),
        "{}",
        login.url
    );
    assert_eq!(login.status, 200);
    assert!(login.body.contains("マイナンバーカード") && login.body.contains(&stack.helper_url));
    // The service is named as people know it (mdui:DisplayName), not by its entity ID.
    assert!(
        login.body.contains("電子申請システム")
            && !login.body.contains(&format!("{}/sp", stack.sp_urls[0])),
        "{}",
        login.body
    );
    let page = b
        .card_login(&stack.idp_url, &stack.helper_url, &login.url, "1234")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (page.url.as_str(), page.status),
        (format!("{}/", stack.sp_urls[0]).as_str(), 200),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("AUTHENTICATED") && page.body.contains("jpki-user-authentication"),
        "{}",
        page.body
    );
    // The second SP: SSO, no card.
    let page = b.get(&format!("{}/login", stack.sp_urls[1])).await.unwrap();
    assert_eq!(
        (page.url.as_str(), page.status),
        (format!("{}/", stack.sp_urls[1]).as_str(), 200),
        "{}",
        page.body
    );
    // Logout at the first SP ends both.
    let page = b
        .get(&format!("{}/logout", stack.sp_urls[0]))
        .await
        .unwrap();
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("logged out of every service"),
        "{}",
        page.body
    );
    for sp in &stack.sp_urls {
        assert_eq!(
            b.get(&format!("{sp}/")).await.unwrap().status,
            401,
            "{sp} still has a session"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_card_helper_refuses_other_sites_and_reports_wrong_pins() {
    let dir = tempfile::tempdir().unwrap();
    let stack = Stack::start(Ports::ANY, PersonaId::Valid, dir.path())
        .await
        .unwrap();
    let b = Browser::new();
    let login = b.get(&format!("{}/login", stack.sp_urls[0])).await.unwrap();
    let tx = login.url.split("tx=").nth(1).unwrap().to_owned();
    let (_, c) = b
        .post_json(
            &format!("{}/card-login/challenge", stack.idp_url),
            None,
            serde_json::json!({ "tx": tx }),
        )
        .await
        .unwrap();
    let (status, _) = b
        .post_json(
            &format!("{}/sign", stack.helper_url),
            Some("http://127.0.0.1:1"),
            serde_json::json!({ "challenge": c["challenge"], "pin": "1234" }),
        )
        .await
        .unwrap();
    assert_eq!(status, 403, "a page of another origin may not use the card");
    let err = b
        .card_login(&stack.idp_url, &stack.helper_url, &login.url, "9999")
        .await
        .unwrap()
        .unwrap_err();
    assert!(err.contains("tries left"), "{err}");
    assert_eq!(
        stack
            .card
            .with_card(|c| c.tries_left(mock_card::PinKind::UserAuthentication)),
        2
    );
}
