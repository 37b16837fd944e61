//! SAML metadata (SAML Metadata §2): reading SP descriptors, writing the IdP's.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

use super::constants::{BINDING_POST, BINDING_REDIRECT, NS_DSIG, NS_METADATA};
use super::xml::{self, escape};
use super::SamlError;
use crate::ids::EntityId;
use crate::pairwise::NAMEID_FORMAT_PERSISTENT;

/// An endpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    /// Binding URI.
    pub binding: String,
    /// Location URL.
    pub location: String,
    /// index (indexed endpoints).
    pub index: Option<u16>,
    /// isDefault.
    pub is_default: bool,
}

/// What the IdP needs to know about an SP.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpMetadata {
    /// entityID.
    pub entity_id: EntityId,
    /// AssertionConsumerService endpoints.
    pub acs: Vec<Endpoint>,
    /// SingleLogoutService endpoints.
    pub slo: Vec<Endpoint>,
    /// Signing certificates (DER).
    pub signing_certs: Vec<Vec<u8>>,
    /// AuthnRequestsSigned.
    pub authn_requests_signed: bool,
    /// WantAssertionsSigned.
    pub want_assertions_signed: bool,
}

impl SpMetadata {
    /// The ACS for a request: its URL if it is exactly one of the registered ones (TF-IDP:
    /// no open redirect), its index, or the default.
    pub fn acs_for(&self, url: Option<&str>, index: Option<u16>) -> Option<&Endpoint> {
        let post = |e: &&Endpoint| e.binding == BINDING_POST;
        match (url, index) {
            (Some(u), _) => self.acs.iter().filter(post).find(|e| e.location == u),
            (None, Some(i)) => self.acs.iter().filter(post).find(|e| e.index == Some(i)),
            (None, None) => self
                .acs
                .iter()
                .filter(post)
                .find(|e| e.is_default)
                .or_else(|| self.acs.iter().find(post)),
        }
    }
}

fn endpoints(node: roxmltree::Node<'_, '_>, name: &str) -> Result<Vec<Endpoint>, SamlError> {
    node.children()
        .filter(|c| xml::is(*c, NS_METADATA, name))
        .map(|e| {
            Ok(Endpoint {
                binding: e
                    .attribute("Binding")
                    .ok_or_else(|| SamlError::Invalid(format!("{name} without Binding")))?
                    .to_owned(),
                location: e
                    .attribute("Location")
                    .ok_or_else(|| SamlError::Invalid(format!("{name} without Location")))?
                    .to_owned(),
                index: e.attribute("index").and_then(|i| i.parse().ok()),
                is_default: e.attribute("isDefault") == Some("true"),
            })
        })
        .collect()
}

fn signing_certs(role: roxmltree::Node<'_, '_>) -> Result<Vec<Vec<u8>>, SamlError> {
    let mut out = Vec::new();
    for kd in role
        .children()
        .filter(|c| xml::is(*c, NS_METADATA, "KeyDescriptor"))
    {
        if kd.attribute("use").is_some_and(|u| u != "signing") {
            continue;
        }
        for cert in kd
            .descendants()
            .filter(|d| xml::is(*d, NS_DSIG, "X509Certificate"))
        {
            let b64: String = xml::text(cert)?
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect();
            out.push(
                STANDARD
                    .decode(b64)
                    .map_err(|_| SamlError::Malformed("X509Certificate is not base64".into()))?,
            );
        }
    }
    Ok(out)
}

/// Reads every SP in an EntityDescriptor or EntitiesDescriptor.
pub fn parse_sps(text: &str) -> Result<Vec<SpMetadata>, SamlError> {
    let doc = xml::parse(text)?;
    let root = doc.root_element();
    let entities: Vec<_> = if xml::is(root, NS_METADATA, "EntityDescriptor") {
        vec![root]
    } else if xml::is(root, NS_METADATA, "EntitiesDescriptor") {
        root.descendants()
            .filter(|d| xml::is(*d, NS_METADATA, "EntityDescriptor"))
            .collect()
    } else {
        return Err(SamlError::Invalid("not SAML metadata".into()));
    };
    let mut out = Vec::new();
    for e in entities {
        let Some(sp) = xml::child(e, NS_METADATA, "SPSSODescriptor") else {
            continue;
        };
        let entity_id = EntityId::new(e.attribute("entityID").unwrap_or_default())
            .map_err(|err| SamlError::Invalid(err.to_string()))?;
        out.push(SpMetadata {
            entity_id,
            acs: endpoints(sp, "AssertionConsumerService")?,
            slo: endpoints(sp, "SingleLogoutService")?,
            signing_certs: signing_certs(sp)?,
            authn_requests_signed: sp.attribute("AuthnRequestsSigned") == Some("true"),
            want_assertions_signed: sp.attribute("WantAssertionsSigned") == Some("true"),
        });
    }
    Ok(out)
}

/// What the IdP publishes.
#[derive(Clone, Debug)]
pub struct IdpDescriptor {
    /// entityID.
    pub entity_id: String,
    /// SSO endpoint URL (Redirect and POST).
    pub sso_url: String,
    /// SLO endpoint URL (Redirect).
    pub slo_url: String,
    /// Signing certificate (DER).
    pub signing_cert: Vec<u8>,
}

/// The IdP's EntityDescriptor.
pub fn idp_metadata(d: &IdpDescriptor) -> String {
    let cert = STANDARD.encode(&d.signing_cert);
    format!(
        concat!(
            r#"<md:EntityDescriptor xmlns:md="{md}" xmlns:ds="{ds}" entityID="{eid}">"#,
            r#"<md:IDPSSODescriptor WantAuthnRequestsSigned="false" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">"#,
            r#"<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{cert}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"#,
            r#"<md:SingleLogoutService Binding="{redirect}" Location="{slo}"/>"#,
            r#"<md:NameIDFormat>{fmt}</md:NameIDFormat>"#,
            r#"<md:SingleSignOnService Binding="{redirect}" Location="{sso}"/>"#,
            r#"<md:SingleSignOnService Binding="{post}" Location="{sso}"/>"#,
            r#"</md:IDPSSODescriptor></md:EntityDescriptor>"#
        ),
        md = NS_METADATA,
        ds = NS_DSIG,
        eid = escape(&d.entity_id),
        cert = cert,
        redirect = BINDING_REDIRECT,
        post = BINDING_POST,
        slo = escape(&d.slo_url),
        sso = escape(&d.sso_url),
        fmt = NAMEID_FORMAT_PERSISTENT,
    )
}
