#![no_main]
// The `idp_config` target of the fuzzing crate.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    fuzzing::run("idp_config", data);
});
