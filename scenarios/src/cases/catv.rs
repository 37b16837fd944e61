//! Case study 3, multi-channel (CATV, ケーブルテレビ): the card is authenticated at the
//! home's set-top box by the CATV operator's IdP; the platform, as hub, takes that login
//! to government SPs with the same pairwise NameID as a direct login and names the
//! channel and the authority (TF-CATV-001, TF-IDP-016).

use mock_ca::PersonaId;
use reports::Case;
use time::Duration;
use trust_framework::saml::constants::attr;

use super::{at, card, case, user};
use crate::browser::BrowserError;
use crate::federation::{names, Federation};
use crate::scenario::{expect, named, or_none, outcome, Scenario};
use crate::user::User;

/// The suite's name.
pub(crate) const SUITE: &str = "Multi-channel: CATV set-top box / マルチチャネル（ケーブルテレビ）";

/// Its variants.
pub(crate) const CASES: &[&str] = &[
    "catv.set-top-box-login-reaches-government-sps",
    "catv.same-name-id-as-the-direct-channel",
    "catv.revoked-card-at-the-box-refused",
    "catv.idp-missing-from-the-aggregate-refused",
];

pub(crate) async fn run(fed: &Federation, id: &str) -> Option<Case> {
    Some(match id {
        "catv.set-top-box-login-reaches-government-sps" => case!(
            fed,
            id,
            "A card authenticated at the set-top box reaches government SPs through the platform",
            "セットトップボックスでのカード認証で、プラットフォーム経由で行政サービスに入れる",
            stb_login
        ),
        "catv.same-name-id-as-the-direct-channel" => case!(
            fed,
            id,
            "The set-top box login gives the same NameID as a direct login",
            "セットトップボックス経由でも直接ログインと同じIDになる",
            same_name_id
        ),
        "catv.revoked-card-at-the-box-refused" => case!(
            fed,
            id,
            "A revoked card at the set-top box is refused",
            "セットトップボックスでも失効したカードは拒否される",
            revoked_at_the_box
        ),
        "catv.idp-missing-from-the-aggregate-refused" => case!(
            fed,
            id,
            "A CATV IdP missing from the aggregate is refused by the platform",
            "メタデータ集合にないCATV事業者はプラットフォームに拒否される",
            missing_from_aggregate
        ),
        _ => return None,
    })
}

fn set_top_box(fed: &Federation, persona: PersonaId) -> User {
    let (image, pin) = card(fed, persona);
    User::at_set_top_box(fed, image, &pin)
}

async fn stb_login(fed: &Federation, sc: &mut Scenario) -> Result<(), BrowserError> {
    let stb = set_top_box(fed, PersonaId::Valid);
    let login = stb.visit(&at(&fed.portal_url, "/login")).await?;
    sc.step(
        ("at the set-top box, log in at the government portal: the CATV IdP authenticates the card", "セットトップボックスから行政ポータルへ: CATV事業者がカードを認証する"),
        &["TF-CATV-001", "TF-BIND-001", "TF-PKI-005", "TF-MD-003"],
        expect(login.ok() && stb.card.signatures() == 1, login.describe(), format!("{}; card signatures: {}", login.describe(), stb.card.signatures())),
        &[&stb],
    );
    let channel = login.attribute(attr::AUTHN_CHANNEL);
    let authority = login.attribute(attr::AUTHENTICATING_AUTHORITY);
    let catv = fed.catv.entity_id.to_string();
    let shown = format!(
        "{}, {}",
        named("channel", channel.as_deref()),
        named("authority", authority.as_deref())
    );
    sc.step(
        (
            "the portal is told the channel (catv) and the authority (the CATV IdP)",
            "ポータルに認証経路（catv）と認証主体（CATV事業者）が示される",
        ),
        &["TF-IDP-016", "TF-CATV-001"],
        expect(
            channel.as_deref() == Some("catv") && authority.as_deref() == Some(catv.as_str()),
            shown.clone(),
            format!("{shown}; expected catv and {catv}"),
        ),
        &[],
    );
    let card_cert = login.attribute(attr::CARD_CERTIFICATE);
    sc.step(
        (
            "the card's certificate is not passed on to the portal",
            "カードの証明書はポータルには渡されない",
        ),
        &["TF-IDP-008"],
        expect(
            card_cert.is_none(),
            "only the pairwise NameID and the channel attributes reach the SP",
            "the SP received the card certificate: a correlatable identifier",
        ),
        &[],
    );
    let second = stb.visit(&at(&fed.eapp_url, "/login")).await?;
    sc.step(
        (
            "then the e-application system, with no second card operation",
            "続けて電子申請システムへ（カード操作なし）",
        ),
        &["TF-IDP-010"],
        expect(
            second.ok() && stb.card.signatures() == 1,
            second.describe(),
            format!(
                "{}; card signatures: {}",
                second.describe(),
                stb.card.signatures()
            ),
        ),
        &[&stb],
    );
    Ok(())
}

async fn same_name_id(fed: &Federation, sc: &mut Scenario) -> Result<(), BrowserError> {
    let pc = user(fed, PersonaId::JudicialScrivener);
    let direct = pc.visit(&at(&fed.portal_url, "/login")).await?;
    sc.step(
        (
            "log in at the portal from a PC (direct)",
            "PCから行政ポータルにログインする（直接）",
        ),
        &["TF-IDP-008"],
        expect(direct.ok(), direct.describe(), direct.describe()),
        &[&pc],
    );
    let stb = set_top_box(fed, PersonaId::JudicialScrivener);
    let via = stb.visit(&at(&fed.portal_url, "/login")).await?;
    let (a, b) = (
        direct.name_id().unwrap_or_default(),
        via.name_id().unwrap_or_default(),
    );
    sc.step(
        (
            "the same card at the set-top box gets the same NameID at the portal",
            "同じカードでセットトップボックスから入ると、同じIDになる",
        ),
        &["TF-IDP-008", "TF-CATV-001"],
        expect(
            via.ok() && !a.is_empty() && a == b,
            format!(
                "both channels give NameID {}…",
                a.chars().take(8).collect::<String>()
            ),
            format!(
                "{}; NameIDs {} and {}",
                via.describe(),
                or_none(Some(&a)),
                or_none(Some(&b))
            ),
        ),
        &[&stb],
    );
    Ok(())
}

async fn revoked_at_the_box(fed: &Federation, sc: &mut Scenario) -> Result<(), BrowserError> {
    let stb = set_top_box(fed, PersonaId::AuthRevoked);
    let login = stb.visit(&at(&fed.portal_url, "/login")).await?;
    let why = login.refused.clone().unwrap_or_default();
    sc.step(
        (
            "the CATV IdP checks revocation and refuses the card",
            "CATV事業者が失効を確認し、カードを拒否する",
        ),
        &["TF-CATV-001", "TF-PKI-005"],
        expect(
            !login.ok() && why.contains("revoked"),
            login.describe(),
            format!("expected a refusal naming revocation: {}", login.describe()),
        ),
        &[&stb],
    );
    let page = stb.browser.get(&fed.portal_url).await?;
    sc.step(
        ("the portal has no session", "ポータルにセッションがない"),
        &["TF-CATV-001"],
        expect(
            page.status == 401,
            "the protected page asks for a login",
            format!("HTTP {}", page.status),
        ),
        &[&stb],
    );
    Ok(())
}

async fn missing_from_aggregate(fed: &Federation, sc: &mut Scenario) -> Result<(), BrowserError> {
    let valid_until = fed.clock.now() + Duration::days(7);
    let without = match fed.operator.publish(valid_until, &[names::CATV]) {
        Ok(x) => x,
        Err(e) => {
            sc.record(
                (
                    "the operator publishes an aggregate without the CATV operator",
                    "CATV事業者を除いたメタデータ集合を公開する",
                ),
                &["TF-MD-003"],
                Err(e.to_string()),
                Vec::new(),
            );
            return Ok(());
        }
    };
    let taken = fed.platform.refresh_aggregate(&without);
    sc.record(
        (
            "the platform takes an aggregate without the CATV operator",
            "プラットフォームがCATV事業者のないメタデータ集合を読み込む",
        ),
        &["TF-MD-003"],
        expect(
            taken.is_ok(),
            "loaded: the CATV IdP is no longer a party",
            outcome(&taken, "loaded", "refused"),
        ),
        Vec::new(),
    );
    let stb = set_top_box(fed, PersonaId::Valid);
    let login = stb.visit(&at(&fed.portal_url, "/login")).await?;
    sc.step(
        (
            "the platform's login page offers no CATV operator",
            "プラットフォームのログイン画面にCATV事業者が表示されない",
        ),
        &["TF-MD-003", "TF-CATV-001"],
        expect(
            !login.ok() && stb.card.signatures() == 0,
            login.describe(),
            login.describe(),
        ),
        &[&stb],
    );
    // A set-top box that asks for the CATV IdP anyway.
    let start = stb.browser.get(&at(&fed.portal_url, "/login")).await?;
    let tx = crate::browser::login_tx(&start.url).unwrap_or_default();
    let forced = stb
        .browser
        .get(&format!(
            "{}/login/upstream?tx={tx}&idp={}",
            fed.platform_url, fed.catv.entity_id
        ))
        .await?;
    sc.step(
        (
            "asking for the CATV IdP anyway is refused",
            "それでもCATV事業者を指定すると拒否される",
        ),
        &["TF-MD-003", "TF-CATV-001"],
        expect(
            forced.status == 403
                && forced
                    .body
                    .contains("not a card IdP of the federation metadata"),
            "the platform: not a card IdP of the federation metadata",
            format!("HTTP {} at {}", forced.status, forced.url),
        ),
        &[&stb],
    );
    restore(fed, sc);
    Ok(())
}

/// Puts the full aggregate back (later cases need every party).
pub(crate) fn restore(fed: &Federation, sc: &mut Scenario) {
    let full = fed
        .operator
        .publish(fed.clock.now() + Duration::days(7), &[])
        .map_err(|e| e.to_string())
        .and_then(|x| {
            fed.platform
                .refresh_aggregate(&x)
                .map_err(|e| e.to_string())
        });
    if let Err(e) = full {
        sc.record(
            ("restore the full aggregate", "元のメタデータ集合に戻す"),
            &[],
            Err(e),
            Vec::new(),
        );
    }
}
