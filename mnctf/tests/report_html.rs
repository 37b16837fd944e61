//! `report.html` of the case studies, opened in a real browser with the network off: every
//! diagram is drawn, nothing is fetched, and the page reads Japanese first. Two runs of the
//! same code write the same pages but for the line that says when.

#[path = "support/chromium.rs"]
mod chromium;

use std::path::Path;
use std::process::Command;

/// A run of `mnctf scenarios` into a folder of its own.
fn scenarios() -> tempfile::TempDir {
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
    dir
}

/// The lines of `file` that differ between the folders `a` and `b`.
fn differing(a: &Path, b: &Path, file: &str) -> Vec<String> {
    let read = |d: &Path| std::fs::read_to_string(d.join(file)).unwrap();
    let (x, y) = (read(a), read(b));
    assert_eq!(
        x.lines().count(),
        y.lines().count(),
        "{file}: as many lines"
    );
    x.lines()
        .zip(y.lines())
        .filter(|(l, m)| l != m)
        .map(|(l, m)| format!("{l}\n{m}"))
        .collect()
}

/// "line a\nline b" cut to 200 characters around where a and b first differ.
fn around_difference(pair: &str) -> String {
    let (a, b) = pair.split_once('\n').unwrap_or((pair, ""));
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let at = a.iter().zip(&b).position(|(x, y)| x != y).unwrap_or(0);
    let cut = |v: &[char]| {
        v[at.saturating_sub(100)..(at + 100).min(v.len())]
            .iter()
            .collect::<String>()
    };
    format!("{}\n{}", cut(&a), cut(&b))
}

#[test]
fn two_runs_read_the_same_but_for_when() {
    let (a, b) = (scenarios(), scenarios());
    for file in ["report.html", "report.md"] {
        let diff = differing(a.path(), b.path(), file);
        // Each differing pair cut to where the lines part, so a long line shows what moved.
        let shown: Vec<String> = diff.iter().skip(1).map(|d| around_difference(d)).collect();
        assert!(
            diff.len() == 1,
            "{file}: only the generation line differs:\n{}",
            shown.join("\n\n")
        );
        assert!(diff[0].contains("Generated"), "{}", diff[0]);
    }
}

#[test]
fn the_case_study_report_draws_every_flow_offline() {
    let dir = scenarios();
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
    chromium::assert_no_debug_text(&html);
    let (drawn, total) = chromium::diagrams_drawn(&page);
    assert!(total >= 31, "a diagram per case at least: {total}");
    assert_eq!(drawn, total, "every diagram became a drawing");
}
