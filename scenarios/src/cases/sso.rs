//! Case study 1, single sign-on (シングルサインオン): one card authentication at the
//! platform logs the user into many government systems; logout ends them all; the card
//! is asked again when the SP forces it or the session has expired; bad cards are refused.

use mock_ca::PersonaId;
use reports::Case;
use time::Duration;
use trust_framework::saml::constants::attr;

use super::{at, case, user};
use crate::browser::BrowserError;
use crate::federation::Federation;
use crate::scenario::{expect, named, or_none, Scenario};

/// The suite's name.
pub(crate) const SUITE: &str = "Single sign-on / シングルサインオン";

/// Its variants.
pub(crate) const CASES: &[&str] = &[
    "sso.one-card-many-sps",
    "sso.revoked-card-refused",
    "sso.untrusted-card-refused",
    "sso.force-authn-asks-again",
    "sso.expired-session-asks-again",
];

pub(crate) async fn run(fed: &Federation, id: &str) -> Option<Case> {
    Some(match id {
        "sso.one-card-many-sps" => case!(
            fed,
            id,
            "One card signature logs in at two SPs; logout ends both",
            "1回のカード認証で2つのサービスにログインし、ログアウトで両方から抜ける",
            one_card_many_sps
        ),
        "sso.revoked-card-refused" => case!(
            fed,
            id,
            "A revoked card is refused",
            "失効したカードは拒否される",
            revoked_card_refused
        ),
        "sso.untrusted-card-refused" => case!(
            fed,
            id,
            "A card from a look-alike CA is refused",
            "偽の認証局が発行したカードは拒否される",
            untrusted_card_refused
        ),
        "sso.force-authn-asks-again" => case!(
            fed,
            id,
            "ForceAuthn asks for the card again",
            "ForceAuthnで再度カード認証を求める",
            force_authn
        ),
        "sso.expired-session-asks-again" => case!(
            fed,
            id,
            "An expired session asks for the card again",
            "セッション切れ後は再度カード認証を求める",
            expired_session
        ),
        _ => return None,
    })
}

async fn one_card_many_sps(fed: &Federation, sc: &mut Scenario) -> Result<(), BrowserError> {
    let u = user(fed, PersonaId::Valid);
    let first = u.visit(&at(&fed.eapp_url, "/login")).await?;
    sc.step(
        (
            "log in at the e-application system with the card",
            "電子申請システムにカードでログインする",
        ),
        &[
            "TF-BIND-001",
            "TF-BIND-004",
            "TF-PKI-005",
            "TF-IDP-006",
            "TF-IDP-007",
        ],
        expect(
            first.ok() && u.card.signatures() == 1,
            first.describe(),
            format!(
                "{}; card signatures: {}",
                first.describe(),
                u.card.signatures()
            ),
        ),
        &[&u],
    );
    let second = u.visit(&at(&fed.portal_url, "/login")).await?;
    sc.step(
        (
            "log in at the government portal: no second card signature",
            "行政ポータルにログインする（カード操作なし）",
        ),
        &["TF-IDP-010"],
        expect(
            second.ok() && !second.card_asked && u.card.signatures() == 1,
            second.describe(),
            format!(
                "{}; card signatures: {}",
                second.describe(),
                u.card.signatures()
            ),
        ),
        &[&u],
    );
    let (a, b) = (
        first.name_id().unwrap_or_default(),
        second.name_id().unwrap_or_default(),
    );
    sc.step(
        (
            "each SP gets its own persistent pairwise NameID",
            "サービスごとに異なる仮名ID（ペアワイズ）",
        ),
        &["TF-IDP-008"],
        expect(
            !a.is_empty() && !b.is_empty() && a != b,
            "the two NameIDs differ: the SPs cannot correlate the user",
            format!("NameIDs {} and {}", or_none(Some(&a)), or_none(Some(&b))),
        ),
        &[],
    );
    let channel = second.attribute(attr::AUTHN_CHANNEL);
    let authority = second.attribute(attr::AUTHENTICATING_AUTHORITY);
    let shown = format!(
        "{}, {}",
        named("channel", channel.as_deref()),
        named("authority", authority.as_deref())
    );
    sc.step(
        (
            "the assertion names the direct channel and the platform",
            "認証経路（直接）と認証主体（プラットフォーム）が示される",
        ),
        &["TF-IDP-016"],
        expect(
            channel.as_deref() == Some("direct")
                && authority.as_deref() == Some(fed.platform.entity_id.as_str()),
            shown.clone(),
            shown,
        ),
        &[],
    );
    let out = u.browser.get(&at(&fed.eapp_url, "/logout")).await?;
    sc.step(
        (
            "log out at the e-application system",
            "電子申請システムでログアウトする",
        ),
        &["TF-IDP-013"],
        expect(
            out.status == 200 && out.result().contains("logged out of every service"),
            out.result(),
            format!("HTTP {}: {}", out.status, out.result()),
        ),
        &[&u],
    );
    let (e, p) = (
        u.browser.get(&fed.eapp_url).await?,
        u.browser.get(&fed.portal_url).await?,
    );
    sc.step(
        (
            "neither SP has a session any more",
            "どちらのサービスにもセッションが残っていない",
        ),
        &["TF-IDP-013"],
        expect(
            e.status == 401 && p.status == 401,
            "both protected pages ask for a login",
            format!("protected pages answer {} and {}", e.status, p.status),
        ),
        &[&u],
    );
    let again = u.visit(&at(&fed.portal_url, "/login")).await?;
    sc.step(
        (
            "the platform session ended too: the next login asks for the card",
            "プラットフォームのセッションも終了し、次はカードを求められる",
        ),
        &["TF-IDP-013", "TF-IDP-010"],
        expect(
            again.ok() && again.card_asked,
            again.describe(),
            again.describe(),
        ),
        &[&u],
    );
    Ok(())
}

async fn refused_card(
    fed: &Federation,
    sc: &mut Scenario,
    persona: PersonaId,
    requirement: &str,
    word: &str,
) -> Result<(), BrowserError> {
    let u = user(fed, persona);
    let login = u.visit(&at(&fed.eapp_url, "/login")).await?;
    let why = login.refused.clone().unwrap_or_default();
    sc.step(
        (
            "the platform refuses the card and says why",
            "プラットフォームがカードを拒否し、理由を示す",
        ),
        &[requirement],
        expect(
            !login.ok() && why.contains(word),
            login.describe(),
            format!("expected a refusal naming \"{word}\": {}", login.describe()),
        ),
        &[&u],
    );
    let page = u.browser.get(&fed.eapp_url).await?;
    sc.step(
        ("the SP has no session", "サービスにセッションがない"),
        &[requirement],
        expect(
            page.status == 401,
            "the protected page asks for a login",
            format!("the protected page answers HTTP {}", page.status),
        ),
        &[&u],
    );
    Ok(())
}

async fn revoked_card_refused(fed: &Federation, sc: &mut Scenario) -> Result<(), BrowserError> {
    refused_card(fed, sc, PersonaId::AuthRevoked, "TF-PKI-005", "revoked").await
}

async fn untrusted_card_refused(fed: &Federation, sc: &mut Scenario) -> Result<(), BrowserError> {
    refused_card(fed, sc, PersonaId::UnknownCa, "TF-PKI-001", "refused").await
}

async fn force_authn(fed: &Federation, sc: &mut Scenario) -> Result<(), BrowserError> {
    let u = user(fed, PersonaId::Valid);
    let first = u.visit(&at(&fed.eapp_url, "/login")).await?;
    sc.step(
        (
            "log in at the e-application system with the card",
            "電子申請システムにカードでログインする",
        ),
        &["TF-IDP-010"],
        expect(
            first.ok() && first.card_asked,
            first.describe(),
            first.describe(),
        ),
        &[&u],
    );
    let forced = u.visit(&at(&fed.portal_url, "/login?force=1")).await?;
    sc.step(
        (
            "the portal sends ForceAuthn: the platform asks for the card again",
            "ポータルがForceAuthnを送ると、再度カードを求められる",
        ),
        &["TF-IDP-011"],
        expect(
            forced.ok() && forced.card_asked && u.card.signatures() == 2,
            format!("{}; card signatures: 2", forced.describe()),
            format!(
                "{}; card signatures: {}",
                forced.describe(),
                u.card.signatures()
            ),
        ),
        &[&u],
    );
    Ok(())
}

async fn expired_session(fed: &Federation, sc: &mut Scenario) -> Result<(), BrowserError> {
    let u = user(fed, PersonaId::Valid);
    let first = u.visit(&at(&fed.eapp_url, "/login")).await?;
    sc.step(
        (
            "log in at the e-application system with the card",
            "電子申請システムにカードでログインする",
        ),
        &["TF-IDP-010"],
        expect(first.ok(), first.describe(), first.describe()),
        &[&u],
    );
    let lifetime = Duration::seconds(fed.platform.config.timing.session);
    fed.clock.advance(lifetime + Duration::minutes(1));
    let later = u.visit(&at(&fed.portal_url, "/login")).await;
    fed.clock.advance(-(lifetime + Duration::minutes(1)));
    let later = later?;
    sc.step(
        (
            "after the session's lifetime the portal's login asks for the card",
            "セッションの有効期間が過ぎると、カードを求められる",
        ),
        &["TF-IDP-010"],
        expect(
            later.ok() && later.card_asked,
            format!("{} h later: {}", lifetime.whole_hours(), later.describe()),
            format!("{} h later: {}", lifetime.whole_hours(), later.describe()),
        ),
        &[&u],
    );
    Ok(())
}
