//! `examples/`: the configuration files a vendor starts from load as they are, and
//! document every key the suite reads (set, or commented out with its explanation).

use std::path::{Path, PathBuf};

use conformance::idp::config::IdpSutConfig;
use conformance::SutConfig;

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../examples")
        .join(name)
}

/// The keys serde accepts in the table `table` (empty: the top level) of type `T`, read
/// from the error an unknown key gets: the list always matches the code.
fn keys<T: serde::de::DeserializeOwned>(table: &str) -> Vec<String> {
    let text = match table {
        "" => "no_such_key = 1".to_owned(),
        t => format!("[{t}]\nno_such_key = 1"),
    };
    let Err(e) = toml::from_str::<T>(&text) else {
        panic!("an unknown key in [{table}] is refused")
    };
    // serde says "expected `a` or `b`" for two keys, "expected one of `a`, `b`, …" for more.
    let message = e.to_string();
    let listed = message
        .split("`no_such_key`, expected ")
        .nth(1)
        .unwrap_or_else(|| panic!("no key list in {message:?}"));
    listed
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

/// Every key of `keys` appears as `key =` or `[key]`, set or commented out.
fn documents(file: &Path, keys: &[String]) {
    let text = std::fs::read_to_string(file).unwrap();
    let lines: Vec<&str> = text
        .lines()
        .map(|l| l.trim_start_matches('#').trim_start())
        .collect();
    for key in keys {
        let shown = lines
            .iter()
            .any(|l| l.starts_with(&format!("{key} =")) || *l == format!("[{key}]"));
        assert!(
            shown,
            "{}: the key {key:?} is not documented",
            file.display()
        );
    }
}

#[test]
fn the_sp_example_loads_and_documents_every_key() {
    let file = example("sp/sut.toml");
    let config = SutConfig::load(&file).expect("examples/sp/sut.toml loads");
    assert!(
        config.expected.is_some_and(|p| p.exists()),
        "its expected-results file exists"
    );
    let mut all = keys::<SutConfig>("");
    assert!(all.len() >= 10, "{all:?}");
    all.extend(keys::<SutConfig>("network"));
    documents(&file, &all);
}

#[test]
fn the_idp_example_loads_and_documents_every_key() {
    let file = example("idp/idp-sut.toml");
    IdpSutConfig::load(&file).expect("examples/idp/idp-sut.toml loads");
    let mut all = keys::<IdpSutConfig>("");
    assert!(all.len() >= 12, "{all:?}");
    for table in ["network", "password", "tls_binding"] {
        all.extend(keys::<IdpSutConfig>(table));
    }
    documents(&file, &all);
}
