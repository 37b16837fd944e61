//! SAML metadata (SAML Metadata §2): reading SP descriptors, writing the IdP's.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

use super::constants::{
    ASSURANCE_CERTIFICATION, BINDING_POST, BINDING_REDIRECT, BINDING_SOAP, ENTITY_CATEGORY,
    NS_ASSERTION, NS_DSIG, NS_MDATTR, NS_MDUI, NS_METADATA,
};
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
    /// Encryption certificates (DER): KeyDescriptors for encryption or without `use`.
    pub encryption_certs: Vec<Vec<u8>>,
    /// AuthnRequestsSigned.
    pub authn_requests_signed: bool,
    /// WantAssertionsSigned.
    pub want_assertions_signed: bool,
    /// AttributeConsumingService: index → the attribute names it requests.
    pub attribute_services: Vec<(u16, Vec<String>)>,
    /// mdui:DisplayName: (language, the name people see).
    pub display_names: Vec<(String, String)>,
}

impl SpMetadata {
    /// The name people see in `lang`, if the metadata gives one.
    pub fn display_name(&self, lang: &str) -> Option<&str> {
        self.display_names
            .iter()
            .find(|(l, _)| l == lang)
            .map(|(_, name)| name.as_str())
    }

    /// The attributes the SP's AttributeConsumingService `index` requests.
    pub fn requested_attributes(&self, index: u16) -> &[String] {
        self.attribute_services
            .iter()
            .find(|(i, _)| *i == index)
            .map_or(&[], |(_, names)| names.as_slice())
    }

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
    certs(role, "signing")
}

/// The certificates of the role's KeyDescriptors for `usage` (a KeyDescriptor without
/// `use` is for both, SAML metadata §2.4.1.1).
fn certs(role: roxmltree::Node<'_, '_>, usage: &str) -> Result<Vec<Vec<u8>>, SamlError> {
    let mut out = Vec::new();
    for kd in role
        .children()
        .filter(|c| xml::is(*c, NS_METADATA, "KeyDescriptor"))
    {
        if kd.attribute("use").is_some_and(|u| u != usage) {
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

/// What an SP (or the platform as a hub) needs to know about an IdP.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdpMetadata {
    /// entityID.
    pub entity_id: EntityId,
    /// SingleSignOnService endpoints.
    pub sso: Vec<Endpoint>,
    /// SingleLogoutService endpoints.
    pub slo: Vec<Endpoint>,
    /// Signing certificates (DER).
    pub signing_certs: Vec<Vec<u8>>,
    /// mdui:DisplayName: (language, the name people see).
    pub display_names: Vec<(String, String)>,
}

impl IdpMetadata {
    /// The name people see in `lang`, if the metadata gives one.
    pub fn display_name(&self, lang: &str) -> Option<&str> {
        self.display_names
            .iter()
            .find(|(l, _)| l == lang)
            .map(|(_, name)| name.as_str())
    }

    /// The location of the first SSO endpoint with `binding`.
    pub fn sso_location(&self, binding: &str) -> Option<&str> {
        first_location(&self.sso, binding)
    }

    /// The location of the first SLO endpoint with `binding`.
    pub fn slo_location(&self, binding: &str) -> Option<&str> {
        first_location(&self.slo, binding)
    }
}

fn first_location<'a>(endpoints: &'a [Endpoint], binding: &str) -> Option<&'a str> {
    endpoints
        .iter()
        .find(|e| e.binding == binding)
        .map(|e| e.location.as_str())
}

/// What a requester needs to know about an attribute authority (SAML Metadata §2.4.7).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttributeAuthorityMetadata {
    /// entityID.
    pub entity_id: EntityId,
    /// The SOAP AttributeService location.
    pub soap_url: String,
    /// Signing certificates (DER).
    pub signing_certs: Vec<Vec<u8>>,
}

/// One party of a metadata document: its roles, and the entity attributes (categories,
/// assurance) a federation operator registered for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entity {
    /// entityID.
    pub entity_id: EntityId,
    /// Entity categories (`http://macedir.org/entity-category`).
    pub categories: Vec<String>,
    /// Assurance certifications (`urn:oasis:names:tc:SAML:attribute:assurance-certification`).
    pub assurance: Vec<String>,
    /// Its SP role.
    pub sp: Option<SpMetadata>,
    /// Its IdP role.
    pub idp: Option<IdpMetadata>,
    /// Its attribute-authority role.
    pub attribute_authority: Option<AttributeAuthorityMetadata>,
}

impl Entity {
    /// Whether the operator registered category `uri` for it.
    pub fn has_category(&self, uri: &str) -> bool {
        self.categories.iter().any(|c| c == uri)
    }
}

/// The values of the entity attribute `name` in an EntityDescriptor's Extensions.
fn entity_attribute(entity: roxmltree::Node<'_, '_>, name: &str) -> Result<Vec<String>, SamlError> {
    let Some(ext) = xml::child(entity, NS_METADATA, "Extensions") else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for attrs in ext
        .children()
        .filter(|c| xml::is(*c, NS_MDATTR, "EntityAttributes"))
    {
        for a in attrs
            .children()
            .filter(|c| xml::is(*c, NS_ASSERTION, "Attribute") && c.attribute("Name") == Some(name))
        {
            for v in a
                .children()
                .filter(|c| xml::is(*c, NS_ASSERTION, "AttributeValue"))
            {
                out.push(xml::text(v)?);
            }
        }
    }
    Ok(out)
}

fn entity_nodes<'a, 'i>(
    doc: &'a roxmltree::Document<'i>,
) -> Result<Vec<roxmltree::Node<'a, 'i>>, SamlError> {
    let root = doc.root_element();
    if xml::is(root, NS_METADATA, "EntityDescriptor") {
        Ok(vec![root])
    } else if xml::is(root, NS_METADATA, "EntitiesDescriptor") {
        Ok(root
            .descendants()
            .filter(|d| xml::is(*d, NS_METADATA, "EntityDescriptor"))
            .collect())
    } else {
        Err(SamlError::Invalid("not SAML metadata".into()))
    }
}

fn entity(e: roxmltree::Node<'_, '_>) -> Result<Entity, SamlError> {
    let entity_id = EntityId::new(e.attribute("entityID").unwrap_or_default())
        .map_err(|err| SamlError::Invalid(err.to_string()))?;
    let sp = match xml::child(e, NS_METADATA, "SPSSODescriptor") {
        Some(sp) => Some(SpMetadata {
            entity_id: entity_id.clone(),
            acs: endpoints(sp, "AssertionConsumerService")?,
            slo: endpoints(sp, "SingleLogoutService")?,
            signing_certs: signing_certs(sp)?,
            encryption_certs: certs(sp, "encryption")?,
            authn_requests_signed: sp.attribute("AuthnRequestsSigned") == Some("true"),
            want_assertions_signed: sp.attribute("WantAssertionsSigned") == Some("true"),
            attribute_services: attribute_services(sp),
            display_names: display_names(sp),
        }),
        None => None,
    };
    let attribute_authority = match xml::child(e, NS_METADATA, "AttributeAuthorityDescriptor") {
        Some(aa) => endpoints(aa, "AttributeService")?
            .into_iter()
            .find(|s| s.binding == BINDING_SOAP)
            .map(|s| -> Result<_, SamlError> {
                Ok(AttributeAuthorityMetadata {
                    entity_id: entity_id.clone(),
                    soap_url: s.location,
                    signing_certs: signing_certs(aa)?,
                })
            })
            .transpose()?,
        None => None,
    };
    let idp = match xml::child(e, NS_METADATA, "IDPSSODescriptor") {
        Some(idp) => Some(IdpMetadata {
            entity_id: entity_id.clone(),
            sso: endpoints(idp, "SingleSignOnService")?,
            slo: endpoints(idp, "SingleLogoutService")?,
            signing_certs: signing_certs(idp)?,
            display_names: display_names(idp),
        }),
        None => None,
    };
    Ok(Entity {
        categories: entity_attribute(e, ENTITY_CATEGORY)?,
        assurance: entity_attribute(e, ASSURANCE_CERTIFICATION)?,
        entity_id,
        sp,
        idp,
        attribute_authority,
    })
}

/// The role's mdui:DisplayName elements as (xml:lang, name).
fn display_names(role: roxmltree::Node<'_, '_>) -> Vec<(String, String)> {
    const XML: &str = "http://www.w3.org/XML/1998/namespace";
    let Some(ui) =
        xml::child(role, NS_METADATA, "Extensions").and_then(|x| xml::child(x, NS_MDUI, "UIInfo"))
    else {
        return Vec::new();
    };
    ui.children()
        .filter(|c| xml::is(*c, NS_MDUI, "DisplayName"))
        .filter_map(|c| {
            let name = c.text()?.trim();
            let lang = c.attribute((XML, "lang"))?;
            (!name.is_empty()).then(|| (lang.to_owned(), name.to_owned()))
        })
        .collect()
}

fn attribute_services(sp: roxmltree::Node<'_, '_>) -> Vec<(u16, Vec<String>)> {
    sp.children()
        .filter(|c| xml::is(*c, NS_METADATA, "AttributeConsumingService"))
        .filter_map(|s| {
            let index = s.attribute("index")?.parse().ok()?;
            let names = s
                .children()
                .filter(|r| xml::is(*r, NS_METADATA, "RequestedAttribute"))
                .filter_map(|r| r.attribute("Name").map(str::to_owned))
                .collect();
            Some((index, names))
        })
        .collect()
}

/// Reads every entity of an EntityDescriptor or EntitiesDescriptor.
pub fn parse_entities(text: &str) -> Result<Vec<Entity>, SamlError> {
    let doc = xml::parse(text)?;
    entity_nodes(&doc)?.into_iter().map(entity).collect()
}

/// Reads every SP in an EntityDescriptor or EntitiesDescriptor.
pub fn parse_sps(text: &str) -> Result<Vec<SpMetadata>, SamlError> {
    Ok(parse_entities(text)?
        .into_iter()
        .filter_map(|e| e.sp)
        .collect())
}

/// Reads every IdP in an EntityDescriptor or EntitiesDescriptor.
pub fn parse_idps(text: &str) -> Result<Vec<IdpMetadata>, SamlError> {
    Ok(parse_entities(text)?
        .into_iter()
        .filter_map(|e| e.idp)
        .collect())
}

/// The `<md:Extensions>` a federation operator registers for an entity: its entity
/// categories and assurance certifications, as entity attributes (SAML V2.0 Metadata
/// Extension for Entity Attributes). Self-contained namespaces: it can go anywhere.
pub fn entity_attributes_extension(categories: &[&str], assurance: &[&str]) -> String {
    let attribute = |name: &str, values: &[&str]| {
        if values.is_empty() {
            return String::new();
        }
        let values: String = values
            .iter()
            .map(|v| format!("<saml:AttributeValue>{}</saml:AttributeValue>", escape(v)))
            .collect();
        format!(
            r#"<saml:Attribute Name="{}" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri">{values}</saml:Attribute>"#,
            escape(name)
        )
    };
    format!(
        r#"<md:Extensions xmlns:md="{NS_METADATA}" xmlns:mdattr="{NS_MDATTR}" xmlns:saml="{NS_ASSERTION}"><mdattr:EntityAttributes>{}{}</mdattr:EntityAttributes></md:Extensions>"#,
        attribute(ENTITY_CATEGORY, categories),
        attribute(ASSURANCE_CERTIFICATION, assurance),
    )
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
    /// A hub's ACS for the card IdPs it accepts logins from: adds an SP role.
    pub hub_acs_url: Option<String>,
    /// The name people see (Japanese, English), as mdui:DisplayName.
    pub display_name: Option<(String, String)>,
}

/// A role's Extensions naming it for people (mdui:UIInfo), or nothing.
pub fn ui_info(name: Option<&(String, String)>) -> String {
    name.map_or(String::new(), |(ja, en)| {
        format!(
            r#"<md:Extensions><mdui:UIInfo xmlns:mdui="{NS_MDUI}"><mdui:DisplayName xml:lang="ja">{}</mdui:DisplayName><mdui:DisplayName xml:lang="en">{}</mdui:DisplayName></mdui:UIInfo></md:Extensions>"#,
            escape(ja),
            escape(en)
        )
    })
}

/// An attribute authority's EntityDescriptor: a SOAP AttributeService and its signing key.
pub fn attribute_authority_metadata(
    entity_id: &str,
    soap_url: &str,
    signing_cert: &[u8],
) -> String {
    format!(
        concat!(
            r#"<md:EntityDescriptor xmlns:md="{md}" xmlns:ds="{ds}" entityID="{eid}">"#,
            r#"<md:AttributeAuthorityDescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">"#,
            r#"<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{cert}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"#,
            r#"<md:AttributeService Binding="{soap}" Location="{url}"/>"#,
            r#"</md:AttributeAuthorityDescriptor></md:EntityDescriptor>"#
        ),
        md = NS_METADATA,
        ds = NS_DSIG,
        eid = escape(entity_id),
        cert = STANDARD.encode(signing_cert),
        soap = BINDING_SOAP,
        url = escape(soap_url),
    )
}

/// The IdP's EntityDescriptor.
pub fn idp_metadata(d: &IdpDescriptor) -> String {
    let cert = STANDARD.encode(&d.signing_cert);
    let sp_role = d.hub_acs_url.as_deref().map_or(String::new(), |acs| {
        format!(
            concat!(
                r#"<md:SPSSODescriptor AuthnRequestsSigned="true" WantAssertionsSigned="true" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">"#,
                r#"<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{cert}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"#,
                r#"<md:NameIDFormat>{fmt}</md:NameIDFormat>"#,
                r#"<md:AssertionConsumerService Binding="{post}" Location="{acs}" index="0" isDefault="true"/>"#,
                r#"</md:SPSSODescriptor>"#
            ),
            cert = cert,
            fmt = NAMEID_FORMAT_PERSISTENT,
            post = BINDING_POST,
            acs = escape(acs),
        )
    });
    format!(
        concat!(
            r#"<md:EntityDescriptor xmlns:md="{md}" xmlns:ds="{ds}" entityID="{eid}">"#,
            r#"<md:IDPSSODescriptor WantAuthnRequestsSigned="false" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">{ui}"#,
            r#"<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{cert}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"#,
            r#"<md:SingleLogoutService Binding="{redirect}" Location="{slo}"/>"#,
            r#"<md:NameIDFormat>{fmt}</md:NameIDFormat>"#,
            r#"<md:SingleSignOnService Binding="{redirect}" Location="{sso}"/>"#,
            r#"<md:SingleSignOnService Binding="{post}" Location="{sso}"/>"#,
            r#"</md:IDPSSODescriptor>{sp_role}</md:EntityDescriptor>"#
        ),
        md = NS_METADATA,
        ds = NS_DSIG,
        eid = escape(&d.entity_id),
        ui = ui_info(d.display_name.as_ref()),
        cert = cert,
        redirect = BINDING_REDIRECT,
        post = BINDING_POST,
        slo = escape(&d.slo_url),
        sso = escape(&d.sso_url),
        fmt = NAMEID_FORMAT_PERSISTENT,
        sp_role = sp_role,
    )
}
