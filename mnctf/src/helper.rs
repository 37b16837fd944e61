//! The local card helper: what JPKI client software is to a real card, for the login
//! page. It takes the platform's challenge and the PIN, checks the challenge (TF-BIND-005:
//! it is for the page's own origin and not expired), and has the card sign it.

use std::sync::{Arc, Mutex, PoisonError};

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use base64::Engine as _;
use mock_card::client::JpkiClient;
use mock_card::transport::Transport;
use scenarios::card::CardRefusal;
use serde::Deserialize;

/// A card behind some transport, shared by requests.
pub type SharedCard = Arc<Mutex<JpkiClient<Box<dyn Transport + Send>>>>;

#[derive(Clone)]
struct Helper {
    card: SharedCard,
    allowed_origin: String,
}

/// The helper's routes; only pages from `allowed_origin` (the platform) may use it.
pub fn router(card: SharedCard, allowed_origin: &str) -> Router {
    Router::new()
        .route("/sign", post(sign).options(preflight))
        .with_state(Helper {
            card,
            allowed_origin: allowed_origin.trim_end_matches('/').to_owned(),
        })
}

type Cors = [(header::HeaderName, HeaderValue); 3];

/// CORS headers for the platform's origin; `None` for any other origin.
fn cors(h: &Helper, headers: &HeaderMap) -> Option<Cors> {
    let origin = headers
        .get(header::ORIGIN)
        .and_then(|o| o.to_str().ok())
        .unwrap_or_default();
    if origin != h.allowed_origin {
        return None;
    }
    Some([
        (
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            HeaderValue::from_str(origin).ok()?,
        ),
        (
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static("content-type"),
        ),
        (
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("POST"),
        ),
    ])
}

fn foreign(h: &Helper) -> Response {
    (StatusCode::FORBIDDEN, Json(serde_json::json!({ "error": format!("the card helper serves {} only", h.allowed_origin) }))).into_response()
}

async fn preflight(State(h): State<Helper>, headers: HeaderMap, method: Method) -> Response {
    match cors(&h, &headers) {
        Some(cors) => (cors, format!("{method} ok")).into_response(),
        None => foreign(&h),
    }
}

#[derive(Deserialize)]
struct SignRequest {
    challenge: String,
    pin: String,
}

async fn sign(
    State(h): State<Helper>,
    headers: HeaderMap,
    Json(req): Json<SignRequest>,
) -> Response {
    let Some(cors) = cors(&h, &headers) else {
        return foreign(&h);
    };
    let fail = |status: StatusCode, msg: String| {
        (
            status,
            cors.clone(),
            Json(serde_json::json!({ "error": msg })),
        )
            .into_response()
    };
    let card = Arc::clone(&h.card);
    let origin = h.allowed_origin.clone();
    let result = tokio::task::spawn_blocking(move || {
        let mut card = card.lock().unwrap_or_else(PoisonError::into_inner);
        scenarios::card::sign_challenge(
            &mut card,
            &req.challenge,
            &req.pin,
            &origin,
            time::OffsetDateTime::now_utc(),
        )
    })
    .await;
    let b64 = base64::engine::general_purpose::STANDARD;
    match result {
        Ok(Ok((cert, sig))) => (cors, Json(serde_json::json!({ "certificate": b64.encode(cert), "signature": b64.encode(sig) }))).into_response(),
        Ok(Err(e @ CardRefusal::Malformed(_) | e @ CardRefusal::Expired)) => {
            fail(StatusCode::BAD_REQUEST, e.to_string())
        }
        Ok(Err(e)) => fail(StatusCode::FORBIDDEN, e.to_string()),
        Err(e) => fail(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}
