//! The bank's ledger killed mid-payment (issue 21): a process of its own (this test binary
//! run again) pays requests from two threads and says each payment it was told is done,
//! as the bank acknowledges one with its notice; it is killed with SIGKILL at a random
//! moment, ten times over, on the same ledger file. After every kill the ledger opens
//! again and holds every acknowledged payment, pays none of them twice, and its balance
//! is exactly the opening balance less the payments it records (no debit without its
//! record, no record without its debit).

mod common;

use std::collections::BTreeSet;

use mock_sp::bank::Account;
use mock_sp::ledger::{Ledger, Paid};

/// Set in the child: the ledger file and the round (request IDs are unique per round).
const CHILD: &str = "MNCTF_BANK_LEDGER";
const ACCOUNT: &str = "1234567";
const OPENING: u64 = 100_000_000;

fn account() -> Account {
    Account {
        number: ACCOUNT.into(),
        password: "pw".into(),
        holder: "山田太郎".into(),
        balance: OPENING,
    }
}

/// The amount of request `id` (varied, so that a lost or doubled payment shows in the sum).
fn amount(id: &str) -> u64 {
    id.bytes().map(u64::from).sum::<u64>() % 997 + 1
}

/// The paying process (a no-op unless [`CHILD`] is set): two threads pay requests until
/// killed, printing `ack <id>` once the ledger said done.
#[test]
fn paying_process() {
    let Ok(spec) = std::env::var(CHILD) else {
        return;
    };
    let (path, round) = spec.split_once('|').unwrap();
    let ledger = Ledger::open(Some(path.as_ref()), &[account()]).unwrap();
    common::work_until_killed(round, move |id| {
        ledger.pay(id, ACCOUNT, amount(id)).unwrap() == Paid::Done
    });
}

#[test]
fn killed_mid_payment_it_keeps_every_acknowledged_payment_and_balances() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bank.sqlite");
    let mut acknowledged = BTreeSet::new();
    for round in 0..10 {
        let spec = format!("{}|{round}", path.display());
        let said = common::run_and_kill("paying_process", (CHILD, &spec), common::delay(round));
        println!("round {round}: {} payments acknowledged", said.len());
        acknowledged.extend(said);

        let ledger = Ledger::open(Some(&path), &[account()]).unwrap();
        let recorded: BTreeSet<String> = ledger
            .payments(ACCOUNT)
            .unwrap()
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        let lost: Vec<_> = acknowledged.difference(&recorded).collect();
        assert!(
            lost.is_empty(),
            "round {round}: acknowledged, then lost: {lost:?}"
        );
        let sum: u64 = ledger
            .payments(ACCOUNT)
            .unwrap()
            .iter()
            .map(|(_, a)| a)
            .sum();
        let balance = ledger.account(ACCOUNT).unwrap().unwrap().balance;
        assert_eq!(
            balance,
            OPENING - sum,
            "round {round}: the balance and the payments recorded disagree"
        );
        for id in acknowledged.iter().rev().take(5) {
            assert_eq!(
                ledger.pay(id, ACCOUNT, amount(id)).unwrap(),
                Paid::AlreadyPaid,
                "round {round}: {id} paid again after the restart"
            );
        }
    }
    assert!(
        acknowledged.len() > 20,
        "the kills fell before any real work: {} payments in ten rounds",
        acknowledged.len()
    );
}
