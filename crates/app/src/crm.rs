//! Inbound CRM changes: a deal, opportunity or account reaching a stage in
//! the CRM starts the draft handoff the org's rules map it to, sent by the
//! record's owner (or a fixed person). The account is upserted first; the
//! draft then goes through the ordinary [`App::start_handoff`], so the gate
//! and every rule of the domain hold exactly as for a person.
//!
//! The same change delivered twice (CRMs retry) starts one draft: the
//! handoff's id is made from the CRM object, its id and the stage.
//!
//! A sales activity logged in the CRM (a call or an email on the lead, deal
//! or account) is the receiver's first touch: it records the first touch of
//! the account's accepted handoff that waits for one from that person,
//! through the ordinary [`App::first_touch`]. Delivered twice, it records
//! once (the second finds no handoff waiting).

use std::collections::{BTreeMap, BTreeSet};

use baton_domain::event::Via;
use baton_domain::field::Owner;
use baton_domain::handoff::parse_values;
use baton_domain::{
    AccountId, ContractKey, DealId, DomainError, Email, HandoffId, State, Timestamp,
};
use baton_store::CrmRuleRecord;
use serde_json::Value;

use crate::accounts::AccountInput;
use crate::handoffs::{HandoffView, NewHandoff};
use crate::{App, AppError, Caller};

/// The CRM object kinds a change may describe.
pub const OBJECTS: [&str; 3] = ["deal", "opportunity", "account"];

/// A stage folded for comparison: lowercase letters and digits only, so
/// "Closed Won", "closed_won" and "Closed-Won" are the same stage.
pub fn stage_key(stage: &str) -> String {
    stage
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Who sends the draft a rule starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sender {
    /// The CRM record's owner (the AE of a deal, the SDR of an opportunity).
    Owner,
    /// Always this person.
    User(Email),
}

impl Sender {
    /// `owner`, or an email.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        if raw.trim().eq_ignore_ascii_case("owner") {
            Ok(Self::Owner)
        } else {
            Email::parse_lenient(raw).map(Self::User)
        }
    }

    /// As stored and shown.
    pub fn as_text(&self) -> String {
        match self {
            Self::Owner => "owner".into(),
            Self::User(e) => e.to_string(),
        }
    }
}

/// One mapping: this object reaching this stage starts a draft of this
/// contract, sent by this person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrmRule {
    /// `deal`, `opportunity` or `account`.
    pub object: String,
    /// The stage as written (compared folded, see [`stage_key`]).
    pub stage: String,
    /// The contract whose draft starts.
    pub contract: ContractKey,
    /// Who sends it.
    pub sender: Sender,
}

/// The org's rules, and whether they are the built-in defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrmRules {
    /// In the order given.
    pub rules: Vec<CrmRule>,
    /// True when the org has set none and the defaults apply.
    pub defaults: bool,
}

/// The rules of an org that has set none: a deal reaching Closed Won starts
/// the AE's ae-to-onboarding handoff; an opportunity reaching Meeting Held
/// starts the SDR's sdr-to-ae handoff.
pub fn default_rules() -> Result<Vec<CrmRule>, DomainError> {
    Ok(vec![
        CrmRule {
            object: "deal".into(),
            stage: "Closed Won".into(),
            contract: ContractKey::parse("ae-to-onboarding")?,
            sender: Sender::Owner,
        },
        CrmRule {
            object: "opportunity".into(),
            stage: "Meeting Held".into(),
            contract: ContractKey::parse("sdr-to-ae")?,
            sender: Sender::Owner,
        },
    ])
}

/// A change in the CRM, as delivered.
#[derive(Debug, Clone)]
pub struct CrmChange {
    /// `deal`, `opportunity` or `account`.
    pub object: String,
    /// The CRM's id of the object.
    pub id: String,
    /// The account it belongs to (upserted first).
    pub account: AccountInput,
    /// The stage it reached.
    pub stage: String,
    /// The stage it left, when the CRM says.
    pub previous_stage: Option<String>,
    /// The record's owner in the CRM, by email.
    pub owner: String,
    /// When it changed in the CRM (informational).
    pub at: Option<Timestamp>,
    /// Sender field values to prefill the draft with.
    pub values: BTreeMap<String, Value>,
}

/// What an inbound change did.
#[derive(Debug, Clone)]
pub enum CrmOutcome {
    /// A draft was started.
    Created(HandoffView),
    /// The same change was delivered before: its draft, unchanged.
    Existing(HandoffView),
    /// No rule maps the change; why.
    Ignored(String),
}

/// The CRM activity kinds that are a first touch.
pub const ACTIVITY_KINDS: [&str; 3] = ["call", "email", "meeting"];

/// A sales activity logged in the CRM.
#[derive(Debug, Clone)]
pub struct CrmActivity {
    /// The account the lead, deal or account record belongs to.
    pub account: AccountId,
    /// `call`, `email` or `meeting` (one of [`ACTIVITY_KINDS`]).
    pub kind: String,
    /// Who logged it in the CRM, by email: the person who reached out.
    pub owner: String,
    /// The activity's subject, kept as the first touch's note.
    pub subject: Option<String>,
}

/// What an inbound activity did.
#[derive(Debug, Clone)]
pub enum ActivityOutcome {
    /// The first touch of this handoff was recorded.
    Recorded(Box<HandoffView>),
    /// No handoff waits for a first touch from this person; why.
    Ignored(String),
}

fn from_record(r: CrmRuleRecord) -> Result<CrmRule, AppError> {
    Ok(CrmRule {
        object: r.object,
        stage: r.stage,
        contract: ContractKey::parse(r.contract)?,
        sender: Sender::parse(&r.sender)?,
    })
}

impl App {
    /// The org's CRM rules (admins), or the defaults when it has none.
    pub async fn crm_rules(&self, caller: &Caller) -> Result<CrmRules, AppError> {
        self.actor(caller)
            .await?
            .require_admin("read the CRM rules")?;
        self.effective_crm_rules(caller).await
    }

    async fn effective_crm_rules(&self, caller: &Caller) -> Result<CrmRules, AppError> {
        let stored = self.store.crm_rules(&caller.org).await?;
        if stored.is_empty() {
            return Ok(CrmRules {
                rules: default_rules()?,
                defaults: true,
            });
        }
        Ok(CrmRules {
            rules: stored
                .into_iter()
                .map(from_record)
                .collect::<Result<_, _>>()?,
            defaults: false,
        })
    }

    /// Replaces the org's CRM rules (admins); an empty list restores the
    /// defaults. Every contract and fixed sender must exist; a stage may be
    /// mapped once per object.
    pub async fn set_crm_rules(
        &self,
        caller: &Caller,
        rules: Vec<CrmRule>,
    ) -> Result<CrmRules, AppError> {
        self.actor(caller)
            .await?
            .require_admin("change the CRM rules")?;
        let dir = self.store.directory(&caller.org).await?;
        let mut seen = BTreeSet::new();
        let mut records = Vec::with_capacity(rules.len());
        for (i, r) in rules.iter().enumerate() {
            let at = |f: &str| format!("rules[{i}].{f}");
            if !OBJECTS.contains(&r.object.as_str()) {
                return Err(DomainError::value(
                    at("object"),
                    "must be deal, opportunity or account",
                )
                .into());
            }
            let key = stage_key(&r.stage);
            if key.is_empty() {
                return Err(
                    DomainError::value(at("stage"), "must contain a letter or digit").into(),
                );
            }
            if !seen.insert((r.object.clone(), key.clone())) {
                return Err(DomainError::value(
                    at("stage"),
                    format!("{} at this stage is mapped by an earlier rule", r.object),
                )
                .into());
            }
            if self
                .store
                .contract(&caller.org, &r.contract)
                .await?
                .is_none()
            {
                return Err(
                    DomainError::value(at("contract"), "no such contract in this org").into(),
                );
            }
            if let Sender::User(e) = &r.sender
                && !dir.users.contains_key(e)
            {
                return Err(DomainError::value(at("sender"), "no such user in this org").into());
            }
            records.push(CrmRuleRecord {
                object: r.object.clone(),
                stage_key: key,
                stage: r.stage.trim().to_string(),
                contract: r.contract.to_string(),
                sender: r.sender.as_text(),
            });
        }
        self.store.set_crm_rules(&caller.org, &records).await?;
        self.effective_crm_rules(caller).await
    }

    /// Applies one CRM change (an admin's integration token): upserts the
    /// account and starts the mapped draft as its sender, once per object
    /// and stage. Bad input is refused before anything is written.
    #[tracing::instrument(skip_all, fields(object = %change.object, id = %change.id, stage = %change.stage))]
    pub async fn crm_inbound(
        &self,
        caller: &Caller,
        change: CrmChange,
    ) -> Result<CrmOutcome, AppError> {
        let actor = self.actor(caller).await?;
        actor.require_admin("deliver CRM changes (use an admin's token)")?;
        let crm = Caller::new(caller.org.clone(), caller.email.clone(), Via::Crm);
        if !OBJECTS.contains(&change.object.as_str()) {
            return Err(
                DomainError::value("object", "must be deal, opportunity or account").into(),
            );
        }
        if change.id.trim().is_empty() {
            return Err(DomainError::value("id", "must not be empty").into());
        }
        // The whole change is checked before it may be ignored: bad input is
        // an error whatever stage it names, never a silent 202.
        HandoffId::parse(change.id.clone()).map_err(|e| DomainError::value("id", e.to_string()))?;
        if !change.owner.trim().is_empty() {
            Email::parse_lenient(&change.owner)
                .map_err(|e| DomainError::value("owner", e.to_string()))?;
        }
        let key = stage_key(&change.stage);
        if key.is_empty() {
            return Err(DomainError::value("stage", "must contain a letter or digit").into());
        }
        if change
            .previous_stage
            .as_deref()
            .is_some_and(|p| stage_key(p) == key)
        {
            return Ok(CrmOutcome::Ignored(format!(
                "the {} stayed at stage '{}'",
                change.object, change.stage
            )));
        }
        let rules = self.effective_crm_rules(&crm).await?;
        let Some(rule) = rules
            .rules
            .into_iter()
            .find(|r| r.object == change.object && stage_key(&r.stage) == key)
        else {
            return Ok(CrmOutcome::Ignored(format!(
                "no rule maps a {} reaching stage '{}'",
                change.object, change.stage
            )));
        };
        let id = HandoffId::parse(format!("crm-{}-{}-{key}", change.object, change.id.trim()))
            .map_err(|e| DomainError::value("id", e.to_string()))?;
        if self.store.handoff(&caller.org, &id).await?.is_some() {
            return Ok(CrmOutcome::Existing(self.handoff(&crm, &id).await?));
        }
        let (sender, field) = match &rule.sender {
            Sender::Owner => (
                Email::parse_lenient(&change.owner)
                    .map_err(|e| DomainError::value("owner", e.to_string()))?,
                "owner",
            ),
            Sender::User(e) => (e.clone(), "sender"),
        };
        let dir = self.store.directory(&caller.org).await?;
        let Some(user) = dir.users.get(&sender) else {
            return Err(DomainError::value(field, "no such user in this org").into());
        };
        let contract = self
            .store
            .contract(&caller.org, &rule.contract)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("contract '{}'", rule.contract)))?;
        let def = contract.current;
        if !user.teams.contains_key(&def.sending_team) {
            return Err(DomainError::value(
                field,
                format!(
                    "is not in the {} team, which sends {}",
                    def.sending_team, def.key
                ),
            )
            .into());
        }
        // Checked before the account is written, so a bad value changes nothing.
        parse_values(&def, &change.values, Owner::Sender)?;
        let account = change.account.id.clone();
        self.upsert_account(&crm, change.account).await?;
        let as_sender = Caller::new(caller.org.clone(), sender, Via::Crm);
        // SPEC §11: a change of a deal or opportunity always names it, so
        // the gate the CRM asks about is this deal's.
        let deal = match change.object.as_str() {
            "account" => None,
            _ => Some(
                DealId::parse(change.id.trim())
                    .map_err(|e| DomainError::value("id", e.to_string()))?,
            ),
        };
        let new = NewHandoff {
            id: Some(id.clone()),
            contract: rule.contract,
            account,
            deal,
            to: None,
            values: change.values,
            attachments: Vec::new(),
        };
        match self.start_handoff(&as_sender, new).await {
            Ok(_) => Ok(CrmOutcome::Created(self.handoff(&crm, &id).await?)),
            // A concurrent delivery of the same change won the race.
            Err(AppError::Conflict(_)) => Ok(CrmOutcome::Existing(self.handoff(&crm, &id).await?)),
            Err(e) => Err(e),
        }
    }

    /// Applies one CRM activity (an admin's integration token): the
    /// activity's owner's first touch of the account's accepted handoff
    /// that waits for one (the latest accepted, when several do). Bad input
    /// is refused; an activity with nothing to touch is ignored.
    #[tracing::instrument(skip_all, fields(account = %activity.account, kind = %activity.kind))]
    pub async fn crm_activity(
        &self,
        caller: &Caller,
        activity: CrmActivity,
    ) -> Result<ActivityOutcome, AppError> {
        let actor = self.actor(caller).await?;
        actor.require_admin("deliver CRM activities (use an admin's token)")?;
        let kind = activity.kind.trim().to_ascii_lowercase();
        if !ACTIVITY_KINDS.contains(&kind.as_str()) {
            return Err(DomainError::value(
                "kind",
                format!("'{kind}' is not one of: {}", ACTIVITY_KINDS.join(", ")),
            )
            .into());
        }
        let owner = Email::parse_lenient(&activity.owner)
            .map_err(|e| DomainError::value("owner", e.to_string()))?;
        let dir = self.store.directory(&caller.org).await?;
        let Some(user) = dir.users.get(&owner) else {
            return Err(DomainError::value("owner", "no such user in this org").into());
        };
        let filter = baton_store::HandoffFilter {
            account: Some(activity.account.clone()),
            state: Some(State::Accepted),
            ..Default::default()
        };
        let mut waiting = None;
        let mut after = None;
        loop {
            let page = self
                .store
                .handoffs_page(&caller.org, &filter, after.as_ref(), 200)
                .await?;
            after = page.last().map(|h| h.id.clone());
            let more = page.len() == 200;
            for h in page {
                if h.first_touch.is_some() || !user.teams.contains_key(&h.to) {
                    continue;
                }
                let def = self
                    .store
                    .contract_version(&caller.org, &h.contract, h.version)
                    .await?
                    .ok_or_else(|| {
                        AppError::NotFound(format!("version {} of '{}'", h.version, h.contract))
                    })?;
                if def.first_touch_field().is_none() {
                    continue;
                }
                let newer = waiting
                    .as_ref()
                    .is_none_or(|(_, at): &(HandoffId, Option<Timestamp>)| h.accepted_at > *at);
                if newer {
                    waiting = Some((h.id.clone(), h.accepted_at));
                }
            }
            if !more {
                break;
            }
        }
        let Some((id, _)) = waiting else {
            return Ok(ActivityOutcome::Ignored(format!(
                "no accepted handoff of account '{}' waits for a first touch by {owner}",
                activity.account
            )));
        };
        let as_owner = Caller::new(caller.org.clone(), owner, Via::Crm);
        match self
            .first_touch(&as_owner, &id, Some(kind), activity.subject)
            .await
        {
            Ok(v) => Ok(ActivityOutcome::Recorded(Box::new(v))),
            // The same activity delivered twice at once: the other won.
            Err(AppError::Conflict(_)) => Ok(ActivityOutcome::Ignored(format!(
                "the first touch of handoff '{id}' was recorded meanwhile"
            ))),
            Err(e) => Err(e),
        }
    }
}
