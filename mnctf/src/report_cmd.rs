//! `mnctf report`: compare two runs, verify an evidence bundle, print the test signer.

use std::path::PathBuf;

use clap::Subcommand;

#[derive(Subcommand)]
pub enum ReportCommand {
    /// What changed between two runs (report.json files or their folders); exit code 1
    /// when a case got worse or disappeared.
    Diff {
        /// The earlier run.
        old: PathBuf,
        /// The later run.
        new: PathBuf,
    },
    /// Checks an evidence bundle (`--bundle`) against the signer's certificate: the
    /// manifest's signature, every file's SHA-256, and nothing unlisted.
    Verify {
        /// The bundle (a tar archive).
        bundle: PathBuf,
        /// The certificate that must have signed it (PEM or DER).
        #[arg(long)]
        cert: PathBuf,
    },
    /// Prints the certificate of the suite's test key, which signs bundles by default.
    TestCert,
}

pub fn run(cmd: ReportCommand) -> anyhow::Result<bool> {
    match cmd {
        ReportCommand::Diff { old, new } => {
            let (old, new) = (
                crate::output::read_report(&old)?,
                crate::output::read_report(&new)?,
            );
            let diff = reports::diff::compare(&old, &new);
            print!("{}", reports::diff::render_text(&diff));
            Ok(diff.regressions().is_empty())
        }
        ReportCommand::Verify { bundle, cert } => {
            let cert = mnctf::bundle::certificate_der(&cert)?;
            let ok = match mnctf::bundle::verify(&bundle, &cert) {
                Ok(ok) => ok,
                Err(e) => {
                    println!("{}: DOES NOT VERIFY: {e:#}", bundle.display());
                    return Ok(false);
                }
            };
            println!(
                "{}: the signature verifies and {} files match the signed manifest ({})",
                bundle.display(),
                ok.files.len(),
                ok.files.join(", ")
            );
            Ok(true)
        }
        ReportCommand::TestCert => {
            print!("{}", mnctf::bundle::Signer::test()?.certificate_pem()?);
            Ok(true)
        }
    }
}
