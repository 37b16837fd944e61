//! The crafted Responses, in report order. Each starts from the golden Response of
//! the captured AuthnRequest and changes one thing (saml-attacks.md has the recipes and
//! the real products each has caught).

use time::Duration;
use trust_framework::saml::constants::status;

use super::encrypted::{self, encrypted, encrypted_changed, encrypted_spec};
use super::xsw;
use super::{documents, signed_info, wrapping};
use super::{
    golden, signed_with, with, Craft, Crafted, Ctx, Judge, Needs, Test, Twin, TWIN_ASSERTION,
    TWIN_BOTH, TWIN_RESPONSE,
};
use crate::hmac_sig::{self, HmacAlg};
use crate::message::{
    self, KeyInfo, SignSpec, Signing, ALG_C14N_WITH_COMMENTS, ALG_RSA_SHA1, ALG_SHA1,
};
use crate::splice;
use crate::xmlenc::{Content, EncSpec, KeyPlace, Transport};
use crate::CraftError;

use Judge::{
    AcceptUnlessWantsAssertionsSigned, MustAccept, MustNotBelieveForged, MustNotExpand,
    MustNotFetch, MustNotRedirectOffSite, MustRefuse, ShouldRefuse,
};
use Signing::{Assertion, Both, Response};

const OTHER: &str = "http://127.0.0.1:9/elsewhere";
/// Beyond the profile's largest clock skew (TF-SP-003: 3 minutes).
const PAST_SKEW: Duration = Duration::minutes(4);

/// A test of a plaintext Response. Its twin is the profile's form (both signed) unless
/// named (`twin = …`), or itself when it is a positive test.
macro_rules! t {
    ($id:literal, $title:literal, $ja:literal, [$($r:literal),+], $cat:literal, $judge:expr, twin = $twin:expr, $craft:expr) => {
        Test { id: $id, title: $title, title_ja: $ja, requirements: &[$($r),+], category: $cat, judge: $judge, needs: Needs::Nothing, twin: $twin, make: Craft::Fn($craft) }
    };
    ($id:literal, $title:literal, $ja:literal, [$($r:literal),+], $cat:literal, $judge:expr, $craft:expr) => {
        Test { id: $id, title: $title, title_ja: $ja, requirements: &[$($r),+], category: $cat, judge: $judge, needs: Needs::Nothing, twin: default_twin($judge, TWIN_BOTH), make: Craft::Fn($craft) }
    };
}

/// A test of an encrypted assertion: run only where the SP publishes an encryption key;
/// its twin is the golden Response encrypted the way the SP was seen to accept.
macro_rules! enc {
    ($id:literal, $title:literal, $ja:literal, [$($r:literal),+], $judge:expr, $craft:expr) => {
        Test { id: $id, title: $title, title_ja: $ja, requirements: &[$($r),+], category: "encryption", judge: $judge, needs: Needs::EncryptionKey, twin: default_twin($judge, Twin::Encrypted), make: Craft::Fn($craft) }
    };
}

/// A positive test is its own twin; a negative one has `negative`.
const fn default_twin(judge: Judge, negative: Twin) -> Twin {
    match judge {
        MustAccept | AcceptUnlessWantsAssertionsSigned => Twin::Itself,
        _ => negative,
    }
}

/// A forgery for the forged identity whose assertion carries an HMAC keyed with `key`,
/// in an unsigned Response.
fn hmac_forgery(
    c: &Ctx<'_>,
    alg: HmacAlg,
    key: &[u8],
    output_bits: Option<u32>,
) -> Result<Crafted, CraftError> {
    hmac_forgery_with(c, alg, key, output_bits, "")
}

/// As [`hmac_forgery`], with `key_info` (raw XML) in the Signature.
fn hmac_forgery_with(
    c: &Ctx<'_>,
    alg: HmacAlg,
    key: &[u8],
    output_bits: Option<u32>,
    key_info: &str,
) -> Result<Crafted, CraftError> {
    let k = c.golden.knobs(&c.forged);
    let spec = SignSpec::standard(c.attacker);
    let assertion = hmac_sig::hmac_signed_assertion(&k, &spec, alg, key, output_bits, key_info)?;
    Ok(Crafted::of(message::wrap(&k, Signing::None, &spec, &assertion)?).forged(c))
}

/// A forgery signed by the attacker's key, with `key_info`.
fn attacker(c: &Ctx<'_>, signing: Signing, key_info: KeyInfo) -> Result<Crafted, CraftError> {
    let mut spec = SignSpec::standard(c.attacker);
    spec.key_info = key_info;
    Ok(Crafted::of(message::build(&c.golden.knobs(&c.forged), signing, &spec)?).forged(c))
}

impl Crafted {
    /// Marks the message as claiming the forged identity (the SP must not believe it).
    fn forged(mut self, c: &Ctx<'_>) -> Self {
        self.believed = Some(c.forged.clone());
        self
    }
}

/// The golden Response, signed, then altered after signing by `f` (the signature breaks).
fn tampered(
    c: &Ctx<'_>,
    signing: Signing,
    f: impl FnOnce(&str) -> Result<String, CraftError>,
) -> Result<Crafted, CraftError> {
    let xml = message::build(&c.knobs(), signing, &c.spec())?;
    Ok(Crafted::of(f(&xml)?))
}

/// The NameID `<forged><split>.suffix`, signed as it is: its text is `<forged>.suffix`,
/// but an SP that reads only the first text node believes `<forged>` (which the IdP
/// never asserted).
fn injected(c: &Ctx<'_>, signing: Signing, split: &str) -> Result<Crafted, CraftError> {
    let mut k = c.knobs();
    k.name_id_raw = format!("{}{split}.suffix", c.forged);
    Ok(Crafted::of(message::build(&k, signing, &c.spec())?).forged(c))
}

/// A DOCTYPE put before the signed Response's root.
fn with_doctype(c: &Ctx<'_>, dtd: &str) -> Result<Crafted, CraftError> {
    let xml = message::build(&c.knobs(), Both, &c.spec())?;
    Ok(Crafted::of(format!("{dtd}{xml}")))
}

/// An unsigned forged Assertion put `where` in the signed Response.
fn hidden(
    c: &Ctx<'_>,
    place: fn(&str, &str) -> Result<String, CraftError>,
) -> Result<Crafted, CraftError> {
    let xml = message::build(&c.knobs(), Both, &c.spec())?;
    let forged = message::assertion(&c.golden.knobs(&c.forged), "");
    Ok(Crafted::of(place(&xml, &forged)?).forged(c))
}

fn before_assertion(xml: &str, what: &str) -> Result<String, CraftError> {
    let a = splice::assertion_range(xml)?;
    Ok(splice::insert(xml, a.start, what))
}

fn after_assertion(xml: &str, what: &str) -> Result<String, CraftError> {
    let a = splice::assertion_range(xml)?;
    Ok(splice::insert(xml, a.end, what))
}

/// The golden Response with RelayState `relay` (an off-site target on loopback).
fn relay(c: &Ctx<'_>, relay: String) -> Result<Crafted, CraftError> {
    let mut crafted = golden(c, Both)?;
    crafted.relay_state = Some(relay);
    Ok(crafted)
}

/// The listener under another host name (`localhost`, still loopback): an SP that
/// compares host names only would otherwise take the listener's other port for itself.
fn off_site(c: &Ctx<'_>) -> String {
    format!(
        "{}/relay-target/{}",
        c.listener.replacen("127.0.0.1", "localhost", 1),
        c.test_id
    )
}

/// Every crafted-Response test.
pub static TESTS: &[Test] = &[
    // --- Baselines: a correct SP must accept these (positive controls) ---
    t!(
        "baseline-both-signed",
        "Response and Assertion signed (the profile's form)",
        "Response と Assertion に署名（プロファイルの形式）",
        ["TF-SP-001"],
        "baseline",
        MustAccept,
        |c| golden(c, Both)
    ),
    t!(
        "baseline-assertion-signed",
        "Assertion signed, Response not",
        "Assertion に署名、Response は署名なし",
        ["TF-SP-001"],
        "baseline",
        MustAccept,
        |c| golden(c, Assertion)
    ),
    t!(
        "baseline-response-signed",
        "Response signed, Assertion not (refused if the SP's metadata says WantAssertionsSigned)",
        "Response に署名、Assertion は署名なし（SP のメタデータが WantAssertionsSigned なら拒否）",
        ["TF-SP-001"],
        "baseline",
        AcceptUnlessWantsAssertionsSigned,
        |c| golden(c, Response)
    ),
    // --- Signatures stripped, broken or misplaced ---
    t!(
        "sig-none",
        "No signature at all",
        "署名なし",
        ["TF-SP-001"],
        "signature",
        MustRefuse,
        |c| golden(c, Signing::None)
    ),
    t!(
        "sig-assertion-tampered",
        "Assertion signed, NameID changed after signing",
        "Assertion に署名、署名後に NameID を改変",
        ["TF-SP-001", "TF-SP-002"],
        "signature",
        MustNotBelieveForged,
        twin = TWIN_ASSERTION,
        |c| {
            let f = c.forged.clone();
            Ok(tampered(c, Assertion, |x| splice::set_name_id(x, &f))?.forged(c))
        }
    ),
    t!(
        "sig-both-assertion-tampered",
        "Both signed, NameID changed after signing",
        "両方に署名、署名後に NameID を改変",
        ["TF-SP-001", "TF-SP-002"],
        "signature",
        MustNotBelieveForged,
        |c| {
            let f = c.forged.clone();
            Ok(tampered(c, Both, |x| splice::set_name_id(x, &f))?.forged(c))
        }
    ),
    t!(
        "sig-response-tampered",
        "Response signed, NameID changed after signing",
        "Response に署名、署名後に NameID を改変",
        ["TF-SP-001", "TF-SP-002"],
        "signature",
        MustNotBelieveForged,
        twin = TWIN_RESPONSE,
        |c| {
            let f = c.forged.clone();
            Ok(tampered(c, Response, |x| splice::set_name_id(x, &f))?.forged(c))
        }
    ),
    t!(
        "sig-response-bad-assertion-good",
        "Both signed; the Response's signature broken, the Assertion's intact",
        "両方に署名。Response の署名は破損、Assertion の署名は無傷",
        ["TF-SP-001"],
        "signature",
        MustRefuse,
        |c| tampered(c, Both, |x| {
            splice::set_root_attribute(x, "IssueInstant", "2001-01-01T00:00:00Z")
        })
    ),
    t!(
        "sig-assertion-removed-both",
        "Both signed; the Assertion's signature removed after signing",
        "両方に署名。署名後に Assertion の署名を削除",
        ["TF-SP-001"],
        "signature",
        MustRefuse,
        |c| tampered(c, Both, |x| {
            let r = splice::assertion_signature_range(x)?;
            Ok(splice::replace(x, r, ""))
        })
    ),
    t!(
        "sig-empty-value",
        "Assertion signature with an empty SignatureValue",
        "SignatureValue が空の Assertion 署名",
        ["TF-SP-001"],
        "signature",
        MustRefuse,
        twin = TWIN_ASSERTION,
        |c| tampered(c, Assertion, |x| {
            let r = splice::range(
                x,
                trust_framework::saml::constants::NS_DSIG,
                "SignatureValue",
                None,
            )?;
            Ok(splice::replace(
                x,
                r,
                "<ds:SignatureValue></ds:SignatureValue>",
            ))
        })
    ),
    t!(
        "sig-garbage-value",
        "Assertion signature value not base64 (verification errors out)",
        "Assertion の署名値が base64 でない（検証がエラーになる）",
        ["TF-SP-001"],
        "signature",
        MustRefuse,
        twin = TWIN_ASSERTION,
        |c| tampered(c, Assertion, |x| {
            let r = splice::range(
                x,
                trust_framework::saml::constants::NS_DSIG,
                "SignatureValue",
                None,
            )?;
            Ok(splice::replace(
                x,
                r,
                "<ds:SignatureValue>!!not-base64!!</ds:SignatureValue>",
            ))
        })
    ),
    t!(
        "sig-reference-whole-document",
        "Assertion signature with Reference URI=\"\"",
        "Reference URI=\"\" の Assertion 署名",
        ["TF-SP-001", "TF-SP-002"],
        "signature",
        MustRefuse,
        twin = TWIN_ASSERTION,
        |c| tampered(c, Assertion, |x| {
            let id = splice_id(x)?;
            must_replace(x, &format!("URI=\"#{id}\""), "URI=\"\"")
        })
    ),
    t!(
        "sig-reference-other-id",
        "Assertion signature referencing an ID that is not there",
        "存在しない ID を参照する Assertion 署名",
        ["TF-SP-001"],
        "signature",
        MustRefuse,
        twin = TWIN_ASSERTION,
        |c| tampered(c, Assertion, |x| {
            let id = splice_id(x)?;
            must_replace(x, &format!("URI=\"#{id}\""), "URI=\"#_nothing_here\"")
        })
    ),
    t!(
        "sig-unknown-method",
        "SignatureMethod with an unknown algorithm URI",
        "SignatureMethod に未知のアルゴリズム URI",
        ["TF-SP-001", "TF-SP-007"],
        "signature",
        MustRefuse,
        twin = TWIN_ASSERTION,
        |c| tampered(c, Assertion, |x| {
            must_replace(
                x,
                "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
                "urn:mnctf:no-such-algorithm",
            )
        })
    ),
    // --- Signature wrapping ---
    t!(
        "xsw1",
        "XSW1: Response-signed, signature-less copy inside the Signature",
        "XSW1: Response に署名、署名のないコピーを Signature の中に配置",
        ["TF-SP-002"],
        "wrapping",
        MustNotBelieveForged,
        twin = TWIN_RESPONSE,
        |c| Ok(xsw::xsw1(c)?.forged(c))
    ),
    t!(
        "xsw2",
        "XSW2: Response-signed, signature-less copy before the Signature",
        "XSW2: Response に署名、署名のないコピーを Signature の前に配置",
        ["TF-SP-002"],
        "wrapping",
        MustNotBelieveForged,
        twin = TWIN_RESPONSE,
        |c| Ok(xsw::xsw2(c)?.forged(c))
    ),
    t!(
        "xsw3-assertion-signed",
        "XSW3: forged Assertion before the signed one (assertion signed)",
        "XSW3: 署名済み Assertion の前に偽造 Assertion（Assertion 署名）",
        ["TF-SP-002"],
        "wrapping",
        MustNotBelieveForged,
        twin = TWIN_ASSERTION,
        |c| Ok(xsw::xsw3(c, Assertion)?.forged(c))
    ),
    t!(
        "xsw3-both-signed",
        "XSW3: forged Assertion before the signed one (both signed)",
        "XSW3: 署名済み Assertion の前に偽造 Assertion（両方に署名）",
        ["TF-SP-002"],
        "wrapping",
        MustNotBelieveForged,
        |c| Ok(xsw::xsw3(c, Both)?.forged(c))
    ),
    t!(
        "xsw4-assertion-signed",
        "XSW4: signed Assertion nested in a forged one (assertion signed)",
        "XSW4: 署名済み Assertion を偽造 Assertion の中に入れ子（Assertion 署名）",
        ["TF-SP-002"],
        "wrapping",
        MustNotBelieveForged,
        twin = TWIN_ASSERTION,
        |c| Ok(xsw::xsw4(c, Assertion)?.forged(c))
    ),
    t!(
        "xsw4-both-signed",
        "XSW4: signed Assertion nested in a forged one (both signed)",
        "XSW4: 署名済み Assertion を偽造 Assertion の中に入れ子（両方に署名）",
        ["TF-SP-002"],
        "wrapping",
        MustNotBelieveForged,
        |c| Ok(xsw::xsw4(c, Both)?.forged(c))
    ),
    t!(
        "xsw5-assertion-signed",
        "XSW5: signature left in the forged Assertion, clean copy appended (assertion signed)",
        "XSW5: 署名を偽造 Assertion に残し、元のままのコピーを末尾に追加（Assertion 署名）",
        ["TF-SP-002"],
        "wrapping",
        MustNotBelieveForged,
        twin = TWIN_ASSERTION,
        |c| Ok(xsw::xsw5(c, Assertion)?.forged(c))
    ),
    t!(
        "xsw5-both-signed",
        "XSW5: signature left in the forged Assertion, clean copy appended (both signed)",
        "XSW5: 署名を偽造 Assertion に残し、元のままのコピーを末尾に追加（両方に署名）",
        ["TF-SP-002"],
        "wrapping",
        MustNotBelieveForged,
        |c| Ok(xsw::xsw5(c, Both)?.forged(c))
    ),
    t!(
        "xsw6-assertion-signed",
        "XSW6: clean copy inside the forged Assertion's Signature (assertion signed)",
        "XSW6: 元のままのコピーを偽造 Assertion の Signature の中に配置（Assertion 署名）",
        ["TF-SP-002"],
        "wrapping",
        MustNotBelieveForged,
        twin = TWIN_ASSERTION,
        |c| Ok(xsw::xsw6(c, Assertion)?.forged(c))
    ),
    t!(
        "xsw6-both-signed",
        "XSW6: clean copy inside the forged Assertion's Signature (both signed)",
        "XSW6: 元のままのコピーを偽造 Assertion の Signature の中に配置（両方に署名）",
        ["TF-SP-002"],
        "wrapping",
        MustNotBelieveForged,
        |c| Ok(xsw::xsw6(c, Both)?.forged(c))
    ),
    t!(
        "xsw7-new-id",
        "XSW7: forged copy (new ID) in an Extensions element",
        "XSW7: 偽造コピー（新しい ID）を Extensions 要素に配置",
        ["TF-SP-002"],
        "wrapping",
        MustNotBelieveForged,
        twin = TWIN_ASSERTION,
        |c| Ok(xsw::xsw7(c, Assertion, false)?.forged(c))
    ),
    t!(
        "xsw7-same-id",
        "XSW7: forged copy (same ID) in an Extensions element",
        "XSW7: 偽造コピー（同じ ID）を Extensions 要素に配置",
        ["TF-SP-002"],
        "wrapping",
        MustNotBelieveForged,
        twin = TWIN_ASSERTION,
        |c| Ok(xsw::xsw7(c, Assertion, true)?.forged(c))
    ),
    t!(
        "xsw7-both-signed",
        "XSW7: forged copy in Extensions (both signed)",
        "XSW7: 偽造コピーを Extensions に配置（両方に署名）",
        ["TF-SP-002"],
        "wrapping",
        MustNotBelieveForged,
        |c| Ok(xsw::xsw7(c, Both, false)?.forged(c))
    ),
    t!(
        "xsw8-same-id",
        "XSW8: signed Assertion edited, clean copy (same ID) in a ds:Object",
        "XSW8: 署名済み Assertion を改変、元のままのコピー（同じ ID）を ds:Object に配置",
        ["TF-SP-002"],
        "wrapping",
        MustNotBelieveForged,
        twin = TWIN_ASSERTION,
        |c| Ok(xsw::xsw8(c, Assertion, true)?.forged(c))
    ),
    t!(
        "xsw8-new-id",
        "XSW8: signed Assertion edited (new ID), clean copy in a ds:Object",
        "XSW8: 署名済み Assertion を改変（新しい ID）、元のままのコピーを ds:Object に配置",
        ["TF-SP-002"],
        "wrapping",
        MustNotBelieveForged,
        twin = TWIN_ASSERTION,
        |c| Ok(xsw::xsw8(c, Assertion, false)?.forged(c))
    ),
    t!(
        "xsw8-both-signed",
        "XSW8: as above, Response signed too",
        "XSW8: 同上、Response にも署名",
        ["TF-SP-002"],
        "wrapping",
        MustNotBelieveForged,
        |c| Ok(xsw::xsw8(c, Both, true)?.forged(c))
    ),
    t!(
        "xsw-status-detail-response-signed",
        "The Response's signature moved to a new root, the signed Response in its StatusDetail, a forged Assertion in place (samlify CVE-2025-47949)",
        "Response の署名を新しいルートへ移動、署名済み Response をその StatusDetail に入れ、元の位置に偽造 Assertion（samlify CVE-2025-47949）",
        ["TF-SP-002"],
        "wrapping",
        MustNotBelieveForged,
        twin = TWIN_RESPONSE,
        |c| wrapping::status_detail(c, Response)
    ),
    t!(
        "xsw-status-detail-both-signed",
        "As above, from a Response with both signed (samlify CVE-2025-47949)",
        "同上、両方に署名した Response から作成（samlify CVE-2025-47949）",
        ["TF-SP-002"],
        "wrapping",
        MustNotBelieveForged,
        |c| wrapping::status_detail(c, Both)
    ),
    t!(
        "xsw-advice-signed-response",
        "The Response's signature moved to a new root, the signed Response in the forged Assertion's Advice (samlify CVE-2025-47949)",
        "Response の署名を新しいルートへ移動、署名済み Response を偽造 Assertion の Advice に配置（samlify CVE-2025-47949）",
        ["TF-SP-002"],
        "wrapping",
        MustNotBelieveForged,
        twin = TWIN_RESPONSE,
        wrapping::advice
    ),
    t!(
        "xsw-extensions-moved-signature",
        "The Assertion's signature moved to the Response, the signed Assertion in samlp:Extensions, a forged one in place (samlify CVE-2025-47949)",
        "Assertion の署名を Response へ移動、署名済み Assertion を samlp:Extensions に入れ、元の位置に偽造 Assertion（samlify CVE-2025-47949）",
        ["TF-SP-002"],
        "wrapping",
        MustNotBelieveForged,
        twin = TWIN_ASSERTION,
        wrapping::extensions
    ),
    t!(
        "xsw-not-enveloped-foreign",
        "The signed Assertion edited in place (new ID, Signature kept), the clean copy in a foreign element after it (pysaml2 CVE-2020-5390)",
        "署名済み Assertion をその場で改変（新しい ID、Signature は残す）、元のままのコピーをその後ろの独自要素に配置（pysaml2 CVE-2020-5390）",
        ["TF-SP-002"],
        "wrapping",
        MustNotBelieveForged,
        twin = TWIN_ASSERTION,
        |c| wrapping::not_enveloped(c, false)
    ),
    t!(
        "xsw-not-enveloped-extensions",
        "As above, the clean copy in samlp:Extensions after the Issuer (pysaml2 CVE-2020-5390)",
        "同上、元のままのコピーを Issuer の後の samlp:Extensions に配置（pysaml2 CVE-2020-5390）",
        ["TF-SP-002"],
        "wrapping",
        MustNotBelieveForged,
        twin = TWIN_ASSERTION,
        |c| wrapping::not_enveloped(c, true)
    ),
    // --- Keys ---
    t!(
        "key-attacker-cert-in-keyinfo",
        "Signed by an untrusted key, its certificate in KeyInfo",
        "信頼されていない鍵で署名、その証明書を KeyInfo に格納",
        ["TF-SP-001"],
        "keys",
        MustNotBelieveForged,
        |c| attacker(c, Both, KeyInfo::Certificate(c.attacker.cert_der.clone()))
    ),
    t!(
        "key-attacker-assertion-only",
        "Assertion signed by an untrusted key, its certificate in KeyInfo",
        "Assertion を信頼されていない鍵で署名、その証明書を KeyInfo に格納",
        ["TF-SP-001"],
        "keys",
        MustNotBelieveForged,
        twin = TWIN_ASSERTION,
        |c| attacker(
            c,
            Assertion,
            KeyInfo::Certificate(c.attacker.cert_der.clone())
        )
    ),
    t!(
        "key-attacker-idp-cert-in-keyinfo",
        "Signed by an untrusted key, the IdP's certificate in KeyInfo",
        "信頼されていない鍵で署名、IdP の証明書を KeyInfo に格納",
        ["TF-SP-001"],
        "keys",
        MustNotBelieveForged,
        |c| attacker(c, Both, KeyInfo::Certificate(c.idp.cert_der.clone()))
    ),
    t!(
        "key-attacker-raw-key",
        "Signed by an untrusted key given as a raw KeyValue",
        "生の KeyValue で示した信頼されていない鍵で署名",
        ["TF-SP-001"],
        "keys",
        MustNotBelieveForged,
        |c| attacker(c, Both, KeyInfo::KeyValue)
    ),
    t!(
        "key-attacker-no-keyinfo",
        "Signed by an untrusted key, no KeyInfo",
        "信頼されていない鍵で署名、KeyInfo なし",
        ["TF-SP-001"],
        "keys",
        MustNotBelieveForged,
        |c| attacker(c, Both, KeyInfo::None)
    ),
    t!(
        "key-idp-no-keyinfo",
        "Signed by the IdP's key, no KeyInfo (the key comes from metadata)",
        "IdP の鍵で署名、KeyInfo なし（鍵はメタデータから取得）",
        ["TF-SP-001"],
        "keys",
        MustAccept,
        |c| signed_with(c, Both, |s| s.key_info = KeyInfo::None)
    ),
    t!(
        "key-hmac-sha256-idp-cert",
        "A forgery \"signed\" with HMAC-SHA256 keyed with the IdP's certificate (public bytes)",
        "IdP の証明書（公開されているバイト列）を鍵とする HMAC-SHA256 で「署名」した偽造",
        ["TF-SP-001", "TF-SP-007"],
        "keys",
        MustNotBelieveForged,
        twin = TWIN_ASSERTION,
        |c| hmac_forgery(c, HmacAlg::Sha256, &c.idp.cert_der, None)
    ),
    t!(
        "key-hmac-sha1-idp-cert",
        "A forgery \"signed\" with HMAC-SHA1 keyed with the IdP's certificate",
        "IdP の証明書を鍵とする HMAC-SHA1 で「署名」した偽造",
        ["TF-SP-001", "TF-SP-007"],
        "keys",
        MustNotBelieveForged,
        twin = TWIN_ASSERTION,
        |c| hmac_forgery(c, HmacAlg::Sha1, &c.idp.cert_der, None)
    ),
    t!(
        "key-hmac-sha256-idp-cert-pem",
        "A forgery \"signed\" with HMAC-SHA256 keyed with the IdP's certificate as PEM text",
        "IdP の証明書の PEM テキストを鍵とする HMAC-SHA256 で「署名」した偽造",
        ["TF-SP-001", "TF-SP-007"],
        "keys",
        MustNotBelieveForged,
        twin = TWIN_ASSERTION,
        |c| {
            let pem = mock_ca::pki::pem("CERTIFICATE", &c.idp.cert_der);
            hmac_forgery(c, HmacAlg::Sha256, pem.as_bytes(), None)
        }
    ),
    t!(
        "key-hmac-sha1-idp-cert-pem",
        "A forgery \"signed\" with HMAC-SHA1 keyed with the IdP's certificate as PEM text (xml-crypto GHSA-c27r-x354-4m68)",
        "IdP の証明書の PEM テキストを鍵とする HMAC-SHA1 で「署名」した偽造（xml-crypto GHSA-c27r-x354-4m68）",
        ["TF-SP-001", "TF-SP-007"],
        "keys",
        MustNotBelieveForged,
        twin = TWIN_ASSERTION,
        |c| {
            let pem = mock_ca::pki::pem("CERTIFICATE", &c.idp.cert_der);
            hmac_forgery(c, HmacAlg::Sha1, pem.as_bytes(), None)
        }
    ),
    t!(
        "key-hmac-keyvalue",
        "A forgery \"signed\" with HMAC-SHA256 under the attacker's secret, given in KeyInfo as xmlsec's HMACKeyValue (pysaml2 CVE-2021-21239)",
        "攻撃者のシークレットによる HMAC-SHA256 で「署名」した偽造、シークレットは xmlsec の HMACKeyValue として KeyInfo に格納（pysaml2 CVE-2021-21239）",
        ["TF-SP-001", "TF-SP-007"],
        "keys",
        MustNotBelieveForged,
        twin = TWIN_ASSERTION,
        |c| {
            let secret = b"mnctf attacker's own HMAC secret";
            let key_info = format!(
                r#"<ds:KeyInfo><ds:KeyValue><HMACKeyValue xmlns="http://www.aleksey.com/xmlsec/2002">{}</HMACKeyValue></ds:KeyValue></ds:KeyInfo>"#,
                base64::Engine::encode(&base64::engine::general_purpose::STANDARD, secret)
            );
            hmac_forgery_with(c, HmacAlg::Sha256, secret, None, &key_info)
        }
    ),
    t!(
        "key-hmac-truncated",
        "A forgery with HMAC-SHA1 truncated to 8 bits by HMACOutputLength (CVE-2009-0217)",
        "HMACOutputLength で 8 ビットに切り詰めた HMAC-SHA1 による偽造（CVE-2009-0217）",
        ["TF-SP-001", "TF-SP-007"],
        "keys",
        MustNotBelieveForged,
        twin = TWIN_ASSERTION,
        |c| hmac_forgery(c, HmacAlg::Sha1, &c.idp.cert_der, Some(8))
    ),
    // --- Comment and text-node injection (CVE-2017-11427 class) ---
    t!(
        "inject-comment-nameid",
        "NameID split by a comment",
        "コメントで分割した NameID",
        ["TF-SP-002"],
        "injection",
        MustNotBelieveForged,
        |c| injected(c, Both, "<!---->")
    ),
    t!(
        "inject-comment-nameid-assertion-signed",
        "NameID split by a comment (assertion signed)",
        "コメントで分割した NameID（Assertion 署名）",
        ["TF-SP-002"],
        "injection",
        MustNotBelieveForged,
        twin = TWIN_ASSERTION,
        |c| injected(c, Assertion, "<!---->")
    ),
    t!(
        "inject-cdata-nameid",
        "NameID split into text and a CDATA section",
        "テキストと CDATA セクションに分割した NameID",
        ["TF-SP-002"],
        "injection",
        MustNotBelieveForged,
        |c| injected(c, Both, "<![CDATA[]]>")
    ),
    t!(
        "inject-comment-issuer",
        "Assertion Issuer split by a comment",
        "コメントで分割した Assertion の Issuer",
        ["TF-SP-002", "TF-SP-001"],
        "injection",
        ShouldRefuse,
        |c| with(c, Both, |k| {
            k.assertion_issuer_raw = format!("{}<!---->", k.assertion_issuer_raw);
        })
    ),
    t!(
        "inject-comment-audience",
        "Audience value with a comment inside",
        "値の中にコメントを含む Audience",
        ["TF-SP-002", "TF-SP-003"],
        "injection",
        ShouldRefuse,
        tampered_before_signing_audience
    ),
    // --- DTDs, entities, external fetches ---
    t!(
        "xml-doctype-internal",
        "A DOCTYPE with an internal subset before the Response",
        "Response の前に内部サブセット付きの DOCTYPE",
        ["TF-SP-008"],
        "xml",
        MustRefuse,
        |c| with_doctype(c, "<!DOCTYPE samlp:Response [<!ELEMENT x ANY>]>")
    ),
    t!(
        "xml-external-entity",
        "An external entity on a loopback URL, used in the NameID (fetched while parsing?)",
        "ループバック URL の外部エンティティを NameID で使用（パース中に取得されるか）",
        ["TF-SP-008"],
        "xml",
        MustNotFetch,
        documents::external_entity_name_id
    ),
    t!(
        "xml-external-entity-file",
        "An external entity naming a local file every Linux machine has, in place of the signed NameID (python3-saml CVE-2017-9672; the signature verifies only if the file is read)",
        "署名済み NameID の代わりに、どの Linux マシンにもあるローカルファイルを指す外部エンティティ（python3-saml CVE-2017-9672。ファイルを読んだ場合にのみ署名が検証を通る）",
        ["TF-SP-008"],
        "xml",
        MustNotExpand,
        documents::file_entity_name_id
    ),
    t!(
        "xml-external-parameter-entity",
        "An external parameter entity on a loopback URL (fetched?)",
        "ループバック URL の外部パラメータエンティティ（取得されるか）",
        ["TF-SP-008"],
        "xml",
        MustNotFetch,
        |c| {
            with_doctype(
                c,
                &format!(
                    "<!DOCTYPE samlp:Response [<!ENTITY % x SYSTEM \"{}/oob/{}/param\"> %x;]>",
                    c.listener, c.test_id
                ),
            )
        }
    ),
    t!(
        "xml-entity-expansion",
        "The signed NameID's text replaced by an internal entity of the message's DTD that expands to it (signature valid only if expanded)",
        "署名済み NameID のテキストを、展開するとそのテキストになるメッセージ DTD の内部エンティティに置換（展開した場合にのみ署名が有効）",
        ["TF-SP-008"],
        "xml",
        MustNotExpand,
        documents::internal_entity_name_id
    ),
    t!(
        "xml-doctype-comment-differential",
        "A DOCTYPE whose SYSTEM literal opens a comment, the forged message, then the signed one in a CDATA tail (ruby-saml CVE-2025-25291)",
        "SYSTEM リテラルでコメントを開く DOCTYPE、偽造メッセージ、CDATA の末尾に署名済みメッセージ（ruby-saml CVE-2025-25291）",
        ["TF-SP-008", "TF-SP-002"],
        "xml",
        MustNotBelieveForged,
        twin = TWIN_ASSERTION,
        documents::doctype_comment_differential
    ),
    t!(
        "xml-attlist-namespace-differential",
        "A DTD giving Signature two default namespaces, the signature parked in StatusDetail, a copy with the digest of nothing in the forged assertion (ruby-saml CVE-2025-25292)",
        "Signature に既定名前空間を二重に宣言する DTD、StatusDetail に隠した署名、空文字列のダイジェストを持つ写しを偽造 Assertion に（ruby-saml CVE-2025-25292）",
        ["TF-SP-008", "TF-SP-002"],
        "xml",
        MustNotBelieveForged,
        twin = TWIN_ASSERTION,
        documents::attlist_namespace_differential
    ),
    t!(
        "xml-duplicate-attribute",
        "Not well-formed: the Response's Version attribute given twice (assertion signed)",
        "整形式でない：Response の Version 属性を二重に指定（Assertion 署名）",
        ["TF-SP-008"],
        "xml",
        MustRefuse,
        twin = TWIN_ASSERTION,
        documents::duplicate_attribute
    ),
    t!(
        "xml-xinclude",
        "An XInclude of a loopback URL in an unsigned spot (fetched?)",
        "署名対象外の位置にループバック URL の XInclude（取得されるか）",
        ["TF-SP-008"],
        "xml",
        MustNotFetch,
        |c| {
            let xml = message::build(&c.knobs(), Both, &c.spec())?;
            let inc = format!(
                r#"<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="{}/oob/{}/xinclude"/>"#,
                c.listener, c.test_id
            );
            Ok(Crafted::of(after_assertion(&xml, &inc)?))
        }
    ),
    t!(
        "xml-schema-location",
        "xsi:schemaLocation naming a loopback URL (fetched?)",
        "ループバック URL を指す xsi:schemaLocation（取得されるか）",
        ["TF-SP-008"],
        "xml",
        MustNotFetch,
        twin = TWIN_ASSERTION,
        |c| {
            let xml = message::build(&c.knobs(), Assertion, &c.spec())?;
            let loc = format!(
                r#" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="urn:oasis:names:tc:SAML:2.0:protocol {}/oob/{}/schema""#,
                c.listener, c.test_id
            );
            let at = splice::after_start_tag(&xml, 0)? - 1;
            Ok(Crafted::of(splice::insert(&xml, at, &loc)))
        }
    ),
    // --- Conditions and subject confirmation (TF-SP-003) ---
    t!(
        "cond-expired",
        "Conditions NotOnOrAfter 4 minutes ago (beyond the 3-minute skew)",
        "Conditions の NotOnOrAfter が 4 分前（許容誤差 3 分を超過）",
        ["TF-SP-003"],
        "conditions",
        MustRefuse,
        |c| {
            let now = c.now();
            with(c, Both, |k| k.not_on_or_after = Some(now - PAST_SKEW))
        }
    ),
    t!(
        "cond-not-yet-valid",
        "Conditions NotBefore 4 minutes ahead",
        "Conditions の NotBefore が 4 分後",
        ["TF-SP-003"],
        "conditions",
        MustRefuse,
        |c| {
            let now = c.now();
            with(c, Both, |k| k.not_before = Some(now + PAST_SKEW))
        }
    ),
    t!(
        "sc-expired",
        "SubjectConfirmationData NotOnOrAfter 4 minutes ago",
        "SubjectConfirmationData の NotOnOrAfter が 4 分前",
        ["TF-SP-003"],
        "conditions",
        MustRefuse,
        |c| {
            let now = c.now();
            with(c, Both, |k| k.sc_not_on_or_after = Some(now - PAST_SKEW))
        }
    ),
    t!(
        "sc-no-not-on-or-after",
        "SubjectConfirmationData without NotOnOrAfter",
        "NotOnOrAfter のない SubjectConfirmationData",
        ["TF-SP-003"],
        "conditions",
        MustRefuse,
        |c| with(c, Both, |k| k.sc_not_on_or_after = None)
    ),
    t!(
        "sc-none",
        "No SubjectConfirmation",
        "SubjectConfirmation なし",
        ["TF-SP-003"],
        "conditions",
        MustRefuse,
        |c| with(c, Both, |k| k.sc_method = None)
    ),
    t!(
        "sc-not-bearer",
        "SubjectConfirmation Method holder-of-key without a key",
        "SubjectConfirmation の Method が holder-of-key で鍵なし",
        ["TF-SP-003"],
        "conditions",
        MustRefuse,
        |c| with(c, Both, |k| k.sc_method =
            Some("urn:oasis:names:tc:SAML:2.0:cm:holder-of-key".into()))
    ),
    t!(
        "issue-instant-old",
        "IssueInstant an hour ago (conditions still valid)",
        "IssueInstant が 1 時間前（条件はまだ有効）",
        ["TF-SP-003"],
        "conditions",
        ShouldRefuse,
        |c| {
            let now = c.now();
            with(c, Both, |k| k.issued = now - Duration::hours(1))
        }
    ),
    t!(
        "audience-wrong",
        "Audience is another SP",
        "Audience が別の SP",
        ["TF-SP-003"],
        "conditions",
        MustRefuse,
        |c| with(c, Both, |k| k.audiences = Some(vec![OTHER.into()]))
    ),
    t!(
        "audience-missing",
        "No AudienceRestriction",
        "AudienceRestriction なし",
        ["TF-SP-003"],
        "conditions",
        MustRefuse,
        |c| with(c, Both, |k| k.audiences = None)
    ),
    t!(
        "audience-prefix",
        "Audience is the SP's entityID with a suffix",
        "Audience が SP の entityID に接尾辞を付けたもの",
        ["TF-SP-003"],
        "conditions",
        MustRefuse,
        |c| {
            let sp = format!("{}x", c.golden.sp);
            with(c, Both, |k| k.audiences = Some(vec![sp]))
        }
    ),
    t!(
        "recipient-wrong",
        "Recipient is another URL",
        "Recipient が別の URL",
        ["TF-SP-003"],
        "conditions",
        MustRefuse,
        |c| with(c, Both, |k| k.recipient = Some(OTHER.into()))
    ),
    t!(
        "recipient-missing",
        "No Recipient",
        "Recipient なし",
        ["TF-SP-003"],
        "conditions",
        MustRefuse,
        |c| with(c, Both, |k| k.recipient = None)
    ),
    t!(
        "destination-wrong",
        "Destination of the signed Response is another URL",
        "署名済み Response の Destination が別の URL",
        ["TF-SP-003"],
        "conditions",
        MustRefuse,
        |c| with(c, Both, |k| k.destination = Some(OTHER.into()))
    ),
    t!(
        "destination-missing",
        "A signed Response without Destination (SAML Bindings §3.5.5.2)",
        "Destination のない署名済み Response（SAML Bindings §3.5.5.2）",
        ["TF-SP-003"],
        "conditions",
        ShouldRefuse,
        |c| with(c, Both, |k| k.destination = None)
    ),
    // --- InResponseTo, replay, unsolicited ---
    t!(
        "irt-wrong-both",
        "InResponseTo another request's ID (Response and confirmation)",
        "InResponseTo が別のリクエストの ID（Response と SubjectConfirmationData）",
        ["TF-SP-003"],
        "binding",
        MustRefuse,
        |c| with(c, Both, |k| {
            k.in_response_to = Some("_another_request".into());
            k.sc_in_response_to = Some("_another_request".into());
        })
    ),
    t!(
        "irt-wrong-confirmation",
        "SubjectConfirmationData InResponseTo wrong, the Response's right",
        "SubjectConfirmationData の InResponseTo が誤り、Response のものは正しい",
        ["TF-SP-003"],
        "binding",
        MustRefuse,
        |c| with(c, Both, |k| k.sc_in_response_to =
            Some("_another_request".into()))
    ),
    t!(
        "irt-wrong-response",
        "Response InResponseTo wrong, the confirmation's right",
        "Response の InResponseTo が誤り、SubjectConfirmationData のものは正しい",
        ["TF-SP-003"],
        "binding",
        MustRefuse,
        |c| with(c, Both, |k| k.in_response_to =
            Some("_another_request".into()))
    ),
    t!(
        "irt-missing-confirmation",
        "Response InResponseTo right, the confirmation's missing",
        "Response の InResponseTo は正しく、SubjectConfirmationData のものがない",
        ["TF-SP-003"],
        "binding",
        ShouldRefuse,
        |c| with(c, Both, |k| k.sc_in_response_to = None)
    ),
    t!(
        "unsolicited",
        "No InResponseTo at all (IdP-initiated) after an SP-initiated login",
        "SP 起点のログイン後に InResponseTo が一切ない（IdP 起点）",
        ["TF-SP-009"],
        "binding",
        ShouldRefuse,
        |c| with(c, Both, |k| {
            k.in_response_to = None;
            k.sc_in_response_to = None;
        })
    ),
    t!(
        "replay",
        "The same valid Response delivered twice",
        "同じ有効な Response を二度送信",
        ["TF-SP-004"],
        "binding",
        MustRefuse,
        |c| {
            let mut g = golden(c, Both)?;
            g.replay = true;
            Ok(g)
        }
    ),
    // --- Issuer and status ---
    t!(
        "issuer-wrong",
        "Assertion Issuer is another entity (signed by the IdP's key)",
        "Assertion の Issuer が別のエンティティ（IdP の鍵で署名）",
        ["TF-SP-001"],
        "status",
        MustRefuse,
        |c| with(c, Both, |k| {
            k.assertion_issuer_raw = OTHER.into();
            k.response_issuer = Some(OTHER.into());
        })
    ),
    t!(
        "issuer-response-differs",
        "Response Issuer differs from the Assertion's",
        "Response の Issuer が Assertion のものと異なる",
        ["TF-SP-001"],
        "status",
        MustRefuse,
        |c| with(c, Both, |k| k.response_issuer = Some(OTHER.into()))
    ),
    t!(
        "issuer-bad-format",
        "Issuer with a Format other than entity",
        "Format が entity 以外の Issuer",
        ["TF-SP-001"],
        "status",
        ShouldRefuse,
        |c| with(c, Both, |k| k.issuer_format = Some(
            "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress".into()
        ))
    ),
    t!(
        "status-responder-with-assertion",
        "Status Responder, with a valid signed assertion",
        "Status が Responder、有効な署名済み Assertion 付き",
        ["TF-SP-003"],
        "status",
        MustRefuse,
        |c| with(c, Both, |k| k.status = (status::RESPONDER.into(), None))
    ),
    t!(
        "status-requester-authnfailed",
        "Status Requester/AuthnFailed, with a valid signed assertion",
        "Status が Requester/AuthnFailed、有効な署名済み Assertion 付き",
        ["TF-SP-003"],
        "status",
        MustRefuse,
        |c| with(c, Both, |k| k.status =
            (status::REQUESTER.into(), Some(status::AUTHN_FAILED.into())))
    ),
    t!(
        "version-1-1",
        "Version 1.1 on Response and Assertion",
        "Response と Assertion の Version が 1.1",
        ["TF-SP-003"],
        "status",
        MustRefuse,
        |c| with(c, Both, |k| k.version = "1.1".into())
    ),
    t!(
        "duplicate-ids",
        "The Assertion's ID equals the Response's",
        "Assertion の ID が Response の ID と同じ",
        ["TF-SP-002"],
        "status",
        ShouldRefuse,
        |c| with(c, Both, |k| k.assertion_id = k.response_id.clone())
    ),
    // --- Algorithms (TF-SP-007) ---
    t!(
        "alg-rsa-sha1",
        "Signed with RSA-SHA1",
        "RSA-SHA1 で署名",
        ["TF-SP-007"],
        "algorithms",
        MustRefuse,
        |c| signed_with(c, Both, |s| s.method = ALG_RSA_SHA1.into())
    ),
    t!(
        "alg-digest-sha1",
        "Digest SHA-1 under RSA-SHA256",
        "RSA-SHA256 署名でダイジェストが SHA-1",
        ["TF-SP-007"],
        "algorithms",
        MustRefuse,
        |c| signed_with(c, Both, |s| s.digest = ALG_SHA1.into())
    ),
    t!(
        "alg-sha1-everywhere",
        "RSA-SHA1 with a SHA-1 digest",
        "RSA-SHA1 署名で SHA-1 ダイジェスト",
        ["TF-SP-007"],
        "algorithms",
        MustRefuse,
        |c| signed_with(c, Both, |s| {
            s.method = ALG_RSA_SHA1.into();
            s.digest = ALG_SHA1.into();
        })
    ),
    t!(
        "alg-rsa-sha1-assertion-only",
        "Assertion signed with RSA-SHA1",
        "Assertion を RSA-SHA1 で署名",
        ["TF-SP-007"],
        "algorithms",
        MustRefuse,
        twin = TWIN_ASSERTION,
        |c| signed_with(c, Assertion, |s| s.method = ALG_RSA_SHA1.into())
    ),
    t!(
        "transform-c14n-with-comments",
        "Canonicalisation with comments",
        "コメント付きの正規化",
        ["TF-SP-007"],
        "algorithms",
        ShouldRefuse,
        |c| signed_with(c, Both, |s| s.c14n = ALG_C14N_WITH_COMMENTS.into())
    ),
    t!(
        "transform-enveloped-twice",
        "Three transforms that still verify: enveloped-signature twice, then exclusive c14n (passport-saml CVE-2021-39171 class)",
        "検証は通る 3 つの変換：enveloped-signature を 2 回、続いて排他的 c14n（passport-saml CVE-2021-39171 の類型）",
        ["TF-SP-007"],
        "algorithms",
        MustRefuse,
        |c| signed_with(c, Both, |s| s.leading_transforms =
            vec![trust_framework::saml::constants::ALG_ENVELOPED.into()])
    ),
    t!(
        "transform-c14n-twice",
        "Three transforms: exclusive c14n applied a second time after the usual two",
        "3 つの変換：通常の 2 つの後に排他的 c14n をもう一度適用",
        ["TF-SP-007"],
        "algorithms",
        MustRefuse,
        |c| signed_with(c, Both, |s| s.extra_transforms =
            vec!["http://www.w3.org/2001/10/xml-exc-c14n#".into()])
    ),
    t!(
        "sig-second-signedinfo-wrapped",
        "A second SignedInfo, wrapped in a foreign element, whose Reference names a forged copy of the signed Assertion (xml-crypto CVE-2025-29774)",
        "独自要素で包んだ 2 つ目の SignedInfo、その Reference は署名済み Assertion の偽造コピーを指す（xml-crypto CVE-2025-29774）",
        ["TF-SP-002", "TF-SP-007"],
        "signature",
        MustNotBelieveForged,
        twin = TWIN_ASSERTION,
        |c| signed_info::second_signed_info(c, true)
    ),
    t!(
        "sig-second-signedinfo-sibling",
        "A second SignedInfo beside the real one, its Reference naming a forged copy (xml-crypto CVE-2025-29774)",
        "本物の隣に 2 つ目の SignedInfo、その Reference は偽造コピーを指す（xml-crypto CVE-2025-29774）",
        ["TF-SP-002", "TF-SP-007"],
        "signature",
        MustNotBelieveForged,
        twin = TWIN_ASSERTION,
        |c| signed_info::second_signed_info(c, false)
    ),
    t!(
        "sig-digest-in-comment",
        "Assertion forged after signing, the forged digest in a comment before the signed one in DigestValue (xml-crypto CVE-2025-29775)",
        "署名後に Assertion を偽造、DigestValue 内で署名済みダイジェストの前のコメントに偽造ダイジェスト（xml-crypto CVE-2025-29775）",
        ["TF-SP-002"],
        "signature",
        MustNotBelieveForged,
        twin = TWIN_ASSERTION,
        signed_info::digest_in_comment
    ),
    // --- Authentication context (TF-SP-005) ---
    t!(
        "authn-class-password",
        "AuthnContext PasswordProtectedTransport instead of the card class",
        "AuthnContext がカードのクラスではなく PasswordProtectedTransport",
        ["TF-SP-005"],
        "authn-context",
        MustRefuse,
        |c| with(c, Both, |k| {
            k.authn_class =
                "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport".into()
        })
    ),
    t!(
        "authn-class-unspecified",
        "AuthnContext unspecified",
        "AuthnContext が unspecified",
        ["TF-SP-005"],
        "authn-context",
        MustRefuse,
        |c| with(c, Both, |k| k.authn_class =
            "urn:oasis:names:tc:SAML:2.0:ac:classes:unspecified".into())
    ),
    // --- Several or hidden assertions ---
    t!(
        "multi-two-signed",
        "Two assertions, both signed by the IdP, for two identities",
        "2 つのアイデンティティに対する Assertion が 2 つ、どちらも IdP が署名",
        ["TF-SP-002"],
        "assertions",
        MustRefuse,
        |c| {
            let good = message::signed_assertion(&c.knobs(), &c.spec())?;
            let other = message::signed_assertion(&c.golden.knobs(&c.forged), &c.spec())?;
            Ok(Crafted::of(message::wrap(
                &c.knobs(),
                Response,
                &c.spec(),
                &format!("{other}{good}"),
            )?)
            .forged(c))
        }
    ),
    t!(
        "multi-unsigned-appended",
        "A signed assertion, then an unsigned forged one",
        "署名済み Assertion の後に署名のない偽造 Assertion",
        ["TF-SP-002"],
        "assertions",
        MustNotBelieveForged,
        |c| hidden(c, after_assertion)
    ),
    t!(
        "multi-unsigned-prepended",
        "An unsigned forged assertion, then the signed one",
        "署名のない偽造 Assertion の後に署名済み Assertion",
        ["TF-SP-002"],
        "assertions",
        MustNotBelieveForged,
        |c| hidden(c, before_assertion)
    ),
    t!(
        "hidden-in-status-detail",
        "A forged assertion in samlp:StatusDetail",
        "samlp:StatusDetail 内に偽造 Assertion",
        ["TF-SP-002"],
        "assertions",
        MustNotBelieveForged,
        |c| hidden(c, |x, a| {
            let status = splice::range(
                x,
                trust_framework::saml::constants::NS_PROTOCOL,
                "Status",
                None,
            )?;
            let at = status.start + splice::before_end_tag(&x[status.clone()])?;
            Ok(splice::insert(
                x,
                at,
                &format!("<samlp:StatusDetail>{a}</samlp:StatusDetail>"),
            ))
        })
    ),
    t!(
        "hidden-in-advice",
        "An unsigned forged assertion carrying the IdP-signed one in its Advice",
        "署名のない偽造 Assertion の Advice 内に IdP が署名した Assertion",
        ["TF-SP-002"],
        "assertions",
        MustNotBelieveForged,
        twin = TWIN_ASSERTION,
        |c| {
            let signed = message::signed_assertion(&c.knobs(), &c.spec())?;
            let mut k = c.golden.knobs(&c.forged);
            k.assertion_id = format!("{}x", k.assertion_id);
            let outer = message::assertion(&k, "");
            // Assertion: Issuer, Signature?, Subject?, Conditions?, Advice?, statements.
            let at = outer.find("<saml:AuthnStatement").ok_or_else(|| CraftError("no AuthnStatement".into()))?;
            let outer = splice::insert(&outer, at, &format!("<saml:Advice>{signed}</saml:Advice>"));
            Ok(Crafted::of(message::wrap(&c.knobs(), Signing::None, &c.spec(), &outer)?).forged(c))
        }
    ),
    t!(
        "root-error-first",
        "Two document roots: the IdP's signed error Response (no assertion), then a forged unsigned Response (passport-saml CVE-2022-39299)",
        "ドキュメントルートが 2 つ：IdP が署名したエラー Response（Assertion なし）の後に署名のない偽造 Response（passport-saml CVE-2022-39299）",
        ["TF-SP-002", "TF-SP-008"],
        "assertions",
        MustNotBelieveForged,
        documents::roots_error_first
    ),
    t!(
        "root-forged-first",
        "Two document roots: a forged unsigned Response, then the IdP's signed error Response",
        "ドキュメントルートが 2 つ：署名のない偽造 Response の後に IdP が署名したエラー Response",
        ["TF-SP-002", "TF-SP-008"],
        "assertions",
        MustNotBelieveForged,
        documents::roots_forged_first
    ),
    t!(
        "root-valid-first",
        "Two document roots: a valid signed Response, then a forged unsigned one",
        "ドキュメントルートが 2 つ：有効な署名済み Response の後に署名のない偽造 Response",
        ["TF-SP-002", "TF-SP-008"],
        "assertions",
        MustNotBelieveForged,
        documents::roots_valid_first
    ),
    // --- Encrypted assertions (TF-SP-011), where the SP publishes an encryption key ---
    enc!(
        "enc-both-signed",
        "Both signed, the assertion encrypted to the SP the profile's way (AES-256-GCM, RSA-OAEP)",
        "両方に署名、Assertion をプロファイルの方式で SP 宛てに暗号化（AES-256-GCM、RSA-OAEP）",
        ["TF-SP-011"],
        MustAccept,
        encrypted::encrypted_profile
    ),
    enc!(
        "enc-assertion-signed",
        "Assertion signed and encrypted, Response not signed",
        "Assertion に署名して暗号化、Response は署名なし",
        ["TF-SP-011", "TF-SP-001"],
        MustAccept,
        |c| encrypted(c, Assertion)
    ),
    enc!(
        "enc-response-signed",
        "Response signed, the unsigned assertion encrypted (refused if the SP's metadata says WantAssertionsSigned)",
        "Response に署名、署名のない Assertion を暗号化（SP のメタデータが WantAssertionsSigned なら拒否）",
        ["TF-SP-011", "TF-SP-001"],
        AcceptUnlessWantsAssertionsSigned,
        |c| encrypted(c, Response)
    ),
    enc!(
        "enc-unsigned",
        "Nothing signed, the assertion encrypted to the SP's public key (encryption is not authentication)",
        "署名なし、Assertion を SP の公開鍵で暗号化（暗号化は認証ではない）",
        ["TF-SP-011", "TF-SP-001"],
        MustRefuse,
        |c| encrypted(c, Signing::None)
    ),
    enc!(
        "enc-attacker-signed",
        "A forgery signed by an untrusted key, encrypted to the SP",
        "信頼されていない鍵で署名した偽造を SP 宛てに暗号化",
        ["TF-SP-011", "TF-SP-001"],
        MustRefuse,
        encrypted::attacker_signed
    ),
    enc!(
        "enc-forged-before-signed",
        "An unsigned forged assertion, encrypted, before the signed plaintext one",
        "暗号化した署名のない偽造 Assertion を、署名済みの平文 Assertion の前に配置",
        ["TF-SP-011", "TF-SP-002"],
        MustNotBelieveForged,
        encrypted::forged_beside_signed
    ),
    enc!(
        "enc-inject-comment-nameid",
        "NameID split by a comment, signed, then encrypted",
        "コメントで分割した NameID、署名してから暗号化",
        ["TF-SP-011", "TF-SP-002"],
        MustNotBelieveForged,
        encrypted::comment_injected
    ),
    enc!(
        "enc-cond-expired",
        "Encrypted; Conditions NotOnOrAfter 4 minutes ago (checks apply after decryption)",
        "暗号化。Conditions の NotOnOrAfter が 4 分前（検証は復号後に適用）",
        ["TF-SP-011", "TF-SP-003"],
        MustRefuse,
        |c| {
            let now = c.now();
            encrypted_changed(c, |k| k.not_on_or_after = Some(now - PAST_SKEW))
        }
    ),
    enc!(
        "enc-sc-expired",
        "Encrypted; SubjectConfirmationData NotOnOrAfter 4 minutes ago",
        "暗号化。SubjectConfirmationData の NotOnOrAfter が 4 分前",
        ["TF-SP-011", "TF-SP-003"],
        MustRefuse,
        |c| {
            let now = c.now();
            encrypted_changed(c, |k| k.sc_not_on_or_after = Some(now - PAST_SKEW))
        }
    ),
    enc!(
        "enc-audience-wrong",
        "Encrypted; Audience another SP's",
        "暗号化。Audience が別の SP のもの",
        ["TF-SP-011", "TF-SP-003"],
        MustRefuse,
        |c| encrypted_changed(c, |k| k.audiences = Some(vec![OTHER.into()]))
    ),
    enc!(
        "enc-recipient-wrong",
        "Encrypted; SubjectConfirmationData Recipient another ACS",
        "暗号化。SubjectConfirmationData の Recipient が別の ACS",
        ["TF-SP-011", "TF-SP-003"],
        MustRefuse,
        |c| encrypted_changed(c, |k| k.recipient = Some(OTHER.into()))
    ),
    enc!(
        "enc-irt-wrong-confirmation",
        "Encrypted; the confirmation's InResponseTo another request's, the Response's right",
        "暗号化。SubjectConfirmationData の InResponseTo が別のリクエストのもの、Response のものは正しい",
        ["TF-SP-011", "TF-SP-003"],
        MustRefuse,
        |c| encrypted_changed(c, |k| k.sc_in_response_to = Some(message::new_id()))
    ),
    enc!(
        "enc-authn-class-password",
        "Encrypted; AuthnContext PasswordProtectedTransport instead of the card class",
        "暗号化。AuthnContext がカードのクラスではなく PasswordProtectedTransport",
        ["TF-SP-011", "TF-SP-005"],
        MustRefuse,
        |c| encrypted_changed(c, |k| {
            k.authn_class =
                "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport".into()
        })
    ),
    enc!(
        "enc-replay",
        "The same valid encrypted Response delivered twice",
        "同じ有効な暗号化 Response を二度送信",
        ["TF-SP-011", "TF-SP-004"],
        MustRefuse,
        |c| {
            let mut g = encrypted(c, Both)?;
            g.replay = true;
            Ok(g)
        }
    ),
    enc!(
        "enc-rsa-1-5",
        "Content key sent with RSA PKCS#1 v1.5 (Bleichenbacher's oracle)",
        "コンテンツ鍵を RSA PKCS#1 v1.5 で送付（Bleichenbacher のオラクル）",
        ["TF-SP-011"],
        ShouldRefuse,
        |c| encrypted_spec(c, |e| e.transport = Transport::Rsa15)
    ),
    enc!(
        "enc-aes-cbc",
        "Assertion encrypted with AES-256-CBC (the padding oracle's target)",
        "Assertion を AES-256-CBC で暗号化（パディングオラクルの標的）",
        ["TF-SP-011"],
        ShouldRefuse,
        |c| encrypted_spec(c, |e| e.content = Content::Aes256Cbc)
    ),
    enc!(
        "enc-key-remote",
        "EncryptedKey named by a RetrievalMethod to the suite's listener",
        "スイートのリスナーを指す RetrievalMethod で EncryptedKey を指定",
        ["TF-SP-011", "TF-SP-008"],
        MustNotFetch,
        |c| {
            let url = format!("{}/xmlenc-key/{}", c.listener, c.test_id);
            encrypted_spec(c, |e| e.key_place = KeyPlace::Remote(url))
        }
    ),
    // --- RelayState (TF-SP-006) ---
    t!(
        "relay-absolute",
        "RelayState an absolute URL off the SP's origin",
        "RelayState に SP 外の絶対 URL",
        ["TF-SP-006"],
        "relaystate",
        MustNotRedirectOffSite,
        |c| relay(c, off_site(c))
    ),
    t!(
        "relay-scheme-relative",
        "RelayState //host/path",
        "RelayState に //host/path",
        ["TF-SP-006"],
        "relaystate",
        MustNotRedirectOffSite,
        |c| relay(c, off_site(c).replacen("http:", "", 1))
    ),
    t!(
        "relay-triple-slash",
        "RelayState ///host/path",
        "RelayState に ///host/path",
        ["TF-SP-006"],
        "relaystate",
        MustNotRedirectOffSite,
        |c| relay(c, off_site(c).replacen("http://", "///", 1))
    ),
    t!(
        "relay-backslash",
        "RelayState /\\host/path",
        "RelayState に /\\host/path",
        ["TF-SP-006"],
        "relaystate",
        MustNotRedirectOffSite,
        |c| relay(c, off_site(c).replacen("http://", "/\\", 1))
    ),
    t!(
        "relay-scheme-colon",
        "RelayState http:host/path (no slashes)",
        "RelayState に http:host/path（スラッシュなし）",
        ["TF-SP-006"],
        "relaystate",
        MustNotRedirectOffSite,
        |c| relay(c, off_site(c).replacen("http://", "http:", 1))
    ),
    // --- Messages that try to hang or crash the SP: run last, SP liveness checked ---
    t!(
        "transform-thousands",
        "3,000 transforms in the Assertion's Reference (passport-saml CVE-2021-39171: work before any signature check)",
        "Assertion の Reference に 3,000 個の変換（passport-saml CVE-2021-39171：署名検証の前に処理が発生）",
        ["TF-SP-007"],
        "resilience",
        MustRefuse,
        |c| {
            let xml = message::build(&c.knobs(), Both, &c.spec())?;
            let r = splice::range(
                &xml,
                trust_framework::saml::constants::NS_DSIG,
                "Transforms",
                Some((trust_framework::saml::constants::NS_DSIG, "Reference")),
            )?;
            let at = r.start + splice::after_start_tag(&xml[r.clone()], 0)?;
            let many = format!(
                r#"<ds:Transform Algorithm="{}"/>"#,
                trust_framework::saml::constants::ALG_ENVELOPED
            )
            .repeat(2999);
            Ok(Crafted::of(splice::insert(&xml, at, &many)))
        }
    ),
    t!(
        "post-deflate-bomb",
        "The golden Response DEFLATE-compressed in the HTTP-POST binding, inflating to 1 MiB (ruby-saml CVE-2025-25293: POST messages inflated without a bound)",
        "HTTP-POST バインディングで DEFLATE 圧縮したゴールデン Response（展開すると 1 MiB。ruby-saml CVE-2025-25293：POST のメッセージを上限なく展開）",
        ["TF-SP-008"],
        "resilience",
        MustRefuse,
        twin = TWIN_ASSERTION,
        documents::deflated_post_bomb
    ),
    Test {
        id: "enc-key-loop",
        title: "Nothing signed; the EncryptedKey found by a RetrievalMethod whose own KeyInfo names itself again (a resolution loop anyone can send)",
        title_ja: "署名なし。EncryptedKey を RetrievalMethod で参照し、その KeyInfo が再び自身を指す（誰でも送れる解決ループ）",
        requirements: &["TF-SP-011", "TF-SP-008"],
        category: super::RESILIENCE,
        judge: MustRefuse,
        needs: Needs::EncryptionKey,
        twin: Twin::Encrypted,
        make: Craft::Fn(|c| {
            let enc = EncSpec {
                key_place: KeyPlace::SelfReferencing,
                ..c.enc.clone()
            };
            encrypted::encrypted_with(c, &c.knobs(), Signing::None, &enc)
        }),
    },
];

/// `xml` with the first `from` replaced by `to`; an error if `from` is not there (a test
/// whose edit did not happen must not report anything about the SP).
fn must_replace(xml: &str, from: &str, to: &str) -> Result<String, CraftError> {
    if !xml.contains(from) {
        return Err(CraftError(format!(
            "the edit did not apply: the message does not contain {from}"
        )));
    }
    Ok(xml.replacen(from, to, 1))
}

/// The ID the first Reference names.
fn splice_id(xml: &str) -> Result<String, CraftError> {
    let marker = "URI=\"#";
    let at = xml
        .find(marker)
        .ok_or_else(|| CraftError("no Reference".into()))?
        + marker.len();
    let end = xml[at..]
        .find('"')
        .ok_or_else(|| CraftError("unterminated Reference".into()))?
        + at;
    Ok(xml[at..end].to_owned())
}

/// An Audience with a comment inside its text, signed as it is.
fn tampered_before_signing_audience(c: &Ctx<'_>) -> Result<Crafted, CraftError> {
    let sp = c.golden.sp.clone();
    let mut k = c.knobs();
    k.audiences = Some(vec!["__AUDIENCE__".into()]);
    let half = sp.len() / 2;
    let raw = format!("{}<!---->{}", &sp[..half], &sp[half..]);
    let spec = c.spec();
    let assertion =
        message::assertion(&k, &spec.template(&k.assertion_id)).replace("__AUDIENCE__", &raw);
    let signed = message::sign(&assertion, &spec)?;
    Ok(Crafted::of(message::wrap(&k, Both, &spec, &signed)?))
}
