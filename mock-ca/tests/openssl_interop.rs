//! OpenSSL, an independent implementation, judges our certificates, CRLs and OCSP
//! answers: `openssl verify -crl_check` and `openssl ocsp` against the live responder.

use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use mock_ca::ocsp::Fault;
use mock_ca::server::RunningService;
use mock_ca::Clock;

fn openssl(args: &[&str]) -> Output {
    Command::new("openssl")
        .args(args)
        .output()
        .expect("the openssl command line tool is installed (scripts/setup)")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

struct Fixture {
    service: RunningService,
    dir: tempfile::TempDir,
}

impl Fixture {
    fn new() -> Self {
        let service = RunningService::start(0, |_| {}, Clock::system()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        service.pki.export(dir.path()).unwrap();
        Self { service, dir }
    }

    fn path(&self, rel: &str) -> String {
        self.dir.path().join(rel).display().to_string()
    }

    fn verify(&self, ca: &str, cert: &str) -> Output {
        openssl(&[
            "verify",
            "-crl_check",
            "-CAfile",
            &self.path(&format!("ca/{ca}.pem")),
            "-CRLfile",
            &self.path(&format!("crl/{ca}.pem")),
            &self.path(cert),
        ])
    }

    fn ocsp(&self, ca: &str, cert: &str) -> Output {
        let url = format!("{}/ocsp/{ca}", self.service.base_url());
        let issuer = self.path(&format!("ca/{ca}.pem"));
        openssl(&[
            "ocsp",
            "-timeout",
            "2",
            "-issuer",
            &issuer,
            "-cert",
            &self.path(cert),
            "-url",
            &url,
            "-CAfile",
            &issuer,
            "-resp_text",
        ])
    }
}

#[test]
fn openssl_verify_accepts_valid_persona_chains() {
    let f = Fixture::new();
    for (ca, cert) in [
        ("jpki-auth", "persona/valid/auth.pem"),
        ("jpki-sign", "persona/valid/sign.pem"),
        ("jpki-auth", "persona/renewed/auth.pem"),
        ("jpki-auth", "persona/sign-revoked/auth.pem"),
        ("zeirishi", "persona/tax-accountant/shigyo.pem"),
        ("shihoshoshi", "persona/judicial-scrivener/shigyo.pem"),
    ] {
        let out = f.verify(ca, cert);
        assert!(out.status.success(), "{cert}: {}", text(&out));
    }
}

#[test]
fn openssl_verify_rejects_revoked_expired_and_unknown_ca() {
    let f = Fixture::new();
    for (ca, cert, why) in [
        (
            "jpki-auth",
            "persona/auth-revoked/auth.pem",
            "certificate revoked",
        ),
        (
            "jpki-sign",
            "persona/sign-revoked/sign.pem",
            "certificate revoked",
        ),
        (
            "jpki-auth",
            "persona/renewed/previous-auth.pem",
            "certificate revoked",
        ),
        (
            "jpki-auth",
            "persona/auth-expired/auth.pem",
            "certificate has expired",
        ),
        (
            "jpki-auth",
            "persona/unknown-ca/auth.pem",
            "unable to get local issuer certificate",
        ),
    ] {
        let out = f.verify(ca, cert);
        assert!(!out.status.success(), "{cert} must be rejected");
        assert!(
            text(&out).contains(why),
            "{cert}: expected {why:?} in {}",
            text(&out)
        );
    }
}

#[test]
fn crl_carries_reason_codes_and_next_update() {
    let f = Fixture::new();
    let out = openssl(&[
        "crl",
        "-in",
        &f.path("crl/jpki-auth.pem"),
        "-noout",
        "-text",
    ]);
    let t = text(&out);
    assert!(t.contains("Key Compromise"), "{t}");
    assert!(t.contains("Superseded"), "{t}");
    assert!(t.contains("Next Update"), "{t}");
    let sign = text(&openssl(&[
        "crl",
        "-in",
        &f.path("crl/jpki-sign.pem"),
        "-noout",
        "-text",
    ]));
    assert!(sign.contains("Affiliation Changed"), "{sign}");
}

#[test]
fn openssl_ocsp_verifies_good_revoked_and_unknown_answers() {
    let f = Fixture::new();
    let good = f.ocsp("jpki-auth", "persona/valid/auth.pem");
    assert!(
        text(&good).contains("Response verify OK"),
        "{}",
        text(&good)
    );
    assert!(text(&good).contains("auth.pem: good"), "{}", text(&good));
    let revoked = f.ocsp("jpki-auth", "persona/auth-revoked/auth.pem");
    assert!(
        text(&revoked).contains("Response verify OK") && text(&revoked).contains(": revoked"),
        "{}",
        text(&revoked)
    );
    assert!(
        text(&revoked).contains("Reason: keyCompromise"),
        "{}",
        text(&revoked)
    );
    // A certificate of another CA asked of the JPKI auth responder: not ours.
    let unknown = f.ocsp("jpki-auth", "persona/unknown-ca/auth.pem");
    assert!(text(&unknown).contains(": unknown"), "{}", text(&unknown));
}

#[test]
fn each_ocsp_fault_mode_does_what_it_says() {
    let f = Fixture::new();
    let cert = "persona/valid/auth.pem";
    let cases: [(Fault, &str); 5] = [
        (Fault::Unavailable, "code=503"),
        (Fault::Slow(Duration::from_secs(4)), "timeout"),
        (Fault::Stale, "status expired"),
        (Fault::WrongSigner, "Response Verify Failure"),
        (Fault::BadNonce, "Nonce Verify error"),
    ];
    for (fault, symptom) in cases {
        f.service.faults.set_ocsp(Some(fault));
        let out = f.ocsp("jpki-auth", cert);
        assert!(
            text(&out).contains(symptom),
            "{fault:?}: expected {symptom:?} in {}",
            text(&out)
        );
    }
    f.service.faults.set_ocsp(None);
    assert!(text(&f.ocsp("jpki-auth", cert)).contains("Response verify OK"));
}

#[test]
fn stale_crl_fault_makes_openssl_reject() {
    let f = Fixture::new();
    f.service.faults.set_stale_crl(true);
    let url = format!("{}/crl/jpki-auth.crl", f.service.base_url());
    let der = fetch(&url);
    let crl = f.dir.path().join("stale.crl");
    std::fs::write(&crl, der).unwrap();
    let pem = f.dir.path().join("stale.pem");
    let conv = openssl(&[
        "crl",
        "-inform",
        "DER",
        "-in",
        &crl.display().to_string(),
        "-out",
        &pem.display().to_string(),
    ]);
    assert!(conv.status.success(), "{}", text(&conv));
    let out = openssl(&[
        "verify",
        "-crl_check",
        "-CAfile",
        &f.path("ca/jpki-auth.pem"),
        "-CRLfile",
        &pem.display().to_string(),
        &f.path("persona/valid/auth.pem"),
    ]);
    assert!(text(&out).contains("CRL has expired"), "{}", text(&out));
}

/// A bare HTTP/1.0 request on loopback (the test needs no HTTP client crate); returns
/// the status code and the body.
fn http(method: &str, url: &str, body: &[u8]) -> (u16, Vec<u8>) {
    use std::io::{Read, Write};
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_once('/').unwrap();
    let mut s = std::net::TcpStream::connect(host).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let head = format!(
        "{method} /{path} HTTP/1.0\r\nHost: {host}\r\nContent-Type: application/ocsp-request\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).unwrap();
    // A refused oversized body may close the socket before all of it is written.
    let _ = s.write_all(body);
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    let split = buf.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    let status = String::from_utf8_lossy(&buf[9..12]).parse().unwrap();
    (status, buf[split..].to_vec())
}

fn fetch(url: &str) -> Vec<u8> {
    let (status, body) = http("GET", url, b"");
    assert_eq!(status, 200, "{url}");
    body
}

#[test]
fn malformed_and_oversized_ocsp_requests_get_clear_answers() {
    let f = Fixture::new();
    let url = format!("{}/ocsp/jpki-auth", f.service.base_url());
    let (status, body) = http("POST", &url, b"\x30\x03garbage");
    assert_eq!(status, 200);
    assert_eq!(
        body,
        [0x30, 0x03, 0x0A, 0x01, 0x01],
        "OCSPResponse with status malformedRequest"
    );
    let (status, _) = http("POST", &url, &vec![0x30; 64 * 1024]);
    assert_eq!(status, 413, "bodies over the limit are refused");
    let (status, _) = http(
        "POST",
        &format!("{}/ocsp/no-such-ca", f.service.base_url()),
        b"",
    );
    assert_eq!(status, 404);
}

#[test]
fn ocsp_get_binding_answers_like_post() {
    use base64::Engine as _;
    let f = Fixture::new();
    let req = f.dir.path().join("req.der");
    let issuer = f.path("ca/jpki-auth.pem");
    let cert = f.path("persona/auth-revoked/auth.pem");
    let made = openssl(&[
        "ocsp",
        "-issuer",
        &issuer,
        "-cert",
        &cert,
        "-reqout",
        &req.display().to_string(),
    ]);
    assert!(made.status.success(), "{}", text(&made));
    let b64 = base64::engine::general_purpose::STANDARD.encode(std::fs::read(&req).unwrap());
    let encoded = b64
        .replace('+', "%2B")
        .replace('/', "%2F")
        .replace('=', "%3D");
    let body = fetch(&format!(
        "{}/ocsp/jpki-auth/{encoded}",
        f.service.base_url()
    ));
    let resp = f.dir.path().join("resp.der");
    std::fs::write(&resp, body).unwrap();
    let resp = resp.display().to_string();
    let out = openssl(&[
        "ocsp",
        "-respin",
        &resp,
        "-CAfile",
        &issuer,
        "-issuer",
        &issuer,
        "-cert",
        &cert,
        "-no_nonce",
    ]);
    assert!(
        text(&out).contains("Response verify OK") && text(&out).contains(": revoked"),
        "{}",
        text(&out)
    );
}

#[test]
fn export_writes_pem_files() {
    let f = Fixture::new();
    assert!(Path::new(&f.path("trust-anchors.pem")).exists());
    let anchors = std::fs::read_to_string(f.path("trust-anchors.pem")).unwrap();
    assert_eq!(
        anchors.matches("BEGIN CERTIFICATE").count(),
        4,
        "JPKI auth + sign and two 士業 CAs; no rogue CA"
    );
}
