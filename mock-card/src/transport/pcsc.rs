//! A PC/SC client: drives our card behind pcscd + vpcd, or a real card in a real reader.

use std::ffi::CString;
use std::time::{Duration, Instant};

use pcsc::{Context, Protocols, Scope, ShareMode};

use super::{Transport, TransportError};

/// A connected card in a PC/SC reader.
pub struct PcscTransport {
    card: pcsc::Card,
    reader: String,
    buf: Vec<u8>,
}

impl std::fmt::Debug for PcscTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PcscTransport")
            .field("reader", &self.reader)
            .finish_non_exhaustive()
    }
}

fn pcsc_err(context: &str) -> impl Fn(pcsc::Error) -> TransportError + '_ {
    move |e| TransportError::Pcsc(format!("{context}: {e}"))
}

/// Readers pcscd knows, by name.
pub fn list_readers() -> Result<Vec<String>, TransportError> {
    let ctx = Context::establish(Scope::User).map_err(pcsc_err("establishing a PC/SC context"))?;
    list(&ctx)
}

fn list(ctx: &Context) -> Result<Vec<String>, TransportError> {
    match ctx.list_readers_owned() {
        Ok(readers) => Ok(readers
            .into_iter()
            .map(|r| r.to_string_lossy().into_owned())
            .collect()),
        Err(pcsc::Error::NoReadersAvailable) => Ok(Vec::new()),
        Err(e) => Err(pcsc_err("listing readers")(e)),
    }
}

impl PcscTransport {
    /// Connects to the first reader whose name contains `reader_filter` (any reader if
    /// `None`) that holds a card, polling until `wait` has passed: a card inserted into
    /// vpcd shows up only at pcscd's next poll (~0.4 s).
    pub fn connect(reader_filter: Option<&str>, wait: Duration) -> Result<Self, TransportError> {
        let ctx =
            Context::establish(Scope::User).map_err(pcsc_err("establishing a PC/SC context"))?;
        let deadline = Instant::now() + wait;
        loop {
            let mut last_err = None;
            for reader in list(&ctx)? {
                if reader_filter.is_some_and(|f| !reader.contains(f)) {
                    continue;
                }
                let name = CString::new(reader.clone())
                    .map_err(|_| TransportError::Pcsc("reader name with NUL".into()))?;
                match ctx.connect(&name, ShareMode::Shared, Protocols::ANY) {
                    Ok(card) => {
                        return Ok(Self {
                            card,
                            reader,
                            buf: vec![0; pcsc::MAX_BUFFER_SIZE_EXTENDED],
                        })
                    }
                    Err(e) => last_err = Some(format!("{reader}: {e}")),
                }
            }
            if Instant::now() >= deadline {
                let why = last_err.unwrap_or_else(|| "no matching reader".to_owned());
                return Err(TransportError::Pcsc(format!(
                    "no card found within {wait:?} ({why})"
                )));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The reader's name.
    pub fn reader(&self) -> &str {
        &self.reader
    }

    fn raw(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        let resp = self
            .card
            .transmit(apdu, &mut self.buf)
            .map_err(pcsc_err("transmit"))?;
        if resp.len() < 2 {
            return Err(TransportError::NoStatusWord(resp.len()));
        }
        Ok(resp.to_vec())
    }
}

impl Transport for PcscTransport {
    /// Sends one APDU, completing T=0 exchanges the way real readers need: `61 xx` is
    /// followed by GET RESPONSE, `6C xx` by a resend with the right Le.
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        let mut resp = self.raw(apdu)?;
        let mut data = Vec::new();
        for _ in 0..64 {
            let (sw1, sw2) = (resp[resp.len() - 2], resp[resp.len() - 1]);
            match sw1 {
                0x61 => {
                    data.extend_from_slice(&resp[..resp.len() - 2]);
                    resp = self.raw(&[0x00, 0xC0, 0x00, 0x00, sw2])?;
                }
                // Only a case-2 command (header + Le) can be resent with a new Le.
                0x6C if apdu.len() == 5 => {
                    let mut again = apdu[..4].to_vec();
                    again.push(sw2);
                    resp = self.raw(&again)?;
                }
                _ => break,
            }
        }
        data.extend_from_slice(&resp);
        Ok(data)
    }
}
