//! The HTTP-Redirect and HTTP-POST bindings (SAML Bindings §3.4, §3.5): decoding with
//! size limits and no panics, the redirect signature over the raw query octets, and
//! encoding for our own messages.

use std::io::Read;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use flate2::read::{DeflateDecoder, DeflateEncoder};
use flate2::Compression;
use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use rsa::pkcs1v15::SigningKey;
use rsa::signature::{SignatureEncoding, Signer};
use rsa::RsaPrivateKey;
use sha2::Sha256;

use super::constants::ALG_RSA_SHA256;
use super::xml::{escape, MAX_XML};
use super::SamlError;
use crate::x509::rsa_key;

/// Largest query string or form field accepted (bytes).
pub const MAX_ENCODED: usize = 128 * 1024;

/// Largest RelayState accepted (the spec says 80 bytes; deployed SPs send URLs).
pub const MAX_RELAY_STATE: usize = 1024;

/// Which message a binding carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `SAMLRequest`.
    Request,
    /// `SAMLResponse`.
    Response,
}

impl Kind {
    /// The parameter name.
    pub fn param(self) -> &'static str {
        match self {
            Self::Request => "SAMLRequest",
            Self::Response => "SAMLResponse",
        }
    }
}

/// A detached redirect signature with the exact octets it covers.
#[derive(Clone, Debug)]
pub struct RedirectSignature {
    /// SigAlg as sent.
    pub sig_alg: String,
    /// The signature bytes.
    pub signature: Vec<u8>,
    /// `SAMLRequest=…&RelayState=…&SigAlg=…` from the raw, still-encoded query values.
    pub signed_octets: Vec<u8>,
}

/// A decoded HTTP-Redirect message.
#[derive(Clone, Debug)]
pub struct RedirectMessage {
    /// Request or response.
    pub kind: Kind,
    /// The inflated XML.
    pub xml: String,
    /// RelayState, decoded.
    pub relay_state: Option<String>,
    /// The signature, if the message was signed.
    pub signature: Option<RedirectSignature>,
}

fn form_decode(raw: &str) -> Result<String, SamlError> {
    let plus = raw.replace('+', " ");
    percent_decode_str(&plus)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| SamlError::Malformed("parameter is not UTF-8".into()))
}

/// Base64 (whitespace tolerated) with a size limit.
pub fn base64_decode(text: &str) -> Result<Vec<u8>, SamlError> {
    if text.len() > MAX_ENCODED {
        return Err(SamlError::TooLarge("encoded message over 128 KiB"));
    }
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    STANDARD
        .decode(compact)
        .map_err(|_| SamlError::Malformed("not base64".into()))
}

/// Raw DEFLATE with a limit on the inflated size (no deflate bombs).
fn inflate(data: &[u8]) -> Result<String, SamlError> {
    let mut out = Vec::new();
    let mut decoder = DeflateDecoder::new(data).take(MAX_XML as u64 + 1);
    decoder
        .read_to_end(&mut out)
        .map_err(|_| SamlError::Malformed("not raw DEFLATE data".into()))?;
    if out.len() > MAX_XML {
        return Err(SamlError::TooLarge("inflated message over 256 KiB"));
    }
    String::from_utf8(out).map_err(|_| SamlError::Malformed("inflated message is not UTF-8".into()))
}

/// Decodes an HTTP-Redirect query string (the raw part after `?`).
pub fn decode_redirect(raw_query: &str) -> Result<RedirectMessage, SamlError> {
    if raw_query.len() > MAX_ENCODED {
        return Err(SamlError::TooLarge("query string over 128 KiB"));
    }
    let mut params: Vec<(&str, &str)> = Vec::new();
    for pair in raw_query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        if params.iter().any(|(seen, _)| *seen == k) {
            return Err(SamlError::Malformed(format!("parameter {k} appears twice")));
        }
        params.push((k, v));
    }
    let get = |name: &str| params.iter().find(|(k, _)| *k == name).map(|(_, v)| *v);
    let (kind, raw_message) = match (get("SAMLRequest"), get("SAMLResponse")) {
        (Some(m), None) => (Kind::Request, m),
        (None, Some(m)) => (Kind::Response, m),
        (Some(_), Some(_)) => {
            return Err(SamlError::Malformed(
                "both SAMLRequest and SAMLResponse".into(),
            ))
        }
        (None, None) => {
            return Err(SamlError::Malformed(
                "no SAMLRequest or SAMLResponse parameter".into(),
            ))
        }
    };
    let xml = inflate(&base64_decode(&form_decode(raw_message)?)?)?;
    let relay_state = get("RelayState").map(form_decode).transpose()?;
    if relay_state
        .as_ref()
        .is_some_and(|r| r.len() > MAX_RELAY_STATE)
    {
        return Err(SamlError::TooLarge("RelayState over 1024 bytes"));
    }
    let signature = match (get("SigAlg"), get("Signature")) {
        (None, None) => None,
        (Some(alg), Some(sig)) => {
            // Bindings §3.4.4.1: the octets are the parameters as they were encoded on the wire.
            let mut octets = format!("{}={raw_message}", kind.param());
            if let Some(rs) = get("RelayState") {
                octets.push_str(&format!("&RelayState={rs}"));
            }
            octets.push_str(&format!("&SigAlg={alg}"));
            Some(RedirectSignature {
                sig_alg: form_decode(alg)?,
                signature: base64_decode(&form_decode(sig)?)?,
                signed_octets: octets.into_bytes(),
            })
        }
        _ => {
            return Err(SamlError::Malformed(
                "SigAlg and Signature must come together".into(),
            ))
        }
    };
    Ok(RedirectMessage {
        kind,
        xml,
        relay_state,
        signature,
    })
}

/// Verifies a redirect signature with any of `certs` (DER, from metadata).
pub fn verify_redirect_signature(
    sig: &RedirectSignature,
    certs: &[Vec<u8>],
) -> Result<(), SamlError> {
    if sig.sig_alg != ALG_RSA_SHA256 {
        return Err(SamlError::Algorithm(sig.sig_alg.clone()));
    }
    if certs.is_empty() {
        return Err(SamlError::BadSignature(
            "no signing certificate configured for the sender".into(),
        ));
    }
    for der in certs {
        let Ok(cert) = <x509_cert::Certificate as der::Decode>::from_der(der) else {
            continue;
        };
        let Some(key) = rsa_key(&cert) else { continue };
        if crate::x509::verify_rsa_sha256(&key, &sig.signed_octets, &sig.signature) {
            return Ok(());
        }
    }
    Err(SamlError::BadSignature(
        "the redirect signature does not verify with the sender's metadata keys".into(),
    ))
}

/// Characters left as they are in a query value (RFC 3986 unreserved).
const QUERY: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A value percent-encoded for a query string (RFC 3986 unreserved characters kept).
pub fn query_value(value: &str) -> String {
    utf8_percent_encode(value, QUERY).to_string()
}

/// A message DEFLATEd and base64-encoded, as HTTP-Redirect carries it.
pub fn deflate_base64(xml: &str) -> Result<String, SamlError> {
    let mut deflated = Vec::new();
    DeflateEncoder::new(xml.as_bytes(), Compression::default())
        .read_to_end(&mut deflated)
        .map_err(|e| SamlError::Sign(e.to_string()))?;
    Ok(STANDARD.encode(deflated))
}

/// Encodes a message for HTTP-Redirect; signs it with `key` when given. Returns the
/// query string (without `?`).
pub fn encode_redirect(
    kind: Kind,
    xml: &str,
    relay_state: Option<&str>,
    key: Option<&RsaPrivateKey>,
) -> Result<String, SamlError> {
    let mut query = format!("{}={}", kind.param(), query_value(&deflate_base64(xml)?));
    if let Some(rs) = relay_state {
        query.push_str(&format!("&RelayState={}", query_value(rs)));
    }
    if let Some(key) = key {
        query.push_str(&format!("&SigAlg={}", query_value(ALG_RSA_SHA256)));
        let sig = SigningKey::<Sha256>::new(key.clone()).sign(query.as_bytes());
        query.push_str(&format!(
            "&Signature={}",
            query_value(&STANDARD.encode(sig.to_bytes()))
        ));
    }
    Ok(query)
}

/// An HTML page that POSTs the message to `action` on load (HTTP-POST binding), with a
/// button for browsers without JavaScript.
pub fn post_form(action: &str, kind: Kind, xml: &str, relay_state: Option<&str>) -> String {
    let value = STANDARD.encode(xml.as_bytes());
    let relay = relay_state
        .map(|r| {
            format!(
                r#"<input type="hidden" name="RelayState" value="{}"/>"#,
                escape(r)
            )
        })
        .unwrap_or_default();
    format!(
        r#"<!DOCTYPE html><html><head><meta charset="utf-8"><title>SAML</title></head><body onload="document.forms[0].submit()"><form method="post" action="{}"><input type="hidden" name="{}" value="{value}"/>{relay}<noscript><button type="submit">Continue</button></noscript></form></body></html>"#,
        escape(action),
        kind.param()
    )
}

/// Decodes an HTTP-POST form value.
pub fn decode_post(value: &str) -> Result<String, SamlError> {
    let bytes = base64_decode(value)?;
    if bytes.len() > MAX_XML {
        return Err(SamlError::TooLarge("XML over 256 KiB"));
    }
    String::from_utf8(bytes).map_err(|_| SamlError::Malformed("message is not UTF-8".into()))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn redirect_round_trip_with_signature() {
        let key = mock_key();
        let query = encode_redirect(Kind::Request, "<x/>", Some("state 1/2"), Some(&key)).unwrap();
        let msg = decode_redirect(&query).unwrap();
        assert_eq!(msg.xml, "<x/>");
        assert_eq!(msg.relay_state.as_deref(), Some("state 1/2"));
        let sig = msg.signature.unwrap();
        use rsa::pkcs1v15::VerifyingKey;
        use rsa::signature::Verifier;
        let s = rsa::pkcs1v15::Signature::try_from(sig.signature.as_slice()).unwrap();
        VerifyingKey::<Sha256>::new(key.to_public_key())
            .verify(&sig.signed_octets, &s)
            .unwrap();
    }

    fn mock_key() -> RsaPrivateKey {
        use rsa::pkcs8::DecodePrivateKey;
        use std::sync::OnceLock;
        static KEY: OnceLock<RsaPrivateKey> = OnceLock::new();
        KEY.get_or_init(|| {
            let pki = mock_ca::Pki::build(
                mock_ca::PkiConfig::new("http://127.0.0.1:1"),
                mock_ca::Clock::system(),
            )
            .unwrap();
            let der = rsa::pkcs8::EncodePrivateKey::to_pkcs8_der(
                pki.persona(mock_ca::PersonaId::Valid)
                    .card
                    .auth
                    .key
                    .as_ref(),
            )
            .unwrap();
            RsaPrivateKey::from_pkcs8_der(der.as_bytes()).unwrap()
        })
        .clone()
    }

    #[test]
    fn malformed_redirects_get_specific_errors() {
        assert!(matches!(decode_redirect(""), Err(SamlError::Malformed(_))));
        assert!(matches!(
            decode_redirect("SAMLRequest=%%%"),
            Err(SamlError::Malformed(_))
        ));
        assert!(matches!(
            decode_redirect("SAMLRequest=AAAA"),
            Err(SamlError::Malformed(_))
        ));
        assert!(matches!(
            decode_redirect("SAMLRequest=a&SAMLRequest=b"),
            Err(SamlError::Malformed(_))
        ));
        assert!(matches!(
            decode_redirect("SAMLRequest=fZA&SigAlg=x"),
            Err(SamlError::Malformed(_))
        ));
        let huge = "A".repeat(MAX_ENCODED + 1);
        assert!(matches!(
            decode_redirect(&format!("SAMLRequest={huge}")),
            Err(SamlError::TooLarge(_))
        ));
    }

    #[test]
    fn deflate_bombs_are_refused() {
        let bomb = "<a>".to_owned() + &"x".repeat(2 * MAX_XML) + "</a>";
        let query = encode_redirect(Kind::Request, &bomb, None, None).unwrap();
        assert!(query.len() < MAX_ENCODED, "the bomb is small on the wire");
        assert!(matches!(
            decode_redirect(&query),
            Err(SamlError::TooLarge(_))
        ));
    }

    proptest! {
        #[test]
        fn decode_redirect_never_panics(q in ".{0,300}") {
            let _ = decode_redirect(&q);
        }
    }
}
