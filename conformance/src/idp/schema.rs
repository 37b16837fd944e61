//! A Response against the SAML 2.0 schemas (TF-IDP-017), with xmllint and opensaml's
//! copies of the schemas, offline: a catalog maps the schemas' remote imports to
//! xmltooling's local copies (Debian's opensaml-schemas, xmltooling-schemas, libxml2-utils,
//! which scripts/setup installs).

use std::path::Path;
use std::process::Command;

const PROTOCOL_XSD: &str = "/usr/share/xml/opensaml/saml-schema-protocol-2.0.xsd";
const IMPORTS: [(&str, &str); 2] = [
    (
        "http://www.w3.org/TR/2002/REC-xmldsig-core-20020212/xmldsig-core-schema.xsd",
        "/usr/share/xml/xmltooling/xmldsig-core-schema.xsd",
    ),
    (
        "http://www.w3.org/TR/2002/REC-xmlenc-core-20021210/xenc-schema.xsd",
        "/usr/share/xml/xmltooling/xenc-schema.xsd",
    ),
];

/// Why a message could not be checked at all (not the IdP's fault).
#[derive(Debug, thiserror::Error)]
#[error("the schema check could not run: {0}")]
pub struct CannotCheck(String);

/// `Ok(Ok(()))` when `xml` validates; `Ok(Err(what xmllint said))` when it does not.
pub fn validate(xml: &str) -> Result<Result<(), String>, CannotCheck> {
    let missing = std::iter::once(PROTOCOL_XSD)
        .chain(IMPORTS.iter().map(|(_, local)| *local))
        .find(|p| !Path::new(p).exists());
    if let Some(p) = missing {
        return Err(CannotCheck(format!(
            "{p} is missing (scripts/setup installs the schemas)"
        )));
    }
    let dir = tempfile::tempdir().map_err(|e| CannotCheck(e.to_string()))?;
    let entries: String = IMPORTS
        .iter()
        .map(|(remote, local)| {
            format!(r#"<uri name="{remote}" uri="file://{local}"/><system systemId="{remote}" uri="file://{local}"/>"#)
        })
        .collect();
    let catalog = dir.path().join("catalog.xml");
    let file = dir.path().join("message.xml");
    std::fs::write(&catalog, format!(r#"<?xml version="1.0"?><catalog xmlns="urn:oasis:names:tc:entity:xmlns:xml:catalog">{entries}</catalog>"#))
        .and_then(|()| std::fs::write(&file, xml))
        .map_err(|e| CannotCheck(e.to_string()))?;
    let out = Command::new("xmllint")
        .args(["--noout", "--nonet", "--schema", PROTOCOL_XSD])
        .arg(&file)
        .env("XML_CATALOG_FILES", &catalog)
        .output()
        .map_err(|e| {
            CannotCheck(format!(
                "xmllint: {e} (scripts/setup installs libxml2-utils)"
            ))
        })?;
    let said =
        String::from_utf8_lossy(&out.stderr).replace(&file.display().to_string(), "Response");
    if out.status.success() && said.contains("validates") {
        Ok(Ok(()))
    } else {
        Ok(Err(said.lines().take(3).collect::<Vec<_>>().join(" ")))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_message_that_breaks_the_schema_is_said_so() {
        let bad = r#"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_a" Version="2.0"/>"#;
        let said = super::validate(bad)
            .expect("the schemas are installed")
            .unwrap_err();
        assert!(
            said.contains("IssueInstant") || said.contains("Status"),
            "{said}"
        );
    }
}
