//! A loopback listener that records what is fetched from it: an SP that resolves an
//! external entity, follows an XInclude or redirects the browser off-site shows up here.

use std::sync::{Arc, Mutex, PoisonError};

use axum::extract::State;
use axum::http::Uri;
use axum::Router;

/// The listener and the paths fetched so far.
#[derive(Clone)]
pub struct Listener {
    /// Its base URL.
    pub base_url: String,
    hits: Arc<Mutex<Vec<String>>>,
}

impl Listener {
    /// Starts on a free loopback port.
    pub async fn start() -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let base_url = format!("http://{}", listener.local_addr()?);
        let hits: Arc<Mutex<Vec<String>>> = Arc::default();
        let app = Router::new()
            .fallback(
                |State(h): State<Arc<Mutex<Vec<String>>>>, uri: Uri| async move {
                    h.lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .push(uri.path().to_owned());
                    "recorded by the conformance suite"
                },
            )
            .with_state(Arc::clone(&hits));
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self { base_url, hits })
    }

    /// The fetched paths that mention `marker` (a test id).
    pub fn hits_for(&self, marker: &str) -> Vec<String> {
        self.hits
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .filter(|p| p.contains(marker))
            .cloned()
            .collect()
    }
}
