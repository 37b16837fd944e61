//! `mnctf ca`: the CA service (OCSP, CRLs, CA certificates) on loopback.

use std::path::PathBuf;

use clap::Subcommand;
use mock_ca::keys::DEFAULT_SEED;
use mock_ca::ocsp::Fault;
use mock_ca::server::RunningService;
use mock_ca::Clock;

#[derive(Subcommand)]
pub enum CaCommand {
    /// Serve OCSP, CRLs and CA certificates until interrupted.
    Serve {
        /// Port on 127.0.0.1 (0: any free port).
        #[arg(long, default_value_t = 18080)]
        port: u16,
        /// Also write the PKI as PEM files here.
        #[arg(long)]
        export: Option<PathBuf>,
        /// OCSP fault: unavailable, slow, slow:<ms>, stale, wrong-signer, bad-nonce.
        #[arg(long)]
        fault: Option<String>,
        /// Serve CRLs whose nextUpdate has passed.
        #[arg(long)]
        stale_crl: bool,
        /// Seed of the PKI.
        #[arg(long, default_value = DEFAULT_SEED)]
        seed: String,
    },
}

pub fn run(cmd: CaCommand) -> anyhow::Result<bool> {
    let CaCommand::Serve {
        port,
        export,
        fault,
        stale_crl,
        seed,
    } = cmd;
    let fault = fault
        .map(|f| {
            Fault::parse(&f)
                .ok_or_else(|| anyhow::anyhow!("unknown fault {f:?}: one of {}", Fault::NAMES))
        })
        .transpose()?;
    let service =
        RunningService::start(port, |c| c.seed = seed, Clock::system()).map_err(|e| match e {
            mock_ca::CaError::Io(io) => mnctf::listen::bind_error(port, &io),
            e => e.into(),
        })?;
    service.faults.set_ocsp(fault);
    service.faults.set_stale_crl(stale_crl);
    if let Some(dir) = export {
        service.pki.export(&dir)?;
    }
    let fault = fault.map_or("none".to_owned(), |f| f.to_string());
    let stale = if stale_crl { "stale" } else { "current" };
    println!(
        "CA service listening on {} (OCSP fault: {fault}; CRLs: {stale})",
        service.base_url()
    );
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(tokio::signal::ctrl_c())?;
    service.stop();
    Ok(true)
}
