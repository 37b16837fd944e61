//! What is personalised onto a card: certificates, keys, PINs, ATR.

use rsa::RsaPrivateKey;

use crate::pin::{Pin, PinKind, PinSlot};

/// ATR of a real My Number Card (contact), not in OpenSC's table: OpenSC then finds the
/// card by the AID probe, as it does real cards.
pub const ATR_MY_NUMBER_CARD: [u8; 17] = [
    0x3B, 0xF5, 0x91, 0x00, 0xFF, 0x91, 0x81, 0x71, 0xFE, 0x40, 0x00, 0x42, 0x00, 0x01, 0x00, 0xD1,
    0xD6,
];

/// The one ATR in OpenSC's `jpki` table (the old 住基カード).
pub const ATR_OPENSC_TABLE: [u8; 9] = [0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x14];

/// The status word a card gives for VERIFY on a blocked PIN. Which one real cards give is
/// unconfirmed, so it is a setting.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum BlockedAnswer {
    /// `69 84` reference data not usable (OpenSC: "Reference data not usable").
    #[default]
    ReferenceDataNotUsable,
    /// `69 83` authentication method blocked (OpenSC: CKR_PIN_LOCKED).
    AuthMethodBlocked,
}

/// The token label in EF 0006.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TokenKind {
    /// `JPKIAPICCTOKEN2`: a My Number Card.
    #[default]
    MyNumberCard,
    /// `JPKIAPICCTOKEN`: the older 住基カード.
    JukiCard,
}

impl TokenKind {
    /// The label as the card stores it (before space padding).
    pub fn label(self) -> &'static str {
        match self {
            Self::MyNumberCard => "JPKIAPICCTOKEN2",
            Self::JukiCard => "JPKIAPICCTOKEN",
        }
    }
}

/// A key and the certificate for it, as they sit on the card.
#[derive(Clone, Debug)]
pub struct KeyAndCertificate {
    /// The certificate, DER. Readers size it from its first four bytes (`30 82 LL LL`).
    pub certificate: Vec<u8>,
    /// The issuing CA's certificate, DER.
    pub ca_certificate: Vec<u8>,
    /// The private key (RSA-2048 on real cards).
    pub key: RsaPrivateKey,
}

/// Everything a card is personalised with.
#[derive(Clone, Debug)]
pub struct CardImage {
    /// Answer to reset.
    pub atr: Vec<u8>,
    /// Token label kind (EF 0006).
    pub token: TokenKind,
    /// User-authentication key and certificate (EF 0017, 000A, 000B).
    pub user_auth: KeyAndCertificate,
    /// Signature key and certificate (EF 001A, 0001, 0002). `None`: a card without a
    /// signature certificate (e.g. a holder under 15); the CA certificate EF then
    /// holds `signature_ca_certificate`.
    pub signature: Option<KeyAndCertificate>,
    /// Signature CA certificate, for cards without a signature certificate.
    pub signature_ca_certificate: Vec<u8>,
    /// User-authentication PIN and its counter.
    pub auth_pin: PinSlot,
    /// Signature PIN and its counter.
    pub sign_pin: PinSlot,
    /// Answer to VERIFY on a blocked PIN.
    pub blocked_answer: BlockedAnswer,
}

impl CardImage {
    /// A card with both certificates, fresh counters and the real-card ATR.
    pub fn new(
        user_auth: KeyAndCertificate,
        signature: Option<KeyAndCertificate>,
        signature_ca_certificate: Vec<u8>,
        auth_pin: Pin,
        sign_pin: Pin,
    ) -> Self {
        Self {
            atr: ATR_MY_NUMBER_CARD.to_vec(),
            token: TokenKind::default(),
            user_auth,
            signature,
            signature_ca_certificate,
            auth_pin: PinSlot::new(PinKind::UserAuthentication, auth_pin, 3),
            sign_pin: PinSlot::new(PinKind::Signature, sign_pin, 5),
            blocked_answer: BlockedAnswer::default(),
        }
    }
}
