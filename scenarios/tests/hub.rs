//! The platform as hub refuses card-IdP answers it should not believe (TF-CATV-001,
//! TF-MD-003): answers are crafted here as a misbehaving card IdP would send them, to a
//! login the platform really passed upstream. The correctly crafted one is accepted, so
//! each refusal is the check it names and not a broken test.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use mock_ca::PersonaId;
use rsa::pkcs8::EncodePrivateKey;
use scenarios::federation::{Federation, Options};
use time::Duration;
use trust_framework::saml::bindings::{self, Kind};
use trust_framework::saml::constants::{attr, AC_JPKI_USER_AUTH};
use trust_framework::saml::response::{self, AssertionParams, Attribute, ResponseParams};

struct Answer {
    signer: &'static str,
    channel: &'static str,
    persona: PersonaId,
    class: &'static str,
}

const GOOD: Answer = Answer {
    signer: "catv-idp",
    channel: "catv",
    persona: PersonaId::Valid,
    class: AC_JPKI_USER_AUTH,
};

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(10))
        .build()
        .unwrap()
}

async fn location(c: &reqwest::Client, url: &str) -> String {
    let resp = c.get(url).send().await.unwrap();
    let status = resp.status();
    let Some(loc) = resp
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned())
    else {
        panic!(
            "{url}: HTTP {status} without Location: {}",
            resp.text().await.unwrap_or_default()
        )
    };
    if loc.starts_with('/') {
        let u = url::Url::parse(url).unwrap();
        format!("{}{loc}", u.origin().ascii_serialization())
    } else {
        loc
    }
}

/// Starts a login at the portal and has the platform pass it to the CATV IdP; returns
/// the AuthnRequest's ID and the RelayState the platform sent.
async fn passed_upstream(fed: &Federation, c: &reqwest::Client) -> (String, String) {
    let sso = location(c, &format!("{}/login", fed.portal_url)).await;
    let login = location(c, &sso).await;
    let tx = login.split("tx=").nth(1).unwrap().to_owned();
    let upstream = location(
        c,
        &format!(
            "{}/login/upstream?tx={tx}&idp={}",
            fed.platform_url, fed.catv.entity_id
        ),
    )
    .await;
    let query = upstream.split_once('?').unwrap().1;
    let msg = bindings::decode_redirect(query).unwrap();
    let id = msg
        .xml
        .split("ID=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    (id, msg.relay_state.unwrap())
}

fn craft(fed: &Federation, a: &Answer, in_response_to: &str) -> String {
    let cred = fed.ca.pki.service_credential(a.signer).unwrap();
    let key = cred.key.to_pkcs8_der().unwrap();
    let now = fed.clock.now();
    let acs = format!("{}/hub/acs", fed.platform_url);
    let cert = fed.ca.pki.persona(a.persona).card.auth.issued.der.clone();
    let issuer = fed.catv.entity_id.to_string();
    let r = ResponseParams {
        id: "_crafted_response".into(),
        issuer: issuer.clone(),
        destination: acs.clone(),
        in_response_to: Some(in_response_to.to_owned()),
        issued: now,
    };
    let assertion = AssertionParams {
        id: format!("_crafted_{}", now.unix_timestamp_nanos()),
        issuer: issuer.clone(),
        audience: fed.platform.entity_id.to_string(),
        name_id: "catv-pairwise-id".into(),
        recipient: acs,
        in_response_to: Some(in_response_to.to_owned()),
        issued: now,
        not_on_or_after: now + Duration::minutes(5),
        authn_instant: now,
        session_index: "_catv_session".into(),
        authn_context_class: a.class.to_owned(),
        attributes: vec![
            Attribute {
                name: attr::AUTHN_CHANNEL.into(),
                values: vec![a.channel.into()],
            },
            Attribute {
                name: attr::AUTHENTICATING_AUTHORITY.into(),
                values: vec![issuer],
            },
            Attribute {
                name: attr::CARD_CERTIFICATE.into(),
                values: vec![STANDARD.encode(cert)],
            },
        ],
    };
    response::success(&r, &assertion, key.as_bytes(), &cred.certificate).unwrap()
}

/// Posts an answer to the hub ACS: the status, the Location, the body.
async fn post(
    fed: &Federation,
    c: &reqwest::Client,
    xml: &str,
    relay: &str,
) -> (u16, String, String) {
    let form = bindings::post_form("x", Kind::Response, xml, Some(relay));
    let value = |name: &str| scenarios::browser::form_field(&form, name).unwrap();
    let resp = c
        .post(format!("{}/hub/acs", fed.platform_url))
        .form(&[
            ("SAMLResponse", value("SAMLResponse")),
            ("RelayState", value("RelayState")),
        ])
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let loc = resp
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, loc, resp.text().await.unwrap())
}

async fn answer(fed: &Federation, a: &Answer) -> (u16, String, String) {
    let c = client();
    let (id, relay) = passed_upstream(fed, &c).await;
    post(fed, &c, &craft(fed, a, &id), &relay).await
}

#[tokio::test(flavor = "multi_thread")]
async fn the_hub_believes_only_what_it_should() {
    let dir = tempfile::tempdir().unwrap();
    let fed = Federation::start(dir.path(), Options::default())
        .await
        .unwrap();

    // The well-formed answer is accepted: the crafting is right.
    let (status, loc, body) = answer(&fed, &GOOD).await;
    assert_eq!(status, 303, "{body}");
    assert!(loc.starts_with("/sso/continue?tx="), "{loc}");

    // TF-MD-003: signed by a key that is not the CATV IdP's in the aggregate.
    let (status, _, body) = answer(
        &fed,
        &Answer {
            signer: "sp-1",
            ..GOOD
        },
    )
    .await;
    assert_eq!(status, 403);
    assert!(body.contains("signature"), "{body}");

    // A card IdP may not claim the direct channel.
    let (status, _, body) = answer(
        &fed,
        &Answer {
            channel: "direct",
            ..GOOD
        },
    )
    .await;
    assert_eq!(status, 403);
    assert!(body.contains("names channel"), "{body}");

    // TF-PKI-001: the platform validates the certificate's path itself.
    let (status, _, body) = answer(
        &fed,
        &Answer {
            persona: PersonaId::UnknownCa,
            ..GOOD
        },
    )
    .await;
    assert_eq!(status, 403);
    assert!(body.contains("card certificate refused"), "{body}");

    // TF-SP-005: the card class is required of the card IdP.
    let (status, _, body) = answer(
        &fed,
        &Answer {
            class: "urn:oasis:names:tc:SAML:2.0:ac:classes:Password",
            ..GOOD
        },
    )
    .await;
    assert_eq!(status, 403);
    assert!(body.contains("TF-SP-005"), "{body}");

    // An answer is used once, and an unsolicited one is refused.
    let c = client();
    let (id, relay) = passed_upstream(&fed, &c).await;
    let good = craft(&fed, &GOOD, &id);
    assert_eq!(post(&fed, &c, &good, &relay).await.0, 303);
    let (status, _, body) = post(&fed, &c, &good, &relay).await;
    assert_eq!(status, 403);
    assert!(body.contains("unsolicited or replayed"), "{body}");
    let (status, _, _) = post(&fed, &c, &good, "never-issued").await;
    assert_eq!(status, 403);

    // Another browser cannot finish this login with a captured answer, and its attempt
    // does not spoil the login for the browser that started it.
    let owner = client();
    let (id, relay) = passed_upstream(&fed, &owner).await;
    let answer = craft(&fed, &GOOD, &id);
    let (status, _, body) = post(&fed, &client(), &answer, &relay).await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("another browser"), "{body}");
    assert_eq!(post(&fed, &owner, &answer, &relay).await.0, 303);
}
