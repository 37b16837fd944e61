//! What a citizen reads when the platform refuses something: what happened and what to
//! do, in plain Japanese first and English beside it. The technical reason (the error's
//! own text) stays available under it for the service desk, and in the logs.

use trust_framework::x509::PathError;

use crate::error::IdpError;

/// A refusal as a person reads it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Notice {
    /// What happened, in Japanese.
    pub ja: &'static str,
    /// The same in English.
    pub en: &'static str,
    /// What to do now, in Japanese.
    pub todo_ja: &'static str,
    /// The same in English.
    pub todo_en: &'static str,
}

const fn n(
    ja: &'static str,
    en: &'static str,
    todo_ja: &'static str,
    todo_en: &'static str,
) -> Notice {
    Notice {
        ja,
        en,
        todo_ja,
        todo_en,
    }
}

const START_AGAIN: (&str, &str) = (
    "ご利用のサービスの画面から、もう一度ログインを始めてください。",
    "Start the login again from the service you were using.",
);

const ASK_THE_SERVICE: (&str, &str) = (
    "ご利用のサービスの窓口にお問い合わせください。",
    "Contact the service you were using.",
);

const TRY_LATER: (&str, &str) = (
    "しばらくしてから、もう一度お試しください。",
    "Please try again in a few minutes.",
);

const CITY_OFFICE: (&str, &str) = (
    "お住まいの市区町村の窓口で、電子証明書の更新（再発行）の手続きをしてください。",
    "Renew (reissue) the card's certificate at your city, ward or town office.",
);

impl IdpError {
    /// The refusal page's heading, Japanese and English.
    pub fn heading(&self) -> (&'static str, &'static str) {
        match self {
            Self::ProxyRefused(_) => ("資格を登録できません", "Cannot register the qualification"),
            Self::LogoutNotConfirmed => ("ログアウトしていません", "Not logged out"),
            Self::BadLogout(_) => ("ログアウトできません", "Cannot log out"),
            _ => ("ログインできません", "Cannot log in"),
        }
    }

    /// The refusal in plain words, with what to do.
    pub fn notice(&self) -> Notice {
        use IdpError as E;
        match self {
            E::BadRequest(_)
            | E::Unsigned(_)
            | E::BadRequestSignature(_)
            | E::AcsNotRegistered { .. } => n(
                "ご利用のサービスからのログイン要求を受け付けられませんでした。",
                "The login request from the service could not be accepted.",
                ASK_THE_SERVICE.0,
                ASK_THE_SERVICE.1,
            ),
            E::BadLogout(_) => n(
                "ご利用のサービスからのログアウトの要求を受け付けられませんでした。",
                "The logout request from the service could not be accepted.",
                "すべてのサービスからログアウトするには、ブラウザを閉じてください。問題が続くときは、ご利用のサービスの窓口にお問い合わせください。",
                "To log out of every service, close the browser. If this happens again, contact the service you were using.",
            ),
            E::UnknownSp(_) => n(
                "このサービスは個人認証プラットフォームに登録されていません。",
                "This service is not registered with the personal authentication platform.",
                "正しいサービスの画面からログインしているかご確認ください。",
                "Check that you started from the genuine service.",
            ),
            E::StaleRequest(_) | E::UnknownTransaction => n(
                "ログインの有効期限が切れたか、ログインが見つかりません。",
                "The login has expired or cannot be found.",
                START_AGAIN.0,
                START_AGAIN.1,
            ),
            E::Incomplete(_) => n(
                "このページへのリンクが不完全か、壊れています。",
                "The link to this page is incomplete or damaged.",
                START_AGAIN.0,
                START_AGAIN.1,
            ),
            E::ForeignTransaction => n(
                "このログインは別のブラウザで始められたものです。",
                "This login was started in another browser.",
                "このブラウザで、ご利用のサービスの画面からログインを始めてください。",
                "Start the login from the service in this browser.",
            ),
            E::NoPassive | E::NoAuthnContext(_) | E::InvalidNameIdPolicy(_) => n(
                "ご利用のサービスが求める方法ではログインできませんでした。",
                "The login could not be done the way the service asked.",
                ASK_THE_SERVICE.0,
                ASK_THE_SERVICE.1,
            ),
            E::Binding(_) | E::Challenge(_) | E::BadAnswer(_) => n(
                "カードによる本人確認ができませんでした。",
                "The card could not confirm your identity.",
                "カードをカードリーダーに置き直して、最初からやり直してください。",
                "Put the card on the reader again and start over.",
            ),
            E::Path(PathError::Expired(_)) => n(
                "このカードの利用者証明用電子証明書は有効期限が切れています。",
                "The user-authentication certificate of this card has expired.",
                CITY_OFFICE.0,
                CITY_OFFICE.1,
            ),
            E::Path(PathError::NotYetValid(_)) => n(
                "このカードの電子証明書はまだ有効になっていません。",
                "This card's certificate is not valid yet.",
                "発行日以降にもう一度お試しください。解決しない場合はお住まいの市区町村の窓口にお問い合わせください。",
                "Try again once it is valid; if that does not help, ask your city office.",
            ),
            E::Path(_) => n(
                "このカードの電子証明書は、マイナンバーカードの証明書として確認できませんでした。",
                "This card's certificate could not be confirmed as a My Number Card certificate.",
                "マイナンバーカードをお使いかご確認ください。解決しない場合はお住まいの市区町村の窓口にお問い合わせください。",
                "Check that you are using your My Number Card; if so, ask your city office.",
            ),
            E::Revoked(Some(4)) => n(
                "このカードの電子証明書は、新しいカード（証明書）の発行により使えなくなっています。",
                "This card's certificate was replaced by a newer card (certificate).",
                "新しいカードでログインしてください。",
                "Log in with your new card.",
            ),
            E::Revoked(Some(1)) => n(
                "このカードの電子証明書は、紛失・盗難の届出により失効しています。",
                "This card's certificate was revoked after a report of loss or theft.",
                CITY_OFFICE.0,
                CITY_OFFICE.1,
            ),
            E::Revoked(_) => n(
                "このカードの電子証明書は失効しています。",
                "This card's certificate has been revoked.",
                CITY_OFFICE.0,
                CITY_OFFICE.1,
            ),
            E::RevocationUnavailable { .. } | E::RenewalLinksUnavailable(_) => n(
                "いま、電子証明書の有効性を確認できません。安全のため、ログインをお断りしています。",
                "The certificate's status cannot be checked right now; for your safety the login is refused.",
                TRY_LATER.0,
                TRY_LATER.1,
            ),
            E::UnknownUpstream(_) | E::UpstreamRefused(_) | E::UnknownUpstreamLogin => n(
                "ほかの認証窓口でのカード確認の結果を受け付けられませんでした。",
                "The card check at the other authentication desk could not be accepted.",
                "このページでカードを使ってログインしてください。",
                "Log in with your card on this page.",
            ),
            E::ProxyRefused(_) => n(
                "士業としての資格を確認できなかったため、代理での手続きはできません。",
                "Your professional qualification could not be confirmed, so you cannot act for a client.",
                "資格の登録内容を、所属する士業団体にご確認ください。",
                "Check your registration with your professional body.",
            ),
            E::LogoutNotConfirmed => n(
                "ログアウトは、個人認証プラットフォームの確認画面のボタンからだけ行えます。別のサイトから送られてきたため、ログインはそのままです。",
                "A logout is made only with the button on the platform's own confirmation page. This one came from another site, so you stay logged in.",
                "ログアウトするときは、ご利用のサービスの「ログアウト」から進んでください。",
                "To log out, use \"log out\" at the service you are using.",
            ),
            E::LoginNotCompleted => n(
                "ログインは完了していません。",
                "The login was not completed.",
                START_AGAIN.0,
                START_AGAIN.1,
            ),
            E::Busy => n(
                "ただいま混み合っています。",
                "The platform is busy.",
                TRY_LATER.0,
                TRY_LATER.1,
            ),
            E::Internal(_) => n(
                "個人認証プラットフォームで問題が発生しました。",
                "Something went wrong at the personal authentication platform.",
                TRY_LATER.0,
                TRY_LATER.1,
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_notice_says_what_happened_and_what_to_do_in_both_languages() {
        let kana = |s: &str| s.chars().any(|c| ('\u{3041}'..='\u{30ff}').contains(&c));
        let errors = [
            IdpError::UnknownTransaction,
            IdpError::Revoked(Some(1)),
            IdpError::Revoked(Some(4)),
            IdpError::Revoked(None),
            IdpError::Path(PathError::Expired(time::OffsetDateTime::UNIX_EPOCH)),
            IdpError::Path(PathError::IsCa),
            IdpError::RevocationUnavailable {
                ocsp: "x".into(),
                crl: "y".into(),
            },
            IdpError::Busy,
            IdpError::Internal("x".into()),
        ];
        for e in errors {
            let n = e.notice();
            assert!(kana(n.ja) && kana(n.todo_ja), "{e}");
            assert!(
                !kana(n.en) && !kana(n.todo_en) && n.en.len() > 10 && n.todo_en.len() > 10,
                "{e}"
            );
            // Nothing technical: no URN, no Rust, no English jargon a citizen cannot act on.
            for text in [n.ja, n.en, n.todo_ja, n.todo_en] {
                assert!(
                    !text.contains("urn:") && !text.contains("Some(") && !text.contains("OCSP"),
                    "{text}"
                );
            }
        }
    }
}
