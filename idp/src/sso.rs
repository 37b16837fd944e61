//! SAML Web SSO at the platform: accepting AuthnRequests (TF-IDP-002..005), the policy
//! checks reported back to the SP (TF-IDP-009, -012), and signed Responses
//! (TF-IDP-006..008, -014, -016).

use time::Duration;
use trust_framework::pairwise::{PairwiseId, NAMEID_FORMAT_PERSISTENT};
use trust_framework::saml::authn_request::{self, AuthnRequest};
use trust_framework::saml::bindings::{self, Kind, RedirectSignature};
use trust_framework::saml::constants::{attr, AC_JPKI_USER_AUTH, BINDING_POST};
use trust_framework::saml::response::{self, AssertionParams, Attribute, ResponseParams};
use trust_framework::saml::{signature, xml, SamlError};
use trust_framework::EntityId;

use crate::error::IdpError;
use crate::platform::Platform;
use crate::sessions::{LoginTx, Session};

/// How far an AuthnRequest's IssueInstant may be from now (TF-IDP-005).
pub const REQUEST_SKEW: Duration = Duration::minutes(5);

/// NameID formats the platform accepts in a NameIDPolicy.
const NAMEID_UNSPECIFIED: &str = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified";

/// An AuthnRequest as it arrived.
#[derive(Debug)]
pub struct Incoming {
    /// The XML (inflated or base64-decoded).
    pub xml: String,
    /// RelayState.
    pub relay_state: Option<String>,
    /// The detached signature of an HTTP-Redirect request.
    pub redirect_signature: Option<RedirectSignature>,
}

/// A request the platform accepted: a known SP and its registered ACS.
#[derive(Debug, Clone)]
pub struct Accepted {
    /// The request (from signed content when signed).
    pub request: AuthnRequest,
    /// The SP.
    pub sp: EntityId,
    /// The registered ACS.
    pub acs: String,
    /// RelayState.
    pub relay_state: Option<String>,
}

/// The Issuer of a not-yet-verified request: only to find whose keys to verify with.
fn claimed_issuer(text: &str) -> Result<String, IdpError> {
    let doc = xml::parse(text).map_err(IdpError::BadRequest)?;
    let issuer = xml::child(
        doc.root_element(),
        trust_framework::saml::constants::NS_ASSERTION,
        "Issuer",
    )
    .ok_or(IdpError::BadRequest(SamlError::Invalid("no Issuer".into())))?;
    xml::text(issuer).map_err(IdpError::BadRequest)
}

impl Platform {
    /// Accepts an AuthnRequest or says why not. Errors here are shown to the user, never
    /// sent to an unverified ACS.
    pub fn accept(&self, incoming: Incoming) -> Result<Accepted, IdpError> {
        // TF-IDP-015: the size limit on RelayState holds for both bindings.
        if incoming
            .relay_state
            .as_ref()
            .is_some_and(|r| r.len() > bindings::MAX_RELAY_STATE)
        {
            return Err(IdpError::BadRequest(SamlError::TooLarge(
                "RelayState over 1024 bytes",
            )));
        }
        let issuer = claimed_issuer(&incoming.xml)?;
        // TF-IDP-002: only SPs of the metadata.
        let sp = self.sp(&issuer).ok_or_else(|| self.unknown_sp(&issuer))?;
        // TF-IDP-004: verify any signature there is; require one where metadata says so.
        let signed_xml = match (
            &incoming.redirect_signature,
            signature::root_is_signed(&incoming.xml).map_err(IdpError::BadRequest)?,
        ) {
            (Some(sig), _) => {
                bindings::verify_redirect_signature(sig, &sp.signing_certs)
                    .map_err(IdpError::BadRequestSignature)?;
                Some(incoming.xml.clone())
            }
            (None, true) => Some(
                signature::verify_enveloped(&incoming.xml, &sp.signing_certs)
                    .map_err(IdpError::BadRequestSignature)?,
            ),
            // The planted defect: a signature anywhere in the document that verifies makes
            // the root count as signed (the signature-wrapping bug).
            (None, false)
                if self.defects().signature_anywhere
                    && crate::defects::signed_somewhere(&incoming.xml, &sp.signing_certs) =>
            {
                None
            }
            (None, false) if sp.authn_requests_signed && !self.defects().unsigned_requests => {
                return Err(IdpError::Unsigned(issuer))
            }
            (None, false) => None,
        };
        let request = authn_request::parse(signed_xml.as_deref().unwrap_or(&incoming.xml))
            .map_err(IdpError::BadRequest)?;
        if request.issuer.as_str() != issuer {
            return Err(IdpError::BadRequestSignature(SamlError::Wrapped));
        }
        // TF-IDP-005: fresh.
        let now = self.now();
        if (request.issue_instant - now).abs() > REQUEST_SKEW {
            return Err(IdpError::StaleRequest(xml::instant(request.issue_instant)));
        }
        // A signed request is the SP's word once: resent, it is a replay (anyone who saw
        // it could start logins in the SP's name with it). Kept while it could be fresh.
        let signed = incoming.redirect_signature.is_some() || signed_xml.is_some();
        if signed {
            let until = request.issue_instant + REQUEST_SKEW;
            if !self
                .memory
                .first_use_of_request(&issuer, &request.id, until, now)?
            {
                return Err(IdpError::BadRequest(SamlError::Invalid(format!(
                    "the signed AuthnRequest {} was used before (a replay)",
                    request.id
                ))));
            }
        }
        // SAML Core §3.2.1: a Destination, if present, must be where it arrived.
        if let Some(d) = request
            .destination
            .as_deref()
            .filter(|d| *d != self.url("/sso"))
        {
            return Err(IdpError::BadRequest(SamlError::Invalid(format!(
                "Destination {d:?} is not this IdP's SSO endpoint"
            ))));
        }
        if request
            .protocol_binding
            .as_deref()
            .is_some_and(|b| b != BINDING_POST)
        {
            return Err(IdpError::BadRequest(SamlError::Invalid(
                "only the HTTP-POST binding is offered for Responses".into(),
            )));
        }
        // TF-IDP-003: exactly a registered ACS.
        let planted = self
            .defects()
            .any_acs
            .then_some(())
            .and(request.acs_url.as_ref());
        if let Some(url) = planted {
            return Ok(Accepted {
                sp: sp.entity_id.clone(),
                acs: url.clone(),
                relay_state: incoming.relay_state,
                request,
            });
        }
        let acs = sp
            .acs_for(request.acs_url.as_deref(), request.acs_index)
            .ok_or_else(|| IdpError::AcsNotRegistered {
                sp: issuer.clone(),
                acs: match (&request.acs_url, request.acs_index) {
                    // The peer's URL, quoted: it may hold anything.
                    (Some(url), _) => format!("ACS {url:?}"),
                    (None, Some(i)) => format!("ACS at index {i}"),
                    (None, None) => "default ACS".to_owned(),
                },
            })?;
        Ok(Accepted {
            sp: sp.entity_id.clone(),
            acs: acs.location.clone(),
            relay_state: incoming.relay_state,
            request,
        })
    }

    /// Checks the SP's NameIDPolicy and RequestedAuthnContext (reported to the SP).
    pub fn check_policies(&self, accepted: &Accepted) -> Result<(), IdpError> {
        let r = &accepted.request;
        if let Some(fmt) = &r.name_id_format {
            if fmt != NAMEID_FORMAT_PERSISTENT && fmt != NAMEID_UNSPECIFIED {
                return Err(IdpError::InvalidNameIdPolicy(fmt.clone()));
            }
        }
        let rac = r
            .requested_authn_context
            .as_ref()
            .filter(|_| !self.defects().ignore_requested_class);
        if let Some(rac) = rac {
            // The card is the one and strongest method: "exact" and "minimum" are met if
            // the class is listed; "better" never is.
            let met = match rac.comparison.as_str() {
                "exact" | "minimum" => rac.classes.iter().any(|c| c == AC_JPKI_USER_AUTH),
                "maximum" => true,
                _ => false,
            };
            if !met {
                return Err(IdpError::NoAuthnContext(rac.classes.clone()));
            }
        }
        Ok(())
    }

    /// A login transaction for an accepted request.
    /// A login in progress for `accepted`, bound to `browser`, counted against `client`'s
    /// share (its address; the browser when unknown).
    pub fn start_login(
        &self,
        accepted: &Accepted,
        browser: &str,
        client: Option<std::net::IpAddr>,
    ) -> Result<LoginTx, IdpError> {
        let now = self.now();
        let tx = LoginTx {
            id: crate::sessions::token(),
            sp: accepted.sp.clone(),
            acs: accepted.acs.clone(),
            request_id: accepted.request.id.clone(),
            relay_state: accepted.relay_state.clone(),
            browser: browser.to_owned(),
            client: client.map_or_else(|| browser.to_owned(), |ip| ip.to_string()),
            force_authn: accepted.request.force_authn && !self.defects().ignore_force_authn,
            requested_attributes: accepted
                .request
                .attribute_consuming_service_index
                .and_then(|i| {
                    self.sp(accepted.sp.as_str())
                        .map(|sp| sp.requested_attributes(i).to_vec())
                })
                .unwrap_or_default(),
            created: now,
            expires: now + Duration::minutes(10),
        };
        self.memory.add_tx(tx.clone(), now)?;
        Ok(tx)
    }

    /// The signed Response for `tx` in `session`, as an auto-POST page; notes the visit.
    pub async fn respond(&self, tx: &LoginTx, session: &Session) -> Result<String, IdpError> {
        let now = self.now();
        let sp_for_name_id = if self.defects().shared_name_id {
            &self.entity_id
        } else {
            &tx.sp
        };
        let name_id = PairwiseId::derive(&self.secret, &session.person, sp_for_name_id)
            .as_str()
            .to_owned();
        let issuer = self.entity_id.to_string();
        let r = ResponseParams {
            id: Platform::new_id(),
            issuer: issuer.clone(),
            destination: tx.acs.clone(),
            in_response_to: Some(tx.request_id.clone()),
            issued: now,
        };
        let a = AssertionParams {
            id: Platform::new_id(),
            issuer: issuer.clone(),
            audience: tx.sp.to_string(),
            name_id: name_id.clone(),
            recipient: tx.acs.clone(),
            in_response_to: Some(tx.request_id.clone()),
            issued: now,
            not_on_or_after: now + Duration::seconds(self.config.timing.assertion),
            authn_instant: session.authn_instant,
            session_index: session.index.clone(),
            authn_context_class: AC_JPKI_USER_AUTH.to_owned(),
            attributes: self.attributes_for(tx, session, &name_id).await,
        };
        let (key, cert) = (self.key_der.clone(), self.cert_der.clone());
        let xml = tokio::task::spawn_blocking(move || response::success(&r, &a, &key, &cert))
            .await
            .map_err(|e| IdpError::Internal(e.to_string()))?
            .map_err(|e| IdpError::Internal(e.to_string()))?;
        self.memory.visit(
            &session.id,
            crate::sessions::SpVisit {
                sp: tx.sp.clone(),
                name_id,
            },
        );
        self.memory.end_tx(&tx.id);
        Ok(bindings::post_form(
            &tx.acs,
            Kind::Response,
            &xml,
            tx.relay_state.as_deref(),
        ))
    }

    /// The attributes an SP gets (TF-IDP-016): channel and authenticating authority; a
    /// hub also gets the card's certificate, to find the person (TF-CATV-001); an SP
    /// that asks for it, the user's qualification (TF-PROXY-003).
    async fn attributes_for(
        &self,
        tx: &LoginTx,
        session: &Session,
        name_id: &str,
    ) -> Vec<Attribute> {
        let sp = &tx.sp;
        let mut out = vec![
            Attribute {
                name: attr::AUTHN_CHANNEL.to_owned(),
                values: vec![session.channel.clone()],
            },
            Attribute {
                name: attr::AUTHENTICATING_AUTHORITY.to_owned(),
                values: vec![session.authority.to_string()],
            },
        ];
        if self.is_hub(sp) || self.defects().certificate_to_any_sp {
            use base64::Engine as _;
            out.push(Attribute {
                name: attr::CARD_CERTIFICATE.to_owned(),
                values: vec![
                    base64::engine::general_purpose::STANDARD.encode(&session.card_certificate)
                ],
            });
        }
        // TF-PROXY-003: a qualification only to an SP that asks for it, confirmed now.
        if tx
            .requested_attributes
            .iter()
            .any(|a| a == attr::PROFESSION)
        {
            out.extend(self.qualification_attributes(session, sp, name_id).await);
        }
        out
    }

    /// A signed error Response to the registered ACS, as an auto-POST page.
    pub async fn respond_error(
        &self,
        acs: &str,
        request_id: &str,
        relay_state: Option<&str>,
        err: &IdpError,
    ) -> Result<String, IdpError> {
        let (top, sub) = err.saml_status();
        let r = ResponseParams {
            id: Platform::new_id(),
            issuer: self.entity_id.to_string(),
            destination: acs.to_owned(),
            in_response_to: Some(request_id.to_owned()),
            issued: self.now(),
        };
        let (key, cert, message) = (self.key_der.clone(), self.cert_der.clone(), err.to_string());
        let xml = tokio::task::spawn_blocking(move || {
            response::error(&r, top, sub, &message, &key, &cert)
        })
        .await
        .map_err(|e| IdpError::Internal(e.to_string()))?
        .map_err(|e| IdpError::Internal(e.to_string()))?;
        Ok(bindings::post_form(acs, Kind::Response, &xml, relay_state))
    }
}
