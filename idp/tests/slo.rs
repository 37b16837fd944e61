//! Single Logout through the platform (TF-IDP-013), the SPs played by the test.

mod common;

use common::{browser, full_login, interpret, Lab, Outcome};
use mock_ca::PersonaId;
use trust_framework::saml::bindings::{self, Kind};
use trust_framework::saml::constants::status;
use trust_framework::saml::logout::{self, LogoutRequest, LogoutResponse};
use trust_framework::saml::signature;

fn name_id(lab: &Lab, xml: &str) -> String {
    let v = signature::verify_enveloped(xml, std::slice::from_ref(&lab.idp_cert)).unwrap();
    v.split("</saml:NameID>")
        .next()
        .unwrap()
        .rsplit('>')
        .next()
        .unwrap()
        .to_owned()
}

fn location(resp: &reqwest::Response) -> String {
    resp.headers()
        .get("location")
        .expect("a redirect")
        .to_str()
        .unwrap()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn tf_idp_013_logout_at_one_sp_logs_out_of_every_sp() {
    let lab = Lab::start().await;
    let b = browser();
    let Outcome::Response { xml: r1, .. } = full_login(&lab, &b, 0, PersonaId::Valid).await else {
        panic!()
    };
    let (url, _) = lab.login_url(1, |_| {});
    let Outcome::Response { xml: r2, .. } = interpret(b.get(url).send().await.unwrap()).await
    else {
        panic!()
    };
    let (n1, n2) = (name_id(&lab, &r1), name_id(&lab, &r2));

    // SP 1 asks the platform to log the user out.
    let request = LogoutRequest {
        id: "_lo1".into(),
        issuer: lab.sps[0].entity_id.clone(),
        destination: Some(format!("{}/slo", lab.idp_url)),
        issue_instant: lab.clock.now(),
        name_id: n1.clone(),
        session_index: None,
    };
    let xml = logout::build_request(
        &request,
        &format!("{}/idp", lab.idp_url),
        &lab.sps[0].entity_id,
    );
    let q = bindings::encode_redirect(
        Kind::Request,
        &xml,
        Some("sp1-state"),
        Some(&lab.sps[0].key),
    )
    .unwrap();
    let resp = b
        .get(format!("{}/slo?{q}", lab.idp_url))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 303);

    // The platform sends SP 2 a signed LogoutRequest for SP 2's NameID.
    let to_sp2 = location(&resp);
    assert!(to_sp2.starts_with(&lab.sps[1].slo), "{to_sp2}");
    let msg = bindings::decode_redirect(to_sp2.split_once('?').unwrap().1).unwrap();
    bindings::verify_redirect_signature(
        msg.signature.as_ref().unwrap(),
        std::slice::from_ref(&lab.idp_cert),
    )
    .unwrap();
    let their = logout::parse_request(&msg.xml).unwrap();
    assert_eq!(their.name_id, n2);

    // SP 2 answers; the platform answers SP 1.
    let answer = LogoutResponse {
        id: "_lr2".into(),
        issuer: lab.sps[1].entity_id.clone(),
        destination: Some(format!("{}/slo", lab.idp_url)),
        issue_instant: lab.clock.now(),
        in_response_to: Some(their.id.clone()),
        status: status::SUCCESS.into(),
    };
    let q = bindings::encode_redirect(
        Kind::Response,
        &logout::build_response(&answer),
        msg.relay_state.as_deref(),
        Some(&lab.sps[1].key),
    )
    .unwrap();
    let resp = b
        .get(format!("{}/slo?{q}", lab.idp_url))
        .send()
        .await
        .unwrap();
    let to_sp1 = location(&resp);
    assert!(to_sp1.starts_with(&lab.sps[0].slo), "{to_sp1}");
    let msg = bindings::decode_redirect(to_sp1.split_once('?').unwrap().1).unwrap();
    bindings::verify_redirect_signature(
        msg.signature.as_ref().unwrap(),
        std::slice::from_ref(&lab.idp_cert),
    )
    .unwrap();
    let done = logout::parse_response(&msg.xml).unwrap();
    assert_eq!(done.in_response_to.as_deref(), Some("_lo1"));
    assert_eq!(done.status, status::SUCCESS);
    assert_eq!(msg.relay_state.as_deref(), Some("sp1-state"));

    // The session is gone: the next login needs the card.
    let (url, _) = lab.login_url(1, |_| {});
    assert!(matches!(
        interpret(b.get(url).send().await.unwrap()).await,
        Outcome::Login { .. }
    ));
}

#[tokio::test(flavor = "multi_thread")]
async fn unsigned_or_foreign_logout_messages_are_refused() {
    let lab = Lab::start().await;
    let b = browser();
    let Outcome::Response { xml, .. } = full_login(&lab, &b, 0, PersonaId::Valid).await else {
        panic!()
    };
    let request = LogoutRequest {
        id: "_lo".into(),
        issuer: lab.sps[0].entity_id.clone(),
        destination: None,
        issue_instant: lab.clock.now(),
        name_id: name_id(&lab, &xml),
        session_index: None,
    };
    let xml = logout::build_request(&request, "x", "y");
    let unsigned = bindings::encode_redirect(Kind::Request, &xml, None, None).unwrap();
    let resp = b
        .get(format!("{}/slo?{unsigned}", lab.idp_url))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400);
    let by_other =
        bindings::encode_redirect(Kind::Request, &xml, None, Some(&lab.sps[1].key)).unwrap();
    let resp = b
        .get(format!("{}/slo?{by_other}", lab.idp_url))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400);
    // Signed by the right SP, but for another endpoint, or long ago (issue 21: the
    // platform checked neither).
    for (destination, issued, why) in [
        (
            Some("https://elsewhere.example/slo".to_owned()),
            lab.clock.now(),
            "Destination",
        ),
        (None, lab.clock.now(), "no Destination"),
        (
            Some(format!("{}/slo", lab.idp_url)),
            lab.clock.now() - time::Duration::hours(1),
            "IssueInstant",
        ),
    ] {
        let r = LogoutRequest {
            destination,
            issue_instant: issued,
            ..request.clone()
        };
        let xml = logout::build_request(&r, "x", "y");
        let q =
            bindings::encode_redirect(Kind::Request, &xml, None, Some(&lab.sps[0].key)).unwrap();
        let resp = b
            .get(format!("{}/slo?{q}", lab.idp_url))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 400, "{why}");
        let said = resp.text().await.unwrap();
        assert!(
            said.contains(why) && said.contains("logout message"),
            "{why}: {said}"
        );
    }
    // The session survived them all.
    let (url, _) = lab.login_url(1, |_| {});
    assert!(matches!(
        interpret(b.get(url).send().await.unwrap()).await,
        Outcome::Response { .. }
    ));
}

#[tokio::test(flavor = "multi_thread")]
async fn logout_at_the_platform_visits_the_sps() {
    let lab = Lab::start().await;
    let b = browser();
    assert!(matches!(
        full_login(&lab, &b, 0, PersonaId::Valid).await,
        Outcome::Response { .. }
    ));
    let confirm = b
        .get(format!("{}/logout", lab.idp_url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token = common::form_field(&confirm, "token").expect("the confirmation page's form");
    let resp = b
        .post(format!("{}/logout", lab.idp_url))
        .form(&[("token", token)])
        .send()
        .await
        .unwrap();
    let to_sp = location(&resp);
    assert!(to_sp.starts_with(&lab.sps[0].slo));
    let msg = bindings::decode_redirect(to_sp.split_once('?').unwrap().1).unwrap();
    let req = logout::parse_request(&msg.xml).unwrap();
    let answer = LogoutResponse {
        id: "_a".into(),
        issuer: lab.sps[0].entity_id.clone(),
        destination: Some(format!("{}/slo", lab.idp_url)),
        issue_instant: lab.clock.now(),
        in_response_to: Some(req.id),
        status: status::SUCCESS.into(),
    };
    let q = bindings::encode_redirect(
        Kind::Response,
        &logout::build_response(&answer),
        msg.relay_state.as_deref(),
        Some(&lab.sps[0].key),
    )
    .unwrap();
    let page = b
        .get(format!("{}/slo?{q}", lab.idp_url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("You are logged out of every service"),
        "{page}"
    );
}
