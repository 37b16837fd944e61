//! `mnctf bench`: timings quoted in notes. Run with `--release`, against pcscd + vpcd
//! with our card inserted (`scripts/bench-card` sets that up in a private namespace).

use std::process::Command;
use std::time::{Duration, Instant};

use clap::Subcommand;

#[derive(Subcommand)]
pub enum BenchCommand {
    /// Complete card logins per second at the platform (fresh browser each: challenge,
    /// card signature, OCSP, signed Response), and SimpleSAMLphp's IdP (password login)
    /// measured the same way in the same run.
    Idp {
        /// Seconds per measurement.
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// Logins in flight at once.
        #[arg(long, default_value_t = 8)]
        concurrency: usize,
        /// Skip the SimpleSAMLphp side.
        #[arg(long)]
        no_peer: bool,
        /// Instead: how cost grows (the platform alone at 1, 8, 64 and 256 logins in
        /// flight; memory per login in progress and per SSO session).
        #[arg(long)]
        scaling: bool,
    },
    /// Card logins at the platform for minutes while the CA service flaps through its
    /// faults and the cards mix valid, revoked, expired and look-alike ones: no bad card
    /// let in, no valid one refused while the CA was healthy, the platform alive and flat.
    Soak {
        /// Minutes to run.
        #[arg(long, default_value_t = 10)]
        minutes: u64,
        /// Logins in flight at once.
        #[arg(long, default_value_t = 8)]
        concurrency: usize,
        /// Seconds between the CA service's changes of state.
        #[arg(long, default_value_t = 15)]
        flap: u64,
    },
    /// The whole case-study run (`mnctf scenarios`, every suite on its own federation),
    /// repeated: median wall time, and each suite's median.
    Scenarios {
        /// Runs to time.
        #[arg(long, default_value_t = 7)]
        runs: usize,
    },
    /// The whole SP test plan (`mnctf test-sp`) against one real SP peer, repeated: wall
    /// time, and the suite's own share of it (its process's CPU time).
    TestSp {
        /// The peer: python3-saml, pysaml2, lasso, mellon, shibboleth or simplesamlphp.
        #[arg(long, default_value = "python3-saml")]
        peer: String,
        /// Runs to time.
        #[arg(long, default_value_t = 3)]
        runs: usize,
    },
    /// APDU round trips through PC/SC (pcscd + vpcd) and full OpenSC signatures.
    Card {
        /// APDU round trips to time.
        #[arg(long, default_value_t = 2000)]
        apdus: usize,
        /// OpenSC signatures to time (each a pkcs11-tool process).
        #[arg(long, default_value_t = 20)]
        signatures: usize,
        /// Reader name filter.
        #[arg(long, default_value = "Virtual PCD")]
        reader: String,
        /// PKCS#11 module for the OpenSC signature.
        #[arg(long, default_value = "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so")]
        module: String,
    },
}

/// Median of a sample, in microseconds.
fn median_us(mut samples: Vec<Duration>) -> f64 {
    samples.sort();
    samples
        .get(samples.len() / 2)
        .map_or(f64::NAN, |d| d.as_secs_f64() * 1e6)
}

pub fn run(cmd: BenchCommand) -> anyhow::Result<bool> {
    let (apdus, signatures, reader, module) = match cmd {
        BenchCommand::Card {
            apdus,
            signatures,
            reader,
            module,
        } => (apdus, signatures, reader, module),
        BenchCommand::Idp {
            seconds,
            concurrency,
            no_peer,
            scaling,
        } => {
            return if scaling {
                crate::bench_scaling::run(seconds)
            } else {
                crate::bench_idp::run(seconds, concurrency, no_peer)
            }
        }
        BenchCommand::Scenarios { runs } => return scenario_runs(runs),
        BenchCommand::Soak {
            minutes,
            concurrency,
            flap,
        } => return crate::soak::run(minutes, concurrency, flap),
        BenchCommand::TestSp { peer, runs } => return test_sp_runs(&peer, runs),
    };
    let local = in_process_round_trips(apdus);
    println!("apdu_in_process_median_us={local:.2} (n={apdus}, SELECT JPKI AP, no IO: the applet's own share)");
    let apdu = apdu_round_trips(&reader, apdus)?;
    println!("apdu_round_trip_median_us={apdu:.1} (n={apdus}, SELECT JPKI AP through PC/SC; {:.0}x the in-process cost)", apdu / local);
    let login = card_logins(&reader, 50)?;
    println!("card_login_median_us={login:.1} (n=50, SELECT+VERIFY+SIGN through PC/SC)");
    let sign = opensc_signatures(&module, signatures)?;
    println!(
        "opensc_signature_median_ms={:.1} (n={signatures}, pkcs11-tool --sign, whole process)",
        sign / 1000.0
    );
    Ok(true)
}

fn scenario_runs(runs: usize) -> anyhow::Result<bool> {
    let dir = std::env::temp_dir().join(format!("mnctf-bench-scenarios-{}", std::process::id()));
    let mut totals = Vec::new();
    let mut suites: Vec<(String, Vec<Duration>)> = Vec::new();
    let mut all_passed = true;
    for _ in 0..runs.max(1) {
        let started = Instant::now();
        let report = crate::run_scenarios::run_quiet(&dir, false)?;
        totals.push(started.elapsed());
        all_passed &= !report.failed();
        for suite in &report.suites {
            let ms: u64 = suite.cases.iter().map(|c| c.duration_ms()).sum();
            let d = Duration::from_millis(ms);
            match suites.iter_mut().find(|(n, _)| *n == suite.name) {
                Some((_, v)) => v.push(d),
                None => suites.push((suite.name.clone(), vec![d])),
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    let n = totals.len();
    let (min, max) = (totals.iter().min().copied(), totals.iter().max().copied());
    println!(
        "scenarios_median_ms={:.0} (n={n} runs of every suite, min {:.0}, max {:.0}; target < 5000)",
        median_us(totals) / 1000.0,
        min.unwrap_or_default().as_secs_f64() * 1000.0,
        max.unwrap_or_default().as_secs_f64() * 1000.0,
    );
    for (name, samples) in suites {
        println!(
            "  suite_median_ms={:>5.0}  {name} (cases only, without its federation's start)",
            median_us(samples) / 1000.0
        );
    }
    if !all_passed {
        println!("a run had a failed case: the timing is not of a good run");
    }
    Ok(all_passed)
}

/// CPU time (user + system) of this process so far, from /proc/self/stat.
fn own_cpu() -> Duration {
    let tick = 100; // USER_HZ on Linux.
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return Duration::ZERO;
    };
    let Some((_, rest)) = stat.rsplit_once(')') else {
        return Duration::ZERO;
    };
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = f.get(11).and_then(|t| t.parse::<u64>().ok()).unwrap_or(0)
        + f.get(12).and_then(|t| t.parse::<u64>().ok()).unwrap_or(0);
    Duration::from_millis(ticks * 1000 / tick)
}

fn test_sp_runs(peer: &str, runs: usize) -> anyhow::Result<bool> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let dir = std::env::temp_dir().join(format!("mnctf-bench-test-sp-{}", std::process::id()));
        let base = crate::test_sp::DEFAULT_SUITE_URL;
        let idp = conformance::SuiteIdp::new(base)?;
        let pki = mock_ca::Pki::build(mock_ca::PkiConfig::new("http://127.0.0.1:18080"), mock_ca::Clock::system())?;
        let (key, cert) = mnctf::peers::sp_credential_pem(&pki)?;
        let md = idp.metadata();
        let facts = mnctf::peers::IdpFacts { metadata: &md, entity_id: &idp.entity_id, cert_der: &idp.key.cert_der, base_url: base };
        let (mut sp, paths) = mnctf::peers::start_sp(peer, &facts, &key, &cert, &dir).await?;
        sp.wait_ready(&paths.metadata, Duration::from_secs(30)).await?;
        let config = conformance::SutConfig {
            name: peer.to_owned(),
            metadata: format!("{}{}", sp.base_url, paths.metadata),
            login_url: format!("{}{}", sp.base_url, paths.login),
            protected_url: format!("{}{}", sp.base_url, paths.protected),
            logged_in: "AUTHENTICATED".into(),
            identity_prefix: "NameID: ".into(),
            authn_class: trust_framework::saml::constants::AC_JPKI_USER_AUTH.into(),
            expected: None,
            timeout_ms: 10_000,
            only: Vec::new(),
            network: Default::default(),
        };
        let (mut walls, mut cpus, mut tests) = (Vec::new(), Vec::new(), 0);
        for _ in 0..runs.max(1) {
            let (t, c) = (Instant::now(), own_cpu());
            let report = conformance::run(&config, &idp, |_| {}).await?;
            walls.push(t.elapsed());
            cpus.push(own_cpu().saturating_sub(c));
            tests = report.cases().count();
        }
        drop(sp);
        let _ = std::fs::remove_dir_all(&dir);
        let wall = median_us(walls) / 1000.0;
        let cpu = median_us(cpus) / 1000.0;
        println!(
            "test_sp_{peer}_median_ms={wall:.0} (n={runs} runs of {tests} tests; target < 30000); the suite's own CPU {cpu:.0} ms = {:.0}% of the wall time, the rest is the SP and the wait for it",
            100.0 * cpu / wall.max(1.0)
        );
        Ok(true)
    })
}

fn in_process_round_trips(n: usize) -> f64 {
    let mut client = mock_card::client::JpkiClient::new(mock_card::transport::InProcess::new(
        mock_card::JpkiCard::new(mock_card::testing::image()),
    ));
    let samples = (0..n)
        .filter_map(|_| {
            let t = Instant::now();
            client.select_ap().ok().map(|()| t.elapsed())
        })
        .collect();
    median_us(samples)
}

#[cfg(feature = "pcsc")]
fn connect(
    reader: &str,
) -> anyhow::Result<mock_card::client::JpkiClient<mock_card::transport::pcsc::PcscTransport>> {
    let t =
        mock_card::transport::pcsc::PcscTransport::connect(Some(reader), Duration::from_secs(5))?;
    Ok(mock_card::client::JpkiClient::new(t))
}

#[cfg(feature = "pcsc")]
fn apdu_round_trips(reader: &str, n: usize) -> anyhow::Result<f64> {
    let mut client = connect(reader)?;
    for _ in 0..50 {
        client.select_ap()?;
    }
    let samples = (0..n)
        .map(|_| {
            let t = Instant::now();
            client.select_ap().map(|()| t.elapsed())
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(median_us(samples))
}

#[cfg(feature = "pcsc")]
fn card_logins(reader: &str, n: usize) -> anyhow::Result<f64> {
    let mut client = connect(reader)?;
    let pin = mock_card::Pin::unchecked("1234");
    let digest_info = mock_card::client::sha256_digest_info(b"benchmark challenge");
    let samples = (0..n)
        .map(|_| {
            let t = Instant::now();
            client.authenticate(&pin, &digest_info).map(|_| t.elapsed())
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(median_us(samples))
}

#[cfg(not(feature = "pcsc"))]
fn apdu_round_trips(_: &str, _: usize) -> anyhow::Result<f64> {
    anyhow::bail!("mnctf was built without the `pcsc` feature: no PC/SC benchmark")
}

#[cfg(not(feature = "pcsc"))]
fn card_logins(_: &str, _: usize) -> anyhow::Result<f64> {
    anyhow::bail!("mnctf was built without the `pcsc` feature: no PC/SC benchmark")
}

fn opensc_signatures(module: &str, n: usize) -> anyhow::Result<f64> {
    let dir = std::env::temp_dir().join(format!("mnctf-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let input = dir.join("in");
    std::fs::write(&input, b"benchmark message")?;
    let mut samples = Vec::with_capacity(n);
    for i in 0..n {
        let out = dir.join(format!("sig{i}"));
        let t = Instant::now();
        let status = Command::new("pkcs11-tool")
            .args([
                "--module",
                module,
                "--slot-index",
                "0",
                "--login",
                "--pin",
                "1234",
                "--sign",
                "-m",
                "SHA256-RSA-PKCS",
                "--id",
                "01",
            ])
            .arg("--input-file")
            .arg(&input)
            .arg("--output-file")
            .arg(&out)
            .env("OPENSC_DRIVER", "jpki")
            .output()?;
        samples.push(t.elapsed());
        anyhow::ensure!(
            status.status.success(),
            "pkcs11-tool failed: {}",
            String::from_utf8_lossy(&status.stderr)
        );
    }
    std::fs::remove_dir_all(&dir)?;
    Ok(median_us(samples))
}
