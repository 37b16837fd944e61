//! The verdict matrix of `docs/conformance/verdict-matrix.md`, rendered from the
//! expected-results files (which CI holds every real SP to), so that the document cannot
//! drift from what the SPs were seen to do.

use reports::Verdict;

use crate::plan::{self, logout::LOGOUT_TESTS, request::CHECKS};
use crate::Expected;

/// Every test id of the plan, in plan order.
pub fn test_ids() -> Vec<&'static str> {
    CHECKS
        .iter()
        .map(|c| c.id)
        .chain(plan::all().iter().map(|t| t.id))
        .chain(LOGOUT_TESTS.iter().map(|t| t.id))
        .collect()
}

fn mark(v: Verdict) -> &'static str {
    match v {
        Verdict::Passed => "✅",
        Verdict::Failed => "❌",
        Verdict::Warning => "⚠️",
        Verdict::Skipped => "–",
        Verdict::NotImplemented => "not built",
    }
}

/// Every test id of the IdP plan for `role`, in plan order.
pub fn idp_test_ids(role: crate::idp::Role) -> Vec<&'static str> {
    if role == crate::idp::Role::AttributeAuthority {
        return crate::idp::authority_plan::AA_TESTS
            .iter()
            .map(|t| t.id)
            .collect();
    }
    crate::idp::plan::IDP_TESTS
        .iter()
        .filter(|t| t.is_for(role))
        .map(|t| t.id)
        .collect()
}

/// The SP plan's table (a row for each test not PASSED everywhere, a column for each SP)
/// and, per SP, the reason of each FAILED.
pub fn render(columns: &[(&str, &Expected)]) -> String {
    render_for(&test_ids(), columns)
}

/// The same for the tests `ids` (the IdP plan's, say), a column for each party.
pub fn render_for(ids: &[&str], columns: &[(&str, &Expected)]) -> String {
    let ids = ids.to_vec();
    let mut out = format!(
        "{} tests each. ✅ PASSED, ❌ FAILED, ⚠️ WARNING (allowed or harmless, but discouraged by the profile), – SKIPPED (does not apply). Every test not listed passed everywhere.\n\n",
        ids.len()
    );
    out.push_str("| test |");
    for (name, _) in columns {
        out.push_str(&format!(" {name} |"));
    }
    out.push_str("\n|---|");
    out.push_str(&"---|".repeat(columns.len()));
    out.push_str("\n| **passed / failed / warnings / skipped** |");
    for (_, e) in columns {
        let count = |want: Verdict| ids.iter().filter(|id| e.verdict(id).0 == want).count();
        out.push_str(&format!(
            " {} / {} / {} / {} |",
            count(Verdict::Passed),
            count(Verdict::Failed),
            count(Verdict::Warning),
            count(Verdict::Skipped)
        ));
    }
    out.push('\n');
    for id in &ids {
        let verdicts: Vec<Verdict> = columns.iter().map(|(_, e)| e.verdict(id).0).collect();
        if verdicts.iter().all(|v| *v == Verdict::Passed) {
            continue;
        }
        out.push_str(&format!("| `{id}` |"));
        for v in verdicts {
            out.push_str(&format!(" {} |", mark(v)));
        }
        out.push('\n');
    }
    out.push_str("\n## Why each FAILED\n");
    for (name, e) in columns {
        out.push_str(&format!("\n### {name}\n\n"));
        let failed: Vec<String> = ids
            .iter()
            .filter_map(|id| match e.verdict(id) {
                (Verdict::Failed, Some(why)) => Some(format!("- `{id}`: {why}\n")),
                _ => None,
            })
            .collect();
        if failed.is_empty() {
            out.push_str("No FAILED verdict.\n");
        }
        out.extend(failed);
    }
    out
}

/// `docs` with the text between the `begin` and `end` marker lines replaced by `body`;
/// None if the markers are missing.
pub fn splice_between(docs: &str, begin: &str, end: &str, body: &str) -> Option<String> {
    let start = docs.find(begin)? + begin.len();
    let stop = start + docs[start..].find(end)?;
    Some(format!("{}\n{body}{}", &docs[..start], &docs[stop..]))
}
