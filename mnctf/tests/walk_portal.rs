//! The case studies walked in a real browser from `mnctf up`'s portal: Debian's chromium
//! driven by chromedriver (python3-selenium, `tests/browser/walk.py`), the virtual card in
//! the helper, every step checked against what the page says in Japanese, no Debug text or
//! raw URN on any page. Screenshots go to `target/walk/`; `MNCTF_SCREENSHOTS=docs/portal`
//! writes them where the README shows them.

use std::process::Command;

use mnctf::portal::{Portal, PortalPorts};

#[tokio::test(flavor = "multi_thread")]
async fn every_walk_of_the_portal_goes_as_the_page_says() {
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::start(dir.path(), PortalPorts::ANY).await.unwrap();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let shots = match std::env::var_os("MNCTF_SCREENSHOTS") {
        Some(d) => root.join(d),
        None => root.join("target/walk"),
    };
    std::fs::create_dir_all(&shots).unwrap();
    let script = root.join("mnctf/tests/browser/walk.py");
    let url = portal.url.clone();
    let out = tokio::task::spawn_blocking(move || {
        // Debian's python (the selenium package), not a python of the user's PATH.
        Command::new("/usr/bin/python3")
            .arg(script)
            .arg(&url)
            .arg(&shots)
            .env("HOME", std::env::temp_dir())
            .output()
            .expect("python3-selenium and chromium-driver (scripts/setup installs them)")
    })
    .await
    .unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    println!("{said}");
    assert!(
        out.status.success(),
        "{said}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        said.lines().filter(|l| l.starts_with("ok")).count() >= 72,
        "{said}"
    );
}
