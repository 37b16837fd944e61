//! `mnctf scenarios`: every case study and its variants, a progress line each, and the
//! reports: `report.json` (canonical), `junit.xml` (CI), `report.md` (people).

use std::path::Path;
use std::time::Instant;

use anyhow::Context as _;
use reports::{Report, Verdict};
use scenarios::federation::Options;

/// Runs them all; `Ok(false)` when a case failed.
pub fn run(out: &Path) -> anyhow::Result<bool> {
    let started = Instant::now();
    let report = run_quiet(out, true)?;
    write(out, &report)?;
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

fn write(out: &Path, report: &Report) -> anyhow::Result<()> {
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    std::fs::write(out.join("report.json"), reports::json(report))?;
    std::fs::write(out.join("junit.xml"), reports::junit::render(report))?;
    std::fs::write(out.join("report.md"), reports::markdown::render(report))?;
    std::fs::write(out.join("report.html"), reports::html::render(report))?;
    Ok(())
}
