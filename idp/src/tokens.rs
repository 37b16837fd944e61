//! Values the platform hands a browser and later accepts only if it made them: the
//! browser-binding cookie (an attacker must not choose it: a value planted in a victim's
//! browser would let the attacker finish the victim's login) and the logout form's token
//! (another site must not end a session by sending the browser to `/logout`).
//! A value is `random.tag`, the tag an HMAC-SHA256 under a key that lives as long as the
//! process (logins in progress do not survive a restart either).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

/// The platform's token key.
pub struct Tokens {
    key: [u8; 32],
}

impl Default for Tokens {
    fn default() -> Self {
        let mut key = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut key);
        Self { key }
    }
}

impl Tokens {
    fn tag(&self, purpose: &str, value: &str) -> String {
        // The key is 32 bytes: HMAC takes any length, so this cannot fail.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.key)
            .unwrap_or_else(|_| unreachable!("HMAC accepts a key of any length"));
        mac.update(purpose.as_bytes());
        mac.update(b"\0");
        mac.update(value.as_bytes());
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    }

    /// A new value for `purpose`: random, tagged.
    pub fn issue(&self, purpose: &str) -> String {
        let random = crate::sessions::token();
        let tag = self.tag(purpose, &random);
        format!("{random}.{tag}")
    }

    /// Whether `value` is one [`issue`](Self::issue) made for `purpose`.
    pub fn issued(&self, purpose: &str, value: &str) -> bool {
        value.split_once('.').is_some_and(|(random, tag)| {
            constant_time_eq(self.tag(purpose, random).as_bytes(), tag.as_bytes())
        })
    }

    /// The token that goes with `to` (e.g. a session) for `purpose`.
    pub fn bound(&self, purpose: &str, to: &str) -> String {
        self.tag(purpose, to)
    }

    /// Whether `token` is [`bound`](Self::bound)'s for `to`.
    pub fn is_bound(&self, purpose: &str, to: &str, token: &str) -> bool {
        constant_time_eq(self.tag(purpose, to).as_bytes(), token.as_bytes())
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::Tokens;

    #[test]
    fn only_values_it_issued_are_taken() {
        let t = Tokens::default();
        let v = t.issue("browser");
        assert!(t.issued("browser", &v));
        assert!(
            !t.issued("logout", &v),
            "a value is good for its purpose only"
        );
        assert!(!t.issued("browser", "chosen-by-an-attacker"));
        assert!(!t.issued("browser", &format!("{}x", v)));
        assert!(!Tokens::default().issued("browser", &v), "another key");
        let b = t.bound("logout", "session-1");
        assert!(t.is_bound("logout", "session-1", &b));
        assert!(!t.is_bound("logout", "session-2", &b));
    }
}
