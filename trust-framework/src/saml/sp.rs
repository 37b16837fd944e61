//! The SP side of Web SSO: verifying a Response the way the profile requires of SPs
//! (TF-SP-001..005). The assertion is read only from what the IdP's signature covers.

use time::{Duration, OffsetDateTime};

use super::constants::{status, CM_BEARER, NS_ASSERTION, NS_DSIG, NS_PROTOCOL};
use super::signature;
use super::xml::{self, parse_instant};
use super::SamlError;

/// What the SP expects of a Response.
#[derive(Clone, Debug)]
pub struct Expectations<'a> {
    /// The SP's entityID (Audience).
    pub sp_entity_id: &'a str,
    /// The ACS URL the Response arrived at (Destination, Recipient).
    pub acs_url: &'a str,
    /// The IdP's entityID (Issuer).
    pub idp_entity_id: &'a str,
    /// The IdP's signing certificates from metadata (DER).
    pub idp_certs: &'a [Vec<u8>],
    /// The ID of the AuthnRequest this answers; `None` accepts only unsolicited Responses.
    pub request_id: Option<&'a str>,
    /// Now.
    pub now: OffsetDateTime,
    /// Clock skew tolerated.
    pub skew: Duration,
    /// An AuthnContext class the service requires.
    pub required_class: Option<&'a str>,
    /// The Assertion itself must be signed (the SP's metadata says WantAssertionsSigned):
    /// a signature on the Response alone is not enough.
    pub require_signed_assertion: bool,
}

/// One attribute.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttributeValues {
    /// Name.
    pub name: String,
    /// Values.
    pub values: Vec<String>,
}

/// The facts of a verified assertion.
#[derive(Clone, Debug)]
pub struct VerifiedAssertion {
    /// Assertion ID (for replay detection until `not_on_or_after`).
    pub assertion_id: String,
    /// NameID.
    pub name_id: String,
    /// NameID Format.
    pub name_id_format: Option<String>,
    /// SessionIndex.
    pub session_index: Option<String>,
    /// AuthnContextClassRef.
    pub authn_class: Option<String>,
    /// When the assertion stops being valid.
    pub not_on_or_after: OffsetDateTime,
    /// Attributes.
    pub attributes: Vec<AttributeValues>,
}

impl VerifiedAssertion {
    /// The values of an attribute.
    pub fn attribute(&self, name: &str) -> Option<&[String]> {
        self.attributes
            .iter()
            .find(|a| a.name == name)
            .map(|a| a.values.as_slice())
    }
}

/// Why a Response was refused, with the requirement it breaks.
#[derive(Debug, thiserror::Error)]
pub enum SpError {
    /// Not a usable SAML Response.
    #[error("{0}")]
    Saml(#[from] SamlError),
    /// The IdP reported an error.
    #[error("the IdP answered with status {0}")]
    Status(String),
    /// A field does not have the expected value.
    #[error("{requirement}: {what}")]
    Check {
        /// The profile requirement.
        requirement: &'static str,
        /// What is wrong.
        what: String,
    },
}

/// A value from the message, quoted, or "absent".
fn quoted(value: Option<&str>) -> String {
    value.map_or_else(|| "absent".to_owned(), |v| format!("{v:?}"))
}

fn check(
    requirement: &'static str,
    ok: bool,
    what: impl FnOnce() -> String,
) -> Result<(), SpError> {
    if ok {
        Ok(())
    } else {
        Err(SpError::Check {
            requirement,
            what: what(),
        })
    }
}

fn missing(what: &str) -> SpError {
    SpError::Check {
        requirement: "TF-SP-003",
        what: format!("{what} is missing"),
    }
}

/// TF-SP-012: the one child `ns:name` of `n` (missing or repeated is refused).
fn one<'a, 'i>(
    n: roxmltree::Node<'a, 'i>,
    ns: &str,
    name: &str,
) -> Result<roxmltree::Node<'a, 'i>, SpError> {
    let mut all = n.children().filter(|c| xml::is(*c, ns, name));
    match (all.next(), all.next()) {
        (Some(c), None) => Ok(c),
        (None, _) => Err(SpError::Check {
            requirement: "TF-SP-012",
            what: format!("{name} is missing"),
        }),
        (Some(_), Some(_)) => Err(SpError::Check {
            requirement: "TF-SP-012",
            what: format!("{name} is given more than once"),
        }),
    }
}

/// TF-SP-012: a required instant attribute, present and a dateTime.
fn instant_attr(n: roxmltree::Node<'_, '_>, name: &str) -> Result<OffsetDateTime, SpError> {
    let text = n.attribute(name).ok_or_else(|| SpError::Check {
        requirement: "TF-SP-012",
        what: format!("{} has no {name}", n.tag_name().name()),
    })?;
    parse_instant(text).map_err(|_| SpError::Check {
        requirement: "TF-SP-012",
        what: format!("{} {name} {text:?} is not a time", n.tag_name().name()),
    })
}

/// Verifies a Response (already decoded from its binding).
pub fn verify_response(text: &str, e: &Expectations<'_>) -> Result<VerifiedAssertion, SpError> {
    let doc = xml::parse(text)?;
    let root = doc.root_element();
    if !xml::is(root, NS_PROTOCOL, "Response") {
        return Err(SamlError::Invalid("not a samlp:Response".into()).into());
    }
    // Response-level fields can only refuse, never grant: checked on the document as sent.
    check(
        "TF-SP-012",
        root.attribute("Version") == Some("2.0"),
        || format!("Version {} is not 2.0", quoted(root.attribute("Version"))),
    )?;
    check(
        "TF-SP-012",
        root.attribute("ID").is_some_and(|id| !id.is_empty()),
        || "the Response has no ID".into(),
    )?;
    let issued = instant_attr(root, "IssueInstant")?;
    check(
        "TF-SP-003",
        issued > e.now - e.skew - Duration::minutes(5) && issued <= e.now + e.skew,
        || {
            format!(
                "the Response was issued at {}, too far from now",
                xml::instant(issued)
            )
        },
    )?;
    if let Some(dest) = root.attribute("Destination") {
        check("TF-SP-003", dest == e.acs_url, || {
            format!("Destination {dest:?} is not this ACS")
        })?;
    }
    // SAML Bindings §3.5.5.2: a signed Response names its Destination.
    check(
        "TF-SP-003",
        root.attribute("Destination").is_some() || xml::child(root, NS_DSIG, "Signature").is_none(),
        || "a signed Response without Destination".into(),
    )?;
    let issuers: Vec<_> = root
        .children()
        .filter(|c| xml::is(*c, NS_ASSERTION, "Issuer"))
        .collect();
    check("TF-SP-012", issuers.len() <= 1, || {
        "the Response has more than one Issuer".into()
    })?;
    // Profiles §4.1.4.2: a signed Response names its Issuer.
    check(
        "TF-SP-001",
        !issuers.is_empty() || xml::child(root, NS_DSIG, "Signature").is_none(),
        || "a signed Response without Issuer".into(),
    )?;
    if let Some(issuer) = issuers.first() {
        check_issuer(*issuer, e)?;
    }
    // TF-SP-007: the signatures' shape is the profile's before any of them is trusted.
    signature_shape(root)?;
    let code =
        one(one(root, NS_PROTOCOL, "Status")?, NS_PROTOCOL, "StatusCode")?.attribute("Value");
    if code != Some(status::SUCCESS) {
        return Err(SpError::Status(code.unwrap_or("(none)").to_owned()));
    }
    check(
        "TF-SP-003",
        root.attribute("InResponseTo") == e.request_id || root.attribute("InResponseTo").is_none(),
        || "Response InResponseTo does not match the request".into(),
    )?;
    // Exactly one Assertion in the whole message: none hidden in Extensions, StatusDetail,
    // Advice or a Signature, where a careless reader might find it.
    let assertions = root
        .descendants()
        .filter(|c| xml::is(*c, NS_ASSERTION, "Assertion"))
        .count();
    check("TF-SP-002", assertions == 1, || {
        format!("{assertions} assertions in the message; exactly one is accepted")
    })?;
    // The one Assertion the Response carries, as sent: the signed one must be it.
    let sent = root
        .children()
        .find(|c| xml::is(*c, NS_ASSERTION, "Assertion"));
    let sent_id = sent.and_then(|a| a.attribute("ID")).map(str::to_owned);
    // Every signature present must verify (below), so a signature here is a good one.
    let sent_signed = sent.is_some_and(|a| xml::child(a, NS_DSIG, "Signature").is_some());
    // TF-SP-001/002: verify, then read only the signed content.
    let reduced = signature::verify_and_reduce(text, e.idp_certs)?;
    let signed = xml::parse(&reduced)?;
    let sroot = signed.root_element();
    let assertion = if xml::is(sroot, NS_PROTOCOL, "Response") {
        check(
            "TF-SP-002",
            sroot.attribute("ID") == root.attribute("ID"),
            || "the signature covers another Response".into(),
        )?;
        let n: Vec<_> = sroot
            .children()
            .filter(|c| xml::is(*c, NS_ASSERTION, "Assertion"))
            .collect();
        check("TF-SP-002", n.len() == 1, || {
            "the signed Response does not hold exactly one assertion".into()
        })?;
        n[0]
    } else if xml::is(sroot, NS_ASSERTION, "Assertion") {
        // Only the Assertion is signed: it must be the Response's own (not one nested or
        // hidden elsewhere while a forged one stands in its place).
        check(
            "TF-SP-002",
            sroot.attribute("ID").is_some() && sroot.attribute("ID").map(str::to_owned) == sent_id,
            || {
                "the signed Assertion is not the Response's own Assertion (signature wrapping?)"
                    .into()
            },
        )?;
        sroot
    } else {
        return Err(SpError::Check {
            requirement: "TF-SP-001",
            what: "the signature covers neither the Response nor an Assertion".into(),
        });
    };
    if e.require_signed_assertion {
        check("TF-SP-001", sent_signed, || {
            "the Assertion is not signed and this SP wants signed assertions".into()
        })?;
    }
    read_assertion(assertion, e)
}

/// An Issuer names the IdP, with no Format or the entity Format (SAML Core §8.3.6).
fn check_issuer(issuer: roxmltree::Node<'_, '_>, e: &Expectations<'_>) -> Result<(), SpError> {
    const ENTITY: &str = "urn:oasis:names:tc:SAML:2.0:nameid-format:entity";
    check(
        "TF-SP-001",
        issuer.attribute("Format").is_none_or(|f| f == ENTITY),
        || {
            format!(
                "Issuer Format {} is not entity",
                quoted(issuer.attribute("Format"))
            )
        },
    )?;
    let text = xml::text(issuer)?;
    check("TF-SP-001", text == e.idp_entity_id, || {
        format!("Issuer {text:?} is not the IdP")
    })
}

fn algorithm<'a>(n: Option<roxmltree::Node<'a, '_>>) -> Option<&'a str> {
    n.and_then(|n| n.attribute("Algorithm"))
}

/// TF-SP-007: every signature in the Response (at its root and its Assertion) is the
/// profile's: exclusive c14n, RSA-SHA256, one Reference to `#ID` with the enveloped and
/// exclusive-c14n transforms only, SHA-256 digest.
fn signature_shape(root: roxmltree::Node<'_, '_>) -> Result<(), SpError> {
    use super::constants::{ALG_ENVELOPED, ALG_EXC_C14N, ALG_RSA_SHA256, ALG_SHA256};
    let bad = |what: String| SpError::Check {
        requirement: "TF-SP-007",
        what,
    };
    let signatures = root
        .descendants()
        .filter(|d| xml::is(*d, NS_DSIG, "Signature"));
    for sig in signatures {
        let info = xml::child(sig, NS_DSIG, "SignedInfo")
            .ok_or_else(|| bad("a Signature without SignedInfo".into()))?;
        if algorithm(xml::child(info, NS_DSIG, "CanonicalizationMethod")) != Some(ALG_EXC_C14N) {
            return Err(bad("the canonicalisation is not exclusive c14n".into()));
        }
        if algorithm(xml::child(info, NS_DSIG, "SignatureMethod")) != Some(ALG_RSA_SHA256) {
            return Err(bad("the signature method is not RSA-SHA256".into()));
        }
        let references: Vec<_> = info
            .children()
            .filter(|c| xml::is(*c, NS_DSIG, "Reference"))
            .collect();
        let [reference] = references.as_slice() else {
            return Err(bad(format!(
                "{} References; exactly one is allowed",
                references.len()
            )));
        };
        let transforms: Vec<&str> = xml::child(*reference, NS_DSIG, "Transforms")
            .map(|t| {
                t.children()
                    .filter(|c| xml::is(*c, NS_DSIG, "Transform"))
                    .filter_map(|c| c.attribute("Algorithm"))
                    .collect()
            })
            .unwrap_or_default();
        if transforms != [ALG_ENVELOPED, ALG_EXC_C14N] && transforms != [ALG_ENVELOPED] {
            return Err(bad(format!(
                "transforms {}: only enveloped-signature and exclusive c14n are allowed",
                transforms.join(", ")
            )));
        }
        if algorithm(xml::child(*reference, NS_DSIG, "DigestMethod")) != Some(ALG_SHA256) {
            return Err(bad("the digest is not SHA-256".into()));
        }
        let parent_id = sig.parent().and_then(|p| p.attribute("ID"));
        let target = reference.attribute("URI").and_then(|u| u.strip_prefix('#'));
        if target.is_none() || target != parent_id {
            return Err(bad(
                "the Reference does not name the signed element's parent".into(),
            ));
        }
    }
    Ok(())
}

fn child<'a, 'i>(n: roxmltree::Node<'a, 'i>, name: &str) -> Option<roxmltree::Node<'a, 'i>> {
    xml::child(n, NS_ASSERTION, name)
}

fn read_assertion(
    a: roxmltree::Node<'_, '_>,
    e: &Expectations<'_>,
) -> Result<VerifiedAssertion, SpError> {
    check_issuer(one(a, NS_ASSERTION, "Issuer")?, e)?;
    let subject = one(a, NS_ASSERTION, "Subject")?;
    let name_node = one(subject, NS_ASSERTION, "NameID")?;
    let name_id = xml::text(name_node).map_err(|_| SpError::Check {
        requirement: "TF-SP-002",
        what: "NameID contains markup (comment injection?)".into(),
    })?;
    check("TF-SP-012", !name_id.trim().is_empty(), || {
        "the NameID is empty".into()
    })?;
    let (lo, hi) = (e.now - e.skew, e.now + e.skew);
    check("TF-SP-012", a.attribute("Version") == Some("2.0"), || {
        format!(
            "Assertion Version {} is not 2.0",
            quoted(a.attribute("Version"))
        )
    })?;
    // TF-IDP-007: an assertion lives at most 5 minutes; one issued long before is stale.
    let issued = instant_attr(a, "IssueInstant")?;
    check(
        "TF-SP-003",
        issued > lo - Duration::minutes(5) && issued <= hi,
        || {
            format!(
                "the assertion was issued at {}, too far from now",
                xml::instant(issued)
            )
        },
    )?;
    // Web SSO profile §4.1.4.3: a bearer confirmation with Recipient, NotOnOrAfter, InResponseTo.
    let confirmed = subject
        .children()
        .filter(|c| xml::is(*c, NS_ASSERTION, "SubjectConfirmation"))
        .any(|sc| {
            let Some(data) = child(sc, "SubjectConfirmationData") else {
                return false;
            };
            let fresh = data
                .attribute("NotOnOrAfter")
                .and_then(|t| parse_instant(t).ok())
                .is_some_and(|t| t > lo);
            let not_early = data
                .attribute("NotBefore")
                .and_then(|t| parse_instant(t).ok())
                .is_none_or(|t| t <= hi);
            sc.attribute("Method") == Some(CM_BEARER)
                && data.attribute("Recipient") == Some(e.acs_url)
                && data.attribute("InResponseTo") == e.request_id
                && fresh
                && not_early
        });
    check("TF-SP-003", confirmed, || {
        "no bearer SubjectConfirmation for this ACS, request and time".into()
    })?;
    let conditions = one(a, NS_ASSERTION, "Conditions")?;
    let not_before = conditions
        .attribute("NotBefore")
        .map(parse_instant)
        .transpose()?;
    let not_on_or_after = parse_instant(
        conditions
            .attribute("NotOnOrAfter")
            .ok_or_else(|| missing("Conditions NotOnOrAfter"))?,
    )?;
    check("TF-SP-003", not_before.is_none_or(|t| t <= hi), || {
        "the assertion is not yet valid".into()
    })?;
    check("TF-SP-003", not_on_or_after > lo, || {
        "the assertion has expired".into()
    })?;
    // SAML core §2.5.1.4: every AudienceRestriction must name this SP (and one is needed).
    let restrictions: Vec<_> = conditions
        .children()
        .filter(|c| xml::is(*c, NS_ASSERTION, "AudienceRestriction"))
        .collect();
    check("TF-SP-003", !restrictions.is_empty(), || {
        missing("AudienceRestriction").to_string()
    })?;
    for r in restrictions {
        let audiences: Vec<String> = r
            .children()
            .filter(|d| xml::is(*d, NS_ASSERTION, "Audience"))
            .map(xml::text)
            .collect::<Result<_, _>>()?;
        check(
            "TF-SP-003",
            audiences.iter().any(|x| x == e.sp_entity_id),
            || format!("Audience {} does not name this SP", audiences.join(", ")),
        )?;
    }
    let authn = one(a, NS_ASSERTION, "AuthnStatement")?;
    instant_attr(authn, "AuthnInstant")?;
    let authn_class = authn
        .descendants()
        .find(|d| xml::is(*d, NS_ASSERTION, "AuthnContextClassRef"))
        .map(xml::text)
        .transpose()?;
    if let Some(required) = e.required_class {
        check(
            "TF-SP-005",
            authn_class.as_deref() == Some(required),
            || {
                format!(
                    "AuthnContext {} is not the required {required}",
                    quoted(authn_class.as_deref())
                )
            },
        )?;
    }
    let attributes = a
        .descendants()
        .filter(|d| xml::is(*d, NS_ASSERTION, "Attribute"))
        .map(|at| {
            Ok(AttributeValues {
                name: at.attribute("Name").unwrap_or_default().to_owned(),
                values: at
                    .children()
                    .filter(|v| xml::is(*v, NS_ASSERTION, "AttributeValue"))
                    .map(xml::text)
                    .collect::<Result<_, _>>()?,
            })
        })
        .collect::<Result<Vec<_>, SamlError>>()?;
    Ok(VerifiedAssertion {
        assertion_id: a.attribute("ID").unwrap_or_default().to_owned(),
        name_id,
        name_id_format: name_node.attribute("Format").map(str::to_owned),
        session_index: authn.attribute("SessionIndex").map(str::to_owned),
        authn_class,
        not_on_or_after,
        attributes,
    })
}
