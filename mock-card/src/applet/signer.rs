//! The card's private-key operation through OpenSSL. The `rsa` crate takes about 1.5 ms
//! per RSA-2048 signature on the project's machine and OpenSSL about 0.35 ms; the
//! platform's benchmarks run the virtual cards on the same cores as the platform, so a
//! slow card hides the platform's own cost. The key is converted once per card, at its
//! first signature; the signature is the same (PKCS#1 v1.5 is deterministic).

use std::sync::OnceLock;

use openssl::pkey::Private;
use openssl::rsa::{Padding, Rsa};
use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::RsaPrivateKey;

/// One card key in OpenSSL's form, made on first use.
#[derive(Default)]
pub(super) struct Signer(OnceLock<Option<Rsa<Private>>>);

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Signer(..)")
    }
}

impl Signer {
    /// `input` padded as PKCS#1 v1.5 block type 1 and raised to `key`'s private exponent
    /// (what the card does with the DigestInfo it is given); `None` if it does not fit.
    pub(super) fn sign(&self, key: &RsaPrivateKey, input: &[u8]) -> Option<Vec<u8>> {
        let rsa = self
            .0
            .get_or_init(|| {
                let der = key.to_pkcs1_der().ok()?;
                Rsa::private_key_from_der(der.as_bytes()).ok()
            })
            .as_ref()?;
        let mut out = vec![0; usize::try_from(rsa.size()).ok()?];
        let len = rsa.private_encrypt(input, &mut out, Padding::PKCS1).ok()?;
        out.truncate(len);
        Some(out)
    }
}
