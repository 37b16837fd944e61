//! SAML AttributeQuery over the SOAP binding (SAML Core §3.3.2.3, Bindings §3.2), as proxy
//! model 2 uses it (TF-PROXY-002): the platform asks a 士業 body's attribute authority
//! for a professional's qualification. The query names the subject by the SP's pairwise
//! NameID and proves which card it is by a holder-of-key confirmation carrying the card's
//! user-authentication certificate (which the authority registered); the authority
//! answers with a signed Response holding a signed attribute assertion about that NameID,
//! addressed to the requester and to the SP, so the SP can verify it itself.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use time::{Duration, OffsetDateTime};

use super::constants::{attr, status, NS_ASSERTION, NS_DSIG, NS_PROTOCOL};
use super::response::{attribute_statement, Attribute};
use super::sp::AttributeValues;
use super::xml::{self, escape, instant, parse_instant};
use super::{signature, SamlError};
use crate::pairwise::NAMEID_FORMAT_PERSISTENT;

/// The holder-of-key confirmation method.
pub const CM_HOLDER_OF_KEY: &str = "urn:oasis:names:tc:SAML:2.0:cm:holder-of-key";
/// The SOAP 1.1 envelope namespace.
pub const NS_SOAP11: &str = "http://schemas.xmlsoap.org/soap/envelope/";
/// Second-level status: the authority does not know the subject.
pub const STATUS_UNKNOWN_PRINCIPAL: &str = "urn:oasis:names:tc:SAML:2.0:status:UnknownPrincipal";
/// Second-level status: the authority will not answer this requester.
pub const STATUS_REQUEST_DENIED: &str = "urn:oasis:names:tc:SAML:2.0:status:RequestDenied";
/// How long an attribute assertion is valid.
pub const VALIDITY: Duration = Duration::minutes(5);
/// Clock skew tolerated on queries and assertions.
pub const SKEW: Duration = Duration::minutes(3);

/// The qualification attributes (TF-PROXY).
pub const QUALIFICATION_ATTRIBUTES: [&str; 3] = [
    attr::PROFESSION,
    attr::REGISTRATION_NUMBER,
    attr::ISSUING_BODY,
];

/// A signing key (PKCS#8 DER) and its certificate (DER).
#[derive(Clone, Copy, Debug)]
pub struct Signer<'a> {
    /// The key.
    pub key_der: &'a [u8],
    /// Its certificate.
    pub cert_der: &'a [u8],
}

/// Who the query is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuerySubject {
    /// The pairwise NameID at the SP.
    pub name_id: String,
    /// NameQualifier: the platform.
    pub name_qualifier: String,
    /// SPNameQualifier: the SP the NameID is for (an audience of the answer).
    pub sp_name_qualifier: String,
    /// The card's user-authentication certificate (DER): the holder-of-key confirmation.
    pub card_certificate: Vec<u8>,
}

/// An AttributeQuery.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttributeQuery {
    /// xs:ID.
    pub id: String,
    /// The requester.
    pub issuer: String,
    /// The authority's endpoint.
    pub destination: String,
    /// When.
    pub issued: OffsetDateTime,
    /// The subject.
    pub subject: QuerySubject,
    /// The attribute names asked for.
    pub attributes: Vec<String>,
}

/// A verified attribute assertion.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttributeAssertion {
    /// The assertion as the authority signed it (to hand to the SP).
    pub xml: String,
    /// The authority.
    pub issuer: String,
    /// The subject's NameID.
    pub name_id: String,
    /// The audiences.
    pub audiences: Vec<String>,
    /// When it stops being valid.
    pub not_on_or_after: OffsetDateTime,
    /// Its attributes.
    pub attributes: Vec<AttributeValues>,
}

impl AttributeAssertion {
    /// The single value of `name`, if it has exactly one.
    pub fn value(&self, name: &str) -> Option<&str> {
        match self
            .attributes
            .iter()
            .find(|a| a.name == name)
            .map(|a| a.values.as_slice())
        {
            Some([one]) => Some(one),
            _ => None,
        }
    }
}

/// Why a query or an answer was refused.
#[derive(Debug, thiserror::Error)]
pub enum AttributeQueryError {
    /// Not well-formed, or a signature does not verify.
    #[error("{0}")]
    Saml(#[from] SamlError),
    /// The authority answered with an error status.
    #[error("the attribute authority answered {status}{}: {message}", sub.as_deref().map(|s| format!(" / {s}")).unwrap_or_default())]
    Status {
        /// Top-level code.
        status: String,
        /// Second-level code.
        sub: Option<String>,
        /// Its StatusMessage.
        message: String,
    },
    /// A field does not have the expected value.
    #[error("TF-PROXY-002: {0}")]
    Check(String),
}

fn check(ok: bool, what: impl FnOnce() -> String) -> Result<(), AttributeQueryError> {
    if ok {
        Ok(())
    } else {
        Err(AttributeQueryError::Check(what()))
    }
}

fn name_id_xml(s: &QuerySubject) -> String {
    format!(
        r#"<saml:NameID Format="{NAMEID_FORMAT_PERSISTENT}" NameQualifier="{}" SPNameQualifier="{}">{}</saml:NameID>"#,
        escape(&s.name_qualifier),
        escape(&s.sp_name_qualifier),
        escape(&s.name_id)
    )
}

/// Signs a query with the requester's key.
pub fn build_query(
    q: &AttributeQuery,
    key_der: &[u8],
    cert_der: &[u8],
) -> Result<String, SamlError> {
    let attributes: String = q
        .attributes
        .iter()
        .map(|a| {
            format!(
                r#"<saml:Attribute Name="{}" NameFormat="{}"/>"#,
                escape(a),
                attr::NAME_FORMAT_URI
            )
        })
        .collect();
    let unsigned = format!(
        concat!(
            r#"<samlp:AttributeQuery xmlns:samlp="{p}" xmlns:saml="{a}" ID="{id}" Version="2.0" IssueInstant="{issued}" Destination="{dest}">"#,
            r#"<saml:Issuer>{issuer}</saml:Issuer>{sig}<saml:Subject>{name_id}"#,
            r#"<saml:SubjectConfirmation Method="{hok}"><saml:SubjectConfirmationData xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="saml:KeyInfoConfirmationDataType">"#,
            r#"<ds:KeyInfo xmlns:ds="{ds}"><ds:X509Data><ds:X509Certificate>{card}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>"#,
            r#"</saml:SubjectConfirmationData></saml:SubjectConfirmation></saml:Subject>{attributes}</samlp:AttributeQuery>"#
        ),
        p = NS_PROTOCOL,
        a = NS_ASSERTION,
        ds = NS_DSIG,
        id = escape(&q.id),
        issued = instant(q.issued),
        dest = escape(&q.destination),
        issuer = escape(&q.issuer),
        sig = signature::template(&q.id, cert_der),
        name_id = name_id_xml(&q.subject),
        hok = CM_HOLDER_OF_KEY,
        card = STANDARD.encode(&q.subject.card_certificate),
        attributes = attributes,
    );
    signature::sign(&unsigned, key_der)
}

/// The Issuer a query claims, unverified: only to choose whose keys to verify with.
pub fn claimed_issuer(text: &str) -> Result<String, SamlError> {
    let doc = xml::parse(text)?;
    let issuer = xml::child(doc.root_element(), NS_ASSERTION, "Issuer")
        .ok_or_else(|| SamlError::Invalid("no Issuer".into()))?;
    xml::text(issuer)
}

/// Verifies a query with the requester's certificates (from the federation metadata) and
/// reads it from the signed content: fresh, for `destination`, with a holder-of-key
/// subject.
pub fn verify_query(
    text: &str,
    requester_certs: &[Vec<u8>],
    destination: &str,
    now: OffsetDateTime,
) -> Result<AttributeQuery, AttributeQueryError> {
    let claimed = claimed_issuer(text)?;
    let signed = signature::verify_enveloped(text, requester_certs)?;
    let doc = xml::parse(&signed)?;
    let root = doc.root_element();
    check(xml::is(root, NS_PROTOCOL, "AttributeQuery"), || {
        "not a samlp:AttributeQuery".into()
    })?;
    let issuer = xml::text(
        xml::child(root, NS_ASSERTION, "Issuer")
            .ok_or_else(|| SamlError::Invalid("no Issuer".into()))?,
    )?;
    check(issuer == claimed, || {
        "the signed Issuer is not the claimed one".into()
    })?;
    let issued = parse_instant(root.attribute("IssueInstant").unwrap_or_default())?;
    check((issued - now).abs() <= SKEW, || {
        format!("the query was issued at {}", instant(issued))
    })?;
    let dest = root.attribute("Destination").unwrap_or_default();
    check(dest == destination, || {
        format!("Destination {dest:?} is not this authority")
    })?;
    let subject = xml::child(root, NS_ASSERTION, "Subject")
        .ok_or_else(|| AttributeQueryError::Check("no Subject".into()))?;
    let name_id = xml::child(subject, NS_ASSERTION, "NameID")
        .ok_or_else(|| AttributeQueryError::Check("no NameID".into()))?;
    let confirmation = xml::child(subject, NS_ASSERTION, "SubjectConfirmation")
        .filter(|c| c.attribute("Method") == Some(CM_HOLDER_OF_KEY))
        .ok_or_else(|| AttributeQueryError::Check("no holder-of-key confirmation".into()))?;
    let cert = confirmation
        .descendants()
        .find(|d| xml::is(*d, NS_DSIG, "X509Certificate"))
        .ok_or_else(|| AttributeQueryError::Check("no certificate in the confirmation".into()))?;
    let b64: String = xml::text(cert)?
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let card_certificate = STANDARD.decode(b64).map_err(|_| {
        AttributeQueryError::Check("the confirmation certificate is not base64".into())
    })?;
    let attributes = root
        .children()
        .filter(|c| xml::is(*c, NS_ASSERTION, "Attribute"))
        .filter_map(|a| a.attribute("Name").map(str::to_owned))
        .collect();
    Ok(AttributeQuery {
        id: root.attribute("ID").unwrap_or_default().to_owned(),
        issuer,
        destination: dest.to_owned(),
        issued,
        subject: QuerySubject {
            name_id: xml::text(name_id)?,
            name_qualifier: name_id
                .attribute("NameQualifier")
                .unwrap_or_default()
                .to_owned(),
            sp_name_qualifier: name_id
                .attribute("SPNameQualifier")
                .unwrap_or_default()
                .to_owned(),
            card_certificate,
        },
        attributes,
    })
}

/// The authority's answer to `q`: a signed Response with a signed assertion of
/// `attributes` about the query's subject, for the requester and the SP.
pub fn build_answer(
    q: &AttributeQuery,
    authority: &str,
    ids: (&str, &str),
    now: OffsetDateTime,
    attributes: &[Attribute],
    signer: Signer<'_>,
) -> Result<String, SamlError> {
    let (response_id, assertion_id) = ids;
    let audiences: String = [&q.issuer, &q.subject.sp_name_qualifier]
        .iter()
        .map(|a| format!("<saml:Audience>{}</saml:Audience>", escape(a)))
        .collect();
    let assertion = format!(
        concat!(
            r#"<saml:Assertion xmlns:saml="{a}" ID="{id}" Version="2.0" IssueInstant="{issued}"><saml:Issuer>{issuer}</saml:Issuer>{sig}"#,
            r#"<saml:Subject>{name_id}</saml:Subject>"#,
            r#"<saml:Conditions NotBefore="{issued}" NotOnOrAfter="{until}"><saml:AudienceRestriction>{audiences}</saml:AudienceRestriction></saml:Conditions>"#,
            r#"{statement}</saml:Assertion>"#
        ),
        a = NS_ASSERTION,
        id = escape(assertion_id),
        issued = instant(now),
        issuer = escape(authority),
        sig = signature::template(assertion_id, signer.cert_der),
        name_id = name_id_xml(&q.subject),
        until = instant(now + VALIDITY),
        audiences = audiences,
        statement = attribute_statement(attributes),
    );
    let status_xml = format!(
        r#"<samlp:Status><samlp:StatusCode Value="{}"/></samlp:Status>"#,
        status::SUCCESS
    );
    signature::sign_nested(
        &answer_envelope(
            q,
            authority,
            response_id,
            now,
            &status_xml,
            &assertion,
            signer.cert_der,
        ),
        signer.key_der,
    )
}

/// A signed error answer (`sub`: e.g. [`STATUS_UNKNOWN_PRINCIPAL`]).
pub fn build_error(
    q_id: &str,
    authority: &str,
    response_id: &str,
    now: OffsetDateTime,
    sub: &str,
    message: &str,
    signer: Signer<'_>,
) -> Result<String, SamlError> {
    let status_xml = format!(
        r#"<samlp:Status><samlp:StatusCode Value="{}"><samlp:StatusCode Value="{}"/></samlp:StatusCode><samlp:StatusMessage>{}</samlp:StatusMessage></samlp:Status>"#,
        status::REQUESTER,
        escape(sub),
        escape(message)
    );
    let irt = format!(r#" InResponseTo="{}""#, escape(q_id));
    let unsigned = format!(
        r#"<samlp:Response xmlns:samlp="{NS_PROTOCOL}" xmlns:saml="{NS_ASSERTION}" ID="{}" Version="2.0" IssueInstant="{}"{irt}><saml:Issuer>{}</saml:Issuer>{}{status_xml}</samlp:Response>"#,
        escape(response_id),
        instant(now),
        escape(authority),
        signature::template(response_id, signer.cert_der),
    );
    signature::sign(&unsigned, signer.key_der)
}

fn answer_envelope(
    q: &AttributeQuery,
    authority: &str,
    response_id: &str,
    now: OffsetDateTime,
    status_xml: &str,
    assertion: &str,
    cert_der: &[u8],
) -> String {
    format!(
        r#"<samlp:Response xmlns:samlp="{NS_PROTOCOL}" xmlns:saml="{NS_ASSERTION}" ID="{}" Version="2.0" IssueInstant="{}" InResponseTo="{}"><saml:Issuer>{}</saml:Issuer>{}{status_xml}{assertion}</samlp:Response>"#,
        escape(response_id),
        instant(now),
        escape(&q.id),
        escape(authority),
        signature::template(response_id, cert_der),
    )
}

/// Verifies the authority's answer to `q` (the requester's side): signed by the
/// authority (its certificates from the federation metadata), in response to `q`,
/// successful, with one assertion about the query's subject, for the requester.
pub fn verify_answer(
    text: &str,
    q: &AttributeQuery,
    authority: &str,
    authority_certs: &[Vec<u8>],
    now: OffsetDateTime,
) -> Result<AttributeAssertion, AttributeQueryError> {
    let signed = signature::verify_enveloped(text, authority_certs)?;
    let doc = xml::parse(&signed)?;
    let root = doc.root_element();
    check(xml::is(root, NS_PROTOCOL, "Response"), || {
        "the answer is not a samlp:Response".into()
    })?;
    check(
        root.attribute("InResponseTo") == Some(q.id.as_str()),
        || "the answer is not for this query".into(),
    )?;
    let issuer = xml::text(
        xml::child(root, NS_ASSERTION, "Issuer")
            .ok_or_else(|| SamlError::Invalid("no Issuer".into()))?,
    )?;
    check(issuer == authority, || {
        format!("the answer is from {issuer:?}, not {authority:?}")
    })?;
    let status_node = xml::child(root, NS_PROTOCOL, "Status");
    let code = status_node
        .and_then(|s| xml::child(s, NS_PROTOCOL, "StatusCode"))
        .and_then(|c| c.attribute("Value"));
    if code != Some(status::SUCCESS) {
        let sub = status_node
            .and_then(|s| xml::child(s, NS_PROTOCOL, "StatusCode"))
            .and_then(|c| xml::child(c, NS_PROTOCOL, "StatusCode"))
            .and_then(|c| c.attribute("Value"))
            .map(str::to_owned);
        let message = status_node
            .and_then(|s| xml::child(s, NS_PROTOCOL, "StatusMessage"))
            .and_then(|m| xml::text(m).ok())
            .unwrap_or_default();
        return Err(AttributeQueryError::Status {
            status: code.unwrap_or("(none)").to_owned(),
            sub,
            message,
        });
    }
    let assertions: Vec<_> = root
        .children()
        .filter(|c| xml::is(*c, NS_ASSERTION, "Assertion"))
        .collect();
    check(assertions.len() == 1, || {
        format!("{} assertions; exactly one is accepted", assertions.len())
    })?;
    // Hand on the assertion exactly as signed: its own text in the answer that verified.
    let id = assertions[0].attribute("ID").unwrap_or_default();
    let original = xml::parse(text)?;
    let node = original
        .descendants()
        .find(|d| xml::is(*d, NS_ASSERTION, "Assertion") && d.attribute("ID") == Some(id))
        .ok_or_else(|| {
            AttributeQueryError::Check("the signed assertion is not in the answer".into())
        })?;
    let assertion = verify_assertion(
        &text[node.range()],
        authority,
        authority_certs,
        &q.subject.name_id,
        &q.issuer,
        now,
    )?;
    Ok(assertion)
}

fn child<'a, 'i>(n: roxmltree::Node<'a, 'i>, name: &str) -> Option<roxmltree::Node<'a, 'i>> {
    xml::child(n, NS_ASSERTION, name)
}

/// Verifies an attribute assertion on its own (the SP's side, TF-PROXY-002): signed by
/// `authority` with its certificates from the federation metadata, about `name_id`, for
/// `audience`, current.
pub fn verify_assertion(
    text: &str,
    authority: &str,
    authority_certs: &[Vec<u8>],
    name_id: &str,
    audience: &str,
    now: OffsetDateTime,
) -> Result<AttributeAssertion, AttributeQueryError> {
    let signed = signature::verify_enveloped(text, authority_certs)?;
    let doc = xml::parse(&signed)?;
    let a = doc.root_element();
    check(xml::is(a, NS_ASSERTION, "Assertion"), || {
        "not a saml:Assertion".into()
    })?;
    let issuer = xml::text(
        child(a, "Issuer").ok_or_else(|| AttributeQueryError::Check("no Issuer".into()))?,
    )?;
    check(issuer == authority, || {
        format!("the assertion is from {issuer:?}, not {authority:?}")
    })?;
    let subject = child(a, "Subject")
        .and_then(|s| child(s, "NameID"))
        .ok_or_else(|| AttributeQueryError::Check("no NameID".into()))?;
    let subject_id = xml::text(subject)?;
    check(subject_id == name_id, || {
        "the assertion is about another subject".into()
    })?;
    let conditions =
        child(a, "Conditions").ok_or_else(|| AttributeQueryError::Check("no Conditions".into()))?;
    let before = parse_instant(conditions.attribute("NotBefore").unwrap_or_default())?;
    let until = parse_instant(conditions.attribute("NotOnOrAfter").unwrap_or_default())?;
    check(now + SKEW >= before && now < until + SKEW, || {
        format!(
            "the assertion is valid {} to {}",
            instant(before),
            instant(until)
        )
    })?;
    let audiences: Vec<String> = conditions
        .descendants()
        .filter(|d| xml::is(*d, NS_ASSERTION, "Audience"))
        .filter_map(|d| xml::text(d).ok())
        .collect();
    check(audiences.iter().any(|x| x == audience), || {
        format!("the assertion is not for {audience}")
    })?;
    let mut attributes = Vec::new();
    for st in a
        .children()
        .filter(|c| xml::is(*c, NS_ASSERTION, "AttributeStatement"))
    {
        for at in st
            .children()
            .filter(|c| xml::is(*c, NS_ASSERTION, "Attribute"))
        {
            let values = at
                .children()
                .filter(|c| xml::is(*c, NS_ASSERTION, "AttributeValue"))
                .map(xml::text)
                .collect::<Result<Vec<_>, _>>()?;
            attributes.push(AttributeValues {
                name: at.attribute("Name").unwrap_or_default().to_owned(),
                values,
            });
        }
    }
    Ok(AttributeAssertion {
        xml: text.to_owned(),
        issuer,
        name_id: subject_id,
        audiences,
        not_on_or_after: until,
        attributes,
    })
}

/// A SAML message in a SOAP 1.1 envelope.
pub fn soap_wrap(message: &str) -> String {
    format!(
        r#"<soap11:Envelope xmlns:soap11="{NS_SOAP11}"><soap11:Body>{message}</soap11:Body></soap11:Envelope>"#
    )
}

/// The one element in a SOAP 1.1 envelope's Body, as its own text (it must declare its
/// own namespaces: only what it says is used).
pub fn soap_unwrap(envelope: &str) -> Result<&str, SamlError> {
    let doc = xml::parse(envelope)?;
    let root = doc.root_element();
    if !xml::is(root, NS_SOAP11, "Envelope") {
        return Err(SamlError::Invalid("not a SOAP 1.1 envelope".into()));
    }
    let body = xml::child(root, NS_SOAP11, "Body")
        .ok_or_else(|| SamlError::Invalid("no SOAP Body".into()))?;
    let mut elements = body.children().filter(|c| c.is_element());
    let (Some(one), None) = (elements.next(), elements.next()) else {
        return Err(SamlError::Invalid(
            "the SOAP Body must hold exactly one element".into(),
        ));
    };
    let text = &envelope[one.range()];
    xml::parse(text).map_err(|e| {
        SamlError::Invalid(format!("the SOAP Body's element does not stand alone: {e}"))
    })?;
    Ok(text)
}
