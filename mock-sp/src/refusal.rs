//! Refusals as people read them: each service keeps a list of (phrase of the technical
//! reason → what happened and where to go, in Japanese and English); the reason itself
//! stays the page's machine-readable result.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use crate::sp::{citizen_html, ServiceProvider};

/// A link on a page: the address, its Japanese and its English label.
pub(crate) type Link = (&'static str, &'static str, &'static str);

/// What a refusal says (Japanese, English) and the links onward.
pub(crate) type Words = ((&'static str, &'static str), &'static [Link]);

/// The page for the refusal `why`: the words of the first rule whose phrase it contains,
/// else `fallback`.
pub(crate) fn page(
    sp: &ServiceProvider,
    status: StatusCode,
    why: &str,
    rules: &[(&str, Words)],
    fallback: Words,
) -> Response {
    let (message, links) = rules
        .iter()
        .find(|(phrase, _)| why.contains(phrase))
        .map_or(fallback, |(_, w)| *w);
    let html = citizen_html(sp, message, "", links, why);
    (status, Html(html)).into_response()
}
