//! The README's "Certify an SP" section, run as written: its first block of commands, in a
//! fresh folder holding `examples/`, with the built `mnctf` on the PATH. A vendor who
//! follows the README gets what this test gets.

#[path = "support/chromium.rs"]
mod chromium;

use std::path::Path;
use std::process::Command;

/// The first fenced block after the heading `heading` of the README.
fn first_block(readme: &str, heading: &str) -> Vec<String> {
    let section = readme
        .split(&format!("\n{heading}\n"))
        .nth(1)
        .unwrap_or_else(|| panic!("the README has no {heading:?}"));
    let block = section
        .split("```")
        .nth(1)
        .unwrap_or_else(|| panic!("{heading:?} has no code block"));
    block
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

#[test]
fn certify_an_sp_as_the_readme_says() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let lines = first_block(&readme, "## Certify an SP");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("mnctf test-sp --config examples/")),
        "the block runs the plan on an example: {lines:?}"
    );
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(root.join("examples"), dir.path().join("examples")).unwrap();
    let bin = Path::new(env!("CARGO_BIN_EXE_mnctf")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    // Background jobs (the example SP) end with the script, whatever happens.
    let script = format!(
        "set -e\ntrap 'kill $(jobs -p) 2>/dev/null || true' EXIT\n{}\n",
        lines.join("\n")
    );
    let out = Command::new("bash")
        .arg("-c")
        .arg(&script)
        .current_dir(dir.path())
        .env("PATH", path)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "the README's commands failed ({}):\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let report = std::fs::read_to_string(dir.path().join("out/test-sp/report.json"))
        .expect("the report is where the README says");
    let report: reports::Report = serde_json::from_str(&report).unwrap();
    let passed = report
        .cases()
        .filter(|c| c.verdict == reports::Verdict::Passed)
        .count();
    assert!(passed > 150, "{passed} PASSED:\n{stdout}");
    assert!(
        stdout.contains("example-sp:"),
        "the summary line names the SP:\n{stdout}"
    );
    let page = dir.path().join("out/test-sp/report.html");
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(
        html.contains("SP適合性試験") && html.contains("要件ごとの結果"),
        "Japanese first"
    );
    chromium::assert_no_debug_text(&html);
    let (drawn, total) = chromium::diagrams_drawn(&page);
    assert!(
        total > 150 && drawn == total,
        "{drawn} of {total} diagrams drawn"
    );
}
