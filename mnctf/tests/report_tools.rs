//! `mnctf report`: a planted verdict change shows in `report diff` (exit code 1) and in the
//! HTML of a run given `--baseline`; a signed evidence bundle verifies with `mnctf report
//! verify` and with openssl and sha256sum as docs say, and a byte changed anywhere fails both.

use std::path::Path;
use std::process::{Command, Output};

fn mnctf(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mnctf"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn a_planted_verdict_change_shows_in_report_diff_and_the_baseline_section() {
    let dir = tempfile::tempdir().unwrap();
    let run = mnctf(&["scenarios", "--out", "old"], dir.path());
    assert!(run.status.success(), "{}", text(&run));
    // Plant a regression: the first case FAILED now, as a broken build would make it.
    let json = std::fs::read_to_string(dir.path().join("old/report.json")).unwrap();
    let mut report: serde_json::Value = serde_json::from_str(&json).unwrap();
    let case = &mut report["suites"][0]["cases"][0];
    let id = case["id"].as_str().unwrap().to_owned();
    case["verdict"] = "FAILED".into();
    std::fs::create_dir_all(dir.path().join("new")).unwrap();
    std::fs::write(dir.path().join("new/report.json"), report.to_string()).unwrap();

    let same = mnctf(&["report", "diff", "old", "old/report.json"], dir.path());
    assert!(
        same.status.success() && text(&same).contains("no change"),
        "{}",
        text(&same)
    );
    let diff = mnctf(&["report", "diff", "old", "new"], dir.path());
    assert_eq!(
        diff.status.code(),
        Some(1),
        "a regression fails: {}",
        text(&diff)
    );
    assert!(
        text(&diff).contains(&format!("WORSE {id}: PASSED → FAILED")),
        "{}",
        text(&diff)
    );

    // A run compared with the planted one: the page shows the case moving back.
    let run = mnctf(
        &["scenarios", "--out", "again", "--baseline", "new"],
        dir.path(),
    );
    assert!(run.status.success(), "{}", text(&run));
    assert!(
        text(&run).contains(&format!("{id}: FAILED → PASSED")),
        "{}",
        text(&run)
    );
    let html = std::fs::read_to_string(dir.path().join("again/report.html")).unwrap();
    assert!(html.contains("前回との比較") && html.contains(&format!("#case-{id}")));
}

#[test]
fn a_tampered_bundle_fails_in_mnctf_and_in_openssl() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let run = mnctf(&["scenarios", "--out", "run", "--bundle", "run.tar"], d);
    assert!(run.status.success(), "{}", text(&run));
    let cert = mnctf(&["report", "test-cert"], d);
    std::fs::write(d.join("test.pem"), &cert.stdout).unwrap();
    let good = mnctf(&["report", "verify", "run.tar", "--cert", "test.pem"], d);
    assert!(good.status.success(), "{}", text(&good));
    assert!(
        openssl_accepts(d, "run.tar"),
        "openssl and sha256sum accept the bundle"
    );

    let bytes = std::fs::read(d.join("run.tar")).unwrap();
    // One byte of the verdicts, and one byte of the manifest itself.
    let verdict = bytes.windows(8).position(|w| w == b"\"PASSED\"").unwrap() + 1;
    let manifest = bytes
        .windows(12)
        .position(|w| w == b"  report.md\n")
        .unwrap()
        - 1;
    for (at, what) in [(verdict, "report.json"), (manifest, "manifest")] {
        let mut tampered = bytes.clone();
        tampered[at] ^= 0x01;
        std::fs::write(d.join("bad.tar"), &tampered).unwrap();
        let bad = mnctf(&["report", "verify", "bad.tar", "--cert", "test.pem"], d);
        assert_eq!(bad.status.code(), Some(1), "{what}: {}", text(&bad));
        assert!(text(&bad).contains("DOES NOT VERIFY"), "{}", text(&bad));
        assert!(
            !openssl_accepts(d, "bad.tar"),
            "{what}: openssl or sha256sum refuses"
        );
    }
}

/// The README's commands: unpack, check the manifest's signature, check the digests.
fn openssl_accepts(d: &Path, bundle: &str) -> bool {
    let script = format!(
        "set -e; rm -rf x; mkdir x; tar -xf {bundle} -C x; openssl x509 -in test.pem -pubkey -noout > pub.pem; cd x; openssl dgst -sha256 -verify ../pub.pem -signature manifest.sha256.sig manifest.sha256; sha256sum --quiet -c manifest.sha256"
    );
    Command::new("bash")
        .args(["-c", &script])
        .current_dir(d)
        .output()
        .unwrap()
        .status
        .success()
}
