//! The citizen's side of the card-login binding: what JPKI client software does with the
//! card on the reader (TF-BIND-005 checks first, then the PIN and the signature). Used
//! by the scenarios' users and set-top boxes, by the IdP conformance suite's cardholder,
//! and by `mnctf`'s local card helper.

#![warn(missing_docs)]
#![forbid(unsafe_code)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

use mock_card::client::{CertificateFile, ClientError, JpkiClient};
use mock_card::transport::{InProcess, Transport};
use mock_card::{CardImage, JpkiCard, Pin, PinKind};
use time::OffsetDateTime;
use trust_framework::binding::Challenge;

/// Why the card did not sign.
#[derive(Debug, thiserror::Error)]
pub enum CardRefusal {
    /// The challenge is not a card-login challenge.
    #[error("not a card-login challenge: {0}")]
    Malformed(String),
    /// TF-BIND-005: the challenge is for another site (phishing).
    #[error("the challenge is for {0}, not for this site")]
    OtherSite(String),
    /// TF-BIND-005: the challenge has expired.
    #[error("the challenge has expired")]
    Expired,
    /// The card refused (wrong or blocked PIN, no certificate).
    #[error("{}", pin_message(.0))]
    Card(#[from] ClientError),
}

/// What the user is told about a card error.
pub fn pin_message(e: &ClientError) -> String {
    match e {
        ClientError::WrongPin { tries_left, .. } => format!(
            "暗証番号が違います（残り{tries_left}回）。すべて間違えるとロックされます。 / Wrong PIN: {tries_left} tries left before it locks."
        ),
        ClientError::PinBlocked(_) => {
            "暗証番号がロックされています。お住まいの市区町村の窓口で暗証番号の初期化（再設定）を申請してください。 / The PIN is blocked: have it reset at your city, ward or town office."
                .into()
        }
        other => other.to_string(),
    }
}

/// Checks a challenge for `origin` (TF-BIND-005), then has the card sign it after the
/// PIN: the user-authentication certificate and the signature.
pub fn sign_challenge<T: Transport>(
    card: &mut JpkiClient<T>,
    challenge_text: &str,
    pin: &str,
    origin: &str,
    now: OffsetDateTime,
) -> Result<(Vec<u8>, Vec<u8>), CardRefusal> {
    let challenge =
        Challenge::parse(challenge_text).map_err(|e| CardRefusal::Malformed(e.to_string()))?;
    let origin = origin.trim_end_matches('/');
    if !challenge.endpoint.starts_with(&format!("{origin}/")) {
        return Err(CardRefusal::OtherSite(challenge.endpoint));
    }
    if challenge.expires < now {
        return Err(CardRefusal::Expired);
    }
    card.select_ap()?;
    let cert = card.read_certificate(CertificateFile::UserAuthentication)?;
    card.verify_pin(PinKind::UserAuthentication, &Pin::unchecked(pin))?;
    let sig = card.sign_digest_info(PinKind::UserAuthentication, &challenge.digest_info())?;
    Ok((cert, sig))
}

pub mod tls;

/// A virtual card on a reader, counting the signatures it makes (a card operation asks
/// the user for the card and the PIN: the scenarios count how often).
pub struct Card {
    client: Mutex<JpkiClient<InProcess>>,
    signatures: AtomicUsize,
}

impl Card {
    /// A card personalised with `image`.
    pub fn new(image: CardImage) -> Self {
        Self {
            client: Mutex::new(JpkiClient::new(InProcess::new(JpkiCard::new(image)))),
            signatures: AtomicUsize::new(0),
        }
    }

    /// The user-authentication certificate (DER), read from the card.
    pub fn certificate(&self) -> Result<Vec<u8>, ClientError> {
        let mut client = self.client.lock().unwrap_or_else(PoisonError::into_inner);
        client.select_ap()?;
        client.read_certificate(CertificateFile::UserAuthentication)
    }

    /// Signs the SHA-256 DigestInfo of `message` with the user-authentication key after
    /// the PIN (a TLS 1.2 CertificateVerify: TF-BIND-006).
    pub fn authenticate(&self, pin: &str, message: &[u8]) -> Result<Vec<u8>, ClientError> {
        let mut client = self.client.lock().unwrap_or_else(PoisonError::into_inner);
        client.select_ap()?;
        client.verify_pin(PinKind::UserAuthentication, &Pin::unchecked(pin))?;
        let sig = client.sign_digest_info(
            PinKind::UserAuthentication,
            &trust_framework::binding::digest_info(message),
        )?;
        self.signatures.fetch_add(1, Ordering::SeqCst);
        Ok(sig)
    }

    /// Signs a challenge for `origin` (see [`sign_challenge`]).
    pub fn sign(
        &self,
        challenge: &str,
        pin: &str,
        origin: &str,
        now: OffsetDateTime,
    ) -> Result<(Vec<u8>, Vec<u8>), CardRefusal> {
        let mut client = self.client.lock().unwrap_or_else(PoisonError::into_inner);
        let out = sign_challenge(&mut client, challenge, pin, origin, now)?;
        self.signatures.fetch_add(1, Ordering::SeqCst);
        Ok(out)
    }

    /// Signatures made so far.
    pub fn signatures(&self) -> usize {
        self.signatures.load(Ordering::SeqCst)
    }
}
