//! A citizen in a scenario: a user agent (a browser on a PC, or a set-top box) and a My
//! Number Card on its reader. The user logs in where a service sends them, and uses the
//! card only when an IdP's login page asks for it; the card counts its signatures.

use mock_card::CardImage;
use reports::Evidence;

use mock_ca::Clock;

use crate::browser::{login_tx, Browser, BrowserError, Page};
use crate::card::Card;
use crate::federation::Federation;

/// A user.
pub struct User {
    /// The user agent.
    pub browser: Browser,
    /// The card on the reader.
    pub card: Card,
    pin: String,
    device: Device,
    clock: Clock,
}

enum Device {
    Pc,
    SetTopBox { catv_url: String },
}

/// How a login ended.
#[derive(Debug)]
pub struct Login {
    /// The last page.
    pub page: Page,
    /// What the user was told when a login was refused before any SP page.
    pub refused: Option<String>,
    /// Whether an IdP asked for the card.
    pub card_asked: bool,
}

impl Login {
    /// Whether the SP's protected page shows a session.
    pub fn ok(&self) -> bool {
        self.refused.is_none()
            && self.page.status == 200
            && self.page.result().starts_with("AUTHENTICATED")
    }

    /// The NameID the SP shows.
    pub fn name_id(&self) -> Option<String> {
        self.page.field("NameID")
    }

    /// An attribute value the SP shows.
    pub fn attribute(&self, name: &str) -> Option<String> {
        self.page.field(name)
    }

    /// In plain words.
    pub fn describe(&self) -> String {
        match (&self.refused, self.ok()) {
            (Some(why), _) => format!("refused: {why}"),
            (None, true) => format!(
                "logged in{} (NameID {}…)",
                if self.card_asked {
                    " with the card"
                } else {
                    " without the card (SSO session)"
                },
                self.name_id()
                    .unwrap_or_default()
                    .chars()
                    .take(8)
                    .collect::<String>()
            ),
            (None, false) => format!(
                "no session: HTTP {} {}",
                self.page.status,
                self.page.result().trim()
            ),
        }
    }
}

impl User {
    /// A user at a PC with a card reader.
    pub fn at_pc(fed: &Federation, image: CardImage, pin: &str) -> Self {
        Self::new(fed, "browser", image, pin, Device::Pc)
    }

    /// A second person at another PC, named apart in the evidence.
    pub fn other_person(fed: &Federation, image: CardImage, pin: &str) -> Self {
        Self::new(fed, "other person's browser", image, pin, Device::Pc)
    }

    /// A user at a set-top box whose card reader is served by the CATV operator's IdP.
    pub fn at_set_top_box(fed: &Federation, image: CardImage, pin: &str) -> Self {
        let device = Device::SetTopBox {
            catv_url: fed.catv_url.clone(),
        };
        Self::new(fed, "set-top box", image, pin, device)
    }

    fn new(fed: &Federation, agent: &str, image: CardImage, pin: &str, device: Device) -> Self {
        Self {
            browser: Browser::named(agent, std::sync::Arc::clone(&fed.parties)),
            card: Card::new(image),
            pin: pin.to_owned(),
            device,
            clock: fed.clock.clone(),
        }
    }

    /// The exchanges since the last call.
    pub fn evidence(&self) -> Vec<Evidence> {
        self.browser.take_evidence()
    }

    /// Opens `url` (an SP's login URL, typically) and goes through whatever login the
    /// IdPs ask for.
    pub async fn visit(&self, url: &str) -> Result<Login, BrowserError> {
        let mut page = self.browser.get(url).await?;
        let mut card_asked = false;
        for _ in 0..3 {
            let Some(tx) = login_tx(&page.url) else {
                break;
            };
            let origin = origin(&page.url);
            if let Device::SetTopBox { catv_url } = &self.device {
                if origin != *catv_url {
                    // At the platform: authenticate the card at the CATV operator instead.
                    match upstream_link(&page.body) {
                        Some(link) => {
                            page = self.browser.get(&format!("{origin}{link}")).await?;
                            continue;
                        }
                        None => return Ok(Login {
                            page,
                            refused: Some(
                                "the platform offers no CATV operator to authenticate the card at"
                                    .into(),
                            ),
                            card_asked,
                        }),
                    }
                }
            }
            card_asked = true;
            match self.card_login(&origin, &tx).await? {
                Ok(next) => page = next,
                Err(why) => {
                    return Ok(Login {
                        page,
                        refused: Some(why),
                        card_asked,
                    })
                }
            }
        }
        let refused = (page.status >= 400 && !page.body.contains(r#"<pre id="result">"#))
            .then(|| error_text(&page.body));
        Ok(Login {
            page,
            refused,
            card_asked,
        })
    }

    /// The login page's script, done by the device: challenge, card, answer, continue.
    async fn card_login(&self, idp: &str, tx: &str) -> Result<Result<Page, String>, BrowserError> {
        let (status, c) = self
            .browser
            .post_json(
                &format!("{idp}/card-login/challenge"),
                None,
                serde_json::json!({ "tx": tx }),
            )
            .await?;
        if status != 200 {
            return Ok(Err(c["error"]
                .as_str()
                .unwrap_or("no challenge")
                .to_owned()));
        }
        let challenge = c["challenge"].as_str().unwrap_or_default();
        let (cert, sig) = match self.card.sign(challenge, &self.pin, idp, self.clock.now()) {
            Ok(s) => s,
            Err(e) => return Ok(Err(e.to_string())),
        };
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::STANDARD;
        let card =
            serde_json::json!({ "certificate": b64.encode(cert), "signature": b64.encode(sig) });
        self.browser.answer(idp, tx, &c, &card).await
    }
}

fn origin(url: &str) -> String {
    url::Url::parse(url)
        .map(|u| u.origin().ascii_serialization())
        .unwrap_or_default()
}

/// The first "authenticate the card elsewhere" link of the platform's login page.
fn upstream_link(html: &str) -> Option<String> {
    let marker = r#"class="upstream" href=""#;
    let from = html.find(marker)? + marker.len();
    let to = html[from..].find('"')? + from;
    Some(html[from..to].replace("&amp;", "&"))
}

/// What an IdP's error page says: what the person reads (`#error`), then the technical
/// reason folded under it (`#detail`), as plain text.
pub(crate) fn error_text(html: &str) -> String {
    let part = |id: &str| {
        let marker = format!(r#"<p id="{id}">"#);
        let from = html.find(&marker)? + marker.len();
        let to = html[from..].find("</p>")? + from;
        Some(crate::browser::unescape(&without_tags(&html[from..to])))
    };
    match (part("error"), part("detail")) {
        (Some(told), Some(why)) => format!("{told} ({why})"),
        (Some(told), None) => told,
        _ => "an error page".into(),
    }
}

/// Text without its markup (`<br>` as a space).
fn without_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => {
                in_tag = true;
                out.push(' ');
            }
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}
