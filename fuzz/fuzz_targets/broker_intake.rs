//! The `broker_intake` property of `fieldmap_fuzz`; the regression test replays the same function.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fieldmap_fuzz::broker_intake(data));
