#![no_main]
// The `certificate` target of the fuzzing crate.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    fuzzing::run("certificate", data);
});
