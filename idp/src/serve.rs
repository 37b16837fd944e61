//! How the platform takes connections, so that no client can hold it: a cap on
//! connections in all and per client address, a time limit on reading a request's head
//! (half-sent requests and idle keep-alive connections are closed) and on each whole
//! request (a body sent byte by byte), and the client's address on every request
//! ([`ClientIp`](crate::extract::ClientIp)) for the stores' per-client quotas; hyper's own
//! bare refusals explained ([`crate::head_errors`]).

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tower::ServiceExt as _;

use crate::head_errors::Explained;

/// The server's limits.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Connections open at once, from everyone.
    pub connections: usize,
    /// Connections open at once from one address.
    pub per_client: usize,
    /// Time to send a request's head (and to start the next one on a kept-alive connection).
    pub head: Duration,
    /// Time for a whole request, body and answer.
    pub request: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            connections: 4096,
            per_client: 256,
            head: Duration::from_secs(10),
            request: Duration::from_secs(60),
        }
    }
}

/// Connections open, in all and per address.
#[derive(Default)]
struct Open {
    total: usize,
    by_client: HashMap<IpAddr, usize>,
}

/// One connection's place, given back when it closes.
struct Place {
    open: Arc<Mutex<Open>>,
    client: IpAddr,
}

impl Drop for Place {
    fn drop(&mut self) {
        let mut o = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        o.total = o.total.saturating_sub(1);
        if let Some(n) = o.by_client.get_mut(&self.client) {
            *n -= 1;
            if *n == 0 {
                o.by_client.remove(&self.client);
            }
        }
    }
}

fn admit(open: &Arc<Mutex<Open>>, client: IpAddr, limits: Limits) -> Option<Place> {
    let mut o = open.lock().unwrap_or_else(PoisonError::into_inner);
    let mine = o.by_client.get(&client).copied().unwrap_or(0);
    if o.total >= limits.connections || mine >= limits.per_client {
        return None;
    }
    o.total += 1;
    o.by_client.insert(client, mine + 1);
    Some(Place {
        open: Arc::clone(open),
        client,
    })
}

/// Serves `router` on `listener` within `limits` until the listener fails.
pub async fn serve(listener: TcpListener, router: Router, limits: Limits) -> std::io::Result<()> {
    let open = Arc::new(Mutex::new(Open::default()));
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(c) => c,
            // Out of file descriptors and the like: wait, do not spin.
            Err(err) => {
                tracing::warn!(%err, "accepting a connection failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Some(place) = admit(&open, peer.ip(), limits) else {
            // Over the limit: closed at once, costing nothing more.
            drop(stream);
            continue;
        };
        let app = router.clone();
        tokio::spawn(async move {
            let _place = place;
            let service = hyper::service::service_fn(move |mut req: Request<Incoming>| {
                req.extensions_mut().insert(ConnectInfo(peer));
                let app = app.clone();
                async move {
                    Ok::<Response, Infallible>(
                        match tokio::time::timeout(limits.request, app.oneshot(req)).await {
                            Ok(Ok(r)) => r,
                            Ok(Err(never)) => match never {},
                            Err(_) => too_slow(),
                        },
                    )
                }
            });
            // A connection that ends badly (reset, timed out) ends only itself.
            let _ = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(limits.head)
                .serve_connection(TokioIo::new(Explained::new(stream)), service)
                .await;
        });
    }
}

fn too_slow() -> Response {
    (
        StatusCode::REQUEST_TIMEOUT,
        "the request took too long to arrive\n",
    )
        .into_response()
}
