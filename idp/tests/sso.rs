//! The platform end to end on loopback: SP-initiated SSO with a virtual card, the live CA
//! service for OCSP and CRLs, and the failures each requirement names.

mod common;

use common::{browser, card_login, full_login, interpret, Lab, Outcome};
use mock_ca::ocsp::Fault;
use mock_ca::PersonaId;
use trust_framework::saml::constants::{status, AC_JPKI_USER_AUTH};
use trust_framework::saml::signature;

/// The verified (signed-only) Response, parsed enough to check fields.
fn verified(lab: &Lab, xml: &str) -> String {
    signature::verify_enveloped(xml, std::slice::from_ref(&lab.idp_cert))
        .expect("the IdP's signature verifies")
}

fn between<'a>(xml: &'a str, open: &str, close: &str) -> &'a str {
    let start = xml.find(open).unwrap_or_else(|| panic!("{open} in {xml}"));
    let from = start + xml[start..].find('>').unwrap() + 1;
    let end = from + xml[from..].find(close).unwrap();
    &xml[from..end]
}

fn name_id(xml: &str) -> String {
    between(xml, "<saml:NameID", "</saml:NameID>").to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn tf_idp_006_sp_initiated_login_gives_a_signed_response_with_a_pairwise_name_id() {
    let lab = Lab::start().await;
    let b = browser();
    let (url, request_id) = lab.login_url(0, |_| {});
    let Outcome::Login { tx } = interpret(b.get(url).send().await.unwrap()).await else {
        panic!("expected the login page")
    };
    let next = card_login(&lab, &b, &tx, PersonaId::Valid).await.unwrap();
    let Outcome::Response {
        action,
        xml,
        relay_state,
    } = interpret(b.get(next).send().await.unwrap()).await
    else {
        panic!("expected a Response")
    };
    assert_eq!(action, lab.sps[0].acs);
    assert_eq!(relay_state.as_deref(), Some("relay-1"));
    let v = verified(&lab, &xml);
    assert!(v.contains(&format!(r#"InResponseTo="{request_id}""#)));
    assert!(v.contains(&format!(
        "<saml:Audience>{}</saml:Audience>",
        lab.sps[0].entity_id
    )));
    assert!(v.contains(&format!(r#"Recipient="{}""#, lab.sps[0].acs)));
    assert!(v.contains("nameid-format:persistent"));
    assert!(v.contains(AC_JPKI_USER_AUTH));
    assert!(v.contains("urn:mnctf:attr:authn-channel") && v.contains(">direct<"));
    assert_eq!(name_id(&v).len(), 43);
}

#[tokio::test(flavor = "multi_thread")]
async fn tf_idp_010_second_sp_needs_no_second_card_signature_and_gets_another_name_id() {
    let lab = Lab::start().await;
    let b = browser();
    let Outcome::Response { xml: first, .. } = full_login(&lab, &b, 0, PersonaId::Valid).await
    else {
        panic!("first login")
    };
    let (url, _) = lab.login_url(1, |_| {});
    let Outcome::Response {
        action,
        xml: second,
        ..
    } = interpret(b.get(url).send().await.unwrap()).await
    else {
        panic!("the session answers without the card")
    };
    assert_eq!(action, lab.sps[1].acs);
    let (a, c) = (verified(&lab, &first), verified(&lab, &second));
    assert_ne!(name_id(&a), name_id(&c), "TF-IDP-008: pairwise");
    let index = |x: &str| {
        x.split("SessionIndex=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_owned()
    };
    assert_eq!(index(&a), index(&c));
    // The same card in a new browser gets the same NameID at the same SP.
    let again = browser();
    let Outcome::Response { xml: third, .. } = full_login(&lab, &again, 0, PersonaId::Valid).await
    else {
        panic!("third login")
    };
    assert_eq!(name_id(&verified(&lab, &third)), name_id(&a));
}

#[tokio::test(flavor = "multi_thread")]
async fn tf_pki_revoked_expired_and_unknown_ca_cards_are_refused_with_their_reason() {
    let lab = Lab::start().await;
    // The technical reason, and what the citizen is told in plain Japanese.
    for (persona, status, why, told) in [
        (PersonaId::AuthRevoked, 403, "revoked", "失効しています"),
        (
            PersonaId::AuthExpired,
            403,
            "expired",
            "有効期限が切れています",
        ),
        (
            PersonaId::UnknownCa,
            403,
            "signature does not verify with that CA's key",
            "確認できませんでした",
        ),
    ] {
        match full_login(&lab, &browser(), 0, persona).await {
            Outcome::Error { status: s, body } => {
                assert_eq!(s, status, "{persona:?}: {body}");
                assert!(
                    body.contains(why) && body.contains(told),
                    "{persona:?}: {body}"
                );
            }
            other => panic!("{persona:?} must be refused, got {other:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn tf_pki_006_ocsp_down_falls_back_to_the_crl_and_both_down_fails_closed() {
    let lab = Lab::start().await;
    lab.ca.faults.set_ocsp(Some(Fault::Unavailable));
    assert!(
        matches!(
            full_login(&lab, &browser(), 0, PersonaId::Valid).await,
            Outcome::Response { .. }
        ),
        "CRL fallback"
    );
    assert!(
        matches!(
            full_login(&lab, &browser(), 0, PersonaId::AuthRevoked).await,
            Outcome::Error { status: 403, .. }
        ),
        "the CRL lists it"
    );
    lab.ca.faults.set_stale_crl(true);
    match full_login(&lab, &browser(), 0, PersonaId::Valid).await {
        Outcome::Error { status, body } => {
            assert_eq!(status, 503);
            assert!(
                body.contains("revocation status unavailable")
                    && body.contains("503")
                    && body.contains("stale"),
                "{body}"
            );
        }
        other => panic!("must fail closed, got {other:?}"),
    }
    lab.ca.faults.set_stale_crl(false);
    lab.ca.faults.set_ocsp(Some(Fault::WrongSigner));
    assert!(
        matches!(
            full_login(&lab, &browser(), 0, PersonaId::Valid).await,
            Outcome::Response { .. }
        ),
        "a forged OCSP answer is ignored, the CRL decides"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn tf_bind_002_a_challenge_answers_once() {
    let lab = Lab::start().await;
    let b = browser();
    let (url, _) = lab.login_url(0, |_| {});
    let Outcome::Login { tx } = interpret(b.get(url).send().await.unwrap()).await else {
        panic!()
    };
    let (challenge, nonce) = common::challenge(&lab, &b, &tx).await;
    let persona = lab.ca.pki.persona(PersonaId::Valid);
    let sig = common::card(&lab, PersonaId::Valid)
        .authenticate(&persona.auth_pin, &challenge.digest_info())
        .unwrap();
    common::answer(&lab, &b, &tx, &nonce, &persona.card.auth.issued.der, &sig)
        .await
        .unwrap();
    let replay = common::answer(&lab, &b, &tx, &nonce, &persona.card.auth.issued.der, &sig)
        .await
        .unwrap_err();
    assert_eq!(replay.0, 403);
    assert!(replay.1.contains("already used"), "{}", replay.1);
    // A signature over one challenge does not answer another.
    let (_, nonce2) = common::challenge(&lab, &b, &tx).await;
    let wrong = common::answer(&lab, &b, &tx, &nonce2, &persona.card.auth.issued.der, &sig)
        .await
        .unwrap_err();
    assert!(wrong.1.contains("does not verify"), "{}", wrong.1);
}

#[tokio::test(flavor = "multi_thread")]
async fn tf_idp_002_003_unknown_sp_and_unregistered_acs_get_an_error_page_not_a_redirect() {
    let lab = Lab::start().await;
    let b = browser();
    let (url, _) = lab.login_url(1, |r| r.acs_url = "https://evil.example/acs");
    match interpret(b.get(url).send().await.unwrap()).await {
        Outcome::Error { status, body } => {
            assert!(status == 400 && body.contains("not registered"), "{body}")
        }
        other => panic!("{other:?}"),
    }
    let (url, _) = lab.login_url(1, |r| r.issuer = "http://127.0.0.1:1/unknown-sp");
    match interpret(b.get(url).send().await.unwrap()).await {
        Outcome::Error { status, body } => {
            assert!(status == 400 && body.contains("unknown SP"), "{body}")
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn tf_idp_004_unsigned_or_badly_signed_requests_are_refused_where_signing_is_required() {
    let lab = Lab::start().await;
    let b = browser();
    let (url, _) = lab.login_url(0, |_| {});
    let unsigned = url.split("&SigAlg=").next().unwrap().to_owned();
    match interpret(b.get(unsigned).send().await.unwrap()).await {
        Outcome::Error { status, body } => {
            assert!(status == 400 && body.contains("requires signed"), "{body}")
        }
        other => panic!("{other:?}"),
    }
    // Signed by SP 2's key but claiming to be SP 1.
    let sp2_key = lab.sps[1].key.clone();
    let xml = trust_framework::saml::authn_request::build(
        &trust_framework::saml::authn_request::NewAuthnRequest {
            id: "_forged",
            issuer: &lab.sps[0].entity_id,
            destination: &format!("{}/sso", lab.idp_url),
            acs_url: &lab.sps[0].acs,
            issue_instant: lab.clock.now(),
            force_authn: false,
            is_passive: false,
            authn_context_class: None,
            attribute_consuming_service_index: None,
        },
    );
    let q = trust_framework::saml::bindings::encode_redirect(
        trust_framework::saml::bindings::Kind::Request,
        &xml,
        None,
        Some(&sp2_key),
    )
    .unwrap();
    match interpret(
        b.get(format!("{}/sso?{q}", lab.idp_url))
            .send()
            .await
            .unwrap(),
    )
    .await
    {
        Outcome::Error { status, body } => {
            assert!(status == 400 && body.contains("signature"), "{body}")
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn tf_idp_011_012_force_authn_asks_again_and_is_passive_without_session_gets_no_passive() {
    let lab = Lab::start().await;
    let b = browser();
    let (url, _) = lab.login_url(1, |r| r.is_passive = true);
    let Outcome::Response { xml, .. } = interpret(b.get(url).send().await.unwrap()).await else {
        panic!("an error Response to the ACS")
    };
    assert!(verified(&lab, &xml).contains(status::NO_PASSIVE));
    assert!(matches!(
        full_login(&lab, &b, 1, PersonaId::Valid).await,
        Outcome::Response { .. }
    ));
    let (url, _) = lab.login_url(1, |r| r.force_authn = true);
    assert!(
        matches!(
            interpret(b.get(url).send().await.unwrap()).await,
            Outcome::Login { .. }
        ),
        "ForceAuthn shows the login page despite the session"
    );
    let (url, _) = lab.login_url(1, |r| r.is_passive = true);
    assert!(
        matches!(
            interpret(b.get(url).send().await.unwrap()).await,
            Outcome::Response { .. }
        ),
        "IsPassive with a session"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn tf_idp_009_a_class_the_platform_cannot_give_gets_no_authn_context() {
    let lab = Lab::start().await;
    let b = browser();
    let (url, _) = lab.login_url(1, |r| {
        r.authn_context_class =
            Some("urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport")
    });
    let Outcome::Response { xml, .. } = interpret(b.get(url).send().await.unwrap()).await else {
        panic!()
    };
    assert!(verified(&lab, &xml).contains(status::NO_AUTHN_CONTEXT));
}

#[tokio::test(flavor = "multi_thread")]
async fn tf_idp_015_malformed_requests_get_specific_errors() {
    let lab = Lab::start().await;
    let b = browser();
    for (query, why) in [
        ("SAMLRequest=%%%", "not base64"),
        ("SAMLRequest=AAAA", "DEFLATE"),
        ("", "no SAMLRequest"),
    ] {
        match interpret(
            b.get(format!("{}/sso?{query}", lab.idp_url))
                .send()
                .await
                .unwrap(),
        )
        .await
        {
            Outcome::Error { status, body } => {
                assert!(status == 400 && body.contains(why), "{query}: {body}")
            }
            other => panic!("{other:?}"),
        }
    }
    let resp = b
        .post(format!("{}/sso", lab.idp_url))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("SAMLRequest={}", "A".repeat(300 * 1024)))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 413);
}

#[tokio::test(flavor = "multi_thread")]
async fn tf_pki_008_a_renewed_card_keeps_the_name_id() {
    let lab = Lab::start().await;
    let persona = lab.ca.pki.persona(PersonaId::Renewed);
    let old_image = persona.previous_card_image().unwrap();
    // Before the renewal the old card is good: log in with it then.
    let now = lab.clock.now();
    lab.clock.set(now - time::Duration::days(40));
    let b = browser();
    let (url, _) = lab.login_url(0, |_| {});
    let Outcome::Login { tx } = interpret(b.get(url).send().await.unwrap()).await else {
        panic!()
    };
    let (challenge, nonce) = common::challenge(&lab, &b, &tx).await;
    let mut old_card = mock_card::client::JpkiClient::new(mock_card::transport::InProcess::new(
        mock_card::JpkiCard::new(old_image),
    ));
    let sig = old_card
        .authenticate(&persona.auth_pin, &challenge.digest_info())
        .unwrap();
    let old_cert = &persona.previous_card.as_ref().unwrap().auth.issued.der;
    let next = common::answer(&lab, &b, &tx, &nonce, old_cert, &sig)
        .await
        .unwrap();
    let Outcome::Response { xml: before, .. } = interpret(b.get(next).send().await.unwrap()).await
    else {
        panic!()
    };
    lab.clock.set(now);
    let Outcome::Response { xml: after, .. } =
        full_login(&lab, &browser(), 0, PersonaId::Renewed).await
    else {
        panic!("the new card logs in")
    };
    assert_eq!(
        name_id(&verified(&lab, &before)),
        name_id(&verified(&lab, &after))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn tf_pki_003_a_certificate_not_yet_valid_is_refused() {
    let lab = Lab::start().await;
    let now = lab.clock.now();
    lab.clock.set(now - time::Duration::days(40));
    match full_login(&lab, &browser(), 0, PersonaId::Valid).await {
        Outcome::Error { status, body } => {
            assert!(status == 403 && body.contains("not valid before"), "{body}")
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn tf_idp_004_a_wrapped_post_authn_request_is_refused() {
    use base64::Engine as _;
    let lab = Lab::start().await;
    let sp = &lab.sps[0];
    let id = "_signed";
    let unsigned = trust_framework::saml::authn_request::build(
        &trust_framework::saml::authn_request::NewAuthnRequest {
            id,
            issuer: &sp.entity_id,
            destination: &format!("{}/sso", lab.idp_url),
            acs_url: &sp.acs,
            issue_instant: lab.clock.now(),
            force_authn: false,
            is_passive: false,
            authn_context_class: None,
            attribute_consuming_service_index: None,
        },
    );
    let with_template = unsigned.replacen(
        "</saml:Issuer>",
        &format!("</saml:Issuer>{}", signature::template(id, &sp.cert)),
        1,
    );
    let key = rsa::pkcs8::EncodePrivateKey::to_pkcs8_der(sp.key.as_ref()).unwrap();
    let signed = signature::sign(&with_template, key.as_bytes()).unwrap();
    // The genuine signed request is accepted by POST …
    let post = |xml: String| {
        let body = format!(
            "SAMLRequest={}",
            base64::engine::general_purpose::STANDARD
                .encode(xml)
                .replace('+', "%2B")
                .replace('/', "%2F")
                .replace('=', "%3D")
        );
        browser()
            .post(format!("{}/sso", lab.idp_url))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
    };
    assert!(matches!(
        interpret(post(signed.clone()).await.unwrap()).await,
        Outcome::Login { .. }
    ));
    // … and hidden in the Extensions of an attacker's request with another ACS, refused.
    let evil = format!(
        r#"<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_evil" Version="2.0" IssueInstant="{}" AssertionConsumerServiceURL="https://evil.example/acs"><saml:Issuer>{}</saml:Issuer><samlp:Extensions>{signed}</samlp:Extensions></samlp:AuthnRequest>"#,
        trust_framework::saml::xml::instant(lab.clock.now()),
        sp.entity_id
    );
    // The outer request carries no signature of its own: refused as unsigned (the
    // signature inside it covers another element).
    match interpret(post(evil).await.unwrap()).await {
        Outcome::Error { status, body } => {
            assert!(
                status == 400 && body.contains("this one is not signed"),
                "{body}"
            )
        }
        other => panic!("a wrapped request must be refused: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn xmlsec1_accepts_every_signature_the_idp_emits() {
    let lab = Lab::start().await;
    let Outcome::Response { xml, .. } = full_login(&lab, &browser(), 0, PersonaId::Valid).await
    else {
        panic!()
    };
    let dir = tempfile::tempdir().unwrap();
    let cert = dir.path().join("idp.pem");
    std::fs::write(&cert, mock_ca::pki::pem("CERTIFICATE", &lab.idp_cert)).unwrap();
    let start = xml.find("<saml:Assertion").unwrap();
    let end = xml.find("</saml:Assertion>").unwrap() + "</saml:Assertion>".len();
    for (doc, node) in [
        (
            xml.as_str(),
            "urn:oasis:names:tc:SAML:2.0:protocol:Response",
        ),
        (
            &xml[start..end],
            "urn:oasis:names:tc:SAML:2.0:assertion:Assertion",
        ),
    ] {
        let file = dir.path().join("doc.xml");
        std::fs::write(&file, doc).unwrap();
        let out = std::process::Command::new("xmlsec1")
            .args([
                "--verify",
                "--enabled-key-data",
                "raw-x509-cert",
                "--id-attr:ID",
                node,
                "--pubkey-cert-pem",
            ])
            .arg(&cert)
            .arg(&file)
            .output()
            .expect("xmlsec1 is installed (scripts/setup)");
        assert!(
            out.status.success(),
            "{node}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_login_started_in_one_browser_cannot_be_finished_in_another() {
    let lab = Lab::start().await;
    let victim = browser();
    let (url, _) = lab.login_url(0, |_| {});
    let Outcome::Login { tx } = interpret(victim.get(url).send().await.unwrap()).await else {
        panic!()
    };
    // The attacker has a session of their own at the platform …
    let attacker = browser();
    assert!(matches!(
        full_login(&lab, &attacker, 1, PersonaId::Valid).await,
        Outcome::Response { .. }
    ));
    // … but cannot finish the victim's login as themselves, nor get its challenge.
    match interpret(
        attacker
            .get(format!("{}/sso/continue?tx={tx}", lab.idp_url))
            .send()
            .await
            .unwrap(),
    )
    .await
    {
        Outcome::Error { status, body } => {
            assert!(status == 400 && body.contains("another browser"), "{body}")
        }
        other => panic!("{other:?}"),
    }
    let resp = attacker
        .post(format!("{}/card-login/challenge", lab.idp_url))
        .header("content-type", "application/json")
        .body(serde_json::json!({ "tx": tx }).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400);
    // The victim still can.
    assert!(common::card_login(&lab, &victim, &tx, PersonaId::Valid)
        .await
        .is_ok());
}

/// Pages a citizen may reach by a stale, damaged or wrong link say what happened and what
/// to do, in Japanese and English; never a framework's text.
#[tokio::test(flavor = "multi_thread")]
async fn stale_damaged_and_wrong_links_get_pages_a_citizen_understands() {
    let lab = Lab::start().await;
    let b = browser();
    for (path, status, says) in [
        ("/", 200, "ご利用になるサービスの画面から"),
        ("/login", 400, "リンクが不完全か、壊れています"),
        ("/sso/continue?tx=no-such-login", 400, "有効期限が切れたか"),
        ("/no/such/page", 404, "ページが見つかりません"),
    ] {
        let resp = b
            .get(format!("{}{path}", lab.idp_url))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), status, "{path}");
        let page = resp.text().await.unwrap();
        assert!(page.contains(says), "{path}: {page}");
        assert!(
            page.contains("lang=\"en\"") || path == "/",
            "{path}: English beside"
        );
        // What shows unfolded: the technical reason is folded away for the service desk.
        let shown = page.split("<details>").next().unwrap_or_default();
        assert!(
            !shown.contains("Failed to deserialize") && !page.contains("Some("),
            "{path}: {page}"
        );
    }
}

/// TF-IDP-015 and replay: a signed AuthnRequest is the SP's word once (resent, it is
/// refused), and RelayState has the same size limit over HTTP-POST as over HTTP-Redirect.
#[tokio::test(flavor = "multi_thread")]
async fn a_signed_request_is_used_once_and_relay_state_is_bounded_in_both_bindings() {
    let lab = Lab::start().await;
    let (url, _) = lab.login_url(0, |_| {});
    assert!(
        matches!(
            interpret(browser().get(&url).send().await.unwrap()).await,
            Outcome::Login { .. }
        ),
        "the first use starts a login"
    );
    match interpret(browser().get(&url).send().await.unwrap()).await {
        Outcome::Error { status, body } => {
            assert_eq!(status, 400, "{body}");
            assert!(body.contains("used before"), "{body}");
        }
        other => panic!("a replayed signed request must be refused, got {other:?}"),
    }
    // The same request (unsigned, HTTP-POST) with a RelayState over the limit.
    let xml = trust_framework::saml::authn_request::build(
        &trust_framework::saml::authn_request::NewAuthnRequest {
            id: "_big-relay",
            issuer: &lab.sps[0].entity_id,
            destination: &format!("{}/sso", lab.idp_url),
            acs_url: &lab.sps[0].acs,
            issue_instant: lab.clock.now(),
            force_authn: false,
            is_passive: false,
            authn_context_class: None,
            attribute_consuming_service_index: None,
        },
    );
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode(xml);
    // Base64 and a run of letters need no escaping in a form body.
    let body = format!(
        "SAMLRequest={}&RelayState={}",
        b64.replace('+', "%2B")
            .replace('/', "%2F")
            .replace('=', "%3D"),
        "r".repeat(2000)
    );
    let resp = browser()
        .post(format!("{}/sso", lab.idp_url))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let body = resp.text().await.unwrap();
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("RelayState over 1024 bytes"), "{body}");
}

/// hyper refuses an address over 64 KiB, and a head over its buffer, before any handler
/// runs: the client is told why, not sent a bare status (issue 21, item 9).
#[tokio::test(flavor = "multi_thread")]
async fn an_address_or_head_too_large_is_refused_with_a_reason() {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let lab = Lab::start().await;
    let addr = lab.idp_url.trim_start_matches("http://").to_owned();
    let long_query = "a".repeat(70 * 1024);
    let huge_header = "b".repeat(500 * 1024);
    for (request, status, reason) in [
        (
            format!("GET /sso?SAMLRequest={long_query} HTTP/1.1\r\nhost: {addr}\r\n\r\n"),
            "414",
            "send it by HTTP-POST",
        ),
        (
            format!("GET /healthz HTTP/1.1\r\nhost: {addr}\r\nx-big: {huge_header}\r\n\r\n"),
            "431",
            "headers are larger than this server takes",
        ),
    ] {
        let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
        // The server may refuse before reading all of it: a write error is not the test's.
        let _ = stream.write_all(request.as_bytes()).await;
        let mut answer = Vec::new();
        let read = stream.read_to_end(&mut answer);
        let _ = tokio::time::timeout(std::time::Duration::from_secs(10), read).await;
        let answer = String::from_utf8_lossy(&answer);
        assert!(
            answer.starts_with(&format!("HTTP/1.1 {status} ")) && answer.contains(reason),
            "{answer}"
        );
    }
    // A request within the limits on a fresh connection is answered as ever.
    let ok = reqwest::get(format!("{}/healthz", lab.idp_url))
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
}
