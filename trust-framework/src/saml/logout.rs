//! Single Logout messages (SAML Core §3.7): LogoutRequest and LogoutResponse.

use time::OffsetDateTime;

use super::constants::{status, NS_ASSERTION, NS_PROTOCOL};
use super::xml::{self, escape, instant};
use super::SamlError;
use crate::pairwise::NAMEID_FORMAT_PERSISTENT;

/// A LogoutRequest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogoutRequest {
    /// ID.
    pub id: String,
    /// Who asks.
    pub issuer: String,
    /// Where it is sent.
    pub destination: Option<String>,
    /// When.
    pub issue_instant: OffsetDateTime,
    /// The NameID to log out.
    pub name_id: String,
    /// The session index, if given.
    pub session_index: Option<String>,
}

/// A LogoutResponse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogoutResponse {
    /// ID.
    pub id: String,
    /// Who answers.
    pub issuer: String,
    /// Where it is sent.
    pub destination: Option<String>,
    /// When.
    pub issue_instant: OffsetDateTime,
    /// The request answered.
    pub in_response_to: Option<String>,
    /// Top-level status.
    pub status: String,
}

/// How old a logout message may be.
pub const MAX_AGE: time::Duration = time::Duration::minutes(5);
/// How far ahead of our clock a logout message may be dated.
pub const MAX_SKEW: time::Duration = time::Duration::minutes(3);

/// Checks where a (signature-verified) logout message comes from, where it was sent and
/// when: the Issuer is the peer expected, the Destination is our own endpoint (SAML
/// Bindings §3.4.5.2, so that a message signed for another party cannot be replayed
/// here) and the IssueInstant is recent.
pub fn check_addressing(
    (issuer, destination, issued): (&str, Option<&str>, OffsetDateTime),
    expected_issuer: &str,
    own_url: &str,
    now: OffsetDateTime,
) -> Result<(), SamlError> {
    if issuer != expected_issuer {
        return Err(SamlError::Invalid(format!(
            "the logout message is issued by {issuer:?}, not {expected_issuer:?}"
        )));
    }
    if destination != Some(own_url) {
        return Err(SamlError::Invalid(match destination {
            Some(d) => {
                format!("the logout message's Destination {d:?} is not this endpoint ({own_url})")
            }
            None => format!("the logout message has no Destination (this endpoint is {own_url})"),
        }));
    }
    if issued < now - MAX_AGE || issued > now + MAX_SKEW {
        return Err(SamlError::Invalid(format!(
            "the logout message's IssueInstant {} is too far from now",
            instant(issued)
        )));
    }
    Ok(())
}

/// Builds a LogoutRequest (persistent NameID).
pub fn build_request(r: &LogoutRequest, name_qualifier: &str, sp_name_qualifier: &str) -> String {
    let destination = r
        .destination
        .as_ref()
        .map(|d| format!(r#" Destination="{}""#, escape(d)))
        .unwrap_or_default();
    let index = r
        .session_index
        .as_ref()
        .map(|i| format!("<samlp:SessionIndex>{}</samlp:SessionIndex>", escape(i)))
        .unwrap_or_default();
    format!(
        r#"<samlp:LogoutRequest xmlns:samlp="{NS_PROTOCOL}" xmlns:saml="{NS_ASSERTION}" ID="{}" Version="2.0" IssueInstant="{}"{destination}><saml:Issuer>{}</saml:Issuer><saml:NameID Format="{NAMEID_FORMAT_PERSISTENT}" NameQualifier="{}" SPNameQualifier="{}">{}</saml:NameID>{index}</samlp:LogoutRequest>"#,
        escape(&r.id),
        instant(r.issue_instant),
        escape(&r.issuer),
        escape(name_qualifier),
        escape(sp_name_qualifier),
        escape(&r.name_id),
    )
}

/// Builds a LogoutResponse.
pub fn build_response(r: &LogoutResponse) -> String {
    let destination = r
        .destination
        .as_ref()
        .map(|d| format!(r#" Destination="{}""#, escape(d)))
        .unwrap_or_default();
    let irt = r
        .in_response_to
        .as_ref()
        .map(|i| format!(r#" InResponseTo="{}""#, escape(i)))
        .unwrap_or_default();
    format!(
        r#"<samlp:LogoutResponse xmlns:samlp="{NS_PROTOCOL}" xmlns:saml="{NS_ASSERTION}" ID="{}" Version="2.0" IssueInstant="{}"{destination}{irt}><saml:Issuer>{}</saml:Issuer><samlp:Status><samlp:StatusCode Value="{}"/></samlp:Status></samlp:LogoutResponse>"#,
        escape(&r.id),
        instant(r.issue_instant),
        escape(&r.issuer),
        escape(&r.status),
    )
}

fn common<'a, 'i>(
    doc: &'a roxmltree::Document<'i>,
    name: &str,
) -> Result<(roxmltree::Node<'a, 'i>, String, String, OffsetDateTime), SamlError> {
    let root = doc.root_element();
    if !xml::is(root, NS_PROTOCOL, name) {
        return Err(SamlError::Invalid(format!(
            "root element is not samlp:{name}"
        )));
    }
    if root.attribute("Version") != Some("2.0") {
        return Err(SamlError::Invalid("Version is not 2.0".into()));
    }
    let id = root
        .attribute("ID")
        .filter(|i| !i.is_empty())
        .ok_or_else(|| SamlError::Invalid("no ID".into()))?
        .to_owned();
    let issuer = xml::text(
        xml::child(root, NS_ASSERTION, "Issuer")
            .ok_or_else(|| SamlError::Invalid("no Issuer".into()))?,
    )?;
    let at = xml::parse_instant(
        root.attribute("IssueInstant")
            .ok_or_else(|| SamlError::Invalid("no IssueInstant".into()))?,
    )?;
    Ok((root, id, issuer, at))
}

/// Parses a LogoutRequest.
pub fn parse_request(text: &str) -> Result<LogoutRequest, SamlError> {
    let doc = xml::parse(text)?;
    let (root, id, issuer, issue_instant) = common(&doc, "LogoutRequest")?;
    let name_id = xml::text(
        xml::child(root, NS_ASSERTION, "NameID")
            .ok_or_else(|| SamlError::Invalid("no NameID".into()))?,
    )?;
    let session_index = xml::child(root, NS_PROTOCOL, "SessionIndex")
        .map(xml::text)
        .transpose()?;
    Ok(LogoutRequest {
        id,
        issuer,
        destination: root.attribute("Destination").map(str::to_owned),
        issue_instant,
        name_id,
        session_index,
    })
}

/// Parses a LogoutResponse.
pub fn parse_response(text: &str) -> Result<LogoutResponse, SamlError> {
    let doc = xml::parse(text)?;
    let (root, id, issuer, issue_instant) = common(&doc, "LogoutResponse")?;
    let status = xml::child(root, NS_PROTOCOL, "Status")
        .and_then(|s| xml::child(s, NS_PROTOCOL, "StatusCode"))
        .and_then(|c| c.attribute("Value"))
        .unwrap_or(status::RESPONDER)
        .to_owned();
    Ok(LogoutResponse {
        id,
        issuer,
        destination: root.attribute("Destination").map(str::to_owned),
        issue_instant,
        in_response_to: root.attribute("InResponseTo").map(str::to_owned),
        status,
    })
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn round_trips() {
        let r = LogoutRequest {
            id: "_l1".into(),
            issuer: "http://sp/".into(),
            destination: Some("http://idp/slo".into()),
            issue_instant: datetime!(2026-11-24 03:00 UTC),
            name_id: "abc".into(),
            session_index: Some("_s1".into()),
        };
        assert_eq!(
            parse_request(&build_request(&r, "http://idp/", "http://sp/")).unwrap(),
            r
        );
        let resp = LogoutResponse {
            id: "_l2".into(),
            issuer: "http://idp/".into(),
            destination: Some("http://sp/slo".into()),
            issue_instant: datetime!(2026-11-24 03:00 UTC),
            in_response_to: Some("_l1".into()),
            status: status::SUCCESS.into(),
        };
        assert_eq!(parse_response(&build_response(&resp)).unwrap(), resp);
    }
}
