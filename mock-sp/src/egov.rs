//! The e-application system (電子申請システム): a government SP where a logged-in user
//! files an application (申請) with a fee, gets a signed Pay-easy payment request to take
//! to their bank, and sees the application marked paid when the bank's signed payment
//! notice comes back (TF-BANK-002).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde::Deserialize;
use std::sync::Mutex;
use time::Duration;
use trust_framework::payment::{self, PaymentReference, PaymentRequest};
use trust_framework::saml::xml::escape;
use trust_framework::EntityId;

use crate::egov_pages::{self as pages, Confirmed};
use crate::sp::{decode_xml_field, lock, random_token, ServiceProvider};

/// Where a professional logs in for proxy applications (the SP asks for the
/// qualification), and comes back to the proxy application form.
pub const PROXY_LOGIN: &str = "/login?attrs=1&next=/proxy/apply";

/// A procedure that can be filed, with its fee.
#[derive(Clone, Debug)]
pub struct Procedure {
    /// Its code (in forms).
    pub code: &'static str,
    /// Its name.
    pub name: &'static str,
    /// The fee in yen.
    pub fee: u64,
}

/// The procedures of the demo e-application system.
pub const PROCEDURES: [Procedure; 2] = [
    Procedure {
        code: "passport",
        name: "旅券の発給申請 / Passport application",
        fee: 16_000,
    },
    Procedure {
        code: "certificate",
        name: "証明書の交付請求 / Request for a certificate",
        fee: 1_200,
    },
];

/// Where an application stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    /// Filed; the fee is not paid.
    AwaitingPayment,
    /// The bank's notice settled it.
    Paid {
        /// The notice that did.
        notice: String,
    },
}

/// A filed application.
#[derive(Clone, Debug)]
pub struct Application {
    /// Its number.
    pub id: String,
    /// Who filed it (their NameID at this SP).
    pub owner: String,
    /// The procedure.
    pub procedure: &'static str,
    /// The fee.
    pub fee: u64,
    /// The payment request issued for it.
    pub payment_request: String,
    /// That request as signed (base64), as the citizen took it to the bank.
    pub payment_request_b64: String,
    /// The Pay-easy payment number.
    pub payment_number: String,
    /// Where it stands.
    pub status: Status,
}

/// A procedure professionals may file for a client (代理申請), and who may.
#[derive(Clone, Debug)]
pub struct ProxyProcedure {
    /// Its code (in forms).
    pub code: &'static str,
    /// Its name.
    pub name: &'static str,
    /// The professions allowed to file it (as qualifications name them).
    pub allowed: &'static [&'static str],
}

/// The procedures that may be filed by proxy (TF-PROXY-006).
pub const PROXY_PROCEDURES: [ProxyProcedure; 2] = [
    ProxyProcedure {
        code: "corporate-tax-return",
        name: "法人税の確定申告 / Corporate tax return",
        allowed: &["税理士"],
    },
    ProxyProcedure {
        code: "commercial-registration",
        name: "商業登記の申請 / Commercial registration",
        allowed: &["司法書士"],
    },
];

/// An attribute authority whose assertions this SP verifies (keys from the aggregate).
#[derive(Clone, Debug)]
pub struct AuthorityTrust {
    /// Its entityID.
    pub entity_id: EntityId,
    /// Its signing certificates (DER).
    pub certs: Vec<Vec<u8>>,
}

/// A proxy application as filed.
#[derive(Clone, Debug)]
pub struct ProxyApplication {
    /// Its number.
    pub id: String,
    /// The procedure.
    pub procedure: &'static str,
    /// The client it is filed for.
    pub client: String,
    /// The professional (their NameID at this SP).
    pub filed_by: String,
    /// Their qualification as confirmed: profession and registration number.
    pub qualification: (String, String),
    /// Who confirmed it (the platform, or an attribute authority).
    pub confirmed_by: String,
}

/// The bank whose notices this SP accepts, with its keys from the aggregate.
#[derive(Clone, Debug)]
pub struct BankTrust {
    /// The bank's entityID.
    pub entity_id: EntityId,
    /// Its payment-page URL (where the user takes the request).
    pub pay_url: String,
    /// Its signing certificates (DER).
    pub certs: Vec<Vec<u8>>,
}

/// The e-application SP.
pub struct EApplication {
    sp: Arc<ServiceProvider>,
    /// The 収納機関番号 of this system.
    collector: String,
    banks: Vec<BankTrust>,
    authorities: Vec<AuthorityTrust>,
    key_der: Vec<u8>,
    proxy_applications: Mutex<Vec<ProxyApplication>>,
    applications: Mutex<HashMap<String, Application>>,
    notices_seen: Mutex<HashSet<String>>,
    next_number: Mutex<u64>,
}

#[derive(Deserialize)]
struct ApplyForm {
    procedure: String,
}

#[derive(Deserialize)]
struct ProxyForm {
    procedure: String,
    client: String,
}

#[derive(Deserialize)]
struct NoticeForm {
    #[serde(rename = "PaymentNotice")]
    notice: String,
}

impl EApplication {
    /// An e-application system over `sp`, accepting payment notices from `banks` and
    /// qualification assertions from `authorities`.
    pub fn new(
        sp: Arc<ServiceProvider>,
        collector: &str,
        banks: Vec<BankTrust>,
        authorities: Vec<AuthorityTrust>,
    ) -> Result<Arc<Self>, String> {
        let key_der = sp.key_der()?;
        PaymentReference::new(collector, "1", "000000").map_err(|e| e.to_string())?;
        Ok(Arc::new(Self {
            sp,
            collector: collector.to_owned(),
            banks,
            authorities,
            key_der,
            proxy_applications: Mutex::default(),
            applications: Mutex::default(),
            notices_seen: Mutex::default(),
            next_number: Mutex::new(1),
        }))
    }

    /// The SP underneath.
    pub fn sp(&self) -> &Arc<ServiceProvider> {
        &self.sp
    }

    /// An application by number.
    pub fn application(&self, id: &str) -> Option<Application> {
        lock(&self.applications).get(id).cloned()
    }

    /// The newest application still waiting for its fee.
    pub fn latest_awaiting_payment(&self) -> Option<Application> {
        lock(&self.applications)
            .values()
            .filter(|a| a.status == Status::AwaitingPayment)
            .max_by(|a, b| a.id.cmp(&b.id))
            .cloned()
    }

    /// Every route: the SP's and the application's.
    pub fn router(self: &Arc<Self>) -> Router {
        let own = Router::new()
            .route("/apply", get(apply_form).post(apply))
            .route("/applications/{id}", get(show))
            .route("/payment/notice", post(notice))
            .route("/proxy/apply", get(proxy_form).post(proxy_apply))
            .with_state(Arc::clone(self));
        self.sp.router().merge(own)
    }

    fn numbers(&self) -> (String, String, String) {
        let mut n = lock(&self.next_number);
        let k = *n;
        *n += 1;
        // Confirmation numbers are random: knowing a payment number is not enough to pay.
        let confirmation = u32::from_str_radix(&random_token()[..5], 16).unwrap_or(0) % 1_000_000;
        (
            format!("APP-{k:06}"),
            format!("{:016}", 2026_0000_0000_0000u64 + k),
            format!("{confirmation:06}"),
        )
    }
}

/// The application form: the procedures and their fees (a login first, then back here).
async fn apply_form(State(app): State<Arc<EApplication>>, headers: HeaderMap) -> Response {
    if app.sp.session(&headers).is_none() {
        return axum::response::Redirect::to("/login?next=/apply").into_response();
    }
    let choices: String = PROCEDURES
        .iter()
        .enumerate()
        .map(|(i, p)| {
            format!(
                r#"<p><label><input type="radio" name="procedure" value="{}"{}> {}（手数料 {} 円 / fee {} yen）</label></p>"#,
                escape(p.code),
                if i == 0 { " checked" } else { "" },
                escape(p.name),
                p.fee,
                p.fee
            )
        })
        .collect();
    Html(format!(
        r#"<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8"><title>電子申請 / File an application</title><style>body{{font-family:'Noto Sans CJK JP',sans-serif;max-width:40em;margin:3em auto;line-height:1.6}}</style></head><body>
<h1>電子申請システム <span lang="en">/ e-application system</span></h1>
<p>申請する手続きを選んでください。手数料は、申請の後に銀行で支払えます。<br><span lang="en">Choose the procedure. You can pay its fee at your bank after filing.</span></p>
<form id="apply" method="post" action="/apply">{choices}<button type="submit">申請する / File</button></form>
</body></html>"#
    ))
    .into_response()
}

/// Files an application and answers with the payment request to take to the bank.
async fn apply(
    State(app): State<Arc<EApplication>>,
    headers: HeaderMap,
    Form(form): Form<ApplyForm>,
) -> Response {
    let Some((_, session)) = app.sp.session(&headers) else {
        return pages::refused(&app.sp, StatusCode::UNAUTHORIZED, "not logged in: /login");
    };
    let Some(procedure) = PROCEDURES.iter().find(|p| p.code == form.procedure) else {
        return pages::refused(&app.sp, StatusCode::BAD_REQUEST, "no such procedure");
    };
    let Some(bank) = app.banks.first() else {
        return pages::refused(
            &app.sp,
            StatusCode::SERVICE_UNAVAILABLE,
            "no bank in the federation metadata",
        );
    };
    let Some(session_index) = session.assertion.session_index.clone() else {
        return pages::refused(
            &app.sp,
            StatusCode::FORBIDDEN,
            "the login has no SessionIndex to bind a payment to",
        );
    };
    let (id, payment_number, confirmation) = app.numbers();
    let reference = match PaymentReference::new(&app.collector, &payment_number, &confirmation) {
        Ok(r) => r,
        Err(e) => {
            return pages::refused(&app.sp, StatusCode::INTERNAL_SERVER_ERROR, &e.to_string())
        }
    };
    let config = app.sp.config();
    let Ok(issuer) = EntityId::new(&config.entity_id) else {
        return pages::refused(
            &app.sp,
            StatusCode::INTERNAL_SERVER_ERROR,
            "the SP's entityID is not valid",
        );
    };
    let issued = app.sp.now();
    let request = PaymentRequest {
        id: format!("_{}", random_token()),
        issuer,
        issued,
        expires: issued + Duration::minutes(30),
        application: id.clone(),
        reference,
        amount: procedure.fee,
        session_index,
        notice_url: app.sp.url("/payment/notice"),
    };
    let xml = match payment::build_request(&request, &app.key_der, &config.cert_der) {
        Ok(x) => x,
        Err(e) => {
            return pages::refused(&app.sp, StatusCode::INTERNAL_SERVER_ERROR, &e.to_string())
        }
    };
    lock(&app.applications).insert(
        id.clone(),
        Application {
            id: id.clone(),
            owner: session.assertion.name_id.clone(),
            procedure: procedure.code,
            fee: procedure.fee,
            payment_request: request.id.clone(),
            payment_request_b64: STANDARD.encode(&xml),
            payment_number: request.reference.payment_number.clone(),
            status: Status::AwaitingPayment,
        },
    );
    pages::filed(
        &app.sp,
        (&id, procedure.name, procedure.fee),
        &pages::PayEasy {
            collector: &app.collector,
            number: &request.reference.payment_number,
            confirmation: &request.reference.confirmation,
        },
        (&bank.pay_url, &STANDARD.encode(&xml)),
    )
}

/// An application's status, to its owner.
async fn show(
    State(app): State<Arc<EApplication>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let Some((_, session)) = app.sp.session(&headers) else {
        return pages::refused(&app.sp, StatusCode::UNAUTHORIZED, "not logged in: /login");
    };
    match app.application(&id) {
        Some(a) if a.owner == session.assertion.name_id => pages::status(&app.sp, &a),
        _ => pages::refused(
            &app.sp,
            StatusCode::NOT_FOUND,
            "no such application of yours",
        ),
    }
}

/// The bank's payment notice (消込通知): signed by a bank of the aggregate, for an open
/// payment request of ours, of the right amount, and never seen before.
async fn notice(State(app): State<Arc<EApplication>>, Form(form): Form<NoticeForm>) -> Response {
    match settle(&app, &form.notice) {
        Ok(a) => Html(format!(
            r#"<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8"><title>納付済み / Paid</title><style>body{{font-family:'Noto Sans CJK JP',sans-serif;max-width:40em;margin:3em auto;line-height:1.6}}</style></head><body>
<h1>手数料の納付を確認しました <span lang="en">/ The fee is paid</span></h1>
<p id="message">銀行からの納付の通知を受け取り、申請 {id} は納付済みになりました。<br><span lang="en">The bank's payment notice has arrived: application {id} is paid.</span></p>
<p><a href="/applications/{id}">申請の状況を見る / See the application</a></p>
<details><summary>技術的な情報 / Technical details</summary><pre id="result">PAID: {id}</pre></details>
</body></html>"#,
            id = escape(&a)
        ))
        .into_response(),
        Err(why) => pages::refused(&app.sp, StatusCode::FORBIDDEN, &why),
    }
}

fn settle(app: &EApplication, encoded: &str) -> Result<String, String> {
    let xml = decode_xml_field(encoded, "notice")?;
    let claimed = payment::claimed_issuer(&xml).map_err(|e| e.to_string())?;
    let bank = app
        .banks
        .iter()
        .find(|b| b.entity_id.as_str() == claimed)
        .ok_or_else(|| {
            format!("TF-BANK-002: {claimed} is not a bank of the federation metadata")
        })?;
    let n = payment::verify_notice(&xml, &bank.certs).map_err(|e| format!("TF-BANK-002: {e}"))?;
    // Each notice once (TF-BANK-002): a replayed notice must not settle anything again.
    if !lock(&app.notices_seen).insert(n.id.clone()) {
        return Err(format!(
            "TF-BANK-002: payment notice {} was already used (replay)",
            n.id
        ));
    }
    let mut apps = lock(&app.applications);
    let a = apps
        .get_mut(&n.application)
        .ok_or_else(|| format!("TF-BANK-002: no application {}", n.application))?;
    if a.payment_request != n.in_response_to || a.payment_number != n.payment_number {
        return Err("TF-BANK-002: the notice is for another payment request".into());
    }
    if a.fee != n.amount {
        return Err(format!(
            "TF-BANK-002: {} JPY paid, {} JPY due",
            n.amount, a.fee
        ));
    }
    if a.status != Status::AwaitingPayment {
        return Err(format!("TF-BANK-002: application {} is already paid", a.id));
    }
    a.status = Status::Paid { notice: n.id };
    Ok(a.id.clone())
}

/// A proxy application (TF-PROXY-006): for a named client, by a professional whose
/// qualification this login confirmed, of a profession allowed for the procedure.
async fn proxy_apply(
    State(app): State<Arc<EApplication>>,
    headers: HeaderMap,
    Form(form): Form<ProxyForm>,
) -> Response {
    let Some((_, session)) = app.sp.session(&headers) else {
        return pages::refused(
            &app.sp,
            StatusCode::UNAUTHORIZED,
            "not logged in: /login?attrs=1",
        );
    };
    let Some(procedure) = PROXY_PROCEDURES.iter().find(|p| p.code == form.procedure) else {
        return pages::refused(
            &app.sp,
            StatusCode::BAD_REQUEST,
            "no such procedure for proxy applications",
        );
    };
    let client = form.client.trim();
    if client.is_empty() || client.chars().count() > 100 || client.chars().any(char::is_control) {
        return pages::refused(
            &app.sp,
            StatusCode::BAD_REQUEST,
            "TF-PROXY-006: name the client (1 to 100 characters)",
        );
    }
    let (profession, number, confirmed_by) = match confirmed_qualification(&app, &session.assertion)
    {
        Ok(q) => q,
        Err(why) => return pages::refused(&app.sp, StatusCode::FORBIDDEN, &why),
    };
    if !procedure.allowed.contains(&profession.as_str()) {
        return pages::refused(
            &app.sp,
            StatusCode::FORBIDDEN,
            &format!(
                "TF-PROXY-006: a {profession} may not file {} (allowed: {})",
                procedure.name,
                procedure.allowed.join(", ")
            ),
        );
    }
    let id = {
        let mut n = lock(&app.next_number);
        let k = *n;
        *n += 1;
        format!("PRX-{k:06}")
    };
    lock(&app.proxy_applications).push(ProxyApplication {
        id: id.clone(),
        procedure: procedure.code,
        client: client.to_owned(),
        filed_by: session.assertion.name_id.clone(),
        qualification: (profession.clone(), number.clone()),
        confirmed_by: confirmed_by.clone(),
    });
    let result = format!("PROXY APPLICATION: {id}\nPROCEDURE: {}\nCLIENT: {client}\nFILED BY: {profession} {number}\nCONFIRMED BY: {confirmed_by}", procedure.name);
    let confirmed = Confirmed {
        profession: &profession,
        number: &number,
        by_platform: confirmed_by == app.sp.config().idp_entity_id,
    };
    pages::proxy_filed(&app.sp, (&id, procedure.name, client), &confirmed, &result)
}

/// The proxy application form, once this login confirmed a qualification; a login for
/// proxy applications first, and back here after it.
async fn proxy_form(State(app): State<Arc<EApplication>>, headers: HeaderMap) -> Response {
    let Some((_, session)) = app.sp.session(&headers) else {
        return axum::response::Redirect::to(PROXY_LOGIN).into_response();
    };
    match confirmed_qualification(&app, &session.assertion) {
        Ok((profession, number, by)) => pages::proxy_form(
            &app.sp,
            &Confirmed {
                profession: &profession,
                number: &number,
                by_platform: by == app.sp.config().idp_entity_id,
            },
        ),
        Err(why) => pages::refused(&app.sp, StatusCode::FORBIDDEN, &why),
    }
}

/// The qualification of this login, confirmed: from the platform's signed assertion
/// (model 1), or from an attribute authority's assertion this SP verifies itself
/// (model 2, TF-PROXY-005). (profession, registration number, who confirmed it).
fn confirmed_qualification(
    app: &EApplication,
    a: &trust_framework::saml::sp::VerifiedAssertion,
) -> Result<(String, String, String), String> {
    use trust_framework::saml::constants::attr;
    let one = |name: &str| a.attribute(name).and_then(|v| v.first()).cloned();
    if let Some(why) = one(attr::QUALIFICATION_ERROR) {
        return Err(format!(
            "TF-PROXY-003: the qualification could not be confirmed: {why}"
        ));
    }
    let source = one(attr::QUALIFICATION_SOURCE)
        .ok_or("TF-PROXY-006: this login carries no qualification: log in for proxy applications (/login?attrs=1)")?;
    if source == app.sp.config().idp_entity_id {
        let profession = one(attr::PROFESSION).ok_or("TF-PROXY-003: no profession")?;
        let number = one(attr::REGISTRATION_NUMBER).unwrap_or_default();
        return Ok((profession, number, source));
    }
    let authority = app
        .authorities
        .iter()
        .find(|t| t.entity_id.as_str() == source)
        .ok_or_else(|| {
            format!(
                "TF-PROXY-005: {source} is not an attribute authority of the federation metadata"
            )
        })?;
    let encoded = one(attr::QUALIFICATION_ASSERTION)
        .ok_or("TF-PROXY-005: no assertion of the attribute authority")?;
    let xml = STANDARD
        .decode(encoded)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or("TF-PROXY-005: the authority's assertion is not base64 UTF-8")?;
    let verified = trust_framework::saml::attribute_query::verify_assertion(
        &xml,
        authority.entity_id.as_str(),
        &authority.certs,
        &a.name_id,
        &app.sp.config().entity_id,
        app.sp.now(),
    )
    .map_err(|e| format!("TF-PROXY-005: {e}"))?;
    let profession = verified
        .value(attr::PROFESSION)
        .ok_or("TF-PROXY-005: the authority named no profession")?;
    let number = verified
        .value(attr::REGISTRATION_NUMBER)
        .unwrap_or_default();
    Ok((profession.to_owned(), number.to_owned(), source))
}
