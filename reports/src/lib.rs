//! The report model and its renderings. A [`Report`] is the canonical result of a run
//! (JSON); JUnit XML is for CI tools; Markdown is for people, in Japanese and English.
//!
//! ```
//! use reports::{Case, Report, Verdict};
//! let mut report = Report::new("walkthrough", "2026-11-24T00:00:00Z");
//! report.suite("cards").cases.push(Case::new("valid", "a valid card logs in").verdict(Verdict::Passed));
//! assert!(reports::junit::render(&report).contains("<testcase"));
//! ```
//!
//! Architecture invariant: this crate never runs anything; it only models and renders.

#![warn(missing_docs)]
#![forbid(unsafe_code)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::panic))]

pub mod diff;
pub mod html;
pub mod junit;
pub mod markdown;
mod model;
pub mod parties;
pub mod redact;
pub mod stable;
pub mod svg;

pub use model::{
    Advice, Case, Evidence, ProductFix, Report, RequirementText, Step, Suite, Verdict,
};

/// Text escaped for XML, SVG and HTML (attribute values included); control characters
/// XML 1.0 forbids even escaped become U+FFFD.
pub(crate) fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// The canonical JSON rendering.
pub fn json(report: &Report) -> String {
    // The model is plain data (strings, numbers, enums): serialisation cannot fail.
    serde_json::to_string_pretty(report).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}

/// An RFC 3339 instant as people in Japan read it: `2026-12-07 21:34:00 JST (UTC+09:00)`;
/// anything else (a placeholder, a malformed time) as it is.
pub fn time_jst(rfc3339: &str) -> String {
    use time::format_description::well_known::Rfc3339;
    let Ok(at) = time::OffsetDateTime::parse(rfc3339, &Rfc3339) else {
        return rfc3339.to_owned();
    };
    let jst = at.to_offset(time::macros::offset!(+9));
    let shown = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    match jst.format(shown) {
        Ok(text) => format!("{text} JST (UTC+09:00)"),
        Err(_) => rfc3339.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn markup_in_names_and_titles_is_escaped() {
        assert_eq!(
            super::esc("<a href=\"x\">&'\u{1}"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;\u{FFFD}"
        );
    }

    #[test]
    fn times_are_shown_in_jst_with_the_offset() {
        assert_eq!(
            super::time_jst("2026-12-07T12:34:56.789Z"),
            "2026-12-07 21:34:56 JST (UTC+09:00)"
        );
        assert_eq!(
            super::time_jst("2026-12-07T20:00:00Z"),
            "2026-12-08 05:00:00 JST (UTC+09:00)"
        );
        assert_eq!(super::time_jst("[instant]"), "[instant]");
    }
}
