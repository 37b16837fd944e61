//! Fee payment between an e-application SP and a bank (TF-BANK-002), in the style of
//! Pay-easy (ペイジー): the SP hands the user a signed payment request naming the
//! application, the 収納機関番号 (collector number), 納付番号 (payment number), 確認番号
//! (confirmation number) and the amount; the bank shows it to the user, takes the payment
//! and returns a signed payment notice that the SP uses to mark the application paid.
//!
//! Both travel through the user's browser (auto-POST, as Pay-easy's information-link
//! method returns the user to the collector), so each is an enveloped XML signature
//! (RSA-SHA256, exclusive c14n) by its issuer, verified against the issuer's key from
//! the federation metadata, and read only from what the signature covers.
//!
//! The request also carries the SSO session's SessionIndex: the platform gives every SP
//! of one login the same SessionIndex, so the bank can tell that the person paying is
//! the person who filed, without the two SPs sharing an identifier for the person.

use time::OffsetDateTime;

use crate::saml::xml::{self, escape, instant, parse_instant};
use crate::saml::{signature, SamlError};
use crate::EntityId;

/// The namespace of payment messages.
pub const NS_PAYMENT: &str = "urn:mnctf:payment:1";

/// Largest amount accepted, in yen (Pay-easy's limit is lower; this only bounds input).
pub const MAX_AMOUNT: u64 = 999_999_999;

/// Why a payment message was refused.
#[derive(Debug, thiserror::Error)]
pub enum PaymentError {
    /// Not a well-formed, well-signed message.
    #[error("{0}")]
    Saml(#[from] SamlError),
    /// A field is missing or malformed.
    #[error("invalid payment message: {0}")]
    Invalid(String),
    /// The signed issuer is not the one the keys were chosen for.
    #[error("the signed Issuer {signed:?} is not the claimed {claimed:?}")]
    IssuerMismatch {
        /// What the unverified message said.
        claimed: String,
        /// What the signature covers.
        signed: String,
    },
    /// Past its expiry.
    #[error("the payment request expired at {0}")]
    Expired(String),
}

/// Pay-easy payment references, digit strings of fixed shapes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaymentReference {
    /// 収納機関番号: five digits.
    pub collector: String,
    /// 納付番号: up to 20 digits.
    pub payment_number: String,
    /// 確認番号: six digits.
    pub confirmation: String,
}

impl PaymentReference {
    /// Checks the shapes.
    pub fn new(
        collector: &str,
        payment_number: &str,
        confirmation: &str,
    ) -> Result<Self, PaymentError> {
        let digits = |s: &str, min: usize, max: usize, what: &str| {
            if (min..=max).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()) {
                Ok(s.to_owned())
            } else {
                Err(PaymentError::Invalid(format!(
                    "{what} must be {min}..={max} digits, not {s:?}"
                )))
            }
        };
        Ok(Self {
            collector: digits(collector, 5, 5, "収納機関番号 (collector number)")?,
            payment_number: digits(payment_number, 1, 20, "納付番号 (payment number)")?,
            confirmation: digits(confirmation, 6, 6, "確認番号 (confirmation number)")?,
        })
    }
}

/// A payment request (納付依頼) from an e-application SP.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaymentRequest {
    /// xs:ID.
    pub id: String,
    /// The SP that issued it.
    pub issuer: EntityId,
    /// When.
    pub issued: OffsetDateTime,
    /// Until when it may be paid.
    pub expires: OffsetDateTime,
    /// The application it is the fee of.
    pub application: String,
    /// The Pay-easy references.
    pub reference: PaymentReference,
    /// The amount, in yen.
    pub amount: u64,
    /// The SSO session's SessionIndex at the issuing SP.
    pub session_index: String,
    /// Where the bank returns the user with the notice (the SP's notice endpoint).
    pub notice_url: String,
}

/// A payment notice (消込通知) from the bank.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaymentNotice {
    /// xs:ID (each notice is accepted once).
    pub id: String,
    /// The bank.
    pub issuer: EntityId,
    /// When.
    pub issued: OffsetDateTime,
    /// The request it settles.
    pub in_response_to: String,
    /// The application.
    pub application: String,
    /// 納付番号.
    pub payment_number: String,
    /// The amount paid, in yen.
    pub amount: u64,
}

fn el(name: &str, value: &str) -> String {
    format!("<pay:{name}>{}</pay:{name}>", escape(value))
}

/// Signs a payment request with the SP's key.
pub fn build_request(
    r: &PaymentRequest,
    key_der: &[u8],
    cert_der: &[u8],
) -> Result<String, PaymentError> {
    check_amount(r.amount)?;
    let body = [
        el("Application", &r.application),
        el("CollectorNumber", &r.reference.collector),
        el("PaymentNumber", &r.reference.payment_number),
        el("ConfirmationNumber", &r.reference.confirmation),
        el("Amount", &r.amount.to_string()),
        el("SessionIndex", &r.session_index),
        el("NoticeURL", &r.notice_url),
    ]
    .concat();
    let unsigned = format!(
        r#"<pay:PaymentRequest xmlns:pay="{NS_PAYMENT}" ID="{}" Issuer="{}" IssueInstant="{}" Expires="{}">{}{body}</pay:PaymentRequest>"#,
        escape(&r.id),
        escape(r.issuer.as_str()),
        instant(r.issued),
        instant(r.expires),
        signature::template(&r.id, cert_der),
    );
    Ok(signature::sign(&unsigned, key_der)?)
}

/// Signs a payment notice with the bank's key.
pub fn build_notice(
    n: &PaymentNotice,
    key_der: &[u8],
    cert_der: &[u8],
) -> Result<String, PaymentError> {
    check_amount(n.amount)?;
    let body = [
        el("Application", &n.application),
        el("PaymentNumber", &n.payment_number),
        el("Amount", &n.amount.to_string()),
    ]
    .concat();
    let unsigned = format!(
        r#"<pay:PaymentNotice xmlns:pay="{NS_PAYMENT}" ID="{}" Issuer="{}" IssueInstant="{}" InResponseTo="{}">{}{body}</pay:PaymentNotice>"#,
        escape(&n.id),
        escape(n.issuer.as_str()),
        instant(n.issued),
        escape(&n.in_response_to),
        signature::template(&n.id, cert_der),
    );
    Ok(signature::sign(&unsigned, key_der)?)
}

fn check_amount(amount: u64) -> Result<(), PaymentError> {
    if (1..=MAX_AMOUNT).contains(&amount) {
        Ok(())
    } else {
        Err(PaymentError::Invalid(format!(
            "amount {amount} is not 1..={MAX_AMOUNT} yen"
        )))
    }
}

/// The Issuer a message claims, unverified: only to choose whose keys to verify with.
pub fn claimed_issuer(text: &str) -> Result<String, PaymentError> {
    let doc = xml::parse(text)?;
    doc.root_element()
        .attribute("Issuer")
        .map(str::to_owned)
        .ok_or_else(|| PaymentError::Invalid("no Issuer".into()))
}

/// The signed document, checked to be the element `name` of the payment namespace and
/// issued by `claimed`.
fn verified(text: &str, name: &str, certs: &[Vec<u8>]) -> Result<String, PaymentError> {
    let claimed = claimed_issuer(text)?;
    let signed = signature::verify_enveloped(text, certs)?;
    let doc = xml::parse(&signed)?;
    let root = doc.root_element();
    if !xml::is(root, NS_PAYMENT, name) {
        return Err(PaymentError::Invalid(format!("not a pay:{name}")));
    }
    let issuer = root.attribute("Issuer").unwrap_or_default();
    if issuer != claimed {
        return Err(PaymentError::IssuerMismatch {
            claimed,
            signed: issuer.to_owned(),
        });
    }
    Ok(signed)
}

struct Fields<'a, 'i>(roxmltree::Node<'a, 'i>);

impl Fields<'_, '_> {
    fn attr(&self, name: &str) -> Result<String, PaymentError> {
        self.0
            .attribute(name)
            .map(str::to_owned)
            .ok_or_else(|| PaymentError::Invalid(format!("no {name} attribute")))
    }
    fn instant(&self, name: &str) -> Result<OffsetDateTime, PaymentError> {
        Ok(parse_instant(&self.attr(name)?)?)
    }
    fn el(&self, name: &str) -> Result<String, PaymentError> {
        let node = xml::child(self.0, NS_PAYMENT, name)
            .ok_or_else(|| PaymentError::Invalid(format!("no pay:{name}")))?;
        Ok(xml::text(node)?)
    }
    fn amount(&self) -> Result<u64, PaymentError> {
        let text = self.el("Amount")?;
        let amount = text.parse().map_err(|_| {
            PaymentError::Invalid(format!("amount {text:?} is not a whole number of yen"))
        })?;
        check_amount(amount)?;
        Ok(amount)
    }
    fn issuer(&self) -> Result<EntityId, PaymentError> {
        EntityId::new(&self.attr("Issuer")?).map_err(|e| PaymentError::Invalid(e.to_string()))
    }
}

/// Verifies a payment request against the issuing SP's certificates (from the
/// federation metadata) and reads it from the signed content; refuses an expired one.
pub fn verify_request(
    text: &str,
    issuer_certs: &[Vec<u8>],
    now: OffsetDateTime,
) -> Result<PaymentRequest, PaymentError> {
    let signed = verified(text, "PaymentRequest", issuer_certs)?;
    let doc = xml::parse(&signed)?;
    let f = Fields(doc.root_element());
    let request = PaymentRequest {
        id: f.attr("ID")?,
        issuer: f.issuer()?,
        issued: f.instant("IssueInstant")?,
        expires: f.instant("Expires")?,
        application: f.el("Application")?,
        reference: PaymentReference::new(
            &f.el("CollectorNumber")?,
            &f.el("PaymentNumber")?,
            &f.el("ConfirmationNumber")?,
        )?,
        amount: f.amount()?,
        session_index: f.el("SessionIndex")?,
        notice_url: f.el("NoticeURL")?,
    };
    if request.expires <= now {
        return Err(PaymentError::Expired(instant(request.expires)));
    }
    Ok(request)
}

/// Verifies a payment notice against the bank's certificates and reads it from the
/// signed content. Whether it settles an open request, and whether it was seen before,
/// is the receiving SP's check.
pub fn verify_notice(text: &str, bank_certs: &[Vec<u8>]) -> Result<PaymentNotice, PaymentError> {
    let signed = verified(text, "PaymentNotice", bank_certs)?;
    let doc = xml::parse(&signed)?;
    let f = Fields(doc.root_element());
    Ok(PaymentNotice {
        id: f.attr("ID")?,
        issuer: f.issuer()?,
        issued: f.instant("IssueInstant")?,
        in_response_to: f.attr("InResponseTo")?,
        application: f.el("Application")?,
        payment_number: f.el("PaymentNumber")?,
        amount: f.amount()?,
    })
}
