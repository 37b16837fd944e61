#![no_main]
// The `ocsp_response` target of the fuzzing crate.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    fuzzing::run("ocsp_response", data);
});
