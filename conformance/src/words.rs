//! Values in what a person reads (a step's detail, a case's reason): in words, never as
//! Rust's `Debug` text. A value received from the peer is quoted (it may hold spaces or
//! control characters); an absent one is said to be absent.

use std::fmt::Display;

/// A value received from the peer, quoted, or `none` (what to say when it is absent).
pub(crate) fn quoted_or(o: Option<&str>, none: &str) -> String {
    match o {
        Some(v) => format!("{v:?}"),
        None => none.to_owned(),
    }
}

/// An optional value with its name: "profession 税理士", or "no profession" (also for
/// an empty one).
pub(crate) fn named(what: &str, o: Option<&str>) -> String {
    match o.filter(|v| !v.trim().is_empty()) {
        Some(v) => format!("{what} {v}"),
        None => format!("no {what}"),
    }
}

/// Values, joined with ", ", or "none".
pub(crate) fn list(items: &[String]) -> String {
    if items.is_empty() {
        "none".to_owned()
    } else {
        items.join(", ")
    }
}

/// What a step ended with: its result, or its error, in words.
pub(crate) fn ended<T: Display, E: Display>(r: &Result<T, E>) -> String {
    match r {
        Ok(x) => x.to_string(),
        Err(e) => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_words() {
        assert_eq!(quoted_or(Some("_a b"), "no InResponseTo"), "\"_a b\"");
        assert_eq!(quoted_or(None, "no InResponseTo"), "no InResponseTo");
        assert_eq!(named("profession", Some("税理士")), "profession 税理士");
        assert_eq!(named("profession", None), "no profession");
        assert_eq!(named("issuing body", Some(" ")), "no issuing body");
        assert_eq!(list(&["urn:a".into(), "urn:b".into()]), "urn:a, urn:b");
        assert_eq!(list(&[]), "none");
        assert_eq!(ended(&Ok::<_, String>(1)), "1");
        assert_eq!(ended(&Err::<u8, _>("refused")), "refused");
    }
}
