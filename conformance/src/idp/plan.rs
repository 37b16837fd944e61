//! The IdP plan: every test a value in one registry ([`IDP_TESTS`]), each with its id, the
//! profile requirements it checks, what the suite does (as SPs, browser and cardholder,
//! and as the CA service) and how the outcome is judged.

use mock_ca::PersonaId;

use super::config::Role;

/// What the CA service does during a test.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CaFault {
    /// Answers correctly.
    None,
    /// OCSP answers 503; the CRL is good.
    OcspDown,
    /// OCSP answers 503 and the CRL's nextUpdate has passed: no revocation data at all.
    AllDown,
    /// OCSP answers signed by a key the CA never authorised.
    OcspWrongSigner,
    /// OCSP answers whose thisUpdate and nextUpdate have passed.
    OcspStale,
    /// OCSP echoes another nonce.
    OcspBadNonce,
}

/// A change to the suite SP's AuthnRequest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Request {
    /// As the SP's metadata says: signed (RSA-SHA256), fresh, its registered ACS.
    Good,
    /// ForceAuthn.
    ForceAuthn,
    /// IsPassive.
    IsPassive,
    /// Unsigned, though the SP's metadata says AuthnRequestsSigned.
    Unsigned,
    /// Signed by a key the SP's metadata does not hold.
    WrongKey,
    /// A RelayState added to the signed query after signing.
    Tampered,
    /// Signed with RSA-SHA1.
    Sha1,
    /// From an entity no metadata names.
    UnknownSp,
    /// AssertionConsumerServiceURL not in the SP's metadata (the suite's listener).
    AcsNotInMetadata,
    /// IssueInstant an hour ago.
    Stale,
    /// A DOCTYPE before the request.
    Doctype,
    /// RelayState carrying markup.
    RelayStateMarkup,
    /// Signed enveloped and POSTed (the HTTP-POST binding).
    PostSigned,
    /// POSTed: an unsigned request wrapping a signed one of the same SP.
    PostWrapped,
    /// SAMLRequest whose DEFLATE stream is cut in half (signed as sent).
    BadDeflate,
    /// An AuthnRequest that inflates to 1 MiB (a few KiB as sent).
    InflatesLarge,
    /// RequestedAuthnContext, exact, names a class no card login is (Kerberos).
    UnavailableClass,
}

/// What the suite does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    /// One login at SP a with `persona`'s card, `fault` at the CA, `request` sent.
    Login {
        /// The card.
        persona: PersonaId,
        /// The CA service's behaviour.
        fault: CaFault,
        /// The AuthnRequest.
        request: Request,
    },
    /// A login at SP a, then at SP b in the same browser: SSO without the card, and a
    /// NameID of its own at b (pairwise).
    SsoAcrossSps,
    /// Two logins of one person at SP a in fresh browsers: the same NameID.
    StableNameId,
    /// A login at SP a, then at SP b with ForceAuthn: the card is asked again.
    ForceAuthnAfterSso,
    /// The challenge of a finished login answered again, in a new login.
    ChallengeReplayed,
    /// A card logs in, the CA renews it, the new card logs in: the same NameID.
    RenewedCard,
    /// The same with the CA's renewal links down at the new card's first login.
    RenewedCardLinksDown,
    /// A login through the TLS client-authentication binding with `persona`'s card.
    TlsLogin(PersonaId),
    /// One login's challenge, signed, answered in another login of the same browser.
    OtherTransaction,
    /// A challenge answered by a browser other than the one that asked for it.
    AnswerFromOtherBrowser,
    /// The card's signature over other bytes than the challenge's.
    SignatureOverOtherBytes,
    /// The card's answer, made in time, posted after the challenge expired.
    ExpiredChallenge,
    /// Logins at both SPs, then SP a logs out: both SPs and the IdP's session end.
    SingleLogout,
    /// A login's first page (where the PIN or password is typed): framing forbidden.
    PageFraming,
    /// Identifiers planted before a victim's login carry no session after it.
    SessionFixation,
    /// The page carrying the Response may not be cached.
    ResponseNotCached,
    /// A whole login: every cookie the IdP set HttpOnly (and Secure over https).
    CookieFlags,
    /// A revoked card refused, then the way back the refusal names: a signed AuthnFailed
    /// Response reaches the SP.
    RefusedCardReported,
    /// A card IdP's login for the platform (SP a): the card's certificate released.
    CertificateToPlatform,
    /// A card IdP's login for another SP (SP b): the card's certificate not released.
    CertificateNotToSp,
}

/// How the outcome is judged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdpJudge {
    /// A Success Response that a strict SP accepts (TF-IDP, signatures, conditions).
    MustSucceed,
    /// No Success Response for this login, anywhere; an error Response or page is fine.
    MustRefuse,
    /// The login is refused with an error page (TF-IDP-003); a Response to the registered
    /// ACS instead is WARNING; one to the ACS the request named is FAILED (token theft).
    MustNotPostElsewhere,
    /// An error page and no message to anyone (TF-IDP-002: the requester is unknown, so
    /// no ACS of it can be trusted).
    MustShowErrorPage,
    /// As MustSucceed, and the Assertion is the profile's: a persistent NameID, a
    /// SessionIndex, the channel and authenticating-authority attributes.
    MustMeetProfile,
    /// As MustSucceed, and the Response is valid against the SAML 2.0 schemas.
    MustBeSchemaValid,
    /// A signed Response with the NoPassive status to the registered ACS, no login page.
    MustAnswerNoPassive,
    /// A signed Response with the NoAuthnContext status, no assertion.
    MustAnswerNoAuthnContext,
    /// No Success Response, and the refusal a specific error, not a server error
    /// (TF-IDP-015: never a crash); a 5xx page is WARNING.
    MustRefuseWithError,
    /// The flow's own check (the flow says what it needs).
    Flow,
}

/// A test of the IdP plan.
#[derive(Debug)]
pub struct IdpTest {
    /// Its id (stable; expected-results files name it).
    pub id: &'static str,
    /// What it does, in a line.
    pub title: &'static str,
    /// The same in Japanese.
    pub title_ja: &'static str,
    /// The profile requirements it checks.
    pub requirements: &'static [&'static str],
    /// Its group in the report.
    pub category: &'static str,
    /// What the suite does.
    pub flow: Flow,
    /// How it is judged.
    pub judge: IdpJudge,
    /// The roles whose plan has it.
    pub roles: &'static [Role],
}

impl IdpTest {
    /// Whether the plan of `role` has it.
    pub fn is_for(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }
}

/// Both IdP roles that log cards in.
const CARD_ROLES: &[Role] = &[Role::Platform, Role::CardIdp];
/// The platform only (pairwise NameIDs and the profile's Assertion are the platform's).
const PLATFORM: &[Role] = &[Role::Platform];
/// A card IdP only.
const CARD_IDP: &[Role] = &[Role::CardIdp];

const fn login(persona: PersonaId, fault: CaFault, request: Request) -> Flow {
    Flow::Login {
        persona,
        fault,
        request,
    }
}

use CaFault as F;
use IdpJudge::{
    Flow as ByFlow, MustAnswerNoAuthnContext, MustAnswerNoPassive, MustBeSchemaValid,
    MustMeetProfile, MustNotPostElsewhere, MustRefuse, MustRefuseWithError, MustShowErrorPage,
    MustSucceed,
};
use PersonaId as P;
use Request as R;

macro_rules! t {
    ($id:literal, $title:literal, $ja:literal, [$($r:literal),+], $cat:literal, $flow:expr, $judge:expr) => {
        t!($id, $title, $ja, [$($r),+], $cat, $flow, $judge, CARD_ROLES)
    };
    ($id:literal, $title:literal, $ja:literal, [$($r:literal),+], $cat:literal, $flow:expr, $judge:expr, $roles:expr) => {
        IdpTest { id: $id, title: $title, title_ja: $ja, requirements: &[$($r),+], category: $cat, flow: $flow, judge: $judge, roles: $roles }
    };
}

/// Every test, in report order.
pub static IDP_TESTS: &[IdpTest] = &[
    // --- The card and its certificate (TF-PKI) ---
    t!(
        "login-valid",
        "A valid login (the valid card, or the password): a Response a strict SP accepts",
        "正しいログイン（有効なカード、またはパスワード）：厳格なSPが受け入れるResponse",
        ["TF-BIND-004", "TF-IDP-006", "TF-IDP-007", "TF-IDP-009"],
        "card",
        login(P::Valid, F::None, R::Good),
        MustSucceed
    ),
    t!(
        "response-profile",
        "The Assertion is the profile's: a persistent NameID, a SessionIndex, the channel and authenticating-authority attributes",
        "Assertionがプロファイルどおり：永続NameID、SessionIndex、経路と認証主体の属性",
        ["TF-IDP-008", "TF-IDP-010", "TF-IDP-016"],
        "response",
        login(P::Valid, F::None, R::Good),
        MustMeetProfile,
        PLATFORM
    ),
    t!(
        "response-schema",
        "The Response is valid against the SAML 2.0 schemas (xmllint, opensaml's copies)",
        "ResponseがSAML 2.0スキーマに適合する",
        ["TF-IDP-017"],
        "response",
        login(P::Valid, F::None, R::Good),
        MustBeSchemaValid
    ),
    t!(
        "card-revoked",
        "A card whose user-authentication certificate is revoked",
        "利用者証明用電子証明書が失効したカード",
        ["TF-PKI-005"],
        "card",
        login(P::AuthRevoked, F::None, R::Good),
        MustRefuse
    ),
    t!(
        "card-expired",
        "A card whose user-authentication certificate has expired",
        "利用者証明用電子証明書の有効期限が切れたカード",
        ["TF-PKI-003"],
        "card",
        login(P::AuthExpired, F::None, R::Good),
        MustRefuse
    ),
    t!(
        "card-look-alike-ca",
        "A certificate from a CA with the JPKI CA's name and another key",
        "JPKIの認証局と同じ名前で別の鍵の認証局が発行した証明書",
        ["TF-PKI-001"],
        "card",
        login(P::UnknownCa, F::None, R::Good),
        MustRefuse
    ),
    t!(
        "card-refused-reported",
        "A refused card: the refusal's way back brings the SP a signed AuthnFailed Response",
        "拒否されたカード：戻り先からSPへ署名付きAuthnFailedが届く",
        ["TF-IDP-014"],
        "card",
        Flow::RefusedCardReported,
        ByFlow
    ),
    t!(
        "card-renewed",
        "A card logs in, the CA renews it (the old certificate superseded, the link recorded): the new card gets the same NameID",
        "カードでログインした後、認証局がカードを更新（旧証明書は失効、新旧紐付けを記録）：新しいカードにも同じNameID",
        ["TF-PKI-008", "TF-IDP-008"],
        "card",
        Flow::RenewedCard,
        ByFlow,
        PLATFORM
    ),
    t!(
        "card-renewed-links-down",
        "A card renewed while the CA's renewal links are unreachable: refused, or the same person, never a new one; the same NameID once the links are back",
        "認証局の新旧紐付けサービスに届かない間に更新カードでログイン：拒否か同一人物で、別人にならない。復旧後は同じNameID",
        ["TF-PKI-008", "TF-IDP-008"],
        "card",
        Flow::RenewedCardLinksDown,
        ByFlow,
        PLATFORM
    ),
    t!(
        "card-sign-cert-revoked",
        "Only the signature certificate revoked: the user-authentication one is good",
        "署名用電子証明書だけが失効（利用者証明用は有効）",
        ["TF-PKI-005"],
        "card",
        login(P::SignRevoked, F::None, R::Good),
        MustSucceed
    ),
    // --- Revocation data under faults (TF-PKI-005..007) ---
    t!(
        "pki-ocsp-down-crl-good",
        "OCSP down, the CRL good: the login goes on the CRL",
        "OCSPが停止、CRLは有効：CRLでログインを続ける",
        ["TF-PKI-006"],
        "revocation",
        login(P::Valid, F::OcspDown, R::Good),
        MustSucceed
    ),
    t!(
        "pki-all-down",
        "OCSP down and the CRL stale: no revocation data, fail closed",
        "OCSPが停止しCRLも古い：失効情報がないので拒否（フェイルクローズ）",
        ["TF-PKI-006"],
        "revocation",
        login(P::Valid, F::AllDown, R::Good),
        MustRefuse
    ),
    t!(
        "pki-revoked-ocsp-wrong-signer",
        "A revoked card while OCSP answers 'good' signed by an unauthorised key",
        "失効したカード、OCSPは権限のない鍵で「有効」と署名",
        ["TF-PKI-005"],
        "revocation",
        login(P::AuthRevoked, F::OcspWrongSigner, R::Good),
        MustRefuse
    ),
    t!(
        "pki-revoked-ocsp-stale",
        "A revoked card while OCSP answers are stale",
        "失効したカード、OCSP応答が古い",
        ["TF-PKI-005"],
        "revocation",
        login(P::AuthRevoked, F::OcspStale, R::Good),
        MustRefuse
    ),
    t!(
        "pki-revoked-ocsp-bad-nonce",
        "A revoked card while OCSP echoes another nonce",
        "失効したカード、OCSPが別のnonceを返す",
        ["TF-PKI-005"],
        "revocation",
        login(P::AuthRevoked, F::OcspBadNonce, R::Good),
        MustRefuse
    ),
    // --- The card-login binding (TF-BIND) ---
    t!(
        "bind-challenge-replayed",
        "A finished login's challenge and signature answered again in a new login",
        "完了したログインのチャレンジと署名を新しいログインで再送",
        ["TF-BIND-002"],
        "binding",
        Flow::ChallengeReplayed,
        ByFlow
    ),
    t!(
        "bind-tls-valid",
        "The TLS client-authentication binding, where the IdP offers it: the valid card logs in over TLS 1.2",
        "TLSクライアント認証バインディング（IdPが提供する場合）：有効なカードがTLS 1.2でログインできる",
        ["TF-BIND-006"],
        "binding",
        Flow::TlsLogin(P::Valid),
        MustSucceed
    ),
    t!(
        "bind-tls-revoked",
        "The TLS binding with a revoked card: refused after the handshake",
        "TLSバインディングで失効したカード：ハンドシェイク後に拒否される",
        ["TF-BIND-006", "TF-PKI-005"],
        "binding",
        Flow::TlsLogin(P::AuthRevoked),
        MustRefuse
    ),
    t!(
        "bind-other-transaction",
        "One login's challenge, signed by the card, answered in another login of the same browser",
        "あるログインのチャレンジへの署名を、同じブラウザの別のログインで送信",
        ["TF-BIND-002"],
        "binding",
        Flow::OtherTransaction,
        ByFlow
    ),
    t!(
        "bind-other-browser",
        "The card's answer posted by a browser other than the one that asked for the challenge",
        "チャレンジを求めたのとは別のブラウザがカードの応答を送信",
        ["TF-BIND-002"],
        "binding",
        Flow::AnswerFromOtherBrowser,
        ByFlow
    ),
    t!(
        "bind-challenge-expired",
        "The card's answer, signed in time, posted after the challenge's expires (waited for when it is at most 15 s away)",
        "期限内に署名した応答を、チャレンジの期限切れ後に送信",
        ["TF-BIND-003"],
        "binding",
        Flow::ExpiredChallenge,
        ByFlow
    ),
    t!(
        "bind-other-bytes",
        "The card signs other bytes than the challenge's",
        "カードがチャレンジとは別のバイト列に署名",
        ["TF-BIND-004"],
        "binding",
        Flow::SignatureOverOtherBytes,
        ByFlow
    ),
    // --- The AuthnRequest (TF-IDP) ---
    t!(
        "req-unsigned",
        "An unsigned AuthnRequest from an SP whose metadata says AuthnRequestsSigned",
        "AuthnRequestsSignedのSPから署名のないAuthnRequest",
        ["TF-IDP-004"],
        "request",
        login(P::Valid, F::None, R::Unsigned),
        MustRefuse
    ),
    t!(
        "req-wrong-key",
        "An AuthnRequest signed by a key not in the SP's metadata",
        "SPのメタデータにない鍵で署名したAuthnRequest",
        ["TF-IDP-004"],
        "request",
        login(P::Valid, F::None, R::WrongKey),
        MustRefuse
    ),
    t!(
        "req-tampered",
        "The signed HTTP-Redirect query altered after signing",
        "署名後に改変したHTTP-Redirectのクエリ",
        ["TF-IDP-004"],
        "request",
        login(P::Valid, F::None, R::Tampered),
        MustRefuse
    ),
    t!(
        "req-sha1",
        "An AuthnRequest signed with RSA-SHA1",
        "RSA-SHA1で署名したAuthnRequest",
        ["TF-IDP-004"],
        "request",
        login(P::Valid, F::None, R::Sha1),
        MustRefuse
    ),
    t!(
        "req-unknown-sp",
        "An AuthnRequest from an entity no metadata names",
        "どのメタデータにもないエンティティからのAuthnRequest",
        ["TF-IDP-002"],
        "request",
        login(P::Valid, F::None, R::UnknownSp),
        MustShowErrorPage
    ),
    t!(
        "req-acs-not-in-metadata",
        "AssertionConsumerServiceURL not in the SP's metadata",
        "SPのメタデータにないAssertionConsumerServiceURL",
        ["TF-IDP-003"],
        "request",
        login(P::Valid, F::None, R::AcsNotInMetadata),
        MustNotPostElsewhere
    ),
    t!(
        "req-stale",
        "An AuthnRequest issued an hour ago",
        "1時間前に発行されたAuthnRequest",
        ["TF-IDP-005"],
        "request",
        login(P::Valid, F::None, R::Stale),
        MustRefuse
    ),
    t!(
        "req-doctype",
        "A DOCTYPE before the AuthnRequest",
        "AuthnRequestの前にDOCTYPE",
        ["TF-IDP-015"],
        "request",
        login(P::Valid, F::None, R::Doctype),
        MustRefuse
    ),
    t!(
        "req-post-signed",
        "An AuthnRequest signed enveloped, over the HTTP-POST binding: a Response a strict SP accepts",
        "HTTP-POSTバインディングで送るエンベロープ署名付きAuthnRequest：厳格なSPが受け入れるResponse",
        ["TF-IDP-001", "TF-IDP-004"],
        "request",
        login(P::Valid, F::None, R::PostSigned),
        MustSucceed
    ),
    t!(
        "req-post-wrapped",
        "Over HTTP-POST, an unsigned AuthnRequest carrying the SP's signed one in its Extensions (signature wrapping)",
        "HTTP-POSTで、SPの署名付き要求をExtensionsに入れた無署名のAuthnRequest（署名ラッピング）",
        ["TF-IDP-004"],
        "request",
        login(P::Valid, F::None, R::PostWrapped),
        MustRefuse
    ),
    t!(
        "req-bad-deflate",
        "A signed HTTP-Redirect request whose DEFLATE stream is cut in half",
        "DEFLATEが途中で切れた署名付きHTTP-Redirect要求",
        ["TF-IDP-015"],
        "request",
        login(P::Valid, F::None, R::BadDeflate),
        MustRefuseWithError
    ),
    t!(
        "req-inflates-large",
        "A signed AuthnRequest of a few KiB that inflates to 1 MiB (limit: 256 KiB decoded)",
        "数KiBで送られ1 MiBに展開される署名付きAuthnRequest（上限256 KiB）",
        ["TF-IDP-015"],
        "request",
        login(P::Valid, F::None, R::InflatesLarge),
        MustRefuseWithError
    ),
    // --- Sessions and identifiers (TF-IDP) ---
    t!(
        "sso-across-sps",
        "A login at one SP, then at another: no card, a NameID of its own (pairwise)",
        "あるSPでログインし別のSPへ：カード操作なし、SPごとのNameID（ペアワイズ）",
        ["TF-IDP-008", "TF-IDP-010"],
        "sessions",
        Flow::SsoAcrossSps,
        ByFlow,
        PLATFORM
    ),
    t!(
        "name-id-stable",
        "The same card at the same SP twice: the same NameID",
        "同じカードで同じSPに2回：同じNameID",
        ["TF-IDP-008"],
        "sessions",
        Flow::StableNameId,
        ByFlow,
        PLATFORM
    ),
    t!(
        "force-authn",
        "ForceAuthn after SSO: the card is asked again",
        "SSO後のForceAuthn：カードを再度求める",
        ["TF-IDP-011"],
        "sessions",
        Flow::ForceAuthnAfterSso,
        ByFlow
    ),
    t!(
        "slo-both-sps",
        "Logged in at two SPs, logging out at one: the IdP logs the user out of the other, answers the first, and ends its session",
        "2つのSPにログインし片方でログアウト：もう片方もログアウトし、IdPのセッションも終わる",
        ["TF-IDP-013"],
        "sessions",
        Flow::SingleLogout,
        ByFlow,
        PLATFORM
    ),
    t!(
        "req-authn-context-unavailable",
        "A request for a class the card cannot give (RequestedAuthnContext, exact: Kerberos): a signed NoAuthnContext Response, no login",
        "カードでは満たせないクラスを求める要求（RequestedAuthnContext、exact：Kerberos）：署名付き NoAuthnContext、ログインさせない",
        ["TF-IDP-009", "TF-IDP-014"],
        "request",
        login(P::Valid, F::None, R::UnavailableClass),
        MustAnswerNoAuthnContext
    ),
    t!(
        "is-passive-no-session",
        "IsPassive without a session: a signed NoPassive Response, no login page",
        "セッションなしのIsPassive：署名付きNoPassive、ログイン画面なし",
        ["TF-IDP-012"],
        "sessions",
        login(P::Valid, F::None, R::IsPassive),
        MustAnswerNoPassive
    ),
    // --- The pages (TF-IDP-018) ---
    t!(
        "page-framing",
        "The login page (where the PIN or password is typed) forbids framing by other sites",
        "ログイン画面（暗証番号やパスワードを入力）を他サイトが枠内に表示できない",
        ["TF-IDP-018"],
        "pages",
        Flow::PageFraming,
        ByFlow
    ),
    t!(
        "cookie-flags",
        "Every cookie the IdP sets during a login is HttpOnly (and Secure over https)",
        "ログイン中にIdPが設定するCookieはすべてHttpOnly（httpsではSecureも）",
        ["TF-IDP-018"],
        "pages",
        Flow::CookieFlags,
        ByFlow
    ),
    t!(
        "session-fixation",
        "Identifiers an attacker's browser held before the citizen's login (issued at the login page, or chosen) carry no session after it",
        "利用者のログイン前に攻撃者のブラウザが持っていた識別子（ログイン画面で発行されたもの、または選んだ値）でログイン後のセッションを使えない",
        ["TF-IDP-019"],
        "pages",
        Flow::SessionFixation,
        ByFlow
    ),
    t!(
        "response-not-cached",
        "The page carrying the signed Response to the browser is not cached (Cache-Control: no-store)",
        "署名付きResponseをブラウザに運ぶページをキャッシュさせない（Cache-Control: no-store）",
        ["TF-IDP-020"],
        "pages",
        Flow::ResponseNotCached,
        ByFlow
    ),
    // --- A card IdP releases the card certificate to the platform only (TF-CATV-001) ---
    t!(
        "catv-certificate-to-platform",
        "A login for the platform (SP a, registered as platform in the aggregate): the card's certificate is released",
        "プラットフォーム（集約メタデータで登録）へのログイン：カードの証明書を渡す",
        ["TF-CATV-001"],
        "card-idp",
        Flow::CertificateToPlatform,
        ByFlow,
        CARD_IDP
    ),
    t!(
        "catv-certificate-not-to-sp",
        "A login for a government SP (SP b): the card's certificate is not released",
        "行政機関のSPへのログイン：カードの証明書は渡さない",
        ["TF-CATV-001"],
        "card-idp",
        Flow::CertificateNotToSp,
        ByFlow,
        CARD_IDP
    ),
    t!(
        "relay-state-markup",
        "RelayState carrying markup comes back escaped in the auto-POST form",
        "マークアップを含むRelayStateが自動POSTフォームにエスケープされて戻る",
        ["TF-IDP-015"],
        "request",
        login(P::Valid, F::None, R::RelayStateMarkup),
        MustSucceed
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_registry_is_sound() {
        let mut ids: Vec<&str> = IDP_TESTS.iter().map(|t| t.id).collect();
        let n = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), n, "ids are unique");
        for t in IDP_TESTS {
            for r in t.requirements {
                assert!(
                    trust_framework::profile::find(r).is_some(),
                    "{}: {r} is not in the profile",
                    t.id
                );
            }
        }
    }
}
