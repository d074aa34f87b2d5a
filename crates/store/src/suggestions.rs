//! Suggested re-discovery incidents: projected from their events, read for
//! the review queue.

use baton_domain::event::Event;
use baton_domain::rediscovery::{Decision, Quality, SuggestedIncident, SuggestionStatus};
use baton_domain::{AccountId, ContractKey, Email, FieldKey, HandoffId, OrgId, TeamKey};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::{Store, StoreError, from_micros, micros};

/// Records a suggestion or a decision on one.
pub(crate) async fn project(
    tx: &mut crate::tx::Tx<'_>,
    org: &OrgId,
    seq: u64,
    event: &Event,
) -> Result<(), StoreError> {
    match event {
        Event::RediscoverySuggested { .. } => {
            let Some(sug) = SuggestedIncident::suggested_by(event) else {
                return Ok(());
            };
            tx.exec(
                "INSERT INTO suggestions (org_id, id, seq, account_id, handoff_id, contract, field,
                 question, answer, score, author, team, at, status)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'open')",
                &[
                    org.to_string().into(),
                    (&sug.id).into(),
                    (seq as i64).into(),
                    sug.account.to_string().into(),
                    sug.handoff.to_string().into(),
                    sug.contract.to_string().into(),
                    sug.field.to_string().into(),
                    sug.question.clone().into(),
                    sug.answer.clone().into(),
                    i64::from(sug.score).into(),
                    sug.author.as_ref().map(ToString::to_string).into(),
                    sug.team.as_ref().map(ToString::to_string).into(),
                    micros(sug.at).into(),
                ],
            )
            .await
            .map_err(|e| {
                let id = &sug.id;
                crate::conflict_on_unique(e, || format!("suggestion '{id}' is already recorded"))
            })?;
        }
        Event::SuggestionDecided {
            id,
            confirmed,
            by,
            at,
            ..
        } => {
            let status = if *confirmed {
                SuggestionStatus::Confirmed
            } else {
                SuggestionStatus::Dismissed
            };
            let done = tx
                .exec(
                    "UPDATE suggestions SET status = $1, decided_by = $2, decided_at = $3
                     WHERE org_id = $4 AND id = $5 AND status = 'open'",
                    &[
                        status.as_str().into(),
                        by.to_string().into(),
                        micros(*at).into(),
                        org.to_string().into(),
                        id.into(),
                    ],
                )
                .await?;
            if done == 0 {
                return Err(StoreError::Conflict(format!(
                    "suggestion '{id}' is unknown or already decided"
                )));
            }
        }
        _ => {}
    }
    Ok(())
}

const COLUMNS: &str = "id, account_id, handoff_id, contract, field, question, answer, score,
    author, team, at, status, decided_by, decided_at";

fn parse<T>(what: &str, r: Result<T, baton_domain::DomainError>) -> Result<T, StoreError> {
    r.map_err(|e| StoreError::corrupt(what.to_string(), e))
}

/// The contract and field a suggestion row names.
fn contract_field(r: &AnyRow) -> Result<(ContractKey, FieldKey), StoreError> {
    Ok((
        parse(
            "suggestion contract",
            ContractKey::parse(r.try_get::<String, _>("contract")?),
        )?,
        parse(
            "suggestion field",
            FieldKey::parse(r.try_get::<String, _>("field")?),
        )?,
    ))
}

fn from_row(r: &AnyRow) -> Result<SuggestedIncident, StoreError> {
    let opt = |i: &str| r.try_get::<Option<String>, _>(i);
    let status: String = r.try_get("status")?;
    let (contract, field) = contract_field(r)?;
    Ok(SuggestedIncident {
        id: r.try_get("id")?,
        account: parse(
            "suggestion account",
            AccountId::parse(r.try_get::<String, _>("account_id")?),
        )?,
        handoff: parse(
            "suggestion handoff",
            HandoffId::parse(r.try_get::<String, _>("handoff_id")?),
        )?,
        contract,
        field,
        question: r.try_get("question")?,
        answer: r.try_get("answer")?,
        score: u16::try_from(r.try_get::<i64, _>("score")?)
            .map_err(|e| StoreError::corrupt("suggestion score", e))?,
        author: opt("author")?
            .map(Email::parse)
            .transpose()
            .map_err(|e| StoreError::corrupt("suggestion author", e))?,
        team: opt("team")?
            .map(TeamKey::parse)
            .transpose()
            .map_err(|e| StoreError::corrupt("suggestion team", e))?,
        at: from_micros(r.try_get("at")?)?,
        status: SuggestionStatus::parse(&status)
            .ok_or_else(|| StoreError::corrupt("suggestion status", status.clone()))?,
        decided_by: opt("decided_by")?
            .map(Email::parse)
            .transpose()
            .map_err(|e| StoreError::corrupt("suggestion decider", e))?,
        decided_at: r
            .try_get::<Option<i64>, _>("decided_at")?
            .map(from_micros)
            .transpose()?,
    })
}

impl Store {
    /// One suggestion.
    pub async fn suggestion(
        &self,
        org: &OrgId,
        id: &str,
    ) -> Result<Option<SuggestedIncident>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM suggestions WHERE org_id = $1 AND id = $2"
        )))
        .bind(org.to_string())
        .bind(id.to_string())
        .fetch_optional(&self.read)
        .await?;
        row.as_ref().map(from_row).transpose()
    }

    /// Suggestions, newest question first, optionally of one status or one
    /// account; at most `limit`.
    pub async fn suggestions(
        &self,
        org: &OrgId,
        status: Option<SuggestionStatus>,
        account: Option<&AccountId>,
        limit: u32,
    ) -> Result<Vec<SuggestedIncident>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM suggestions WHERE org_id = $1
             AND ($2 = '' OR status = $2) AND ($3 = '' OR account_id = $3)
             ORDER BY at DESC, id LIMIT $4"
        )))
        .bind(org.to_string())
        .bind(status.map_or("", SuggestionStatus::as_str).to_string())
        .bind(account.map(ToString::to_string).unwrap_or_default())
        .bind(i64::from(limit))
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(from_row).collect()
    }

    /// One page of suggestions of `status` (every status when `None`),
    /// newest first, and how many there are in all.
    pub async fn suggestions_page(
        &self,
        org: &OrgId,
        status: Option<SuggestionStatus>,
        offset: u64,
        limit: u32,
    ) -> Result<(Vec<SuggestedIncident>, u64), StoreError> {
        let status = status.map_or("", SuggestionStatus::as_str).to_string();
        let total: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM suggestions WHERE org_id = $1 AND ($2 = '' OR status = $2)",
        )
        .bind(org.to_string())
        .bind(status.clone())
        .fetch_one(&self.read)
        .await?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM suggestions WHERE org_id = $1
             AND ($2 = '' OR status = $2)
             ORDER BY at DESC, id LIMIT $3 OFFSET $4"
        )))
        .bind(org.to_string())
        .bind(status)
        .bind(i64::from(limit.max(1)))
        .bind(i64::try_from(offset).unwrap_or(i64::MAX))
        .fetch_all(&self.read)
        .await?;
        let page = rows.iter().map(from_row).collect::<Result<Vec<_>, _>>()?;
        Ok((page, u64::try_from(total).unwrap_or(0)))
    }

    /// Open suggestions with the receiving team of each one's handoff (who
    /// may decide depends on it), oldest first, at most `limit`.
    pub async fn open_suggestions_with_team(
        &self,
        org: &OrgId,
        limit: u32,
    ) -> Result<Vec<(SuggestedIncident, Option<TeamKey>)>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS}, (SELECT h.to_team FROM handoffs h
               WHERE h.org_id = suggestions.org_id AND h.handoff_id = suggestions.handoff_id)
               AS to_team
             FROM suggestions WHERE org_id = $1 AND status = 'open'
             ORDER BY at, id LIMIT $2"
        )))
        .bind(org.to_string())
        .bind(i64::from(limit))
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                let team = r
                    .try_get::<Option<String>, _>("to_team")?
                    .map(TeamKey::parse)
                    .transpose()
                    .map_err(|e| StoreError::corrupt("handoff team", e))?;
                Ok((from_row(r)?, team))
            })
            .collect()
    }
}

impl Store {
    /// The org's most recently decided suggestions, at most `limit`, as
    /// the detector learns from them.
    pub async fn decided_suggestions(
        &self,
        org: &OrgId,
        limit: u32,
    ) -> Result<Vec<Decision>, StoreError> {
        let rows = sqlx::query(
            "SELECT contract, field, question, score, status FROM suggestions
             WHERE org_id = $1 AND status IN ('confirmed', 'dismissed')
             ORDER BY decided_at DESC, id LIMIT $2",
        )
        .bind(org.to_string())
        .bind(i64::from(limit))
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                let (contract, field) = contract_field(r)?;
                Ok(Decision {
                    contract,
                    field,
                    question: r.try_get("question")?,
                    score: r.try_get::<i64, _>("score")? as f64 / 1000.0,
                    confirmed: r.try_get::<String, _>("status")? == "confirmed",
                })
            })
            .collect()
    }

    /// The org's suggestions by status and its re-discovery incidents on
    /// record: what the detector's figures are computed from.
    pub async fn suggestion_quality(&self, org: &OrgId) -> Result<Quality, StoreError> {
        let rows = sqlx::query(
            "SELECT status, COUNT(*) AS n FROM suggestions WHERE org_id = $1 GROUP BY status",
        )
        .bind(org.to_string())
        .fetch_all(&self.read)
        .await?;
        let mut by_status = [0u64; 3];
        for r in &rows {
            let n = u64::try_from(r.try_get::<i64, _>("n")?).unwrap_or(0);
            match SuggestionStatus::parse(&r.try_get::<String, _>("status")?) {
                Some(SuggestionStatus::Open) => by_status[0] = n,
                Some(SuggestionStatus::Confirmed) => by_status[1] = n,
                Some(SuggestionStatus::Dismissed) => by_status[2] = n,
                None => {}
            }
        }
        let incidents: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM incidents WHERE org_id = $1")
            .bind(org.to_string())
            .fetch_one(&self.read)
            .await?;
        let [open, confirmed, dismissed] = by_status;
        Ok(Quality::new(
            open,
            confirmed,
            dismissed,
            u64::try_from(incidents).unwrap_or(0),
        ))
    }
}
