//! The federation a person clicks through (`mnctf up`), driven by a scripted browser: SP
//! login, the platform's login page, the card helper with the PIN, the POST back to the
//! SP, a second SP without the card, and logout everywhere.

use std::time::Duration;

use mnctf::stack::{Ports, Stack};
use mock_ca::PersonaId;

/// A browser: cookies, redirects followed by hand, auto-POST forms submitted (as the
/// page's onload would).
struct Browser {
    http: reqwest::Client,
}

fn field(html: &str, name: &str) -> Option<String> {
    let marker = format!(r#"name="{name}" value=""#);
    let start = html.find(&marker)? + marker.len();
    let end = html[start..].find('"')? + start;
    Some(
        html[start..end]
            .replace("&amp;", "&")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&lt;", "<")
            .replace("&gt;", ">"),
    )
}

impl Browser {
    fn new() -> Self {
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap();
        Self { http }
    }

    /// Follows redirects and auto-POST forms; returns (final URL, status, body).
    async fn go(&self, mut resp: reqwest::Response) -> (String, u16, String) {
        for _ in 0..20 {
            let url = resp.url().clone();
            if resp.status().is_redirection() {
                let loc = resp.headers()["location"].to_str().unwrap().to_owned();
                resp = self.http.get(url.join(&loc).unwrap()).send().await.unwrap();
                continue;
            }
            let status = resp.status().as_u16();
            let body = resp.text().await.unwrap();
            if body.contains("document.forms[0].submit()") {
                let action = body
                    .split(r#"action=""#)
                    .nth(1)
                    .unwrap()
                    .split('"')
                    .next()
                    .unwrap()
                    .replace("&amp;", "&");
                let mut form = url::form_urlencoded::Serializer::new(String::new());
                for name in ["SAMLResponse", "SAMLRequest", "RelayState"] {
                    if let Some(v) = field(&body, name) {
                        form.append_pair(name, &v);
                    }
                }
                resp = self
                    .http
                    .post(url.join(&action).unwrap())
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(form.finish())
                    .send()
                    .await
                    .unwrap();
                continue;
            }
            return (url.to_string(), status, body);
        }
        panic!("redirect loop");
    }

    async fn get(&self, url: &str) -> (String, u16, String) {
        let resp = self.http.get(url).send().await.unwrap();
        self.go(resp).await
    }

    async fn post_json(
        &self,
        url: &str,
        origin: Option<&str>,
        body: serde_json::Value,
    ) -> (u16, serde_json::Value) {
        let mut req = self
            .http
            .post(url)
            .header("content-type", "application/json")
            .body(body.to_string());
        if let Some(o) = origin {
            req = req.header("origin", o);
        }
        let resp = req.send().await.unwrap();
        (resp.status().as_u16(), resp.json().await.unwrap())
    }

    /// What the login page's script does: challenge, helper, answer, continue.
    async fn card_login(
        &self,
        stack: &Stack,
        login_url: &str,
        pin: &str,
    ) -> Result<(String, u16, String), String> {
        let tx = login_url.split("tx=").nth(1).unwrap().to_owned();
        let (_, c) = self
            .post_json(
                &format!("{}/card-login/challenge", stack.idp_url),
                None,
                serde_json::json!({ "tx": tx }),
            )
            .await;
        let (status, card) = self
            .post_json(
                &format!("{}/sign", stack.helper_url),
                Some(&stack.idp_url),
                serde_json::json!({ "challenge": c["challenge"], "pin": pin }),
            )
            .await;
        if status != 200 {
            return Err(card["error"].as_str().unwrap_or_default().to_owned());
        }
        let (status, a) = self
            .post_json(
                &format!("{}/card-login/answer", stack.idp_url),
                None,
                serde_json::json!({ "tx": tx, "nonce": c["nonce"], "certificate": card["certificate"], "signature": card["signature"] }),
            )
            .await;
        if status != 200 {
            return Err(a["error"].as_str().unwrap_or_default().to_owned());
        }
        Ok(self
            .get(&format!(
                "{}{}",
                stack.idp_url,
                a["continue"].as_str().unwrap()
            ))
            .await)
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_person_logs_in_with_the_card_uses_two_sps_and_logs_out_of_both() {
    let dir = tempfile::tempdir().unwrap();
    let stack = Stack::start(Ports::ANY, PersonaId::Valid, dir.path())
        .await
        .unwrap();
    let b = Browser::new();
    let (url, status, page) = b.get(&format!("{}/login", stack.sp_urls[0])).await;
    assert!(
        url.starts_with(&format!("{}/login?tx=", stack.idp_url)),
        "{url}"
    );
    assert_eq!(status, 200);
    assert!(page.contains("マイナンバーカード") && page.contains(&stack.helper_url));
    let (url, status, page) = b.card_login(&stack, &url, "1234").await.unwrap();
    assert_eq!(
        (url.as_str(), status),
        (format!("{}/", stack.sp_urls[0]).as_str(), 200),
        "{page}"
    );
    assert!(
        page.contains("AUTHENTICATED") && page.contains("jpki-user-authentication"),
        "{page}"
    );
    // The second SP: SSO, no card.
    let (url, status, page) = b.get(&format!("{}/login", stack.sp_urls[1])).await;
    assert_eq!(
        (url.as_str(), status),
        (format!("{}/", stack.sp_urls[1]).as_str(), 200),
        "{page}"
    );
    // Logout at the first SP ends both.
    let (_, status, page) = b.get(&format!("{}/logout", stack.sp_urls[0])).await;
    assert_eq!(status, 200);
    assert!(page.contains("logged out of every service"), "{page}");
    for sp in &stack.sp_urls {
        let (_, status, _) = b.get(&format!("{sp}/")).await;
        assert_eq!(status, 401, "{sp} still has a session");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_card_helper_refuses_other_sites_and_reports_wrong_pins() {
    let dir = tempfile::tempdir().unwrap();
    let stack = Stack::start(Ports::ANY, PersonaId::Valid, dir.path())
        .await
        .unwrap();
    let b = Browser::new();
    let (url, _, _) = b.get(&format!("{}/login", stack.sp_urls[0])).await;
    let tx = url.split("tx=").nth(1).unwrap().to_owned();
    let (_, c) = b
        .post_json(
            &format!("{}/card-login/challenge", stack.idp_url),
            None,
            serde_json::json!({ "tx": tx }),
        )
        .await;
    let (status, _) = b
        .post_json(
            &format!("{}/sign", stack.helper_url),
            Some("http://127.0.0.1:1"),
            serde_json::json!({ "challenge": c["challenge"], "pin": "1234" }),
        )
        .await;
    assert_eq!(status, 403, "a page of another origin may not use the card");
    let err = b.card_login(&stack, &url, "9999").await.unwrap_err();
    assert!(err.contains("tries left"), "{err}");
    assert_eq!(
        stack
            .card
            .with_card(|c| c.tries_left(mock_card::PinKind::UserAuthentication)),
        2
    );
}
