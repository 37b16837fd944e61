//! `mnctf card`: the virtual card on the vpcd socket, and the persona list.

use std::net::SocketAddr;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

use anyhow::Context as _;
use clap::{Subcommand, ValueEnum};
use mock_ca::keys::DEFAULT_SEED;
use mock_ca::{Clock, PersonaId, Pki, PkiConfig};
use mock_card::image::{BlockedAnswer, ATR_MY_NUMBER_CARD, ATR_OPENSC_TABLE};
use mock_card::transport::vpcd::{self, VpcdEvent};
use mock_card::JpkiCard;

#[derive(Clone, Copy, ValueEnum)]
pub enum Atr {
    /// A real My Number Card's ATR: OpenSC finds the card by the AID probe.
    Real,
    /// The ATR in OpenSC's jpki table.
    Table,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Blocked {
    /// 69 84.
    #[value(name = "6984")]
    Sw6984,
    /// 69 83.
    #[value(name = "6983")]
    Sw6983,
}

#[derive(Subcommand)]
pub enum CardCommand {
    /// List the personas.
    Personas,
    /// Insert a persona's card into vpcd (pcscd's virtual reader) until interrupted.
    Vpcd {
        /// Persona (see `mnctf card personas`).
        #[arg(long, default_value = "valid")]
        persona: String,
        /// vpcd port on 127.0.0.1 (slot n listens on 35963 + n).
        #[arg(long, default_value_t = vpcd::DEFAULT_PORT)]
        port: u16,
        /// Which ATR the card answers.
        #[arg(long, value_enum, default_value = "real")]
        atr: Atr,
        /// Status word for VERIFY on a blocked PIN.
        #[arg(long, value_enum, default_value = "6984")]
        blocked_sw: Blocked,
        /// The CA service's base URL named in the certificates (as `mnctf ca serve` uses).
        #[arg(long, default_value = "http://127.0.0.1:18080")]
        ca_url: String,
        /// Use the previous (pre-renewal) card of the persona.
        #[arg(long)]
        previous: bool,
        /// Seed of the PKI.
        #[arg(long, default_value = DEFAULT_SEED)]
        seed: String,
    },
}

pub fn run(cmd: CardCommand) -> anyhow::Result<bool> {
    match cmd {
        CardCommand::Personas => {
            for id in PersonaId::ALL {
                println!("{:<20} {}", id.slug(), id.description());
            }
            Ok(true)
        }
        CardCommand::Vpcd {
            persona,
            port,
            atr,
            blocked_sw,
            ca_url,
            previous,
            seed,
        } => {
            let id = PersonaId::from_slug(&persona)
                .with_context(|| format!("no persona {persona:?}: see `mnctf card personas`"))?;
            let mut config = PkiConfig::new(&ca_url);
            config.seed = seed;
            let pki = Pki::build(config, Clock::system())?;
            let p = pki.persona(id);
            let mut image = if previous {
                p.previous_card_image()
                    .with_context(|| format!("persona {persona} has no previous card"))?
            } else {
                p.card_image()
            };
            image.atr = match atr {
                Atr::Real => ATR_MY_NUMBER_CARD.to_vec(),
                Atr::Table => ATR_OPENSC_TABLE.to_vec(),
            };
            image.blocked_answer = match blocked_sw {
                Blocked::Sw6984 => BlockedAnswer::ReferenceDataNotUsable,
                Blocked::Sw6983 => BlockedAnswer::AuthMethodBlocked,
            };
            let addr = SocketAddr::from(([127, 0, 0, 1], port));
            let card = Arc::new(Mutex::new(JpkiCard::new(image)));
            println!("card {persona}: waiting for vpcd at {addr} (pcscd with vsmartcard-vpcd)");
            let mut connected_once = false;
            vpcd::run(
                card,
                addr,
                Arc::new(AtomicBool::new(false)),
                |event| match event {
                    // "Ready" only once vpcd has the card: before, no reader shows it.
                    VpcdEvent::Connected if !connected_once => {
                        connected_once = true;
                        println!("card {persona} ready: inserted in vpcd's reader at {addr}");
                    }
                    VpcdEvent::Connected => println!("card {persona} inserted again"),
                    VpcdEvent::Disconnected(None) => println!(
                        "card {persona} removed (vpcd closed the connection); reconnecting"
                    ),
                    VpcdEvent::Disconnected(Some(err)) => {
                        println!("card {persona} removed: {err}; reconnecting")
                    }
                    VpcdEvent::ConnectFailed(err) => {
                        tracing::debug!(%err, "vpcd not reachable yet")
                    }
                },
            )?;
            Ok(true)
        }
    }
}
