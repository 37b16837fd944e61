//! A battery of hostile or broken SPs (issue 21): each misbehaves in one way at the HTTP
//! level a real product, proxy or attacker could (slow answers, endless or lying bodies,
//! bombs, huge headers, odd redirects, broken or enormous metadata, a TLS port that never
//! speaks, TLS gone wrong: not TLS at all, a closed handshake, a certificate for another
//! name, expired or from no trusted CA, a page cut short without close_notify), and each must end the run with a clear reason within the limits and a written
//! report, never a hang, a panic or a PASSED test. The SP is a raw TCP server, so that it
//! can break HTTP itself.

use std::time::{Duration, Instant};

use conformance::{SuiteIdp, SutConfig};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use trust_framework::saml::authn_request::{self, NewAuthnRequest};
use trust_framework::saml::bindings::{self, Kind};

#[macro_use]
mod common;
use common::preflight_reason;
use common::raw::{answer, gzip_bomb, read_request};
use common::tls::{front, Oddity};

#[derive(Clone, Copy, Debug, PartialEq)]
enum Mode {
    LoopingLogin,
    HangingProtected,
    HugeAcs,
    SlowLoris,
    EndlessChunks,
    GzipBomb,
    HugeHeaders,
    CloseMidBody,
    RedirectWithoutLocation,
    RedirectOffLoopback,
    RedirectToFile,
    RequestToAnotherIdp,
    GarbageRequest,
    DeflateBomb,
    MetadataNotXml,
    MetadataWithDtd,
    MetadataEnormous,
    MetadataHangs,
    MetadataManyAttributes,
    MetadataTwoSps,
    LoginServerError,
    AcsLoop,
    ProtectedEnormous,
    ProtectedPortClosed,
    TlsNeverAnswers,
    Tls(Oddity),
}

#[derive(Clone)]
struct Sp {
    base: String,
    sso: String,
    mode: Mode,
}

fn metadata(base: &str, entities: usize) -> String {
    let one = |i: usize| {
        format!(
            r#"<md:EntityDescriptor entityID="{base}/sp{i}"><md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="{base}/acs" index="0"/></md:SPSSODescriptor></md:EntityDescriptor>"#
        )
    };
    if entities == 1 {
        one(0).replacen(
            "<md:EntityDescriptor ",
            r#"<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" "#,
            1,
        )
    } else {
        let all: String = (0..entities).map(one).collect();
        format!(
            r#"<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">{all}</md:EntitiesDescriptor>"#
        )
    }
}

fn login_location(sp: &Sp, sso: &str) -> String {
    let xml = authn_request::build(&NewAuthnRequest {
        id: &format!(
            "_req{}",
            time::OffsetDateTime::now_utc().unix_timestamp_nanos()
        ),
        issuer: &format!("{}/sp0", sp.base),
        destination: sso,
        acs_url: &format!("{}/acs", sp.base),
        issue_instant: time::OffsetDateTime::now_utc(),
        force_authn: false,
        is_passive: false,
        authn_context_class: None,
        attribute_consuming_service_index: None,
    });
    let q = bindings::encode_redirect(Kind::Request, &xml, None, None).unwrap();
    format!("{sso}?{q}")
}

/// Serves one connection as the hostile SP of `sp.mode`.
async fn serve(mut s: TcpStream, sp: Sp) {
    use Mode::*;
    // A TLS ClientHello (first byte 0x16) gets nothing back, ever; plain HTTP is served.
    let mut first = [0u8; 1];
    if sp.mode == TlsNeverAnswers && s.peek(&mut first).await.is_ok() && first[0] == 0x16 {
        tokio::time::sleep(Duration::from_secs(60)).await;
        return;
    }
    let Some((method, path)) = read_request(&mut s).await else {
        return;
    };
    let redirect = |to: &str| answer("302 Found", &[("Location", to)], b"");
    let out = match (sp.mode, method.as_str(), path.as_str()) {
        (MetadataNotXml, _, "/metadata") => answer("200 OK", &[], b"this is not XML"),
        (MetadataWithDtd, _, "/metadata") => answer(
            "200 OK",
            &[],
            br#"<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>"#,
        ),
        (MetadataEnormous, _, "/metadata") => {
            let _ = s
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 314572800\r\n\r\n")
                .await;
            let chunk = vec![b' '; 1 << 16];
            while s.write_all(&chunk).await.is_ok() {}
            return;
        }
        (MetadataHangs, _, "/metadata") => {
            tokio::time::sleep(Duration::from_secs(60)).await;
            return;
        }
        (MetadataManyAttributes, _, "/metadata") => {
            let attrs: String = (0..20_000).map(|i| format!(" a{i}=\"x\"")).collect();
            answer(
                "200 OK",
                &[],
                format!(r#"<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"{attrs}/>"#).as_bytes(),
            )
        }
        (MetadataTwoSps, _, "/metadata") => answer("200 OK", &[], metadata(&sp.base, 2).as_bytes()),
        (_, _, "/metadata") => answer("200 OK", &[], metadata(&sp.base, 1).as_bytes()),
        (LoopingLogin, _, "/login") => redirect("/login"),
        (HugeHeaders, _, "/login") => {
            let big = "x".repeat(2 << 20);
            answer("200 OK", &[("X-Big", &big)], b"")
        }
        (RedirectWithoutLocation, _, "/login") => answer("302 Found", &[], b""),
        (RedirectOffLoopback, _, "/login") => redirect("http://203.0.113.7/login"),
        (RedirectToFile, _, "/login") => redirect("file:///etc/passwd"),
        (RequestToAnotherIdp, _, "/login") => {
            redirect(&login_location(&sp, "http://127.0.0.1:9/other-idp/sso"))
        }
        (GarbageRequest, _, "/login") => redirect(&format!("{}?SAMLRequest=%21%21not-base64%21%21", sp.sso)),
        (DeflateBomb, _, "/login") => {
            let xml = format!("<x>{}</x>", " ".repeat(16 << 20));
            let q = bindings::encode_redirect(Kind::Request, &xml, None, None).unwrap();
            redirect(&format!("{}?{q}", sp.sso))
        }
        (LoginServerError, _, "/login") => answer("500 Internal Server Error", &[], b"oops"),
        (_, _, "/login") => redirect(&login_location(&sp, &sp.sso)),
        (HugeAcs, "POST", "/acs") => answer("200 OK", &[], &vec![b'x'; 4 << 20]),
        (AcsLoop, _, "/acs") => redirect("/acs"),
        (_, "POST", "/acs") => redirect("/protected"),
        (HangingProtected, _, "/protected") => {
            tokio::time::sleep(Duration::from_secs(60)).await;
            return;
        }
        (SlowLoris, _, "/protected") => {
            let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n").await;
            while s.write_all(b"A").await.is_ok() {
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            return;
        }
        (EndlessChunks, _, "/protected") => {
            let _ = s
                .write_all(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
                .await;
            let chunk = format!("10000\r\n{}\r\n", "B".repeat(0x10000));
            while s.write_all(chunk.as_bytes()).await.is_ok() {}
            return;
        }
        (GzipBomb, _, "/protected") => answer("200 OK", &[("Content-Encoding", "gzip")], gzip_bomb()),
        (CloseMidBody, _, "/protected") => {
            let _ = s
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nAUTHENTICA")
                .await;
            return;
        }
        (ProtectedEnormous, _, "/protected") => answer("200 OK", &[], &vec![b'y'; 12 << 20]),
        (_, _, "/protected") => answer("401 Unauthorized", &[], b"no session"),
        _ => answer("404 Not Found", &[], b"no such page"),
    };
    let _ = s.write_all(&out).await;
}

async fn run(mode: Mode) -> (String, Duration) {
    let idp = SuiteIdp::new("http://127.0.0.1:18500").unwrap();
    let listener = TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let sp = Sp {
        base: base.clone(),
        sso: idp.sso_url.clone(),
        mode,
    };
    tokio::spawn(async move {
        while let Ok((s, _)) = listener.accept().await {
            tokio::spawn(serve(s, sp.clone()));
        }
    });
    if mode == Mode::GzipBomb {
        gzip_bomb();
    }
    let tls = match mode {
        Mode::Tls(oddity) => Some(front(oddity).await),
        _ => None,
    };
    let (login_url, protected_url) = match mode {
        Mode::Tls(_) => (
            format!("{}/login", tls.as_ref().unwrap().base),
            format!("{base}/protected"),
        ),
        Mode::TlsNeverAnswers => (
            format!("https{}/login", base.trim_start_matches("http")),
            format!("{base}/protected"),
        ),
        Mode::ProtectedPortClosed => (
            format!("{base}/login"),
            "http://127.0.0.1:9/protected".into(),
        ),
        _ => (format!("{base}/login"), format!("{base}/protected")),
    };
    let config = SutConfig {
        name: format!("hostile-{mode:?}"),
        metadata: format!("{base}/metadata"),
        login_url,
        protected_url,
        logged_in: "AUTHENTICATED".into(),
        identity_prefix: "NameID: ".into(),
        authn_class: "urn:mnctf:ac:classes:jpki-user-authentication".into(),
        expected: None,
        timeout_ms: 1500,
        only: vec!["baseline-both-signed".into()],
        network: conformance::config::NetworkConfig {
            ca: tls.as_ref().map(|t| t.ca.clone()),
            ..Default::default()
        },
    };
    let t = Instant::now();
    let report = tokio::time::timeout(
        Duration::from_secs(30),
        conformance::run(&config, &idp, |_| {}),
    )
    .await
    .unwrap_or_else(|_| panic!("{mode:?}: the suite did not finish within 30 s"))
    .unwrap_or_else(|e| panic!("{mode:?}: no report: {e}"));
    (preflight_reason(&report), t.elapsed())
}

/// One test per misbehaviour: the preflight says `expected` (any of the phrases), within
/// 20 seconds.
macro_rules! battery {
    ($($name:ident: $mode:expr => [$($expected:literal),+];)+) => {$(
        #[tokio::test(flavor = "multi_thread")]
        async fn $name() {
            use Mode::*;
            let (why, took) = run($mode).await;
            println!("{:?}: {why} ({took:?})", $mode);
            assert!([$($expected),+].iter().any(|e| why.contains(e)), "{:?}: {why}", $mode);
            assert!(took < Duration::from_secs(20), "{:?} took {took:?}", $mode);
        }
    )+};
}

battery! {
    a_redirect_loop_is_stopped: LoopingLogin => ["more than 25 redirects"];
    a_hanging_page_is_cut_off: HangingProtected => ["timed out", "timeout"];
    a_huge_acs_answer_is_refused: HugeAcs => ["baseline"];
    a_slow_loris_answer_is_cut_off: SlowLoris => ["timed out", "timeout"];
    endless_chunks_are_cut_off: EndlessChunks => ["page over 1048576 bytes"];
    a_gzip_bomb_is_not_inflated: GzipBomb => ["it shows: no text: ", "page over 1048576 bytes"];
    huge_headers_are_refused: HugeHeaders => ["header", "message head"];
    a_body_cut_short_is_named: CloseMidBody => ["end of file before message length"];
    a_redirect_without_location_is_named: RedirectWithoutLocation => ["Location"];
    a_redirect_off_loopback_is_refused_by_the_network_rule: RedirectOffLoopback => ["203.0.113.7"];
    a_redirect_to_a_file_is_refused: RedirectToFile => ["file:"];
    a_request_to_another_idp_names_both: RequestToAnotherIdp => ["127.0.0.1:9/other-idp/sso"];
    a_garbage_request_is_named: GarbageRequest => ["the AuthnRequest: malformed message: not base64"];
    a_deflate_bomb_is_not_inflated: DeflateBomb => ["inflated message over 256 KiB"];
    metadata_that_is_not_xml_is_named: MetadataNotXml => ["metadata does not load"];
    metadata_with_a_dtd_is_refused: MetadataWithDtd => ["metadata does not load"];
    enormous_metadata_is_refused: MetadataEnormous => ["metadata does not load"];
    hanging_metadata_is_cut_off: MetadataHangs => ["metadata does not load"];
    metadata_with_thousands_of_attributes_is_refused: MetadataManyAttributes => ["64 attributes"];
    metadata_with_two_sps_is_named: MetadataTwoSps => ["has 2 SPs"];
    a_failing_login_page_is_named: LoginServerError => ["with HTTP 500"];
    an_acs_redirect_loop_is_stopped: AcsLoop => ["redirects"];
    an_enormous_protected_page_is_refused: ProtectedEnormous => ["page over 1048576 bytes"];
    a_closed_protected_port_is_named: ProtectedPortClosed => ["127.0.0.1:9/protected"];
    a_tls_port_that_never_answers_is_cut_off: TlsNeverAnswers => ["the login URL"];
}

tls_battery!();
