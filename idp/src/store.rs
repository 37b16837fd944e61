//! What must outlast a restart, in SQLite: the pairwise-ID secret and the people the
//! platform has seen (certificate → person key).

use std::path::Path;
use std::sync::{Mutex, PoisonError};

use rand::RngCore;
use rusqlite::{params, Connection, OptionalExtension};
use trust_framework::pairwise::PairwiseSecret;

/// Why the store failed.
#[derive(Debug, thiserror::Error)]
#[error("store: {0}")]
pub struct StoreError(#[from] rusqlite::Error);

/// The IdP's persistent store.
#[derive(Debug)]
pub struct Store {
    db: Mutex<Connection>,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS secret (id INTEGER PRIMARY KEY CHECK (id = 1), pairwise BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS person_cert (
    anchor TEXT NOT NULL,
    serial TEXT NOT NULL,
    person TEXT NOT NULL,
    first_seen INTEGER NOT NULL,
    PRIMARY KEY (anchor, serial)
);
CREATE TABLE IF NOT EXISTS professional (
    person TEXT PRIMARY KEY,
    card_certificate BLOB NOT NULL,
    shigyo_certificate BLOB NOT NULL,
    registered INTEGER NOT NULL
);
";

/// A professional's registration (proxy model 1): the card certificate and the 士業
/// certificate the signed registration bound together.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProfessionalRecord {
    /// The registered card user-authentication certificate (DER).
    pub card_certificate: Vec<u8>,
    /// The 士業 certificate that signed the registration (DER).
    pub shigyo_certificate: Vec<u8>,
}

impl Store {
    /// Opens (or creates) the store at `path`; `:memory:` for tests.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let db = Connection::open(path)?;
        db.execute_batch("PRAGMA journal_mode=WAL;")?;
        db.execute_batch(SCHEMA)?;
        Ok(Self { db: Mutex::new(db) })
    }

    fn db(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.db.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The pairwise secret, created on first use.
    pub fn pairwise_secret(&self) -> Result<PairwiseSecret, StoreError> {
        let db = self.db();
        let existing: Option<Vec<u8>> = db
            .query_row("SELECT pairwise FROM secret WHERE id = 1", [], |r| r.get(0))
            .optional()?;
        let bytes = match existing {
            Some(b) if b.len() == 32 => b,
            _ => {
                let mut b = vec![0u8; 32];
                rand::rngs::OsRng.fill_bytes(&mut b);
                db.execute(
                    "INSERT OR REPLACE INTO secret (id, pairwise) VALUES (1, ?1)",
                    params![b],
                )?;
                b
            }
        };
        let mut arr = [0u8; 32];
        arr.copy_from_slice(&bytes);
        Ok(PairwiseSecret::new(arr))
    }

    /// The person a certificate belongs to, if seen before.
    pub fn person_of(&self, anchor: &str, serial: &str) -> Result<Option<String>, StoreError> {
        // Cached statements: every card login asks, and parsing the SQL cost more than
        // the lookup.
        Ok(self
            .db()
            .prepare_cached("SELECT person FROM person_cert WHERE anchor = ?1 AND serial = ?2")?
            .query_row(params![anchor, serial], |r| r.get(0))
            .optional()?)
    }

    /// Records that a certificate belongs to `person`, unless another login recorded it
    /// first (two first logins of one card at once): returns the person it belongs to, so
    /// that both logins get the same one (a person is never split, TF-IDP-008).
    pub fn link(
        &self,
        anchor: &str,
        serial: &str,
        person: &str,
        now: i64,
    ) -> Result<String, StoreError> {
        // One connection guard for both statements: no other login runs between them.
        let db = self.db();
        db.execute(
            "INSERT OR IGNORE INTO person_cert (anchor, serial, person, first_seen) VALUES (?1, ?2, ?3, ?4)",
            params![anchor, serial, person, now],
        )?;
        Ok(db.query_row(
            "SELECT person FROM person_cert WHERE anchor = ?1 AND serial = ?2",
            params![anchor, serial],
            |r| r.get(0),
        )?)
    }

    /// Records (or replaces) a person's professional registration.
    pub fn register_professional(
        &self,
        person: &str,
        r: &ProfessionalRecord,
        now: i64,
    ) -> Result<(), StoreError> {
        self.db().execute(
            "INSERT OR REPLACE INTO professional (person, card_certificate, shigyo_certificate, registered) VALUES (?1, ?2, ?3, ?4)",
            params![person, r.card_certificate, r.shigyo_certificate, now],
        )?;
        Ok(())
    }

    /// A person's professional registration, if any.
    pub fn professional(&self, person: &str) -> Result<Option<ProfessionalRecord>, StoreError> {
        Ok(self
            .db()
            .prepare_cached(
                "SELECT card_certificate, shigyo_certificate FROM professional WHERE person = ?1",
            )?
            .query_row(params![person], |r| {
                Ok(ProfessionalRecord {
                    card_certificate: r.get(0)?,
                    shigyo_certificate: r.get(1)?,
                })
            })
            .optional()?)
    }

    /// A fresh person key.
    pub fn new_person() -> String {
        let mut b = [0u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut b);
        hex::encode(b)
    }
}

#[cfg(test)]
mod race_tests {
    use super::*;

    /// Many first logins of one card at once, each with the person it would create: all
    /// end with the one person the store kept.
    #[test]
    fn simultaneous_first_logins_of_one_card_get_one_person() {
        let store = std::sync::Arc::new(Store::open(Path::new(":memory:")).unwrap());
        // Every login has looked the card up (and found no one) before any records it.
        let all_looked = std::sync::Barrier::new(16);
        let people: Vec<String> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..16)
                .map(|_| {
                    let (store, all_looked) = (std::sync::Arc::clone(&store), &all_looked);
                    s.spawn(move || {
                        let fresh = store.person_of("jpki-auth", "0a").unwrap();
                        all_looked.wait();
                        let candidate = fresh.unwrap_or_else(Store::new_person);
                        store.link("jpki-auth", "0a", &candidate, 0).unwrap()
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert!(people.iter().all(|p| *p == people[0]), "{people:?}");
        assert_eq!(
            store.person_of("jpki-auth", "0a").unwrap().as_deref(),
            Some(people[0].as_str())
        );
    }
}
