//! `mnctf bench idp --scaling`: how the platform's cost grows. Card logins at 1, 8, 64
//! and 256 in flight (throughput, p50 and p99 latency, the platform's CPU per login and
//! its memory), after the memory a login in progress and an SSO session hold, read as the
//! growth of the fresh platform's resident set over thousands of each, and the bound the
//! stores' caps put on both.

use std::sync::Arc;

use mnctf::stack::{Ports, Stack};
use mock_ca::PersonaId;

use crate::bench_idp::{
    bench_login, cards, client, client_address, group_cpu, measure, own_platform_with, start_login,
    Cards,
};

/// The SP the benchmark's requests name (registered with the platform, never contacted).
const SP: (&str, &str) = ("http://127.0.0.1:9/bench-sp", "http://127.0.0.1:9/acs");

const IN_FLIGHT: [usize; 4] = [1, 8, 64, 256];
/// Unfinished logins and completed sessions whose memory is read.
const UNFINISHED: usize = 5_000;
const SESSIONS: usize = 2_000;
/// The platform's store cap (`[limits] entries`, the default).
const ENTRIES: usize = 100_000;

/// The platform's resident set, in KiB (VmRSS).
fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

pub fn run(seconds: u64) -> anyhow::Result<bool> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let dir = std::env::temp_dir().join(format!("mnctf-bench-scaling-{}", std::process::id()));
        let stack = Stack::start(Ports::ANY, PersonaId::Valid, &dir).await?;
        let sp = SP;
        // One card logs in thousands of times: its sessions are all kept, so that their
        // memory can be read (the default keeps a person's newest 16).
        let extra = format!("\n[limits]\nsessions_per_person = {ENTRIES}\n");
        let platform = own_platform_with(&stack, &dir, "scaling", sp, &extra).await?;
        let pid = platform.pid();
        let url = Arc::new(platform.base_url.clone());
        let cards = cards(&stack, 256);
        // Memory first, on a fresh process: later the allocator keeps what the runs freed.
        let start = rss_kib(pid);
        unfinished(&url, sp, UNFINISHED).await?;
        let per_login = (rss_kib(pid).saturating_sub(start) * 1024) as f64 / UNFINISHED as f64;
        let start = rss_kib(pid);
        let (u, c) = (Arc::clone(&url), Arc::clone(&cards));
        let done = sessions(u, c, SESSIONS).await?;
        let per_session = (rss_kib(pid).saturating_sub(start) * 1024) as f64 / done as f64;
        println!(
            "memory (growth of the platform's resident set): {per_login:.0} bytes per login in progress ({UNFINISHED} unfinished), {per_session:.0} bytes per SSO session ({done} sessions); at the cap of {ENTRIES} entries per store that is at most {:.0} MiB and {:.0} MiB",
            per_login * ENTRIES as f64 / 1048576.0,
            per_session * ENTRIES as f64 / 1048576.0,
        );
        let mut failed = 0;
        println!("| logins in flight | card logins/s | p50 | p99 | platform CPU per login | platform memory |");
        println!("|---|---|---|---|---|---|");
        for n in IN_FLIGHT {
            let before = group_cpu(pid);
            let (u, c) = (Arc::clone(&url), Arc::clone(&cards));
            let mut m = measure(seconds, n, move |w| login(Arc::clone(&u), Arc::clone(&c), w)).await;
            let cpu = group_cpu(pid).saturating_sub(before).as_secs_f64() * 1e3;
            failed += m.failures;
            println!(
                "| {n} | {:.0} | {:.1} ms | {:.1} ms | {:.2} ms | {} MiB |{}",
                m.per_second(),
                m.percentile_ms(50),
                m.percentile_ms(99),
                cpu / m.logins.max(1) as f64,
                rss_kib(pid) / 1024,
                if m.failures > 0 { format!(" {} failed", m.failures) } else { String::new() }
            );
        }
        drop(platform);
        let _ = std::fs::remove_dir_all(&dir);
        Ok(failed == 0)
    })
}

async fn login(url: Arc<String>, cards: Cards, worker: usize) -> anyhow::Result<()> {
    bench_login(url, cards, worker, SP).await
}

/// `count` logins started (the AuthnRequest taken, the login page not followed), from 32
/// addresses, 64 at a time.
async fn unfinished(
    url: &str,
    sp: (&'static str, &'static str),
    count: usize,
) -> anyhow::Result<()> {
    let clients: Vec<reqwest::Client> = (0..32)
        .map(|i| client(client_address(i)))
        .collect::<anyhow::Result<_>>()?;
    for start in (0..count).step_by(64) {
        let mut batch = tokio::task::JoinSet::new();
        for i in start..count.min(start + 64) {
            let http = clients[i % clients.len()].clone();
            let url = url.to_owned();
            batch.spawn(async move {
                let r = start_login(&http, &format!("{url}/sso"), sp).await?;
                anyhow::ensure!(r.status().is_redirection(), "HTTP {}", r.status());
                Ok(())
            });
        }
        for r in batch.join_all().await {
            r?;
        }
    }
    Ok(())
}

/// `count` completed card logins, 8 at a time (each leaves an SSO session); how many
/// succeeded.
async fn sessions(url: Arc<String>, cards: Cards, count: usize) -> anyhow::Result<usize> {
    let mut done = 0;
    for round in 0..count / 8 {
        let mut batch = tokio::task::JoinSet::new();
        for i in 0..8 {
            batch.spawn(login(Arc::clone(&url), Arc::clone(&cards), round * 8 + i));
        }
        done += batch
            .join_all()
            .await
            .into_iter()
            .filter(Result::is_ok)
            .count();
    }
    anyhow::ensure!(done > 0, "no login completed");
    Ok(done)
}
