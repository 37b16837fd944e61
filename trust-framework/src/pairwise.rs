//! Pairwise persistent identifiers (TF-IDP-NAMEID): one per (person, SP), unlinkable across
//! SPs, stable across channels (direct, CATV) and card renewals (the person key survives).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::ids::EntityId;

/// The SAML NameID format these identifiers use.
pub const NAMEID_FORMAT_PERSISTENT: &str = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent";

/// The platform's secret for deriving identifiers. `Debug` does not show it.
#[derive(Clone)]
pub struct PairwiseSecret([u8; 32]);

impl PairwiseSecret {
    /// Wraps 32 secret bytes.
    pub fn new(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The bytes, for storage.
    pub fn secret(&self) -> &[u8; 32] {
        &self.0
    }
}

impl std::fmt::Debug for PairwiseSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PairwiseSecret([redacted])")
    }
}

/// A pairwise identifier: base64url of HMAC-SHA256(secret, "mnctf-pairwise/1" ‖ 0 ‖
/// person key ‖ 0 ‖ SP entityID), 43 characters.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PairwiseId(String);

impl PairwiseId {
    /// Derives the identifier of `person` at `sp`.
    pub fn derive(secret: &PairwiseSecret, person: &str, sp: &EntityId) -> Self {
        // HMAC accepts keys of any length; a 32-byte key cannot fail.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.secret())
            .unwrap_or_else(|_| unreachable_mac());
        for part in [
            b"mnctf-pairwise/1".as_slice(),
            &[0],
            person.as_bytes(),
            &[0],
            sp.as_str().as_bytes(),
        ] {
            mac.update(part);
        }
        Self(URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes()))
    }

    /// The identifier.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[expect(clippy::panic, reason = "HMAC-SHA256 takes keys of every length")]
fn unreachable_mac() -> Hmac<Sha256> {
    panic!("HMAC rejected a 32-byte key")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairwise_ids_differ_per_sp_and_are_stable() {
        let s = PairwiseSecret::new([1; 32]);
        let a = EntityId::new("https://sp-a.example/").unwrap();
        let b = EntityId::new("https://sp-b.example/").unwrap();
        assert_eq!(
            PairwiseId::derive(&s, "person-1", &a),
            PairwiseId::derive(&s, "person-1", &a)
        );
        assert_ne!(
            PairwiseId::derive(&s, "person-1", &a),
            PairwiseId::derive(&s, "person-1", &b)
        );
        assert_ne!(
            PairwiseId::derive(&s, "person-1", &a),
            PairwiseId::derive(&s, "person-2", &a)
        );
        assert_ne!(
            PairwiseId::derive(&PairwiseSecret::new([2; 32]), "person-1", &a),
            PairwiseId::derive(&s, "person-1", &a)
        );
        assert_eq!(PairwiseId::derive(&s, "p", &a).as_str().len(), 43);
        assert!(!format!("{s:?}").contains('1'));
    }
}
