//! Real SAML peers from Debian's packages, started privately on loopback: each in its own
//! run folder with its own port and log, waited for by polling, stopped by its process
//! group. The scripts and templates live in `interop/peers/<name>/`.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context as _;

/// The repository's `interop/peers` folder.
pub fn peers_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("interop")
        .join("peers")
}

/// A free port on 127.0.0.1 (bound and released: a tiny race, fine on a test machine).
pub fn free_port() -> std::io::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// A running peer.
pub struct Peer {
    /// Its name (`python3-saml`, …).
    pub name: String,
    /// `http://127.0.0.1:PORT`.
    pub base_url: String,
    /// Its run folder.
    pub dir: PathBuf,
    child: Child,
}

impl Peer {
    /// Starts `program args` in its own process group, output to `dir/peer.log`.
    pub fn spawn(
        name: &str,
        port: u16,
        dir: &Path,
        program: &str,
        args: &[String],
    ) -> anyhow::Result<Self> {
        use std::os::unix::process::CommandExt as _;
        std::fs::create_dir_all(dir)?;
        let log = std::fs::File::create(dir.join("peer.log"))?;
        let child = Command::new(program)
            .args(args)
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .process_group(0)
            .spawn()
            .with_context(|| format!("starting {name} ({program})"))?;
        Ok(Self {
            name: name.to_owned(),
            base_url: format!("http://127.0.0.1:{port}"),
            dir: dir.to_owned(),
            child,
        })
    }

    /// Polls `path` until it answers 200, or fails with the peer's log.
    pub async fn wait_ready(&mut self, path: &str, limit: Duration) -> anyhow::Result<()> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(2))
            .build()?;
        let deadline = Instant::now() + limit;
        loop {
            if let Ok(r) = http.get(format!("{}{path}", self.base_url)).send().await {
                if r.status().is_success() {
                    return Ok(());
                }
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                anyhow::bail!(
                    "{} exited ({status}) before answering:\n{}",
                    self.name,
                    self.log()
                );
            }
            if Instant::now() > deadline {
                anyhow::bail!(
                    "{} did not answer {path} within {limit:?}:\n{}",
                    self.name,
                    self.log()
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The peer's logs so far (its output and, for Apache, its error log).
    pub fn log(&self) -> String {
        ["peer.log", "error.log"]
            .iter()
            .filter_map(|f| std::fs::read_to_string(self.dir.join(f)).ok())
            .collect::<Vec<_>>()
            .join("\n")
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        // The whole process group: interpreters and servers may have children.
        let _ = Command::new("kill")
            .args(["-TERM", &format!("-{}", self.child.id())])
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The Python SPs (python3-saml, pysaml2): `interop/peers/<name>/sp.py PORT IDP_MD KEY CERT CLASS`.
pub fn python_sp(
    name: &str,
    dir: &Path,
    idp_metadata: &str,
    key_pem: &str,
    cert_pem: &str,
    class: &str,
) -> anyhow::Result<Peer> {
    let port = free_port()?;
    std::fs::create_dir_all(dir)?;
    let (md, key, cert) = (
        dir.join("idp-metadata.xml"),
        dir.join("sp.key"),
        dir.join("sp.crt"),
    );
    std::fs::write(&md, idp_metadata)?;
    std::fs::write(&key, key_pem)?;
    std::fs::write(&cert, cert_pem)?;
    let script = peers_dir().join(name).join("sp.py");
    let args = [
        script,
        PathBuf::from(port.to_string()),
        md,
        key,
        cert,
        PathBuf::from(class),
    ]
    .map(|p| p.display().to_string());
    // Debian's python, not a pyenv one on PATH: the packages are Debian's.
    Peer::spawn(name, port, dir, "/usr/bin/python3", &args)
}

/// Paths of an SP peer's pages.
#[derive(Clone, Debug)]
pub struct SpPaths {
    /// Starts SP-initiated login.
    pub login: String,
    /// The protected page (200 with the NameID, 401 without a session).
    pub protected: String,
    /// Starts SP-initiated logout, if the peer does SLO.
    pub logout: Option<String>,
    /// The SP's metadata.
    pub metadata: String,
}

impl SpPaths {
    /// The layout of our Python SPs.
    pub fn python(slo: bool) -> Self {
        Self {
            login: "/login".into(),
            protected: "/protected".into(),
            logout: slo.then(|| "/logout".into()),
            metadata: "/metadata".into(),
        }
    }
}

fn fill(template: &str, pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .fold(template.to_owned(), |t, (k, v)| t.replace(k, v))
}

/// Apache runs its workers as www-data: the run folder and its files must be readable.
fn open_up(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    for d in [dir.parent(), Some(dir)].into_iter().flatten() {
        std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755))?;
    }
    Ok(())
}

/// mod_auth_mellon in a private Apache (`interop/peers/mellon/httpd.conf.in`).
pub fn mellon_sp(
    dir: &Path,
    idp_metadata: &str,
    key_pem: &str,
    cert_pem: &str,
    class: &str,
) -> anyhow::Result<(Peer, SpPaths)> {
    let port = free_port()?;
    let src = peers_dir().join("mellon");
    std::fs::create_dir_all(dir.join("htdocs").join("protected"))?;
    open_up(dir)?;
    let run = dir.display().to_string();
    let conf = fill(
        &std::fs::read_to_string(src.join("httpd.conf.in"))?,
        &[
            ("@RUN@", &run),
            ("@PORT@", &port.to_string()),
            ("@CLASS@", class),
        ],
    );
    std::fs::write(dir.join("httpd.conf"), conf)?;
    std::fs::write(dir.join("idp-metadata.xml"), idp_metadata)?;
    std::fs::write(dir.join("sp.key"), key_pem)?;
    std::fs::write(dir.join("sp.crt"), cert_pem)?;
    let cert_b64: String = cert_pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    let base = format!("http://127.0.0.1:{port}");
    let md = fill(
        &std::fs::read_to_string(src.join("sp-metadata.xml.in"))?,
        &[("@BASE@", &base), ("@CERT@", &cert_b64)],
    );
    std::fs::write(dir.join("sp-metadata.xml"), md)?;
    std::fs::copy(
        src.join("whoami.shtml"),
        dir.join("htdocs").join("protected").join("whoami.shtml"),
    )?;
    std::fs::copy(
        src.join("loggedout.shtml"),
        dir.join("htdocs").join("loggedout.shtml"),
    )?;
    let args = [
        "-f".to_owned(),
        dir.join("httpd.conf").display().to_string(),
        "-D".to_owned(),
        "FOREGROUND".to_owned(),
    ];
    let peer = Peer::spawn("mellon", port, dir, "/usr/sbin/apache2", &args)?;
    let paths = SpPaths {
        login: format!("/mellon/login?ReturnTo={base}/protected/whoami.shtml"),
        protected: "/protected/whoami.shtml".into(),
        logout: Some(format!("/mellon/logout?ReturnTo={base}/loggedout.shtml")),
        metadata: "/mellon/metadata".into(),
    };
    Ok((peer, paths))
}
