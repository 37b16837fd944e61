#![no_main]
// The `sp_response` target of the fuzzing crate.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    fuzzing::run("sp_response", data);
});
