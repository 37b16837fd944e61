//! The case studies, one module a suite. Each variant is an async function that drives
//! users through the federation and records steps; `run` finds it by id.

pub(crate) mod banking;
pub(crate) mod catv;
pub(crate) mod federation;
pub(crate) mod proxy;
pub(crate) mod renewal;
pub(crate) mod sso;

use mock_ca::PersonaId;
use mock_card::CardImage;
use reports::Case;

use crate::federation::Federation;
use crate::scenario::Scenario;
use crate::user::User;

/// Runs a variant, recording a failed step if it could not go on.
macro_rules! case {
    ($fed:expr, $id:expr, $title:expr, $ja:expr, $f:path) => {{
        let mut sc = $crate::scenario::Scenario::new($id, $title, $ja);
        if let Err(e) = $f($fed, &mut sc).await {
            sc.record(
                (
                    "the scenario could not go on",
                    "シナリオを続けられませんでした",
                ),
                &[],
                Err(e.to_string()),
                Vec::new(),
            );
        }
        sc.finish()
    }};
}
pub(crate) use case;

/// The variant `id`; an unknown id is a case that is not implemented (never a pass).
pub(crate) async fn run(fed: &Federation, id: &str) -> Case {
    if let Some(c) = sso::run(fed, id).await {
        return c;
    }
    if let Some(c) = banking::run(fed, id).await {
        return c;
    }
    if let Some(c) = catv::run(fed, id).await {
        return c;
    }
    if let Some(c) = federation::run(fed, id).await {
        return c;
    }
    if let Some(c) = renewal::run(fed, id).await {
        return c;
    }
    if let Some(c) = proxy::run(fed, id).await {
        return c;
    }
    Scenario::new(id, "no such scenario", "未定義のシナリオ").finish()
}

/// A persona's current card and its user-authentication PIN.
pub(crate) fn card(fed: &Federation, id: PersonaId) -> (CardImage, String) {
    let p = fed.ca.pki.persona(id);
    (
        p.card_image(),
        String::from_utf8_lossy(p.auth_pin.secret()).into_owned(),
    )
}

/// A user at a PC with persona `id`'s card.
pub(crate) fn user(fed: &Federation, id: PersonaId) -> User {
    let (image, pin) = card(fed, id);
    User::at_pc(fed, image, &pin)
}

/// A URL of the e-application system, the portal or the bank.
pub(crate) fn at(base: &str, path: &str) -> String {
    format!("{base}{path}")
}
