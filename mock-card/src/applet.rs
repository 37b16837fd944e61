//! The JPKI applet (公的個人認証AP) as a state machine with no IO.
//!
//! Behaviour follows `shared/design/jpki-card.md` ("What the virtual card must
//! implement"): status words, the file map, PIN rules and what survives a reset.

use crate::apdu::{Command, Response, StatusWord};
use crate::image::{BlockedAnswer, CardImage};
use crate::pin::{Pin, PinCheck, PinKind, PinSlot};

/// The JPKI AP's AID.
pub const AID_JPKI: [u8; 10] = [0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01];

/// Largest DigestInfo the card pads into a 2048-bit PKCS#1 v1.5 block (256 - 11).
pub const MAX_SIGN_INPUT: usize = 245;

/// An elementary file of the JPKI AP.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Ef {
    /// 0001: signature certificate (read needs the signature PIN).
    SignCert,
    /// 0002: signature CA certificate.
    SignCaCert,
    /// 0006: token information.
    TokenInfo,
    /// 0008: which certificates are present.
    CertPresence,
    /// 000A: user-authentication certificate.
    AuthCert,
    /// 000B: user-authentication CA certificate.
    AuthCaCert,
    /// 0017: user-authentication private key.
    AuthKey,
    /// 0018: user-authentication PIN.
    AuthPin,
    /// 001A: signature private key.
    SignKey,
    /// 001B: signature PIN.
    SignPin,
}

impl Ef {
    /// The EF for a file identifier, if the AP has one.
    pub fn from_fid(fid: u16) -> Option<Self> {
        Some(match fid {
            0x0001 => Self::SignCert,
            0x0002 => Self::SignCaCert,
            0x0006 => Self::TokenInfo,
            0x0008 => Self::CertPresence,
            0x000A => Self::AuthCert,
            0x000B => Self::AuthCaCert,
            0x0017 => Self::AuthKey,
            0x0018 => Self::AuthPin,
            0x001A => Self::SignKey,
            0x001B => Self::SignPin,
            _ => return None,
        })
    }

    /// The file identifier.
    pub fn fid(self) -> u16 {
        match self {
            Self::SignCert => 0x0001,
            Self::SignCaCert => 0x0002,
            Self::TokenInfo => 0x0006,
            Self::CertPresence => 0x0008,
            Self::AuthCert => 0x000A,
            Self::AuthCaCert => 0x000B,
            Self::AuthKey => 0x0017,
            Self::AuthPin => 0x0018,
            Self::SignKey => 0x001A,
            Self::SignPin => 0x001B,
        }
    }

    fn pin(self) -> Option<PinKind> {
        match self {
            Self::AuthPin => Some(PinKind::UserAuthentication),
            Self::SignPin => Some(PinKind::Signature),
            _ => None,
        }
    }
}

/// Why a command failed; each maps to exactly one status word.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CardError {
    /// Lc/Le inconsistent, data out of range, or an extended APDU.
    #[error("wrong length")]
    WrongLength,
    /// CLA is neither 00 nor 80, or does not fit the instruction.
    #[error("class not supported")]
    ClaNotSupported,
    /// An instruction the applet does not have.
    #[error("instruction not supported")]
    InsNotSupported,
    /// P1/P2 not allowed for the instruction.
    #[error("incorrect P1-P2")]
    IncorrectP1P2,
    /// Unknown AID or FID, or an EF selected outside the AP.
    #[error("file not found")]
    FileNotFound,
    /// No current EF, or the current EF is not of the kind the command needs.
    #[error("no current EF")]
    NoCurrentEf,
    /// READ BINARY on a key or PIN EF.
    #[error("command incompatible with file structure")]
    IncompatibleFile,
    /// The PIN protecting the object is not verified.
    #[error("security status not satisfied")]
    SecurityNotSatisfied,
    /// The PIN is blocked.
    #[error("PIN blocked")]
    PinBlocked(BlockedAnswer),
    /// A wrong PIN; the counter went down.
    #[error("wrong PIN, {0} tries left")]
    WrongPin(u8),
    /// Signing with no key EF selected.
    #[error("conditions of use not satisfied")]
    ConditionsNotSatisfied,
    /// A new PIN of the wrong form.
    #[error("wrong data")]
    WrongData,
    /// The card has no such key (no signature certificate issued).
    #[error("referenced data not found")]
    ReferencedDataNotFound,
    /// Offset at or past the end of the file.
    #[error("offset beyond end of file")]
    WrongOffset,
}

impl From<CardError> for StatusWord {
    fn from(err: CardError) -> Self {
        match err {
            CardError::WrongLength => Self::WRONG_LENGTH,
            CardError::ClaNotSupported => Self::CLA_NOT_SUPPORTED,
            CardError::InsNotSupported => Self::INS_NOT_SUPPORTED,
            CardError::IncorrectP1P2 => Self::INCORRECT_P1P2,
            CardError::FileNotFound => Self::FILE_NOT_FOUND,
            CardError::NoCurrentEf => Self::NO_CURRENT_EF,
            CardError::IncompatibleFile => Self::INCOMPATIBLE_FILE,
            CardError::SecurityNotSatisfied => Self::SECURITY_NOT_SATISFIED,
            CardError::PinBlocked(BlockedAnswer::ReferenceDataNotUsable) => {
                Self::REFERENCE_DATA_NOT_USABLE
            }
            CardError::PinBlocked(BlockedAnswer::AuthMethodBlocked) => Self::AUTH_METHOD_BLOCKED,
            CardError::WrongPin(left) => Self::tries_left(left),
            CardError::ConditionsNotSatisfied => Self::CONDITIONS_NOT_SATISFIED,
            CardError::WrongData => Self::WRONG_DATA,
            CardError::ReferencedDataNotFound => Self::REFERENCED_DATA_NOT_FOUND,
            CardError::WrongOffset => Self::WRONG_OFFSET,
        }
    }
}

/// What is selected. Selecting the AP or a reset returns to a known state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Selection {
    /// After a reset: the MF is current, the AP is not.
    Mf,
    /// The JPKI AP, no EF.
    Ap,
    /// An EF inside the AP.
    Ef(Ef),
}

/// Security state: cleared by reset, power cycle and SELECT of the AP.
#[derive(Clone, Copy, Debug, Default)]
struct Verified {
    auth: bool,
    sign: bool,
}

/// The virtual card. Counters and PINs persist across [`JpkiCard::reset`]; selection
/// and security state do not.
#[derive(Debug)]
pub struct JpkiCard {
    image: CardImage,
    token_info: Vec<u8>,
    selection: Selection,
    verified: Verified,
    /// The user-authentication and signature keys in OpenSSL's form.
    signers: [signer::Signer; 2],
}

impl JpkiCard {
    /// A powered card in its reset state.
    pub fn new(image: CardImage) -> Self {
        let token_info = token_info(image.token.label());
        Self {
            image,
            token_info,
            selection: Selection::Mf,
            verified: Verified::default(),
            signers: Default::default(),
        }
    }

    /// The answer to reset.
    pub fn atr(&self) -> &[u8] {
        &self.image.atr
    }

    /// Power off, power on, warm or cold reset: volatile state is lost, counters stay.
    pub fn reset(&mut self) {
        self.selection = Selection::Mf;
        self.verified = Verified::default();
    }

    /// Tries left on a PIN (for tests and reports; the wire way is an empty VERIFY).
    pub fn tries_left(&self, kind: PinKind) -> u8 {
        self.pin_slot(kind).tries_left()
    }

    /// Processes one raw command APDU and returns the raw response. Never panics.
    pub fn transmit(&mut self, raw: &[u8]) -> Vec<u8> {
        self.process(raw).to_bytes()
    }

    /// Processes one raw command APDU.
    pub fn process(&mut self, raw: &[u8]) -> Response {
        let result = Command::parse(raw)
            .map_err(|_| CardError::WrongLength)
            .and_then(|cmd| self.dispatch(&cmd));
        match result {
            Ok(response) => response,
            Err(err) => Response::status(err.into()),
        }
    }

    fn dispatch(&mut self, cmd: &Command) -> Result<Response, CardError> {
        match (cmd.cla, cmd.ins) {
            (0x00, 0xA4) => self.select(cmd),
            (0x00, 0xB0) => self.read_binary(cmd),
            (0x00, 0x20) => self.verify(cmd),
            (0x00, 0x24) => self.change_reference_data(cmd),
            (0x80, 0x2A) => self.compute_signature(cmd),
            (0x00 | 0x80, 0xA4 | 0xB0 | 0x20 | 0x24 | 0x2A) => Err(CardError::ClaNotSupported),
            (0x00 | 0x80, _) => Err(CardError::InsNotSupported),
            _ => Err(CardError::ClaNotSupported),
        }
    }

    fn select(&mut self, cmd: &Command) -> Result<Response, CardError> {
        if !matches!(cmd.p2, 0x00 | 0x0C) {
            return Err(CardError::IncorrectP1P2);
        }
        match cmd.p1 {
            // By DF name: only the JPKI AP exists here. Foreign AIDs must never get 90 00,
            // or OpenSC drivers probing before `jpki` would claim the card.
            0x04 if cmd.data == AID_JPKI => {
                self.selection = Selection::Ap;
                self.verified = Verified::default();
                Ok(Response::ok(Vec::new()))
            }
            0x04 => Err(CardError::FileNotFound),
            // EF under the current DF.
            0x02 => {
                let fid: [u8; 2] = cmd
                    .data
                    .as_slice()
                    .try_into()
                    .map_err(|_| CardError::WrongLength)?;
                let ef = Ef::from_fid(u16::from_be_bytes(fid)).ok_or(CardError::FileNotFound)?;
                if self.selection == Selection::Mf {
                    return Err(CardError::FileNotFound);
                }
                self.selection = Selection::Ef(ef);
                Ok(Response::ok(Vec::new()))
            }
            // Select MF: real cards answer 6A86 after a cold reset and 90 00 (changing
            // nothing) with an AP selected (myna-card's observation).
            0x00 if self.selection == Selection::Mf => Err(CardError::IncorrectP1P2),
            0x00 => Ok(Response::ok(Vec::new())),
            _ => Err(CardError::IncorrectP1P2),
        }
    }

    fn read_binary(&mut self, cmd: &Command) -> Result<Response, CardError> {
        if cmd.p1 & 0x80 != 0 {
            return Err(CardError::IncorrectP1P2);
        }
        let le = match (cmd.data.is_empty(), cmd.le) {
            (true, Some(le)) => le,
            _ => return Err(CardError::WrongLength),
        };
        let Selection::Ef(ef) = self.selection else {
            return Err(CardError::NoCurrentEf);
        };
        let contents = self.readable_contents(ef)?;
        let offset = usize::from(u16::from_be_bytes([cmd.p1, cmd.p2]));
        if offset >= contents.len() {
            return Err(CardError::WrongOffset);
        }
        let end = contents.len().min(offset + le);
        Ok(Response::ok(contents[offset..end].to_vec()))
    }

    fn readable_contents(&self, ef: Ef) -> Result<&[u8], CardError> {
        let image = &self.image;
        Ok(match ef {
            Ef::SignCert if !self.verified.sign => return Err(CardError::SecurityNotSatisfied),
            Ef::SignCert => image.signature.as_ref().map_or(&[][..], |s| &s.certificate),
            Ef::SignCaCert => match &image.signature {
                Some(s) => &s.ca_certificate,
                None => &image.signature_ca_certificate,
            },
            Ef::TokenInfo => &self.token_info,
            Ef::CertPresence if image.signature.is_some() => &[0x8F, 0x8F, 0x00],
            Ef::CertPresence => &[0x00, 0x8F, 0x00],
            Ef::AuthCert => &image.user_auth.certificate,
            Ef::AuthCaCert => &image.user_auth.ca_certificate,
            Ef::AuthKey | Ef::AuthPin | Ef::SignKey | Ef::SignPin => {
                return Err(CardError::IncompatibleFile)
            }
        })
    }

    fn current_pin(&self) -> Result<PinKind, CardError> {
        match self.selection {
            Selection::Ef(ef) => ef.pin().ok_or(CardError::NoCurrentEf),
            _ => Err(CardError::NoCurrentEf),
        }
    }

    fn verify(&mut self, cmd: &Command) -> Result<Response, CardError> {
        if (cmd.p1, cmd.p2) != (0x00, 0x80) {
            return Err(CardError::IncorrectP1P2);
        }
        let kind = self.current_pin()?;
        if cmd.data.is_empty() {
            // A counter query. SW1 stays 63 even when blocked: OpenSC's bind needs it.
            return Err(CardError::WrongPin(self.pin_slot(kind).tries_left()));
        }
        let blocked_answer = self.image.blocked_answer;
        let outcome = self.pin_slot_mut(kind).check(&cmd.data);
        self.set_verified(kind, outcome == PinCheck::Correct);
        match outcome {
            PinCheck::Correct => Ok(Response::ok(Vec::new())),
            PinCheck::Wrong { tries_left } => Err(CardError::WrongPin(tries_left)),
            PinCheck::Blocked => Err(CardError::PinBlocked(blocked_answer)),
        }
    }

    fn change_reference_data(&mut self, cmd: &Command) -> Result<Response, CardError> {
        if (cmd.p1, cmd.p2) != (0x01, 0x80) {
            return Err(CardError::IncorrectP1P2);
        }
        let kind = self.current_pin()?;
        if !self.is_verified(kind) {
            return Err(CardError::SecurityNotSatisfied);
        }
        let text = std::str::from_utf8(&cmd.data).map_err(|_| CardError::WrongData)?;
        let new = Pin::new(kind, text).map_err(|_| CardError::WrongData)?;
        self.pin_slot_mut(kind).change(new);
        Ok(Response::ok(Vec::new()))
    }

    fn compute_signature(&mut self, cmd: &Command) -> Result<Response, CardError> {
        // P1 00: the caller's bytes are padded verbatim (the scheme every client uses).
        if (cmd.p1, cmd.p2) != (0x00, 0x80) {
            return Err(CardError::IncorrectP1P2);
        }
        let (key, signer) = match self.selection {
            Selection::Ef(Ef::AuthKey) if self.verified.auth => {
                (&self.image.user_auth.key, &self.signers[0])
            }
            Selection::Ef(Ef::SignKey) if self.verified.sign => (
                &self
                    .image
                    .signature
                    .as_ref()
                    .ok_or(CardError::ReferencedDataNotFound)?
                    .key,
                &self.signers[1],
            ),
            Selection::Ef(Ef::AuthKey | Ef::SignKey) => {
                return Err(CardError::SecurityNotSatisfied)
            }
            _ => return Err(CardError::ConditionsNotSatisfied),
        };
        if !(1..=MAX_SIGN_INPUT).contains(&cmd.data.len()) {
            return Err(CardError::WrongLength);
        }
        // The length check above makes the padding infallible for a 2048-bit key;
        // a smaller key would fail here and is reported, not unwrapped.
        let signature = signer.sign(key, &cmd.data).ok_or(CardError::WrongLength)?;
        Ok(Response::ok(signature))
    }

    fn pin_slot(&self, kind: PinKind) -> &PinSlot {
        match kind {
            PinKind::UserAuthentication => &self.image.auth_pin,
            PinKind::Signature => &self.image.sign_pin,
        }
    }

    fn pin_slot_mut(&mut self, kind: PinKind) -> &mut PinSlot {
        match kind {
            PinKind::UserAuthentication => &mut self.image.auth_pin,
            PinKind::Signature => &mut self.image.sign_pin,
        }
    }

    fn is_verified(&self, kind: PinKind) -> bool {
        match kind {
            PinKind::UserAuthentication => self.verified.auth,
            PinKind::Signature => self.verified.sign,
        }
    }

    fn set_verified(&mut self, kind: PinKind, value: bool) {
        match kind {
            PinKind::UserAuthentication => self.verified.auth = value,
            PinKind::Signature => self.verified.sign = value,
        }
    }
}

/// EF 0006: a PKCS#11 CK_TOKEN_INFO with 32-bit big-endian CK_ULONGs (160 bytes), the
/// label first, space padded.
fn token_info(label: &str) -> Vec<u8> {
    let field = |text: &str, len: usize| {
        let mut v = text.as_bytes().to_vec();
        v.resize(len, b' ');
        v
    };
    let mut info = Vec::with_capacity(160);
    info.extend(field(label, 32));
    info.extend(field("JPKI", 32)); // manufacturerID
    info.extend(field("MNCTF VIRTUAL", 16)); // model
    info.extend(field("00000000", 16)); // serialNumber
    info.resize(160, 0); // flags and counters: not used by any reader we know
    info
}

mod signer;

#[cfg(test)]
mod tests;
