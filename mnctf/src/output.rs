//! Where a run's reports go: report.json, junit.xml, report.md and report.html in `--out`,
//! the comparison with `--baseline`, and the signed evidence bundle with `--bundle`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::Args;
use reports::Report;

/// The options every command that writes reports takes.
#[derive(Args, Clone, Debug, Default)]
pub struct OutputArgs {
    /// A previous run's report.json (or its folder): report.html says what changed.
    #[arg(long, value_name = "REPORT")]
    pub baseline: Option<PathBuf>,
    /// Also write a signed evidence bundle (a tar archive) here.
    #[arg(long, value_name = "FILE.tar")]
    pub bundle: Option<PathBuf>,
    /// The key that signs the bundle (PKCS#8 PEM); without it, the suite's test key.
    #[arg(long, requires = "bundle_cert", value_name = "KEY.pem")]
    pub bundle_key: Option<PathBuf>,
    /// The certificate of --bundle-key (PEM).
    #[arg(long, requires = "bundle_key", value_name = "CERT.pem")]
    pub bundle_cert: Option<PathBuf>,
}

impl OutputArgs {
    /// Checks what can be checked before a run (so that no run is lost at its end).
    pub fn check(&self) -> anyhow::Result<()> {
        if let Some(b) = &self.baseline {
            read_report(b)?;
        }
        if let (Some(k), Some(c)) = (&self.bundle_key, &self.bundle_cert) {
            mnctf::bundle::Signer::from_files(k, c)?;
        }
        Ok(())
    }
}

/// A report.json, or the report.json of a folder.
pub fn read_report(path: &Path) -> anyhow::Result<Report> {
    let file = if path.is_dir() {
        path.join("report.json")
    } else {
        path.to_owned()
    };
    let text =
        std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{} is not a report.json", file.display()))
}

/// Writes the reports of `report` to `out`; `config` is the configuration file the run
/// used (into the bundle, passwords removed).
pub fn write(
    out: &Path,
    report: &Report,
    args: &OutputArgs,
    config: Option<&Path>,
) -> anyhow::Result<()> {
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let diff = match &args.baseline {
        Some(b) => Some(reports::diff::compare(&read_report(b)?, report)),
        None => None,
    };
    let files: BTreeMap<String, Vec<u8>> = [
        ("report.json", reports::json(report)),
        ("junit.xml", reports::junit::render(report)),
        ("report.md", reports::markdown::render(report)),
        (
            "report.html",
            reports::html::render_compared(report, diff.as_ref()),
        ),
    ]
    .into_iter()
    .map(|(name, text)| (name.to_owned(), text.into_bytes()))
    .collect();
    for (name, bytes) in &files {
        std::fs::write(out.join(name), bytes)?;
    }
    if let Some(diff) = &diff {
        print!(
            "compared with the baseline:\n{}",
            reports::diff::render_text(diff)
        );
    }
    if let Some(path) = &args.bundle {
        bundle(path, files, args, config)?;
    }
    Ok(())
}

fn bundle(
    path: &Path,
    mut files: BTreeMap<String, Vec<u8>>,
    args: &OutputArgs,
    config: Option<&Path>,
) -> anyhow::Result<()> {
    let signer = match (&args.bundle_key, &args.bundle_cert) {
        (Some(k), Some(c)) => mnctf::bundle::Signer::from_files(k, c)?,
        _ => mnctf::bundle::Signer::test()?,
    };
    let key = if signer.test_key {
        "signed with the suite's TEST key (anyone can sign with it: this proves integrity, not origin)"
    } else {
        "signed with the operator's key"
    };
    files.insert(
        "version.txt".into(),
        format!("mnctf {}\n{key}\n", env!("CARGO_PKG_VERSION")).into_bytes(),
    );
    if let Some(config) = config {
        let text = std::fs::read_to_string(config)
            .with_context(|| format!("reading {}", config.display()))?;
        files.insert(
            "config.toml".into(),
            mnctf::bundle::without_secrets(&text).into_bytes(),
        );
    }
    mnctf::bundle::write(path, files, &signer)?;
    println!("evidence bundle: {} ({key})", path.display());
    Ok(())
}
