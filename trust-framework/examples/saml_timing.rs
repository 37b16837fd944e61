//! Times the platform's Response signing and the SP-side verification (release build):
//! `cargo run --release -p trust-framework --example saml_timing`.

use rsa::pkcs8::EncodePrivateKey;
use std::time::Instant;
use trust_framework::saml::response::{self, AssertionParams, ResponseParams};
fn main() {
    let pki = mock_ca::Pki::build(
        mock_ca::PkiConfig::new("http://127.0.0.1:1"),
        mock_ca::Clock::system(),
    )
    .unwrap();
    let idp = pki.service_credential("idp").unwrap();
    let key = idp.key.to_pkcs8_der().unwrap().as_bytes().to_vec();
    let now = time::OffsetDateTime::now_utc();
    let r = ResponseParams {
        id: "_r".into(),
        issuer: "http://i/".into(),
        destination: "http://s/acs".into(),
        in_response_to: Some("_q".into()),
        issued: now,
    };
    let a = AssertionParams {
        id: "_a".into(),
        issuer: "http://i/".into(),
        audience: "http://s/".into(),
        name_id: "n".into(),
        recipient: "http://s/acs".into(),
        in_response_to: Some("_q".into()),
        issued: now,
        not_on_or_after: now,
        authn_instant: now,
        session_index: "_s".into(),
        authn_context_class: "c".into(),
        attributes: vec![],
    };
    for _ in 0..20 {
        response::success(&r, &a, &key, &idp.certificate).unwrap();
    }
    let t = Instant::now();
    for _ in 0..200 {
        response::success(&r, &a, &key, &idp.certificate).unwrap();
    }
    println!(
        "response::success: {:.3} ms",
        t.elapsed().as_secs_f64() * 1e3 / 200.0
    );
    let xml = response::success(&r, &a, &key, &idp.certificate).unwrap();
    let t = Instant::now();
    for _ in 0..200 {
        trust_framework::saml::signature::verify_enveloped(
            &xml,
            std::slice::from_ref(&idp.certificate),
        )
        .unwrap();
    }
    println!(
        "verify_enveloped: {:.3} ms",
        t.elapsed().as_secs_f64() * 1e3 / 200.0
    );
}
