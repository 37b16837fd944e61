//! A scripted user agent (for the scenarios and the conformance suite): a cookie jar, redirects followed one hop at a time, auto-POST
//! forms submitted as their onload would, and forms a person would submit, by id. Every
//! exchange is recorded as evidence, with the SAML and payment messages it carried
//! decoded. Time and size limits on everything: a hostile server cannot hang it.
//!
//! Architecture invariant: it judges nothing; callers read the pages it ends on.

#![warn(missing_docs)]
#![forbid(unsafe_code)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::panic))]

mod https;
pub mod network;

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

pub use network::Network;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use reports::Evidence;
use trust_framework::saml::bindings;
use url::Url;

/// Largest page read.
const MAX_PAGE: usize = 1024 * 1024;
/// Most redirects and auto-POST forms followed in one navigation.
const MAX_HOPS: usize = 25;
/// Most of a page kept as evidence.
const EVIDENCE_BODY: usize = 4 * 1024;

/// Why a navigation did not end on a page.
#[derive(Debug, thiserror::Error)]
pub enum BrowserError {
    /// The connection, the time limit or HTTP itself failed.
    #[error("HTTP: {}", describe(.0))]
    Http(#[from] reqwest::Error),
    /// A URL that does not parse or resolve.
    #[error("bad URL {0:?}")]
    Url(String),
    /// A page over the size limit.
    #[error("page over {MAX_PAGE} bytes")]
    TooLarge,
    /// A page that ended before its Content-Length: (bytes received, bytes announced).
    #[error("the page was cut short: {0} of the {1} bytes its Content-Length announced")]
    CutShort(usize, usize),
    /// A redirect without a Location, or a form without an action.
    #[error("{0}")]
    Malformed(&'static str),
    /// More hops than [`MAX_HOPS`].
    #[error("more than {MAX_HOPS} redirects or forms: a loop?")]
    Loop,
    /// A form the page does not have.
    #[error("no form \"{0}\" on the page")]
    NoForm(String),
    /// TLS with a client certificate failed (connection, handshake, time limit).
    #[error("TLS: {0}")]
    Tls(String),
    /// A request the network policy does not allow (never sent).
    #[error("{0}")]
    NotAllowed(String),
    /// No connection could be made (nothing listens there, or no route).
    #[error("{0}")]
    Connect(String),
}

impl BrowserError {
    /// Whether no connection could be made at all (as opposed to a bad answer).
    pub fn is_connect(&self) -> bool {
        match self {
            Self::Http(e) => e.is_connect(),
            Self::Connect(_) => true,
            _ => false,
        }
    }
}

/// A reqwest error in words: a timeout says so, others with their causes.
fn describe(e: &reqwest::Error) -> String {
    let url = e.url().map(|u| format!(" ({u})")).unwrap_or_default();
    if e.is_timeout() {
        return format!("no answer within the time limit (timed out){url}");
    }
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(&format!(": {s}"));
        source = s.source();
    }
    text
}

/// Where a navigation ended.
#[derive(Debug, Clone)]
pub struct Page {
    /// The final URL.
    pub url: String,
    /// Its HTTP status.
    pub status: u16,
    /// Its body.
    pub body: String,
    /// Its response headers (names in lower case), in order.
    pub headers: Vec<(String, String)>,
}

impl Page {
    /// The value of the first response header `name` (lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The text of `<pre id="result">`, where our services put what a page says.
    pub fn result(&self) -> String {
        between(&self.body, r#"<pre id="result">"#, "</pre>")
            .map(unescape)
            .unwrap_or_default()
    }

    /// The value after `key: ` on a line of the result.
    pub fn field(&self, key: &str) -> Option<String> {
        let prefix = format!("{key}: ");
        self.result()
            .lines()
            .find_map(|l| l.strip_prefix(&prefix).map(str::to_owned))
    }
}

/// Where a navigation with a stop ended.
#[derive(Debug, Clone)]
pub enum Navigation {
    /// On a page.
    Page(Page),
    /// Before a hop to the stop URL: the URL (with its query), and the form fields if the
    /// hop was an auto-POST.
    Stopped {
        /// Where the browser was about to go.
        url: Url,
        /// The fields it was about to post.
        form: Option<Vec<(String, String)>>,
    },
}

/// Names of the parties, by origin, for evidence and flow diagrams.
#[derive(Clone, Debug, Default)]
pub struct Parties(Vec<(String, String)>);

impl Parties {
    /// Adds `base_url`'s origin under `name`.
    pub fn add(&mut self, base_url: &str, name: &str) {
        if let Ok(u) = Url::parse(base_url) {
            self.0
                .push((u.origin().ascii_serialization(), name.to_owned()));
        }
    }

    /// The party at `url`.
    pub fn name(&self, url: &Url) -> String {
        let origin = url.origin().ascii_serialization();
        self.0
            .iter()
            .find(|(o, _)| *o == origin)
            .map(|(_, n)| n.clone())
            .unwrap_or(origin)
    }
}

/// A form on a page.
#[derive(Debug, Clone)]
pub struct Form {
    /// Its id attribute.
    pub id: Option<String>,
    /// Where it posts.
    pub action: String,
    /// Its inputs with a name, and their values.
    pub fields: Vec<(String, String)>,
}

/// The user agent.
pub struct Browser {
    http: reqwest::Client,
    jar: Arc<reqwest::cookie::Jar>,
    timeout: Duration,
    network: Network,
    /// The TLS configuration for https hops (or why there is none).
    tls: Result<Arc<rustls::ClientConfig>, String>,
    name: String,
    parties: Arc<Parties>,
    log: Mutex<Vec<Evidence>>,
    /// Every Set-Cookie line received, with the URL that sent it.
    cookies_set: Mutex<Vec<(Url, String)>>,
    /// Every auto-POST page that carried a SAML message, as received (body aside).
    saml_posts: Mutex<Vec<Page>>,
}

impl Default for Browser {
    fn default() -> Self {
        Self::new()
    }
}

struct Hop {
    url: Url,
    status: u16,
    location: Option<String>,
    body: String,
    headers: Vec<(String, String)>,
}

impl Browser {
    /// A browser with an empty cookie jar and no party names.
    pub fn new() -> Self {
        Self::named("browser", Arc::new(Parties::default()))
    }

    /// A user agent called `name` in the evidence, naming servers by `parties`.
    pub fn named(name: &str, parties: Arc<Parties>) -> Self {
        Self::with_timeout(name, parties, Duration::from_secs(15))
    }

    /// The same with `timeout` on each exchange.
    pub fn with_timeout(name: &str, parties: Arc<Parties>, timeout: Duration) -> Self {
        Self::with_network(name, parties, timeout, Network::default())
    }

    /// The same with the network policy `network` (allow-list, https trust, names).
    pub fn with_network(
        name: &str,
        parties: Arc<Parties>,
        timeout: Duration,
        network: Network,
    ) -> Self {
        let jar = Arc::new(reqwest::cookie::Jar::default());
        let mut builder = reqwest::Client::builder()
            .cookie_provider(Arc::clone(&jar))
            .redirect(reqwest::redirect::Policy::none())
            .timeout(timeout);
        for (host, addr) in &network.resolve {
            builder = builder.resolve(host, std::net::SocketAddr::new(*addr, 0));
        }
        let http = builder.build().unwrap_or_default();
        let tls = network.tls_config();
        Self {
            http,
            jar,
            timeout,
            network,
            tls,
            name: name.to_owned(),
            parties,
            log: Mutex::default(),
            cookies_set: Mutex::default(),
            saml_posts: Mutex::default(),
        }
    }

    /// The exchanges recorded since the last call.
    pub fn take_evidence(&self) -> Vec<Evidence> {
        std::mem::take(&mut *self.log.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Every auto-POST page that carried a SAML message (`SAMLResponse` or `SAMLRequest`)
    /// so far: its URL, status and headers (the body left out), for how it may be cached.
    pub fn saml_post_pages(&self) -> Vec<Page> {
        self.saml_posts
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Every Set-Cookie line received so far, with the URL that sent it.
    pub fn cookies_set(&self) -> Vec<(Url, String)> {
        self.cookies_set
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn record(&self, e: Evidence) {
        self.log
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(e);
    }

    async fn send(
        &self,
        method: reqwest::Method,
        url: Url,
        payload: Payload<'_>,
    ) -> Result<Hop, BrowserError> {
        self.network
            .permits(&url)
            .map_err(BrowserError::NotAllowed)?;
        let started = Instant::now();
        let (headers, body, sent) = payload.encode();
        let (status, got, text) = if url.scheme() == "https" {
            let config = self.tls.clone().map_err(BrowserError::Tls)?;
            self.over_tls(method.as_str(), &url, headers, body.clone(), config)
                .await?
        } else {
            self.over_http(method.clone(), &url, headers, body.clone())
                .await?
        };
        let form = body.filter(|_| matches!(payload, Payload::Form(_)));
        Ok(self.arrived(
            &method,
            url,
            started,
            (form.as_deref(), &sent),
            (status, got, text),
        ))
    }

    /// One exchange over plain http (reqwest, with the jar).
    async fn over_http(
        &self,
        method: reqwest::Method,
        url: &Url,
        headers: Vec<(String, String)>,
        body: Option<String>,
    ) -> Result<(u16, https::Headers, String), BrowserError> {
        let mut req = self.http.request(method, url.clone());
        for (n, v) in headers {
            req = req.header(n, v);
        }
        if let Some(b) = body {
            req = req.body(b);
        }
        let mut resp = req.send().await?;
        let status = resp.status().as_u16();
        let headers: https::Headers = resp
            .headers()
            .iter()
            .filter_map(|(n, v)| Some((n.as_str().to_owned(), v.to_str().ok()?.to_owned())))
            .collect();
        let mut bytes = Vec::new();
        while let Some(chunk) = resp.chunk().await? {
            if bytes.len() + chunk.len() > MAX_PAGE {
                return Err(BrowserError::TooLarge);
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok((
            status,
            headers,
            String::from_utf8_lossy(&bytes).into_owned(),
        ))
    }

    /// One exchange over TLS with `config` (rustls; a client certificate if it has one),
    /// the jar's cookies sent and the answer's stored, within the time limit.
    async fn over_tls(
        &self,
        method: &str,
        url: &Url,
        mut headers: Vec<(String, String)>,
        body: Option<String>,
        config: Arc<rustls::ClientConfig>,
    ) -> Result<(u16, https::Headers, String), BrowserError> {
        if let Some(c) = self.cookie_header(url) {
            headers.push(("Cookie".into(), c));
        }
        let out = https::Outgoing {
            method,
            url,
            headers,
            body,
        };
        let (status, got, text) =
            tokio::time::timeout(self.timeout, https::exchange(&out, config, &self.network))
                .await
                .map_err(|_| BrowserError::Tls("no answer within the time limit".into()))??;
        for (_, line) in got.iter().filter(|(n, _)| n == "set-cookie") {
            use reqwest::cookie::CookieStore as _;
            if let Ok(v) = reqwest::header::HeaderValue::from_str(line) {
                self.jar.set_cookies(&mut std::iter::once(&v), url);
            }
        }
        Ok((status, got, text))
    }

    /// An answer arrived: its cookies noted, the exchange recorded as evidence, the hop.
    fn arrived(
        &self,
        method: &reqwest::Method,
        url: Url,
        started: Instant,
        (form, sent): (Option<&str>, &str),
        (status, headers, body): (u16, https::Headers, String),
    ) -> Hop {
        let location = headers
            .iter()
            .find(|(n, _)| n == "location")
            .map(|(_, v)| v.clone());
        for (_, line) in headers.iter().filter(|(n, _)| n == "set-cookie") {
            self.cookies_set
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push((url.clone(), line.clone()));
        }
        let query_message = url.query().and_then(|q| bindings::decode_redirect(q).ok());
        let carried = message_kind(
            query_message
                .as_ref()
                .map(|m| m.xml.as_str())
                .or(form.and_then(first_message).as_deref()),
        );
        let mut content = format!("{method} {url}\n");
        if let Some(m) = &query_message {
            content.push_str(&format!("\n{}\n", m.xml));
        }
        if !sent.is_empty() {
            content.push_str(&format!("\n{sent}\n"));
        }
        content.push_str(&format!("\n→ HTTP {status}"));
        if let Some(l) = &location {
            content.push_str(&format!(" Location: {l}"));
        }
        for (n, v) in headers
            .iter()
            .filter(|(n, _)| EVIDENCE_HEADERS.contains(&n.as_str()))
        {
            content.push_str(&format!("\n{n}: {v}"));
        }
        content.push('\n');
        if location.is_none() {
            content.push_str(&format!("\n{}\n", truncate(&body, EVIDENCE_BODY)));
        }
        self.record(Evidence {
            title: format!(
                "{method} {}{} → {status}",
                url.path(),
                carried.map(|k| format!(" ({k})")).unwrap_or_default()
            ),
            content,
            from: self.name.clone(),
            to: self.parties.name(&url),
            duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        });
        Hop {
            url,
            status,
            location,
            body,
            headers,
        }
    }

    async fn follow(&self, hop: Hop) -> Result<Page, BrowserError> {
        match self.follow_until(hop, None).await? {
            Navigation::Page(p) => Ok(p),
            Navigation::Stopped { .. } => Err(BrowserError::Malformed("stopped without a stop")),
        }
    }

    /// Follows redirects and auto-POST forms; stops before a hop to a URL starting with
    /// `stop` (the hop is not sent).
    async fn follow_until(
        &self,
        mut hop: Hop,
        stop: Option<&str>,
    ) -> Result<Navigation, BrowserError> {
        let stops = |u: &Url| stop.is_some_and(|s| u.as_str().starts_with(s));
        for _ in 0..MAX_HOPS {
            if (300..400).contains(&hop.status) {
                let loc = hop
                    .location
                    .as_deref()
                    .ok_or(BrowserError::Malformed("redirect without Location"))?;
                let next = hop
                    .url
                    .join(loc)
                    .map_err(|_| BrowserError::Url(loc.to_owned()))?;
                if stops(&next) {
                    return Ok(Navigation::Stopped {
                        url: next,
                        form: None,
                    });
                }
                hop = self.send(reqwest::Method::GET, next, Payload::None).await?;
                continue;
            }
            if auto_posts(&hop.body) {
                let form = forms(&hop.body)
                    .into_iter()
                    .next()
                    .ok_or(BrowserError::Malformed("auto-POST page without a form"))?;
                let action = hop
                    .url
                    .join(&form.action)
                    .map_err(|_| BrowserError::Url(form.action.clone()))?;
                if form
                    .fields
                    .iter()
                    .any(|(n, _)| n == "SAMLResponse" || n == "SAMLRequest")
                {
                    self.saml_posts
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .push(Page {
                            url: hop.url.to_string(),
                            status: hop.status,
                            body: String::new(),
                            headers: hop.headers.clone(),
                        });
                }
                if stops(&action) {
                    return Ok(Navigation::Stopped {
                        url: action,
                        form: Some(form.fields),
                    });
                }
                hop = self
                    .send(
                        reqwest::Method::POST,
                        action,
                        Payload::Form(form_encode(&form.fields)),
                    )
                    .await?;
                continue;
            }
            return Ok(Navigation::Page(Page {
                url: hop.url.to_string(),
                status: hop.status,
                body: hop.body,
                headers: hop.headers,
            }));
        }
        Err(BrowserError::Loop)
    }

    /// GET `url` and follow, stopping before any hop to a URL starting with `stop` (for a
    /// suite that plays the IdP: the SP's AuthnRequest is captured, not sent anywhere).
    pub async fn get_until(&self, url: &str, stop: &str) -> Result<Navigation, BrowserError> {
        let hop = self
            .send(reqwest::Method::GET, Self::parse(url)?, Payload::None)
            .await?;
        self.follow_until(hop, Some(stop)).await
    }

    fn parse(url: &str) -> Result<Url, BrowserError> {
        Url::parse(url).map_err(|_| BrowserError::Url(url.to_owned()))
    }

    /// GET and follow.
    pub async fn get(&self, url: &str) -> Result<Page, BrowserError> {
        let hop = self
            .send(reqwest::Method::GET, Self::parse(url)?, Payload::None)
            .await?;
        self.follow(hop).await
    }

    /// POST a form and follow.
    pub async fn post_form(
        &self,
        url: &str,
        fields: &[(String, String)],
    ) -> Result<Page, BrowserError> {
        let hop = self
            .send(
                reqwest::Method::POST,
                Self::parse(url)?,
                Payload::Form(form_encode(fields)),
            )
            .await?;
        self.follow(hop).await
    }

    /// GET `url` over TLS presenting a client certificate (`config`: TLS client
    /// authentication, as the card-login binding's TLS endpoint asks), with this browser's
    /// cookies for the host; then follow as usual, stopping before `stop`.
    pub async fn get_tls_until(
        &self,
        url: &str,
        config: Arc<rustls::ClientConfig>,
        stop: &str,
    ) -> Result<Navigation, BrowserError> {
        let url = Self::parse(url)?;
        self.network
            .permits(&url)
            .map_err(BrowserError::NotAllowed)?;
        let started = Instant::now();
        let answer = self.over_tls("GET", &url, Vec::new(), None, config).await?;
        let sent = "(TLS 1.2 with the card's client certificate)";
        let hop = self.arrived(&reqwest::Method::GET, url, started, (None, sent), answer);
        self.follow_until(hop, Some(stop)).await
    }

    /// Puts the cookie `name=value` in this browser's jar for `url`'s host (path `/`), as
    /// a script or a sibling site could: a session-fixation attack plants identifiers so.
    pub fn plant_cookie(&self, url: &Url, name: &str, value: &str) {
        self.jar
            .add_cookie_str(&format!("{name}={value}; Path=/"), url);
    }

    /// The Cookie header this browser sends to `url`.
    pub fn cookie_header(&self, url: &Url) -> Option<String> {
        use reqwest::cookie::CookieStore as _;
        self.jar
            .cookies(url)
            .and_then(|h| h.to_str().ok().map(str::to_owned))
    }

    /// POST a form and follow; stop before a hop to a URL starting with `stop`.
    pub async fn post_form_until(
        &self,
        url: &str,
        fields: &[(String, String)],
        stop: &str,
    ) -> Result<Navigation, BrowserError> {
        let hop = self
            .send(
                reqwest::Method::POST,
                Self::parse(url)?,
                Payload::Form(form_encode(fields)),
            )
            .await?;
        self.follow_until(hop, Some(stop)).await
    }

    /// Submits the form `id` of `page`, with `set` overriding or adding fields, and follows.
    pub async fn submit(
        &self,
        page: &Page,
        id: &str,
        set: &[(&str, &str)],
    ) -> Result<Page, BrowserError> {
        let form = forms(&page.body)
            .into_iter()
            .find(|f| f.id.as_deref() == Some(id))
            .ok_or_else(|| BrowserError::NoForm(id.to_owned()))?;
        let mut fields = form.fields;
        for (k, v) in set {
            match fields.iter_mut().find(|(name, _)| name == k) {
                Some(f) => f.1 = (*v).to_owned(),
                None => fields.push(((*k).to_owned(), (*v).to_owned())),
            }
        }
        let base = Self::parse(&page.url)?;
        let action = base
            .join(&form.action)
            .map_err(|_| BrowserError::Url(form.action.clone()))?;
        self.post_form(action.as_str(), &fields).await
    }

    /// Submits the first form of `page` that has a field named `field`, with `set`
    /// overriding or adding fields, and follows, stopping before any hop to a URL starting
    /// with `stop` (a password login page, filled in as a person would).
    pub async fn submit_until(
        &self,
        page: &Page,
        field: &str,
        set: &[(&str, &str)],
        stop: &str,
    ) -> Result<Navigation, BrowserError> {
        let form = forms(&page.body)
            .into_iter()
            .find(|f| f.fields.iter().any(|(k, _)| k == field))
            .ok_or_else(|| BrowserError::NoForm(field.to_owned()))?;
        let mut fields = form.fields;
        for (k, v) in set {
            match fields.iter_mut().find(|(name, _)| name == k) {
                Some(f) => f.1 = (*v).to_owned(),
                None => fields.push(((*k).to_owned(), (*v).to_owned())),
            }
        }
        let action = Self::parse(&page.url)?
            .join(&form.action)
            .map_err(|_| BrowserError::Url(form.action.clone()))?;
        let hop = self
            .send(
                reqwest::Method::POST,
                action,
                Payload::Form(form_encode(&fields)),
            )
            .await?;
        self.follow_until(hop, Some(stop)).await
    }

    /// POST JSON; returns the status and the JSON answer.
    pub async fn post_json(
        &self,
        url: &str,
        origin: Option<&str>,
        body: serde_json::Value,
    ) -> Result<(u16, serde_json::Value), BrowserError> {
        let hop = self
            .send(
                reqwest::Method::POST,
                Self::parse(url)?,
                Payload::Json(&body, origin),
            )
            .await?;
        Ok((
            hop.status,
            serde_json::from_str(&hop.body).unwrap_or(serde_json::Value::Null),
        ))
    }

    /// POST a SOAP envelope (SAML SOAP binding, a back-channel call); returns the status
    /// and the answer's text.
    pub async fn post_soap(
        &self,
        url: &str,
        envelope: &str,
    ) -> Result<(u16, String), BrowserError> {
        let hop = self
            .send(
                reqwest::Method::POST,
                Self::parse(url)?,
                Payload::Soap(envelope),
            )
            .await?;
        Ok((hop.status, hop.body))
    }

    /// What the platform's login page script does at `login_url` with a local card
    /// helper: challenge, helper with `pin`, answer, continue. `Err` inside carries the
    /// refusal shown to the user.
    pub async fn card_login(
        &self,
        idp_url: &str,
        helper_url: &str,
        login_url: &str,
        pin: &str,
    ) -> Result<Result<Page, String>, BrowserError> {
        let tx =
            login_tx(login_url).ok_or(BrowserError::Malformed("not the platform's login page"))?;
        let (_, c) = self
            .post_json(
                &format!("{idp_url}/card-login/challenge"),
                None,
                serde_json::json!({ "tx": tx }),
            )
            .await?;
        let (status, card) = self
            .post_json(
                &format!("{helper_url}/sign"),
                Some(idp_url),
                serde_json::json!({ "challenge": c["challenge"], "pin": pin }),
            )
            .await?;
        if status != 200 {
            return Ok(Err(card["error"].as_str().unwrap_or_default().to_owned()));
        }
        self.answer(idp_url, &tx, &c, &card).await
    }

    /// Posts a card's answer (`certificate`, `signature`) to the challenge `c` of login
    /// `tx`, then continues where the platform says.
    pub async fn answer(
        &self,
        idp_url: &str,
        tx: &str,
        c: &serde_json::Value,
        card: &serde_json::Value,
    ) -> Result<Result<Page, String>, BrowserError> {
        let answer = serde_json::json!({ "tx": tx, "nonce": c["nonce"], "certificate": card["certificate"], "signature": card["signature"] });
        let (status, a) = self
            .post_json(&format!("{idp_url}/card-login/answer"), None, answer)
            .await?;
        if status != 200 {
            return Ok(Err(a["error"].as_str().unwrap_or_default().to_owned()));
        }
        let next = a["continue"]
            .as_str()
            .ok_or(BrowserError::Malformed("no continue URL"))?;
        Ok(Ok(self.get(&format!("{idp_url}{next}")).await?))
    }

    /// As [`Browser::answer`], stopping before any hop to a URL starting with `stop` (a
    /// suite that plays the SP reads the Response there instead of sending it).
    pub async fn answer_until(
        &self,
        idp_url: &str,
        tx: &str,
        c: &serde_json::Value,
        card: &serde_json::Value,
        stop: &str,
    ) -> Result<Result<Navigation, String>, BrowserError> {
        let answer = serde_json::json!({ "tx": tx, "nonce": c["nonce"], "certificate": card["certificate"], "signature": card["signature"] });
        let (status, a) = self
            .post_json(&format!("{idp_url}/card-login/answer"), None, answer)
            .await?;
        if status != 200 {
            return Ok(Err(a["error"]
                .as_str()
                .map_or_else(|| format!("HTTP {status}"), str::to_owned)));
        }
        let next = a["continue"]
            .as_str()
            .ok_or(BrowserError::Malformed("no continue URL"))?;
        Ok(Ok(self
            .get_until(&format!("{idp_url}{next}"), stop)
            .await?))
    }
}

/// Whether a page posts its form by itself: a script submits it, or (as a browser runs
/// the script such pages load from a file) it carries a SAML message in the HTTP-POST
/// binding's form.
fn auto_posts(body: &str) -> bool {
    if !body.contains("<form") {
        return false;
    }
    body.contains(".submit()")
        || forms(body).first().is_some_and(|f| {
            f.fields
                .iter()
                .any(|(k, _)| k == "SAMLResponse" || k == "SAMLRequest")
        })
}

/// The login transaction of a platform login-page URL (`…/login?tx=…`).
pub fn login_tx(login_url: &str) -> Option<String> {
    let url = Url::parse(login_url).ok()?;
    if !url.path().ends_with("/login") {
        return None;
    }
    url.query_pairs()
        .find(|(k, _)| k == "tx")
        .map(|(_, v)| v.into_owned())
}

fn between<'a>(text: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = text.find(start)? + start.len();
    let to = text[from..].find(end)? + from;
    Some(&text[from..to])
}

fn truncate(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} bytes in all)", &text[..end], text.len())
}

/// Undoes the HTML escaping of our services' pages.
pub fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        match tail
            .find(';')
            .filter(|&end| end <= 10)
            .and_then(|end| reference(&tail[1..end]).map(|c| (c, end)))
        {
            Some((c, end)) => {
                out.push(c);
                rest = &tail[end + 1..];
            }
            None => {
                out.push('&');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The character a named or numeric character reference stands for (`amp`, `#39`,
/// `#x27`, …), if it is one (every page escapes its own way: SimpleSAMLphp writes `&#039;`).
fn reference(name: &str) -> Option<char> {
    match name {
        "quot" => Some('"'),
        "apos" => Some('\''),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "amp" => Some('&'),
        _ => {
            let num = name.strip_prefix('#')?;
            let code = match num.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => num.parse().ok()?,
            };
            char::from_u32(code)
        }
    }
}

/// The value of attribute `name` in a tag's text.
fn attribute(tag: &str, name: &str) -> Option<String> {
    let marker = format!(" {name}=\"");
    let from = tag.find(&marker)? + marker.len();
    let to = tag[from..].find('"')? + from;
    Some(unescape(&tag[from..to]))
}

/// The forms of a page, with their named inputs (our services' pages: double-quoted
/// attributes, one tag per input).
pub fn forms(html: &str) -> Vec<Form> {
    let mut out = Vec::new();
    for part in html.split("<form").skip(1) {
        let Some(tag_end) = part.find('>') else {
            continue;
        };
        let tag = &part[..tag_end];
        let inner = part[tag_end..].split("</form>").next().unwrap_or_default();
        let fields = inner
            .split("<input")
            .skip(1)
            .filter_map(|i| {
                let tag = &i[..i.find('>').unwrap_or(i.len())];
                Some((
                    attribute(tag, "name")?,
                    attribute(tag, "value").unwrap_or_default(),
                ))
            })
            .collect();
        out.push(Form {
            id: attribute(tag, "id"),
            action: attribute(tag, "action").unwrap_or_default(),
            fields,
        });
    }
    out
}

/// The value of a hidden form field.
pub fn form_field(html: &str, name: &str) -> Option<String> {
    forms(html)
        .into_iter()
        .flat_map(|f| f.fields)
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

fn form_encode(pairs: &[(String, String)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

/// The messages a form body carries, decoded.
fn describe_form(body: &str) -> String {
    let mut out = String::new();
    for (k, v) in url::form_urlencoded::parse(body.as_bytes()) {
        let decoded = match k.as_ref() {
            "SAMLResponse" | "SAMLRequest" => bindings::decode_post(&v).ok(),
            "PaymentRequest" | "PaymentNotice" => STANDARD
                .decode(v.as_bytes())
                .ok()
                .and_then(|b| String::from_utf8(b).ok()),
            _ => None,
        };
        match decoded {
            Some(xml) => out.push_str(&format!("{k} (decoded):\n{xml}\n")),
            None if k == "password" => out.push_str(&format!("{k}=[redacted]\n")),
            None => out.push_str(&format!("{k}={}\n", truncate(&v, 200))),
        }
    }
    out
}

/// Response headers kept in the evidence: cookies and what governs framing.
const EVIDENCE_HEADERS: [&str; 3] = ["set-cookie", "x-frame-options", "content-security-policy"];

impl Payload<'_> {
    /// Its headers, body, and how the evidence shows it.
    fn encode(&self) -> (Vec<(String, String)>, Option<String>, String) {
        let h = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                .collect()
        };
        match self {
            Payload::None => (Vec::new(), None, String::new()),
            Payload::Form(body) => (
                h(&[("content-type", "application/x-www-form-urlencoded")]),
                Some(body.clone()),
                describe_form(body),
            ),
            Payload::Json(value, origin) => {
                let mut headers = h(&[("content-type", "application/json")]);
                if let Some(o) = origin {
                    headers.push(("origin".into(), (*o).to_owned()));
                }
                (
                    headers,
                    Some(value.to_string()),
                    serde_json::to_string_pretty(value).unwrap_or_default(),
                )
            }
            Payload::Soap(envelope) => (
                h(&[
                    ("content-type", "text/xml; charset=utf-8"),
                    (
                        "soapaction",
                        "http://www.oasis-open.org/committees/security",
                    ),
                ]),
                Some((*envelope).to_owned()),
                (*envelope).to_owned(),
            ),
        }
    }
}

/// What a request carries.
enum Payload<'a> {
    None,
    /// An urlencoded form.
    Form(String),
    /// JSON, with the Origin header a page's script sends.
    Json(&'a serde_json::Value, Option<&'a str>),
    /// A SOAP envelope.
    Soap(&'a str),
}

/// The message a request carries, in the query (HTTP-Redirect) or a form body
/// (HTTP-POST, a payment request or notice): its kind (the root element's name) and XML.
pub fn carried_message(query: Option<&str>, form: Option<&str>) -> Option<(String, String)> {
    let xml = query
        .and_then(|q| bindings::decode_redirect(q).ok())
        .map(|m| m.xml)
        .or_else(|| form.and_then(first_message))?;
    Some((message_kind(Some(&xml))?, xml))
}

fn first_message(body: &str) -> Option<String> {
    url::form_urlencoded::parse(body.as_bytes()).find_map(|(k, v)| match k.as_ref() {
        "SAMLResponse" | "SAMLRequest" => bindings::decode_post(&v).ok(),
        "PaymentRequest" | "PaymentNotice" | "Registration" => STANDARD
            .decode(v.as_bytes())
            .ok()
            .and_then(|b| String::from_utf8(b).ok()),
        _ => None,
    })
}

/// The kind of message an XML text is, by its root element.
fn message_kind(xml: Option<&str>) -> Option<String> {
    let xml = xml?;
    let doc = trust_framework::saml::xml::parse(xml).ok()?;
    Some(doc.root_element().tag_name().name().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn character_references_are_undone_however_written() {
        assert_eq!(
            unescape("a&amp;b &quot;x&quot; &#039;y&#39; &#x27;z&#X27; &lt;p&gt; &unknown; &"),
            "a&b \"x\" 'y' 'z' <p> &unknown; &"
        );
    }

    #[test]
    fn reads_forms_and_their_fields() {
        let html = r#"<form id="pay" method="post" action="http://127.0.0.1:1/pay"><input type="hidden" name="PaymentRequest" value="a&amp;b"><button>x</button></form><form action="/x"><input name="q"></form>"#;
        let f = forms(html);
        assert_eq!(f.len(), 2);
        assert_eq!(f[0].id.as_deref(), Some("pay"));
        assert_eq!(
            f[0].fields,
            vec![("PaymentRequest".to_owned(), "a&b".to_owned())]
        );
        assert_eq!(f[1].fields, vec![("q".to_owned(), String::new())]);
        assert_eq!(form_field(html, "PaymentRequest").as_deref(), Some("a&b"));
    }

    #[test]
    fn finds_the_login_transaction() {
        assert_eq!(
            login_tx("http://127.0.0.1:9/login?tx=abc").as_deref(),
            Some("abc")
        );
        assert_eq!(login_tx("http://127.0.0.1:9/other?tx=abc"), None);
    }
}
