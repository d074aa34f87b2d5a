//! Survey responses in (NPS and CSAT): the org's column mapping, the
//! survey webhook, and the review list of responses no account was found
//! for. Every response, whichever way it came (a CSV row in
//! `surveys_csv.rs`, a webhook delivery here, an assignment from the
//! review list), is checked, matched and recorded through the domain's
//! `survey` rules, and an NPS one becomes the account's `nps` event as a
//! live one does (`Account::record_nps`). See docs/surveys.md.
//!
//! The webhook's body is Baton's own documented shape (one response), and
//! its `Baton-Signature` header is signed as Stripe signs its webhooks
//! (`crate::signature`): HMAC-SHA256 with the org's survey secret over
//! `"{t}.{raw body}"`, any `v1` matching, at most five minutes old.

use std::collections::BTreeMap;

use baton_domain::account::Account;
use baton_domain::event::{Stream, Via};
use baton_domain::survey::{ColumnMapping, RawResponse, SurveyKind, SurveyResponse};
use baton_domain::{AccountId, DomainError, OrgId};
use baton_store::{Change, Sealed, StoreError, SurveyRecord, SurveyWrite};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::secrets::SecretError;
use crate::{App, AppError, Caller};

/// Responses read from a CSV export.
pub const CSV: &str = "csv";
/// Responses delivered to the survey webhook.
pub const WEBHOOK: &str = "webhook";
/// The header the survey webhook's signature comes in.
pub const SIGNATURE_HEADER: &str = "Baton-Signature";

/// Most responses the review list shows at once.
pub const MAX_UNMATCHED: u32 = 500;

/// The shortest signing secret kept: 128 bits as hex.
const MIN_SECRET: usize = 32;

/// What became of one response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SurveyOutcome {
    /// Its key (an unmatched one is assigned by it).
    pub key: String,
    /// `recorded` (against an account), `unmatched` (kept for review).
    pub outcome: String,
    /// The account it is recorded against.
    pub account: Option<AccountId>,
    /// How it matched, or why not, in words.
    pub detail: String,
    /// Whether it had been received before (and so changed nothing now).
    pub duplicate: bool,
}

impl SurveyOutcome {
    fn of(r: SurveyRecord, duplicate: bool) -> Self {
        Self {
            key: r.key,
            outcome: r.outcome,
            account: r.account,
            detail: r.detail,
            duplicate,
        }
    }
}

/// A response's key: the tool's id when it gives one (the same response
/// delivered again, or imported from a later export), else its content
/// (the same row imported twice).
pub(crate) fn key(r: &SurveyResponse) -> String {
    let text = match &r.response_id {
        Some(id) => format!("id|{}|{id}", r.kind.as_str()),
        None => format!(
            "content|{}|{}|{}|{}|{}|{}",
            r.kind.as_str(),
            r.score,
            r.at,
            r.email.as_ref().map_or("", |e| e.as_str()),
            r.account.as_deref().unwrap_or(""),
            r.comment.as_deref().unwrap_or("")
        ),
    };
    Sha256::digest(text.as_bytes())
        .iter()
        .take(12)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The associated data binding an org's survey secret to it.
fn secret_aad(org: &OrgId) -> Vec<u8> {
    format!("baton/surveys/{org}").into_bytes()
}

fn refused(why: &str) -> AppError {
    crate::signature::refused(SIGNATURE_HEADER, why)
}

/// The survey webhook's body: one response, as docs/surveys.md documents.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Delivery {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    score: i64,
    responded_at: String,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    account: Option<String>,
    #[serde(default)]
    comment: Option<String>,
}

/// Reads and checks a webhook body, naming the field at fault.
fn read_delivery(body: &[u8], now: baton_domain::Timestamp) -> Result<SurveyResponse, AppError> {
    let d: Delivery = serde_json::from_slice(body)
        .map_err(|e| AppError::Invalid(format!("the body is not a survey response: {e}")))?;
    if d.id.trim().is_empty() {
        return Err(DomainError::value("id", "must not be blank").into());
    }
    let kind = SurveyKind::parse(&d.kind)?;
    let at = d.responded_at.parse().map_err(|e| {
        DomainError::value(
            "responded_at",
            format!("'{}' is not an RFC 3339 time: {e}", d.responded_at),
        )
    })?;
    Ok(SurveyResponse::check(
        RawResponse {
            kind,
            response_id: Some(&d.id),
            score: d.score,
            at: Some(at),
            email: d.email.as_deref(),
            account: d.account.as_deref(),
            comment: d.comment.as_deref(),
        },
        now,
    )?)
}

impl App {
    /// The org's column mapping for survey CSV exports, if set (admins).
    pub async fn survey_mapping(&self, caller: &Caller) -> Result<Option<ColumnMapping>, AppError> {
        self.actor(caller)
            .await?
            .require_admin("read the survey mapping")?;
        self.mapping_of(&caller.org).await
    }

    /// The org's column mapping, as stored.
    pub(crate) async fn mapping_of(&self, org: &OrgId) -> Result<Option<ColumnMapping>, AppError> {
        self.store
            .survey_mapping(org)
            .await?
            .map(|json| {
                serde_json::from_str(&json)
                    .map_err(|e| AppError::Bug(format!("a stored survey mapping: {e}")))
            })
            .transpose()
    }

    /// Sets the org's column mapping (admins): checked by the domain, and
    /// every account a domain is mapped to must exist.
    pub async fn set_survey_mapping(
        &self,
        caller: &Caller,
        mapping: ColumnMapping,
    ) -> Result<ColumnMapping, AppError> {
        self.actor(caller)
            .await?
            .require_admin("set the survey mapping")?;
        let mapping = mapping.checked()?;
        for (domain, account) in &mapping.domains {
            if self.store.account(&caller.org, account).await?.is_none() {
                return Err(DomainError::value(
                    "domains",
                    format!("{domain} is mapped to '{account}', which is no account of this org"),
                )
                .into());
            }
        }
        let json = serde_json::to_string(&mapping)
            .map_err(|e| AppError::Bug(format!("a survey mapping unserializable: {e}")))?;
        self.store
            .set_survey_mapping(&caller.org, &json, self.now())
            .await?;
        Ok(mapping)
    }

    /// Sets the survey webhook's signing secret (admins): at least 32
    /// characters, no spaces. It is kept sealed with `BATON_SECRET_KEY`
    /// and never shown again.
    pub async fn set_survey_secret(&self, caller: &Caller, secret: &str) -> Result<(), AppError> {
        self.actor(caller)
            .await?
            .require_admin("set the survey webhook secret")?;
        let secret = secret.trim();
        if secret.len() < MIN_SECRET || secret.contains(char::is_whitespace) {
            return Err(DomainError::value(
                "secret",
                format!(
                    "give at least {MIN_SECRET} characters without spaces (e.g. `openssl rand -hex 32`)"
                ),
            )
            .into());
        }
        let key = self
            .crm_options()
            .secret_key
            .as_ref()
            .ok_or_else(|| AppError::from(DomainError::Rule(SecretError::NoKey.to_string())))?;
        let sealed = key
            .seal(secret.as_bytes(), &secret_aad(&caller.org))
            .map_err(|e| AppError::Bug(e.to_string()))?;
        self.store
            .set_survey_secret(
                &caller.org,
                &format!("{}.{}", sealed.nonce, sealed.cipher),
                self.now(),
            )
            .await?;
        Ok(())
    }

    /// The org's survey secret opened, if one is set and opens.
    async fn survey_secret(&self, org: &OrgId) -> Result<Option<String>, AppError> {
        let Some(stored) = self.store.survey_secret(org).await? else {
            return Ok(None);
        };
        let (Some(key), Some((nonce, cipher))) = (
            self.crm_options().secret_key.as_ref(),
            stored.split_once('.'),
        ) else {
            return Ok(None);
        };
        let sealed = Sealed {
            nonce: nonce.to_string(),
            cipher: cipher.to_string(),
        };
        Ok(key
            .open(&sealed, &secret_aad(org))
            .ok()
            .and_then(|p| String::from_utf8(p).ok()))
    }

    /// Receives one survey webhook delivery for `org` (the path's segment):
    /// verifies its signature, then records the response once. A signature
    /// that does not verify, for an org that is not there or has no secret
    /// alike, is unauthenticated; a verified body that is not a valid
    /// response is refused naming the field, and nothing is recorded.
    #[tracing::instrument(skip_all, fields(org = %org))]
    pub async fn survey_webhook(
        &self,
        org: &str,
        signature: &str,
        body: &[u8],
    ) -> Result<SurveyOutcome, AppError> {
        let org = OrgId::parse(org).map_err(|_| refused("no signing secret for this address"))?;
        let secret = self
            .survey_secret(&org)
            .await?
            .ok_or_else(|| refused("no signing secret for this address"))?;
        crate::signature::verify(SIGNATURE_HEADER, signature, body, &secret, self.now())?;
        let response = read_delivery(body, self.now())?;
        let domains = self
            .mapping_of(&org)
            .await?
            .map(|m| m.domains)
            .unwrap_or_default();
        self.take_response(&org, WEBHOOK, Via::Api, &response, &domains)
            .await
    }

    /// The first account the response's candidates lead to, with how.
    async fn matched(
        &self,
        org: &OrgId,
        response: &SurveyResponse,
        domains: &BTreeMap<String, AccountId>,
    ) -> Result<Option<(Account, String)>, AppError> {
        for c in response.candidates(domains) {
            if let Some(a) = self.store.account(org, c.account()).await? {
                return Ok(Some((a, c.how())));
            }
        }
        Ok(None)
    }

    /// What matching would make of a response, without recording it: the
    /// account and how, or why none.
    pub(crate) async fn match_preview(
        &self,
        org: &OrgId,
        response: &SurveyResponse,
        domains: &BTreeMap<String, AccountId>,
    ) -> Result<(Option<AccountId>, String), AppError> {
        Ok(match self.matched(org, response, domains).await? {
            Some((a, how)) => (Some(a.id), how),
            None => (None, response.unmatched_reason(domains)),
        })
    }

    /// Records one checked response once: against the account it matches
    /// (an NPS one as the account's `nps` event, in the same transaction as
    /// its record), else on the review list.
    pub(crate) async fn take_response(
        &self,
        org: &OrgId,
        source: &str,
        via: Via,
        response: &SurveyResponse,
        domains: &BTreeMap<String, AccountId>,
    ) -> Result<SurveyOutcome, AppError> {
        let key = key(response);
        if let Some(seen) = self.store.survey_response(org, &key).await? {
            return Ok(SurveyOutcome::of(seen, true));
        }
        let stream = response
            .candidates(domains)
            .first()
            .map(|c| Stream::Account(c.account().clone()).to_string())
            .unwrap_or_default();
        self.retrying(org, &stream, || async {
            let now = self.now();
            let mut record = SurveyRecord {
                key: key.clone(),
                source: source.to_string(),
                response_id: response.response_id.clone(),
                kind: response.kind.as_str().to_string(),
                score: response.score,
                responded_at: response.at,
                email: response.email.as_ref().map(ToString::to_string),
                named_account: response.account.clone(),
                comment: response.comment.clone(),
                account: None,
                outcome: "unmatched".into(),
                detail: response.unmatched_reason(domains),
                received_at: now,
            };
            let Some((account, how)) = self.matched(org, response, domains).await? else {
                return self.keep_survey(org, record).await;
            };
            record.account = Some(account.id.clone());
            record.outcome = "recorded".into();
            record.detail = format!("recorded against {how}");
            let Some(event) = response.record(&account, now)? else {
                return self.keep_survey(org, record).await;
            };
            let next = Account::apply(Some(account), &event)
                .ok_or_else(|| AppError::not_applied("the survey response"))?;
            let mut change = Change::default();
            change.account(next, vec![event], via, now);
            change
                .surveys
                .push(SurveyWrite::Insert(Box::new(record.clone())));
            self.commit_survey(org, &change, record).await
        })
        .await
    }

    /// Commits a change recording a survey response; the same response
    /// recorded at the same moment by another delivery is a duplicate.
    async fn commit_survey(
        &self,
        org: &OrgId,
        change: &Change,
        record: SurveyRecord,
    ) -> Result<SurveyOutcome, AppError> {
        match self.store.commit(org, change).await {
            Ok(_) => Ok(SurveyOutcome::of(record, false)),
            Err(StoreError::Conflict(_))
                if self
                    .store
                    .survey_response(org, &record.key)
                    .await?
                    .is_some() =>
            {
                Ok(SurveyOutcome::of(record, true))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Records a response that makes no account event.
    async fn keep_survey(
        &self,
        org: &OrgId,
        record: SurveyRecord,
    ) -> Result<SurveyOutcome, AppError> {
        let fresh = self.store.record_survey_response(org, &record).await?;
        Ok(SurveyOutcome::of(record, !fresh))
    }

    /// The responses no account was found for, oldest first (admins).
    pub async fn unmatched_surveys(&self, caller: &Caller) -> Result<Vec<SurveyRecord>, AppError> {
        self.actor(caller)
            .await?
            .require_admin("review unmatched survey responses")?;
        Ok(self
            .store
            .unmatched_survey_responses(&caller.org, MAX_UNMATCHED)
            .await?)
    }

    /// Assigns an unmatched response to an account (admins), which records
    /// it as a matched one is: an NPS response becomes the account's `nps`
    /// event, decided as a live one is.
    pub async fn assign_survey(
        &self,
        caller: &Caller,
        key: &str,
        account: &AccountId,
    ) -> Result<SurveyRecord, AppError> {
        self.actor(caller)
            .await?
            .require_admin("assign survey responses")?;
        let org = &caller.org;
        let stream = Stream::Account(account.clone()).to_string();
        self.retrying(org, &stream, || async {
            let record = self
                .store
                .survey_response(org, key)
                .await?
                .ok_or_else(|| AppError::NotFound(format!("survey response '{key}'")))?;
            if record.outcome != "unmatched" {
                return Err(AppError::Conflict(format!(
                    "survey response '{key}' is {} already ({})",
                    record.outcome, record.detail
                )));
            }
            let target = self.store.account(org, account).await?.ok_or_else(|| {
                AppError::from(DomainError::value(
                    "account",
                    format!("no account '{account}' in this org"),
                ))
            })?;
            let response = SurveyResponse {
                kind: SurveyKind::parse(&record.kind)?,
                response_id: record.response_id.clone(),
                score: record.score,
                at: record.responded_at,
                email: record
                    .email
                    .as_deref()
                    .map(baton_domain::Email::parse_lenient)
                    .transpose()?,
                account: record.named_account.clone(),
                comment: record.comment.clone(),
            };
            let now = self.now();
            let detail = format!("assigned to account '{account}' by {}", caller.email);
            let assigned = SurveyRecord {
                account: Some(account.clone()),
                outcome: "assigned".into(),
                detail: detail.clone(),
                ..record
            };
            match response.record(&target, now)? {
                Some(event) => {
                    let next = Account::apply(Some(target), &event)
                        .ok_or_else(|| AppError::not_applied("the assigned survey response"))?;
                    let mut change = Change::default();
                    change.account(next, vec![event], caller.via, now);
                    change.surveys.push(SurveyWrite::Assign {
                        key: key.to_string(),
                        account: account.clone(),
                        detail,
                    });
                    self.store.commit(org, &change).await?;
                }
                None => {
                    if !self
                        .store
                        .assign_survey_response(org, key, account, &detail)
                        .await?
                    {
                        return Err(AppError::Conflict(format!(
                            "survey response '{key}' was assigned meanwhile"
                        )));
                    }
                }
            }
            Ok(assigned)
        })
        .await
    }
}
