//! hyper's own refusals, explained. A request whose address is over hyper's fixed limit
//! (64 KiB) or whose head is over its buffer is refused by hyper before any handler runs,
//! with a bare `414` or `431` and no body: the client learns nothing. The connection's
//! first write is the only place such a refusal can be (any later response follows a
//! request the router answered), so a stream whose first bytes are one of hyper's bare
//! refusals has them replaced by the same status with a reason, and is closed.

use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// hyper's bare refusals (status line) and what to say instead.
const EXPLAINED: [(&[u8], &str); 2] = [
    (
        b"HTTP/1.1 414 URI Too Long\r\n",
        "HTTP/1.1 414 URI Too Long\r\n|the address is longer than this server takes (64 KiB): \
         a SAML message this large cannot go by HTTP-Redirect; send it by HTTP-POST\n",
    ),
    (
        b"HTTP/1.1 431 Request Header Fields Too Large\r\n",
        "HTTP/1.1 431 Request Header Fields Too Large\r\n|the request's headers are larger \
         than this server takes\n",
    ),
];

/// Where a connection is in its writes.
enum State {
    /// Nothing written yet: the first write is looked at.
    First,
    /// Written through as it is.
    Through,
    /// Our explained refusal still to send, and how many of hyper's bytes it stands for.
    Explaining(Vec<u8>, usize),
    /// The refusal went out; hyper has nothing more to say, anything else is dropped.
    Refused,
}

/// A connection whose first write, if it is one of hyper's bare refusals, is explained.
pub struct Explained<S> {
    inner: S,
    state: State,
}

impl<S> Explained<S> {
    /// Wraps a fresh connection.
    pub fn new(inner: S) -> Self {
        Self {
            inner,
            state: State::First,
        }
    }
}

/// The explained refusal for hyper's `bytes`, if they are one of its bare refusals.
fn explain(bytes: &[u8]) -> Option<Vec<u8>> {
    let (_, text) = EXPLAINED.iter().find(|(bare, _)| bytes.starts_with(bare))?;
    let (status_line, reason) = text.split_once('|')?;
    Some(
        format!(
            "{status_line}content-type: text/plain; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{reason}",
            reason.len()
        )
        .into_bytes(),
    )
}

impl<S: AsyncRead + Unpin> AsyncRead for Explained<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Explained<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let this = &mut *self;
        if matches!(this.state, State::First) {
            this.state = match explain(buf) {
                Some(ours) => State::Explaining(ours, buf.len()),
                None => State::Through,
            };
        }
        match &mut this.state {
            State::First | State::Through => Pin::new(&mut this.inner).poll_write(cx, buf),
            State::Refused => Poll::Ready(Ok(buf.len())),
            // Ours goes out whole; hyper is told its bytes went when ours have.
            State::Explaining(ours, stands_for) => {
                while !ours.is_empty() {
                    let n = std::task::ready!(Pin::new(&mut this.inner).poll_write(cx, ours))?;
                    if n == 0 {
                        return Poll::Ready(Err(std::io::ErrorKind::WriteZero.into()));
                    }
                    ours.drain(..n);
                }
                let done = *stands_for;
                this.state = State::Refused;
                Poll::Ready(Ok(done))
            }
        }
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_hypers_bare_refusals_are_explained() {
        let bare = b"HTTP/1.1 414 URI Too Long\r\ncontent-length: 0\r\n\r\n";
        let ours = String::from_utf8(explain(bare).unwrap()).unwrap();
        assert!(ours.starts_with("HTTP/1.1 414 URI Too Long\r\n"));
        assert!(ours.ends_with("send it by HTTP-POST\n"), "{ours}");
        let length = ours.split("content-length: ").nth(1).unwrap();
        let body = ours.split("\r\n\r\n").nth(1).unwrap();
        assert!(length.starts_with(&body.len().to_string()));
        assert!(explain(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n").is_none());
    }
}
