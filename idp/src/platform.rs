//! The platform: configuration turned into the state every request uses.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use rand::RngCore;
use time::OffsetDateTime;
use trust_framework::pairwise::PairwiseSecret;
use trust_framework::saml::aggregate::{self, Aggregate};
use trust_framework::saml::constants::category;
use trust_framework::saml::metadata::{
    self, AttributeAuthorityMetadata, IdpDescriptor, IdpMetadata, SpMetadata,
};
use trust_framework::x509::{PathPolicy, TrustAnchors};
use trust_framework::EntityId;

use crate::config::{read_der, AnchorConfig, ConfigError, IdpConfig};
use crate::error::IdpError;
use crate::sessions::Memory;
use crate::store::Store;

/// What the IdP reads the time from (steerable in tests).
pub type Clock = Arc<dyn Fn() -> OffsetDateTime + Send + Sync>;

/// The system clock.
pub fn system_clock() -> Clock {
    Arc::new(OffsetDateTime::now_utc)
}

/// The certificate policy of JPKI user-authentication certificates.
pub const JPKI_AUTH_POLICY: &str = "1.2.392.200149.8.5.1.3.30";

/// The running platform.
pub struct Platform {
    /// The configuration.
    pub config: IdpConfig,
    /// The entityID.
    pub entity_id: EntityId,
    /// SAML signing key, PKCS#8 DER.
    pub key_der: Vec<u8>,
    /// The same key, for detached (redirect) signatures.
    pub key: rsa::RsaPrivateKey,
    /// SAML signing certificate, DER.
    pub cert_der: Vec<u8>,
    /// SPs from the configured metadata files.
    static_sps: HashMap<String, Arc<SpMetadata>>,
    /// What the platform trusts now: the static SPs and the aggregate's parties.
    registry: RwLock<Registry>,
    /// The federation operator's certificates (the only keys an aggregate is checked with).
    operator_certs: Vec<Vec<u8>>,
    /// Card trust anchors.
    pub anchors: TrustAnchors,
    /// 士業 CAs (proxy model 1).
    pub professional_anchors: TrustAnchors,
    /// What a login certificate must satisfy.
    pub policy: PathPolicy,
    /// Persistent store.
    pub store: Store,
    /// The pairwise-ID secret.
    pub secret: PairwiseSecret,
    /// Logins, challenges, sessions.
    pub memory: Memory,
    /// The key of the values it hands browsers and takes back (binding cookie, logout).
    pub(crate) tokens: crate::tokens::Tokens,
    /// HTTP client for OCSP and CRLs.
    pub http: reqwest::Client,
    /// The clock.
    pub clock: Clock,
}

/// The parties the platform trusts, rebuilt whole from each good aggregate.
#[derive(Debug, Default)]
struct Registry {
    sps: HashMap<String, Arc<SpMetadata>>,
    /// Card IdPs the platform accepts card logins from as a hub.
    upstreams: HashMap<String, Arc<IdpMetadata>>,
    /// SPs registered as the platform (category PLATFORM): they may receive the card
    /// certificate (a card IdP's only SP is the hub).
    hubs: Vec<String>,
    /// Attribute authorities of the aggregate (proxy model 2).
    authorities: Vec<Arc<AttributeAuthorityMetadata>>,
    /// The aggregate's validUntil, when one is loaded.
    valid_until: Option<OffsetDateTime>,
    /// The SPs that came from the aggregate (they go when it expires).
    from_aggregate: Vec<String>,
    /// When the last aggregate expired, if no new one was loaded since.
    expired_at: Option<OffsetDateTime>,
}

impl Registry {
    fn build(
        static_sps: &HashMap<String, Arc<SpMetadata>>,
        aggregate: Option<&Aggregate>,
        own: &EntityId,
        hub: bool,
    ) -> Self {
        let mut r = Registry {
            sps: static_sps.clone(),
            ..Registry::default()
        };
        let Some(agg) = aggregate else {
            return r;
        };
        r.valid_until = Some(agg.valid_until);
        for e in &agg.entities {
            if &e.entity_id == own {
                continue;
            }
            if let Some(sp) = &e.sp {
                r.sps.insert(e.entity_id.to_string(), Arc::new(sp.clone()));
                r.from_aggregate.push(e.entity_id.to_string());
                if e.has_category(category::PLATFORM) {
                    r.hubs.push(e.entity_id.to_string());
                }
            }
            if let (true, Some(aa)) = (
                e.has_category(category::ATTRIBUTE_AUTHORITY),
                &e.attribute_authority,
            ) {
                r.authorities.push(Arc::new(aa.clone()));
            }
            if let (true, true, Some(idp)) = (hub, e.has_category(category::CARD_IDP), &e.idp) {
                r.upstreams
                    .insert(e.entity_id.to_string(), Arc::new(idp.clone()));
            }
        }
        r
    }

    /// The aggregate's validUntil has passed: every party it gave stops being trusted
    /// (the configured SPs stay).
    fn expire(&mut self, static_sps: &HashMap<String, Arc<SpMetadata>>) {
        for id in std::mem::take(&mut self.from_aggregate) {
            match static_sps.get(&id) {
                Some(sp) => self.sps.insert(id, Arc::clone(sp)),
                None => self.sps.remove(&id),
            };
        }
        self.upstreams.clear();
        self.hubs.clear();
        self.authorities.clear();
        self.expired_at = self.valid_until.take();
    }
}

impl std::fmt::Debug for Platform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Platform")
            .field("entity_id", &self.entity_id)
            .finish_non_exhaustive()
    }
}

impl Platform {
    /// Builds the platform from its configuration.
    pub fn new(config: IdpConfig, clock: Clock) -> Result<Self, ConfigError> {
        config.check()?;
        let entity_id =
            EntityId::new(&config.entity_id).map_err(|e| ConfigError::Invalid(e.to_string()))?;
        let key_der = read_der(&config.signing_key)?;
        let cert_der = read_der(&config.signing_cert)?;
        let key = <rsa::RsaPrivateKey as rsa::pkcs8::DecodePrivateKey>::from_pkcs8_der(&key_der)
            .map_err(|e| {
                ConfigError::Invalid(format!(
                    "{}: not a PKCS#8 RSA key: {e}",
                    config.signing_key.display()
                ))
            })?;
        let mut sps = HashMap::new();
        for path in &config.sp_metadata {
            let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                path: path.display().to_string(),
                source,
            })?;
            for sp in metadata::parse_sps(&text)
                .map_err(|e| ConfigError::Invalid(format!("{}: {e}", path.display())))?
            {
                sps.insert(sp.entity_id.as_str().to_owned(), Arc::new(sp));
            }
        }
        let (operator_certs, loaded) = match &config.metadata_aggregate {
            Some(agg) => {
                let text =
                    std::fs::read_to_string(&agg.path).map_err(|source| ConfigError::Read {
                        path: agg.path.display().to_string(),
                        source,
                    })?;
                let operator = vec![read_der(&agg.operator_certificate)?];
                let loaded = aggregate::load(&text, &operator, clock()).map_err(|e| {
                    ConfigError::Invalid(format!("metadata aggregate {}: {e}", agg.path.display()))
                })?;
                (operator, Some(loaded))
            }
            None => (Vec::new(), None),
        };
        let registry = Registry::build(&sps, loaded.as_ref(), &entity_id, config.hub);
        let mut anchors = TrustAnchors::new();
        for a in &config.anchors {
            anchors
                .add(&a.label, &read_der(&a.certificate)?)
                .map_err(|e| ConfigError::Invalid(format!("anchor {}: {e}", a.label)))?;
        }
        let mut professional_anchors = TrustAnchors::new();
        for a in &config.professional_anchors {
            professional_anchors
                .add(&a.label, &read_der(&a.certificate)?)
                .map_err(|e| {
                    ConfigError::Invalid(format!("professional anchor {}: {e}", a.label))
                })?;
        }
        let store = Store::open(&config.store).map_err(|e| ConfigError::Invalid(e.to_string()))?;
        let secret = store
            .pairwise_secret()
            .map_err(|e| ConfigError::Invalid(e.to_string()))?;
        // Software names itself: the parties it asks (CA, attribute authorities) can tell
        // which IdP asked.
        let http = reqwest::Client::builder()
            .user_agent(format!("mnctf-idp ({})", config.entity_id))
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_millis(config.timing.fetch_ms))
            .build()
            .map_err(|e| ConfigError::Invalid(format!("HTTP client: {e}")))?;
        let policy = PathPolicy {
            required_policy: JPKI_AUTH_POLICY.parse().ok(),
            required_eku: Some(const_oid_client_auth()),
        };
        let limits = config.limits;
        let shared_stores = crate::defects::Defects::of(&config).shared_stores;
        Ok(Self {
            config,
            entity_id,
            key_der,
            key,
            cert_der,
            static_sps: sps,
            registry: RwLock::new(registry),
            operator_certs,
            anchors,
            professional_anchors,
            policy,
            store,
            secret,
            memory: Memory::new(&limits, shared_stores),
            tokens: crate::tokens::Tokens::default(),
            http,
            clock,
        })
    }

    /// What the platform trusts now: an aggregate past its validUntil is dropped at that
    /// instant, whatever is asked (fail closed).
    fn registry(&self) -> std::sync::RwLockReadGuard<'_, Registry> {
        let now = self.now();
        let expired = |r: &Registry| r.valid_until.is_some_and(|v| v <= now);
        if expired(&self.registry.read().unwrap_or_else(PoisonError::into_inner)) {
            let mut r = self
                .registry
                .write()
                .unwrap_or_else(PoisonError::into_inner);
            if expired(&r) {
                tracing::warn!(
                    "the federation metadata aggregate has expired: its parties are no longer trusted"
                );
                r.expire(&self.static_sps);
            }
        }
        self.registry.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// The error for an SP the platform does not trust now: it is unknown, or the
    /// aggregate that listed it has expired.
    pub fn unknown_sp(&self, entity_id: &str) -> IdpError {
        match self.registry().expired_at {
            Some(at) => IdpError::UnknownSp(format!(
                "{entity_id} (the federation metadata aggregate expired at {at}; the operator's next one has not been loaded)"
            )),
            None => IdpError::UnknownSp(entity_id.to_owned()),
        }
    }

    /// A registered SP.
    pub fn sp(&self, entity_id: &str) -> Option<Arc<SpMetadata>> {
        self.registry().sps.get(entity_id).cloned()
    }

    /// Whether `url` is on the origin of a registered SP's ACS: where the platform's own
    /// pages may link back to (never an address a form merely names).
    pub fn is_service_page(&self, url: &str) -> bool {
        let Some(origin) = origin(url) else {
            return false;
        };
        self.registry()
            .sps
            .values()
            .flat_map(|sp| sp.acs.iter())
            .any(|acs| self::origin(&acs.location).as_deref() == Some(origin.as_str()))
    }

    /// A card IdP the platform accepts logins from as a hub (TF-CATV-001).
    pub fn upstream(&self, entity_id: &str) -> Option<Arc<IdpMetadata>> {
        self.registry().upstreams.get(entity_id).cloned()
    }

    /// Every card IdP of the hub, in entityID order.
    pub fn upstreams(&self) -> Vec<Arc<IdpMetadata>> {
        let mut all: Vec<_> = self.registry().upstreams.values().cloned().collect();
        all.sort_by(|a, b| a.entity_id.as_str().cmp(b.entity_id.as_str()));
        all
    }

    /// The attribute authorities of the aggregate (proxy model 2).
    pub fn attribute_authorities(&self) -> Vec<Arc<AttributeAuthorityMetadata>> {
        self.registry().authorities.clone()
    }

    /// Whether `sp` is registered as the platform (a hub), and may receive card
    /// certificates.
    pub fn is_hub(&self, sp: &EntityId) -> bool {
        self.registry().hubs.iter().any(|h| h == sp.as_str())
    }

    /// Takes a new aggregate (TF-MD-002): verified with the operator's configured key,
    /// current, then it replaces every party the previous one gave. A refused aggregate
    /// changes nothing: the last good one stays in force.
    pub fn refresh_aggregate(&self, text: &str) -> Result<OffsetDateTime, ConfigError> {
        if self.operator_certs.is_empty() {
            return Err(ConfigError::Invalid(
                "no metadata_aggregate configured: no operator key to check it with".into(),
            ));
        }
        let loaded = aggregate::load(text, &self.operator_certs, self.now())
            .map_err(|e| ConfigError::Invalid(format!("metadata aggregate refused: {e}")))?;
        let fresh = Registry::build(
            &self.static_sps,
            Some(&loaded),
            &self.entity_id,
            self.config.hub,
        );
        *self
            .registry
            .write()
            .unwrap_or_else(PoisonError::into_inner) = fresh;
        Ok(loaded.valid_until)
    }

    /// Keeps the aggregate current (TF-MD-002): every `refresh_seconds` it is fetched from
    /// the operator's `url` (within the fetch time and size limits), or read again from
    /// `path`, and taken if it verifies and is current. A refused or unreachable one leaves
    /// the last good one in force, until its validUntil. Runs for the life of the process.
    pub async fn keep_aggregate_fresh(self: Arc<Self>) {
        let Some(agg) = self.config.metadata_aggregate.clone() else {
            return;
        };
        if agg.refresh_seconds == 0 {
            return;
        }
        let every = std::time::Duration::from_secs(agg.refresh_seconds);
        loop {
            tokio::time::sleep(every).await;
            let fresh = match self.fetch_aggregate(&agg).await {
                Ok(text) => self.refresh_aggregate(&text).map_err(|e| e.to_string()),
                Err(e) => Err(e),
            };
            match fresh {
                Ok(until) => tracing::info!(%until, "metadata aggregate refreshed"),
                Err(e) => tracing::warn!("metadata aggregate kept, not refreshed: {e}"),
            }
        }
    }

    async fn fetch_aggregate(
        &self,
        agg: &crate::config::AggregateConfig,
    ) -> Result<String, String> {
        let Some(url) = &agg.url else {
            // A local file of at most a few MiB: read on the caller's task.
            return std::fs::read_to_string(&agg.path)
                .map_err(|e| format!("{}: {e}", agg.path.display()));
        };
        let limit = std::time::Duration::from_millis(self.config.timing.fetch_ms);
        let body = relying_party::revocation::fetch(self.http.get(url), limit)
            .await
            .map_err(|e| format!("{url}: {e}"))?;
        String::from_utf8(body).map_err(|_| format!("{url}: not UTF-8 text"))
    }

    /// Registers (or replaces) the SPs of a metadata document while running.
    pub fn register_sps(
        &self,
        xml: &str,
    ) -> Result<Vec<EntityId>, trust_framework::saml::SamlError> {
        let parsed = metadata::parse_sps(xml)?;
        let mut registry = self
            .registry
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        Ok(parsed
            .into_iter()
            .map(|sp| {
                let id = sp.entity_id.clone();
                registry.sps.insert(id.as_str().to_owned(), Arc::new(sp));
                id
            })
            .collect())
    }

    /// Now.
    pub fn now(&self) -> OffsetDateTime {
        (self.clock)()
            .replace_nanosecond(0)
            .unwrap_or_else(|_| (self.clock)())
    }

    /// A URL on this IdP.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.config.base_url.trim_end_matches('/'))
    }

    /// The anchor configuration by label.
    pub fn anchor_config(&self, label: &str) -> Option<&AnchorConfig> {
        self.config.anchors.iter().find(|a| a.label == label)
    }

    /// The 士業 anchor configuration by label.
    pub fn professional_anchor_config(&self, label: &str) -> Option<&AnchorConfig> {
        self.config
            .professional_anchors
            .iter()
            .find(|a| a.label == label)
    }

    /// The IdP's metadata (TF-IDP-001); a hub's also has the SP role card IdPs answer.
    pub fn metadata(&self) -> String {
        metadata::idp_metadata(&IdpDescriptor {
            entity_id: self.entity_id.to_string(),
            sso_url: self.url("/sso"),
            slo_url: self.url("/slo"),
            signing_cert: self.cert_der.clone(),
            hub_acs_url: self.config.hub.then(|| self.url("/hub/acs")),
            display_name: None,
        })
    }

    /// A fresh xs:ID.
    pub fn new_id() -> String {
        let mut b = [0u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut b);
        trust_framework::saml::xml::new_id(b)
    }
}

/// id-kp-clientAuth.
fn const_oid_client_auth() -> trust_framework::x509::Oid {
    trust_framework::x509::ID_KP_CLIENT_AUTH
}

/// `scheme://host:port` of an http(s) URL.
fn origin(url: &str) -> Option<String> {
    let u = url::Url::parse(url).ok()?;
    if !matches!(u.scheme(), "http" | "https") {
        return None;
    }
    Some(u.origin().ascii_serialization())
}
