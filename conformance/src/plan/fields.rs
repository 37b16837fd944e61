//! Field-level negatives from one table (verdicts.md §6): for every element and attribute
//! that SAML core, the Web SSO profile (Profiles §4.1.4) or our profile requires in a
//! Response and its Assertion, the variants a real IdP bug or a hostile IdP could send
//! (missing, empty, wrong-valued, duplicated), each on its requirement. The IdP signs the
//! broken message (the edit is made before signing): what is tested is the SP's reading
//! of what was signed, not its signature check. A new rule adds a row, not tests.

use trust_framework::saml::constants::{NS_ASSERTION, NS_PROTOCOL};

use super::{Craft, Crafted, Ctx, Judge, Needs, Test, Twin, TWIN_ASSERTION, TWIN_BOTH};
use crate::message::{self, Knobs, SignSpec, Signing};
use crate::splice;
use crate::CraftError;

/// Where a field lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// In the Response, outside the Assertion.
    Response,
    /// In the Assertion.
    Assertion,
}

/// One way to break a field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    /// Left out.
    Missing,
    /// Present, with no content (or an empty attribute value).
    Empty,
    /// Present, with this value.
    Wrong(&'static str),
    /// Given twice, the copy first (changed by the row's `copy` value, if any).
    Duplicated,
}

impl Variant {
    fn slug(self) -> &'static str {
        match self {
            Self::Missing => "missing",
            Self::Empty => "empty",
            Self::Wrong(_) => "wrong",
            Self::Duplicated => "duplicated",
        }
    }
}

/// A required element or attribute and how each variant is judged.
#[derive(Debug)]
pub struct Field {
    /// Short id (test ids are `field-<slug>-<variant>`).
    pub slug: &'static str,
    /// The element path as people read it, with `@attribute` if an attribute.
    pub name: &'static str,
    /// The element's namespace and local name.
    pub element: (&'static str, &'static str),
    /// The element's parent (namespace, local name), to pick the right one.
    pub parent: (&'static str, &'static str),
    /// The attribute, if the field is one.
    pub attribute: Option<&'static str>,
    /// Where it lives.
    pub level: Level,
    /// The requirements a broken value violates.
    pub requirements: &'static [&'static str],
    /// The variants sent, each with its judge.
    pub variants: &'static [(Variant, Judge)],
    /// For `Duplicated`: the text of the copy (it goes first), if it differs.
    pub copy: Option<&'static str>,
}

use Judge::{MustRefuse, ShouldRefuse};
use Variant::{Duplicated, Empty, Missing, Wrong};

const A: &str = NS_ASSERTION;
const P: &str = NS_PROTOCOL;
const OTHER_ENTITY: &str = "http://127.0.0.1:9/another-idp";
const NOT_A_TIME: &str = "yesterday";

/// The table. Requirements: TF-SP-012 (the message's structure), and the rule whose
/// check reads the field (TF-SP-001 issuer, TF-SP-003 conditions, TF-SP-005 class).
pub static FIELDS: &[Field] = &[
    Field {
        slug: "response-id",
        name: "Response@ID",
        element: (P, "Response"),
        parent: ("", ""),
        attribute: Some("ID"),
        level: Level::Response,
        requirements: &["TF-SP-012"],
        variants: &[(Missing, MustRefuse), (Empty, MustRefuse)],
        copy: None,
    },
    Field {
        slug: "response-version",
        name: "Response@Version",
        element: (P, "Response"),
        parent: ("", ""),
        attribute: Some("Version"),
        level: Level::Response,
        requirements: &["TF-SP-012"],
        variants: &[
            (Missing, MustRefuse),
            (Empty, MustRefuse),
            (Wrong("2.1"), MustRefuse),
        ],
        copy: None,
    },
    Field {
        slug: "response-issue-instant",
        name: "Response@IssueInstant",
        element: (P, "Response"),
        parent: ("", ""),
        attribute: Some("IssueInstant"),
        level: Level::Response,
        requirements: &["TF-SP-012"],
        variants: &[
            (Missing, MustRefuse),
            (Empty, MustRefuse),
            (Wrong(NOT_A_TIME), MustRefuse),
        ],
        copy: None,
    },
    Field {
        slug: "response-issuer",
        name: "Response/Issuer",
        element: (A, "Issuer"),
        parent: (P, "Response"),
        attribute: None,
        level: Level::Response,
        requirements: &["TF-SP-001"],
        // Profiles §4.1.4.2: MUST be present when the Response is signed; many SPs take the
        // Assertion's Issuer instead, which is not unsafe: SHOULD.
        variants: &[
            (Missing, ShouldRefuse),
            (Empty, MustRefuse),
            (Duplicated, MustRefuse),
        ],
        copy: Some(OTHER_ENTITY),
    },
    Field {
        slug: "status",
        name: "Response/Status",
        element: (P, "Status"),
        parent: (P, "Response"),
        attribute: None,
        level: Level::Response,
        requirements: &["TF-SP-012"],
        // An identical second Status is schema-invalid but not misleading: SHOULD.
        variants: &[
            (Missing, MustRefuse),
            (Empty, MustRefuse),
            (Duplicated, ShouldRefuse),
        ],
        copy: None,
    },
    Field {
        slug: "status-code",
        name: "Status/StatusCode@Value",
        element: (P, "StatusCode"),
        parent: (P, "Status"),
        attribute: Some("Value"),
        level: Level::Response,
        requirements: &["TF-SP-012"],
        variants: &[
            (Missing, MustRefuse),
            (Empty, MustRefuse),
            (
                Wrong("urn:oasis:names:tc:SAML:2.0:status:Succes"),
                MustRefuse,
            ),
        ],
        copy: None,
    },
    Field {
        slug: "assertion-version",
        name: "Assertion@Version",
        element: (A, "Assertion"),
        parent: ("", ""),
        attribute: Some("Version"),
        level: Level::Assertion,
        requirements: &["TF-SP-012"],
        variants: &[
            (Missing, MustRefuse),
            (Empty, MustRefuse),
            (Wrong("2.1"), MustRefuse),
        ],
        copy: None,
    },
    Field {
        slug: "assertion-issue-instant",
        name: "Assertion@IssueInstant",
        element: (A, "Assertion"),
        parent: ("", ""),
        attribute: Some("IssueInstant"),
        level: Level::Assertion,
        requirements: &["TF-SP-012"],
        variants: &[
            (Missing, MustRefuse),
            (Empty, MustRefuse),
            (Wrong(NOT_A_TIME), MustRefuse),
        ],
        copy: None,
    },
    Field {
        slug: "assertion-issuer",
        name: "Assertion/Issuer",
        element: (A, "Issuer"),
        parent: (A, "Assertion"),
        attribute: None,
        level: Level::Assertion,
        requirements: &["TF-SP-001"],
        variants: &[
            (Missing, MustRefuse),
            (Empty, MustRefuse),
            (Duplicated, MustRefuse),
        ],
        copy: Some(OTHER_ENTITY),
    },
    Field {
        slug: "subject",
        name: "Assertion/Subject",
        element: (A, "Subject"),
        parent: (A, "Assertion"),
        attribute: None,
        level: Level::Assertion,
        requirements: &["TF-SP-012"],
        variants: &[(Missing, MustRefuse), (Duplicated, ShouldRefuse)],
        copy: None,
    },
    Field {
        slug: "name-id",
        name: "Subject/NameID",
        element: (A, "NameID"),
        parent: (A, "Subject"),
        attribute: None,
        level: Level::Assertion,
        requirements: &["TF-SP-012"],
        variants: &[
            (Missing, MustRefuse),
            (Empty, MustRefuse),
            (Duplicated, MustRefuse),
        ],
        copy: Some("mnctf-second-name-id"),
    },
    Field {
        slug: "subject-confirmation-data",
        name: "SubjectConfirmation/SubjectConfirmationData",
        element: (A, "SubjectConfirmationData"),
        parent: (A, "SubjectConfirmation"),
        attribute: None,
        level: Level::Assertion,
        requirements: &["TF-SP-003"],
        variants: &[(Missing, MustRefuse)],
        copy: None,
    },
    Field {
        slug: "conditions",
        name: "Assertion/Conditions",
        element: (A, "Conditions"),
        parent: (A, "Assertion"),
        attribute: None,
        level: Level::Assertion,
        requirements: &["TF-SP-003"],
        // Empty Conditions: no audience, no window. An identical second one: SHOULD.
        variants: &[
            (Missing, MustRefuse),
            (Empty, MustRefuse),
            (Duplicated, ShouldRefuse),
        ],
        copy: None,
    },
    Field {
        slug: "audience-restriction",
        name: "Conditions/AudienceRestriction",
        element: (A, "AudienceRestriction"),
        parent: (A, "Conditions"),
        attribute: None,
        level: Level::Assertion,
        requirements: &["TF-SP-003"],
        // Two restrictions must both hold (core §2.5.1.4): the copy names another SP only.
        variants: &[(Empty, MustRefuse), (Duplicated, MustRefuse)],
        copy: Some("<saml:Audience>http://127.0.0.1:9/another-sp</saml:Audience>"),
    },
    Field {
        slug: "audience",
        name: "AudienceRestriction/Audience",
        element: (A, "Audience"),
        parent: (A, "AudienceRestriction"),
        attribute: None,
        level: Level::Assertion,
        requirements: &["TF-SP-003"],
        variants: &[(Empty, MustRefuse)],
        copy: None,
    },
    Field {
        slug: "authn-statement",
        name: "Assertion/AuthnStatement",
        element: (A, "AuthnStatement"),
        parent: (A, "Assertion"),
        attribute: None,
        level: Level::Assertion,
        requirements: &["TF-SP-012", "TF-SP-005"],
        variants: &[(Missing, MustRefuse)],
        copy: None,
    },
    Field {
        slug: "authn-instant",
        name: "AuthnStatement@AuthnInstant",
        element: (A, "AuthnStatement"),
        parent: (A, "Assertion"),
        attribute: Some("AuthnInstant"),
        level: Level::Assertion,
        requirements: &["TF-SP-012"],
        variants: &[
            (Missing, MustRefuse),
            (Empty, MustRefuse),
            (Wrong(NOT_A_TIME), MustRefuse),
        ],
        copy: None,
    },
    Field {
        slug: "authn-context-class",
        name: "AuthnContext/AuthnContextClassRef",
        element: (A, "AuthnContextClassRef"),
        parent: (A, "AuthnContext"),
        attribute: None,
        level: Level::Assertion,
        requirements: &["TF-SP-005"],
        variants: &[(Missing, MustRefuse), (Empty, MustRefuse)],
        copy: None,
    },
];

/// The tests of the table, in its order (built once; ids and titles live for the run).
pub fn tests() -> impl Iterator<Item = &'static Test> {
    FIELDS.iter().flat_map(|f| {
        f.variants.iter().map(move |&(variant, judge)| {
            let id = format!("field-{}-{}", f.slug, variant.slug());
            let title = match variant {
                Missing => format!("{} left out", f.name),
                Empty => format!("{} empty", f.name),
                Wrong(v) => format!("{} is \"{v}\"", f.name),
                Duplicated => format!("{} given twice", f.name),
            };
            let title_ja = match variant {
                Missing => format!("{} を省略", f.name),
                Empty => format!("{} を空に", f.name),
                Wrong(v) => format!("{} を「{v}」に", f.name),
                Duplicated => format!("{} を二重に指定", f.name),
            };
            let test: &'static Test = Box::leak(Box::new(Test {
                id: Box::leak(id.into_boxed_str()),
                title: Box::leak(title.into_boxed_str()),
                title_ja: Box::leak(title_ja.into_boxed_str()),
                requirements: f.requirements,
                category: "fields",
                judge,
                needs: Needs::Nothing,
                twin: twin(f),
                make: Craft::Field(f, variant),
            }));
            test
        })
    })
}

/// The Response ID cannot be broken under a Response signature (its Reference names it):
/// those variants are sent with the assertion signed only.
fn signing(f: &Field) -> Signing {
    if f.slug == "response-id" {
        Signing::Assertion
    } else {
        Signing::Both
    }
}

fn twin(f: &Field) -> Twin {
    match signing(f) {
        Signing::Assertion => TWIN_ASSERTION,
        _ => TWIN_BOTH,
    }
}

/// The golden Response with `variant` of `f` applied before signing.
pub fn craft(f: &Field, variant: Variant, c: &Ctx<'_>) -> Result<Crafted, CraftError> {
    let k = c.knobs();
    let spec = c.spec();
    let edit = |xml: &str| apply(f, variant, xml);
    let xml = build_edited(&k, signing(f), &spec, f.level, edit)?;
    Ok(Crafted::of(xml))
}

/// The Response of `k`, with `edit` applied at `level` before that level is signed.
fn build_edited(
    k: &Knobs,
    signing: Signing,
    spec: &SignSpec,
    level: Level,
    edit: impl Fn(&str) -> Result<String, CraftError>,
) -> Result<String, CraftError> {
    let assertion_signed = matches!(signing, Signing::Assertion | Signing::Both);
    let template = if assertion_signed {
        spec.template(&k.assertion_id)
    } else {
        String::new()
    };
    let mut assertion = message::assertion(k, &template);
    if level == Level::Assertion {
        assertion = edit(&assertion)?;
    }
    if assertion_signed {
        assertion = message::sign(&assertion, spec)?;
    }
    let response_signed = matches!(signing, Signing::Response | Signing::Both);
    let template = if response_signed {
        spec.template(&k.response_id)
    } else {
        String::new()
    };
    let mut response = message::response(k, &template, &assertion);
    if level == Level::Response {
        response = edit(&response)?;
    }
    if response_signed {
        response = message::sign(&response, spec)?;
    }
    Ok(response)
}

/// The element's range in `xml` (the root when the field has no parent).
fn element(f: &Field, xml: &str) -> Result<std::ops::Range<usize>, CraftError> {
    let (ns, name) = f.element;
    if f.parent.0.is_empty() {
        return Ok(0..xml.len());
    }
    splice::range(xml, ns, name, Some(f.parent))
}

/// `xml` with `variant` applied to the field.
fn apply(f: &Field, variant: Variant, xml: &str) -> Result<String, CraftError> {
    let r = element(f, xml)?;
    let el = &xml[r.clone()];
    let changed = match (f.attribute, variant) {
        (Some(attr), Missing) => splice::remove_root_attribute(el, attr)?,
        (Some(attr), Empty) => splice::set_root_attribute(el, attr, "")?,
        (Some(attr), Wrong(v)) => splice::set_root_attribute(el, attr, v)?,
        (None, Missing) => String::new(),
        (None, Empty) => {
            let start = splice::after_start_tag(el, 0)?;
            let end = splice::before_end_tag(el)?;
            format!("{}{}", &el[..start], &el[end..])
        }
        (None, Wrong(v)) => {
            let start = splice::after_start_tag(el, 0)?;
            let end = splice::before_end_tag(el)?;
            format!("{}{v}{}", &el[..start], &el[end..])
        }
        (None, Duplicated) => {
            let copy = match f.copy {
                Some(text) => {
                    let start = splice::after_start_tag(el, 0)?;
                    let end = splice::before_end_tag(el)?;
                    format!("{}{text}{}", &el[..start], &el[end..])
                }
                None => el.to_owned(),
            };
            format!("{copy}{el}")
        }
        (Some(_), Duplicated) => {
            return Err(CraftError(format!(
            "{}: a duplicated attribute is not well-formed XML (xml-duplicate-attribute tests it)",
            f.name
        )))
        }
    };
    Ok(splice::replace(xml, r, &changed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_makes_a_parseable_variant_that_differs() {
        let k = crate::message::Golden {
            idp: "http://idp".into(),
            sp: "http://sp".into(),
            acs: "http://sp/acs".into(),
            request_id: "_req".into(),
            authn_class: "urn:c".into(),
            now: time::OffsetDateTime::now_utc(),
        }
        .knobs("alice");
        for f in FIELDS {
            for (v, _) in f.variants {
                let golden = message::response(&k, "", &message::assertion(&k, ""));
                let text = match f.level {
                    Level::Response => golden.clone(),
                    Level::Assertion => message::assertion(&k, ""),
                };
                let edited = apply(f, *v, &text).unwrap();
                assert_ne!(edited, text, "{} {v:?} changed nothing", f.name);
                roxmltree::Document::parse(&edited)
                    .unwrap_or_else(|e| panic!("{} {v:?}: {e}", f.name));
            }
        }
        let ids: Vec<_> = tests().map(|t| t.id).collect();
        assert!(ids.len() >= 40, "{} field tests", ids.len());
    }
}
