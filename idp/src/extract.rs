//! Extractors that turn a malformed request into the platform's own answer rather than
//! axum's plain-text rejection (`Failed to deserialize query string: missing field tx`):
//! a page saying the link is incomplete for a browser, a JSON refusal for the login page's
//! script.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::response::Response;
use serde::de::DeserializeOwned;

use crate::error::IdpError;

/// The client's address, when the server passed it on ([`crate::serve`] does; a plain
/// `axum::serve` without connect info does not).
pub struct ClientIp(pub Option<std::net::IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        _: &S,
    ) -> Result<Self, std::convert::Infallible> {
        Ok(Self(
            parts
                .extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|c| c.0.ip()),
        ))
    }
}

/// A query string; a malformed one gets the "incomplete link" page.
pub struct Params<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Params<T> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| Self(q.0))
            .map_err(|e| refused(e.status(), &e.body_text()))
    }
}

/// The "incomplete link" page with the rejection's status (400, or 413 for a body over
/// the limit).
fn refused(status: axum::http::StatusCode, why: &str) -> Response {
    let mut page = crate::http::error_page(&IdpError::Incomplete(why.to_owned()));
    *page.status_mut() = status;
    page
}

/// A form body; a malformed one gets the "incomplete link" page.
pub struct FormBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for FormBody<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Response> {
        axum::extract::Form::<T>::from_request(req, state)
            .await
            .map(|f| Self(f.0))
            .map_err(|e| refused(e.status(), &e.body_text()))
    }
}

/// A JSON body; a malformed one gets a JSON refusal with its notice.
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Response> {
        axum::extract::Json::<T>::from_request(req, state)
            .await
            .map(|j| Self(j.0))
            .map_err(|e| {
                let mut refusal =
                    crate::http::json_refusal(&IdpError::BadAnswer(e.body_text()), None);
                *refusal.status_mut() = e.status();
                refusal
            })
    }
}
