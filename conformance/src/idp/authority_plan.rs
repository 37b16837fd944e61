//! The attribute authority's plan (role `attribute-authority`, TF-PROXY-002/004): model-2
//! registrations, each judged by its effect (is the card registered afterwards?), and
//! AttributeQuery over SOAP, judged by the answer a strict requester reads.

use mock_ca::PersonaId;

use super::plan::CaFault;

/// Where the registration's nonce comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nonce {
    /// The authority's challenge.
    Issued,
    /// Made up by the registrant (the challenge text signed with it in place).
    Invented,
}

/// A registration attempt: who signs what.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Attempt {
    /// The card that signs the challenge.
    pub signs: PersonaId,
    /// The card whose certificate is presented with that signature.
    pub presents: PersonaId,
    /// The professional whose 士業 key signs the registration.
    pub professional: PersonaId,
    /// The card the registration names (the one that would become registered).
    pub names: PersonaId,
    /// The nonce.
    pub nonce: Nonce,
    /// The CA service's behaviour during the attempt.
    pub fault: CaFault,
}

/// A change to the requester's AttributeQuery (about the registered professional's card
/// unless said otherwise).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Query {
    /// As the profile says: signed by the platform, holder-of-key, fresh.
    Good,
    /// About a card nobody registered.
    UnknownCard,
    /// Not signed.
    Unsigned,
    /// Signed by a key the platform's metadata does not hold.
    WrongKey,
    /// From an entity the aggregate does not list, signed with its own key.
    UnknownRequester,
    /// A bearer subject: no holder-of-key confirmation carrying the card's certificate.
    Bearer,
    /// IssueInstant an hour ago.
    Stale,
    /// Destination another endpoint.
    WrongDestination,
    /// A signed query about an unknown card wrapped inside an unsigned one about the
    /// registered card (signature wrapping).
    Wrapped,
    /// A DOCTYPE with an entity declaration before the envelope.
    Doctype,
    /// Asked after the CA revoked the professional's 士業 certificate.
    AfterRevocation,
}

/// How a test is judged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AaJudge {
    /// The registration succeeds and the authority then asserts the qualification.
    MustRegister,
    /// Nothing is registered: the card named is not registered afterwards.
    MustNotRegister,
    /// A signed Response with a signed assertion of the qualification (TF-PROXY-002).
    MustAnswer,
    /// A signed Response with the UnknownPrincipal status.
    MustSayUnknownPrincipal,
    /// A signed Response with the RequestDenied status.
    MustDeny,
    /// Anything but a Success Response.
    MustNotAnswer,
}

/// What the suite does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AaFlow {
    /// A registration attempt.
    Register(Attempt),
    /// One AttributeQuery.
    Query(Query),
}

/// A test of the attribute authority's plan.
#[derive(Debug)]
pub struct AaTest {
    /// Its id.
    pub id: &'static str,
    /// What it does.
    pub title: &'static str,
    /// The same in Japanese.
    pub title_ja: &'static str,
    /// The requirements it checks.
    pub requirements: &'static [&'static str],
    /// Its group in the report.
    pub category: &'static str,
    /// What the suite does.
    pub flow: AaFlow,
    /// How it is judged.
    pub judge: AaJudge,
}

/// The professional of the suite's 税理士 body.
pub const PROFESSIONAL: PersonaId = PersonaId::TaxAccountant;

const fn attempt(signs: PersonaId, presents: PersonaId, names: PersonaId) -> Attempt {
    Attempt {
        signs,
        presents,
        professional: PROFESSIONAL,
        names,
        nonce: Nonce::Issued,
        fault: CaFault::None,
    }
}

/// The professional registering their own card: every key and name consistent.
const fn own(card: PersonaId) -> Attempt {
    attempt(card, card, card)
}

use AaJudge::*;
use PersonaId as P;

macro_rules! t {
    ($id:literal, $title:literal, $ja:literal, [$($r:literal),+], $cat:literal, $flow:expr, $judge:expr) => {
        AaTest { id: $id, title: $title, title_ja: $ja, requirements: &[$($r),+], category: $cat, flow: $flow, judge: $judge }
    };
}

/// Every test, in report order (the revocation of the professional's certificate last:
/// it stays revoked for the rest of the run).
pub static AA_TESTS: &[AaTest] = &[
    t!(
        "aa-register-valid",
        "A 税理士 registers their card, proving both keys: the authority then asserts the qualification",
        "税理士が両方の鍵で証明してカードを登録：以後、資格が表明される",
        ["TF-PROXY-004", "TF-PROXY-002"],
        "registration",
        AaFlow::Register(own(PROFESSIONAL)),
        MustRegister
    ),
    t!(
        "aa-register-other-card-named",
        "The registration names another card than the one that signed the challenge",
        "チャレンジに署名したのとは別のカードを指定した登録",
        ["TF-PROXY-004"],
        "registration",
        AaFlow::Register(attempt(PROFESSIONAL, PROFESSIONAL, P::NoSignCert)),
        MustNotRegister
    ),
    t!(
        "aa-register-card-not-proven",
        "The challenge signed by one card, presented with another card's certificate (named in the registration)",
        "あるカードで署名し、別のカードの証明書を提示した登録",
        ["TF-PROXY-004"],
        "registration",
        AaFlow::Register(attempt(PROFESSIONAL, P::SignPinBlocked, P::SignPinBlocked)),
        MustNotRegister
    ),
    t!(
        "aa-register-nonce-not-issued",
        "A registration for a nonce the authority never issued",
        "属性認証機関が発行していないnonceでの登録",
        ["TF-PROXY-004"],
        "registration",
        AaFlow::Register(Attempt { nonce: Nonce::Invented, ..own(P::SignRevoked) }),
        MustNotRegister
    ),
    t!(
        "aa-register-other-body",
        "A 司法書士's certificate (another body's CA) signs the registration",
        "他の士業団体（司法書士）の証明書で署名した登録",
        ["TF-PROXY-004"],
        "registration",
        AaFlow::Register(Attempt { professional: P::JudicialScrivener, ..own(P::JudicialScrivener) }),
        MustNotRegister
    ),
    t!(
        "aa-register-revoked-card",
        "A card whose user-authentication certificate is revoked",
        "利用者証明用電子証明書が失効したカード",
        ["TF-PROXY-004", "TF-PKI-005"],
        "registration",
        AaFlow::Register(own(P::AuthRevoked)),
        MustNotRegister
    ),
    t!(
        "aa-register-expired-card",
        "A card whose user-authentication certificate has expired",
        "利用者証明用電子証明書の有効期限が切れたカード",
        ["TF-PROXY-004", "TF-PKI-003"],
        "registration",
        AaFlow::Register(own(P::AuthExpired)),
        MustNotRegister
    ),
    t!(
        "aa-register-look-alike-ca",
        "A card from a CA with the JPKI CA's name and another key",
        "JPKIの認証局と同じ名前で別の鍵の認証局が発行したカード",
        ["TF-PROXY-004", "TF-PKI-001"],
        "registration",
        AaFlow::Register(own(P::UnknownCa)),
        MustNotRegister
    ),
    t!(
        "aa-register-no-revocation-data",
        "OCSP down and the CRL stale during the registration: fail closed",
        "登録中にOCSP停止、CRLも古い：拒否（フェイルクローズ）",
        ["TF-PROXY-004", "TF-PKI-006"],
        "registration",
        AaFlow::Register(Attempt { fault: CaFault::AllDown, ..own(P::Renewed) }),
        MustNotRegister
    ),
    t!(
        "aa-query-valid",
        "The platform asks about the registered card: a signed Response, a signed assertion of the qualification for the platform and the SP, valid at most 5 minutes",
        "登録済みのカードについての照会：署名付きResponse、資格の署名付きAssertion（有効5分以内）",
        ["TF-PROXY-002"],
        "query",
        AaFlow::Query(Query::Good),
        MustAnswer
    ),
    t!(
        "aa-query-unknown-card",
        "A query about a card nobody registered: UnknownPrincipal, signed",
        "誰も登録していないカードの照会：署名付きUnknownPrincipal",
        ["TF-PROXY-002"],
        "query",
        AaFlow::Query(Query::UnknownCard),
        MustSayUnknownPrincipal
    ),
    t!(
        "aa-query-unsigned",
        "An unsigned query naming the platform as Issuer: a signed RequestDenied",
        "プラットフォームを名乗る署名のない照会：署名付きRequestDenied",
        ["TF-PROXY-002"],
        "query",
        AaFlow::Query(Query::Unsigned),
        MustDeny
    ),
    t!(
        "aa-query-wrong-key",
        "A query naming the platform, signed by a key not in its metadata: a signed RequestDenied",
        "プラットフォームを名乗り、メタデータにない鍵で署名した照会：署名付きRequestDenied",
        ["TF-PROXY-002"],
        "query",
        AaFlow::Query(Query::WrongKey),
        MustDeny
    ),
    t!(
        "aa-query-unknown-requester",
        "A query from an entity the federation metadata does not list: a signed RequestDenied",
        "フェデレーションのメタデータにないエンティティからの照会：署名付きRequestDenied",
        ["TF-PROXY-002"],
        "query",
        AaFlow::Query(Query::UnknownRequester),
        MustDeny
    ),
    t!(
        "aa-query-bearer",
        "A query whose subject has no holder-of-key confirmation with the card's certificate",
        "カードの証明書による保持者確認（holder-of-key）のない照会",
        ["TF-PROXY-002"],
        "query",
        AaFlow::Query(Query::Bearer),
        MustNotAnswer
    ),
    t!(
        "aa-query-stale",
        "A query issued an hour ago",
        "1時間前に発行された照会",
        ["TF-PROXY-002"],
        "query",
        AaFlow::Query(Query::Stale),
        MustNotAnswer
    ),
    t!(
        "aa-query-wrong-destination",
        "A query addressed to another endpoint",
        "別のエンドポイント宛ての照会",
        ["TF-PROXY-002"],
        "query",
        AaFlow::Query(Query::WrongDestination),
        MustNotAnswer
    ),
    t!(
        "aa-query-wrapped",
        "A signed query about another card wrapped inside an unsigned one about the registered card",
        "別のカードについての署名付き照会を、登録済みカードについての無署名照会で包んだもの",
        ["TF-PROXY-002"],
        "query",
        AaFlow::Query(Query::Wrapped),
        MustNotAnswer
    ),
    t!(
        "aa-query-doctype",
        "A DOCTYPE with an entity declaration before the SOAP envelope",
        "SOAPエンベロープの前に実体宣言付きのDOCTYPE",
        ["TF-PROXY-002", "TF-IDP-015"],
        "query",
        AaFlow::Query(Query::Doctype),
        MustNotAnswer
    ),
    t!(
        "aa-query-after-revocation",
        "The professional's 士業 certificate revoked by its CA: the qualification is no longer asserted",
        "認証局が士業の証明書を失効：資格はもう表明されない",
        ["TF-PROXY-003"],
        "query",
        AaFlow::Query(Query::AfterRevocation),
        MustNotAnswer
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_registry_is_sound() {
        let mut ids: Vec<&str> = AA_TESTS.iter().map(|t| t.id).collect();
        let n = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), n, "ids are unique");
        for t in AA_TESTS {
            for r in t.requirements {
                assert!(trust_framework::profile::find(r).is_some(), "{}: {r}", t.id);
            }
        }
        // Each refused registration names a card of its own: one that got registered
        // by a lax authority cannot hide another test's outcome.
        let mut named: Vec<PersonaId> = AA_TESTS
            .iter()
            .filter_map(|t| match (t.flow, t.judge) {
                (AaFlow::Register(a), MustNotRegister) => Some(a.names),
                _ => None,
            })
            .collect();
        let n = named.len();
        named.sort_unstable();
        named.dedup();
        assert_eq!(named.len(), n);
        assert!(!named.contains(&PROFESSIONAL));
        assert_eq!(
            AA_TESTS.last().map(|t| t.flow),
            Some(AaFlow::Query(Query::AfterRevocation))
        );
    }
}
