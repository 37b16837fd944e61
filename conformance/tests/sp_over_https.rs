//! Certifying an SP as vendors deploy them: over https, under a host name (issue 16). The
//! name is the test's own (the `[network] resolve` table maps it to loopback, or the
//! hosts file of a private mount namespace the test makes), or one the system resolves
//! (`localhost`, through the resolver and /etc/hosts), the
//! server certificate is issued for it by a CA the configuration names, and the
//! allow-list keeps every request of the suite where it says, a listener proving that a
//! refused URL is never contacted.

use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use conformance::config::NetworkConfig;
use conformance::{SuiteIdp, SutConfig};
use mock_sp::sp::{ServiceProvider, SpConfig};
use reports::Verdict;
use trust_framework::saml::constants::AC_JPKI_USER_AUTH;

mod common;

const HOST: &str = "sp.mnctf-test.example";

/// A vendor CA's certificate (PEM, written to `dir/vendor-ca.pem`) and a server
/// configuration for `host` it issued.
fn server_tls(dir: &Path, host: &str) -> Arc<rustls::ServerConfig> {
    common::tls::server_config(&dir.join("vendor-ca.pem"), host, common::tls::Issued::ByCa)
}

/// Serves `app` over TLS on `listener` until the test ends.
fn serve_tls(listener: tokio::net::TcpListener, tls: Arc<rustls::ServerConfig>, app: axum::Router) {
    let acceptor = tokio_rustls::TlsAcceptor::from(tls);
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let (acceptor, app) = (acceptor.clone(), app.clone());
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let service = hyper_util::service::TowerToHyperService::new(app);
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(tls), service)
                    .await;
            });
        }
    });
}

/// Our SP at `https://HOST:<port>`; its metadata file, and the `[network]` a vendor writes.
async fn https_sp(idp: &SuiteIdp, dir: &Path) -> (SutConfig, String) {
    https_sp_named(idp, dir, HOST).await
}

/// Our SP at `https://host:<port>`, `host` resolved to loopback by the configuration.
async fn https_sp_named(idp: &SuiteIdp, dir: &Path, host: &str) -> (SutConfig, String) {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .unwrap();
    let base = format!("https://{host}:{}", listener.local_addr().unwrap().port());
    let pki = mock_ca::Pki::build(
        mock_ca::PkiConfig::new("http://127.0.0.1:18080"),
        mock_ca::Clock::system(),
    )
    .unwrap();
    let cred = pki.service_credential("sp-1").unwrap();
    let sp = ServiceProvider::new(
        SpConfig {
            name: "mock-sp".into(),
            entity_id: format!("{base}/sp"),
            base_url: base.clone(),
            idp_entity_id: idp.entity_id.clone(),
            idp_sso_url: idp.sso_url.clone(),
            idp_slo_url: idp.slo_url.clone(),
            idp_certs: vec![idp.key.cert_der.clone()],
            key: (*cred.key).clone(),
            cert_der: cred.certificate.clone(),
            required_class: Some(AC_JPKI_USER_AUTH.into()),
            requested_attributes: Vec::new(),
            display_name: None,
            danger: Default::default(),
        },
        Arc::new(time::OffsetDateTime::now_utc),
    );
    let md = dir.join("sp.xml");
    std::fs::write(&md, sp.metadata()).unwrap();
    serve_tls(listener, server_tls(dir, host), sp.router());
    let config = SutConfig {
        name: "mock-sp-https".into(),
        metadata: md.display().to_string(),
        login_url: format!("{base}/login"),
        protected_url: format!("{base}/"),
        logged_in: "AUTHENTICATED".into(),
        identity_prefix: "NameID: ".into(),
        authn_class: AC_JPKI_USER_AUTH.into(),
        expected: None,
        timeout_ms: 10_000,
        only: vec!["sig-response-tampered".into(), "xsw1".into()],
        network: NetworkConfig {
            allow: vec![host.into()],
            ca: Some(dir.join("vendor-ca.pem")),
            insecure: false,
            resolve: [(host.to_owned(), IpAddr::V4(Ipv4Addr::LOCALHOST))].into(),
        },
    };
    config.check().unwrap();
    (config, base)
}

/// The verdicts our SP earns over http.
fn expected() -> conformance::Expected {
    conformance::Expected::load(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("expected/mock-sp.toml"),
    )
    .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_sp_over_https_under_a_host_name_is_certified() {
    let dir = tempfile::tempdir().unwrap();
    let idp = SuiteIdp::new("http://127.0.0.1:18500").unwrap();
    let (config, _) = https_sp(&idp, dir.path()).await;
    let report = conformance::run(&config, &idp, |_| {}).await.unwrap();
    let pre = report.cases().find(|c| c.id == "preflight").unwrap();
    assert_eq!(pre.verdict, Verdict::Passed, "{:?}", pre.reason);
    assert!(report.cases().count() >= 3, "the selected tests ran");
    let diff = expected().differences(&report);
    assert!(diff.is_empty(), "over https, as over http: {diff:#?}");
}

/// No `resolve` table: the name goes through the system's resolver, as a vendor's real
/// host name would; the certificate is checked against that name.
#[tokio::test(flavor = "multi_thread")]
async fn a_name_the_system_resolves_is_certified() {
    let dir = tempfile::tempdir().unwrap();
    let idp = SuiteIdp::new("http://127.0.0.1:18500").unwrap();
    let (mut config, _) = https_sp_named(&idp, dir.path(), "localhost").await;
    config.network.resolve.clear();
    let report = conformance::run(&config, &idp, |_| {}).await.unwrap();
    let pre = report.cases().find(|c| c.id == "preflight").unwrap();
    assert_eq!(pre.verdict, Verdict::Passed, "{:?}", pre.reason);
    let diff = expected().differences(&report);
    assert!(diff.is_empty(), "under a system-resolved name: {diff:#?}");
}

/// Set in the test binary run again inside a mount namespace whose /etc/hosts names
/// [`VENDOR_HOST`].
const IN_NAMESPACE: &str = "MNCTF_TEST_PRIVATE_HOSTS";
const VENDOR_HOST: &str = "sp.vendor.example";

/// A name nothing on the machine knows, made by the test in a private hosts file: the
/// suite resolves it as a vendor's real name (system resolver, no `resolve` table). The
/// test binary runs this test again under `unshare --mount` with that file bound over
/// /etc/hosts, so the machine's own file is never touched.
#[tokio::test(flavor = "multi_thread")]
async fn a_name_in_a_private_hosts_file_is_certified() {
    if std::env::var_os(IN_NAMESPACE).is_some() {
        let dir = tempfile::tempdir().unwrap();
        let idp = SuiteIdp::new("http://127.0.0.1:18500").unwrap();
        let (mut config, _) = https_sp_named(&idp, dir.path(), VENDOR_HOST).await;
        config.network.resolve.clear();
        let report = conformance::run(&config, &idp, |_| {}).await.unwrap();
        let pre = report.cases().find(|c| c.id == "preflight").unwrap();
        assert_eq!(pre.verdict, Verdict::Passed, "{:?}", pre.reason);
        let diff = expected().differences(&report);
        assert!(diff.is_empty(), "under a name from a hosts file: {diff:#?}");
        return;
    }
    let outside = tokio::net::lookup_host((VENDOR_HOST, 443)).await;
    assert!(
        outside.is_err(),
        "{VENDOR_HOST} must be unknown outside the namespace"
    );
    let dir = tempfile::tempdir().unwrap();
    let hosts = dir.path().join("hosts");
    std::fs::write(
        &hosts,
        format!("127.0.0.1 localhost\n127.0.0.1 {VENDOR_HOST}\n::1 localhost\n"),
    )
    .unwrap();
    let me = std::env::current_exe().unwrap();
    let run = std::process::Command::new("unshare")
        .args(["--mount", "--propagation", "private", "sh", "-c"])
        .arg(r#"mount --bind "$1" /etc/hosts && exec "$2" --exact "$3" --nocapture"#)
        .args(["sh".as_ref(), hosts.as_os_str(), me.as_os_str()])
        .arg("a_name_in_a_private_hosts_file_is_certified")
        .env(IN_NAMESPACE, "1")
        .output()
        .expect("unshare (util-linux) runs");
    let out = String::from_utf8_lossy(&run.stdout);
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(
        run.status.success() && out.contains("1 passed"),
        "the test in its namespace (needs root or user namespaces for unshare --mount):\n{out}\n{err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn without_the_vendors_ca_the_server_is_not_trusted() {
    let dir = tempfile::tempdir().unwrap();
    let idp = SuiteIdp::new("http://127.0.0.1:18500").unwrap();
    let (mut config, _) = https_sp(&idp, dir.path()).await;
    config.network.ca = None;
    let report = conformance::run(&config, &idp, |_| {}).await.unwrap();
    let pre = report.cases().find(|c| c.id == "preflight").unwrap();
    assert_eq!(pre.verdict, Verdict::Failed);
    let why = pre.reason.clone().unwrap_or_default();
    assert!(
        why.contains("handshake") || why.contains("certificate"),
        "{why}"
    );
}

/// The SP's metadata names its SingleLogoutService on a host outside the allow-list: the
/// suite refuses to send the logout there, says which URL and rule, and the host never
/// sees a connection.
#[tokio::test(flavor = "multi_thread")]
async fn a_request_outside_the_allow_list_is_never_sent() {
    let dir = tempfile::tempdir().unwrap();
    let idp = SuiteIdp::new("http://127.0.0.1:18500").unwrap();
    let (mut config, base) = https_sp(&idp, dir.path()).await;
    let watcher = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .unwrap();
    let elsewhere = format!(
        "https://elsewhere.mnctf-test.example:{}",
        watcher.local_addr().unwrap().port()
    );
    let seen = Arc::new(AtomicUsize::new(0));
    let count = Arc::clone(&seen);
    tokio::spawn(async move {
        while watcher.accept().await.is_ok() {
            count.fetch_add(1, Ordering::SeqCst);
        }
    });
    let md = std::fs::read_to_string(&config.metadata).unwrap();
    let moved = md.replace(&format!("{base}/slo"), &format!("{elsewhere}/slo"));
    assert_ne!(md, moved, "the metadata names the SLO endpoint");
    std::fs::write(&config.metadata, moved).unwrap();
    config.network.resolve.insert(
        "elsewhere.mnctf-test.example".into(),
        IpAddr::V4(Ipv4Addr::LOCALHOST),
    );
    config.only = vec!["logout-valid".into()];
    let report = conformance::run(&config, &idp, |_| {}).await.unwrap();
    let pre = report.cases().find(|c| c.id == "preflight").unwrap();
    assert_eq!(pre.verdict, Verdict::Passed, "{:?}", pre.reason);
    let logout = report.cases().find(|c| c.id == "logout-valid").unwrap();
    assert_ne!(logout.verdict, Verdict::Passed);
    let why = logout.reason.clone().unwrap_or_default();
    assert!(
        why.contains("elsewhere.mnctf-test.example") && why.contains("allow-list"),
        "{why}"
    );
    assert_eq!(
        seen.load(Ordering::SeqCst),
        0,
        "a refused URL was contacted"
    );
}
