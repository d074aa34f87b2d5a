//! The Salesforce simulator (to be built).
