//! The source document's case studies, runnable: each starts a federation on loopback
//! ([`federation::Federation`]: CA, platform, CATV IdP, e-application system, portal,
//! bank, and the operator's signed aggregate), drives users with virtual cards through
//! it ([`user::User`]), and writes down every step with the requirement IDs it checks,
//! its verdict and the messages exchanged ([`scenario::Scenario`]) into a
//! [`reports::Report`].
//!
//! ```no_run
//! # async fn run() {
//! let report = scenarios::run_all(std::path::Path::new("out/run"), scenarios::federation::Options::default(), |_| {}).await;
//! assert!(!report.failed());
//! # }
//! ```
//!
//! Architecture invariant: scenarios judge by what a party did (a session exists, a page
//! says paid, a card signed once), never by a status code alone; a step that cannot run
//! is FAILED, never skipped silently.

#![warn(missing_docs)]
#![forbid(unsafe_code)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::panic))]

pub use cardholder as card;
pub use user_agent as browser;
mod cases;
pub mod federation;
pub mod scenario;
pub mod tap;
pub mod user;

use std::path::Path;

use reports::{Case, Report};

use crate::federation::{Federation, Options};

/// A suite: a case study, with its variants.
pub struct Suite {
    /// Its name in the report.
    pub name: &'static str,
    /// The variants' ids, in order.
    pub cases: &'static [&'static str],
}

/// Every suite, in report order.
pub const SUITES: [Suite; 6] = [
    Suite {
        name: cases::sso::SUITE,
        cases: cases::sso::CASES,
    },
    Suite {
        name: cases::banking::SUITE,
        cases: cases::banking::CASES,
    },
    Suite {
        name: cases::catv::SUITE,
        cases: cases::catv::CASES,
    },
    Suite {
        name: cases::federation::SUITE,
        cases: cases::federation::CASES,
    },
    Suite {
        name: cases::renewal::SUITE,
        cases: cases::renewal::CASES,
    },
    Suite {
        name: cases::proxy::SUITE,
        cases: cases::proxy::CASES,
    },
];

/// Runs every suite on a federation of its own (files under `dir`); `progress` sees
/// each case as it ends.
pub async fn run_all(dir: &Path, options: Options, mut progress: impl FnMut(&Case)) -> Report {
    let now = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let mut report = Report::new("My Number Card trust framework: case studies / マイナンバーカード・トラストフレームワーク 事例", &now);
    for (i, suite) in SUITES.iter().enumerate() {
        let cases = run_suite(&dir.join(format!("suite-{i}")), suite, options.clone()).await;
        for case in cases {
            progress(&case);
            report.suite(suite.name).cases.push(case);
        }
    }
    report
}

/// Runs one suite.
pub async fn run_suite(dir: &Path, suite: &Suite, options: Options) -> Vec<Case> {
    let fed = match Federation::start(dir, options).await {
        Ok(f) => f,
        Err(e) => {
            // Nothing could run: every variant fails with the reason.
            return suite
                .cases
                .iter()
                .map(|id| {
                    let mut s = scenario::Scenario::new(
                        id,
                        "the federation did not start",
                        "フェデレーションが起動しませんでした",
                    );
                    s.record(
                        ("start the federation", "フェデレーションを起動する"),
                        &[],
                        Err(e.to_string()),
                        Vec::new(),
                    );
                    s.finish()
                })
                .collect();
        }
    };
    let mut out = Vec::new();
    for id in suite.cases {
        out.push(cases::run(&fed, id).await);
    }
    out
}
