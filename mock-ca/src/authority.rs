//! One certification authority: its key and certificate, what it issued, what it revoked,
//! and its CRL.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private};
use openssl::sign::Signer;
use rcgen::{CertificateParams, KeyPair, PublicKeyData};
use rsa::pkcs1::EncodeRsaPublicKey;
use rsa::pkcs8::EncodePrivateKey;
use rsa::{RsaPrivateKey, RsaPublicKey};
use time::{Duration, OffsetDateTime};

use crate::names::Dn;
use crate::CaError;

/// Why a certificate was revoked (RFC 5280 §5.3.1 reason codes we use).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    /// No reason given.
    Unspecified,
    /// Key compromise (a lost or stolen card).
    KeyCompromise,
    /// The certified content changed (a move, a new name: the signature certificate).
    AffiliationChanged,
    /// Replaced by a new certificate (card renewal).
    Superseded,
    /// The holder stopped using it (e.g. death, or a professional leaving the body).
    CessationOfOperation,
    /// The qualification was withdrawn.
    PrivilegeWithdrawn,
}

impl Reason {
    /// The RFC 5280 reason code.
    pub fn code(self) -> u8 {
        match self {
            Self::Unspecified => 0,
            Self::KeyCompromise => 1,
            Self::AffiliationChanged => 3,
            Self::Superseded => 4,
            Self::CessationOfOperation => 5,
            Self::PrivilegeWithdrawn => 9,
        }
    }

    fn to_rcgen(self) -> rcgen::RevocationReason {
        use rcgen::RevocationReason as R;
        match self {
            Self::Unspecified => R::Unspecified,
            Self::KeyCompromise => R::KeyCompromise,
            Self::AffiliationChanged => R::AffiliationChanged,
            Self::Superseded => R::Superseded,
            Self::CessationOfOperation => R::CessationOfOperation,
            Self::PrivilegeWithdrawn => R::PrivilegeWithdrawn,
        }
    }
}

/// A revocation entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Revocation {
    /// When the CA revoked it.
    pub at: OffsetDateTime,
    /// Why.
    pub reason: Reason,
}

/// A certificate the CA issued.
#[derive(Clone, Debug)]
pub struct Issued {
    /// Serial number (positive, big-endian, no leading zero byte).
    pub serial: Vec<u8>,
    /// The certificate, DER.
    pub der: Vec<u8>,
    /// Validity start.
    pub not_before: OffsetDateTime,
    /// Validity end.
    pub not_after: OffsetDateTime,
}

/// What the CA knows about a serial number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CertState {
    /// Issued and not revoked.
    Good,
    /// Revoked.
    Revoked(Revocation),
    /// Never issued by this CA.
    Unknown,
}

/// Where a CA publishes (all on our loopback CA service).
#[derive(Clone, Debug)]
pub struct Urls {
    /// The CRL.
    pub crl: String,
    /// The OCSP responder.
    pub ocsp: String,
    /// The CA's own certificate.
    pub certificate: String,
}

#[derive(Debug, Default)]
struct Registry {
    issued: BTreeMap<Vec<u8>, Issued>,
    revoked: BTreeMap<Vec<u8>, Revocation>,
}

/// The subject public key in the form rcgen writes into a certificate.
pub(crate) struct RsaSpki(Vec<u8>);

impl RsaSpki {
    pub(crate) fn new(public: &RsaPublicKey) -> Result<Self, CaError> {
        let der = public
            .to_pkcs1_der()
            .map_err(|e| CaError::Encode(e.to_string()))?;
        Ok(Self(der.as_bytes().to_vec()))
    }
}

impl PublicKeyData for RsaSpki {
    fn der_bytes(&self) -> &[u8] {
        &self.0
    }

    fn algorithm(&self) -> &'static rcgen::SignatureAlgorithm {
        &rcgen::PKCS_RSA_SHA256
    }
}

/// A certification authority.
pub struct Authority {
    id: String,
    dn: Dn,
    key: Arc<RsaPrivateKey>,
    key_pair: KeyPair,
    /// The same key in OpenSSL's form, for the OCSP answers it signs per request.
    responder_key: PKey<Private>,
    params: CertificateParams,
    certificate: Vec<u8>,
    urls: Urls,
    registry: Mutex<Registry>,
}

impl std::fmt::Debug for Authority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authority")
            .field("id", &self.id)
            .field("dn", &self.dn.to_string())
            .finish_non_exhaustive()
    }
}

/// rcgen's signer for an RSA key (PKCS#1 v1.5 with SHA-256).
pub(crate) fn key_pair(key: &RsaPrivateKey) -> Result<KeyPair, CaError> {
    let pkcs8 = key
        .to_pkcs8_der()
        .map_err(|e| CaError::Encode(e.to_string()))?;
    let der = rustls_pki_types::PrivatePkcs8KeyDer::from(pkcs8.as_bytes());
    Ok(KeyPair::from_pkcs8_der_and_sign_algo(
        &der,
        &rcgen::PKCS_RSA_SHA256,
    )?)
}

impl Authority {
    /// A self-signed root from `params` (subject, validity, extensions already set).
    pub fn self_signed(
        id: &str,
        dn: Dn,
        key: Arc<RsaPrivateKey>,
        mut params: CertificateParams,
        serial: Vec<u8>,
        urls: Urls,
    ) -> Result<Self, CaError> {
        let key_pair = key_pair(&key)?;
        params.serial_number = Some(rcgen::SerialNumber::from_slice(&serial));
        params.key_identifier_method =
            rcgen::KeyIdMethod::PreSpecified(crate::ext::key_id(&key.to_public_key())?);
        let certificate = params.self_signed(&key_pair)?.der().to_vec();
        let responder_key = key
            .to_pkcs8_der()
            .ok()
            .and_then(|der| PKey::private_key_from_pkcs8(der.as_bytes()).ok())
            .ok_or_else(|| CaError::Encode("the CA key in OpenSSL's form".into()))?;
        Ok(Self {
            id: id.to_owned(),
            dn,
            key,
            key_pair,
            responder_key,
            params,
            certificate,
            urls,
            registry: Mutex::default(),
        })
    }

    /// The short name used in URLs (e.g. `jpki-auth`).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The CA's DN.
    pub fn dn(&self) -> &Dn {
        &self.dn
    }

    /// The CA certificate, DER.
    pub fn certificate(&self) -> &[u8] {
        &self.certificate
    }

    /// The CA's private key (signs OCSP answers).
    pub fn key(&self) -> &RsaPrivateKey {
        &self.key
    }

    /// Signs `message` with the CA key, RSASSA-PKCS1-v1_5 SHA-256. Through OpenSSL (0.35
    /// ms, ring 0.56 ms): the OCSP responder signs on every request, on the cores the
    /// platform's benchmark shares.
    pub fn sign_sha256_rsa(&self, message: &[u8]) -> Result<Vec<u8>, CaError> {
        let sign = || {
            let mut signer = Signer::new(MessageDigest::sha256(), &self.responder_key)?;
            signer.update(message)?;
            signer.sign_to_vec()
        };
        sign().map_err(|e: openssl::error::ErrorStack| CaError::Encode(e.to_string()))
    }

    /// Where the CA publishes.
    pub fn urls(&self) -> &Urls {
        &self.urls
    }

    /// Signs a certificate for `subject_key` with `params` and records it.
    pub fn issue(
        &self,
        mut params: CertificateParams,
        subject_key: &RsaPublicKey,
        serial: Vec<u8>,
    ) -> Result<Issued, CaError> {
        params.serial_number = Some(rcgen::SerialNumber::from_slice(&serial));
        params.use_authority_key_identifier_extension = true;
        let issuer = rcgen::Issuer::from_params(&self.params, &self.key_pair);
        let der = params
            .signed_by(&RsaSpki::new(subject_key)?, &issuer)?
            .der()
            .to_vec();
        let issued = Issued {
            serial: serial.clone(),
            der,
            not_before: params.not_before,
            not_after: params.not_after,
        };
        self.registry().issued.insert(serial, issued.clone());
        Ok(issued)
    }

    /// Revokes a serial. Revoking twice keeps the first entry (RFC 5280: revocation is final).
    pub fn revoke(&self, serial: &[u8], at: OffsetDateTime, reason: Reason) -> Result<(), CaError> {
        let mut reg = self.registry();
        if !reg.issued.contains_key(serial) {
            return Err(CaError::UnknownSerial {
                ca: self.id.clone(),
                serial: hex::encode(serial),
            });
        }
        reg.revoked
            .entry(serial.to_vec())
            .or_insert(Revocation { at, reason });
        Ok(())
    }

    /// The state of a serial as of `now` (a revocation dated later is not yet in effect).
    pub fn state(&self, serial: &[u8], now: OffsetDateTime) -> CertState {
        let reg = self.registry();
        match (reg.issued.contains_key(serial), reg.revoked.get(serial)) {
            (false, _) => CertState::Unknown,
            (true, Some(r)) if r.at <= now => CertState::Revoked(*r),
            (true, _) => CertState::Good,
        }
    }

    /// A certificate this CA issued, by serial.
    pub fn issued(&self, serial: &[u8]) -> Option<Issued> {
        self.registry().issued.get(serial).cloned()
    }

    /// A CRL as of `this_update`, valid for `lifetime`, listing revocations in effect then.
    pub fn crl(&self, this_update: OffsetDateTime, lifetime: Duration) -> Result<Vec<u8>, CaError> {
        let revoked_certs = self
            .registry()
            .revoked
            .iter()
            .filter(|(_, r)| r.at <= this_update)
            .map(|(serial, r)| rcgen::RevokedCertParams {
                serial_number: rcgen::SerialNumber::from_slice(serial),
                revocation_time: r.at,
                reason_code: Some(r.reason.to_rcgen()),
                invalidity_date: None,
            })
            .collect();
        // The CRL number only has to grow; the issue time in seconds does, and keeps
        // the CRL a function of the clock.
        let number = u64::try_from(this_update.unix_timestamp()).unwrap_or(0);
        let params = rcgen::CertificateRevocationListParams {
            this_update,
            next_update: this_update + lifetime,
            crl_number: rcgen::SerialNumber::from_slice(&number.to_be_bytes()),
            issuing_distribution_point: None,
            revoked_certs,
            key_identifier_method: self.params.key_identifier_method.clone(),
        };
        let issuer = rcgen::Issuer::from_params(&self.params, &self.key_pair);
        Ok(params.signed_by(&issuer)?.der().to_vec())
    }

    fn registry(&self) -> std::sync::MutexGuard<'_, Registry> {
        self.registry.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
