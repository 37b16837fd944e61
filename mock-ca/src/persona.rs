//! Personas: ready cards with certificates, one per situation a test needs.

use std::sync::Arc;

use mock_card::image::KeyAndCertificate;
use mock_card::pin::PinSlot;
use mock_card::{CardImage, Pin, PinKind};
use rsa::RsaPrivateKey;

use crate::authority::Issued;
use crate::ext::Qualification;
use crate::holder::Holder;
use crate::profile::Profession;

/// The situations a card can be in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PersonaId {
    /// Everything valid.
    Valid,
    /// The user-authentication certificate has expired.
    AuthExpired,
    /// The user-authentication certificate is revoked (lost card).
    AuthRevoked,
    /// Only the signature certificate is revoked (the holder moved).
    SignRevoked,
    /// The user-authentication PIN is blocked.
    AuthPinBlocked,
    /// The signature PIN is blocked.
    SignPinBlocked,
    /// No signature certificate was issued (e.g. a holder under 15).
    NoSignCert,
    /// Certificates from a CA with the real CA's name but another key.
    UnknownCa,
    /// A renewed card: new keys and certificates, the old ones revoked as superseded,
    /// and the CA's record linking old and new.
    Renewed,
    /// A 税理士 with a card and a certificate from the 税理士 CA.
    TaxAccountant,
    /// A 司法書士 with a card and a certificate from the 司法書士 CA.
    JudicialScrivener,
}

impl PersonaId {
    /// Every persona, in report order.
    pub const ALL: [PersonaId; 11] = [
        Self::Valid,
        Self::AuthExpired,
        Self::AuthRevoked,
        Self::SignRevoked,
        Self::AuthPinBlocked,
        Self::SignPinBlocked,
        Self::NoSignCert,
        Self::UnknownCa,
        Self::Renewed,
        Self::TaxAccountant,
        Self::JudicialScrivener,
    ];

    /// The name used on the command line and in key labels.
    pub fn slug(self) -> &'static str {
        match self {
            Self::Valid => "valid",
            Self::AuthExpired => "auth-expired",
            Self::AuthRevoked => "auth-revoked",
            Self::SignRevoked => "sign-revoked",
            Self::AuthPinBlocked => "auth-pin-blocked",
            Self::SignPinBlocked => "sign-pin-blocked",
            Self::NoSignCert => "no-sign-cert",
            Self::UnknownCa => "unknown-ca",
            Self::Renewed => "renewed",
            Self::TaxAccountant => "tax-accountant",
            Self::JudicialScrivener => "judicial-scrivener",
        }
    }

    /// The persona for a slug.
    pub fn from_slug(slug: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.slug() == slug)
    }

    /// One line on what is special about the persona.
    pub fn description(self) -> &'static str {
        match self {
            Self::Valid => "valid card, both certificates good",
            Self::AuthExpired => "user-authentication certificate expired",
            Self::AuthRevoked => {
                "user-authentication certificate revoked (keyCompromise: card lost)"
            }
            Self::SignRevoked => {
                "signature certificate revoked only (affiliationChanged: moved house)"
            }
            Self::AuthPinBlocked => "user-authentication PIN blocked (0 tries left)",
            Self::SignPinBlocked => "signature PIN blocked (0 tries left)",
            Self::NoSignCert => "no signature certificate issued",
            Self::UnknownCa => "issued by an unknown CA that copies the JPKI CA's name",
            Self::Renewed => "renewed card; the old card's certificates are superseded and linked",
            Self::TaxAccountant => "税理士: card + qualification certificate from the 税理士 CA",
            Self::JudicialScrivener => {
                "司法書士: card + qualification certificate from the 司法書士 CA"
            }
        }
    }

    /// The profession, for the professional personas.
    pub fn profession(self) -> Option<Profession> {
        match self {
            Self::TaxAccountant => Some(Profession::TaxAccountant),
            Self::JudicialScrivener => Some(Profession::JudicialScrivener),
            _ => None,
        }
    }
}

/// A key with the certificate the CA issued for it.
#[derive(Clone, Debug)]
pub struct Credential {
    /// The certificate and its registry entry.
    pub issued: Issued,
    /// The private key.
    pub key: Arc<RsaPrivateKey>,
    /// The issuing CA's certificate, DER.
    pub ca_certificate: Vec<u8>,
    /// The issuing CA's id.
    pub ca_id: String,
}

/// The certificates of one physical card.
#[derive(Clone, Debug)]
pub struct CardCredentials {
    /// User authentication.
    pub auth: Credential,
    /// Signature, if issued.
    pub sign: Option<Credential>,
    /// The signature CA's certificate (on the card even without a signature certificate).
    pub sign_ca_certificate: Vec<u8>,
}

/// A professional's qualification certificate (on its own token, not the My Number Card).
#[derive(Clone, Debug)]
pub struct ProfessionalCredential {
    /// The profession.
    pub profession: Profession,
    /// What the certificate asserts.
    pub qualification: Qualification,
    /// The certificate and key.
    pub credential: Credential,
}

/// A person and their card.
#[derive(Clone, Debug)]
pub struct Persona {
    /// Which situation.
    pub id: PersonaId,
    /// The holder's personal data.
    pub holder: Holder,
    /// The card now in use.
    pub card: CardCredentials,
    /// The card before renewal, for [`PersonaId::Renewed`].
    pub previous_card: Option<CardCredentials>,
    /// User-authentication PIN.
    pub auth_pin: Pin,
    /// Signature PIN.
    pub sign_pin: Pin,
    /// Tries left on the user-authentication PIN.
    pub auth_tries_left: u8,
    /// Tries left on the signature PIN.
    pub sign_tries_left: u8,
    /// The 士業 certificate, for professionals.
    pub professional: Option<ProfessionalCredential>,
}

impl Persona {
    /// The virtual card for the current credentials.
    pub fn card_image(&self) -> CardImage {
        self.image_of(&self.card)
    }

    /// The virtual card as it was before renewal, if there was one.
    pub fn previous_card_image(&self) -> Option<CardImage> {
        self.previous_card.as_ref().map(|c| self.image_of(c))
    }

    fn image_of(&self, card: &CardCredentials) -> CardImage {
        let pair = |c: &Credential| KeyAndCertificate {
            certificate: c.issued.der.clone(),
            ca_certificate: c.ca_certificate.clone(),
            key: (*c.key).clone(),
        };
        let mut image = CardImage::new(
            pair(&card.auth),
            card.sign.as_ref().map(pair),
            card.sign_ca_certificate.clone(),
            self.auth_pin.clone(),
            self.sign_pin.clone(),
        );
        image.auth_pin = PinSlot::new(
            PinKind::UserAuthentication,
            self.auth_pin.clone(),
            self.auth_tries_left,
        );
        image.sign_pin = PinSlot::new(
            PinKind::Signature,
            self.sign_pin.clone(),
            self.sign_tries_left,
        );
        image
    }
}
