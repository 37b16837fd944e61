//! The federation's signed metadata aggregate (TF-MD-001..003): an EntitiesDescriptor of
//! every party, with validUntil, signed by the federation operator.

use time::OffsetDateTime;

use super::constants::{NS_DSIG, NS_METADATA};
use super::metadata::{entity_attributes_extension, parse_entities, Entity, SpMetadata};
use super::xml::{self, escape, instant};
use super::{signature, SamlError};

/// A loaded, verified aggregate.
#[derive(Clone, Debug)]
pub struct Aggregate {
    /// When it stops being valid.
    pub valid_until: OffsetDateTime,
    /// The entities it lists (from the signed content only).
    pub entities: Vec<Entity>,
    /// The signed content.
    pub signed_xml: String,
}

impl Aggregate {
    /// The SPs it lists.
    pub fn sps(&self) -> impl Iterator<Item = &SpMetadata> {
        self.entities.iter().filter_map(|e| e.sp.as_ref())
    }

    /// The entity `entity_id`.
    pub fn entity(&self, entity_id: &str) -> Option<&Entity> {
        self.entities
            .iter()
            .find(|e| e.entity_id.as_str() == entity_id)
    }

    /// The entities registered with category `uri`.
    pub fn with_category<'a>(&'a self, uri: &'a str) -> impl Iterator<Item = &'a Entity> + 'a {
        self.entities.iter().filter(move |e| e.has_category(uri))
    }
}

/// What the operator registers a party's own metadata as: the party's EntityDescriptor
/// with the operator's entity attributes (categories, assurance) added. Entity
/// attributes the party wrote itself are refused: only the operator assigns them.
pub fn register(
    entity_xml: &str,
    categories: &[&str],
    assurance: &[&str],
) -> Result<String, SamlError> {
    let doc = xml::parse(entity_xml)?;
    let root = doc.root_element();
    if !xml::is(root, NS_METADATA, "EntityDescriptor") {
        return Err(SamlError::Invalid(
            "a registration is one EntityDescriptor".into(),
        ));
    }
    if xml::child(root, NS_METADATA, "Extensions").is_some() {
        return Err(SamlError::Invalid(
            "the entity's metadata has its own Extensions: entity attributes are the operator's to assign".into(),
        ));
    }
    // Metadata schema order: ds:Signature?, Extensions?, roles. Insert after the start
    // tag, or after an entity signature.
    let at = match xml::child(root, NS_DSIG, "Signature") {
        Some(sig) => sig.range().end,
        None => start_tag_end(entity_xml, root.range().start)
            .ok_or_else(|| SamlError::Malformed("EntityDescriptor start tag".into()))?,
    };
    let doc_text = without_declaration(entity_xml);
    let offset = entity_xml.len() - doc_text.len();
    let at = at
        .checked_sub(offset)
        .ok_or_else(|| SamlError::Malformed("EntityDescriptor".into()))?;
    let extension = entity_attributes_extension(categories, assurance);
    Ok(format!("{}{extension}{}", &doc_text[..at], &doc_text[at..]))
}

/// The offset just past the `>` of the start tag that begins at `from` (quotes skipped:
/// `>` is allowed inside attribute values).
fn start_tag_end(text: &str, from: usize) -> Option<usize> {
    let mut quote = None;
    for (i, c) in text.get(from..)?.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '>') => return Some(from + i + 1),
            _ => {}
        }
    }
    None
}

fn without_declaration(doc: &str) -> &str {
    match doc.trim_start().strip_prefix("<?xml") {
        Some(rest) => rest
            .split_once("?>")
            .map_or(rest, |(_, body)| body)
            .trim_start(),
        None => doc.trim_start(),
    }
}

/// Builds and signs an aggregate of `entities` (EntityDescriptor documents).
pub fn build(
    id: &str,
    name: &str,
    valid_until: OffsetDateTime,
    entities: &[String],
    key_der: &[u8],
    cert_der: &[u8],
) -> Result<String, SamlError> {
    let mut body = String::new();
    for e in entities {
        let doc = xml::parse(e)?;
        if !xml::is(doc.root_element(), NS_METADATA, "EntityDescriptor") {
            return Err(SamlError::Invalid(
                "an aggregate holds EntityDescriptor documents only".into(),
            ));
        }
        body.push_str(without_declaration(e));
    }
    let unsigned = format!(
        r#"<md:EntitiesDescriptor xmlns:md="{NS_METADATA}" xmlns:ds="{NS_DSIG}" ID="{}" Name="{}" validUntil="{}">{}{body}</md:EntitiesDescriptor>"#,
        escape(id),
        escape(name),
        instant(valid_until),
        signature::template(id, cert_der)
    );
    signature::sign(&unsigned, key_der)
}

/// Loads an aggregate: the operator's signature (against the configured certificates,
/// never a key in the document), then validUntil, then the entities of the signed content.
pub fn load(
    text: &str,
    operator_certs: &[Vec<u8>],
    now: OffsetDateTime,
) -> Result<Aggregate, SamlError> {
    let doc = xml::parse(text)?;
    if !xml::is(doc.root_element(), NS_METADATA, "EntitiesDescriptor") {
        return Err(SamlError::Invalid(
            "the aggregate's root is not an EntitiesDescriptor".into(),
        ));
    }
    // TF-MD-001: signed by the operator; the root itself (signature::verify_enveloped
    // refuses a signature over anything else).
    let signed_xml = signature::verify_enveloped(text, operator_certs)?;
    let signed = xml::parse(&signed_xml)?;
    // TF-MD-002: validUntil is required and must lie ahead.
    let until = signed
        .root_element()
        .attribute("validUntil")
        .ok_or_else(|| SamlError::Invalid("the aggregate has no validUntil".into()))?;
    let valid_until = xml::parse_instant(until)?;
    if valid_until <= now {
        return Err(SamlError::Invalid(format!(
            "the aggregate expired at {until}"
        )));
    }
    // TF-MD-003: the entities come from what the operator signed.
    let entities = parse_entities(&signed_xml)?;
    Ok(Aggregate {
        valid_until,
        entities,
        signed_xml,
    })
}
