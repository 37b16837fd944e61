//! What a FAILED or WARNING means and what to change: one entry per weakness, naming the
//! tests it explains (exact ids, or a prefix ending in `*`). The most specific entry wins
//! (an exact id, then the longest prefix). A test over the registry keeps every test of
//! every plan explained and every entry in use.

use reports::{Advice, ProductFix};

/// One weakness: the tests that find it, why it matters, how to fix it.
pub struct Entry {
    /// Test ids, or prefixes ending in `*`.
    pub tests: &'static [&'static str],
    /// The attack or failure it allows.
    pub why: &'static str,
    /// The same in Japanese.
    pub why_ja: &'static str,
    /// What to change, in any implementation.
    pub fix: &'static str,
    /// The same in Japanese.
    pub fix_ja: &'static str,
    /// (product, setting or change) where we know it.
    pub products: &'static [(&'static str, &'static str)],
}

impl Entry {
    /// The report's form.
    pub fn advice(&self) -> Advice {
        Advice {
            why: self.why.into(),
            why_ja: self.why_ja.into(),
            fix: self.fix.into(),
            fix_ja: self.fix_ja.into(),
            products: self
                .products
                .iter()
                .map(|(product, fix)| ProductFix {
                    product: (*product).into(),
                    fix: (*fix).into(),
                })
                .collect(),
        }
    }

    /// How specifically it names `id`: exact beats any prefix, a longer prefix a shorter.
    fn rank(&self, id: &str) -> Option<usize> {
        self.tests
            .iter()
            .filter_map(|t| match t.strip_suffix('*') {
                Some(prefix) if id.starts_with(prefix) => Some(prefix.len()),
                None if *t == id => Some(usize::MAX),
                _ => None,
            })
            .max()
    }
}

/// The entry explaining test `id`.
pub fn for_test(id: &str) -> Option<&'static Entry> {
    ENTRIES
        .iter()
        .filter_map(|e| e.rank(id).map(|r| (r, e)))
        .max_by_key(|(r, _)| *r)
        .map(|(_, e)| e)
}

const PYSAML2: &str = "pysaml2";
const PY3SAML: &str = "python3-saml";
const SHIB: &str = "Shibboleth SP";
const SSP: &str = "SimpleSAMLphp";
const MELLON: &str = "mod_auth_mellon";
const LASSO: &str = "Lasso";

/// Every entry. SP-side weaknesses first, then the IdP's and the attribute authority's.
pub static ENTRIES: &[Entry] = &[
    // ---------------------------------------------------------------- SPs
    Entry {
        tests: &["baseline*", "key-idp-no-keyinfo"],
        why: "The SP refuses a correct Response of the profile's form: citizens cannot log in, and the refusals in the attack tests of the same form prove nothing (they are reported SKIPPED).",
        why_ja: "プロファイルどおりの正しい Response を SP が拒否しています。利用者がログインできず、同じ形の攻撃試験での拒否も意味を持ちません（未実施として報告されます）。",
        fix: "Trust the platform's signing certificate from the federation metadata (the key is not sent in KeyInfo necessarily); accept RSA-SHA256 signatures on the Response, the Assertion or both; check that the SP's entityID, ACS URL and clock match the metadata the suite gave.",
        fix_ja: "フェデレーションメタデータにあるプラットフォームの署名証明書を信頼し（KeyInfo に鍵が入るとは限りません）、Response・Assertion のいずれかまたは両方の RSA-SHA256 署名を受け入れてください。SP の entityID、ACS URL、時刻が試験スイートのメタデータと一致しているかも確認してください。",
        products: &[(SHIB, "requireSignedAssertions=\"true\" refuses baseline-response-signed by design; publish WantAssertionsSigned=\"true\" in the SP's metadata so the suite expects it")],
    },
    Entry {
        tests: &["sig-*", "enc-unsigned"],
        why: "Anyone can post a Response to the ACS. An SP that accepts one unsigned, goes on after a failed verification, or verifies something other than what it uses lets an attacker log in as any citizen.",
        why_ja: "ACS には誰でも Response を送れます。署名のない Response を受け入れたり、検証に失敗しても処理を続けたり、使う内容と別の部分を検証したりする SP では、攻撃者が任意の利用者としてログインできます。",
        fix: "Require a valid signature on the Assertion or on the Response that encloses it, verified with the platform's certificate from metadata; refuse the message when any signature in it fails, when the Reference does not name the element you use, or when the algorithm is unknown. Encryption is not a signature.",
        fix_ja: "Assertion またはそれを含む Response に、メタデータのプラットフォーム証明書で検証できる署名を必須としてください。含まれる署名のどれかが検証に失敗した場合、Reference が使用する要素を指していない場合、アルゴリズムが不明な場合はメッセージ全体を拒否してください。暗号化は署名の代わりになりません。",
        products: &[
            (PYSAML2, "service.sp: want_assertions_or_response_signed: True (or want_assertions_signed: True); the application must also require resp.assertion and resp.name_id"),
            (PY3SAML, "strict: true, security.wantAssertionsSigned: true"),
            (SSP, "1.19.7 accepted a broken Response signature around a good Assertion in our lab: a failed signature must fail the login"),
        ],
    },
    Entry {
        tests: &[
            "xsw*", "multi-*", "hidden-*", "root-*", "duplicate-ids",
            "sig-second-signedinfo-*", "sig-digest-in-comment", "enc-forged-before-signed",
        ],
        why: "Signature wrapping: the attacker keeps a genuinely signed assertion (from their own login) and adds a forged one that the SP reads while the signature check looks at the genuine one. Result: login as any citizen with one's own card.",
        why_ja: "署名ラッピング攻撃：攻撃者は自分のログインで得た正規の署名付きアサーションを残したまま偽造アサーションを加え、署名検証は正規のものを、SP の処理は偽造のものを見ます。自分のカードで任意の利用者としてログインできます。",
        fix: "Use exactly the element the signature verification returned (the signed node itself), never a second lookup by ID, XPath or position; accept exactly one Assertion; refuse documents with duplicate IDs, more than one root, or a Signature that does not envelope what its Reference names. Update the SAML library: these tests reproduce published advisories (the titles name them).",
        fix_ja: "署名検証が返した要素（署名されたノードそのもの）だけを使い、ID・XPath・位置で改めて探し直さないでください。Assertion はちょうど1つだけ受け入れ、ID の重複、複数のルート、Reference の指す要素を包んでいない Signature を含む文書は拒否してください。SAML ライブラリを更新してください（これらの試験は公開された脆弱性を再現しています。試験名に記載）。",
        products: &[],
    },
    Entry {
        tests: &["key-*", "enc-attacker-signed"],
        why: "The SP trusts a key the message itself carries (a certificate or raw key in KeyInfo, or an HMAC keyed with the platform's public certificate): an attacker signs a forgery with their own key and logs in as anyone.",
        why_ja: "SP がメッセージ自身に含まれる鍵（KeyInfo の証明書や公開鍵、あるいはプラットフォームの公開証明書を鍵とした HMAC）を信頼しています。攻撃者は自分の鍵で偽造に署名し、誰としてでもログインできます。",
        fix: "Verify only with the platform's certificate from the federation metadata; use KeyInfo at most to choose among configured keys, never as a key; accept RSA-SHA256 only (no HMAC) for SAML signatures.",
        fix_ja: "フェデレーションメタデータのプラットフォーム証明書だけで検証してください。KeyInfo は設定済みの鍵を選ぶためにのみ使い、鍵として使わないでください。SAML の署名には RSA-SHA256 のみを認め、HMAC は拒否してください。",
        products: &[],
    },
    Entry {
        tests: &["inject-*", "enc-inject-comment-nameid"],
        why: "A NameID, Issuer or Audience split by a comment or CDATA is read differently by the signature check (the whole text) and by the application (often the first text node): the application can act on a different value than the one signed (the 2018 comment-injection advisories).",
        why_ja: "コメントや CDATA で分割された NameID・Issuer・Audience は、署名検証（全体のテキスト）とアプリケーション（最初のテキストノードのみのことが多い）とで異なる値として読まれます。署名された値と異なる値でアプリケーションが動作し得ます（2018年のコメント挿入の脆弱性群）。",
        fix: "Refuse a NameID, Issuer or Audience whose content is anything but one text node, or read the element's complete text content (all text nodes), never the first one.",
        fix_ja: "NameID・Issuer・Audience の内容が1つのテキストノード以外であれば拒否するか、要素の全テキスト（すべてのテキストノード）を読んでください。最初のテキストノードだけを読まないでください。",
        products: &[],
    },
    Entry {
        tests: &["xml-*", "enc-key-remote", "enc-key-loop"],
        why: "DTDs and references make the SP process attacker-controlled structure before any signature check: local files disclosed (XXE), requests to internal hosts (SSRF), memory and CPU exhausted (entity expansion, reference loops), signatures bypassed by entity expansion.",
        why_ja: "DTD や外部参照があると、SP は署名検証の前に攻撃者の用意した構造を処理します。ローカルファイルの漏えい（XXE）、内部ホストへの要求（SSRF）、メモリや CPU の枯渇（実体展開、参照のループ）、実体展開による署名の迂回が起こり得ます。",
        fix: "Parse SAML with DTDs refused (any DOCTYPE is an error), no network access, no XInclude and no schemaLocation fetching; refuse messages that are not well-formed; resolve an EncryptedKey only inline, never by RetrievalMethod to a URL.",
        fix_ja: "SAML の解析では DTD を拒否（DOCTYPE があればエラー）し、ネットワークアクセス、XInclude、schemaLocation の取得を無効にしてください。整形式でないメッセージは拒否し、EncryptedKey はメッセージ内のもののみを使い、RetrievalMethod による URL 参照は解決しないでください。",
        products: &[
            ("lxml (pysaml2, python3-saml)", "parse with an XMLParser(resolve_entities=False, no_network=True, load_dtd=False) or defusedxml, and refuse any DOCTYPE"),
            ("libxml2 (Lasso, xmlsec1)", "XML_PARSE_NONET, without XML_PARSE_NOENT or XML_PARSE_DTDLOAD"),
            ("ruby-saml", "1.18.0 or later (1.12.4 on the 1.12 line) refuses any DOCTYPE and any document Nokogiri finds errors in; Debian 12's 1.13.0-1+deb12u1 does neither (CVE-2025-25291, -25292)"),
        ],
    },
    Entry {
        tests: &["cond-*", "sc-expired", "sc-no-not-on-or-after", "issue-instant-old", "enc-cond-expired", "enc-sc-expired"],
        why: "Validity windows are what limits a stolen assertion: one from a log, a proxy, a shared computer's history or a browser extension logs in again long after the citizen left.",
        why_ja: "有効期間は盗まれたアサーションの悪用を限定するための仕組みです。ログ、プロキシ、共用端末の履歴、ブラウザ拡張などから得たアサーションで、利用者が去った後に再びログインできてしまいます。",
        fix: "Check NotBefore and NotOnOrAfter of Conditions and of the bearer SubjectConfirmationData (required) with at most 3 minutes of clock skew; keep the clock synchronised (NTP).",
        fix_ja: "Conditions と bearer の SubjectConfirmationData（必須）の NotBefore・NotOnOrAfter を、最大3分の時刻のずれで確認してください。時刻は NTP で同期してください。",
        products: &[
            (PY3SAML, "ALLOWED_CLOCK_DRIFT is 300 s (onelogin/saml2/constants.py): the profile allows 180 s"),
            (PYSAML2, "accepted_time_diff: 180 at most"),
            (SHIB, "clockSkew=\"180\" at most"),
        ],
    },
    Entry {
        tests: &["sc-none", "sc-not-bearer", "field-subject-confirmation-data-missing"],
        why: "Without a bearer SubjectConfirmation (with Recipient, NotOnOrAfter, InResponseTo) the assertion was not issued for browser SSO to this SP: an assertion made for another purpose can be replayed here.",
        why_ja: "bearer の SubjectConfirmation（Recipient、NotOnOrAfter、InResponseTo 付き）がないアサーションは、この SP へのブラウザ SSO のために発行されたものではありません。別の目的で発行されたアサーションをここで再利用されます。",
        fix: "Require a SubjectConfirmation with Method bearer and its SubjectConfirmationData, and check each of its attributes (SAML Profiles §4.1.4.2).",
        fix_ja: "Method が bearer の SubjectConfirmation とその SubjectConfirmationData を必須とし、各属性を確認してください（SAML Profiles §4.1.4.2）。",
        products: &[],
    },
    Entry {
        tests: &["audience-*", "enc-audience-wrong", "field-audience-*"],
        why: "An assertion the platform issued for another SP logs in here: any SP an attacker runs or has compromised can replay its users' assertions at this one.",
        why_ja: "プラットフォームが別の SP 向けに発行したアサーションでここにログインできます。攻撃者が運営する、または侵害した SP が、その利用者のアサーションをこの SP で再利用できます。",
        fix: "Require an AudienceRestriction with an Audience equal to your entityID exactly (no prefix or substring match).",
        fix_ja: "AudienceRestriction を必須とし、その Audience が自らの entityID と完全に一致することを確認してください（前方一致や部分一致は不可）。",
        products: &[(PY3SAML, "strict: true (false turns the Audience, Destination, Recipient, InResponseTo and time checks off)")],
    },
    Entry {
        tests: &["recipient-*", "destination-*", "enc-recipient-wrong"],
        why: "A Response meant for another ACS is accepted here: a rogue SP, or another endpoint of yours, forwards assertions it received.",
        why_ja: "別の ACS 宛ての Response がここで受け入れられます。不正な SP や自組織の別のエンドポイントが、受け取ったアサーションを転送して使えます。",
        fix: "Require the bearer confirmation's Recipient, and the Destination of a signed Response, to equal the ACS URL that received it.",
        fix_ja: "bearer の確認情報の Recipient と、署名付き Response の Destination が、受信した ACS の URL と一致することを必須としてください。",
        products: &[(PY3SAML, "strict: true")],
    },
    Entry {
        tests: &["irt-*", "enc-irt-wrong-confirmation"],
        why: "A Response to another login (someone else's, or an old one) is accepted: an attacker logs the victim into the attacker's account (login CSRF) and reads what the victim then enters.",
        why_ja: "別のログイン（他人のもの、または古いもの）への Response が受け入れられます。攻撃者は被害者を攻撃者のアカウントにログインさせ（ログイン CSRF）、被害者がその後入力する内容を読めます。",
        fix: "Keep the ID of each AuthnRequest you sent with the browser's session; require the InResponseTo of the Response and of the bearer confirmation to equal it, and use it once.",
        fix_ja: "送信した AuthnRequest の ID をブラウザのセッションと結び付けて保持し、Response と bearer の確認情報の InResponseTo がそれと一致することを必須とし、1回だけ使ってください。",
        products: &[
            (PY3SAML, "pass the stored request ID: process_response(request_id=…)"),
            (PYSAML2, "pass the outstanding queries of this browser's session only, and remove the ID once used"),
        ],
    },
    Entry {
        tests: &["unsolicited"],
        why: "An IdP-initiated Response is accepted although the SP starts every login itself: an attacker posts their own assertion from any page and logs the victim into the attacker's account (login CSRF).",
        why_ja: "SP が自らログインを開始するにもかかわらず、IdP 起点の Response を受け入れています。攻撃者は任意のページから自分のアサーションを送り、被害者を攻撃者のアカウントにログインさせられます（ログイン CSRF）。",
        fix: "Refuse Responses without InResponseTo unless IdP-initiated login is a requirement of the service.",
        fix_ja: "サービスとして IdP 起点ログインが必要でない限り、InResponseTo のない Response は拒否してください。",
        products: &[
            (PYSAML2, "allow_unsolicited: False"),
            (SHIB, "policyId=\"blockUnsolicited\" (security-policy.xml)"),
            (PY3SAML, "pass request_id to process_response and refuse when it is missing"),
        ],
    },
    Entry {
        tests: &["replay", "enc-replay"],
        why: "A Response seen once (in a proxy log, a browser history, by a malicious extension) opens another session within its validity.",
        why_ja: "一度見られた Response（プロキシのログ、ブラウザの履歴、悪意ある拡張機能など）で、有効期間内に別のセッションを開けてしまいます。",
        fix: "Remember each Assertion ID until its NotOnOrAfter (shared by every server of the SP) and refuse a second use.",
        fix_ja: "各 Assertion の ID をその NotOnOrAfter まで（SP のすべてのサーバで共有して）記録し、2回目の使用を拒否してください。",
        products: &[
            (SHIB, "keep checkReplay=\"true\" (the default) and a shared ReplayCache across nodes"),
            (PYSAML2, "7.0.1 accepted a replayed Response in our lab: keep used assertion IDs in the application"),
            (SSP, "1.19.7 accepted a replayed Response in our lab: add a check of used assertion IDs"),
        ],
    },
    Entry {
        tests: &["issuer-*", "field-response-issuer-*", "field-assertion-issuer-*"],
        why: "An Issuer other than the platform is taken on its own word: in a federation with several IdPs (the CATV operator's among them) one IdP could speak for another.",
        why_ja: "プラットフォーム以外の Issuer を自己申告のまま受け入れています。複数の IdP（CATV 事業者の IdP を含む）があるフェデレーションでは、ある IdP が別の IdP になりすませます。",
        fix: "Require the Response's and the Assertion's Issuer, once each, to equal the platform's entityID, with Format entity or none, and select the verification key by that Issuer.",
        fix_ja: "Response と Assertion の Issuer がそれぞれ1つだけあり、プラットフォームの entityID と一致し、Format が entity か省略であることを必須とし、検証鍵はその Issuer で選んでください。",
        products: &[],
    },
    Entry {
        tests: &["status-*", "field-status-*"],
        why: "An error Response (the platform refusing the login: a revoked card, a cancelled PIN) that still carries an assertion is taken as a success.",
        why_ja: "エラーの Response（失効したカードや PIN の中止などでプラットフォームがログインを拒否したもの）にアサーションが含まれていると、成功として扱われます。",
        fix: "Act on an assertion only when the top-level StatusCode is exactly Success; show the user the failure otherwise.",
        fix_ja: "最上位の StatusCode が Success と完全に一致する場合にのみアサーションを使い、それ以外では利用者に失敗を表示してください。",
        products: &[],
    },
    Entry {
        tests: &["version-1-1", "field-*"],
        why: "The SP acts on a message that is not a valid SAML 2.0 Response. Parsers that guess differ (one reads the first of two NameIDs, another the second): that is how parser-differential attacks begin, and missing elements crashed SPs in our lab.",
        why_ja: "SP が正しい SAML 2.0 Response ではないメッセージで処理を行っています。推測で補う解析器は互いに異なる結果を出し（2つの NameID のうち最初を読むもの、2番目を読むもの）、これが解析器の差異を突く攻撃の入り口になります。必須要素の欠落で停止した SP もありました。",
        fix: "Validate the Response against the SAML 2.0 schema, or check every required element and attribute (present, once where one is allowed, well-formed: ID, Version 2.0, dateTime, a SAML StatusCode) before using any of it.",
        fix_ja: "Response を SAML 2.0 スキーマで検証するか、使用前にすべての必須要素・属性（存在すること、1つだけ許される場所では1つであること、ID・Version 2.0・dateTime・SAML の StatusCode として正しい形式であること）を確認してください。",
        products: &[(LASSO, "the library leaves these checks to the application (mod_auth_mellon adds some): check them in the application")],
    },
    Entry {
        tests: &["alg-*", "transform-*", "logout-rsa-sha1", "request-signature-algorithm"],
        why: "SHA-1 collisions are practical (SHAttered 2017, chosen-prefix 2020), and unexpected transforms are how past signature bypasses were built (passport-saml CVE-2021-39171): the profile allows RSA-SHA256, SHA-256, exclusive c14n and enveloped-signature only.",
        why_ja: "SHA-1 の衝突は現実的に作れます（SHAttered 2017年、選択プレフィックス衝突 2020年）。想定外の変換は過去の署名迂回の手口です（passport-saml CVE-2021-39171）。プロファイルが認めるのは RSA-SHA256、SHA-256、排他的 c14n、enveloped-signature のみです。",
        fix: "Check the SignatureMethod, DigestMethod, CanonicalizationMethod and the list of Transforms against that allow-list before verifying; refuse anything else. Sign your own messages with RSA-SHA256.",
        fix_ja: "検証の前に SignatureMethod、DigestMethod、CanonicalizationMethod、Transforms の並びを許可リストと照合し、それ以外は拒否してください。自らのメッセージは RSA-SHA256 で署名してください。",
        products: &[
            (PY3SAML, "security.rejectDeprecatedAlgorithm: true (in releases that have it), security.signatureAlgorithm and digestAlgorithm SHA-256"),
            (SHIB, "exclude the SHA-1 URIs in the AlgorithmFilter of security-policy.xml"),
            (MELLON, "MellonSignatureMethod rsa-sha256 for its own messages; incoming algorithms are Lasso's: update, or filter in front"),
        ],
    },
    Entry {
        tests: &["authn-class-*", "enc-authn-class-password", "field-authn-context-class-*", "field-authn-statement-missing", "request-authn-context"],
        why: "The SP asks for a login with the My Number Card but accepts a weaker one (a password): the assurance the service needs (identity verified by the card's certificate) is not guaranteed.",
        why_ja: "SP はマイナンバーカードでのログインを求めながら、より弱いログイン（パスワード）を受け入れています。サービスに必要な保証（カードの証明書による本人確認）が担保されません。",
        fix: "Ask for urn:mnctf:ac:classes:jpki-user-authentication in RequestedAuthnContext, and compare the AuthnContextClassRef of the AuthnStatement with it: refuse any other class.",
        fix_ja: "RequestedAuthnContext で urn:mnctf:ac:classes:jpki-user-authentication を要求し、AuthnStatement の AuthnContextClassRef をそれと比較して、他のクラスは拒否してください。",
        products: &[
            (PY3SAML, "security.requestedAuthnContext: [the card class], security.failOnAuthnContextMismatch: true"),
            (SHIB, "Require authnContextClassRef urn:mnctf:ac:classes:jpki-user-authentication (Apache access control)"),
            (MELLON, "MellonAuthnContextClassRef for the request; enforce with MellonCond on the class"),
        ],
    },
    Entry {
        tests: &["enc-both-signed", "enc-assertion-signed", "enc-response-signed"],
        why: "The SP publishes an encryption key but cannot take assertions encrypted to it the profile's way: an IdP that encrypts, as the metadata invites, cannot log its users in.",
        why_ja: "SP は暗号化用の鍵を公開していますが、プロファイルの方式で暗号化されたアサーションを受け入れられません。メタデータに従って暗号化する IdP からはログインできません。",
        fix: "Support EncryptedAssertion with AES-256-GCM content and RSA-OAEP key transport, the EncryptedKey inline, and run every check on the decrypted assertion; or stop publishing an encryption key.",
        fix_ja: "AES-256-GCM の内容暗号化と RSA-OAEP の鍵転送（EncryptedKey はメッセージ内）による EncryptedAssertion に対応し、復号後のアサーションにすべての確認を行ってください。対応しない場合は暗号化用の鍵を公開しないでください。",
        products: &[],
    },
    Entry {
        tests: &["enc-rsa-1-5", "enc-aes-cbc"],
        why: "RSA PKCS#1 v1.5 key transport and CBC content encryption are decryption oracles (Bleichenbacher; Jager and Somorovsky, 'How to break XML encryption', 2011): whoever can send the SP messages and watch its answers decrypts assertions encrypted to it.",
        why_ja: "RSA PKCS#1 v1.5 の鍵転送と CBC の内容暗号化は復号オラクルになります（Bleichenbacher、Jager・Somorovsky「How to break XML encryption」2011年）。SP にメッセージを送って応答を観察できる者は、SP 宛てに暗号化されたアサーションを復号できます。",
        fix: "Accept RSA-OAEP key transport and AES-GCM content encryption only.",
        fix_ja: "鍵転送は RSA-OAEP、内容暗号化は AES-GCM のみを受け入れてください。",
        products: &[(SHIB, "requireAuthenticatedEncryption=\"true\"")],
    },
    Entry {
        tests: &["relay-*"],
        why: "Open redirect: a link to the SP's genuine login sends the citizen, after a real card login, to an attacker's look-alike page that asks for the PIN or personal data (phishing that starts on a trusted site).",
        why_ja: "オープンリダイレクト：SP の正規のログインへのリンクから、本物のカードログインの後に、攻撃者の偽ページ（PIN や個人情報を求める）へ利用者が送られます（信頼されたサイトから始まるフィッシング）。",
        fix: "After login, redirect only to a path of your own origin (one leading '/', no '//' or '\\', no scheme), or keep the target server-side and send only a key in RelayState.",
        fix_ja: "ログイン後は自らのオリジンのパス（先頭の '/' は1つ、'//' や '\\' やスキームを含まない）にのみリダイレクトするか、遷移先をサーバ側に保持して RelayState には鍵だけを入れてください。",
        products: &[
            (SHIB, "redirectLimit=\"exact\" (or \"host\") in <Sessions>"),
            (SSP, "trusted.url.domains in config.php"),
            (MELLON, "MellonRedirectDomains [self]"),
        ],
    },
    Entry {
        tests: &["post-deflate-bomb"],
        why: "An SP that inflates HTTP-POST messages (which are never compressed) turns a request of a few KiB into hundreds of MB to allocate and parse: one request stalls or kills the SP for every user, before any signature is checked (ruby-saml CVE-2025-25293).",
        why_ja: "HTTP-POST のメッセージ（圧縮されることはない）を展開する SP では、数 KiB の要求が数百 MB の確保と解析になります。署名確認の前に、1つの要求ですべての利用者に対して SP が停止・遅延します（ruby-saml CVE-2025-25293）。",
        fix: "Inflate only HTTP-Redirect messages, with a bound on the inflated size (the platform's own, 256 KiB, TF-IDP-015, is a fair one); take a POST message as the base64 of the XML and nothing else.",
        fix_ja: "展開は HTTP-Redirect のメッセージだけに、展開後の大きさの上限（プラットフォーム自身の 256 KiB、TF-IDP-015 が目安）を付けて行い、POST のメッセージは XML の base64 としてのみ扱ってください。",
        products: &[("ruby-saml", "upgrade to 1.12.4 or 1.18.0 or later (inflated size bounded by message_max_bytesize)")],
    },
    Entry {
        tests: &["transform-thousands"],
        why: "One message stops or slows the SP for every user: a denial of service anyone can send, before any signature is checked.",
        why_ja: "1つのメッセージで、すべての利用者に対して SP が停止または遅延します。署名確認の前に誰でも送れるサービス妨害です。",
        fix: "Bound the work per message before verifying: body size, nesting depth, number of References and Transforms, entity expansion (none), and a time limit per request.",
        fix_ja: "検証の前にメッセージごとの処理量を制限してください：本文サイズ、入れ子の深さ、Reference と Transform の数、実体展開（なし）、要求ごとの時間制限。",
        products: &[],
    },
    Entry {
        tests: &["request-destination", "request-protocol-binding"],
        why: "An AuthnRequest the platform cannot route as the profile says: the platform refuses it or answers where the SP does not listen, and no citizen can log in.",
        why_ja: "プロファイルどおりに処理できない AuthnRequest です。プラットフォームが拒否するか、SP が待ち受けていない先に応答し、利用者はログインできません。",
        fix: "Send AuthnRequests with Destination equal to the platform's SSO URL from its metadata, and ask for the Response by HTTP-POST.",
        fix_ja: "AuthnRequest の Destination をメタデータにあるプラットフォームの SSO URL とし、Response は HTTP-POST で求めてください。",
        products: &[],
    },
    Entry {
        tests: &["request-acs-in-metadata"],
        why: "The SP asks for an ACS its metadata does not list: the platform refuses the request (TF-IDP-003), since sending assertions to unlisted URLs is how they are stolen.",
        why_ja: "SP がメタデータにない ACS を要求しています。一覧にない URL へのアサーション送信は窃取の手口であるため、プラットフォームは要求を拒否します（TF-IDP-003）。",
        fix: "Name in AssertionConsumerServiceURL (or by index) an ACS of the metadata you registered, byte for byte.",
        fix_ja: "AssertionConsumerServiceURL（またはインデックス）には、登録したメタデータの ACS を1文字も違えずに指定してください。",
        products: &[],
    },
    Entry {
        tests: &["request-signed-as-metadata-says"],
        why: "The SP's requests are not signed as its metadata promises (or not verifiable with its key): the platform refuses them, or anyone can start logins in the SP's name with their own parameters.",
        why_ja: "SP の要求がメタデータで宣言したとおりに署名されていない（またはその鍵で検証できない）状態です。プラットフォームに拒否されるか、誰でも任意のパラメータで SP の名義のログインを開始できます。",
        fix: "Sign AuthnRequests (HTTP-Redirect: over the query octets) with the key whose certificate is in your metadata, and set AuthnRequestsSigned=\"true\" there.",
        fix_ja: "メタデータに証明書のある鍵で AuthnRequest に署名し（HTTP-Redirect ではクエリのオクテット列に対して）、メタデータで AuthnRequestsSigned=\"true\" としてください。",
        products: &[(SSP, "sign.authnrequest => true"), (PY3SAML, "security.authnRequestsSigned: true")],
    },
    Entry {
        tests: &["request-fresh", "request-unique-id"],
        why: "Requests with a stale time or a reused ID are refused by the platform (TF-IDP-005), and a reused ID defeats the InResponseTo check that stops login CSRF.",
        why_ja: "時刻が古い、または ID を再利用した要求はプラットフォームに拒否されます（TF-IDP-005）。ID の再利用はログイン CSRF を防ぐ InResponseTo の確認を無効にします。",
        fix: "Give every AuthnRequest a new random ID and the current time from a synchronised clock.",
        fix_ja: "各 AuthnRequest に新しいランダムな ID と、同期された時計による現在時刻を設定してください。",
        products: &[],
    },
    Entry {
        tests: &["request-name-id-policy"],
        why: "The SP asks for a NameID format the platform does not give: the platform answers InvalidNameIDPolicy and the login fails.",
        why_ja: "プラットフォームが発行しない NameID 形式を要求しています。プラットフォームは InvalidNameIDPolicy を返し、ログインは失敗します。",
        fix: "Ask for the persistent format (or none) and use the pairwise NameID as the account key.",
        fix_ja: "persistent 形式を要求する（または指定しない）ようにし、ペアワイズ NameID をアカウントの識別子として使ってください。",
        products: &[],
    },
    Entry {
        tests: &["logout-valid"],
        why: "The SP does not end its session on the platform's LogoutRequest: a citizen who logs out at the platform (on a shared computer, say) stays logged in here.",
        why_ja: "プラットフォームからの LogoutRequest で SP がセッションを終了しません。プラットフォームでログアウトした利用者（共用端末など）が、ここではログインしたままになります。",
        fix: "Serve the SingleLogoutService of your metadata (HTTP-Redirect), end the session its NameID and SessionIndex name, and answer with a LogoutResponse.",
        fix_ja: "メタデータの SingleLogoutService（HTTP-Redirect）を提供し、NameID と SessionIndex が示すセッションを終了して LogoutResponse を返してください。",
        products: &[],
    },
    Entry {
        tests: &["logout-*"],
        why: "A forged logout is obeyed: anyone who can make the browser load a URL (an image on any page) ends the citizen's session, or another user's: a denial of service, and logouts the platform never sent.",
        why_ja: "偽造されたログアウトに従っています。ブラウザに URL を読み込ませられる者（任意のページの画像など）が、利用者や他の利用者のセッションを終了させられます。サービス妨害であり、プラットフォームが送っていないログアウトが起こります。",
        fix: "Act only on a LogoutRequest whose signature over the query octets verifies with the platform's key (RSA-SHA256), whose Issuer is the platform and Destination your SLO URL, that has not expired, and whose NameID (and SessionIndex) match the session.",
        fix_ja: "クエリのオクテット列への署名がプラットフォームの鍵（RSA-SHA256）で検証でき、Issuer がプラットフォーム、Destination が自らの SLO URL、期限内であり、NameID（と SessionIndex）がセッションと一致する LogoutRequest にのみ応じてください。",
        products: &[
            (PY3SAML, "security.wantMessagesSigned: true (LogoutRequests are checked only then)"),
            (PYSAML2, "want_logout_request_signed / require signed logout: verify before acting"),
            (SSP, "1.19.7 obeyed an unsigned LogoutRequest in our lab: require signed logout messages from the IdP"),
            ("ruby-saml", "SloLogoutrequest checks a signature only when the query carries one (1.13 and 1.18 alike), and not the Destination: refuse a LogoutRequest without Signature, and compare Destination and NameID, before calling is_valid?"),
        ],
    },
    // ---------------------------------------------------------------- IdPs
    Entry {
        tests: &["login-valid", "req-post-signed"],
        why: "A valid card login does not give a Response a strict SP accepts: citizens cannot log in, and the refusals measured in the other tests say nothing.",
        why_ja: "有効なカードでのログインで、厳格な SP が受け入れる Response が得られません。利用者がログインできず、他の試験での拒否も意味を持ちません。",
        fix: "Sign the Response and the Assertion (RSA-SHA256, exclusive c14n), with Audience, Recipient, InResponseTo and a validity of at most 5 minutes, sent by HTTP-POST to the ACS of the SP's metadata; the report's evidence shows what the strict SP refused.",
        fix_ja: "Response と Assertion に署名し（RSA-SHA256、排他的 c14n）、Audience・Recipient・InResponseTo と最大5分の有効期間を入れ、SP のメタデータの ACS へ HTTP-POST で送ってください。厳格な SP が何を拒否したかは報告書の証跡にあります。",
        products: &[],
    },
    Entry {
        tests: &["response-profile", "response-schema"],
        why: "The Assertion is not the profile's: SPs that rely on the pairwise NameID, the SessionIndex or the channel attributes break, and SPs that validate the schema (Shibboleth, python3-saml strict) refuse the login.",
        why_ja: "Assertion がプロファイルどおりではありません。ペアワイズ NameID、SessionIndex、経路の属性に依存する SP が動作せず、スキーマ検証をする SP（Shibboleth、strict の python3-saml）はログインを拒否します。",
        fix: "Issue a persistent pairwise NameID, a SessionIndex, the authn-channel and authenticating-authority attributes, and messages valid against the SAML 2.0 schemas (element order, required attributes).",
        fix_ja: "永続的なペアワイズ NameID、SessionIndex、authn-channel と authenticating-authority の属性を発行し、SAML 2.0 スキーマに適合する（要素の順序、必須属性）メッセージを送ってください。",
        products: &[],
    },
    Entry {
        tests: &["card-revoked", "card-expired", "card-look-alike-ca", "card-sign-cert-revoked", "catv-*"],
        why: "The IdP vouches for a card it should not: a lost or stolen card someone reported (revoked), an expired one, or a certificate from a CA that merely takes the JPKI CA's name. Every SP then trusts that login.",
        why_ja: "IdP が信頼してはならないカードを保証しています：紛失・盗難の届出で失効したカード、期限切れのカード、JPKI の認証局の名前を名乗るだけの別の認証局の証明書。すべての SP がそのログインを信頼してしまいます。",
        fix: "Validate the certificate's path to the configured JPKI anchor by signature (not by name), its validity at login and its policy; check revocation of the user-authentication certificate (not the signature certificate) by OCSP with a nonce at every login.",
        fix_ja: "証明書のパスを設定済みの JPKI トラストアンカーまで署名で（名前ではなく）検証し、ログイン時の有効期間とポリシーを確認し、利用者証明用電子証明書（署名用ではなく）の失効をログインごとにノンス付き OCSP で確認してください。",
        products: &[],
    },
    Entry {
        tests: &["card-refused-reported"],
        why: "A refused login is never reported to the SP: the citizen is stranded on the IdP's page and the SP cannot say what happened or offer another way.",
        why_ja: "拒否されたログインが SP に通知されません。利用者は IdP のページに取り残され、SP は何が起きたかを示すことも別の手段を案内することもできません。",
        fix: "Name in the refused card answer a `return` URL at the IdP that sends the SP a signed Response with status Responder/AuthnFailed, and offer the same way back on the login page.",
        fix_ja: "カードの応答を拒否する際に IdP の `return` URL を示し、そこから SP へ Responder/AuthnFailed の署名付き Response を送ってください。ログインページにも同じ戻り道を用意してください。",
        products: &[],
    },
    Entry {
        tests: &["card-renewed", "card-renewed-links-down", "name-id-stable"],
        why: "The same citizen gets a new identity: after a card renewal (a new certificate every few years) or at a second login, the SP sees a stranger, and records, applications and bank links are split or lost.",
        why_ja: "同じ利用者に新しい識別子が割り当てられています。カード更新（数年ごとに新しい証明書）の後や2回目のログインで、SP には別人として見え、記録・申請・銀行の紐付けが分断または失われます。",
        fix: "Derive the NameID from the person, not the certificate; recognise a renewed card through the CA's link between old and new certificates; when the link service cannot be asked, refuse the login (try again later) rather than create a new person.",
        fix_ja: "NameID は証明書ではなく人物から導出してください。更新されたカードは認証局の新旧紐付けで同一人物と認識し、紐付けを照会できないときは新しい人物を作らずにログインを拒否（後で再試行）してください。",
        products: &[],
    },
    Entry {
        tests: &["pki-*"],
        why: "Revocation that fails open: when the OCSP responder is down, forged or stale, a revoked card (reported lost or stolen) still logs in. Attackers can block or replay revocation traffic.",
        why_ja: "失効確認がフェイルオープンになっています。OCSP レスポンダが停止・偽装・古い応答のとき、失効した（紛失・盗難の届出があった）カードでもログインできます。攻撃者は失効確認の通信を妨害・再送できます。",
        fix: "Accept an OCSP answer only if signed by the CA or a responder it certified for OCSP signing, current, naming the certificate and echoing your nonce; otherwise use a current CRL signed by the CA; if neither gives a verified 'good', refuse the login and say why.",
        fix_ja: "OCSP 応答は、認証局またはその認証局が OCSP 署名用に認証したレスポンダの署名があり、最新で、証明書を示し、ノンスを返すものだけを受け入れてください。そうでなければ認証局が署名した最新の CRL を使い、どちらでも「有効」と確認できなければ理由を示してログインを拒否してください。",
        products: &[],
    },
    Entry {
        tests: &["bind-challenge-replayed", "bind-other-transaction", "bind-other-browser", "bind-challenge-expired", "bind-other-bytes"],
        why: "The card's signature is not bound to this login: a signature captured once (by malware, a phishing page relaying challenges, or another browser) logs someone in again or elsewhere.",
        why_ja: "カードの署名がこのログインに結び付いていません。一度取得された署名（マルウェアや、チャレンジを中継するフィッシングページ、別のブラウザによるもの）で、再度または別の場所でログインできてしまいます。",
        fix: "Verify the card's signature over exactly the challenge's bytes; accept each nonce once, only within its expiry, only for the transaction and the browser it was issued to.",
        fix_ja: "カードの署名がチャレンジのバイト列そのものに対するものであることを検証し、各ノンスは発行先の取引とブラウザについて、期限内に1回だけ受け入れてください。",
        products: &[],
    },
    Entry {
        tests: &["bind-tls-*"],
        why: "The TLS client-authentication binding the IdP offers does not work with the card: the card signs only RSASSA-PKCS1-v1_5, which TLS 1.3 does not allow, or a revoked card is let through after the handshake.",
        why_ja: "IdP が提供する TLS クライアント認証方式がカードで使えません（カードは TLS 1.3 で使えない RSASSA-PKCS1-v1_5 でのみ署名します）、またはハンドシェイク後に失効したカードを通しています。",
        fix: "Allow TLS 1.2 with rsa_pkcs1_sha256 on that endpoint, and run the same path and revocation checks on the client certificate as for the card-login binding.",
        fix_ja: "そのエンドポイントで rsa_pkcs1_sha256 による TLS 1.2 を許可し、クライアント証明書にもカードログイン方式と同じパス検証と失効確認を行ってください。",
        products: &[],
    },
    Entry {
        tests: &["req-unsigned", "req-wrong-key", "req-tampered", "req-post-wrapped", "req-unknown-sp", "req-sha1"],
        why: "The IdP acts on requests it cannot attribute to a registered SP: anyone can start logins in an SP's name with their own parameters (ACS, ForceAuthn, attributes asked for), or a request altered in transit.",
        why_ja: "IdP が登録された SP のものと確認できない要求で動作しています。誰でも SP の名義で任意のパラメータ（ACS、ForceAuthn、要求属性）のログインを開始でき、途中で改ざんされた要求も通ります。",
        fix: "Accept requests only from SPs of the metadata; where the metadata says AuthnRequestsSigned, verify the signature (RSA-SHA256, over the raw query octets for HTTP-Redirect) with that SP's key, and act on the signed element only.",
        fix_ja: "メタデータにある SP からの要求のみを受け付け、メタデータが AuthnRequestsSigned とする場合は、その SP の鍵で署名（RSA-SHA256、HTTP-Redirect では生のクエリのオクテット列）を検証し、署名された要素だけで処理してください。",
        products: &[(SSP, "validate.authnrequest => true in the SP's saml20-sp-remote entry"), ("pysaml2 IdP", "want_authn_requests_signed: True")],
    },
    Entry {
        tests: &["req-acs-not-in-metadata", "relay-state-markup"],
        why: "The IdP sends the assertion (or markup) where the request says rather than where the metadata says: an attacker's request sends a citizen's assertion to the attacker (assertion theft), or runs script on the IdP's page.",
        why_ja: "IdP がメタデータではなく要求に書かれた先へアサーション（またはマークアップ）を送っています。攻撃者の要求で利用者のアサーションが攻撃者に送られる（アサーション窃取）か、IdP のページでスクリプトが実行されます。",
        fix: "Use only an ACS equal to one of the SP's metadata (else an error page, no redirect), and escape RelayState in the auto-POST form.",
        fix_ja: "SP のメタデータと一致する ACS のみを使い（それ以外はリダイレクトせずエラーページ）、自動 POST フォームの RelayState はエスケープしてください。",
        products: &[],
    },
    Entry {
        tests: &["req-stale"],
        why: "An old request is honoured: a request captured once starts logins long after, and the InResponseTo check of the SP is weakened.",
        why_ja: "古い要求が受け付けられています。一度取得された要求で後からいつでもログインを開始でき、SP の InResponseTo の確認も弱まります。",
        fix: "Refuse AuthnRequests whose IssueInstant is more than 5 minutes from your clock.",
        fix_ja: "IssueInstant が自らの時計と5分を超えて異なる AuthnRequest は拒否してください。",
        products: &[],
    },
    Entry {
        tests: &["req-doctype", "req-bad-deflate", "req-inflates-large"],
        why: "Malformed or oversized input is processed: a small request that inflates to megabytes, or a DTD, costs the IdP memory and CPU for every user (denial of service), or crashes it.",
        why_ja: "不正な形式や過大な入力が処理されています。メガバイトに展開される小さな要求や DTD によって、すべての利用者のための IdP のメモリや CPU が消費され（サービス妨害）、停止することもあります。",
        fix: "Refuse DTDs, bound the encoded (128 KiB) and decoded (256 KiB) size while inflating, and answer bad input with a specific error page, never a server error.",
        fix_ja: "DTD を拒否し、展開しながら符号化後（128 KiB）と復号後（256 KiB）のサイズを制限し、不正な入力にはサーバエラーではなく具体的なエラーページで応答してください。",
        products: &[],
    },
    Entry {
        tests: &["req-authn-context-unavailable"],
        why: "An SP that asks for exactly the card's strength, or another class, is logged in with whatever the IdP did: the class it asked for is silently downgraded, and an SP that does not re-check the asserted class (TF-SP-005) lets a weaker login into a service that needs the card.",
        why_ja: "カードの強度（または他のクラス）を厳密に求めた SP に、IdP が行った認証のままログインさせています。求めたクラスが黙って引き下げられ、表明されたクラスを確認しない SP（TF-SP-005）では、カードが必要なサービスに弱い認証で入れます。",
        fix: "Compare RequestedAuthnContext (exact, minimum, maximum, better) with the classes you can give; when none matches, answer with a signed Response of status Responder / NoAuthnContext and no assertion.",
        fix_ja: "RequestedAuthnContext（exact、minimum、maximum、better）を自らが提供できるクラスと比較し、一致しなければアサーションなしで、ステータス Responder / NoAuthnContext の署名付き Response を返してください。",
        products: &[(SSP, "an authproc filter that checks RequestedAuthnContext: by default the IdP ignores it")],
    },
    Entry {
        tests: &["sso-across-sps", "force-authn", "is-passive-no-session", "slo-both-sps"],
        why: "Sessions do not behave as SPs rely on: a second SP asks for the card again, ForceAuthn does not re-check the card (a walked-away session is reused for a sensitive step), IsPassive shows a page, or logging out leaves the other SPs logged in.",
        why_ja: "セッションが SP の前提どおりに動作しません：2つ目の SP で再びカードを求める、ForceAuthn でカードを再確認しない（放置されたセッションが重要な操作に使われる）、IsPassive でページを表示する、ログアウトしても他の SP がログインしたままになる。",
        fix: "Keep one SSO session per browser with a SessionIndex per SP; ask the card again on ForceAuthn; answer IsPassive without a session with a signed NoPassive Response; on logout send a signed LogoutRequest to every other SP of the session and end it.",
        fix_ja: "ブラウザごとに1つの SSO セッションを持ち SP ごとに SessionIndex を付け、ForceAuthn では再びカードを求め、セッションのない IsPassive には署名付き NoPassive の Response を返し、ログアウトではセッションの他のすべての SP に署名付き LogoutRequest を送って終了してください。",
        products: &[(SSP, "sign the IdP's LogoutRequests (redirect.sign => true): SPs refuse unsigned ones")],
    },
    Entry {
        tests: &["page-framing", "cookie-flags"],
        why: "The page where the PIN is typed can be framed by another site (clickjacking: the citizen types into an overlaid page), or the session cookie is readable by script or sent over plain http (session theft).",
        why_ja: "PIN を入力するページを他サイトがフレーム内に表示できる（クリックジャッキング：重ねられたページに入力させられる）、またはセッション Cookie がスクリプトから読める・平文の http で送られる（セッションの窃取）状態です。",
        fix: "Send Content-Security-Policy: frame-ancestors 'none' (and X-Frame-Options: DENY) on every page; set cookies HttpOnly, and Secure when served over https.",
        fix_ja: "すべてのページで Content-Security-Policy: frame-ancestors 'none'（と X-Frame-Options: DENY）を送り、Cookie は HttpOnly、https で提供するときは Secure にしてください。",
        products: &[],
    },
    Entry {
        tests: &["session-fixation"],
        why: "A session identifier the browser held before the login carries the session after it: whoever planted it in the citizen's browser (a sibling site, a script, a shared computer) is logged in as the citizen at every SP of the federation (session fixation).",
        why_ja: "ログイン前にブラウザが持っていたセッション識別子がログイン後もセッションを表します。利用者のブラウザにそれを仕込んだ者（同じドメインの別サイト、スクリプト、共用パソコン）が、連携するすべての SP に利用者としてログインできます（セッション固定化）。",
        fix: "Issue a new session identifier at every successful login (and end the old one); never adopt an identifier the browser presents that the IdP did not issue for an authenticated session.",
        fix_ja: "ログインに成功するたびに新しいセッション識別子を発行し（古いものは終了し）、認証済みセッションのために発行していない識別子をブラウザが提示しても採用しないでください。",
        products: &[(SSP, "SimpleSAMLphp gives every login a new auth token (the cookie session.authtoken.cookiename) and refuses a session without it: keep that cookie and do not share it across hosts; with PHP sessions also set session.use_strict_mode = 1")],
    },
    Entry {
        tests: &["response-not-cached"],
        why: "The page with the signed Response may be cached: on a shared computer the next user can replay it from the browser's history or cache while it is valid, and a proxy may keep a bearer assertion.",
        why_ja: "署名付き Response を含むページがキャッシュされ得ます。共用パソコンでは次の利用者が履歴やキャッシュから有効期間内に再送でき、プロキシがベアラーのアサーションを保持することもあります。",
        fix: "Send Cache-Control: no-cache, no-store (and Pragma: no-cache) on every page that carries a SAML message, as SAML Bindings §3.5.5.1 asks.",
        fix_ja: "SAML Bindings §3.5.5.1 のとおり、SAML メッセージを運ぶすべてのページで Cache-Control: no-cache, no-store（と Pragma: no-cache）を送ってください。",
        products: &[],
    },
    // ---------------------------------------------------------------- attribute authority
    Entry {
        tests: &["aa-register-valid", "aa-query-valid"],
        why: "A correct registration or query is not served: professionals cannot file on behalf of clients through the 士業 body's authority, and the refusals in the other tests prove nothing.",
        why_ja: "正しい登録または照会が処理されません。士業団体の属性認証局を通じた代理申請ができず、他の試験での拒否も意味を持ちません。",
        fix: "Follow TF-PROXY-002 and TF-PROXY-004: the registration endpoint's challenge and JSON shape in the README, and a signed Response with a signed assertion for the platform and the SP.",
        fix_ja: "TF-PROXY-002 と TF-PROXY-004 に従ってください（登録エンドポイントのチャレンジと JSON の形は README に記載）。プラットフォームと SP に向けた署名付きアサーションを含む署名付き Response を返してください。",
        products: &[],
    },
    Entry {
        tests: &["aa-register-*"],
        why: "A qualification is registered without proof of both keys or with a card the CA refuses: someone who is not that 税理士 (or with another body's certificate, or a revoked card) can file applications as one.",
        why_ja: "両方の鍵の所持の証明なしに、または認証局が認めないカードで資格が登録されます。その税理士でない者（他団体の証明書や失効したカードの持ち主）が税理士として申請できてしまいます。",
        fix: "Require the card's signature over your challenge and the 士業 key's signature over a registration naming you, the challenge's nonce and that same card certificate; path-validate both certificates to your anchors and check their revocation, failing closed.",
        fix_ja: "自らのチャレンジへのカードの署名と、自らの名前・チャレンジのノンス・同じカード証明書を記した登録への士業の鍵の署名を必須とし、両方の証明書をトラストアンカーまでパス検証し、失効をフェイルクローズで確認してください。",
        products: &[],
    },
    Entry {
        tests: &["aa-query-*"],
        why: "The authority answers queries it should refuse (unsigned, from outside the federation, stale, wrapped, about an unproven subject), or asserts a revoked qualification: a qualification leaks or is asserted for the wrong person.",
        why_ja: "属性認証局が拒否すべき照会（署名なし、フェデレーション外から、古い、ラップされた、主体が証明されていない）に応答するか、失効した資格を表明しています。資格情報が漏れるか、別人の資格として表明されます。",
        fix: "Answer only queries signed by requesters of the federation metadata (others: a signed RequestDenied), current, addressed to you, with a holder-of-key subject carrying the registered card's certificate, using the signed element only; re-check the 士業 certificate's revocation at each answer.",
        fix_ja: "フェデレーションメタデータの要求者が署名した、最新で、自ら宛ての、登録済みカードの証明書による holder-of-key の主体を持つ照会にのみ、署名された要素だけを使って応答してください（それ以外は署名付き RequestDenied）。応答のたびに士業証明書の失効を再確認してください。",
        products: &[],
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::idp::{authority_plan::AA_TESTS, plan::IDP_TESTS};
    use crate::plan::{self, logout::LOGOUT_TESTS, request::CHECKS};

    /// Every test id of every plan.
    fn every_test() -> Vec<&'static str> {
        let mut ids: Vec<&str> = plan::all().iter().map(|t| t.id).collect();
        ids.extend(CHECKS.iter().map(|c| c.id));
        ids.extend(LOGOUT_TESTS.iter().map(|t| t.id));
        ids.extend(IDP_TESTS.iter().map(|t| t.id));
        ids.extend(AA_TESTS.iter().map(|t| t.id));
        ids
    }

    #[test]
    fn every_test_is_explained_in_both_languages() {
        for id in every_test() {
            let e = for_test(id).unwrap_or_else(|| panic!("{id} has no advice"));
            // English sentences have no kana; Japanese ones always have some.
            let kana = |t: &str| t.chars().any(|c| ('\u{3041}'..='\u{30ff}').contains(&c));
            for (text, what) in [(e.why, "why"), (e.fix, "fix")] {
                assert!(text.len() > 40 && !kana(text), "{id}: {what} {text:?}");
            }
            for (text, what) in [(e.why_ja, "why_ja"), (e.fix_ja, "fix_ja")] {
                assert!(kana(text) && text.chars().count() > 20, "{id}: {what}");
            }
        }
    }

    #[test]
    fn every_entry_explains_some_test_and_the_most_specific_wins() {
        let ids = every_test();
        for e in ENTRIES {
            for sel in e.tests {
                let names = |id: &str| match sel.strip_suffix('*') {
                    Some(prefix) => id.starts_with(prefix),
                    None => id == *sel,
                };
                let used = ids
                    .iter()
                    .any(|id| names(id) && for_test(id).is_some_and(|w| std::ptr::eq(w, e)));
                assert!(used, "{sel}: the entry explains no test");
            }
        }
        let relay = for_test("relay-absolute").map(|e| e.why);
        assert!(relay.is_some_and(|w| w.contains("Open redirect")));
        let exact = for_test("logout-valid").map(|e| e.why);
        assert!(exact.is_some_and(|w| w.contains("does not end its session")));
        assert!(for_test("no-such-test").is_none());
    }
}
