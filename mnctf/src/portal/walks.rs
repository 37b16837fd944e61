//! The case studies walkable from the portal: what each shows, the card it uses, where
//! it starts, and the controls that reach its failure variants.

use mock_ca::PersonaId;
use mock_sp::egov::PROXY_LOGIN;
use scenarios::federation::Federation;

// Walks that start with a card login force it (ForceAuthn): a session left at the
// platform by the previous walk's card must not log this walk's card in.

/// The card a walk puts on the reader.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Card {
    /// A persona's current card.
    Of(PersonaId),
    /// The renewed persona's old card, the federation's clock 40 days back (before it
    /// was renewed).
    BeforeRenewal,
}

/// A button on a walk's section: a page of the portal to open, or an action to take.
pub struct Control {
    /// Its label, Japanese then English.
    pub label: (&'static str, &'static str),
    /// The portal path.
    pub path: &'static str,
    /// POST (an action) rather than GET (a page).
    pub post: bool,
}

const fn open(ja: &'static str, en: &'static str, path: &'static str) -> Control {
    Control {
        label: (ja, en),
        path,
        post: false,
    }
}

const fn act(ja: &'static str, en: &'static str, path: &'static str) -> Control {
    Control {
        label: (ja, en),
        path,
        post: true,
    }
}

/// A case study a person can walk through.
pub struct Walk {
    /// Its id (the scenario's, where there is one).
    pub id: &'static str,
    /// Its title, Japanese then English.
    pub title: (&'static str, &'static str),
    /// What it shows and what to do, Japanese then English.
    pub what: (&'static str, &'static str),
    /// The card in the reader.
    pub card: Card,
    /// Where it starts (a portal path, or a service's URL).
    pub start: fn(&Federation) -> String,
    /// Its failure variants and later steps.
    pub controls: &'static [Control],
}

/// The case studies walkable from the portal, in order.
pub static WALKS: &[Walk] = &[
    Walk {
        id: "sso.one-card-many-sps",
        title: ("1回のカード認証で2つのサービスへ", "One card login, two services"),
        what: (
            "電子申請システムにマイナンバーカードでログインします（暗証番号 1234）。その後、ポータルのリンクから行政ポータルを開くと、カード操作なしでログインできます。",
            "Log in at the e-application system with the card (PIN 1234); then open the government portal from this page: no second card operation.",
        ),
        card: Card::Of(PersonaId::Valid),
        start: |f| format!("{}/login?force=1", f.eapp_url),
        controls: &[],
    },
    Walk {
        id: "catv.set-top-box-reaches-government-sps",
        title: ("ケーブルテレビのセットトップボックスから", "From a cable-TV set-top box"),
        what: (
            "行政ポータルのログインで「ほかの認証窓口」からケーブルテレビ事業者を選び、そこでカードを確認します。同じ人として行政ポータルにログインできます。",
            "At the government portal's login, choose the cable-TV operator under \"authenticate the card elsewhere\" and check the card there: you reach the portal as the same person.",
        ),
        card: Card::Of(PersonaId::Valid),
        start: |f| format!("{}/login?force=1", f.portal_url),
        controls: &[],
    },
    Walk {
        id: "bank.pay-the-fee-without-a-second-card-operation",
        title: ("電子申請の手数料を銀行で支払う", "File an application and pay its fee at the bank"),
        what: (
            "銀行にカードでログインし、初回だけ銀行の口座番号 0012345 とパスワード bank-pass-1 で口座を連携します。次にこのポータルの「電子申請システムで申請する」から申請し、「銀行で支払う」を押して支払います。カード操作は最初の1回だけです。",
            "Log in at the bank with the card and, the first time only, link account 0012345 with password bank-pass-1. Then file an application from \"file an application\" on this page and press \"pay at your bank\": one card operation in all.",
        ),
        card: Card::Of(PersonaId::Valid),
        start: |f| format!("{}/login?force=1&next=/link", f.bank_url),
        controls: &[open(
            "失敗例: 申請の支払い依頼の金額を書き換えて銀行に送る",
            "Failure: send the bank the application's payment request with its amount altered",
            "/variants/tampered-amount",
        )],
    },
    Walk {
        id: "proxy.model1-register-at-the-platform-and-file",
        title: (
            "司法書士が依頼人の登記を代理申請する（モデル1: プラットフォームに資格を登録）",
            "A 司法書士 files a registration for a client (model 1: the qualification registered at the platform)",
        ),
        what: (
            "① 「はじめる」で電子申請システムに代理申請用にログインします（まだ資格が登録されていないと表示されます）。② このポータルに戻り「司法書士の署名ソフト」を開き、士業の鍵で署名した資格登録書をプラットフォームに送ります。③ 「サービスに戻る」からもう一度ログインすると（カード操作なし）資格が確認され、依頼人のための商業登記を代理申請できます。",
            "(1) Start: log in at the e-application system for proxy applications (it says no qualification is registered yet). (2) Back here, open the 司法書士's signing software and send the platform a registration signed with the 士業 key. (3) \"Back to the service\" logs in again (no card operation): the qualification is confirmed and you file a commercial registration for a client.",
        ),
        card: Card::Of(PersonaId::JudicialScrivener),
        start: |f| format!("{}{PROXY_LOGIN}&force=1", f.eapp_url),
        controls: &[
            open("司法書士の署名ソフトを開く", "Open the 司法書士's signing software", "/shigyo/platform"),
            open(
                "失敗例: 他人のカードを自分の資格に登録しようとする",
                "Failure: try to register someone else's card under your qualification",
                "/shigyo/platform?other=1",
            ),
        ],
    },
    Walk {
        id: "proxy.model2-register-at-the-authority-and-file",
        title: (
            "税理士が依頼人の申告を代理申請する（モデル2: 税理士会の属性認証機関）",
            "A 税理士 files a tax return for a client (model 2: the 税理士 body's attribute authority)",
        ),
        what: (
            "税理士会の登録ソフトで、カードと税理士の鍵の両方を使って属性認証機関に登録します。その後、電子申請システムに代理申請用にログインすると、プラットフォームが属性認証機関に資格を問い合わせ、電子申請システムはその回答の署名を自分で確かめます。",
            "Register at the attribute authority with the 税理士 body's software, proving both the card and the 税理士 key. Then log in at the e-application system for proxy applications: the platform asks the authority, and the e-application system verifies the authority's signed answer itself.",
        ),
        card: Card::Of(PersonaId::TaxAccountant),
        start: |_| "/shigyo/authority".into(),
        controls: &[
            open(
                "失敗例: 他人のカードを登録しようとする",
                "Failure: try to register someone else's card",
                "/shigyo/authority?other=1",
            ),
            act(
                "失敗例: 属性認証機関を止める",
                "Failure: take the attribute authority down",
                "/variants/authority-down",
            ),
            act(
                "属性認証機関を動かす",
                "Bring the attribute authority back",
                "/variants/authority-up",
            ),
        ],
    },
    Walk {
        id: "renewal.renewed-card-keeps-the-name-ids",
        title: ("カードを更新しても同じ人", "A renewed card, the same person"),
        what: (
            "① 「はじめる」で40日前に戻り、更新前のカードで電子申請システムにログインして利用者番号を見ます。② 「今日に戻り、更新後のカードを置く」を押し、新しいカードでログインします。認証局の新旧の紐付けにより、利用者番号は変わりません。",
            "(1) Start goes 40 days back: log in at the e-application system with the card before renewal and note your user number. (2) \"Back to today with the renewed card\" puts the new card on the reader: log in again; the CA's link between old and new keeps your user number.",
        ),
        card: Card::BeforeRenewal,
        start: |f| format!("{}/login?force=1", f.eapp_url),
        controls: &[act(
            "② 今日に戻り、更新後のカードを置く",
            "(2) Back to today with the renewed card",
            "/variants/renewed-today",
        )],
    },
    Walk {
        id: "sso.revoked-card-refused",
        title: ("失効したカードは拒否される", "A revoked card is refused"),
        what: (
            "紛失の届出で失効したカードでログインしようとします。理由とどうすればよいかが表示され、サービスにもログイン失敗が伝えられます。",
            "Try to log in with a card revoked after a loss report: the page says why and what to do, and the service is told the login failed.",
        ),
        card: Card::Of(PersonaId::AuthRevoked),
        start: |f| format!("{}/login?force=1", f.eapp_url),
        controls: &[],
    },
    Walk {
        id: "sso.expired-card-refused",
        title: ("有効期限切れのカード", "An expired card"),
        what: (
            "利用者証明用電子証明書の有効期限が切れたカードでログインしようとします。",
            "Try to log in with a card whose user-authentication certificate has expired.",
        ),
        card: Card::Of(PersonaId::AuthExpired),
        start: |f| format!("{}/login?force=1", f.eapp_url),
        controls: &[],
    },
    Walk {
        id: "sso.untrusted-card-refused",
        title: ("偽の認証局のカード", "A card from a look-alike CA"),
        what: (
            "本物と同じ名前の、別の認証局が発行したカードでログインしようとします。",
            "Try to log in with a card from a CA that only takes the real CA's name.",
        ),
        card: Card::Of(PersonaId::UnknownCa),
        start: |f| format!("{}/login?force=1", f.eapp_url),
        controls: &[],
    },
    Walk {
        id: "sso.pin-blocked",
        title: ("暗証番号がロックされたカード", "A card with a blocked PIN"),
        what: (
            "暗証番号がロックされたカードでログインしようとします。どこで解除できるかが表示されます。",
            "Try to log in with a card whose PIN is blocked: the page says where to have it reset.",
        ),
        card: Card::Of(PersonaId::AuthPinBlocked),
        start: |f| format!("{}/login?force=1", f.eapp_url),
        controls: &[],
    },
];
