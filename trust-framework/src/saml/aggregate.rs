//! The federation's signed metadata aggregate (TF-MD-001..003): an EntitiesDescriptor of
//! every party, with validUntil, signed by the federation operator.

use time::OffsetDateTime;

use super::constants::{NS_DSIG, NS_METADATA};
use super::metadata::{parse_sps, SpMetadata};
use super::xml::{self, escape, instant};
use super::{signature, SamlError};

/// A loaded, verified aggregate.
#[derive(Clone, Debug)]
pub struct Aggregate {
    /// When it stops being valid.
    pub valid_until: OffsetDateTime,
    /// The SPs it lists (from the signed content only).
    pub sps: Vec<SpMetadata>,
    /// The signed content.
    pub signed_xml: String,
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
    let sps = parse_sps(&signed_xml)?;
    Ok(Aggregate {
        valid_until,
        sps,
        signed_xml,
    })
}
