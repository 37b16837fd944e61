//! The card-login binding at the platform (TF-BIND): challenges, and the verification of
//! an answer into a [`VerifiedCardLogin`], which only exists when the signature, the path
//! and the revocation status have all been checked.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use rand::RngCore;
use serde::Deserialize;
use time::Duration;
use trust_framework::binding::{Challenge, Nonce, NONCE_LEN};
use trust_framework::x509::{PathValidated, RevocationChecked, ValidatedCertificate};

use crate::error::IdpError;
use crate::platform::Platform;
use crate::sessions::{token, Pending, Session};
use crate::store::Store;
use relying_party::revocation::{self, Limits};

/// A card's answer to a challenge (JSON).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CardAnswer {
    /// The transaction.
    pub tx: String,
    /// The challenge's nonce (base64url).
    pub nonce: String,
    /// The user-authentication certificate, base64 DER.
    pub certificate: String,
    /// The card's signature, base64.
    pub signature: String,
}

/// Proof that the card signed: the challenge ([`Platform::verify_answer`]) or the TLS
/// handshake (`tls_binding`). Nothing else in or out of this crate makes it.
#[derive(Debug, Clone, Copy)]
pub struct SignatureChecked {
    _private: (),
}

impl SignatureChecked {
    /// rustls verified the CertificateVerify signature with the presented certificate.
    pub(crate) fn by_tls_handshake() -> Self {
        Self { _private: () }
    }
}

/// A card login with every check done.
#[derive(Debug)]
pub struct VerifiedCardLogin {
    /// The certificate, path-validated.
    pub certificate: ValidatedCertificate,
    /// Proofs.
    pub proofs: (SignatureChecked, PathValidated, RevocationChecked),
    /// The person.
    pub person: String,
}

/// Largest certificate or signature accepted in an answer (base64 characters).
const MAX_FIELD: usize = 16 * 1024;

impl Platform {
    /// Issues a challenge for a live transaction (TF-BIND-001..003).
    pub fn challenge(&self, tx_id: &str) -> Result<Challenge, IdpError> {
        let now = self.now();
        self.memory
            .tx(tx_id, now)
            .ok_or(IdpError::UnknownTransaction)?;
        let mut bytes = [0u8; NONCE_LEN];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        let challenge = Challenge {
            idp: self.entity_id.clone(),
            endpoint: self.url("/card-login/answer"),
            nonce: Nonce::from_bytes(bytes),
            issued: now,
            expires: now + Duration::seconds(self.config.timing.challenge),
        };
        self.memory.add_challenge(
            Pending {
                tx: tx_id.to_owned(),
                challenge: challenge.clone(),
            },
            now,
        )?;
        Ok(challenge)
    }

    /// Verifies an answer: the challenge (single use, this transaction, not expired), the
    /// certificate path, the signature, then revocation; finds or creates the person.
    pub async fn verify_answer(&self, answer: &CardAnswer) -> Result<VerifiedCardLogin, IdpError> {
        if answer.certificate.len() > MAX_FIELD || answer.signature.len() > MAX_FIELD {
            return Err(IdpError::BadAnswer(
                "certificate or signature too large".into(),
            ));
        }
        // TF-BIND-002: taken out at once, so it can never be used again, even if this fails.
        let pending = if self.defects().reusable_challenge {
            self.memory.peek_challenge(&answer.nonce, self.now())
        } else {
            self.memory.take_challenge(&answer.nonce)
        }
        .ok_or(IdpError::Challenge("unknown or already used challenge"))?;
        if pending.tx != answer.tx && !self.defects().challenge_any_transaction {
            return Err(IdpError::Challenge(
                "the challenge belongs to another login",
            ));
        }
        let now = self.now();
        if now > pending.challenge.expires && !self.defects().ignore_challenge_expiry {
            return Err(IdpError::Challenge("the challenge has expired"));
        }
        let der = STANDARD
            .decode(&answer.certificate)
            .map_err(|_| IdpError::BadAnswer("certificate is not base64".into()))?;
        let signature = STANDARD
            .decode(&answer.signature)
            .map_err(|_| IdpError::BadAnswer("signature is not base64".into()))?;
        // TF-PKI-001..004.
        let cert = self
            .anchors
            .validate(&der, now, &self.policy)
            .map_err(IdpError::Path)?;
        // TF-BIND-004.
        pending
            .challenge
            .verify_signature(&cert.key, &signature)
            .map_err(IdpError::Binding)?;
        let signed = SignatureChecked { _private: () };
        // TF-PKI-005..007.
        let anchor = self
            .anchor_config(&cert.anchor.label)
            .ok_or_else(|| IdpError::Internal("anchor without configuration".into()))?;
        let limits = Limits {
            now,
            skew: Duration::seconds(self.config.timing.skew),
            fetch: std::time::Duration::from_millis(self.config.timing.fetch_ms),
        };
        let revocation = revocation::check(&self.http, anchor.sources(), &cert, limits)
            .await
            .map_err(IdpError::from)?;
        let person = self.person_for_certificate(&cert, anchor).await?;
        let path = cert.proof;
        Ok(VerifiedCardLogin {
            certificate: cert,
            proofs: (signed, path, revocation),
            person,
        })
    }

    /// The person a certificate belongs to: known, the predecessor's through the CA's
    /// renewal link (TF-PKI-008), or new.
    pub(crate) async fn person_for_certificate(
        &self,
        cert: &ValidatedCertificate,
        anchor: &crate::config::AnchorConfig,
    ) -> Result<String, IdpError> {
        let label = &cert.anchor.label;
        let serial = hex::encode(cert.serial());
        let store_err = |e: crate::store::StoreError| IdpError::Internal(e.to_string());
        if let Some(p) = self.store.person_of(label, &serial).map_err(store_err)? {
            return Ok(p);
        }
        let mut person = None;
        let links = anchor
            .predecessor_url
            .as_ref()
            .filter(|_| !self.defects().ignore_renewal_links);
        if let Some(url) = links {
            let limit = std::time::Duration::from_millis(self.config.timing.fetch_ms);
            // A card the CA cannot be asked about is refused, not made a new person
            // (TF-PKI-008: a person is never split).
            let old = revocation::predecessor(&self.http, url, cert.serial(), limit)
                .await
                .map_err(IdpError::RenewalLinksUnavailable)?;
            if let Some(old) = old {
                person = self
                    .store
                    .person_of(label, &hex::encode(old))
                    .map_err(store_err)?;
            }
        }
        let person = person.unwrap_or_else(Store::new_person);
        // The person the store kept: another first login of this card may have won.
        self.store
            .link(label, &serial, &person, self.now().unix_timestamp())
            .map_err(store_err)
    }

    /// Opens an SSO session for a card this platform verified (TF-IDP-010), on its own
    /// channel (`direct`, or the one its configuration names).
    pub fn open_session(&self, login: &VerifiedCardLogin) -> Result<Session, IdpError> {
        self.open_session_for(
            &login.person,
            &self.config.channel,
            self.entity_id.clone(),
            &login.certificate.der,
        )
    }

    /// Opens an SSO session for `person`, authenticated by `authority` on `channel`.
    pub(crate) fn open_session_for(
        &self,
        person: &str,
        channel: &str,
        authority: trust_framework::EntityId,
        card_certificate: &[u8],
    ) -> Result<Session, IdpError> {
        let now = self.now();
        let session = Session {
            id: token(),
            person: person.to_owned(),
            authn_instant: now,
            index: Platform::new_id(),
            expires: now + Duration::seconds(self.config.timing.session),
            visits: Vec::new(),
            channel: channel.to_owned(),
            authority,
            card_certificate: card_certificate.to_vec(),
        };
        self.memory.add_session(session.clone(), now)?;
        Ok(session)
    }
}
