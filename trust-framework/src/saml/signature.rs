//! Enveloped XML signatures (RSA-SHA256, SHA-256 digest, exclusive c14n) through samael's
//! xmlsec wrapper: signing our templates, and verification that returns only what the
//! signature covers.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use samael::crypto::{
    AllowedSignatureAlgorithm, CertificateDer, Crypto, CryptoProvider, ReduceMode,
};

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use sha2::{Digest as _, Sha256};
use xmlsec_ffi::{SigningKey, Templates};

use super::constants::{ALG_ENVELOPED, ALG_EXC_C14N, ALG_RSA_SHA256, ALG_SHA256, NS_DSIG};
use super::xml;
use super::SamlError;

/// A `<ds:Signature>` template referencing `#id`, with our certificate in KeyInfo (for
/// peers that want it; we never verify with a key a message carries).
pub fn template(id: &str, cert_der: &[u8]) -> String {
    format!(
        concat!(
            r#"<ds:Signature xmlns:ds="{ns}"><ds:SignedInfo>"#,
            r#"<ds:CanonicalizationMethod Algorithm="{c14n}"/><ds:SignatureMethod Algorithm="{alg}"/>"#,
            r##"<ds:Reference URI="#{id}"><ds:Transforms><ds:Transform Algorithm="{env}"/><ds:Transform Algorithm="{c14n}"/></ds:Transforms>"##,
            r#"<ds:DigestMethod Algorithm="{digest}"/><ds:DigestValue></ds:DigestValue></ds:Reference></ds:SignedInfo>"#,
            r#"<ds:SignatureValue></ds:SignatureValue><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{cert}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></ds:Signature>"#
        ),
        ns = NS_DSIG,
        c14n = ALG_EXC_C14N,
        alg = ALG_RSA_SHA256,
        env = ALG_ENVELOPED,
        digest = ALG_SHA256,
        id = xml::escape(id),
        cert = STANDARD.encode(cert_der),
    )
}

/// Signs the first signature template in `xml` document order with `key_der` (PKCS#8
/// DER); returns the document without an XML declaration.
pub fn sign(xml: &str, key_der: &[u8]) -> Result<String, SamlError> {
    sign_templates(xml, key_der, Templates::First)
}

/// Signs every empty signature template in `xml`, the innermost first (an assertion's
/// before the Response's that covers it), in one parse; returns the document without an
/// XML declaration.
pub fn sign_nested(xml: &str, key_der: &[u8]) -> Result<String, SamlError> {
    sign_templates(xml, key_der, Templates::AllEmpty)
}

fn sign_templates(xml: &str, key_der: &[u8], which: Templates) -> Result<String, SamlError> {
    let key = signing_key(key_der)?;
    let signed = xmlsec_ffi::sign(xml, &key, which).map_err(|e| SamlError::Sign(e.to_string()))?;
    let body = match signed.strip_prefix("<?xml") {
        Some(rest) => rest.split_once("?>").map(|(_, b)| b).unwrap_or(rest),
        None => &signed,
    };
    Ok(body.trim_start().to_owned())
}

/// The key for `key_der`, parsed once per process: loading a key through OpenSSL's
/// decoders costs more than the signature it makes. Keys are found by the digest of their
/// DER; the cache holds the few keys a process signs with (it starts over past 64).
fn signing_key(key_der: &[u8]) -> Result<Arc<SigningKey>, SamlError> {
    static KEYS: OnceLock<Mutex<HashMap<[u8; 32], Arc<SigningKey>>>> = OnceLock::new();
    let digest: [u8; 32] = Sha256::digest(key_der).into();
    let keys = KEYS.get_or_init(Default::default);
    if let Some(key) = keys.lock().unwrap_or_else(|p| p.into_inner()).get(&digest) {
        return Ok(Arc::clone(key));
    }
    let key = Arc::new(SigningKey::from_der(key_der).map_err(|e| SamlError::Sign(e.to_string()))?);
    let mut keys = keys.lock().unwrap_or_else(|p| p.into_inner());
    if keys.len() >= 64 {
        keys.clear();
    }
    keys.insert(digest, Arc::clone(&key));
    Ok(key)
}

/// Whether the root element carries an enveloped `<ds:Signature>` as a direct child.
pub fn root_is_signed(xml: &str) -> Result<bool, SamlError> {
    let doc = xml::parse(xml)?;
    Ok(xml::child(doc.root_element(), NS_DSIG, "Signature").is_some())
}

fn root_id(xml: &str) -> Result<(String, Option<String>), SamlError> {
    let doc = xml::parse(xml)?;
    let root = doc.root_element();
    Ok((
        root.tag_name().name().to_owned(),
        root.attribute("ID").map(str::to_owned),
    ))
}

/// What went wrong with a signature, in words a vendor can act on: xmlsec's own reason
/// follows samael's generic "Crypto Provider Error".
fn signature_error(e: samael::crypto::CryptoError) -> SamlError {
    use std::error::Error as _;
    if matches!(e, samael::crypto::CryptoError::InvalidSignature) {
        return SamlError::BadSignature(
            "the signature does not verify with the sender's metadata keys".into(),
        );
    }
    let mut text = String::from("the signature could not be checked");
    let mut cause = e.source();
    while let Some(c) = cause {
        text.push_str(&format!(": {c}"));
        cause = c.source();
    }
    if e.source().is_none() {
        text.push_str(&format!(": {e}"));
    }
    SamlError::BadSignature(text)
}

/// Verifies every signature in `xml` against `certs` and returns the document reduced to
/// what the signatures cover, whatever its root (the caller checks what it got).
pub fn verify_and_reduce(xml: &str, certs: &[Vec<u8>]) -> Result<String, SamlError> {
    if certs.is_empty() {
        return Err(SamlError::BadSignature(
            "no signing certificate configured for the sender".into(),
        ));
    }
    xml::parse(xml)?;
    let certs: Vec<CertificateDer> = certs.iter().cloned().map(CertificateDer::from).collect();
    xmlsec_ffi::quiet();
    Crypto::reduce_xml_to_signed_with_allowed_algorithms(
        xml,
        &certs,
        ReduceMode::ValidateAndMarkNoAncestors,
        Some(&[AllowedSignatureAlgorithm::RsaSha256]),
    )
    .map_err(signature_error)
}

/// Verifies every signature in `xml` against `certs` (DER, from configured metadata) and
/// returns the document reduced to what the signatures cover. Fails closed: no
/// certificates, no signature, another algorithm, or a root that the signatures do not
/// cover (signature wrapping) is an error.
pub fn verify_enveloped(xml: &str, certs: &[Vec<u8>]) -> Result<String, SamlError> {
    if certs.is_empty() {
        return Err(SamlError::BadSignature(
            "no signing certificate configured for the sender".into(),
        ));
    }
    // Parse with our limits first: xmlsec must never see a DTD or an oversized document.
    let (name, id) = root_id(xml)?;
    let certs: Vec<CertificateDer> = certs.iter().cloned().map(CertificateDer::from).collect();
    xmlsec_ffi::quiet();
    let reduced = Crypto::reduce_xml_to_signed_with_allowed_algorithms(
        xml,
        &certs,
        ReduceMode::ValidateAndMarkNoAncestors,
        Some(&[AllowedSignatureAlgorithm::RsaSha256]),
    )
    .map_err(signature_error)?;
    let (reduced_name, reduced_id) = root_id(&reduced)?;
    if reduced_name != name || reduced_id != id || id.is_none() {
        return Err(SamlError::Wrapped);
    }
    Ok(reduced)
}
