//! What passes between the federation's parties, observed at each party's door: every
//! request a party answers, who sent it (a browser, or the party whose software says so
//! in its User-Agent), the SAML or payment message it carried, decoded, and the answer's
//! status. `mnctf up` shows it live beside the walks; the scenarios do not need it (their
//! browser records the same from the other side).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;
use axum::Router;
use reports::Evidence;
use url::Url;
use user_agent::Parties;

/// How many exchanges are kept (the oldest go first).
const KEPT: usize = 400;
/// Form bodies larger than this are passed on unread (and not shown).
const MAX_READ: usize = 512 * 1024;
/// How much of a form body is shown.
const SHOWN: usize = 4096;

/// An exchange observed, numbered in order.
#[derive(Clone, Debug)]
pub struct Observed {
    /// Its number (from 1, never reused).
    pub seq: u64,
    /// The exchange: title, decoded content, from, to.
    pub evidence: Evidence,
}

/// The observations of every tapped party.
#[derive(Default)]
pub struct Tap {
    log: Mutex<(u64, VecDeque<Observed>)>,
    parties: OnceLock<Arc<Parties>>,
}

#[derive(Clone)]
struct Door {
    tap: Arc<Tap>,
    party: &'static str,
}

impl Tap {
    /// A tap with nothing observed yet.
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// Names callers by origin (set once the federation's parties are known).
    pub fn know(&self, parties: Arc<Parties>) {
        let _ = self.parties.set(parties);
    }

    /// `router` with every exchange it answers observed as `party`'s.
    pub fn wrap(self: &Arc<Self>, party: &'static str, router: Router) -> Router {
        router.layer(axum::middleware::from_fn_with_state(
            Door {
                tap: Arc::clone(self),
                party,
            },
            observe,
        ))
    }

    /// The exchanges after number `after`, oldest first.
    pub fn since(&self, after: u64) -> Vec<Observed> {
        let log = self.log.lock().unwrap_or_else(PoisonError::into_inner);
        log.1.iter().filter(|o| o.seq > after).cloned().collect()
    }

    /// The number of the latest exchange (0 before any).
    pub fn latest(&self) -> u64 {
        self.log.lock().unwrap_or_else(PoisonError::into_inner).0
    }

    fn record(&self, evidence: Evidence) {
        let mut log = self.log.lock().unwrap_or_else(PoisonError::into_inner);
        log.0 += 1;
        let seq = log.0;
        log.1.push_back(Observed { seq, evidence });
        while log.1.len() > KEPT {
            log.1.pop_front();
        }
    }

    /// Who sent a request: the party its software names in the User-Agent, else a browser.
    fn caller(&self, user_agent: Option<&str>) -> String {
        let named = user_agent
            .and_then(|ua| ua.strip_prefix("mnctf-"))
            .and_then(|ua| {
                ua.split_once('(')
                    .map(|(_, rest)| rest.trim_end_matches(')'))
            })
            .and_then(|url| Url::parse(url).ok());
        match (named, self.parties.get()) {
            (Some(url), Some(p)) => p.name(&url),
            _ => "browser".into(),
        }
    }
}

async fn observe(State(door): State<Door>, request: Request, next: Next) -> Response {
    // The browser asking for an icon says nothing about the federation.
    if request.uri().path() == "/favicon.ico" {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let is_form = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"));
    let small = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<usize>().ok())
        .is_some_and(|n| n <= MAX_READ);
    let (form, body) = if is_form && small {
        match axum::body::to_bytes(body, MAX_READ).await {
            Ok(bytes) => (
                Some(String::from_utf8_lossy(&bytes).into_owned()),
                Body::from(bytes),
            ),
            Err(_) => (None, Body::empty()),
        }
    } else {
        (None, body)
    };
    let from = door.tap.caller(
        parts
            .headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok()),
    );
    let (method, uri) = (parts.method.clone(), parts.uri.clone());
    let response = next.run(Request::from_parts(parts, body)).await;
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let carried = user_agent::carried_message(uri.query(), form.as_deref());
    let mut content = format!("{method} {uri}\n");
    if let Some((_, xml)) = &carried {
        content.push_str(&format!("\n{xml}\n"));
    } else if let Some(f) = &form {
        content.push_str(&format!("\n{}\n", cut(&without_secrets(f), SHOWN)));
    }
    content.push_str(&format!("\n→ HTTP {status}"));
    if let Some(l) = &location {
        content.push_str(&format!(" Location: {l}"));
    }
    door.tap.record(Evidence {
        title: format!(
            "{method} {}{} → {status}",
            uri.path(),
            carried
                .as_ref()
                .map(|(kind, _)| format!(" ({kind})"))
                .unwrap_or_default()
        ),
        content,
        from,
        to: door.party.to_owned(),
        duration_ms: 0,
    });
    response
}

/// A form body with its passwords and PINs masked: the view is for watching, not a log
/// of credentials.
fn without_secrets(form: &str) -> String {
    url::form_urlencoded::parse(form.as_bytes())
        .map(|(k, v)| {
            let secret = ["password", "pin"]
                .iter()
                .any(|s| k.to_lowercase().contains(s));
            format!("{k}={}", if secret { "********".into() } else { v })
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn cut(text: &str, max: usize) -> &str {
    match text.char_indices().nth(max) {
        Some((at, _)) => &text[..at],
        None => text,
    }
}
