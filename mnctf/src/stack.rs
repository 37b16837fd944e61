//! The whole federation on loopback for a person to click through (`mnctf up`) and for
//! end-to-end tests: the CA service, the platform, two demo SPs and the card helper.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::Context as _;
use idp::{IdpConfig, Platform};
use mock_ca::server::RunningService;
use mock_ca::{Clock, PersonaId};
use mock_card::client::JpkiClient;
use mock_card::transport::{InProcess, Transport};
use mock_card::JpkiCard;
use mock_sp::sp::{ServiceProvider, SpConfig};
use rsa::pkcs8::EncodePrivateKey;
use tokio::net::TcpListener;
use trust_framework::saml::constants::AC_JPKI_USER_AUTH;

/// Ports (0: any free one).
#[derive(Clone, Debug)]
pub struct Ports {
    /// CA service.
    pub ca: u16,
    /// The platform.
    pub idp: u16,
    /// The two demo SPs.
    pub sps: [u16; 2],
    /// The card helper.
    pub helper: u16,
}

impl Ports {
    /// The ports `mnctf up` uses.
    pub const FIXED: Ports = Ports {
        ca: 18080,
        idp: 18000,
        sps: [18101, 18102],
        helper: 18300,
    };
    /// Any free ports (tests).
    pub const ANY: Ports = Ports {
        ca: 0,
        idp: 0,
        sps: [0, 0],
        helper: 0,
    };
}

/// A running stack.
pub struct Stack {
    /// The CA service.
    pub ca: RunningService,
    /// The platform.
    pub idp: Arc<Platform>,
    /// The platform's base URL.
    pub idp_url: String,
    /// The demo SPs' base URLs.
    pub sp_urls: Vec<String>,
    /// The card helper's base URL.
    pub helper_url: String,
    /// The card in the helper.
    pub card: InProcess,
}

async fn bind(port: u16) -> anyhow::Result<(TcpListener, String)> {
    let listener = crate::listen::bind(port).await?;
    let addr: SocketAddr = listener.local_addr()?;
    Ok((listener, format!("http://{addr}")))
}

fn serve(listener: TcpListener, app: axum::Router) {
    tokio::spawn(async move {
        if let Err(err) = idp::serve::serve(listener, app, idp::serve::Limits::default()).await {
            tracing::error!(%err, "a service of the stack stopped");
        }
    });
}

const SP_NAMES: [(&str, &str, &str); 2] = [
    ("e-application", "sp-1", "電子申請システム"),
    ("gov-portal", "sp-2", "行政ポータル"),
];

impl Stack {
    /// Starts everything; files (keys, metadata, the IdP's TOML and store) go in `dir`.
    pub async fn start(ports: Ports, persona: PersonaId, dir: &Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let clock = Clock::system();
        let ca =
            tokio::task::block_in_place(|| RunningService::start(ports.ca, |_| {}, clock.clone()))?;
        let pki = Arc::clone(&ca.pki);
        let (idp_listener, idp_url) = bind(ports.idp).await?;
        let idp_cred = pki.service_credential("idp")?;
        let write = |name: &str, bytes: &[u8]| -> anyhow::Result<PathBuf> {
            let path = dir.join(name);
            std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
            Ok(path)
        };
        write("idp.key", idp_cred.key.to_pkcs8_der()?.as_bytes())?;
        write("idp.crt", &idp_cred.certificate)?;
        let auth_ca = pki
            .authority(mock_ca::pki::ca::JPKI_AUTH)
            .context("no JPKI auth CA")?;
        write("jpki-auth.crt", auth_ca.certificate())?;
        let now = move || time::OffsetDateTime::now_utc();
        let mut sp_urls = Vec::new();
        let mut sp_files = Vec::new();
        for (i, (name, cred, name_ja)) in SP_NAMES.iter().enumerate() {
            let (listener, url) = bind(ports.sps[i]).await?;
            let cred = pki.service_credential(cred)?;
            let sp = ServiceProvider::new(
                SpConfig {
                    name: name.to_string(),
                    entity_id: format!("{url}/sp"),
                    base_url: url.clone(),
                    idp_entity_id: format!("{idp_url}/idp"),
                    idp_sso_url: format!("{idp_url}/sso"),
                    idp_slo_url: format!("{idp_url}/slo"),
                    idp_certs: vec![idp_cred.certificate.clone()],
                    key: (*cred.key).clone(),
                    cert_der: cred.certificate.clone(),
                    required_class: Some(AC_JPKI_USER_AUTH.to_owned()),
                    requested_attributes: Vec::new(),
                    display_name: Some(mock_sp::sp::DisplayName::new(name_ja, name)),
                    danger: Default::default(),
                },
                Arc::new(now),
            );
            sp_files.push(format!("{name}.xml"));
            write(&format!("{name}.xml"), sp.metadata().as_bytes())?;
            serve(listener, sp.router());
            sp_urls.push(url);
        }
        let (helper_listener, helper_url) = bind(ports.helper).await?;
        let base = ca.base_url();
        let toml = format!(
            r#"entity_id = "{idp_url}/idp"
base_url = "{idp_url}"
store = "idp.sqlite"
signing_key = "idp.key"
signing_cert = "idp.crt"
sp_metadata = {sp_files:?}
card_helper_url = "{helper_url}"

[[anchors]]
label = "jpki-auth"
certificate = "jpki-auth.crt"
ocsp_url = "{base}/ocsp/jpki-auth"
crl_url = "{base}/crl/jpki-auth.crl"
predecessor_url = "{base}/predecessors"
"#
        );
        let config_path = write("idp.toml", toml.as_bytes())?;
        let config = IdpConfig::load(&config_path)?;
        let idp = Arc::new(Platform::new(config, Arc::new(move || clock.now()))?);
        serve(idp_listener, idp::http::router(Arc::clone(&idp)));
        let card = InProcess::new(JpkiCard::new(pki.persona(persona).card_image()));
        let client: JpkiClient<Box<dyn Transport + Send>> = JpkiClient::new(Box::new(card.clone()));
        serve(
            helper_listener,
            crate::helper::router(
                Arc::new(Mutex::new(client)),
                &[&idp_url],
                mock_ca::Clock::system(),
            ),
        );
        Ok(Self {
            ca,
            idp,
            idp_url,
            sp_urls,
            helper_url,
            card,
        })
    }
}
