//! Peers as containers (issue 20). When a Docker daemon answers at `DOCKER_HOST` and a
//! peer's image is there (`scripts/images` builds them, `mnctf/peer-<name>`), the peer is
//! started from its image by testcontainers: host network (it listens on 127.0.0.1 like
//! the process would), its run folder mounted at the same path (configuration in, log
//! out), the same command line as the process. Otherwise [`crate::peers`] starts the
//! process. One function decides ([`image_for`]); the tests do not care which.

use std::path::Path;

use testcontainers::core::{Mount, WaitFor};
use testcontainers::runners::AsyncRunner as _;
use testcontainers::{ContainerAsync, GenericImage, ImageExt as _};

/// The images' repository prefix and tag (built locally, never pulled).
const PREFIX: &str = "mnctf/peer-";
const TAG: &str = "latest";

/// A peer's running container; removed when dropped.
pub struct Running(#[allow(dead_code)] ContainerAsync<GenericImage>);

/// Whether containers may be used: `DOCKER_HOST` names a Unix socket that exists, and
/// `MNCTF_PEERS` is not `processes`.
fn daemon() -> Option<String> {
    if std::env::var("MNCTF_PEERS").as_deref() == Ok("processes") {
        return None;
    }
    let host = std::env::var("DOCKER_HOST").ok()?;
    let socket = host.strip_prefix("unix://")?;
    Path::new(socket).exists().then(|| socket.to_owned())
}

/// The image to start `peer` from, if containers are in use and it was built.
pub async fn image_for(peer: &str) -> Option<String> {
    let socket = daemon()?;
    let name = format!("{PREFIX}{peer}:{TAG}");
    let found = tokio::process::Command::new("docker")
        .args(["-H", &format!("unix://{socket}"), "image", "inspect", &name])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .await
        .is_ok_and(|s| s.success());
    found.then_some(name)
}

/// Starts `image` with `program args` (output to `dir/peer.log`) and `env`, `dir` mounted.
pub async fn start(
    image: &str,
    dir: &Path,
    program: &str,
    args: &[String],
    env: &[(&str, &str)],
) -> anyhow::Result<Running> {
    let (name, tag) = image.split_once(':').unwrap_or((image, TAG));
    let folder = dir.display().to_string();
    let mut line = format!("exec {program}");
    for a in args {
        line.push_str(&format!(" '{}'", a.replace('\'', r"'\''")));
    }
    line.push_str(&format!(" > '{folder}/peer.log' 2>&1"));
    let mut request = GenericImage::new(name, tag)
        .with_wait_for(WaitFor::Nothing)
        .with_network("host")
        .with_mount(Mount::bind_mount(folder.clone(), folder.clone()))
        .with_working_dir(folder)
        .with_cmd(["/bin/sh", "-c", &line]);
    for (k, v) in env {
        request = request.with_env_var(*k, *v);
    }
    let container = request
        .start()
        .await
        .map_err(|e| anyhow::anyhow!("starting {image}: {e}"))?;
    Ok(Running(container))
}
