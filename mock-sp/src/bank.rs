//! The bank's internet banking as an SP of the platform (TF-BANK-001, -002): on first use
//! the user links the pairwise NameID to their account with the bank's own login; then a
//! Pay-easy payment request signed by a government SP is checked, shown, confirmed by the
//! user and paid from the linked account, and a signed payment notice takes the user
//! back to the SP. The whole payment needs no second card operation: the platform's SSO
//! session logs the user in here.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde::Deserialize;
use trust_framework::payment::{self, PaymentNotice, PaymentRequest};
use trust_framework::saml::xml::escape;
use trust_framework::EntityId;

use crate::bank_pages;
use crate::ledger::{Ledger, Paid};
use crate::sp::{decode_xml_field, lock, random_token, ServiceProvider, SpSession};

/// An account at the bank.
#[derive(Clone, Debug)]
pub struct Account {
    /// 口座番号.
    pub number: String,
    /// The internet-banking password (the bank's own login, used to link).
    pub password: String,
    /// The holder's name.
    pub holder: String,
    /// The balance in yen.
    pub balance: u64,
}

/// A government SP whose payment requests the bank accepts, keys from the aggregate.
#[derive(Clone, Debug)]
pub struct CollectorTrust {
    /// Its entityID.
    pub entity_id: EntityId,
    /// Its signing certificates (DER).
    pub certs: Vec<Vec<u8>>,
    /// Origins of its ACS endpoints: a notice may only be returned there.
    pub origins: Vec<String>,
    /// The name people know it by (Japanese, English), from its metadata, if given.
    pub name: Option<(String, String)>,
}

/// Checks the bank can be told to skip, to show that the scenarios catch it. Never set
/// outside tests of the scenarios themselves.
#[derive(Clone, Copy, Debug, Default)]
pub struct BankDanger {
    /// Accept a payment request bound to another SSO session (another person's).
    pub danger_ignore_session_binding: bool,
}

/// A verified payment request waiting for the user's confirmation.
#[derive(Clone, Debug)]
struct Pending {
    request: PaymentRequest,
    expires: time::OffsetDateTime,
}

/// The bank.
pub struct Bank {
    sp: Arc<ServiceProvider>,
    collectors: Vec<CollectorTrust>,
    key_der: Vec<u8>,
    /// Accounts, links (TF-BANK-001) and the requests paid (each once), durable.
    ledger: Ledger,
    pending: Mutex<HashMap<String, Pending>>,
    danger: BankDanger,
}

#[derive(Deserialize)]
struct PayForm {
    #[serde(rename = "PaymentRequest")]
    request: String,
}

#[derive(Deserialize)]
struct PendingQuery {
    /// Missing in a mistyped or cut address: then no payment is in progress under it.
    #[serde(default)]
    p: String,
}

#[derive(Deserialize)]
struct LinkForm {
    account: String,
    password: String,
    #[serde(default)]
    next: Option<String>,
}

impl Bank {
    /// A payee as the confirmation page shows it: its name, else its entity ID.
    fn payee_name(&self, entity_id: &str) -> String {
        self.collectors
            .iter()
            .find(|c| c.entity_id.as_str() == entity_id)
            .and_then(|c| c.name.as_ref())
            .map_or_else(|| entity_id.to_owned(), |(ja, en)| format!("{ja} / {en}"))
    }

    /// A bank over `sp` with its accounts in memory, accepting requests from `collectors`.
    pub fn new(
        sp: Arc<ServiceProvider>,
        accounts: Vec<Account>,
        collectors: Vec<CollectorTrust>,
        danger: BankDanger,
    ) -> Result<Arc<Self>, String> {
        let ledger = Ledger::open(None, &accounts).map_err(|e| e.to_string())?;
        Self::with_ledger(sp, ledger, collectors, danger)
    }

    /// A bank over `sp` keeping its accounts in `ledger` (a file: what it acknowledged
    /// outlasts a crash), accepting requests from `collectors`.
    pub fn with_ledger(
        sp: Arc<ServiceProvider>,
        ledger: Ledger,
        collectors: Vec<CollectorTrust>,
        danger: BankDanger,
    ) -> Result<Arc<Self>, String> {
        let key_der = sp.key_der()?;
        Ok(Arc::new(Self {
            sp,
            collectors,
            key_der,
            ledger,
            pending: Mutex::default(),
            danger,
        }))
    }

    /// The SP underneath.
    pub fn sp(&self) -> &Arc<ServiceProvider> {
        &self.sp
    }

    /// The balance of an account.
    pub fn balance(&self, account: &str) -> Option<u64> {
        self.ledger
            .account(account)
            .ok()
            .flatten()
            .map(|a| a.balance)
    }

    /// Every route: the SP's and the bank's.
    pub fn router(self: &Arc<Self>) -> Router {
        let own = Router::new()
            .route("/pay", post(pay))
            .route("/pay/confirm", get(confirm))
            .route("/pay/execute", post(execute))
            .route("/link", get(link_form).post(link))
            .with_state(Arc::clone(self));
        self.sp.router().merge(own)
    }

    /// Checks a payment request: a government SP of the aggregate signed it, it is
    /// current and not paid, and its notice goes back to that SP.
    fn check_request(&self, encoded: &str) -> Result<PaymentRequest, String> {
        let xml = decode_xml_field(encoded, "payment request")?;
        let claimed = payment::claimed_issuer(&xml).map_err(|e| e.to_string())?;
        let collector = self
            .collectors
            .iter()
            .find(|c| c.entity_id.as_str() == claimed)
            .ok_or_else(|| {
                format!("TF-BANK-002: {claimed} is not a government SP of the federation metadata")
            })?;
        let request = payment::verify_request(&xml, &collector.certs, self.sp.now())
            .map_err(|e| format!("TF-BANK-002: {e}"))?;
        if !collector
            .origins
            .iter()
            .any(|o| request.notice_url.starts_with(&format!("{o}/")))
        {
            return Err(format!(
                "TF-BANK-002: the notice URL {} is not at {}",
                request.notice_url, collector.entity_id
            ));
        }
        if self
            .ledger
            .is_paid(&request.id)
            .map_err(|e| e.to_string())?
        {
            return Err(format!(
                "TF-BANK-002: payment request {} is already paid",
                request.id
            ));
        }
        Ok(request)
    }

    /// Who may pay `request`: the linked account of this session's user, in the same
    /// SSO session as the filing (TF-BANK-001, -002).
    fn payer(&self, session: &SpSession, request: &PaymentRequest) -> Result<Account, String> {
        let number = self
            .ledger
            .linked(&session.assertion.name_id)
            .map_err(|e| e.to_string())?
            .ok_or_else(|| {
                "TF-BANK-001: 口座が連携されていません / no account is linked to this login: link it at /link first".to_owned()
            })?;
        let same_session =
            session.assertion.session_index.as_deref() == Some(&request.session_index);
        if !same_session && !self.danger.danger_ignore_session_binding {
            return Err("TF-BANK-002: the payment request was issued to another login (another person's application)".into());
        }
        self.ledger
            .account(&number)
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("account {number} is closed"))
    }
}

/// Sends a user without a session here to log in by SSO, and back to `next` after.
fn login_then(next: &str) -> Response {
    Redirect::to(&format!("/login?next={}", encode(next))).into_response()
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The user arrives with a payment request: check it, keep it, log in by SSO if needed.
async fn pay(State(bank): State<Arc<Bank>>, Form(form): Form<PayForm>) -> Response {
    let request = match bank.check_request(&form.request) {
        Ok(r) => r,
        Err(why) => return bank_pages::refused(&bank.sp, StatusCode::FORBIDDEN, &why),
    };
    let token = random_token();
    let expires = request.expires;
    lock(&bank.pending).insert(token.clone(), Pending { request, expires });
    // The login (by the platform's session: no card) comes back to the confirmation.
    Redirect::to(&format!("/pay/confirm?p={token}")).into_response()
}

/// Shows the payment for confirmation: payee references, amount, account.
async fn confirm(
    State(bank): State<Arc<Bank>>,
    headers: HeaderMap,
    Query(q): Query<PendingQuery>,
) -> Response {
    let Some((_, session)) = bank.sp.session(&headers) else {
        return login_then(&format!("/pay/confirm?p={}", q.p));
    };
    let Some(p) = lock(&bank.pending)
        .get(&q.p)
        .cloned()
        .filter(|p| p.expires > bank.sp.now())
    else {
        return bank_pages::refused(
            &bank.sp,
            StatusCode::NOT_FOUND,
            "no such payment in progress",
        );
    };
    let account = match bank.payer(&session, &p.request) {
        Ok(a) => a,
        Err(why) => return bank_pages::refused(&bank.sp, StatusCode::FORBIDDEN, &why),
    };
    let r = &p.request;
    Html(format!(
        r#"<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8"><title>お支払いの確認 / Confirm the payment</title><style>body{{font-family:'Noto Sans CJK JP',sans-serif;max-width:40em;margin:3em auto;line-height:1.6}}th{{text-align:left;padding-right:1em}}.en{{color:#555}}details{{color:#555;font-size:0.9em}}</style></head><body>
<h1>お支払いの確認 <span class="en">/ Confirm the payment</span></h1>
<p>次の内容で支払います。よろしければ「支払う」を押してください。<br><span class="en" lang="en">Check the payment below, then press "Pay".</span></p>
<table>
<tr><th>お支払い先 <span class="en">/ payee</span></th><td>{payee}</td></tr>
<tr><th>申請番号 <span class="en">/ application</span></th><td>{application}</td></tr>
<tr><th>金額 <span class="en">/ amount</span></th><td>{amount} 円</td></tr>
<tr><th>引き落とし口座 <span class="en">/ from account</span></th><td>{account}（{holder}）</td></tr>
<tr><th>番号 <span class="en">/ references</span></th><td>収納機関番号: {collector}、納付番号: {number}、確認番号: {confirmation}</td></tr>
</table>
<form id="confirm" method="post" action="/pay/execute"><input type="hidden" name="p" value="{token}"><button type="submit">支払う / Pay</button></form>
<details><summary>技術的な情報 / Technical details</summary><pre id="result">PAYEE / お支払い先: {payee}
収納機関番号: {collector}
納付番号: {number}
確認番号: {confirmation}
APPLICATION: {application}
AMOUNT: {amount} JPY
FROM ACCOUNT: {account} ({holder})</pre></details>
</body></html>"#,
        payee = escape(&bank.payee_name(r.issuer.as_str())),
        collector = escape(&r.reference.collector),
        number = escape(&r.reference.payment_number),
        confirmation = escape(&r.reference.confirmation),
        application = escape(&r.application),
        amount = r.amount,
        account = escape(&account.number),
        holder = escape(&account.holder),
        token = escape(&q.p),
    ))
    .into_response()
}

/// The user confirmed: debit, mark paid, and return them to the SP with a signed notice.
async fn execute(
    State(bank): State<Arc<Bank>>,
    headers: HeaderMap,
    Form(q): Form<PendingQuery>,
) -> Response {
    let Some((_, session)) = bank.sp.session(&headers) else {
        return bank_pages::refused(&bank.sp, StatusCode::UNAUTHORIZED, "not logged in");
    };
    let Some(p) = lock(&bank.pending)
        .remove(&q.p)
        .filter(|p| p.expires > bank.sp.now())
    else {
        return bank_pages::refused(
            &bank.sp,
            StatusCode::NOT_FOUND,
            "no such payment in progress",
        );
    };
    let account = match bank.payer(&session, &p.request) {
        Ok(a) => a,
        Err(why) => return bank_pages::refused(&bank.sp, StatusCode::FORBIDDEN, &why),
    };
    let r = p.request;
    // The debit and the record of the request commit together, before the notice.
    let refused = |why: &str| bank_pages::refused(&bank.sp, StatusCode::FORBIDDEN, why);
    match bank.ledger.pay(&r.id, &account.number, r.amount) {
        Ok(Paid::Done) => {
            tracing::info!(application = %r.application, amount = r.amount, "payment made");
        }
        Ok(Paid::AlreadyPaid) => return refused("TF-BANK-002: already paid"),
        Ok(Paid::InsufficientFunds) => return refused("残高不足 / insufficient funds"),
        Ok(Paid::NoAccount) => return refused("the account is closed"),
        Err(e) => {
            return bank_pages::refused(&bank.sp, StatusCode::SERVICE_UNAVAILABLE, &e.to_string())
        }
    }
    let config = bank.sp.config();
    let Ok(issuer) = EntityId::new(&config.entity_id) else {
        return bank_pages::refused(
            &bank.sp,
            StatusCode::INTERNAL_SERVER_ERROR,
            "the bank's entityID is not valid",
        );
    };
    let notice = PaymentNotice {
        id: format!("_{}", random_token()),
        issuer,
        issued: bank.sp.now(),
        in_response_to: r.id.clone(),
        application: r.application.clone(),
        payment_number: r.reference.payment_number.clone(),
        amount: r.amount,
    };
    match payment::build_notice(&notice, &bank.key_der, &config.cert_der) {
        Ok(xml) => Html(format!(
            r#"<!DOCTYPE html><html><head><meta charset="utf-8"><title>お支払いが完了しました / Paid</title></head><body onload="document.forms[0].submit()"><form method="post" action="{}"><input type="hidden" name="PaymentNotice" value="{}"><noscript><button type="submit">続ける / Continue</button></noscript></form></body></html>"#,
            escape(&r.notice_url),
            STANDARD.encode(xml)
        ))
        .into_response(),
        Err(e) => bank_pages::refused(&bank.sp, StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
    }
}

async fn link_form(State(bank): State<Arc<Bank>>, headers: HeaderMap) -> Response {
    if bank.sp.session(&headers).is_none() {
        return login_then("/link");
    }
    bank_pages::link_form(&bank.sp)
}

/// First use (TF-BANK-001): the bank's own login links the pairwise NameID to the account.
async fn link(
    State(bank): State<Arc<Bank>>,
    headers: HeaderMap,
    Form(form): Form<LinkForm>,
) -> Response {
    let Some((_, session)) = bank.sp.session(&headers) else {
        return bank_pages::refused(&bank.sp, StatusCode::UNAUTHORIZED, "not logged in: /login");
    };
    let ok = bank
        .ledger
        .account(&form.account)
        .ok()
        .flatten()
        .is_some_and(|a| constant_time_eq(a.password.as_bytes(), form.password.as_bytes()));
    if !ok {
        return bank_pages::refused(
            &bank.sp,
            StatusCode::FORBIDDEN,
            "口座番号またはパスワードが違います / wrong account number or password",
        );
    }
    if let Err(e) = bank.ledger.link(&session.assertion.name_id, &form.account) {
        return bank_pages::refused(&bank.sp, StatusCode::SERVICE_UNAVAILABLE, &e.to_string());
    }
    match form
        .next
        .filter(|n| n.starts_with('/') && !n.starts_with("//"))
    {
        Some(next) => Redirect::to(&next).into_response(),
        None => bank_pages::linked(&bank.sp, &form.account),
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
