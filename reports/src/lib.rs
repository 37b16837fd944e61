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

pub mod junit;
pub mod markdown;
mod model;
pub mod redact;

pub use model::{
    Advice, Case, Evidence, ProductFix, Report, RequirementText, Step, Suite, Verdict,
};

/// The canonical JSON rendering.
pub fn json(report: &Report) -> String {
    // The model is plain data (strings, numbers, enums): serialisation cannot fail.
    serde_json::to_string_pretty(report).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}
