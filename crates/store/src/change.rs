//! What one use case writes, as the app hands it to the store: events with
//! their places in their streams, and the aggregates they changed.

use baton_domain::account::Account;
use baton_domain::contract::Contract;
use baton_domain::event::{Event, Via};
use baton_domain::{Directory, Email, Handoff, Timestamp};

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
    /// Billing events this change applies, recorded in its transaction so
    /// that one is applied once however often it is delivered.
    pub billing: Vec<crate::BillingRecord>,
    /// Survey responses this change records against an account (or assigns
    /// to one), in its transaction so that each is recorded once.
    pub surveys: Vec<crate::SurveyWrite>,
}

/// Each aggregate's events are added with the aggregate they made, so an
/// event's place in its stream is always the version the aggregate reached
/// by it: a caller cannot number events apart from the state they write.
impl Change {
    /// The events that made `handoff` what it is (each already applied to
    /// it, in order, with how it came in), and the handoff to write.
    pub fn handoff(
        &mut self,
        handoff: Handoff,
        events: impl IntoIterator<Item = (Event, Via)>,
        at: Timestamp,
    ) {
        let events: Vec<(Event, Via)> = events.into_iter().collect();
        let first = handoff.stream_version + 1 - events.len() as u64;
        for (i, (e, via)) in events.into_iter().enumerate() {
            self.push(e, first + i as u64, via, at);
        }
        self.handoffs.push(handoff);
    }

    /// The events that made `account` what it is (each already applied to
    /// it, in order), and the account to write.
    pub fn account(&mut self, account: Account, events: Vec<Event>, via: Via, at: Timestamp) {
        let first = account.stream_version + 1 - events.len() as u64;
        for (i, e) in events.into_iter().enumerate() {
            self.push(e, first + i as u64, via, at);
        }
        self.accounts.push(account);
    }

    /// The event that made `contract` what it is, and the contract to write.
    pub fn contract(&mut self, contract: Contract, event: Event, via: Via, at: Timestamp) {
        self.push(event, contract.stream_version, via, at);
        self.contracts.push(contract);
    }

    /// Org events decided on `dir`, each applied to it as it is added (the
    /// next decision of the same change is made on the directory the
    /// earlier ones left), at its place on the org's stream.
    pub fn org(
        &mut self,
        dir: &mut Directory,
        events: impl IntoIterator<Item = Event>,
        via: Via,
        at: Timestamp,
    ) {
        for e in events {
            dir.apply(&e);
            self.push(e, dir.version, via, at);
        }
        self.org_version = Some(dir.version);
    }

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
