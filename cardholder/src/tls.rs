//! The second card-login binding from the citizen's side (TF-BIND-006): the card as a
//! TLS client key. The card can only sign RSASSA-PKCS1-v1_5 SHA-256, so the client
//! offers TLS 1.2 only (TLS 1.3 requires PSS).

use std::sync::Arc;

use rustls::pki_types::CertificateDer;
use rustls::sign::{CertifiedKey, Signer, SigningKey};
use rustls::{SignatureAlgorithm, SignatureScheme};

use crate::Card;

/// The card as a rustls signing key.
#[derive(Debug)]
struct CardKey(Arc<CardPin>);

#[derive(Debug)]
struct CardSigner(Arc<CardPin>);

/// The card and the PIN the user typed for it.
struct CardPin {
    card: Arc<Card>,
    pin: String,
}

impl std::fmt::Debug for CardPin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CardPin")
    }
}

impl SigningKey for CardKey {
    fn choose_scheme(&self, offered: &[SignatureScheme]) -> Option<Box<dyn Signer>> {
        offered
            .contains(&SignatureScheme::RSA_PKCS1_SHA256)
            .then(|| Box::new(CardSigner(Arc::clone(&self.0))) as Box<dyn Signer>)
    }

    fn algorithm(&self) -> SignatureAlgorithm {
        SignatureAlgorithm::RSA
    }
}

impl Signer for CardSigner {
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, rustls::Error> {
        self.0
            .card
            .authenticate(&self.0.pin, message)
            .map_err(|e| rustls::Error::General(format!("the card did not sign: {e}")))
    }

    fn scheme(&self) -> SignatureScheme {
        SignatureScheme::RSA_PKCS1_SHA256
    }
}

/// A TLS 1.2 client configuration presenting `card`'s user-authentication certificate
/// and signing with it after `pin`, trusting the server certificates `roots` (DER).
pub fn client_config(
    card: Arc<Card>,
    pin: &str,
    roots: &[Vec<u8>],
) -> Result<Arc<rustls::ClientConfig>, String> {
    let cert = card
        .certificate()
        .map_err(|e| format!("reading the card's certificate: {e}"))?;
    let key = Arc::new(CardKey(Arc::new(CardPin {
        card,
        pin: pin.to_owned(),
    })));
    let mut store = rustls::RootCertStore::empty();
    for r in roots {
        store
            .add(CertificateDer::from(r.clone()))
            .map_err(|e| format!("the server's CA certificate: {e}"))?;
    }
    let resolver = rustls::sign::SingleCertAndKey::from(CertifiedKey::new(
        vec![CertificateDer::from(cert)],
        key,
    ));
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_protocol_versions(&[&rustls::version::TLS12])
    .map_err(|e| e.to_string())?
    .with_root_certificates(store)
    .with_client_cert_resolver(Arc::new(resolver));
    Ok(Arc::new(config))
}
