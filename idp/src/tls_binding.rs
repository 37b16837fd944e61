//! The second card-login binding: TLS client authentication with the card (TF-BIND-006).
//!
//! The card signs the TLS 1.2 CertificateVerify (RSASSA-PKCS1-v1_5 SHA-256: the card has
//! no PSS, which TLS 1.3 requires, so this endpoint speaks TLS 1.2 only). The handshake
//! proves possession of the key; rustls verifies that signature against the presented
//! certificate. Path validation and revocation run after the handshake with the same
//! code as the signed-challenge binding, before anything is granted.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Extension, Router};
use rustls::client::danger::HandshakeSignatureValid;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{DigitallySignedStruct, DistinguishedName, SignatureScheme};
use serde::Deserialize;

use crate::card_login::{SignatureChecked, VerifiedCardLogin};
use crate::config::{read_der, ConfigError};
use crate::error::IdpError;
use crate::platform::Platform;
use relying_party::revocation::{self, Limits};

/// Accepts any client certificate in the handshake after checking the CertificateVerify
/// signature with it; the certificate itself is judged afterwards by the platform.
#[derive(Debug)]
struct CardCertificate {
    hints: Vec<DistinguishedName>,
    provider: Arc<rustls::crypto::CryptoProvider>,
}

impl ClientCertVerifier for CardCertificate {
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &self.hints
    }

    fn verify_client_cert(
        &self,
        _end: &CertificateDer<'_>,
        _chain: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        // Deferred on purpose: `Platform::verify_tls_login` validates the path, the
        // validity at the platform's clock and revocation before granting anything.
        Ok(ClientCertVerified::assertion())
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
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Err(rustls::Error::General(
            "TLS 1.3 is not offered on the card-login endpoint".into(),
        ))
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        vec![SignatureScheme::RSA_PKCS1_SHA256]
    }
}

/// The rustls server configuration: TLS 1.2 only, client certificates mandatory.
pub fn server_config(platform: &Platform) -> Result<Arc<rustls::ServerConfig>, ConfigError> {
    let tls = platform
        .config
        .tls_binding
        .as_ref()
        .ok_or_else(|| ConfigError::Invalid("no [tls_binding] section".into()))?;
    let cert = CertificateDer::from(read_der(&tls.certificate)?);
    let key = PrivateKeyDer::Pkcs8(read_der(&tls.key)?.into());
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let hints = platform
        .anchors
        .iter()
        .map(|a| {
            DistinguishedName::from(
                der::Encode::to_der(&a.certificate.tbs_certificate.subject).unwrap_or_default(),
            )
        })
        .collect();
    let verifier = Arc::new(CardCertificate {
        hints,
        provider: Arc::clone(&provider),
    });
    // The planted defect offers TLS 1.3 only, which the card (no PSS) cannot complete.
    let version = if platform.defects().tls13_only {
        &rustls::version::TLS13
    } else {
        &rustls::version::TLS12
    };
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[version])
        .map_err(|e| ConfigError::Invalid(format!("TLS: {e}")))?
        .with_client_cert_verifier(verifier)
        .with_single_cert(vec![cert], key)
        .map_err(|e| ConfigError::Invalid(format!("TLS certificate or key: {e}")))?;
    Ok(Arc::new(config))
}

/// The client certificate of a connection.
#[derive(Clone)]
struct PeerCertificate(Option<Vec<u8>>);

#[derive(Deserialize)]
struct TxQuery {
    tx: String,
}

impl Platform {
    /// A card login through TLS client authentication: the handshake proved possession;
    /// here the path, validity and revocation are checked.
    pub async fn verify_tls_login(
        &self,
        tx: &str,
        der: &[u8],
    ) -> Result<VerifiedCardLogin, IdpError> {
        let now = self.now();
        self.memory
            .tx(tx, now)
            .ok_or(IdpError::UnknownTransaction)?;
        let cert = self
            .anchors
            .validate(der, now, &self.policy)
            .map_err(IdpError::Path)?;
        let anchor = self
            .anchor_config(&cert.anchor.label)
            .ok_or_else(|| IdpError::Internal("anchor without configuration".into()))?;
        let limits = Limits {
            now,
            skew: time::Duration::seconds(self.config.timing.skew),
            fetch: std::time::Duration::from_millis(self.config.timing.fetch_ms),
        };
        let revocation = revocation::check(&self.http, anchor.sources(), &cert, limits)
            .await
            .map_err(IdpError::from)?;
        let person = self.person_for_certificate(&cert, anchor).await?;
        let path = cert.proof;
        Ok(VerifiedCardLogin {
            certificate: cert,
            proofs: (SignatureChecked::by_tls_handshake(), path, revocation),
            person,
        })
    }
}

async fn tls_login(
    State(app): State<Arc<Platform>>,
    Extension(peer): Extension<PeerCertificate>,
    Query(q): Query<TxQuery>,
    headers: axum::http::HeaderMap,
) -> Response {
    // Only the browser that started the login may finish it.
    if let Err(e) = crate::http::tx_for(&app, &q.tx, &headers) {
        return (axum::http::StatusCode::BAD_REQUEST, e.to_string()).into_response();
    }
    let result = match peer.0 {
        Some(der) => app.verify_tls_login(&q.tx, &der).await,
        None => Err(IdpError::BadAnswer("no client certificate".into())),
    };
    match result.and_then(|login| app.open_session(&login)) {
        Ok(session) => {
            let cookie =
                crate::http::set_cookie(&app, &crate::http::session_cookie_name(&app), &session.id);
            (
                [(header::SET_COOKIE, cookie)],
                Redirect::to(&app.url(&format!("/sso/continue?tx={}", q.tx))),
            )
                .into_response()
        }
        Err(e) => (
            axum::http::StatusCode::from_u16(e.http_status())
                .unwrap_or(axum::http::StatusCode::FORBIDDEN),
            e.to_string(),
        )
            .into_response(),
    }
}

/// Serves the TLS card-login endpoint on `listener` until the task is dropped.
pub async fn serve(
    platform: Arc<Platform>,
    listener: tokio::net::TcpListener,
    config: Arc<rustls::ServerConfig>,
) {
    let acceptor = tokio_rustls::TlsAcceptor::from(config);
    loop {
        let Ok((tcp, _)) = listener.accept().await else {
            continue;
        };
        let (acceptor, platform) = (acceptor.clone(), Arc::clone(&platform));
        tokio::spawn(async move {
            // A handshake that stalls is dropped: a hostile client cannot hold a task.
            let Ok(Ok(tls)) =
                tokio::time::timeout(std::time::Duration::from_secs(10), acceptor.accept(tcp))
                    .await
            else {
                return;
            };
            let cert = tls
                .get_ref()
                .1
                .peer_certificates()
                .and_then(|c| c.first())
                .map(|c| c.to_vec());
            let app = Router::new()
                .route("/card-login/tls", get(tls_login))
                .layer(Extension(PeerCertificate(cert)))
                .with_state(platform);
            let service = hyper_util::service::TowerToHyperService::new(app);
            let io = hyper_util::rt::TokioIo::new(tls);
            if let Err(err) = hyper::server::conn::http1::Builder::new()
                .serve_connection(io, service)
                .await
            {
                tracing::debug!(%err, "TLS card-login connection ended");
            }
        });
    }
}
