//! Where the browser may send requests and how it trusts https servers: an explicit
//! allow-list (loopback only unless configured), CA certificates (or the system's), an
//! `insecure` switch, and names resolved to addresses chosen by the caller.

use std::net::IpAddr;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use url::Url;

/// The browser's network policy.
#[derive(Clone, Debug, Default)]
pub struct Network {
    /// Hosts (`name`, or `name:port`) requests may go to; empty: loopback only.
    pub allow: Vec<String>,
    /// CA certificates (DER) trusted for https; empty: the system's.
    pub roots: Vec<Vec<u8>>,
    /// Accept any https server certificate (reports must say so).
    pub insecure: bool,
    /// Names resolved to these addresses instead of by the system (like curl's
    /// `--resolve`).
    pub resolve: Vec<(String, IpAddr)>,
}

const LOOPBACK: [&str; 3] = ["127.0.0.1", "localhost", "[::1]"];

impl Network {
    /// Whether a request to `url` is allowed; if not, the rule that refuses it.
    pub fn permits(&self, url: &Url) -> Result<(), String> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(format!("{url}: only http and https are sent"));
        }
        let host = url.host_str().unwrap_or_default();
        let port = url.port_or_known_default().unwrap_or_default();
        let allowed = if self.allow.is_empty() {
            LOOPBACK.contains(&host)
        } else {
            self.allow.iter().any(|rule| match rule.rsplit_once(':') {
                Some((h, p)) if p.parse::<u16>().is_ok() => {
                    h.eq_ignore_ascii_case(host) && p.parse::<u16>().ok() == Some(port)
                }
                _ => rule.eq_ignore_ascii_case(host),
            })
        };
        if allowed {
            return Ok(());
        }
        let rule = if self.allow.is_empty() {
            "loopback only (no allow-list configured)".to_owned()
        } else {
            format!("the allow-list is {}", self.allow.join(", "))
        };
        Err(format!(
            "{url} is not sent: {host}:{port} is not allowed ({rule})"
        ))
    }

    /// The address `host` resolves to by this policy, if it names one.
    pub fn resolved(&self, host: &str) -> Option<IpAddr> {
        self.resolve
            .iter()
            .find(|(h, _)| h.eq_ignore_ascii_case(host))
            .map(|(_, a)| *a)
    }

    /// A TLS client configuration for https servers (no client certificate).
    pub fn tls_config(&self) -> Result<Arc<rustls::ClientConfig>, String> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = rustls::ClientConfig::builder_with_provider(Arc::clone(&provider))
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?;
        let config = if self.insecure {
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider)))
                .with_no_client_auth()
        } else {
            builder
                .with_root_certificates(self.root_store()?)
                .with_no_client_auth()
        };
        Ok(Arc::new(config))
    }

    fn root_store(&self) -> Result<rustls::RootCertStore, String> {
        let mut store = rustls::RootCertStore::empty();
        let system;
        let roots = if self.roots.is_empty() {
            system = system_roots();
            &system
        } else {
            &self.roots
        };
        for r in roots {
            // A system bundle may hold certificates rustls cannot use: skip those.
            if store.add(CertificateDer::from(r.clone())).is_err() && !self.roots.is_empty() {
                return Err("a configured CA certificate cannot be used".into());
            }
        }
        Ok(store)
    }
}

/// Debian's CA bundle, if there is one.
fn system_roots() -> Vec<Vec<u8>> {
    std::fs::read_to_string("/etc/ssl/certs/ca-certificates.crt")
        .map(|pem| pem_certificates(&pem))
        .unwrap_or_default()
}

/// Every certificate of a PEM text, as DER.
pub fn pem_certificates(pem: &str) -> Vec<Vec<u8>> {
    use base64::Engine as _;
    let mut out = Vec::new();
    let mut b64 = String::new();
    let mut inside = false;
    for line in pem.lines().map(str::trim) {
        match line {
            "-----BEGIN CERTIFICATE-----" => {
                inside = true;
                b64.clear();
            }
            "-----END CERTIFICATE-----" => {
                inside = false;
                if let Ok(der) = base64::engine::general_purpose::STANDARD.decode(&b64) {
                    out.push(der);
                }
            }
            l if inside => b64.push_str(l),
            _ => {}
        }
    }
    out
}

/// The `insecure` switch: any server certificate is accepted (the handshake signature is
/// still checked with the certificate presented).
#[derive(Debug)]
struct AnyCertificate(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(u: &str) -> Url {
        Url::parse(u).unwrap()
    }

    #[test]
    fn loopback_only_unless_allowed() {
        let n = Network::default();
        assert!(n.permits(&url("http://127.0.0.1:8080/x")).is_ok());
        assert!(n.permits(&url("https://localhost/x")).is_ok());
        let refused = n.permits(&url("https://sp.example/x")).unwrap_err();
        assert!(refused.contains("loopback only"), "{refused}");
        assert!(n.permits(&url("file:///etc/passwd")).is_err());
        let n = Network {
            allow: vec!["sp.example:8443".into(), "idp.example".into()],
            ..Network::default()
        };
        assert!(n.permits(&url("https://sp.example:8443/acs")).is_ok());
        assert!(n.permits(&url("https://sp.example/acs")).is_err());
        assert!(n.permits(&url("http://idp.example:1/")).is_ok());
        assert!(n.permits(&url("http://127.0.0.1/")).is_err());
    }
}
