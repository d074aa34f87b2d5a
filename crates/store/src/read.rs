//! Reads: the aggregates a use case needs before it asks the domain, and the
//! log itself for export and rebuild.

use std::collections::BTreeMap;

use baton_domain::account::{Account, AccountStatus};
use baton_domain::contract::{Contract, ContractDef, Mode};
use baton_domain::event::{Event, Via};
use baton_domain::org::{Directory, Role, UserRecord};
use baton_domain::{
    AccountId, ContractKey, Currency, Email, Handoff, HandoffId, Money, OrgId, TeamKey, Timestamp,
};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

use crate::sql_args::{Arg, Cols};
use crate::{Backend, Store, StoreError, from_micros, placeholders};

/// Ids per bulk read: far below both backends' parameter limits.
const BULK_READ: usize = 1000;

/// An event as stored, with its place in the log.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEvent {
    /// Org-wide sequence number.
    pub seq: u64,
    /// Position in its stream.
    pub stream_seq: u64,
    /// How it entered Baton.
    pub via: Via,
    /// When Baton stored it.
    pub recorded_at: Timestamp,
    /// The event.
    pub event: Event,
}

/// One published version of a contract.
#[derive(Debug, Clone, PartialEq)]
pub struct VersionRecord {
    /// The version number.
    pub version: u32,
    /// The definition.
    pub definition: ContractDef,
    /// When it was published.
    pub published_at: Timestamp,
    /// By whom.
    pub published_by: Option<String>,
}

pub(crate) fn parse<T>(
    what: &str,
    raw: &str,
    f: impl FnOnce(&str) -> Result<T, baton_domain::DomainError>,
) -> Result<T, StoreError> {
    f(raw).map_err(|e| StoreError::corrupt(what, e))
}

pub(crate) fn json<T: serde::de::DeserializeOwned>(what: &str, raw: &str) -> Result<T, StoreError> {
    serde_json::from_str(raw).map_err(|e| StoreError::corrupt(what, e))
}

pub(crate) fn to_u64(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

impl Store {
    /// An org's display name.
    pub async fn org_name(&self, org: &OrgId) -> Result<Option<String>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT name FROM orgs WHERE org_id = $1")
                .bind(org.to_string())
                .fetch_optional(&self.read)
                .await?,
        )
    }

    /// All orgs: (id, name).
    pub async fn orgs(&self) -> Result<Vec<(OrgId, String)>, StoreError> {
        let rows = sqlx::query("SELECT org_id, name FROM orgs ORDER BY org_id")
            .fetch_all(&self.read)
            .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    parse("org id", &r.try_get::<String, _>(0)?, |s| OrgId::parse(s))?,
                    r.try_get(1)?,
                ))
            })
            .collect()
    }

    /// The org's teams and users.
    pub async fn directory(&self, org: &OrgId) -> Result<Directory, StoreError> {
        let mut dir = Directory::default();
        let version: Option<i64> =
            sqlx::query_scalar("SELECT stream_version FROM orgs WHERE org_id = $1")
                .bind(org.to_string())
                .fetch_optional(&self.read)
                .await?;
        dir.version = to_u64(version.unwrap_or(0));
        for r in sqlx::query("SELECT team, name FROM teams WHERE org_id = $1")
            .bind(org.to_string())
            .fetch_all(&self.read)
            .await?
        {
            dir.teams.insert(
                parse("team", &r.try_get::<String, _>(0)?, |s| TeamKey::parse(s))?,
                r.try_get(1)?,
            );
        }
        for r in sqlx::query("SELECT email, name, admin, active FROM users WHERE org_id = $1")
            .bind(org.to_string())
            .fetch_all(&self.read)
            .await?
        {
            let email = parse("email", &r.try_get::<String, _>(0)?, |s| Email::parse(s))?;
            let admin: i64 = r.try_get(2)?;
            let active: i64 = r.try_get(3)?;
            dir.users.insert(
                email,
                UserRecord {
                    name: r.try_get(1)?,
                    admin: admin != 0,
                    active: active != 0,
                    teams: BTreeMap::new(),
                },
            );
        }
        for r in sqlx::query("SELECT email, team, role FROM memberships WHERE org_id = $1")
            .bind(org.to_string())
            .fetch_all(&self.read)
            .await?
        {
            let email = parse("email", &r.try_get::<String, _>(0)?, |s| Email::parse(s))?;
            let team = parse("team", &r.try_get::<String, _>(1)?, |s| TeamKey::parse(s))?;
            let role: String = r.try_get(2)?;
            let role = Role::parse(&role).ok_or_else(|| StoreError::corrupt("role", role))?;
            if let Some(u) = dir.users.get_mut(&email) {
                u.teams.insert(team, role);
            }
        }
        Ok(dir)
    }

    /// One user of the org with their teams: what every request needs to
    /// know about its caller, in one indexed read.
    pub async fn user(&self, org: &OrgId, email: &Email) -> Result<Option<UserRecord>, StoreError> {
        let rows = self
            .rows(
                "SELECT u.name, u.admin, m.team, m.role, u.active FROM users u
                 LEFT JOIN memberships m ON m.org_id = u.org_id AND m.email = u.email
                 WHERE u.org_id = $1 AND u.email = $2",
                &[Arg::from(org.to_string()), Arg::from(email.to_string())],
                |r| {
                    Ok((
                        r.text(0)?,
                        r.int(1)?,
                        r.opt_text(2)?,
                        r.opt_text(3)?,
                        r.int(4)?,
                    ))
                },
            )
            .await?;
        let mut user: Option<UserRecord> = None;
        for (name, admin, team, role, active) in rows {
            let u = user.get_or_insert(UserRecord {
                name,
                admin: admin != 0,
                active: active != 0,
                teams: BTreeMap::new(),
            });
            if let Some(team) = team {
                let team = parse("team", &team, |s| TeamKey::parse(s))?;
                let role = role.unwrap_or_default();
                let role = Role::parse(&role).ok_or_else(|| StoreError::corrupt("role", role))?;
                u.teams.insert(team, role);
            }
        }
        Ok(user)
    }

    /// An active user's password hash (none for a deactivated one, who
    /// cannot sign in).
    pub async fn password_hash(
        &self,
        org: &OrgId,
        email: &Email,
    ) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT c.password_hash FROM credentials c
             JOIN users u ON u.org_id = c.org_id AND u.email = c.email
             WHERE c.org_id = $1 AND c.email = $2 AND u.active = 1",
        )
        .bind(org.to_string())
        .bind(email.to_string())
        .fetch_optional(&self.read)
        .await?)
    }

    /// Every contract with its current version's definition.
    pub async fn contracts(&self, org: &OrgId) -> Result<Vec<Contract>, StoreError> {
        let heads = self
            .rows(
                "SELECT contract, current_version, mode, stream_version FROM contracts
                 WHERE org_id = $1 ORDER BY contract",
                &[Arg::from(org.to_string())],
                contract_head,
            )
            .await?;
        let mut out = Vec::with_capacity(heads.len());
        for head in heads {
            out.push(self.with_definition(org, head).await?);
        }
        Ok(out)
    }

    /// One contract with its current version's definition.
    pub async fn contract(
        &self,
        org: &OrgId,
        key: &ContractKey,
    ) -> Result<Option<Contract>, StoreError> {
        match self.contract_head(org, key).await? {
            Some(head) => Ok(Some(self.with_definition(org, head).await?)),
            None => Ok(None),
        }
    }

    /// A contract's current definition, shared rather than copied (what a
    /// gate check needs of the contract).
    pub async fn current_definition(
        &self,
        org: &OrgId,
        key: &ContractKey,
    ) -> Result<Option<std::sync::Arc<ContractDef>>, StoreError> {
        match self.contract_head(org, key).await? {
            Some(head) => self.definition(org, key, head.current_version).await,
            None => Ok(None),
        }
    }

    async fn contract_head(
        &self,
        org: &OrgId,
        key: &ContractKey,
    ) -> Result<Option<ContractHead>, StoreError> {
        self.row(
            "SELECT contract, current_version, mode, stream_version FROM contracts
             WHERE org_id = $1 AND contract = $2",
            &[Arg::from(org.to_string()), Arg::from(key.to_string())],
            contract_head,
        )
        .await
    }

    /// A contract's head completed with its current version's definition.
    async fn with_definition(
        &self,
        org: &OrgId,
        head: ContractHead,
    ) -> Result<Contract, StoreError> {
        let current = self
            .definition(org, &head.key, head.current_version)
            .await?
            .ok_or_else(|| {
                StoreError::corrupt(
                    "contract",
                    format!("'{}' has no version {}", head.key, head.current_version),
                )
            })?;
        Ok(Contract {
            key: head.key,
            current_version: head.current_version,
            mode: head.mode,
            stream_version: head.stream_version,
            current: (*current).clone(),
        })
    }

    /// Every published version of a contract, oldest first.
    pub async fn contract_versions(
        &self,
        org: &OrgId,
        key: &ContractKey,
    ) -> Result<Vec<VersionRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT version, definition, published_at, published_by FROM contract_versions
             WHERE org_id = $1 AND contract = $2 ORDER BY version",
        )
        .bind(org.to_string())
        .bind(key.to_string())
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(VersionRecord {
                    version: u32::try_from(r.try_get::<i64, _>(0)?).unwrap_or(0),
                    definition: json("contract version", &r.try_get::<String, _>(1)?)?,
                    published_at: from_micros(r.try_get(2)?)?,
                    published_by: r.try_get(3)?,
                })
            })
            .collect()
    }

    /// One account.
    pub async fn account(
        &self,
        org: &OrgId,
        id: &AccountId,
    ) -> Result<Option<Account>, StoreError> {
        self.row(
            "SELECT account_id, name, arr_minor, currency, segment, status, churned_at, stream_version
             FROM accounts WHERE org_id = $1 AND account_id = $2",
            &[Arg::from(org.to_string()), Arg::from(id.to_string())],
            account_from_row,
        )
        .await
    }

    /// A page of accounts in id order, after the cursor.
    pub async fn accounts_page(
        &self,
        org: &OrgId,
        after: Option<&AccountId>,
        limit: u32,
    ) -> Result<Vec<Account>, StoreError> {
        let rows = sqlx::query(
            "SELECT account_id, name, arr_minor, currency, segment, status, churned_at, stream_version
             FROM accounts WHERE org_id = $1 AND account_id > $2 ORDER BY account_id LIMIT $3",
        )
        .bind(org.to_string())
        .bind(after.map(ToString::to_string).unwrap_or_default())
        .bind(i64::from(limit.max(1)))
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(|r| account_from_row(r)).collect()
    }

    /// Accounts whose name or id contains `text` (any case), exact name
    /// matches first, then by name; at most `limit`.
    pub async fn find_accounts(
        &self,
        org: &OrgId,
        text: &str,
        limit: u32,
    ) -> Result<Vec<Account>, StoreError> {
        let needle = text.trim().to_lowercase();
        let like = contains_pattern(&needle);
        let rows = sqlx::query(
            "SELECT account_id, name, arr_minor, currency, segment, status, churned_at, stream_version
             FROM accounts WHERE org_id = $1
               AND (LOWER(name) LIKE $2 ESCAPE '\\' OR LOWER(account_id) LIKE $2 ESCAPE '\\')
             ORDER BY CASE WHEN LOWER(name) = $3 OR LOWER(account_id) = $3 THEN 0 ELSE 1 END,
                      LOWER(name), account_id
             LIMIT $4",
        )
        .bind(org.to_string())
        .bind(like)
        .bind(needle)
        .bind(i64::from(limit.max(1)))
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(|r| account_from_row(r)).collect()
    }

    /// The accounts among `ids` that exist, in one query per thousand ids
    /// (for bulk work such as an import).
    pub async fn accounts_by_id(
        &self,
        org: &OrgId,
        ids: &[AccountId],
    ) -> Result<Vec<Account>, StoreError> {
        let mut conn = self.read.acquire().await?;
        accounts_in(&mut conn, self.backend, org, ids).await
    }

    /// One handoff.
    pub async fn handoff(
        &self,
        org: &OrgId,
        id: &HandoffId,
    ) -> Result<Option<Handoff>, StoreError> {
        let doc: Option<String> =
            sqlx::query_scalar("SELECT doc FROM handoffs WHERE org_id = $1 AND handoff_id = $2")
                .bind(org.to_string())
                .bind(id.to_string())
                .fetch_optional(&self.read)
                .await?;
        doc.map(|d| json("handoff", &d)).transpose()
    }

    /// The account's most recently accepted handoff of a contract.
    pub async fn latest_accepted(
        &self,
        org: &OrgId,
        account: &AccountId,
        contract: &ContractKey,
    ) -> Result<Option<Handoff>, StoreError> {
        let doc: Option<String> = sqlx::query_scalar(
            "SELECT doc FROM handoffs WHERE org_id = $1 AND account_id = $2 AND contract = $3 AND state = 'accepted'
             ORDER BY accepted_at DESC, handoff_id DESC LIMIT 1",
        )
        .bind(org.to_string())
        .bind(account.to_string())
        .bind(contract.to_string())
        .fetch_optional(&self.read)
        .await?;
        doc.map(|d| json("handoff", &d)).transpose()
    }

    /// How many events the org's log holds.
    pub async fn event_count(&self, org: &OrgId) -> Result<u64, StoreError> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM events WHERE org_id = $1")
            .bind(org.to_string())
            .fetch_one(&self.read)
            .await?;
        Ok(to_u64(n))
    }

    /// Events appended so far, per org: the log's last sequence number,
    /// kept on the org's row by the write path (one small read at any log
    /// size, and the same whichever process appended them).
    pub async fn events_appended(&self) -> Result<Vec<(OrgId, u64)>, StoreError> {
        let rows: Vec<(String, Option<i64>)> =
            sqlx::query_as("SELECT org_id, last_seq FROM orgs ORDER BY org_id")
                .fetch_all(&self.read)
                .await?;
        rows.into_iter()
            .map(|(org, seq)| {
                Ok((
                    parse("org id", &org, |s| OrgId::parse(s))?,
                    to_u64(seq.unwrap_or(0)),
                ))
            })
            .collect()
    }

    /// The org's log, in order, from sequence `after + 1`, at most `limit`.
    pub async fn events(
        &self,
        org: &OrgId,
        after: u64,
        limit: u64,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        let rows = sqlx::query(
            "SELECT seq, stream_seq, via, recorded_at, payload FROM events
             WHERE org_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
        )
        .bind(org.to_string())
        .bind(after as i64)
        .bind(limit as i64)
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(stored_event).collect()
    }

    /// One stream's events in order (a handoff's timeline, an account's
    /// signals), e.g. `handoff:H-1`.
    pub async fn stream_events(
        &self,
        org: &OrgId,
        stream: &str,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        let rows = sqlx::query(
            "SELECT seq, stream_seq, via, recorded_at, payload FROM events
             WHERE org_id = $1 AND stream = $2 ORDER BY stream_seq",
        )
        .bind(org.to_string())
        .bind(stream.to_string())
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(stored_event).collect()
    }
}

/// A contract as its row holds it, without the definition.
struct ContractHead {
    key: ContractKey,
    current_version: u32,
    mode: Mode,
    stream_version: u64,
}

fn contract_head(r: &dyn Cols) -> Result<ContractHead, StoreError> {
    Ok(ContractHead {
        key: parse("contract", &r.text(0)?, |s| ContractKey::parse(s))?,
        current_version: u32::try_from(r.int(1)?).unwrap_or(0),
        mode: parse("mode", &r.text(2)?, Mode::parse)?,
        stream_version: to_u64(r.int(3)?),
    })
}

pub(crate) fn account_from_row(r: &dyn Cols) -> Result<Account, StoreError> {
    let status = r.text(5)?;
    let churned_at = r.opt_int(6)?;
    Ok(Account {
        id: parse("account id", &r.text(0)?, |s| AccountId::parse(s))?,
        name: r.text(1)?,
        arr: Money {
            minor: r.int(2)?,
            currency: parse("currency", &r.text(3)?, Currency::parse)?,
        },
        segment: r.opt_text(4)?,
        status: match status.as_str() {
            "churned" => AccountStatus::Churned,
            _ => AccountStatus::Active,
        },
        churned_at: churned_at.map(from_micros).transpose()?,
        stream_version: to_u64(r.int(7)?),
    })
}

impl Store {
    /// One published version's definition.
    pub async fn contract_version(
        &self,
        org: &OrgId,
        key: &ContractKey,
        version: u32,
    ) -> Result<Option<ContractDef>, StoreError> {
        Ok(self
            .definition(org, key, version)
            .await?
            .map(|d| (*d).clone()))
    }

    /// Every published version of every contract: (key, version) → definition.
    pub async fn all_contract_versions(
        &self,
        org: &OrgId,
    ) -> Result<BTreeMap<(ContractKey, u32), ContractDef>, StoreError> {
        let rows = sqlx::query(
            "SELECT contract, version, definition FROM contract_versions WHERE org_id = $1",
        )
        .bind(org.to_string())
        .fetch_all(&self.read)
        .await?;
        let mut out = BTreeMap::new();
        for r in &rows {
            let key = parse("contract", &r.try_get::<String, _>(0)?, |s| {
                ContractKey::parse(s)
            })?;
            let v = u32::try_from(r.try_get::<i64, _>(1)?).unwrap_or(0);
            out.insert(
                (key, v),
                json("contract version", &r.try_get::<String, _>(2)?)?,
            );
        }
        Ok(out)
    }
}

pub(crate) fn stored_event(r: &AnyRow) -> Result<StoredEvent, StoreError> {
    let via: String = r.try_get(2)?;
    Ok(StoredEvent {
        seq: to_u64(r.try_get(0)?),
        stream_seq: to_u64(r.try_get(1)?),
        via: Via::parse(&via).ok_or_else(|| StoreError::corrupt("event via", via))?,
        recorded_at: from_micros(r.try_get(3)?)?,
        event: json("event", &r.try_get::<String, _>(4)?)?,
    })
}

/// The accounts among `ids` that exist, read through `conn` (a pool's
/// connection, or a transaction that sees its own writes), a thousand ids
/// per query.
pub(crate) async fn accounts_in(
    conn: &mut AnyConnection,
    backend: Backend,
    org: &OrgId,
    ids: &[AccountId],
) -> Result<Vec<Account>, StoreError> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(BULK_READ) {
        let sql = format!(
            "SELECT account_id, name, arr_minor, currency, segment, status, churned_at, stream_version
             FROM accounts WHERE org_id = {} AND account_id IN ({})",
            placeholders(backend, 1, 1),
            placeholders(backend, 2, chunk.len())
        );
        let mut q = sqlx::query(AssertSqlSafe(sql))
            .persistent(crate::keep_prepared(chunk.len()))
            .bind(org.to_string());
        for id in chunk {
            q = q.bind(id.to_string());
        }
        for row in q.fetch_all(&mut *conn).await? {
            out.push(account_from_row(&row)?);
        }
    }
    Ok(out)
}

/// The handoffs whose `column` (`handoff_id` or `account_id`) is among
/// `ids`, narrowed by `and` (an SQL condition, or empty), in id order per
/// thousand ids, read through `conn` as [`accounts_in`] does. Sorted here,
/// not in SQL: with `ORDER BY handoff_id` SQLite walked every handoff of
/// the org in key order to read a thousand accounts' (an import of 1M
/// handoffs spent most of its time there).
pub(crate) async fn handoffs_in<T: std::fmt::Display>(
    conn: &mut AnyConnection,
    backend: Backend,
    org: &OrgId,
    (column, and): (&str, &str),
    ids: &[T],
) -> Result<Vec<Handoff>, StoreError> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(BULK_READ) {
        let sql = format!(
            "SELECT doc FROM handoffs WHERE org_id = {} AND {column} IN ({}) {and}",
            placeholders(backend, 1, 1),
            placeholders(backend, 2, chunk.len())
        );
        let mut q = sqlx::query_scalar::<_, String>(AssertSqlSafe(sql))
            .persistent(crate::keep_prepared(chunk.len()))
            .bind(org.to_string());
        for id in chunk {
            q = q.bind(id.to_string());
        }
        let first = out.len();
        for doc in q.fetch_all(&mut *conn).await? {
            out.push(json::<Handoff>("handoff", &doc)?);
        }
        out[first..].sort_unstable_by(|a, b| a.id.cmp(&b.id));
    }
    Ok(out)
}

/// A LIKE pattern (with `ESCAPE '\\'`) matching any text that contains
/// `text`, whose `%`, `_` and `\\` are taken literally.
pub(crate) fn contains_pattern(text: &str) -> String {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}
