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

    /// The peer's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("peer.log")).unwrap_or_default()
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
