//! What the hostile-party tests share.

use reports::Verdict;

/// A failed preflight's reason, after checking that every test is SKIPPED with it (never
/// PASSED) and that the JUnit report is still written.
#[allow(dead_code)] // not every test file that shares this module judges preflights
pub fn preflight_reason(report: &reports::Report) -> String {
    let pre = report.cases().find(|c| c.id == "preflight").unwrap();
    assert_eq!(pre.verdict, Verdict::Failed);
    assert!(
        report
            .cases()
            .filter(|c| c.id != "preflight")
            .all(|c| c.verdict == Verdict::Skipped),
        "after a failed preflight every test is SKIPPED with the reason, never PASSED"
    );
    assert!(reports::junit::render(report).contains("<testsuites"));
    pre.reason.clone().unwrap_or_default()
}

/// A raw HTTP/1.1 server's pieces, for the hostile parties that break HTTP itself.
#[allow(dead_code)]
pub mod raw {
    use std::io::Write as _;

    use tokio::io::AsyncReadExt;
    use tokio::net::TcpStream;

    /// One request's method and path (the query dropped), its body read and discarded.
    pub async fn read_request(s: &mut TcpStream) -> Option<(String, String)> {
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            if head.len() > 65536 || s.read(&mut byte).await.ok()? == 0 {
                return None;
            }
            head.push(byte[0]);
        }
        let text = String::from_utf8_lossy(&head).into_owned();
        let mut first = text.split_whitespace();
        let method = first.next()?.to_owned();
        let path = first.next()?.split('?').next()?.to_owned();
        let length = text
            .lines()
            .find_map(|l| {
                l.to_ascii_lowercase()
                    .strip_prefix("content-length:")
                    .map(|v| v.trim().parse::<usize>().unwrap_or(0))
            })
            .unwrap_or(0);
        let mut body = vec![0u8; length.min(1 << 20)];
        s.read_exact(&mut body).await.ok()?;
        Some((method, path))
    }

    /// A whole answer: status line, headers, the body's length, `Connection: close`.
    pub fn answer(status: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
        let mut out = format!("HTTP/1.1 {status}\r\nContent-Length: {}\r\n", body.len());
        for (n, v) in headers {
            out.push_str(&format!("{n}: {v}\r\n"));
        }
        out.push_str("Connection: close\r\n\r\n");
        let mut out = out.into_bytes();
        out.extend_from_slice(body);
        out
    }

    /// 64 MiB of zeros, gzipped (about 64 KiB), made once.
    pub fn gzip_bomb() -> &'static [u8] {
        static BOMB: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
        BOMB.get_or_init(|| {
            let mut z = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            let block = vec![0u8; 1 << 20];
            for _ in 0..64 {
                z.write_all(&block).unwrap();
            }
            z.finish().unwrap()
        })
    }
}

/// The TLS oddities as tests of a battery: each file's `battery!` macro makes one test per
/// line, and both batteries expect the same reasons.
#[macro_export]
macro_rules! tls_battery {
    () => {
        battery! {
            garbage_instead_of_tls_is_named: Tls(Oddity::Garbage) => ["is not TLS"];
            plain_http_on_an_https_port_is_named: Tls(Oddity::PlainHttp) => ["plain http on an https port"];
            a_handshake_closed_early_is_named: Tls(Oddity::ClosesInHandshake) => ["closed the connection during the handshake"];
            a_certificate_for_another_name_is_refused: Tls(Oddity::WrongName) => ["is for other.mnctf-test.example, not for this host"];
            an_expired_certificate_is_refused: Tls(Oddity::Expired) => ["certificate expired on 2021-01-01"];
            a_certificate_the_ca_never_issued_is_refused: Tls(Oddity::SelfSigned) => ["not issued by a CA the suite trusts"];
            a_page_cut_short_without_close_notify_is_named: Tls(Oddity::CutShort) => ["cut short: 10 of the 1000 bytes"];
        }
    };
}

/// An https server on loopback that gets TLS wrong in one way, and the CA file a vendor
/// would name for it (`[network] ca`), so that only the oddity stands between the suite
/// and the page.
#[allow(dead_code)]
pub mod tls {
    use std::path::{Path, PathBuf};
    use std::sync::Arc;

    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::{TcpListener, TcpStream};

    use super::raw::answer;

    /// How the server gets TLS wrong.
    #[derive(Clone, Copy, Debug, PartialEq)]
    pub enum Oddity {
        /// Answers a ClientHello with bytes that are no TLS record.
        Garbage,
        /// Speaks plain HTTP on the https port.
        PlainHttp,
        /// Closes the connection after the ClientHello.
        ClosesInHandshake,
        /// A certificate from the CA, for another name.
        WrongName,
        /// A certificate from the CA for this address, expired.
        Expired,
        /// A certificate for this address the CA never issued (self-signed).
        SelfSigned,
        /// A good handshake, then a page cut short without TLS's close_notify.
        CutShort,
    }

    /// The server: its `https://127.0.0.1:<port>` and the CA file.
    pub struct Front {
        pub base: String,
        pub ca: PathBuf,
        _dir: tempfile::TempDir,
    }

    /// How the server certificate is made.
    #[derive(Clone, Copy, PartialEq)]
    pub enum Issued {
        /// By the CA.
        ByCa,
        /// By the CA, valid only in 2020.
        ByCaExpired,
        /// By nobody: self-signed.
        SelfSigned,
    }

    /// A vendor's CA (its certificate written to `ca_file`, PEM) and a server
    /// configuration whose certificate for `name` is `issued` as said.
    pub fn server_config(ca_file: &Path, name: &str, issued: Issued) -> Arc<rustls::ServerConfig> {
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca.distinguished_name
            .push(rcgen::DnType::CommonName, "mnctf test vendor CA");
        let ca_cert = ca.self_signed(&ca_key).unwrap();
        std::fs::write(ca_file, ca_cert.pem()).unwrap();
        let mut params = rcgen::CertificateParams::new(vec![name.to_owned()]).unwrap();
        if issued == Issued::ByCaExpired {
            params.not_before = rcgen::date_time_ymd(2020, 1, 1);
            params.not_after = rcgen::date_time_ymd(2021, 1, 1);
        }
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = if issued == Issued::SelfSigned {
            params.self_signed(&key).unwrap()
        } else {
            params
                .signed_by(&key, &rcgen::Issuer::from_params(&ca, &ca_key))
                .unwrap()
        };
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![cert.der().clone()],
            rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
        )
        .unwrap();
        Arc::new(config)
    }

    /// Starts a server with `oddity` for the rest of the test.
    pub async fn front(oddity: Oddity) -> Front {
        let dir = tempfile::tempdir().unwrap();
        let ca_file = dir.path().join("ca.pem");
        let (name, issued) = match oddity {
            Oddity::WrongName => ("other.mnctf-test.example", Issued::ByCa),
            Oddity::Expired => ("127.0.0.1", Issued::ByCaExpired),
            Oddity::SelfSigned => ("127.0.0.1", Issued::SelfSigned),
            _ => ("127.0.0.1", Issued::ByCa),
        };
        let acceptor = tokio_rustls::TlsAcceptor::from(server_config(&ca_file, name, issued));
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
        let base = format!("https://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            while let Ok((s, _)) = listener.accept().await {
                tokio::spawn(serve(s, oddity, acceptor.clone()));
            }
        });
        Front {
            base,
            ca: ca_file,
            _dir: dir,
        }
    }

    async fn serve(mut s: TcpStream, oddity: Oddity, acceptor: tokio_rustls::TlsAcceptor) {
        let mut hello = [0u8; 512];
        match oddity {
            Oddity::Garbage => {
                let _ = s.read(&mut hello).await;
                let _ = s.write_all(&[0x42; 300]).await;
            }
            Oddity::PlainHttp => {
                let _ = s.read(&mut hello).await;
                let _ = s
                    .write_all(&answer("400 Bad Request", &[], b"plain HTTP here"))
                    .await;
            }
            Oddity::ClosesInHandshake => {
                let _ = s.read(&mut hello).await;
            }
            Oddity::WrongName | Oddity::Expired | Oddity::SelfSigned => {
                let _ = acceptor.accept(s).await;
            }
            Oddity::CutShort => {
                let Ok(mut tls) = acceptor.accept(s).await else {
                    return;
                };
                let _ = tls.read(&mut hello).await;
                let _ = tls
                    .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nAUTHENTICA")
                    .await;
                let _ = tls.flush().await;
                // dropped without shutdown(): no close_notify, the TCP connection just ends
            }
        }
    }
}
