//! `mnctf scenarios`: every case study and its variants, a progress line each, and the
//! reports: `report.json` (canonical), `junit.xml` (CI), `report.md` (people).

use std::path::Path;
use std::time::Instant;

use reports::{Report, Verdict};
use scenarios::federation::Options;

/// Runs them all; `Ok(false)` when a case failed.
pub fn run(out: &Path, output: &crate::output::OutputArgs) -> anyhow::Result<bool> {
    output.check()?;
    let started = Instant::now();
    let report = run_quiet(out, true)?;
    crate::output::write(out, &report, output, None)?;
    let failed = report.cases().filter(|c| c.verdict.fails_run()).count();
    println!(
        "{} scenarios, {failed} failed, in {:.1} s; reports in {} (report.html, report.md, report.json, junit.xml)",
        report.cases().count(),
        started.elapsed().as_secs_f64(),
        out.display()
    );
    Ok(!report.failed())
}

/// Runs them all into a report, with progress lines if `progress`.
pub fn run_quiet(out: &Path, progress: bool) -> anyhow::Result<Report> {
    let run_dir = out.join("run");
    let _ = std::fs::remove_dir_all(&run_dir);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let report = runtime.block_on(scenarios::run_all(&run_dir, Options::default(), |case| {
        if progress {
            let mark = match case.verdict {
                Verdict::Passed => "ok  ",
                Verdict::Warning => "warn",
                Verdict::Skipped => "skip",
                Verdict::Failed | Verdict::NotImplemented => "FAIL",
            };
            println!(
                "{mark} {:<52} {:>6} ms  {}",
                case.id,
                case.duration_ms(),
                case.reason.as_deref().unwrap_or("")
            );
        }
    }));
    let _ = std::fs::remove_dir_all(&run_dir);
    let mut report = report;
    report.requirements = conformance::explain::texts(&report);
    Ok(report)
}
