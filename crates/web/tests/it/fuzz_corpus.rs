//! The fuzz corpus, replayed: every file of `fuzz/corpus/<target>/` goes
//! through the same check as its cargo-fuzz target (the checks file is
//! shared, see `fuzz/src/checks.rs`), on SQLite and on PostgreSQL. CI has no
//! cargo-fuzz; this keeps what the fuzzer found, crashes included, from
//! coming back.

use std::path::PathBuf;

#[path = "../../../../fuzz/src/checks.rs"]
mod checks;

use checks::World;

/// The corpus of one target, each file with its name (for the failure).
fn corpus(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target);
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| {
            let path = entry.expect("a directory entry").path();
            let bytes = std::fs::read(&path).expect("a corpus file");
            (path.display().to_string(), bytes)
        })
        .collect();
    files.sort();
    // An empty corpus would make the replay pass without checking anything.
    assert!(
        files.len() >= 5,
        "{} holds {} files",
        dir.display(),
        files.len()
    );
    files
}

/// Runs `check` on every file of `target`'s corpus, naming the file that
/// fails.
fn replay(target: &str, check: impl Fn(&[u8])) {
    for (name, bytes) in corpus(target) {
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check(&bytes)));
        assert!(outcome.is_ok(), "the {target} check fails on {name}");
    }
}

/// Replays a database-backed target on SQLite, then on PostgreSQL when one is
/// configured.
fn replay_on_both_backends(target: &str, check: fn(&World, &[u8])) {
    let w = World::sqlite();
    replay(target, |data| check(&w, data));
    drop(w);
    if let Some(w) = World::postgres() {
        replay(target, |data| check(&w, data));
    }
}

#[test]
fn the_import_events_corpus_passes_its_checks() {
    replay_on_both_backends("import_events", checks::import_events);
}

#[test]
fn the_import_csv_corpus_passes_its_checks() {
    replay_on_both_backends("import_csv", checks::import_csv);
}

#[test]
fn the_api_body_corpus_passes_its_checks() {
    replay_on_both_backends("api_body", checks::api_body);
}

#[test]
fn the_field_value_corpus_passes_its_checks() {
    replay("field_value", checks::field_value);
}
