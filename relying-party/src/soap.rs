//! The SAML SOAP binding's client side (SAML Bindings §3.2): one POST of a SOAP 1.1
//! envelope, the answer read within the time and size limits.

use std::time::Duration;

use crate::revocation::fetch;

/// Posts `envelope` to `url` and returns the answer's text.
pub async fn call(
    http: &reqwest::Client,
    url: &str,
    envelope: &str,
    limit: Duration,
) -> Result<String, String> {
    let req = http
        .post(url)
        .header("content-type", "text/xml; charset=utf-8")
        .header(
            "soapaction",
            "http://www.oasis-open.org/committees/security",
        )
        .body(envelope.to_owned());
    let bytes = fetch(req, limit).await?;
    String::from_utf8(bytes).map_err(|_| "the SOAP answer is not UTF-8".to_owned())
}
