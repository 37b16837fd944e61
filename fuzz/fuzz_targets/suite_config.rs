#![no_main]
// The `suite_config` target of the fuzzing crate.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    fuzzing::run("suite_config", data);
});
