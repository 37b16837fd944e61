#![no_main]
// The `metadata` target of the fuzzing crate.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    fuzzing::run("metadata", data);
});
