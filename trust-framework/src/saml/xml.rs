//! Small XML helpers: escaping, IDs, instants, and a safe parser.

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::SamlError;

/// Largest XML message accepted anywhere (bytes).
pub const MAX_XML: usize = 256 * 1024;

/// Escapes text for element content and double-quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A SAML instant: UTC, whole seconds, `Z` (SAML Core §1.3.3).
pub fn instant(t: OffsetDateTime) -> String {
    let t = t
        .to_offset(time::UtcOffset::UTC)
        .replace_nanosecond(0)
        .unwrap_or(t);
    t.format(&Rfc3339).unwrap_or_default()
}

/// Parses a SAML instant.
pub fn parse_instant(text: &str) -> Result<OffsetDateTime, SamlError> {
    OffsetDateTime::parse(text, &Rfc3339)
        .map_err(|_| SamlError::Invalid(format!("{text:?} is not an xs:dateTime instant")))
}

/// A fresh xs:ID: `_` and 32 hex digits from `random` (the caller's CSPRNG bytes).
pub fn new_id(random: [u8; 16]) -> String {
    format!("_{}", hex::encode(random))
}

/// Parses XML with roxmltree, refusing DTDs (no external entities, no entity expansion)
/// and oversized input.
pub fn parse(text: &str) -> Result<roxmltree::Document<'_>, SamlError> {
    if text.len() > MAX_XML {
        return Err(SamlError::TooLarge("XML over 256 KiB"));
    }
    let options = roxmltree::ParsingOptions {
        allow_dtd: false,
        ..roxmltree::ParsingOptions::default()
    };
    roxmltree::Document::parse_with_options(text, options)
        .map_err(|e| SamlError::Malformed(format!("XML: {e}")))
}

/// The first child element of `node` with namespace `ns` and local name `name`.
pub fn child<'a, 'i>(
    node: roxmltree::Node<'a, 'i>,
    ns: &str,
    name: &str,
) -> Option<roxmltree::Node<'a, 'i>> {
    node.children().find(|c| {
        c.is_element() && c.tag_name().name() == name && c.tag_name().namespace() == Some(ns)
    })
}

/// Whether `node` is the element `ns`:`name`.
pub fn is(node: roxmltree::Node<'_, '_>, ns: &str, name: &str) -> bool {
    node.is_element() && node.tag_name().name() == name && node.tag_name().namespace() == Some(ns)
}

/// Text content of an element, with surrounding whitespace trimmed; comments and
/// processing instructions inside are refused (the comment-injection trick).
pub fn text(node: roxmltree::Node<'_, '_>) -> Result<String, SamlError> {
    let mut out = String::new();
    for c in node.children() {
        match c.node_type() {
            roxmltree::NodeType::Text => out.push_str(c.text().unwrap_or_default()),
            _ => {
                return Err(SamlError::Invalid(format!(
                    "<{}> has non-text content",
                    node.tag_name().name()
                )))
            }
        }
    }
    Ok(out.trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_dtds_and_comments_in_text() {
        assert!(
            parse("<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><x>&e;</x>").is_err()
        );
        let doc = parse("<a><b>al<!---->ice</b></a>").unwrap();
        let b = doc.root_element().first_element_child().unwrap();
        assert!(text(b).is_err());
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
