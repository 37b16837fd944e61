//! The golden Response and every knob a test turns: each field of the Response and its
//! Assertion can be changed or left out, the signature's algorithms, key and KeyInfo can
//! be chosen, and text can be given raw (to inject comments or markup). Messages are
//! written as text and signed with xmlsec through `trust_framework::saml::signature`.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use time::{Duration, OffsetDateTime};
use trust_framework::saml::constants::{
    status, ALG_ENVELOPED, ALG_EXC_C14N, ALG_RSA_SHA256, ALG_SHA256, CM_BEARER, NS_ASSERTION,
    NS_DSIG, NS_PROTOCOL,
};
use trust_framework::saml::signature;
use trust_framework::saml::xml::{escape, instant};

use crate::CraftError;

/// RSA-SHA1 (forbidden by the profile).
pub const ALG_RSA_SHA1: &str = "http://www.w3.org/2000/09/xmldsig#rsa-sha1";
/// SHA-1 digest (forbidden by the profile).
pub const ALG_SHA1: &str = "http://www.w3.org/2000/09/xmldsig#sha1";
/// Inclusive C14N with comments.
pub const ALG_C14N_WITH_COMMENTS: &str =
    "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments";
/// The persistent NameID format.
pub const NAMEID_PERSISTENT: &str = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent";

/// A key and its certificate (DER).
#[derive(Clone, Debug)]
pub struct Key {
    /// PKCS#8 DER.
    pub key_der: Vec<u8>,
    /// The certificate.
    pub cert_der: Vec<u8>,
}

/// What goes in KeyInfo.
#[derive(Clone, Debug)]
pub enum KeyInfo {
    /// An X509Certificate.
    Certificate(Vec<u8>),
    /// The raw public key (KeyValue), filled in by xmlsec.
    KeyValue,
    /// Nothing.
    None,
}

/// How one element is signed.
#[derive(Clone, Debug)]
pub struct SignSpec {
    /// SignatureMethod.
    pub method: String,
    /// DigestMethod.
    pub digest: String,
    /// The canonicalisation transforms after enveloped-signature (and CanonicalizationMethod).
    pub c14n: String,
    /// Extra transforms appended (their Algorithm URIs).
    pub extra_transforms: Vec<String>,
    /// Extra transforms put before the enveloped-signature one.
    pub leading_transforms: Vec<String>,
    /// The key that signs.
    pub key: Key,
    /// KeyInfo.
    pub key_info: KeyInfo,
}

impl SignSpec {
    /// The profile's signature (RSA-SHA256, SHA-256, exc-c14n) with `key`, its certificate
    /// in KeyInfo.
    pub fn standard(key: &Key) -> Self {
        Self {
            method: ALG_RSA_SHA256.to_owned(),
            digest: ALG_SHA256.to_owned(),
            c14n: ALG_EXC_C14N.to_owned(),
            extra_transforms: Vec::new(),
            leading_transforms: Vec::new(),
            key: key.clone(),
            key_info: KeyInfo::Certificate(key.cert_der.clone()),
        }
    }

    /// A `<ds:Signature>` template over `#id`.
    pub fn template(&self, id: &str) -> String {
        let key_info = match &self.key_info {
            KeyInfo::Certificate(der) => format!(
                "<ds:KeyInfo><ds:X509Data><ds:X509Certificate>{}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>",
                STANDARD.encode(der)
            ),
            KeyInfo::KeyValue => "<ds:KeyInfo><ds:KeyValue/></ds:KeyInfo>".to_owned(),
            KeyInfo::None => String::new(),
        };
        let transforms = |list: &[String]| -> String {
            list.iter()
                .map(|t| format!(r#"<ds:Transform Algorithm="{}"/>"#, escape(t)))
                .collect()
        };
        let (lead, extra) = (
            transforms(&self.leading_transforms),
            transforms(&self.extra_transforms),
        );
        format!(
            concat!(
                r#"<ds:Signature xmlns:ds="{ns}"><ds:SignedInfo>"#,
                r#"<ds:CanonicalizationMethod Algorithm="{c14n}"/><ds:SignatureMethod Algorithm="{alg}"/>"#,
                r##"<ds:Reference URI="#{id}"><ds:Transforms>{lead}<ds:Transform Algorithm="{env}"/><ds:Transform Algorithm="{c14n}"/>{extra}</ds:Transforms>"##,
                r#"<ds:DigestMethod Algorithm="{digest}"/><ds:DigestValue></ds:DigestValue></ds:Reference></ds:SignedInfo>"#,
                r#"<ds:SignatureValue></ds:SignatureValue>{key_info}</ds:Signature>"#
            ),
            ns = NS_DSIG,
            c14n = escape(&self.c14n),
            alg = escape(&self.method),
            env = ALG_ENVELOPED,
            id = escape(id),
            lead = lead,
            extra = extra,
            digest = escape(&self.digest),
            key_info = key_info,
        )
    }
}

/// Which of the two elements are signed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signing {
    /// The Assertion only.
    Assertion,
    /// The Response only.
    Response,
    /// Both (the profile's default, TF-IDP-006).
    Both,
    /// Neither.
    None,
}

/// Every field of the golden Response, each changeable.
#[derive(Clone, Debug)]
pub struct Knobs {
    /// Response ID.
    pub response_id: String,
    /// Assertion ID.
    pub assertion_id: String,
    /// Response Issuer (`None`: left out).
    pub response_issuer: Option<String>,
    /// Assertion Issuer, raw XML text content.
    pub assertion_issuer_raw: String,
    /// The Issuer's Format attribute, if any.
    pub issuer_format: Option<String>,
    /// Response Destination.
    pub destination: Option<String>,
    /// Response InResponseTo.
    pub in_response_to: Option<String>,
    /// SubjectConfirmationData InResponseTo.
    pub sc_in_response_to: Option<String>,
    /// Top-level status code and an optional second-level one.
    pub status: (String, Option<String>),
    /// Response and Assertion IssueInstant.
    pub issued: OffsetDateTime,
    /// Version of both.
    pub version: String,
    /// NameID, raw XML content (escaped by the caller; may carry injected markup).
    pub name_id_raw: String,
    /// NameID Format.
    pub name_id_format: String,
    /// SubjectConfirmation Method (`None`: no SubjectConfirmation).
    pub sc_method: Option<String>,
    /// SubjectConfirmationData Recipient.
    pub recipient: Option<String>,
    /// SubjectConfirmationData NotOnOrAfter.
    pub sc_not_on_or_after: Option<OffsetDateTime>,
    /// Conditions NotBefore.
    pub not_before: Option<OffsetDateTime>,
    /// Conditions NotOnOrAfter.
    pub not_on_or_after: Option<OffsetDateTime>,
    /// Audiences (`None`: no AudienceRestriction).
    pub audiences: Option<Vec<String>>,
    /// AuthnContextClassRef.
    pub authn_class: String,
    /// Attributes: name and raw value XML.
    pub attributes: Vec<(String, String)>,
}

/// What the golden Response is made from: the captured request and the suite's IdP.
#[derive(Clone, Debug)]
pub struct Golden {
    /// The suite IdP's entityID.
    pub idp: String,
    /// The SP's entityID.
    pub sp: String,
    /// The ACS the Response is posted to.
    pub acs: String,
    /// The AuthnRequest's ID.
    pub request_id: String,
    /// The AuthnContext class to assert.
    pub authn_class: String,
    /// Now.
    pub now: OffsetDateTime,
}

/// A fresh message ID.
pub(crate) fn new_id() -> String {
    use rand::RngCore;
    let mut b = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut b);
    format!("_{}", hex::encode(b))
}

impl Golden {
    /// The knobs of the golden Response for `name_id` (already valid XML text).
    pub fn knobs(&self, name_id: &str) -> Knobs {
        Knobs {
            response_id: new_id(),
            assertion_id: new_id(),
            response_issuer: Some(escape(&self.idp)),
            assertion_issuer_raw: escape(&self.idp),
            issuer_format: None,
            destination: Some(self.acs.clone()),
            in_response_to: Some(self.request_id.clone()),
            sc_in_response_to: Some(self.request_id.clone()),
            status: (status::SUCCESS.to_owned(), None),
            issued: self.now,
            version: "2.0".to_owned(),
            name_id_raw: escape(name_id),
            name_id_format: NAMEID_PERSISTENT.to_owned(),
            sc_method: Some(CM_BEARER.to_owned()),
            recipient: Some(self.acs.clone()),
            sc_not_on_or_after: Some(self.now + Duration::minutes(5)),
            not_before: Some(self.now - Duration::seconds(30)),
            not_on_or_after: Some(self.now + Duration::minutes(5)),
            audiences: Some(vec![self.sp.clone()]),
            authn_class: self.authn_class.clone(),
            attributes: vec![(
                "urn:mnctf:attr:authn-channel".to_owned(),
                "direct".to_owned(),
            )],
        }
    }
}

fn opt_attr(name: &str, value: Option<&String>) -> String {
    value
        .map(|v| format!(r#" {name}="{}""#, escape(v)))
        .unwrap_or_default()
}

fn opt_instant(name: &str, value: Option<OffsetDateTime>) -> String {
    value
        .map(|v| format!(r#" {name}="{}""#, instant(v)))
        .unwrap_or_default()
}

/// The Assertion, with `signature` (a template or nothing) after its Issuer.
pub fn assertion(k: &Knobs, signature: &str) -> String {
    let issuer_format = opt_attr("Format", k.issuer_format.as_ref());
    let confirmation = match &k.sc_method {
        Some(method) => format!(
            r#"<saml:SubjectConfirmation Method="{}"><saml:SubjectConfirmationData{}{}{}/></saml:SubjectConfirmation>"#,
            escape(method),
            opt_instant("NotOnOrAfter", k.sc_not_on_or_after),
            opt_attr("Recipient", k.recipient.as_ref()),
            opt_attr("InResponseTo", k.sc_in_response_to.as_ref()),
        ),
        None => String::new(),
    };
    let audiences = match &k.audiences {
        Some(list) => {
            let a: String = list
                .iter()
                .map(|x| format!("<saml:Audience>{}</saml:Audience>", escape(x)))
                .collect();
            format!("<saml:AudienceRestriction>{a}</saml:AudienceRestriction>")
        }
        None => String::new(),
    };
    let attributes: String = if k.attributes.is_empty() {
        String::new()
    } else {
        let list: String = k
            .attributes
            .iter()
            .map(|(n, v)| format!(r#"<saml:Attribute Name="{}" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri"><saml:AttributeValue>{v}</saml:AttributeValue></saml:Attribute>"#, escape(n)))
            .collect();
        format!("<saml:AttributeStatement>{list}</saml:AttributeStatement>")
    };
    format!(
        concat!(
            r#"<saml:Assertion xmlns:saml="{a}" ID="{id}" Version="{v}" IssueInstant="{issued}">"#,
            r#"<saml:Issuer{ifmt}>{issuer}</saml:Issuer>{sig}"#,
            r#"<saml:Subject><saml:NameID Format="{fmt}">{name_id}</saml:NameID>{confirmation}</saml:Subject>"#,
            r#"<saml:Conditions{nb}{noa}>{audiences}</saml:Conditions>"#,
            r#"<saml:AuthnStatement AuthnInstant="{issued}" SessionIndex="{session}"><saml:AuthnContext><saml:AuthnContextClassRef>{class}</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>"#,
            "{attributes}</saml:Assertion>"
        ),
        a = NS_ASSERTION,
        id = escape(&k.assertion_id),
        v = escape(&k.version),
        issued = instant(k.issued),
        ifmt = issuer_format,
        issuer = k.assertion_issuer_raw,
        sig = signature,
        fmt = escape(&k.name_id_format),
        name_id = k.name_id_raw,
        confirmation = confirmation,
        nb = opt_instant("NotBefore", k.not_before),
        noa = opt_instant("NotOnOrAfter", k.not_on_or_after),
        audiences = audiences,
        session = escape(&k.assertion_id),
        class = escape(&k.authn_class),
        attributes = attributes,
    )
}

/// The Response around `inner` (assertions and anything else), `signature` after Issuer.
pub fn response(k: &Knobs, signature: &str, inner: &str) -> String {
    let sub = k
        .status
        .1
        .as_ref()
        .map(|s| format!(r#"<samlp:StatusCode Value="{}"/>"#, escape(s)))
        .unwrap_or_default();
    let issuer = k
        .response_issuer
        .as_ref()
        .map(|i| {
            format!(
                "<saml:Issuer{}>{i}</saml:Issuer>",
                opt_attr("Format", k.issuer_format.as_ref())
            )
        })
        .unwrap_or_default();
    format!(
        r#"<samlp:Response xmlns:samlp="{NS_PROTOCOL}" xmlns:saml="{NS_ASSERTION}" ID="{}" Version="{}" IssueInstant="{}"{}{}>{issuer}{signature}<samlp:Status><samlp:StatusCode Value="{}">{sub}</samlp:StatusCode></samlp:Status>{inner}</samlp:Response>"#,
        escape(&k.response_id),
        escape(&k.version),
        instant(k.issued),
        opt_attr("Destination", k.destination.as_ref()),
        opt_attr("InResponseTo", k.in_response_to.as_ref()),
        escape(&k.status.0),
    )
}

/// Signs the first signature template of `xml` as `spec` says.
pub fn sign(xml: &str, spec: &SignSpec) -> Result<String, CraftError> {
    signature::sign(xml, &spec.key.key_der).map_err(|e| CraftError(format!("signing: {e}")))
}

/// The signed Assertion as the IdP would send it.
pub fn signed_assertion(k: &Knobs, spec: &SignSpec) -> Result<String, CraftError> {
    sign(&assertion(k, &spec.template(&k.assertion_id)), spec)
}

/// The whole Response, signed per `signing`, with `spec` for each signature.
pub fn build(k: &Knobs, signing: Signing, spec: &SignSpec) -> Result<String, CraftError> {
    let inner = match signing {
        Signing::Assertion | Signing::Both => signed_assertion(k, spec)?,
        Signing::Response | Signing::None => assertion(k, ""),
    };
    wrap(k, signing, spec, &inner)
}

/// The Response around `inner`, signed if `signing` says the Response is.
pub fn wrap(
    k: &Knobs,
    signing: Signing,
    spec: &SignSpec,
    inner: &str,
) -> Result<String, CraftError> {
    match signing {
        Signing::Response | Signing::Both => {
            sign(&response(k, &spec.template(&k.response_id), inner), spec)
        }
        Signing::Assertion | Signing::None => Ok(response(k, "", inner)),
    }
}
