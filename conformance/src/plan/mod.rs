//! The test plan: every test a value in one registry ([`all`] for crafted Responses,
//! [`request::CHECKS`] for the SP's own AuthnRequest), each with its id, the profile
//! requirements it checks, how its outcome is judged, and how its message is made.
//! The registry order is the report order. Adding a test touches one file.

mod documents;
mod encrypted;
pub mod fields;
pub mod logout;
pub mod request;
mod responses;
mod signed_info;
mod wrapping;
mod xsw;

use time::OffsetDateTime;

use crate::message::{self, Golden, Key, Knobs, SignSpec, Signing};
use crate::xmlenc::EncSpec;
use crate::CraftError;

use responses::TESTS;

/// Every crafted-Response test, in report order: the hand-written ones, then the
/// field-level negatives generated from [`fields::FIELDS`] before the resilience tests.
pub fn all() -> &'static [&'static Test] {
    static ALL: std::sync::OnceLock<Vec<&'static Test>> = std::sync::OnceLock::new();
    ALL.get_or_init(|| {
        let (last, first): (Vec<&'static Test>, Vec<&'static Test>) =
            TESTS.iter().partition(|t| t.category == RESILIENCE);
        first
            .into_iter()
            .chain(fields::tests())
            .chain(last)
            .collect()
    })
}

/// The test `id` of the plan.
pub fn find(id: &str) -> Option<&'static Test> {
    all().iter().copied().find(|t| t.id == id)
}

/// How a test makes its message.
#[derive(Clone, Copy)]
pub enum Craft {
    /// A hand-written recipe.
    Fn(fn(&Ctx<'_>) -> Result<Crafted, CraftError>),
    /// A row of the field table and one way to break it.
    Field(&'static fields::Field, fields::Variant),
}

/// The encryption test in the profile's form: the twin of every encrypted negative, and
/// where the engine starts looking for the encryption the SP accepts.
pub const ENC_PROFILE: &str = "enc-both-signed";

/// The golden Response encrypted with the algorithms on offer (`Ctx::enc`), both signed:
/// what the engine offers when the profile's encryption is refused (not in the plan).
pub static ENC_PROBE: Test = Test {
    id: ENC_PROFILE,
    title: "the golden Response, encrypted with the algorithms on offer",
    title_ja: "基準の Response を、提示中のアルゴリズムで暗号化",
    requirements: &["TF-SP-011"],
    category: "encryption",
    judge: Judge::MustAccept,
    needs: Needs::EncryptionKey,
    twin: Twin::Itself,
    make: Craft::Fn(|c| encrypted::encrypted(c, Signing::Both)),
};

/// The category of tests that try to hang or crash the SP (run last).
pub const RESILIENCE: &str = "resilience";

/// How a test's outcome is judged, from whether the SP opened a session and for whom.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Judge {
    /// A correct SP accepts it (baselines): a session for the test's identity.
    MustAccept,
    /// MustAccept, unless the SP's metadata says WantAssertionsSigned: then MustRefuse.
    AcceptUnlessWantsAssertionsSigned,
    /// A correct SP refuses it: any session is FAILED.
    MustRefuse,
    /// A correct SP must not believe the forged identity: a session for it is FAILED; a
    /// session for the signed identity is WARNING (it accepted a tampered message but
    /// used only what was signed); none is PASSED.
    MustNotBelieveForged,
    /// The profile discourages accepting it: a session is WARNING.
    ShouldRefuse,
    /// A session is fine; what is judged is where the SP sends the browser after: a
    /// redirect off the SP's own origin (an open redirect) is FAILED.
    MustNotRedirectOffSite,
    /// A session is fine; what is judged is whether the SP fetched what the message
    /// names from the suite's listener (FAILED if it did).
    MustNotFetch,
    /// The message's signature verifies only if the SP expands an entity of the
    /// message's DTD: a session for the identity the expansion gives (the message's
    /// `believed`, else the test's) is FAILED (the expansion is seen); any other session
    /// is WARNING; none is PASSED.
    MustNotExpand,
}

/// What a test needs of the SP to be run at all (otherwise SKIPPED, saying why).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Needs {
    /// Nothing: every SP is tested.
    Nothing,
    /// An encryption key in the SP's metadata (an SP that publishes none takes no
    /// encrypted assertions).
    EncryptionKey,
}

/// The positive twin of a test: the same message shape (signing profile, algorithms,
/// encryption, placement) without the defect. A refusal of the test's message means
/// something only if the SP accepted its twin (verdicts.md §2); otherwise a PASSED is
/// reported as SKIPPED (inconclusive), with the twin's answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Twin {
    /// The test is a positive control itself.
    Itself,
    /// The named test of the plan (a baseline).
    Test(&'static str),
    /// The golden Response encrypted with the strongest algorithms the SP accepts.
    Encrypted,
}

/// The twin of a test whose message has the profile's form (both signed, plaintext).
pub const TWIN_BOTH: Twin = Twin::Test("baseline-both-signed");
/// The twin of a test whose Response is unsigned around a signed assertion.
pub const TWIN_ASSERTION: Twin = Twin::Test("baseline-assertion-signed");
/// The twin of a test whose Response alone is signed.
pub const TWIN_RESPONSE: Twin = Twin::Test("baseline-response-signed");

/// What a test has to make its message from.
pub struct Ctx<'a> {
    /// The golden Response's base.
    pub golden: Golden,
    /// The suite IdP's key (the one the SP trusts).
    pub idp: &'a Key,
    /// A key the SP does not trust.
    pub attacker: &'a Key,
    /// The identity the test's signed assertion is for (unique to the test).
    pub identity: String,
    /// The identity a forgery tries to get (unique to the test).
    pub forged: String,
    /// The loopback listener's base URL (out-of-band fetches are recorded there).
    pub listener: String,
    /// The test's id (marks out-of-band fetches).
    pub test_id: &'a str,
    /// Whether the SP's metadata says WantAssertionsSigned.
    pub wants_assertions_signed: bool,
    /// The SP's encryption certificate (DER), if its metadata publishes one.
    pub sp_encryption_cert: Option<&'a [u8]>,
    /// The strongest encryption the SP was seen to accept (the profile's until tried).
    pub enc: EncSpec,
}

impl Ctx<'_> {
    /// The golden knobs for the test's identity.
    pub fn knobs(&self) -> Knobs {
        self.golden.knobs(&self.identity)
    }

    /// The profile's signature with the suite IdP's key.
    pub fn spec(&self) -> SignSpec {
        SignSpec::standard(self.idp)
    }

    /// Now.
    pub fn now(&self) -> OffsetDateTime {
        self.golden.now
    }
}

/// A crafted message and how to deliver it.
#[derive(Clone, Debug, Default)]
pub struct Crafted {
    /// The Response XML (base64-encoded for the POST binding by the engine).
    pub xml: String,
    /// RelayState to send instead of the request's.
    pub relay_state: Option<String>,
    /// Deliver it twice (fresh browser each); judge the second delivery.
    pub replay: bool,
    /// The identity the SP shows if it believed the signed content (default: the test's).
    pub believed: Option<String>,
    /// Send it DEFLATE-compressed, as only the Redirect binding does, with this many spaces
    /// before the root's end tag: a bomb for an SP that inflates POST messages.
    pub deflate_padding: Option<usize>,
}

impl Crafted {
    /// A message delivered once, with the request's RelayState.
    pub fn of(xml: String) -> Self {
        Self {
            xml,
            ..Self::default()
        }
    }
}

/// A test of the plan.
pub struct Test {
    /// Its id (stable; expected-results files name it).
    pub id: &'static str,
    /// What it sends, in a line.
    pub title: &'static str,
    /// The same in Japanese.
    pub title_ja: &'static str,
    /// The profile requirements it checks.
    pub requirements: &'static [&'static str],
    /// Its group in the report.
    pub category: &'static str,
    /// How its outcome is judged.
    pub judge: Judge,
    /// What it needs of the SP.
    pub needs: Needs,
    /// Its positive twin.
    pub twin: Twin,
    /// Makes its message.
    pub make: Craft,
}

impl Test {
    /// Its message for the context `c`.
    pub fn craft(&self, c: &Ctx<'_>) -> Result<Crafted, CraftError> {
        match self.make {
            Craft::Fn(f) => f(c),
            Craft::Field(field, variant) => fields::craft(field, variant, c),
        }
    }
}

/// The golden Response for the test, signed per `signing`.
pub fn golden(c: &Ctx<'_>, signing: Signing) -> Result<Crafted, CraftError> {
    Ok(Crafted::of(message::build(&c.knobs(), signing, &c.spec())?))
}

/// The golden Response with `f` applied to its knobs, signed per `signing`.
pub fn with(
    c: &Ctx<'_>,
    signing: Signing,
    f: impl FnOnce(&mut Knobs),
) -> Result<Crafted, CraftError> {
    let mut k = c.knobs();
    f(&mut k);
    Ok(Crafted::of(message::build(&k, signing, &c.spec())?))
}

/// The golden Response with `f` applied to the signature spec.
pub fn signed_with(
    c: &Ctx<'_>,
    signing: Signing,
    f: impl FnOnce(&mut SignSpec),
) -> Result<Crafted, CraftError> {
    let mut spec = c.spec();
    f(&mut spec);
    Ok(Crafted::of(message::build(&c.knobs(), signing, &spec)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_registry_is_sound() {
        let mut ids: Vec<&str> = all().iter().map(|t| t.id).collect();
        ids.extend(request::CHECKS.iter().map(|c| c.id));
        ids.extend(logout::LOGOUT_TESTS.iter().map(|t| t.id));
        let n = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), n, "test ids are unique");
        for t in all() {
            assert!(!t.requirements.is_empty(), "{} checks no requirement", t.id);
            for r in t.requirements {
                assert!(
                    trust_framework::profile::find(r).is_some(),
                    "{}: {r} is not in the profile",
                    t.id
                );
            }
            assert!(!t.title.is_empty());
            match t.twin {
                Twin::Itself => assert!(
                    matches!(
                        t.judge,
                        Judge::MustAccept | Judge::AcceptUnlessWantsAssertionsSigned
                    ),
                    "{} is its own twin but not a positive test",
                    t.id
                ),
                Twin::Test(id) => {
                    let twin = find(id);
                    assert!(
                        twin.is_some_and(|x| x.twin == Twin::Itself),
                        "{}: its twin {id} is not a positive test of the plan",
                        t.id
                    );
                }
                Twin::Encrypted => assert_eq!(t.needs, Needs::EncryptionKey, "{}", t.id),
            }
        }
        let logout = logout::LOGOUT_TESTS.iter().map(|t| (t.id, t.requirements));
        for (id, requirements) in request::CHECKS
            .iter()
            .map(|c| (c.id, c.requirements))
            .chain(logout)
        {
            for r in requirements {
                assert!(
                    trust_framework::profile::find(r).is_some(),
                    "{id}: {r} is not in the profile"
                );
            }
        }
        assert!(n >= 100, "the plan has {n} tests");
        let titles = all().iter().map(|t| (t.id, t.title_ja));
        let titles = titles
            .chain(request::CHECKS.iter().map(|c| (c.id, c.title_ja)))
            .chain(logout::LOGOUT_TESTS.iter().map(|t| (t.id, t.title_ja)));
        let mut count = 0;
        for (id, ja) in titles {
            assert!(
                ja.chars().any(is_japanese),
                "{id}: its Japanese title {ja:?} has no Japanese character"
            );
            count += 1;
        }
        assert_eq!(count, n, "every test has a Japanese title");
    }

    /// Hiragana, katakana or a CJK ideograph.
    fn is_japanese(c: char) -> bool {
        matches!(
            c,
            '\u{3040}'..='\u{309F}' // hiragana
                | '\u{30A0}'..='\u{30FF}' // katakana
                | '\u{3400}'..='\u{4DBF}' // CJK ideographs, extension A
                | '\u{4E00}'..='\u{9FFF}' // CJK ideographs
        )
    }
}
