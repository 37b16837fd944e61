//! What the hostile-party tests share.

use reports::Verdict;

/// A failed preflight's reason, after checking that every test is SKIPPED with it (never
/// PASSED) and that the JUnit report is still written.
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
