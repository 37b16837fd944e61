//! What changes from run to run, replaced by placeholders: loopback ports, xs:IDs,
//! random tokens, instants and durations. Snapshots of reports go through this, and so
//! can any report a person wants to compare with another run's.

/// Replaces run-dependent values in `text`.
pub fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if let Some((len, placeholder)) = match_at(&chars, i) {
            out.push_str(placeholder);
            i += len;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

fn run_len(chars: &[char], from: usize, f: impl Fn(char) -> bool) -> usize {
    chars[from..].iter().take_while(|c| f(**c)).count()
}

fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

/// A placeholder for what starts at `i`, with the length it replaces.
fn match_at(chars: &[char], i: usize) -> Option<(usize, &'static str)> {
    let prev_is_token = i > 0 && is_token_char(chars[i - 1]);
    let rest: String = chars[i..chars.len().min(i + 10)].iter().collect();
    // A loopback port.
    if rest.starts_with("127.0.0.1:") {
        let digits = run_len(chars, i + 10, |c| c.is_ascii_digit());
        if digits > 0 {
            return Some((10 + digits, "127.0.0.1:[port]"));
        }
    }
    if prev_is_token {
        return None;
    }
    // A time as shown to people: 2026-12-02 12:04:05 JST (UTC+09:00).
    if is_shown_time(chars, i) {
        return Some((SHOWN_TIME.chars().count(), "[instant]"));
    }
    // An RFC 3339 instant: 2026-12-02T03:04:05Z (optionally with fractions or offset).
    if is_instant(chars, i) {
        let len = 19
            + run_len(chars, i + 19, |c| {
                c.is_ascii_digit() || matches!(c, '.' | 'Z' | '+' | ':')
            });
        return Some((len, "[instant]"));
    }
    // A duration in milliseconds.
    let digits = run_len(chars, i, |c| c.is_ascii_digit());
    if digits > 0 && chars[i + digits..].starts_with(&[' ', 'm', 's']) {
        let after = chars.get(i + digits + 3).copied();
        if !after.is_some_and(is_token_char) {
            return Some((digits + 3, "[n] ms"));
        }
    }
    let len = run_len(chars, i, is_token_char);
    // The start of a random value shown shortened ("NameID abCD12ef…").
    if len >= 6 && chars.get(i + len) == Some(&'…') {
        return Some((len, "[id]"));
    }
    // An xs:ID or a random token: 20+ token characters with letters and digits mixed.
    if len >= 20 {
        let word = &chars[i..i + len];
        let digits = word.iter().filter(|c| c.is_ascii_digit()).count();
        let letters = word.iter().filter(|c| c.is_ascii_alphabetic()).count();
        if digits >= 3 && letters >= 3 {
            return Some((len, "[id]"));
        }
    }
    None
}

/// The shape of [`crate::time_jst`]'s output.
const SHOWN_TIME: &str = "dddd-dd-dd dd:dd:dd JST (UTC+09:00)";

fn is_shown_time(chars: &[char], i: usize) -> bool {
    chars.len() >= i + SHOWN_TIME.chars().count()
        && SHOWN_TIME.chars().zip(&chars[i..]).all(|(s, c)| match s {
            'd' => c.is_ascii_digit(),
            s => s == *c,
        })
}

pub(crate) fn is_instant(chars: &[char], i: usize) -> bool {
    const SHAPE: &str = "dddd-dd-ddTdd:dd:dd";
    chars.len() >= i + SHAPE.len()
        && SHAPE.chars().zip(&chars[i..]).all(|(s, c)| match s {
            'd' => c.is_ascii_digit(),
            s => s == *c,
        })
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn redacts_what_changes_between_runs() {
        assert_eq!(
            redact("GET http://127.0.0.1:40123/sso?tx=Qx3_fh0a9KQ2mZ7rT1s-8dLpXc4 at 2026-12-02T03:04:05Z (12 ms)"),
            "GET http://127.0.0.1:[port]/sso?tx=[id] at [instant] ([n] ms)"
        );
        assert_eq!(
            redact("ID=\"_0f3a9c2b7d1e4f5a6b8c9d0e1f2a3b4c\""),
            "ID=\"[id]\""
        );
        assert_eq!(redact("(NameID L0vSiJXc…)"), "(NameID [id]…)");
        assert_eq!(
            redact("生成日時: 2026-12-07 21:34:56 JST (UTC+09:00)\n"),
            "生成日時: [instant]\n"
        );
    }

    #[test]
    fn keeps_words_numbers_and_requirement_ids() {
        let text =
            "TF-BANK-002: 1200 JPY paid, APP-000001, user-authentication certificate, 3 tries";
        assert_eq!(redact(text), text);
    }
}
