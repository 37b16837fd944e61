//! Proxy applications by licensed professionals (士業, TF-PROXY): the registration
//! document that binds a professional's My Number Card user-authentication certificate
//! to their qualification. It is signed, as e-Gov application documents are, with the
//! key their 士業 CA certified (enveloped XML-DSig, RSA-SHA256, the certificate in
//! KeyInfo), and names who it is for (`Audience`: the platform in proxy model 1, the
//! 士業 body's attribute authority in model 2) and, in model 2, the registration
//! challenge's nonce.
//!
//! Verifying is two steps, because the key is the one the document carries: the caller
//! first path-validates [`signer_certificate`] to a configured 士業 trust anchor and
//! checks its revocation, then [`verify`] checks the signature with exactly that
//! certificate and reads the signed content.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use time::{Duration, OffsetDateTime};

use crate::saml::constants::NS_DSIG;
use crate::saml::xml::{self, escape, instant, parse_instant};
use crate::saml::{signature, SamlError};

/// The namespace of registration documents.
pub const NS_PROXY: &str = "urn:mnctf:proxy:1";

/// How old a registration document may be when it arrives.
pub const MAX_AGE: Duration = Duration::minutes(10);

/// Why a registration document was refused.
#[derive(Debug, thiserror::Error)]
pub enum RegistrationError {
    /// Not well-formed, or its signature does not verify with the validated certificate.
    #[error("{0}")]
    Saml(#[from] SamlError),
    /// A field is missing or malformed.
    #[error("invalid registration document: {0}")]
    Invalid(String),
    /// Addressed to another party.
    #[error("the registration is addressed to {0:?}, not to this service")]
    Audience(String),
    /// Too old or from the future.
    #[error("the registration was signed at {0}, too far from now")]
    Stale(String),
}

/// A registration as signed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Registration {
    /// xs:ID.
    pub id: String,
    /// When it was signed.
    pub issued: OffsetDateTime,
    /// Who it is for (an entityID).
    pub audience: String,
    /// The registration challenge's nonce (model 2), if any.
    pub nonce: Option<String>,
    /// The professional's card user-authentication certificate (DER).
    pub card_certificate: Vec<u8>,
}

/// Signs a registration with the professional's 士業 key; `signer_der` is its certificate.
pub fn build(
    r: &Registration,
    key_der: &[u8],
    signer_der: &[u8],
) -> Result<String, RegistrationError> {
    let nonce = r
        .nonce
        .as_deref()
        .map(|n| format!(" Nonce=\"{}\"", escape(n)))
        .unwrap_or_default();
    let unsigned = format!(
        r#"<reg:QualificationRegistration xmlns:reg="{NS_PROXY}" ID="{}" IssueInstant="{}" Audience="{}"{nonce}>{}<reg:CardCertificate>{}</reg:CardCertificate></reg:QualificationRegistration>"#,
        escape(&r.id),
        instant(r.issued),
        escape(&r.audience),
        signature::template(&r.id, signer_der),
        STANDARD.encode(&r.card_certificate),
    );
    Ok(signature::sign(&unsigned, key_der)?)
}

/// The certificate in the document's signature KeyInfo, unverified: the caller must
/// path-validate it to a 士業 anchor before [`verify`] uses it.
pub fn signer_certificate(text: &str) -> Result<Vec<u8>, RegistrationError> {
    let doc = xml::parse(text)?;
    let root = doc.root_element();
    if !xml::is(root, NS_PROXY, "QualificationRegistration") {
        return Err(RegistrationError::Invalid(
            "not a reg:QualificationRegistration".into(),
        ));
    }
    let cert = xml::child(root, NS_DSIG, "Signature")
        .and_then(|s| {
            s.descendants()
                .find(|d| xml::is(*d, NS_DSIG, "X509Certificate"))
        })
        .ok_or_else(|| {
            RegistrationError::Invalid("no signing certificate in the signature".into())
        })?;
    let b64: String = xml::text(cert)?
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    STANDARD
        .decode(b64)
        .map_err(|_| RegistrationError::Invalid("the signing certificate is not base64".into()))
}

/// Verifies the signature with `validated_signer` (DER, already path-validated and
/// revocation-checked by the caller), then checks the audience and age and reads the
/// signed content.
pub fn verify(
    text: &str,
    validated_signer: &[u8],
    audience: &str,
    now: OffsetDateTime,
) -> Result<Registration, RegistrationError> {
    let signed = signature::verify_enveloped(text, &[validated_signer.to_vec()])?;
    let doc = xml::parse(&signed)?;
    let root = doc.root_element();
    if !xml::is(root, NS_PROXY, "QualificationRegistration") {
        return Err(RegistrationError::Invalid(
            "not a reg:QualificationRegistration".into(),
        ));
    }
    let attr = |name: &str| {
        root.attribute(name)
            .map(str::to_owned)
            .ok_or_else(|| RegistrationError::Invalid(format!("no {name}")))
    };
    let issued = parse_instant(&attr("IssueInstant")?)?;
    if (issued - now).abs() > MAX_AGE {
        return Err(RegistrationError::Stale(instant(issued)));
    }
    let to = attr("Audience")?;
    if to != audience {
        return Err(RegistrationError::Audience(to));
    }
    let cert = xml::child(root, NS_PROXY, "CardCertificate")
        .ok_or_else(|| RegistrationError::Invalid("no reg:CardCertificate".into()))?;
    let card_certificate = STANDARD
        .decode(xml::text(cert)?)
        .map_err(|_| RegistrationError::Invalid("the card certificate is not base64".into()))?;
    Ok(Registration {
        id: attr("ID")?,
        issued,
        audience: to,
        nonce: root.attribute("Nonce").map(str::to_owned),
        card_certificate,
    })
}
