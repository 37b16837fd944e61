//! Proxy applications (TF-PROXY): the registration document signed with a 士業 key, and
//! the AttributeQuery / answer of proxy model 2, checked by us, refused when altered,
//! and valid against the SAML 2.0 schemas (opensaml's copies, with xmllint).

use std::process::Command;

use mock_ca::{Clock, PersonaId, Pki, PkiConfig};
use rsa::pkcs8::EncodePrivateKey;
use time::macros::datetime;
use time::Duration;
use trust_framework::proxy::{self, Registration, RegistrationError};
use trust_framework::saml::attribute_query::{
    self, AttributeQuery, AttributeQueryError, QuerySubject, Signer, QUALIFICATION_ATTRIBUTES,
    STATUS_UNKNOWN_PRINCIPAL,
};
use trust_framework::saml::constants::attr;
use trust_framework::saml::response::Attribute;
use trust_framework::x509::{qualification, PathError, PathPolicy, TrustAnchors};

const PLATFORM: &str = "http://127.0.0.1:8000/idp";
const AA: &str = "http://127.0.0.1:8400/aa";
const SP: &str = "http://127.0.0.1:9001/sp";

fn pki() -> Pki {
    Pki::build(PkiConfig::new("http://127.0.0.1:18080"), Clock::system()).unwrap()
}

fn der(key: &rsa::RsaPrivateKey) -> Vec<u8> {
    key.to_pkcs8_der().unwrap().as_bytes().to_vec()
}

fn registration(pki: &Pki) -> Registration {
    let p = pki.persona(PersonaId::TaxAccountant);
    Registration {
        id: "_reg1".into(),
        issued: pki.clock().now(),
        audience: PLATFORM.into(),
        nonce: None,
        card_certificate: p.card.auth.issued.der.clone(),
    }
}

fn shigyo_anchors(pki: &Pki) -> TrustAnchors {
    let mut anchors = TrustAnchors::new();
    for id in ["zeirishi", "shihoshoshi"] {
        anchors
            .add(id, pki.authority(id).unwrap().certificate())
            .unwrap();
    }
    anchors
}

#[test]
fn tf_proxy_001_a_registration_signed_with_the_shigyo_key_verifies_and_names_the_qualification() {
    let pki = pki();
    let pro = pki
        .persona(PersonaId::TaxAccountant)
        .professional
        .clone()
        .unwrap();
    let xml = proxy::build(
        &registration(&pki),
        &der(&pro.credential.key),
        &pro.credential.issued.der,
    )
    .unwrap();
    let signer = proxy::signer_certificate(&xml).unwrap();
    assert_eq!(signer, pro.credential.issued.der);
    let validated = shigyo_anchors(&pki)
        .validate(&signer, pki.clock().now(), &PathPolicy::default())
        .unwrap();
    let q = qualification(&validated).unwrap();
    assert_eq!(q.profession, "税理士");
    assert_eq!(q.registration_number, pro.qualification.registration_number);
    assert!(q.body.contains("日本税理士会連合会"), "{}", q.body);
    let got = proxy::verify(&xml, &validated.der, PLATFORM, pki.clock().now()).unwrap();
    assert_eq!(got, registration(&pki));
    assert!(matches!(
        proxy::verify(&xml, &validated.der, AA, pki.clock().now()),
        Err(RegistrationError::Audience(_))
    ));
    assert!(matches!(
        proxy::verify(
            &xml,
            &validated.der,
            PLATFORM,
            pki.clock().now() + Duration::hours(1)
        ),
        Err(RegistrationError::Stale(_))
    ));
    // Someone else's card certificate put in after signing.
    let other = pki.persona(PersonaId::Valid).card.auth.issued.der.clone();
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    let swapped = xml.replace(
        &b64.encode(registration(&pki).card_certificate),
        &b64.encode(other),
    );
    assert_ne!(swapped, xml);
    assert!(proxy::verify(&swapped, &validated.der, PLATFORM, pki.clock().now()).is_err());
}

#[test]
fn tf_proxy_001_a_registration_signed_with_the_card_signature_key_is_not_from_a_shigyo_ca() {
    let pki = pki();
    let p = pki.persona(PersonaId::TaxAccountant);
    let sign = p.card.sign.clone().unwrap();
    let xml = proxy::build(&registration(&pki), &der(&sign.key), &sign.issued.der).unwrap();
    let signer = proxy::signer_certificate(&xml).unwrap();
    let refused = shigyo_anchors(&pki).validate(&signer, pki.clock().now(), &PathPolicy::default());
    assert!(
        matches!(refused, Err(PathError::UnknownIssuer(_))),
        "{refused:?}"
    );
}

fn query(pki: &Pki) -> AttributeQuery {
    AttributeQuery {
        id: "_q1".into(),
        issuer: PLATFORM.into(),
        destination: format!("{AA}/soap"),
        issued: pki.clock().now(),
        subject: QuerySubject {
            name_id: "pairwise-at-sp".into(),
            name_qualifier: PLATFORM.into(),
            sp_name_qualifier: SP.into(),
            card_certificate: pki
                .persona(PersonaId::TaxAccountant)
                .card
                .auth
                .issued
                .der
                .clone(),
        },
        attributes: QUALIFICATION_ATTRIBUTES
            .iter()
            .map(|a| (*a).to_owned())
            .collect(),
    }
}

fn qualification_attributes() -> Vec<Attribute> {
    vec![
        Attribute {
            name: attr::PROFESSION.into(),
            values: vec!["税理士".into()],
        },
        Attribute {
            name: attr::REGISTRATION_NUMBER.into(),
            values: vec!["123456".into()],
        },
        Attribute {
            name: attr::ISSUING_BODY.into(),
            values: vec!["O=日本税理士会連合会,C=JP".into()],
        },
    ]
}

#[test]
fn tf_proxy_002_query_and_answer_verify_with_configured_keys_only() {
    let pki = pki();
    let idp = pki.service_credential("idp").unwrap();
    let aa = pki.service_credential("attribute-authority").unwrap();
    let now = pki.clock().now();
    let q = query(&pki);
    let xml = attribute_query::build_query(&q, &der(&idp.key), &idp.certificate).unwrap();
    let envelope = attribute_query::soap_wrap(&xml);
    let inner = attribute_query::soap_unwrap(&envelope).unwrap();
    assert_eq!(attribute_query::claimed_issuer(inner).unwrap(), PLATFORM);
    let got = attribute_query::verify_query(
        inner,
        std::slice::from_ref(&idp.certificate),
        &q.destination,
        now,
    )
    .unwrap();
    assert_eq!(got, q);
    assert!(attribute_query::verify_query(
        inner,
        std::slice::from_ref(&aa.certificate),
        &q.destination,
        now
    )
    .is_err());
    assert!(attribute_query::verify_query(
        inner,
        std::slice::from_ref(&idp.certificate),
        "http://127.0.0.1:1/soap",
        now
    )
    .is_err());

    let answer = attribute_query::build_answer(
        &q,
        AA,
        ("_r1", "_a1"),
        now,
        &qualification_attributes(),
        Signer {
            key_der: &der(&aa.key),
            cert_der: &aa.certificate,
        },
    )
    .unwrap();
    let a =
        attribute_query::verify_answer(&answer, &q, AA, std::slice::from_ref(&aa.certificate), now)
            .unwrap();
    assert_eq!(a.value(attr::PROFESSION), Some("税理士"));
    assert_eq!(a.audiences, vec![PLATFORM.to_owned(), SP.to_owned()]);
    assert!(matches!(
        attribute_query::verify_answer(
            &answer,
            &q,
            AA,
            std::slice::from_ref(&idp.certificate),
            now
        ),
        Err(AttributeQueryError::Saml(_))
    ));
    // The SP verifies the assertion itself: for it, about its NameID, current.
    let at_sp = attribute_query::verify_assertion(
        &a.xml,
        AA,
        std::slice::from_ref(&aa.certificate),
        "pairwise-at-sp",
        SP,
        now,
    )
    .unwrap();
    assert_eq!(at_sp.value(attr::REGISTRATION_NUMBER), Some("123456"));
    assert!(attribute_query::verify_assertion(
        &a.xml,
        AA,
        std::slice::from_ref(&aa.certificate),
        "someone-else",
        SP,
        now
    )
    .is_err());
    assert!(attribute_query::verify_assertion(
        &a.xml,
        AA,
        std::slice::from_ref(&aa.certificate),
        "pairwise-at-sp",
        "http://127.0.0.1:9002/sp",
        now
    )
    .is_err());
    assert!(attribute_query::verify_assertion(
        &a.xml,
        AA,
        std::slice::from_ref(&aa.certificate),
        "pairwise-at-sp",
        SP,
        now + Duration::minutes(10)
    )
    .is_err());
    let tampered = a.xml.replace("123456", "654321");
    assert!(attribute_query::verify_assertion(
        &tampered,
        AA,
        std::slice::from_ref(&aa.certificate),
        "pairwise-at-sp",
        SP,
        now
    )
    .is_err());

    let unknown = attribute_query::build_error(
        "_q1",
        AA,
        "_r2",
        now,
        STATUS_UNKNOWN_PRINCIPAL,
        "no registration",
        Signer {
            key_der: &der(&aa.key),
            cert_der: &aa.certificate,
        },
    )
    .unwrap();
    let err = attribute_query::verify_answer(&unknown, &q, AA, &[aa.certificate], now).unwrap_err();
    assert!(
        matches!(err, AttributeQueryError::Status { sub: Some(ref s), .. } if s == STATUS_UNKNOWN_PRINCIPAL),
        "{err}"
    );
}

/// xmllint against opensaml's SAML 2.0 protocol schema, offline (a catalog maps the
/// schemas' remote imports to xmltooling's local copies).
fn valid_saml(name: &str, xml: &str) {
    let dir = tempfile::tempdir().unwrap();
    let catalog = dir.path().join("catalog.xml");
    let mut entries = String::new();
    for (remote, local) in [
        (
            "http://www.w3.org/TR/2002/REC-xmldsig-core-20020212/xmldsig-core-schema.xsd",
            "/usr/share/xml/xmltooling/xmldsig-core-schema.xsd",
        ),
        (
            "http://www.w3.org/TR/2002/REC-xmlenc-core-20021210/xenc-schema.xsd",
            "/usr/share/xml/xmltooling/xenc-schema.xsd",
        ),
    ] {
        entries.push_str(&format!(r#"<uri name="{remote}" uri="file://{local}"/><system systemId="{remote}" uri="file://{local}"/>"#));
    }
    std::fs::write(&catalog, format!(r#"<?xml version="1.0"?><catalog xmlns="urn:oasis:names:tc:entity:xmlns:xml:catalog">{entries}</catalog>"#)).unwrap();
    let file = dir.path().join(format!("{name}.xml"));
    std::fs::write(&file, xml).unwrap();
    let out = Command::new("xmllint")
        .args([
            "--noout",
            "--nonet",
            "--schema",
            "/usr/share/xml/opensaml/saml-schema-protocol-2.0.xsd",
        ])
        .arg(&file)
        .env("XML_CATALOG_FILES", &catalog)
        .output()
        .expect("xmllint runs (scripts/setup installs libxml2-utils and opensaml-schemas)");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stderr.contains("validates"),
        "{name}: {stderr}"
    );
}

#[test]
fn tf_proxy_002_query_and_answers_validate_against_the_saml_schemas() {
    let pki = pki();
    let idp = pki.service_credential("idp").unwrap();
    let aa = pki.service_credential("attribute-authority").unwrap();
    let now = datetime!(2026-12-02 03:00 UTC);
    let q = AttributeQuery {
        issued: now,
        ..query(&pki)
    };
    valid_saml(
        "query",
        &attribute_query::build_query(&q, &der(&idp.key), &idp.certificate).unwrap(),
    );
    valid_saml(
        "answer",
        &attribute_query::build_answer(
            &q,
            AA,
            ("_r1", "_a1"),
            now,
            &qualification_attributes(),
            Signer {
                key_der: &der(&aa.key),
                cert_der: &aa.certificate,
            },
        )
        .unwrap(),
    );
    valid_saml(
        "error",
        &attribute_query::build_error(
            "_q1",
            AA,
            "_r2",
            now,
            STATUS_UNKNOWN_PRINCIPAL,
            "no registration",
            Signer {
                key_der: &der(&aa.key),
                cert_der: &aa.certificate,
            },
        )
        .unwrap(),
    );
}
