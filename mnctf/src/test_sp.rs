//! `mnctf test-sp`: certify an SP. The suite plays the IdP (`mnctf test-sp metadata`
//! prints what to install in the SP) and the browser, runs the plan, writes the reports,
//! and compares the verdicts with the SP's expected-results file when it has one.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::{Args, Subcommand};
use conformance::{Expected, SuiteIdp, SutConfig};
use reports::Verdict;

#[derive(Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct TestSp {
    #[command(subcommand)]
    command: Option<TestSpCommand>,
    /// The SP under test (sut.toml).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Where to write the reports.
    #[arg(long, default_value = "out/test-sp")]
    out: PathBuf,
    /// The suite IdP's base URL (its entityID and SSO URL hang off it; nothing listens
    /// there: the suite's browser stops before it).
    #[arg(long, default_value = DEFAULT_SUITE_URL)]
    suite_url: String,
    /// Print the plan (id, requirements, title) and stop.
    #[arg(long)]
    list: bool,
    /// Print what a test checks, why a FAILED matters and how to fix it, and stop.
    #[arg(long, value_name = "TEST")]
    explain: Option<String>,
    /// Run only the tests whose id starts with one of these (comma-separated); replaces
    /// `only` in the configuration.
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
    #[command(flatten)]
    output: crate::output::OutputArgs,
}

#[derive(Subcommand)]
enum TestSpCommand {
    /// Print the suite IdP's metadata, to install in the SP under test.
    Metadata {
        /// The suite IdP's base URL.
        #[arg(long, default_value = DEFAULT_SUITE_URL)]
        suite_url: String,
    },
}

/// Where the suite's IdP lives by default.
pub const DEFAULT_SUITE_URL: &str = "http://127.0.0.1:18500";

pub fn run(args: TestSp) -> anyhow::Result<bool> {
    if let Some(TestSpCommand::Metadata { suite_url }) = args.command {
        println!("{}", SuiteIdp::new(&suite_url)?.metadata());
        return Ok(true);
    }
    if let Some(id) = &args.explain {
        return explain(id);
    }
    if args.list {
        print_lines(conformance::explain::sp_tests().map(|t| {
            let reqs = t.requirements.join(",");
            format!("{:<44} {reqs:<28} {}", t.id, t.title)
        }));
        return Ok(true);
    }
    let path = args
        .config
        .context("give --config sut.toml (or `mnctf test-sp metadata`)")?;
    let mut config = SutConfig::load(&path)?;
    if !args.only.is_empty() {
        config.only = args.only;
        config.check()?;
    }
    let idp = SuiteIdp::new(&args.suite_url)?;
    prepare_out(&args.out)?;
    args.output.check()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let started = std::time::Instant::now();
    let report = runtime.block_on(conformance::run(&config, &idp, |case| {
        println!(
            "{:<8} {:<44} {}",
            case.verdict.label(),
            case.id,
            case.reason.as_deref().unwrap_or("")
        );
    }))?;
    crate::output::write(&args.out, &report, &args.output, Some(&path))?;
    conclude(
        &config.name,
        &report,
        config.expected.as_deref(),
        &args.out,
        started,
    )
}

/// Prints what the suite knows about test `id` (any plan's); an unknown id is an error.
pub fn explain(id: &str) -> anyhow::Result<bool> {
    match conformance::explain::describe(id) {
        Some(text) => {
            print!("{text}");
            Ok(true)
        }
        None => anyhow::bail!("no test is named {id:?} (--list shows the plan)"),
    }
}

/// Prints `lines`; a closed pipe (`| head`) ends the listing quietly.
pub fn print_lines(lines: impl Iterator<Item = String>) {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    for line in lines {
        if writeln!(out, "{line}").is_err() {
            break;
        }
    }
}

/// Prints the counts and compares with the expected-results file, if any: `Ok(true)` when
/// the run is as expected (or, without a file, nothing FAILED); an error (exit code 2)
/// when the checks before the run failed, so nothing was judged.
pub fn conclude(
    name: &str,
    report: &reports::Report,
    expected: Option<&Path>,
    out: &Path,
    started: std::time::Instant,
) -> anyhow::Result<bool> {
    let counts: Vec<String> = report
        .counts()
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(v, n)| format!("{n} {}", v.label()))
        .collect();
    println!(
        "{}: {} in {:.1} s; reports in {}",
        name,
        counts.join(", "),
        started.elapsed().as_secs_f64(),
        out.display()
    );
    if let Some(pre) = report
        .cases()
        .find(|c| c.id == "preflight" && c.verdict == Verdict::Failed)
    {
        anyhow::bail!(
            "could not run: {}",
            pre.reason
                .as_deref()
                .unwrap_or("the checks before the run failed")
        );
    }
    let flagged = report
        .cases()
        .filter(|c| c.advice.is_some() && c.verdict == Verdict::Failed)
        .count();
    if flagged > 0 {
        println!(
            "why each FAILED matters and how to fix it: \"What to fix\" in {}, or --explain TEST",
            out.join("report.md").display()
        );
    }
    match expected {
        Some(file) => {
            let expected = Expected::load(file)?;
            let diff = expected.differences(report);
            for (id, want, got) in &diff {
                println!(
                    "UNEXPECTED {id}: expected {}, got {}",
                    want.label(),
                    got.label()
                );
            }
            Ok(diff.is_empty())
        }
        None => Ok(!report.cases().any(|c| c.verdict == Verdict::Failed)),
    }
}

/// Makes sure the reports can be written to `out` before a run that would lose them.
pub fn prepare_out(out: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(out)
        .with_context(|| format!("the reports' folder (--out) {}", out.display()))?;
    let probe = out.join(".mnctf-write-test");
    std::fs::write(&probe, b"").with_context(|| {
        format!(
            "the reports' folder (--out) {} is not writable",
            out.display()
        )
    })?;
    std::fs::remove_file(&probe).ok();
    Ok(())
}
