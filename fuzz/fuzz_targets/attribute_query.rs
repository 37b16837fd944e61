#![no_main]
// The `attribute_query` target of the fuzzing crate.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    fuzzing::run("attribute_query", data);
});
