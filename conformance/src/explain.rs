//! What makes a report explain itself: each case's Japanese title, the advice for each
//! FAILED or WARNING case ([`crate::advice`]), and the profile's text of every requirement
//! the report cites. Applied once, to the finished report of every plan.

use reports::{Report, RequirementText, Verdict};

/// Completes `report` in place.
pub fn annotate(report: &mut Report) {
    for case in report.suites.iter_mut().flat_map(|s| s.cases.iter_mut()) {
        if case.title_ja.is_none() {
            case.title_ja = about(&case.id).map(|t| t.title_ja.to_owned());
        }
        if matches!(case.verdict, Verdict::Failed | Verdict::Warning) && case.advice.is_none() {
            case.advice = crate::advice::for_test(&case.id).map(|e| e.advice());
        }
    }
    report.requirements = texts(report);
}

/// The profile's text of every requirement `report` cites.
pub fn texts(report: &Report) -> Vec<RequirementText> {
    let cases: Vec<&reports::Case> = report.cases().collect();
    trust_framework::profile::cited(cases.iter().flat_map(|c| c.requirements()))
        .into_iter()
        .map(|r| {
            let (level, text) = r.text().unwrap_or(("MUST", r.summary));
            RequirementText {
                id: r.id.into(),
                level: level.into(),
                text: text.into(),
                summary_ja: r.summary_ja.into(),
            }
        })
        .collect()
}

/// A test of any plan as a person reads about it.
#[derive(Clone, Copy, Debug)]
pub struct About {
    /// Its id.
    pub id: &'static str,
    /// What it does, in English.
    pub title: &'static str,
    /// The same in Japanese.
    pub title_ja: &'static str,
    /// The requirements it checks.
    pub requirements: &'static [&'static str],
}

/// Every test of the SP plan, in report order: the AuthnRequest's checks, the crafted
/// Responses, the logouts.
pub fn sp_tests() -> impl Iterator<Item = About> {
    let checks = crate::plan::request::CHECKS.iter().map(|c| About {
        id: c.id,
        title: c.title,
        title_ja: c.title_ja,
        requirements: c.requirements,
    });
    let responses = crate::plan::all().iter().map(|t| About {
        id: t.id,
        title: t.title,
        title_ja: t.title_ja,
        requirements: t.requirements,
    });
    let logouts = crate::plan::logout::LOGOUT_TESTS.iter().map(|t| About {
        id: t.id,
        title: t.title,
        title_ja: t.title_ja,
        requirements: t.requirements,
    });
    checks.chain(responses).chain(logouts)
}

/// Every test of the IdP plans (card IdPs, then the attribute authority).
pub fn idp_tests() -> impl Iterator<Item = About> {
    let idp = crate::idp::plan::IDP_TESTS.iter().map(|t| About {
        id: t.id,
        title: t.title,
        title_ja: t.title_ja,
        requirements: t.requirements,
    });
    let aa = crate::idp::authority_plan::AA_TESTS.iter().map(|t| About {
        id: t.id,
        title: t.title,
        title_ja: t.title_ja,
        requirements: t.requirements,
    });
    idp.chain(aa)
}

/// The test `id` of any plan.
pub fn about(id: &str) -> Option<About> {
    sp_tests().chain(idp_tests()).find(|t| t.id == id)
}

/// Everything the suite can say about test `id`, as text for a terminal: titles, the
/// requirements' text, why a FAILED matters and how to fix it.
pub fn describe(id: &str) -> Option<String> {
    let t = about(id)?;
    let mut out = format!(
        "{}\n  {}\n  {}\n\nRequirements / 要件:\n",
        t.id, t.title, t.title_ja
    );
    for r in t
        .requirements
        .iter()
        .filter_map(|r| trust_framework::profile::find(r))
    {
        let (level, text) = r.text().unwrap_or(("MUST", r.summary));
        out.push_str(&format!(
            "  {} ({level}): {text}\n    {}\n",
            r.id, r.summary_ja
        ));
    }
    if let Some(e) = crate::advice::for_test(id) {
        out.push_str(&format!(
            "\nWhy a FAILED matters / 問題点:\n  {}\n  {}\n\nHow to fix / 修正方法:\n  {}\n  {}\n",
            e.why, e.why_ja, e.fix, e.fix_ja
        ));
        for (product, fix) in e.products {
            out.push_str(&format!("  - {product}: {fix}\n"));
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_test_has_both_titles_its_requirements_text_and_advice() {
        let all: Vec<About> = sp_tests().chain(idp_tests()).collect();
        assert!(all.len() > 200, "{} tests", all.len());
        for t in &all {
            let kana = |s: &str| s.chars().any(|c| ('\u{3041}'..='\u{30ff}').contains(&c));
            let cjk = |s: &str| !s.is_ascii();
            assert!(!t.title.is_empty() && !kana(t.title), "{}: title", t.id);
            assert!(cjk(t.title_ja), "{}: title_ja {:?}", t.id, t.title_ja);
            assert!(!t.requirements.is_empty(), "{}: no requirement", t.id);
            for r in t.requirements {
                let req = trust_framework::profile::find(r);
                assert!(
                    req.and_then(|r| r.text()).is_some(),
                    "{}: {r} has no text",
                    t.id
                );
            }
            let text = describe(t.id).unwrap_or_default();
            assert!(text.contains("How to fix"), "{}: no advice", t.id);
        }
    }

    #[test]
    fn annotate_explains_failed_and_warning_cases_only() {
        use reports::{Case, Step};
        let mut report = Report::new("t", "now");
        for (id, v) in [
            ("replay", Verdict::Failed),
            ("sig-none", Verdict::Passed),
            ("unsolicited", Verdict::Warning),
        ] {
            let mut case = Case::new(id, "x").verdict(v);
            case.steps.push(Step::new(
                "s",
                about(id).map(|a| a.requirements).unwrap_or(&[]),
            ));
            report.suite("s").cases.push(case);
        }
        annotate(&mut report);
        let cases: Vec<_> = report.cases().collect();
        assert!(cases[0]
            .advice
            .as_ref()
            .is_some_and(|a| a.fix.contains("Assertion ID")));
        assert!(cases[1].advice.is_none());
        assert!(cases[2].advice.is_some());
        assert!(cases.iter().all(|c| c.title_ja.is_some()));
        let ids: Vec<&str> = report.requirements.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["TF-SP-001", "TF-SP-004", "TF-SP-009"]);
    }
}
