//! A throwaway card image for examples and tests of code that only needs *a* card.
//! Personas with real certificates come from `mock-ca`.

use std::sync::OnceLock;

use rsa::RsaPrivateKey;

use crate::image::{CardImage, KeyAndCertificate};
use crate::pin::Pin;

/// A card with placeholder certificates, PINs `1234` / `ABC123` and one RSA-2048 key
/// (generated once per process from a fixed seed).
pub fn image() -> CardImage {
    static KEY: OnceLock<Option<RsaPrivateKey>> = OnceLock::new();
    let key = KEY
        .get_or_init(|| {
            let mut rng = <rand_chacha::ChaCha20Rng as rand_core::SeedableRng>::seed_from_u64(1);
            RsaPrivateKey::new(&mut rng, 2048).ok()
        })
        .clone()
        .unwrap_or_else(unreachable_key);
    let blob = |fill: u8| {
        let mut v = vec![0x30, 0x82, 0x01, 0x00];
        v.extend([fill; 256]);
        v
    };
    let pair = |fill| KeyAndCertificate {
        certificate: blob(fill),
        ca_certificate: blob(fill + 1),
        key: key.clone(),
    };
    CardImage::new(
        pair(1),
        Some(pair(3)),
        blob(4),
        Pin::unchecked("1234"),
        Pin::unchecked("ABC123"),
    )
}

#[expect(
    clippy::panic,
    reason = "test helper: key generation from a fixed seed cannot fail"
)]
fn unreachable_key() -> RsaPrivateKey {
    panic!("RSA-2048 generation from a fixed seed failed")
}
