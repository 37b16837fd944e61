//! A vendor's own system in the federation `up` runs: its metadata posted here (by
//! `mnctf join`) is registered by the operator, which signs a new aggregate the platform
//! loads; the aggregate and the operator's certificate are served for the vendor's system
//! to trust.

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

use super::App;

/// The largest metadata document accepted.
const MAX_METADATA: usize = 256 * 1024;

pub(super) fn routes() -> Router<App> {
    Router::new()
        .route(
            "/federation/join",
            post(join).layer(DefaultBodyLimit::max(MAX_METADATA)),
        )
        .route("/federation/aggregate.xml", get(aggregate))
        .route("/federation/operator.crt", get(operator))
}

async fn join(State(app): State<App>, body: Bytes) -> Response {
    let Ok(text) = std::str::from_utf8(&body) else {
        return (StatusCode::BAD_REQUEST, "the metadata is not UTF-8\n").into_response();
    };
    let fed = std::sync::Arc::clone(&app.federation);
    let text = text.to_owned();
    match tokio::task::spawn_blocking(move || fed.join(&text)).await {
        Ok(Ok(_)) => {
            println!("federation: an outside system joined; the platform loaded the new aggregate");
            (
                StatusCode::OK,
                "joined: the operator signed a new aggregate with it and the platform loaded it\n",
            )
                .into_response()
        }
        Ok(Err(e)) => (StatusCode::BAD_REQUEST, format!("not joined: {e}\n")).into_response(),
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("not joined: {e}\n"),
        )
            .into_response(),
    }
}

async fn aggregate(State(app): State<App>) -> Response {
    match std::fs::read(app.federation.dir.join("aggregate.xml")) {
        Ok(bytes) => (
            [(header::CONTENT_TYPE, "application/samlmetadata+xml")],
            bytes,
        )
            .into_response(),
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("no aggregate: {e}\n"),
        )
            .into_response(),
    }
}

async fn operator(State(app): State<App>) -> Response {
    (
        [(header::CONTENT_TYPE, "application/pkix-cert")],
        app.federation.operator.certificate.clone(),
    )
        .into_response()
}
