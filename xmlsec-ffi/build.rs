//! Compiles the C glue (csrc/sign.c) against the system's libxmlsec1 headers; the
//! libraries themselves are linked by samael's build, which this crate relies on.

fn main() {
    println!("cargo:rerun-if-changed=csrc/sign.c");
    let xmlsec = pkg_config::Config::new()
        .cargo_metadata(false)
        .probe("xmlsec1")
        .expect("libxmlsec1's headers (Debian: libxmlsec1-dev, installed by scripts/setup)");
    let mut build = cc::Build::new();
    build
        .file("csrc/sign.c")
        .warnings(true)
        .extra_warnings(true);
    for dir in &xmlsec.include_paths {
        build.include(dir);
    }
    for (name, value) in &xmlsec.defines {
        build.define(name, value.as_deref());
    }
    build.compile("mnctf_xmlsec");
}
