//! `mnctf up`: the case studies' whole federation on loopback (CA service, the platform, the
//! CATV operator's IdP, the e-application system, the government portal, the bank, the
//! 税理士 body's attribute authority, all trusting the operator's signed aggregate), the
//! local card helper, and a portal page from which policy staff start each case study
//! walkable in a browser: it puts the case's card in the helper's reader and opens the
//! service where the case starts.

use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use mock_ca::PersonaId;
use mock_card::client::JpkiClient;
use mock_card::transport::{InProcess, Transport};
use mock_card::JpkiCard;
use scenarios::federation::{Federation, Options};
use trust_framework::saml::xml::escape;

use crate::helper::SharedCard;

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

/// A case study a person can walk through.
pub struct Walk {
    /// Its id (the scenario's, where there is one).
    pub id: &'static str,
    /// Its title, Japanese then English.
    pub title: (&'static str, &'static str),
    /// What it shows and what to do, Japanese then English.
    pub what: (&'static str, &'static str),
    /// The card in the reader.
    pub persona: PersonaId,
    /// Where it starts.
    pub start: fn(&Federation) -> String,
}

/// The case studies walkable from the portal, in order.
pub static WALKS: &[Walk] = &[
    Walk {
        id: "sso.one-card-many-sps",
        title: ("1回のカード認証で2つのサービスへ", "One card login, two services"),
        what: (
            "電子申請システムにマイナンバーカードでログインします（暗証番号 1234）。その後、ポータルのリンクから行政ポータルを開くと、カード操作なしでログインできます。",
            "Log in at the e-application system with the card (PIN 1234); then open the government portal from this page: no second card operation.",
        ),
        persona: PersonaId::Valid,
        start: |f| format!("{}/login", f.eapp_url),
    },
    Walk {
        id: "catv.set-top-box-reaches-government-sps",
        title: ("ケーブルテレビのセットトップボックスから", "From a cable-TV set-top box"),
        what: (
            "行政ポータルのログインで「ほかの認証窓口」からケーブルテレビ事業者を選び、そこでカードを確認します。同じ人として行政ポータルにログインできます。",
            "At the government portal's login, choose the cable-TV operator under \"authenticate the card elsewhere\" and check the card there: you reach the portal as the same person.",
        ),
        persona: PersonaId::Valid,
        start: |f| format!("{}/login", f.portal_url),
    },
    Walk {
        id: "bank.pay-the-fee-without-a-second-card-operation",
        title: ("電子申請の手数料を銀行で支払う", "File an application and pay its fee at the bank"),
        what: (
            "銀行にカードでログインし、初回だけ銀行の口座番号 0012345 とパスワード bank-pass-1 で口座を連携します。次にこのポータルの「電子申請システムで申請する」から申請し、「銀行で支払う」を押して支払います。カード操作は最初の1回だけです。",
            "Log in at the bank with the card and, the first time only, link account 0012345 with password bank-pass-1. Then file an application from \"file an application\" on this page and press \"pay at your bank\": one card operation in all.",
        ),
        persona: PersonaId::Valid,
        start: |f| format!("{}/link", f.bank_url),
    },
    Walk {
        id: "sso.revoked-card-refused",
        title: ("失効したカードは拒否される", "A revoked card is refused"),
        what: (
            "紛失の届出で失効したカードでログインしようとします。理由とどうすればよいかが表示され、サービスにもログイン失敗が伝えられます。",
            "Try to log in with a card revoked after a loss report: the page says why and what to do, and the service is told the login failed.",
        ),
        persona: PersonaId::AuthRevoked,
        start: |f| format!("{}/login", f.eapp_url),
    },
    Walk {
        id: "sso.expired-card-refused",
        title: ("有効期限切れのカード", "An expired card"),
        what: (
            "利用者証明用電子証明書の有効期限が切れたカードでログインしようとします。",
            "Try to log in with a card whose user-authentication certificate has expired.",
        ),
        persona: PersonaId::AuthExpired,
        start: |f| format!("{}/login", f.eapp_url),
    },
    Walk {
        id: "sso.untrusted-card-refused",
        title: ("偽の認証局のカード", "A card from a look-alike CA"),
        what: (
            "本物と同じ名前の、別の認証局が発行したカードでログインしようとします。",
            "Try to log in with a card from a CA that only takes the real CA's name.",
        ),
        persona: PersonaId::UnknownCa,
        start: |f| format!("{}/login", f.eapp_url),
    },
    Walk {
        id: "sso.pin-blocked",
        title: ("暗証番号がロックされたカード", "A card with a blocked PIN"),
        what: (
            "暗証番号がロックされたカードでログインしようとします。どこで解除できるかが表示されます。",
            "Try to log in with a card whose PIN is blocked: the page says where to have it reset.",
        ),
        persona: PersonaId::AuthPinBlocked,
        start: |f| format!("{}/login", f.eapp_url),
    },
];

/// The federation, the helper and the portal, running.
pub struct Portal {
    /// Every party of the case studies.
    pub federation: Arc<Federation>,
    /// The portal page.
    pub url: String,
    /// The card helper.
    pub helper_url: String,
    card: SharedCard,
}

#[derive(Clone)]
struct App {
    federation: Arc<Federation>,
    card: SharedCard,
    /// The persona whose card is in the reader.
    inserted: Arc<Mutex<PersonaId>>,
}

impl Portal {
    /// Starts everything on loopback; files go in `dir`.
    pub async fn start(dir: &Path, ports: PortalPorts) -> anyhow::Result<Self> {
        let helper_listener = crate::listen::bind(ports.helper).await?;
        let helper_url = format!("http://{}", helper_listener.local_addr()?);
        let options = Options {
            card_helper_port: Some(helper_listener.local_addr()?.port()),
            ..Options::default()
        };
        let federation = Arc::new(Federation::start(dir, options).await?);
        let card = card_of(&federation, PersonaId::Valid);
        let origins = [
            federation.platform_url.as_str(),
            federation.catv_url.as_str(),
        ];
        let helper = crate::helper::router(Arc::clone(&card), &origins);
        tokio::spawn(async move { drop(axum::serve(helper_listener, helper).await) });
        let app = App {
            federation: Arc::clone(&federation),
            card: Arc::clone(&card),
            inserted: Arc::new(Mutex::new(PersonaId::Valid)),
        };
        let router = Router::new()
            .route("/", get(page))
            .route("/start", post(start))
            .with_state(app);
        let listener = crate::listen::bind(ports.portal).await?;
        let url = format!("http://{}", listener.local_addr()?);
        tokio::spawn(async move { drop(axum::serve(listener, router).await) });
        Ok(Self {
            federation,
            url,
            helper_url,
            card,
        })
    }

    /// Puts `persona`'s card in the helper's reader (tests; the page does it by a button).
    pub fn insert(&self, persona: PersonaId) {
        insert(&self.federation, &self.card, persona);
    }
}

/// A persona's card as people name it, Japanese then English.
fn card_name(p: PersonaId) -> String {
    let ja = match p {
        PersonaId::Valid => "有効なカード",
        PersonaId::AuthExpired => "利用者証明用電子証明書の有効期限が切れたカード",
        PersonaId::AuthRevoked => "紛失の届出で失効したカード",
        PersonaId::AuthPinBlocked => "暗証番号がロックされたカード",
        PersonaId::UnknownCa => "偽の認証局が発行したカード",
        PersonaId::Renewed => "更新後の新しいカード",
        PersonaId::TaxAccountant => "税理士のカード",
        PersonaId::JudicialScrivener => "司法書士のカード",
        _ => "試験用のカード",
    };
    format!("{ja} / {}", p.description())
}

fn card_of(fed: &Federation, persona: PersonaId) -> SharedCard {
    Arc::new(Mutex::new(client(fed, persona)))
}

fn client(fed: &Federation, persona: PersonaId) -> JpkiClient<Box<dyn Transport + Send>> {
    let card = InProcess::new(JpkiCard::new(fed.ca.pki.persona(persona).card_image()));
    JpkiClient::new(Box::new(card))
}

fn insert(fed: &Federation, card: &SharedCard, persona: PersonaId) {
    *card.lock().unwrap_or_else(PoisonError::into_inner) = client(fed, persona);
    tracing::info!(persona = persona.slug(), "card inserted");
    println!("card: {} inserted", persona.slug());
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
    insert(&app.federation, &app.card, walk.persona);
    *app.inserted.lock().unwrap_or_else(PoisonError::into_inner) = walk.persona;
    println!("case study: {} started", walk.id);
    Redirect::to(&(walk.start)(&app.federation)).into_response()
}

fn not_found() -> String {
    "<!DOCTYPE html><html lang=\"ja\"><head><meta charset=\"utf-8\"><title>見つかりません / Not found</title></head><body><h1>そのケーススタディはありません <span lang=\"en\">/ No such case study</span></h1><p><a href=\"/\">ポータルに戻る / Back to the portal</a></p></body></html>".into()
}

const STYLE: &str = "body{font-family:'Noto Sans CJK JP',sans-serif;max-width:60em;margin:2em auto;line-height:1.6;color:#102a43}.en{color:#52606d}section{border:1px solid #d9e2ec;border-radius:8px;padding:4px 16px 12px;margin:12px 0}button{font-size:1em;padding:4px 14px}";

/// The portal: every walkable case study, the card each uses, a button that starts it,
/// and links to every service.
async fn page(State(app): State<App>) -> Html<String> {
    let f = &app.federation;
    let inserted = *app.inserted.lock().unwrap_or_else(PoisonError::into_inner);
    let walks: String = WALKS
        .iter()
        .map(|w| {
            format!(
                r#"<section id="{id}"><h2>{tja} <span class="en">/ {ten}</span></h2><p>{wja}<br><span class="en" lang="en">{wen}</span></p><p>カード <span class="en">/ card</span>: <b>{card}</b></p><form method="post" action="/start"><input type="hidden" name="walk" value="{id}"><button type="submit">はじめる / Start</button></form></section>"#,
                id = escape(w.id),
                tja = escape(w.title.0),
                ten = escape(w.title.1),
                wja = escape(w.what.0),
                wen = escape(w.what.1),
                card = escape(&card_name(w.persona)),
            )
        })
        .collect();
    Html(format!(
        r#"<!DOCTYPE html>
<html lang="ja"><head><meta charset="utf-8"><title>マイナンバーカード・トラストフレームワーク 事例ポータル / Case-study portal</title><style>{STYLE}</style></head>
<body><h1>事例ポータル <span class="en">/ Case-study portal</span></h1>
<p>マイナンバーカード・トラストフレームワークの事例を、ブラウザで順にたどれます。「はじめる」を押すと、その事例のカードがカードリーダーに置かれ、事例が始まるサービスが開きます。暗証番号は 1234 です。<br>
<span class="en" lang="en">Walk through the trust framework's case studies in this browser. "Start" puts the case's card on the reader and opens the service where the case begins. The PIN is 1234.</span></p>
<p>いまカードリーダーにあるカード <span class="en">/ card on the reader</span>: <b id="inserted">{inserted}</b></p>
{walks}
<h2>サービス一覧 <span class="en">/ the services</span></h2>
<ul>
<li><a href="{eapp}/login">電子申請システム <span class="en">/ e-application system</span></a> · <a id="apply" href="{eapp}/apply">電子申請システムで申請する / file an application</a> · <a href="{eapp}/logout">ログアウト / log out</a></li>
<li><a href="{bank}/link">インターネットバンキング <span class="en">/ internet banking</span></a></li>
<li><a href="{portal}/login">行政ポータル <span class="en">/ government portal</span></a> · <a href="{portal}/logout">ログアウト / log out</a></li>
<li><a href="{platform}/">個人認証プラットフォーム <span class="en">/ personal authentication platform</span></a></li>
</ul>
</body></html>"#,
        inserted = escape(&card_name(inserted)),
        eapp = escape(&f.eapp_url),
        portal = escape(&f.portal_url),
        bank = escape(&f.bank_url),
        platform = escape(&f.platform_url),
    ))
}
