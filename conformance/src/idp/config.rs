//! What a vendor tells the suite about their IdP (`idp-sut.toml`), and the suite's own
//! parties the vendor installs in it: two SPs (pairwise NameIDs and SSO across SPs need
//! two) and the test PKI's card CA with the suite's OCSP and CRL service.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::message::Key;
use crate::ConfigError;

/// The role of the IdP under test.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// A personal authentication platform: the whole plan.
    Platform,
    /// A card IdP such as a CATV operator's (TF-CATV-001): the card, revocation, binding
    /// and request tests, and the card certificate released to the platform only.
    CardIdp,
    /// A 士業 body's attribute authority (TF-PROXY-002/004): model-2 registration and
    /// AttributeQuery over SOAP.
    AttributeAuthority,
}

/// The IdP under test.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdpSutConfig {
    /// A short name (reports, expected-results file).
    pub name: String,
    /// The IdP's metadata: a file (relative to this file) or an `http://127.0.0.1` URL.
    pub metadata: String,
    /// Its role.
    #[serde(default = "default_role")]
    pub role: Role,
    /// The user-authentication PIN of the suite's cards.
    #[serde(default = "default_pin")]
    pub pin: String,
    /// A password login instead of the card binding (an IdP that has none: its card and
    /// binding tests are SKIPPED, the protocol tests run).
    #[serde(default)]
    pub password: Option<Password>,
    /// The AuthnContext class the IdP asserts for a card login.
    #[serde(default = "default_class")]
    pub authn_class: String,
    /// The expected-results file (relative to this file), if any.
    #[serde(default)]
    pub expected: Option<PathBuf>,
    /// Time limit per HTTP exchange with the IdP, in milliseconds.
    #[serde(default = "default_timeout")]
    pub timeout_ms: u64,
    /// Run only tests whose id starts with one of these (all if empty).
    #[serde(default)]
    pub only: Vec<String>,
    /// The TLS client-authentication binding, if the IdP offers it (TF-BIND-006).
    #[serde(default)]
    pub tls_binding: Option<TlsBinding>,
    /// Where the suite may send requests, and how it trusts https servers.
    #[serde(default)]
    pub network: crate::config::NetworkConfig,
    /// An attribute authority's registration endpoint (TF-PROXY-004): `POST <url>/challenge`
    /// gives a challenge, `POST <url>` takes the registration.
    #[serde(default)]
    pub registration: Option<String>,
}

/// Where the IdP's TLS card-login endpoint is and how to trust its server certificate.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsBinding {
    /// The endpoint (`https://…`); the suite appends `?tx=<login transaction>`.
    pub url: String,
    /// The server certificate, or the CA that issued it (PEM or DER; relative to the file).
    pub ca: PathBuf,
}

/// A test user's credentials at an IdP that logs users in by password.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Password {
    /// The user name.
    pub username: String,
    /// The password.
    pub password: String,
}

fn default_role() -> Role {
    Role::Platform
}
fn default_pin() -> String {
    "1234".into()
}
fn default_class() -> String {
    trust_framework::saml::constants::AC_JPKI_USER_AUTH.into()
}
fn default_timeout() -> u64 {
    10_000
}

impl IdpSutConfig {
    /// Reads `path`, resolving relative paths against its folder.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let mut c: Self =
            crate::config::load_toml(path, |c: &mut Self| (&mut c.metadata, &mut c.expected))?;
        let base = path.parent().unwrap_or(Path::new("."));
        if let Some(t) = c.tls_binding.as_mut().filter(|t| t.ca.is_relative()) {
            t.ca = base.join(&t.ca);
        }
        c.network.resolve_paths(base);
        c.check()?;
        Ok(c)
    }

    /// Sane limits; roles not built yet say so.
    pub fn check(&self) -> Result<(), ConfigError> {
        if self.metadata.starts_with("http") {
            self.network.permits("metadata", &self.metadata)?;
        }
        if !(100..=60_000).contains(&self.timeout_ms) {
            return Err(ConfigError("timeout_ms must be 100..=60000".into()));
        }
        if let Some(t) = &self.tls_binding {
            self.network.permits("tls_binding.url", &t.url)?;
        }
        let ids: Vec<&str> = if self.role == Role::AttributeAuthority {
            super::authority_plan::AA_TESTS
                .iter()
                .map(|t| t.id)
                .collect()
        } else {
            super::plan::IDP_TESTS
                .iter()
                .filter(|t| t.is_for(self.role))
                .map(|t| t.id)
                .collect()
        };
        crate::config::only_matches(&self.only, &ids)?;
        match (self.role, &self.registration) {
            (Role::AttributeAuthority, None) => Err(ConfigError(
                "role \"attribute-authority\" needs `registration`: the URL professionals register their card at (TF-PROXY-004)".into(),
            )),
            (Role::AttributeAuthority, Some(url)) => self.network.permits("registration", url),
            (_, Some(_)) => Err(ConfigError(
                "`registration` is for role \"attribute-authority\" only".into(),
            )),
            (_, None) => Ok(()),
        }
    }
}

/// One of the suite's SPs.
#[derive(Clone, Debug)]
pub struct SuiteSp {
    /// Its entityID.
    pub entity_id: String,
    /// Its ACS (HTTP-POST): the suite's browser stops there and reads the Response.
    pub acs_url: String,
    /// Its SingleLogoutService (HTTP-Redirect).
    pub slo_url: String,
    /// Its request-signing key.
    pub key: Key,
    /// The RSA key itself (HTTP-Redirect signatures).
    pub rsa: rsa::RsaPrivateKey,
}

/// The parties the suite plays for an IdP under test.
#[derive(Clone, Debug)]
pub struct SuiteSps {
    /// Where the suite's SPs live (nothing listens: the browser stops before).
    pub base_url: String,
    /// SP "a" and SP "b".
    pub sps: [SuiteSp; 2],
    /// The CA service's base URL (OCSP, CRLs): the suite runs it during a run.
    pub ca_url: String,
    /// The suite as federation operator: it signs the aggregate a card IdP or an
    /// attribute authority takes its parties from (TF-MD-003).
    pub operator: Key,
}

impl SuiteSps {
    /// The suite's SPs under `base` and its CA service at `ca_url`.
    pub fn new(base: &str, ca_url: &str) -> Result<Self, ConfigError> {
        let base = crate::config::base_url("the suite's SPs' URL (--sps-url)", base)?;
        let ca_url = crate::config::base_url("the CA service URL (--ca-url)", ca_url)?;
        let port = url::Url::parse(&ca_url).ok().and_then(|u| u.port());
        if !ca_url.starts_with("http://127.0.0.1:") || port.is_none() {
            return Err(ConfigError(format!(
                "the CA service URL (--ca-url) {ca_url:?} is not http://127.0.0.1:<port>: the suite runs that service itself"
            )));
        }
        let pki = mock_ca::Pki::build(mock_ca::PkiConfig::new(&ca_url), mock_ca::Clock::system())
            .map_err(|e| ConfigError(format!("test keys: {e}")))?;
        let base = base.as_str();
        let sp = |name: &str| -> Result<SuiteSp, ConfigError> {
            use rsa::pkcs8::EncodePrivateKey;
            let c = pki
                .service_credential(&format!("conformance-{name}"))
                .map_err(|e| ConfigError(format!("key {name}: {e}")))?;
            Ok(SuiteSp {
                entity_id: format!("{base}/{name}/metadata"),
                acs_url: format!("{base}/{name}/acs"),
                slo_url: format!("{base}/{name}/slo"),
                key: Key {
                    key_der: c
                        .key
                        .to_pkcs8_der()
                        .map_err(|e| ConfigError(e.to_string()))?
                        .as_bytes()
                        .to_vec(),
                    cert_der: c.certificate.clone(),
                },
                rsa: (*c.key).clone(),
            })
        };
        let operator = sp("operator")?.key;
        Ok(Self {
            base_url: base.to_owned(),
            sps: [sp("sp-a")?, sp("sp-b")?],
            ca_url: ca_url.trim_end_matches('/').to_owned(),
            operator,
        })
    }

    /// The federation's signed aggregate as the suite publishes it: SP a registered as the
    /// platform (the hub a card IdP releases the card certificate to, the requester of
    /// an attribute authority), SP b as a government system. Valid for 7 days.
    pub fn aggregate(&self) -> Result<String, ConfigError> {
        use trust_framework::saml::aggregate;
        use trust_framework::saml::constants::category;
        let err = |e: trust_framework::saml::SamlError| ConfigError(format!("the aggregate: {e}"));
        let entities = [
            aggregate::register(&self.metadata(0), &[category::PLATFORM], &[]).map_err(err)?,
            aggregate::register(&self.metadata(1), &[category::GOVERNMENT], &[]).map_err(err)?,
        ];
        let valid_until = time::OffsetDateTime::now_utc() + time::Duration::days(7);
        aggregate::build(
            "_mnctf-suite-federation",
            "mnctf-conformance",
            valid_until,
            &entities,
            &self.operator.key_der,
            &self.operator.cert_der,
        )
        .map_err(err)
    }

    /// SP `i`'s metadata (AuthnRequestsSigned, WantAssertionsSigned, an HTTP-POST ACS).
    pub fn metadata(&self, i: usize) -> String {
        let sp = &self.sps[i];
        sp_metadata(sp)
    }
}

/// An SP's metadata: signed requests, signed assertions wanted, an HTTP-Redirect
/// SingleLogoutService, one HTTP-POST ACS.
fn sp_metadata(sp: &SuiteSp) -> String {
    use base64::Engine as _;
    use trust_framework::saml::constants::{BINDING_POST, BINDING_REDIRECT, NS_DSIG};
    use trust_framework::saml::xml::escape;
    let cert = base64::engine::general_purpose::STANDARD.encode(&sp.key.cert_der);
    format!(
        concat!(
            r#"<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="{ds}" entityID="{id}">"#,
            r#"<md:SPSSODescriptor AuthnRequestsSigned="true" WantAssertionsSigned="true" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">"#,
            r#"<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{cert}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"#,
            r#"<md:SingleLogoutService Binding="{redirect}" Location="{slo}"/>"#,
            r#"<md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat>"#,
            r#"<md:AssertionConsumerService Binding="{post}" Location="{acs}" index="0" isDefault="true"/>"#,
            r#"</md:SPSSODescriptor></md:EntityDescriptor>"#
        ),
        ds = NS_DSIG,
        id = escape(&sp.entity_id),
        cert = cert,
        redirect = BINDING_REDIRECT,
        slo = escape(&sp.slo_url),
        post = BINDING_POST,
        acs = escape(&sp.acs_url),
    )
}
