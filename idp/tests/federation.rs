//! The platform takes its SPs from the federation's signed metadata aggregate
//! (TF-MD-001..003), and refuses an expired one at start.

mod common;

use common::{browser, full_login, Lab, Outcome};
use mock_ca::{Clock, PersonaId, Pki, PkiConfig};
use rsa::pkcs8::EncodePrivateKey;
use time::{Duration, OffsetDateTime};
use trust_framework::saml::aggregate;

/// Writes an aggregate of the files in `sps` signed by the federation operator, and the
/// operator's certificate, next to them; returns their paths.
fn write_aggregate(
    sps: &[std::path::PathBuf],
    valid_until: OffsetDateTime,
    name: &str,
) -> (std::path::PathBuf, std::path::PathBuf) {
    // Same seed, same day: the same operator key as any other build of the PKI.
    let pki = Pki::build(PkiConfig::new("http://127.0.0.1:1"), Clock::system()).unwrap();
    let op = pki.service_credential("federation-operator").unwrap();
    let entities: Vec<String> = sps
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    let key = op.key.to_pkcs8_der().unwrap();
    let xml = aggregate::build(
        "_fed",
        "mnctf-federation",
        valid_until,
        &entities,
        key.as_bytes(),
        &op.certificate,
    )
    .unwrap();
    let dir = sps[0].parent().unwrap();
    let (path, cert) = (dir.join(name), dir.join("operator.crt"));
    std::fs::write(&path, xml).unwrap();
    std::fs::write(&cert, &op.certificate).unwrap();
    (path, cert)
}

#[tokio::test(flavor = "multi_thread")]
async fn tf_md_003_the_platform_trusts_the_sps_of_the_aggregate() {
    let lab = Lab::start_with(|cfg| {
        let (path, operator_certificate) = write_aggregate(
            &cfg.sp_metadata,
            OffsetDateTime::now_utc() + Duration::days(7),
            "federation.xml",
        );
        cfg.sp_metadata.clear();
        cfg.metadata_aggregate = Some(idp::config::AggregateConfig {
            path,
            operator_certificate,
            url: None,
            refresh_seconds: 0,
        });
    })
    .await;
    assert!(matches!(
        full_login(&lab, &browser(), 0, PersonaId::Valid).await,
        Outcome::Response { .. }
    ));
}

#[tokio::test(flavor = "multi_thread")]
async fn tf_md_002_an_expired_aggregate_stops_the_platform_from_starting() {
    let lab = Lab::start().await;
    let toml = lab.config_path.clone();
    let mut cfg = idp::IdpConfig::load(&toml).unwrap();
    let (path, operator_certificate) = write_aggregate(
        &cfg.sp_metadata,
        OffsetDateTime::now_utc() - Duration::hours(1),
        "expired.xml",
    );
    cfg.metadata_aggregate = Some(idp::config::AggregateConfig {
        path,
        operator_certificate,
        url: None,
        refresh_seconds: 0,
    });
    let err = idp::Platform::new(cfg, idp::system_clock())
        .unwrap_err()
        .to_string();
    assert!(err.contains("expired"), "{err}");
}

/// Known from the notes of issue 21: an aggregate whose validUntil passed while it was
/// loaded was still trusted. Its parties stop being trusted at that instant, and the
/// refusal says why.
#[tokio::test(flavor = "multi_thread")]
async fn tf_md_002_an_aggregate_that_expires_while_loaded_stops_being_trusted() {
    let lab = Lab::start_with(|cfg| {
        let (path, operator_certificate) = write_aggregate(
            &cfg.sp_metadata,
            OffsetDateTime::now_utc() + Duration::hours(1),
            "federation.xml",
        );
        cfg.sp_metadata.clear();
        cfg.metadata_aggregate = Some(idp::config::AggregateConfig {
            path,
            operator_certificate,
            url: None,
            refresh_seconds: 0,
        });
    })
    .await;
    assert!(matches!(
        full_login(&lab, &browser(), 0, PersonaId::Valid).await,
        Outcome::Response { .. }
    ));
    lab.clock.advance(Duration::hours(2));
    match full_login(&lab, &browser(), 0, PersonaId::Valid).await {
        Outcome::Error { status, body } => {
            assert_eq!(status, 400);
            assert!(body.contains("aggregate expired"), "{body}");
        }
        other => panic!("an SP of an expired aggregate was served: {other:?}"),
    }
}

/// The platform keeps its aggregate current from the operator's URL (TF-MD-002): an SP
/// added by the operator is trusted after the next refresh, and an aggregate that does not
/// verify, served later, changes nothing.
#[tokio::test(flavor = "multi_thread")]
async fn tf_md_002_the_aggregate_is_refreshed_from_the_operators_url() {
    use std::sync::{Arc, Mutex};
    let served = Arc::new(Mutex::new(String::new()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/federation.xml", listener.local_addr().unwrap());
    let state = Arc::clone(&served);
    let app = axum::Router::new().route(
        "/federation.xml",
        axum::routing::get(move || {
            let text = state.lock().unwrap().clone();
            async move { text }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    let mut both = Vec::new();
    let lab = Lab::start_with(|cfg| {
        both = cfg.sp_metadata.clone();
        let until = OffsetDateTime::now_utc() + Duration::days(7);
        let (path, operator_certificate) = write_aggregate(&both[..1], until, "first.xml");
        cfg.sp_metadata.clear();
        cfg.metadata_aggregate = Some(idp::config::AggregateConfig {
            path,
            operator_certificate,
            url: Some(url.clone()),
            refresh_seconds: 1,
        });
    })
    .await;
    tokio::spawn(Arc::clone(&lab.idp).keep_aggregate_fresh());
    let b = browser();
    let second_sp = || full_login(&lab, &b, 1, PersonaId::Valid);
    assert!(
        matches!(second_sp().await, Outcome::Error { .. }),
        "the second SP is not in the first aggregate"
    );
    let until = OffsetDateTime::now_utc() + Duration::days(7);
    let (path, _) = write_aggregate(&both, until, "second.xml");
    *served.lock().unwrap() = std::fs::read_to_string(path).unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    assert!(
        matches!(second_sp().await, Outcome::Response { .. }),
        "refreshed: the operator's new SP is trusted"
    );
    // Not signed by the operator: the second SP renamed (taken, it would drop that SP).
    let forged = served
        .lock()
        .unwrap()
        .replace(&lab.sps[1].entity_id, "http://127.0.0.1:1/renamed");
    *served.lock().unwrap() = forged;
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    assert!(
        matches!(second_sp().await, Outcome::Response { .. }),
        "a forged aggregate leaves the last good one in force"
    );
}
