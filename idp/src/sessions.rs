//! In-memory state that does not outlast a restart: login transactions, challenges and
//! SSO sessions. Each map is bounded and swept of expired entries.

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, PoisonError};

use rand::RngCore;
use time::{Duration, OffsetDateTime};
use trust_framework::binding::Challenge;
use trust_framework::EntityId;

use crate::config::Limits;
use crate::error::IdpError;

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
    /// Who holds it against the per-client share: the client's address, or the browser's
    /// binding value when the address is not known.
    pub client: String,
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

/// What one owner (a client, a card, an SP) may hold of a store.
#[derive(Clone, Copy)]
struct Share {
    /// Entries per owner.
    per_owner: usize,
    /// When an owner is at its share, or the store is full: its own oldest entry gives way
    /// (`true`), or the new one is refused (`false`: a replay cache must not forget).
    evict: bool,
}

/// A store of entries that expire, bounded in all and per owner, so that no owner can
/// take what others need; expired entries are swept away as time passes.
struct Bounded<T> {
    inner: Mutex<Entries<T>>,
    expires: fn(&T) -> OffsetDateTime,
    owner: fn(&T) -> &str,
    cap: usize,
    share: Share,
}

struct Entries<T> {
    map: HashMap<String, T>,
    /// Each owner's keys, oldest first.
    owners: HashMap<String, VecDeque<String>>,
    last_sweep: Option<OffsetDateTime>,
}

/// How often expired entries are swept away even when no store is full.
const SWEEP_EVERY: Duration = Duration::seconds(60);

impl<T: Clone> Bounded<T> {
    fn new(
        expires: fn(&T) -> OffsetDateTime,
        owner: fn(&T) -> &str,
        cap: usize,
        share: Share,
    ) -> Self {
        Self {
            inner: Mutex::new(Entries {
                map: HashMap::new(),
                owners: HashMap::new(),
                last_sweep: None,
            }),
            expires,
            owner,
            cap: cap.max(1),
            share,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries<T>> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn insert(&self, key: String, value: T, now: OffsetDateTime) -> Result<(), IdpError> {
        let mut e = self.lock();
        self.put(&mut e, key, value, now)
    }

    /// Inserts `value` unless a live entry has `key` already: whether it was new. One
    /// lock for both: two requests with one key cannot both be first.
    fn insert_new(&self, key: String, value: T, now: OffsetDateTime) -> Result<bool, IdpError> {
        let mut e = self.lock();
        if e.map.get(&key).is_some_and(|v| (self.expires)(v) > now) {
            return Ok(false);
        }
        self.put(&mut e, key, value, now).map(|()| true)
    }

    fn put(
        &self,
        e: &mut Entries<T>,
        key: String,
        value: T,
        now: OffsetDateTime,
    ) -> Result<(), IdpError> {
        self.make_room(e, &key, (self.owner)(&value), now)?;
        let owner = (self.owner)(&value).to_owned();
        e.owners.entry(owner).or_default().push_back(key.clone());
        e.map.insert(key, value);
        Ok(())
    }

    /// Room for one more entry of `owner`: expired entries swept when due or when full,
    /// then the owner's own oldest entry, or the largest owner's when the store is full,
    /// gives way (or the entry is refused where nothing may be forgotten).
    fn make_room(
        &self,
        e: &mut Entries<T>,
        key: &str,
        owner: &str,
        now: OffsetDateTime,
    ) -> Result<(), IdpError> {
        self.remove(e, key);
        // A full store is swept at most once a second: under a flood the sweep (a pass
        // over every entry) must not run on every request.
        let since = |every| e.last_sweep.is_none_or(|t| now - t >= every);
        if since(SWEEP_EVERY) || (e.map.len() >= self.cap && since(Duration::seconds(1))) {
            self.sweep(e, now);
        }
        if e.owners.get(owner).map_or(0, VecDeque::len) >= self.share.per_owner {
            if !self.share.evict {
                return Err(IdpError::Busy);
            }
            evict_oldest(e, owner);
        }
        if e.map.len() >= self.cap {
            let largest = e
                .owners
                .iter()
                .max_by_key(|(_, keys)| keys.len())
                .map(|(o, _)| o.clone());
            match largest {
                Some(o) if self.share.evict => evict_oldest(e, &o),
                _ => return Err(IdpError::Busy),
            }
        }
        Ok(())
    }

    /// Drops expired entries and gives their memory back.
    fn sweep(&self, e: &mut Entries<T>, now: OffsetDateTime) {
        let expires = self.expires;
        e.map.retain(|_, v| expires(v) > now);
        let map = &e.map;
        e.owners.retain(|_, keys| {
            keys.retain(|k| map.contains_key(k));
            !keys.is_empty()
        });
        if e.map.capacity() > 64 && e.map.len() < e.map.capacity() / 4 {
            e.map.shrink_to_fit();
            e.owners.shrink_to_fit();
        }
        e.last_sweep = Some(now);
    }

    fn get(&self, key: &str, now: OffsetDateTime) -> Option<T> {
        let e = self.lock();
        e.map.get(key).filter(|v| (self.expires)(v) > now).cloned()
    }

    fn take(&self, key: &str) -> Option<T> {
        self.remove(&mut self.lock(), key)
    }

    /// Removes `key`, from its owner's list too.
    fn remove(&self, e: &mut Entries<T>, key: &str) -> Option<T> {
        let value = e.map.remove(key)?;
        let owner = (self.owner)(&value);
        if let Some(keys) = e.owners.get_mut(owner) {
            if let Some(at) = keys.iter().position(|k| k == key) {
                keys.remove(at);
            }
            if keys.is_empty() {
                e.owners.remove(owner);
            }
        }
        Some(value)
    }

    fn update(&self, key: &str, f: impl FnOnce(&mut T)) {
        if let Some(v) = self.lock().map.get_mut(key) {
            f(v);
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.lock().map.len()
    }
}

fn evict_oldest<T>(e: &mut Entries<T>, owner: &str) {
    let oldest = e.owners.get_mut(owner).and_then(VecDeque::pop_front);
    if let Some(k) = oldest {
        e.map.remove(&k);
    }
    if e.owners.get(owner).is_some_and(VecDeque::is_empty) {
        e.owners.remove(owner);
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
    /// Signed AuthnRequests seen (SP, ID) → (SP, until when they could be replayed).
    requests: Bounded<(String, OffsetDateTime)>,
}

impl Default for Memory {
    fn default() -> Self {
        Self::new(&Limits::default(), false)
    }
}

impl Memory {
    /// Stores within `limits`: logins in progress shared out per client, challenges per
    /// login, sessions per person, remembered requests per SP (`shared`: none of that, the
    /// planted defect of the old stores).
    pub fn new(limits: &Limits, shared: bool) -> Self {
        let n = limits.entries;
        let give_way = |per_owner| Share {
            per_owner: if shared { usize::MAX } else { per_owner },
            evict: !shared,
        };
        Self {
            txs: Bounded::new(
                |t| t.expires,
                |t| &t.client,
                n,
                give_way(limits.logins_per_client),
            ),
            challenges: Bounded::new(
                |p| p.challenge.expires,
                |p| &p.tx,
                n,
                give_way(limits.challenges_per_login),
            ),
            sessions: Bounded::new(
                |s| s.expires,
                |s| &s.person,
                n,
                give_way(limits.sessions_per_person),
            ),
            logouts: Bounded::new(|l| l.expires, |l| &l.id, n, give_way(1)),
            upstream: Bounded::new(
                |u| u.expires,
                |u| &u.tx,
                n,
                give_way(limits.challenges_per_login),
            ),
            // Under a flood of fresh requests (anyone can have an SP sign one by
            // visiting it) the oldest remembered give way: a replayed AuthnRequest only
            // starts a login for whoever sends it, while refusing would stop every login
            // of that SP.
            requests: Bounded::new(
                |(_, until)| *until,
                |(sp, _)| sp,
                n,
                give_way(limits.requests_per_sp),
            ),
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
        self.requests
            .insert_new(format!("{sp} {id}"), (sp.to_owned(), until), now)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone)]
    struct E {
        owner: String,
        until: OffsetDateTime,
    }

    fn store(cap: usize, per_owner: usize, evict: bool) -> Bounded<E> {
        Bounded::new(|e| e.until, |e| &e.owner, cap, Share { per_owner, evict })
    }

    fn put(b: &Bounded<E>, owner: &str, n: usize, now: OffsetDateTime) -> usize {
        (0..n)
            .filter(|i| {
                let e = E {
                    owner: owner.into(),
                    until: now + Duration::minutes(10),
                };
                b.insert(format!("{owner}-{i}"), e, now).is_ok()
            })
            .count()
    }

    #[test]
    fn one_owner_cannot_take_more_than_its_share() {
        let now = OffsetDateTime::now_utc();
        let b = store(100, 10, true);
        put(&b, "flooder", 500, now);
        assert_eq!(b.len(), 10, "the flooder's own oldest gave way");
        assert!(b.get("flooder-499", now).is_some() && b.get("flooder-0", now).is_none());
        assert_eq!(put(&b, "someone", 1, now), 1);
        assert!(b.get("someone-0", now).is_some());
    }

    #[test]
    fn a_full_store_takes_from_the_largest_owner() {
        let now = OffsetDateTime::now_utc();
        let b = store(20, 15, true);
        put(&b, "big", 15, now);
        put(&b, "small", 5, now);
        assert_eq!(put(&b, "new", 1, now), 1);
        assert_eq!(b.len(), 20);
        assert!(
            b.get("big-0", now).is_none(),
            "the largest owner's oldest went"
        );
        assert!((0..5).all(|i| b.get(&format!("small-{i}"), now).is_some()));
    }

    #[test]
    fn a_store_that_must_not_forget_refuses_instead() {
        let now = OffsetDateTime::now_utc();
        let b = store(100, 3, false);
        assert_eq!(put(&b, "sp-1", 10, now), 3, "the SP is busy past its share");
        assert!(b.get("sp-1-0", now).is_some(), "nothing was forgotten");
        assert_eq!(put(&b, "sp-2", 3, now), 3, "another SP is not");
    }

    #[test]
    fn one_key_is_new_once_even_when_raced() {
        let now = OffsetDateTime::now_utc();
        let b = std::sync::Arc::new(store(1000, 1000, true));
        let firsts: usize = (0..8)
            .map(|_| {
                let b = std::sync::Arc::clone(&b);
                std::thread::spawn(move || {
                    let e = E {
                        owner: "sp".into(),
                        until: now + Duration::minutes(10),
                    };
                    usize::from(b.insert_new("sp _req1".into(), e, now).unwrap_or(false))
                })
            })
            .map(|t| t.join().unwrap_or(0))
            .collect::<Vec<_>>()
            .into_iter()
            .sum();
        assert_eq!(firsts, 1, "a replayed request ID accepted twice");
    }

    #[test]
    fn expired_entries_are_swept_as_time_passes() {
        let now = OffsetDateTime::now_utc();
        let b = store(1000, 1000, true);
        put(&b, "a", 500, now);
        let later = now + Duration::minutes(11);
        put(&b, "b", 1, later);
        assert_eq!(b.len(), 1, "the 500 expired entries are gone");
    }
}
