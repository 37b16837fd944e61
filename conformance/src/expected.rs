//! Expected results (rustls' BoGo config in spirit): for one SP, which tests are known
//! not to pass, each with a reason. A run fails when a result differs from it in either
//! direction: a new failure, or an expected failure that did not happen.

use std::path::Path;

use reports::{Report, Verdict};
use serde::Deserialize;

use crate::ConfigError;

/// One entry: a test id or a `prefix*` glob, the verdict expected, and why.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// Test id, or a prefix ending in `*`.
    pub test: String,
    /// `FAILED`, `WARNING` or `SKIPPED`.
    pub verdict: Verdict,
    /// Why (mandatory: an entry without a reason is refused).
    pub reason: String,
}

/// The file.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expected {
    /// The entries.
    #[serde(default)]
    pub expect: Vec<Entry>,
}

impl Expected {
    /// Reads a file.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ConfigError(format!("{}: {e}", path.display())))?;
        let e: Self =
            toml::from_str(&text).map_err(|e| ConfigError(format!("{}: {e}", path.display())))?;
        if let Some(bad) = e.expect.iter().find(|x| x.reason.trim().is_empty()) {
            return Err(ConfigError(format!(
                "{}: {} has no reason",
                path.display(),
                bad.test
            )));
        }
        Ok(e)
    }

    /// What `id` is expected to end as (PASSED when no entry names it).
    pub fn verdict(&self, id: &str) -> (Verdict, Option<&str>) {
        self.expect
            .iter()
            .find(|e| match e.test.strip_suffix('*') {
                Some(prefix) => id.starts_with(prefix),
                None => e.test == id,
            })
            .map_or((Verdict::Passed, None), |e| {
                (e.verdict, Some(e.reason.as_str()))
            })
    }

    /// A variant of a configuration: `self`'s entries for the tests `variant` covers
    /// (ids starting with `prefix`), the `base` file's for the rest.
    pub fn over(self, base: &Expected, prefix: &str) -> Expected {
        let mut expect = self.expect;
        expect.extend(
            base.expect
                .iter()
                .filter(|e| !e.test.starts_with(prefix))
                .cloned(),
        );
        Expected { expect }
    }

    /// Every case whose verdict differs from the expectation: (id, expected, got).
    pub fn differences(&self, report: &Report) -> Vec<(String, Verdict, Verdict)> {
        report
            .cases()
            .filter(|c| c.id != "preflight")
            .filter_map(|c| {
                let (want, _) = self.verdict(&c.id);
                (want != c.verdict).then(|| (c.id.clone(), want, c.verdict))
            })
            .collect()
    }
}
