//! `mnctf up`: the case studies' whole federation on loopback (CA service, the platform, the
//! CATV operator's IdP, the e-application system, the government portal, the bank, the
//! 税理士 body's attribute authority, all trusting the operator's signed aggregate), the
//! local card helper, and a portal page from which policy staff start each case study
//! walkable in a browser: it puts the case's card in the helper's reader and opens the
//! service where the case starts.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use mock_ca::PersonaId;
use mock_card::client::JpkiClient;
use mock_card::transport::{InProcess, Transport};
use mock_card::{CardImage, JpkiCard};
use scenarios::federation::{Federation, Options};
use scenarios::tap::Tap;
use time::Duration;
use trust_framework::saml::xml::escape;

use crate::helper::SharedCard;

mod join;
mod messages;
mod shigyo;
mod variants;
mod walks;

pub use walks::{Card, Control, Walk, WALKS};

/// Where `up` listens besides the federation's own (ephemeral) ports.
#[derive(Clone, Copy, Debug)]
pub struct PortalPorts {
    /// The portal page.
    pub portal: u16,
    /// The card helper the login pages talk to.
    pub helper: u16,
}

impl PortalPorts {
    /// The ports a person types: the portal on 18100.
    pub const FIXED: Self = Self {
        portal: 18100,
        helper: 18300,
    };
    /// Any free ports (tests).
    pub const ANY: Self = Self {
        portal: 0,
        helper: 0,
    };
}

/// The federation, the helper and the portal, running.
pub struct Portal {
    /// Every party of the case studies.
    pub federation: Arc<Federation>,
    /// The portal page.
    pub url: String,
    /// The card helper.
    pub helper_url: String,
    app: App,
}

/// The portal's state: the federation, the card on the reader, the clock.
#[derive(Clone)]
pub(crate) struct App {
    pub(crate) federation: Arc<Federation>,
    pub(crate) card: SharedCard,
    /// The card on the reader, as people name it.
    inserted: Arc<Mutex<Card>>,
    /// Whether the federation's clock is 40 days back (the renewal walk's first step).
    back: Arc<Mutex<bool>>,
    /// Every exchange at every party.
    pub(crate) tap: Arc<Tap>,
    /// The number of the last exchange before the current walk started.
    pub(crate) mark: Arc<AtomicU64>,
}

/// How far back the renewal walk starts: before the card was renewed.
const BEFORE_RENEWAL: Duration = Duration::days(40);

impl App {
    /// The persona whose card is on the reader.
    pub(crate) fn persona(&self) -> PersonaId {
        match *self.inserted.lock().unwrap_or_else(PoisonError::into_inner) {
            Card::Of(p) => p,
            Card::BeforeRenewal => PersonaId::Renewed,
        }
    }

    /// Puts `card` on the reader, moving the clock to when that card is used.
    pub(crate) fn insert(&self, card: Card) {
        let fed = &self.federation;
        let mut back = self.back.lock().unwrap_or_else(PoisonError::into_inner);
        let want_back = card == Card::BeforeRenewal;
        if want_back != *back {
            fed.clock.advance(if want_back {
                -BEFORE_RENEWAL
            } else {
                BEFORE_RENEWAL
            });
            *back = want_back;
        }
        let persona = fed.ca.pki.persona(match card {
            Card::Of(p) => p,
            Card::BeforeRenewal => PersonaId::Renewed,
        });
        let image = match card {
            Card::BeforeRenewal => persona.previous_card_image(),
            Card::Of(_) => None,
        }
        .unwrap_or_else(|| persona.card_image());
        *self.card.lock().unwrap_or_else(PoisonError::into_inner) = client(image);
        *self.inserted.lock().unwrap_or_else(PoisonError::into_inner) = card;
        tracing::info!(card = %card_name(card), "card inserted");
        println!("card: {} inserted", card_slug(card));
    }
}

impl Portal {
    /// Starts everything on loopback; files go in `dir`.
    pub async fn start(dir: &Path, ports: PortalPorts) -> anyhow::Result<Self> {
        let helper_listener = crate::listen::bind(ports.helper).await?;
        let helper_url = format!("http://{}", helper_listener.local_addr()?);
        let tap = Tap::new();
        let options = Options {
            card_helper_port: Some(helper_listener.local_addr()?.port()),
            tap: Some(Arc::clone(&tap)),
            ..Options::default()
        };
        let federation = Arc::new(Federation::start(dir, options).await?);
        let card: SharedCard = Arc::new(Mutex::new(client(
            federation.ca.pki.persona(PersonaId::Valid).card_image(),
        )));
        let origins = [
            federation.platform_url.as_str(),
            federation.catv_url.as_str(),
        ];
        let helper = tap.wrap(
            "card helper",
            crate::helper::router(Arc::clone(&card), &origins, federation.clock.clone()),
        );
        tokio::spawn(async move { drop(axum::serve(helper_listener, helper).await) });
        let app = App {
            federation: Arc::clone(&federation),
            card,
            inserted: Arc::new(Mutex::new(Card::Of(PersonaId::Valid))),
            back: Arc::new(Mutex::new(false)),
            tap,
            mark: Arc::new(AtomicU64::new(0)),
        };
        let router = Router::new()
            .route("/", get(page))
            .route("/start", post(start))
            .route("/card", post(choose_card))
            .merge(join::routes())
            .merge(messages::routes())
            .merge(shigyo::routes())
            .merge(variants::routes())
            .fallback(|| async { (StatusCode::NOT_FOUND, Html(not_found())) })
            .with_state(app.clone());
        let listener = crate::listen::bind(ports.portal).await?;
        let url = format!("http://{}", listener.local_addr()?);
        tokio::spawn(async move { drop(axum::serve(listener, router).await) });
        Ok(Self {
            federation,
            url,
            helper_url,
            app,
        })
    }

    /// Puts `persona`'s card in the helper's reader (tests; the page does it by a button).
    pub fn insert(&self, persona: PersonaId) {
        self.app.insert(Card::Of(persona));
    }
}

/// A card as people name it, Japanese then English.
fn card_name(card: Card) -> String {
    let p = match card {
        Card::BeforeRenewal => {
            return "更新前のカード（40日前） / The card before renewal (40 days ago)".into()
        }
        Card::Of(p) => p,
    };
    let ja = match p {
        PersonaId::Valid => "有効なカード",
        PersonaId::AuthExpired => "利用者証明用電子証明書の有効期限が切れたカード",
        PersonaId::AuthRevoked => "紛失の届出で失効したカード",
        PersonaId::SignRevoked => "署名用電子証明書だけが失効したカード",
        PersonaId::AuthPinBlocked => "暗証番号がロックされたカード",
        PersonaId::SignPinBlocked => "署名用パスワードがロックされたカード",
        PersonaId::NoSignCert => "署名用電子証明書のないカード",
        PersonaId::UnknownCa => "偽の認証局が発行したカード",
        PersonaId::Renewed => "更新後の新しいカード",
        PersonaId::TaxAccountant => "税理士のカード",
        PersonaId::JudicialScrivener => "司法書士のカード",
    };
    format!("{ja} / {}", p.description())
}

fn card_slug(card: Card) -> String {
    match card {
        Card::Of(p) => p.slug().to_owned(),
        Card::BeforeRenewal => format!("{}-before-renewal", PersonaId::Renewed.slug()),
    }
}

fn client(image: CardImage) -> JpkiClient<Box<dyn Transport + Send>> {
    JpkiClient::new(Box::new(InProcess::new(JpkiCard::new(image))))
}

#[derive(serde::Deserialize)]
struct StartForm {
    walk: String,
}

/// Inserts the case's card and opens the service where it starts.
async fn start(State(app): State<App>, Form(f): Form<StartForm>) -> Response {
    let Some(walk) = WALKS.iter().find(|w| w.id == f.walk) else {
        return (StatusCode::NOT_FOUND, Html(not_found())).into_response();
    };
    app.insert(walk.card);
    app.mark.store(app.tap.latest(), Ordering::SeqCst);
    println!("case study: {} started", walk.id);
    Redirect::to(&(walk.start)(&app.federation)).into_response()
}

#[derive(serde::Deserialize)]
struct CardForm {
    persona: String,
}

/// The persona picker: any persona's card on the reader.
async fn choose_card(State(app): State<App>, Form(f): Form<CardForm>) -> Response {
    let card = if f.persona == card_slug(Card::BeforeRenewal) {
        Card::BeforeRenewal
    } else {
        match PersonaId::from_slug(&f.persona) {
            Some(p) => Card::Of(p),
            None => return (StatusCode::NOT_FOUND, Html(not_found())).into_response(),
        }
    };
    app.insert(card);
    Redirect::to("/#card").into_response()
}

fn not_found() -> String {
    layout(
        ("見つかりません", "Not found"),
        r#"<p id="message">このアドレスのページはありません。<br><span class="en" lang="en">There is no page at this address.</span></p><p><a href="/">ポータルに戻る / Back to the portal</a></p>"#,
    )
}

const STYLE: &str = "body{font-family:'Noto Sans CJK JP',sans-serif;max-width:60em;margin:2em auto;line-height:1.6;color:#102a43}.en{color:#52606d}section{border:1px solid #d9e2ec;border-radius:8px;padding:4px 16px 12px;margin:12px 0}button{font-size:1em;padding:4px 14px}form.inline{display:inline}th{text-align:left;padding-right:1em}.controls a,.controls button{margin-right:8px}";

/// A portal page: the title (Japanese, English) and the body.
pub(crate) fn layout((ja, en): (&str, &str), body: &str) -> String {
    format!(
        r#"<!DOCTYPE html>
<html lang="ja"><head><meta charset="utf-8"><title>{ja} / {en}</title><style>{STYLE}</style></head>
<body><h1>{ja} <span class="en">/ {en}</span></h1>
{body}
</body></html>"#,
        ja = escape(ja),
        en = escape(en),
    )
}

fn controls(w: &Walk) -> String {
    let buttons: String = w
        .controls
        .iter()
        .map(|c| {
            let (ja, en) = c.label;
            if c.post {
                format!(
                    r#"<form class="inline" method="post" action="{p}"><button type="submit" data-path="{p}">{ja} / {en}</button></form>"#,
                    p = escape(c.path),
                    ja = escape(ja),
                    en = escape(en)
                )
            } else {
                format!(
                    r#"<a href="{p}">{ja} <span class="en">/ {en}</span></a>"#,
                    p = escape(c.path),
                    ja = escape(ja),
                    en = escape(en)
                )
            }
        })
        .collect();
    if buttons.is_empty() {
        buttons
    } else {
        format!(r#"<p class="controls">{buttons}</p>"#)
    }
}

fn picker(inserted: Card) -> String {
    let mut cards: Vec<Card> = PersonaId::ALL.into_iter().map(Card::Of).collect();
    cards.push(Card::BeforeRenewal);
    let options: String = cards
        .into_iter()
        .map(|c| {
            format!(
                r#"<option value="{}"{}>{}</option>"#,
                escape(&card_slug(c)),
                if c == inserted { " selected" } else { "" },
                escape(&card_name(c))
            )
        })
        .collect();
    format!(
        r#"<form id="card" method="post" action="/card"><label>カードを選ぶ <span class="en">/ choose a card</span>: <select name="persona">{options}</select></label> <button type="submit">カードリーダーに置く / Put on the reader</button></form>"#
    )
}

/// The portal: every walkable case study, the card each uses, a button that starts it,
/// its failure variants, a card picker, and links to every service.
async fn page(State(app): State<App>) -> Html<String> {
    let f = &app.federation;
    let inserted = *app.inserted.lock().unwrap_or_else(PoisonError::into_inner);
    let walks: String = WALKS
        .iter()
        .map(|w| {
            format!(
                r#"<section id="{id}"><h2>{tja} <span class="en">/ {ten}</span></h2><p>{wja}<br><span class="en" lang="en">{wen}</span></p><p>カード <span class="en">/ card</span>: <b>{card}</b></p><form method="post" action="/start"><input type="hidden" name="walk" value="{id}"><button type="submit">はじめる / Start</button></form>{controls}</section>"#,
                id = escape(w.id),
                tja = escape(w.title.0),
                ten = escape(w.title.1),
                wja = escape(w.what.0),
                wen = escape(w.what.1),
                card = escape(&card_name(w.card)),
                controls = controls(w),
            )
        })
        .collect();
    let today = crate::portal::variants::federation_date(&app);
    Html(layout(
        ("事例ポータル", "Case-study portal"),
        &format!(
            r#"<p>マイナンバーカード・トラストフレームワークの事例を、ブラウザで順にたどれます。「はじめる」を押すと、その事例のカードがカードリーダーに置かれ、事例が始まるサービスが開きます。暗証番号は 1234 です。<br>
<span class="en" lang="en">Walk through the trust framework's case studies in this browser. "Start" puts the case's card on the reader and opens the service where the case begins. The PIN is 1234.</span></p>
<p><a id="messages" href="/messages" target="_blank">裏側で交わされたメッセージを別のタブで見る <span class="en">/ Watch the messages underneath in another tab</span></a></p>
<p>いまカードリーダーにあるカード <span class="en">/ card on the reader</span>: <b id="inserted">{inserted}</b><br>連携の日付 <span class="en">/ the federation's date</span>: <b id="today">{today}</b></p>
{picker}
{walks}
<h2>サービス一覧 <span class="en">/ the services</span></h2>
<ul>
<li><a href="{eapp}/login">電子申請システム <span class="en">/ e-application system</span></a> · <a id="apply" href="{eapp}/apply">電子申請システムで申請する / file an application</a> · <a href="{eapp}/proxy/apply">代理申請 / proxy application</a> · <a href="{eapp}/logout">ログアウト / log out</a></li>
<li><a href="{bank}/link">インターネットバンキング <span class="en">/ internet banking</span></a> · <a href="{bank}/logout">ログアウト / log out</a></li>
<li><a href="{portal}/login">行政ポータル <span class="en">/ government portal</span></a> · <a href="{portal}/logout">ログアウト / log out</a></li>
<li><a href="{platform}/">個人認証プラットフォーム <span class="en">/ personal authentication platform</span></a></li>
</ul>"#,
            inserted = escape(&card_name(inserted)),
            today = escape(&today),
            picker = picker(inserted),
            eapp = escape(&f.eapp_url),
            portal = escape(&f.portal_url),
            bank = escape(&f.bank_url),
            platform = escape(&f.platform_url),
        ),
    ))
}
