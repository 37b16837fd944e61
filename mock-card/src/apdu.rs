//! ISO/IEC 7816-4 short APDUs: parsing commands and encoding responses.
//!
//! The JPKI applet only speaks short APDUs (OpenSC, jpki-rs and myna never send
//! extended ones), so an extended-length command is rejected as a wrong length.

use std::fmt;

/// A status word (SW1 SW2) closing every response APDU.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct StatusWord(pub u16);

impl StatusWord {
    /// Normal processing.
    pub const OK: Self = Self(0x9000);
    /// Wrong length (Lc or Le inconsistent, or an extended APDU).
    pub const WRONG_LENGTH: Self = Self(0x6700);
    /// Command incompatible with the file structure (reading a key or PIN EF).
    pub const INCOMPATIBLE_FILE: Self = Self(0x6981);
    /// Security status not satisfied (PIN not verified).
    pub const SECURITY_NOT_SATISFIED: Self = Self(0x6982);
    /// Authentication method blocked (one of the two answers real cards may give).
    pub const AUTH_METHOD_BLOCKED: Self = Self(0x6983);
    /// Reference data not usable (the other answer for a blocked PIN).
    pub const REFERENCE_DATA_NOT_USABLE: Self = Self(0x6984);
    /// Conditions of use not satisfied (e.g. no key EF selected before signing).
    pub const CONDITIONS_NOT_SATISFIED: Self = Self(0x6985);
    /// Command not allowed: no current EF.
    pub const NO_CURRENT_EF: Self = Self(0x6986);
    /// Wrong data in the command field.
    pub const WRONG_DATA: Self = Self(0x6A80);
    /// File or application not found.
    pub const FILE_NOT_FOUND: Self = Self(0x6A82);
    /// Incorrect parameters P1-P2.
    pub const INCORRECT_P1P2: Self = Self(0x6A86);
    /// Referenced data not found (e.g. a key the card does not hold).
    pub const REFERENCED_DATA_NOT_FOUND: Self = Self(0x6A88);
    /// Offset beyond the end of the file.
    pub const WRONG_OFFSET: Self = Self(0x6B00);
    /// Instruction not supported.
    pub const INS_NOT_SUPPORTED: Self = Self(0x6D00);
    /// Class not supported.
    pub const CLA_NOT_SUPPORTED: Self = Self(0x6E00);

    /// `63 Cx`: verification failed or counter query, `x` tries left (at most 15).
    pub fn tries_left(x: u8) -> Self {
        Self(0x63C0 | u16::from(x.min(15)))
    }

    /// SW1.
    pub fn sw1(self) -> u8 {
        (self.0 >> 8) as u8
    }

    /// SW2.
    pub fn sw2(self) -> u8 {
        (self.0 & 0xFF) as u8
    }

    /// Whether this is `90 00`.
    pub fn is_ok(self) -> bool {
        self == Self::OK
    }
}

impl fmt::Debug for StatusWord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04X}", self.0)
    }
}

impl fmt::Display for StatusWord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02X} {:02X}", self.sw1(), self.sw2())
    }
}

/// A parsed command APDU.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Command {
    /// Class byte.
    pub cla: u8,
    /// Instruction byte.
    pub ins: u8,
    /// Parameter 1.
    pub p1: u8,
    /// Parameter 2.
    pub p2: u8,
    /// Command data (empty for cases 1 and 2).
    pub data: Vec<u8>,
    /// Expected response length; `Some(256)` for an Le byte of `00`.
    pub le: Option<usize>,
}

/// Why a byte string is not a short command APDU.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ApduError {
    /// Fewer than the four header bytes.
    #[error("APDU of {0} bytes is shorter than its 4-byte header")]
    TooShort(usize),
    /// Lc = 0 followed by more bytes: an extended APDU, which the applet does not support.
    #[error("extended-length APDUs are not supported")]
    Extended,
    /// The body length matches none of the ISO 7816-3 short cases.
    #[error("body of {body} bytes does not match Lc = {lc}")]
    LengthMismatch {
        /// Declared Lc.
        lc: usize,
        /// Actual bytes after the header.
        body: usize,
    },
}

impl Command {
    /// Parses a short APDU (ISO/IEC 7816-3 §12.1.3 cases 1 to 4).
    pub fn parse(bytes: &[u8]) -> Result<Self, ApduError> {
        let (header, body) = match bytes {
            [cla, ins, p1, p2, body @ ..] => ([*cla, *ins, *p1, *p2], body),
            _ => return Err(ApduError::TooShort(bytes.len())),
        };
        let [cla, ins, p1, p2] = header;
        let le_of = |b: u8| if b == 0 { 256 } else { usize::from(b) };
        let (data, le) = match body {
            [] => (Vec::new(), None),
            [le] => (Vec::new(), Some(le_of(*le))),
            [0, _, ..] => return Err(ApduError::Extended),
            [lc, rest @ ..] => {
                let lc = usize::from(*lc);
                match rest.len() {
                    n if n == lc => (rest.to_vec(), None),
                    n if n == lc + 1 => (rest[..lc].to_vec(), Some(le_of(rest[lc]))),
                    n => return Err(ApduError::LengthMismatch { lc, body: n }),
                }
            }
        };
        Ok(Self {
            cla,
            ins,
            p1,
            p2,
            data,
            le,
        })
    }

    /// Encodes the command as a short APDU. Data longer than 255 bytes is a caller bug
    /// and is reported rather than truncated.
    pub fn to_bytes(&self) -> Result<Vec<u8>, ApduError> {
        let mut out = vec![self.cla, self.ins, self.p1, self.p2];
        if !self.data.is_empty() {
            let lc = u8::try_from(self.data.len()).map_err(|_| ApduError::Extended)?;
            out.push(lc);
            out.extend_from_slice(&self.data);
        }
        if let Some(le) = self.le {
            match le {
                256 => out.push(0),
                1..=255 => out.push(le as u8),
                _ => return Err(ApduError::Extended),
            }
        }
        Ok(out)
    }
}

/// A response APDU: data followed by the status word.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    /// Response data.
    pub data: Vec<u8>,
    /// Status word.
    pub sw: StatusWord,
}

impl Response {
    /// A response with data and `90 00`.
    pub fn ok(data: Vec<u8>) -> Self {
        Self {
            data,
            sw: StatusWord::OK,
        }
    }

    /// A response with only a status word.
    pub fn status(sw: StatusWord) -> Self {
        Self {
            data: Vec::new(),
            sw,
        }
    }

    /// Data followed by SW1 SW2.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.data.len() + 2);
        out.extend_from_slice(&self.data);
        out.extend_from_slice(&[self.sw.sw1(), self.sw.sw2()]);
        out
    }

    /// Splits a raw response into data and status word.
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        let split = bytes.len().checked_sub(2)?;
        let (data, sw) = bytes.split_at(split);
        Some(Self {
            data: data.to_vec(),
            sw: StatusWord(u16::from_be_bytes([sw[0], sw[1]])),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_all_four_short_cases() {
        let c1 = Command::parse(&[0x00, 0x20, 0x00, 0x80]).unwrap();
        assert_eq!((c1.data.len(), c1.le), (0, None));
        let c2 = Command::parse(&[0x00, 0xB0, 0x00, 0x00, 0x00]).unwrap();
        assert_eq!(c2.le, Some(256));
        let c3 = Command::parse(&[0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x0A]).unwrap();
        assert_eq!((c3.data.as_slice(), c3.le), (&[0x00, 0x0A][..], None));
        let c4 = Command::parse(&[0x80, 0x2A, 0x00, 0x80, 0x01, 0xAB, 0x00]).unwrap();
        assert_eq!((c4.data.as_slice(), c4.le), (&[0xAB][..], Some(256)));
    }

    #[test]
    fn rejects_truncated_and_extended_apdus() {
        assert_eq!(Command::parse(&[0x00, 0xA4]), Err(ApduError::TooShort(2)));
        assert_eq!(
            Command::parse(&[0x00, 0xA4, 0x02, 0x0C, 0x03, 0x00]),
            Err(ApduError::LengthMismatch { lc: 3, body: 1 })
        );
        assert_eq!(
            Command::parse(&[0x00, 0xB0, 0x00, 0x00, 0x00, 0x01, 0x00]),
            Err(ApduError::Extended)
        );
    }

    #[test]
    fn round_trips_commands() {
        let cmd = Command {
            cla: 0x80,
            ins: 0x2A,
            p1: 0,
            p2: 0x80,
            data: vec![1, 2, 3],
            le: Some(256),
        };
        assert_eq!(Command::parse(&cmd.to_bytes().unwrap()).unwrap(), cmd);
    }
}
