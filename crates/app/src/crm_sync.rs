//! The CRM sync job, one bounded round per call from
//! [`App::run_pending_jobs`]: claim one due connection (a lease in the
//! database, so exactly one process syncs it at a time), pull the deals
//! changed since its watermark page by page, turn each into a draft through
//! the org's CRM rules ([`App::crm_inbound`], the same path a pushed change
//! takes), then write each deal's gate back onto it where it changed.
//!
//! Crash safety: a page's deals are applied first (each idempotent: the
//! handoff id comes from the deal), then the deals it brought in and the
//! watermark after it are stored in one transaction. A crash in between
//! re-pulls that page and re-applies it to the same handoffs, so nothing is
//! lost and nothing is created twice. A write-back is recorded after the
//! CRM took it; re-writing the same gate is harmless.
//!
//! Bad input from the CRM (no account, an owner who is not a Baton user, a
//! field value of the wrong type, a deleted deal) is a log entry naming the
//! deal; that deal is skipped and the rest go on. An unreachable or busy CRM
//! backs off (honouring `Retry-After`); refused credentials mark the
//! connection as needing an admin.

use std::collections::BTreeMap;

use baton_crm::{Connector, CrmError, Deal, GateWrite, Watermark, WriteResult};
use baton_domain::event::Via;
use baton_domain::{AccountId, ContractKey, Currency, DealId, DomainError, Money};
use baton_store::{ConnectionRecord, RoundEnd, SyncedDealRecord};
use serde_json::Value;

use crate::accounts::AccountInput;
use crate::connections::connector;
use crate::crm::{CrmChange, CrmOutcome};
use crate::gates::GateStatus;
use crate::{App, AppError, Caller};

/// Writes sent to the CRM per batch.
pub const WRITE_BATCH: usize = 200;

/// What one round did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncRound {
    /// The connection synced, when one was due.
    pub connection: Option<String>,
    /// Deals pulled.
    pub pulled: u64,
    /// Drafts started.
    pub created: u64,
    /// Gates written back.
    pub written: u64,
    /// More pages wait (the next round follows at once).
    pub more: bool,
}

/// Why a round stopped early.
#[derive(Debug)]
enum Stop {
    /// The CRM failed.
    Crm(CrmError),
    /// Baton's own side failed (the store); retried with backoff.
    App(AppError),
    /// Something only an admin can fix.
    Attention(String),
    /// Another process took the connection over (the lease ran out).
    LeaseLost,
}

impl From<AppError> for Stop {
    fn from(e: AppError) -> Self {
        Self::App(e)
    }
}

impl From<baton_store::StoreError> for Stop {
    fn from(e: baton_store::StoreError) -> Self {
        Self::App(e.into())
    }
}

impl From<CrmError> for Stop {
    fn from(e: CrmError) -> Self {
        match e {
            CrmError::Auth(_) | CrmError::Config(_) => Self::Attention(e.to_string()),
            other => Self::Crm(other),
        }
    }
}

/// The gate as written onto a deal: what is compared to decide whether to
/// write again.
fn gate_write(deal: &str, gate: &GateStatus, url: String) -> GateWrite {
    GateWrite {
        deal: deal.to_string(),
        open: gate.open,
        missing: if gate.open {
            String::new()
        } else {
            gate.missing.join(",")
        },
        url,
    }
}

/// Percent-encodes a path segment.
fn segment(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for b in raw.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// An amount as the CRM wrote it (`48000`, `48000.5`, `-1`) in minor units,
/// rounded to the cent; `None` when it is not a plain non-negative decimal.
fn minor_units(amount: &str) -> Option<i64> {
    let a = amount.trim();
    let (whole, frac) = a.split_once('.').unwrap_or((a, ""));
    if whole.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    let mut cents: i64 = format!("{:0<2}", frac.get(..2).unwrap_or(frac))
        .parse()
        .ok()?;
    if frac.as_bytes().get(2).is_some_and(|d| *d >= b'5') {
        cents += 1;
    }
    whole.checked_mul(100)?.checked_add(cents)
}

/// Whether a refusal means the deal no longer exists in the CRM.
fn deal_is_gone(code: &str) -> bool {
    let c = code.to_ascii_uppercase();
    c.contains("DELETED") || c.contains("NOT_FOUND") || c == "404"
}

impl App {
    /// The gate of `contract` for `account` on one deal, as written back.
    async fn deal_gate(
        &self,
        caller: &Caller,
        contract: &ContractKey,
        account: &AccountId,
        deal: &str,
    ) -> Result<GateStatus, AppError> {
        let deal = DealId::parse(deal).map_err(|e| DomainError::value("deal", e.to_string()))?;
        self.gate(caller, contract, account, Some(&deal)).await
    }

    /// One round of CRM sync: claims one due connection, if any, and syncs
    /// it (bounded pages, then write-back).
    pub async fn sync_crm(&self) -> Result<SyncRound, AppError> {
        let now = self.now();
        let owner = self.crm.owner.clone();
        let Some(conn) = self
            .store
            .claim_connection(&owner, now, now + self.crm.lease)
            .await?
        else {
            return Ok(SyncRound::default());
        };
        let mut round = SyncRound {
            connection: Some(conn.id.clone()),
            ..SyncRound::default()
        };
        let result = self.sync_claimed(&conn, &mut round).await;
        let at = self.now();
        let failures = conn.failures.saturating_add(1);
        let end = match result {
            Ok(()) => RoundEnd {
                at,
                pulled: true,
                error: None,
                attention: None,
                next_attempt_at: if round.more { at } else { at + self.crm.poll },
            },
            Err(Stop::LeaseLost) => return Ok(round),
            Err(stop) => {
                let (error, attention, asked) = match stop {
                    Stop::Crm(e) => {
                        let asked = match &e {
                            CrmError::Busy { retry_after, .. } => *retry_after,
                            _ => None,
                        };
                        (e.to_string(), None, asked)
                    }
                    Stop::Attention(why) => (why.clone(), Some(why), None),
                    Stop::App(e) => (format!("Baton could not sync: {e}"), None, None),
                    Stop::LeaseLost => return Ok(round),
                };
                self.connection_log(&conn.org, &conn.id, "error", None, &error)
                    .await;
                round.more = false;
                RoundEnd {
                    at,
                    pulled: true,
                    error: Some(error),
                    attention,
                    next_attempt_at: at + self.crm.backoff(failures, asked),
                }
            }
        };
        self.store
            .finish_sync_round(&conn.org, &conn.id, &owner, &end)
            .await?;
        Ok(round)
    }

    async fn sync_claimed(
        &self,
        conn: &ConnectionRecord,
        round: &mut SyncRound,
    ) -> Result<(), Stop> {
        let (vendor, settings) = self.open_settings(conn).map_err(Stop::Attention)?;
        let mut crm = connector(vendor, &settings)?;
        let caller = Caller::new(conn.org.clone(), conn.created_by.clone(), Via::Crm);
        match self.actor(&caller).await {
            Ok(a) if a.admin => {}
            Ok(_) | Err(AppError::NotFound(_)) => {
                return Err(Stop::Attention(format!(
                    "{} connected this CRM and is no longer an admin of the org; connect it again as an admin",
                    conn.created_by
                )));
            }
            Err(e) => return Err(e.into()),
        }
        let field_map: BTreeMap<String, String> =
            serde_json::from_str(&conn.field_map).unwrap_or_default();
        let mut watermark: Watermark = serde_json::from_str(&conn.watermark).unwrap_or_default();
        for page in 0..self.crm.pages_per_round.max(1) {
            let pulled = crm.pull(&watermark, self.crm.page_size).await?;
            round.pulled += pulled.deals.len() as u64;
            let mut synced = Vec::with_capacity(pulled.deals.len());
            for deal in &pulled.deals {
                if let Some(s) = self
                    .apply_deal(conn, &caller, &field_map, deal, round)
                    .await?
                {
                    synced.push(s);
                }
            }
            let now = self.now();
            let wm = serde_json::to_string(&pulled.watermark)
                .map_err(|e| Stop::App(AppError::Invalid(e.to_string())))?;
            if !self
                .store
                .save_sync_page(
                    &conn.org,
                    &conn.id,
                    &self.crm.owner,
                    &baton_store::SyncPage {
                        watermark: &wm,
                        deals: &synced,
                        now,
                        lease_until: now + self.crm.lease,
                    },
                )
                .await?
            {
                return Err(Stop::LeaseLost);
            }
            watermark = pulled.watermark;
            if !pulled.more {
                break;
            }
            if page + 1 == self.crm.pages_per_round.max(1) {
                round.more = true;
            }
        }
        self.write_back(conn, &caller, &mut crm, round).await
    }

    /// Applies one pulled deal as a CRM change; `None` (with a log entry)
    /// when it is skipped or maps to no draft. Errors only when Baton itself
    /// failed, so the page is not recorded and will be applied again.
    pub(crate) async fn apply_deal(
        &self,
        conn: &ConnectionRecord,
        caller: &Caller,
        field_map: &BTreeMap<String, String>,
        deal: &Deal,
        round: &mut SyncRound,
    ) -> Result<Option<SyncedDealRecord>, AppError> {
        let warn = |why: String| async move {
            self.connection_log(&conn.org, &conn.id, "warning", Some(&deal.id), &why)
                .await;
            Ok(None)
        };
        let Some(crm_account) = &deal.account else {
            return warn(format!(
                "deal {} has no account in the CRM; skipped until it has one",
                deal.id
            ))
            .await;
        };
        let account_id = match AccountId::parse(crm_account.id.clone()) {
            Ok(a) => a,
            Err(e) => return warn(format!("deal {}: account id: {e}; skipped", deal.id)).await,
        };
        // An existing account keeps its ARR (Baton's or an import's); the
        // deal's amount only seeds a new account.
        let account = match self.store.account(&conn.org, &account_id).await? {
            Some(a) => AccountInput {
                id: account_id,
                name: crm_account.name.clone(),
                arr: a.arr,
                segment: a.segment,
            },
            None => {
                let currency = deal
                    .currency
                    .as_deref()
                    .and_then(|c| Currency::parse(c).ok())
                    .or_else(|| Currency::parse("USD").ok());
                let Some(currency) = currency else {
                    return warn(format!("deal {}: no currency; skipped", deal.id)).await;
                };
                let minor = deal.amount.as_deref().map_or(Some(0), minor_units);
                let Some(minor) = minor else {
                    return warn(format!(
                        "deal {}: amount '{}' is not a non-negative decimal; skipped",
                        deal.id,
                        deal.amount.as_deref().unwrap_or_default()
                    ))
                    .await;
                };
                AccountInput {
                    id: account_id,
                    name: crm_account.name.clone(),
                    arr: Money { minor, currency },
                    segment: None,
                }
            }
        };
        let values: BTreeMap<String, Value> = field_map
            .iter()
            .filter_map(|(crm, baton)| {
                deal.fields
                    .get(crm)
                    .filter(|v| !v.is_null() && v.as_str().is_none_or(|s| !s.trim().is_empty()))
                    .map(|v| (baton.clone(), v.clone()))
            })
            .collect();
        let change = CrmChange {
            object: conn.object_kind.clone(),
            id: deal.id.clone(),
            account,
            stage: deal.stage.clone(),
            previous_stage: None,
            owner: deal.owner_email.clone().unwrap_or_default(),
            at: Some(deal.modified),
            values,
        };
        let account = change.account.id.to_string();
        match self.crm_inbound(caller, change).await {
            Ok(CrmOutcome::Created(v)) => {
                round.created += 1;
                self.connection_log(
                    &conn.org,
                    &conn.id,
                    "info",
                    Some(&deal.id),
                    &format!(
                        "deal {} at '{}': draft {} of {} started for {}",
                        deal.id, deal.stage, v.handoff.id, v.handoff.contract, v.handoff.sender
                    ),
                )
                .await;
                Ok(Some(SyncedDealRecord {
                    deal: deal.id.clone(),
                    account,
                    contract: v.handoff.contract.to_string(),
                    handoff: v.handoff.id.to_string(),
                    written_gate: None,
                    written_at: None,
                    pending: true,
                }))
            }
            Ok(CrmOutcome::Existing(v)) => Ok(Some(SyncedDealRecord {
                deal: deal.id.clone(),
                account,
                contract: v.handoff.contract.to_string(),
                handoff: v.handoff.id.to_string(),
                written_gate: None,
                written_at: None,
                pending: true,
            })),
            Ok(CrmOutcome::Ignored(why)) => {
                self.connection_log(&conn.org, &conn.id, "info", Some(&deal.id), &why)
                    .await;
                Ok(None)
            }
            Err(
                e @ (AppError::Domain(_)
                | AppError::NotFound(_)
                | AppError::Invalid(_)
                | AppError::Import(_)),
            ) => warn(format!("deal {} skipped: {e}", deal.id)).await,
            Err(e) => Err(e),
        }
    }

    /// Writes each synced deal's gate onto it where it differs from the one
    /// written last.
    async fn write_back(
        &self,
        conn: &ConnectionRecord,
        caller: &Caller,
        crm: &mut Connector,
        round: &mut SyncRound,
    ) -> Result<(), Stop> {
        let mut after: Option<String> = None;
        loop {
            let page = self
                .store
                .synced_deals(&conn.org, &conn.id, after.as_deref(), WRITE_BATCH as u32)
                .await?;
            let Some(last) = page.last() else {
                return Ok(());
            };
            after = Some(last.deal.clone());
            let full = page.len() == WRITE_BATCH;
            let mut writes = Vec::new();
            for d in &page {
                let (Ok(contract), Ok(account)) = (
                    ContractKey::parse(d.contract.clone()),
                    AccountId::parse(d.account.clone()),
                ) else {
                    continue;
                };
                let gate = match self.deal_gate(caller, &contract, &account, &d.deal).await {
                    Ok(g) => g,
                    Err(e @ (AppError::NotFound(_) | AppError::Domain(_))) => {
                        self.connection_log(
                            &conn.org,
                            &conn.id,
                            "warning",
                            Some(&d.deal),
                            &format!("the gate of deal {} cannot be read: {e}", d.deal),
                        )
                        .await;
                        continue;
                    }
                    Err(e) => return Err(e.into()),
                };
                let url = format!(
                    "{}/handoffs/{}",
                    self.crm.public_url.trim_end_matches('/'),
                    segment(&d.handoff)
                );
                let w = gate_write(&d.deal, &gate, url);
                let written: Option<GateWrite> = d
                    .written_gate
                    .as_deref()
                    .and_then(|g| serde_json::from_str(g).ok());
                if written.as_ref() != Some(&w) {
                    writes.push(w);
                }
            }
            if !writes.is_empty() {
                let deals: Vec<String> = writes.iter().map(|w| w.deal.clone()).collect();
                self.store
                    .mark_writes_pending(&conn.org, &conn.id, &deals)
                    .await?;
                let results = crm.write_back(&writes).await?;
                let now = self.now();
                for (w, r) in writes.iter().zip(results) {
                    let json = serde_json::to_string(w)
                        .map_err(|e| Stop::App(AppError::Invalid(e.to_string())))?;
                    match r {
                        WriteResult::Written => {
                            round.written += 1;
                            self.store
                                .record_write_back(
                                    &conn.org,
                                    &conn.id,
                                    &w.deal,
                                    Some(&json),
                                    false,
                                    now,
                                )
                                .await?;
                        }
                        WriteResult::Refused { code, message } => {
                            let gone = deal_is_gone(&code);
                            let what = if gone {
                                "; it no longer exists in the CRM, so Baton stops writing to it"
                            } else {
                                "; Baton tries again when the gate changes"
                            };
                            self.connection_log(
                                &conn.org,
                                &conn.id,
                                "warning",
                                Some(&w.deal),
                                &format!(
                                    "the CRM refused the gate of deal {}: {code}: {message}{what}",
                                    w.deal
                                ),
                            )
                            .await;
                            // Recorded as written so the same refused gate
                            // is not sent every round.
                            self.store
                                .record_write_back(
                                    &conn.org,
                                    &conn.id,
                                    &w.deal,
                                    Some(&json),
                                    gone,
                                    now,
                                )
                                .await?;
                        }
                    }
                }
            }
            if !full {
                return Ok(());
            }
        }
    }

    /// Applies deals as one pulled page of `connection` would be, without a
    /// CRM: the checks and log entries of the sync, for tests of bad input.
    #[doc(hidden)]
    pub async fn apply_pulled_deals(
        &self,
        org: &baton_domain::OrgId,
        connection: &str,
        deals: &[Deal],
    ) -> Result<Vec<SyncedDealRecord>, AppError> {
        let conn = self
            .store
            .connection(org, connection)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("CRM connection '{connection}'")))?;
        let caller = Caller::new(conn.org.clone(), conn.created_by.clone(), Via::Crm);
        let field_map: BTreeMap<String, String> =
            serde_json::from_str(&conn.field_map).unwrap_or_default();
        let mut round = SyncRound::default();
        let mut out = Vec::new();
        for deal in deals {
            if let Some(s) = self
                .apply_deal(&conn, &caller, &field_map, deal, &mut round)
                .await?
            {
                out.push(s);
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_become_cents_rounded() {
        assert_eq!(minor_units("48000"), Some(4_800_000));
        assert_eq!(minor_units("48000.5"), Some(4_800_050));
        assert_eq!(minor_units("1.005"), Some(101));
        assert_eq!(minor_units("-3"), None);
        assert_eq!(minor_units("1e5"), None);
        assert_eq!(minor_units(""), None);
    }

    #[test]
    fn deleted_deals_are_told_apart_from_other_refusals() {
        assert!(deal_is_gone("ENTITY_IS_DELETED"));
        assert!(deal_is_gone("OBJECT_NOT_FOUND"));
        assert!(!deal_is_gone("INVALID_FIELD"));
    }

    #[test]
    fn an_open_gate_misses_nothing_and_links_the_handoff() {
        let g = GateStatus {
            open: false,
            state: crate::gates::GateState::Draft,
            missing: vec!["a".into(), "b".into()],
            handoff: None,
            deal: None,
        };
        assert_eq!(gate_write("D", &g, "u".into()).missing, "a,b");
        assert_eq!(segment("crm-deal-006 x/y"), "crm-deal-006%20x%2Fy");
    }
}
