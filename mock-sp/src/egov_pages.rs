//! The e-application system's pages as a citizen or a professional reads them: what
//! happened in Japanese (English beside it), the numbers they need, a way onward, and the
//! machine-readable result (`#result`, which the scenarios read) folded underneath.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use trust_framework::saml::xml::escape;

use crate::egov::{Application, Status, PROCEDURES, PROXY_LOGIN, PROXY_PROCEDURES};
use crate::refusal::{self, Link, Words};
use crate::sp::{citizen_html, ServiceProvider};

const APPLY: Link = ("/apply", "申請する", "File an application");
const LOG_OUT: Link = ("/logout", "ログアウト", "Log out");
const PROXY_LOG_IN: Link = (
    PROXY_LOGIN,
    "代理申請用にもう一度ログインする",
    "Log in again for proxy applications",
);

/// A procedure's name in one language ("旅券の発給申請 / Passport application").
fn part(name: &str, english: bool) -> &str {
    let mut halves = name.splitn(2, " / ");
    let ja = halves.next().unwrap_or(name);
    if english {
        halves.next().unwrap_or(ja)
    } else {
        ja
    }
}

fn row(ja: &str, en: &str, value: &str) -> String {
    format!(
        r#"<tr><th>{} <span class="en">/ {}</span></th><td>{}</td></tr>"#,
        escape(ja),
        escape(en),
        escape(value)
    )
}

/// Pay-easy numbers for [`filed`].
pub(crate) struct PayEasy<'a> {
    pub collector: &'a str,
    pub number: &'a str,
    pub confirmation: &'a str,
}

/// An application filed: its number, the fee and the Pay-easy numbers, and the button
/// that takes the signed payment request to the bank.
pub(crate) fn filed(
    sp: &ServiceProvider,
    (id, procedure, fee): (&str, &str, u64),
    pay: &PayEasy<'_>,
    (pay_url, request_b64): (&str, &str),
) -> Response {
    let table = format!(
        r#"<table>{}{}{}{}{}{}</table><form id="pay" method="post" action="{}"><input type="hidden" name="PaymentRequest" value="{}"><button type="submit">銀行で支払う / Pay at your bank</button></form>"#,
        row("申請番号", "application", id),
        row("手続", "procedure", procedure),
        row("手数料", "fee", &format!("{fee} 円")),
        row("収納機関番号", "collector number", pay.collector),
        row("納付番号", "payment number", pay.number),
        row("確認番号", "confirmation number", pay.confirmation),
        escape(pay_url),
        escape(request_b64),
    );
    let result = format!(
        "APPLICATION: {id}\nPROCEDURE: {procedure}\nFEE: {fee} JPY\n収納機関番号: {}\n納付番号: {}\n確認番号: {}",
        pay.collector, pay.number, pay.confirmation
    );
    let html = citizen_html(
        sp,
        (
            &format!(
                "「{}」の申請を受け付けました。手数料 {fee} 円を銀行で支払うと、申請が進みます。",
                part(procedure, false)
            ),
            &format!(
                "Your application ({}) is filed. It goes ahead once the fee of {fee} yen is paid at your bank.",
                part(procedure, true)
            ),
        ),
        &table,
        &[(&format!("/applications/{id}"), "申請の状況", "Status"), LOG_OUT],
        &result,
    );
    Html(html).into_response()
}

/// An application's status, to its owner.
pub(crate) fn status(sp: &ServiceProvider, a: &Application) -> Response {
    let name = PROCEDURES
        .iter()
        .find(|p| p.code == a.procedure)
        .map_or(a.procedure, |p| p.name);
    let (ja, en, result) = match &a.status {
        Status::AwaitingPayment => (
            "手数料の納付を待っています。",
            "Waiting for the fee to be paid.",
            "AWAITING PAYMENT / 未納".to_owned(),
        ),
        Status::Paid { notice } => (
            "手数料は納付済みです。申請は審査に進みます。",
            "The fee is paid; the application goes on to review.",
            format!("PAID / 納付済み (notice {notice})"),
        ),
    };
    let table = format!(
        "<table>{}{}{}</table>",
        row("申請番号", "application", &a.id),
        row("手続", "procedure", name),
        row("手数料", "fee", &format!("{} 円", a.fee)),
    );
    let html = citizen_html(
        sp,
        (ja, en),
        &table,
        &[APPLY, LOG_OUT],
        &format!(
            "APPLICATION: {}\nFEE: {} JPY\nSTATUS: {result}",
            a.id, a.fee
        ),
    );
    Html(html).into_response()
}

/// The qualification a login confirmed, for [`proxy_form`].
pub(crate) struct Confirmed<'a> {
    pub profession: &'a str,
    pub number: &'a str,
    /// Whether the platform confirmed it (model 1) rather than a 士業 body's authority.
    pub by_platform: bool,
}

fn confirmed_by(c: &Confirmed<'_>) -> (&'static str, &'static str) {
    if c.by_platform {
        (
            "個人認証プラットフォーム",
            "the personal authentication platform",
        )
    } else {
        (
            "士業団体の属性認証機関",
            "the professional body's attribute authority",
        )
    }
}

/// The proxy application form, for a professional whose qualification this login confirmed.
pub(crate) fn proxy_form(sp: &ServiceProvider, c: &Confirmed<'_>) -> Response {
    let (by_ja, by_en) = confirmed_by(c);
    let chosen = PROXY_PROCEDURES
        .iter()
        .position(|p| p.allowed.contains(&c.profession))
        .unwrap_or(0);
    let choices: String = PROXY_PROCEDURES
        .iter()
        .enumerate()
        .map(|(i, p)| {
            format!(
                r#"<p><label><input type="radio" name="procedure" value="{}"{}> {}（代理できる資格: {}）</label></p>"#,
                escape(p.code),
                if i == chosen { " checked" } else { "" },
                escape(p.name),
                escape(&p.allowed.join("、")),
            )
        })
        .collect();
    let form = format!(
        r#"<form id="proxy" method="post" action="/proxy/apply">{choices}<p><label>依頼人の名前 <span class="en">/ client</span>: <input name="client" value="株式会社みらい商事" maxlength="100"></label></p><button type="submit">代理申請する / File for the client</button></form>"#
    );
    let html = citizen_html(
        sp,
        (
            &format!(
                "{}（登録番号 {}）としての資格が、{by_ja}により確認されました。依頼人のための手続を選んでください。",
                c.profession, c.number
            ),
            &format!(
                "Your qualification as {} (registration number {}) was confirmed by {by_en}. Choose the procedure to file for your client.",
                c.profession, c.number
            ),
        ),
        &form,
        &[LOG_OUT],
        &format!("QUALIFIED: {} {}", c.profession, c.number),
    );
    Html(html).into_response()
}

/// A proxy application filed: [`proxy_form`]'s answer.
pub(crate) fn proxy_filed(
    sp: &ServiceProvider,
    (id, procedure, client): (&str, &str, &str),
    c: &Confirmed<'_>,
    result: &str,
) -> Response {
    let (by_ja, by_en) = confirmed_by(c);
    let table = format!(
        "<table>{}{}{}{}{}</table>",
        row("申請番号", "application", id),
        row("手続", "procedure", procedure),
        row("依頼人", "client", client),
        row(
            "代理人",
            "filed by",
            &format!("{} 登録番号 {}", c.profession, c.number)
        ),
        row("資格の確認", "qualification confirmed by", by_ja),
    );
    let html = citizen_html(
        sp,
        (
            &format!("{client}のための代理申請を受け付けました（申請番号 {id}）。"),
            &format!("The proxy application for {client} is filed ({id}); the qualification was confirmed by {by_en}."),
        ),
        &table,
        &[("/proxy/apply", "続けて代理申請する", "File another"), LOG_OUT],
        result,
    );
    Html(html).into_response()
}

/// A refusal in plain words, chosen from the reason (kept as the result for machines).
pub(crate) fn refused(sp: &ServiceProvider, status: StatusCode, why: &str) -> Response {
    const AGAIN: &[Link] = &[PROXY_LOG_IN, LOG_OUT];
    const APPLY_AGAIN: &[Link] = &[APPLY, LOG_OUT];
    let rules: [(&str, Words); 10] = [
        ("no qualification is registered", (("このカードには士業の資格が登録されていません。資格を登録してから、代理申請用にもう一度ログインしてください。", "No professional qualification is registered for this card. Register it, then log in again for proxy applications."), AGAIN)),
        ("not logged in", (("ログインしていません。マイナンバーカードでログインしてから手続してください。", "You are not logged in: log in with your My Number Card first."), &[("/login", "ログイン", "Log in")])),
        ("carries no qualification", (("このログインでは士業の資格が確認されていません。資格を登録してから、代理申請用にもう一度ログインしてください。", "This login carries no professional qualification. Register it, then log in again for proxy applications."), AGAIN)),
        ("could not be confirmed", (("士業の資格を確認できませんでした。資格を登録した窓口（個人認証プラットフォーム、または所属する士業団体）にご確認ください。", "Your qualification could not be confirmed. Check with where you registered it (the platform or your professional body)."), AGAIN)),
        ("may not file", (("あなたの資格では、この手続を代理申請できません。代理できる資格は手続ごとに決まっています。", "Your profession may not file this procedure for a client; each procedure names the professions allowed."), &[("/proxy/apply", "手続を選び直す", "Choose another procedure"), LOG_OUT])),
        ("name the client", (("依頼人の名前を入力してください（100文字まで）。", "Enter the client's name (up to 100 characters)."), &[("/proxy/apply", "入力し直す", "Try again")])),
        ("TF-PROXY-005", (("士業団体からの資格の証明を確かめられなかったため、代理申請を受け付けられません。", "The professional body's statement of your qualification could not be verified, so the proxy application is not accepted."), AGAIN)),
        ("no such procedure", (("その手続はありません。一覧から選んでください。", "There is no such procedure; choose one from the list."), APPLY_AGAIN)),
        ("TF-BANK-002", (("銀行からの納付の通知を確かめられなかったため、納付済みにはしていません。銀行の取引内容をご確認ください。", "The bank's payment notice could not be verified, so the fee is not marked paid. Check the transaction at your bank."), APPLY_AGAIN)),
        ("no such application", (("その申請は見つかりません。ご自分の申請だけが表示されます。", "No such application of yours: only your own applications are shown."), APPLY_AGAIN)),
    ];
    let fallback: Words = (
        (
            "申請を受け付けられませんでした。もう一度お試しください。",
            "The application could not be accepted. Please try again.",
        ),
        APPLY_AGAIN,
    );
    refusal::page(sp, status, why, &rules, fallback)
}
