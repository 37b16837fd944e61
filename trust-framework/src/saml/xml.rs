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
    attributes_bounded(text)?;
    let options = roxmltree::ParsingOptions {
        allow_dtd: false,
        ..roxmltree::ParsingOptions::default()
    };
    roxmltree::Document::parse_with_options(text, options)
        .map_err(|e| SamlError::Malformed(format!("XML: {e}")))
}

/// Most attributes one element may carry. SAML's carry about a dozen; thousands on one
/// element make a parser's duplicate and namespace checks cost the square of their
/// number (issue 21: 20,000 attributes in 64 KB took 1.17 s of CPU).
pub const MAX_ATTRIBUTES: usize = 64;

/// Refuses an element with more than [`MAX_ATTRIBUTES`] attributes, in one linear pass
/// before the parser sees the text (comments, CDATA and processing instructions skipped;
/// `=` inside quoted values not counted).
fn attributes_bounded(text: &str) -> Result<(), SamlError> {
    let b = text.as_bytes();
    let skip_to = |from: usize, end: &[u8]| {
        b[from..]
            .windows(end.len())
            .position(|w| w == end)
            .map_or(b.len(), |at| from + at + end.len())
    };
    let (mut i, mut in_tag, mut quote, mut count) = (0, false, None, 0);
    while i < b.len() {
        let c = b[i];
        if !in_tag {
            if c == b'<' {
                let rest = &b[i..];
                if rest.starts_with(b"<!--") {
                    i = skip_to(i + 4, b"-->");
                    continue;
                }
                if rest.starts_with(b"<![CDATA[") {
                    i = skip_to(i + 9, b"]]>");
                    continue;
                }
                if rest.starts_with(b"<?") {
                    i = skip_to(i + 2, b"?>");
                    continue;
                }
                (in_tag, count) = (true, 0);
            }
        } else if let Some(q) = quote {
            if c == q {
                quote = None;
            }
        } else {
            match c {
                b'"' | b'\'' => quote = Some(c),
                b'=' => {
                    count += 1;
                    if count > MAX_ATTRIBUTES {
                        return Err(SamlError::TooLarge("an element with over 64 attributes"));
                    }
                }
                b'>' => in_tag = false,
                _ => {}
            }
        }
        i += 1;
    }
    Ok(())
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

#[cfg(test)]
mod attribute_tests {
    use super::*;

    #[test]
    fn thousands_of_attributes_are_refused_before_parsing_and_quickly() {
        let attrs: String = (0..20_000).map(|i| format!(" a{i}=\"x\"")).collect();
        let xml = format!("<r{attrs}/>");
        let started = std::time::Instant::now();
        assert!(matches!(parse(&xml), Err(SamlError::TooLarge(_))));
        // Linear: a few milliseconds even in a debug build (was over a second).
        assert!(started.elapsed() < std::time::Duration::from_millis(200));
    }

    #[test]
    fn equals_signs_in_values_comments_and_text_do_not_count() {
        let values: String = (0..100).map(|i| format!("a=b{i}=")).collect();
        let xml = format!(
            "<?xml version=\"1.0\"?><!-- {values} --><r k=\"{values}\" j='{values}'>{values}<![CDATA[<{values}>]]></r>"
        );
        assert!(parse(&xml).is_ok());
        let many: String = (0..=MAX_ATTRIBUTES)
            .map(|i| format!(" a{i}=\"x\""))
            .collect();
        assert!(parse(&format!("<r{many}/>")).is_err());
        let enough: String = (0..MAX_ATTRIBUTES)
            .map(|i| format!(" a{i}=\"x\""))
            .collect();
        assert!(parse(&format!("<r{enough}/>")).is_ok());
    }
}
