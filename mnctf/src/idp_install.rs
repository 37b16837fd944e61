//! What a vendor installs in an IdP under test (`mnctf test-idp metadata`): the suite's
//! two SPs' metadata (as files, and as the federation's signed aggregate with the
//! operator's certificate), the suite's card and 士業 CAs and where their OCSP and CRL
//! are; and, as worked examples, our own platform and CATV IdP configured that way with
//! their `*-sut.toml`.

use std::path::Path;

use anyhow::Context as _;
use conformance::idp::SuiteSps;

/// Where the suite's parties and the worked examples run.
#[derive(Clone, Debug)]
pub struct Urls {
    /// The suite's SPs.
    pub sps: String,
    /// The suite's CA service.
    pub ca: String,
    /// The example platform.
    pub platform: String,
    /// The example platform's TLS card-login listener (`https://127.0.0.1:PORT`).
    pub platform_tls: String,
    /// The example CATV IdP.
    pub catv: String,
    /// The example attribute authority.
    pub authority: String,
}

/// Writes the files into `out`.
pub fn write(out: &Path, urls: &Urls) -> anyhow::Result<()> {
    let (sps_url, ca_url, platform_url) = (&urls.sps, &urls.ca, &urls.platform);
    use rsa::pkcs8::EncodePrivateKey;
    let suite = SuiteSps::new(sps_url, ca_url)?;
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let file = |name: &str, bytes: &[u8]| put(out, name, bytes);
    file("sp-a.xml", suite.metadata(0).as_bytes())?;
    file("sp-b.xml", suite.metadata(1).as_bytes())?;
    file("federation.xml", suite.aggregate()?.as_bytes())?;
    file(
        "operator.pem",
        mock_ca::pki::pem("CERTIFICATE", &suite.operator.cert_der).as_bytes(),
    )?;
    let pki = mock_ca::Pki::build(mock_ca::PkiConfig::new(ca_url), mock_ca::Clock::system())?;
    let ca = pki
        .authority(mock_ca::pki::ca::JPKI_AUTH)
        .context("no JPKI user-authentication CA")?;
    file(
        "jpki-auth.pem",
        mock_ca::pki::pem("CERTIFICATE", ca.certificate()).as_bytes(),
    )?;
    let shigyo = pki.authority("zeirishi").context("no 税理士 CA")?;
    file(
        "zeirishi.pem",
        mock_ca::pki::pem("CERTIFICATE", shigyo.certificate()).as_bytes(),
    )?;
    let base = ca_url.trim_end_matches('/');
    let sources = format!(
        "ocsp_url = \"{base}/ocsp/jpki-auth\"\ncrl_url = \"{base}/crl/jpki-auth.crl\"\npredecessor_url = \"{base}/predecessors\"\n"
    );
    file(
        "ca.toml",
        format!(
            "# The suite's CAs (test keys only).\n# Cards: trust jpki-auth.pem for card logins.\n{sources}\n# 士業 (an attribute authority of the 税理士 body): trust zeirishi.pem.\n# ocsp_url = \"{base}/ocsp/zeirishi\"\n# crl_url = \"{base}/crl/zeirishi.crl\"\n"
        )
        .as_bytes(),
    )?;
    // The worked example: our platform, configured as a vendor configures theirs.
    let cred = pki.service_credential("idp")?;
    file("platform.key", cred.key.to_pkcs8_der()?.as_bytes())?;
    file("platform.crt", &cred.certificate)?;
    let tls = pki.tls_server_credential("idp")?;
    file("platform-tls.key", tls.key.to_pkcs8_der()?.as_bytes())?;
    file("platform-tls.crt", &tls.certificate)?;
    let tls_url = urls.platform_tls.trim_end_matches('/');
    let url = platform_url.trim_end_matches('/');
    file(
        "platform.toml",
        format!(
            r#"# Our platform trusting the suite (mnctf idp --config platform.toml --port {port} --tls-port {tls_port}).
entity_id = "{url}/idp"
base_url = "{url}"
store = "platform.sqlite"
signing_key = "platform.key"
signing_cert = "platform.crt"
sp_metadata = ["sp-a.xml", "sp-b.xml"]

# The TLS client-authentication binding (TF-BIND-006) on --tls-port.
[tls_binding]
certificate = "platform-tls.crt"
key = "platform-tls.key"

[[anchors]]
label = "jpki-auth"
certificate = "jpki-auth.pem"
{sources}"#,
            port = port_of(url, 18000),
            tls_port = port_of(tls_url, 18443),
        )
        .as_bytes(),
    )?;
    file(
        "idp-sut.toml",
        format!("# The IdP under test (mnctf test-idp --config idp-sut.toml).\nname = \"our-platform\"\nmetadata = \"{url}/metadata\"\n\n# Its TLS card-login endpoint and the certificate to trust there.\n[tls_binding]\nurl = \"{tls_url}/card-login/tls\"\nca = \"platform-tls.crt\"\n").as_bytes(),
    )?;
    write_catv(out, &pki, &urls.catv, &sources)?;
    write_authority(out, &pki, &urls.authority, base)
}

/// The worked example of an attribute authority: our 税理士 body's, its requesters from
/// the suite's aggregate.
fn write_authority(out: &Path, pki: &mock_ca::Pki, url: &str, ca_base: &str) -> anyhow::Result<()> {
    use rsa::pkcs8::EncodePrivateKey;
    let file = |name: &str, bytes: &[u8]| put(out, name, bytes);
    let cred = pki.service_credential("attribute-authority")?;
    file("authority.key", cred.key.to_pkcs8_der()?.as_bytes())?;
    file("authority.crt", &cred.certificate)?;
    let url = url.trim_end_matches('/');
    let port = port_of(url, 18002);
    file(
        "authority.toml",
        format!(
            r#"# Our 税理士 body's attribute authority trusting the suite (mnctf authority --config authority.toml --port {port}).
entity_id = "{url}/aa"
base_url = "{url}"
signing_key = "authority.key"
signing_cert = "authority.crt"
# Registrations in memory: each test run starts from none. A deployment keeps them:
# state = "authority.sqlite"

[cards]
certificate = "jpki-auth.pem"
ocsp_url = "{ca_base}/ocsp/jpki-auth"
crl_url = "{ca_base}/crl/jpki-auth.crl"

[professionals]
certificate = "zeirishi.pem"
ocsp_url = "{ca_base}/ocsp/zeirishi"
crl_url = "{ca_base}/crl/zeirishi.crl"

[metadata_aggregate]
path = "federation.xml"
operator_certificate = "operator.pem"
"#
        )
        .as_bytes(),
    )?;
    file(
        "authority-sut.toml",
        format!("# The attribute authority under test (mnctf test-idp --config authority-sut.toml).\nname = \"our-attribute-authority\"\nrole = \"attribute-authority\"\nmetadata = \"{url}/metadata\"\nregistration = \"{url}/register\"\n").as_bytes(),
    )
}

/// The worked example of a card IdP: our IdP as a CATV operator's, its parties from the
/// suite's aggregate (SP a is the platform it releases the card certificate to).
fn write_catv(out: &Path, pki: &mock_ca::Pki, catv_url: &str, sources: &str) -> anyhow::Result<()> {
    use rsa::pkcs8::EncodePrivateKey;
    let file = |name: &str, bytes: &[u8]| put(out, name, bytes);
    let cred = pki.service_credential("catv-idp")?;
    file("catv.key", cred.key.to_pkcs8_der()?.as_bytes())?;
    file("catv.crt", &cred.certificate)?;
    let url = catv_url.trim_end_matches('/');
    let port = port_of(url, 18001);
    file(
        "catv.toml",
        format!(
            r#"# Our IdP as a CATV operator's card IdP trusting the suite (mnctf idp --config catv.toml --port {port}).
entity_id = "{url}/idp"
base_url = "{url}"
store = "catv.sqlite"
signing_key = "catv.key"
signing_cert = "catv.crt"
channel = "catv"

[metadata_aggregate]
path = "federation.xml"
operator_certificate = "operator.pem"

[[anchors]]
label = "jpki-auth"
certificate = "jpki-auth.pem"
{sources}"#
        )
        .as_bytes(),
    )?;
    file(
        "catv-sut.toml",
        format!("# The card IdP under test (mnctf test-idp --config catv-sut.toml).\nname = \"our-catv-idp\"\nrole = \"card-idp\"\nmetadata = \"{url}/metadata\"\n").as_bytes(),
    )?;
    Ok(())
}

/// Writes `bytes` to `out/name`.
fn put(out: &Path, name: &str, bytes: &[u8]) -> anyhow::Result<()> {
    let path = out.join(name);
    std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))
}

/// The port of a loopback URL, or `default`.
fn port_of(url: &str, default: u16) -> u16 {
    url.rsplit(':')
        .next()
        .and_then(|p| p.parse::<u16>().ok())
        .unwrap_or(default)
}
