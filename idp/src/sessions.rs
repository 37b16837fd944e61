//! In-memory state that does not outlast a restart: login transactions, challenges and
//! SSO sessions. Each map is bounded and swept of expired entries.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use rand::RngCore;
use time::OffsetDateTime;
use trust_framework::binding::Challenge;
use trust_framework::EntityId;

use crate::error::IdpError;

/// Most entries a map holds (a flood of unfinished logins cannot exhaust memory).
const CAP: usize = 100_000;

/// A random URL-safe token of 32 bytes.
pub fn token() -> String {
    use base64::Engine as _;
    let mut b = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut b);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

/// A login in progress: an accepted AuthnRequest waiting for the card.
#[derive(Clone, Debug)]
pub struct LoginTx {
    /// Its id (in URLs).
    pub id: String,
    /// The SP.
    pub sp: EntityId,
    /// The registered ACS the Response goes to.
    pub acs: String,
    /// The request's ID (InResponseTo).
    pub request_id: String,
    /// RelayState to return.
    pub relay_state: Option<String>,
    /// The browser that started it (its cookie): only it may finish the login.
    pub browser: String,
    /// ForceAuthn: only a card login after `created` counts.
    pub force_authn: bool,
    /// The attributes the SP asked for (its AttributeConsumingService).
    pub requested_attributes: Vec<String>,
    /// When it started.
    pub created: OffsetDateTime,
    /// When it is dropped.
    pub expires: OffsetDateTime,
}

/// An SP the session has logged into, for Single Logout.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpVisit {
    /// The SP.
    pub sp: EntityId,
    /// The NameID it was given.
    pub name_id: String,
}

/// An SSO session.
#[derive(Clone, Debug)]
pub struct Session {
    /// The cookie value.
    pub id: String,
    /// The person.
    pub person: String,
    /// When the card last authenticated.
    pub authn_instant: OffsetDateTime,
    /// SessionIndex given to SPs.
    pub index: String,
    /// When it ends.
    pub expires: OffsetDateTime,
    /// SPs logged into.
    pub visits: Vec<SpVisit>,
    /// The channel the card was authenticated on: `direct`, or a card IdP's (TF-IDP-016).
    pub channel: String,
    /// The entity that authenticated the card (TF-IDP-016).
    pub authority: EntityId,
    /// The user-authentication certificate (DER), released to hubs only.
    pub card_certificate: Vec<u8>,
}

/// A login the platform, as a hub, passed to a card IdP (TF-CATV-001).
#[derive(Clone, Debug)]
pub struct UpstreamLogin {
    /// Its key (RelayState to the card IdP).
    pub id: String,
    /// The AuthnRequest ID sent (InResponseTo of the answer).
    pub request_id: String,
    /// The login transaction it serves.
    pub tx: String,
    /// The card IdP asked.
    pub idp: EntityId,
    /// When it is dropped.
    pub expires: OffsetDateTime,
}

struct Bounded<T> {
    map: Mutex<HashMap<String, T>>,
    expires: fn(&T) -> OffsetDateTime,
}

impl<T: Clone> Bounded<T> {
    fn new(expires: fn(&T) -> OffsetDateTime) -> Self {
        Self {
            map: Mutex::default(),
            expires,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, T>> {
        self.map.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn insert(&self, key: String, value: T, now: OffsetDateTime) -> Result<(), IdpError> {
        let mut map = self.lock();
        if map.len() >= CAP {
            let expires = self.expires;
            map.retain(|_, v| expires(v) > now);
            if map.len() >= CAP {
                return Err(IdpError::Busy);
            }
        }
        map.insert(key, value);
        Ok(())
    }

    /// Inserts `value` unless a live entry has `key` already: whether it was new.
    fn insert_new(&self, key: String, value: T, now: OffsetDateTime) -> Result<bool, IdpError> {
        let mut map = self.lock();
        if map.get(&key).is_some_and(|v| (self.expires)(v) > now) {
            return Ok(false);
        }
        if map.len() >= CAP {
            let expires = self.expires;
            map.retain(|_, v| expires(v) > now);
            if map.len() >= CAP {
                return Err(IdpError::Busy);
            }
        }
        map.insert(key, value);
        Ok(true)
    }

    fn get(&self, key: &str, now: OffsetDateTime) -> Option<T> {
        let map = self.lock();
        map.get(key).filter(|v| (self.expires)(v) > now).cloned()
    }

    fn take(&self, key: &str) -> Option<T> {
        self.lock().remove(key)
    }

    fn update(&self, key: &str, f: impl FnOnce(&mut T)) {
        if let Some(v) = self.lock().get_mut(key) {
            f(v);
        }
    }
}

/// A pending challenge with its transaction.
#[derive(Clone, Debug)]
pub struct Pending {
    /// The transaction.
    pub tx: String,
    /// The challenge.
    pub challenge: Challenge,
}

/// A Single Logout in progress: the SPs still to visit, and who to answer at the end.
#[derive(Clone, Debug)]
pub struct LogoutTx {
    /// Its id (carried as RelayState through the SPs).
    pub id: String,
    /// The SP that asked: (SP, its request ID, its RelayState); `None` when the user
    /// logged out at the platform.
    pub initiator: Option<(EntityId, String, Option<String>)>,
    /// SPs still to log out.
    pub pending: Vec<SpVisit>,
    /// The LogoutRequest ID sent to the SP being visited.
    pub awaiting: Option<(EntityId, String)>,
    /// SPs that did not confirm.
    pub failed: Vec<EntityId>,
    /// When it is dropped.
    pub expires: OffsetDateTime,
}

/// All stores.
pub struct Memory {
    txs: Bounded<LoginTx>,
    challenges: Bounded<Pending>,
    sessions: Bounded<Session>,
    logouts: Bounded<LogoutTx>,
    upstream: Bounded<UpstreamLogin>,
    /// Signed AuthnRequests seen (SP, ID) → until when they could be replayed.
    requests: Bounded<OffsetDateTime>,
}

impl Default for Memory {
    fn default() -> Self {
        Self {
            txs: Bounded::new(|t| t.expires),
            challenges: Bounded::new(|p| p.challenge.expires),
            sessions: Bounded::new(|s| s.expires),
            logouts: Bounded::new(|l| l.expires),
            upstream: Bounded::new(|u| u.expires),
            requests: Bounded::new(|until| *until),
        }
    }
}

impl std::fmt::Debug for Memory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Memory")
    }
}

impl Memory {
    /// Records the first use of signed request `id` of `sp`, kept `until` it could no
    /// longer be accepted anyway: false when it was used before (a replay).
    pub fn first_use_of_request(
        &self,
        sp: &str,
        id: &str,
        until: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<bool, IdpError> {
        self.requests.insert_new(format!("{sp} {id}"), until, now)
    }

    /// Records a login transaction.
    pub fn add_tx(&self, tx: LoginTx, now: OffsetDateTime) -> Result<(), IdpError> {
        self.txs.insert(tx.id.clone(), tx, now)
    }

    /// A live transaction.
    pub fn tx(&self, id: &str, now: OffsetDateTime) -> Option<LoginTx> {
        self.txs.get(id, now)
    }

    /// Ends a transaction (its Response was sent).
    pub fn end_tx(&self, id: &str) {
        self.txs.take(id);
    }

    /// Records a challenge under its nonce.
    pub fn add_challenge(&self, pending: Pending, now: OffsetDateTime) -> Result<(), IdpError> {
        self.challenges
            .insert(pending.challenge.nonce.encode(), pending, now)
    }

    /// Removes and returns a challenge: a nonce is good for one answer (TF-BIND-002).
    pub fn take_challenge(&self, nonce: &str) -> Option<Pending> {
        self.challenges.take(nonce)
    }

    /// A pending challenge, left in place (a planted defect's: challenges are taken).
    pub(crate) fn peek_challenge(&self, nonce: &str, now: OffsetDateTime) -> Option<Pending> {
        self.challenges.get(nonce, now)
    }

    /// Records a session.
    pub fn add_session(&self, s: Session, now: OffsetDateTime) -> Result<(), IdpError> {
        self.sessions.insert(s.id.clone(), s, now)
    }

    /// A live session.
    pub fn session(&self, id: &str, now: OffsetDateTime) -> Option<Session> {
        self.sessions.get(id, now)
    }

    /// Notes an SP visit in a session.
    pub fn visit(&self, id: &str, visit: SpVisit) {
        self.sessions.update(id, |s| {
            if !s.visits.contains(&visit) {
                s.visits.push(visit);
            }
        });
    }

    /// Records a logout in progress.
    pub fn put_logout(&self, l: LogoutTx, now: OffsetDateTime) -> Result<(), IdpError> {
        self.logouts.insert(l.id.clone(), l, now)
    }

    /// Takes a logout in progress out (it is put back if it goes on).
    pub fn take_logout(&self, id: &str) -> Option<LogoutTx> {
        self.logouts.take(id)
    }

    /// Records a login passed to a card IdP.
    pub fn add_upstream(&self, u: UpstreamLogin, now: OffsetDateTime) -> Result<(), IdpError> {
        self.upstream.insert(u.id.clone(), u, now)
    }

    /// A live login passed to a card IdP, left in place.
    pub fn upstream(&self, id: &str, now: OffsetDateTime) -> Option<UpstreamLogin> {
        self.upstream.get(id, now)
    }

    /// Takes out a login passed to a card IdP: its answer is accepted once.
    pub fn take_upstream(&self, id: &str, now: OffsetDateTime) -> Option<UpstreamLogin> {
        self.upstream.take(id).filter(|u| u.expires > now)
    }

    /// Ends a session and returns it.
    pub fn end_session(&self, id: &str) -> Option<Session> {
        self.sessions.take(id)
    }
}
