//! Planted defects: each switch weakens the platform in one way, so that the IdP
//! conformance suite can be seen to catch exactly that weakness (verdicts.md §5). They
//! exist only in a build with the `planted-defects` feature (the tests'); a production
//! build refuses a `[defects]` table as an unknown field.

use serde::Deserialize;

/// The switches (all off by default).
#[derive(Clone, Copy, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Defects {
    /// A login transaction may be finished by any browser (no browser binding).
    #[serde(default)]
    pub unbound_browser: bool,
    /// A challenge is looked up, not taken out: it can be answered again.
    #[serde(default)]
    pub reusable_challenge: bool,
    /// An unsigned request is taken when some element inside it carries a signature
    /// that verifies (signature wrapping).
    #[serde(default)]
    pub signature_anywhere: bool,
    /// A challenge answers any login, not only the one it was issued for.
    #[serde(default)]
    pub challenge_any_transaction: bool,
    /// An AssertionConsumerServiceURL not in the SP's metadata is used as asked.
    #[serde(default)]
    pub any_acs: bool,
    /// The NameID is derived per person only, the same at every SP.
    #[serde(default)]
    pub shared_name_id: bool,
    /// ForceAuthn is answered from the SSO session.
    #[serde(default)]
    pub ignore_force_authn: bool,
    /// RequestedAuthnContext is not looked at: the card's class is asserted whatever the
    /// SP asked for.
    #[serde(default)]
    pub ignore_requested_class: bool,
    /// Unsigned AuthnRequests are taken from SPs whose metadata says AuthnRequestsSigned.
    #[serde(default)]
    pub unsigned_requests: bool,
    /// An answer after the challenge's expiry is taken.
    #[serde(default)]
    pub ignore_challenge_expiry: bool,
    /// A refused card answer names no way back: the SP never hears of the failure.
    #[serde(default)]
    pub silent_refusal: bool,
    /// A logout ends the platform's session and answers the SP that asked, but the other
    /// SPs of the session are never told.
    #[serde(default)]
    pub logout_initiator_only: bool,
    /// The CA's renewal links are never asked: a renewed card is a new person.
    #[serde(default)]
    pub ignore_renewal_links: bool,
    /// The TLS card-login endpoint offers TLS 1.3 only (no card can sign its PSS).
    #[serde(default)]
    pub tls13_only: bool,
    /// Pages carry no framing protection (clickjacking).
    #[serde(default)]
    pub frameable_pages: bool,
    /// Cookies lack HttpOnly: a script on the page can read the session.
    #[serde(default)]
    pub script_readable_cookies: bool,
    /// A card login keeps the session identifier the browser presented, even one the
    /// platform never issued (session fixation).
    #[serde(default)]
    pub adopted_session_id: bool,
    /// Pages carry no Cache-Control: a page with a signed Response may be cached.
    #[serde(default)]
    pub cacheable_pages: bool,
    /// The card's certificate is released to every SP, not only to the platform.
    #[serde(default)]
    pub certificate_to_any_sp: bool,
    /// Every store is shared by all: a full store refuses the next entry, whoever filled
    /// it (one client could lock everyone out: issue 21).
    #[serde(default)]
    pub shared_stores: bool,
}

impl Defects {
    /// The defects of `config` (none outside a `planted-defects` build).
    pub fn of(config: &crate::IdpConfig) -> Self {
        #[cfg(feature = "planted-defects")]
        {
            config.defects
        }
        #[cfg(not(feature = "planted-defects"))]
        {
            let _ = config;
            Defects::default()
        }
    }
}

/// Whether an element below the root of `xml` carries an enveloped signature that
/// verifies with `certs` (only the planted `signature_anywhere` asks).
pub(crate) fn signed_somewhere(xml: &str, certs: &[Vec<u8>]) -> bool {
    use trust_framework::saml::constants::NS_DSIG;
    use trust_framework::saml::xml;
    let Ok(doc) = xml::parse(xml) else {
        return false;
    };
    let root = doc.root_element();
    doc.descendants()
        .filter(|n| n.is_element() && *n != root)
        .filter(|n| n.children().any(|c| xml::is(c, NS_DSIG, "Signature")))
        .any(|n| trust_framework::saml::signature::verify_enveloped(&xml[n.range()], certs).is_ok())
}

impl crate::platform::Platform {
    /// The defects planted in this platform (none outside a `planted-defects` build).
    pub fn defects(&self) -> Defects {
        Defects::of(&self.config)
    }
}
