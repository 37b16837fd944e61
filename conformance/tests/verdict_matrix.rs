//! `docs/conformance/verdict-matrix.md` shows what `conformance/expected/*.toml` hold:
//! the generated part must equal what the files render to. `MNCTF_BLESS=1` rewrites it.

use std::path::Path;

use conformance::{matrix, Expected};

const BEGIN: &str = "<!-- begin: generated from conformance/expected by conformance/tests/verdict_matrix.rs (MNCTF_BLESS=1 to rewrite) -->";
const END: &str = "<!-- end: generated -->";

fn expected(name: &str) -> Expected {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("expected");
    Expected::load(&dir.join(format!("{name}.toml"))).unwrap()
}

#[test]
fn the_verdict_matrix_is_the_expected_files() {
    let names = [
        "mock-sp",
        "python3-saml",
        "pysaml2",
        "lasso",
        "ruby-saml",
        "mellon",
        "shibboleth",
        "simplesamlphp",
    ];
    let files: Vec<Expected> = names.iter().map(|n| expected(n)).collect();
    let with_key = expected("python3-saml-encryption-key").over(&files[1], "enc-");
    let mut columns: Vec<(&str, &Expected)> = names.iter().copied().zip(files.iter()).collect();
    columns.push(("python3-saml + encryption key", &with_key));
    let body = matrix::render(&columns);
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/conformance/verdict-matrix.md");
    let docs = std::fs::read_to_string(&path).unwrap();
    let want =
        matrix::splice_between(&docs, BEGIN, END, &body).expect("the markers are in the document");
    if std::env::var_os("MNCTF_BLESS").is_some() {
        std::fs::write(&path, &want).unwrap();
        return;
    }
    assert!(
        docs == want,
        "{} is not what conformance/expected renders to; rerun with MNCTF_BLESS=1 and read the change",
        path.display()
    );
}

/// `docs/conformance/idp-verdict-matrix.md` shows what the IdPs' expected files hold.
#[test]
fn the_idp_verdict_matrix_is_the_expected_files() {
    use conformance::idp::Role;
    /// A table's title, its role, and its columns (name, expected file).
    type Table<'a> = (&'a str, Role, &'a [(&'a str, &'a str)]);
    let roles: [Table; 3] = [
        (
            "Platforms (role `platform`)",
            Role::Platform,
            &[
                ("our platform", "idp-platform"),
                ("SimpleSAMLphp IdP", "idp-simplesamlphp"),
                ("pysaml2 IdP", "idp-pysaml2"),
            ],
        ),
        (
            "Card IdPs (role `card-idp`)",
            Role::CardIdp,
            &[("our CATV IdP", "idp-catv")],
        ),
        (
            "Attribute authorities (role `attribute-authority`)",
            Role::AttributeAuthority,
            &[("our 税理士 body's authority", "idp-authority")],
        ),
    ];
    let mut body = String::new();
    for (title, role, names) in roles {
        let files: Vec<Expected> = names.iter().map(|(_, f)| expected(f)).collect();
        let columns: Vec<(&str, &Expected)> =
            names.iter().map(|(n, _)| *n).zip(files.iter()).collect();
        body.push_str(&format!("## {title}\n\n"));
        body.push_str(&matrix::render_for(&matrix::idp_test_ids(role), &columns));
        body.push('\n');
    }
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/conformance/idp-verdict-matrix.md");
    let docs = std::fs::read_to_string(&path).unwrap();
    let want =
        matrix::splice_between(&docs, BEGIN, END, &body).expect("the markers are in the document");
    if std::env::var_os("MNCTF_BLESS").is_some() {
        std::fs::write(&path, &want).unwrap();
        return;
    }
    assert!(
        docs == want,
        "{} is not what conformance/expected renders to; rerun with MNCTF_BLESS=1 and read the change",
        path.display()
    );
}
