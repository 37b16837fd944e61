//! The platform's web hygiene (issue 21, item 8), each found from outside before the fix:
//! no caching of pages that carry a signed Response, no Referer leaking a login's address,
//! SameSite on its cookies, no logout by another site's link, a new login ends the old
//! session id, and a browser-binding value an attacker chose is not kept.

mod common;

use common::{browser, card_login, full_login, interpret, Lab, Outcome};
use mock_ca::PersonaId;

fn header(resp: &reqwest::Response, name: &str) -> String {
    resp.headers()
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join(" | ")
}

#[tokio::test(flavor = "multi_thread")]
async fn pages_are_not_cached_and_send_no_referer_and_cookies_have_samesite() {
    let lab = Lab::start().await;
    let b = browser();
    let (url, _) = lab.login_url(0, |_| {});
    let sso = b.get(url).send().await.unwrap();
    assert_eq!(header(&sso, "cache-control"), "no-store");
    assert_eq!(header(&sso, "referrer-policy"), "no-referrer");
    let cookies = header(&sso, "set-cookie");
    assert!(
        cookies.contains("mnctf_idp_browser_") && cookies.contains("SameSite=Lax"),
        "{cookies}"
    );
    let Outcome::Login { tx } = interpret(sso).await else {
        panic!("the login page")
    };
    let next = card_login(&lab, &b, &tx, PersonaId::Valid).await.unwrap();
    let response_page = b.get(next).send().await.unwrap();
    assert_eq!(
        header(&response_page, "cache-control"),
        "no-store",
        "the page carrying the signed Response"
    );
    let metadata = b
        .get(format!("{}/metadata", lab.idp_url))
        .send()
        .await
        .unwrap();
    assert_eq!(header(&metadata, "cache-control"), "max-age=3600");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_link_from_another_site_to_logout_does_not_end_the_session() {
    let lab = Lab::start().await;
    let b = browser();
    assert!(matches!(
        full_login(&lab, &b, 0, PersonaId::Valid).await,
        Outcome::Response { .. }
    ));
    // Another site's link or redirect: a GET.
    let page = b
        .get(format!("{}/logout", lab.idp_url))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    // Another site's auto-posted form: no token of this session.
    let forged = b
        .post(format!("{}/logout", lab.idp_url))
        .form(&[("token", "guessed")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    let (url, _) = lab.login_url(1, |_| {});
    assert!(
        matches!(
            interpret(b.get(url).send().await.unwrap()).await,
            Outcome::Response { .. }
        ),
        "the session stays: SSO at a second SP"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_card_login_ends_the_old_session_id() {
    let lab = Lab::start().await;
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    let b = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let session = || session_cookie(&lab, &jar);
    assert!(matches!(
        full_login(&lab, &b, 0, PersonaId::Valid).await,
        Outcome::Response { .. }
    ));
    let old = session();
    let (url, _) = lab.login_url(1, |r| r.force_authn = true);
    let Outcome::Login { tx } = interpret(b.get(url).send().await.unwrap()).await else {
        panic!("ForceAuthn asks for the card")
    };
    let next = card_login(&lab, &b, &tx, PersonaId::Valid).await.unwrap();
    assert!(matches!(
        interpret(b.get(next).send().await.unwrap()).await,
        Outcome::Response { .. }
    ));
    assert_ne!(old, session(), "a new session id");
    // A browser holding the old id (fixed by an attacker, or left from before) gets no SSO.
    let other = browser();
    let (url, _) = lab.login_url(1, |_| {});
    let resp = other
        .get(url)
        .header("cookie", format!("mnctf_idp_direct={old}"))
        .send()
        .await
        .unwrap();
    assert!(
        matches!(interpret(resp).await, Outcome::Login { .. }),
        "the old session id no longer logs anyone in"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_browser_binding_value_chosen_by_an_attacker_is_replaced() {
    let lab = Lab::start().await;
    let b = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let (url, _) = lab.login_url(0, |_| {});
    let name = idp::http::browser_cookie(&lab.idp);
    let planted = format!("{name}=chosen-by-the-attacker");
    let resp = b
        .get(url)
        .header("cookie", planted.as_str())
        .send()
        .await
        .unwrap();
    let set = header(&resp, "set-cookie");
    assert!(set.contains(&format!("{name}=")), "{set}");
    assert!(
        !set.contains(&planted),
        "the platform issues its own value: {set}"
    );
    let Outcome::Login { tx } = interpret(resp).await else {
        panic!("the login page")
    };
    // With only the chosen value, the attacker cannot use the login in progress.
    let challenge = b
        .post(format!("{}/card-login/challenge", lab.idp_url))
        .header("cookie", planted.as_str())
        .header("content-type", "application/json")
        .body(serde_json::json!({ "tx": tx }).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(challenge.status(), 400);
    let said = challenge.text().await.unwrap();
    assert!(said.contains("started in another browser"), "{said}");
}

/// The platform's session cookie in `jar`.
fn session_cookie(lab: &Lab, jar: &reqwest::cookie::Jar) -> String {
    use reqwest::cookie::CookieStore as _;
    let url = url::Url::parse(&lab.idp_url).unwrap();
    let all = jar.cookies(&url).expect("cookies for the platform");
    all.to_str()
        .unwrap()
        .split("; ")
        .find_map(|kv| kv.strip_prefix("mnctf_idp_direct="))
        .expect("a session cookie")
        .to_owned()
}

/// The platform and a CATV operator's IdP on one host keep their SSO sessions apart:
/// cookies do not tell ports apart, so one session cookie name for both had the second
/// login overwrite the first IdP's session.
#[tokio::test(flavor = "multi_thread")]
async fn two_idps_on_one_host_keep_their_sessions_apart() {
    let platform = Lab::start().await;
    let catv = Lab::start_with(|c| c.channel = "catv".into()).await;
    let b = browser();
    for lab in [&platform, &catv] {
        assert!(matches!(
            full_login(lab, &b, 0, PersonaId::Valid).await,
            Outcome::Response { .. }
        ));
    }
    let (url, _) = platform.login_url(1, |_| {});
    assert!(
        matches!(
            interpret(b.get(url).send().await.unwrap()).await,
            Outcome::Response { .. }
        ),
        "back at the platform, its session still logs the browser in"
    );
}
