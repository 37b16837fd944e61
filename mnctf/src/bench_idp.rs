//! `mnctf bench idp`: logins per second at the platform and at SimpleSAMLphp's IdP, on
//! loopback, in the same run. Each login uses a fresh cookie jar (no SSO session).

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use mnctf::stack::{Ports, Stack};
use mock_ca::PersonaId;
use mock_card::client::JpkiClient;
use mock_card::transport::InProcess;
use mock_card::JpkiCard;
use rsa::pkcs8::EncodePrivateKey;
use trust_framework::binding::Challenge;
use trust_framework::saml::authn_request::{self, NewAuthnRequest};
use trust_framework::saml::bindings::{self, Kind};

/// Results of one side.
pub(crate) struct Measured {
    pub(crate) logins: usize,
    pub(crate) failures: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
}

impl Measured {
    pub(crate) fn per_second(&self) -> f64 {
        self.logins as f64 / self.elapsed.as_secs_f64()
    }

    fn median_ms(&mut self) -> f64 {
        self.percentile_ms(50)
    }

    /// The latency below which `p` % of the logins finished.
    pub(crate) fn percentile_ms(&mut self, p: usize) -> f64 {
        self.latencies.sort();
        let at = (self.latencies.len() * p / 100).min(self.latencies.len().saturating_sub(1));
        self.latencies
            .get(at)
            .map_or(f64::NAN, |d| d.as_secs_f64() * 1e3)
    }
}

/// The address worker `worker` connects from: 127.0.0.2 to 127.0.0.33 in turn.
pub(crate) fn client_address(worker: usize) -> std::net::IpAddr {
    let last = u8::try_from(2 + worker % 32).unwrap_or(2);
    std::net::Ipv4Addr::new(127, 0, 0, last).into()
}

/// A browser with a fresh cookie jar, connecting from `from` (a loopback address: the
/// benchmark's clients are many, as the platform's are, not one address at its cap).
pub(crate) fn client(from: std::net::IpAddr) -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .local_address(from)
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .build()?)
}

fn location(r: &reqwest::Response) -> anyhow::Result<String> {
    Ok(r.headers()
        .get("location")
        .context("no Location")?
        .to_str()?
        .to_owned())
}

/// Runs `login` from `concurrency` tasks for `seconds`.
pub(crate) async fn measure<F, Fut>(seconds: u64, concurrency: usize, login: F) -> Measured
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = anyhow::Result<()>> + Send,
{
    let login = Arc::new(login);
    let start = Instant::now();
    let deadline = start + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for worker in 0..concurrency {
        let login = Arc::clone(&login);
        tasks.push(tokio::spawn(async move {
            let (mut ok, mut failed, mut lat) = (0, 0, Vec::new());
            while Instant::now() < deadline {
                let t = Instant::now();
                match login(worker).await {
                    Ok(()) => {
                        ok += 1;
                        lat.push(t.elapsed());
                    }
                    Err(e) => {
                        failed += 1;
                        if failed == 1 {
                            eprintln!("a login failed: {e:#}");
                        }
                    }
                }
            }
            (ok, failed, lat)
        }));
    }
    let mut m = Measured {
        logins: 0,
        failures: 0,
        elapsed: Duration::ZERO,
        latencies: Vec::new(),
    };
    for t in tasks {
        if let Ok((ok, failed, lat)) = t.await {
            m.logins += ok;
            m.failures += failed;
            m.latencies.extend(lat);
        }
    }
    m.elapsed = start.elapsed();
    m
}

/// CPU time (user + system) of every process in process group `pgid`, from /proc.
pub(crate) fn group_cpu(pgid: u32) -> Duration {
    let tick = std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| {
            String::from_utf8_lossy(&o.stdout)
                .trim()
                .parse::<u64>()
                .ok()
        })
        .unwrap_or(100);
    let mut ticks = 0u64;
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // Fields after the command name: state ppid pgrp … utime(14) stime(15).
        let Some((_, rest)) = stat.rsplit_once(')') else {
            continue;
        };
        let f: Vec<&str> = rest.split_whitespace().collect();
        if f.get(2).and_then(|g| g.parse::<u32>().ok()) == Some(pgid) {
            ticks += f.get(11).and_then(|t| t.parse::<u64>().ok()).unwrap_or(0)
                + f.get(12).and_then(|t| t.parse::<u64>().ok()).unwrap_or(0);
        }
    }
    Duration::from_millis(ticks * 1000 / tick)
}

fn report(name: &str, what: &str, m: &mut Measured, cpu: Duration) {
    let per_login = cpu.as_secs_f64() * 1e3 / m.logins.max(1) as f64;
    println!(
        "{name}: {:.0} {what}/s, median {:.1} ms ({} logins, {} failed); server CPU {per_login:.2} ms per login, so about {:.0} logins/s on 2 cores with the machine to itself",
        m.per_second(),
        m.median_ms(),
        m.logins,
        m.failures,
        2000.0 / per_login
    );
}

pub fn run(seconds: u64, concurrency: usize, no_peer: bool) -> anyhow::Result<bool> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let dir = std::env::temp_dir().join(format!("mnctf-bench-idp-{}", std::process::id()));
        let stack = Arc::new(Stack::start(Ports::ANY, PersonaId::Valid, &dir).await?);
        // The same SP on both sides: unsigned AuthnRequests, one POST ACS.
        let (sp, acs) = ("http://127.0.0.1:9/bench-sp", "http://127.0.0.1:9/acs");
        // The platform in a process of its own, so that its CPU time can be read apart
        // from the clients', the virtual cards' and the CA's.
        let platform = own_platform(&stack, &dir, "bench", (sp, acs)).await?;
        let idp_url = Arc::new(platform.base_url.clone());
        let cards = cards(&stack, concurrency);
        let before = group_cpu(platform.pid());
        let mut ours = measure(seconds, concurrency, move |worker| {
            bench_login(Arc::clone(&idp_url), Arc::clone(&cards), worker, (sp, acs))
        })
        .await;
        report(
            "platform",
            "card logins",
            &mut ours,
            group_cpu(platform.pid()).saturating_sub(before),
        );
        drop(platform);
        if !no_peer {
            let cred = stack.ca.pki.service_credential("sp-2")?;
            let key = cred
                .key
                .to_pkcs8_pem(rsa::pkcs8::LineEnding::LF)?
                .to_string();
            let cert = mock_ca::pki::pem("CERTIFICATE", &cred.certificate);
            let mut peer =
                mnctf::peers::simplesamlphp_idp(&dir.join("ssp-idp"), &key, &cert, sp, acs).await?;
            peer.wait_ready("/saml2/idp/metadata.php", Duration::from_secs(30))
                .await?;
            let base = Arc::new(peer.base_url.clone());
            let before = group_cpu(peer.pid());
            let mut theirs = measure(seconds, concurrency, move |worker| {
                let base = Arc::clone(&base);
                async move { password_login(&base, sp, acs, client_address(worker)).await }
            })
            .await;
            report(
                "simplesamlphp IdP",
                "password logins",
                &mut theirs,
                group_cpu(peer.pid()).saturating_sub(before),
            );
            println!(
                "ratio platform / simplesamlphp (logins/s in this run): {:.2}",
                ours.per_second() / theirs.per_second()
            );
        }
        breakdown(&stack)?;
        let _ = std::fs::remove_dir_all(&dir);
        Ok(ours.failures == 0)
    })
}

/// `stack`'s platform in a process of its own (`mnctf idp`), with SP `(entityID, ACS)`
/// registered beside the stack's and a store of its own (`label` names its files).
pub(crate) async fn own_platform(
    stack: &Stack,
    dir: &std::path::Path,
    label: &str,
    sp: (&str, &str),
) -> anyhow::Result<mnctf::peers::Peer> {
    own_platform_with(stack, dir, label, sp, "").await
}

/// [`own_platform`], with `extra` TOML appended to its configuration.
pub(crate) async fn own_platform_with(
    stack: &Stack,
    dir: &std::path::Path,
    label: &str,
    (sp, acs): (&str, &str),
    extra: &str,
) -> anyhow::Result<mnctf::peers::Peer> {
    std::fs::write(
        dir.join(format!("{label}-sp.xml")),
        format!(
            r#"<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="{sp}"><md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="{acs}" index="0"/></md:SPSSODescriptor></md:EntityDescriptor>"#
        ),
    )?;
    let port = mnctf::peers::free_port()?;
    let config = std::fs::read_to_string(dir.join("idp.toml"))?
        .replace(&stack.idp_url, &format!("http://127.0.0.1:{port}"))
        .replace(
            "store = \"idp.sqlite\"",
            &format!("store = \"idp-{label}.sqlite\""),
        )
        .replace(
            "sp_metadata = [",
            &format!("sp_metadata = [\"{label}-sp.xml\", "),
        )
        + extra;
    let toml = dir.join(format!("idp-{label}.toml"));
    std::fs::write(&toml, config)?;
    let exe = std::env::current_exe()?.display().to_string();
    let args = [
        "idp".into(),
        "--config".into(),
        toml.display().to_string(),
        "--port".into(),
        port.to_string(),
    ];
    let mut platform = mnctf::peers::Peer::spawn(
        "platform",
        port,
        &dir.join(format!("platform-{label}")),
        &exe,
        &args,
    )?;
    platform
        .wait_ready("/metadata", Duration::from_secs(20))
        .await?;
    Ok(platform)
}

/// One virtual card (the valid persona) per worker.
pub(crate) type Cards = Arc<Vec<std::sync::Mutex<JpkiClient<InProcess>>>>;

/// `n` cards of `stack`'s valid persona.
pub(crate) fn cards(stack: &Stack, n: usize) -> Cards {
    Arc::new(
        (0..n)
            .map(|_| {
                let image = stack.ca.pki.persona(PersonaId::Valid).card_image();
                std::sync::Mutex::new(JpkiClient::new(InProcess::new(JpkiCard::new(image))))
            })
            .collect(),
    )
}

/// Worker `worker`'s card login at `url` for SP `sp`, from its own address; a refusal is
/// an error.
pub(crate) async fn bench_login(
    url: Arc<String>,
    cards: Cards,
    worker: usize,
    sp: (&str, &str),
) -> anyhow::Result<()> {
    let outcome = card_login(&url, sp, client_address(worker), |c| {
        let mut card = cards[worker % cards.len()]
            .lock()
            .map_err(|_| anyhow::anyhow!("card lock poisoned"))?;
        sign_with(&mut card, c)
    })
    .await?;
    match outcome {
        Login::Admitted => Ok(()),
        Login::Refused(why) => Err(anyhow::anyhow!("refused: {why}")),
    }
}

/// An SP-initiated login started at the IdP's SSO endpoint `sso` (a fresh unsigned
/// AuthnRequest by Redirect): the IdP's answer, which sends the browser to its login page.
pub(crate) async fn start_login(
    http: &reqwest::Client,
    sso: &str,
    (sp, acs): (&str, &str),
) -> anyhow::Result<reqwest::Response> {
    let id = format!("_b{}", rand_hex());
    let xml = authn_request::build(&NewAuthnRequest {
        id: &id,
        issuer: sp,
        destination: sso,
        acs_url: acs,
        issue_instant: time::OffsetDateTime::now_utc(),
        force_authn: false,
        is_passive: false,
        authn_context_class: None,
        attribute_consuming_service_index: None,
    });
    let q = bindings::encode_redirect(Kind::Request, &xml, None, None)?;
    Ok(http.get(format!("{sso}?{q}")).send().await?)
}

/// What a card login came to: a Response, or the platform's refusal with its reason.
pub(crate) enum Login {
    Admitted,
    Refused(String),
}

/// One complete card login at the platform, as the browser and card helper make it;
/// `sign` is the card: (certificate, signature) for the challenge.
pub(crate) async fn card_login(
    idp_url: &str,
    (sp, acs): (&str, &str),
    from: std::net::IpAddr,
    sign: impl FnOnce(&Challenge) -> anyhow::Result<(Vec<u8>, Vec<u8>)>,
) -> anyhow::Result<Login> {
    let http = client(from)?;
    let r = start_login(&http, &format!("{idp_url}/sso"), (sp, acs)).await?;
    let tx = location(&r)?
        .split("tx=")
        .nth(1)
        .context("not the login page")?
        .to_owned();
    let c: serde_json::Value = http
        .post(format!("{}/card-login/challenge", idp_url))
        .json(&serde_json::json!({ "tx": tx }))
        .send()
        .await?
        .json()
        .await?;
    let challenge = Challenge::parse(c["challenge"].as_str().context("no challenge")?)?;
    let (cert, sig) = tokio::task::block_in_place(|| sign(&challenge))?;
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    let answer = serde_json::json!({ "tx": tx, "nonce": c["nonce"], "certificate": b64.encode(cert), "signature": b64.encode(sig) });
    let r = http
        .post(format!("{}/card-login/answer", idp_url))
        .json(&answer)
        .send()
        .await?;
    let ok = r.status().is_success();
    let a: serde_json::Value = r.json().await?;
    if !ok {
        return Ok(Login::Refused(
            a["error"].as_str().unwrap_or_default().to_owned(),
        ));
    }
    let page = http
        .get(format!(
            "{}{}",
            idp_url,
            a["continue"].as_str().context("no continue")?
        ))
        .send()
        .await?
        .text()
        .await?;
    anyhow::ensure!(page.contains("SAMLResponse"), "admitted but no Response");
    Ok(Login::Admitted)
}

/// Has `card` (PIN 1234) sign `challenge`: its user-authentication certificate and the
/// signature.
pub(crate) fn sign_with<T: mock_card::transport::Transport>(
    card: &mut JpkiClient<T>,
    challenge: &Challenge,
) -> anyhow::Result<(Vec<u8>, Vec<u8>)> {
    card.select_ap()?;
    let cert = card.read_certificate(mock_card::client::CertificateFile::UserAuthentication)?;
    let sig = card.authenticate(&mock_card::Pin::unchecked("1234"), &challenge.digest_info())?;
    Ok((cert, sig))
}

/// One complete password login at SimpleSAMLphp's IdP.
async fn password_login(
    base: &str,
    sp: &str,
    acs: &str,
    from: std::net::IpAddr,
) -> anyhow::Result<()> {
    let http = client(from)?;
    let sso = format!("{base}/saml2/idp/SSOService.php");
    let r = start_login(&http, &sso, (sp, acs)).await?;
    let login_url = url_join(base, &location(&r)?);
    let state = login_url
        .split("AuthState=")
        .nth(1)
        .context("no AuthState")?
        .to_owned();
    let state = percent_decode(&state);
    let mut r = http
        .post(login_url.split('?').next().unwrap_or_default())
        .form(&[
            ("username", "testuser"),
            ("password", "testpass"),
            ("AuthState", state.as_str()),
        ])
        .send()
        .await?;
    for _ in 0..5 {
        if r.status().is_redirection() {
            r = http.get(url_join(base, &location(&r)?)).send().await?;
            continue;
        }
        let page = r.text().await?;
        anyhow::ensure!(
            page.contains("SAMLResponse"),
            "no Response from SimpleSAMLphp"
        );
        return Ok(());
    }
    anyhow::bail!("too many redirects at SimpleSAMLphp")
}

fn url_join(base: &str, loc: &str) -> String {
    if loc.starts_with("http") {
        loc.to_owned()
    } else {
        format!("{base}{loc}")
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match (
            bytes[i],
            bytes
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok()),
        ) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub(crate) fn rand_hex() -> String {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    format!("{:x}{:x}", t.as_nanos(), std::process::id())
}

/// Where a login's CPU goes: the big cryptographic steps, each timed alone.
fn breakdown(stack: &Stack) -> anyhow::Result<()> {
    let median = |mut v: Vec<Duration>| {
        v.sort();
        v[v.len() / 2].as_secs_f64() * 1e3
    };
    let time =
        |n: usize, mut f: Box<dyn FnMut() -> anyhow::Result<()> + '_>| -> anyhow::Result<f64> {
            let mut v = Vec::with_capacity(n);
            for _ in 0..n {
                let t = Instant::now();
                f()?;
                v.push(t.elapsed());
            }
            Ok(median(v))
        };
    let persona = stack.ca.pki.persona(PersonaId::Valid);
    let mut card = JpkiClient::new(InProcess::new(JpkiCard::new(persona.card_image())));
    let di = trust_framework::binding::digest_info(b"x");
    let card_ms = time(
        50,
        Box::new(|| Ok(card.authenticate(&persona.auth_pin, &di).map(drop)?)),
    )?;
    let ca = stack
        .ca
        .pki
        .authority(mock_ca::pki::ca::JPKI_AUTH)
        .context("no CA")?;
    let ca_ms = time(50, Box::new(|| Ok(ca.sign_sha256_rsa(b"x").map(drop)?)))?;
    println!("per-login crypto (median of 50): virtual card RSA sign {card_ms:.2} ms (OpenSSL), CA/OCSP RSA sign {ca_ms:.2} ms (OpenSSL)");
    Ok(())
}
