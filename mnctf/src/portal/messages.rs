//! The second page policy staff keep open beside a walk: what the parties exchanged
//! underneath since the walk started, drawn as a sequence of arrows between the
//! organisations and listed with every SAML or payment message decoded; it follows the
//! walk live (the page asks for what is new every second and a half).

use std::sync::atomic::Ordering;

use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Json, Response};
use axum::routing::get;
use axum::Router;
use reports::parties;
use scenarios::tap::Observed;
use serde::Deserialize;
use trust_framework::saml::xml::escape;

use super::{layout, App};

/// How many of the latest exchanges the page shows.
const SHOWN: usize = 60;

pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/messages", get(page))
        .route("/messages/live", get(live))
}

async fn page() -> Response {
    Html(layout(
        ("裏側で交わされたメッセージ", "The messages underneath"),
        concat!(
            r#"<p>事例を「はじめる」と、そこから各機関の間で交わされたメッセージがここに順に描かれます（このページは自動で更新されます）。矢印を選ぶと、SAML などのメッセージの中身が読めます。<br><span class="en" lang="en">From the moment a case study starts, every message the organisations exchange is drawn here in order (the page updates itself). Open an entry to read the SAML or payment message it carried.</span></p>"#,
            r#"<p><a href="/">ポータルに戻る / Back to the portal</a></p><div id="live"><p id="empty">まだ何も交わされていません。 <span class="en">/ Nothing exchanged yet.</span></p></div>"#,
            "<script>let seen=-1;async function poll(){try{const r=await fetch('/messages/live'+(seen>=0?'?after='+seen:''));const j=await r.json();if(j.latest!==seen){seen=j.latest;document.getElementById('live').innerHTML=j.html;}}catch(e){}setTimeout(poll,1500);}poll();</script>",
        ),
    ))
    .into_response()
}

#[derive(Deserialize)]
struct After {
    /// The latest exchange the page has drawn: nothing new, no new drawing.
    #[serde(default)]
    after: Option<u64>,
}

async fn live(State(app): State<App>, Query(q): Query<After>) -> Response {
    let latest = app.tap.latest();
    if q.after == Some(latest) {
        return Json(serde_json::json!({ "latest": latest })).into_response();
    }
    let since = app.mark.load(Ordering::SeqCst);
    let mut seen = app.tap.since(since);
    if seen.len() > SHOWN {
        seen.drain(..seen.len() - SHOWN);
    }
    Json(serde_json::json!({ "latest": latest, "html": render(&seen) })).into_response()
}

fn name(role: &str) -> String {
    let (ja, en) = parties::names(role);
    format!(r#"{} <span class="en">/ {}</span>"#, escape(ja), escape(en))
}

/// The drawing, then each exchange: who to whom, what, and the message decoded.
fn render(seen: &[Observed]) -> String {
    if seen.is_empty() {
        return r#"<p id="empty">まだ何も交わされていません。 <span class="en">/ Nothing exchanged yet.</span></p>"#.into();
    }
    let evidence: Vec<_> = seen.iter().map(|o| o.evidence.clone()).collect();
    let drawing = reports::svg::flow(&evidence, "messages exchanged").unwrap_or_default();
    let list: String = seen
        .iter()
        .map(|o| {
            let e = &o.evidence;
            format!(
                r#"<li class="message"><details><summary>{n}. {from} → {to}: <code>{title}</code></summary><pre>{content}</pre></details></li>"#,
                n = o.seq,
                from = name(&e.from),
                to = name(&e.to),
                title = escape(&e.title),
                content = escape(&e.content),
            )
        })
        .collect();
    format!(
        r#"<div class="drawing" style="overflow-x:auto">{drawing}</div><ol id="messages" style="list-style:none;padding:0">{list}</ol>"#
    )
}
