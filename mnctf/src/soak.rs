//! `mnctf bench soak`: card logins at the platform (in a process of its own) for minutes
//! while the CA service flaps through its faults (OCSP down, slow, stale, wrong signer,
//! bad nonce; CRL stale) and the cards mix valid, revoked, expired and look-alike-CA ones.
//! What must hold: no revoked, expired or untrusted card is ever let in; no valid card is
//! refused while a verified answer was obtainable (the CA service had no fault for the
//! whole login); every refusal says why; the platform neither dies nor grows.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use mnctf::stack::{Ports, Stack};
use mock_ca::ocsp::Fault;
use mock_ca::PersonaId;
use mock_card::client::JpkiClient;
use mock_card::transport::InProcess;
use mock_card::JpkiCard;

use crate::bench_idp::{card_login, sign_with, Login as Outcome};

/// The CA service's states, in the order it flaps through them; `None`: healthy.
const STATES: [(&str, Option<Fault>, bool); 7] = [
    ("healthy", None, false),
    ("OCSP down", Some(Fault::Unavailable), false),
    (
        "OCSP slow (3 s)",
        Some(Fault::Slow(Duration::from_secs(3))),
        false,
    ),
    ("OCSP stale", Some(Fault::Stale), false),
    ("OCSP wrong signer", Some(Fault::WrongSigner), false),
    ("OCSP bad nonce, CRL stale", Some(Fault::BadNonce), true),
    ("OCSP down, CRL stale", Some(Fault::Unavailable), true),
];

/// The cards, round robin: mostly valid.
const CARDS: [PersonaId; 10] = [
    PersonaId::Valid,
    PersonaId::Valid,
    PersonaId::AuthRevoked,
    PersonaId::Valid,
    PersonaId::AuthExpired,
    PersonaId::Valid,
    PersonaId::UnknownCa,
    PersonaId::Valid,
    PersonaId::Valid,
    PersonaId::AuthRevoked,
];

#[derive(Default)]
struct Tally {
    /// (card, CA state) → (admitted, refused).
    counts: BTreeMap<(String, &'static str), (usize, usize)>,
    /// Breaches of what must hold, with what happened.
    breaches: Vec<String>,
    /// Refusal reasons seen, with counts.
    reasons: BTreeMap<String, usize>,
    errors: usize,
}

/// Runs the soak for `minutes`, `concurrency` logins in flight, the CA flapping every
/// `flap` seconds.
pub fn run(minutes: u64, concurrency: usize, flap: u64) -> anyhow::Result<bool> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let dir = std::env::temp_dir().join(format!("mnctf-soak-{}", std::process::id()));
        let stack = Arc::new(Stack::start(Ports::ANY, PersonaId::Valid, &dir).await?);
        let (sp, acs) = ("http://127.0.0.1:9/soak-sp", "http://127.0.0.1:9/acs");
        let platform = crate::bench_idp::own_platform(&stack, &dir, "soak", (sp, acs)).await?;
        let pid = platform.pid();
        let idp_url = Arc::new(platform.base_url.clone());
        // The CA's state: its index in STATES, and how many changes so far (a login
        // counts only if no change happened while it ran).
        let state = Arc::new((AtomicUsize::new(0), AtomicUsize::new(0)));
        let tally = Arc::new(Mutex::new(Tally::default()));
        let end = Instant::now() + Duration::from_secs(minutes * 60);
        let flapper = {
            let (stack, state) = (Arc::clone(&stack), Arc::clone(&state));
            tokio::spawn(async move {
                let mut i = 0;
                while Instant::now() < end {
                    tokio::time::sleep(Duration::from_secs(flap)).await;
                    i = (i + 1) % STATES.len();
                    let (_, ocsp, stale_crl) = STATES[i];
                    stack.ca.faults.set_ocsp(ocsp);
                    stack.ca.faults.set_stale_crl(stale_crl);
                    state.1.fetch_add(1, Ordering::SeqCst);
                    state.0.store(i, Ordering::SeqCst);
                }
                stack.ca.faults.set_ocsp(None);
                stack.ca.faults.set_stale_crl(false);
            })
        };
        let rss = Arc::new(Mutex::new(Vec::new()));
        let sampler = {
            let rss = Arc::clone(&rss);
            tokio::spawn(async move {
                while Instant::now() < end {
                    if let Some(kb) = rss_kb(pid) {
                        rss.lock().unwrap_or_else(PoisonError::into_inner).push(kb);
                    }
                    tokio::time::sleep(Duration::from_secs(10)).await;
                }
            })
        };
        let mut workers = Vec::new();
        for w in 0..concurrency {
            let (stack, idp_url, state, tally) = (
                Arc::clone(&stack),
                Arc::clone(&idp_url),
                Arc::clone(&state),
                Arc::clone(&tally),
            );
            workers.push(tokio::spawn(async move {
                let mut n = w;
                while Instant::now() < end {
                    let persona = CARDS[n % CARDS.len()];
                    n += concurrency;
                    let (at, changes) = (
                        state.0.load(Ordering::SeqCst),
                        state.1.load(Ordering::SeqCst),
                    );
                    let result = login(&idp_url, &stack, persona, sp, acs).await;
                    let steady = state.1.load(Ordering::SeqCst) == changes;
                    record(&tally, persona, STATES[at], steady, result);
                }
            }));
        }
        for w in workers {
            w.await?;
        }
        flapper.await?;
        sampler.await?;
        // Still answering after the soak: it neither died nor hung.
        let alive = reqwest::get(format!("{}/healthz", platform.base_url))
            .await
            .is_ok_and(|r| r.status().is_success());
        drop(platform);
        let t = tally.lock().unwrap_or_else(PoisonError::into_inner);
        let rss = rss.lock().unwrap_or_else(PoisonError::into_inner).clone();
        summary(&t, &rss, alive, minutes);
        let _ = std::fs::remove_dir_all(&dir);
        Ok(alive && t.breaches.is_empty())
    })
}

fn record(
    tally: &Mutex<Tally>,
    persona: PersonaId,
    (state, ocsp, stale_crl): (&'static str, Option<Fault>, bool),
    steady: bool,
    result: anyhow::Result<Outcome>,
) {
    let mut t = tally.lock().unwrap_or_else(PoisonError::into_inner);
    let outcome = match result {
        Ok(o) => o,
        Err(e) => {
            t.errors += 1;
            if t.errors <= 5 {
                eprintln!("soak: a login could not run: {e:#}");
            }
            return;
        }
    };
    let entry = t
        .counts
        .entry((persona.slug().to_owned(), state))
        .or_default();
    match &outcome {
        Outcome::Admitted => entry.0 += 1,
        Outcome::Refused(_) => entry.1 += 1,
    }
    let healthy = ocsp.is_none() && !stale_crl;
    match (persona, outcome) {
        (PersonaId::Valid, Outcome::Refused(why)) if healthy && steady => {
            t.breaches.push(format!(
                "a valid card was refused while the CA service was healthy: {why}"
            ));
        }
        (PersonaId::Valid, _) => {}
        (other, Outcome::Admitted) => {
            t.breaches
                .push(format!("{} was let in (CA: {state})", other.slug()));
        }
        (_, Outcome::Refused(why)) => {
            if why.trim().is_empty() {
                t.breaches.push("a refusal without a reason".into());
            }
            // The reason up to its details (serial numbers, times): what kind of refusal.
            let key = why.splitn(3, ':').take(2).collect::<Vec<_>>().join(":");
            let key = key.split('(').next().unwrap_or_default().trim().to_owned();
            *t.reasons.entry(key).or_default() += 1;
        }
    }
}

fn summary(t: &Tally, rss: &[u64], alive: bool, minutes: u64) {
    println!(
        "soak: {minutes} min, the platform {}",
        if alive { "still running" } else { "DIED" }
    );
    println!(
        "{:<18} {:<28} {:>9} {:>8}",
        "card", "CA service", "admitted", "refused"
    );
    for ((card, state), (ok, no)) in &t.counts {
        println!("{card:<18} {state:<28} {ok:>9} {no:>8}");
    }
    println!("refusals of revoked, expired and look-alike cards, by reason:");
    for (why, n) in &t.reasons {
        println!("  {n:>6}  {why}");
    }
    if let (Some(first), Some(last), Some(max)) = (rss.first(), rss.last(), rss.iter().max()) {
        println!("platform RSS: {first} kB at start, {last} kB at the end, {max} kB at most ({} samples)", rss.len());
        // One sample a minute (they are taken every 10 s): flat, or growing?
        let by_minute: Vec<String> = rss
            .iter()
            .step_by(6)
            .map(|kb| (kb / 1024).to_string())
            .collect();
        println!("platform RSS by minute (MB): {}", by_minute.join(" "));
    }
    println!("logins that could not run (client side): {}", t.errors);
    if t.breaches.is_empty() {
        println!("breaches: none");
    } else {
        println!("breaches: {}", t.breaches.len());
        for b in t.breaches.iter().take(20) {
            println!("  {b}");
        }
    }
}

fn rss_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// One card login with `persona`'s card.
async fn login(
    idp_url: &str,
    stack: &Stack,
    persona: PersonaId,
    sp: &str,
    acs: &str,
) -> anyhow::Result<Outcome> {
    let image = stack.ca.pki.persona(persona).card_image();
    card_login(
        idp_url,
        (sp, acs),
        std::net::Ipv4Addr::LOCALHOST.into(),
        |c| {
            sign_with(
                &mut JpkiClient::new(InProcess::new(JpkiCard::new(image))),
                c,
            )
        },
    )
    .await
}
