//! `mnctf`: every command a user of the My Number Card trust-framework harness runs.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod bench;
mod bench_idp;
mod bench_scaling;
mod ca;
mod card;
mod example_sp;
mod lab_cmd;
mod output;
mod pki;
mod report_cmd;
mod run_scenarios;
mod soak;
mod test_idp;
mod test_sp;
mod walkthrough;

/// Exit codes CI can rely on.
mod exit {
    /// Everything ran and every check passed.
    pub const OK: u8 = 0;
    /// A check failed (a scenario step, a benchmark precondition).
    pub const CHECK_FAILED: u8 = 1;
    /// The command could not run (bad arguments, a service that did not start).
    pub const ERROR: u8 = 2;
}

#[derive(Parser)]
#[command(
    name = "mnctf",
    version,
    about = "My Number Card trust-framework harness"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run every case study and its variants on loopback federations and write the
    /// reports (report.md, report.json, junit.xml).
    Scenarios {
        /// Where to write the reports.
        #[arg(long, default_value = "out")]
        out: PathBuf,
        #[command(flatten)]
        output: output::OutputArgs,
    },
    /// Compare two runs' reports; verify a signed evidence bundle.
    Report {
        #[command(subcommand)]
        command: report_cmd::ReportCommand,
    },
    /// Certify an SP: the suite plays its IdP and browser and judges it per requirement.
    TestSp(test_sp::TestSp),
    /// Certify an IdP: the suite plays two SPs, the browser, the cardholder and the CA
    /// service, and judges it per requirement.
    TestIdp(test_idp::TestIdp),
    /// Run the SP plan against the lab's vulnerable and fixed releases (lab/README.md)
    /// and write the table of which pairs it tells apart.
    Lab(lab_cmd::Lab),
    /// Every persona's card through the card, PKI and SSO checks, with the reports.
    Walkthrough {
        /// Where to write the reports.
        #[arg(long, default_value = "out/walkthrough")]
        out: PathBuf,
    },
    /// Start the case studies' whole federation on loopback with the card helper and a
    /// portal page that starts each case study in the browser; prints the URL to open.
    Up {
        /// The persona whose card is in the helper's reader.
        #[arg(long, default_value = "valid")]
        persona: String,
        /// Where keys, metadata and the platform's store go.
        #[arg(long, default_value = "out/up")]
        dir: PathBuf,
    },
    /// Join your own SP or IdP to the federation `mnctf up` runs: the operator registers
    /// its metadata in a newly signed aggregate that the platform loads. Trust the
    /// platform's metadata (its URL is printed by `up`) in your system.
    Join {
        /// Your system's EntityDescriptor.
        metadata: PathBuf,
        /// The portal of the running `up`.
        #[arg(long, default_value = "http://127.0.0.1:18100")]
        portal: String,
    },
    /// Run the platform (IdP) alone from its TOML configuration.
    Idp {
        /// The configuration file.
        #[arg(long)]
        config: PathBuf,
        /// Port on 127.0.0.1.
        #[arg(long, default_value_t = 18000)]
        port: u16,
        /// Port of the TLS client-authentication binding (when configured).
        #[arg(long, default_value_t = 18443)]
        tls_port: u16,
    },
    /// The project's own SP, trusting the IdP of a metadata file: the SP `examples/sp/`
    /// certifies (README, "Certify an SP"), and an SP to try an IdP with.
    Sp {
        /// The IdP's metadata (e.g. `mnctf test-sp metadata > suite-idp.xml`).
        #[arg(long)]
        idp_metadata: PathBuf,
        /// Port on 127.0.0.1.
        #[arg(long, default_value_t = 18700)]
        port: u16,
    },
    /// A 士業 body's attribute authority (proxy model 2) alone, from its TOML configuration.
    Authority {
        /// The configuration file.
        #[arg(long)]
        config: PathBuf,
        /// Port on 127.0.0.1.
        #[arg(long, default_value_t = 18002)]
        port: u16,
    },
    /// The fake certification authorities.
    Ca {
        #[command(subcommand)]
        command: ca::CaCommand,
    },
    /// The virtual My Number Card.
    Card {
        #[command(subcommand)]
        command: card::CardCommand,
    },
    /// The test PKI's keys and files.
    Pki {
        #[command(subcommand)]
        command: pki::PkiCommand,
    },
    /// Benchmarks (release build recommended).
    Bench {
        #[command(subcommand)]
        command: bench::BenchCommand,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // A person clicking through `up` sees a line per login, refusal, payment and logout.
    let default = match cli.command {
        Command::Up { .. } => "warn,idp=info,mock_sp=info",
        _ => "warn",
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("MNCTF_LOG")
                .unwrap_or_else(|_| default.into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let result = match cli.command {
        Command::Scenarios { out, output } => run_scenarios::run(&out, &output),
        Command::Report { command } => report_cmd::run(command),
        Command::Walkthrough { out } => walkthrough::run(&out),
        Command::TestSp(args) => test_sp::run(args),
        Command::TestIdp(args) => test_idp::run(args),
        Command::Lab(args) => lab_cmd::run(args),
        Command::Up { persona, dir } => up(&persona, &dir),
        Command::Join { metadata, portal } => join(&metadata, &portal),
        Command::Idp {
            config,
            port,
            tls_port,
        } => run_idp(&config, port, tls_port),
        Command::Authority { config, port } => mnctf::authority::run(&config, port),
        Command::Sp { idp_metadata, port } => example_sp::run(&idp_metadata, port),
        Command::Ca { command } => ca::run(command),
        Command::Card { command } => card::run(command),
        Command::Pki { command } => pki::run(command),
        Command::Bench { command } => bench::run(command),
    };
    match result {
        Ok(true) => ExitCode::from(exit::OK),
        Ok(false) => ExitCode::from(exit::CHECK_FAILED),
        Err(err) => {
            eprintln!("mnctf: {err:#}");
            ExitCode::from(exit::ERROR)
        }
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

fn up(persona: &str, dir: &std::path::Path) -> anyhow::Result<bool> {
    let id = mock_ca::PersonaId::from_slug(persona)
        .ok_or_else(|| anyhow::anyhow!("no persona {persona:?}: see `mnctf card personas`"))?;
    runtime()?.block_on(async {
        let portal = mnctf::portal::Portal::start(dir, mnctf::portal::PortalPorts::FIXED).await?;
        portal.insert(id);
        let f = &portal.federation;
        println!("The case studies' federation is up on loopback (PIN 1234).");
        println!(
            "  open      {}/   (the case-study portal: start each case from there)",
            portal.url
        );
        println!(
            "  services  e-application {}/login · government portal {}/login · bank {}/",
            f.eapp_url, f.portal_url, f.bank_url
        );
        println!(
            "  platform  {}/ · CATV operator {}/ · CA {}",
            f.platform_url,
            f.catv_url,
            f.ca.base_url()
        );
        println!(
            "  vendors   mnctf join YOUR-METADATA.xml adds your SP or IdP; trust the platform's metadata {}/metadata (the aggregate: {}/federation/aggregate.xml)",
            f.platform_url, portal.url
        );
        println!("Ctrl-C stops everything.");
        tokio::signal::ctrl_c().await?;
        Ok(true)
    })
}

fn join(metadata: &std::path::Path, portal: &str) -> anyhow::Result<bool> {
    use anyhow::Context as _;
    let text = std::fs::read_to_string(metadata)
        .with_context(|| format!("reading {}", metadata.display()))?;
    let portal = conformance::config::base_url("--portal", portal)?;
    runtime()?.block_on(async {
        let answer = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(30))
            .build()?
            .post(format!("{portal}/federation/join"))
            .body(text)
            .send()
            .await
            .with_context(|| format!("is `mnctf up` running? {portal}"))?;
        let ok = answer.status().is_success();
        print!("{}", answer.text().await?);
        if ok {
            println!("the aggregate: {portal}/federation/aggregate.xml (signed by {portal}/federation/operator.crt)");
        }
        Ok(ok)
    })
}

fn run_idp(config: &std::path::Path, port: u16, tls_port: u16) -> anyhow::Result<bool> {
    let config = idp::IdpConfig::load(config)?;
    runtime()?.block_on(async {
        let platform = std::sync::Arc::new(idp::Platform::new(config, idp::system_clock())?);
        if platform.config.tls_binding.is_some() {
            let tls = idp::tls_binding::server_config(&platform)?;
            let listener = mnctf::listen::bind(tls_port).await?;
            println!(
                "TLS client-authentication binding on https://{} (TLS 1.2)",
                listener.local_addr()?
            );
            tokio::spawn(idp::tls_binding::serve(
                std::sync::Arc::clone(&platform),
                listener,
                tls,
            ));
        }
        let listener = mnctf::listen::bind(port).await?;
        println!(
            "platform {} listening on http://{}",
            platform.entity_id,
            listener.local_addr()?
        );
        let limits = idp::serve::Limits::default();
        tokio::spawn(std::sync::Arc::clone(&platform).keep_aggregate_fresh());
        tokio::select! {
            served = idp::serve::serve(listener, idp::http::router(platform), limits) => served?,
            _ = tokio::signal::ctrl_c() => {}
        }
        Ok(true)
    })
}
