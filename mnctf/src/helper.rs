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
    /// The origins whose pages may use it: the card IdPs' (the platform, a CATV operator).
    allowed_origins: Vec<String>,
    /// The time a challenge's expiry is checked against: the federation's clock (the
    /// portal's renewal walk moves it back).
    clock: mock_ca::Clock,
}

/// The helper's routes; only pages from `allowed_origins` (the card IdPs) may use it.
pub fn router(card: SharedCard, allowed_origins: &[&str], clock: mock_ca::Clock) -> Router {
    Router::new()
        .route("/sign", post(sign).options(preflight))
        .with_state(Helper {
            card,
            allowed_origins: allowed_origins
                .iter()
                .map(|o| o.trim_end_matches('/').to_owned())
                .collect(),
            clock,
        })
}

type Cors = [(header::HeaderName, HeaderValue); 3];

/// CORS headers for the platform's origin; `None` for any other origin.
fn cors(h: &Helper, headers: &HeaderMap) -> Option<Cors> {
    let origin = headers
        .get(header::ORIGIN)
        .and_then(|o| o.to_str().ok())
        .unwrap_or_default();
    if !h.allowed_origins.iter().any(|o| o == origin) {
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
    (StatusCode::FORBIDDEN, Json(serde_json::json!({ "error": format!("the card helper serves {} only", h.allowed_origins.join(", ")) }))).into_response()
}

async fn preflight(State(h): State<Helper>, headers: HeaderMap, method: Method) -> Response {
    match cors(&h, &headers) {
        Some(cors) => (cors, format!("{method} ok")).into_response(),
        None => foreign(&h),
    }
}

/// What the card's refusal means for the person at the reader, and what to do.
pub(crate) fn notice(e: &CardRefusal) -> Option<serde_json::Value> {
    use mock_card::client::ClientError;
    let (ja, en, todo_ja, todo_en) = match e {
        CardRefusal::Card(ClientError::WrongPin { tries_left, .. }) => (
            format!("暗証番号が違います（残り{tries_left}回）。"),
            format!("Wrong PIN ({tries_left} tries left)."),
            "正しい暗証番号を入力してください。すべて間違えるとロックされます。".to_owned(),
            "Enter the right PIN; after the last wrong try it locks.".to_owned(),
        ),
        CardRefusal::Card(ClientError::PinBlocked(_)) => (
            "暗証番号がロックされています。".to_owned(),
            "The PIN is blocked.".to_owned(),
            "お住まいの市区町村の窓口で、暗証番号の初期化（再設定）を申請してください。".to_owned(),
            "Have it reset at your city, ward or town office.".to_owned(),
        ),
        CardRefusal::OtherSite(_) => (
            "このページは、カードの確認を求めてよいサイトではありません。".to_owned(),
            "This page is not the site the card check is for.".to_owned(),
            "暗証番号を入力せず、ご利用のサービスの正しい画面からやり直してください。".to_owned(),
            "Do not enter your PIN; start again from the genuine service.".to_owned(),
        ),
        _ => return None,
    };
    Some(serde_json::json!({ "ja": ja, "en": en, "todo_ja": todo_ja, "todo_en": todo_en }))
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
    let now = h.clock.now();
    let origin = headers
        .get(header::ORIGIN)
        .and_then(|o| o.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let result = tokio::task::spawn_blocking(move || {
        let mut card = card.lock().unwrap_or_else(PoisonError::into_inner);
        scenarios::card::sign_challenge(&mut card, &req.challenge, &req.pin, &origin, now)
    })
    .await;
    let b64 = base64::engine::general_purpose::STANDARD;
    match result {
        Ok(Ok((cert, sig))) => (cors, Json(serde_json::json!({ "certificate": b64.encode(cert), "signature": b64.encode(sig) }))).into_response(),
        Ok(Err(e @ CardRefusal::Malformed(_) | e @ CardRefusal::Expired)) => {
            fail(StatusCode::BAD_REQUEST, e.to_string())
        }
        // The login page shows a notice as it shows the platform's own refusals.
        Ok(Err(e)) => match notice(&e) {
            Some(n) => {
                let body = serde_json::json!({ "error": e.to_string(), "notice": n });
                (StatusCode::FORBIDDEN, cors.clone(), Json(body)).into_response()
            }
            None => fail(StatusCode::FORBIDDEN, e.to_string()),
        },
        Err(e) => fail(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}
