//! UI tests: scorecard (being built).
