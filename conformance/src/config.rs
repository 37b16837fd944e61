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
        let c: Self = load_toml(path, |c: &mut Self| (&mut c.metadata, &mut c.expected))?;
        c.check()?;
        Ok(c)
    }

    /// Only loopback, sane limits.
    pub fn check(&self) -> Result<(), ConfigError> {
        for (what, url) in [
            ("login_url", &self.login_url),
            ("protected_url", &self.protected_url),
        ] {
            loopback(what, url)?;
        }
        if self.metadata.starts_with("http") {
            loopback("metadata", &self.metadata)?;
        }
        if !(100..=60_000).contains(&self.timeout_ms) {
            return Err(ConfigError("timeout_ms must be 100..=60000".into()));
        }
        if self.logged_in.is_empty() {
            return Err(ConfigError("logged_in must say how a session shows".into()));
        }
        Ok(())
    }
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
    if !metadata.starts_with("http://") && Path::new(metadata.as_str()).is_relative() {
        *metadata = base.join(metadata.as_str()).display().to_string();
    }
    if let Some(e) = expected {
        if e.is_relative() {
            *e = base.join(&*e);
        }
    }
    Ok(c)
}

/// The suite talks to loopback only.
pub(crate) fn loopback(what: &str, url: &str) -> Result<(), ConfigError> {
    let u = url::Url::parse(url).map_err(|e| ConfigError(format!("{what}: {url:?}: {e}")))?;
    match u.host_str() {
        Some("127.0.0.1") | Some("localhost") | Some("[::1]")
            if u.scheme() == "http" || u.scheme() == "https" =>
        {
            Ok(())
        }
        _ => Err(ConfigError(format!(
            "{what} {url} is not a loopback http(s) URL: the suite talks to loopback only"
        ))),
    }
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
        let base = base.trim_end_matches('/');
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
