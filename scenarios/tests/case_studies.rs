//! Every case study and variant on loopback federations: all pass; the Markdown report
//! reads the same from run to run (snapshot, run-dependent values redacted); a check
//! broken on purpose makes its variant fail; the JUnit file is read by a CI tool's parser.

use std::process::Command;

use mock_sp::bank::BankDanger;
use reports::Verdict;
use scenarios::federation::Options;

#[tokio::test(flavor = "multi_thread")]
async fn every_case_study_passes_and_the_report_reads_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let report = scenarios::run_all(dir.path(), Options::default(), |_| {}).await;
    let expected: usize = scenarios::SUITES.iter().map(|s| s.cases.len()).sum();
    assert_eq!(report.cases().count(), expected);
    for case in report.cases() {
        assert_eq!(
            case.verdict,
            Verdict::Passed,
            "{}: {:?}",
            case.id,
            case.reason
        );
        assert!(case.steps.len() >= 2, "{} checks too little", case.id);
        assert!(
            !case.requirements().is_empty(),
            "{} cites no requirement",
            case.id
        );
        for r in case.requirements() {
            assert!(
                trust_framework::profile::find(r).is_some(),
                "{}: {r} is not in the profile",
                case.id
            );
        }
    }
    // Evidence: the SAML messages were captured decoded.
    let json = reports::json(&report);
    assert!(json.contains("samlp:AuthnRequest") || json.contains("AuthnRequest xmlns"));
    assert!(json.contains("pay:PaymentNotice"));
    insta::assert_snapshot!(reports::redact::redact(&reports::markdown::render(&report)));
    junit_is_read_by_a_ci_parser(&report, dir.path());
}

/// junitparser (PyPI, installed by scripts/setup) reads the file with our counts.
fn junit_is_read_by_a_ci_parser(report: &reports::Report, dir: &std::path::Path) {
    let path = dir.join("junit.xml");
    std::fs::write(&path, reports::junit::render(report)).unwrap();
    let script = "import sys, junitparser\nx = junitparser.JUnitXml.fromfile(sys.argv[1])\ncases = [c for s in x for c in s]\nbad = [c for c in cases if not c.is_passed]\nprint(len(cases), len(bad))";
    let out = Command::new("python3")
        .args(["-c", script, path.to_str().unwrap()])
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "junitparser: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("{} 0", report.cases().count())
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bank_that_ignores_the_session_binding_fails_its_variant() {
    let dir = tempfile::tempdir().unwrap();
    let suite = scenarios::SUITES
        .iter()
        .find(|s| s.cases.contains(&"bank.other-persons-application-refused"))
        .unwrap();
    let broken = Options {
        bank_danger: BankDanger {
            danger_ignore_session_binding: true,
        },
        ..Options::default()
    };
    let cases = scenarios::run_suite(dir.path(), suite, broken).await;
    for case in &cases {
        let expected = if case.id == "bank.other-persons-application-refused" {
            Verdict::Failed
        } else {
            Verdict::Passed
        };
        assert_eq!(case.verdict, expected, "{}: {:?}", case.id, case.reason);
    }
    let failed = cases.iter().find(|c| c.verdict == Verdict::Failed).unwrap();
    assert!(
        failed
            .reason
            .as_deref()
            .unwrap_or_default()
            .contains("the other person could pay it"),
        "{:?}",
        failed.reason
    );
}
