//! The personas and the certificate profiles, read back with x509-cert.

use std::time::Instant;

use der::{Decode, Encode};
use mock_ca::ext::{oid, parse_admission};
use mock_ca::pki::ca;
use mock_ca::{CertState, Clock, PersonaId, Pki, PkiConfig, Reason};
use time::macros::datetime;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::SubjectAltName;
use x509_cert::Certificate;

fn pki() -> Pki {
    let mut config = PkiConfig::new("http://127.0.0.1:18080");
    config.now = datetime!(2026-11-24 0:00 UTC);
    Pki::build(config, Clock::fixed(datetime!(2026-11-24 12:00 UTC))).unwrap()
}

fn cert(der: &[u8]) -> Certificate {
    Certificate::from_der(der).unwrap()
}

/// The name's attributes in encoding order, each as `TYPE=value`.
fn rdns(name: &x509_cert::name::Name) -> Vec<String> {
    name.0.iter().map(|rdn| rdn.to_string()).collect()
}

fn extension(
    c: &Certificate,
    id: const_oid::ObjectIdentifier,
) -> Option<&x509_cert::ext::Extension> {
    c.tbs_certificate
        .extensions
        .as_ref()?
        .iter()
        .find(|e| e.extn_id == id)
}

#[test]
fn default_pki_builds_from_bundled_keys_without_generating_any() {
    let started = Instant::now();
    let pki = pki();
    assert!(
        pki.keys().generated().is_empty(),
        "generated {:?}: run `mnctf pki keygen`",
        pki.keys().generated()
    );
    // Informative only (a number, not a timed test): building should take milliseconds.
    eprintln!("built the PKI in {:?}", started.elapsed());
}

#[test]
fn same_seed_and_day_give_byte_identical_certificates() {
    let (a, b) = (pki(), pki());
    for id in PersonaId::ALL {
        assert_eq!(
            a.persona(id).card.auth.issued.der,
            b.persona(id).card.auth.issued.der,
            "{id:?}"
        );
    }
    assert_eq!(
        a.authority(ca::JPKI_AUTH).unwrap().certificate(),
        b.authority(ca::JPKI_AUTH).unwrap().certificate()
    );
}

#[test]
fn user_auth_certificate_carries_no_personal_data() {
    let pki = pki();
    let c = cert(&pki.persona(PersonaId::Valid).card.auth.issued.der);
    let subject = rdns(&c.tbs_certificate.subject);
    assert_eq!(subject.len(), 2, "{subject:?}");
    assert_eq!(subject[0], "C=JP");
    let cn = subject[1].strip_prefix("CN=").unwrap();
    assert_eq!(cn.len(), 23);
    assert!(cn
        .chars()
        .all(|ch| ch.is_ascii_uppercase() || ch.is_ascii_digit()));
    assert!(extension(&c, const_oid::db::rfc5280::ID_CE_SUBJECT_ALT_NAME).is_none());
    assert!(extension(&c, const_oid::db::rfc5280::ID_PE_AUTHORITY_INFO_ACCESS).is_some());
    assert!(extension(&c, const_oid::db::rfc5280::ID_CE_CRL_DISTRIBUTION_POINTS).is_some());
    let exts = c.tbs_certificate.extensions.as_ref().unwrap();
    assert_eq!(
        exts.last().unwrap().extn_id,
        const_oid::db::rfc5280::ID_CE_SUBJECT_KEY_IDENTIFIER,
        "SKI last"
    );
}

#[test]
fn signature_certificate_has_the_six_other_names_in_order() {
    let pki = pki();
    let p = pki.persona(PersonaId::Valid);
    let c = cert(&p.card.sign.as_ref().unwrap().issued.der);
    let san = extension(&c, const_oid::db::rfc5280::ID_CE_SUBJECT_ALT_NAME).unwrap();
    let names = SubjectAltName::from_der(san.extn_value.as_bytes())
        .unwrap()
        .0;
    let got: Vec<(String, String)> = names
        .iter()
        .map(|n| match n {
            GeneralName::OtherName(o) => (
                o.type_id.to_string(),
                String::from_utf8(o.value.value().to_vec()).unwrap(),
            ),
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    let oids: Vec<_> = got.iter().map(|(o, _)| o.as_str()).collect();
    assert_eq!(
        oids,
        [
            "1.2.392.200149.8.5.5.1",
            "1.2.392.200149.8.5.5.4",
            "1.2.392.200149.8.5.5.3",
            "1.2.392.200149.8.5.5.5",
            "1.2.392.200149.8.5.5.2",
            "1.2.392.200149.8.5.5.6"
        ]
    );
    assert_eq!(got[0].1, "山田　太郎");
    assert_eq!(got[1].1, "319850412");
    let subject = rdns(&c.tbs_certificate.subject);
    assert_eq!(
        subject[..3],
        ["C=JP", "L=Tokyo-to", "L=Chiyoda-ku"],
        "{subject:?}"
    );
    assert_eq!(
        c.tbs_certificate
            .validity
            .not_after
            .to_unix_duration()
            .as_secs(),
        datetime!(2031-04-12 14:59:59 UTC).unix_timestamp() as u64,
        "fifth birthday after issue"
    );
}

#[test]
fn ca_names_repeat_ou_as_jpki_does() {
    let pki = pki();
    let c = cert(pki.authority(ca::JPKI_AUTH).unwrap().certificate());
    assert_eq!(
        rdns(&c.tbs_certificate.subject),
        [
            "C=JP",
            "O=JPKI-TEST",
            "OU=JPKI for user authentication",
            "OU=Japan Agency for Local Authority Information Systems"
        ]
    );
    let rogue = cert(pki.authority(ca::ROGUE_AUTH).unwrap().certificate());
    assert_eq!(
        rogue.tbs_certificate.subject, c.tbs_certificate.subject,
        "the unknown CA copies the name"
    );
    assert_ne!(
        rogue.tbs_certificate.subject_public_key_info,
        c.tbs_certificate.subject_public_key_info
    );
}

#[test]
fn revocation_personas_are_revoked_with_their_reasons() {
    let pki = pki();
    let now = pki.clock().now();
    let auth_ca = pki.authority(ca::JPKI_AUTH).unwrap();
    let sign_ca = pki.authority(ca::JPKI_SIGN).unwrap();
    let state = |ca: &mock_ca::Authority, serial: &[u8]| ca.state(serial, now);
    let revoked = pki.persona(PersonaId::AuthRevoked);
    assert!(
        matches!(state(auth_ca, &revoked.card.auth.issued.serial), CertState::Revoked(r) if r.reason == Reason::KeyCompromise)
    );
    let moved = pki.persona(PersonaId::SignRevoked);
    assert_eq!(
        state(auth_ca, &moved.card.auth.issued.serial),
        CertState::Good
    );
    assert!(
        matches!(state(sign_ca, &moved.card.sign.as_ref().unwrap().issued.serial), CertState::Revoked(r) if r.reason == Reason::AffiliationChanged)
    );
    assert_eq!(state(auth_ca, &[0x01, 0x02]), CertState::Unknown);
}

#[test]
fn renewed_card_is_linked_to_the_superseded_one() {
    let pki = pki();
    let p = pki.persona(PersonaId::Renewed);
    let old = p.previous_card.as_ref().unwrap();
    let link = pki.successor_of(&old.auth.issued.serial).unwrap();
    assert_eq!(link.new_serial, p.card.auth.issued.serial);
    assert_ne!(old.auth.issued.der, p.card.auth.issued.der);
    assert_ne!(*old.auth.key, *p.card.auth.key, "new keys");
    let auth_ca = pki.authority(ca::JPKI_AUTH).unwrap();
    assert!(
        matches!(auth_ca.state(&old.auth.issued.serial, pki.clock().now()), CertState::Revoked(r) if r.reason == Reason::Superseded)
    );
}

#[test]
fn personas_have_their_card_situation() {
    let pki = pki();
    assert!(pki.persona(PersonaId::NoSignCert).card.sign.is_none());
    assert_eq!(
        pki.persona(PersonaId::AuthPinBlocked)
            .card_image()
            .auth_pin
            .tries_left(),
        0
    );
    assert_eq!(
        pki.persona(PersonaId::SignPinBlocked)
            .card_image()
            .sign_pin
            .tries_left(),
        0
    );
    assert_eq!(
        pki.persona(PersonaId::Valid)
            .card_image()
            .sign_pin
            .tries_left(),
        5
    );
    let expired = cert(&pki.persona(PersonaId::AuthExpired).card.auth.issued.der);
    assert!(
        expired
            .tbs_certificate
            .validity
            .not_after
            .to_unix_duration()
            .as_secs()
            < datetime!(2026-11-24 0:00 UTC).unix_timestamp() as u64
    );
    assert_eq!(
        pki.persona(PersonaId::UnknownCa).card.auth.ca_id,
        ca::ROGUE_AUTH
    );
}

#[test]
fn professional_certificates_carry_the_qualification() {
    let pki = pki();
    for (id, profession) in [
        (PersonaId::TaxAccountant, "税理士"),
        (PersonaId::JudicialScrivener, "司法書士"),
    ] {
        let prof = pki.persona(id).professional.as_ref().unwrap();
        let c = cert(&prof.credential.issued.der);
        let ext = extension(&c, oid::ADMISSION).unwrap();
        let (got, number, body) = parse_admission(ext.extn_value.as_bytes()).unwrap();
        assert_eq!(got, profession);
        assert_eq!(number, prof.qualification.registration_number);
        assert_eq!(number.len(), 6);
        assert!(body.contains("連合会"), "{body}");
        let subject = rdns(&c.tbs_certificate.subject);
        assert!(
            subject
                .iter()
                .any(|a| a.ends_with(&format!("={profession}"))),
            "{subject:?}"
        );
        assert_eq!(prof.credential.ca_id, id.profession().unwrap().ca_id());
        assert!(c.to_der().is_ok());
    }
}

#[test]
fn the_clock_makes_certificates_expire_for_the_ca_too() {
    let pki = pki();
    let serial = pki
        .persona(PersonaId::Valid)
        .card
        .auth
        .issued
        .serial
        .clone();
    let ca = pki.authority(ca::JPKI_AUTH).unwrap();
    // A revocation dated in the future is not in effect before its time.
    ca.revoke(
        &serial,
        datetime!(2027-01-01 0:00 UTC),
        Reason::CessationOfOperation,
    )
    .unwrap();
    assert_eq!(ca.state(&serial, pki.clock().now()), CertState::Good);
    pki.clock().set(datetime!(2027-06-01 0:00 UTC));
    assert!(matches!(
        ca.state(&serial, pki.clock().now()),
        CertState::Revoked(_)
    ));
}
