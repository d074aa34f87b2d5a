//! The demo generator (written by the demo-generator helper).
