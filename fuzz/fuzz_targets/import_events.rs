//! Fuzz target `import_events`: see `baton_fuzz::checks::import_events`.
#![no_main]

use std::sync::OnceLock;

use baton_fuzz::World;
use libfuzzer_sys::fuzz_target;

/// One seeded database per fuzzing process, shared by every input.
static WORLD: OnceLock<World> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    baton_fuzz::import_events(WORLD.get_or_init(World::sqlite), data);
});
