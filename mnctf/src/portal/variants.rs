//! The walks' failure variants and later steps: a payment request altered on its way to
//! the bank, the attribute authority down and back, and the renewal walk's return to
//! today with the new card.

use std::sync::atomic::Ordering;

use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use mock_ca::PersonaId;
use trust_framework::saml::xml::escape;

use super::{layout, App, Card};

pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/variants/tampered-amount", get(tampered_amount))
        .route("/variants/authority-down", post(authority_down))
        .route("/variants/authority-up", post(authority_up))
        .route("/variants/renewed-today", post(renewed_today))
}

/// The federation's date in JST, and whether it is the renewal walk's past.
pub(super) fn federation_date(app: &App) -> String {
    let now = app
        .federation
        .clock
        .now()
        .to_offset(time::macros::offset!(+9));
    let date = format!("{}年{}月{}日", now.year(), u8::from(now.month()), now.day());
    if *app
        .back
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
    {
        format!("{date}（40日前に戻っています / 40 days back）")
    } else {
        date
    }
}

/// The newest unpaid application's signed payment request with its amount altered, ready
/// to send to the bank as a man in the middle would.
async fn tampered_amount(State(app): State<App>) -> Response {
    let f = &app.federation;
    let Some(a) = f.eapp.latest_awaiting_payment() else {
        return Html(layout(
            ("書き換える支払い依頼がありません", "No payment request to alter"),
            &format!(
                r#"<p id="message">まず電子申請システムで申請してください（支払いはしないでおきます）。その支払い依頼を書き換えます。<br><span class="en" lang="en">File an application at the e-application system first (do not pay it): its payment request is the one altered.</span></p><p><a href="{}/apply">電子申請システムで申請する / File an application</a> · <a href="/">ポータルに戻る / Back to the portal</a></p>"#,
                escape(&f.eapp_url)
            ),
        ))
        .into_response();
    };
    let xml = STANDARD
        .decode(&a.payment_request_b64)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .unwrap_or_default();
    let altered_fee = (a.fee / 100).max(1);
    let tampered = xml.replace(
        &format!("<pay:Amount>{}</pay:Amount>", a.fee),
        &format!("<pay:Amount>{altered_fee}</pay:Amount>"),
    );
    if tampered == xml {
        return Html(layout(
            ("書き換えられませんでした", "Could not alter the request"),
            r#"<p id="message">支払い依頼に金額が見つかりませんでした。<br><span class="en" lang="en">The payment request carries no amount to alter.</span></p><p><a href="/">ポータルに戻る / Back to the portal</a></p>"#,
        ))
        .into_response();
    }
    Html(layout(
        ("失敗例: 書き換えられた支払い依頼", "Failure: an altered payment request"),
        &format!(
            r#"<p id="message">申請 {id} の支払い依頼を、銀行に届く途中で誰かが書き換え、手数料 {fee} 円を {altered_fee} 円にしたとします。電子申請システムの署名は元の内容に付いているので、銀行は書き換えに気付き、支払いません。<br><span class="en" lang="en">Say someone altered the payment request of application {id} on its way to the bank, making the {fee} yen fee {altered_fee} yen. The e-application system's signature covers the original, so the bank notices and pays nothing.</span></p>
<form id="pay" method="post" action="{bank}/pay"><input type="hidden" name="PaymentRequest" value="{req}"><button type="submit">書き換えた依頼を銀行に送る / Send the altered request to the bank</button></form>
<p><a href="/">ポータルに戻る / Back to the portal</a></p>"#,
            id = escape(&a.id),
            fee = a.fee,
            bank = escape(&f.bank_url),
            req = STANDARD.encode(tampered),
        ),
    ))
    .into_response()
}

fn authority(app: &App, down: bool) -> Response {
    app.federation
        .authority
        .faults
        .unavailable
        .store(down, Ordering::SeqCst);
    println!(
        "attribute authority: {}",
        if down { "down" } else { "back up" }
    );
    let (ja, en) = if down {
        (
            "税理士会の属性認証機関を止めました。代理申請用にログインすると、資格を確認できず、電子申請システムは代理申請を受け付けません。",
            "The 税理士 body's attribute authority is down: a login for proxy applications cannot confirm the qualification, and the e-application system refuses the proxy application.",
        )
    } else {
        (
            "税理士会の属性認証機関は動いています。",
            "The 税理士 body's attribute authority is running.",
        )
    };
    Html(layout(
        ("属性認証機関", "The attribute authority"),
        &format!(
            r#"<p id="message">{ja}<br><span class="en" lang="en">{en}</span></p><p><a href="{eapp}{login}">代理申請用にログインする / Log in for proxy applications</a> · <a href="/">ポータルに戻る / Back to the portal</a></p>"#,
            eapp = escape(&app.federation.eapp_url),
            login = escape(mock_sp::egov::PROXY_LOGIN),
        ),
    ))
    .into_response()
}

async fn authority_down(State(app): State<App>) -> Response {
    authority(&app, true)
}

async fn authority_up(State(app): State<App>) -> Response {
    authority(&app, false)
}

/// The renewal walk's second step: today again, the new card on the reader, and a login.
async fn renewed_today(State(app): State<App>) -> Response {
    app.insert(Card::Of(PersonaId::Renewed));
    Redirect::to(&format!("{}/login?force=1", app.federation.eapp_url)).into_response()
}
