//! Case study 2, internet banking (インターネットバンキング): a user who has just filed an
//! e-application goes straight on to pay its fee at their bank, with no second card
//! operation; the first use links the account; tampering, another person's application,
//! an unlinked account and a replayed payment notice are refused (TF-BANK-001, -002).

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use mock_ca::PersonaId;
use reports::Case;

use super::{at, card, case, user};
use crate::browser::{form_field, BrowserError, Page};
use crate::federation::{Federation, ACCOUNTS};
use crate::scenario::{expect, Scenario};
use crate::user::User;

/// The suite's name.
pub(crate) const SUITE: &str = "Internet banking / インターネットバンキング";

/// Its variants.
pub(crate) const CASES: &[&str] = &[
    "bank.first-use-links-the-account",
    "bank.pay-the-fee-without-a-second-card-operation",
    "bank.tampered-amount-refused",
    "bank.other-persons-application-refused",
    "bank.unlinked-account-refused",
    "bank.replayed-notice-refused",
];

pub(crate) async fn run(fed: &Federation, id: &str) -> Option<Case> {
    Some(match id {
        "bank.first-use-links-the-account" => case!(
            fed,
            id,
            "First use links the pairwise NameID to the account after the bank's own login",
            "初回利用時に銀行のログインで口座とIDを連携する",
            first_use_links
        ),
        "bank.pay-the-fee-without-a-second-card-operation" => case!(
            fed,
            id,
            "File an e-application, then pay its fee at the bank with no second card operation",
            "電子申請の後、カード操作なしで銀行で手数料を支払う",
            pay_fee
        ),
        "bank.tampered-amount-refused" => case!(
            fed,
            id,
            "A payment request with a tampered amount is refused",
            "金額を改ざんした納付依頼は拒否される",
            tampered_amount
        ),
        "bank.other-persons-application-refused" => case!(
            fed,
            id,
            "Paying for another person's application is refused",
            "他人の申請の納付は拒否される",
            other_persons_application
        ),
        "bank.unlinked-account-refused" => case!(
            fed,
            id,
            "A payment from a login with no linked account is refused",
            "口座連携のないログインからの支払いは拒否される",
            unlinked_account
        ),
        "bank.replayed-notice-refused" => case!(
            fed,
            id,
            "A replayed payment notice is refused",
            "再送された消込通知は拒否される",
            replayed_notice
        ),
        _ => return None,
    })
}

/// Logs in at the e-application system with the card.
async fn login_eapp(fed: &Federation, sc: &mut Scenario, u: &User) -> Result<bool, BrowserError> {
    let login = u.visit(&at(&fed.eapp_url, "/login")).await?;
    sc.step(
        (
            "log in at the e-application system with the card",
            "電子申請システムにカードでログインする",
        ),
        &["TF-IDP-006", "TF-IDP-008"],
        expect(login.ok(), login.describe(), login.describe()),
        &[u],
    );
    Ok(login.ok())
}

/// Links `account` at the bank (logging in there by SSO first).
async fn link(
    fed: &Federation,
    sc: &mut Scenario,
    u: &User,
    account: (&str, &str),
) -> Result<(), BrowserError> {
    let form = u.browser.get(&at(&fed.bank_url, "/link")).await?;
    let linked = u
        .browser
        .submit(
            &form,
            "link",
            &[("account", account.0), ("password", account.1)],
        )
        .await?;
    sc.step(
        (
            "link the bank account with the bank's own login",
            "銀行のログインで口座を連携する",
        ),
        &["TF-BANK-001"],
        expect(
            linked.result().starts_with("LINKED"),
            format!("account {} linked to this login", account.0),
            format!("HTTP {}: {}", linked.status, linked.result()),
        ),
        &[u],
    );
    Ok(())
}

/// Files an application; the page with its payment form.
async fn file(fed: &Federation, sc: &mut Scenario, u: &User) -> Result<Page, BrowserError> {
    let filed = u
        .browser
        .post_form(
            &at(&fed.eapp_url, "/apply"),
            &[("procedure".into(), "certificate".into())],
        )
        .await?;
    sc.step(
        ("file an application with a fee", "手数料のかかる申請を行う"),
        &["TF-BANK-002"],
        expect(
            filed.field("APPLICATION").is_some()
                && form_field(&filed.body, "PaymentRequest").is_some(),
            format!(
                "application {} filed, fee {}",
                filed.field("APPLICATION").unwrap_or_default(),
                filed.field("FEE").unwrap_or_default()
            ),
            format!("HTTP {}: {}", filed.status, filed.result()),
        ),
        &[u],
    );
    Ok(filed)
}

/// Confirms and executes a payment shown on `confirm`; the final page.
async fn pay(u: &User, confirm: &Page) -> Result<Page, BrowserError> {
    u.browser.submit(confirm, "confirm", &[]).await
}

async fn first_use_links(fed: &Federation, sc: &mut Scenario) -> Result<(), BrowserError> {
    let u = user(fed, PersonaId::Valid);
    if !login_eapp(fed, sc, &u).await? {
        return Ok(());
    }
    let form = u.browser.get(&at(&fed.bank_url, "/link")).await?;
    sc.step(
        (
            "open internet banking: SSO, no card operation",
            "インターネットバンキングを開く（SSO、カード操作なし）",
        ),
        &["TF-BANK-001", "TF-IDP-010"],
        expect(
            form.body.contains(r#"id="link""#) && u.card.signatures() == 1,
            "the bank knows the login and asks to link an account",
            format!(
                "HTTP {}; card signatures: {}",
                form.status,
                u.card.signatures()
            ),
        ),
        &[&u],
    );
    let wrong = u
        .browser
        .submit(
            &form,
            "link",
            &[("account", ACCOUNTS[0].0), ("password", "not-the-password")],
        )
        .await?;
    sc.step(
        (
            "a wrong bank password does not link",
            "銀行のパスワードが違うと連携されない",
        ),
        &["TF-BANK-001"],
        expect(
            wrong.status == 403,
            wrong.result(),
            format!("HTTP {}: {}", wrong.status, wrong.result()),
        ),
        &[&u],
    );
    link(fed, sc, &u, (ACCOUNTS[0].0, ACCOUNTS[0].1)).await
}

async fn pay_fee(fed: &Federation, sc: &mut Scenario) -> Result<(), BrowserError> {
    let u = user(fed, PersonaId::Valid);
    if !login_eapp(fed, sc, &u).await? {
        return Ok(());
    }
    link(fed, sc, &u, (ACCOUNTS[0].0, ACCOUNTS[0].1)).await?;
    let balance = fed.bank.balance(ACCOUNTS[0].0).unwrap_or(0);
    let filed = file(fed, sc, &u).await?;
    let application = filed.field("APPLICATION").unwrap_or_default();
    let confirm = u.browser.submit(&filed, "pay", &[]).await?;
    sc.step(
        (
            "take the signed payment request to the bank: it shows the payment",
            "署名付き納付依頼を銀行に渡すと、支払内容が表示される",
        ),
        &["TF-BANK-002"],
        expect(
            confirm.field("AMOUNT").as_deref() == Some("1200 JPY")
                && confirm.field("APPLICATION").as_deref() == Some(application.as_str()),
            format!(
                "amount {}, 収納機関番号 {}, 納付番号 {}",
                confirm.field("AMOUNT").unwrap_or_default(),
                confirm.field("収納機関番号").unwrap_or_default(),
                confirm.field("納付番号").unwrap_or_default()
            ),
            format!("HTTP {}: {}", confirm.status, confirm.result()),
        ),
        &[&u],
    );
    let paid = pay(&u, &confirm).await?;
    sc.step(
        (
            "confirm: the bank pays and its signed notice marks the application paid",
            "支払を確定すると、銀行の署名付き通知で申請が納付済みになる",
        ),
        &["TF-BANK-002"],
        expect(
            paid.result() == format!("PAID: {application}"),
            format!(
                "{} (balance {} → {} JPY)",
                paid.result(),
                balance,
                fed.bank.balance(ACCOUNTS[0].0).unwrap_or(0)
            ),
            format!("HTTP {}: {}", paid.status, paid.result()),
        ),
        &[&u],
    );
    let status = u
        .browser
        .get(&at(&fed.eapp_url, &format!("/applications/{application}")))
        .await?;
    sc.step(
        (
            "the e-application system shows it paid; the card signed once in all",
            "申請は納付済みと表示され、カード操作は1回だけ",
        ),
        &["TF-BANK-002", "TF-IDP-010"],
        expect(
            status
                .field("STATUS")
                .is_some_and(|s| s.starts_with("PAID"))
                && u.card.signatures() == 1,
            format!("status PAID; card signatures: {}", u.card.signatures()),
            format!(
                "{}; card signatures: {}",
                status.result(),
                u.card.signatures()
            ),
        ),
        &[&u],
    );
    Ok(())
}

/// A payment request with `f` applied to its XML, base64 again.
fn altered(filed: &Page, f: impl Fn(&str) -> String) -> Option<String> {
    let b64 = form_field(&filed.body, "PaymentRequest")?;
    let xml = String::from_utf8(STANDARD.decode(b64).ok()?).ok()?;
    Some(STANDARD.encode(f(&xml)))
}

async fn tampered_amount(fed: &Federation, sc: &mut Scenario) -> Result<(), BrowserError> {
    let u = user(fed, PersonaId::Valid);
    if !login_eapp(fed, sc, &u).await? {
        return Ok(());
    }
    link(fed, sc, &u, (ACCOUNTS[0].0, ACCOUNTS[0].1)).await?;
    let filed = file(fed, sc, &u).await?;
    let tampered = altered(&filed, |x| {
        x.replace(
            "<pay:Amount>1200</pay:Amount>",
            "<pay:Amount>12</pay:Amount>",
        )
    })
    .unwrap_or_default();
    let refused = u
        .browser
        .post_form(
            &at(&fed.bank_url, "/pay"),
            &[("PaymentRequest".into(), tampered)],
        )
        .await?;
    sc.step(
        (
            "the bank refuses the request with the amount changed to 12 JPY",
            "金額を12円に改ざんした納付依頼を銀行が拒否する",
        ),
        &["TF-BANK-002"],
        expect(
            refused.status == 403 && refused.result().contains("TF-BANK-002"),
            refused.result(),
            format!("HTTP {}: {}", refused.status, refused.result()),
        ),
        &[&u],
    );
    Ok(())
}

async fn other_persons_application(
    fed: &Federation,
    sc: &mut Scenario,
) -> Result<(), BrowserError> {
    let a = user(fed, PersonaId::Valid);
    if !login_eapp(fed, sc, &a).await? {
        return Ok(());
    }
    let filed = file(fed, sc, &a).await?;
    let (image, pin) = card(fed, PersonaId::NoSignCert);
    let b = User::other_person(fed, image, &pin);
    let login = b.visit(&at(&fed.bank_url, "/login")).await?;
    sc.step(
        (
            "another person logs in at the bank with their own card",
            "別の人が自分のカードで銀行にログインする",
        ),
        &["TF-IDP-006"],
        expect(login.ok(), login.describe(), login.describe()),
        &[&b],
    );
    link(fed, sc, &b, (ACCOUNTS[1].0, ACCOUNTS[1].1)).await?;
    let request = form_field(&filed.body, "PaymentRequest").unwrap_or_default();
    let answer = b
        .browser
        .post_form(
            &at(&fed.bank_url, "/pay"),
            &[("PaymentRequest".into(), request)],
        )
        .await?;
    let refused = answer.status == 403 && answer.result().contains("another login");
    let paid = if refused || !answer.body.contains(r#"id="confirm""#) {
        None
    } else {
        Some(pay(&b, &answer).await?)
    };
    sc.step(
        (
            "the bank refuses to take the first person's application from them",
            "最初の人の申請の納付を銀行が拒否する",
        ),
        &["TF-BANK-002"],
        expect(
            refused,
            answer.result(),
            match paid {
                Some(p) => format!("the other person could pay it: {}", p.result()),
                None => format!("HTTP {}: {}", answer.status, answer.result()),
            },
        ),
        &[&b],
    );
    Ok(())
}

async fn unlinked_account(fed: &Federation, sc: &mut Scenario) -> Result<(), BrowserError> {
    let (image, pin) = card(fed, PersonaId::SignRevoked);
    let u = User::at_pc(fed, image, &pin);
    if !login_eapp(fed, sc, &u).await? {
        return Ok(());
    }
    let filed = file(fed, sc, &u).await?;
    let answer = u.browser.submit(&filed, "pay", &[]).await?;
    sc.step(
        (
            "the bank refuses: no account is linked to this login",
            "口座が連携されていないため銀行が拒否する",
        ),
        &["TF-BANK-001"],
        expect(
            answer.status == 403 && answer.result().contains("TF-BANK-001"),
            answer.result(),
            format!("HTTP {}: {}", answer.status, answer.result()),
        ),
        &[&u],
    );
    Ok(())
}

async fn replayed_notice(fed: &Federation, sc: &mut Scenario) -> Result<(), BrowserError> {
    let u = user(fed, PersonaId::Valid);
    if !login_eapp(fed, sc, &u).await? {
        return Ok(());
    }
    link(fed, sc, &u, (ACCOUNTS[0].0, ACCOUNTS[0].1)).await?;
    let filed = file(fed, sc, &u).await?;
    let confirm = u.browser.submit(&filed, "pay", &[]).await?;
    let paid = pay(&u, &confirm).await?;
    let evidence = u.evidence();
    let notice = evidence
        .iter()
        .rev()
        .find(|e| e.title.starts_with("POST /payment/notice"))
        .and_then(|e| e.content.split("PaymentNotice (decoded):\n").nth(1))
        .and_then(|rest| rest.split("\n\n→ HTTP").next())
        .map(|xml| STANDARD.encode(xml.trim_end()));
    sc.record(
        (
            "pay the fee: the notice marks the application paid",
            "手数料を支払い、通知で納付済みになる",
        ),
        &["TF-BANK-002"],
        expect(
            paid.result().starts_with("PAID") && notice.is_some(),
            paid.result(),
            format!("HTTP {}: {}", paid.status, paid.result()),
        ),
        evidence,
    );
    let replay = u
        .browser
        .post_form(
            &at(&fed.eapp_url, "/payment/notice"),
            &[("PaymentNotice".into(), notice.unwrap_or_default())],
        )
        .await?;
    sc.step(
        (
            "the same notice sent again is refused",
            "同じ通知の再送は拒否される",
        ),
        &["TF-BANK-002"],
        expect(
            replay.status == 403 && replay.result().contains("replay"),
            replay.result(),
            format!("HTTP {}: {}", replay.status, replay.result()),
        ),
        &[&u],
    );
    Ok(())
}
