//! A lab for IdP tests: the CA service, the IdP on loopback with two registered SPs,
//! and a scripted browser that plays the SP's redirect, the card helper and the form POST.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::Arc;

use base64::Engine as _;
use idp::{IdpConfig, Platform};
use mock_ca::server::RunningService;
use mock_ca::{Clock, PersonaId};
use mock_card::client::JpkiClient;
use mock_card::transport::InProcess;
use mock_card::JpkiCard;
use rsa::pkcs8::EncodePrivateKey;

use trust_framework::binding::Challenge;
use trust_framework::saml::authn_request::{self, NewAuthnRequest};
use trust_framework::saml::bindings::{self, Kind};

pub struct Sp {
    pub entity_id: String,
    pub acs: String,
    pub slo: String,
    pub key: Arc<rsa::RsaPrivateKey>,
    pub cert: Vec<u8>,
}

/// The 士業 CAs whose certificates may sign registrations (proxy model 1).
pub const PROFESSIONAL_CAS: [&str; 2] = ["zeirishi", "shihoshoshi"];

pub struct Lab {
    pub ca: RunningService,
    pub clock: Clock,
    pub idp: Arc<Platform>,
    pub idp_url: String,
    pub sps: Vec<Sp>,
    pub idp_cert: Vec<u8>,
    /// The TLS client-authentication endpoint (`https://127.0.0.1:PORT`).
    pub tls_url: String,
    /// Its server certificate (DER), for clients' trust.
    pub tls_cert: Vec<u8>,
    /// The platform's configuration file.
    pub config_path: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

fn sp_metadata(sp: &Sp, signed_requests: bool) -> String {
    let cert = base64::engine::general_purpose::STANDARD.encode(&sp.cert);
    format!(
        r#"<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="{}"><md:SPSSODescriptor AuthnRequestsSigned="{signed_requests}" WantAssertionsSigned="true" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{cert}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor><md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="{}"/><md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="{}" index="0" isDefault="true"/></md:SPSSODescriptor></md:EntityDescriptor>"#,
        sp.entity_id, sp.slo, sp.acs
    )
}

impl Lab {
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    pub async fn start_with(tune: impl FnOnce(&mut IdpConfig)) -> Self {
        Self::build(tune, true).await
    }

    /// Everything but the serving: the CA service, keys, metadata and `idp.toml`, its
    /// address free for another process to serve the platform at (`crash_safe.rs`).
    #[allow(dead_code)]
    pub async fn files_only() -> Self {
        Self::build(|_| {}, false).await
    }

    async fn build(tune: impl FnOnce(&mut IdpConfig), serve: bool) -> Self {
        let clock = Clock::system();
        let ca = tokio::task::block_in_place(|| RunningService::start(0, |_| {}, clock.clone()))
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = |name: &str| dir.path().join(name);
        let idp_cred = ca.pki.service_credential("idp").unwrap();
        std::fs::write(
            path("idp.key"),
            idp_cred.key.to_pkcs8_der().unwrap().as_bytes(),
        )
        .unwrap();
        std::fs::write(path("idp.crt"), &idp_cred.certificate).unwrap();
        let tls = ca.pki.tls_server_credential("idp").unwrap();
        std::fs::write(path("tls.key"), tls.key.to_pkcs8_der().unwrap().as_bytes()).unwrap();
        std::fs::write(path("tls.crt"), &tls.certificate).unwrap();
        let auth_ca = ca.pki.authority(mock_ca::pki::ca::JPKI_AUTH).unwrap();
        std::fs::write(path("jpki-auth.crt"), auth_ca.certificate()).unwrap();
        for id in PROFESSIONAL_CAS {
            let professional_ca = ca.pki.authority(id).unwrap();
            std::fs::write(path(&format!("{id}.crt")), professional_ca.certificate()).unwrap();
        }
        let mut sps = Vec::new();
        for (i, name) in ["sp-1", "sp-2"].iter().enumerate() {
            let cred = ca.pki.service_credential(name).unwrap();
            let sp = Sp {
                entity_id: format!("http://127.0.0.1:{}/sp", 19001 + i),
                acs: format!("http://127.0.0.1:{}/acs", 19001 + i),
                slo: format!("http://127.0.0.1:{}/slo", 19001 + i),
                key: cred.key,
                cert: cred.certificate,
            };
            std::fs::write(path(&format!("{name}.xml")), sp_metadata(&sp, i == 0)).unwrap();
            sps.push(sp);
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr: SocketAddr = listener.local_addr().unwrap();
        let base = ca.base_url();
        let professionals: String = PROFESSIONAL_CAS
            .iter()
            .map(|id| {
                format!("[[professional_anchors]]\nlabel = \"{id}\"\ncertificate = \"{id}.crt\"\nocsp_url = \"{base}/ocsp/{id}\"\ncrl_url = \"{base}/crl/{id}.crl\"\n")
            })
            .collect();
        let toml = format!(
            r#"entity_id = "http://{addr}/idp"
base_url = "http://{addr}"
store = "idp.sqlite"
signing_key = "idp.key"
signing_cert = "idp.crt"
sp_metadata = ["sp-1.xml", "sp-2.xml"]
[[anchors]]
label = "jpki-auth"
certificate = "jpki-auth.crt"
ocsp_url = "{base}/ocsp/jpki-auth"
crl_url = "{base}/crl/jpki-auth.crl"
predecessor_url = "{base}/predecessors"
[timing]
fetch_ms = 1000
[tls_binding]
certificate = "tls.crt"
key = "tls.key"
{professionals}"#
        );
        std::fs::write(path("idp.toml"), toml).unwrap();
        let mut config = IdpConfig::load(&path("idp.toml")).unwrap();
        tune(&mut config);
        let steer = clock.clone();
        let idp = Arc::new(Platform::new(config, Arc::new(move || steer.now())).unwrap());
        let tls_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let tls_url = format!("https://{}", tls_listener.local_addr().unwrap());
        if serve {
            let app = idp::http::router(Arc::clone(&idp));
            tokio::spawn(async move {
                idp::serve::serve(listener, app, SERVE_LIMITS)
                    .await
                    .unwrap()
            });
            let tls_config = idp::tls_binding::server_config(&idp).unwrap();
            tokio::spawn(idp::tls_binding::serve(
                Arc::clone(&idp),
                tls_listener,
                tls_config,
            ));
        } else {
            drop((listener, tls_listener));
        }
        Self {
            ca,
            clock,
            idp,
            idp_url: format!("http://{addr}"),
            sps,
            idp_cert: idp_cred.certificate,
            tls_url,
            tls_cert: tls.certificate,
            config_path: path("idp.toml"),
            _dir: dir,
        }
    }

    /// The SP-initiated redirect URL for SP `i`.
    pub fn login_url(
        &self,
        i: usize,
        tune: impl FnOnce(&mut NewAuthnRequest<'_>),
    ) -> (String, String) {
        let sp = &self.sps[i];
        let id = format!("_req{}", rand_id());
        let sso = format!("{}/sso", self.idp_url);
        let mut req = NewAuthnRequest {
            id: &id,
            issuer: &sp.entity_id,
            destination: &sso,
            acs_url: &sp.acs,
            issue_instant: self.clock.now(),
            force_authn: false,
            is_passive: false,
            authn_context_class: None,
            attribute_consuming_service_index: None,
        };
        tune(&mut req);
        let xml = authn_request::build(&req);
        let query =
            bindings::encode_redirect(Kind::Request, &xml, Some("relay-1"), Some(&sp.key)).unwrap();
        (format!("{sso}?{query}"), id)
    }
}

/// The server limits of the lab: the defaults, with a head timeout short enough for a
/// test to see half-sent requests closed.
pub const SERVE_LIMITS: idp::serve::Limits = idp::serve::Limits {
    connections: 4096,
    per_client: 256,
    head: std::time::Duration::from_secs(2),
    request: std::time::Duration::from_secs(60),
};

pub fn rand_id() -> String {
    use rand::RngCore;
    let mut b = [0u8; 8];
    rand::rngs::OsRng.fill_bytes(&mut b);
    hex::encode(b)
}

/// A browser with a cookie jar that does not follow redirects (each hop is checked).
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

pub fn card(lab: &Lab, id: PersonaId) -> JpkiClient<InProcess> {
    JpkiClient::new(InProcess::new(JpkiCard::new(
        lab.ca.pki.persona(id).card_image(),
    )))
}

/// What the browser ends with.
#[derive(Debug)]
pub enum Outcome {
    /// An auto-POST form to the ACS with a SAMLResponse.
    Response {
        action: String,
        xml: String,
        relay_state: Option<String>,
    },
    /// The login page (the card is needed).
    Login { tx: String },
    /// An error page or JSON error with the HTTP status.
    Error { status: u16, body: String },
}

pub fn form_field(html: &str, name: &str) -> Option<String> {
    let marker = format!(r#"name="{name}" value=""#);
    let start = html.find(&marker)? + marker.len();
    let end = html[start..].find('"')? + start;
    Some(
        html[start..end]
            .replace("&amp;", "&")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&lt;", "<")
            .replace("&gt;", ">"),
    )
}

pub async fn interpret(resp: reqwest::Response) -> Outcome {
    let status = resp.status().as_u16();
    if status == 303 || status == 302 {
        let loc = resp
            .headers()
            .get("location")
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        let tx = loc.split("tx=").nth(1).unwrap_or_default().to_owned();
        return Outcome::Login { tx };
    }
    let body = resp.text().await.unwrap();
    if status != 200 {
        return Outcome::Error { status, body };
    }
    let action = body
        .split(r#"action=""#)
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap_or_default()
        .to_owned();
    let b64 =
        form_field(&body, "SAMLResponse").unwrap_or_else(|| panic!("no SAMLResponse in {body}"));
    let xml = String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(b64)
            .unwrap(),
    )
    .unwrap();
    Outcome::Response {
        action,
        xml,
        relay_state: form_field(&body, "RelayState"),
    }
}

/// A challenge for `tx` and its nonce, as the login page fetches them.
pub async fn challenge(lab: &Lab, b: &reqwest::Client, tx: &str) -> (Challenge, String) {
    let c: serde_json::Value = b
        .post(format!("{}/card-login/challenge", lab.idp_url))
        .header("content-type", "application/json")
        .body(serde_json::json!({ "tx": tx }).to_string())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    (
        Challenge::parse(c["challenge"].as_str().unwrap()).unwrap(),
        c["nonce"].as_str().unwrap().to_owned(),
    )
}

/// Card login for `tx` with `persona`'s card; returns the continue URL or the error.
pub async fn card_login(
    lab: &Lab,
    b: &reqwest::Client,
    tx: &str,
    id: PersonaId,
) -> Result<String, (u16, String)> {
    let (challenge, nonce) = challenge(lab, b, tx).await;
    assert_eq!(
        challenge.endpoint,
        format!("{}/card-login/answer", lab.idp_url),
        "TF-BIND-005: the client checks where it posts"
    );
    let persona = lab.ca.pki.persona(id);
    let mut card = card(lab, id);
    let signature = card
        .authenticate(&persona.auth_pin, &challenge.digest_info())
        .map_err(|e| (0, e.to_string()))?;
    answer(
        lab,
        b,
        tx,
        &nonce,
        &persona.card.auth.issued.der,
        &signature,
    )
    .await
}

pub async fn answer(
    lab: &Lab,
    b: &reqwest::Client,
    tx: &str,
    nonce: &str,
    cert: &[u8],
    signature: &[u8],
) -> Result<String, (u16, String)> {
    let std = base64::engine::general_purpose::STANDARD;
    let resp = b
        .post(format!("{}/card-login/answer", lab.idp_url))
        .header("content-type", "application/json")
        .body(serde_json::json!({ "tx": tx, "nonce": nonce, "certificate": std.encode(cert), "signature": std.encode(signature) }).to_string())
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let j: serde_json::Value = resp.json().await.unwrap();
    if status == 200 {
        Ok(format!(
            "{}{}",
            lab.idp_url,
            j["continue"].as_str().unwrap()
        ))
    } else {
        // The technical reason, then what a person is told (Japanese, then English).
        let notice = &j["notice"];
        Err((
            status,
            format!(
                "{} | {} {}",
                j["error"].as_str().unwrap_or_default(),
                notice["ja"].as_str().unwrap_or("(no notice)"),
                notice["en"].as_str().unwrap_or("(no notice)")
            ),
        ))
    }
}

/// The whole SP-initiated login of SP `i` with a card; returns the outcome.
pub async fn full_login(lab: &Lab, b: &reqwest::Client, i: usize, id: PersonaId) -> Outcome {
    let (url, _) = lab.login_url(i, |_| {});
    match interpret(b.get(url).send().await.unwrap()).await {
        Outcome::Login { tx } => match card_login(lab, b, &tx, id).await {
            Ok(next) => interpret(b.get(next).send().await.unwrap()).await,
            Err((status, body)) => Outcome::Error { status, body },
        },
        other => other,
    }
}
