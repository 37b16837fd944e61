//! Cutting and splicing signed XML as text, so that signed bytes stay exactly as signed:
//! find an element's byte range (roxmltree), take it out, put something in its place or
//! next to it, change one attribute of a start tag.

use std::ops::Range;

use trust_framework::saml::constants::{NS_ASSERTION, NS_DSIG, NS_PROTOCOL};

use crate::CraftError;

fn parse(xml: &str) -> Result<roxmltree::Document<'_>, CraftError> {
    roxmltree::Document::parse(xml)
        .map_err(|e| CraftError(format!("crafted XML does not parse: {e}")))
}

fn is(n: &roxmltree::Node<'_, '_>, ns: &str, name: &str) -> bool {
    n.is_element() && n.tag_name().namespace() == Some(ns) && n.tag_name().name() == name
}

/// The byte range of the first element `ns:name` (document order) whose parent is
/// `parent_ns:parent` (or any parent if `None`).
pub fn range(
    xml: &str,
    ns: &str,
    name: &str,
    parent: Option<(&str, &str)>,
) -> Result<Range<usize>, CraftError> {
    let doc = parse(xml)?;
    doc.descendants()
        .find(|n| {
            is(n, ns, name)
                && parent.is_none_or(|(pns, pn)| n.parent().is_some_and(|p| is(&p, pns, pn)))
        })
        .map(|n| n.range())
        .ok_or_else(|| CraftError(format!("no {name} in the message")))
}

/// The first Assertion (any depth).
pub fn assertion_range(xml: &str) -> Result<Range<usize>, CraftError> {
    range(xml, NS_ASSERTION, "Assertion", None)
}

/// The Response's own Signature (a direct child of the root).
pub fn response_signature_range(xml: &str) -> Result<Range<usize>, CraftError> {
    range(xml, NS_DSIG, "Signature", Some((NS_PROTOCOL, "Response")))
}

/// The Assertion's own Signature (a direct child of the first Assertion).
pub fn assertion_signature_range(xml: &str) -> Result<Range<usize>, CraftError> {
    range(xml, NS_DSIG, "Signature", Some((NS_ASSERTION, "Assertion")))
}

/// `xml` with `r` replaced by `with`.
pub fn replace(xml: &str, r: Range<usize>, with: &str) -> String {
    format!("{}{with}{}", &xml[..r.start], &xml[r.end..])
}

/// `xml` with `what` inserted at byte `at`.
pub fn insert(xml: &str, at: usize, what: &str) -> String {
    format!("{}{what}{}", &xml[..at], &xml[at..])
}

/// `element` (an element's text) without its direct-child `ds:Signature`.
pub fn without_signature(element: &str) -> Result<String, CraftError> {
    let doc = parse(element)?;
    let root = doc.root_element();
    let sig = root
        .children()
        .find(|c| is(c, NS_DSIG, "Signature"))
        .map(|c| c.range());
    Ok(match sig {
        Some(r) => replace(element, r, ""),
        None => element.to_owned(),
    })
}

/// The byte offset just before the closing tag of the root element of `element`.
pub fn before_end_tag(element: &str) -> Result<usize, CraftError> {
    element
        .rfind("</")
        .ok_or_else(|| CraftError("the element has no end tag".into()))
}

/// The byte offset just after the start tag of the element starting at `from`.
pub fn after_start_tag(xml: &str, from: usize) -> Result<usize, CraftError> {
    let mut quote = None;
    for (i, c) in xml[from..].char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '>') => return Ok(from + i + 1),
            _ => {}
        }
    }
    Err(CraftError("unterminated start tag".into()))
}

/// `element` with the root's attribute `name` set to `value` (which must need no escaping).
pub fn set_root_attribute(element: &str, name: &str, value: &str) -> Result<String, CraftError> {
    let end = after_start_tag(element, 0)?;
    let tag = &element[..end];
    let marker = format!(" {name}=\"");
    let Some(at) = tag.find(&marker) else {
        return Err(CraftError(format!("no {name} attribute")));
    };
    let from = at + marker.len();
    let to = tag[from..]
        .find('"')
        .map(|i| from + i)
        .ok_or_else(|| CraftError("unterminated attribute".into()))?;
    Ok(format!("{}{value}{}", &element[..from], &element[to..]))
}

/// `element` without the root's attribute `name`.
pub fn remove_root_attribute(element: &str, name: &str) -> Result<String, CraftError> {
    let end = after_start_tag(element, 0)?;
    let marker = format!(" {name}=\"");
    let Some(at) = element[..end].find(&marker) else {
        return Err(CraftError(format!("no {name} attribute")));
    };
    let from = at + marker.len();
    let to = element[from..end]
        .find('"')
        .map(|i| from + i + 1)
        .ok_or_else(|| CraftError("unterminated attribute".into()))?;
    Ok(format!("{}{}", &element[..at], &element[to..]))
}

/// `xml` with the text of the first NameID replaced by `raw` (no signature is updated).
pub fn set_name_id(xml: &str, raw: &str) -> Result<String, CraftError> {
    set_text(xml, NS_ASSERTION, "NameID", raw)
}

/// `xml` with the content of the first element `ns:name` (document order) replaced by
/// `raw`.
pub fn set_text(xml: &str, ns: &str, name: &str, raw: &str) -> Result<String, CraftError> {
    let r = range(xml, ns, name, None)?;
    let start = after_start_tag(xml, r.start)?;
    let end = xml[..r.end]
        .rfind("</")
        .filter(|&end| end >= start)
        .ok_or_else(|| CraftError(format!("{name} without end tag")))?;
    Ok(format!("{}{raw}{}", &xml[..start], &xml[end..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    const X: &str = r#"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="r1"><saml:Assertion ID="a1"><saml:Subject><saml:NameID Format="x">alice</saml:NameID></saml:Subject></saml:Assertion></samlp:Response>"#;

    #[test]
    fn finds_sets_and_splices() {
        let a = assertion_range(X).unwrap();
        assert!(X[a.clone()].starts_with("<saml:Assertion"));
        let evil = set_name_id(X, "mallory").unwrap();
        assert!(evil.contains(">mallory</saml:NameID>"));
        let renamed = set_root_attribute(&X[a], "ID", "a2").unwrap();
        assert!(renamed.starts_with(r#"<saml:Assertion ID="a2">"#));
        assert_eq!(after_start_tag(r#"<a b="x>y">"#, 0).unwrap(), 11);
    }
}
