//! Case study 4, the trust framework (トラストフレームワーク): the federation operator's
//! signed metadata aggregate is every party's only source of trust; an expired or badly
//! signed one is refused by every party (the last good one stays), and an entity the
//! operator removed is refused (TF-MD-001..003).

use mock_ca::PersonaId;
use reports::{Case, Evidence};
use rsa::pkcs8::EncodePrivateKey;
use time::Duration;

use super::catv::restore;
use super::{at, case, user};
use crate::browser::BrowserError;
use crate::federation::{names, Federation};
use crate::scenario::{expect, outcome, Scenario};

/// The suite's name.
pub(crate) const SUITE: &str =
    "Trust framework: the metadata aggregate / トラストフレームワーク（メタデータ集合）";

/// Its variants.
pub(crate) const CASES: &[&str] = &[
    "federation.expired-aggregate-refused-by-every-party",
    "federation.badly-signed-aggregate-refused-by-every-party",
    "federation.removed-entity-refused",
];

pub(crate) async fn run(fed: &Federation, id: &str) -> Option<Case> {
    Some(match id {
        "federation.expired-aggregate-refused-by-every-party" => case!(
            fed,
            id,
            "An expired aggregate is refused by every party; the last good one stays",
            "有効期限切れのメタデータ集合は全参加者が拒否し、直前の正しいものが使われ続ける",
            expired
        ),
        "federation.badly-signed-aggregate-refused-by-every-party" => case!(
            fed,
            id,
            "A badly signed or altered aggregate is refused by every party",
            "署名の不正・改ざんされたメタデータ集合は全参加者が拒否する",
            badly_signed
        ),
        "federation.removed-entity-refused" => case!(
            fed,
            id,
            "An entity the operator removed is refused",
            "運営者が削除した参加者は拒否される",
            removed_entity
        ),
        _ => return None,
    })
}

/// Offers `text` to every party; passes if every one refuses it.
fn all_refuse(
    fed: &Federation,
    sc: &mut Scenario,
    name: (&str, &str),
    requirement: &str,
    text: &str,
) {
    let answers = fed.offer_aggregate(text);
    let accepted: Vec<&str> = answers
        .iter()
        .filter(|(_, r)| r.is_ok())
        .map(|(p, _)| *p)
        .collect();
    let evidence = answers
        .iter()
        .map(|(p, r)| {
            Evidence::note(
                &format!("{p}: {}", if r.is_ok() { "accepted" } else { "refused" }),
                r.as_ref().err().map_or("", |e| e.as_str()),
            )
        })
        .collect();
    let why = answers
        .first()
        .and_then(|(_, r)| r.as_ref().err().cloned())
        .unwrap_or_default();
    sc.record(
        name,
        &[requirement],
        expect(
            accepted.is_empty(),
            format!("all {} parties refuse it ({why})", answers.len()),
            format!("accepted by {}", accepted.join(", ")),
        ),
        evidence,
    );
}

async fn still_works(fed: &Federation, sc: &mut Scenario) -> Result<(), BrowserError> {
    let u = user(fed, PersonaId::Valid);
    let login = u.visit(&at(&fed.portal_url, "/login")).await?;
    sc.step(
        (
            "logins go on with the last good aggregate",
            "直前の正しいメタデータ集合でログインが続けられる",
        ),
        &["TF-MD-002"],
        expect(login.ok(), login.describe(), login.describe()),
        &[&u],
    );
    Ok(())
}

async fn expired(fed: &Federation, sc: &mut Scenario) -> Result<(), BrowserError> {
    match fed
        .operator
        .publish(fed.clock.now() - Duration::minutes(1), &[])
    {
        Ok(x) => all_refuse(
            fed,
            sc,
            (
                "every party refuses an aggregate whose validUntil has passed",
                "validUntilを過ぎたメタデータ集合を全参加者が拒否する",
            ),
            "TF-MD-002",
            &x,
        ),
        Err(e) => sc.record(
            ("publish an expired aggregate", "期限切れの集合を作る"),
            &[],
            Err(e.to_string()),
            Vec::new(),
        ),
    }
    still_works(fed, sc).await
}

async fn badly_signed(fed: &Federation, sc: &mut Scenario) -> Result<(), BrowserError> {
    let until = fed.clock.now() + Duration::days(7);
    let other = fed.ca.pki.service_credential("attribute-authority");
    let signed_by_other = other.map_err(|e| e.to_string()).and_then(|c| {
        let key = c.key.to_pkcs8_der().map_err(|e| e.to_string())?;
        fed.operator
            .publish_signed_by(until, key.as_bytes(), &c.certificate)
            .map_err(|e| e.to_string())
    });
    match signed_by_other {
        Ok(x) => all_refuse(
            fed,
            sc,
            (
                "every party refuses an aggregate signed by another key",
                "運営者以外の鍵で署名された集合を全参加者が拒否する",
            ),
            "TF-MD-001",
            &x,
        ),
        Err(e) => sc.record(
            ("sign an aggregate with another key", "別の鍵で署名する"),
            &[],
            Err(e),
            Vec::new(),
        ),
    }
    match fed.operator.publish(until, &[]) {
        Ok(good) => {
            let bank_acs = format!("{}/acs", fed.bank_url);
            let altered = good.replace(&bank_acs, "http://127.0.0.1:9/acs");
            let changed = altered != good;
            all_refuse(
                fed,
                sc,
                (
                    "every party refuses the operator's aggregate with the bank's ACS changed",
                    "銀行のACSを書き換えた集合を全参加者が拒否する",
                ),
                "TF-MD-001",
                &altered,
            );
            if !changed {
                sc.record(
                    ("alter the aggregate", "集合を改ざんする"),
                    &[],
                    Err("the bank's ACS was not in the aggregate".into()),
                    Vec::new(),
                );
            }
        }
        Err(e) => sc.record(
            ("publish the aggregate", "集合を公開する"),
            &[],
            Err(e.to_string()),
            Vec::new(),
        ),
    }
    still_works(fed, sc).await
}

async fn removed_entity(fed: &Federation, sc: &mut Scenario) -> Result<(), BrowserError> {
    let without = fed
        .operator
        .publish(fed.clock.now() + Duration::days(7), &[names::PORTAL]);
    let taken = without.map_err(|e| e.to_string()).and_then(|x| {
        fed.platform
            .refresh_aggregate(&x)
            .map_err(|e| e.to_string())
    });
    sc.record(
        (
            "the operator removes the government portal; the platform takes the new aggregate",
            "運営者が行政ポータルを削除し、プラットフォームが新しい集合を読み込む",
        ),
        &["TF-MD-003"],
        expect(
            taken.is_ok(),
            "loaded",
            outcome(&taken, "loaded", "not loaded"),
        ),
        Vec::new(),
    );
    let u = user(fed, PersonaId::Valid);
    let login = u.visit(&at(&fed.portal_url, "/login")).await?;
    let why = login.refused.clone().unwrap_or_default();
    sc.step(
        (
            "a login at the removed portal is refused by the platform",
            "削除されたポータルへのログインをプラットフォームが拒否する",
        ),
        &["TF-MD-003", "TF-IDP-002"],
        expect(
            !login.ok() && why.contains("unknown SP"),
            login.describe(),
            format!("expected an unknown-SP refusal: {}", login.describe()),
        ),
        &[&u],
    );
    let other = u.visit(&at(&fed.eapp_url, "/login")).await?;
    sc.step(
        (
            "the e-application system, still in the aggregate, works",
            "集合に残る電子申請システムは使える",
        ),
        &["TF-MD-003"],
        expect(other.ok(), other.describe(), other.describe()),
        &[&u],
    );
    restore(fed, sc);
    Ok(())
}
