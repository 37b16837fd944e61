//! XML Encryption of an assertion to the SP's published key, as an IdP does it
//! (`<saml:EncryptedAssertion>`, SAML core §2.3.4): a fresh content key encrypts the
//! assertion, the SP's RSA key encrypts the content key. The algorithms and where the
//! EncryptedKey sits are knobs, for the attacks of saml-attacks.md §1.11.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use openssl::rsa::Padding;
use openssl::symm::{self, Cipher};
use openssl::x509::X509;
use trust_framework::saml::constants::{NS_ASSERTION, NS_DSIG};

use crate::CraftError;

/// The XML Encryption namespace.
pub const NS_XENC: &str = "http://www.w3.org/2001/04/xmlenc#";
/// AES-256-GCM (XML Encryption 1.1), the profile's content encryption.
pub const ALG_AES256_GCM: &str = "http://www.w3.org/2009/xmlenc11#aes256-gcm";
/// AES-256-CBC: malleable, the padding-oracle attack's target (Jager & Somorovsky 2011).
pub const ALG_AES256_CBC: &str = "http://www.w3.org/2001/04/xmlenc#aes256-cbc";
/// RSA-OAEP (MGF1 with SHA-1), the profile's key transport.
pub const ALG_RSA_OAEP_MGF1P: &str = "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p";
/// RSA PKCS#1 v1.5 key transport: Bleichenbacher's oracle (Jager et al. 2012).
pub const ALG_RSA_1_5: &str = "http://www.w3.org/2001/04/xmlenc#rsa-1_5";
/// RetrievalMethod Type of an EncryptedKey.
const TYPE_ENCRYPTED_KEY: &str = "http://www.w3.org/2001/04/xmlenc#EncryptedKey";

/// How the content key is encrypted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    /// RSA-OAEP.
    Oaep,
    /// RSA PKCS#1 v1.5.
    Rsa15,
}

/// How the assertion is encrypted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Content {
    /// AES-256-GCM.
    Aes256Gcm,
    /// AES-256-CBC.
    Aes256Cbc,
}

/// Where the EncryptedKey is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyPlace {
    /// Inside the EncryptedData's KeyInfo (what IdPs usually send).
    Inline,
    /// A sibling of the EncryptedData in the EncryptedAssertion, found by a
    /// RetrievalMethod whose EncryptedKey names itself again (a resolution loop).
    SelfReferencing,
    /// Nowhere in the message: a RetrievalMethod to this URL (nothing must be fetched).
    Remote(String),
}

/// How to encrypt.
#[derive(Clone, Debug)]
pub struct EncSpec {
    /// Content encryption.
    pub content: Content,
    /// Key transport.
    pub transport: Transport,
    /// The EncryptedKey's place.
    pub key_place: KeyPlace,
}

impl EncSpec {
    /// The profile's choice: AES-256-GCM, RSA-OAEP, the key inline.
    pub fn standard() -> Self {
        Self {
            content: Content::Aes256Gcm,
            transport: Transport::Oaep,
            key_place: KeyPlace::Inline,
        }
    }

    /// What the SP is offered when the profile's choice is refused, strongest first.
    pub fn fallbacks() -> [Self; 3] {
        let with = |content, transport| Self {
            content,
            transport,
            key_place: KeyPlace::Inline,
        };
        [
            with(Content::Aes256Cbc, Transport::Oaep),
            with(Content::Aes256Gcm, Transport::Rsa15),
            with(Content::Aes256Cbc, Transport::Rsa15),
        ]
    }

    /// The algorithms, in words.
    pub fn describe(&self) -> String {
        let content = match self.content {
            Content::Aes256Gcm => "AES-256-GCM",
            Content::Aes256Cbc => "AES-256-CBC",
        };
        let transport = match self.transport {
            Transport::Oaep => "RSA-OAEP",
            Transport::Rsa15 => "RSA PKCS#1 v1.5",
        };
        format!("{content} with {transport}")
    }
}

fn crypto(e: openssl::error::ErrorStack) -> CraftError {
    CraftError(format!("encrypting: {e}"))
}

/// `<saml:EncryptedAssertion>` holding `assertion` (a standalone `<saml:Assertion>`
/// that declares its own namespaces), encrypted to the SP certificate `sp_cert_der`.
pub fn encrypted_assertion(
    assertion: &str,
    sp_cert_der: &[u8],
    spec: &EncSpec,
) -> Result<String, CraftError> {
    let mut key = [0u8; 32];
    openssl::rand::rand_bytes(&mut key).map_err(crypto)?;
    // Type="…#Element": exactly one element, no whitespace around it.
    let element = assertion.trim();
    let (content_alg, cipher_value) = encrypt_content(&key, element.as_bytes(), spec.content)?;
    let (transport_alg, wrapped) = wrap_key(&key, sp_cert_der, spec.transport)?;
    let digest = match spec.transport {
        Transport::Oaep => format!(r#"<ds:DigestMethod Algorithm="{NS_DSIG}sha1"/>"#),
        Transport::Rsa15 => String::new(),
    };
    let encrypted_key = |id: &str, key_info: &str| {
        format!(
            r#"<xenc:EncryptedKey{id}><xenc:EncryptionMethod Algorithm="{transport_alg}">{digest}</xenc:EncryptionMethod>{key_info}<xenc:CipherData><xenc:CipherValue>{}</xenc:CipherValue></xenc:CipherData></xenc:EncryptedKey>"#,
            STANDARD.encode(&wrapped)
        )
    };
    let retrieve = |uri: &str| {
        format!(
            r#"<ds:KeyInfo><ds:RetrievalMethod URI="{uri}" Type="{TYPE_ENCRYPTED_KEY}"/></ds:KeyInfo>"#
        )
    };
    let (key_info, sibling) = match &spec.key_place {
        KeyPlace::Inline => (
            format!("<ds:KeyInfo>{}</ds:KeyInfo>", encrypted_key("", "")),
            String::new(),
        ),
        KeyPlace::SelfReferencing => (
            retrieve("#_mnctf-key"),
            encrypted_key(r#" Id="_mnctf-key""#, &retrieve("#_mnctf-key")),
        ),
        KeyPlace::Remote(url) => (
            retrieve(&trust_framework::saml::xml::escape(url)),
            String::new(),
        ),
    };
    Ok(format!(
        concat!(
            r#"<saml:EncryptedAssertion xmlns:saml="{saml}" xmlns:xenc="{xenc}" xmlns:ds="{ds}">"#,
            r#"<xenc:EncryptedData Type="{xenc}Element">"#,
            r#"<xenc:EncryptionMethod Algorithm="{alg}"/>{key_info}"#,
            r#"<xenc:CipherData><xenc:CipherValue>{value}</xenc:CipherValue></xenc:CipherData>"#,
            r#"</xenc:EncryptedData>{sibling}</saml:EncryptedAssertion>"#
        ),
        saml = NS_ASSERTION,
        xenc = NS_XENC,
        ds = NS_DSIG,
        alg = content_alg,
        key_info = key_info,
        value = STANDARD.encode(cipher_value),
        sibling = sibling,
    ))
}

/// The CipherValue of the content: IV, ciphertext (and the GCM tag), per XML Enc 1.1.
fn encrypt_content(
    key: &[u8; 32],
    plain: &[u8],
    content: Content,
) -> Result<(&'static str, Vec<u8>), CraftError> {
    match content {
        Content::Aes256Gcm => {
            let mut iv = [0u8; 12];
            openssl::rand::rand_bytes(&mut iv).map_err(crypto)?;
            let mut tag = [0u8; 16];
            let ct =
                symm::encrypt_aead(Cipher::aes_256_gcm(), key, Some(&iv), &[], plain, &mut tag)
                    .map_err(crypto)?;
            Ok((ALG_AES256_GCM, [&iv[..], &ct, &tag].concat()))
        }
        Content::Aes256Cbc => {
            let mut iv = [0u8; 16];
            openssl::rand::rand_bytes(&mut iv).map_err(crypto)?;
            // PKCS#7 padding is one of the paddings XML Encryption's CBC accepts.
            let ct = symm::encrypt(Cipher::aes_256_cbc(), key, Some(&iv), plain).map_err(crypto)?;
            Ok((ALG_AES256_CBC, [&iv[..], &ct].concat()))
        }
    }
}

/// The content key encrypted to the SP's certificate.
fn wrap_key(
    key: &[u8],
    sp_cert_der: &[u8],
    transport: Transport,
) -> Result<(&'static str, Vec<u8>), CraftError> {
    let cert = X509::from_der(sp_cert_der)
        .map_err(|e| CraftError(format!("the SP's encryption certificate: {e}")))?;
    let rsa = cert
        .public_key()
        .and_then(|k| k.rsa())
        .map_err(|e| CraftError(format!("the SP's encryption key is not RSA: {e}")))?;
    let (alg, padding) = match transport {
        Transport::Oaep => (ALG_RSA_OAEP_MGF1P, Padding::PKCS1_OAEP),
        Transport::Rsa15 => (ALG_RSA_1_5, Padding::PKCS1),
    };
    let mut out = vec![0u8; rsa.size() as usize];
    let n = rsa.public_encrypt(key, &mut out, padding).map_err(crypto)?;
    out.truncate(n);
    Ok((alg, out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use openssl::pkey::PKey;

    /// Decrypts as an SP would, to prove the format round-trips.
    fn decrypt(xml: &str, key: &openssl::rsa::Rsa<openssl::pkey::Private>) -> String {
        let doc = roxmltree::Document::parse(xml).unwrap();
        let values: Vec<Vec<u8>> = doc
            .descendants()
            .filter(|n| n.has_tag_name((NS_XENC, "CipherValue")))
            .map(|n| STANDARD.decode(n.text().unwrap()).unwrap())
            .collect();
        let (wrapped, data) = (&values[0], &values[1]);
        let mut k = vec![0u8; key.size() as usize];
        let n = key
            .private_decrypt(wrapped, &mut k, Padding::PKCS1_OAEP)
            .unwrap();
        let (iv, rest) = data.split_at(12);
        let (ct, tag) = rest.split_at(rest.len() - 16);
        let plain =
            symm::decrypt_aead(Cipher::aes_256_gcm(), &k[..n], Some(iv), &[], ct, tag).unwrap();
        String::from_utf8(plain).unwrap()
    }

    #[test]
    fn an_encrypted_assertion_decrypts_with_the_sps_key() {
        use rsa::pkcs8::EncodePrivateKey;
        let pki = mock_ca::Pki::build(
            mock_ca::PkiConfig::new("http://127.0.0.1:18080"),
            mock_ca::Clock::system(),
        )
        .unwrap();
        let sp = pki.service_credential("conformance-test-sp").unwrap();
        let der = sp.key.to_pkcs8_der().unwrap();
        let rsa = PKey::private_key_from_der(der.as_bytes())
            .unwrap()
            .rsa()
            .unwrap();
        let plain = format!(r#"<saml:Assertion xmlns:saml="{NS_ASSERTION}" ID="_a"/>"#);
        let xml = encrypted_assertion(&plain, &sp.certificate, &EncSpec::standard()).unwrap();
        assert_eq!(decrypt(&xml, &rsa), plain);
        assert!(!xml.contains("_a\""), "the assertion is not in the clear");
    }
}
