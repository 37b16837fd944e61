//! The reference cases: proxy applications (代理申請) by licensed professionals (士業), who
//! log in with their own My Number Card and file for a client, their qualification
//! checked. Model 1: the qualification is registered at the platform with a document
//! signed by the 士業 key (TF-PROXY-001). Model 2: it is registered at the 士業 body's
//! attribute authority, which the platform asks at login (TF-PROXY-002, -004); the SP
//! verifies the authority's assertion itself (TF-PROXY-005). Either way the e-application
//! system accepts a proxy application only for a profession allowed for the procedure
//! (TF-PROXY-006), and a qualification that cannot be confirmed is not (TF-PROXY-003).

use std::sync::atomic::Ordering;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use mock_ca::{PersonaId, Reason};
use reports::Case;
use rsa::pkcs8::EncodePrivateKey;
use time::Duration;
use trust_framework::proxy::{self, Registration};
use trust_framework::saml::attribute_query::{
    self, AttributeQuery, AttributeQueryError, QuerySubject, STATUS_REQUEST_DENIED,
};
use trust_framework::saml::constants::attr;

use super::{at, case, user};
use crate::browser::BrowserError;
use crate::federation::Federation;
use crate::scenario::{expect, named, or_none, outcome, Scenario};
use crate::user::User;

/// The suite's name.
pub(crate) const SUITE: &str = "Proxy applications by licensed professionals / 士業による代理申請";

/// Its variants.
pub(crate) const CASES: &[&str] = &[
    "proxy.model1-register-at-the-platform-and-file",
    "proxy.model1-profession-not-allowed-for-the-procedure",
    "proxy.model1-registration-not-signed-by-a-shigyo-ca-refused",
    "proxy.model1-someone-elses-card-refused",
    "proxy.model2-register-at-the-authority-and-file",
    "proxy.model2-someone-elses-card-refused",
    "proxy.model2-authority-unreachable-fails-closed",
    "proxy.model2-bad-signature-on-the-answer-refused",
    "proxy.model2-requester-not-in-the-metadata-refused",
    "proxy.model1-expired-shigyo-certificate-withdraws",
    "proxy.model1-revoked-shigyo-certificate-withdraws",
    "proxy.model2-revoked-shigyo-certificate-withdraws",
];

/// 司法書士 (model 1) and 税理士 (model 2).
const SCRIVENER: PersonaId = PersonaId::JudicialScrivener;
const ACCOUNTANT: PersonaId = PersonaId::TaxAccountant;

pub(crate) async fn run(fed: &Federation, id: &str) -> Option<Case> {
    Some(match id {
        "proxy.model1-register-at-the-platform-and-file" => case!(fed, id, "Model 1: a 司法書士 registers at the platform with the 士業 key, then files a registration for a client", "モデル1: 司法書士がプラットフォームに資格を登録し、依頼人の登記を代理申請する", model1_file),
        "proxy.model1-profession-not-allowed-for-the-procedure" => case!(fed, id, "A profession not allowed for the procedure is refused", "手続に認められていない士業の代理申請は拒否される", model1_not_allowed),
        "proxy.model1-registration-not-signed-by-a-shigyo-ca-refused" => case!(fed, id, "A registration signed with a key not from a 士業 CA is refused", "士業認証局以外の鍵で署名された登録は拒否される", model1_wrong_signer),
        "proxy.model1-someone-elses-card-refused" => case!(fed, id, "Registering someone else's card certificate is refused", "他人のカードの証明書の登録は拒否される", model1_other_card),
        "proxy.model2-register-at-the-authority-and-file" => case!(fed, id, "Model 2: a 税理士 registers at the 税理士 body's authority, then files a tax return for a client", "モデル2: 税理士が税理士会の属性認証機関に登録し、依頼人の申告を代理申請する", model2_file),
        "proxy.model2-someone-elses-card-refused" => case!(fed, id, "Registering someone else's card at the authority is refused", "属性認証機関への他人のカードの登録は拒否される", model2_other_card),
        "proxy.model2-authority-unreachable-fails-closed" => case!(fed, id, "The authority unreachable: the qualification is not confirmed and the application refused", "属性認証機関に接続できないと資格は確認されず、申請は拒否される", model2_unreachable),
        "proxy.model2-bad-signature-on-the-answer-refused" => case!(fed, id, "An answer with a bad signature is refused", "署名の不正な回答は拒否される", model2_bad_signature),
        "proxy.model2-requester-not-in-the-metadata-refused" => case!(fed, id, "The authority refuses a requester not in the federation metadata", "メタデータにない照会者には属性認証機関が回答しない", model2_unknown_requester),
        "proxy.model1-expired-shigyo-certificate-withdraws" => case!(fed, id, "An expired 士業 certificate withdraws the qualification", "士業の証明書が期限切れになると資格は確認されない", model1_expired),
        "proxy.model1-revoked-shigyo-certificate-withdraws" => case!(fed, id, "Model 1: revoking the 士業 certificate withdraws the qualification at the next login", "モデル1: 士業の証明書を失効させると次のログインで資格は確認されない", model1_revoked),
        "proxy.model2-revoked-shigyo-certificate-withdraws" => case!(fed, id, "Model 2: the authority withdraws a revoked 士業 certificate's qualification", "モデル2: 失効した士業の証明書の資格は属性認証機関が回答しない", model2_revoked),
        _ => return None,
    })
}

/// The professional's 士業 signing software: a registration for `audience`, naming `card`.
fn signed_registration(
    fed: &Federation,
    persona: PersonaId,
    audience: &str,
    card: Vec<u8>,
    nonce: Option<String>,
    with_card_signature_key: bool,
) -> Result<String, String> {
    let p = fed.ca.pki.persona(persona);
    let credential = if with_card_signature_key {
        p.card.sign.clone().ok_or("no signature certificate")?
    } else {
        p.professional
            .clone()
            .ok_or("not a professional")?
            .credential
    };
    let key = credential.key.to_pkcs8_der().map_err(|e| e.to_string())?;
    let r = Registration {
        // Unique per registration (a time-derived ID repeats within a second).
        id: trust_framework::saml::xml::new_id(rand::random()),
        issued: fed.clock.now(),
        audience: audience.to_owned(),
        nonce,
        card_certificate: card,
    };
    proxy::build(&r, key.as_bytes(), &credential.issued.der).map_err(|e| e.to_string())
}

fn card_der(fed: &Federation, persona: PersonaId) -> Vec<u8> {
    fed.ca.pki.persona(persona).card.auth.issued.der.clone()
}

/// Logs in at the e-application system with the card.
async fn login(fed: &Federation, sc: &mut Scenario, u: &User) -> Result<bool, BrowserError> {
    let l = u.visit(&at(&fed.eapp_url, "/login")).await?;
    sc.step(
        (
            "the professional logs in at the e-application system with their own card",
            "士業が自分のカードで電子申請システムにログインする",
        ),
        &["TF-IDP-006"],
        expect(l.ok(), l.describe(), l.describe()),
        &[u],
    );
    Ok(l.ok())
}

/// Model 1 registration at the platform; the page.
async fn register_at_platform(
    fed: &Federation,
    u: &User,
    document: String,
) -> Result<crate::browser::Page, BrowserError> {
    u.browser
        .post_form(
            &at(&fed.platform_url, "/proxy/register"),
            &[("Registration".into(), STANDARD.encode(document))],
        )
        .await
}

/// Logs in for proxy applications (the SP asks for the qualification) and files one.
async fn file(
    fed: &Federation,
    sc: &mut Scenario,
    u: &User,
    procedure: &str,
    expect_filed: bool,
    why: &str,
) -> Result<crate::browser::Page, BrowserError> {
    let l = u.visit(&at(&fed.eapp_url, "/login?attrs=1")).await?;
    let profession = l.attribute(attr::PROFESSION);
    let error = l.attribute(attr::QUALIFICATION_ERROR);
    sc.step(
        (
            "log in for proxy applications: the SP asks the platform for the qualification",
            "代理申請用にログインし、サービスが資格を求める",
        ),
        &["TF-PROXY-003"],
        expect(
            l.ok() && (profession.is_some() == expect_filed || !expect_filed),
            format!(
                "{}; {}{}",
                l.describe(),
                named("profession", profession.as_deref()),
                error
                    .as_deref()
                    .map(|e| format!("; not confirmed: {e}"))
                    .unwrap_or_default()
            ),
            format!(
                "{}; {}, {}",
                l.describe(),
                named("profession", profession.as_deref()),
                named("qualification error", error.as_deref())
            ),
        ),
        &[u],
    );
    let page = u
        .browser
        .post_form(
            &at(&fed.eapp_url, "/proxy/apply"),
            &[
                ("procedure".into(), procedure.into()),
                ("client".into(), "株式会社みらい商事".into()),
            ],
        )
        .await?;
    let filed = page.result().starts_with("PROXY APPLICATION");
    let name = if expect_filed {
        (
            "file the proxy application for the client: accepted",
            "依頼人のための代理申請が受け付けられる",
        )
    } else {
        (
            "the proxy application is refused, saying why",
            "代理申請は理由とともに拒否される",
        )
    };
    let outcome = if expect_filed {
        expect(
            filed,
            page.result(),
            format!("HTTP {}: {}", page.status, page.result()),
        )
    } else {
        expect(
            !filed && page.status == 403 && page.result().contains(why),
            page.result(),
            format!(
                "expected a refusal naming \"{why}\": HTTP {} {}",
                page.status,
                page.result()
            ),
        )
    };
    sc.step(name, &["TF-PROXY-006"], outcome, &[u]);
    Ok(page)
}

async fn registered_scrivener(
    fed: &Federation,
    sc: &mut Scenario,
) -> Result<Option<User>, BrowserError> {
    let u = user(fed, SCRIVENER);
    if !login(fed, sc, &u).await? {
        return Ok(None);
    }
    let doc = signed_registration(
        fed,
        SCRIVENER,
        fed.platform.entity_id.as_str(),
        card_der(fed, SCRIVENER),
        None,
        false,
    );
    let page = match doc {
        Ok(d) => register_at_platform(fed, &u, d).await?,
        Err(e) => {
            sc.record(
                ("sign the registration", "登録を署名する"),
                &[],
                Err(e),
                Vec::new(),
            );
            return Ok(None);
        }
    };
    sc.step(
        (
            "register the qualification at the platform, signed with the 士業 key",
            "士業の鍵で署名した資格登録をプラットフォームに送る",
        ),
        &["TF-PROXY-001"],
        expect(
            page.result().starts_with("REGISTERED: 司法書士"),
            page.result().lines().take(2).collect::<Vec<_>>().join("; "),
            format!(
                "HTTP {}: {}",
                page.status,
                crate::browser::unescape(&page.body)
            ),
        ),
        &[&u],
    );
    Ok(Some(u))
}

async fn model1_file(fed: &Federation, sc: &mut Scenario) -> Result<(), BrowserError> {
    let Some(u) = registered_scrivener(fed, sc).await? else {
        return Ok(());
    };
    let page = file(fed, sc, &u, "commercial-registration", true, "").await?;
    confirmed_by(sc, &page, fed.platform.entity_id.as_str(), "TF-PROXY-001");
    sc.step(
        ("the card was used once", "カード操作は1回だけ"),
        &["TF-IDP-010"],
        expect(
            u.card.signatures() == 1,
            "one card signature for the login, the registration and the application",
            format!("card signatures: {}", u.card.signatures()),
        ),
        &[],
    );
    Ok(())
}

async fn model1_not_allowed(fed: &Federation, sc: &mut Scenario) -> Result<(), BrowserError> {
    let Some(u) = registered_scrivener(fed, sc).await? else {
        return Ok(());
    };
    file(fed, sc, &u, "corporate-tax-return", false, "may not file")
        .await
        .map(|_| ())
}

async fn model1_refused_registration(
    fed: &Federation,
    sc: &mut Scenario,
    doc: Result<String, String>,
    name: (&str, &str),
    word: &str,
) -> Result<(), BrowserError> {
    let u = user(fed, SCRIVENER);
    if !login(fed, sc, &u).await? {
        return Ok(());
    }
    let page = match doc {
        Ok(d) => register_at_platform(fed, &u, d).await?,
        Err(e) => {
            sc.record(name, &[], Err(e), Vec::new());
            return Ok(());
        }
    };
    let said = crate::browser::unescape(&page.body);
    sc.step(
        name,
        &["TF-PROXY-001"],
        expect(
            page.status == 403 && said.contains(word),
            format!("refused: {}", crate::user::error_text(&said)),
            format!("HTTP {}: {}", page.status, crate::user::error_text(&said)),
        ),
        &[&u],
    );
    Ok(())
}

async fn model1_wrong_signer(fed: &Federation, sc: &mut Scenario) -> Result<(), BrowserError> {
    // A common mistake: signing with the My Number Card's signature certificate.
    let doc = signed_registration(
        fed,
        SCRIVENER,
        fed.platform.entity_id.as_str(),
        card_der(fed, SCRIVENER),
        None,
        true,
    );
    model1_refused_registration(
        fed,
        sc,
        doc,
        (
            "a registration signed with the card's signature key is refused",
            "カードの署名用鍵で署名した登録は拒否される",
        ),
        "not a valid 士業 certificate",
    )
    .await
}

async fn model1_other_card(fed: &Federation, sc: &mut Scenario) -> Result<(), BrowserError> {
    let doc = signed_registration(
        fed,
        SCRIVENER,
        fed.platform.entity_id.as_str(),
        card_der(fed, PersonaId::Valid),
        None,
        false,
    );
    model1_refused_registration(
        fed,
        sc,
        doc,
        (
            "a registration naming another person's card is refused",
            "他人のカードを指定した登録は拒否される",
        ),
        "names another card",
    )
    .await
}

/// Model 2 registration at the authority: its challenge signed by `signing_card`'s card,
/// the document naming `named` card. The JSON answer.
async fn register_at_authority(
    fed: &Federation,
    u: &User,
    named: Vec<u8>,
) -> Result<Result<serde_json::Value, String>, BrowserError> {
    let (status, c) = u
        .browser
        .post_json(
            &at(&fed.authority_url, "/register/challenge"),
            None,
            serde_json::json!({}),
        )
        .await?;
    if status != 200 {
        return Ok(Err(format!("no challenge: HTTP {status}")));
    }
    let nonce = c["nonce"].as_str().unwrap_or_default().to_owned();
    let audience = c["audience"].as_str().unwrap_or_default().to_owned();
    let (cert, sig) = match u.card.sign(
        c["challenge"].as_str().unwrap_or_default(),
        "1234",
        &fed.authority_url,
        fed.clock.now(),
    ) {
        Ok(s) => s,
        Err(e) => return Ok(Err(e.to_string())),
    };
    let doc = match signed_registration(
        fed,
        ACCOUNTANT,
        &audience,
        named,
        Some(nonce.clone()),
        false,
    ) {
        Ok(d) => d,
        Err(e) => return Ok(Err(e)),
    };
    let body = serde_json::json!({
        "nonce": nonce,
        "certificate": STANDARD.encode(cert),
        "signature": STANDARD.encode(sig),
        "registration": STANDARD.encode(doc),
    });
    let (status, a) = u
        .browser
        .post_json(&at(&fed.authority_url, "/register"), None, body)
        .await?;
    Ok(if status == 200 {
        Ok(a)
    } else {
        Err(a["error"].as_str().unwrap_or("refused").to_owned())
    })
}

async fn registered_accountant(
    fed: &Federation,
    sc: &mut Scenario,
) -> Result<Option<User>, BrowserError> {
    let u = user(fed, ACCOUNTANT);
    let answer = register_at_authority(fed, &u, card_der(fed, ACCOUNTANT)).await?;
    sc.step(
        (
            "register the card at the 税理士 body's authority, proving both keys",
            "税理士会の属性認証機関にカードを登録する（両方の鍵で証明）",
        ),
        &["TF-PROXY-004"],
        expect(
            answer.as_ref().is_ok_and(|a| a["registered"] == "税理士"),
            match &answer {
                Ok(a) => format!(
                    "registered: {}, number {}, {}",
                    a["registered"].as_str().unwrap_or_default(),
                    a["registration_number"].as_str().unwrap_or_default(),
                    a["body"].as_str().unwrap_or_default()
                ),
                Err(e) => e.clone(),
            },
            match &answer {
                Ok(a) => format!("not registered as 税理士: the authority answered {a}"),
                Err(e) => format!("refused: {e}"),
            },
        ),
        &[&u],
    );
    if !login(fed, sc, &u).await? {
        return Ok(None);
    }
    Ok(Some(u))
}

async fn model2_file(fed: &Federation, sc: &mut Scenario) -> Result<(), BrowserError> {
    let Some(u) = registered_accountant(fed, sc).await? else {
        return Ok(());
    };
    let page = file(fed, sc, &u, "corporate-tax-return", true, "").await?;
    let authority = format!("{}/aa", fed.authority_url);
    confirmed_by(sc, &page, &authority, "TF-PROXY-005");
    Ok(())
}

/// The SP says who confirmed the qualification it accepted.
fn confirmed_by(sc: &mut Scenario, page: &crate::browser::Page, expected: &str, requirement: &str) {
    let by = page.field("CONFIRMED BY");
    sc.record(
        (
            "the SP names who confirmed the qualification",
            "サービスが資格の確認元を示す",
        ),
        &[requirement],
        expect(
            by.as_deref() == Some(expected),
            format!("confirmed by {expected}"),
            format!(
                "confirmed by {}, expected {expected}",
                or_none(by.as_deref())
            ),
        ),
        Vec::new(),
    );
}

async fn model2_other_card(fed: &Federation, sc: &mut Scenario) -> Result<(), BrowserError> {
    let u = user(fed, ACCOUNTANT);
    let answer = register_at_authority(fed, &u, card_der(fed, PersonaId::Valid)).await?;
    sc.step(
        (
            "a registration naming another person's card is refused by the authority",
            "他人のカードを指定した登録を属性認証機関が拒否する",
        ),
        &["TF-PROXY-004"],
        expect(
            answer
                .as_ref()
                .is_err_and(|e| e.contains("names another card")),
            format!(
                "refused: {}",
                answer.as_ref().err().cloned().unwrap_or_default()
            ),
            match &answer {
                Ok(a) => format!("registered: the authority answered {a}"),
                Err(e) => format!("refused: {e}"),
            },
        ),
        &[&u],
    );
    // Nothing was stored for that card: its holder has no qualification.
    let other = user(fed, PersonaId::Valid);
    let l = other.visit(&at(&fed.eapp_url, "/login?attrs=1")).await?;
    let error = l.attribute(attr::QUALIFICATION_ERROR).unwrap_or_default();
    sc.step(
        (
            "the named card's holder has no qualification afterwards",
            "指定されたカードの持ち主に資格は付かない",
        ),
        &["TF-PROXY-004", "TF-PROXY-003"],
        expect(
            l.ok()
                && l.attribute(attr::PROFESSION).is_none()
                && error.contains("no qualification is registered"),
            format!("not confirmed: {error}"),
            format!(
                "{}; {}, {}",
                l.describe(),
                named("profession", l.attribute(attr::PROFESSION).as_deref()),
                named("qualification error", Some(&error))
            ),
        ),
        &[&other],
    );
    Ok(())
}

async fn model2_unreachable(fed: &Federation, sc: &mut Scenario) -> Result<(), BrowserError> {
    let Some(u) = registered_accountant(fed, sc).await? else {
        return Ok(());
    };
    fed.authority
        .faults
        .unavailable
        .store(true, Ordering::SeqCst);
    let result = file(fed, sc, &u, "corporate-tax-return", false, "did not answer")
        .await
        .map(|_| ());
    fed.authority
        .faults
        .unavailable
        .store(false, Ordering::SeqCst);
    result
}

async fn model2_bad_signature(fed: &Federation, sc: &mut Scenario) -> Result<(), BrowserError> {
    let Some(u) = registered_accountant(fed, sc).await? else {
        return Ok(());
    };
    let other = fed.ca.pki.service_credential("sp-2").ok().and_then(|c| {
        Some((
            c.key.to_pkcs8_der().ok()?.as_bytes().to_vec(),
            c.certificate,
        ))
    });
    fed.authority.faults.sign_with(other);
    let result = file(fed, sc, &u, "corporate-tax-return", false, "signature")
        .await
        .map(|_| ());
    fed.authority.faults.sign_with(None);
    result
}

async fn model2_unknown_requester(fed: &Federation, sc: &mut Scenario) -> Result<(), BrowserError> {
    let outsider = "http://127.0.0.1:9/not-in-the-federation";
    rogue_query(
        fed,
        sc,
        outsider,
        (
            "a query signed by an entity not in the federation metadata gets a signed refusal",
            "メタデータにない者の照会には署名付きの拒否が返る",
        ),
        "not a requester",
    )
    .await;
    let platform = fed.platform.entity_id.to_string();
    rogue_query(
        fed,
        sc,
        &platform,
        (
            "a query claiming to be the platform, signed with another key, is refused",
            "プラットフォームを名乗る別の鍵の照会は拒否される",
        ),
        "signature",
    )
    .await;
    Ok(())
}

/// Sends the authority a query from `issuer`, signed with a key that is not a requester's
/// of the aggregate; passes if the authority's signed answer is a refusal naming `word`.
async fn rogue_query(
    fed: &Federation,
    sc: &mut Scenario,
    issuer: &str,
    name: (&str, &str),
    word: &str,
) {
    let soap_url = at(&fed.authority_url, "/soap");
    let q = AttributeQuery {
        id: trust_framework::saml::xml::new_id(rand::random()),
        issuer: issuer.to_owned(),
        destination: soap_url.clone(),
        issued: fed.clock.now(),
        subject: QuerySubject {
            name_id: "anyone".into(),
            name_qualifier: issuer.to_owned(),
            sp_name_qualifier: issuer.to_owned(),
            card_certificate: card_der(fed, ACCOUNTANT),
        },
        attributes: vec![attr::PROFESSION.to_owned()],
    };
    let built = fed
        .ca
        .pki
        .service_credential("federation-operator")
        .map_err(|e| e.to_string())
        .and_then(|rogue| {
            let key = rogue.key.to_pkcs8_der().map_err(|e| e.to_string())?;
            attribute_query::build_query(&q, key.as_bytes(), &rogue.certificate)
                .map_err(|e| e.to_string())
        });
    let xml = match built {
        Ok(x) => x,
        Err(e) => return sc.record(name, &[], Err(e), Vec::new()),
    };
    let http = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(10))
        .build()
        .unwrap_or_default();
    let answer = match http
        .post(&soap_url)
        .header("content-type", "text/xml")
        .body(attribute_query::soap_wrap(&xml))
        .send()
        .await
    {
        Ok(r) => r.text().await.unwrap_or_default(),
        Err(e) => format!("no answer: {e}"),
    };
    let (authority, certs) = fed
        .platform
        .attribute_authorities()
        .first()
        .map(|a| (a.entity_id.to_string(), a.signing_certs.clone()))
        .unwrap_or_default();
    let verdict = attribute_query::soap_unwrap(&answer)
        .map_err(AttributeQueryError::from)
        .and_then(|inner| {
            attribute_query::verify_answer(inner, &q, &authority, &certs, fed.clock.now())
        });
    let denied = matches!(&verdict, Err(AttributeQueryError::Status { sub: Some(s), message, .. }) if s == STATUS_REQUEST_DENIED && message.contains(word));
    sc.record(
        name,
        &["TF-PROXY-002"],
        expect(
            denied,
            verdict
                .as_ref()
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default(),
            match &verdict {
                Ok(a) => format!(
                    "the answer was taken: an assertion from {} for {}",
                    a.issuer, a.name_id
                ),
                Err(e) => format!("refused, but not with RequestDenied naming \"{word}\": {e}"),
            },
        ),
        vec![reports::Evidence {
            title: "POST /soap (AttributeQuery) → answer".into(),
            content: format!("{}\n\n→\n{answer}", attribute_query::soap_wrap(&xml)),
            from: "rogue requester".into(),
            to: crate::federation::names::AA.into(),
            duration_ms: 0,
        }],
    );
}

async fn model1_expired(fed: &Federation, sc: &mut Scenario) -> Result<(), BrowserError> {
    let Some(_) = registered_scrivener(fed, sc).await? else {
        return Ok(());
    };
    let Some(pro) = fed.ca.pki.persona(SCRIVENER).professional.clone() else {
        return Ok(());
    };
    // To the day after the 士業 certificate ends (the card is still valid then).
    let jump = pro.credential.issued.not_after - fed.clock.now() + Duration::days(1);
    fed.clock.advance(jump);
    let later = user(fed, SCRIVENER);
    let result = async {
        // By then the operator has published the aggregate again, on schedule.
        if let Err(e) = fed.republish() {
            sc.record(
                (
                    "the operator publishes the aggregate again",
                    "運営者が集合メタデータを再発行する",
                ),
                &["TF-MD-002"],
                Err(e.to_string()),
                Vec::new(),
            );
            return Ok(());
        }
        login(fed, sc, &later).await?;
        file(fed, sc, &later, "commercial-registration", false, "expired")
            .await
            .map(|_| ())
    }
    .await;
    fed.clock.advance(-jump);
    result
}

async fn model1_revoked(fed: &Federation, sc: &mut Scenario) -> Result<(), BrowserError> {
    let Some(u) = registered_scrivener(fed, sc).await? else {
        return Ok(());
    };
    revoke(fed, sc, SCRIVENER);
    file(fed, sc, &u, "commercial-registration", false, "revoked")
        .await
        .map(|_| ())
}

async fn model2_revoked(fed: &Federation, sc: &mut Scenario) -> Result<(), BrowserError> {
    let Some(u) = registered_accountant(fed, sc).await? else {
        return Ok(());
    };
    revoke(fed, sc, ACCOUNTANT);
    file(fed, sc, &u, "corporate-tax-return", false, "revoked")
        .await
        .map(|_| ())
}

/// The 士業 CA revokes the persona's 士業 certificate (e.g. the professional was struck off).
fn revoke(fed: &Federation, sc: &mut Scenario, persona: PersonaId) {
    let revoked = fed
        .ca
        .pki
        .persona(persona)
        .professional
        .clone()
        .ok_or_else(|| "not a professional".to_owned())
        .and_then(|p| {
            let ca = fed
                .ca
                .pki
                .authority(&p.credential.ca_id)
                .ok_or("no such CA")?;
            ca.revoke(
                &p.credential.issued.serial,
                fed.clock.now() - Duration::seconds(1),
                Reason::PrivilegeWithdrawn,
            )
            .map_err(|e| e.to_string())
        });
    sc.record(
        (
            "the 士業 CA revokes the professional's certificate",
            "士業認証局が証明書を失効させる",
        ),
        &["TF-PROXY-003"],
        expect(
            revoked.is_ok(),
            "revoked (privilegeWithdrawn)",
            outcome(&revoked, "revoked", "not revoked"),
        ),
        Vec::new(),
    );
}
