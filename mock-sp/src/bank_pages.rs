//! The bank's pages as its customer reads them (Japanese, English beside it), the
//! machine-readable result folded underneath.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use crate::refusal::{self, Link, Words};
use crate::sp::{citizen_html, ServiceProvider};

const LINK: Link = ("/link", "口座を連携する", "Link your account");
const LOG_IN: Link = ("/login", "ログイン", "Log in");
const LOG_OUT: Link = ("/logout", "ログアウト", "Log out");

/// A refusal in plain words, chosen from the reason.
pub(crate) fn refused(sp: &ServiceProvider, status: StatusCode, why: &str) -> Response {
    const BACK: &[Link] = &[LOG_OUT];
    let rules: [(&str, Words); 9] = [
        ("not logged in", (("ログインしていません。マイナンバーカードでログインしてください。", "You are not logged in: log in with your My Number Card."), &[LOG_IN])),
        ("no such payment in progress", (("このお支払いの手続は見つからないか、時間切れになりました。申請したサービスの画面から、もう一度支払いを始めてください。", "This payment is not in progress or has timed out. Start it again from the service where you applied."), BACK)),
        ("口座が連携されていません", (("このログインには口座が連携されていません。初回だけ、口座番号とパスワードで口座を連携してください。", "No account is linked to this login yet. The first time, link your account with its number and password."), &[LINK])),
        ("another person's application", (("このお支払いの依頼は、別の方のログインで申請されたものです。ご自分の申請の支払いだけができます。支払いは行っていません。", "This payment request was issued to someone else's login: you can pay only your own applications. Nothing was paid."), BACK)),
        ("already paid", (("このお支払いは既に済んでいます。二重には引き落としません。", "This payment has already been made; it is not taken twice."), BACK)),
        ("TF-BANK-002", (("このお支払いの依頼が、申請先のサービスが発行したとおりのものか確かめられませんでした（途中で書き換えられたおそれがあります）。支払いは行っていません。", "This payment request could not be verified as the one the service issued (it may have been altered on the way). Nothing was paid."), BACK)),
        ("残高不足", (("口座の残高が足りないため、支払えませんでした。", "The account's balance is too low: nothing was paid."), BACK)),
        ("is closed", (("連携した口座は解約されています。窓口にお問い合わせください。", "The linked account is closed. Please contact the bank."), BACK)),
        ("wrong account number or password", (("口座番号またはパスワードが違います。", "Wrong account number or password."), &[LINK])),
    ];
    let fallback: Words = (
        (
            "お手続きを完了できませんでした。もう一度お試しください。",
            "The bank could not complete this. Please try again.",
        ),
        BACK,
    );
    refusal::page(sp, status, why, &rules, fallback)
}

/// The first use: the bank's own credentials link this login to an account (TF-BANK-001).
pub(crate) fn link_form(sp: &ServiceProvider) -> Response {
    let form = r#"<form id="link" method="post" action="/link"><p><label>口座番号 <span class="en">/ account</span> <input name="account" inputmode="numeric"></label></p><p><label>インターネットバンキングのパスワード <span class="en">/ password</span> <input name="password" type="password"></label></p><button type="submit">連携する / Link</button></form>"#;
    Html(citizen_html(
        sp,
        (
            "マイナンバーカードでのログインを、あなたの口座に結び付けます。初回だけ、口座番号と当行のパスワードを入力してください。次回からはカードのログインだけで使えます。",
            "Link your My Number Card login to your account. The first time only, enter your account number and this bank's password; after that the card login is enough.",
        ),
        form,
        &[LOG_OUT],
        "LINK FORM",
    ))
    .into_response()
}

/// The account is linked.
pub(crate) fn linked(sp: &ServiceProvider, account: &str) -> Response {
    Html(citizen_html(
        sp,
        (
            &format!("口座 {account} を連携しました。電子申請の手数料などを、カードのログインだけで支払えます。"),
            &format!("Account {account} is linked: you can pay application fees and the like with the card login alone."),
        ),
        "",
        &[LOG_OUT],
        &format!("LINKED: {account}"),
    ))
    .into_response()
}
