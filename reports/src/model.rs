//! The report model: plain data, serialisable.

use serde::{Deserialize, Serialize};

/// The outcome of a case or step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Verdict {
    /// The behaviour checked is as required.
    Passed,
    /// It is not.
    Failed,
    /// Allowed by the profile but discouraged.
    Warning,
    /// Not run, for the reason given.
    Skipped,
    /// The check is not built yet (never counted as passed).
    NotImplemented,
}

impl Verdict {
    /// Short English label.
    pub fn label(self) -> &'static str {
        match self {
            Self::Passed => "PASSED",
            Self::Failed => "FAILED",
            Self::Warning => "WARNING",
            Self::Skipped => "SKIPPED",
            Self::NotImplemented => "NOT IMPLEMENTED",
        }
    }

    /// Short Japanese label.
    pub fn label_ja(self) -> &'static str {
        match self {
            Self::Passed => "合格",
            Self::Failed => "不合格",
            Self::Warning => "警告",
            Self::Skipped => "未実施",
            Self::NotImplemented => "未実装",
        }
    }

    /// A mark for tables.
    pub fn mark(self) -> &'static str {
        match self {
            Self::Passed => "✅",
            Self::Failed => "❌",
            Self::Warning => "⚠️",
            Self::Skipped => "⏭️",
            Self::NotImplemented => "🚧",
        }
    }

    /// Whether a run with this verdict is a failing run.
    pub fn fails_run(self) -> bool {
        matches!(self, Self::Failed | Self::NotImplemented)
    }
}

/// Something exchanged or observed, kept as evidence.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// What it is (e.g. `GET /sso (AuthnRequest) → 302`).
    pub title: String,
    /// The content (decoded XML, a page, a log excerpt).
    pub content: String,
    /// Who sent it (a party of the flow; empty for an observation).
    #[serde(default)]
    pub from: String,
    /// Who received it.
    #[serde(default)]
    pub to: String,
    /// How long the exchange took, in milliseconds.
    #[serde(default)]
    pub duration_ms: u64,
}

impl Evidence {
    /// An observation that is not a message between parties.
    pub fn note(title: &str, content: &str) -> Self {
        Self {
            title: title.to_owned(),
            content: content.to_owned(),
            from: String::new(),
            to: String::new(),
            duration_ms: 0,
        }
    }

    /// Whether it is a message between two parties (drawn in flows).
    pub fn is_message(&self) -> bool {
        !self.from.is_empty() && !self.to.is_empty()
    }
}

/// One step of a case.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    /// What the step does, in English.
    pub name: String,
    /// The same in Japanese, if given.
    #[serde(default)]
    pub name_ja: Option<String>,
    /// The profile requirements it checks.
    pub requirements: Vec<String>,
    /// Its verdict.
    pub verdict: Verdict,
    /// What happened, in plain words.
    pub detail: String,
    /// Messages exchanged.
    pub evidence: Vec<Evidence>,
    /// How long it took, in milliseconds.
    pub duration_ms: u64,
}

/// One case: a scenario variant, a test of a plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Case {
    /// A stable identifier.
    pub id: String,
    /// What it shows, in English.
    pub title: String,
    /// The same in Japanese, if given.
    pub title_ja: Option<String>,
    /// Its verdict.
    pub verdict: Verdict,
    /// Why, when not passed.
    pub reason: Option<String>,
    /// Its steps.
    pub steps: Vec<Step>,
    /// For a FAILED or WARNING case: why it matters and what to change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub advice: Option<Advice>,
}

/// Why a weakness matters and how to fix it, in English and Japanese.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Advice {
    /// The attack or failure it allows.
    pub why: String,
    /// The same in Japanese.
    pub why_ja: String,
    /// What to change, for any implementation.
    pub fix: String,
    /// The same in Japanese.
    pub fix_ja: String,
    /// The setting or change in products we know, by product.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub products: Vec<ProductFix>,
}

/// The fix in one product.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductFix {
    /// The product (e.g. `Shibboleth SP`).
    pub product: String,
    /// The setting or change.
    pub fix: String,
}

/// A requirement a run cites, as the profile states it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequirementText {
    /// `TF-<AREA>-<NNN>`.
    pub id: String,
    /// MUST, SHOULD or MAY.
    pub level: String,
    /// The requirement, in the profile's words.
    pub text: String,
    /// Its summary in Japanese.
    pub summary_ja: String,
}

impl Step {
    /// A step not yet judged (NotImplemented until a verdict is set).
    pub fn new(name: &str, requirements: &[&str]) -> Self {
        Self {
            name: name.to_owned(),
            name_ja: None,
            requirements: requirements.iter().map(|r| (*r).to_owned()).collect(),
            verdict: Verdict::NotImplemented,
            detail: String::new(),
            evidence: Vec::new(),
            duration_ms: 0,
        }
    }
}

impl Case {
    /// A case not yet judged (NotImplemented until a verdict is set: never a silent pass).
    pub fn new(id: &str, title: &str) -> Self {
        Self {
            id: id.to_owned(),
            title: title.to_owned(),
            title_ja: None,
            verdict: Verdict::NotImplemented,
            reason: None,
            steps: Vec::new(),
            advice: None,
        }
    }

    /// Sets the verdict.
    pub fn verdict(mut self, verdict: Verdict) -> Self {
        self.verdict = verdict;
        self
    }

    /// Sets the reason (why it is not PASSED).
    pub fn with_reason(mut self, reason: impl Into<String>) -> Self {
        self.reason = Some(reason.into());
        self
    }

    /// The requirement IDs its steps check, each once, in order of appearance.
    pub fn requirements(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for r in self.steps.iter().flat_map(|s| s.requirements.iter()) {
            if !out.contains(&r.as_str()) {
                out.push(r);
            }
        }
        out
    }

    /// Total duration of its steps.
    pub fn duration_ms(&self) -> u64 {
        self.steps.iter().map(|s| s.duration_ms).sum()
    }
}

/// A group of cases.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suite {
    /// Its name.
    pub name: String,
    /// Its cases, in report order.
    pub cases: Vec<Case>,
}

/// A whole run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// What ran.
    pub title: String,
    /// When (RFC 3339).
    pub generated_at: String,
    /// Its suites.
    pub suites: Vec<Suite>,
    /// The text of the requirements its cases cite (filled by the producer).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requirements: Vec<RequirementText>,
}

impl Report {
    /// An empty report.
    pub fn new(title: &str, generated_at: &str) -> Self {
        Self {
            title: title.to_owned(),
            generated_at: generated_at.to_owned(),
            suites: Vec::new(),
            requirements: Vec::new(),
        }
    }

    /// The suite named `name`, created if needed.
    pub fn suite(&mut self, name: &str) -> &mut Suite {
        let at = match self.suites.iter().position(|s| s.name == name) {
            Some(i) => i,
            None => {
                self.suites.push(Suite {
                    name: name.to_owned(),
                    cases: Vec::new(),
                });
                self.suites.len() - 1
            }
        };
        &mut self.suites[at]
    }

    /// Every case.
    pub fn cases(&self) -> impl Iterator<Item = &Case> {
        self.suites.iter().flat_map(|s| s.cases.iter())
    }

    /// Counts per verdict, in the order of [`Verdict`].
    pub fn counts(&self) -> [(Verdict, usize); 5] {
        [
            Verdict::Passed,
            Verdict::Failed,
            Verdict::Warning,
            Verdict::Skipped,
            Verdict::NotImplemented,
        ]
        .map(|v| (v, self.cases().filter(|c| c.verdict == v).count()))
    }

    /// Per requirement (sorted by ID): how many cases citing it ended with each verdict
    /// (in the order of [`Verdict`]), and the ids of those that did not pass.
    pub fn by_requirement(&self) -> Vec<(String, [usize; 5], Vec<String>)> {
        let order = [
            Verdict::Passed,
            Verdict::Failed,
            Verdict::Warning,
            Verdict::Skipped,
            Verdict::NotImplemented,
        ];
        let mut rows: std::collections::BTreeMap<String, ([usize; 5], Vec<String>)> =
            std::collections::BTreeMap::new();
        for case in self.cases() {
            let slot = order.iter().position(|v| *v == case.verdict).unwrap_or(4);
            for r in case.requirements() {
                let row = rows.entry(r.to_owned()).or_default();
                row.0[slot] += 1;
                if case.verdict != Verdict::Passed {
                    row.1.push(case.id.clone());
                }
            }
        }
        rows.into_iter().map(|(r, (n, ids))| (r, n, ids)).collect()
    }

    /// The profile's text of requirement `id`, if the producer gave it.
    pub fn requirement(&self, id: &str) -> Option<&RequirementText> {
        self.requirements.iter().find(|r| r.id == id)
    }

    /// The FAILED and WARNING cases that carry advice, grouped by their advice (cases
    /// sharing one piece of advice together), in report order.
    pub fn advice_groups(&self) -> Vec<(&Advice, Vec<&Case>)> {
        let mut groups: Vec<(&Advice, Vec<&Case>)> = Vec::new();
        let flagged = self
            .cases()
            .filter(|c| matches!(c.verdict, Verdict::Failed | Verdict::Warning));
        for case in flagged {
            let Some(advice) = &case.advice else { continue };
            match groups.iter_mut().find(|(a, _)| *a == advice) {
                Some((_, cases)) => cases.push(case),
                None => groups.push((advice, vec![case])),
            }
        }
        groups
    }

    /// Whether the run fails (a FAILED or NOT IMPLEMENTED case).
    pub fn failed(&self) -> bool {
        self.cases().any(|c| c.verdict.fails_run())
    }
}
