//! What one use case writes, as the app hands it to the store: events with
//! their places in their streams, and the aggregates they changed.

use baton_domain::account::Account;
use baton_domain::contract::Contract;
use baton_domain::event::{Event, Via};
use baton_domain::{Email, Handoff, Timestamp};

/// An event to append, with its place in its stream.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    /// What happened.
    pub event: Event,
    /// Its position in its stream: the aggregate's version after it. Two
    /// writers that read the same version collide here, and one gets a
    /// conflict instead of a lost update.
    pub stream_seq: u64,
    /// How it entered Baton.
    pub via: Via,
    /// When Baton stored it.
    pub recorded_at: Timestamp,
}

/// Everything one use case writes: events plus the aggregates they changed,
/// already folded by the domain.
#[derive(Debug, Clone, Default)]
pub struct Change {
    /// Events, in order.
    pub events: Vec<NewEvent>,
    /// Handoffs to upsert.
    pub handoffs: Vec<Handoff>,
    /// Accounts to upsert.
    pub accounts: Vec<Account>,
    /// Contracts to upsert (new versions come from their events).
    pub contracts: Vec<Contract>,
    /// Password hashes to set (never part of the log).
    pub credentials: Vec<(Email, String)>,
    /// The org stream's version after this change, when org events are in it.
    pub org_version: Option<u64>,
}

impl Change {
    /// Appends an event.
    pub fn push(&mut self, event: Event, stream_seq: u64, via: Via, recorded_at: Timestamp) {
        self.events.push(NewEvent {
            event,
            stream_seq,
            via,
            recorded_at,
        });
    }
}
