//! The federation of the case studies on loopback, built the way a real one is: every
//! party has its own keys, store and port; the federation operator registers each
//! party's metadata with its categories and signs the aggregate; every party loads the
//! aggregate, verifies it with the operator's key and takes its trust from it alone
//! (TF-MD-001..003). One clock (steerable) for everyone, so time can pass in a scenario.
//!
//! Parties: the CA service (OCSP, CRLs, renewal links), the platform (hub IdP), a CATV
//! operator's card IdP (the reference IdP in its `catv` configuration), the
//! e-application system, a government portal, and the bank.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use idp::{IdpConfig, Platform};
use mock_ca::server::RunningService;
use mock_ca::Clock;
use mock_sp::attribute_authority::{AttributeAuthority, AuthorityConfig, CheckedCa};
use mock_sp::bank::{Account, Bank, BankDanger, CollectorTrust};
use mock_sp::egov::{AuthorityTrust, BankTrust, EApplication};
use mock_sp::sp::{platform_from_aggregate, ServiceProvider, SpConfig};
use rsa::pkcs8::EncodePrivateKey;
use time::{Duration, OffsetDateTime};
use tokio::net::TcpListener;
use trust_framework::saml::aggregate::{self, Aggregate};
use trust_framework::saml::attribute_query::QUALIFICATION_ATTRIBUTES;
use trust_framework::saml::constants::{category, AC_JPKI_USER_AUTH};
use trust_framework::saml::metadata::{attribute_authority_metadata, idp_metadata, IdpDescriptor};
use trust_framework::x509::TrustAnchors;

use crate::browser::Parties;
use crate::tap::Tap;

/// Why the federation could not be started.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// A file, a port or a key.
    #[error("{0}: {1}")]
    Io(String, std::io::Error),
    /// A party refused its configuration or the aggregate.
    #[error("{0}")]
    Party(String),
}

fn party<E: std::fmt::Display>(what: &str) -> impl FnOnce(E) -> StartError + '_ {
    move |e| StartError::Party(format!("{what}: {e}"))
}

/// Names of the parties (evidence, diagrams, reports).
pub mod names {
    /// The platform.
    pub const PLATFORM: &str = "platform";
    /// The CATV operator's card IdP.
    pub const CATV: &str = "CATV IdP";
    /// The e-application system.
    pub const EAPP: &str = "e-application";
    /// The government portal.
    pub const PORTAL: &str = "gov-portal";
    /// The bank.
    pub const BANK: &str = "bank";
    /// The CA service.
    pub const CA: &str = "JPKI CA";
    /// The tax accountants' body's attribute authority (日本税理士会連合会).
    pub const AA: &str = "zeirishi AA";
    /// An outside system joined to the federation (a vendor's SP or IdP).
    pub const VENDOR: &str = "vendor system";
}

/// The e-application system's 収納機関番号.
pub const COLLECTOR_NUMBER: &str = "12345";

/// The demo accounts at the bank: (account number, password, holder, balance).
pub const ACCOUNTS: [(&str, &str, &str, u64); 2] = [
    ("0012345", "bank-pass-1", "マイナ 太郎", 100_000),
    ("0067890", "bank-pass-2", "マイナ 花子", 50_000),
];

/// What may differ between federations of different scenarios.
#[derive(Clone, Default)]
pub struct Options {
    /// Leave the CATV operator out of the aggregate.
    pub without_catv: bool,
    /// Checks the bank skips (to show that scenarios catch them).
    pub bank_danger: BankDanger,
    /// The local card helper's port on 127.0.0.1, for the card IdPs' login pages (a
    /// person at a browser, `mnctf up`); scenarios drive the card themselves.
    pub card_helper_port: Option<u16>,
    /// Observes every exchange at every party (the live view of `mnctf up`).
    pub tap: Option<Arc<Tap>>,
}

/// One party's registration with the operator: its metadata and categories.
#[derive(Clone, Debug)]
pub struct Registration {
    /// Its name (see [`names`]).
    pub name: &'static str,
    /// Its EntityDescriptor as the party wrote it.
    pub metadata: String,
    /// The categories the operator assigns.
    pub categories: Vec<&'static str>,
    /// The assurance the operator certifies.
    pub assurance: Vec<&'static str>,
}

/// The federation operator: the registrations and the signing key of the aggregate.
pub struct Operator {
    /// Every party's registration.
    pub registrations: Vec<Registration>,
    key_der: Vec<u8>,
    /// The operator's certificate (DER): what every party is configured with.
    pub certificate: Vec<u8>,
}

impl Operator {
    /// Signs an aggregate of every registration except `without` (names), valid until
    /// `valid_until`.
    pub fn publish(
        &self,
        valid_until: OffsetDateTime,
        without: &[&str],
    ) -> Result<String, StartError> {
        let kept = self
            .registrations
            .iter()
            .filter(|r| !without.contains(&r.name));
        self.sign(valid_until, kept)
    }

    /// Signs an aggregate of every registration and `joined` (outside systems), valid
    /// until `valid_until`.
    pub fn publish_joined(
        &self,
        valid_until: OffsetDateTime,
        joined: &[Registration],
    ) -> Result<String, StartError> {
        self.sign(valid_until, self.registrations.iter().chain(joined))
    }

    /// The operator's aggregate of `registrations`, each as the operator registers it.
    fn sign<'a>(
        &self,
        valid_until: OffsetDateTime,
        registrations: impl Iterator<Item = &'a Registration>,
    ) -> Result<String, StartError> {
        let entities = registrations
            .map(|r| {
                aggregate::register(&r.metadata, &r.categories, &r.assurance).map_err(party(r.name))
            })
            .collect::<Result<Vec<_>, _>>()?;
        // Unique per aggregate: one made from the time repeats within a second.
        let id = trust_framework::saml::xml::new_id(rand::random());
        aggregate::build(
            &id,
            "mnctf-federation",
            valid_until,
            &entities,
            &self.key_der,
            &self.certificate,
        )
        .map_err(party("the operator"))
    }

    /// Signs an aggregate of every registration with `key_der` (PKCS#8) instead of the
    /// operator's key: what an attacker or a misconfigured operator would publish.
    pub fn publish_signed_by(
        &self,
        valid_until: OffsetDateTime,
        key_der: &[u8],
        cert_der: &[u8],
    ) -> Result<String, StartError> {
        let entities = self
            .registrations
            .iter()
            .map(|r| aggregate::register(&r.metadata, &r.categories, &r.assurance))
            .collect::<Result<Vec<_>, _>>()
            .map_err(party("the operator"))?;
        aggregate::build(
            "_agg-other",
            "mnctf-federation",
            valid_until,
            &entities,
            key_der,
            cert_der,
        )
        .map_err(party("the other signer"))
    }
}

/// A running federation.
pub struct Federation {
    /// Outside systems joined since the start (see [`Federation::join`]).
    joined: std::sync::Mutex<Vec<Registration>>,
    /// Everyone's clock.
    pub clock: Clock,
    /// The CA service.
    pub ca: RunningService,
    /// The platform.
    pub platform: Arc<Platform>,
    /// Its base URL.
    pub platform_url: String,
    /// The CATV operator's card IdP.
    pub catv: Arc<Platform>,
    /// Its base URL.
    pub catv_url: String,
    /// The e-application system.
    pub eapp: Arc<EApplication>,
    /// Its base URL.
    pub eapp_url: String,
    /// The government portal.
    pub portal: Arc<ServiceProvider>,
    /// Its base URL.
    pub portal_url: String,
    /// The bank.
    pub bank: Arc<Bank>,
    /// Its base URL.
    pub bank_url: String,
    /// The 税理士 body's attribute authority (proxy model 2).
    pub authority: Arc<AttributeAuthority>,
    /// Its base URL.
    pub authority_url: String,
    /// The operator.
    pub operator: Operator,
    /// Party names by origin.
    pub parties: Arc<Parties>,
    /// The run folder (keys, metadata, stores).
    pub dir: PathBuf,
}

async fn bind() -> Result<(TcpListener, String), StartError> {
    let listener = TcpListener::bind(("127.0.0.1", 0))
        .await
        .map_err(|e| StartError::Io("binding 127.0.0.1".into(), e))?;
    let addr: SocketAddr = listener
        .local_addr()
        .map_err(|e| StartError::Io("local address".into(), e))?;
    Ok((listener, format!("http://{addr}")))
}

fn serve(listener: TcpListener, app: axum::Router) {
    tokio::spawn(async move {
        if let Err(err) = idp::serve::serve(listener, app, idp::serve::Limits::default()).await {
            tracing::error!(%err, "a party of the federation stopped");
        }
    });
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> Result<PathBuf, StartError> {
    let path = dir.join(name);
    std::fs::write(&path, bytes).map_err(|e| StartError::Io(path.display().to_string(), e))?;
    Ok(path)
}

struct Credential {
    key_der: Vec<u8>,
    key: rsa::RsaPrivateKey,
    cert: Vec<u8>,
}

fn credential(ca: &RunningService, name: &str) -> Result<Credential, StartError> {
    let c = ca.pki.service_credential(name).map_err(party(name))?;
    let key_der = c
        .key
        .to_pkcs8_der()
        .map_err(party(name))?
        .as_bytes()
        .to_vec();
    Ok(Credential {
        key_der,
        key: (*c.key).clone(),
        cert: c.certificate,
    })
}

/// The name people see for an SP of the federation (its metadata's mdui:DisplayName).
fn display_name(name: &str) -> Option<mock_sp::sp::DisplayName> {
    let (ja, en) = match name {
        names::EAPP => ("電子申請システム", "e-application system"),
        names::PORTAL => ("行政ポータル", "government portal"),
        names::BANK => ("インターネットバンキング", "internet banking"),
        _ => return None,
    };
    Some(mock_sp::sp::DisplayName::new(ja, en))
}

/// An IdP's configuration file (paths relative to the run folder).
fn idp_toml(
    name: &str,
    url: &str,
    channel: &str,
    hub: bool,
    ca_url: &str,
    helper: Option<u16>,
) -> String {
    let helper = helper
        .map(|p| format!("card_helper_url = \"http://127.0.0.1:{p}\"\n"))
        .unwrap_or_default();
    let professionals: String = ["zeirishi", "shihoshoshi"]
        .iter()
        .map(|id| {
            format!(
                "\n[[professional_anchors]]\nlabel = \"{id}\"\ncertificate = \"{id}.crt\"\nocsp_url = \"{ca_url}/ocsp/{id}\"\ncrl_url = \"{ca_url}/crl/{id}.crl\"\n"
            )
        })
        .collect();
    format!(
        r#"entity_id = "{url}/idp"
base_url = "{url}"
store = "{name}.sqlite"
signing_key = "{name}.key"
signing_cert = "{name}.crt"
channel = "{channel}"
hub = {hub}
{helper}
[metadata_aggregate]
path = "aggregate.xml"
operator_certificate = "operator.crt"

[[anchors]]
label = "jpki-auth"
certificate = "jpki-auth.crt"
ocsp_url = "{ca_url}/ocsp/jpki-auth"
crl_url = "{ca_url}/crl/jpki-auth.crl"
predecessor_url = "{ca_url}/predecessors"
{professionals}"#
    )
}

impl Federation {
    /// Starts every party on loopback; files go in `dir` (created).
    pub async fn start(dir: &Path, options: Options) -> Result<Self, StartError> {
        std::fs::create_dir_all(dir).map_err(|e| StartError::Io(dir.display().to_string(), e))?;
        let clock = Clock::system();
        let tap = options.tap.clone();
        let wrap = |name: &'static str, router: axum::Router| match &tap {
            Some(t) => t.wrap(name, router),
            None => router,
        };
        let ca = tokio::task::block_in_place(|| {
            let listener = std::net::TcpListener::bind(("127.0.0.1", 0))?;
            let config = mock_ca::PkiConfig::new(&format!("http://{}", listener.local_addr()?));
            let pki = Arc::new(mock_ca::Pki::build(config, clock.clone())?);
            RunningService::serve_wrapped(listener, pki, |r| wrap(names::CA, r))
        })
        .map_err(party(names::CA))?;
        let [(platform_l, platform_url), (catv_l, catv_url), (eapp_l, eapp_url), (portal_l, portal_url), (bank_l, bank_url), (aa_l, aa_url)] = [
            bind().await?,
            bind().await?,
            bind().await?,
            bind().await?,
            bind().await?,
            bind().await?,
        ];
        let creds = [
            credential(&ca, "idp")?,
            credential(&ca, "catv-idp")?,
            credential(&ca, "sp-1")?,
            credential(&ca, "sp-2")?,
            credential(&ca, "sp-3")?,
            credential(&ca, "attribute-authority")?,
        ];
        let operator_cred = credential(&ca, "federation-operator")?;
        let [platform_c, catv_c, eapp_c, portal_c, bank_c, aa_c] = creds;
        let idp_md = |url: &str, c: &Credential, hub: bool| {
            let name = if hub {
                (
                    "個人認証プラットフォーム",
                    "personal authentication platform",
                )
            } else {
                (
                    "ケーブルテレビ事業者（セットトップボックス）",
                    "cable-TV operator (set-top box)",
                )
            };
            idp_metadata(&IdpDescriptor {
                entity_id: format!("{url}/idp"),
                sso_url: format!("{url}/sso"),
                slo_url: format!("{url}/slo"),
                signing_cert: c.cert.clone(),
                hub_acs_url: hub.then(|| format!("{url}/hub/acs")),
                display_name: Some((name.0.to_owned(), name.1.to_owned())),
            })
        };
        let qualification: Vec<String> = QUALIFICATION_ATTRIBUTES
            .iter()
            .map(|a| (*a).to_owned())
            .collect();
        let sp_md = |url: &str, c: &Credential, requested: &[String], (ja, en): (&str, &str)| {
            let display = mock_sp::sp::DisplayName::new(ja, en);
            mock_sp::sp::metadata(
                &format!("{url}/sp"),
                url,
                &c.cert,
                requested,
                Some(&display),
            )
        };
        let operator = Operator {
            registrations: vec![
                Registration {
                    name: names::PLATFORM,
                    metadata: idp_md(&platform_url, &platform_c, true),
                    categories: vec![category::PLATFORM],
                    assurance: vec![AC_JPKI_USER_AUTH],
                },
                Registration {
                    name: names::CATV,
                    metadata: idp_md(&catv_url, &catv_c, false),
                    categories: vec![category::CARD_IDP, category::CATV],
                    assurance: vec![AC_JPKI_USER_AUTH],
                },
                Registration {
                    name: names::EAPP,
                    metadata: sp_md(
                        &eapp_url,
                        &eapp_c,
                        &qualification,
                        ("電子申請システム", "e-application system"),
                    ),
                    categories: vec![category::GOVERNMENT],
                    assurance: vec![],
                },
                Registration {
                    name: names::PORTAL,
                    metadata: sp_md(
                        &portal_url,
                        &portal_c,
                        &[],
                        ("行政ポータル", "government portal"),
                    ),
                    categories: vec![category::GOVERNMENT],
                    assurance: vec![],
                },
                Registration {
                    name: names::BANK,
                    metadata: sp_md(
                        &bank_url,
                        &bank_c,
                        &[],
                        ("インターネットバンキング", "internet banking"),
                    ),
                    categories: vec![category::BANK],
                    assurance: vec![],
                },
                Registration {
                    name: names::AA,
                    metadata: attribute_authority_metadata(
                        &format!("{aa_url}/aa"),
                        &format!("{aa_url}/soap"),
                        &aa_c.cert,
                    ),
                    categories: vec![category::ATTRIBUTE_AUTHORITY],
                    assurance: vec![],
                },
            ],
            key_der: operator_cred.key_der.clone(),
            certificate: operator_cred.cert.clone(),
        };
        let without: &[&str] = if options.without_catv {
            &[names::CATV]
        } else {
            &[]
        };
        let aggregate_xml = operator.publish(clock.now() + Duration::days(7), without)?;
        write(dir, "aggregate.xml", aggregate_xml.as_bytes())?;
        write(dir, "operator.crt", &operator.certificate)?;
        let auth_ca = ca
            .pki
            .authority(mock_ca::pki::ca::JPKI_AUTH)
            .ok_or_else(|| StartError::Party("no JPKI auth CA".into()))?;
        write(dir, "jpki-auth.crt", auth_ca.certificate())?;
        for id in ["zeirishi", "shihoshoshi"] {
            let ca_cert = ca
                .pki
                .authority(id)
                .ok_or_else(|| StartError::Party(format!("no {id} CA")))?;
            write(dir, &format!("{id}.crt"), ca_cert.certificate())?;
        }
        let base = ca.base_url();
        let now_fn = {
            let clock = clock.clone();
            move || clock.now()
        };
        let start_idp = |name: &str,
                         url: &str,
                         c: &Credential,
                         channel: &str,
                         hub: bool|
         -> Result<Arc<Platform>, StartError> {
            write(dir, &format!("{name}.key"), &c.key_der)?;
            write(dir, &format!("{name}.crt"), &c.cert)?;
            let path = write(
                dir,
                &format!("{name}.toml"),
                idp_toml(name, url, channel, hub, &base, options.card_helper_port).as_bytes(),
            )?;
            let config = IdpConfig::load(&path).map_err(party(name))?;
            Ok(Arc::new(
                Platform::new(config, Arc::new(now_fn.clone())).map_err(party(name))?,
            ))
        };
        let platform = start_idp("platform", &platform_url, &platform_c, "direct", true)?;
        let catv = start_idp("catv", &catv_url, &catv_c, "catv", false)?;
        // Each SP verifies the aggregate itself and takes the platform from it.
        let (agg, platform_md) = platform_from_aggregate(
            &aggregate_xml,
            std::slice::from_ref(&operator.certificate),
            clock.now(),
        )
        .map_err(party("an SP"))?;
        let sp = |name: &str,
                  url: &str,
                  c: &Credential,
                  requested: &[String]|
         -> Result<Arc<ServiceProvider>, StartError> {
            let mut config = SpConfig {
                name: name.to_owned(),
                entity_id: format!("{url}/sp"),
                base_url: url.to_owned(),
                idp_entity_id: String::new(),
                idp_sso_url: String::new(),
                idp_slo_url: String::new(),
                idp_certs: Vec::new(),
                key: c.key.clone(),
                cert_der: c.cert.clone(),
                required_class: Some(AC_JPKI_USER_AUTH.to_owned()),
                requested_attributes: requested.to_vec(),
                display_name: display_name(name),
                danger: Default::default(),
            };
            config.trust_idp(&platform_md).map_err(party(name))?;
            Ok(ServiceProvider::new(config, Arc::new(now_fn.clone())))
        };
        let eapp = EApplication::new(
            sp(names::EAPP, &eapp_url, &eapp_c, &qualification)?,
            COLLECTOR_NUMBER,
            banks(&agg, &bank_url),
            authorities(&agg),
        )
        .map_err(|e| StartError::Party(format!("{}: {e}", names::EAPP)))?;
        let portal = sp(names::PORTAL, &portal_url, &portal_c, &[])?;
        let accounts = ACCOUNTS
            .iter()
            .map(|(number, password, holder, balance)| Account {
                number: (*number).to_owned(),
                password: (*password).to_owned(),
                holder: (*holder).to_owned(),
                balance: *balance,
            })
            .collect();
        let bank = Bank::new(
            sp(names::BANK, &bank_url, &bank_c, &[])?,
            accounts,
            collectors(&agg),
            options.bank_danger,
        )
        .map_err(|e| StartError::Party(format!("{}: {e}", names::BANK)))?;
        serve(
            platform_l,
            wrap(names::PLATFORM, idp::http::router(Arc::clone(&platform))),
        );
        serve(
            catv_l,
            wrap(names::CATV, idp::http::router(Arc::clone(&catv))),
        );
        serve(eapp_l, wrap(names::EAPP, eapp.router()));
        serve(portal_l, wrap(names::PORTAL, portal.router()));
        let authority = start_authority(&ca, &aa_url, aa_c, &agg, &now_fn)?;
        serve(bank_l, wrap(names::BANK, bank.router()));
        serve(aa_l, wrap(names::AA, authority.router()));
        let mut parties = Parties::default();
        for (url, name) in [
            (&platform_url, names::PLATFORM),
            (&catv_url, names::CATV),
            (&eapp_url, names::EAPP),
            (&portal_url, names::PORTAL),
            (&bank_url, names::BANK),
            (&aa_url, names::AA),
            (&base, names::CA),
        ] {
            parties.add(url, name);
        }
        let parties = Arc::new(parties);
        if let Some(t) = &tap {
            t.know(Arc::clone(&parties));
        }
        Ok(Self {
            clock,
            ca,
            platform,
            platform_url,
            catv,
            catv_url,
            eapp,
            eapp_url,
            portal,
            portal_url,
            bank,
            bank_url,
            authority,
            authority_url: aa_url,
            operator,
            parties,
            dir: dir.to_owned(),
            joined: std::sync::Mutex::default(),
        })
    }

    /// Joins an outside system (its EntityDescriptor: an SP as a government system, an
    /// IdP as a card IdP the platform accepts as a hub): the operator signs a new
    /// aggregate with it (written to `aggregate.xml`) and the platform and the CATV IdP
    /// load it. The new aggregate.
    pub fn join(&self, metadata: &str) -> Result<String, StartError> {
        let doc = trust_framework::saml::xml::parse(metadata)
            .map_err(|e| StartError::Party(format!("{}: {e}", names::VENDOR)))?;
        let has = |role: &str| doc.descendants().any(|n| n.tag_name().name() == role);
        let (categories, assurance) = if has("SPSSODescriptor") {
            (vec![category::GOVERNMENT], vec![])
        } else if has("IDPSSODescriptor") {
            (vec![category::CARD_IDP], vec![AC_JPKI_USER_AUTH])
        } else {
            return Err(StartError::Party(format!(
                "{}: the metadata describes neither an SP nor an IdP",
                names::VENDOR
            )));
        };
        let mut joined = self
            .joined
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut with = joined.clone();
        with.push(Registration {
            name: names::VENDOR,
            metadata: metadata.to_owned(),
            categories,
            assurance,
        });
        let text = self.publish(&with)?;
        *joined = with;
        Ok(text)
    }

    /// The operator publishes the aggregate again, valid for a week from now (as it
    /// would have, on schedule, by a date a scenario jumps to), and the platform and the
    /// CATV IdP load it.
    pub fn republish(&self) -> Result<(), StartError> {
        let joined = self
            .joined
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        self.publish(&joined).map(drop)
    }

    fn publish(&self, joined: &[Registration]) -> Result<String, StartError> {
        let text = self
            .operator
            .publish_joined(self.clock.now() + Duration::days(7), joined)?;
        for (name, platform) in [(names::PLATFORM, &self.platform), (names::CATV, &self.catv)] {
            platform
                .refresh_aggregate(&text)
                .map_err(|e| StartError::Party(format!("{name}: {e}")))?;
        }
        write(&self.dir, "aggregate.xml", text.as_bytes())?;
        Ok(text)
    }

    /// What each party makes of an aggregate: the platform and the CATV IdP refresh
    /// (keeping the last good one if refused), the SPs and the attribute authority load
    /// it as at start-up.
    pub fn offer_aggregate(&self, text: &str) -> Vec<(&'static str, Result<(), String>)> {
        let operator = std::slice::from_ref(&self.operator.certificate);
        let sp_loads = || {
            platform_from_aggregate(text, operator, self.clock.now())
                .map(|_| ())
                .map_err(|e| e.to_string())
        };
        vec![
            (
                names::PLATFORM,
                self.platform
                    .refresh_aggregate(text)
                    .map(|_| ())
                    .map_err(|e| e.to_string()),
            ),
            (
                names::CATV,
                self.catv
                    .refresh_aggregate(text)
                    .map(|_| ())
                    .map_err(|e| e.to_string()),
            ),
            (names::EAPP, sp_loads()),
            (names::PORTAL, sp_loads()),
            (names::BANK, sp_loads()),
            (
                names::AA,
                aggregate::load(text, operator, self.clock.now())
                    .map(|_| ())
                    .map_err(|e| e.to_string()),
            ),
        ]
    }
}

/// The tax accountants' body's attribute authority: cards checked against the JPKI CA,
/// professionals against the 税理士 CA, requesters from the aggregate.
fn start_authority(
    ca: &RunningService,
    url: &str,
    c: Credential,
    agg: &Aggregate,
    now: &(impl Fn() -> OffsetDateTime + Send + Sync + Clone + 'static),
) -> Result<Arc<AttributeAuthority>, StartError> {
    let checked = |id: &str| -> Result<CheckedCa, StartError> {
        let authority = ca
            .pki
            .authority(id)
            .ok_or_else(|| StartError::Party(format!("no {id} CA")))?;
        let mut anchors = TrustAnchors::new();
        anchors
            .add(id, authority.certificate())
            .map_err(party(names::AA))?;
        Ok(CheckedCa {
            anchors,
            ocsp_url: authority.urls().ocsp.clone(),
            crl_url: authority.urls().crl.clone(),
        })
    };
    let requesters = mock_sp::attribute_authority::requesters_of(agg);
    let entity_id =
        trust_framework::EntityId::new(&format!("{url}/aa")).map_err(party(names::AA))?;
    let config = AuthorityConfig {
        entity_id,
        base_url: url.to_owned(),
        key_der: c.key_der,
        cert_der: c.cert,
        cards: checked(mock_ca::pki::ca::JPKI_AUTH)?,
        professionals: checked("zeirishi")?,
        requesters,
    };
    AttributeAuthority::new(config, Arc::new(now.clone()))
        .map_err(|e| StartError::Party(format!("{}: {e}", names::AA)))
}

/// The attribute authorities whose assertions an SP verifies: the aggregate's.
fn authorities(agg: &Aggregate) -> Vec<AuthorityTrust> {
    agg.with_category(category::ATTRIBUTE_AUTHORITY)
        .filter_map(|e| {
            Some(AuthorityTrust {
                entity_id: e.entity_id.clone(),
                certs: e.attribute_authority.as_ref()?.signing_certs.clone(),
            })
        })
        .collect()
}

/// The banks an e-application SP accepts notices from: the aggregate's BANK entities.
fn banks(agg: &Aggregate, bank_url: &str) -> Vec<BankTrust> {
    agg.with_category(category::BANK)
        .filter_map(|e| {
            let sp = e.sp.as_ref()?;
            Some(BankTrust {
                entity_id: e.entity_id.clone(),
                // Where the user pays is the bank's own page, agreed with the collector.
                pay_url: format!("{bank_url}/pay"),
                certs: sp.signing_certs.clone(),
            })
        })
        .collect()
}

/// The collectors a bank accepts payment requests from: the aggregate's government SPs.
fn collectors(agg: &Aggregate) -> Vec<CollectorTrust> {
    agg.with_category(category::GOVERNMENT)
        .filter_map(|e| {
            let sp = e.sp.as_ref()?;
            let origins = sp
                .acs
                .iter()
                .filter_map(|a| url::Url::parse(&a.location).ok())
                .map(|u| u.origin().ascii_serialization())
                .collect();
            let name = sp.display_name("ja").map(|ja| {
                (
                    ja.to_owned(),
                    sp.display_name("en").unwrap_or_default().to_owned(),
                )
            });
            Some(CollectorTrust {
                entity_id: e.entity_id.clone(),
                certs: sp.signing_certs.clone(),
                origins,
                name,
            })
        })
        .collect()
}
