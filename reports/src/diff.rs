//! What changed between two runs: verdicts that moved, cases added or removed, and the
//! requirements whose counts moved. A regression is a case that now fails the run (FAILED
//! or NOT IMPLEMENTED) and did not before, or a case that disappeared.

use std::collections::BTreeMap;

use crate::model::{Report, Verdict};

/// The changes from `old` to `new`.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Diff {
    /// (case id, old verdict, new verdict), in the new report's order.
    pub changed: Vec<(String, Verdict, Verdict)>,
    /// Case ids only the new report has.
    pub added: Vec<String>,
    /// Case ids only the old report has.
    pub removed: Vec<String>,
    /// (requirement, old counts, new counts) for each requirement whose counts moved, in
    /// the order of [`Verdict`].
    pub requirements: Vec<(String, [usize; 5], [usize; 5])>,
}

impl Diff {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// The cases that got worse: now failing the run and not before, or gone.
    pub fn regressions(&self) -> Vec<String> {
        let worse = self
            .changed
            .iter()
            .filter(|(_, old, new)| new.fails_run() && !old.fails_run())
            .map(|(id, _, _)| id.clone());
        worse.chain(self.removed.iter().cloned()).collect()
    }
}

/// Compares two runs' reports, case by case (by id).
pub fn compare(old: &Report, new: &Report) -> Diff {
    let before: BTreeMap<&str, Verdict> = old.cases().map(|c| (c.id.as_str(), c.verdict)).collect();
    let after: BTreeMap<&str, Verdict> = new.cases().map(|c| (c.id.as_str(), c.verdict)).collect();
    let mut diff = Diff::default();
    for case in new.cases() {
        match before.get(case.id.as_str()) {
            Some(v) if *v != case.verdict => diff.changed.push((case.id.clone(), *v, case.verdict)),
            Some(_) => {}
            None => diff.added.push(case.id.clone()),
        }
    }
    diff.removed = old
        .cases()
        .filter(|c| !after.contains_key(c.id.as_str()))
        .map(|c| c.id.clone())
        .collect();
    let counts = |r: &Report| -> BTreeMap<String, [usize; 5]> {
        r.by_requirement()
            .into_iter()
            .map(|(id, n, _)| (id, n))
            .collect()
    };
    let (a, b) = (counts(old), counts(new));
    let ids: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    for id in ids {
        let (x, y) = (
            a.get(id).copied().unwrap_or_default(),
            b.get(id).copied().unwrap_or_default(),
        );
        if x != y {
            diff.requirements.push((id.clone(), x, y));
        }
    }
    diff
}

/// The counts in words: `12 PASSED, 1 FAILED`.
fn counts(n: &[usize; 5]) -> String {
    let order = [
        Verdict::Passed,
        Verdict::Failed,
        Verdict::Warning,
        Verdict::Skipped,
        Verdict::NotImplemented,
    ];
    let parts: Vec<String> = order
        .iter()
        .zip(n)
        .filter(|(_, k)| **k > 0)
        .map(|(v, k)| format!("{k} {}", v.label()))
        .collect();
    if parts.is_empty() {
        "none".into()
    } else {
        parts.join(", ")
    }
}

/// The diff as lines for a terminal.
pub fn render_text(diff: &Diff) -> String {
    if diff.is_empty() {
        return "no change: every case has the verdict it had\n".into();
    }
    let mut out = String::new();
    for (id, old, new) in &diff.changed {
        let mark = if new.fails_run() && !old.fails_run() {
            "WORSE "
        } else {
            "      "
        };
        out.push_str(&format!("{mark}{id}: {} → {}\n", old.label(), new.label()));
    }
    for id in &diff.added {
        out.push_str(&format!("added   {id}\n"));
    }
    for id in &diff.removed {
        out.push_str(&format!("REMOVED {id}\n"));
    }
    for (id, old, new) in &diff.requirements {
        out.push_str(&format!("{id}: {} → {}\n", counts(old), counts(new)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Case, Step};

    fn run(verdicts: &[(&str, Verdict)]) -> Report {
        let mut r = Report::new("t", "now");
        for (id, v) in verdicts {
            let mut case = Case::new(id, id).verdict(*v);
            case.steps.push(Step::new("s", &["TF-SP-004"]));
            r.suite("s").cases.push(case);
        }
        r
    }

    #[test]
    fn a_planted_change_shows_and_counts_as_a_regression() {
        use Verdict::*;
        let old = run(&[("replay", Passed), ("xsw1", Failed), ("gone", Passed)]);
        let new = run(&[("replay", Failed), ("xsw1", Passed), ("new", Warning)]);
        let d = compare(&old, &new);
        assert_eq!(
            d.changed,
            [
                ("replay".into(), Passed, Failed),
                ("xsw1".into(), Failed, Passed)
            ]
        );
        assert_eq!(
            (d.added.as_slice(), d.removed.as_slice()),
            (&["new".to_owned()][..], &["gone".to_owned()][..])
        );
        assert_eq!(d.regressions(), ["replay", "gone"]);
        let text = render_text(&d);
        assert!(text.contains("WORSE replay: PASSED → FAILED"), "{text}");
        assert!(
            text.contains("TF-SP-004: 2 PASSED, 1 FAILED → 1 PASSED, 1 FAILED, 1 WARNING"),
            "{text}"
        );
        assert!(compare(&new, &new).is_empty());
    }
}
