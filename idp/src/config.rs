//! The IdP's configuration file (TOML). Relative paths are relative to the file.

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Timing settings, in seconds.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Timing {
    /// Assertion validity (TF-IDP-007: at most 300).
    #[serde(default = "default_assertion")]
    pub assertion: i64,
    /// SSO session lifetime.
    #[serde(default = "default_session")]
    pub session: i64,
    /// Challenge lifetime (TF-BIND-003: at most 120).
    #[serde(default = "default_challenge")]
    pub challenge: i64,
    /// Clock skew tolerated on requests and revocation data.
    #[serde(default = "default_skew")]
    pub skew: i64,
    /// Limit on each OCSP or CRL fetch, in milliseconds (TF-PKI-007: at most 5000).
    #[serde(default = "default_fetch_ms")]
    pub fetch_ms: u64,
}

fn default_assertion() -> i64 {
    300
}
fn default_session() -> i64 {
    8 * 3600
}
fn default_challenge() -> i64 {
    120
}
fn default_skew() -> i64 {
    120
}
fn default_fetch_ms() -> u64 {
    3000
}

impl Default for Timing {
    fn default() -> Self {
        Self {
            assertion: default_assertion(),
            session: default_session(),
            challenge: default_challenge(),
            skew: default_skew(),
            fetch_ms: default_fetch_ms(),
        }
    }
}

/// How much of the platform's memory outside requests may take: each store's size, and
/// each client's, card's and SP's share of it (issue 21: one client filled the shared
/// stores and locked everyone out).
#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Entries of each store (logins in progress, challenges, sessions, …).
    pub entries: usize,
    /// Logins in progress per client address (the oldest of that client's give way).
    pub logins_per_client: usize,
    /// Challenges per login in progress (the oldest give way).
    pub challenges_per_login: usize,
    /// Sessions per person (the oldest give way).
    pub sessions_per_person: usize,
    /// Signed requests remembered per SP for replay detection (the oldest give way).
    pub requests_per_sp: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            entries: 100_000,
            logins_per_client: 200,
            challenges_per_login: 8,
            sessions_per_person: 16,
            requests_per_sp: 20_000,
        }
    }
}

/// A trust anchor for card certificates and where its revocation data is.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnchorConfig {
    /// A name (e.g. `jpki-auth`).
    pub label: String,
    /// The CA certificate (DER or PEM).
    pub certificate: PathBuf,
    /// The OCSP responder.
    pub ocsp_url: String,
    /// The CRL.
    pub crl_url: String,
    /// The CA's renewal-link service (`GET <url>/<new serial hex>` gives the predecessor).
    #[serde(default)]
    pub predecessor_url: Option<String>,
}

impl AnchorConfig {
    /// Where its revocation data is.
    pub fn sources(&self) -> relying_party::Sources<'_> {
        relying_party::Sources {
            label: &self.label,
            ocsp_url: &self.ocsp_url,
            crl_url: &self.crl_url,
        }
    }
}

/// The federation's signed metadata aggregate (TF-MD-001..003).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AggregateConfig {
    /// The aggregate (an EntitiesDescriptor signed by the federation operator).
    pub path: PathBuf,
    /// The operator's signing certificate (DER or PEM): the only key it is checked with.
    pub operator_certificate: PathBuf,
    /// Where the operator publishes the aggregate: fetched every `refresh_seconds` (by
    /// `mnctf idp`). Without it, `path` is read again then.
    #[serde(default)]
    pub url: Option<String>,
    /// Seconds between refreshes (default 3600; 0: never).
    #[serde(default = "default_refresh")]
    pub refresh_seconds: u64,
}

fn default_refresh() -> u64 {
    3600
}

/// The TLS client-authentication binding (TF-BIND-006).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsBindingConfig {
    /// The server certificate (DER or PEM).
    pub certificate: PathBuf,
    /// Its key (PKCS#8, DER or PEM).
    pub key: PathBuf,
}

/// The whole configuration.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdpConfig {
    /// The IdP's entityID.
    pub entity_id: String,
    /// The public base URL (`http://127.0.0.1:PORT`): endpoints hang off it.
    pub base_url: String,
    /// The SQLite store.
    pub store: PathBuf,
    /// The SAML signing key (PKCS#8, DER or PEM).
    pub signing_key: PathBuf,
    /// Its certificate (DER or PEM).
    pub signing_cert: PathBuf,
    /// SP metadata files (EntityDescriptor or EntitiesDescriptor).
    #[serde(default)]
    pub sp_metadata: Vec<PathBuf>,
    /// Card trust anchors.
    pub anchors: Vec<AnchorConfig>,
    /// 士業 CAs whose certificates may sign professionals' registrations (proxy model 1).
    #[serde(default)]
    pub professional_anchors: Vec<AnchorConfig>,
    /// Timing.
    #[serde(default)]
    pub timing: Timing,
    /// Memory limits.
    #[serde(default)]
    pub limits: Limits,
    /// The federation's metadata aggregate, whose SPs are registered beside `sp_metadata`.
    #[serde(default)]
    pub metadata_aggregate: Option<AggregateConfig>,
    /// The TLS client-authentication binding, if offered.
    #[serde(default)]
    pub tls_binding: Option<TlsBindingConfig>,
    /// The local card helper the login page talks to (as JPKI client software runs on
    /// the user's machine).
    #[serde(default = "default_helper")]
    pub card_helper_url: String,
    /// The channel this IdP authenticates cards on, asserted to SPs (TF-IDP-016):
    /// `direct` for the platform, e.g. `catv` for a CATV operator's IdP.
    #[serde(default = "default_channel")]
    pub channel: String,
    /// Act as the federation's hub: accept card logins from the card IdPs of the
    /// aggregate (category `urn:mnctf:category:card-idp`) and publish an SP role for them.
    #[serde(default)]
    pub hub: bool,
    /// Planted defects (a `planted-defects` test build only).
    #[cfg(feature = "planted-defects")]
    #[serde(default)]
    pub defects: crate::defects::Defects,
}

impl IdpConfig {
    /// Whether this IdP's pages show on a television (the CATV channel's set-top box).
    pub fn on_tv(&self) -> bool {
        self.channel == "catv"
    }
}

fn default_channel() -> String {
    "direct".to_owned()
}

/// Whether `name` can be a channel name: 1..=32 of `a-z`, `0-9`, `-`.
pub fn valid_channel(name: &str) -> bool {
    (1..=32).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn default_helper() -> String {
    "http://127.0.0.1:18300".to_owned()
}

/// Why the configuration is not usable.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A file could not be read.
    #[error("{path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// TOML syntax or an unknown or missing field.
    #[error("{path}: {message}")]
    Syntax {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// A value is out of range or inconsistent.
    #[error("configuration: {0}")]
    Invalid(String),
}

impl IdpConfig {
    /// Reads a configuration file and resolves its relative paths.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.display().to_string(),
            source,
        })?;
        let mut config: Self = toml::from_str(&text).map_err(|e| ConfigError::Syntax {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        config.resolve(base);
        config.check()?;
        Ok(config)
    }

    fn resolve(&mut self, base: &Path) {
        let fix = |p: &mut PathBuf| {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        };
        fix(&mut self.store);
        fix(&mut self.signing_key);
        fix(&mut self.signing_cert);
        self.sp_metadata.iter_mut().for_each(fix);
        self.anchors
            .iter_mut()
            .chain(self.professional_anchors.iter_mut())
            .for_each(|a| fix(&mut a.certificate));
        if let Some(tls) = &mut self.tls_binding {
            fix(&mut tls.certificate);
            fix(&mut tls.key);
        }
        if let Some(agg) = &mut self.metadata_aggregate {
            fix(&mut agg.path);
            fix(&mut agg.operator_certificate);
        }
    }

    /// Checks limits the profile sets.
    pub fn check(&self) -> Result<(), ConfigError> {
        let t = &self.timing;
        if !(1..=300).contains(&t.assertion) {
            return Err(ConfigError::Invalid(
                "timing.assertion must be 1..=300 s (TF-IDP-007)".into(),
            ));
        }
        if !(1..=120).contains(&t.challenge) {
            return Err(ConfigError::Invalid(
                "timing.challenge must be 1..=120 s (TF-BIND-003)".into(),
            ));
        }
        if !(1..=5000).contains(&t.fetch_ms) {
            return Err(ConfigError::Invalid(
                "timing.fetch_ms must be 1..=5000 (TF-PKI-007)".into(),
            ));
        }
        if !valid_channel(&self.channel) {
            return Err(ConfigError::Invalid(format!(
                "channel {:?} must be 1..=32 of a-z, 0-9, -",
                self.channel
            )));
        }
        if self.hub && self.metadata_aggregate.is_none() {
            return Err(ConfigError::Invalid(
                "hub = true needs metadata_aggregate: the card IdPs come from it".into(),
            ));
        }
        if self.anchors.is_empty() {
            return Err(ConfigError::Invalid(
                "no card trust anchors: nobody could log in".into(),
            ));
        }
        Ok(())
    }
}

/// Reads DER, or the first PEM block of a file.
pub fn read_der(path: &Path) -> Result<Vec<u8>, ConfigError> {
    let bytes = std::fs::read(path).map_err(|source| ConfigError::Read {
        path: path.display().to_string(),
        source,
    })?;
    if !bytes.starts_with(b"-----BEGIN") {
        return Ok(bytes);
    }
    let text = String::from_utf8_lossy(&bytes);
    let b64: String = text
        .lines()
        .skip_while(|l| !l.starts_with("-----BEGIN"))
        .skip(1)
        .take_while(|l| !l.starts_with("-----END"))
        .collect();
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(b64)
        .map_err(|_| ConfigError::Invalid(format!("{}: PEM body is not base64", path.display())))
}
