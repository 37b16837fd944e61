//! ARCHITECTURE.md's layering, enforced: dependencies between workspace crates point
//! down only (mock-card at the bottom, then mock-ca, the CLI on top).

use std::process::Command;

/// Each crate with its layer; a crate may depend only on crates of a lower layer.
const LAYERS: [(&str, u8); 14] = [
    ("xmlsec-ffi", 0),
    ("mock-card", 0),
    ("mock-ca", 1),
    ("trust-framework", 2),
    ("relying-party", 3),
    ("idp", 4),
    ("mock-sp", 4),
    ("reports", 0),
    ("user-agent", 3),
    ("cardholder", 3),
    ("scenarios", 5),
    ("conformance", 5),
    ("fuzzing", 6),
    ("mnctf", 9),
];

#[test]
fn workspace_dependencies_point_down() {
    let out = Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("cargo metadata is JSON");
    let layer = |name: &str| LAYERS.iter().find(|(n, _)| *n == name).map(|(_, l)| *l);
    let packages = meta["packages"].as_array().expect("packages");
    for package in packages {
        let name = package["name"].as_str().unwrap_or_default();
        let Some(own) = layer(name) else {
            panic!("{name} has no layer in this test: add it (and to ARCHITECTURE.md)")
        };
        for dep in package["dependencies"].as_array().into_iter().flatten() {
            let dep_name = dep["name"].as_str().unwrap_or_default();
            if let Some(theirs) = layer(dep_name) {
                assert!(theirs < own, "{name} (layer {own}) depends on {dep_name} (layer {theirs}): dependencies must point down");
            }
        }
    }
}
