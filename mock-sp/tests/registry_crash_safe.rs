//! The attribute authority's registrations killed mid-write (issue 21): a process of its
//! own (this test binary run again) registers cards from two threads and says each
//! registration it was told is stored, as the authority acknowledges one; it is killed
//! with SIGKILL at a random moment, ten times over, on the same file. After every kill
//! the registrations open again and hold every acknowledged one, intact.

mod common;

use mock_sp::registry::Registry;
use sha2::{Digest as _, Sha256};

/// Set in the child: the registrations' file and the round.
const CHILD: &str = "MNCTF_AA_REGISTRY";

/// The card of registration `id` and the 士業 certificate registered with it (bytes that
/// show a half-written or mixed-up row).
fn registration(id: &str) -> ([u8; 32], Vec<u8>) {
    let card = Sha256::digest(id.as_bytes()).into();
    let shigyo = format!("certificate of {id}").repeat(40).into_bytes();
    (card, shigyo)
}

/// The registering process (a no-op unless [`CHILD`] is set).
#[test]
fn registering_process() {
    let Ok(spec) = std::env::var(CHILD) else {
        return;
    };
    let (path, round) = spec.split_once('|').unwrap();
    let registry = Registry::open(Some(path.as_ref())).unwrap();
    common::work_until_killed(round, move |id| {
        let (card, shigyo) = registration(id);
        registry.register(&card, &shigyo).unwrap();
        true
    });
}

#[test]
fn killed_mid_registration_it_keeps_every_acknowledged_registration() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("aa.sqlite");
    let mut acknowledged = Vec::new();
    for round in 0..10 {
        let spec = format!("{}|{round}", path.display());
        let said =
            common::run_and_kill("registering_process", (CHILD, &spec), common::delay(round));
        println!("round {round}: {} registrations acknowledged", said.len());
        acknowledged.extend(said);
        let registry = Registry::open(Some(&path)).unwrap();
        for id in &acknowledged {
            let (card, shigyo) = registration(id);
            assert_eq!(
                registry.shigyo_of(&card).unwrap().as_deref(),
                Some(shigyo.as_slice()),
                "round {round}: registration {id} acknowledged, then lost or changed"
            );
        }
    }
    assert!(
        acknowledged.len() > 20,
        "the kills fell before any real work: {} registrations in ten rounds",
        acknowledged.len()
    );
}
