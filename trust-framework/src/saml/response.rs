//! Responses and assertions the IdP issues (SAML Core §2.3.3, §3.2.2; Web SSO profile
//! §4.1.4.2), signed assertion first, then the Response around it.

use time::OffsetDateTime;

use super::constants::{attr, status, CM_BEARER, NS_ASSERTION, NS_PROTOCOL};
use super::signature;
use super::xml::{escape, instant};
use super::SamlError;
use crate::pairwise::NAMEID_FORMAT_PERSISTENT;

/// One attribute with its values (NameFormat uri).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attribute {
    /// Name (a URI).
    pub name: String,
    /// Values.
    pub values: Vec<String>,
}

/// What goes into an assertion.
#[derive(Clone, Debug)]
pub struct AssertionParams {
    /// Assertion ID.
    pub id: String,
    /// The IdP.
    pub issuer: String,
    /// The SP (Audience, SPNameQualifier).
    pub audience: String,
    /// The pairwise NameID.
    pub name_id: String,
    /// The ACS URL (Recipient).
    pub recipient: String,
    /// The request's ID (absent for IdP-initiated).
    pub in_response_to: Option<String>,
    /// Issue time.
    pub issued: OffsetDateTime,
    /// End of validity (Conditions and SubjectConfirmationData).
    pub not_on_or_after: OffsetDateTime,
    /// When the card authenticated.
    pub authn_instant: OffsetDateTime,
    /// The session index (for logout).
    pub session_index: String,
    /// AuthnContextClassRef.
    pub authn_context_class: String,
    /// Attributes.
    pub attributes: Vec<Attribute>,
}

/// An AttributeStatement of `attributes` (empty when there are none).
pub(crate) fn attribute_statement(attributes: &[Attribute]) -> String {
    if attributes.is_empty() {
        return String::new();
    }
    let mut out = String::from("<saml:AttributeStatement>");
    for a in attributes {
        out.push_str(&format!(
            r#"<saml:Attribute Name="{}" NameFormat="{}">"#,
            escape(&a.name),
            attr::NAME_FORMAT_URI
        ));
        for v in &a.values {
            out.push_str(&format!(r#"<saml:AttributeValue xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="xs:string">{}</saml:AttributeValue>"#, escape(v)));
        }
        out.push_str("</saml:Attribute>");
    }
    out.push_str("</saml:AttributeStatement>");
    out
}

/// The assertion with a signature template after its Issuer.
fn assertion_template(a: &AssertionParams, cert_der: &[u8]) -> String {
    let irt = a
        .in_response_to
        .as_ref()
        .map(|i| format!(r#" InResponseTo="{}""#, escape(i)))
        .unwrap_or_default();
    format!(
        concat!(
            r#"<saml:Assertion xmlns:saml="{ns}" ID="{id}" Version="2.0" IssueInstant="{issued}">"#,
            r#"<saml:Issuer>{issuer}</saml:Issuer>{sig}"#,
            r#"<saml:Subject><saml:NameID Format="{fmt}" NameQualifier="{issuer}" SPNameQualifier="{audience}">{name_id}</saml:NameID>"#,
            r#"<saml:SubjectConfirmation Method="{cm}"><saml:SubjectConfirmationData NotOnOrAfter="{noa}" Recipient="{recipient}"{irt}/></saml:SubjectConfirmation></saml:Subject>"#,
            r#"<saml:Conditions NotBefore="{issued}" NotOnOrAfter="{noa}"><saml:AudienceRestriction><saml:Audience>{audience}</saml:Audience></saml:AudienceRestriction></saml:Conditions>"#,
            r#"<saml:AuthnStatement AuthnInstant="{authn}" SessionIndex="{session}"><saml:AuthnContext><saml:AuthnContextClassRef>{class}</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>"#,
            "{attrs}</saml:Assertion>"
        ),
        ns = NS_ASSERTION,
        id = escape(&a.id),
        issued = instant(a.issued),
        issuer = escape(&a.issuer),
        sig = signature::template(&a.id, cert_der),
        fmt = NAMEID_FORMAT_PERSISTENT,
        audience = escape(&a.audience),
        name_id = escape(&a.name_id),
        cm = CM_BEARER,
        noa = instant(a.not_on_or_after),
        recipient = escape(&a.recipient),
        irt = irt,
        authn = instant(a.authn_instant),
        session = escape(&a.session_index),
        class = escape(&a.authn_context_class),
        attrs = attribute_statement(&a.attributes),
    )
}

/// The Response envelope.
#[derive(Clone, Debug)]
pub struct ResponseParams {
    /// Response ID.
    pub id: String,
    /// The IdP.
    pub issuer: String,
    /// The ACS URL.
    pub destination: String,
    /// The request's ID.
    pub in_response_to: Option<String>,
    /// Issue time.
    pub issued: OffsetDateTime,
}

fn envelope(
    r: &ResponseParams,
    cert_der: &[u8],
    status_xml: &str,
    assertion: &str,
    signed: bool,
) -> String {
    let irt = r
        .in_response_to
        .as_ref()
        .map(|i| format!(r#" InResponseTo="{}""#, escape(i)))
        .unwrap_or_default();
    let sig = if signed {
        signature::template(&r.id, cert_der)
    } else {
        String::new()
    };
    format!(
        r#"<samlp:Response xmlns:samlp="{NS_PROTOCOL}" xmlns:saml="{NS_ASSERTION}" ID="{}" Version="2.0" IssueInstant="{}" Destination="{}"{irt}><saml:Issuer>{}</saml:Issuer>{sig}{status_xml}{assertion}</samlp:Response>"#,
        escape(&r.id),
        instant(r.issued),
        escape(&r.destination),
        escape(&r.issuer),
    )
}

/// A success Response with a signed assertion, itself signed (TF-IDP: both signed).
pub fn success(
    r: &ResponseParams,
    a: &AssertionParams,
    key_der: &[u8],
    cert_der: &[u8],
) -> Result<String, SamlError> {
    let status_xml = format!(
        r#"<samlp:Status><samlp:StatusCode Value="{}"/></samlp:Status>"#,
        status::SUCCESS
    );
    let assertion = assertion_template(a, cert_der);
    signature::sign_nested(
        &envelope(r, cert_der, &status_xml, &assertion, true),
        key_der,
    )
}

/// A signed error Response: top-level `code`, optional second-level `sub`, a message.
pub fn error(
    r: &ResponseParams,
    code: &str,
    sub: Option<&str>,
    message: &str,
    key_der: &[u8],
    cert_der: &[u8],
) -> Result<String, SamlError> {
    let sub = sub
        .map(|s| format!(r#"<samlp:StatusCode Value="{}"/>"#, escape(s)))
        .unwrap_or_default();
    let status_xml = format!(
        r#"<samlp:Status><samlp:StatusCode Value="{}">{sub}</samlp:StatusCode><samlp:StatusMessage>{}</samlp:StatusMessage></samlp:Status>"#,
        escape(code),
        escape(message)
    );
    signature::sign(&envelope(r, cert_der, &status_xml, "", true), key_der)
}
