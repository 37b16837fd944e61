//! HMAC "signatures" keyed with public bytes (saml-attacks.md §1.3.3–4): an SP that lets
//! the message choose the SignatureMethod, and then feeds the IdP's certificate to HMAC
//! as the secret, verifies a MAC anyone can compute. `HMACOutputLength` truncation
//! (CVE-2009-0217) makes even a guessed MAC verify.
//!
//! xmlsec signs with RSA only here, so the SignedInfo is written and canonicalised by
//! hand: its form is fixed (our own template, no whitespace, one attribute per element),
//! so its exclusive canonical form is that text with empty elements expanded and `ds`
//! declared on SignedInfo. The DigestValue comes from xmlsec's own RSA signature of the
//! same assertion (the digest does not depend on the SignatureMethod).

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use trust_framework::saml::constants::{ALG_ENVELOPED, ALG_EXC_C14N, ALG_SHA256, NS_DSIG};

use crate::message::{self, KeyInfo, Knobs, SignSpec};
use crate::{splice, CraftError};

/// HMAC-SHA1 (XML-DSig 1.0).
pub const ALG_HMAC_SHA1: &str = "http://www.w3.org/2000/09/xmldsig#hmac-sha1";
/// HMAC-SHA256 (RFC 4051).
pub const ALG_HMAC_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#hmac-sha256";

/// Which HMAC.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HmacAlg {
    /// HMAC-SHA1.
    Sha1,
    /// HMAC-SHA256.
    Sha256,
}

impl HmacAlg {
    fn uri(self) -> &'static str {
        match self {
            Self::Sha1 => ALG_HMAC_SHA1,
            Self::Sha256 => ALG_HMAC_SHA256,
        }
    }

    fn mac(self, key: &[u8], data: &[u8]) -> Result<Vec<u8>, CraftError> {
        let bad = |e: hmac::digest::InvalidLength| CraftError(format!("HMAC key: {e}"));
        Ok(match self {
            Self::Sha1 => {
                let mut m = Hmac::<sha1::Sha1>::new_from_slice(key).map_err(bad)?;
                m.update(data);
                m.finalize().into_bytes().to_vec()
            }
            Self::Sha256 => {
                let mut m = Hmac::<sha2::Sha256>::new_from_slice(key).map_err(bad)?;
                m.update(data);
                m.finalize().into_bytes().to_vec()
            }
        })
    }
}

/// The exclusive canonical form of the SignedInfo over `#id` with `digest`.
fn signed_info(alg: HmacAlg, output_bits: Option<u32>, id: &str, digest: &str) -> String {
    let length = output_bits
        .map(|b| format!("<ds:HMACOutputLength>{b}</ds:HMACOutputLength>"))
        .unwrap_or_default();
    format!(
        concat!(
            r#"<ds:SignedInfo xmlns:ds="{ns}">"#,
            r#"<ds:CanonicalizationMethod Algorithm="{c14n}"></ds:CanonicalizationMethod>"#,
            r#"<ds:SignatureMethod Algorithm="{alg}">{length}</ds:SignatureMethod>"#,
            r##"<ds:Reference URI="#{id}"><ds:Transforms>"##,
            r#"<ds:Transform Algorithm="{env}"></ds:Transform><ds:Transform Algorithm="{c14n}"></ds:Transform>"#,
            r#"</ds:Transforms><ds:DigestMethod Algorithm="{sha256}"></ds:DigestMethod>"#,
            "<ds:DigestValue>{digest}</ds:DigestValue></ds:Reference></ds:SignedInfo>"
        ),
        ns = NS_DSIG,
        c14n = ALG_EXC_C14N,
        alg = alg.uri(),
        length = length,
        id = id,
        env = ALG_ENVELOPED,
        sha256 = ALG_SHA256,
        digest = digest,
    )
}

/// The assertion of `k` with an HMAC signature keyed with `key` (truncated to
/// `output_bits` if given), `key_info` (raw XML, may be empty) after the SignatureValue.
/// `digest_signer` makes the RSA signature the digest is read from (any key: only its
/// DigestValue is kept).
pub fn hmac_signed_assertion(
    k: &Knobs,
    digest_signer: &SignSpec,
    alg: HmacAlg,
    key: &[u8],
    output_bits: Option<u32>,
    key_info: &str,
) -> Result<String, CraftError> {
    if !k
        .assertion_id
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        return Err(CraftError(
            "the hand-canonicalised SignedInfo needs a plain assertion ID".into(),
        ));
    }
    let mut spec = digest_signer.clone();
    spec.key_info = KeyInfo::None;
    let rsa = message::signed_assertion(k, &spec)?;
    let r = splice::range(&rsa, NS_DSIG, "DigestValue", None)?;
    let element = &rsa[r];
    let digest = element
        .split_once('>')
        .and_then(|(_, rest)| rest.rsplit_once('<'))
        .map(|(value, _)| value.trim())
        .ok_or_else(|| CraftError("no DigestValue text".into()))?;
    let info = signed_info(alg, output_bits, &k.assertion_id, digest);
    let mut mac = alg.mac(key, info.as_bytes())?;
    if let Some(bits) = output_bits {
        mac.truncate((bits as usize).div_ceil(8));
    }
    let signature = format!(
        r#"<ds:Signature xmlns:ds="{NS_DSIG}">{info}<ds:SignatureValue>{}</ds:SignatureValue>{key_info}</ds:Signature>"#,
        STANDARD.encode(mac)
    );
    Ok(message::assertion(k, &signature))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::{Golden, Key};

    fn knobs() -> Knobs {
        Golden {
            idp: "http://127.0.0.1:18500/conformance-idp".into(),
            sp: "http://127.0.0.1:9000/sp".into(),
            acs: "http://127.0.0.1:9000/acs".into(),
            request_id: "_req".into(),
            authn_class: "urn:mnctf:ac:classes:jpki-user-authentication".into(),
            now: time::OffsetDateTime::now_utc(),
        }
        .knobs("alice")
    }

    fn key() -> Key {
        crate::SuiteIdp::new("http://127.0.0.1:18500").unwrap().key
    }

    /// xmlsec1, an independent verifier, accepts the MAC with the same key: the hand-made
    /// canonical SignedInfo is right (else the HMAC tests would pass every SP for nothing).
    #[test]
    fn xmlsec1_verifies_the_hmac_signature() {
        let k = knobs();
        let signed = hmac_signed_assertion(
            &k,
            &SignSpec::standard(&key()),
            HmacAlg::Sha256,
            b"a shared secret",
            None,
            "",
        )
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let (doc, secret) = (dir.path().join("a.xml"), dir.path().join("k.bin"));
        std::fs::write(&doc, &signed).unwrap();
        let verify = |key: &[u8]| {
            std::fs::write(&secret, key).unwrap();
            std::process::Command::new("xmlsec1")
                .args(["--verify", "--hmackey"])
                .arg(&secret)
                .args([
                    "--id-attr:ID",
                    "urn:oasis:names:tc:SAML:2.0:assertion:Assertion",
                ])
                .arg(&doc)
                .output()
                .expect("xmlsec1 (scripts/setup installs it)")
        };
        let good = verify(b"a shared secret");
        assert!(
            good.status.success(),
            "{}",
            String::from_utf8_lossy(&good.stderr)
        );
        assert!(!verify(b"another secret").status.success());
    }
}
