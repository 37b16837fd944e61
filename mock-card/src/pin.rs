//! PINs and their retry counters.

use std::fmt;

/// Which of the two JPKI PINs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PinKind {
    /// 利用者証明用パスワード: 4 digits, 3 tries.
    UserAuthentication,
    /// 署名用パスワード: 6 to 16 of A-Z and 0-9, 5 tries.
    Signature,
}

impl std::fmt::Display for PinKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::UserAuthentication => "user-authentication (利用者証明用)",
            Self::Signature => "signature (署名用)",
        })
    }
}

impl PinKind {
    /// Tries a fresh or reset counter allows.
    pub fn max_tries(self) -> u8 {
        match self {
            Self::UserAuthentication => 3,
            Self::Signature => 5,
        }
    }

    /// Whether `value` has the form the card issuer allows for this PIN.
    pub fn accepts_format(self, value: &str) -> bool {
        match self {
            Self::UserAuthentication => {
                value.len() == 4 && value.bytes().all(|b| b.is_ascii_digit())
            }
            Self::Signature => {
                (6..=16).contains(&value.len())
                    && value
                        .bytes()
                        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
            }
        }
    }
}

/// A PIN value. Its `Debug` never shows the digits.
#[derive(Clone, PartialEq, Eq)]
pub struct Pin(String);

/// A PIN that does not have the form its kind requires.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a {kind} PIN must be {rule}")]
pub struct PinFormatError {
    kind: PinKind,
    rule: &'static str,
}

impl Pin {
    /// Checks the format for `kind` (JPKI rules) and wraps the value.
    pub fn new(kind: PinKind, value: &str) -> Result<Self, PinFormatError> {
        if kind.accepts_format(value) {
            Ok(Self(value.to_owned()))
        } else {
            let rule = match kind {
                PinKind::UserAuthentication => "exactly 4 digits",
                PinKind::Signature => "6 to 16 characters of A-Z and 0-9",
            };
            Err(PinFormatError { kind, rule })
        }
    }

    /// Wraps any value without checking its format: for tests that send wrong PINs.
    pub fn unchecked(value: &str) -> Self {
        Self(value.to_owned())
    }

    /// The PIN's bytes as VERIFY sends them (ASCII, no padding).
    pub fn secret(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl fmt::Debug for Pin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Pin([redacted])")
    }
}

/// A PIN with its retry counter: the part of the card that survives power cycles.
#[derive(Clone, Debug)]
pub struct PinSlot {
    kind: PinKind,
    value: Pin,
    tries_left: u8,
}

/// The outcome of presenting a PIN.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PinCheck {
    /// Correct: the counter is reset.
    Correct,
    /// Wrong: the counter went down to `tries_left`.
    Wrong {
        /// Tries remaining after this one.
        tries_left: u8,
    },
    /// The counter was already at zero; nothing was compared.
    Blocked,
}

impl PinSlot {
    /// A slot with `tries_left` (clamped to the kind's maximum).
    pub fn new(kind: PinKind, value: Pin, tries_left: u8) -> Self {
        Self {
            kind,
            value,
            tries_left: tries_left.min(kind.max_tries()),
        }
    }

    /// Which PIN this is.
    pub fn kind(&self) -> PinKind {
        self.kind
    }

    /// Tries left before the PIN blocks.
    pub fn tries_left(&self) -> u8 {
        self.tries_left
    }

    /// Whether the PIN is blocked.
    pub fn is_blocked(&self) -> bool {
        self.tries_left == 0
    }

    /// Compares a presented PIN, updating the counter.
    pub fn check(&mut self, presented: &[u8]) -> PinCheck {
        if self.is_blocked() {
            return PinCheck::Blocked;
        }
        if constant_time_eq(presented, self.value.secret()) {
            self.tries_left = self.kind.max_tries();
            PinCheck::Correct
        } else {
            self.tries_left -= 1;
            PinCheck::Wrong {
                tries_left: self.tries_left,
            }
        }
    }

    /// Replaces the PIN value (CHANGE REFERENCE DATA after a successful VERIFY).
    pub fn change(&mut self, new: Pin) {
        self.value = new;
    }
}

/// Compares without an early exit on the first differing byte.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_jpki_pin_formats() {
        assert!(Pin::new(PinKind::UserAuthentication, "1234").is_ok());
        assert!(Pin::new(PinKind::UserAuthentication, "12345").is_err());
        assert!(Pin::new(PinKind::UserAuthentication, "12a4").is_err());
        assert!(Pin::new(PinKind::Signature, "ABC123").is_ok());
        assert!(Pin::new(PinKind::Signature, "abc123").is_err());
        assert!(Pin::new(PinKind::Signature, "ABC12").is_err());
        assert!(Pin::new(PinKind::Signature, "A234567890123456").is_ok());
        assert!(Pin::new(PinKind::Signature, "A2345678901234567").is_err());
    }

    #[test]
    fn debug_never_shows_the_pin() {
        let pin = Pin::unchecked("1234");
        assert!(!format!("{pin:?}").contains("1234"));
    }

    #[test]
    fn three_wrong_pins_block_and_then_nothing_is_compared() {
        let mut slot = PinSlot::new(PinKind::UserAuthentication, Pin::unchecked("1234"), 3);
        assert_eq!(slot.check(b"0000"), PinCheck::Wrong { tries_left: 2 });
        assert_eq!(slot.check(b"1234"), PinCheck::Correct);
        assert_eq!(slot.tries_left(), 3);
        for left in [2, 1, 0] {
            assert_eq!(slot.check(b"9999"), PinCheck::Wrong { tries_left: left });
        }
        assert_eq!(slot.check(b"1234"), PinCheck::Blocked);
    }
}
