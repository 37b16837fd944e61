//! A vendor's own SP joins the federation `mnctf up` runs (README, "Click through it"):
//! before joining, the platform refuses its logins; after `POST /federation/join` (what
//! `mnctf join` sends), the operator's newly signed aggregate lists it, the platform shows
//! its login page naming the vendor's service, and metadata that is neither an SP's nor an
//! IdP's is refused with the reason.

use std::sync::Arc;

use mnctf::portal::{Portal, PortalPorts};
use mock_sp::sp::{DisplayName, ServiceProvider, SpConfig};
use trust_framework::saml::constants::AC_JPKI_USER_AUTH;
use trust_framework::saml::metadata::parse_idps;
use user_agent::Browser;

async fn vendor_sp(portal: &Portal) -> (String, String) {
    let fed = &portal.federation;
    let cred = fed.ca.pki.service_credential("example-sp").unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let mut config = SpConfig {
        name: "vendor-sp".into(),
        entity_id: format!("{base}/sp"),
        base_url: base.clone(),
        idp_entity_id: String::new(),
        idp_sso_url: String::new(),
        idp_slo_url: String::new(),
        idp_certs: Vec::new(),
        key: (*cred.key).clone(),
        cert_der: cred.certificate.clone(),
        required_class: Some(AC_JPKI_USER_AUTH.into()),
        requested_attributes: Vec::new(),
        display_name: Some(DisplayName::new(
            "ベンダーの申請サービス",
            "the vendor's service",
        )),
        danger: Default::default(),
    };
    let idps = parse_idps(&fed.platform.metadata()).unwrap();
    config.trust_idp(&idps[0]).unwrap();
    let sp = ServiceProvider::new(config, Arc::new(time::OffsetDateTime::now_utc));
    let metadata = sp.metadata();
    tokio::spawn(async move { axum::serve(listener, sp.router()).await.unwrap() });
    (base, metadata)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_joined_vendor_sp_reaches_the_platform_and_the_aggregate_lists_it() {
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::start(dir.path(), PortalPorts::ANY).await.unwrap();
    let (sp, metadata) = vendor_sp(&portal).await;
    let http = reqwest::Client::new();

    let before = Browser::new().get(&format!("{sp}/login")).await.unwrap();
    assert!(
        before.status >= 400,
        "an unknown SP is refused before joining: {}",
        before.status
    );

    let joined = http
        .post(format!("{}/federation/join", portal.url))
        .body(metadata)
        .send()
        .await
        .unwrap();
    let status = joined.status();
    let said = joined.text().await.unwrap();
    assert!(status.is_success(), "{status}: {said}");

    let login = Browser::new().get(&format!("{sp}/login")).await.unwrap();
    assert_eq!(login.status, 200, "{}", login.body);
    assert!(
        login.body.contains("id=\"pin\""),
        "the platform's card login page: {}",
        login.body
    );
    assert!(
        login.body.contains("ベンダーの申請サービス"),
        "the page names the vendor's service"
    );

    let text = http
        .get(format!("{}/federation/aggregate.xml", portal.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let operator = http
        .get(format!("{}/federation/operator.crt", portal.url))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap()
        .to_vec();
    let aggregate =
        trust_framework::saml::aggregate::load(&text, &[operator], portal.federation.clock.now())
            .expect("the served aggregate verifies against the served operator certificate");
    assert!(aggregate
        .entities
        .iter()
        .any(|e| e.entity_id.as_str() == format!("{sp}/sp")));

    let refused = http
        .post(format!("{}/federation/join", portal.url))
        .body("<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" entityID=\"x\"/>")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 400);
    assert!(refused
        .text()
        .await
        .unwrap()
        .contains("neither an SP nor an IdP"));
}
