//! Card renewal (カードの更新): a new card's certificate is linked by the CA to the old
//! one (新旧紐付け), so the person keeps the same NameID at every SP (TF-PKI-008).

use mock_ca::PersonaId;
use reports::Case;
use time::Duration;

use super::{at, case};
use crate::browser::BrowserError;
use crate::federation::Federation;
use crate::scenario::{expect, or_none, Scenario};
use crate::user::User;

/// The suite's name.
pub(crate) const SUITE: &str = "Card renewal / カードの更新";

/// Its variants.
pub(crate) const CASES: &[&str] = &["renewal.renewed-card-keeps-the-name-ids"];

pub(crate) async fn run(fed: &Federation, id: &str) -> Option<Case> {
    Some(match id {
        "renewal.renewed-card-keeps-the-name-ids" => case!(
            fed,
            id,
            "A renewed card keeps the same NameID at every SP",
            "更新したカードでも各サービスで同じIDのまま",
            renewed
        ),
        _ => return None,
    })
}

async fn renewed(fed: &Federation, sc: &mut Scenario) -> Result<(), BrowserError> {
    let persona = fed.ca.pki.persona(PersonaId::Renewed);
    let pin = String::from_utf8_lossy(persona.auth_pin.secret()).into_owned();
    let Some(old_image) = persona.previous_card_image() else {
        sc.record(
            ("the persona has an old card", "旧カードがある"),
            &[],
            Err("no previous card".into()),
            Vec::new(),
        );
        return Ok(());
    };
    // Before the renewal, the old card was good: the person used it then.
    let back = Duration::days(40);
    fed.clock.advance(-back);
    let old = User::at_pc(fed, old_image, &pin);
    let before = async {
        Ok::<_, BrowserError>((
            old.visit(&at(&fed.eapp_url, "/login")).await?,
            old.visit(&at(&fed.portal_url, "/login")).await?,
        ))
    }
    .await;
    fed.clock.advance(back);
    let (e1, p1) = before?;
    sc.step(
        (
            "40 days ago, the old card logs in at two SPs",
            "40日前、旧カードで2つのサービスにログインする",
        ),
        &["TF-IDP-008"],
        expect(
            e1.ok() && p1.ok(),
            format!("{}; {}", e1.describe(), p1.describe()),
            format!("{}; {}", e1.describe(), p1.describe()),
        ),
        &[&old],
    );
    let stale = User::at_pc(
        fed,
        match persona.previous_card_image() {
            Some(i) => i,
            None => return Ok(()),
        },
        &pin,
    );
    let refused = stale.visit(&at(&fed.eapp_url, "/login")).await?;
    sc.step(
        (
            "today the old card is refused: its certificate was superseded",
            "現在、旧カードは拒否される（証明書は更新により失効）",
        ),
        &["TF-PKI-005"],
        expect(
            !refused.ok()
                && refused
                    .refused
                    .as_deref()
                    .is_some_and(|r| r.contains("revoked")),
            refused.describe(),
            refused.describe(),
        ),
        &[&stale],
    );
    let new = User::at_pc(fed, persona.card_image(), &pin);
    let (e2, p2) = (
        new.visit(&at(&fed.eapp_url, "/login")).await?,
        new.visit(&at(&fed.portal_url, "/login")).await?,
    );
    let same = e2.ok()
        && p2.ok()
        && e1.name_id() == e2.name_id()
        && p1.name_id() == p2.name_id()
        && e1.name_id().is_some();
    sc.step(
        (
            "the new card gets the same NameID at both SPs",
            "新しいカードでも両方のサービスで同じIDになる",
        ),
        &["TF-PKI-008", "TF-IDP-008"],
        expect(
            same,
            "the CA's renewal link maps the new certificate to the same person",
            format!(
                "before {}/{}, after {}/{}",
                or_none(e1.name_id().as_deref()),
                or_none(p1.name_id().as_deref()),
                or_none(e2.name_id().as_deref()),
                or_none(p2.name_id().as_deref())
            ),
        ),
        &[&new],
    );
    Ok(())
}
