//! The platform as the federation's hub (TF-CATV-001): a login can be passed to a card
//! IdP of the aggregate (a CATV operator authenticating the card at a set-top box); its
//! signed answer names the card's certificate, from which the platform finds the same
//! person as a direct login would, so SPs get the same pairwise NameID, with the channel
//! and the authority that authenticated the card (TF-IDP-016).
//!
//! Trust comes from the aggregate alone (TF-MD-003): only entities the operator
//! registered as card IdPs are asked or believed, with their keys from it.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use time::Duration;
use trust_framework::saml::authn_request::{self, NewAuthnRequest};
use trust_framework::saml::bindings::{self, Kind};
use trust_framework::saml::constants::{attr, AC_JPKI_USER_AUTH, BINDING_REDIRECT};
use trust_framework::saml::sp::{verify_response, Expectations};

use crate::config::valid_channel;
use crate::error::IdpError;
use crate::platform::Platform;
use crate::sessions::{token, LoginTx, Session, UpstreamLogin};

/// Clock skew tolerated on a card IdP's assertions (TF-SP-003).
const UPSTREAM_SKEW: Duration = Duration::minutes(3);

impl Platform {
    /// Passes the login `tx` to the card IdP `idp`: the URL to send the browser to (a
    /// signed AuthnRequest by HTTP-Redirect).
    pub fn start_upstream(&self, tx: &LoginTx, idp: &str) -> Result<String, IdpError> {
        let upstream = self
            .upstream(idp)
            .ok_or_else(|| IdpError::UnknownUpstream(idp.to_owned()))?;
        let sso = upstream
            .sso_location(BINDING_REDIRECT)
            .ok_or_else(|| {
                IdpError::UpstreamRefused(format!("{idp} has no HTTP-Redirect SSO endpoint"))
            })?
            .to_owned();
        let now = self.now();
        let login = UpstreamLogin {
            id: token(),
            request_id: Platform::new_id(),
            tx: tx.id.clone(),
            idp: upstream.entity_id.clone(),
            expires: now + Duration::minutes(10),
        };
        let acs = self.url("/hub/acs");
        let xml = authn_request::build(&NewAuthnRequest {
            id: &login.request_id,
            issuer: self.entity_id.as_str(),
            destination: &sso,
            acs_url: &acs,
            issue_instant: now,
            force_authn: tx.force_authn,
            is_passive: false,
            authn_context_class: Some(AC_JPKI_USER_AUTH),
            attribute_consuming_service_index: None,
        });
        let query =
            bindings::encode_redirect(Kind::Request, &xml, Some(&login.id), Some(&self.key))
                .map_err(|e| IdpError::Internal(e.to_string()))?;
        self.memory.add_upstream(login, now)?;
        let sep = if sso.contains('?') { '&' } else { '?' };
        Ok(format!("{sso}{sep}{query}"))
    }

    /// The login passed upstream under `relay_state`, if the browser is the one that
    /// started it; then taken out, so an answer is used once (another browser's attempt
    /// leaves it for its owner).
    pub fn take_upstream_login(
        &self,
        relay_state: &str,
        same_browser: impl FnOnce(&UpstreamLogin) -> Result<(), IdpError>,
    ) -> Result<UpstreamLogin, IdpError> {
        let login = self
            .memory
            .upstream(relay_state, self.now())
            .ok_or(IdpError::UnknownUpstreamLogin)?;
        same_browser(&login)?;
        self.memory
            .take_upstream(relay_state, self.now())
            .ok_or(IdpError::UnknownUpstreamLogin)
    }

    /// Accepts a card IdP's Response to `login`: verified with that IdP's key from the
    /// aggregate, for this request, with the card class; then the certificate it names
    /// is path-validated here and mapped to the person; a session on the card IdP's
    /// channel is opened.
    pub async fn accept_upstream(
        &self,
        login: &UpstreamLogin,
        response_xml: &str,
    ) -> Result<Session, IdpError> {
        // TF-MD-003: still registered (an aggregate refreshed meanwhile may drop it).
        let upstream = self
            .upstream(login.idp.as_str())
            .ok_or_else(|| IdpError::UnknownUpstream(login.idp.to_string()))?;
        let acs = self.url("/hub/acs");
        let expect = Expectations {
            sp_entity_id: self.entity_id.as_str(),
            acs_url: &acs,
            idp_entity_id: upstream.entity_id.as_str(),
            idp_certs: &upstream.signing_certs,
            request_id: Some(&login.request_id),
            now: self.now(),
            skew: UPSTREAM_SKEW,
            required_class: Some(AC_JPKI_USER_AUTH),
            require_signed_assertion: true,
        };
        let assertion = verify_response(response_xml, &expect)
            .map_err(|e| IdpError::UpstreamRefused(format!("{}: {e}", upstream.entity_id)))?;
        let single = |name: &str| -> Result<String, IdpError> {
            match assertion.attribute(name) {
                Some([one]) => Ok(one.clone()),
                _ => Err(IdpError::UpstreamRefused(format!(
                    "{} did not give exactly one {name}",
                    upstream.entity_id
                ))),
            }
        };
        let channel = single(attr::AUTHN_CHANNEL)?;
        if !valid_channel(&channel) || channel == "direct" {
            return Err(IdpError::UpstreamRefused(format!(
                "{} names channel {channel:?}: a card IdP names its own channel",
                upstream.entity_id
            )));
        }
        let der = STANDARD
            .decode(single(attr::CARD_CERTIFICATE)?)
            .map_err(|_| IdpError::UpstreamRefused("the card certificate is not base64".into()))?;
        // TF-PKI-001..004 here too: the person is found by a certificate we validated.
        let cert = self
            .anchors
            .validate(&der, self.now(), &self.policy)
            .map_err(IdpError::Path)?;
        let anchor = self
            .anchor_config(&cert.anchor.label)
            .ok_or_else(|| IdpError::Internal("anchor without configuration".into()))?;
        let person = self.person_for_certificate(&cert, anchor).await?;
        self.open_session_for(&person, &channel, upstream.entity_id.clone(), &der)
    }
}
