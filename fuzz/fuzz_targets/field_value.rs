//! Fuzz target `field_value`: see `baton_fuzz::checks::field_value`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| baton_fuzz::field_value(data));
