//! SAML messages through the adapter: signatures we make verify with us and with
//! xmlsec1 (Debian's, an independent verifier); tampering, wrong keys and wrapping fail.

use std::process::Command;

use base64::Engine as _;
use mock_ca::pki::ServiceCredential;
use mock_ca::{Clock, Pki, PkiConfig};
use rsa::pkcs8::EncodePrivateKey;
use time::macros::datetime;
use time::Duration;
use trust_framework::saml::authn_request::{self, NewAuthnRequest};
use trust_framework::saml::constants::{status, AC_JPKI_USER_AUTH};
use trust_framework::saml::metadata::{idp_metadata, parse_sps, IdpDescriptor};
use trust_framework::saml::response::{self, AssertionParams, Attribute, ResponseParams};
use trust_framework::saml::{signature, SamlError};

fn pki() -> Pki {
    Pki::build(PkiConfig::new("http://127.0.0.1:18080"), Clock::system()).unwrap()
}

fn key_der(c: &ServiceCredential) -> Vec<u8> {
    c.key.to_pkcs8_der().unwrap().as_bytes().to_vec()
}

fn signed_response(idp: &ServiceCredential) -> String {
    let now = datetime!(2026-11-24 03:00 UTC);
    let r = ResponseParams {
        id: "_resp1".into(),
        issuer: "http://127.0.0.1:8000/idp".into(),
        destination: "http://127.0.0.1:9000/acs".into(),
        in_response_to: Some("_req1".into()),
        issued: now,
    };
    let a = AssertionParams {
        id: "_assert1".into(),
        issuer: "http://127.0.0.1:8000/idp".into(),
        audience: "http://127.0.0.1:9000/sp".into(),
        name_id: "pairwise-alice".into(),
        recipient: "http://127.0.0.1:9000/acs".into(),
        in_response_to: Some("_req1".into()),
        issued: now,
        not_on_or_after: now + Duration::minutes(5),
        authn_instant: now,
        session_index: "_sess1".into(),
        authn_context_class: AC_JPKI_USER_AUTH.into(),
        attributes: vec![Attribute {
            name: "urn:mnctf:attr:authn-channel".into(),
            values: vec!["direct".into()],
        }],
    };
    response::success(&r, &a, &key_der(idp), &idp.certificate).unwrap()
}

fn xmlsec1_verify(xml: &str, cert_der: &[u8], node: &str) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    let (doc, cert) = (dir.path().join("doc.xml"), dir.path().join("cert.pem"));
    std::fs::write(&doc, xml).unwrap();
    std::fs::write(&cert, mock_ca::pki::pem("CERTIFICATE", cert_der)).unwrap();
    Command::new("xmlsec1")
        .args([
            "--verify",
            "--enabled-key-data",
            "raw-x509-cert",
            "--id-attr:ID",
            node,
            "--pubkey-cert-pem",
        ])
        .arg(&cert)
        .arg(&doc)
        .output()
        .expect("xmlsec1 is installed (scripts/setup)")
}

#[test]
fn xmlsec1_accepts_the_response_and_the_assertion_signatures() {
    let pki = pki();
    let idp = pki.service_credential("idp").unwrap();
    let xml = signed_response(&idp);
    let out = xmlsec1_verify(
        &xml,
        &idp.certificate,
        "urn:oasis:names:tc:SAML:2.0:protocol:Response",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let start = xml.find("<saml:Assertion").unwrap();
    let end = xml.find("</saml:Assertion>").unwrap() + "</saml:Assertion>".len();
    let out = xmlsec1_verify(
        &xml[start..end],
        &idp.certificate,
        "urn:oasis:names:tc:SAML:2.0:assertion:Assertion",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn our_verifier_accepts_ours_and_refuses_other_keys_and_tampering() {
    let pki = pki();
    let idp = pki.service_credential("idp").unwrap();
    let other = pki.service_credential("sp-1").unwrap();
    let xml = signed_response(&idp);
    let reduced =
        signature::verify_enveloped(&xml, std::slice::from_ref(&idp.certificate)).unwrap();
    assert!(reduced.contains("pairwise-alice"));
    assert!(matches!(
        signature::verify_enveloped(&xml, std::slice::from_ref(&other.certificate)),
        Err(SamlError::BadSignature(_))
    ));
    assert!(
        matches!(
            signature::verify_enveloped(&xml, &[]),
            Err(SamlError::BadSignature(_))
        ),
        "no configured key: fail closed"
    );
    let tampered = xml.replace("pairwise-alice", "pairwise-admin");
    assert!(
        signature::verify_enveloped(&tampered, std::slice::from_ref(&idp.certificate)).is_err()
    );
    let doctype = format!("<!DOCTYPE x [<!ENTITY e \"x\">]>{xml}");
    assert!(matches!(
        signature::verify_enveloped(&doctype, std::slice::from_ref(&idp.certificate)),
        Err(SamlError::Malformed(_))
    ));
}

#[test]
fn error_responses_are_signed() {
    let pki = pki();
    let idp = pki.service_credential("idp").unwrap();
    let r = ResponseParams {
        id: "_e1".into(),
        issuer: "http://127.0.0.1:8000/idp".into(),
        destination: "http://127.0.0.1:9000/acs".into(),
        in_response_to: Some("_req".into()),
        issued: datetime!(2026-11-24 03:00 UTC),
    };
    let xml = response::error(
        &r,
        status::RESPONDER,
        Some(status::NO_PASSIVE),
        "no session",
        &key_der(&idp),
        &idp.certificate,
    )
    .unwrap();
    let reduced =
        signature::verify_enveloped(&xml, std::slice::from_ref(&idp.certificate)).unwrap();
    assert!(reduced.contains(status::NO_PASSIVE));
}

fn signed_authn_request(sp: &ServiceCredential, id: &str, acs: &str) -> String {
    let unsigned = authn_request::build(&NewAuthnRequest {
        id,
        issuer: "http://127.0.0.1:9000/sp",
        destination: "http://127.0.0.1:8000/sso",
        acs_url: acs,
        issue_instant: datetime!(2026-11-24 03:00 UTC),
        force_authn: false,
        is_passive: false,
        authn_context_class: None,
        attribute_consuming_service_index: None,
    });
    // The signature goes right after the Issuer (SAML Core schema order).
    let with_template = unsigned.replacen(
        "</saml:Issuer>",
        &format!("</saml:Issuer>{}", signature::template(id, &sp.certificate)),
        1,
    );
    signature::sign(&with_template, &key_der(sp)).unwrap()
}

#[test]
fn signed_post_authn_request_verifies_and_a_wrapped_one_does_not() {
    let pki = pki();
    let sp = pki.service_credential("sp-1").unwrap();
    let good = signed_authn_request(&sp, "_good", "http://127.0.0.1:9000/acs");
    let reduced =
        signature::verify_enveloped(&good, std::slice::from_ref(&sp.certificate)).unwrap();
    assert_eq!(
        authn_request::parse(&reduced).unwrap().acs_url.as_deref(),
        Some("http://127.0.0.1:9000/acs")
    );
    // samael's own IdP verifier accepted this (rust-stack.md T9b): the signed request
    // hidden in Extensions of an unsigned one with the attacker's ACS.
    let inner = good.clone();
    let evil = format!(
        r#"<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_evil" Version="2.0" IssueInstant="2026-11-24T03:00:00Z" AssertionConsumerServiceURL="https://evil.example/acs"><saml:Issuer>http://127.0.0.1:9000/sp</saml:Issuer><samlp:Extensions>{inner}</samlp:Extensions></samlp:AuthnRequest>"#
    );
    let err =
        signature::verify_enveloped(&evil, std::slice::from_ref(&sp.certificate)).unwrap_err();
    assert!(
        matches!(err, SamlError::Wrapped | SamlError::BadSignature(_)),
        "{err}"
    );
}

#[test]
fn metadata_round_trip_and_acs_matching_is_exact() {
    let pki = pki();
    let idp = pki.service_credential("idp").unwrap();
    let md = idp_metadata(&IdpDescriptor {
        entity_id: "http://127.0.0.1:8000/idp".into(),
        sso_url: "http://127.0.0.1:8000/sso".into(),
        slo_url: "http://127.0.0.1:8000/slo".into(),
        signing_cert: idp.certificate.clone(),
        hub_acs_url: None,
        display_name: None,
    });
    assert!(md.contains("IDPSSODescriptor"));
    assert!(!md.contains("SPSSODescriptor"));
    let idps = trust_framework::saml::metadata::parse_idps(&md).unwrap();
    assert_eq!(
        idps[0].sso_location(trust_framework::saml::constants::BINDING_REDIRECT),
        Some("http://127.0.0.1:8000/sso")
    );
    assert_eq!(idps[0].signing_certs, vec![idp.certificate.clone()]);
    let cert = base64::engine::general_purpose::STANDARD.encode(&idp.certificate);
    let sp_md = format!(
        r#"<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="http://127.0.0.1:9000/sp"><md:SPSSODescriptor AuthnRequestsSigned="true" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{cert}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor><md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="http://127.0.0.1:9000/acs" index="0" isDefault="true"/></md:SPSSODescriptor></md:EntityDescriptor>"#
    );
    let sps = parse_sps(&sp_md).unwrap();
    assert_eq!(sps.len(), 1);
    let sp = &sps[0];
    assert!(sp.authn_requests_signed);
    assert_eq!(sp.signing_certs, vec![idp.certificate.clone()]);
    assert!(
        sp.encryption_certs.is_empty(),
        "a signing key is not for encryption"
    );
    let both = sp_md.replace(r#"<md:KeyDescriptor use="signing">"#, "<md:KeyDescriptor>");
    let sp2 = &parse_sps(&both).unwrap()[0];
    assert_eq!(
        sp2.encryption_certs,
        vec![idp.certificate.clone()],
        "no use: both"
    );
    assert!(sp
        .acs_for(Some("http://127.0.0.1:9000/acs"), None)
        .is_some());
    assert!(
        sp.acs_for(Some("http://127.0.0.1:9000/acs?x"), None)
            .is_none(),
        "no prefix or query tricks"
    );
    assert!(sp.acs_for(Some("https://evil.example/acs"), None).is_none());
    assert!(sp.acs_for(None, None).is_some(), "default ACS");
}

mod sp_side {
    use super::*;
    use trust_framework::saml::sp::{verify_response, Expectations, SpError};

    fn expect<'a>(certs: &'a [Vec<u8>]) -> Expectations<'a> {
        Expectations {
            sp_entity_id: "http://127.0.0.1:9000/sp",
            acs_url: "http://127.0.0.1:9000/acs",
            idp_entity_id: "http://127.0.0.1:8000/idp",
            idp_certs: certs,
            request_id: Some("_req1"),
            now: datetime!(2026-11-24 03:01 UTC),
            skew: Duration::minutes(2),
            required_class: Some(AC_JPKI_USER_AUTH),
            require_signed_assertion: true,
        }
    }

    fn requirement(r: Result<trust_framework::saml::sp::VerifiedAssertion, SpError>) -> String {
        match r {
            Err(SpError::Check { requirement, what }) => format!("{requirement} {what}"),
            Err(other) => format!("other: {other}"),
            Ok(_) => "accepted".into(),
        }
    }

    #[test]
    fn accepts_the_platforms_response() {
        let pki = pki();
        let idp = pki.service_credential("idp").unwrap();
        let certs = vec![idp.certificate.clone()];
        let v = verify_response(&signed_response(&idp), &expect(&certs)).unwrap();
        assert_eq!(v.name_id, "pairwise-alice");
        assert_eq!(v.session_index.as_deref(), Some("_sess1"));
        assert_eq!(
            v.attribute("urn:mnctf:attr:authn-channel"),
            Some(&["direct".to_owned()][..])
        );
    }

    #[test]
    fn refuses_what_the_profile_forbids_on_the_right_requirement() {
        let pki = pki();
        let idp = pki.service_credential("idp").unwrap();
        let certs = vec![idp.certificate.clone()];
        let xml = signed_response(&idp);
        let mut e = expect(&certs);
        e.sp_entity_id = "http://127.0.0.1:9000/other-sp";
        assert!(requirement(verify_response(&xml, &e)).starts_with("TF-SP-003 Audience"));
        let mut e = expect(&certs);
        e.request_id = Some("_other");
        assert!(requirement(verify_response(&xml, &e)).starts_with("TF-SP-003"));
        let mut e = expect(&certs);
        e.now = datetime!(2026-11-24 03:30 UTC);
        assert!(requirement(verify_response(&xml, &e)).starts_with("TF-SP-003"));
        let mut e = expect(&certs);
        e.required_class = Some("urn:oasis:names:tc:SAML:2.0:ac:classes:Password");
        assert!(requirement(verify_response(&xml, &e)).starts_with("TF-SP-005"));
        let other = vec![pki.service_credential("sp-1").unwrap().certificate];
        assert!(requirement(verify_response(&xml, &expect(&other))).starts_with("other: signature"));
    }

    #[test]
    fn xsw3_evil_assertion_before_the_signed_one_is_refused() {
        let pki = pki();
        let idp = pki.service_credential("idp").unwrap();
        let certs = vec![idp.certificate.clone()];
        let xml = signed_response(&idp);
        let start = xml.find("<saml:Assertion").unwrap();
        let end = xml.find("</saml:Assertion>").unwrap() + "</saml:Assertion>".len();
        let original = &xml[start..end];
        let sig_start = original.find("<ds:Signature").unwrap();
        let sig_end = original.find("</ds:Signature>").unwrap() + "</ds:Signature>".len();
        let evil = format!("{}{}", &original[..sig_start], &original[sig_end..])
            .replace("pairwise-alice", "pairwise-admin")
            .replace("_assert1", "_evil");
        let wrapped = format!("{}{evil}{}", &xml[..start], &xml[start..]);
        let r = verify_response(&wrapped, &expect(&certs));
        assert!(r.is_err(), "XSW3 must be refused");
    }
}

mod federation {
    use super::*;
    use trust_framework::saml::aggregate;

    fn sp_md(entity: &str, acs: &str) -> String {
        format!(
            r#"<?xml version="1.0"?><md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="{entity}"><md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="{acs}" index="0"/></md:SPSSODescriptor></md:EntityDescriptor>"#
        )
    }

    fn signed(valid_until: time::OffsetDateTime) -> (String, Vec<u8>) {
        let pki = pki();
        let op = pki.service_credential("federation-operator").unwrap();
        let entities = vec![
            sp_md("http://127.0.0.1:9001/sp", "http://127.0.0.1:9001/acs"),
            sp_md("http://127.0.0.1:9002/sp", "http://127.0.0.1:9002/acs"),
        ];
        let xml = aggregate::build(
            "_fed1",
            "mnctf-federation",
            valid_until,
            &entities,
            &key_der(&op),
            &op.certificate,
        )
        .unwrap();
        (xml, op.certificate)
    }

    const NOW: time::OffsetDateTime = datetime!(2026-11-24 03:00 UTC);

    #[test]
    fn tf_md_001_a_signed_aggregate_loads_with_its_entities() {
        let (xml, cert) = signed(NOW + Duration::days(7));
        let agg = aggregate::load(&xml, &[cert], NOW).unwrap();
        assert_eq!(agg.sps().count(), 2);
        assert_eq!(agg.valid_until, NOW + Duration::days(7));
    }

    #[test]
    fn tf_md_002_expired_badly_signed_or_tampered_aggregates_are_refused() {
        let (xml, cert) = signed(NOW + Duration::days(7));
        let expired = aggregate::load(&xml, std::slice::from_ref(&cert), NOW + Duration::days(8))
            .unwrap_err();
        assert!(expired.to_string().contains("expired"), "{expired}");
        let other = pki().service_credential("sp-1").unwrap().certificate;
        assert!(matches!(
            aggregate::load(&xml, &[other], NOW),
            Err(SamlError::BadSignature(_))
        ));
        assert!(
            aggregate::load(&xml, &[], NOW).is_err(),
            "no operator key configured: fail closed"
        );
        let tampered = xml.replace("http://127.0.0.1:9002/acs", "https://evil.example/acs");
        assert!(aggregate::load(&tampered, std::slice::from_ref(&cert), NOW).is_err());
        let smuggled = xml.replace(
            "</md:EntitiesDescriptor>",
            &format!(
                "{}</md:EntitiesDescriptor>",
                sp_md("https://evil.example/sp", "https://evil.example/acs")
                    .trim_start_matches(r#"<?xml version="1.0"?>"#)
            ),
        );
        assert!(
            aggregate::load(&smuggled, &[cert], NOW).is_err(),
            "an entity added after signing"
        );
    }

    #[test]
    fn tf_md_003_categories_the_operator_registers_are_read_from_the_signed_aggregate() {
        use trust_framework::saml::constants::category;
        let pki = pki();
        let op = pki.service_credential("federation-operator").unwrap();
        let bank = aggregate::register(
            &sp_md("http://127.0.0.1:9003/sp", "http://127.0.0.1:9003/acs"),
            &[category::BANK],
            &[AC_JPKI_USER_AUTH],
        )
        .unwrap();
        let plain = sp_md("http://127.0.0.1:9001/sp", "http://127.0.0.1:9001/acs");
        let xml = aggregate::build(
            "_fed2",
            "mnctf-federation",
            NOW + Duration::days(7),
            &[bank.clone(), plain],
            &key_der(&op),
            &op.certificate,
        )
        .unwrap();
        let agg = aggregate::load(&xml, &[op.certificate], NOW).unwrap();
        let registered = agg.entity("http://127.0.0.1:9003/sp").unwrap();
        assert!(registered.has_category(category::BANK));
        assert_eq!(registered.assurance, vec![AC_JPKI_USER_AUTH.to_owned()]);
        assert!(registered.sp.is_some() && registered.idp.is_none());
        assert!(agg
            .entity("http://127.0.0.1:9001/sp")
            .unwrap()
            .categories
            .is_empty());
        assert_eq!(agg.with_category(category::BANK).count(), 1);
        assert!(
            aggregate::register(&bank, &[category::GOVERNMENT], &[]).is_err(),
            "an entity that writes its own entity attributes is refused"
        );
    }
}

/// libxmlsec1 prints a C error line per refused signature unless told not to; our adapter
/// tells it (xmlsec-ffi), and `MNCTF_XMLSEC_ERRORS` brings the lines back. Run in a
/// child process (this test binary again), whose stderr the parent reads whole.
#[test]
fn refused_signatures_print_nothing_from_c_unless_asked() {
    if std::env::var_os("MNCTF_REFUSE_ONE_SIGNATURE").is_some() {
        let pki = pki();
        let idp = pki.service_credential("idp").unwrap();
        let other = pki.service_credential("sp-1").unwrap();
        let xml = signed_response(&idp);
        let refused = signature::verify_enveloped(&xml, std::slice::from_ref(&other.certificate));
        assert!(refused.is_err());
        return;
    }
    let child = |errors: bool| {
        let mut cmd = Command::new(std::env::current_exe().unwrap());
        cmd.args([
            "--exact",
            "refused_signatures_print_nothing_from_c_unless_asked",
        ])
        .env("MNCTF_REFUSE_ONE_SIGNATURE", "1")
        .env_remove("MNCTF_XMLSEC_ERRORS");
        if errors {
            cmd.env("MNCTF_XMLSEC_ERRORS", "1");
        }
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let quiet = child(false);
    assert!(
        !quiet.contains("func=xmlSec"),
        "C error lines leaked:\n{quiet}"
    );
    let loud = child(true);
    assert!(
        loud.contains("func=xmlSec"),
        "MNCTF_XMLSEC_ERRORS brings them back:\n{loud}"
    );
}
