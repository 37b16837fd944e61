//! How a scenario is written down as it runs: named steps, each checking requirement
//! IDs of the profile, with a verdict from what happened and the messages exchanged as
//! evidence. A case passes only if every step passed; a step that could not run fails.

use std::time::Instant;

use reports::{Case, Evidence, Step, Verdict};

use crate::user::User;

/// A scenario variant being run.
pub struct Scenario {
    case: Case,
    since: Instant,
}

impl Scenario {
    /// A new case `id` with its English and Japanese titles.
    pub fn new(id: &str, title: &str, title_ja: &str) -> Self {
        let mut case = Case::new(id, title);
        case.title_ja = Some(title_ja.to_owned());
        Self {
            case,
            since: Instant::now(),
        }
    }

    /// Records a step: PASSED with `Ok(what happened)`, FAILED with `Err(what happened)`;
    /// the evidence is what `users` exchanged since the last step.
    pub fn step(
        &mut self,
        name: (&str, &str),
        requirements: &[&str],
        outcome: Result<String, String>,
        users: &[&User],
    ) {
        let evidence: Vec<Evidence> = users.iter().flat_map(|u| u.evidence()).collect();
        self.record(name, requirements, outcome, evidence);
    }

    /// Records a step with evidence given directly (messages not seen by a user agent).
    pub fn record(
        &mut self,
        name: (&str, &str),
        requirements: &[&str],
        outcome: Result<String, String>,
        evidence: Vec<Evidence>,
    ) {
        let mut step = Step::new(name.0, requirements);
        step.name_ja = Some(name.1.to_owned());
        let (verdict, detail) = match outcome {
            Ok(d) => (Verdict::Passed, d),
            Err(d) => (Verdict::Failed, d),
        };
        step.verdict = verdict;
        step.detail = detail;
        step.evidence = evidence;
        step.duration_ms = u64::try_from(self.since.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.since = Instant::now();
        self.case.steps.push(step);
    }

    /// The case, judged: PASSED if every step passed, else FAILED with the first
    /// failed step as the reason.
    pub fn finish(mut self) -> Case {
        let failed = self
            .case
            .steps
            .iter()
            .find(|s| s.verdict != Verdict::Passed);
        self.case.verdict = match (failed, self.case.steps.is_empty()) {
            (_, true) => Verdict::NotImplemented,
            (Some(_), _) => Verdict::Failed,
            (None, false) => Verdict::Passed,
        };
        self.case.reason = failed.map(|s| format!("{}: {}", s.name, s.detail));
        self.case
    }
}

/// `Ok(ok)` when `cond`, else `Err(bad)`.
pub fn expect(cond: bool, ok: impl Into<String>, bad: impl Into<String>) -> Result<String, String> {
    if cond {
        Ok(ok.into())
    } else {
        Err(bad.into())
    }
}

/// An optional value in a step's detail: the value, or "none" (also for an empty one).
pub fn or_none(o: Option<&str>) -> &str {
    o.filter(|v| !v.is_empty()).unwrap_or("none")
}

/// An optional value with its name: "profession 税理士", or "no profession" (also for
/// an empty one).
pub fn named(what: &str, o: Option<&str>) -> String {
    match o.filter(|v| !v.is_empty()) {
        Some(v) => format!("{what} {v}"),
        None => format!("no {what}"),
    }
}

/// An outcome in words: `done` ("loaded"), or `failed` and the error ("refused: …").
pub fn outcome<T, E: std::fmt::Display>(r: &Result<T, E>, done: &str, failed: &str) -> String {
    match r {
        Ok(_) => done.to_owned(),
        Err(e) => format!("{failed}: {e}"),
    }
}
