//! `mnctf authority`: a 士業 body's attribute authority (proxy model 2) run from a TOML
//! file, as a vendor runs theirs; its parties come from the federation's signed aggregate
//! (requesters: the entities registered as platform or government system).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context as _;
use mock_sp::attribute_authority::{AttributeAuthority, AuthorityConfig, CheckedCa};
use serde::Deserialize;
use trust_framework::saml::aggregate;
use trust_framework::x509::TrustAnchors;

/// A CA and where its revocation data is.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaFile {
    certificate: PathBuf,
    ocsp_url: String,
    crl_url: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AggregateFile {
    path: PathBuf,
    operator_certificate: PathBuf,
}

/// The authority's configuration file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AuthorityFile {
    entity_id: String,
    base_url: String,
    signing_key: PathBuf,
    signing_cert: PathBuf,
    /// The JPKI user-authentication CA (the cards).
    cards: CaFile,
    /// The body's 士業 CA.
    professionals: CaFile,
    metadata_aggregate: AggregateFile,
    /// The registrations' SQLite file (they outlast a restart); none: in memory.
    #[serde(default)]
    state: Option<PathBuf>,
}

/// The authority configured by the TOML file at `path` (paths relative to it).
pub fn load(path: &Path) -> anyhow::Result<Arc<AttributeAuthority>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let f: AuthorityFile =
        toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let der = |p: &Path| idp::config::read_der(&dir.join(p)).map_err(anyhow::Error::from);
    let checked = |label: &str, c: &CaFile| -> anyhow::Result<CheckedCa> {
        let mut anchors = TrustAnchors::new();
        anchors.add(label, &der(&c.certificate)?)?;
        Ok(CheckedCa {
            anchors,
            ocsp_url: c.ocsp_url.clone(),
            crl_url: c.crl_url.clone(),
        })
    };
    let agg_text = std::fs::read_to_string(dir.join(&f.metadata_aggregate.path))
        .context("reading the aggregate")?;
    let operator = der(&f.metadata_aggregate.operator_certificate)?;
    let agg = aggregate::load(&agg_text, &[operator], time::OffsetDateTime::now_utc())
        .context("the aggregate")?;
    let requesters = mock_sp::attribute_authority::requesters_of(&agg);
    let config = AuthorityConfig {
        entity_id: trust_framework::EntityId::new(&f.entity_id)?,
        base_url: f.base_url.trim_end_matches('/').to_owned(),
        key_der: der(&f.signing_key)?,
        cert_der: der(&f.signing_cert)?,
        cards: checked("jpki-auth", &f.cards)?,
        professionals: checked("professionals", &f.professionals)?,
        requesters,
    };
    let state = f.state.map(|p| dir.join(p));
    let registry = mock_sp::registry::Registry::open(state.as_deref())
        .with_context(|| format!("opening the registrations ({})", path.display()))?;
    AttributeAuthority::with_registry(config, registry, Arc::new(time::OffsetDateTime::now_utc))
        .map_err(anyhow::Error::msg)
}

/// Serves the authority of `config` on 127.0.0.1:`port` until stopped.
pub fn run(config: &Path, port: u16) -> anyhow::Result<bool> {
    let aa = load(config)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = crate::listen::bind(port).await?;
        tracing::info!("attribute authority on http://127.0.0.1:{port}");
        axum::serve(listener, aa.router()).await?;
        Ok(true)
    })
}
