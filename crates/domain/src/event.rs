//! Events: every change in Baton is one of these, appended to the log with its
//! actor and time. Current state is a fold of them. The serialized form is the
//! JSON Lines history format of SPEC §9, so the log, the export and the import
//! speak one language.
//!
//! Kept in one file (about 870 lines) on purpose: the enum is the reference
//! of the §9 history format, one variant per kind of line with its fields
//! documented, and `kind`, `at` and `stream` beside it cover every variant.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::Timestamp;
use crate::contract::def::{ContractDef, Mode};
use crate::field::FieldDef;
use crate::handoff::attachment::Attachment;
use crate::id::{AccountId, ContractKey, DealId, Email, FieldKey, HandoffId, OrgId, TeamKey};
use crate::money::{Currency, Money, Rate};
use crate::org::Role;

/// Field values keyed by field key; sorted, so serialization is canonical.
pub type Values = BTreeMap<FieldKey, Value>;

/// One change. The `type` tag names the kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Event {
    /// An org was created.
    OrgCreated {
        /// Its id.
        org: OrgId,
        /// Its display name.
        name: String,
        /// When.
        at: Timestamp,
    },
    /// A team was created.
    TeamCreated {
        /// Its key.
        team: TeamKey,
        /// Its display name.
        name: String,
        /// When.
        at: Timestamp,
    },
    /// A user was created.
    UserCreated {
        /// Their email.
        email: Email,
        /// Their name.
        name: String,
        /// Whether they administer the org.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        admin: bool,
        /// Who created them.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by: Option<Email>,
        /// When.
        at: Timestamp,
    },
    /// A user joined a team (or changed role in it).
    MemberAdded {
        /// The user.
        email: Email,
        /// The team.
        team: TeamKey,
        /// Their role in it.
        role: Role,
        /// Who added them.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by: Option<Email>,
        /// When.
        at: Timestamp,
    },
    /// A user left a team.
    MemberRemoved {
        /// The user.
        email: Email,
        /// The team.
        team: TeamKey,
        /// Who removed them.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by: Option<Email>,
        /// When.
        at: Timestamp,
    },
    /// A user was deactivated (a leaver): they can no longer sign in, and
    /// their sessions and tokens end; their history stays.
    UserDeactivated {
        /// The user.
        email: Email,
        /// Who deactivated them.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by: Option<Email>,
        /// When.
        at: Timestamp,
    },
    /// A deactivated user was let back in.
    UserReactivated {
        /// The user.
        email: Email,
        /// Who reactivated them.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by: Option<Email>,
        /// When.
        at: Timestamp,
    },
    /// An admin set how the org's people sign in.
    SignInSet {
        /// Whether password sign-in is allowed.
        password: bool,
        /// The team people signing in with SSO for the first time join
        /// (none: only people already in the org may sign in).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sso_team: Option<TeamKey>,
        /// The email domains whose people may join that way.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        sso_domains: Vec<String>,
        /// Who.
        by: Email,
        /// When.
        at: Timestamp,
    },
    /// An admin set the currency the org's money is reported in (the leak
    /// audit converts every amount into it; see `fx`).
    ReportingCurrencySet {
        /// The reporting currency from now on.
        currency: Currency,
        /// The admin.
        by: Email,
        /// When.
        at: Timestamp,
    },
    /// An admin set an exchange rate: from `effective` on (UTC dates), one
    /// unit of `currency` is worth `rate` units of `to`, the reporting
    /// currency at the time. A later rate for the same date replaces it.
    FxRateSet {
        /// The currency converted.
        currency: Currency,
        /// The currency it converts into (the reporting currency).
        to: Currency,
        /// Units of `to` per unit of `currency`, an exact decimal.
        rate: Rate,
        /// The first day it applies to.
        effective: jiff::civil::Date,
        /// The admin.
        by: Email,
        /// When.
        at: Timestamp,
    },
    /// A contract version was published.
    ContractPublished {
        /// The contract.
        contract: ContractKey,
        /// The new version number.
        version: u32,
        /// The whole definition, immutable from now on.
        definition: Box<ContractDef>,
        /// Who published it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by: Option<Email>,
        /// When.
        at: Timestamp,
    },
    /// A contract switched between observe and gated.
    ModeChanged {
        /// The contract.
        contract: ContractKey,
        /// The new mode.
        mode: Mode,
        /// Who switched it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by: Option<Email>,
        /// When.
        at: Timestamp,
    },
    /// A member of the sending team proposed a change to a contract. The
    /// receiving team holds the pen: a proposal changes nothing until one
    /// of its leads publishes a version.
    ContractProposed {
        /// The contract.
        contract: ContractKey,
        /// The version the proposal was made against.
        version: u32,
        /// What should change, and why.
        summary: String,
        /// Field definitions proposed (new fields, or new wording of existing ones).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        fields: Vec<FieldDef>,
        /// Who proposed it.
        by: Email,
        /// When.
        at: Timestamp,
    },
    /// A lead of the receiving team (or an admin) answered a proposal:
    /// accepted it (to be written into a version they publish) or declined
    /// it, saying why either way.
    ProposalAnswered {
        /// The contract.
        contract: ContractKey,
        /// The proposal: its position on the contract's stream (stable when
        /// the log is replayed into another store, unlike the org-wide
        /// sequence number).
        proposal: u64,
        /// Accepted (true) or declined.
        accepted: bool,
        /// Why, in the lead's words.
        reason: String,
        /// Who answered.
        by: Email,
        /// When.
        at: Timestamp,
    },
    /// A contract moved to a phase of the rollout plan (SPEC §6), with the
    /// planned start date of each phase. An admin who launches a second
    /// contract into gating in parallel records why.
    RolloutChanged {
        /// The contract.
        contract: ContractKey,
        /// The phase it is in from now on.
        phase: crate::rollout::phase::Phase,
        /// Planned start dates per phase.
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        planned: BTreeMap<crate::rollout::phase::Phase, jiff::civil::Date>,
        /// Why the sequencing rule was overridden, when it was.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        override_reason: Option<String>,
        /// Who.
        by: Email,
        /// When.
        at: Timestamp,
    },
    /// Baton drew a handoff for a sampled concrete test (SPEC §6).
    AuditSampled {
        /// The audit's id.
        audit: String,
        /// The contract under test.
        contract: ContractKey,
        /// The handoff drawn.
        handoff: HandoffId,
        /// The audit question(s) shown to the auditor.
        questions: Vec<String>,
        /// Who asked for the sample.
        by: Email,
        /// When.
        at: Timestamp,
    },
    /// The auditor's answer to a sampled concrete test.
    AuditRecorded {
        /// The audit's id.
        audit: String,
        /// The contract under test.
        contract: ContractKey,
        /// What the receiver could (or could not) state.
        answer: String,
        /// Whether the handoff passed.
        passed: bool,
        /// The auditor.
        by: Email,
        /// When.
        at: Timestamp,
    },
    /// An account was created or its record changed.
    Account {
        /// The CRM's id.
        id: AccountId,
        /// Name.
        name: String,
        /// ARR.
        arr: Money,
        /// Segment.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        segment: Option<String>,
        /// When (history lines may omit it; the import then stamps it).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        at: Option<Timestamp>,
    },
    /// A sender started a handoff.
    DraftCreated {
        /// The handoff.
        handoff: HandoffId,
        /// Its contract.
        contract: ContractKey,
        /// The contract version it is bound to.
        version: u32,
        /// The account.
        account: AccountId,
        /// The CRM deal it hands off (SPEC §11): its gate is that deal's.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        deal: Option<DealId>,
        /// The team it goes to.
        to: TeamKey,
        /// The sender.
        by: Email,
        /// When.
        at: Timestamp,
        /// Initial values (including carried ones).
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        values: Values,
        /// Fields prefilled from an earlier handoff.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        carried: Vec<FieldKey>,
        /// Context attached.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        attachments: Vec<Attachment>,
    },
    /// The sender changed values or attachments of a draft or rejected handoff.
    Edited {
        /// The handoff.
        handoff: HandoffId,
        /// Who.
        by: Email,
        /// When.
        at: Timestamp,
        /// Values merged over the current ones (null clears).
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        values: Values,
        /// Attachments added.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        attachments: Vec<Attachment>,
    },
    /// The sender submitted (or resubmitted) the handoff.
    Submitted {
        /// The handoff.
        handoff: HandoffId,
        /// Its contract (required on a history handoff's first line).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        contract: Option<ContractKey>,
        /// The account (required on a history handoff's first line).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        account: Option<AccountId>,
        /// The CRM deal (history lines may name it; see `DraftCreated`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        deal: Option<DealId>,
        /// The contract version (filled in by Baton).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        version: Option<u32>,
        /// The receiving team (filled in by Baton).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        to: Option<TeamKey>,
        /// Who.
        by: Email,
        /// When.
        at: Timestamp,
        /// Values merged over the earlier ones.
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        values: Values,
        /// The submission's score (computed by Baton).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        score: Option<u8>,
    },
    /// The receiver sent it back for rework.
    Rejected {
        /// The handoff.
        handoff: HandoffId,
        /// Who.
        by: Email,
        /// When.
        at: Timestamp,
        /// A reason code from the contract's list.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        code: Option<String>,
        /// What was wrong, in words.
        #[serde(default)]
        reason: String,
        /// The deficient fields.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        fields: Vec<FieldKey>,
    },
    /// The receiver accepted: the gate opens.
    Accepted {
        /// The handoff.
        handoff: HandoffId,
        /// Who.
        by: Email,
        /// When.
        at: Timestamp,
        /// Receiver-owned values (e.g. `ack_eta`).
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        values: Values,
    },
    /// The sender withdrew it.
    Withdrawn {
        /// The handoff.
        handoff: HandoffId,
        /// Who.
        by: Email,
        /// When.
        at: Timestamp,
    },
    /// The receiver acknowledged (or revised) the ETA.
    Acknowledged {
        /// The handoff.
        handoff: HandoffId,
        /// Who.
        by: Email,
        /// When.
        at: Timestamp,
        /// The promised resolution time.
        eta: Timestamp,
    },
    /// A status echo from the receiver.
    Echo {
        /// The handoff.
        handoff: HandoffId,
        /// Who.
        by: Email,
        /// When.
        at: Timestamp,
        /// The status.
        note: String,
    },
    /// The receiver resolved the issue.
    Resolved {
        /// The handoff.
        handoff: HandoffId,
        /// Who.
        by: Email,
        /// When.
        at: Timestamp,
        /// The resolution.
        note: String,
    },
    /// The receiver's first personal touch of the lead after acceptance (a
    /// call, an email): what a first-touch SLA measures.
    FirstTouch {
        /// The handoff.
        handoff: HandoffId,
        /// Who reached out.
        by: Email,
        /// When.
        at: Timestamp,
        /// How: one of the first-touch channels (`handoff::FIRST_TOUCH_CHANNELS`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        channel: Option<String>,
        /// What happened, in words.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    /// The communication owner closed the loop with the customer.
    LoopClosed {
        /// The handoff.
        handoff: HandoffId,
        /// Who.
        by: Email,
        /// When.
        at: Timestamp,
        /// What the customer was told.
        note: String,
    },
    /// A deadline of the handoff passed unmet (recorded by Baton's SLA
    /// job, once per deadline).
    SlaBreached {
        /// The handoff.
        handoff: HandoffId,
        /// Which promise was broken.
        kind: crate::sla::kind::SlaKind,
        /// When it fell due.
        due: Timestamp,
        /// When Baton recorded the breach.
        at: Timestamp,
    },
    /// Someone answered an attestation question.
    Attested {
        /// The handoff.
        handoff: HandoffId,
        /// Who.
        by: Email,
        /// When.
        at: Timestamp,
        /// The question.
        question: String,
        /// Their answer.
        answer: String,
    },
    /// The customer was asked something a previous team already answered.
    Rediscovery {
        /// The account.
        account: AccountId,
        /// The handoff it counts against, if known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        handoff: Option<HandoffId>,
        /// The field re-asked, if known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        field: Option<FieldKey>,
        /// What happened.
        #[serde(default)]
        note: String,
        /// Who reported it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by: Option<Email>,
        /// When.
        at: Timestamp,
    },
    /// A conversation note about an account: a call summary, a transcript.
    /// Baton looks in it for questions that re-ask what a handoff answered.
    Note {
        /// The account.
        account: AccountId,
        /// Who wrote it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        author: Option<Email>,
        /// The author's team (the side that asked).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        team: Option<TeamKey>,
        /// The note.
        text: String,
        /// When the conversation happened.
        at: Timestamp,
    },
    /// A question in a note re-asks a field an accepted handoff answered: a
    /// suggested re-discovery incident, with its evidence, for a person to
    /// confirm or dismiss.
    RediscoverySuggested {
        /// The suggestion's id.
        id: String,
        /// The account.
        account: AccountId,
        /// The handoff that answered it.
        handoff: HandoffId,
        /// That handoff's contract.
        contract: ContractKey,
        /// The field re-asked.
        field: FieldKey,
        /// The question, as written in the note.
        question: String,
        /// The answer on record.
        answer: String,
        /// How strongly it matched, in thousandths.
        score: u16,
        /// Who wrote the note.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        author: Option<Email>,
        /// The note's team.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        team: Option<TeamKey>,
        /// When the question was asked (the note's time).
        at: Timestamp,
    },
    /// A person confirmed (it counts as a re-discovery incident) or
    /// dismissed a suggestion.
    SuggestionDecided {
        /// The suggestion.
        id: String,
        /// The account.
        account: AccountId,
        /// Confirmed (true) or dismissed.
        confirmed: bool,
        /// Who decided.
        by: Email,
        /// When.
        at: Timestamp,
    },
    /// An NPS response.
    Nps {
        /// The account.
        account: AccountId,
        /// 0–10.
        score: u8,
        /// When.
        at: Timestamp,
    },
    /// The account churned.
    Churn {
        /// The account.
        account: AccountId,
        /// When.
        at: Timestamp,
        /// ARR lost.
        arr_lost: Money,
    },
}

/// Every event kind, as [`Event::kind`] names them (what webhook
/// subscriptions may select).
pub const KINDS: &[&str] = &[
    "org_created",
    "team_created",
    "user_created",
    "member_added",
    "member_removed",
    "user_deactivated",
    "user_reactivated",
    "sign_in_set",
    "reporting_currency_set",
    "fx_rate_set",
    "contract_published",
    "mode_changed",
    "contract_proposed",
    "proposal_answered",
    "rollout_changed",
    "audit_sampled",
    "audit_recorded",
    "account",
    "draft_created",
    "edited",
    "submitted",
    "rejected",
    "accepted",
    "first_touch",
    "withdrawn",
    "acknowledged",
    "echo",
    "resolved",
    "loop_closed",
    "attested",
    "sla_breached",
    "rediscovery",
    "note",
    "rediscovery_suggested",
    "suggestion_decided",
    "nps",
    "churn",
];

impl Event {
    /// The `type` tag.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::OrgCreated { .. } => "org_created",
            Self::TeamCreated { .. } => "team_created",
            Self::UserCreated { .. } => "user_created",
            Self::MemberAdded { .. } => "member_added",
            Self::MemberRemoved { .. } => "member_removed",
            Self::UserDeactivated { .. } => "user_deactivated",
            Self::UserReactivated { .. } => "user_reactivated",
            Self::SignInSet { .. } => "sign_in_set",
            Self::ReportingCurrencySet { .. } => "reporting_currency_set",
            Self::FxRateSet { .. } => "fx_rate_set",
            Self::ContractPublished { .. } => "contract_published",
            Self::ModeChanged { .. } => "mode_changed",
            Self::ContractProposed { .. } => "contract_proposed",
            Self::ProposalAnswered { .. } => "proposal_answered",
            Self::RolloutChanged { .. } => "rollout_changed",
            Self::AuditSampled { .. } => "audit_sampled",
            Self::AuditRecorded { .. } => "audit_recorded",
            Self::Account { .. } => "account",
            Self::DraftCreated { .. } => "draft_created",
            Self::Edited { .. } => "edited",
            Self::Submitted { .. } => "submitted",
            Self::Rejected { .. } => "rejected",
            Self::Accepted { .. } => "accepted",
            Self::FirstTouch { .. } => "first_touch",
            Self::Withdrawn { .. } => "withdrawn",
            Self::Acknowledged { .. } => "acknowledged",
            Self::Echo { .. } => "echo",
            Self::Resolved { .. } => "resolved",
            Self::LoopClosed { .. } => "loop_closed",
            Self::Attested { .. } => "attested",
            Self::SlaBreached { .. } => "sla_breached",
            Self::Rediscovery { .. } => "rediscovery",
            Self::Note { .. } => "note",
            Self::RediscoverySuggested { .. } => "rediscovery_suggested",
            Self::SuggestionDecided { .. } => "suggestion_decided",
            Self::Nps { .. } => "nps",
            Self::Churn { .. } => "churn",
        }
    }

    /// The business time: when it happened.
    pub fn at(&self) -> Option<Timestamp> {
        match self {
            Self::Account { at, .. } => *at,
            Self::OrgCreated { at, .. }
            | Self::TeamCreated { at, .. }
            | Self::UserCreated { at, .. }
            | Self::MemberAdded { at, .. }
            | Self::MemberRemoved { at, .. }
            | Self::UserDeactivated { at, .. }
            | Self::UserReactivated { at, .. }
            | Self::SignInSet { at, .. }
            | Self::ReportingCurrencySet { at, .. }
            | Self::FxRateSet { at, .. }
            | Self::ContractPublished { at, .. }
            | Self::ModeChanged { at, .. }
            | Self::ContractProposed { at, .. }
            | Self::ProposalAnswered { at, .. }
            | Self::RolloutChanged { at, .. }
            | Self::AuditSampled { at, .. }
            | Self::AuditRecorded { at, .. }
            | Self::DraftCreated { at, .. }
            | Self::Edited { at, .. }
            | Self::Submitted { at, .. }
            | Self::Rejected { at, .. }
            | Self::Accepted { at, .. }
            | Self::FirstTouch { at, .. }
            | Self::Withdrawn { at, .. }
            | Self::Acknowledged { at, .. }
            | Self::Echo { at, .. }
            | Self::Resolved { at, .. }
            | Self::LoopClosed { at, .. }
            | Self::Attested { at, .. }
            | Self::SlaBreached { at, .. }
            | Self::Rediscovery { at, .. }
            | Self::Note { at, .. }
            | Self::RediscoverySuggested { at, .. }
            | Self::SuggestionDecided { at, .. }
            | Self::Nps { at, .. }
            | Self::Churn { at, .. } => Some(*at),
        }
    }

    /// Who did it, when a person did.
    pub fn actor(&self) -> Option<&Email> {
        match self {
            Self::UserCreated { by, .. }
            | Self::MemberAdded { by, .. }
            | Self::MemberRemoved { by, .. }
            | Self::UserDeactivated { by, .. }
            | Self::UserReactivated { by, .. }
            | Self::ContractPublished { by, .. }
            | Self::ModeChanged { by, .. }
            | Self::Rediscovery { by, .. } => by.as_ref(),
            Self::Note { author, .. } => author.as_ref(),
            Self::SuggestionDecided { by, .. }
            | Self::SignInSet { by, .. }
            | Self::ReportingCurrencySet { by, .. }
            | Self::FxRateSet { by, .. } => Some(by),
            Self::ContractProposed { by, .. }
            | Self::ProposalAnswered { by, .. }
            | Self::RolloutChanged { by, .. }
            | Self::AuditSampled { by, .. }
            | Self::AuditRecorded { by, .. }
            | Self::DraftCreated { by, .. }
            | Self::Edited { by, .. }
            | Self::Submitted { by, .. }
            | Self::Rejected { by, .. }
            | Self::Accepted { by, .. }
            | Self::FirstTouch { by, .. }
            | Self::Withdrawn { by, .. }
            | Self::Acknowledged { by, .. }
            | Self::Echo { by, .. }
            | Self::Resolved { by, .. }
            | Self::LoopClosed { by, .. }
            | Self::Attested { by, .. } => Some(by),
            Self::OrgCreated { .. }
            | Self::TeamCreated { .. }
            | Self::Account { .. }
            | Self::SlaBreached { .. }
            | Self::RediscoverySuggested { .. }
            | Self::Nps { .. }
            | Self::Churn { .. } => None,
        }
    }

    /// The stream (aggregate) the event belongs to: its optimistic-concurrency
    /// unit and the projection it changes.
    pub fn stream(&self) -> Stream {
        match self {
            Self::OrgCreated { .. }
            | Self::TeamCreated { .. }
            | Self::UserCreated { .. }
            | Self::MemberAdded { .. }
            | Self::MemberRemoved { .. }
            | Self::UserDeactivated { .. }
            | Self::UserReactivated { .. }
            | Self::SignInSet { .. }
            | Self::ReportingCurrencySet { .. }
            | Self::FxRateSet { .. } => Stream::Org,
            Self::ContractPublished { contract, .. }
            | Self::ModeChanged { contract, .. }
            | Self::ContractProposed { contract, .. }
            | Self::ProposalAnswered { contract, .. } => Stream::Contract(contract.clone()),
            Self::RolloutChanged { .. } => Stream::Rollout,
            Self::AuditSampled { contract, .. } | Self::AuditRecorded { contract, .. } => {
                Stream::Audit(contract.clone())
            }
            Self::Account { id: account, .. }
            | Self::Rediscovery { account, .. }
            | Self::Note { account, .. }
            | Self::RediscoverySuggested { account, .. }
            | Self::SuggestionDecided { account, .. }
            | Self::Nps { account, .. }
            | Self::Churn { account, .. } => Stream::Account(account.clone()),
            Self::DraftCreated { handoff, .. }
            | Self::Edited { handoff, .. }
            | Self::Submitted { handoff, .. }
            | Self::Rejected { handoff, .. }
            | Self::Accepted { handoff, .. }
            | Self::FirstTouch { handoff, .. }
            | Self::Withdrawn { handoff, .. }
            | Self::Acknowledged { handoff, .. }
            | Self::Echo { handoff, .. }
            | Self::Resolved { handoff, .. }
            | Self::LoopClosed { handoff, .. }
            | Self::Attested { handoff, .. }
            | Self::SlaBreached { handoff, .. } => Stream::Handoff(handoff.clone()),
        }
    }
}

/// The aggregate an event belongs to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Stream {
    /// The org itself: teams, users, memberships, its reporting currency
    /// and exchange rates.
    Org,
    /// One contract.
    Contract(ContractKey),
    /// One account and its signals.
    Account(AccountId),
    /// One handoff.
    Handoff(HandoffId),
    /// The org's rollout plan.
    Rollout,
    /// The sampled concrete tests of one contract.
    Audit(ContractKey),
}

impl std::fmt::Display for Stream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Org => f.write_str("org"),
            Self::Contract(k) => write!(f, "contract/{k}"),
            Self::Account(a) => write!(f, "account/{a}"),
            Self::Handoff(h) => write!(f, "handoff/{h}"),
            Self::Rollout => f.write_str("rollout"),
            Self::Audit(k) => write!(f, "audit/{k}"),
        }
    }
}

/// How an event entered Baton.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Via {
    /// The command line.
    Cli,
    /// The HTTP API.
    Api,
    /// The web UI.
    Ui,
    /// An inbound CRM event.
    Crm,
    /// History import: recorded as it happened, without the live gate.
    Import,
    /// Baton itself: a background job (the SLA breach job).
    System,
}

impl Via {
    /// The name as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Cli => "cli",
            Self::Api => "api",
            Self::Ui => "ui",
            Self::Crm => "crm",
            Self::Import => "import",
            Self::System => "system",
        }
    }

    /// Parses a stored name.
    pub fn parse(raw: &str) -> Option<Self> {
        [
            Self::Cli,
            Self::Api,
            Self::Ui,
            Self::Crm,
            Self::Import,
            Self::System,
        ]
        .into_iter()
        .find(|v| v.as_str() == raw)
    }
}

#[cfg(test)]
mod tests;
