#![no_main]
// The `apdu` target of the fuzzing crate.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    fuzzing::run("apdu", data);
});
