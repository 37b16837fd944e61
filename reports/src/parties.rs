//! The parties of our flows as people name them: the role names the producers give
//! evidence (`browser`, `platform`, `bank` …) in Japanese and English. Unknown roles are
//! shown as they are.

/// (role as recorded, Japanese name, English name).
const NAMES: &[(&str, &str, &str)] = &[
    ("browser", "利用者（ブラウザ）", "the citizen's browser"),
    (
        "other person's browser",
        "他人のブラウザ",
        "someone else's browser",
    ),
    (
        "platform",
        "個人認証プラットフォーム",
        "personal authentication platform",
    ),
    ("e-application", "電子申請システム", "e-application system"),
    ("gov-portal", "行政ポータル", "government portal"),
    ("bank", "銀行", "bank"),
    ("set-top box", "セットトップボックス", "set-top box"),
    ("CATV IdP", "CATV 事業者", "CATV operator"),
    (
        "zeirishi AA",
        "税理士会の属性認証局",
        "tax accountants' attribute authority",
    ),
    ("rogue requester", "不正な照会者", "rogue requester"),
    ("CA", "認証局", "certification authority"),
    ("JPKI CA", "公的個人認証の認証局", "JPKI CA"),
    ("card helper", "カードの読み取りソフト", "card helper"),
    ("SP under test", "試験対象の SP", "SP under test"),
    ("IdP under test", "試験対象の IdP", "IdP under test"),
    (
        "suite browser",
        "試験スイート（ブラウザ）",
        "suite (browser)",
    ),
    ("suite listener", "試験スイートの受信口", "suite listener"),
    ("suite SPs", "試験スイートの SP", "suite's SPs"),
    ("suite", "試験スイート", "suite"),
];

/// The Japanese and English names of `role`.
pub fn names(role: &str) -> (&str, &str) {
    NAMES
        .iter()
        .find(|(r, _, _)| *r == role)
        .map_or((role, role), |(_, ja, en)| (*ja, *en))
}

#[cfg(test)]
mod tests {
    #[test]
    fn known_roles_have_japanese_names_and_unknown_ones_stay() {
        assert_eq!(super::names("bank").0, "銀行");
        assert_eq!(super::names("somebody"), ("somebody", "somebody"));
    }
}
