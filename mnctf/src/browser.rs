//! A scripted browser for end-to-end tests: a cookie jar, redirects followed one hop at a
//! time, auto-POST forms submitted as their onload would, and the login page's script
//! (challenge, card helper, answer) done by hand. Time and size limits on everything.

use std::time::Duration;

/// Largest page read.
const MAX_PAGE: usize = 1024 * 1024;

/// The browser.
pub struct Browser {
    http: reqwest::Client,
}

/// Where a navigation ended.
#[derive(Debug)]
pub struct Page {
    /// The final URL.
    pub url: String,
    /// Its HTTP status.
    pub status: u16,
    /// Its body.
    pub body: String,
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The value of a hidden form field.
pub fn form_field(html: &str, name: &str) -> Option<String> {
    let marker = format!(r#"name="{name}" value=""#);
    let start = html.find(&marker)? + marker.len();
    let end = html[start..].find('"')? + start;
    Some(unescape(&html[start..end]))
}

fn form_encode(pairs: &[(&str, String)]) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    for (i, (k, v)) in pairs.iter().enumerate() {
        let enc: String = v
            .bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect();
        let _ = write!(out, "{}{k}={enc}", if i > 0 { "&" } else { "" });
    }
    out
}

impl Default for Browser {
    fn default() -> Self {
        Self::new()
    }
}

impl Browser {
    /// A browser with an empty cookie jar.
    pub fn new() -> Self {
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(15))
            .build()
            .unwrap_or_default();
        Self { http }
    }

    /// Follows redirects and auto-POST forms (at most 25 hops).
    pub async fn follow(&self, mut resp: reqwest::Response) -> anyhow::Result<Page> {
        for _ in 0..25 {
            let url = resp.url().clone();
            if resp.status().is_redirection() {
                let loc = resp
                    .headers()
                    .get("location")
                    .and_then(|l| l.to_str().ok())
                    .ok_or_else(|| anyhow::anyhow!("redirect without Location"))?
                    .to_owned();
                resp = self.http.get(url.join(&loc)?).send().await?;
                continue;
            }
            let status = resp.status().as_u16();
            let bytes = resp.bytes().await?;
            anyhow::ensure!(bytes.len() <= MAX_PAGE, "page over {MAX_PAGE} bytes");
            let body = String::from_utf8_lossy(&bytes).into_owned();
            if body.contains(".submit()") && body.contains("<form") {
                let action = body
                    .split("action=\"")
                    .nth(1)
                    .and_then(|s| s.split('"').next())
                    .map(unescape)
                    .ok_or_else(|| anyhow::anyhow!("form without action"))?;
                let pairs: Vec<(&str, String)> = ["SAMLResponse", "SAMLRequest", "RelayState"]
                    .iter()
                    .filter_map(|n| form_field(&body, n).map(|v| (*n, v)))
                    .collect();
                resp = self
                    .http
                    .post(url.join(&action)?)
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(form_encode(&pairs))
                    .send()
                    .await?;
                continue;
            }
            return Ok(Page {
                url: url.to_string(),
                status,
                body,
            });
        }
        anyhow::bail!("more than 25 redirects or forms: a loop?")
    }

    /// GET and follow.
    pub async fn get(&self, url: &str) -> anyhow::Result<Page> {
        let resp = self.http.get(url).send().await?;
        self.follow(resp).await
    }

    /// POST JSON; returns the status and the JSON answer.
    pub async fn post_json(
        &self,
        url: &str,
        origin: Option<&str>,
        body: serde_json::Value,
    ) -> anyhow::Result<(u16, serde_json::Value)> {
        let mut req = self
            .http
            .post(url)
            .header("content-type", "application/json")
            .body(body.to_string());
        if let Some(o) = origin {
            req = req.header("origin", o);
        }
        let resp = req.send().await?;
        Ok((
            resp.status().as_u16(),
            resp.json().await.unwrap_or(serde_json::Value::Null),
        ))
    }

    /// What the platform's login page script does at `login_url`: challenge, card helper
    /// with `pin`, answer, continue. `Err` carries the refusal shown to the user.
    pub async fn card_login(
        &self,
        idp_url: &str,
        helper_url: &str,
        login_url: &str,
        pin: &str,
    ) -> anyhow::Result<Result<Page, String>> {
        let tx = login_url
            .split("tx=")
            .nth(1)
            .ok_or_else(|| anyhow::anyhow!("{login_url} is not the login page"))?
            .to_owned();
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
        let answer = serde_json::json!({ "tx": tx, "nonce": c["nonce"], "certificate": card["certificate"], "signature": card["signature"] });
        let (status, a) = self
            .post_json(&format!("{idp_url}/card-login/answer"), None, answer)
            .await?;
        if status != 200 {
            return Ok(Err(a["error"].as_str().unwrap_or_default().to_owned()));
        }
        let next = a["continue"]
            .as_str()
            .ok_or_else(|| anyhow::anyhow!("no continue URL"))?;
        Ok(Ok(self.get(&format!("{idp_url}{next}")).await?))
    }
}
