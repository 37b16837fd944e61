//! HTTP/1.1 over TLS with rustls (ring), for the browser's https hops and the TLS
//! card-login binding: one request per connection, time and size limits, chunked
//! answers decoded.

use std::sync::Arc;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use url::Url;

use crate::network::Network;
use crate::{BrowserError, MAX_PAGE};

/// Response headers: (lower-case name, value), in order.
pub(crate) type Headers = Vec<(String, String)>;

/// A request as it goes on the wire (the Host and Connection headers are added).
pub(crate) struct Outgoing<'a> {
    pub method: &'a str,
    pub url: &'a Url,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
}

/// Sends `out` over TLS with `config` to its host (resolved by `network`); the answer's
/// status, headers and body.
pub(crate) async fn exchange(
    out: &Outgoing<'_>,
    config: Arc<rustls::ClientConfig>,
    network: &Network,
) -> Result<(u16, Headers, String), BrowserError> {
    let tls_err = |e: &dyn std::fmt::Display| BrowserError::Tls(e.to_string());
    let url = out.url;
    let host = url
        .host_str()
        .ok_or_else(|| BrowserError::Url(url.to_string()))?;
    let port = url.port_or_known_default().unwrap_or(443);
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let name = rustls::pki_types::ServerName::try_from(bare.to_owned()).map_err(|e| tls_err(&e))?;
    let tcp = match network.resolved(host) {
        Some(addr) => tokio::net::TcpStream::connect((addr, port)).await,
        None => tokio::net::TcpStream::connect((bare, port)).await,
    }
    .map_err(|e| BrowserError::Connect(format!("connecting to {host}:{port}: {e}")))?;
    let mut tls = tokio_rustls::TlsConnector::from(config)
        .connect(name, tcp)
        .await
        .map_err(|e| {
            BrowserError::Tls(format!(
                "handshake with {host}:{port}: {}",
                handshake_words(&e)
            ))
        })?;
    let path = &url[url::Position::BeforePath..url::Position::AfterQuery];
    let mut head = format!(
        "{} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n",
        out.method,
        &url[url::Position::BeforeHost..url::Position::AfterPort]
    );
    for (n, v) in &out.headers {
        head.push_str(&format!("{n}: {v}\r\n"));
    }
    if let Some(body) = &out.body {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    tls.write_all(head.as_bytes())
        .await
        .map_err(|e| tls_err(&e))?;
    if let Some(body) = &out.body {
        tls.write_all(body.as_bytes())
            .await
            .map_err(|e| tls_err(&e))?;
    }
    let mut raw = Vec::new();
    let limit = u64::try_from(MAX_PAGE).unwrap_or(u64::MAX) + 16 * 1024;
    // A server may end TLS without close_notify once it has answered: keep what came.
    if let Err(e) = (&mut tls).take(limit).read_to_end(&mut raw).await {
        if raw.is_empty() {
            return Err(tls_err(&e));
        }
    }
    if u64::try_from(raw.len()).unwrap_or(u64::MAX) >= limit {
        return Err(BrowserError::TooLarge);
    }
    parse_http(&raw)
}

/// Why a TLS handshake failed, in words a vendor acts on (rustls's own text names its
/// types: `UnknownIssuer`, `DnsName("…")`, `InvalidContentType`).
fn handshake_words(e: &std::io::Error) -> String {
    use rustls::{CertificateError as C, Error as R};
    let Some(tls) = e.get_ref().and_then(|i| i.downcast_ref::<R>()) else {
        return if e.kind() == std::io::ErrorKind::UnexpectedEof {
            "the server closed the connection during the handshake".into()
        } else {
            e.to_string()
        };
    };
    let when = |t: rustls::pki_types::UnixTime| {
        let secs = i64::try_from(t.as_secs()).unwrap_or(i64::MAX);
        time::OffsetDateTime::from_unix_timestamp(secs)
            .ok()
            .and_then(|t| {
                t.format(&time::format_description::well_known::Rfc3339)
                    .ok()
            })
            .map(|t| reports::time_jst(&t))
            .unwrap_or_else(|| format!("{secs} s after 1970"))
    };
    match tls {
        R::InvalidCertificate(c) => match c {
            C::UnknownIssuer => "the server's certificate is not issued by a CA the suite trusts \
                (name its CA in [network] ca; without it the system's roots are used)"
                .into(),
            C::NotValidForNameContext { presented, .. } => format!(
                "the server's certificate is for {}, not for this host",
                presented
                    .iter()
                    .map(|n| bare_name(n))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            C::NotValidForName => "the server's certificate is not for this host".into(),
            C::ExpiredContext { not_after, .. } => {
                format!("the server's certificate expired on {}", when(*not_after))
            }
            C::Expired => "the server's certificate has expired".into(),
            C::NotValidYetContext { not_before, .. } => {
                format!(
                    "the server's certificate is valid only from {}",
                    when(*not_before)
                )
            }
            C::NotValidYet => "the server's certificate is not valid yet".into(),
            C::Revoked => "the server's certificate is revoked".into(),
            other => format!("the server's certificate is refused: {other}"),
        },
        R::InvalidMessage(_) => {
            "what the server sent is not TLS (plain http on an https port?)".into()
        }
        other => other.to_string(),
    }
}

/// `DnsName("a.example")` or `IpAddress(…)` as rustls lists a certificate's names: the name.
fn bare_name(listed: &str) -> &str {
    listed
        .split_once('(')
        .map_or(listed, |(_, rest)| rest.trim_end_matches(')'))
        .trim_matches('"')
}

/// Status, headers (names in lower case) and body of a raw HTTP/1.1 answer; a chunked
/// body is decoded, and a body shorter than its Content-Length is refused (a connection
/// cut mid-page, which over TLS may come without close_notify), a longer one cut to it.
pub(crate) fn parse_http(raw: &[u8]) -> Result<(u16, Headers, String), BrowserError> {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or(BrowserError::Malformed(
            "an HTTP answer without a header end",
        ))?;
    let head = String::from_utf8_lossy(&raw[..end]);
    let body = &raw[end + 4..];
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .filter(|l| l.starts_with("HTTP/"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or(BrowserError::Malformed("an HTTP answer without a status"))?;
    let headers: Headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let chunked = headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.to_ascii_lowercase().contains("chunked"));
    let length = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .map(|(_, v)| v.parse::<usize>())
        .transpose()
        .map_err(|_| BrowserError::Malformed("a Content-Length that is not a number"))?;
    let body = match length {
        _ if chunked => dechunk(body)?,
        _ if status < 200 || status == 204 || status == 304 => Vec::new(),
        Some(n) if body.len() < n => return Err(BrowserError::CutShort(body.len(), n)),
        Some(n) => body[..n].to_vec(),
        None => body.to_vec(),
    };
    if body.len() > MAX_PAGE {
        return Err(BrowserError::TooLarge);
    }
    Ok((status, headers, String::from_utf8_lossy(&body).into_owned()))
}

/// A chunked body decoded (RFC 9112 §7.1; extensions and trailers ignored).
fn dechunk(mut rest: &[u8]) -> Result<Vec<u8>, BrowserError> {
    let mut out = Vec::new();
    loop {
        let line_end =
            rest.windows(2)
                .position(|w| w == b"\r\n")
                .ok_or(BrowserError::Malformed(
                    "a chunked body cut short (no last chunk)",
                ))?;
        let size_text = String::from_utf8_lossy(&rest[..line_end]);
        let size_hex = size_text.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_hex, 16)
            .map_err(|_| BrowserError::Malformed("a malformed chunk size"))?;
        rest = &rest[line_end + 2..];
        if size == 0 {
            return Ok(out);
        }
        if size > MAX_PAGE || rest.len() < size {
            return Err(BrowserError::Malformed("a chunk longer than the answer"));
        }
        out.extend_from_slice(&rest[..size]);
        rest = rest.get(size + 2..).unwrap_or_default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_raw_http_answer_is_read_or_refused() {
        let (status, headers, body) = parse_http(
            b"HTTP/1.1 303 See Other\r\nLocation: /next\r\nSet-Cookie: a=1; HttpOnly\r\n\r\nbody",
        )
        .unwrap();
        assert_eq!(status, 303);
        assert_eq!(headers[0], ("location".into(), "/next".into()));
        assert_eq!(body, "body");
        assert!(parse_http(b"HTTP/1.1 200 OK\r\nno end").is_err());
        assert!(parse_http(b"garbage\r\n\r\n").is_err());
    }

    #[test]
    fn a_body_short_of_its_length_is_refused_and_a_long_one_cut() {
        let cut = parse_http(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nAUTHEN");
        assert!(matches!(cut, Err(BrowserError::CutShort(6, 10))), "{cut:?}");
        let long = parse_http(b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nWikipedia").unwrap();
        assert_eq!(long.2, "Wiki");
        assert!(parse_http(b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n").is_err());
        let redirect =
            parse_http(b"HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n").unwrap();
        assert_eq!(redirect.2, "");
    }

    #[test]
    fn names_are_shown_without_rustls_type_names() {
        assert_eq!(bare_name(r#"DnsName("other.example")"#), "other.example");
        assert_eq!(bare_name("IpAddress(127.0.0.1)"), "127.0.0.1");
        assert_eq!(bare_name("plain"), "plain");
    }

    #[test]
    fn chunked_bodies_are_decoded_and_bad_ones_refused() {
        let raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nWiki\r\n5;x=1\r\npedia\r\n0\r\n\r\n";
        assert_eq!(parse_http(raw).unwrap().2, "Wikipedia");
        let raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n";
        assert!(parse_http(raw).is_err());
        let raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nff\r\nab\r\n0\r\n\r\n";
        assert!(parse_http(raw).is_err());
    }
}
