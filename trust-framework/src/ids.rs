//! Identifier newtypes: an entity ID is not just any string.

use std::fmt;

/// Why an identifier was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// Empty, too long, or not an absolute URI.
    #[error("{0:?} is not a usable entity ID (an absolute URI of at most 1024 characters)")]
    EntityId(String),
}

/// A SAML entityID (SAML Metadata §2.3.2: a URI of at most 1024 characters).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EntityId(String);

impl EntityId {
    /// Checks and wraps an entity ID.
    pub fn new(value: &str) -> Result<Self, IdError> {
        let ok = !value.is_empty()
            && value.len() <= 1024
            && !value.chars().any(char::is_control)
            && url::Url::parse(value).is_ok();
        ok.then(|| Self(value.to_owned()))
            .ok_or_else(|| IdError::EntityId(value.to_owned()))
    }

    /// The URI.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EntityId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for EntityId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entity_ids_are_absolute_uris() {
        assert!(EntityId::new("https://idp.example.jp/metadata").is_ok());
        assert!(EntityId::new("urn:jp:example:sp").is_ok());
        assert!(EntityId::new("relative/path").is_err());
        assert!(EntityId::new("").is_err());
        assert!(EntityId::new("https://a/\nb").is_err());
        assert!(EntityId::new(&format!("https://a/{}", "x".repeat(1100))).is_err());
    }
}
