#![no_main]
// The `registration` target of the fuzzing crate.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    fuzzing::run("registration", data);
});
