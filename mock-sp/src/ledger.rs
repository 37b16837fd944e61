//! The bank's ledger in SQLite: accounts, the NameIDs linked to them (TF-BANK-001) and
//! the payment requests paid (TF-BANK-002, each once). Every change is one transaction,
//! committed before the bank answers: a bank killed at any moment loses no payment it
//! acknowledged, pays none twice after it starts again, and never debits an account
//! without marking the request paid (or the reverse).

use std::path::Path;
use std::sync::{Mutex, PoisonError};

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use crate::bank::Account;

/// Why the ledger failed.
#[derive(Debug, thiserror::Error)]
#[error("the bank's ledger: {0}")]
pub struct LedgerError(#[from] rusqlite::Error);

/// What a payment came to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Paid {
    /// Debited and recorded.
    Done,
    /// The request was paid before: nothing debited.
    AlreadyPaid,
    /// The balance is short: nothing debited, the request not recorded.
    InsufficientFunds,
    /// No such account.
    NoAccount,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS account (
    number TEXT PRIMARY KEY,
    password TEXT NOT NULL,
    holder TEXT NOT NULL,
    balance INTEGER NOT NULL CHECK (balance >= 0)
);
CREATE TABLE IF NOT EXISTS link (name_id TEXT PRIMARY KEY, account TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS paid (
    request TEXT PRIMARY KEY,
    account TEXT NOT NULL,
    amount INTEGER NOT NULL
);
";

/// The ledger.
#[derive(Debug)]
pub struct Ledger {
    db: Mutex<Connection>,
}

impl Ledger {
    /// Opens the ledger at `path` (created if new; `None`: in memory), adding the
    /// `accounts` it does not hold yet (an existing account keeps its balance).
    pub fn open(path: Option<&Path>, accounts: &[Account]) -> Result<Self, LedgerError> {
        let db = match path {
            Some(p) => Connection::open(p)?,
            None => Connection::open_in_memory()?,
        };
        // WAL with full sync: a commit is on disk before the bank answers.
        db.execute_batch("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;")?;
        db.execute_batch(SCHEMA)?;
        for a in accounts {
            db.execute(
                "INSERT OR IGNORE INTO account (number, password, holder, balance) VALUES (?1, ?2, ?3, ?4)",
                params![a.number, a.password, a.holder, to_i64(a.balance)],
            )?;
        }
        Ok(Self { db: Mutex::new(db) })
    }

    fn db(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.db.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The account `number`, if open.
    pub fn account(&self, number: &str) -> Result<Option<Account>, LedgerError> {
        Ok(self
            .db()
            .query_row(
                "SELECT number, password, holder, balance FROM account WHERE number = ?1",
                params![number],
                |r| {
                    Ok(Account {
                        number: r.get(0)?,
                        password: r.get(1)?,
                        holder: r.get(2)?,
                        balance: u64::try_from(r.get::<_, i64>(3)?).unwrap_or(0),
                    })
                },
            )
            .optional()?)
    }

    /// Links `name_id` to `account` (replacing an earlier link).
    pub fn link(&self, name_id: &str, account: &str) -> Result<(), LedgerError> {
        self.db().execute(
            "INSERT OR REPLACE INTO link (name_id, account) VALUES (?1, ?2)",
            params![name_id, account],
        )?;
        Ok(())
    }

    /// The account linked to `name_id`, if any.
    pub fn linked(&self, name_id: &str) -> Result<Option<String>, LedgerError> {
        Ok(self
            .db()
            .query_row(
                "SELECT account FROM link WHERE name_id = ?1",
                params![name_id],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Whether `request` was paid.
    pub fn is_paid(&self, request: &str) -> Result<bool, LedgerError> {
        Ok(self
            .db()
            .query_row(
                "SELECT 1 FROM paid WHERE request = ?1",
                params![request],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }

    /// Pays `request` from `account`: the debit and the record of the request in one
    /// transaction.
    pub fn pay(&self, request: &str, account: &str, amount: u64) -> Result<Paid, LedgerError> {
        let mut db = self.db();
        let tx = db.transaction_with_behavior(TransactionBehavior::Immediate)?;
        if tx
            .query_row(
                "SELECT 1 FROM paid WHERE request = ?1",
                params![request],
                |_| Ok(()),
            )
            .optional()?
            .is_some()
        {
            return Ok(Paid::AlreadyPaid);
        }
        let balance: Option<i64> = tx
            .query_row(
                "SELECT balance FROM account WHERE number = ?1",
                params![account],
                |r| r.get(0),
            )
            .optional()?;
        let Some(balance) = balance else {
            return Ok(Paid::NoAccount);
        };
        let amount = to_i64(amount);
        if balance < amount {
            return Ok(Paid::InsufficientFunds);
        }
        tx.execute(
            "UPDATE account SET balance = balance - ?1 WHERE number = ?2",
            params![amount, account],
        )?;
        tx.execute(
            "INSERT INTO paid (request, account, amount) VALUES (?1, ?2, ?3)",
            params![request, account, amount],
        )?;
        tx.commit()?;
        Ok(Paid::Done)
    }

    /// Every request paid from `account` and its amount.
    pub fn payments(&self, account: &str) -> Result<Vec<(String, u64)>, LedgerError> {
        let db = self.db();
        let mut statement =
            db.prepare("SELECT request, amount FROM paid WHERE account = ?1 ORDER BY request")?;
        let rows = statement.query_map(params![account], |r| {
            Ok((r.get(0)?, u64::try_from(r.get::<_, i64>(1)?).unwrap_or(0)))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

/// Yen as SQLite's integer (amounts beyond i64 do not exist in this bank).
fn to_i64(yen: u64) -> i64 {
    i64::try_from(yen).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(balance: u64) -> Account {
        Account {
            number: "1234567".into(),
            password: "pw".into(),
            holder: "山田太郎".into(),
            balance,
        }
    }

    #[test]
    fn a_request_is_paid_once_and_only_when_covered() {
        let ledger = Ledger::open(None, &[account(1_000)]).unwrap();
        assert_eq!(ledger.pay("r1", "1234567", 600).unwrap(), Paid::Done);
        assert_eq!(ledger.pay("r1", "1234567", 600).unwrap(), Paid::AlreadyPaid);
        assert_eq!(
            ledger.pay("r2", "1234567", 600).unwrap(),
            Paid::InsufficientFunds
        );
        assert_eq!(ledger.pay("r3", "7654321", 1).unwrap(), Paid::NoAccount);
        assert_eq!(ledger.account("1234567").unwrap().unwrap().balance, 400);
        assert!(ledger.is_paid("r1").unwrap() && !ledger.is_paid("r2").unwrap());
    }

    #[test]
    fn a_reopened_ledger_keeps_balances_links_and_payments() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bank.sqlite");
        {
            let ledger = Ledger::open(Some(&path), &[account(1_000)]).unwrap();
            ledger.pay("r1", "1234567", 300).unwrap();
            ledger.link("nameid-1", "1234567").unwrap();
        }
        // The seed accounts again, as a restarted bank passes them: the balance stays.
        let ledger = Ledger::open(Some(&path), &[account(1_000)]).unwrap();
        assert_eq!(ledger.account("1234567").unwrap().unwrap().balance, 700);
        assert_eq!(ledger.pay("r1", "1234567", 300).unwrap(), Paid::AlreadyPaid);
        assert_eq!(
            ledger.linked("nameid-1").unwrap().as_deref(),
            Some("1234567")
        );
    }
}
