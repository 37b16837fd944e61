//! A battery of hostile or broken IdPs (issue 21), the counterpart of
//! `hostile_sp_battery.rs` for `test-idp`: each misbehaves in one way at the HTTP level
//! (slow or endless answers, bombs, huge headers, odd redirects, broken or enormous
//! metadata, a login API that lies, an oversized Response, a TLS port that never speaks,
//! the SSO endpoint's TLS gone wrong in the ways of `common::tls`) and each must end the run with a clear reason within the limits and a written report,
//! never a hang, a panic or a PASSED test. The IdP is a raw TCP server.

use std::time::{Duration, Instant};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use conformance::idp::{IdpSutConfig, Role, SuiteSps};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};

#[macro_use]
mod common;
use common::preflight_reason;
use common::raw::{answer, gzip_bomb, read_request};
use common::tls::{front, Oddity};

#[derive(Clone, Copy, Debug, PartialEq)]
enum Mode {
    SlowLorisSso,
    EndlessChunksLogin,
    GzipBombChallenge,
    HugeHeadersSso,
    CloseMidBodyLogin,
    SsoOffLoopback,
    SsoToFile,
    SsoWithoutLocation,
    SsoServerError,
    ChallengeNotJson,
    ChallengeHangs,
    ChallengeEndless,
    EnormousResponse,
    ResponseOffLoopback,
    MetadataNotXml,
    MetadataWithDtd,
    MetadataEnormous,
    MetadataHangs,
    MetadataManyAttributes,
    MetadataTwoIdps,
    MetadataWithoutSso,
    TlsNeverAnswers,
    Tls(Oddity),
}

#[derive(Clone)]
struct Idp {
    base: String,
    sso_base: String,
    acs: String,
    cert_b64: String,
    mode: Mode,
}

fn metadata(idp: &Idp, entities: usize, with_sso: bool) -> String {
    let one = |i: usize| {
        let sso = if with_sso {
            format!(
                r#"<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="{}/sso"/>"#,
                idp.sso_base
            )
        } else {
            String::new()
        };
        format!(
            r#"<md:EntityDescriptor entityID="{}/idp{i}"><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>{sso}</md:IDPSSODescriptor></md:EntityDescriptor>"#,
            idp.base, idp.cert_b64
        )
    };
    let ns = r#"xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#""#;
    if entities == 1 {
        one(0).replacen(
            "<md:EntityDescriptor ",
            &format!("<md:EntityDescriptor {ns} "),
            1,
        )
    } else {
        let all: String = (0..entities).map(one).collect();
        format!("<md:EntitiesDescriptor {ns}>{all}</md:EntitiesDescriptor>")
    }
}

fn post_form(action: &str, response_b64: &str) -> Vec<u8> {
    answer(
        "200 OK",
        &[("Content-Type", "text/html")],
        format!(r#"<html><body onload="document.forms[0].submit()"><form method="post" action="{action}"><input type="hidden" name="SAMLResponse" value="{response_b64}"/></form></body></html>"#).as_bytes(),
    )
}

async fn serve(mut s: TcpStream, idp: Idp) {
    use Mode::*;
    let mut first = [0u8; 1];
    if idp.mode == TlsNeverAnswers && s.peek(&mut first).await.is_ok() && first[0] == 0x16 {
        tokio::time::sleep(Duration::from_secs(60)).await;
        return;
    }
    let Some((method, path)) = read_request(&mut s).await else {
        return;
    };
    let redirect = |to: &str| answer("302 Found", &[("Location", to)], b"");
    let login_page = answer(
        "200 OK",
        &[("Content-Type", "text/html")],
        b"<html><body>card login</body></html>",
    );
    let out = match (idp.mode, method.as_str(), path.as_str()) {
        (MetadataNotXml, _, "/metadata") => answer("200 OK", &[], b"not XML at all"),
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
        (MetadataTwoIdps, _, "/metadata") => answer("200 OK", &[], metadata(&idp, 2, true).as_bytes()),
        (MetadataWithoutSso, _, "/metadata") => answer("200 OK", &[], metadata(&idp, 1, false).as_bytes()),
        (_, _, "/metadata") => answer("200 OK", &[], metadata(&idp, 1, true).as_bytes()),
        (SlowLorisSso, _, "/sso") => {
            let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n").await;
            while s.write_all(b"A").await.is_ok() {
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            return;
        }
        (HugeHeadersSso, _, "/sso") => answer("200 OK", &[("X-Big", &"x".repeat(2 << 20))], b""),
        (SsoOffLoopback, _, "/sso") => redirect("http://203.0.113.7/login?tx=t1"),
        (SsoToFile, _, "/sso") => redirect("file:///etc/passwd"),
        (SsoWithoutLocation, _, "/sso") => answer("302 Found", &[], b""),
        (SsoServerError, _, "/sso") => answer("500 Internal Server Error", &[], b"oops"),
        (EnormousResponse, _, "/sso") => post_form(&idp.acs, &STANDARD.encode(vec![b'<'; 3 << 20])),
        (ResponseOffLoopback, _, "/sso") => post_form("http://203.0.113.7/acs", &STANDARD.encode("<x/>")),
        (_, _, "/sso") => redirect("/login?tx=t1"),
        (EndlessChunksLogin, _, "/login") => {
            let _ = s
                .write_all(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
                .await;
            let chunk = format!("10000\r\n{}\r\n", "B".repeat(0x10000));
            while s.write_all(chunk.as_bytes()).await.is_ok() {}
            return;
        }
        (GzipBombChallenge, "POST", "/card-login/challenge") => answer("200 OK", &[("Content-Encoding", "gzip"), ("Content-Type", "application/json")], gzip_bomb()),
        (CloseMidBodyLogin, _, "/login") => {
            let _ = s
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n<html><bo")
                .await;
            return;
        }
        (_, _, "/login") => login_page,
        (ChallengeNotJson, "POST", "/card-login/challenge") => answer("200 OK", &[("Content-Type", "application/json")], b"{not json"),
        (ChallengeHangs, "POST", "/card-login/challenge") => {
            tokio::time::sleep(Duration::from_secs(60)).await;
            return;
        }
        (ChallengeEndless, "POST", "/card-login/challenge") => {
            let _ = s
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
                .await;
            let chunk = format!("10000\r\n{}\r\n", "[".repeat(0x10000));
            while s.write_all(chunk.as_bytes()).await.is_ok() {}
            return;
        }
        (_, "POST", "/card-login/challenge") => answer("200 OK", &[("Content-Type", "application/json")], br#"{"challenge":"x","nonce":"n"}"#),
        _ => answer("404 Not Found", &[], b"no such page"),
    };
    let _ = s.write_all(&out).await;
}

async fn run(mode: Mode) -> (String, Duration) {
    let ca = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let ca_url = format!("http://{}", ca.local_addr().unwrap());
    drop(ca);
    let suite = SuiteSps::new("http://127.0.0.1:18600", &ca_url).unwrap();
    let listener = TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let tls = match mode {
        Mode::Tls(oddity) => Some(front(oddity).await),
        _ => None,
    };
    let sso_base = match (&tls, mode) {
        (Some(tls), _) => tls.base.clone(),
        (None, Mode::TlsNeverAnswers) => format!("https{}", base.trim_start_matches("http")),
        _ => base.clone(),
    };
    if mode == Mode::GzipBombChallenge {
        gzip_bomb();
    }
    let idp = Idp {
        base: base.clone(),
        sso_base,
        acs: suite.sps[0].acs_url.clone(),
        cert_b64: STANDARD.encode(&suite.sps[1].key.cert_der),
        mode,
    };
    tokio::spawn(async move {
        while let Ok((s, _)) = listener.accept().await {
            tokio::spawn(serve(s, idp.clone()));
        }
    });
    let config = IdpSutConfig {
        name: format!("hostile-{mode:?}"),
        metadata: format!("{base}/metadata"),
        role: Role::Platform,
        pin: "1234".into(),
        password: None,
        authn_class: "urn:mnctf:ac:classes:jpki-user-authentication".into(),
        expected: None,
        timeout_ms: 1500,
        only: Vec::new(),
        registration: None,
        tls_binding: None,
        network: conformance::config::NetworkConfig {
            ca: tls.as_ref().map(|t| t.ca.clone()),
            ..Default::default()
        },
    };
    let t = Instant::now();
    let report = tokio::time::timeout(
        Duration::from_secs(30),
        conformance::idp::run(&config, &suite, |_| {}),
    )
    .await
    .unwrap_or_else(|_| panic!("{mode:?}: the suite did not finish within 30 s"))
    .unwrap_or_else(|e| panic!("{mode:?}: no report: {e}"));
    (preflight_reason(&report), t.elapsed())
}

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
    a_slow_loris_sso_is_cut_off: SlowLorisSso => ["the login could not run: HTTP: no answer within the time limit"];
    endless_chunks_on_the_login_page_are_cut_off: EndlessChunksLogin => ["the login could not run: page over 1048576 bytes"];
    a_gzip_bomb_challenge_is_not_inflated: GzipBombChallenge => ["no challenge (HTTP 200)", "page over 1048576 bytes"];
    huge_headers_are_refused: HugeHeadersSso => ["message head is too large"];
    a_login_page_cut_short_is_named: CloseMidBodyLogin => ["end of file before message length reached"];
    an_sso_redirect_off_loopback_is_refused: SsoOffLoopback => ["203.0.113.7:80 is not allowed"];
    an_sso_redirect_to_a_file_is_refused: SsoToFile => ["file:///etc/passwd: only http and https are sent"];
    an_sso_redirect_without_location_is_named: SsoWithoutLocation => ["redirect without Location"];
    a_failing_sso_is_named: SsoServerError => ["the IdP answered with a page (HTTP 500)"];
    a_challenge_that_is_not_json_is_named: ChallengeNotJson => ["no challenge (HTTP 200)"];
    a_hanging_challenge_is_cut_off: ChallengeHangs => ["no answer within the time limit (timed out) (http://127.0.0.1"];
    an_endless_challenge_is_cut_off: ChallengeEndless => ["no Response: page over 1048576 bytes"];
    an_enormous_response_is_refused: EnormousResponse => ["the login could not run: page over 1048576 bytes"];
    a_response_posted_off_loopback_is_refused: ResponseOffLoopback => ["http://203.0.113.7/acs is not sent"];
    metadata_that_is_not_xml_is_named: MetadataNotXml => ["the IdP's metadata: malformed message: XML"];
    metadata_with_a_dtd_is_refused: MetadataWithDtd => ["XML with DTD detected"];
    enormous_metadata_is_refused: MetadataEnormous => ["the IdP's metadata: page over 1048576 bytes"];
    hanging_metadata_is_cut_off: MetadataHangs => ["the IdP's metadata: HTTP: no answer within the time limit"];
    metadata_with_thousands_of_attributes_is_refused: MetadataManyAttributes => ["an element with over 64 attributes"];
    metadata_with_two_idps_is_named: MetadataTwoIdps => ["2 IdPs in the metadata; one is needed"];
    metadata_without_an_sso_endpoint_is_named: MetadataWithoutSso => ["no HTTP-Redirect SingleSignOnService"];
    a_tls_port_that_never_answers_is_cut_off: TlsNeverAnswers => ["TLS: no answer within the time limit"];
}

tls_battery!();
