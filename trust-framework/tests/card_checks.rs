//! The relying party's checks on real persona certificates from mock-ca: path
//! validation, OCSP answers (from mock-ca's responder logic, faults included), CRLs, and
//! a card signature over a login challenge.

use mock_ca::ocsp::{self, Fault};
use mock_ca::pki::ca;
use mock_ca::{Clock, PersonaId, Pki, PkiConfig};
use mock_card::client::JpkiClient;
use mock_card::transport::InProcess;
use mock_card::JpkiCard;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};
use trust_framework::binding::{Challenge, Nonce};
use trust_framework::x509::{
    check_crl, check_ocsp_response, ocsp_request, CrlError, OcspCheckError, PathError, PathPolicy,
    Revocation, TrustAnchors, ValidatedCertificate,
};
use trust_framework::EntityId;

const NOW: OffsetDateTime = datetime!(2026-11-24 12:00 UTC);
const SKEW: Duration = Duration::minutes(2);

fn pki() -> Pki {
    let mut config = PkiConfig::new("http://127.0.0.1:18080");
    config.now = datetime!(2026-11-24 0:00 UTC);
    Pki::build(config, Clock::fixed(NOW)).unwrap()
}

fn anchors(pki: &Pki) -> TrustAnchors {
    let mut a = TrustAnchors::new();
    for id in [ca::JPKI_AUTH, ca::JPKI_SIGN] {
        a.add(id, pki.authority(id).unwrap().certificate()).unwrap();
    }
    a
}

fn auth_policy() -> PathPolicy {
    PathPolicy {
        required_policy: Some(mock_ca::ext::oid::JPKI_POLICY_AUTH),
        required_eku: Some(const_oid::db::rfc5280::ID_KP_CLIENT_AUTH),
    }
}

fn validated(pki: &Pki, id: PersonaId) -> ValidatedCertificate {
    anchors(pki)
        .validate(&pki.persona(id).card.auth.issued.der, NOW, &auth_policy())
        .unwrap()
}

#[test]
fn valid_card_certificate_validates_to_the_jpki_anchor() {
    let pki = pki();
    let v = validated(&pki, PersonaId::Valid);
    assert_eq!(v.anchor.label, ca::JPKI_AUTH);
}

#[test]
fn path_errors_are_specific() {
    let pki = pki();
    let a = anchors(&pki);
    let der = |id: PersonaId| pki.persona(id).card.auth.issued.der.clone();
    assert!(matches!(
        a.validate(&der(PersonaId::AuthExpired), NOW, &auth_policy()),
        Err(PathError::Expired(_))
    ));
    assert!(
        matches!(
            a.validate(&der(PersonaId::UnknownCa), NOW, &auth_policy()),
            Err(PathError::BadSignature(_))
        ),
        "look-alike CA"
    );
    assert!(matches!(
        a.validate(
            &der(PersonaId::Valid),
            datetime!(2026-01-01 0:00 UTC),
            &auth_policy()
        ),
        Err(PathError::NotYetValid(_))
    ));
    assert!(matches!(
        TrustAnchors::new().validate(&der(PersonaId::Valid), NOW, &auth_policy()),
        Err(PathError::UnknownIssuer(_))
    ));
    assert!(matches!(
        a.validate(b"\x30\x03\x02\x01\x01", NOW, &auth_policy()),
        Err(PathError::Malformed(_))
    ));
    let sign = pki
        .persona(PersonaId::Valid)
        .card
        .sign
        .as_ref()
        .unwrap()
        .issued
        .der
        .clone();
    assert!(
        matches!(
            a.validate(&sign, NOW, &auth_policy()),
            Err(PathError::Policy(_))
        ),
        "a signature certificate is not a login certificate"
    );
}

fn ocsp_answer(pki: &Pki, v: &ValidatedCertificate, nonce: &[u8], fault: Option<Fault>) -> Vec<u8> {
    let request = ocsp_request(v, nonce).unwrap();
    let answer = ocsp::respond(
        pki.authority(ca::JPKI_AUTH).unwrap(),
        pki.authority(ca::ROGUE_AUTH).unwrap(),
        &request,
        NOW,
        fault,
    );
    assert_eq!(answer.status, 200);
    answer.body
}

#[test]
fn ocsp_good_and_revoked_answers_are_read() {
    let pki = pki();
    let good = validated(&pki, PersonaId::Valid);
    let answer = ocsp_answer(&pki, &good, b"nonce-1", None);
    assert_eq!(
        check_ocsp_response(&answer, &good, b"nonce-1", NOW, SKEW).map(|a| a.status()),
        Ok(Revocation::Good)
    );
    let revoked = validated(&pki, PersonaId::AuthRevoked);
    let answer = ocsp_answer(&pki, &revoked, b"nonce-2", None);
    assert!(matches!(
        check_ocsp_response(&answer, &revoked, b"nonce-2", NOW, SKEW).map(|a| a.status()),
        Ok(Revocation::Revoked {
            reason: Some(1),
            ..
        })
    ));
}

#[test]
fn ocsp_faults_fail_closed_with_their_own_error() {
    let pki = pki();
    let v = validated(&pki, PersonaId::Valid);
    let check = |fault| {
        check_ocsp_response(
            &ocsp_answer(&pki, &v, b"n", Some(fault)),
            &v,
            b"n",
            NOW,
            SKEW,
        )
    };
    assert!(matches!(check(Fault::Stale), Err(OcspCheckError::Stale(_))));
    assert_eq!(
        check(Fault::WrongSigner),
        Err(OcspCheckError::UnauthorizedSigner)
    );
    assert_eq!(check(Fault::BadNonce), Err(OcspCheckError::NonceMismatch));
    // An answer to someone else's request (another nonce) is a replay.
    let other = ocsp_answer(&pki, &v, b"first", None);
    assert_eq!(
        check_ocsp_response(&other, &v, b"second", NOW, SKEW),
        Err(OcspCheckError::NonceMismatch)
    );
    // An answer about another certificate says nothing about ours.
    let revoked = validated(&pki, PersonaId::AuthRevoked);
    let about_other = ocsp_answer(&pki, &revoked, b"n", None);
    assert_eq!(
        check_ocsp_response(&about_other, &v, b"n", NOW, SKEW),
        Err(OcspCheckError::NoResponseForCertificate)
    );
    assert!(matches!(
        check_ocsp_response(b"junk", &v, b"n", NOW, SKEW),
        Err(OcspCheckError::Malformed(_))
    ));
    let malformed = [0x30, 0x03, 0x0A, 0x01, 0x01];
    assert!(matches!(
        check_ocsp_response(&malformed, &v, b"n", NOW, SKEW),
        Err(OcspCheckError::Status(_))
    ));
}

#[test]
fn ocsp_answer_from_the_future_or_after_next_update_is_refused() {
    let pki = pki();
    let v = validated(&pki, PersonaId::Valid);
    let answer = ocsp_answer(&pki, &v, b"n", None);
    assert!(matches!(
        check_ocsp_response(&answer, &v, b"n", NOW - Duration::hours(1), SKEW),
        Err(OcspCheckError::NotYetValid(_))
    ));
    assert!(matches!(
        check_ocsp_response(&answer, &v, b"n", NOW + Duration::days(2), SKEW),
        Err(OcspCheckError::Stale(_))
    ));
}

#[test]
fn crl_lists_revoked_and_refuses_stale_or_foreign_crls() {
    let pki = pki();
    let auth_ca = pki.authority(ca::JPKI_AUTH).unwrap();
    let crl = auth_ca.crl(NOW, Duration::days(1)).unwrap();
    let good = validated(&pki, PersonaId::Valid);
    assert_eq!(
        check_crl(&crl, &good, NOW, SKEW).map(|a| a.status()),
        Ok(Revocation::Good)
    );
    let revoked = validated(&pki, PersonaId::AuthRevoked);
    assert!(matches!(
        check_crl(&crl, &revoked, NOW, SKEW).map(|a| a.status()),
        Ok(Revocation::Revoked {
            reason: Some(1),
            ..
        })
    ));
    let stale = auth_ca
        .crl(NOW - Duration::days(3), Duration::days(1))
        .unwrap();
    assert!(matches!(
        check_crl(&stale, &good, NOW, SKEW),
        Err(CrlError::Stale(_))
    ));
    let foreign = pki
        .authority(ca::JPKI_SIGN)
        .unwrap()
        .crl(NOW, Duration::days(1))
        .unwrap();
    assert!(matches!(
        check_crl(&foreign, &good, NOW, SKEW),
        Err(CrlError::WrongIssuer(_))
    ));
    let rogue = pki
        .authority(ca::ROGUE_AUTH)
        .unwrap()
        .crl(NOW, Duration::days(1))
        .unwrap();
    assert_eq!(
        check_crl(&rogue, &good, NOW, SKEW),
        Err(CrlError::BadSignature),
        "same name, other key"
    );
}

#[test]
fn card_signature_over_a_challenge_verifies_and_tampering_does_not() {
    let pki = pki();
    let persona = pki.persona(PersonaId::Valid);
    let v = validated(&pki, PersonaId::Valid);
    let challenge = Challenge {
        idp: EntityId::new("http://127.0.0.1:8000/idp").unwrap(),
        endpoint: "http://127.0.0.1:8000/card-login".into(),
        nonce: Nonce::from_bytes([9; 32]),
        issued: NOW,
        expires: NOW + Duration::minutes(2),
    };
    let mut card = JpkiClient::new(InProcess::new(JpkiCard::new(persona.card_image())));
    let sig = card
        .authenticate(&persona.auth_pin, &challenge.digest_info())
        .unwrap();
    challenge.verify_signature(&v.key, &sig).unwrap();
    let mut other = challenge.clone();
    other.nonce = Nonce::from_bytes([8; 32]);
    assert!(other.verify_signature(&v.key, &sig).is_err());
    let renewed = validated(&pki, PersonaId::Renewed);
    assert!(
        challenge.verify_signature(&renewed.key, &sig).is_err(),
        "another card's key"
    );
}
