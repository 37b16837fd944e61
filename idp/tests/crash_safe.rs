//! Crash-safe state (issue 21): the platform, in a process of its own, is killed with
//! SIGKILL at random moments while seven cards log in for the first time and again, ten
//! times over; it must start again cleanly every time, and every card must keep the one
//! NameID it was ever given at the SP (no person lost, none split, none half-written, the
//! pairwise secret unchanged), whatever moment the kill fell on. The same for proxy model
//! 1: professionals registering their qualification, killed mid-registration.

mod common;

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{full_login, Lab, Outcome};
use mock_ca::PersonaId;

/// Set in the child: the configuration of the platform to serve.
const CHILD: &str = "MNCTF_CRASH_SAFE_PLATFORM";

/// The platform process: this test binary run again with [`CHILD`] set (a no-op
/// otherwise).
#[test]
fn platform_process() {
    let Ok(config) = std::env::var(CHILD) else {
        return;
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let config = idp::IdpConfig::load(std::path::Path::new(&config)).unwrap();
        let addr = config.base_url.trim_start_matches("http://").to_owned();
        let platform =
            std::sync::Arc::new(idp::Platform::new(config, idp::system_clock()).unwrap());
        let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
        let limits = idp::serve::Limits::default();
        idp::serve::serve(listener, idp::http::router(platform), limits)
            .await
            .unwrap();
    });
}

fn spawn(lab: &Lab) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "platform_process",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD, &lab.config_path)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

async fn wait_up(lab: &Lab) {
    let deadline = Instant::now() + Duration::from_secs(20);
    let http = reqwest::Client::new();
    while Instant::now() < deadline {
        if let Ok(r) = http.get(format!("{}/healthz", lab.idp_url)).send().await {
            if r.status().is_success() {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the platform did not start again within 20 s");
}

fn name_id(xml: &str) -> String {
    let after = xml.split("<saml:NameID").nth(1).unwrap_or_default();
    let value = after.split_once('>').map(|(_, v)| v).unwrap_or_default();
    value
        .split("</saml:NameID>")
        .next()
        .unwrap_or_default()
        .to_owned()
}

const CARDS: [PersonaId; 7] = [
    PersonaId::Valid,
    PersonaId::SignRevoked,
    PersonaId::SignPinBlocked,
    PersonaId::NoSignCert,
    PersonaId::TaxAccountant,
    PersonaId::JudicialScrivener,
    PersonaId::Renewed,
];

/// Every card's login at SP 0, each in a task of its own (a login cut by the kill ends
/// its task: the helpers unwrap network errors): (card, NameID) for those that got a
/// Response.
async fn logins(lab: &Arc<Lab>) -> Vec<(PersonaId, String)> {
    let mut tasks = tokio::task::JoinSet::new();
    for p in CARDS {
        let lab = Arc::clone(lab);
        tasks.spawn(async move {
            match full_login(&lab, &common::browser(), 0, p).await {
                Outcome::Response { xml, .. } => Some((p, name_id(&xml))),
                _ => None,
            }
        });
    }
    let mut out = Vec::new();
    while let Some(done) = tasks.join_next().await {
        if let Ok(Some(got)) = done {
            out.push(got);
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn killed_at_random_moments_it_keeps_every_person_and_name_id() {
    let mut seed = 0x0005_DEEC_E66D_u64;
    let mut cut = 0;
    for round in 0..10 {
        // A fresh store each round: the kill falls among the cards' first logins, when
        // the platform records each card's person.
        let lab = Arc::new(Lab::files_only().await);
        let mut child = spawn(&lab);
        wait_up(&lab).await;
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        let delay = Duration::from_millis((seed >> 33) % 150);
        let (before, ()) = tokio::join!(logins(&lab), async {
            tokio::time::sleep(delay).await;
            child.kill().unwrap();
        });
        child.wait().unwrap();
        cut += CARDS.len() - before.len();
        let mut child = spawn(&lab);
        wait_up(&lab).await;
        let after: HashMap<PersonaId, String> = logins(&lab).await.into_iter().collect();
        let again: HashMap<PersonaId, String> = logins(&lab).await.into_iter().collect();
        child.kill().unwrap();
        child.wait().unwrap();
        println!(
            "round {round}: killed after {delay:?} with {} of {} first logins answered",
            before.len(),
            CARDS.len()
        );
        assert_eq!(
            after.len(),
            CARDS.len(),
            "round {round}: every card logs in after the restart"
        );
        assert_eq!(
            after, again,
            "round {round}: the NameIDs are stable after the restart"
        );
        for (p, id) in before {
            assert_eq!(
                after.get(&p),
                Some(&id),
                "round {round}: {p:?} was answered with one NameID before the kill and has another after: the acknowledged person was lost or split"
            );
        }
    }
    assert!(
        cut > 0,
        "no kill fell among the logins: the test saw nothing"
    );
}

const PROFESSIONALS: [PersonaId; 2] = [PersonaId::TaxAccountant, PersonaId::JudicialScrivener];

/// A professional's registration for the platform (proxy model 1), signed with their 士業
/// key, naming their own card.
fn registration(lab: &Lab, p: PersonaId) -> String {
    use base64::Engine as _;
    use rsa::pkcs8::EncodePrivateKey as _;
    let persona = lab.ca.pki.persona(p);
    let credential = &persona.professional.as_ref().unwrap().credential;
    let r = trust_framework::proxy::Registration {
        id: trust_framework::saml::xml::new_id(rand::random()),
        issued: lab.clock.now(),
        audience: format!("{}/idp", lab.idp_url),
        nonce: None,
        card_certificate: persona.card.auth.issued.der.clone(),
    };
    let key = credential.key.to_pkcs8_der().unwrap();
    let xml = trust_framework::proxy::build(&r, key.as_bytes(), &credential.issued.der).unwrap();
    base64::engine::general_purpose::STANDARD.encode(xml)
}

/// Each professional logs in with the card and registers, again and again until the
/// kill (200 at most): the professionals whose registration the platform acknowledged,
/// and how many times.
async fn registrations(lab: &Arc<Lab>) -> Vec<(PersonaId, usize)> {
    let mut tasks = tokio::task::JoinSet::new();
    for p in PROFESSIONALS {
        let lab = Arc::clone(lab);
        tasks.spawn(async move {
            let b = common::browser();
            if !matches!(full_login(&lab, &b, 0, p).await, Outcome::Response { .. }) {
                return None;
            }
            let mut acknowledged = 0;
            for _ in 0..200 {
                let form = [("Registration", registration(&lab, p))];
                let url = format!("{}/proxy/register", lab.idp_url);
                let Ok(r) = b.post(url).form(&form).send().await else {
                    break;
                };
                let ok = r.status().is_success();
                let Ok(page) = r.text().await else { break };
                assert!(ok && page.contains("Qualification registered"), "{page}");
                acknowledged += 1;
            }
            (acknowledged > 0).then_some((p, acknowledged))
        });
    }
    let mut out = Vec::new();
    while let Some(done) = tasks.join_next().await {
        if let Ok(Some(p)) = done {
            out.push(p);
        }
    }
    out
}

/// The card certificates with a professional registration in the platform's store.
fn registered_cards(lab: &Lab) -> Vec<Vec<u8>> {
    let store = lab.config_path.with_file_name("idp.sqlite");
    let db = rusqlite::Connection::open(store).unwrap();
    let mut q = db
        .prepare("SELECT card_certificate FROM professional")
        .unwrap();
    let rows = q.query_map([], |r| r.get(0)).unwrap();
    rows.map(Result::unwrap).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn killed_mid_registration_it_keeps_every_acknowledged_registration() {
    let (mut acknowledged_in_all, mut cut) = (0, 0);
    for round in 0..10u64 {
        let lab = Arc::new(Lab::files_only().await);
        let mut child = spawn(&lab);
        wait_up(&lab).await;
        let delay = Duration::from_millis(50 + (round * 7_919) % 300);
        let (acknowledged, ()) = tokio::join!(registrations(&lab), async {
            tokio::time::sleep(delay).await;
            child.kill().unwrap();
        });
        child.wait().unwrap();
        acknowledged_in_all += acknowledged.len();
        cut += PROFESSIONALS.len() - acknowledged.iter().filter(|(_, n)| *n == 200).count();
        let cards = registered_cards(&lab);
        for (p, _) in &acknowledged {
            let card = &lab.ca.pki.persona(*p).card.auth.issued.der;
            assert!(
                cards.contains(card),
                "round {round}: {p:?}'s registration was acknowledged, then lost"
            );
        }
        // It starts again cleanly on what the kill left.
        let mut child = spawn(&lab);
        wait_up(&lab).await;
        child.kill().unwrap();
        child.wait().unwrap();
        println!("round {round}: killed after {delay:?}; acknowledged: {acknowledged:?}");
    }
    assert!(
        acknowledged_in_all > 0 && cut > 0,
        "no kill fell among acknowledged registrations: the test saw nothing"
    );
}
