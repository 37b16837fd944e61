//! The vpcd socket: our card as the "virtual ICC" that vsmartcard's pcscd driver talks to,
//! so pcscd shows a reader with our card and any PC/SC software can use it.
//!
//! Wire protocol (vsmartcard `vpcd.c`): every message either way is a 2-byte big-endian
//! length and that many bytes. From vpcd, a 1-byte message is a control code (`00` power
//! off, `01` power on, `02` reset, `04` "send your ATR"); anything longer is a C-APDU
//! answered by exactly one R-APDU. Power and reset get no reply.

use std::io::{self, ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::applet::JpkiCard;

/// vpcd's first slot ("Virtual PCD 00 00"); slot n listens on 35963 + n.
pub const DEFAULT_PORT: u16 = 35963;

/// How long a started frame may take to arrive in full before it counts as truncated.
const FRAME_DEADLINE: Duration = Duration::from_secs(5);

/// How often an idle read wakes to look at the stop flag.
const POLL: Duration = Duration::from_millis(200);

/// Why a vpcd session ended badly.
#[derive(Debug, thiserror::Error)]
pub enum VpcdError {
    /// vpcd listens only on the machine; we refuse to connect anywhere else.
    #[error("refusing to connect to {0}: the vpcd socket must be a loopback address")]
    NotLoopback(SocketAddr),
    /// The peer closed the socket in the middle of a frame.
    #[error("vpcd closed the connection in the middle of a frame ({got} of {expected} bytes)")]
    TruncatedFrame {
        /// Bytes received.
        got: usize,
        /// Bytes the length prefix announced.
        expected: usize,
    },
    /// A frame started but did not complete in time.
    #[error("vpcd frame did not complete within {} ms", .0.as_millis())]
    FrameTimeout(Duration),
    /// The socket failed.
    #[error("vpcd socket: {0}")]
    Io(#[from] io::Error),
}

/// What arrived from vpcd.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Message {
    /// `00`: power off.
    PowerOff,
    /// `01`: power on.
    PowerOn,
    /// `02`: warm reset.
    Reset,
    /// `04`: send the ATR (also the presence poll).
    GetAtr,
    /// A 1-byte control code vpcd does not define; ignored.
    UnknownControl(u8),
    /// A command APDU.
    Apdu(Vec<u8>),
}

impl Message {
    /// The message a frame carries.
    pub fn from_frame(frame: Vec<u8>) -> Self {
        match frame.as_slice() {
            [0x00] => Self::PowerOff,
            [0x01] => Self::PowerOn,
            [0x02] => Self::Reset,
            [0x04] => Self::GetAtr,
            [code] => Self::UnknownControl(*code),
            _ => Self::Apdu(frame),
        }
    }
}

/// Handles one message on the card; returns the bytes to send back, if any.
pub fn handle(card: &mut JpkiCard, message: Message) -> Option<Vec<u8>> {
    match message {
        Message::PowerOff | Message::PowerOn | Message::Reset => {
            card.reset();
            None
        }
        Message::GetAtr => Some(card.atr().to_vec()),
        Message::UnknownControl(code) => {
            tracing::warn!(code, "ignoring unknown vpcd control code");
            None
        }
        Message::Apdu(apdu) => Some(card.transmit(&apdu)),
    }
}

/// Reads one frame. `Ok(None)`: the peer closed cleanly between frames, or `stop` was set
/// while idle.
pub fn read_frame(
    stream: &mut impl FrameSource,
    stop: &AtomicBool,
) -> Result<Option<Vec<u8>>, VpcdError> {
    let mut len = [0u8; 2];
    match read_exact_until(stream, &mut len, stop, None)? {
        ReadOutcome::Done => {}
        ReadOutcome::Eof(0) | ReadOutcome::Stopped => return Ok(None),
        ReadOutcome::Eof(got) => return Err(VpcdError::TruncatedFrame { got, expected: 2 }),
    }
    let expected = usize::from(u16::from_be_bytes(len));
    let mut frame = vec![0u8; expected];
    let deadline = Instant::now() + FRAME_DEADLINE;
    match read_exact_until(stream, &mut frame, stop, Some(deadline))? {
        ReadOutcome::Done => Ok(Some(frame)),
        ReadOutcome::Eof(got) => Err(VpcdError::TruncatedFrame { got, expected }),
        ReadOutcome::Stopped => Ok(None),
    }
}

/// Writes one frame (length and payload in one write: split writes cost ~45 ms each
/// under Nagle and delayed ACK).
pub fn write_frame(stream: &mut impl Write, payload: &[u8]) -> io::Result<()> {
    let len = u16::try_from(payload.len()).map_err(|_| {
        io::Error::new(
            ErrorKind::InvalidInput,
            "vpcd frame longer than 65535 bytes",
        )
    })?;
    let mut buf = Vec::with_capacity(payload.len() + 2);
    buf.extend_from_slice(&len.to_be_bytes());
    buf.extend_from_slice(payload);
    stream.write_all(&buf)?;
    stream.flush()
}

/// A byte source that can re-arm TCP quick ACK before each read (a no-op elsewhere).
pub trait FrameSource: Read {
    /// Called before every read.
    fn before_read(&mut self) {}
}

impl FrameSource for TcpStream {
    fn before_read(&mut self) {
        // Without re-arming quick ACK before every read, delayed ACKs on the Debian vpcd's
        // split writes cost ~45 ms per APDU (jpki-card.md §2.3).
        #[cfg(target_os = "linux")]
        if let Err(err) = socket2::SockRef::from(&*self).set_tcp_quickack(true) {
            tracing::debug!(%err, "TCP_QUICKACK not available");
        }
    }
}

impl FrameSource for io::Cursor<Vec<u8>> {}
impl FrameSource for &[u8] {}

enum ReadOutcome {
    Done,
    Eof(usize),
    Stopped,
}

fn read_exact_until(
    stream: &mut impl FrameSource,
    buf: &mut [u8],
    stop: &AtomicBool,
    deadline: Option<Instant>,
) -> Result<ReadOutcome, VpcdError> {
    let mut got = 0;
    while got < buf.len() {
        stream.before_read();
        match stream.read(&mut buf[got..]) {
            Ok(0) => return Ok(ReadOutcome::Eof(got)),
            Ok(n) => got += n,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                if got == 0 && deadline.is_none() && stop.load(Ordering::Relaxed) {
                    return Ok(ReadOutcome::Stopped);
                }
                if let Some(deadline) = deadline {
                    if Instant::now() >= deadline {
                        return Err(VpcdError::FrameTimeout(FRAME_DEADLINE));
                    }
                }
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(ReadOutcome::Done)
}

/// Serves one connection until vpcd closes it or `stop` is set.
pub fn serve_connection(
    card: &Mutex<JpkiCard>,
    mut stream: TcpStream,
    stop: &AtomicBool,
) -> Result<(), VpcdError> {
    stream.set_nodelay(true)?;
    stream.set_read_timeout(Some(POLL))?;
    while let Some(frame) = read_frame(&mut stream, stop)? {
        let message = Message::from_frame(frame);
        tracing::trace!(?message, "from vpcd");
        let reply = handle(
            &mut card.lock().unwrap_or_else(PoisonError::into_inner),
            message,
        );
        if let Some(reply) = reply {
            write_frame(&mut stream, &reply)?;
        }
    }
    Ok(())
}

/// Connects to vpcd and serves the card, reconnecting whenever the socket closes (vpcd
/// sees a closed socket as "card removed"), until `stop` is set.
pub fn run(
    card: Arc<Mutex<JpkiCard>>,
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    mut on_event: impl FnMut(VpcdEvent),
) -> Result<(), VpcdError> {
    if !addr.ip().is_loopback() {
        return Err(VpcdError::NotLoopback(addr));
    }
    let mut failures = 0u32;
    while !stop.load(Ordering::Relaxed) {
        match TcpStream::connect_timeout(&addr, Duration::from_secs(2)) {
            Ok(stream) => {
                failures = 0;
                on_event(VpcdEvent::Connected);
                // The card stays inserted across sessions; a fresh connection is a fresh power-up.
                card.lock().unwrap_or_else(PoisonError::into_inner).reset();
                let result = serve_connection(&card, stream, &stop);
                on_event(VpcdEvent::Disconnected(result.err()));
            }
            Err(err) => {
                failures += 1;
                if failures == 1 {
                    tracing::warn!(%addr, %err, "vpcd not reachable; retrying (is pcscd running with vsmartcard-vpcd?)");
                }
                on_event(VpcdEvent::ConnectFailed(err));
            }
        }
        std::thread::sleep(POLL);
    }
    Ok(())
}

/// Progress of [`run`], for logs.
#[derive(Debug)]
pub enum VpcdEvent {
    /// Connected to vpcd: the card is inserted.
    Connected,
    /// The session ended, cleanly or with the error.
    Disconnected(Option<VpcdError>),
    /// vpcd was not reachable; will retry.
    ConnectFailed(io::Error),
}

#[cfg(test)]
mod tests {
    use std::net::TcpListener;

    use super::*;
    use crate::testing;

    fn frames(parts: &[&[u8]]) -> Vec<u8> {
        let mut out = Vec::new();
        for p in parts {
            write_frame(&mut out, p).unwrap();
        }
        out
    }

    #[test]
    fn decodes_control_codes_and_apdus() {
        let never = AtomicBool::new(false);
        let mut src = io::Cursor::new(frames(&[&[0x04], &[0x01], &[0x00, 0xA4, 0x04, 0x0C]]));
        let got: Vec<_> = std::iter::from_fn(|| read_frame(&mut src, &never).unwrap())
            .map(Message::from_frame)
            .collect();
        assert_eq!(
            got,
            vec![
                Message::GetAtr,
                Message::PowerOn,
                Message::Apdu(vec![0x00, 0xA4, 0x04, 0x0C])
            ]
        );
    }

    #[test]
    fn truncated_frame_is_a_clear_error() {
        let never = AtomicBool::new(false);
        let mut src = io::Cursor::new(vec![0x00, 0x05, 0x00, 0xA4]);
        let err = read_frame(&mut src, &never).unwrap_err();
        assert!(
            matches!(
                err,
                VpcdError::TruncatedFrame {
                    got: 2,
                    expected: 5
                }
            ),
            "{err}"
        );
        let mut half_len = io::Cursor::new(vec![0x00]);
        assert!(matches!(
            read_frame(&mut half_len, &never),
            Err(VpcdError::TruncatedFrame {
                got: 1,
                expected: 2
            })
        ));
    }

    #[test]
    fn refuses_non_loopback_vpcd() {
        let card = Arc::new(Mutex::new(JpkiCard::new(testing::image())));
        let err = run(
            card,
            "192.0.2.1:35963".parse().unwrap(),
            Arc::new(AtomicBool::new(false)),
            |_| {},
        )
        .unwrap_err();
        assert!(matches!(err, VpcdError::NotLoopback(_)));
    }

    /// Plays vpcd's side over a real loopback socket, then drops the connection mid-frame
    /// and checks that the card reconnects and answers again.
    #[test]
    fn serves_a_fake_vpcd_and_survives_a_dropped_socket() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let card = Arc::new(Mutex::new(JpkiCard::new(testing::image())));
        let stop = Arc::new(AtomicBool::new(false));
        let (events_tx, events_rx) = std::sync::mpsc::channel();
        let runner = {
            let (card, stop) = (Arc::clone(&card), Arc::clone(&stop));
            std::thread::spawn(move || {
                run(card, addr, stop, move |e| {
                    drop(events_tx.send(format!("{e:?}")))
                })
            })
        };
        let never = AtomicBool::new(false);
        let (mut conn, _) = listener.accept().unwrap();
        conn.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        write_frame(&mut conn, &[0x04]).unwrap();
        assert_eq!(
            read_frame(&mut conn, &never).unwrap().unwrap(),
            crate::image::ATR_MY_NUMBER_CARD
        );
        write_frame(&mut conn, &[0x01]).unwrap();
        let mut select = vec![0x00, 0xA4, 0x04, 0x0C, 0x0A];
        select.extend(crate::applet::AID_JPKI);
        write_frame(&mut conn, &select).unwrap();
        assert_eq!(
            read_frame(&mut conn, &never).unwrap().unwrap(),
            vec![0x90, 0x00]
        );
        // Half a frame, then gone.
        conn.write_all(&[0x00, 0x09, 0x00]).unwrap();
        drop(conn);
        let (mut conn, _) = listener.accept().unwrap();
        conn.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        write_frame(&mut conn, &[0x00, 0xB0, 0x00, 0x00, 0x04]).unwrap();
        assert_eq!(
            read_frame(&mut conn, &never).unwrap().unwrap(),
            vec![0x69, 0x86],
            "reconnect is a fresh power-up"
        );
        stop.store(true, Ordering::Relaxed);
        drop(conn);
        runner.join().unwrap().unwrap();
        let events: Vec<String> = events_rx.try_iter().collect();
        assert!(
            events.iter().any(|e| e.contains("TruncatedFrame")),
            "{events:?}"
        );
    }
}
