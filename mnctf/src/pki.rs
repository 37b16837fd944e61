//! `mnctf pki`: the deterministic test keys and an offline export.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::Subcommand;
use mock_ca::{keys::DEFAULT_SEED, Clock, Pki, PkiConfig};

#[derive(Subcommand)]
pub enum PkiCommand {
    /// Regenerate the committed key bundle for the default seed (slow: generates every key).
    Keygen {
        /// Bundle file to write.
        #[arg(long, default_value = "mock-ca/keys/default-seed.txt")]
        out: PathBuf,
    },
    /// Write CA certificates, CRLs and persona certificates as PEM.
    Export {
        /// Folder to write into.
        #[arg(long)]
        out: PathBuf,
        /// Base URL the certificates name for CRLs and OCSP.
        #[arg(long, default_value = "http://127.0.0.1:18080")]
        ca_url: String,
        /// Seed of the PKI.
        #[arg(long, default_value = DEFAULT_SEED)]
        seed: String,
    },
}

pub fn run(cmd: PkiCommand) -> anyhow::Result<bool> {
    match cmd {
        PkiCommand::Keygen { out } => {
            let mut config = PkiConfig::new("http://127.0.0.1:0");
            // Generate from scratch: neither the old bundle nor a cache may leak in.
            config.key_cache = None;
            config.use_key_bundle = false;
            let pki = Pki::build(config, Clock::system())?;
            for service in mock_ca::pki::SERVICES {
                pki.service_credential(service)?;
            }
            std::fs::write(&out, pki.keys().bundle_text()?)
                .with_context(|| format!("writing {}", out.display()))?;
            println!(
                "wrote {} keys to {}",
                pki.keys().generated().len(),
                out.display()
            );
            Ok(true)
        }
        PkiCommand::Export { out, ca_url, seed } => {
            let mut config = PkiConfig::new(&ca_url);
            config.seed = seed;
            let pki = Pki::build(config, Clock::system())?;
            pki.export(&out)?;
            println!("wrote the PKI to {}", out.display());
            Ok(true)
        }
    }
}
