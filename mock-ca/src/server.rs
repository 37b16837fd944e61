//! The CA service over HTTP on loopback: OCSP (POST and GET, RFC 6960 appendix A),
//! CRLs, CA certificates and renewal links. Faults are switched through [`Faults`].

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use base64::Engine as _;
use time::Duration;

use crate::ocsp::{self, Fault};
use crate::pki::{ca, Pki, PkiConfig};
use crate::{CaError, Clock};

/// Largest request body accepted (an OCSP request is a few hundred bytes).
const MAX_BODY: usize = 16 * 1024;

/// How long a CRL is valid.
pub const CRL_LIFETIME: Duration = Duration::days(1);

/// Faults switched on at the service; tests flip them while it runs.
#[derive(Clone, Debug, Default)]
pub struct Faults(Arc<Mutex<FaultState>>);

#[derive(Clone, Copy, Debug, Default)]
struct FaultState {
    ocsp: Option<Fault>,
    stale_crl: bool,
    links_down: bool,
}

impl Faults {
    /// Switches the OCSP fault (`None`: answer correctly).
    pub fn set_ocsp(&self, fault: Option<Fault>) {
        self.lock().ocsp = fault;
    }

    /// Serves CRLs whose nextUpdate has passed.
    pub fn set_stale_crl(&self, stale: bool) {
        self.lock().stale_crl = stale;
    }

    /// Answers the renewal-link service (`/renewals`, `/predecessors`) with 503.
    pub fn set_links_down(&self, down: bool) {
        self.lock().links_down = down;
    }

    fn links_down(&self) -> bool {
        self.lock().links_down
    }

    /// The OCSP fault in force.
    pub fn ocsp(&self) -> Option<Fault> {
        self.lock().ocsp
    }

    fn stale_crl(&self) -> bool {
        self.lock().stale_crl
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, FaultState> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[derive(Clone)]
struct AppState {
    pki: Arc<Pki>,
    faults: Faults,
}

/// The service's routes.
pub fn router(pki: Arc<Pki>, faults: Faults) -> Router {
    Router::new()
        .route("/ocsp/{ca}", post(ocsp_post))
        .route("/ocsp/{ca}/{*request}", get(ocsp_get))
        .route("/crl/{file}", get(crl))
        .route("/ca/{file}", get(ca_certificate))
        .route("/renewals/{serial}", get(renewal))
        .route("/predecessors/{serial}", get(predecessor))
        .route("/healthz", get(|| async { "ok" }))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(AppState { pki, faults })
}

fn not_found(what: String) -> Response {
    (StatusCode::NOT_FOUND, what).into_response()
}

async fn answer_ocsp(state: AppState, ca_id: &str, request: &[u8]) -> Response {
    let Some(ca) = state.pki.authority(ca_id) else {
        return not_found(format!("no CA {ca_id:?}"));
    };
    let Some(wrong) = state.pki.authority(ca::ROGUE_AUTH) else {
        return not_found("no rogue CA".into());
    };
    let answer = ocsp::respond(
        ca,
        wrong,
        request,
        state.pki.clock().now(),
        state.faults.ocsp(),
    );
    if let Some(delay) = answer.delay {
        tokio::time::sleep(delay).await;
    }
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (
        status,
        [(header::CONTENT_TYPE, "application/ocsp-response")],
        answer.body,
    )
        .into_response()
}

async fn ocsp_post(
    State(state): State<AppState>,
    Path(ca_id): Path<String>,
    body: Bytes,
) -> Response {
    answer_ocsp(state, &ca_id, &body).await
}

async fn ocsp_get(
    State(state): State<AppState>,
    Path((ca_id, request)): Path<(String, String)>,
) -> Response {
    // The path segment is the URL-encoded base64 of the DER request (RFC 6960 A.1);
    // axum has already percent-decoded it.
    match base64::engine::general_purpose::STANDARD.decode(request.trim_start_matches('/')) {
        Ok(der) => answer_ocsp(state, &ca_id, &der).await,
        Err(_) => (StatusCode::BAD_REQUEST, "the OCSP GET path is not base64").into_response(),
    }
}

async fn crl(State(state): State<AppState>, Path(file): Path<String>) -> Response {
    let Some(ca) = file
        .strip_suffix(".crl")
        .and_then(|id| state.pki.authority(id))
    else {
        return not_found(format!("no CRL {file:?}"));
    };
    let now = state.pki.clock().now();
    let this_update = if state.faults.stale_crl() {
        now - Duration::days(3)
    } else {
        now
    };
    match ca.crl(this_update, CRL_LIFETIME) {
        Ok(der) => ([(header::CONTENT_TYPE, "application/pkix-crl")], der).into_response(),
        Err(err) => (StatusCode::INTERNAL_SERVER_ERROR, err.to_string()).into_response(),
    }
}

async fn ca_certificate(State(state): State<AppState>, Path(file): Path<String>) -> Response {
    match file
        .strip_suffix(".cer")
        .and_then(|id| state.pki.authority(id))
    {
        Some(ca) => (
            [(header::CONTENT_TYPE, "application/pkix-cert")],
            ca.certificate().to_vec(),
        )
            .into_response(),
        None => not_found(format!("no CA certificate {file:?}")),
    }
}

/// `GET /renewals/<old serial hex>`: the successor of a superseded certificate, as JSON.
async fn renewal(State(state): State<AppState>, Path(serial): Path<String>) -> Response {
    if state.faults.links_down() {
        return links_unavailable();
    }
    match hex::decode(&serial) {
        Ok(old) => link_json(state.pki.successor_of(&old), &serial),
        Err(_) => (StatusCode::BAD_REQUEST, "serial is not hex").into_response(),
    }
}

/// `GET /predecessors/<new serial hex>`: the certificate a renewal replaced, as JSON.
async fn predecessor(State(state): State<AppState>, Path(serial): Path<String>) -> Response {
    if state.faults.links_down() {
        return links_unavailable();
    }
    match hex::decode(&serial) {
        Ok(new) => link_json(state.pki.predecessor_of(&new), &serial),
        Err(_) => (StatusCode::BAD_REQUEST, "serial is not hex").into_response(),
    }
}

fn links_unavailable() -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        "the renewal-link service is down (fault)",
    )
        .into_response()
}

fn link_json(link: Option<crate::pki::RenewalLink>, serial: &str) -> Response {
    let Some(link) = link else {
        return not_found(format!("no renewal link for serial {serial}"));
    };
    let at = link
        .at
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let json = format!(
        r#"{{"ca":"{}","old_serial":"{}","new_serial":"{}","at":"{}"}}"#,
        link.ca_id,
        hex::encode(&link.old_serial),
        hex::encode(&link.new_serial),
        at
    );
    ([(header::CONTENT_TYPE, "application/json")], json).into_response()
}

/// A running CA service on a thread of its own (usable from sync code and tests).
#[derive(Debug)]
pub struct RunningService {
    /// Where it listens.
    pub addr: SocketAddr,
    /// The PKI it serves.
    pub pki: Arc<Pki>,
    /// Its fault switches.
    pub faults: Faults,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl RunningService {
    /// Binds `127.0.0.1:port` (0: any free port), builds the PKI with that address in its
    /// URLs, and serves it until stopped or dropped.
    pub fn start(
        port: u16,
        configure: impl FnOnce(&mut PkiConfig),
        clock: Clock,
    ) -> Result<Self, CaError> {
        let listener = std::net::TcpListener::bind(("127.0.0.1", port))?;
        let addr = listener.local_addr()?;
        let mut config = PkiConfig::new(&format!("http://{addr}"));
        configure(&mut config);
        let pki = Arc::new(Pki::build(config, clock)?);
        Self::serve(listener, pki)
    }

    /// Serves an already built PKI on a bound listener.
    pub fn serve(listener: std::net::TcpListener, pki: Arc<Pki>) -> Result<Self, CaError> {
        Self::serve_wrapped(listener, pki, |r| r)
    }

    /// [`serve`](Self::serve) with the routes passed through `wrap` (e.g. a layer that
    /// observes every exchange).
    pub fn serve_wrapped(
        listener: std::net::TcpListener,
        pki: Arc<Pki>,
        wrap: impl FnOnce(axum::Router) -> axum::Router,
    ) -> Result<Self, CaError> {
        let addr = listener.local_addr()?;
        listener.set_nonblocking(true)?;
        let faults = Faults::default();
        let app = wrap(router(Arc::clone(&pki), faults.clone()));
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let thread = std::thread::Builder::new()
            .name("mock-ca-http".into())
            .spawn(move || {
                runtime.block_on(async move {
                    let listener = match tokio::net::TcpListener::from_std(listener) {
                        Ok(l) => l,
                        Err(err) => return tracing::error!(%err, "CA service could not listen"),
                    };
                    let shutdown = async move { drop(rx.await) };
                    if let Err(err) = axum::serve(listener, app)
                        .with_graceful_shutdown(shutdown)
                        .await
                    {
                        tracing::error!(%err, "CA service stopped");
                    }
                });
            })?;
        Ok(Self {
            addr,
            pki,
            faults,
            shutdown: Some(tx),
            thread: Some(thread),
        })
    }

    /// The base URL (`http://127.0.0.1:PORT`).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops the service and waits for its thread.
    pub fn stop(mut self) {
        self.shutdown_now();
    }

    fn shutdown_now(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            // The receiver is gone only if the server already stopped.
            let _ = tx.send(());
        }
        if let Some(thread) = self.thread.take() {
            drop(thread.join());
        }
    }
}

impl Drop for RunningService {
    fn drop(&mut self) {
        self.shutdown_now();
    }
}
