//! UI tests: contracts (being built).
