//! Real SAML peers from Debian's packages, started privately on loopback: each in its own
//! run folder with its own port and log, waited for by polling, stopped by its process
//! group (or its container). The scripts and templates live in `interop/peers/<name>/`.
//!
//! Each peer starts from one shell line ([`Launch`]), run in its run folder: on the host,
//! or in its image (`interop/images/<image>.Dockerfile`, [`crate::containers`]) when one is
//! built and a daemon answers. The image holds Debian's packages only; the run folder and
//! `interop/peers` are mounted at their own paths, so the line is the same in both.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context as _;

/// The repository's `interop/peers` folder (without `..`: a container mounts it alone).
pub fn peers_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("interop")
        .join("peers");
    dir.canonicalize().unwrap_or(dir)
}

/// How a peer starts: a shell line run in its run folder, its output in `peer.log`.
struct Launch {
    /// The image with its packages (`mnctf/peer-<image>`).
    image: String,
    /// The shell line.
    line: String,
    /// Its environment.
    env: Vec<(&'static str, String)>,
    /// Whether it may run in a container (a benchmark reading its CPU time needs a process).
    container: bool,
}

impl Launch {
    /// The shell line `line` with `image`'s packages.
    fn shell(image: &str, line: String) -> Self {
        Self {
            image: image.to_owned(),
            line,
            env: Vec::new(),
            container: true,
        }
    }

    /// `exec program args` with `image`'s packages.
    fn exec(image: &str, program: &str, args: &[String]) -> Self {
        Self::shell(image, format!("exec {}", command_line(program, args)))
    }

    fn with_env(mut self, key: &'static str, value: impl Into<String>) -> Self {
        self.env.push((key, value.into()));
        self
    }
}

/// `word` quoted for the shell.
pub(crate) fn quote(word: &str) -> String {
    format!("'{}'", word.replace('\'', r"'\''"))
}

/// `program args`, each quoted for the shell.
fn command_line(program: &str, args: &[String]) -> String {
    std::iter::once(program)
        .chain(args.iter().map(String::as_str))
        .map(quote)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Starts `name` as `launch` says: from its image if it may and one is built, else as a
/// process group on the host.
async fn launch(name: &str, port: u16, dir: &Path, launch: Launch) -> anyhow::Result<Peer> {
    std::fs::create_dir_all(dir)?;
    let env: Vec<(&str, &str)> = launch.env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    if launch.container {
        if let Some(image) = crate::containers::image_for(&launch.image).await {
            let mounts = [peers_dir()];
            let mounts: Vec<&Path> = mounts.iter().map(PathBuf::as_path).collect();
            let running =
                crate::containers::start(&image, dir, &mounts, &launch.line, &env).await?;
            return Ok(Peer::new(name, port, dir, None, Some(running)));
        }
    }
    let args = ["-c".to_owned(), launch.line];
    let child = start_child(name, dir, "peer.log", "/bin/sh", &args, &env)?;
    Ok(Peer::new(name, port, dir, Some(child), None))
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
    children: Vec<Child>,
    /// The container it runs in, if started from its image.
    container: Option<crate::containers::Running>,
}

fn start_child(
    name: &str,
    dir: &Path,
    log: &str,
    program: &str,
    args: &[String],
    env: &[(&str, &str)],
) -> anyhow::Result<Child> {
    use std::os::unix::process::CommandExt as _;
    let log = std::fs::File::create(dir.join(log))?;
    Command::new(program)
        .args(args)
        .envs(env.iter().copied())
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        .process_group(0)
        .spawn()
        .with_context(|| format!("starting {name} ({program})"))
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
        std::fs::create_dir_all(dir)?;
        let child = start_child(name, dir, "peer.log", program, args, &[])?;
        Ok(Self::new(name, port, dir, Some(child), None))
    }

    fn new(
        name: &str,
        port: u16,
        dir: &Path,
        child: Option<Child>,
        container: Option<crate::containers::Running>,
    ) -> Self {
        Self {
            name: name.to_owned(),
            base_url: format!("http://127.0.0.1:{port}"),
            dir: dir.to_owned(),
            children: child.into_iter().collect(),
            container,
        }
    }

    /// Whether it runs in a container (from its image) rather than as a process.
    pub fn in_a_container(&self) -> bool {
        self.container.is_some()
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
            if let Some(status) = self
                .children
                .iter_mut()
                .find_map(|c| c.try_wait().ok().flatten())
            {
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

    /// The pid (and process group) of its first process.
    pub fn pid(&self) -> u32 {
        self.children.first().map_or(0, Child::id)
    }

    /// The peer's logs so far (its output and its servers' own logs).
    pub fn log(&self) -> String {
        [
            "peer.log",
            "error.log",
            "apache.log",
            "shibd.log",
            "native.log",
        ]
        .iter()
        .filter_map(|f| std::fs::read_to_string(self.dir.join(f)).ok())
        .collect::<Vec<_>>()
        .join("\n")
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        // Stopped by pid: SIGTERM lets servers stop their own workers; SIGKILL after 5 s.
        // Each child leads its own process group: the group goes too, so that a worker
        // a hostile message left spinning (php -S forks them) does not outlive its server.
        for child in self.children.iter_mut().rev() {
            let group = format!("-{}", child.id());
            if matches!(child.try_wait(), Ok(None)) {
                let _ = Command::new("kill").args(["-TERM", "--", &group]).status();
                let deadline = Instant::now() + Duration::from_secs(5);
                while matches!(child.try_wait(), Ok(None)) && Instant::now() < deadline {
                    std::thread::sleep(Duration::from_millis(20));
                }
            }
            let _ = child.kill();
            let _ = child.wait();
            let _ = Command::new("kill")
                .args(["-KILL", "--", &group])
                .stderr(Stdio::null())
                .status();
        }
    }
}

/// The SPs we script on a library (python3-saml, pysaml2, Lasso in Python; ruby-saml in
/// Ruby): `interop/peers/<name>/sp.py` (or `sp.rb`) `PORT IDP_MD KEY CERT CLASS`, run by
/// Debian's interpreter (not a pyenv one on PATH: the packages are Debian's); `lax` names
/// the knobs its script turns (`MNCTF_LAX`: python3-saml `not-strict`; pysaml2
/// `unsigned`, `unsolicited`, `clock`).
async fn scripted_sp(
    name: &str,
    dir: &Path,
    idp_metadata: &str,
    (key_pem, cert_pem): (&str, &str),
    class: &str,
    lax: &str,
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
    let (interpreter, script) = match name {
        "ruby-saml" => ("/usr/bin/ruby", "sp.rb"),
        _ => ("/usr/bin/python3", "sp.py"),
    };
    let script = peers_dir().join(name).join(script);
    let args = [
        script,
        PathBuf::from(port.to_string()),
        md,
        key,
        cert,
        PathBuf::from(class),
    ]
    .map(|p| p.display().to_string());
    let line = Launch::exec(image_of(name), interpreter, &args).with_env("MNCTF_LAX", lax);
    launch(name, port, dir, line).await
}

/// The image holding a peer's packages (`interop/images/<image>.Dockerfile`): the peer's
/// own name, but the IdPs share their SPs'.
pub fn image_of(peer: &str) -> &str {
    match peer {
        "pysaml2-idp" => "pysaml2",
        "simplesamlphp-idp" => "simplesamlphp",
        other => other,
    }
}

/// pysaml2's IdP (`interop/peers/pysaml2-idp/idp.py`: password login, `testuser` /
/// `testpass`) trusting the SPs whose metadata is `sp_metadata`.
pub async fn pysaml2_idp(
    dir: &Path,
    (key_pem, cert_pem): (&str, &str),
    sp_metadata: &[String],
) -> anyhow::Result<Peer> {
    let port = free_port()?;
    std::fs::create_dir_all(dir)?;
    let (key, cert) = (dir.join("idp.key"), dir.join("idp.crt"));
    std::fs::write(&key, key_pem)?;
    std::fs::write(&cert, cert_pem)?;
    let mut args = vec![
        peers_dir()
            .join("pysaml2-idp")
            .join("idp.py")
            .display()
            .to_string(),
        port.to_string(),
        key.display().to_string(),
        cert.display().to_string(),
    ];
    for (i, md) in sp_metadata.iter().enumerate() {
        let path = dir.join(format!("sp-{i}.xml"));
        std::fs::write(&path, md)?;
        args.push(path.display().to_string());
    }
    // Debian's python, not a pyenv one on PATH: the packages are Debian's.
    let line = Launch::exec(image_of("pysaml2-idp"), "/usr/bin/python3", &args);
    launch("pysaml2-idp", port, dir, line).await
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
    /// The layout of the SPs we script on a library.
    pub fn scripted() -> Self {
        Self {
            login: "/login".into(),
            protected: "/protected".into(),
            logout: Some("/logout".into()),
            metadata: "/metadata".into(),
        }
    }
}

fn fill(template: &str, pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .fold(template.to_owned(), |t, (k, v)| t.replace(k, v))
}

/// A deliberately lax configuration of an SP peer (peers.md, "Configuration knobs"): one
/// edit to a file of its run folder before it starts, to show that the conformance suite
/// catches what it weakens. The Python peers' scripts turn their own (`MNCTF_LAX`).
pub struct Knob {
    /// The peer (`mellon`, `shibboleth`, `simplesamlphp`).
    pub peer: &'static str,
    /// The knob's name.
    pub name: &'static str,
    /// What it does, in a line.
    pub what: &'static str,
    /// The file of the run folder it edits.
    file: &'static str,
    /// The text it replaces (it must be there: a template change cannot silently
    /// turn a lax configuration into the default one).
    from: &'static str,
    /// The replacement.
    to: &'static str,
}

/// Every lax knob of the Apache and PHP peers.
pub static KNOBS: &[Knob] = &[
    Knob {
        peer: "shibboleth",
        name: "clock",
        what: "an hour of clock skew (clockSkew=3600)",
        file: "shibboleth2.xml",
        from: r#"clockSkew="180""#,
        to: r#"clockSkew="3600""#,
    },
    Knob {
        peer: "shibboleth",
        name: "replay",
        what: "no replay check (MessageFlow checkReplay=false)",
        file: "security-policy.xml",
        from: r#"checkReplay="true""#,
        to: r#"checkReplay="false""#,
    },
    Knob {
        peer: "shibboleth",
        name: "sha1",
        what: "AuthnRequests signed with RSA-SHA1 (signingAlg)",
        file: "shibboleth2.xml",
        from: r#"signingAlg="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256""#,
        to: r#"signingAlg="http://www.w3.org/2000/09/xmldsig#rsa-sha1""#,
    },
    Knob {
        peer: "mellon",
        name: "no-class",
        what: "no MellonAuthnContextClassRef: the card class neither asked nor required",
        file: "httpd.conf",
        from: "    MellonAuthnContextClassRef",
        to: "    # MellonAuthnContextClassRef",
    },
    Knob {
        peer: "mellon",
        name: "sha1",
        what: "AuthnRequests signed with RSA-SHA1 (MellonSignatureMethod)",
        file: "httpd.conf",
        from: "MellonSignatureMethod rsa-sha256",
        to: "MellonSignatureMethod rsa-sha1",
    },
    Knob {
        peer: "simplesamlphp",
        name: "sha1",
        what: "AuthnRequests signed with RSA-SHA1 (signature.algorithm)",
        file: "config/authsources.php",
        from: "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
        to: "http://www.w3.org/2000/09/xmldsig#rsa-sha1",
    },
    Knob {
        peer: "simplesamlphp",
        name: "transient",
        what: "asks for transient NameIDs (NameIDPolicy)",
        file: "config/authsources.php",
        from: "nameid-format:persistent",
        to: "nameid-format:transient",
    },
];

/// Turns the knobs `lax` (a comma list) of `peer` in its run folder `dir`.
fn turn_knobs(peer: &str, dir: &Path, lax: &str) -> anyhow::Result<()> {
    for name in lax.split(',').filter(|n| !n.is_empty()) {
        let knob = KNOBS
            .iter()
            .find(|k| k.peer == peer && k.name == name)
            .with_context(|| {
                let known: Vec<_> = KNOBS
                    .iter()
                    .filter(|k| k.peer == peer)
                    .map(|k| k.name)
                    .collect();
                format!("{peer} has no lax knob {name:?} (it has {known:?})")
            })?;
        let path = dir.join(knob.file);
        let text = std::fs::read_to_string(&path).with_context(|| path.display().to_string())?;
        anyhow::ensure!(
            text.contains(knob.from),
            "{peer} knob {name}: {:?} is not in {}",
            knob.from,
            path.display()
        );
        std::fs::write(&path, text.replacen(knob.from, knob.to, 1))?;
    }
    Ok(())
}

/// Apache runs its workers as www-data: the run folder and its files must be readable.
fn open_up(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    for d in [dir.parent(), Some(dir)].into_iter().flatten() {
        std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755))?;
    }
    Ok(())
}

/// The run folder both Apache-based SPs share: readable by www-data, the IdP's metadata,
/// the SP's key pair, and the protected and logged-out pages from `src`.
fn apache_run_folder(
    dir: &Path,
    src: &Path,
    idp_metadata: &str,
    key_pem: &str,
    cert_pem: &str,
) -> std::io::Result<()> {
    std::fs::create_dir_all(dir.join("htdocs").join("protected"))?;
    open_up(dir)?;
    std::fs::write(dir.join("idp-metadata.xml"), idp_metadata)?;
    std::fs::write(dir.join("sp.key"), key_pem)?;
    std::fs::write(dir.join("sp.crt"), cert_pem)?;
    std::fs::copy(
        src.join("whoami.shtml"),
        dir.join("htdocs").join("protected").join("whoami.shtml"),
    )?;
    std::fs::copy(
        src.join("loggedout.shtml"),
        dir.join("htdocs").join("loggedout.shtml"),
    )?;
    Ok(())
}

/// Apache in the foreground on the run folder's `httpd.conf`.
fn apache_args(dir: &Path) -> [String; 4] {
    [
        "-f".to_owned(),
        dir.join("httpd.conf").display().to_string(),
        "-D".to_owned(),
        "FOREGROUND".to_owned(),
    ]
}

/// The SP paths of an Apache SP: its login and logout handlers take a return URL.
fn apache_paths(base: &str, login: &str, logout: &str, metadata: &str) -> SpPaths {
    SpPaths {
        login: format!("{login}{base}/protected/whoami.shtml"),
        protected: "/protected/whoami.shtml".into(),
        logout: Some(format!("{logout}{base}/loggedout.shtml")),
        metadata: metadata.into(),
    }
}

/// mod_auth_mellon in a private Apache (`interop/peers/mellon/httpd.conf.in`).
pub async fn mellon_sp(
    dir: &Path,
    idp_metadata: &str,
    key_pem: &str,
    cert_pem: &str,
    class: &str,
    lax: &str,
) -> anyhow::Result<(Peer, SpPaths)> {
    let port = free_port()?;
    let src = peers_dir().join("mellon");
    apache_run_folder(dir, &src, idp_metadata, key_pem, cert_pem)?;
    let (run, base) = (
        dir.display().to_string(),
        format!("http://127.0.0.1:{port}"),
    );
    let conf = fill(
        &std::fs::read_to_string(src.join("httpd.conf.in"))?,
        &[
            ("@RUN@", &run),
            ("@PORT@", &port.to_string()),
            ("@CLASS@", class),
        ],
    );
    std::fs::write(dir.join("httpd.conf"), conf)?;
    let cert_b64: String = cert_pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    let md = fill(
        &std::fs::read_to_string(src.join("sp-metadata.xml.in"))?,
        &[("@BASE@", &base), ("@CERT@", &cert_b64)],
    );
    std::fs::write(dir.join("sp-metadata.xml"), md)?;
    turn_knobs("mellon", dir, lax)?;
    // mod_auth_mellon builds its Lasso server again on every request when configured in
    // a <Location> (its directives are not allowed at server level), and libxmlsec1's
    // keys manager loads OpenSSL's default CA bundle for each certificate of the
    // metadata: about 60 ms a request here, the mellon plan's 40 s. SAML trusts the
    // metadata's keys only, so the bundle is pointed at an empty file (1–2 ms a request).
    let (no_cas, no_ca_dir) = (dir.join("no-system-cas.pem"), dir.join("no-system-cas"));
    std::fs::write(&no_cas, "")?;
    std::fs::create_dir_all(&no_ca_dir)?;
    let line = Launch::exec("mellon", "/usr/sbin/apache2", &apache_args(dir))
        .with_env("SSL_CERT_FILE", no_cas.display().to_string())
        .with_env("SSL_CERT_DIR", no_ca_dir.display().to_string());
    let peer = launch("mellon", port, dir, line).await?;
    Ok((
        peer,
        apache_paths(
            &base,
            "/mellon/login?ReturnTo=",
            "/mellon/logout?ReturnTo=",
            "/mellon/metadata",
        ),
    ))
}

/// Shibboleth SP: a private shibd and Apache with mod_shib (`interop/peers/shibboleth/`).
pub async fn shibboleth_sp(
    dir: &Path,
    idp_metadata: &str,
    idp_entity_id: &str,
    key_pem: &str,
    cert_pem: &str,
    class: &str,
    lax: &str,
) -> anyhow::Result<(Peer, SpPaths)> {
    let port = free_port()?;
    let src = peers_dir().join("shibboleth");
    apache_run_folder(dir, &src, idp_metadata, key_pem, cert_pem)?;
    let run = dir.display().to_string();
    let base = format!("http://127.0.0.1:{port}");
    let vars = [
        ("@RUN@", run.as_str()),
        ("@PORT@", &port.to_string()),
        ("@CLASS@", class),
        ("@BASE@", &base),
        ("@IDP@", idp_entity_id),
    ];
    for (template, out) in [
        ("shibboleth2.xml.in", "shibboleth2.xml"),
        ("httpd.conf.in", "httpd.conf"),
        ("shibd.logger.in", "shibd.logger"),
        ("native.logger.in", "native.logger"),
    ] {
        std::fs::write(
            dir.join(out),
            fill(&std::fs::read_to_string(src.join(template))?, &vars),
        )?;
    }
    // security-policy.xml is Debian 12's, in the run folder for the knobs to edit.
    for f in [
        "attribute-map.xml",
        "attribute-policy.xml",
        "security-policy.xml",
    ] {
        std::fs::copy(src.join(f), dir.join(f))?;
    }
    turn_knobs("shibboleth", dir, lax)?;
    // mod_shib needs shibd's socket before Apache serves a request, and Apache's workers
    // (www-data) connect to it.
    let at = |f: &str| dir.join(f).display().to_string();
    let shibd = command_line(
        "/usr/sbin/shibd",
        &[
            "-F".into(),
            "-f".into(),
            "-c".into(),
            at("shibboleth2.xml"),
            "-p".into(),
            at("shibd.pid"),
        ],
    );
    let sock = quote(&at("shibd.sock"));
    let line = format!(
        "{shibd} &\n\
         i=0; while [ ! -S {sock} ] && [ $i -lt 400 ]; do sleep 0.05; i=$((i+1)); done\n\
         [ -S {sock} ] || {{ echo 'shibd did not open its socket in 20 s'; exit 1; }}\n\
         chmod 777 {sock}\n\
         exec {} > {} 2>&1",
        command_line("/usr/sbin/apache2", &apache_args(dir)),
        quote(&at("apache.log")),
    );
    let peer = launch("shibboleth", port, dir, Launch::shell("shibboleth", line)).await?;
    let paths = apache_paths(
        &base,
        "/Shibboleth.sso/Login?target=",
        "/Shibboleth.sso/Logout?return=",
        "/Shibboleth.sso/Metadata",
    );
    Ok((peer, paths))
}

/// Where and how a SimpleSAMLphp runs: its peer name, run folder and port, whether it may
/// run in a container.
struct SspSite<'a> {
    name: &'static str,
    dir: &'a Path,
    port: u16,
    container: bool,
}

/// A private SimpleSAMLphp under `php -S` from `interop/peers/<name>/`: Debian's
/// config with our overrides appended (later assignments win), our authsources and
/// metadata files, and a docroot of Debian's www entries plus `app_pages`. Debian's files
/// are read where it runs (the host or its image), by the start line.
async fn simplesamlphp(
    site: SspSite<'_>,
    vars: &[(&str, &str)],
    metadata: &[&str],
    app_pages: &[&str],
    lax: &str,
) -> anyhow::Result<Peer> {
    let SspSite {
        name, dir, port, ..
    } = site;
    let src = peers_dir().join(name);
    let read =
        |rel: &str| std::fs::read_to_string(src.join(rel)).with_context(|| format!("{name}/{rel}"));
    for sub in ["config", "metadata", "data", "tmp", "www/app"] {
        std::fs::create_dir_all(dir.join(sub))?;
    }
    std::fs::write(
        dir.join("config").join("overrides.php"),
        fill(&read("config-overrides.php.in")?, vars),
    )?;
    std::fs::write(
        dir.join("config").join("authsources.php"),
        fill(&read("authsources.php.in")?, vars),
    )?;
    for f in metadata {
        std::fs::write(
            dir.join("metadata").join(f),
            fill(&read(&format!("{f}.in"))?, vars),
        )?;
    }
    for page in app_pages {
        std::fs::write(
            dir.join("www").join("app").join(format!("{page}.php")),
            fill(&read(&format!("app/{page}.php.in"))?, vars),
        )?;
    }
    turn_knobs(name, dir, lax)?;
    // php.ini-production's limits (Debian's CLI has none): a request that runs away is
    // stopped as it would be in a deployment.
    let php = command_line(
        "/usr/bin/php",
        &[
            "-d".into(),
            "memory_limit=128M".into(),
            "-d".into(),
            "max_execution_time=30".into(),
            "-S".into(),
            format!("127.0.0.1:{port}"),
            "-t".into(),
            dir.join("www").display().to_string(),
        ],
    );
    let config_dir = dir.join("config").display().to_string();
    let line = format!(
        "debian=/etc/simplesamlphp/config.php\n\
         [ -f $debian ] || {{ echo 'SimpleSAMLphp is not installed (scripts/setup)'; exit 1; }}\n\
         {{ cat $debian; echo; cat {overrides}; }} > {config}\n\
         ln -s /usr/share/simplesamlphp/www/* {www}\n\
         exec {php}",
        overrides = quote(&format!("{config_dir}/overrides.php")),
        config = quote(&format!("{config_dir}/config.php")),
        www = quote(&format!("{}/", dir.join("www").display())),
    );
    let mut launch_line = Launch::shell(image_of(name), line)
        .with_env("SIMPLESAMLPHP_CONFIG_DIR", config_dir)
        .with_env("PHP_CLI_SERVER_WORKERS", "4");
    launch_line.container = site.container;
    launch(name, port, dir, launch_line).await
}

/// SimpleSAMLphp as an SP (`interop/peers/simplesamlphp/`).
pub async fn simplesamlphp_sp(
    dir: &Path,
    idp: &IdpFacts<'_>,
    (key_pem, cert_pem): (&str, &str),
    class: &str,
    lax: &str,
) -> anyhow::Result<(Peer, SpPaths)> {
    use base64::Engine as _;
    let port = free_port()?;
    let (base, run) = (
        format!("http://127.0.0.1:{port}"),
        dir.display().to_string(),
    );
    let cert_b64 = base64::engine::general_purpose::STANDARD.encode(idp.cert_der);
    let vars = [
        ("@RUN@", run.as_str()),
        ("@PORT@", &port.to_string()),
        ("@BASE@", &base),
        ("@IDP@", idp.entity_id),
        ("@IDP_URL@", idp.base_url),
        ("@IDP_CERT@", &cert_b64),
        ("@CLASS@", class),
    ];
    std::fs::create_dir_all(dir)?;
    std::fs::write(dir.join("sp.key"), key_pem)?;
    std::fs::write(dir.join("sp.crt"), cert_pem)?;
    let site = SspSite {
        name: "simplesamlphp",
        dir,
        port,
        container: true,
    };
    let peer = simplesamlphp(
        site,
        &vars,
        &["saml20-idp-remote.php"],
        &["login", "protected", "logout", "loggedout"],
        lax,
    )
    .await?;
    let paths = SpPaths {
        login: "/app/login.php".into(),
        protected: "/app/protected.php".into(),
        logout: Some("/app/logout.php".into()),
        metadata: "/module.php/saml/sp/metadata.php/default-sp".into(),
    };
    Ok((peer, paths))
}

/// SimpleSAMLphp as an IdP with password login (`interop/peers/simplesamlphp-idp/`), for
/// side-by-side benchmarks: always a process on the host (its CPU time is read from its
/// process group). User `testuser` / `testpass`; `sp` is the one SP it knows.
pub async fn simplesamlphp_idp(
    dir: &Path,
    key_pem: &str,
    cert_pem: &str,
    sp: &str,
    sp_acs: &str,
) -> anyhow::Result<Peer> {
    simplesamlphp_idp_where(dir, (key_pem, cert_pem), &[(sp, sp_acs, None)], false).await
}

/// SimpleSAMLphp's IdP (password login, `testuser` / `testpass`) for the SPs `sps`
/// (entityID, ACS, HTTP-Redirect SingleLogoutService if any), each asking for
/// persistent NameIDs.
pub async fn simplesamlphp_idp_for(
    dir: &Path,
    key_pem: &str,
    cert_pem: &str,
    sps: &[(&str, &str, Option<&str>)],
) -> anyhow::Result<Peer> {
    simplesamlphp_idp_where(dir, (key_pem, cert_pem), sps, true).await
}

async fn simplesamlphp_idp_where(
    dir: &Path,
    (key_pem, cert_pem): (&str, &str),
    sps: &[(&str, &str, Option<&str>)],
    container: bool,
) -> anyhow::Result<Peer> {
    let port = free_port()?;
    let (base, run) = (
        format!("http://127.0.0.1:{port}"),
        dir.display().to_string(),
    );
    let php = |s: &str| s.replace('\\', "\\\\").replace('\'', "\\'");
    let entries: String = sps
        .iter()
        .map(|(sp, acs, slo)| {
            let slo = slo
                .map(|u| format!("    'SingleLogoutService' => '{}',\n", php(u)))
                .unwrap_or_default();
            format!(
                "$metadata['{}'] = [\n    'AssertionConsumerService' => '{}',\n{slo}    'NameIDFormat' => 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',\n];\n",
                php(sp),
                php(acs)
            )
        })
        .collect();
    let vars = [
        ("@RUN@", run.as_str()),
        ("@PORT@", &port.to_string()),
        ("@BASE@", &base),
        ("@SP_ENTRIES@", &entries),
    ];
    std::fs::create_dir_all(dir)?;
    std::fs::write(dir.join("idp.key"), key_pem)?;
    std::fs::write(dir.join("idp.crt"), cert_pem)?;
    let site = SspSite {
        name: "simplesamlphp-idp",
        dir,
        port,
        container,
    };
    simplesamlphp(
        site,
        &vars,
        &["saml20-idp-hosted.php", "saml20-sp-remote.php"],
        &[],
        "",
    )
    .await
}

/// What an SP peer needs to know about its IdP.
pub struct IdpFacts<'a> {
    /// The IdP's metadata.
    pub metadata: &'a str,
    /// Its entityID.
    pub entity_id: &'a str,
    /// Its signing certificate (DER).
    pub cert_der: &'a [u8],
    /// Its base URL (SSO at `/sso`).
    pub base_url: &'a str,
}

/// Starts the SP peer `name` (`python3-saml`, `pysaml2`, `lasso`, `ruby-saml`, `mellon`,
/// `shibboleth`, `simplesamlphp`) in `dir`, trusting `idp`, with its own key and
/// certificate (PEM), in its default configuration.
pub async fn start_sp(
    name: &str,
    idp: &IdpFacts<'_>,
    key_pem: &str,
    cert_pem: &str,
    dir: &Path,
) -> anyhow::Result<(Peer, SpPaths)> {
    start_sp_lax(name, idp, (key_pem, cert_pem), dir, "").await
}

/// As [`start_sp`], with the lax knobs `lax` turned (a comma list: [`KNOBS`] for the
/// Apache and PHP peers; for the Python ones, the names their scripts know).
pub async fn start_sp_lax(
    name: &str,
    idp: &IdpFacts<'_>,
    (key_pem, cert_pem): (&str, &str),
    dir: &Path,
    lax: &str,
) -> anyhow::Result<(Peer, SpPaths)> {
    let class = trust_framework::saml::constants::AC_JPKI_USER_AUTH;
    let dir = dir.join(name);
    Ok(match name {
        "mellon" => mellon_sp(&dir, idp.metadata, key_pem, cert_pem, class, lax).await?,
        "simplesamlphp" => simplesamlphp_sp(&dir, idp, (key_pem, cert_pem), class, lax).await?,
        "shibboleth" => {
            let (md, id) = (idp.metadata, idp.entity_id);
            shibboleth_sp(&dir, md, id, key_pem, cert_pem, class, lax).await?
        }
        "python3-saml" | "pysaml2" | "lasso" | "ruby-saml" => (
            scripted_sp(name, &dir, idp.metadata, (key_pem, cert_pem), class, lax).await?,
            SpPaths::scripted(),
        ),
        other => anyhow::bail!("no SP peer {other:?}"),
    })
}

/// The SP peers' own key and certificate (PEM): the test PKI's `sp-3` service credential.
pub fn sp_credential_pem(pki: &mock_ca::Pki) -> anyhow::Result<(String, String)> {
    use rsa::pkcs8::EncodePrivateKey;
    let cred = pki.service_credential("sp-3")?;
    let key = cred
        .key
        .to_pkcs8_pem(rsa::pkcs8::LineEnding::LF)?
        .to_string();
    Ok((key, mock_ca::pki::pem("CERTIFICATE", &cred.certificate)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Shibboleth peer's security policies are Debian 12's own (the knobs edit a copy
    /// in the repository, as a container has no host file to copy).
    #[test]
    fn shibboleths_security_policy_is_debians() {
        let ours = std::fs::read_to_string(peers_dir().join("shibboleth/security-policy.xml"));
        let debian = std::fs::read_to_string("/etc/shibboleth/security-policy.xml")
            .expect("Shibboleth SP is installed (scripts/setup)");
        assert_eq!(ours.unwrap(), debian);
    }

    #[test]
    fn a_command_line_quotes_every_word() {
        let line = command_line("/bin/echo", &["it's".into(), "a b".into()]);
        assert_eq!(line, r"'/bin/echo' 'it'\''s' 'a b'");
    }
}
