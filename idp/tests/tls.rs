//! The TLS client-authentication binding (TF-BIND-006): the virtual card signs the TLS
//! 1.2 CertificateVerify through a rustls client; TLS 1.3 is not offered.

mod common;

use std::sync::{Arc, Mutex};

use common::{browser, full_login, interpret, Lab, Outcome};
use mock_ca::PersonaId;
use mock_card::client::JpkiClient;
use mock_card::transport::InProcess;
use mock_card::{JpkiCard, Pin};
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::sign::{CertifiedKey, Signer, SigningKey};
use rustls::{SignatureAlgorithm, SignatureScheme};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The card as a rustls signing key: PKCS#1 v1.5 SHA-256 only, the DigestInfo built here.
#[derive(Debug)]
struct CardKey(Arc<Mutex<JpkiClient<InProcess>>>, Pin);

#[derive(Debug)]
struct CardSigner(Arc<Mutex<JpkiClient<InProcess>>>, Pin);

impl SigningKey for CardKey {
    fn choose_scheme(&self, offered: &[SignatureScheme]) -> Option<Box<dyn Signer>> {
        offered
            .contains(&SignatureScheme::RSA_PKCS1_SHA256)
            .then(|| Box::new(CardSigner(Arc::clone(&self.0), self.1.clone())) as Box<dyn Signer>)
    }

    fn algorithm(&self) -> SignatureAlgorithm {
        SignatureAlgorithm::RSA
    }
}

impl Signer for CardSigner {
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, rustls::Error> {
        let mut card = self.0.lock().unwrap();
        card.authenticate(&self.1, &trust_framework::binding::digest_info(message))
            .map_err(|e| rustls::Error::General(e.to_string()))
    }

    fn scheme(&self) -> SignatureScheme {
        SignatureScheme::RSA_PKCS1_SHA256
    }
}

fn client_config(
    lab: &Lab,
    id: PersonaId,
    versions: &[&'static rustls::SupportedProtocolVersion],
) -> Arc<rustls::ClientConfig> {
    let persona = lab.ca.pki.persona(id);
    let card = Arc::new(Mutex::new(JpkiClient::new(InProcess::new(JpkiCard::new(
        persona.card_image(),
    )))));
    let key = Arc::new(CardKey(card, persona.auth_pin.clone()));
    let cert = CertificateDer::from(persona.card.auth.issued.der.clone());
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from(lab.tls_cert.clone()))
        .unwrap();
    let resolver = rustls::sign::SingleCertAndKey::from(CertifiedKey::new(vec![cert], key));
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_protocol_versions(versions)
    .unwrap()
    .with_root_certificates(roots)
    .with_client_cert_resolver(Arc::new(resolver));
    Arc::new(config)
}

/// GET /card-login/tls over TLS with the card; returns the raw HTTP response head.
/// GET /card-login/tls with the browser's cookies for the platform (a browser sends
/// them to every port of the host).
async fn tls_get(
    lab: &Lab,
    config: Arc<rustls::ClientConfig>,
    tx: &str,
    jar: &reqwest::cookie::Jar,
) -> Result<String, String> {
    use reqwest::cookie::CookieStore as _;
    let cookies = jar
        .cookies(&lab.idp_url.parse().unwrap())
        .map(|c| c.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let addr = lab.tls_url.trim_start_matches("https://");
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let name = ServerName::IpAddress(std::net::IpAddr::from([127, 0, 0, 1]).into());
    let mut tls = tokio_rustls::TlsConnector::from(config)
        .connect(name, tcp)
        .await
        .map_err(|e| format!("handshake: {e}"))?;
    tls.write_all(
        format!(
            "GET /card-login/tls?tx={tx} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookies}\r\nConnection: close\r\n\r\n"
        )
        .as_bytes(),
    )
    .await
    .map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    tls.read_to_end(&mut out)
        .await
        .map_err(|e| format!("read: {e}"))?;
    Ok(String::from_utf8_lossy(&out).into_owned())
}

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().find_map(|l| {
        l.split_once(": ")
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}

fn jar_browser() -> (Arc<reqwest::cookie::Jar>, reqwest::Client) {
    let jar = Arc::new(reqwest::cookie::Jar::default());
    let b = reqwest::Client::builder()
        .cookie_provider(Arc::clone(&jar))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    (jar, b)
}

async fn start_tx(lab: &Lab, b: &reqwest::Client) -> String {
    let (url, _) = lab.login_url(0, |_| {});
    let Outcome::Login { tx } = interpret(b.get(url).send().await.unwrap()).await else {
        panic!("expected the login page")
    };
    tx
}

#[tokio::test(flavor = "multi_thread")]
async fn tf_bind_006_the_card_logs_in_by_tls_client_authentication() {
    let lab = Lab::start().await;
    let (jar, b) = jar_browser();
    let tx = start_tx(&lab, &b).await;
    let head = tls_get(
        &lab,
        client_config(&lab, PersonaId::Valid, &[&rustls::version::TLS12]),
        &tx,
        &jar,
    )
    .await
    .unwrap();
    assert!(head.starts_with("HTTP/1.1 303"), "{head}");
    let cookie = header(&head, "set-cookie").unwrap();
    jar.add_cookie_str(cookie, &lab.idp_url.parse().unwrap());
    let next = header(&head, "location").unwrap();
    let Outcome::Response { xml, .. } = interpret(b.get(next).send().await.unwrap()).await else {
        panic!("a Response after the TLS login")
    };
    let name = |x: &str| {
        x.split("</saml:NameID>")
            .next()
            .unwrap()
            .rsplit('>')
            .next()
            .unwrap()
            .to_owned()
    };
    let v = trust_framework::saml::signature::verify_enveloped(
        &xml,
        std::slice::from_ref(&lab.idp_cert),
    )
    .unwrap();
    // The same card through the challenge binding: the same person, the same NameID.
    let Outcome::Response { xml: other, .. } =
        full_login(&lab, &browser(), 0, PersonaId::Valid).await
    else {
        panic!()
    };
    let w = trust_framework::saml::signature::verify_enveloped(
        &other,
        std::slice::from_ref(&lab.idp_cert),
    )
    .unwrap();
    assert_eq!(name(&v), name(&w));
}

#[tokio::test(flavor = "multi_thread")]
async fn tls_binding_checks_revocation_after_the_handshake() {
    let lab = Lab::start().await;
    let (jar, b) = jar_browser();
    let tx = start_tx(&lab, &b).await;
    let head = tls_get(
        &lab,
        client_config(&lab, PersonaId::AuthRevoked, &[&rustls::version::TLS12]),
        &tx,
        &jar,
    )
    .await
    .unwrap();
    assert!(
        head.starts_with("HTTP/1.1 403") && head.contains("revoked"),
        "{head}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn tls_1_3_is_not_offered_because_the_card_cannot_sign_pss() {
    let lab = Lab::start().await;
    let (jar, b) = jar_browser();
    let tx = start_tx(&lab, &b).await;
    let err = tls_get(
        &lab,
        client_config(&lab, PersonaId::Valid, &[&rustls::version::TLS13]),
        &tx,
        &jar,
    )
    .await
    .unwrap_err();
    assert!(err.contains("handshake"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn another_browser_cannot_finish_the_login_by_tls() {
    let lab = Lab::start().await;
    let (_, b) = jar_browser();
    let tx = start_tx(&lab, &b).await;
    let (stranger, _) = jar_browser();
    let head = tls_get(
        &lab,
        client_config(&lab, PersonaId::Valid, &[&rustls::version::TLS12]),
        &tx,
        &stranger,
    )
    .await
    .unwrap();
    assert!(
        head.starts_with("HTTP/1.1 400") && head.contains("another browser"),
        "{head}"
    );
}
