//! Peers as containers (issue 20). When a Docker daemon answers at `DOCKER_HOST` and a
//! peer's image is there (`scripts/images` builds them, `mnctf/peer-<name>`), the peer is
//! started from its image by testcontainers: host network (it listens on 127.0.0.1 like
//! the process would), its run folder and `interop/peers` mounted at their own paths
//! (configuration and scripts in, logs out), the same shell line as the process.
//! Otherwise [`crate::peers`] starts the process. One function decides ([`image_for`]);
//! the tests do not care which.

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

/// The label naming the process a container belongs to.
pub const OWNER_LABEL: &str = "mnctf.owner";

/// Starts `image` running the shell line `line` (output to `dir/peer.log`) with `env`,
/// `dir` and each of `mounts` bind-mounted at their own paths (`mounts` read-only).
pub async fn start(
    image: &str,
    dir: &Path,
    mounts: &[&Path],
    line: &str,
    env: &[(&str, &str)],
) -> anyhow::Result<Running> {
    let (name, tag) = image.split_once(':').unwrap_or((image, TAG));
    let folder = dir.display().to_string();
    let log = crate::peers::quote(&format!("{folder}/peer.log"));
    let script = format!("exec >{log} 2>&1\n{line}");
    let mut request = GenericImage::new(name, tag)
        .with_wait_for(WaitFor::Nothing)
        .with_network("host")
        .with_mount(Mount::bind_mount(folder.clone(), folder.clone()))
        .with_working_dir(folder)
        .with_cmd(["/bin/sh", "-c", &script])
        // Whose it is: `scripts/images` removes only containers whose owner has gone, so
        // that one run's set-up never stops another run's peers.
        .with_label(OWNER_LABEL, std::process::id().to_string());
    for m in mounts {
        let path = m.display().to_string();
        request = request.with_mount(
            Mount::bind_mount(path.clone(), path)
                .with_access_mode(testcontainers::core::AccessMode::ReadOnly),
        );
    }
    for (k, v) in env {
        request = request.with_env_var(*k, *v);
    }
    let container = request
        .start()
        .await
        .map_err(|e| anyhow::anyhow!("starting {image}: {e}"))?;
    Ok(Running(container))
}
