//! Survey responses in: each org's column mapping and sealed webhook
//! secret, and every response received with the account it was matched to
//! (or none: the review list). A response's key makes a second import or
//! delivery of it find it and change nothing; one recorded against an
//! account's NPS is written in the transaction of the account's event, as
//! is its assignment from the review list.

use baton_domain::{AccountId, OrgId, Timestamp};

use crate::sql_args::Arg;
use crate::tx::Tx;
use crate::{Store, StoreError, from_micros, micros};

/// One survey response as received and what became of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SurveyRecord {
    /// Its key: the same response imported or delivered again has the same.
    pub key: String,
    /// How it came in: `csv` or `webhook`.
    pub source: String,
    /// The tool's response id, when it gave one.
    pub response_id: Option<String>,
    /// `nps` or `csat`.
    pub kind: String,
    /// The score on the kind's scale.
    pub score: u8,
    /// When the respondent answered.
    pub responded_at: Timestamp,
    /// The respondent's email.
    pub email: Option<String>,
    /// The account id the tool named, as written.
    pub named_account: Option<String>,
    /// What the respondent wrote.
    pub comment: Option<String>,
    /// The account it is recorded against.
    pub account: Option<AccountId>,
    /// `recorded`, `unmatched` or `assigned`.
    pub outcome: String,
    /// How it matched, or why not, in words.
    pub detail: String,
    /// When Baton received it.
    pub received_at: Timestamp,
}

/// What a change writes about survey responses, in its transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SurveyWrite {
    /// A response recorded against an account: a second one with its key
    /// fails the transaction, so its event is never written twice.
    Insert(Box<SurveyRecord>),
    /// An unmatched response assigned to `account`: refused (the
    /// transaction fails) unless it is still unmatched.
    Assign {
        /// The response's key.
        key: String,
        /// The account.
        account: AccountId,
        /// Who assigned it, in words.
        detail: String,
    },
}

const INSERT: &str = "INSERT INTO survey_responses
     (org_id, response_key, source, response_id, kind, score, responded_at, email,
      named_account, comment, account_id, outcome, detail, received_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)";

const ASSIGN: &str =
    "UPDATE survey_responses SET account_id = $3, outcome = 'assigned', detail = $4
     WHERE org_id = $1 AND response_key = $2 AND outcome = 'unmatched'";

const COLUMNS: &str = "response_key, source, response_id, kind, score, responded_at, email,
     named_account, comment, account_id, outcome, detail, received_at";

fn record_args(org: &OrgId, r: &SurveyRecord) -> Vec<Arg> {
    vec![
        org.to_string().into(),
        r.key.clone().into(),
        r.source.clone().into(),
        r.response_id.clone().into(),
        r.kind.clone().into(),
        i64::from(r.score).into(),
        micros(r.responded_at).into(),
        r.email.clone().into(),
        r.named_account.clone().into(),
        r.comment.clone().into(),
        r.account.as_ref().map(ToString::to_string).into(),
        r.outcome.clone().into(),
        r.detail.clone().into(),
        micros(r.received_at).into(),
    ]
}

fn assign_args(org: &OrgId, key: &str, account: &AccountId, detail: &str) -> Vec<Arg> {
    vec![
        org.to_string().into(),
        key.to_string().into(),
        account.to_string().into(),
        detail.to_string().into(),
    ]
}

/// Writes a change's survey responses in its transaction.
pub(crate) async fn write(
    tx: &mut Tx<'_>,
    org: &OrgId,
    writes: &[SurveyWrite],
) -> Result<(), StoreError> {
    for w in writes {
        match w {
            SurveyWrite::Insert(r) => {
                tx.exec(INSERT, &record_args(org, r)).await?;
            }
            SurveyWrite::Assign {
                key,
                account,
                detail,
            } => {
                if tx
                    .exec(ASSIGN, &assign_args(org, key, account, detail))
                    .await?
                    == 0
                {
                    return Err(StoreError::Conflict(format!(
                        "survey response '{key}' is no longer unmatched"
                    )));
                }
            }
        }
    }
    Ok(())
}

impl Store {
    /// The org's column mapping (JSON), if one is set.
    pub async fn survey_mapping(&self, org: &OrgId) -> Result<Option<String>, StoreError> {
        Ok(self
            .row(
                "SELECT mapping FROM survey_settings WHERE org_id = $1",
                &[Arg::from(org.to_string())],
                |r| r.opt_text(0),
            )
            .await?
            .flatten())
    }

    /// Sets the org's column mapping (JSON).
    pub async fn set_survey_mapping(
        &self,
        org: &OrgId,
        mapping: &str,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        self.set_survey_setting("mapping", org, mapping, at).await
    }

    /// The org's sealed webhook signing secret, if one is set.
    pub async fn survey_secret(&self, org: &OrgId) -> Result<Option<String>, StoreError> {
        Ok(self
            .row(
                "SELECT secret FROM survey_settings WHERE org_id = $1",
                &[Arg::from(org.to_string())],
                |r| r.opt_text(0),
            )
            .await?
            .flatten())
    }

    /// Sets the org's sealed webhook signing secret.
    pub async fn set_survey_secret(
        &self,
        org: &OrgId,
        sealed: &str,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        self.set_survey_setting("secret", org, sealed, at).await
    }

    /// `column` is one of the two names above, never input.
    async fn set_survey_setting(
        &self,
        column: &str,
        org: &OrgId,
        value: &str,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        let sql = format!(
            "INSERT INTO survey_settings (org_id, {column}, updated_at) VALUES ($1, $2, $3)
             ON CONFLICT (org_id) DO UPDATE SET {column} = excluded.{column},
                 updated_at = excluded.updated_at"
        );
        crate::sql_args::any_query(
            &sql,
            &[
                Arg::from(org.to_string()),
                Arg::from(value.to_string()),
                Arg::from(micros(at)),
            ],
        )
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// A response already received, by its key.
    pub async fn survey_response(
        &self,
        org: &OrgId,
        key: &str,
    ) -> Result<Option<SurveyRecord>, StoreError> {
        Ok(self
            .survey_responses_where(
                "org_id = $1 AND response_key = $2",
                vec![org.to_string(), key.to_string()],
                1,
            )
            .await?
            .pop())
    }

    /// Records a response that makes no account event (unmatched, or a
    /// CSAT kept with its account); `false` when one of its key is there
    /// already.
    pub async fn record_survey_response(
        &self,
        org: &OrgId,
        record: &SurveyRecord,
    ) -> Result<bool, StoreError> {
        let sql = format!("{INSERT} ON CONFLICT (org_id, response_key) DO NOTHING");
        let done = crate::sql_args::any_query(&sql, &record_args(org, record))
            .execute(&self.write)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Assigns an unmatched response that makes no account event (a CSAT
    /// one); `false` when it is no longer unmatched.
    pub async fn assign_survey_response(
        &self,
        org: &OrgId,
        key: &str,
        account: &AccountId,
        detail: &str,
    ) -> Result<bool, StoreError> {
        let done = crate::sql_args::any_query(ASSIGN, &assign_args(org, key, account, detail))
            .execute(&self.write)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// The responses no account was found for, oldest first.
    pub async fn unmatched_survey_responses(
        &self,
        org: &OrgId,
        limit: u32,
    ) -> Result<Vec<SurveyRecord>, StoreError> {
        self.survey_responses_where(
            "org_id = $1 AND outcome = 'unmatched'",
            vec![org.to_string()],
            limit,
        )
        .await
    }

    async fn survey_responses_where(
        &self,
        condition: &str,
        args: Vec<String>,
        limit: u32,
    ) -> Result<Vec<SurveyRecord>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM survey_responses WHERE {condition}
             ORDER BY received_at, response_key LIMIT {}",
            limit.max(1)
        );
        let args: Vec<Arg> = args.into_iter().map(Arg::from).collect();
        self.rows(&sql, &args, |r| {
            let score = r.int(4)?;
            Ok(SurveyRecord {
                key: r.text(0)?,
                source: r.text(1)?,
                response_id: r.opt_text(2)?,
                kind: r.text(3)?,
                score: u8::try_from(score)
                    .map_err(|_| StoreError::corrupt("survey score", score.to_string()))?,
                responded_at: from_micros(r.int(5)?)?,
                email: r.opt_text(6)?,
                named_account: r.opt_text(7)?,
                comment: r.opt_text(8)?,
                account: r
                    .opt_text(9)?
                    .map(|a| {
                        AccountId::parse(&a).map_err(|_| StoreError::corrupt("survey account", a))
                    })
                    .transpose()?,
                outcome: r.text(10)?,
                detail: r.text(11)?,
                received_at: from_micros(r.int(12)?)?,
            })
        })
        .await
    }
}
