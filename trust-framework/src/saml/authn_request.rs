//! AuthnRequest (SAML Core §3.4.1): parsing what SPs send, building what our SPs send.

use time::OffsetDateTime;

use super::constants::{NS_ASSERTION, NS_PROTOCOL};
use super::xml::{self, escape, instant};
use super::SamlError;
use crate::ids::EntityId;

/// RequestedAuthnContext.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestedAuthnContext {
    /// Comparison (default `exact`).
    pub comparison: String,
    /// AuthnContextClassRef values.
    pub classes: Vec<String>,
}

/// The fields of an AuthnRequest the IdP acts on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthnRequest {
    /// ID (echoed as InResponseTo).
    pub id: String,
    /// Issuer: the SP.
    pub issuer: EntityId,
    /// IssueInstant.
    pub issue_instant: OffsetDateTime,
    /// Destination, if given.
    pub destination: Option<String>,
    /// AssertionConsumerServiceURL, if given.
    pub acs_url: Option<String>,
    /// AssertionConsumerServiceIndex, if given.
    pub acs_index: Option<u16>,
    /// ProtocolBinding, if given.
    pub protocol_binding: Option<String>,
    /// ForceAuthn.
    pub force_authn: bool,
    /// IsPassive.
    pub is_passive: bool,
    /// NameIDPolicy/@Format.
    pub name_id_format: Option<String>,
    /// RequestedAuthnContext.
    pub requested_authn_context: Option<RequestedAuthnContext>,
    /// AttributeConsumingServiceIndex, if given.
    pub attribute_consuming_service_index: Option<u16>,
}

fn boolean(node: roxmltree::Node<'_, '_>, name: &str) -> Result<bool, SamlError> {
    match node.attribute(name) {
        None | Some("false") | Some("0") => Ok(false),
        Some("true") | Some("1") => Ok(true),
        Some(other) => Err(SamlError::Invalid(format!(
            "{name}={other:?} is not a boolean"
        ))),
    }
}

/// Parses an AuthnRequest (already decoded from its binding).
pub fn parse(xml_text: &str) -> Result<AuthnRequest, SamlError> {
    let doc = xml::parse(xml_text)?;
    let root = doc.root_element();
    if !xml::is(root, NS_PROTOCOL, "AuthnRequest") {
        return Err(SamlError::Invalid(format!(
            "root element is {:?}, not samlp:AuthnRequest",
            root.tag_name().name()
        )));
    }
    if root.attribute("Version") != Some("2.0") {
        return Err(SamlError::Invalid("Version is not 2.0".into()));
    }
    let id = root
        .attribute("ID")
        .filter(|id| !id.is_empty())
        .ok_or_else(|| SamlError::Invalid("no ID".into()))?;
    let issue_instant = xml::parse_instant(
        root.attribute("IssueInstant")
            .ok_or_else(|| SamlError::Invalid("no IssueInstant".into()))?,
    )?;
    // Web SSO profile §4.1.4.1: the Issuer MUST be present.
    let issuer_node = xml::child(root, NS_ASSERTION, "Issuer")
        .ok_or_else(|| SamlError::Invalid("no Issuer".into()))?;
    let issuer =
        EntityId::new(&xml::text(issuer_node)?).map_err(|e| SamlError::Invalid(e.to_string()))?;
    let acs_index = root
        .attribute("AssertionConsumerServiceIndex")
        .map(|i| {
            i.parse::<u16>().map_err(|_| {
                SamlError::Invalid("AssertionConsumerServiceIndex is not a number".into())
            })
        })
        .transpose()?;
    let attribute_consuming_service_index = root
        .attribute("AttributeConsumingServiceIndex")
        .map(|i| {
            i.parse::<u16>().map_err(|_| {
                SamlError::Invalid("AttributeConsumingServiceIndex is not a number".into())
            })
        })
        .transpose()?;
    let name_id_format = xml::child(root, NS_PROTOCOL, "NameIDPolicy")
        .and_then(|n| n.attribute("Format"))
        .map(str::to_owned);
    let requested_authn_context = match xml::child(root, NS_PROTOCOL, "RequestedAuthnContext") {
        None => None,
        Some(rac) => Some(RequestedAuthnContext {
            comparison: rac.attribute("Comparison").unwrap_or("exact").to_owned(),
            classes: rac
                .children()
                .filter(|c| xml::is(*c, NS_ASSERTION, "AuthnContextClassRef"))
                .map(xml::text)
                .collect::<Result<_, _>>()?,
        }),
    };
    Ok(AuthnRequest {
        id: id.to_owned(),
        issuer,
        issue_instant,
        destination: root.attribute("Destination").map(str::to_owned),
        acs_url: root
            .attribute("AssertionConsumerServiceURL")
            .map(str::to_owned),
        acs_index,
        protocol_binding: root.attribute("ProtocolBinding").map(str::to_owned),
        force_authn: boolean(root, "ForceAuthn")?,
        is_passive: boolean(root, "IsPassive")?,
        name_id_format,
        requested_authn_context,
        attribute_consuming_service_index,
    })
}

/// What an SP puts in an AuthnRequest it builds.
#[derive(Clone, Debug)]
pub struct NewAuthnRequest<'a> {
    /// ID.
    pub id: &'a str,
    /// The SP.
    pub issuer: &'a str,
    /// The IdP's SSO URL.
    pub destination: &'a str,
    /// Where the Response goes.
    pub acs_url: &'a str,
    /// When.
    pub issue_instant: OffsetDateTime,
    /// ForceAuthn.
    pub force_authn: bool,
    /// IsPassive.
    pub is_passive: bool,
    /// Requested class (exact), if any.
    pub authn_context_class: Option<&'a str>,
    /// AttributeConsumingServiceIndex: which of the SP's attribute sets it asks for.
    pub attribute_consuming_service_index: Option<u16>,
}

/// Builds an AuthnRequest asking for a persistent NameID and an HTTP-POST response.
pub fn build(r: &NewAuthnRequest<'_>) -> String {
    let rac = r
        .authn_context_class
        .map(|c| format!(r#"<samlp:RequestedAuthnContext Comparison="exact"><saml:AuthnContextClassRef>{}</saml:AuthnContextClassRef></samlp:RequestedAuthnContext>"#, escape(c)))
        .unwrap_or_default();
    let acs_index = r
        .attribute_consuming_service_index
        .map(|i| format!(r#" AttributeConsumingServiceIndex="{i}""#))
        .unwrap_or_default();
    format!(
        r#"<samlp:AuthnRequest xmlns:samlp="{NS_PROTOCOL}" xmlns:saml="{NS_ASSERTION}" ID="{}" Version="2.0" IssueInstant="{}" Destination="{}" AssertionConsumerServiceURL="{}" ProtocolBinding="{}" ForceAuthn="{}" IsPassive="{}"{acs_index}><saml:Issuer>{}</saml:Issuer><samlp:NameIDPolicy Format="{}" AllowCreate="true"/>{rac}</samlp:AuthnRequest>"#,
        escape(r.id),
        instant(r.issue_instant),
        escape(r.destination),
        escape(r.acs_url),
        super::constants::BINDING_POST,
        r.force_authn,
        r.is_passive,
        escape(r.issuer),
        crate::pairwise::NAMEID_FORMAT_PERSISTENT,
    )
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn builds_and_parses() {
        let xml = build(&NewAuthnRequest {
            id: "_abc",
            issuer: "http://127.0.0.1:9000/sp",
            destination: "http://127.0.0.1:8000/sso",
            acs_url: "http://127.0.0.1:9000/acs",
            issue_instant: datetime!(2026-11-24 03:00 UTC),
            force_authn: true,
            is_passive: false,
            authn_context_class: Some(super::super::constants::AC_JPKI_USER_AUTH),
            attribute_consuming_service_index: Some(1),
        });
        let r = parse(&xml).unwrap();
        assert_eq!(r.attribute_consuming_service_index, Some(1));
        assert_eq!(r.id, "_abc");
        assert_eq!(r.issuer.as_str(), "http://127.0.0.1:9000/sp");
        assert_eq!(r.acs_url.as_deref(), Some("http://127.0.0.1:9000/acs"));
        assert!(r.force_authn && !r.is_passive);
        assert_eq!(
            r.requested_authn_context.unwrap().classes,
            vec![super::super::constants::AC_JPKI_USER_AUTH.to_owned()]
        );
    }

    #[test]
    fn refuses_what_is_not_an_authn_request() {
        assert!(parse("<x/>").is_err());
        let no_issuer = r#"<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_a" Version="2.0" IssueInstant="2026-11-24T03:00:00Z"/>"#;
        assert!(matches!(parse(no_issuer), Err(SamlError::Invalid(m)) if m == "no Issuer"));
        let comment = r#"<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_a" Version="2.0" IssueInstant="2026-11-24T03:00:00Z"><saml:Issuer>http://a<!-- -->/sp</saml:Issuer></samlp:AuthnRequest>"#;
        assert!(parse(comment).is_err());
    }
}
