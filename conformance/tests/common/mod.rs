//! What the hostile-party tests share.

use reports::Verdict;

/// A failed preflight's reason, after checking that every test is SKIPPED with it (never
/// PASSED) and that the JUnit report is still written.
pub fn preflight_reason(report: &reports::Report) -> String {
    let pre = report.cases().find(|c| c.id == "preflight").unwrap();
    assert_eq!(pre.verdict, Verdict::Failed);
    assert!(
        report
            .cases()
            .filter(|c| c.id != "preflight")
            .all(|c| c.verdict == Verdict::Skipped),
        "after a failed preflight every test is SKIPPED with the reason, never PASSED"
    );
    assert!(reports::junit::render(report).contains("<testsuites"));
    pre.reason.clone().unwrap_or_default()
}
