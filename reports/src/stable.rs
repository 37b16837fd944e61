//! The human views of a report (HTML, Markdown) read the same from run to run of the same
//! code: what differs between runs is replaced by labels that stay stable within a run, so
//! that the same value reads the same everywhere and two runs compare line by line.
//! - a loopback address is named by the party that answers there (`[bank]`), learned
//!   from the messages each party received; an unknown one becomes `[port 1]`;
//! - random values (xs:IDs, NameIDs, tokens, signatures, base64 blobs) become `[id 1]`,
//!   `[id 2]` … in order of first appearance;
//! - instants become offsets from the case's first instant, in minutes (`[T]`, `[T+5m]`,
//!   `[T-4m]`), which is what validity windows are about;
//! - durations become `[n] ms`.
//!
//! report.json keeps every value as it was.

use std::collections::HashMap;

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::model::Report;

/// `report` as the human views show it: every run-dependent value in its reasons, step
/// details and evidence labelled, in document order.
pub fn apply(report: &Report) -> Report {
    let mut labels = Stable::new(report);
    let mut out = report.clone();
    for case in out.suites.iter_mut().flat_map(|s| s.cases.iter_mut()) {
        labels.new_case();
        if let Some(r) = case.reason.as_mut() {
            *r = labels.text(r);
        }
        for step in &mut case.steps {
            step.detail = labels.text(&step.detail);
            for e in &mut step.evidence {
                e.title = labels.text(&e.title);
                e.content = labels.text(&e.content);
            }
        }
    }
    out
}

/// Labels for one report, applied in document order.
pub struct Stable {
    ports: HashMap<String, String>,
    ids: HashMap<String, usize>,
    unknown_ports: usize,
    base: Option<OffsetDateTime>,
}

impl Stable {
    /// Learns which party answers at which loopback address from `report`'s messages.
    pub fn new(report: &Report) -> Self {
        let mut ports = HashMap::new();
        for e in report
            .cases()
            .flat_map(|c| &c.steps)
            .flat_map(|s| &s.evidence)
            .filter(|e| e.is_message())
        {
            // The first line of a message is `METHOD http://127.0.0.1:PORT/…`.
            let first = e.content.lines().next().unwrap_or("");
            if let Some(port) = first
                .split("://127.0.0.1:")
                .nth(1)
                .map(|rest| {
                    rest.chars()
                        .take_while(char::is_ascii_digit)
                        .collect::<String>()
                })
                .filter(|p| !p.is_empty())
            {
                ports.entry(port).or_insert_with(|| e.to.clone());
            }
        }
        Self {
            ports,
            ids: HashMap::new(),
            unknown_ports: 0,
            base: None,
        }
    }

    /// Starts a case: instants are offsets from its first one.
    pub fn new_case(&mut self) {
        self.base = None;
    }

    /// `text` with the run's values labelled.
    pub fn text(&mut self, text: &str) -> String {
        let chars: Vec<char> = text.chars().collect();
        let mut out = String::with_capacity(text.len());
        let mut i = 0;
        while i < chars.len() {
            match self.label_at(&chars, i) {
                Some((len, label)) => {
                    out.push_str(&label);
                    i += len;
                }
                None => {
                    out.push(chars[i]);
                    i += 1;
                }
            }
        }
        out
    }

    fn label_at(&mut self, chars: &[char], i: usize) -> Option<(usize, String)> {
        let prev = i.checked_sub(1).map(|p| chars[p]);
        let after_token = prev.is_some_and(|c| is_token(c) || c == '%');
        // The address, plain or URL-encoded (in a query).
        for prefix in ["127.0.0.1:", "127.0.0.1%3A"] {
            let n = prefix.len();
            if starts_with(chars, i, prefix) {
                let digits = run(chars, i + n, |c| c.is_ascii_digit());
                if digits > 0 {
                    let port: String = chars[i + n..i + n + digits].iter().collect();
                    return Some((n + digits, self.port(&port)));
                }
            }
        }
        if after_token {
            return None;
        }
        if crate::redact::is_instant(chars, i) {
            let len = 19
                + run(chars, i + 19, |c| {
                    c.is_ascii_digit() || matches!(c, '.' | 'Z' | '+' | ':')
                });
            let text: String = chars[i..i + len].iter().collect();
            return Some((len, self.instant(&text)));
        }
        let label = run(chars, i, |c| c.is_ascii_hexdigit() || c == '-');
        if label > 0 && RANDOM_LABEL_AFTER.iter().any(|k| follows(chars, i, k)) {
            return Some((label, self.id(&chars[i..i + label])));
        }
        let digits = run(chars, i, |c| c.is_ascii_digit());
        // Seconds since 1970 (the card-login challenge's issued and expires).
        if digits == 10 && !chars.get(i + 10).copied().is_some_and(is_token) {
            let text: String = chars[i..i + 10].iter().collect();
            let at = text
                .parse::<i64>()
                .ok()
                .filter(|s| (1_500_000_000..2_500_000_000).contains(s));
            if let Some(at) = at.and_then(|s| OffsetDateTime::from_unix_timestamp(s).ok()) {
                return Some((10, self.offset(at)));
            }
        }
        if digits > 0 && chars[i + digits..].starts_with(&[' ', 'm', 's']) {
            let next = chars.get(i + digits + 3).copied();
            if !next.is_some_and(is_token) {
                return Some((digits + 3, "[n] ms".into()));
            }
        }
        // Base64 (wrapped in lines, as XML-DSig writes it) and URL-encoded blobs: long
        // runs of the characters those use.
        let blob = blob_len(chars, i);
        if blob >= 40 && data(&chars[i..i + blob]) {
            return Some((blob, self.id(&chars[i..i + blob])));
        }
        let token = run(chars, i, is_token);
        let shortened = token >= 6 && chars.get(i + token) == Some(&'…');
        if shortened || (token >= 20 && mixed(&chars[i..i + token])) {
            return Some((token, self.id(&chars[i..i + token])));
        }
        None
    }

    fn port(&mut self, port: &str) -> String {
        if let Some(role) = self.ports.get(port) {
            return format!("[{role}]");
        }
        self.unknown_ports += 1;
        let label = format!("[port {}]", self.unknown_ports);
        self.ports
            .insert(port.to_owned(), label.trim_matches(['[', ']']).to_owned());
        label
    }

    fn id(&mut self, value: &[char]) -> String {
        let key: String = value.iter().collect();
        let next = self.ids.len() + 1;
        format!("[id {}]", self.ids.entry(key).or_insert(next))
    }

    fn instant(&mut self, text: &str) -> String {
        match OffsetDateTime::parse(text, &Rfc3339) {
            Ok(at) => self.offset(at),
            Err(_) => "[time]".into(),
        }
    }

    fn offset(&mut self, at: OffsetDateTime) -> String {
        let base = *self.base.get_or_insert(at);
        let seconds = (at - base).whole_seconds();
        // Coarser as it grows: a second of jitter between runs never shows.
        let (n, unit) = match seconds.abs() {
            s if s < 60 => return "[T]".into(),
            s if s < 2 * 3600 => ((seconds as f64 / 60.0).round() as i64, "m"),
            s if s < 2 * 86_400 => ((seconds as f64 / 3600.0).round() as i64, "h"),
            _ => (seconds / 86_400, "d"),
        };
        if n >= 0 {
            format!("[T+{n}{unit}]")
        } else {
            format!("[T{n}{unit}]")
        }
    }
}

fn blob_len(chars: &[char], i: usize) -> usize {
    let is_blob = |c: char| is_token(c) || matches!(c, '%' | '+' | '/');
    let line = |from: usize| {
        let n = run(chars, from, is_blob);
        n + run(chars, from + n, |c| c == '=')
    };
    // A wrapped block's lines are full (64 or 76 characters) but for its last one.
    let mut last = line(i);
    let mut end = i + last;
    while last >= 60
        && chars.get(end) == Some(&'\n')
        && chars.get(end + 1).copied().is_some_and(is_blob)
    {
        last = line(end + 1);
        end += 1 + last;
    }
    end - i
}

/// Random values of our flows that read like plain numbers or short labels: the Pay-easy
/// 確認番号 (in text, XML and the pages' tables) and a service's user number (a digest of
/// its pairwise NameID).
const RANDOM_LABEL_AFTER: &[&str] = &[
    "確認番号: ",
    "ConfirmationNumber>",
    "confirmation number</span></th><td>",
    "利用者番号は ",
    "user number at this service is ",
];

fn follows(chars: &[char], i: usize, key: &str) -> bool {
    let n = key.chars().count();
    i >= n && chars[i - n..i].iter().copied().eq(key.chars())
}

fn is_token(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

/// Whether a long word looks random. Random tokens (base64url of 32 bytes) almost always
/// hold a digit and both cases, and when they hold no digit, both cases in good measure;
/// hex IDs hold several digits (and few letters, now and then); identifiers in code (`AssertionConsumerServiceURL`) hold
/// no digit and few capitals. Each rule alone misses a random value now and then, which
/// would make two runs differ; together they miss about one in a hundred million.
fn mixed(word: &[char]) -> bool {
    let count = |f: fn(&char) -> bool| word.iter().filter(|c| f(c)).count();
    let (digits, letters) = (
        count(char::is_ascii_digit),
        count(char::is_ascii_alphabetic),
    );
    let (upper, lower) = (
        count(char::is_ascii_uppercase),
        count(char::is_ascii_lowercase),
    );
    let len = word.len();
    let both_cases = upper * 5 >= len && lower * 5 >= len;
    // A hex ID may hold almost no letters (`_712d30094992797542502331167b4349`).
    let hex = word
        .iter()
        .filter(|c| !matches!(c, '_' | '-'))
        .all(char::is_ascii_hexdigit);
    (digits >= 1 && upper >= 1 && lower >= 1)
        || (digits >= 3 && (letters >= 3 || hex))
        || (both_cases && len >= 32)
}

/// Whether a long run of base64 characters is data: random-looking, or carrying base64's
/// own marks (`+`, `/`, `=` padding).
fn data(run: &[char]) -> bool {
    mixed(run) || run.iter().any(|c| matches!(c, '+' | '/' | '='))
}

fn run(chars: &[char], from: usize, f: impl Fn(char) -> bool) -> usize {
    chars
        .get(from..)
        .map_or(0, |rest| rest.iter().take_while(|c| f(**c)).count())
}

fn starts_with(chars: &[char], i: usize, s: &str) -> bool {
    let n = s.chars().count();
    chars.len() >= i + n && chars[i..i + n].iter().copied().eq(s.chars())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Case, Evidence, Step};

    fn report() -> Report {
        let mut r = Report::new("t", "now");
        let mut case = Case::new("c", "c");
        let mut step = Step::new("s", &[]);
        step.evidence.push(Evidence {
            title: "GET /login".into(),
            content: "GET http://127.0.0.1:44081/login\n".into(),
            from: "browser".into(),
            to: "bank".into(),
            duration_ms: 1,
        });
        case.steps.push(step);
        r.suite("s").cases.push(case);
        r
    }

    #[test]
    fn parties_ids_and_times_get_stable_labels() {
        let mut s = Stable::new(&report());
        let text = "GET http://127.0.0.1:44081/acs?tx=eamzPIBPVkwfktS6xd63khdl98iJecWCT5 from 127.0.0.1:9 (NameID wCEujgIK…) again eamzPIBPVkwfktS6xd63khdl98iJecWCT5";
        assert_eq!(
            s.text(text),
            "GET http://[bank]/acs?tx=[id 1] from [port 1] (NameID [id 2]…) again [id 1]"
        );
        s.new_case();
        assert_eq!(
            s.text("IssueInstant=\"2026-12-07T12:45:22Z\" NotOnOrAfter=\"2026-12-07T12:50:21.9Z\" old 2026-12-07T12:41:22Z"),
            "IssueInstant=\"[T]\" NotOnOrAfter=\"[T+5m]\" old [T-4m]"
        );
    }

    #[test]
    fn words_paths_amounts_and_encoded_blobs() {
        let mut s = Stable::new(&report());
        let keep = "APP-000001 paid 1200 JPY at /applications/APP-000001, TF-BANK-002, 3 tries";
        assert_eq!(s.text(keep), keep);
        let blob = "SAMLRequest=fVLBbtswDP0VQ3fXluM4npAEyBIMC9BtRpLtsMsgy%2FSqzZZckW7Tv6%2FsJEUObaDbIx%2F13&RelayState=x";
        assert_eq!(s.text(blob), "SAMLRequest=[id 1]&RelayState=x");
        assert_eq!(s.text("took 12 ms"), "took [n] ms");
        assert_eq!(
            s.text("tx=zKLoWLpiNFHRKhcGdTboNaMiuTFhmjBFTyRYHSzzrA\nset-cookie: x"),
            "tx=[id 2]\nset-cookie: x"
        );
        assert_eq!(
            s.text("tx=kov5m_x7myowuqspmvIey-rsKZRmbsB-UymOJvDQQSw"),
            "tx=[id 3]"
        );
        assert_eq!(
            s.text("<SignatureValue>ab12CD34ef56GH78ij90KL12mn34OP56qr78ST90uv12WX34yz56AB78cd90EF12\nk5UtHpt5XSY3azogm+fyzg==</SignatureValue>"),
            "<SignatureValue>[id 4]</SignatureValue>"
        );
        assert_eq!(
            s.text("確認番号: 209974 and <ConfirmationNumber>209974<"),
            "確認番号: [id 5] and <ConfirmationNumber>[id 5]<"
        );
        assert_eq!(
            s.text("利用者番号は 0AED-5F41 です / user number at this service is 0AED-5F41."),
            "利用者番号は [id 6] です / user number at this service is [id 6]."
        );
        assert_eq!(
            s.text("mnctf_idp=TSCESAfE4EqYgLqYzgwHduNHfqxGEnLTSMRyrVbUszA; tx=_zKLoWLpiNFHRKhcGdTboNaMiuTFhmjBFTyRYHSzzrA AssertionConsumerServiceURL WantAssertionsSigned"),
            "mnctf_idp=[id 7]; tx=[id 8] AssertionConsumerServiceURL WantAssertionsSigned"
        );
        assert_eq!(
            s.text("idp=http%3A%2F%2F127.0.0.1%3A44315%2Fidp issued:1796647672"),
            "idp=http%3A%2F%2F[port 1]%2Fidp issued:[T]"
        );
        // A hex ID with two letters in 32 (one in about 15,000 is that poor in letters).
        assert_eq!(
            s.text("ID=\"_712d30094992797542502331167b4349\" x"),
            "ID=\"[id 9]\" x"
        );
    }
}
