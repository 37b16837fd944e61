//! What a vendor installs in an IdP under test (`mnctf test-idp metadata`): the suite's
//! two SPs' metadata, the suite's card CA and where its OCSP and CRL are; and, as a worked
//! example, our own platform configured that way with its `idp-sut.toml`.

use std::path::Path;

use anyhow::Context as _;
use conformance::idp::SuiteSps;

/// Writes the files into `out`; `platform_url` is where the example platform will run.
pub fn write(out: &Path, sps_url: &str, ca_url: &str, platform_url: &str) -> anyhow::Result<()> {
    use rsa::pkcs8::EncodePrivateKey;
    let suite = SuiteSps::new(sps_url, ca_url)?;
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let file = |name: &str, bytes: &[u8]| -> anyhow::Result<()> {
        let path = out.join(name);
        std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))
    };
    file("sp-a.xml", suite.metadata(0).as_bytes())?;
    file("sp-b.xml", suite.metadata(1).as_bytes())?;
    let pki = mock_ca::Pki::build(mock_ca::PkiConfig::new(ca_url), mock_ca::Clock::system())?;
    let ca = pki
        .authority(mock_ca::pki::ca::JPKI_AUTH)
        .context("no JPKI user-authentication CA")?;
    file(
        "jpki-auth.pem",
        mock_ca::pki::pem("CERTIFICATE", ca.certificate()).as_bytes(),
    )?;
    let base = ca_url.trim_end_matches('/');
    let sources = format!(
        "ocsp_url = \"{base}/ocsp/jpki-auth\"\ncrl_url = \"{base}/crl/jpki-auth.crl\"\npredecessor_url = \"{base}/predecessors\"\n"
    );
    file(
        "ca.toml",
        format!("# The suite's card CA (test keys only): trust jpki-auth.pem for card logins.\n{sources}")
            .as_bytes(),
    )?;
    // The worked example: our platform, configured as a vendor configures theirs.
    let cred = pki.service_credential("idp")?;
    file("platform.key", cred.key.to_pkcs8_der()?.as_bytes())?;
    file("platform.crt", &cred.certificate)?;
    let url = platform_url.trim_end_matches('/');
    file(
        "platform.toml",
        format!(
            r#"# Our platform trusting the suite (mnctf idp --config platform.toml --port {port}).
entity_id = "{url}/idp"
base_url = "{url}"
store = "platform.sqlite"
signing_key = "platform.key"
signing_cert = "platform.crt"
sp_metadata = ["sp-a.xml", "sp-b.xml"]

[[anchors]]
label = "jpki-auth"
certificate = "jpki-auth.pem"
{sources}"#,
            port = url
                .rsplit(':')
                .next()
                .and_then(|p| p.parse::<u16>().ok())
                .unwrap_or(18000),
        )
        .as_bytes(),
    )?;
    file(
        "idp-sut.toml",
        format!("# The IdP under test (mnctf test-idp --config idp-sut.toml).\nname = \"our-platform\"\nmetadata = \"{url}/metadata\"\n").as_bytes(),
    )?;
    Ok(())
}
