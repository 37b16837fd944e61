//! Pay-easy-style payment messages (TF-BANK-002): signed by their issuer, verified
//! against configured keys only, read from the signed content.

use mock_ca::pki::ServiceCredential;
use mock_ca::{Clock, Pki, PkiConfig};
use rsa::pkcs8::EncodePrivateKey;
use time::macros::datetime;
use time::Duration;
use trust_framework::payment::{
    self, PaymentError, PaymentNotice, PaymentReference, PaymentRequest,
};
use trust_framework::EntityId;

const NOW: time::OffsetDateTime = datetime!(2026-11-24 03:00 UTC);

fn credentials() -> (ServiceCredential, ServiceCredential) {
    let pki = Pki::build(PkiConfig::new("http://127.0.0.1:18080"), Clock::system()).unwrap();
    (
        pki.service_credential("sp-1").unwrap(),
        pki.service_credential("sp-3").unwrap(),
    )
}

fn key(c: &ServiceCredential) -> Vec<u8> {
    c.key.to_pkcs8_der().unwrap().as_bytes().to_vec()
}

fn request() -> PaymentRequest {
    PaymentRequest {
        id: "_pay1".into(),
        issuer: EntityId::new("http://127.0.0.1:9001/sp").unwrap(),
        issued: NOW,
        expires: NOW + Duration::minutes(30),
        application: "APP-0001".into(),
        reference: PaymentReference::new("12345", "0000111122223333", "987654").unwrap(),
        amount: 1200,
        session_index: "_sess1".into(),
        notice_url: "http://127.0.0.1:9001/payment/notice".into(),
    }
}

#[test]
fn tf_bank_002_a_signed_request_verifies_and_reads_back() {
    let (sp, bank) = credentials();
    let xml = payment::build_request(&request(), &key(&sp), &sp.certificate).unwrap();
    let got = payment::verify_request(&xml, std::slice::from_ref(&sp.certificate), NOW).unwrap();
    assert_eq!(got, request());
    assert!(matches!(
        payment::verify_request(&xml, &[bank.certificate], NOW),
        Err(PaymentError::Saml(_))
    ));
    assert!(matches!(
        payment::verify_request(&xml, &[sp.certificate], NOW + Duration::hours(1)),
        Err(PaymentError::Expired(_))
    ));
}

#[test]
fn tf_bank_002_a_tampered_amount_or_issuer_is_refused() {
    let (sp, _) = credentials();
    let xml = payment::build_request(&request(), &key(&sp), &sp.certificate).unwrap();
    let tampered = xml.replace(">1200<", ">12<");
    assert_ne!(tampered, xml);
    assert!(
        payment::verify_request(&tampered, std::slice::from_ref(&sp.certificate), NOW).is_err()
    );
    let other_issuer = xml.replace("http://127.0.0.1:9001/sp\"", "http://127.0.0.1:9009/sp\"");
    assert_ne!(other_issuer, xml);
    assert!(payment::verify_request(&other_issuer, &[sp.certificate], NOW).is_err());
}

#[test]
fn tf_bank_002_a_notice_verifies_with_the_bank_key_only() {
    let (sp, bank) = credentials();
    let notice = PaymentNotice {
        id: "_notice1".into(),
        issuer: EntityId::new("http://127.0.0.1:9003/sp").unwrap(),
        issued: NOW,
        in_response_to: "_pay1".into(),
        application: "APP-0001".into(),
        payment_number: "0000111122223333".into(),
        amount: 1200,
    };
    let xml = payment::build_notice(&notice, &key(&bank), &bank.certificate).unwrap();
    assert_eq!(
        payment::verify_notice(&xml, std::slice::from_ref(&bank.certificate)).unwrap(),
        notice
    );
    assert!(payment::verify_notice(&xml, &[sp.certificate]).is_err());
}

#[test]
fn pay_easy_references_have_their_shapes() {
    assert!(PaymentReference::new("1234", "1", "123456").is_err());
    assert!(PaymentReference::new("12345", "", "123456").is_err());
    assert!(PaymentReference::new("12345", "1".repeat(21).as_str(), "123456").is_err());
    assert!(PaymentReference::new("12345", "12a", "123456").is_err());
    assert!(PaymentReference::new("12345", "12", "12345").is_err());
    assert!(PaymentReference::new("12345", "12", "123456").is_ok());
}
