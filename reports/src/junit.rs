//! JUnit XML for CI tools: one testsuite per suite, one testcase per case; FAILED and
//! NOT IMPLEMENTED are failures, SKIPPED is skipped, WARNING passes with a system-out note.

use crate::esc;
use crate::model::{Report, Verdict};

/// Renders the report as JUnit XML.
pub fn render(report: &Report) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let total = report.cases().count();
    let failures = report.cases().filter(|c| c.verdict.fails_run()).count();
    let skipped = report
        .cases()
        .filter(|c| c.verdict == Verdict::Skipped)
        .count();
    out.push_str(&format!("<testsuites name=\"{}\" tests=\"{total}\" failures=\"{failures}\" skipped=\"{skipped}\">\n", esc(&report.title)));
    for suite in &report.suites {
        let f = suite.cases.iter().filter(|c| c.verdict.fails_run()).count();
        let s = suite
            .cases
            .iter()
            .filter(|c| c.verdict == Verdict::Skipped)
            .count();
        let time: u64 = suite.cases.iter().map(|c| c.duration_ms()).sum();
        out.push_str(&format!(
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{f}\" errors=\"0\" skipped=\"{s}\" time=\"{:.3}\">\n",
            esc(&suite.name),
            suite.cases.len(),
            time as f64 / 1000.0
        ));
        for case in &suite.cases {
            let name = format!("{} [{}]", case.title, case.requirements().join(", "));
            out.push_str(&format!(
                "    <testcase classname=\"{}\" name=\"{}\" time=\"{:.3}\"",
                esc(&format!("{}.{}", suite.name, case.id)),
                esc(&name),
                case.duration_ms() as f64 / 1000.0
            ));
            let reason = case.reason.as_deref().unwrap_or("");
            match case.verdict {
                Verdict::Passed => out.push_str("/>\n"),
                Verdict::Warning => out.push_str(&format!("><system-out>WARNING: {}</system-out></testcase>\n", esc(reason))),
                Verdict::Skipped => out.push_str(&format!("><skipped message=\"{}\"/></testcase>\n", esc(reason))),
                Verdict::Failed => out.push_str(&format!("><failure message=\"{}\" type=\"FAILED\">{}</failure></testcase>\n", esc(reason), esc(&details(case)))),
                Verdict::NotImplemented => out.push_str(&format!("><failure message=\"not implemented: {}\" type=\"NOT_IMPLEMENTED\"/></testcase>\n", esc(reason))),
            }
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

/// The steps, then why the failure matters and how to fix it, when the case says.
fn details(case: &crate::model::Case) -> String {
    let mut lines: Vec<String> = case
        .steps
        .iter()
        .map(|s| format!("{} {}: {}", s.verdict.label(), s.name, s.detail))
        .collect();
    if let Some(a) = &case.advice {
        lines.push(format!("Why it matters: {}", a.why));
        lines.push(format!("How to fix: {}", a.fix));
        lines.extend(
            a.products
                .iter()
                .map(|p| format!("  {}: {}", p.product, p.fix)),
        );
    }
    lines.join("\n")
}
