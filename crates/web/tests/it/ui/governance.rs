//! UI tests: governance (being built).
