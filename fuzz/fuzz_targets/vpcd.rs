#![no_main]
// The `vpcd` target of the fuzzing crate.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    fuzzing::run("vpcd", data);
});
