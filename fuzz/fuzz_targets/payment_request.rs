#![no_main]
// The `payment_request` target of the fuzzing crate.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    fuzzing::run("payment_request", data);
});
