//! The trust-framework profile's requirement IDs: the one registry code and tests cite.
//! `docs/profile/v0.1.md` describes each; a test keeps the two lists equal.

/// A requirement of the profile.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Requirement {
    /// `TF-<AREA>-<NNN>`.
    pub id: &'static str,
    /// One line.
    pub summary: &'static str,
    /// The same in Japanese.
    pub summary_ja: &'static str,
}

impl Requirement {
    /// Its level and full text, from the profile document (`docs/profile/v0.1.md`).
    pub fn text(&self) -> Option<(&'static str, &'static str)> {
        document_row(self.id)
    }
}

macro_rules! requirements {
    ($($id:literal => $summary:literal / $ja:literal,)*) => {
        /// Every requirement of profile v0.1, in document order.
        pub const REQUIREMENTS: &[Requirement] = &[$(Requirement { id: $id, summary: $summary, summary_ja: $ja },)*];
    };
}

/// The profile document, compiled in: its tables are the requirements' full text.
const DOCUMENT: &str = include_str!("../../docs/profile/v0.1.md");

/// The `| ID | level | requirement |` row of `id` in the document: (level, text).
fn document_row(id: &str) -> Option<(&'static str, &'static str)> {
    DOCUMENT.lines().find_map(|line| {
        let mut cells = line.strip_prefix("| ")?.strip_suffix(" |")?.split(" | ");
        if cells.next()? != id {
            return None;
        }
        Some((cells.next()?, cells.next()?))
    })
}

requirements! {
    "TF-BIND-001" => "challenge is the canonical mnctf-card-login/1 text" / "チャレンジは正規形の mnctf-card-login/1 テキスト",
    "TF-BIND-002" => "nonce: 32 random bytes, one transaction, single use" / "ノンスは32バイトの乱数、1つのログイン取引に限り1回だけ有効",
    "TF-BIND-003" => "challenge expires within 120 s" / "チャレンジは120秒以内に失効",
    "TF-BIND-004" => "card signs SHA-256 DigestInfo with the user-authentication key; verified with the presented certificate" / "カードが利用者証明用鍵で SHA-256 DigestInfo に署名し、提示された証明書で検証",
    "TF-BIND-005" => "client checks endpoint and expiry before the PIN" / "クライアントは PIN 入力前に送信先と期限を確認",
    "TF-BIND-006" => "TLS client-auth binding allows TLS 1.2 with rsa_pkcs1_sha256" / "TLS クライアント認証方式では TLS 1.2 と rsa_pkcs1_sha256 を許可",
    "TF-PKI-001" => "path to a configured JPKI anchor, issuer by signature" / "設定された JPKI トラストアンカーまでの証明書パス、発行者は署名で確認",
    "TF-PKI-002" => "sha256WithRSAEncryption only" / "sha256WithRSAEncryption のみ",
    "TF-PKI-003" => "within validity at login" / "ログイン時に有効期間内",
    "TF-PKI-004" => "keyUsage, policy, EKU, no unknown critical extension" / "keyUsage・ポリシー・EKU の確認、未知の重要拡張は拒否",
    "TF-PKI-005" => "OCSP with nonce at every login, authorised signer, current" / "ログインごとにノンス付き OCSP、正当な署名者、最新の応答",
    "TF-PKI-006" => "CRL fallback; fail closed" / "CRL による代替確認、確認できなければ拒否（フェイルクローズ）",
    "TF-PKI-007" => "time and size limits on revocation fetches" / "失効情報の取得に時間とサイズの上限",
    "TF-PKI-008" => "renewed card keeps the person through the CA's link" / "更新後のカードは認証局の新旧紐付けで同一人物として扱う",
    "TF-IDP-001" => "metadata with key, SSO Redirect and POST, SLO" / "鍵、SSO の Redirect と POST、SLO を含むメタデータ",
    "TF-IDP-002" => "requests only from SPs in metadata" / "メタデータにある SP からの要求のみ受け付ける",
    "TF-IDP-003" => "ACS exactly from metadata; no open redirect" / "ACS はメタデータと完全一致のみ、オープンリダイレクトなし",
    "TF-IDP-004" => "signed requests where metadata says so; signed content only" / "メタデータが求める場合は署名付き要求、署名された内容のみ使用",
    "TF-IDP-005" => "request IssueInstant within 5 minutes" / "要求の IssueInstant は5分以内",
    "TF-IDP-006" => "Response and Assertion signed, RSA-SHA256, exc-c14n" / "Response と Assertion に署名（RSA-SHA256、exc-c14n）",
    "TF-IDP-007" => "Audience, Recipient, InResponseTo, validity at most 5 minutes" / "Audience・Recipient・InResponseTo、有効期間は最大5分",
    "TF-IDP-008" => "persistent pairwise NameID" / "永続的でSPごとに異なる（ペアワイズ）NameID",
    "TF-IDP-009" => "JPKI AuthnContext class; NoAuthnContext otherwise" / "JPKI の AuthnContext クラス、与えられなければ NoAuthnContext",
    "TF-IDP-010" => "SSO session across SPs; SessionIndex" / "SP をまたぐ SSO セッション、SessionIndex",
    "TF-IDP-011" => "ForceAuthn asks the card again" / "ForceAuthn では改めてカードで認証",
    "TF-IDP-012" => "IsPassive: NoPassive without session" / "IsPassive でセッションがなければ NoPassive",
    "TF-IDP-013" => "front-channel Single Logout to every SP" / "すべての SP へのフロントチャネル・シングルログアウト",
    "TF-IDP-014" => "signed error Responses with status codes" / "ステータスコード付きの署名済みエラー Response",
    "TF-IDP-015" => "malformed or oversized input refused without a crash" / "不正・過大な入力はクラッシュせずに拒否",
    "TF-IDP-016" => "authn-channel and authenticating-authority attributes" / "認証経路と認証主体の属性",
    "TF-IDP-017" => "every message valid against the SAML 2.0 schemas" / "すべてのメッセージが SAML 2.0 スキーマに適合",
    "TF-IDP-018" => "pages not framed by other sites, cookies HttpOnly (Secure over https)" / "他サイトによるフレーム表示を禁止、Cookie は HttpOnly（https では Secure）",
    "TF-IDP-019" => "a new session identifier at every login (no session fixation)" / "ログインごとに新しいセッション識別子（セッション固定化の防止）",
    "TF-IDP-020" => "pages carrying a SAML message not cached (no-store)" / "SAML メッセージを運ぶページをキャッシュさせない（no-store）",
    "TF-SP-001" => "signature against the platform's metadata key" / "プラットフォームのメタデータの鍵で署名を検証",
    "TF-SP-002" => "signed content only; no markup in NameID" / "署名された内容のみ使用、NameID 内のマークアップは拒否",
    "TF-SP-003" => "Audience, Recipient, Destination, InResponseTo, time" / "Audience・Recipient・Destination・InResponseTo・時刻条件の確認",
    "TF-SP-004" => "no replay" / "リプレイの拒否",
    "TF-SP-005" => "card AuthnContext required where needed" / "必要な場合はカードの AuthnContext を要求",
    "TF-SP-006" => "ACS from own metadata; no RelayState open redirect" / "自らのメタデータの ACS、RelayState によるオープンリダイレクトなし",
    "TF-SP-007" => "RSA-SHA256 / SHA-256 / exc-c14n only" / "RSA-SHA256 / SHA-256 / exc-c14n のみ",
    "TF-SP-008" => "no DTDs, one root, nothing fetched" / "DTD なし、ルートは1つ、何も取得しない",
    "TF-SP-009" => "SHOULD refuse unsolicited Responses" / "求めていない Response は拒否すべき",
    "TF-SP-010" => "act only on a signed LogoutRequest for its session" / "自らのセッションに対する署名付き LogoutRequest にのみ応じる",
    "TF-SP-011" => "encrypted assertions: every check after decryption; GCM and OAEP" / "暗号化アサーション：復号後もすべての確認、GCM と OAEP",
    "TF-SP-012" => "required elements and attributes present, once, well-formed" / "必須の要素・属性が存在し、1回だけ、正しい形式",
    "TF-MD-001" => "signed aggregate verified against the operator's key" / "署名付き集約メタデータを運営者の鍵で検証",
    "TF-MD-002" => "expired or badly signed aggregate refused" / "期限切れや署名不正の集約メタデータは拒否",
    "TF-MD-003" => "trust decisions from the aggregate alone" / "信頼の判断は集約メタデータのみに基づく",
    "TF-BANK-001" => "bank as SP; first-use account linking" / "銀行は SP、初回利用時に口座を紐付け",
    "TF-BANK-002" => "signed payment request and notice; tampering and replay refused" / "署名付きの納付依頼と通知、改ざんとリプレイは拒否",
    "TF-CATV-001" => "CATV IdP via the hub; same NameID; channel named" / "ハブ経由の CATV IdP、同じ NameID、経路を明示",
    "TF-PROXY-001" => "model 1: signed registration with a 士業 key" / "モデル1：士業の鍵で署名した登録",
    "TF-PROXY-002" => "model 2: attribute authority over SOAP to federation members" / "モデル2：連携メンバーへの SOAP による属性認証局",
    "TF-PROXY-003" => "qualification asserted only on request and confirmed at that login; fail closed with the reason" / "資格は求められた場合のみ、そのログイン時に確認して表明、確認できなければ理由を付けて拒否",
    "TF-PROXY-004" => "model 2 registration proves both keys" / "モデル2の登録は両方の鍵の所持を証明",
    "TF-PROXY-005" => "the SP verifies the authority's assertion itself" / "SP は属性認証局のアサーションを自ら検証",
    "TF-PROXY-006" => "proxy application names the client; profession allowed for the procedure" / "代理申請は依頼者を明示、手続きに認められた資格のみ",
}

/// The requirements among `ids`, each once, in the profile's order.
pub fn cited<'a>(ids: impl IntoIterator<Item = &'a str>) -> Vec<&'static Requirement> {
    let ids: Vec<&str> = ids.into_iter().collect();
    REQUIREMENTS
        .iter()
        .filter(|r| ids.contains(&r.id))
        .collect()
}

/// The requirement with this ID.
pub fn find(id: &str) -> Option<&'static Requirement> {
    REQUIREMENTS.iter().find(|r| r.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_and_document_list_the_same_ids() {
        let in_doc: Vec<&str> = DOCUMENT
            .lines()
            .filter_map(|l| l.strip_prefix("| TF-"))
            .filter_map(|l| l.split_whitespace().next())
            .collect();
        let in_code: Vec<String> = REQUIREMENTS
            .iter()
            .map(|r| r.id.trim_start_matches("TF-").to_owned())
            .collect();
        assert_eq!(in_doc, in_code);
        let unique: std::collections::HashSet<_> = in_code.iter().collect();
        assert_eq!(unique.len(), in_code.len(), "ids are unique");
    }

    #[test]
    fn every_requirement_has_its_text_and_both_summaries() {
        for r in REQUIREMENTS {
            let (level, text) = r.text().unwrap_or_else(|| panic!("{}: no row", r.id));
            assert!(
                ["MUST", "SHOULD", "MAY"].contains(&level),
                "{}: {level}",
                r.id
            );
            assert!(text.len() > r.summary.len() / 2, "{}: {text}", r.id);
            assert!(
                !r.summary_ja.is_empty() && !r.summary_ja.is_ascii(),
                "{}",
                r.id
            );
        }
    }
}
