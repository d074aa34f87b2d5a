//! Protocol-faithful simulators of the CRMs Baton connects to, served on
//! 127.0.0.1 for tests: the vendors' documented URLs, authentication,
//! pagination, error bodies, rate-limit answers and field types. Each module
//! cites the reference pages it follows. Tests drive them through their
//! handles (add and change records, inject faults, read what Baton wrote).

pub mod hubspot;
pub mod salesforce;
