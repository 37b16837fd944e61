//! The main job until the case-study scenarios exist: every persona's card goes through
//! what a login will do (read the certificate, PIN, card signature over a challenge) and
//! its certificate through the checks a relying party makes (signature by a trusted CA,
//! validity, revocation status at the CA), with the outcome each persona should have.
//! Then the same card logs in at an SP through the platform. Writes the report model's
//! three renderings: `report.json`, `junit.xml`, `report.md`.

use std::path::Path;
use std::time::Instant;

use anyhow::Context as _;
use der::{Decode, Encode};
use mock_ca::{CertState, Clock, PersonaId, Pki, PkiConfig};
use mock_card::client::{sha256_digest_info, CertificateFile, ClientError, JpkiClient};
use mock_card::transport::InProcess;
use mock_card::{CardImage, JpkiCard, PinKind};
use reports::{Case, Report, Step, Verdict};
use rsa::pkcs1v15::{Signature, VerifyingKey};
use rsa::pkcs8::DecodePublicKey;
use rsa::signature::Verifier;
use rsa::RsaPublicKey;
use sha2::Sha256;
use x509_cert::Certificate;

fn expected(id: PersonaId) -> &'static str {
    match id {
        PersonaId::AuthExpired => "refused: expired",
        PersonaId::AuthRevoked => "refused: revoked",
        PersonaId::AuthPinBlocked => "refused: PIN blocked",
        PersonaId::UnknownCa => "refused: untrusted issuer",
        _ => "accepted",
    }
}

pub fn run(out: &Path) -> anyhow::Result<bool> {
    let clock = Clock::system();
    let pki = Pki::build(PkiConfig::new("http://127.0.0.1:18080"), clock.clone())?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let run_dir = out.join("walkthrough-run");
    let now = clock
        .now()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let mut report = Report::new(
        "Card, PKI and SSO walkthrough / カード・認証局・SSOの動作確認",
        &now,
    );
    for persona in pki.personas() {
        let started = Instant::now();
        let mut notes = Vec::new();
        let outcome = login(&pki, persona.card_image(), &persona.auth_pin, &mut notes)
            .unwrap_or_else(|why| format!("refused: {why}"));
        let card_ms = ms(started);
        let expected = expected(persona.id);
        let started = Instant::now();
        let sso = runtime.block_on(sso_login(persona.id, &run_dir.join(persona.id.slug())))?;
        // At the SP the outcome must agree: accepted exactly when the card check accepts.
        let sso_ok = sso.starts_with("accepted") == (expected == "accepted");
        let mut case = Case::new(persona.id.slug(), persona.id.description());
        for note in notes {
            case.steps.push(step(&note, &[], Verdict::Passed, "", 0));
        }
        let card_verdict = if outcome == expected {
            Verdict::Passed
        } else {
            Verdict::Failed
        };
        case.steps.push(step(
            "the relying party's card check",
            &["TF-PKI-001", "TF-PKI-003", "TF-PKI-005", "TF-BIND-004"],
            card_verdict,
            &format!("{outcome} (expected: {expected})"),
            card_ms,
        ));
        let sso_verdict = if sso_ok {
            Verdict::Passed
        } else {
            Verdict::Failed
        };
        case.steps.push(step(
            "login at an SP through the platform",
            &["TF-IDP-006", "TF-IDP-008", "TF-PKI-006"],
            sso_verdict,
            &sso,
            ms(started),
        ));
        case.verdict = if card_verdict == Verdict::Passed && sso_ok {
            Verdict::Passed
        } else {
            Verdict::Failed
        };
        if case.verdict == Verdict::Failed {
            case.reason = Some(format!(
                "card check: {outcome}; at the SP: {sso}; expected: {expected}"
            ));
        }
        println!(
            "{} {:<20} {outcome:<28} SSO: {sso}",
            if case.verdict == Verdict::Passed {
                "ok  "
            } else {
                "FAIL"
            },
            persona.id.slug()
        );
        report.suite("personas").cases.push(case);
    }
    let _ = std::fs::remove_dir_all(&run_dir);
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    std::fs::write(out.join("report.json"), reports::json(&report))?;
    std::fs::write(out.join("junit.xml"), reports::junit::render(&report))?;
    std::fs::write(out.join("report.md"), reports::markdown::render(&report))?;
    let failed = report
        .cases()
        .filter(|c| c.verdict != Verdict::Passed)
        .count();
    println!(
        "{} personas, {failed} unexpected; reports in {} (report.md, report.json, junit.xml)",
        report.cases().count(),
        out.display()
    );
    Ok(!report.failed())
}

fn ms(since: Instant) -> u64 {
    u64::try_from(since.elapsed().as_millis()).unwrap_or(u64::MAX)
}

fn step(
    name: &str,
    requirements: &[&str],
    verdict: Verdict,
    detail: &str,
    duration_ms: u64,
) -> Step {
    Step {
        name: name.to_owned(),
        name_ja: None,
        requirements: requirements.iter().map(|r| (*r).to_owned()).collect(),
        verdict,
        detail: detail.to_owned(),
        evidence: Vec::new(),
        duration_ms,
    }
}

/// The login a relying party will run, on the virtual card; `Err` says why it is refused.
fn login(
    pki: &Pki,
    image: CardImage,
    pin: &mock_card::Pin,
    steps: &mut Vec<String>,
) -> Result<String, String> {
    let mut client = JpkiClient::new(InProcess::new(JpkiCard::new(image)));
    let card_err = |e: ClientError| match e {
        ClientError::PinBlocked(_) => "PIN blocked".to_owned(),
        other => other.to_string(),
    };
    client.select_ap().map_err(card_err)?;
    let der = client
        .read_certificate(CertificateFile::UserAuthentication)
        .map_err(card_err)?;
    let tries = client
        .pin_status(PinKind::UserAuthentication)
        .map_err(card_err)?
        .tries_left();
    steps.push(format!(
        "read the user-authentication certificate ({} bytes); PIN tries left: {tries}",
        der.len()
    ));
    let challenge = b"walkthrough challenge";
    let signature = client
        .authenticate(pin, &sha256_digest_info(challenge))
        .map_err(card_err)?;
    steps.push("the card signed the challenge after the PIN".to_owned());
    let cert =
        Certificate::from_der(&der).map_err(|e| format!("certificate does not parse: {e}"))?;
    public_key(&cert)?
        .verify(
            challenge,
            &Signature::try_from(signature.as_slice()).map_err(|e| e.to_string())?,
        )
        .map_err(|_| "card signature does not verify".to_owned())?;
    steps.push("the signature verifies with the certificate's key".to_owned());
    let anchor = pki
        .trust_anchors()
        .into_iter()
        .find(|ca| issued_by(&cert, ca.certificate()))
        .ok_or("untrusted issuer")?;
    steps.push(format!("issued by trusted CA {}", anchor.id()));
    let now = pki.clock().now();
    let validity = &cert.tbs_certificate.validity;
    let (from, to) = (
        validity.not_before.to_unix_duration().as_secs(),
        validity.not_after.to_unix_duration().as_secs(),
    );
    let t = u64::try_from(now.unix_timestamp()).unwrap_or(0);
    if t < from || t > to {
        return Err(if t > to { "expired" } else { "not yet valid" }.to_owned());
    }
    steps.push("within its validity period".to_owned());
    match anchor.state(cert.tbs_certificate.serial_number.as_bytes(), now) {
        CertState::Good => steps.push("good at the CA".to_owned()),
        CertState::Revoked(r) => {
            steps.push(format!(
                "revoked at the CA, reason code {}",
                r.reason.code()
            ));
            return Err("revoked".to_owned());
        }
        CertState::Unknown => return Err("unknown to the CA".to_owned()),
    }
    Ok("accepted".to_owned())
}

/// The persona's card logs in at the e-application SP through the platform, on a fresh
/// loopback federation (`mnctf up` without the fixed ports).
async fn sso_login(id: PersonaId, dir: &Path) -> anyhow::Result<String> {
    let stack = mnctf::stack::Stack::start(mnctf::stack::Ports::ANY, id, dir).await?;
    let b = mnctf::browser::Browser::new();
    let login = b.get(&format!("{}/login", stack.sp_urls[0])).await?;
    anyhow::ensure!(
        login.url.contains("/login?tx="),
        "the SP did not send the browser to the platform's login page"
    );
    Ok(
        match b
            .card_login(&stack.idp_url, &stack.helper_url, &login.url, "1234")
            .await?
        {
            Ok(page) if page.status == 200 && page.body.contains("AUTHENTICATED") => {
                let name_id = page
                    .body
                    .lines()
                    .find_map(|l| l.strip_prefix("NameID: "))
                    .unwrap_or_default();
                format!(
                    "accepted at the SP (pairwise NameID {}…)",
                    name_id.chars().take(8).collect::<String>()
                )
            }
            Ok(page) => format!("refused by the SP: HTTP {}", page.status),
            Err(why) => format!("refused: {why}"),
        },
    )
}

fn public_key(cert: &Certificate) -> Result<VerifyingKey<Sha256>, String> {
    let spki = cert
        .tbs_certificate
        .subject_public_key_info
        .to_der()
        .map_err(|e| e.to_string())?;
    let key =
        RsaPublicKey::from_public_key_der(&spki).map_err(|e| format!("not an RSA key: {e}"))?;
    Ok(VerifyingKey::new(key))
}

/// Whether `cert`'s signature verifies with the key of the CA certificate `ca_der`.
fn issued_by(cert: &Certificate, ca_der: &[u8]) -> bool {
    let Ok(ca) = Certificate::from_der(ca_der) else {
        return false;
    };
    let (Ok(key), Ok(tbs)) = (public_key(&ca), cert.tbs_certificate.to_der()) else {
        return false;
    };
    let Ok(sig) = Signature::try_from(cert.signature.raw_bytes()) else {
        return false;
    };
    key.verify(&tbs, &sig).is_ok()
}
