//! The card-login binding (TF-BIND): how a card proves itself to the platform.
//!
//! The platform issues a single-use challenge bound to one login transaction. The client
//! (the browser helper, a set-top box, the suite) has the card sign, with the
//! user-authentication key, a SHA-256 DigestInfo over the challenge's *to-be-signed*
//! bytes (PKCS#1 v1.5: the only scheme the card has), and returns the signature with the
//! certificate. The to-be-signed bytes are a versioned, line-based text whose fields
//! cannot contain line breaks, so there is exactly one encoding of each challenge:
//!
//! ```text
//! mnctf-card-login/1
//! idp:<IdP entityID>
//! endpoint:<URL the signature is posted to>
//! nonce:<base64url, 32 random bytes>
//! issued:<Unix seconds>
//! expires:<Unix seconds>
//! ```
//!
//! A client checks `endpoint` against where it is about to post (a phishing page cannot
//! reuse a challenge for another origin), and `expires` against its clock.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use rsa::RsaPublicKey;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::ids::EntityId;

/// The version line of the to-be-signed text.
pub const VERSION: &str = "mnctf-card-login/1";

/// Bytes of randomness in a nonce.
pub const NONCE_LEN: usize = 32;

/// The DER prefix of a SHA-256 DigestInfo (RFC 8017 §9.2, note 1).
pub const SHA256_DIGEST_INFO_PREFIX: [u8; 19] = [
    0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05,
    0x00, 0x04, 0x20,
];

/// Why a to-be-signed text or a card signature was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BindingError {
    /// The text is not a version-1 challenge.
    #[error("not a {VERSION} challenge: {0}")]
    Malformed(&'static str),
    /// The nonce is not 32 bytes of base64url.
    #[error("the nonce is not {NONCE_LEN} bytes of base64url")]
    BadNonce,
    /// The signature does not verify with the certificate's key over the challenge.
    #[error("the card signature does not verify over the challenge")]
    BadSignature,
}

/// A nonce: 32 random bytes.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Nonce([u8; NONCE_LEN]);

impl Nonce {
    /// Wraps random bytes (the caller supplies them from a CSPRNG).
    pub fn from_bytes(bytes: [u8; NONCE_LEN]) -> Self {
        Self(bytes)
    }

    /// Parses the base64url form.
    pub fn parse(text: &str) -> Result<Self, BindingError> {
        let bytes = URL_SAFE_NO_PAD
            .decode(text)
            .map_err(|_| BindingError::BadNonce)?;
        bytes
            .try_into()
            .map(Self)
            .map_err(|_| BindingError::BadNonce)
    }

    /// The base64url form.
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.0)
    }

    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8; NONCE_LEN] {
        &self.0
    }
}

impl std::fmt::Debug for Nonce {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Nonce({})", self.encode())
    }
}

/// A challenge as the client sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Challenge {
    /// The IdP that issued it.
    pub idp: EntityId,
    /// Where the signed answer must be posted.
    pub endpoint: String,
    /// Single-use random value.
    pub nonce: Nonce,
    /// When it was issued (whole seconds).
    pub issued: OffsetDateTime,
    /// When it stops being accepted.
    pub expires: OffsetDateTime,
}

fn clean(value: &str) -> Result<&str, BindingError> {
    if value.is_empty() || value.chars().any(char::is_control) {
        Err(BindingError::Malformed(
            "a field is empty or contains a control character",
        ))
    } else {
        Ok(value)
    }
}

impl Challenge {
    /// The exact bytes the card signs (through their SHA-256 DigestInfo).
    pub fn to_be_signed(&self) -> String {
        format!(
            "{VERSION}\nidp:{}\nendpoint:{}\nnonce:{}\nissued:{}\nexpires:{}\n",
            self.idp,
            self.endpoint,
            self.nonce.encode(),
            self.issued.unix_timestamp(),
            self.expires.unix_timestamp()
        )
    }

    /// Parses a to-be-signed text strictly: the version line, the five fields in order,
    /// nothing else. Clients parse before signing.
    pub fn parse(text: &str) -> Result<Self, BindingError> {
        let body = text
            .strip_suffix('\n')
            .ok_or(BindingError::Malformed("no final line break"))?;
        let mut lines = body.split('\n');
        if lines.next() != Some(VERSION) {
            return Err(BindingError::Malformed("wrong version line"));
        }
        let mut field = |name: &'static str| {
            lines
                .next()
                .and_then(|l| l.strip_prefix(name))
                .and_then(|l| l.strip_prefix(':'))
                .ok_or(BindingError::Malformed("fields missing or out of order"))
                .and_then(clean)
        };
        let idp = EntityId::new(field("idp")?)
            .map_err(|_| BindingError::Malformed("idp is not an entity ID"))?;
        let endpoint = field("endpoint")?.to_owned();
        let nonce = Nonce::parse(field("nonce")?)?;
        let time = |v: &str| {
            v.parse::<i64>()
                .ok()
                .and_then(|s| OffsetDateTime::from_unix_timestamp(s).ok())
                .ok_or(BindingError::Malformed("a time is not Unix seconds"))
        };
        let issued = time(field("issued")?)?;
        let expires = time(field("expires")?)?;
        if lines.next().is_some() {
            return Err(BindingError::Malformed("extra lines"));
        }
        let challenge = Self {
            idp,
            endpoint,
            nonce,
            issued,
            expires,
        };
        // Re-encoding must give the same text: no leading zeros, signs or other variants.
        if challenge.to_be_signed() != text {
            return Err(BindingError::Malformed("not in canonical form"));
        }
        Ok(challenge)
    }

    /// The SHA-256 DigestInfo the card is given to sign.
    pub fn digest_info(&self) -> Vec<u8> {
        digest_info(self.to_be_signed().as_bytes())
    }

    /// Verifies a card signature over this challenge with `key` (the certificate's key).
    pub fn verify_signature(
        &self,
        key: &RsaPublicKey,
        signature: &[u8],
    ) -> Result<(), BindingError> {
        if crate::x509::verify_rsa_sha256(key, self.to_be_signed().as_bytes(), signature) {
            Ok(())
        } else {
            Err(BindingError::BadSignature)
        }
    }
}

/// A SHA-256 DigestInfo over `message`.
pub fn digest_info(message: &[u8]) -> Vec<u8> {
    let mut out = SHA256_DIGEST_INFO_PREFIX.to_vec();
    out.extend_from_slice(&Sha256::digest(message));
    out
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use time::macros::datetime;

    use super::*;

    fn challenge() -> Challenge {
        Challenge {
            idp: EntityId::new("http://127.0.0.1:8000/idp").unwrap(),
            endpoint: "http://127.0.0.1:8000/card-login/answer".into(),
            nonce: Nonce::from_bytes([7; 32]),
            issued: datetime!(2026-11-24 03:00 UTC),
            expires: datetime!(2026-11-24 03:02 UTC),
        }
    }

    #[test]
    fn to_be_signed_round_trips_and_is_canonical() {
        let c = challenge();
        let text = c.to_be_signed();
        assert!(text.starts_with("mnctf-card-login/1\nidp:http://127.0.0.1:8000/idp\n"));
        assert_eq!(Challenge::parse(&text).unwrap(), c);
        assert!(Challenge::parse(&text.replace("issued:1", "issued:01")).is_err());
        assert!(Challenge::parse(&format!("{text}extra:1\n")).is_err());
        assert!(Challenge::parse(text.trim_end()).is_err());
        assert!(
            Challenge::parse(&text.replace("mnctf-card-login/1", "mnctf-card-login/2")).is_err()
        );
    }

    #[test]
    fn digest_info_is_sha256_der() {
        let di = challenge().digest_info();
        assert_eq!(di.len(), 51);
        assert_eq!(di[..19], SHA256_DIGEST_INFO_PREFIX);
    }

    proptest! {
        #[test]
        fn parse_never_panics(text in ".{0,400}") {
            let _ = Challenge::parse(&text);
        }
    }
}
