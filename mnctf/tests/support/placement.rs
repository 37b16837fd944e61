//! Where a peer ran. `MNCTF_PEERS=containers` (scripts/test, after scripts/images)
//! requires a peer with an image (`interop/images/<image>.Dockerfile`) to run from it,
//! `processes` requires a process: neither path may stand in for the other unnoticed.

use std::path::Path;

use mnctf::peers::Peer;

pub fn how_it_runs(peer: &Peer) {
    let image = mnctf::peers::image_of(&peer.name);
    let has_image = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../interop/images")
        .join(format!("{image}.Dockerfile"))
        .exists();
    match std::env::var("MNCTF_PEERS").as_deref() {
        Ok("containers") if has_image => assert!(
            peer.in_a_container(),
            "{} has an image but ran as a process (is the daemon at DOCKER_HOST up?)",
            peer.name
        ),
        Ok("processes") => assert!(!peer.in_a_container(), "{} ran in a container", peer.name),
        _ => {}
    }
}
