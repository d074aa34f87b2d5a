//! Baton's fuzz targets share their checks with the corpus replay test of
//! the normal suite (crates/web/tests/it/fuzz_corpus.rs): see [`checks`].

pub mod checks;

pub use checks::{World, api_body, field_value, import_csv, import_events};
