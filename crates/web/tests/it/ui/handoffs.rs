//! UI tests: handoffs (being built).
