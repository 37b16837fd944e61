#![no_main]
// The `saml_redirect` target of the fuzzing crate.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    fuzzing::run("saml_redirect", data);
});
