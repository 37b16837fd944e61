//! `report.html` of the case studies, opened in a real browser with the network off: every
//! diagram is drawn, nothing is fetched, and the page reads Japanese first.

#[path = "support/chromium.rs"]
mod chromium;

use std::process::Command;

#[test]
fn the_case_study_report_draws_every_flow_offline() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_mnctf"))
        .args(["scenarios", "--out"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let page = dir.path().join("report.html");
    let html = std::fs::read_to_string(&page).unwrap();
    for fetch in [" src=", "<link", "@import", "url(http"] {
        assert!(
            !html.contains(fetch),
            "the page would fetch something: {fetch}"
        );
    }
    assert!(html.contains("<html lang=\"ja\">"));
    assert!(
        html.contains("電子申請システム"),
        "parties named in Japanese"
    );
    let (drawn, total) = chromium::diagrams_drawn(&page);
    assert!(total >= 31, "a diagram per case at least: {total}");
    assert_eq!(drawn, total, "every diagram became a drawing");
}
