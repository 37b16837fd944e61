//! Checks of the SP's own AuthnRequest, as captured when its login URL sends the browser
//! to the suite (TF-SP-005, -006, -007).

use time::{Duration, OffsetDateTime};
use trust_framework::saml::authn_request::AuthnRequest;
use trust_framework::saml::bindings::{self, RedirectSignature};
use trust_framework::saml::constants::{AC_JPKI_USER_AUTH, ALG_RSA_SHA256, BINDING_POST};
use trust_framework::saml::metadata::SpMetadata;
use trust_framework::saml::signature;

/// An AuthnRequest as it left the SP.
#[derive(Clone, Debug)]
pub struct Captured {
    /// The XML.
    pub xml: String,
    /// The parsed request.
    pub request: AuthnRequest,
    /// `HTTP-Redirect` or `HTTP-POST`.
    pub binding: &'static str,
    /// The detached signature of a redirect.
    pub redirect_signature: Option<RedirectSignature>,
    /// RelayState.
    pub relay_state: Option<String>,
    /// Where it was sent.
    pub url: String,
}

/// What the checks see.
pub struct Facts<'a> {
    /// The first login's request.
    pub first: &'a Captured,
    /// A second login's request.
    pub second: &'a Captured,
    /// The SP's metadata.
    pub sp: &'a SpMetadata,
    /// The suite's SSO URL.
    pub sso_url: &'a str,
    /// Now.
    pub now: OffsetDateTime,
}

/// A check's outcome.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// As required.
    Passed(String),
    /// Not as required.
    Failed(String),
    /// Allowed but discouraged.
    Warning(String),
    /// Does not apply, for the reason given.
    Skipped(String),
}

/// A check of the AuthnRequest.
pub struct Check {
    /// Its id.
    pub id: &'static str,
    /// What it checks.
    pub title: &'static str,
    /// The same in Japanese.
    pub title_ja: &'static str,
    /// The requirements.
    pub requirements: &'static [&'static str],
    /// The check.
    pub check: fn(&Facts<'_>) -> Outcome,
}

fn destination(f: &Facts<'_>) -> Outcome {
    match f.first.request.destination.as_deref() {
        Some(d) if d == f.sso_url => Outcome::Passed(format!("Destination {d}")),
        Some(d) => Outcome::Failed(format!(
            "Destination {d:?} is not the IdP's SSO URL {}",
            f.sso_url
        )),
        None if f.first.redirect_signature.is_some() => {
            Outcome::Failed("a signed request without Destination (SAML Bindings §3.4.5.2)".into())
        }
        None => Outcome::Warning("no Destination".into()),
    }
}

fn acs_in_metadata(f: &Facts<'_>) -> Outcome {
    let r = &f.first.request;
    match f.sp.acs_for(r.acs_url.as_deref(), r.acs_index) {
        Some(e) => Outcome::Passed(format!("the ACS {} is in the SP's metadata", e.location)),
        None => Outcome::Failed(match (&r.acs_url, r.acs_index) {
            (Some(url), Some(i)) => format!("the request's ACS {url:?} (index {i}) is not an HTTP-POST ACS of the SP's metadata"),
            (Some(url), None) => format!("the request's ACS {url:?} is not an HTTP-POST ACS of the SP's metadata"),
            (None, Some(i)) => format!("the request's ACS index {i} is not an HTTP-POST ACS of the SP's metadata"),
            (None, None) => "the request names no ACS and the SP's metadata has no HTTP-POST ACS".to_owned(),
        }),
    }
}

fn signed_as_metadata_says(f: &Facts<'_>) -> Outcome {
    let c = f.first;
    let verified = match (&c.redirect_signature, signature::root_is_signed(&c.xml)) {
        (Some(sig), _) => Some(
            bindings::verify_redirect_signature(sig, &f.sp.signing_certs)
                .map(|_| ())
                .map_err(|e| e.to_string()),
        ),
        (None, Ok(true)) => Some(
            signature::verify_enveloped(&c.xml, &f.sp.signing_certs)
                .map(|_| ())
                .map_err(|e| e.to_string()),
        ),
        (None, _) => None,
    };
    match (verified, f.sp.authn_requests_signed) {
        (Some(Ok(())), _) => {
            Outcome::Passed("signed, and the signature verifies with the SP's metadata key".into())
        }
        (Some(Err(e)), _) => Outcome::Failed(format!(
            "the request's signature does not verify with the SP's metadata key: {e}"
        )),
        (None, true) => Outcome::Failed(
            "the metadata says AuthnRequestsSigned but the request is not signed".into(),
        ),
        (None, false) => {
            Outcome::Warning("unsigned (the metadata does not promise signed requests)".into())
        }
    }
}

fn signature_algorithm(f: &Facts<'_>) -> Outcome {
    match &f.first.redirect_signature {
        Some(sig) if sig.sig_alg == ALG_RSA_SHA256 => Outcome::Passed("SigAlg RSA-SHA256".into()),
        Some(sig) => Outcome::Failed(format!(
            "SigAlg {} (the profile allows RSA-SHA256 only)",
            sig.sig_alg
        )),
        None if f.first.binding == "HTTP-POST"
            && signature::root_is_signed(&f.first.xml).unwrap_or(false) =>
        {
            if f.first.xml.contains(ALG_RSA_SHA256) {
                Outcome::Passed("enveloped RSA-SHA256".into())
            } else {
                Outcome::Failed("the enveloped signature is not RSA-SHA256".into())
            }
        }
        None => Outcome::Skipped("the request is not signed".into()),
    }
}

fn fresh(f: &Facts<'_>) -> Outcome {
    let age = f.now - f.first.request.issue_instant;
    if age.abs() <= Duration::minutes(5) {
        Outcome::Passed(format!("IssueInstant {} s from now", age.whole_seconds()))
    } else {
        Outcome::Failed(format!(
            "IssueInstant {} s from now (the platform refuses more than 300)",
            age.whole_seconds()
        ))
    }
}

fn unique_id(f: &Facts<'_>) -> Outcome {
    let (a, b) = (&f.first.request.id, &f.second.request.id);
    if a == b {
        Outcome::Failed(format!("two logins sent the same ID {a}"))
    } else if a.len() < 17 {
        Outcome::Warning(format!(
            "ID {a} is short: at most {} bytes of randomness",
            a.len()
        ))
    } else {
        Outcome::Passed("a fresh ID for each login".into())
    }
}

fn name_id_policy(f: &Facts<'_>) -> Outcome {
    const PERSISTENT: &str = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent";
    const UNSPECIFIED: &str = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified";
    match f.first.request.name_id_format.as_deref() {
        None => Outcome::Passed("no NameIDPolicy Format (the platform gives persistent)".into()),
        Some(PERSISTENT) | Some(UNSPECIFIED) => Outcome::Passed("NameIDPolicy persistent or unspecified".into()),
        Some(other) => Outcome::Failed(format!("NameIDPolicy {other}: the platform issues persistent pairwise NameIDs only (it answers InvalidNameIDPolicy)")),
    }
}

fn authn_context(f: &Facts<'_>) -> Outcome {
    match &f.first.request.requested_authn_context {
        Some(r)
            if r.classes.iter().any(|c| c == AC_JPKI_USER_AUTH)
                && matches!(r.comparison.as_str(), "exact" | "minimum") =>
        {
            Outcome::Passed("asks for the card class".into())
        }
        Some(r) => Outcome::Failed(format!(
            "asks for {} ({}): the platform answers NoAuthnContext",
            crate::words::list(&r.classes),
            r.comparison
        )),
        None => Outcome::Warning(
            "asks no authentication context: the SP must then check the class it gets".into(),
        ),
    }
}

fn protocol_binding(f: &Facts<'_>) -> Outcome {
    match f.first.request.protocol_binding.as_deref() {
        None | Some(BINDING_POST) => Outcome::Passed("the Response comes by HTTP-POST".into()),
        Some(other) => Outcome::Failed(format!(
            "ProtocolBinding {other}: the platform answers by HTTP-POST only"
        )),
    }
}

/// Every check, in report order.
pub static CHECKS: &[Check] = &[
    Check {
        id: "request-destination",
        title: "The AuthnRequest's Destination is the IdP's SSO URL",
        title_ja: "AuthnRequest の Destination が IdP の SSO URL",
        requirements: &["TF-SP-006"],
        check: destination,
    },
    Check {
        id: "request-acs-in-metadata",
        title: "The AuthnRequest asks for an ACS of the SP's own metadata",
        title_ja: "AuthnRequest が SP 自身のメタデータにある ACS を指定",
        requirements: &["TF-SP-006"],
        check: acs_in_metadata,
    },
    Check {
        id: "request-signed-as-metadata-says",
        title: "The AuthnRequest is signed as the SP's metadata says, with its key",
        title_ja: "AuthnRequest が SP のメタデータのとおり、その鍵で署名されている",
        requirements: &["TF-SP-006"],
        check: signed_as_metadata_says,
    },
    Check {
        id: "request-signature-algorithm",
        title: "The AuthnRequest's signature is RSA-SHA256",
        title_ja: "AuthnRequest の署名が RSA-SHA256",
        requirements: &["TF-SP-007"],
        check: signature_algorithm,
    },
    Check {
        id: "request-fresh",
        title: "The AuthnRequest's IssueInstant is now",
        title_ja: "AuthnRequest の IssueInstant が現在時刻",
        requirements: &["TF-SP-006"],
        check: fresh,
    },
    Check {
        id: "request-unique-id",
        title: "Each login sends a fresh request ID",
        title_ja: "ログインごとに新しいリクエスト ID を送る",
        requirements: &["TF-SP-003"],
        check: unique_id,
    },
    Check {
        id: "request-name-id-policy",
        title: "The NameIDPolicy is one the platform gives",
        title_ja: "NameIDPolicy がプラットフォームの発行するもの",
        requirements: &["TF-IDP-008"],
        check: name_id_policy,
    },
    Check {
        id: "request-authn-context",
        title: "The request asks for the card authentication class",
        title_ja: "リクエストがカードの認証クラスを要求",
        requirements: &["TF-SP-005"],
        check: authn_context,
    },
    Check {
        id: "request-protocol-binding",
        title: "The Response is asked for by HTTP-POST",
        title_ja: "Response を HTTP-POST で要求",
        requirements: &["TF-SP-006"],
        check: protocol_binding,
    },
];
