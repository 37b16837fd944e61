//! Every way a request to the IdP can fail, and, in one place, what each means on the
//! wire: an HTTP status for pages and the JSON API, a SAML status for the SP.

use trust_framework::binding::BindingError;
use trust_framework::saml::constants::status;
use trust_framework::saml::SamlError;
use trust_framework::x509::PathError;

/// An IdP error, grouped by who is at fault.
#[derive(Debug, thiserror::Error)]
pub enum IdpError {
    // --- The SP's request (no trusted ACS yet: an error page, never a redirect) ---
    /// Undecodable or invalid SAML (TF-IDP-015).
    #[error("invalid SAML request: {0}")]
    BadRequest(SamlError),
    /// An SP not in the metadata (TF-IDP-002).
    #[error("unknown SP {0}: not in the platform's metadata")]
    UnknownSp(String),
    /// An ACS URL not in the SP's metadata (TF-IDP-003).
    #[error("the {acs} is not registered for {sp} (no redirect to unregistered URLs)")]
    AcsNotRegistered {
        /// The SP.
        sp: String,
        /// The requested ACS in words: `ACS "<URL>"`, `ACS at index <n>` or `default ACS`.
        acs: String,
    },
    /// A request that must be signed was not (TF-IDP-004).
    #[error("{0} requires signed AuthnRequests and this one is not signed")]
    Unsigned(String),
    /// A request signature that does not verify, or wraps other content (TF-IDP-004).
    #[error("the AuthnRequest signature is not acceptable: {0}")]
    BadRequestSignature(SamlError),
    /// IssueInstant too far from now (TF-IDP-005).
    #[error("the AuthnRequest was issued at {0}, too far from the platform's clock")]
    StaleRequest(String),
    /// A login started in another browser.
    #[error("this login was started in another browser: start again at the service")]
    ForeignTransaction,
    /// A link or form missing what it needs (a parameter left out, a damaged URL).
    #[error("the request is incomplete: {0}")]
    Incomplete(String),
    /// A logout message (LogoutRequest or LogoutResponse) that is malformed, unsigned,
    /// badly signed, addressed elsewhere or stale (SAML Profiles §4.4.4, TF-IDP-013).
    #[error("the logout message is not acceptable: {0}")]
    BadLogout(SamlError),
    /// No such login transaction (expired, or never existed).
    #[error("no such login in progress (it may have expired): start again at the service")]
    UnknownTransaction,

    // --- Reported to the SP's registered ACS as a SAML error ---
    /// IsPassive without a session (TF-IDP-012).
    #[error("the SP asked for passive authentication and there is no session")]
    NoPassive,
    /// A requested AuthnContext the platform cannot give (TF-IDP-009).
    #[error("requested authentication context {} cannot be given", .0.join(", "))]
    NoAuthnContext(Vec<String>),
    /// A NameID format the platform does not issue.
    #[error("NameID format {0} is not supported (persistent only)")]
    InvalidNameIdPolicy(String),

    // --- The card login ---
    /// The card-login binding was violated (TF-BIND).
    #[error("card login refused: {0}")]
    Binding(BindingError),
    /// Unknown, used or expired challenge (TF-BIND-002, -003).
    #[error("card login refused: {0}")]
    Challenge(&'static str),
    /// The certificate path does not validate (TF-PKI-001..004).
    #[error("card certificate refused: {0}")]
    Path(PathError),
    /// The certificate is revoked (TF-PKI-005, -006).
    #[error("card certificate refused: revoked ({})", reason_name(*.0))]
    Revoked(Option<u8>),
    /// No verified revocation answer: fail closed (TF-PKI-006).
    #[error("card certificate refused: revocation status unavailable (OCSP: {ocsp}; CRL: {crl})")]
    RevocationUnavailable {
        /// What went wrong with OCSP.
        ocsp: String,
        /// What went wrong with the CRL.
        crl: String,
    },
    /// A malformed card-login message.
    #[error("card login message not understood: {0}")]
    BadAnswer(String),

    // --- The hub (TF-CATV-001) ---
    /// A card IdP the aggregate does not register as one (TF-MD-003).
    #[error("{0} is not a card IdP of the federation metadata")]
    UnknownUpstream(String),
    /// A card IdP's answer was not acceptable.
    #[error("the card IdP's answer is refused: {0}")]
    UpstreamRefused(String),
    /// An answer for no login the platform passed on (unsolicited, or used before).
    #[error(
        "no login was passed to a card IdP under this RelayState (unsolicited or replayed answer)"
    )]
    UnknownUpstreamLogin,

    // --- Proxy applications (TF-PROXY) ---
    /// A registration or a qualification that cannot be accepted.
    #[error("{0}")]
    ProxyRefused(String),

    // --- The platform ---
    /// A card seen for the first time, and the CA's renewal-link service could not be asked
    /// whether it replaced another (TF-PKI-008: refused rather than a new person).
    #[error("the card cannot be told apart from a renewed one now (the CA's renewal-link service: {0}); try again later")]
    RenewalLinksUnavailable(String),
    /// The user went back to the SP without a card login (the card was refused, or they
    /// gave up): reported as AuthnFailed (TF-IDP-014).
    #[error("the card login was not completed: the card was refused or the user went back to the service")]
    LoginNotCompleted,
    /// A logout that did not come from the platform's own logout button (another site
    /// sent the browser to `/logout`): the session stays.
    #[error("the logout was not confirmed on the platform's own page; the session stays")]
    LogoutNotConfirmed,
    /// Too many logins in progress.
    #[error("the platform is busy; try again")]
    Busy,
    /// A bug or a broken dependency.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<relying_party::RevocationError> for IdpError {
    fn from(e: relying_party::RevocationError) -> Self {
        match e {
            relying_party::RevocationError::Revoked(reason) => Self::Revoked(reason),
            relying_party::RevocationError::Unavailable { ocsp, crl } => {
                Self::RevocationUnavailable { ocsp, crl }
            }
            relying_party::RevocationError::Internal => {
                Self::Internal("a good revocation answer without proof".into())
            }
        }
    }
}

/// RFC 5280 §5.3.1 reason names.
fn reason_name(code: Option<u8>) -> &'static str {
    match code {
        None => "no reason given",
        Some(0) => "unspecified",
        Some(1) => "keyCompromise: the card was reported lost or stolen",
        Some(3) => "affiliationChanged",
        Some(4) => "superseded: a new card was issued",
        Some(5) => "cessationOfOperation",
        Some(6) => "certificateHold: suspended",
        Some(9) => "privilegeWithdrawn",
        Some(_) => "another reason",
    }
}

impl IdpError {
    /// The HTTP status for pages and the JSON API.
    pub fn http_status(&self) -> u16 {
        match self {
            Self::Busy => 503,
            Self::Internal(_) => 500,
            Self::RevocationUnavailable { .. } | Self::RenewalLinksUnavailable(_) => 503,
            Self::Path(_)
            | Self::Revoked(_)
            | Self::Binding(_)
            | Self::Challenge(_)
            | Self::UpstreamRefused(_)
            | Self::UnknownUpstream(_)
            | Self::UnknownUpstreamLogin
            | Self::LogoutNotConfirmed
            | Self::ProxyRefused(_) => 403,
            _ => 400,
        }
    }

    /// The SAML status (top level, second level) when reported to an SP (TF-IDP-014).
    pub fn saml_status(&self) -> (&'static str, Option<&'static str>) {
        match self {
            Self::NoPassive => (status::RESPONDER, Some(status::NO_PASSIVE)),
            Self::NoAuthnContext(_) => (status::RESPONDER, Some(status::NO_AUTHN_CONTEXT)),
            Self::InvalidNameIdPolicy(_) => {
                (status::REQUESTER, Some(status::INVALID_NAMEID_POLICY))
            }
            Self::Binding(_)
            | Self::Challenge(_)
            | Self::Path(_)
            | Self::Revoked(_)
            | Self::RevocationUnavailable { .. }
            | Self::BadAnswer(_)
            | Self::LoginNotCompleted
            | Self::RenewalLinksUnavailable(_)
            | Self::UpstreamRefused(_) => (status::RESPONDER, Some(status::AUTHN_FAILED)),
            Self::ProxyRefused(_) => (status::RESPONDER, Some(status::REQUEST_UNSUPPORTED)),
            Self::BadRequest(_)
            | Self::BadLogout(_)
            | Self::UnknownSp(_)
            | Self::AcsNotRegistered { .. }
            | Self::Unsigned(_)
            | Self::BadRequestSignature(_)
            | Self::StaleRequest(_)
            | Self::UnknownTransaction
            | Self::Incomplete(_)
            | Self::ForeignTransaction
            | Self::UnknownUpstream(_)
            | Self::UnknownUpstreamLogin
            | Self::LogoutNotConfirmed => (status::REQUESTER, Some(status::REQUEST_UNSUPPORTED)),
            Self::Busy | Self::Internal(_) => (status::RESPONDER, None),
        }
    }
}
