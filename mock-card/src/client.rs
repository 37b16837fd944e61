//! A JPKI client: the APDU sequences real card software (OpenSC, jpki-rs, myna) sends,
//! over any [`Transport`]. The IdP's tests, the suite and the benchmarks use it.

use crate::apdu::{Command, Response, StatusWord};
use crate::applet::{Ef, AID_JPKI};
use crate::pin::{Pin, PinKind};
use crate::transport::{Transport, TransportError};

/// Largest file a 15-bit READ BINARY offset can reach.
const MAX_FILE: usize = 0x7FFF;

/// A certificate file of the JPKI AP.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CertificateFile {
    /// 000A: the user-authentication certificate.
    UserAuthentication,
    /// 000B: its CA.
    UserAuthenticationCa,
    /// 0001: the signature certificate (needs the signature PIN first).
    Signature,
    /// 0002: its CA.
    SignatureCa,
}

impl std::fmt::Display for CertificateFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::UserAuthentication => "the user-authentication certificate (EF 000A)",
            Self::UserAuthenticationCa => "the user-authentication CA certificate (EF 000B)",
            Self::Signature => "the signature certificate (EF 0001)",
            Self::SignatureCa => "the signature CA certificate (EF 0002)",
        })
    }
}

impl CertificateFile {
    fn ef(self) -> Ef {
        match self {
            Self::UserAuthentication => Ef::AuthCert,
            Self::UserAuthenticationCa => Ef::AuthCaCert,
            Self::Signature => Ef::SignCert,
            Self::SignatureCa => Ef::SignCaCert,
        }
    }
}

/// What an empty VERIFY says about a PIN.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PinStatus {
    /// This many tries left.
    TriesLeft(u8),
    /// No tries left.
    Blocked,
}

impl PinStatus {
    /// Tries left (0 when blocked).
    pub fn tries_left(self) -> u8 {
        match self {
            Self::TriesLeft(n) => n,
            Self::Blocked => 0,
        }
    }
}

/// Why a card operation failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The APDU did not make the round trip.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// The card refused a command.
    #[error("{operation} refused by the card: SW {sw}")]
    Refused {
        /// What we asked for.
        operation: &'static str,
        /// What the card said.
        sw: StatusWord,
    },
    /// A wrong PIN; the card's counter went down.
    #[error("wrong {kind} PIN: {tries_left} tries left")]
    WrongPin {
        /// Which PIN.
        kind: PinKind,
        /// Tries left now.
        tries_left: u8,
    },
    /// The PIN is blocked: the card compares nothing any more.
    #[error("the {0} PIN is blocked")]
    PinBlocked(PinKind),
    /// The file is empty (e.g. a card issued without a signature certificate).
    #[error("{0} is empty on this card")]
    EmptyFile(CertificateFile),
    /// The file does not hold a DER SEQUENCE we can size.
    #[error("{0} does not start with a DER SEQUENCE header")]
    NotDer(CertificateFile),
}

/// A client for the JPKI AP over any transport.
#[derive(Debug)]
pub struct JpkiClient<T> {
    transport: T,
}

impl<T: Transport> JpkiClient<T> {
    /// Wraps a transport.
    pub fn new(transport: T) -> Self {
        Self { transport }
    }

    /// The transport (e.g. to reach the in-process card).
    pub fn transport(&mut self) -> &mut T {
        &mut self.transport
    }

    /// Sends one command.
    pub fn send(&mut self, cmd: &Command) -> Result<Response, ClientError> {
        let bytes = cmd.to_bytes().map_err(|_| ClientError::Refused {
            operation: "encode",
            sw: StatusWord::WRONG_LENGTH,
        })?;
        let raw = self.transport.transmit(&bytes)?;
        Response::from_bytes(&raw).ok_or(ClientError::Transport(TransportError::NoStatusWord(
            raw.len(),
        )))
    }

    fn expect_ok(
        &mut self,
        operation: &'static str,
        cmd: &Command,
    ) -> Result<Vec<u8>, ClientError> {
        let resp = self.send(cmd)?;
        if resp.sw.is_ok() {
            Ok(resp.data)
        } else {
            Err(ClientError::Refused {
                operation,
                sw: resp.sw,
            })
        }
    }

    /// SELECT the JPKI AP (clears the card's PIN state).
    pub fn select_ap(&mut self) -> Result<(), ClientError> {
        let cmd = Command {
            cla: 0x00,
            ins: 0xA4,
            p1: 0x04,
            p2: 0x0C,
            data: AID_JPKI.to_vec(),
            le: None,
        };
        self.expect_ok("SELECT JPKI AP", &cmd).map(drop)
    }

    /// SELECT an EF of the AP.
    pub fn select_ef(&mut self, ef: Ef) -> Result<(), ClientError> {
        let cmd = Command {
            cla: 0x00,
            ins: 0xA4,
            p1: 0x02,
            p2: 0x0C,
            data: ef.fid().to_be_bytes().to_vec(),
            le: None,
        };
        self.expect_ok("SELECT EF", &cmd).map(drop)
    }

    fn read_binary(&mut self, offset: usize, le: usize) -> Result<Response, ClientError> {
        let [p1, p2] = u16::try_from(offset).unwrap_or(u16::MAX).to_be_bytes();
        self.send(&Command {
            cla: 0x00,
            ins: 0xB0,
            p1,
            p2,
            data: Vec::new(),
            le: Some(le),
        })
    }

    /// Reads a certificate as jpki-rs and myna do: 7 header bytes, then the rest by
    /// the DER length, in chunks of at most 256 bytes.
    pub fn read_certificate(&mut self, file: CertificateFile) -> Result<Vec<u8>, ClientError> {
        self.select_ef(file.ef())?;
        let head = self.read_binary(0, 7)?;
        match head.sw {
            StatusWord::OK => {}
            StatusWord::WRONG_OFFSET => return Err(ClientError::EmptyFile(file)),
            sw => {
                return Err(ClientError::Refused {
                    operation: "READ BINARY",
                    sw,
                })
            }
        }
        let total = der_total_len(&head.data)
            .filter(|&n| n <= MAX_FILE)
            .ok_or(ClientError::NotDer(file))?;
        let mut out = head.data;
        out.truncate(total);
        while out.len() < total {
            let le = (total - out.len()).min(256);
            let chunk = self.read_binary(out.len(), le)?;
            if !chunk.sw.is_ok() || chunk.data.is_empty() {
                return Err(ClientError::Refused {
                    operation: "READ BINARY",
                    sw: chunk.sw,
                });
            }
            out.extend_from_slice(&chunk.data);
        }
        out.truncate(total);
        Ok(out)
    }

    /// The token label of EF 0006 (e.g. `JPKIAPICCTOKEN2`).
    pub fn token_label(&mut self) -> Result<String, ClientError> {
        self.select_ef(Ef::TokenInfo)?;
        let resp = self.read_binary(0, 32)?;
        if !resp.sw.is_ok() {
            return Err(ClientError::Refused {
                operation: "READ BINARY",
                sw: resp.sw,
            });
        }
        Ok(String::from_utf8_lossy(&resp.data)
            .trim_end_matches([' ', '\0'])
            .to_owned())
    }

    /// Tries left on a PIN (empty VERIFY).
    pub fn pin_status(&mut self, kind: PinKind) -> Result<PinStatus, ClientError> {
        self.select_ef(pin_ef(kind))?;
        let resp = self.send(&verify_command(&[]))?;
        match (resp.sw.sw1(), resp.sw.sw2()) {
            (0x63, 0xC0) => Ok(PinStatus::Blocked),
            (0x63, sw2) if sw2 & 0xF0 == 0xC0 => Ok(PinStatus::TriesLeft(sw2 & 0x0F)),
            (0x69, 0x83 | 0x84) => Ok(PinStatus::Blocked),
            _ => Err(ClientError::Refused {
                operation: "VERIFY (status)",
                sw: resp.sw,
            }),
        }
    }

    /// Presents a PIN.
    pub fn verify_pin(&mut self, kind: PinKind, pin: &Pin) -> Result<(), ClientError> {
        self.select_ef(pin_ef(kind))?;
        let resp = self.send(&verify_command(pin.secret()))?;
        match (resp.sw.sw1(), resp.sw.sw2()) {
            (0x90, 0x00) => Ok(()),
            (0x63, 0xC0) | (0x69, 0x83 | 0x84) => Err(ClientError::PinBlocked(kind)),
            (0x63, sw2) if sw2 & 0xF0 == 0xC0 => Err(ClientError::WrongPin {
                kind,
                tries_left: sw2 & 0x0F,
            }),
            _ => Err(ClientError::Refused {
                operation: "VERIFY",
                sw: resp.sw,
            }),
        }
    }

    /// Has the card sign a DigestInfo with the key of `kind` (PKCS#1 v1.5 padding is the
    /// card's). The matching PIN must have been verified since the AP was selected.
    pub fn sign_digest_info(
        &mut self,
        kind: PinKind,
        digest_info: &[u8],
    ) -> Result<Vec<u8>, ClientError> {
        let key_ef = match kind {
            PinKind::UserAuthentication => Ef::AuthKey,
            PinKind::Signature => Ef::SignKey,
        };
        self.select_ef(key_ef)?;
        let cmd = Command {
            cla: 0x80,
            ins: 0x2A,
            p1: 0x00,
            p2: 0x80,
            data: digest_info.to_vec(),
            le: Some(256),
        };
        self.expect_ok("COMPUTE DIGITAL SIGNATURE", &cmd)
    }

    /// SELECT AP, VERIFY, sign: the whole user-authentication operation of a login.
    pub fn authenticate(&mut self, pin: &Pin, digest_info: &[u8]) -> Result<Vec<u8>, ClientError> {
        self.select_ap()?;
        self.verify_pin(PinKind::UserAuthentication, pin)?;
        self.sign_digest_info(PinKind::UserAuthentication, digest_info)
    }
}

fn pin_ef(kind: PinKind) -> Ef {
    match kind {
        PinKind::UserAuthentication => Ef::AuthPin,
        PinKind::Signature => Ef::SignPin,
    }
}

fn verify_command(pin: &[u8]) -> Command {
    Command {
        cla: 0x00,
        ins: 0x20,
        p1: 0x00,
        p2: 0x80,
        data: pin.to_vec(),
        le: None,
    }
}

/// Total length (header + content) of a DER SEQUENCE from its first bytes.
fn der_total_len(head: &[u8]) -> Option<usize> {
    match head {
        [0x30, n, ..] if *n < 0x80 => Some(2 + usize::from(*n)),
        [0x30, 0x81, a, ..] => Some(3 + usize::from(*a)),
        [0x30, 0x82, a, b, ..] => Some(4 + usize::from(u16::from_be_bytes([*a, *b]))),
        _ => None,
    }
}

/// The DER DigestInfo prefix for SHA-256 (RFC 8017 §9.2 note 1).
pub const SHA256_DIGEST_INFO_PREFIX: [u8; 19] = [
    0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05,
    0x00, 0x04, 0x20,
];

/// A SHA-256 DigestInfo over `message`: what a client sends the card to sign.
pub fn sha256_digest_info(message: &[u8]) -> Vec<u8> {
    use sha2::{Digest, Sha256};
    let mut out = SHA256_DIGEST_INFO_PREFIX.to_vec();
    out.extend_from_slice(&Sha256::digest(message));
    out
}

#[cfg(test)]
mod tests {
    use rsa::Pkcs1v15Sign;
    use sha2::{Digest, Sha256};

    use super::*;
    use crate::applet::JpkiCard;
    use crate::testing;
    use crate::transport::InProcess;

    fn client() -> JpkiClient<InProcess> {
        JpkiClient::new(InProcess::new(JpkiCard::new(testing::image())))
    }

    #[test]
    fn reads_certificates_and_token_label() {
        let mut c = client();
        c.select_ap().unwrap();
        assert_eq!(c.token_label().unwrap(), "JPKIAPICCTOKEN2");
        let cert = c
            .read_certificate(CertificateFile::UserAuthentication)
            .unwrap();
        assert_eq!(cert, testing::image().user_auth.certificate);
        assert!(matches!(
            c.read_certificate(CertificateFile::Signature),
            Err(ClientError::Refused {
                sw: StatusWord::SECURITY_NOT_SATISFIED,
                ..
            })
        ));
    }

    #[test]
    fn authenticates_and_the_signature_verifies() {
        let mut c = client();
        let sig = c
            .authenticate(&Pin::unchecked("1234"), &sha256_digest_info(b"nonce"))
            .unwrap();
        let public = testing::image().user_auth.key.to_public_key();
        public
            .verify(
                Pkcs1v15Sign::new::<Sha256>(),
                &Sha256::digest(b"nonce"),
                &sig,
            )
            .unwrap();
    }

    #[test]
    fn reports_wrong_and_blocked_pins() {
        let mut c = client();
        c.select_ap().unwrap();
        let wrong = Pin::unchecked("0000");
        for left in [2, 1, 0] {
            match c.verify_pin(PinKind::UserAuthentication, &wrong) {
                Err(ClientError::WrongPin { tries_left, .. }) => assert_eq!(tries_left, left),
                Err(ClientError::PinBlocked(_)) => assert_eq!(left, 0),
                other => panic!("unexpected {other:?}"),
            }
        }
        assert_eq!(
            c.pin_status(PinKind::UserAuthentication).unwrap(),
            PinStatus::Blocked
        );
        assert!(matches!(
            c.verify_pin(PinKind::UserAuthentication, &Pin::unchecked("1234")),
            Err(ClientError::PinBlocked(_))
        ));
        assert_eq!(
            c.pin_status(PinKind::Signature).unwrap(),
            PinStatus::TriesLeft(5)
        );
    }

    #[test]
    fn sizes_der_headers() {
        assert_eq!(der_total_len(&[0x30, 0x82, 0x03, 0x6F]), Some(0x36F + 4));
        assert_eq!(der_total_len(&[0x30, 0x10]), Some(18));
        assert_eq!(der_total_len(&[0x04, 0x10]), None);
    }
}
