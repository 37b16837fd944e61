//! `mnctf sp`: the project's own SP (mock-sp's generic SP) trusting the IdP of a metadata
//! file: the SP `examples/sp/` certifies as the README tells a vendor to, and an SP to try
//! an IdP with. Its key is the test PKI's `example-sp` service key.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context as _;
use mock_sp::sp::{ServiceProvider, SpConfig};
use trust_framework::saml::constants::AC_JPKI_USER_AUTH;
use trust_framework::saml::metadata::parse_idps;

/// Serves the SP on 127.0.0.1:`port`, trusting the one IdP of `idp_metadata`, until
/// interrupted.
pub fn run(idp_metadata: &Path, port: u16) -> anyhow::Result<bool> {
    let text = std::fs::read_to_string(idp_metadata)
        .with_context(|| format!("reading {}", idp_metadata.display()))?;
    let idps = parse_idps(&text).with_context(|| format!("{}", idp_metadata.display()))?;
    let [idp] = idps.as_slice() else {
        anyhow::bail!(
            "{} describes {} IdPs; the SP trusts exactly one",
            idp_metadata.display(),
            idps.len()
        );
    };
    let pki = mock_ca::Pki::build(
        mock_ca::PkiConfig::new("http://127.0.0.1:18080"),
        mock_ca::Clock::system(),
    )?;
    let cred = pki.service_credential("example-sp")?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = mnctf::listen::bind(port).await?;
        let base = format!("http://{}", listener.local_addr()?);
        let mut config = SpConfig {
            name: "example-sp".into(),
            entity_id: format!("{base}/sp"),
            base_url: base.clone(),
            idp_entity_id: String::new(),
            idp_sso_url: String::new(),
            idp_slo_url: String::new(),
            idp_certs: Vec::new(),
            key: (*cred.key).clone(),
            cert_der: cred.certificate.clone(),
            required_class: Some(AC_JPKI_USER_AUTH.into()),
            requested_attributes: Vec::new(),
            display_name: Some(mock_sp::sp::DisplayName::new("試験用のサービス（例）", "example service")),
        danger: Default::default(),
        };
        config.trust_idp(idp).map_err(|e| anyhow::anyhow!("{e}"))?;
        let sp = ServiceProvider::new(config, Arc::new(time::OffsetDateTime::now_utc));
        println!(
            "example SP listening on {base}: metadata {base}/metadata, login {base}/login, protected page {base}/ (trusting {})",
            idp.entity_id
        );
        axum::serve(listener, sp.router())
            .with_graceful_shutdown(async { drop(tokio::signal::ctrl_c().await) })
            .await?;
        Ok(true)
    })
}
