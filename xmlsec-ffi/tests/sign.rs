//! Signing with a key loaded once: nested templates filled innermost first (xmlsec1, the
//! reference tool, verifies both), one key shared by threads, and refusals in words.

use std::process::Command;

use openssl::pkey::PKey;
use openssl::rsa::Rsa;
use xmlsec_ffi::{sign, SignError, SigningKey, Templates};

const DSIG: &str = "http://www.w3.org/2000/09/xmldsig#";

fn template(id: &str) -> String {
    format!(
        concat!(
            r#"<ds:Signature xmlns:ds="{d}"><ds:SignedInfo>"#,
            r#"<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>"#,
            r#"<ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>"#,
            r##"<ds:Reference URI="#{id}"><ds:Transforms>"##,
            r#"<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>"#,
            r#"<ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></ds:Transforms>"#,
            r#"<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>"#,
            r#"<ds:DigestValue></ds:DigestValue></ds:Reference></ds:SignedInfo>"#,
            r#"<ds:SignatureValue></ds:SignatureValue></ds:Signature>"#
        ),
        d = DSIG,
        id = id
    )
}

/// An outer element signed over an inner one that has its own signature.
fn nested() -> String {
    format!(
        r#"<o:Outer xmlns:o="urn:test:o" ID="_outer"><o:Head/>{}<i:Inner xmlns:i="urn:test:i" ID="_inner"><i:Head/>{}<i:Body>data</i:Body></i:Inner></o:Outer>"#,
        template("_outer"),
        template("_inner")
    )
}

/// Templates still without a value (libxml2 writes an empty element as `<x/>`).
fn unfilled(xml: &str) -> usize {
    xml.matches("<ds:SignatureValue></ds:SignatureValue>")
        .count()
        + xml.matches("<ds:SignatureValue/>").count()
}

fn key() -> (SigningKey, String) {
    let rsa = Rsa::generate(2048).unwrap();
    let pkey = PKey::from_rsa(rsa).unwrap();
    let der = pkey.private_key_to_pkcs8().unwrap();
    let public = String::from_utf8(pkey.public_key_to_pem().unwrap()).unwrap();
    (SigningKey::from_der(&der).unwrap(), public)
}

fn xmlsec1_verifies(xml: &str, public_pem: &str, node: &str) -> bool {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("doc.xml"), xml).unwrap();
    std::fs::write(dir.path().join("key.pem"), public_pem).unwrap();
    let out = Command::new("xmlsec1")
        .args([
            "--verify",
            "--id-attr:ID",
            node,
            "--pubkey-pem",
            "key.pem",
            "doc.xml",
        ])
        .current_dir(dir.path())
        .output()
        .expect("xmlsec1 is installed (scripts/setup)");
    out.status.success()
}

#[test]
fn nested_templates_are_filled_innermost_first_and_both_verify() {
    let (key, public) = key();
    let signed = sign(&nested(), &key, Templates::AllEmpty).unwrap();
    assert_eq!(unfilled(&signed), 0);
    assert!(
        xmlsec1_verifies(&signed, &public, "urn:test:o:Outer"),
        "{signed}"
    );
    // The inner element alone: its signature verifies, and the outer one covered it as signed.
    let start = signed.find("<i:Inner").unwrap();
    let end = signed.find("</i:Inner>").unwrap() + "</i:Inner>".len();
    assert!(xmlsec1_verifies(
        &signed[start..end],
        &public,
        "urn:test:i:Inner"
    ));
}

#[test]
fn first_fills_only_the_first_template_and_outer_first_would_break() {
    let (key, public) = key();
    let signed = sign(&nested(), &key, Templates::First).unwrap();
    assert_eq!(unfilled(&signed), 1);
    // Filling the inner template afterwards changes what the outer digest covered.
    let both = sign(&signed, &key, Templates::AllEmpty).unwrap();
    assert!(!xmlsec1_verifies(&both, &public, "urn:test:o:Outer"));
}

#[test]
fn one_key_signs_from_many_threads_alike() {
    let (key, _) = key();
    let want = sign(&nested(), &key, Templates::AllEmpty).unwrap();
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                for _ in 0..20 {
                    assert_eq!(sign(&nested(), &key, Templates::AllEmpty).unwrap(), want);
                }
            });
        }
    });
}

#[test]
fn refusals_say_what_is_wrong() {
    assert!(matches!(
        SigningKey::from_der(b"not a key"),
        Err(SignError::Key)
    ));
    let (key, _) = key();
    assert!(matches!(
        sign("<a ID=\"_a\"/>", &key, Templates::AllEmpty),
        Err(SignError::NoTemplate)
    ));
    assert!(matches!(
        sign("<a ID=\"_a\"/>", &key, Templates::First),
        Err(SignError::NoTemplate)
    ));
    assert!(matches!(
        sign("", &key, Templates::First),
        Err(SignError::Parse)
    ));
}
