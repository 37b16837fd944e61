//! What the IdP's pages and cookies must say to a browser (TF-IDP-018), judged from the
//! response headers the suite's browser received.

use user_agent::Page;

/// How `page` forbids framing by other sites, or why it does not.
pub fn framing(page: &Page) -> Result<String, String> {
    let xfo = page.header("x-frame-options").map(str::trim);
    if let Some(v) =
        xfo.filter(|v| v.eq_ignore_ascii_case("deny") || v.eq_ignore_ascii_case("sameorigin"))
    {
        return Ok(format!("X-Frame-Options: {v}"));
    }
    let ancestors = page
        .headers
        .iter()
        .filter(|(n, _)| n == "content-security-policy")
        .flat_map(|(_, v)| v.split(';'))
        .map(str::trim)
        .find_map(|d| d.strip_prefix("frame-ancestors"));
    match ancestors.map(str::trim) {
        Some(sources) if !sources.is_empty() && !sources.split_whitespace().any(|s| s == "*" || s.ends_with(":")) => {
            Ok(format!("Content-Security-Policy: frame-ancestors {sources}"))
        }
        Some(sources) => Err(format!("the login page allows framing by any site (frame-ancestors {sources}): another site can overlay it and capture the PIN or password (clickjacking, TF-IDP-018)")),
        None => Err(format!(
            "the login page ({}) can be framed by any site: neither Content-Security-Policy frame-ancestors nor X-Frame-Options DENY or SAMEORIGIN{} (clickjacking, TF-IDP-018)",
            page.url.split('?').next().unwrap_or_default(),
            xfo.map(|v| format!(" (X-Frame-Options: {v})")).unwrap_or_default()
        )),
    }
}

/// How `page` (carrying a SAML message) forbids caching, or why a cache may keep it.
pub fn not_cached(page: &Page) -> Result<String, String> {
    let cache_control = page
        .headers
        .iter()
        .filter(|(n, _)| n == "cache-control")
        .map(|(_, v)| v.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let no_store = cache_control
        .split(',')
        .any(|d| d.trim().eq_ignore_ascii_case("no-store"));
    if no_store {
        return Ok(format!(
            "the page with the Response says Cache-Control: {cache_control}"
        ));
    }
    let said = if cache_control.is_empty() {
        "no Cache-Control".to_owned()
    } else {
        format!("Cache-Control: {cache_control}")
    };
    Err(format!(
        "the page that carries the signed Response ({}) may be kept by the browser or a proxy ({said}, no no-store): another user of the computer could send the Response again from the cache while it is valid (TF-IDP-020, SAML Bindings §3.5.5.1)",
        page.url.split('?').next().unwrap_or_default()
    ))
}

/// Every cookie set (Set-Cookie lines) HttpOnly, and Secure when `https`; a summary, or
/// the cookies that are not. Deletions (Max-Age=0) are not judged.
pub fn cookie_flags(lines: &[String], https: bool) -> Result<String, String> {
    let mut bad = Vec::new();
    let mut names = Vec::new();
    for line in lines {
        let mut parts = line.split(';').map(str::trim);
        let name = parts
            .next()
            .and_then(|kv| kv.split_once('='))
            .map_or("(unnamed)", |(k, _)| k)
            .to_owned();
        let attrs: Vec<String> = parts.map(str::to_ascii_lowercase).collect();
        if attrs.iter().any(|a| a == "max-age=0") {
            continue;
        }
        let has = |a: &str| attrs.iter().any(|x| x == a);
        let mut missing = Vec::new();
        if !has("httponly") {
            missing.push("HttpOnly");
        }
        if https && !has("secure") {
            missing.push("Secure");
        }
        if missing.is_empty() {
            names.push(name);
        } else {
            bad.push(format!("{name} lacks {}", missing.join(" and ")));
        }
    }
    names.sort();
    names.dedup();
    if !bad.is_empty() {
        bad.dedup();
        return Err(format!(
            "cookies a script on the page could read{}: {} (TF-IDP-018)",
            if https {
                " or that travel over plain http"
            } else {
                ""
            },
            bad.join("; ")
        ));
    }
    if names.is_empty() {
        return Ok("the IdP set no cookie during the login".into());
    }
    Ok(format!(
        "every cookie set is HttpOnly{}: {}",
        if https { " and Secure" } else { "" },
        names.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(headers: &[(&str, &str)]) -> Page {
        Page {
            url: "http://127.0.0.1:1/login".into(),
            status: 200,
            body: String::new(),
            headers: headers
                .iter()
                .map(|(n, v)| ((*n).into(), (*v).into()))
                .collect(),
        }
    }

    #[test]
    fn framing_is_judged_from_either_header() {
        assert!(framing(&page(&[("x-frame-options", "DENY")])).is_ok());
        assert!(framing(&page(&[(
            "content-security-policy",
            "default-src 'self'; frame-ancestors 'none'"
        )]))
        .is_ok());
        assert!(framing(&page(&[])).is_err());
        assert!(framing(&page(&[(
            "x-frame-options",
            "ALLOW-FROM https://x.example"
        )]))
        .is_err());
        assert!(framing(&page(&[("content-security-policy", "frame-ancestors *")])).is_err());
        assert!(framing(&page(&[(
            "content-security-policy",
            "frame-ancestors https:"
        )]))
        .is_err());
    }

    #[test]
    fn cookies_need_http_only_and_over_https_secure() {
        let ok = ["s=1; Path=/; HttpOnly".to_owned()];
        assert!(cookie_flags(&ok, false).is_ok());
        assert!(cookie_flags(&ok, true)
            .unwrap_err()
            .contains("s lacks Secure"));
        let readable = ["s=1; Path=/".to_owned(), "s=; Path=/; Max-Age=0".to_owned()];
        assert!(cookie_flags(&readable, false)
            .unwrap_err()
            .contains("s lacks HttpOnly"));
        assert!(cookie_flags(&["s=; Max-Age=0".to_owned()], false).is_ok());
    }
}
