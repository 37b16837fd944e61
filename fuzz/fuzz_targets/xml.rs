#![no_main]
// The `xml` target of the fuzzing crate.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    fuzzing::run("xml", data);
});
