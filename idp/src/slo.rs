//! Single Logout over the front channel (TF-IDP-013): a LogoutRequest from one SP, or the
//! user at the platform, ends the session and visits every other SP of the session with
//! a signed LogoutRequest before answering the initiator.

use time::{Duration, OffsetDateTime};
use trust_framework::saml::bindings::{self, Kind, RedirectMessage};
use trust_framework::saml::constants::{status, BINDING_REDIRECT};
use trust_framework::saml::logout::{self, LogoutRequest, LogoutResponse};
use trust_framework::saml::SamlError;
use trust_framework::EntityId;

use crate::error::IdpError;
use crate::platform::Platform;
use crate::sessions::{token, LogoutTx};

/// Where the browser goes next.
#[derive(Debug)]
pub enum Next {
    /// A redirect (to an SP's SLO endpoint).
    Redirect(String),
    /// The end of a logout the user started here.
    Done {
        /// SPs that did not confirm.
        failed: Vec<EntityId>,
    },
}

impl Platform {
    fn sp_slo(&self, sp: &EntityId) -> Option<String> {
        self.sp(sp.as_str())?
            .slo
            .iter()
            .find(|e| e.binding == BINDING_REDIRECT)
            .map(|e| e.location.clone())
    }

    /// The SP a logout message comes from, its signature verified with that SP's metadata
    /// keys, sent to this endpoint, and recent (as TF-SP-010 asks of SPs).
    fn verify_from_sp(
        &self,
        message: &RedirectMessage,
        (issuer, destination, issued): (&str, Option<&str>, OffsetDateTime),
    ) -> Result<EntityId, IdpError> {
        let sp = self.sp(issuer).ok_or_else(|| self.unknown_sp(issuer))?;
        // SAML Profiles §4.4.4.1: logout messages are signed.
        let sig = message.signature.as_ref().ok_or_else(|| {
            IdpError::BadLogout(SamlError::Invalid(format!(
                "it is not signed, and logout messages from {issuer} must be (SAML Profiles 4.4.4.1)"
            )))
        })?;
        bindings::verify_redirect_signature(sig, &sp.signing_certs).map_err(IdpError::BadLogout)?;
        logout::check_addressing(
            (issuer, destination, issued),
            issuer,
            &self.url("/slo"),
            self.now(),
        )
        .map_err(IdpError::BadLogout)?;
        Ok(sp.entity_id.clone())
    }

    /// A LogoutRequest from an SP: ends the session in `cookie` and starts the round.
    pub fn logout_requested(
        &self,
        message: &RedirectMessage,
        cookie: Option<&str>,
    ) -> Result<Next, IdpError> {
        let request = logout::parse_request(&message.xml).map_err(IdpError::BadLogout)?;
        let sp = self.verify_from_sp(
            message,
            (
                &request.issuer,
                request.destination.as_deref(),
                request.issue_instant,
            ),
        )?;
        let mut pending = Vec::new();
        if let Some(session) = cookie.and_then(|c| self.memory.session(c, self.now())) {
            // Only the session the SP names is ended: its NameID for that SP must match.
            if session
                .visits
                .iter()
                .any(|v| v.sp == sp && v.name_id == request.name_id)
            {
                self.memory.end_session(&session.id);
                pending = session.visits.into_iter().filter(|v| v.sp != sp).collect();
                if self.defects().logout_initiator_only {
                    pending.clear();
                }
            }
        }
        let tx = LogoutTx {
            id: token(),
            initiator: Some((sp, request.id, message.relay_state.clone())),
            pending,
            awaiting: None,
            failed: Vec::new(),
            expires: self.now() + Duration::minutes(5),
        };
        self.next_logout(tx)
    }

    /// The user logs out at the platform.
    pub fn logout_here(&self, cookie: Option<&str>) -> Result<Next, IdpError> {
        let pending = cookie
            .and_then(|c| self.memory.end_session(c))
            .map(|s| s.visits)
            .unwrap_or_default();
        let tx = LogoutTx {
            id: token(),
            initiator: None,
            pending,
            awaiting: None,
            failed: Vec::new(),
            expires: self.now() + Duration::minutes(5),
        };
        self.next_logout(tx)
    }

    /// An SP's LogoutResponse during the round.
    pub fn logout_answered(&self, message: &RedirectMessage) -> Result<Next, IdpError> {
        let response = logout::parse_response(&message.xml).map_err(IdpError::BadLogout)?;
        let sp = self.verify_from_sp(
            message,
            (
                &response.issuer,
                response.destination.as_deref(),
                response.issue_instant,
            ),
        )?;
        let id = message
            .relay_state
            .as_deref()
            .ok_or(IdpError::UnknownTransaction)?;
        let mut tx = self
            .memory
            .take_logout(id)
            .ok_or(IdpError::UnknownTransaction)?;
        match &tx.awaiting {
            Some((expected, request_id))
                if *expected == sp
                    && response.in_response_to.as_deref() == Some(request_id.as_str()) => {}
            _ => {
                return Err(IdpError::BadLogout(SamlError::Invalid(
                    "a LogoutResponse to a request the platform did not send".into(),
                )))
            }
        }
        if response.status != status::SUCCESS {
            tx.failed.push(sp);
        }
        tx.awaiting = None;
        self.next_logout(tx)
    }

    fn next_logout(&self, mut tx: LogoutTx) -> Result<Next, IdpError> {
        let now = self.now();
        while let Some(visit) = tx.pending.pop() {
            let Some(slo) = self.sp_slo(&visit.sp) else {
                tx.failed.push(visit.sp);
                continue;
            };
            let request = LogoutRequest {
                id: Platform::new_id(),
                issuer: self.entity_id.to_string(),
                destination: Some(slo.clone()),
                issue_instant: now,
                name_id: visit.name_id.clone(),
                session_index: None,
            };
            let xml = logout::build_request(&request, self.entity_id.as_str(), visit.sp.as_str());
            let query =
                bindings::encode_redirect(Kind::Request, &xml, Some(&tx.id), Some(&self.key))
                    .map_err(|e| IdpError::Internal(e.to_string()))?;
            tx.awaiting = Some((visit.sp, request.id));
            self.memory.put_logout(tx, now)?;
            return Ok(Next::Redirect(format!("{slo}?{query}")));
        }
        match tx.initiator {
            None => Ok(Next::Done { failed: tx.failed }),
            Some((sp, request_id, relay_state)) => {
                let slo = self.sp_slo(&sp).ok_or_else(|| {
                    IdpError::BadRequest(SamlError::Invalid(format!(
                        "{sp} has no SingleLogoutService for HTTP-Redirect"
                    )))
                })?;
                let status = if tx.failed.is_empty() {
                    status::SUCCESS
                } else {
                    status::RESPONDER
                };
                let response = LogoutResponse {
                    id: Platform::new_id(),
                    issuer: self.entity_id.to_string(),
                    destination: Some(slo.clone()),
                    issue_instant: now,
                    in_response_to: Some(request_id),
                    status: status.to_owned(),
                };
                let query = bindings::encode_redirect(
                    Kind::Response,
                    &logout::build_response(&response),
                    relay_state.as_deref(),
                    Some(&self.key),
                )
                .map_err(|e| IdpError::Internal(e.to_string()))?;
                Ok(Next::Redirect(format!("{slo}?{query}")))
            }
        }
    }
}
