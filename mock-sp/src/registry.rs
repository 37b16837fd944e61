//! The attribute authority's registrations in SQLite (proxy model 2, TF-PROXY-004): the
//! card a professional registered (by the SHA-256 of its certificate) → the 士業
//! certificate registered with it. A registration is committed before the authority
//! answers it: killed at any moment, the authority loses none it acknowledged.

use std::path::Path;
use std::sync::{Mutex, PoisonError};

use rusqlite::{params, Connection, OptionalExtension};

/// Why the registry failed.
#[derive(Debug, thiserror::Error)]
#[error("the registrations: {0}")]
pub struct RegistryError(#[from] rusqlite::Error);

/// The registrations.
#[derive(Debug)]
pub struct Registry {
    db: Mutex<Connection>,
}

impl Registry {
    /// Opens the registrations at `path` (created if new; `None`: in memory).
    pub fn open(path: Option<&Path>) -> Result<Self, RegistryError> {
        let db = match path {
            Some(p) => Connection::open(p)?,
            None => Connection::open_in_memory()?,
        };
        db.execute_batch(
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;
             CREATE TABLE IF NOT EXISTS registration (
                 card_digest BLOB PRIMARY KEY,
                 shigyo_certificate BLOB NOT NULL
             );",
        )?;
        Ok(Self { db: Mutex::new(db) })
    }

    fn db(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.db.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Registers `shigyo` (DER) for the card whose certificate has digest `card`,
    /// replacing an earlier registration of that card.
    pub fn register(&self, card: &[u8; 32], shigyo: &[u8]) -> Result<(), RegistryError> {
        self.db().execute(
            "INSERT OR REPLACE INTO registration (card_digest, shigyo_certificate) VALUES (?1, ?2)",
            params![card.as_slice(), shigyo],
        )?;
        Ok(())
    }

    /// The 士業 certificate registered for the card with digest `card`.
    pub fn shigyo_of(&self, card: &[u8; 32]) -> Result<Option<Vec<u8>>, RegistryError> {
        Ok(self
            .db()
            .prepare_cached("SELECT shigyo_certificate FROM registration WHERE card_digest = ?1")?
            .query_row(params![card.as_slice()], |r| r.get(0))
            .optional()?)
    }

    /// How many cards are registered.
    pub fn len(&self) -> Result<usize, RegistryError> {
        let n: i64 = self
            .db()
            .query_row("SELECT COUNT(*) FROM registration", [], |r| r.get(0))?;
        Ok(usize::try_from(n).unwrap_or(0))
    }

    /// Whether no card is registered.
    pub fn is_empty(&self) -> Result<bool, RegistryError> {
        Ok(self.len()? == 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_registration_outlasts_a_reopening_and_a_new_one_replaces_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("aa.sqlite");
        let card = [7u8; 32];
        Registry::open(Some(&path))
            .unwrap()
            .register(&card, b"first")
            .unwrap();
        let registry = Registry::open(Some(&path)).unwrap();
        assert_eq!(
            registry.shigyo_of(&card).unwrap().as_deref(),
            Some(&b"first"[..])
        );
        registry.register(&card, b"second").unwrap();
        assert_eq!(
            registry.shigyo_of(&card).unwrap().as_deref(),
            Some(&b"second"[..])
        );
        assert_eq!(registry.len().unwrap(), 1);
        assert_eq!(registry.shigyo_of(&[0u8; 32]).unwrap(), None);
    }
}
