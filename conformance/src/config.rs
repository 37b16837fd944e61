//! What a vendor tells the suite about their SP (`sut.toml`), and the suite's own IdP
//! identity (which the vendor installs in the SP).

use std::path::{Path, PathBuf};

use serde::Deserialize;
use trust_framework::saml::constants::AC_JPKI_USER_AUTH;
use trust_framework::saml::metadata::{idp_metadata, IdpDescriptor};

use crate::message::Key;
use crate::ConfigError;

/// The SP under test.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SutConfig {
    /// A short name (reports, expected-results file).
    pub name: String,
    /// The SP's metadata: a file (relative to this file) or an `http://127.0.0.1` URL.
    pub metadata: String,
    /// Where a login starts (the SP sends the browser to the suite's SSO URL from here).
    pub login_url: String,
    /// A page that shows a session, and refuses without one.
    pub protected_url: String,
    /// Text the protected page shows only with a session.
    #[serde(default = "default_logged_in")]
    pub logged_in: String,
    /// The start of the line on the protected page that shows the identity (NameID).
    #[serde(default = "default_identity_prefix")]
    pub identity_prefix: String,
    /// The AuthnContext class the suite asserts in good Responses.
    #[serde(default = "default_class")]
    pub authn_class: String,
    /// The expected-results file (relative to this file), if any.
    #[serde(default)]
    pub expected: Option<PathBuf>,
    /// Time limit per HTTP exchange with the SP, in milliseconds.
    #[serde(default = "default_timeout")]
    pub timeout_ms: u64,
    /// Run only tests whose id starts with one of these (all if empty).
    #[serde(default)]
    pub only: Vec<String>,
    /// Where the suite may send requests, and how it trusts https servers.
    #[serde(default)]
    pub network: NetworkConfig,
}

/// The `[network]` table: where the suite's browser may go and what it trusts there.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkConfig {
    /// Hosts (`name` or `name:port`) requests may go to; empty: loopback only. Every
    /// request is checked: login, metadata, ACS and SLO URLs from metadata, redirects.
    #[serde(default)]
    pub allow: Vec<String>,
    /// The CA certificate (PEM or DER, relative to the file) that issued the party's https
    /// server certificate; without it, the system's CAs.
    #[serde(default)]
    pub ca: Option<PathBuf>,
    /// Accept any https server certificate (the report says so). For trials only.
    #[serde(default)]
    pub insecure: bool,
    /// Names resolved to these addresses rather than by the system (as curl's
    /// `--resolve`), e.g. `{ "sp.vendor.example" = "127.0.0.1" }`.
    #[serde(default)]
    pub resolve: std::collections::BTreeMap<String, std::net::IpAddr>,
}

impl NetworkConfig {
    /// The browser's policy (the CA file read).
    pub fn policy(&self) -> Result<user_agent::Network, ConfigError> {
        let roots = match &self.ca {
            None => Vec::new(),
            Some(path) => {
                let bytes = std::fs::read(path)
                    .map_err(|e| ConfigError(format!("network.ca {}: {e}", path.display())))?;
                let text = String::from_utf8_lossy(&bytes);
                if text.contains("-----BEGIN") {
                    let certs = user_agent::network::pem_certificates(&text);
                    if certs.is_empty() {
                        return Err(ConfigError(format!(
                            "network.ca {}: no certificate in it",
                            path.display()
                        )));
                    }
                    certs
                } else {
                    vec![bytes]
                }
            }
        };
        Ok(user_agent::Network {
            allow: self.allow.clone(),
            roots,
            insecure: self.insecure,
            resolve: self.resolve.iter().map(|(h, a)| (h.clone(), *a)).collect(),
        })
    }

    /// Whether the suite may send a request to `url` (`what` names it in the refusal).
    pub fn permits(&self, what: &str, url: &str) -> Result<(), ConfigError> {
        let u = url::Url::parse(url).map_err(|e| ConfigError(format!("{what}: {url:?}: {e}")))?;
        self.policy()?
            .permits(&u)
            .map_err(|e| ConfigError(format!("{what}: {e}")))
    }

    /// Makes the CA path relative to the configuration file's folder `base`.
    pub(crate) fn resolve_paths(&mut self, base: &Path) {
        if let Some(ca) = self.ca.as_mut().filter(|c| c.is_relative()) {
            *ca = base.join(&*ca);
        }
    }
}

/// `text` as a base URL (http or https, a host, no query or fragment), without a trailing
/// slash; `what` names it in the error.
pub fn base_url(what: &str, text: &str) -> Result<String, ConfigError> {
    let bad = |why: &str| ConfigError(format!("{what} {text:?} {why}"));
    let url = url::Url::parse(text).map_err(|e| bad(&format!("is not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad("is not http or https"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad("names no host"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad("has a query or fragment; a base URL has neither"));
    }
    Ok(text.trim_end_matches('/').to_owned())
}

fn default_logged_in() -> String {
    "AUTHENTICATED".into()
}
fn default_identity_prefix() -> String {
    "NameID: ".into()
}
fn default_class() -> String {
    AC_JPKI_USER_AUTH.into()
}
fn default_timeout() -> u64 {
    10_000
}

impl SutConfig {
    /// Reads `path`, resolving relative paths against its folder.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let mut c: Self = load_toml(path, |c: &mut Self| (&mut c.metadata, &mut c.expected))?;
        c.network
            .resolve_paths(path.parent().unwrap_or(Path::new(".")));
        c.check()?;
        Ok(c)
    }

    /// Only where the network policy allows, sane limits.
    pub fn check(&self) -> Result<(), ConfigError> {
        for (what, url) in [
            ("login_url", &self.login_url),
            ("protected_url", &self.protected_url),
        ] {
            self.network.permits(what, url)?;
        }
        if self.metadata.starts_with("http") {
            self.network.permits("metadata", &self.metadata)?;
        }
        if !(100..=60_000).contains(&self.timeout_ms) {
            return Err(ConfigError("timeout_ms must be 100..=60000".into()));
        }
        if self.logged_in.is_empty() {
            return Err(ConfigError("logged_in must say how a session shows".into()));
        }
        let ids: Vec<&str> = crate::plan::all().iter().map(|t| t.id).collect();
        only_matches(&self.only, &ids)
    }
}

/// Every entry of `only` selects at least one test of `ids` (a typo would otherwise run
/// nothing and pass).
pub(crate) fn only_matches(only: &[String], ids: &[&str]) -> Result<(), ConfigError> {
    for p in only {
        if !ids.iter().any(|id| id.starts_with(p.as_str())) {
            return Err(ConfigError(format!(
                "only: {p:?} matches no test of the plan (list them with --list)"
            )));
        }
    }
    Ok(())
}

/// Reads a vendor's TOML file; the `metadata` and `expected` paths `paths` picks out are
/// made relative to the file's folder when they are relative (a metadata URL is left).
pub(crate) fn load_toml<T: serde::de::DeserializeOwned>(
    path: &Path,
    paths: impl FnOnce(&mut T) -> (&mut String, &mut Option<PathBuf>),
) -> Result<T, ConfigError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| ConfigError(format!("{}: {e}", path.display())))?;
    let mut c: T =
        toml::from_str(&text).map_err(|e| ConfigError(format!("{}: {e}", path.display())))?;
    let base = path.parent().unwrap_or(Path::new("."));
    let (metadata, expected) = paths(&mut c);
    if !metadata.starts_with("http://")
        && !metadata.starts_with("https://")
        && Path::new(metadata.as_str()).is_relative()
    {
        *metadata = base.join(metadata.as_str()).display().to_string();
    }
    if let Some(e) = expected {
        if e.is_relative() {
            *e = base.join(&*e);
        }
    }
    Ok(c)
}

/// The IdP the suite plays.
#[derive(Clone, Debug)]
pub struct SuiteIdp {
    /// Its entityID.
    pub entity_id: String,
    /// Its base URL: the suite's browser never goes there (it stops and reads the message).
    pub base_url: String,
    /// Its SSO URL: where the SP sends the browser; the suite's browser stops there.
    pub sso_url: String,
    /// Its SLO URL: where the SP sends its LogoutResponses.
    pub slo_url: String,
    /// Its signing key (from the test-key bundle).
    pub key: Key,
    /// A key no SP trusts (forgeries are signed with it).
    pub attacker: Key,
}

impl SuiteIdp {
    /// The suite's IdP at `base` (`http://127.0.0.1:18500` by default).
    pub fn new(base: &str) -> Result<Self, ConfigError> {
        let base = base_url("the suite's IdP URL (--suite-url)", base)?;
        let pki = mock_ca::Pki::build(
            mock_ca::PkiConfig::new("http://127.0.0.1:18080"),
            mock_ca::Clock::system(),
        )
        .map_err(|e| ConfigError(format!("test keys: {e}")))?;
        let key = |name: &str| -> Result<Key, ConfigError> {
            use rsa::pkcs8::EncodePrivateKey;
            let c = pki
                .service_credential(name)
                .map_err(|e| ConfigError(format!("key {name}: {e}")))?;
            Ok(Key {
                key_der: c
                    .key
                    .to_pkcs8_der()
                    .map_err(|e| ConfigError(e.to_string()))?
                    .as_bytes()
                    .to_vec(),
                cert_der: c.certificate,
            })
        };
        let base = base.as_str();
        Ok(Self {
            entity_id: format!("{base}/conformance-idp"),
            base_url: format!("{base}/"),
            sso_url: format!("{base}/sso"),
            slo_url: format!("{base}/slo"),
            key: key("conformance-idp")?,
            attacker: key("conformance-attacker")?,
        })
    }

    /// Its metadata, to install in the SP under test.
    pub fn metadata(&self) -> String {
        idp_metadata(&IdpDescriptor {
            entity_id: self.entity_id.clone(),
            sso_url: self.sso_url.clone(),
            slo_url: self.slo_url.clone(),
            signing_cert: self.key.cert_der.clone(),
            hub_acs_url: None,
            display_name: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_are_the_files_and_urls_stay() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sut.toml");
        std::fs::write(&path, "name = \"x\"\nmetadata = \"md.xml\"\nlogin_url = \"http://127.0.0.1:1/login\"\nprotected_url = \"http://127.0.0.1:1/p\"\nexpected = \"exp.toml\"\n").unwrap();
        let c = SutConfig::load(&path).unwrap();
        assert_eq!(c.metadata, dir.path().join("md.xml").display().to_string());
        assert_eq!(c.expected, Some(dir.path().join("exp.toml")));
        std::fs::write(
            &path,
            "name = \"y\"\nmetadata = \"http://127.0.0.1:1/md\"\n",
        )
        .unwrap();
        let c = crate::idp::IdpSutConfig::load(&path).unwrap();
        assert_eq!(c.metadata, "http://127.0.0.1:1/md");
    }
}
