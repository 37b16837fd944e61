//! The professionals' software the proxy walks use, as it runs on the professional's own
//! computer beside the card reader: the 司法書士's signing software (model 1) signs a
//! qualification registration with the 士業 key for the browser to send to the platform;
//! the 税理士 body's registration software (model 2) has the card on the reader sign the
//! authority's challenge and sends the registration signed with the 士業 key.

use std::time::Duration;

use axum::extract::{Form, Query, State};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use mock_ca::PersonaId;
use rsa::pkcs8::EncodePrivateKey;
use serde::Deserialize;
use trust_framework::proxy::{self, Registration};
use trust_framework::saml::xml::escape;

use super::{layout, App};

pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/shigyo/platform", get(platform_software))
        .route(
            "/shigyo/authority",
            get(authority_software).post(register_at_authority),
        )
}

#[derive(Deserialize, Default)]
struct Variant {
    /// "1": the registration names someone else's card (the failure variant).
    #[serde(default)]
    other: Option<String>,
}

impl Variant {
    fn other(&self) -> bool {
        self.other.as_deref() == Some("1")
    }
}

/// The card certificate a registration names: the reader's card, or (the failure variant)
/// someone else's.
fn named_card(app: &App, other: bool) -> Vec<u8> {
    let who = if other {
        PersonaId::Valid
    } else {
        app.persona()
    };
    app.federation
        .ca
        .pki
        .persona(who)
        .card
        .auth
        .issued
        .der
        .clone()
}

/// A registration for `audience` naming `card`, signed with the professional's 士業 key;
/// `None` when the card's holder is not a professional.
fn signed(
    app: &App,
    audience: &str,
    card: Vec<u8>,
    nonce: Option<String>,
) -> Option<Result<String, String>> {
    let fed = &app.federation;
    let pro = fed.ca.pki.persona(app.persona()).professional.clone()?;
    Some((|| {
        let key = pro
            .credential
            .key
            .to_pkcs8_der()
            .map_err(|e| e.to_string())?;
        let r = Registration {
            id: trust_framework::saml::xml::new_id(rand::random()),
            issued: fed.clock.now(),
            audience: audience.to_owned(),
            nonce,
            card_certificate: card,
        };
        proxy::build(&r, key.as_bytes(), &pro.credential.issued.der).map_err(|e| e.to_string())
    })())
}

fn back() -> &'static str {
    r#"<p><a href="/">ポータルに戻る / Back to the portal</a></p>"#
}

fn not_a_professional() -> Response {
    Html(layout(
        ("士業のカードではありません", "Not a professional's card"),
        &format!(
            r#"<p id="message">カードリーダーにあるカードの持ち主は、士業の資格を持っていません。ポータルで司法書士または税理士のカードを選んでください。<br><span class="en" lang="en">The holder of the card on the reader has no professional qualification: choose the 司法書士's or the 税理士's card on the portal.</span></p>{}"#,
            back()
        ),
    ))
    .into_response()
}

fn qualification_table(app: &App, other: bool) -> String {
    let fed = &app.federation;
    let me = fed.ca.pki.persona(app.persona());
    let card_holder = if other {
        fed.ca.pki.persona(PersonaId::Valid).holder.name.clone()
    } else {
        me.holder.name.clone()
    };
    let (profession, number) = me
        .professional
        .as_ref()
        .map(|p| {
            (
                p.qualification.profession.clone(),
                p.qualification.registration_number.clone(),
            )
        })
        .unwrap_or_default();
    format!(
        r#"<table><tr><th>資格 <span class="en">/ profession</span></th><td>{}</td></tr><tr><th>登録番号 <span class="en">/ registration number</span></th><td>{}</td></tr><tr><th>資格者 <span class="en">/ professional</span></th><td>{}</td></tr><tr><th>登録するカードの持ち主 <span class="en">/ card to register, held by</span></th><td id="card-holder">{}</td></tr></table>"#,
        escape(&profession),
        escape(&number),
        escape(&me.holder.name),
        escape(&card_holder),
    )
}

/// Model 1: the registration, signed, in a form the browser sends to the platform (where
/// the professional is logged in with the card it names).
async fn platform_software(State(app): State<App>, Query(v): Query<Variant>) -> Response {
    let fed = &app.federation;
    let doc = match signed(
        &app,
        fed.platform.entity_id.as_str(),
        named_card(&app, v.other()),
        None,
    ) {
        None => return not_a_professional(),
        Some(Err(e)) => return failed(&e),
        Some(Ok(d)) => d,
    };
    let warning = if v.other() {
        r#"<p><b>失敗例:</b> この登録書は、自分ではない人のカードを資格に結び付けようとしています。プラットフォームは、ログインに使ったカードと違うので拒否するはずです。<br><span class="en" lang="en"><b>Failure variant:</b> this registration tries to bind someone else's card to the qualification; the platform should refuse it, as it is not the card you logged in with.</span></p>"#
    } else {
        ""
    };
    Html(layout(
        ("司法書士の署名ソフト", "The 司法書士's signing software"),
        &format!(
            r#"<p>士業の電子証明書の鍵で資格登録書に署名し、個人認証プラットフォームに送ります。先に電子申請システムで、このカードでログインしておいてください。<br><span class="en" lang="en">Signs the qualification registration with the 士業 certificate's key and sends it to the personal authentication platform. Log in with this card at the e-application system first.</span></p>
{table}{warning}
<form id="register" method="post" action="{platform}/proxy/register"><input type="hidden" name="Registration" value="{doc}"><input type="hidden" name="return" value="{back}"><button type="submit">署名してプラットフォームに登録する / Sign and register at the platform</button></form>
{portal}"#,
            table = qualification_table(&app, v.other()),
            platform = escape(&fed.platform_url),
            doc = STANDARD.encode(doc),
            back = escape(&format!("{}{}", fed.eapp_url, mock_sp::egov::PROXY_LOGIN)),
            portal = back(),
        ),
    ))
    .into_response()
}

/// Model 2: the registration software's page: the PIN for the card's check.
async fn authority_software(State(app): State<App>, Query(v): Query<Variant>) -> Response {
    if app
        .federation
        .ca
        .pki
        .persona(app.persona())
        .professional
        .is_none()
    {
        return not_a_professional();
    }
    let (other_field, warning) = if v.other() {
        (
            r#"<input type="hidden" name="other" value="1">"#,
            r#"<p><b>失敗例:</b> 登録書には、いまカードリーダーにあるカードではなく、他人のカードを書きます。属性認証機関は拒否するはずです。<br><span class="en" lang="en"><b>Failure variant:</b> the registration names someone else's card, not the one on the reader; the authority should refuse it.</span></p>"#,
        )
    } else {
        ("", "")
    };
    Html(layout(
        ("税理士会の登録ソフト", "The 税理士 body's registration software"),
        &format!(
            r#"<p>マイナンバーカードを税理士会の属性認証機関に登録します。カードで属性認証機関の確認文に署名し（暗証番号が要ります）、税理士の電子証明書の鍵で登録書に署名して送ります。<br><span class="en" lang="en">Registers your My Number Card at the 税理士 body's attribute authority: the card signs the authority's challenge (the PIN is needed) and the 税理士 certificate's key signs the registration.</span></p>
{table}{warning}
<form id="register" method="post" action="/shigyo/authority">{other_field}<p><label>カードの暗証番号 <span class="en">/ card PIN</span> <input name="pin" type="password" inputmode="numeric" maxlength="4"></label></p><button type="submit">税理士会に登録する / Register at the 税理士 body</button></form>
{portal}"#,
            table = qualification_table(&app, v.other()),
            portal = back(),
        ),
    ))
    .into_response()
}

#[derive(Deserialize)]
struct RegisterForm {
    pin: String,
    #[serde(default)]
    other: Option<String>,
}

/// Model 2: the challenge, the card's signature, the registration, the authority's answer.
async fn register_at_authority(State(app): State<App>, Form(f): Form<RegisterForm>) -> Response {
    let other = Variant { other: f.other }.other();
    match register(&app, &f.pin, other).await {
        Ok(answer) => registered(&app, &answer),
        Err(Refused::Card(e)) => card_refused(&e),
        Err(Refused::Authority(why)) => authority_refused(&why),
        Err(Refused::NotProfessional) => not_a_professional(),
    }
}

enum Refused {
    NotProfessional,
    Card(scenarios::card::CardRefusal),
    Authority(String),
}

async fn register(app: &App, pin: &str, other: bool) -> Result<serde_json::Value, Refused> {
    let fed = &app.federation;
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| Refused::Authority(e.to_string()))?;
    let url = |path: &str| format!("{}{path}", fed.authority_url);
    let challenge: serde_json::Value = json(
        http.post(url("/register/challenge"))
            .json(&serde_json::json!({}))
            .send()
            .await,
    )
    .await?;
    let text = challenge["challenge"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let nonce = challenge["nonce"].as_str().unwrap_or_default().to_owned();
    let audience = challenge["audience"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let card = std::sync::Arc::clone(&app.card);
    let (origin, now, pin) = (fed.authority_url.clone(), fed.clock.now(), pin.to_owned());
    let (cert, sig) = tokio::task::spawn_blocking(move || {
        let mut card = card
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        scenarios::card::sign_challenge(&mut card, &text, &pin, &origin, now)
    })
    .await
    .map_err(|e| Refused::Authority(e.to_string()))?
    .map_err(Refused::Card)?;
    let doc = match signed(app, &audience, named_card(app, other), Some(nonce.clone())) {
        None => return Err(Refused::NotProfessional),
        Some(d) => d.map_err(Refused::Authority)?,
    };
    let body = serde_json::json!({
        "nonce": nonce,
        "certificate": STANDARD.encode(cert),
        "signature": STANDARD.encode(sig),
        "registration": STANDARD.encode(doc),
    });
    json(http.post(url("/register")).json(&body).send().await).await
}

/// The authority's JSON answer; its `error` when it refused.
async fn json(
    sent: Result<reqwest::Response, reqwest::Error>,
) -> Result<serde_json::Value, Refused> {
    let r = sent.map_err(|e| Refused::Authority(format!("the authority did not answer: {e}")))?;
    let ok = r.status().is_success();
    let v: serde_json::Value = r
        .json()
        .await
        .map_err(|e| Refused::Authority(format!("the authority's answer is not JSON: {e}")))?;
    if ok {
        Ok(v)
    } else {
        Err(Refused::Authority(
            v["error"].as_str().unwrap_or("refused").to_owned(),
        ))
    }
}

fn registered(app: &App, a: &serde_json::Value) -> Response {
    let s = |k: &str| a[k].as_str().unwrap_or_default().to_owned();
    Html(layout(
        ("税理士会に登録しました", "Registered at the 税理士 body"),
        &format!(
            r#"<p id="message">{p}（登録番号 {n}）として、このマイナンバーカードを属性認証機関に登録しました。代理申請用にログインすると、プラットフォームが資格を問い合わせます。<br><span class="en" lang="en">This My Number Card is registered at the attribute authority as {p} (registration number {n}). When you log in for proxy applications, the platform asks the authority.</span></p>
<p><a id="onward" href="{eapp}{login}">電子申請システムで代理申請する / File a proxy application</a></p>{portal}
<details><summary>技術的な情報 / Technical details</summary><pre id="result">REGISTERED: {p}
REGISTRATION NUMBER: {n}
BODY: {b}</pre></details>"#,
            p = escape(&s("registered")),
            n = escape(&s("registration_number")),
            b = escape(&s("body")),
            eapp = escape(&app.federation.eapp_url),
            login = escape(mock_sp::egov::PROXY_LOGIN),
            portal = back(),
        ),
    ))
    .into_response()
}

fn refusal_page(ja: &str, en: &str, detail: &str) -> Response {
    Html(layout(
        ("登録できませんでした", "Not registered"),
        &format!(
            r#"<p id="message">{ja}<br><span class="en" lang="en">{en}</span></p>{portal}<details><summary>技術的な情報 / Technical details</summary><pre id="result">refused: {detail}</pre></details>"#,
            ja = escape(ja),
            en = escape(en),
            detail = escape(detail),
            portal = back(),
        ),
    ))
    .into_response()
}

fn card_refused(e: &scenarios::card::CardRefusal) -> Response {
    match crate::helper::notice(e) {
        Some(n) => refusal_page(
            &format!(
                "{} {}",
                n["ja"].as_str().unwrap_or_default(),
                n["todo_ja"].as_str().unwrap_or_default()
            ),
            &format!(
                "{} {}",
                n["en"].as_str().unwrap_or_default(),
                n["todo_en"].as_str().unwrap_or_default()
            ),
            &e.to_string(),
        ),
        None => refusal_page(
            "カードで署名できませんでした。",
            "The card could not sign.",
            &e.to_string(),
        ),
    }
}

fn authority_refused(why: &str) -> Response {
    if why.contains("another card") {
        refusal_page(
            "登録書に書かれたカードが、いま確認したカードと違うため、属性認証機関は登録しませんでした。自分のカードだけを登録できます。",
            "The registration names another card than the one just checked, so the authority did not register it: you can register only your own card.",
            why,
        )
    } else {
        refusal_page(
            "属性認証機関が登録を受け付けませんでした。しばらくしてからもう一度お試しください。",
            "The attribute authority did not accept the registration. Please try again later.",
            why,
        )
    }
}

fn failed(e: &str) -> Response {
    refusal_page(
        "登録書を作れませんでした。",
        "The registration could not be made.",
        e,
    )
}
