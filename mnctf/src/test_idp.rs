//! `mnctf test-idp`: certify an IdP. The suite plays two SPs, the browser and the
//! cardholder, and runs the test PKI's CA service (`mnctf test-idp metadata` writes what
//! to install in the IdP); it runs the plan, writes the reports, and compares the verdicts
//! with the IdP's expected-results file when it has one.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Args, Subcommand};
use conformance::idp::{IdpSutConfig, SuiteSps};

use crate::test_sp::conclude;

#[derive(Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct TestIdp {
    #[command(subcommand)]
    command: Option<TestIdpCommand>,
    /// The IdP under test (idp-sut.toml).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Where to write the reports.
    #[arg(long, default_value = "out/test-idp")]
    out: PathBuf,
    /// The suite's SPs' base URL (nothing listens there: the browser stops before).
    #[arg(long, default_value = DEFAULT_SPS_URL)]
    sps_url: String,
    /// The suite's CA service (OCSP, CRLs), which runs during the test on this port.
    #[arg(long, default_value = DEFAULT_CA_URL)]
    ca_url: String,
    /// Print the plan of every role (id, roles, requirements, title) and stop.
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
enum TestIdpCommand {
    /// Write what to install in the IdP under test: the suite's two SPs' metadata, the
    /// card CA's certificate and where its OCSP responder and CRL are.
    Metadata {
        /// Where to write the files.
        #[arg(long, default_value = "out/test-idp/install")]
        out: PathBuf,
        /// The suite's SPs' base URL.
        #[arg(long, default_value = DEFAULT_SPS_URL)]
        sps_url: String,
        /// The suite's CA service.
        #[arg(long, default_value = DEFAULT_CA_URL)]
        ca_url: String,
        /// Where the example platform (platform.toml) runs.
        #[arg(long, default_value = "http://127.0.0.1:18000")]
        platform_url: String,
        /// Where the example platform's TLS card-login listener runs.
        #[arg(long, default_value = "https://127.0.0.1:18443")]
        platform_tls_url: String,
        /// Where the example CATV IdP (catv.toml) runs.
        #[arg(long, default_value = "http://127.0.0.1:18001")]
        catv_url: String,
        /// Where the example attribute authority (authority.toml) runs.
        #[arg(long, default_value = "http://127.0.0.1:18002")]
        authority_url: String,
    },
}

/// Where the suite's SPs live by default.
pub const DEFAULT_SPS_URL: &str = "http://127.0.0.1:18600";
/// Where the suite's CA service runs by default.
pub const DEFAULT_CA_URL: &str = "http://127.0.0.1:18580";

pub fn run(args: TestIdp) -> anyhow::Result<bool> {
    if let Some(TestIdpCommand::Metadata {
        out,
        sps_url,
        ca_url,
        platform_url,
        platform_tls_url,
        catv_url,
        authority_url,
    }) = args.command
    {
        let urls = mnctf::idp_install::Urls {
            sps: sps_url,
            ca: ca_url,
            platform: platform_url,
            platform_tls: platform_tls_url,
            catv: catv_url,
            authority: authority_url,
        };
        return install_files(&out, &urls);
    }
    if let Some(id) = &args.explain {
        return crate::test_sp::explain(id);
    }
    if args.list {
        list();
        return Ok(true);
    }
    let path = args
        .config
        .context("give --config idp-sut.toml (or `mnctf test-idp metadata`)")?;
    let mut config = IdpSutConfig::load(&path)?;
    if !args.only.is_empty() {
        config.only = args.only;
        config.check()?;
    }
    let suite = SuiteSps::new(&args.sps_url, &args.ca_url)?;
    crate::test_sp::prepare_out(&args.out)?;
    args.output.check()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let started = std::time::Instant::now();
    let report = runtime.block_on(conformance::idp::run(&config, &suite, |case| {
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

/// The plans of every role.
fn list() {
    use conformance::idp::Role;
    let mut lines = Vec::new();
    for t in conformance::idp::plan::IDP_TESTS {
        let roles: Vec<&str> = [(Role::Platform, "platform"), (Role::CardIdp, "card-idp")]
            .into_iter()
            .filter(|(r, _)| t.is_for(*r))
            .map(|(_, n)| n)
            .collect();
        let roles = roles.join(",");
        let reqs = t.requirements.join(",");
        lines.push(format!("{:<32} {roles:<18} {reqs:<28} {}", t.id, t.title));
    }
    for t in conformance::idp::authority_plan::AA_TESTS {
        let (reqs, role) = (t.requirements.join(","), "attribute-authority");
        lines.push(format!("{:<32} {role:<18} {reqs:<28} {}", t.id, t.title));
    }
    crate::test_sp::print_lines(lines.into_iter());
}

/// The files a vendor installs, and the worked example of our platform.
fn install_files(out: &std::path::Path, urls: &mnctf::idp_install::Urls) -> anyhow::Result<bool> {
    mnctf::idp_install::write(out, urls)?;
    println!(
        "wrote {}: sp-a.xml and sp-b.xml (the suite's SPs), federation.xml and operator.pem (the same SPs as the federation's signed aggregate: SP a is the platform), jpki-auth.pem, zeirishi.pem and ca.toml (the card and 士業 CAs); platform.toml with idp-sut.toml, catv.toml with catv-sut.toml and authority.toml with authority-sut.toml (our platform, CATV IdP and attribute authority configured so, as examples)",
        out.display()
    );
    Ok(true)
}
