//! Handoff listings: the list page's filters, search and sort, the work
//! queue's candidates, and counts by state. Apart from [`crate::read`],
//! which reads single aggregates and the log.

use baton_domain::{
    AccountId, ContractKey, DealId, Email, Handoff, HandoffId, OrgId, State, TeamKey, Timestamp,
};
use sqlx::Row;

use crate::read::{contains_pattern, json, to_u64};
use crate::sql_args::Arg;
use crate::{Store, StoreError};

impl Store {
    /// A page of handoffs matching `filter`, in id order, after the cursor.
    pub async fn handoffs_page(
        &self,
        org: &OrgId,
        filter: &HandoffFilter,
        after: Option<&HandoffId>,
        limit: u32,
    ) -> Result<Vec<Handoff>, StoreError> {
        let mut args: Vec<String> = vec![org.to_string()];
        let Some(conditions) = filter_sql(filter, &mut args, "") else {
            return Ok(Vec::new());
        };
        let mut sql = format!("SELECT doc FROM handoffs WHERE org_id = $1{conditions}");
        if let Some(after) = after {
            args.push(after.to_string());
            sql.push_str(&format!(" AND handoff_id > ${}", args.len()));
        }
        sql.push_str(&format!(" ORDER BY handoff_id LIMIT {}", limit.max(1)));
        let args: Vec<Arg> = args.into_iter().map(Arg::from).collect();
        self.rows(&sql, &args, |r| json("handoff", &r.text(0)?))
            .await
    }
}

impl Store {
    /// The handoffs that may hold work for a person (see
    /// `Handoff::next_steps`, which decides): those submitted to one of
    /// `teams`; their own drafts and rejected ones; and accepted ones to or
    /// from their teams that still carry a deadline row (follow-through,
    /// first touch, re-unification) or whose contract asks attestation
    /// questions (`attesting`). A superset: the domain drops what holds no
    /// step for them. At most `limit`, earliest deadline first, so
    /// what is overdue is never cut off.
    pub async fn queue_candidates(
        &self,
        org: &OrgId,
        me: &Email,
        teams: &[TeamKey],
        sending: &[ContractKey],
        attesting: &[ContractKey],
        limit: u32,
    ) -> Result<Vec<Handoff>, StoreError> {
        let mut args: Vec<String> = vec![org.to_string(), me.to_string()];
        let list = |items: Vec<String>, args: &mut Vec<String>| {
            if items.is_empty() {
                return "NULL".to_string();
            }
            let first = args.len() + 1;
            args.extend(items);
            (first..=args.len())
                .map(|i| format!("${i}"))
                .collect::<Vec<_>>()
                .join(",")
        };
        let teams = list(teams.iter().map(ToString::to_string).collect(), &mut args);
        let sending = list(sending.iter().map(ToString::to_string).collect(), &mut args);
        let attesting = list(
            attesting.iter().map(ToString::to_string).collect(),
            &mut args,
        );
        // `x IN (NULL)` is never true, so an empty list selects nothing.
        let sql = format!(
            "SELECT doc FROM handoffs h WHERE h.org_id = $1 AND ( \
               (h.state = 'submitted' AND h.to_team IN ({teams})) \
               OR (h.state IN ('draft', 'rejected') AND h.sender = $2) \
               OR (h.state = 'accepted' \
                   AND (h.to_team IN ({teams}) OR h.contract IN ({sending}) OR h.sender = $2) \
                   AND (h.contract IN ({attesting}) OR EXISTS ( \
                     SELECT 1 FROM sla_deadlines d \
                     WHERE d.org_id = h.org_id AND d.handoff_id = h.handoff_id))) \
             ) ORDER BY COALESCE((SELECT MIN(d.due) FROM sla_deadlines d \
                 WHERE d.org_id = h.org_id AND d.handoff_id = h.handoff_id), h.created_at), h.handoff_id \
             LIMIT {}",
            limit.max(1)
        );
        let args: Vec<Arg> = args.into_iter().map(Arg::from).collect();
        self.rows(&sql, &args, |r| json("handoff", &r.text(0)?))
            .await
    }
}

/// The SQL conditions (each starting ` AND `) of `filter` on the columns
/// of table alias `t` (`""` for none), its values appended to `args`;
/// `None` when it can match nothing (an empty contract list).
fn filter_sql(filter: &HandoffFilter, args: &mut Vec<String>, t: &str) -> Option<String> {
    let mut sql = String::new();
    let mut eq = |col: &str, v: Option<String>, sql: &mut String| {
        if let Some(v) = v {
            args.push(v);
            sql.push_str(&format!(" AND {t}{col} = ${}", args.len()));
        }
    };
    eq(
        "contract",
        filter.contract.as_ref().map(ToString::to_string),
        &mut sql,
    );
    eq(
        "state",
        filter.state.map(|s| s.as_str().to_string()),
        &mut sql,
    );
    eq(
        "to_team",
        filter.to_team.as_ref().map(ToString::to_string),
        &mut sql,
    );
    eq(
        "account_id",
        filter.account.as_ref().map(ToString::to_string),
        &mut sql,
    );
    eq(
        "sender",
        filter.sender.as_ref().map(ToString::to_string),
        &mut sql,
    );
    eq(
        "deal",
        filter.deal.as_ref().map(ToString::to_string),
        &mut sql,
    );
    if let Some(keys) = &filter.contracts {
        if keys.is_empty() {
            return None;
        }
        let first = args.len() + 1;
        args.extend(keys.iter().map(ToString::to_string));
        let list: Vec<String> = (first..=args.len()).map(|i| format!("${i}")).collect();
        sql.push_str(&format!(" AND {t}contract IN ({})", list.join(",")));
    }
    Some(sql)
}

/// How a handoff search is ordered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum HandoffSort {
    /// Most recently started first.
    #[default]
    Newest,
    /// Oldest first.
    Oldest,
    /// By account name.
    Account,
    /// Lowest completeness score first.
    Score,
    /// Longest waiting first (earliest first submission).
    Waiting,
}

impl HandoffSort {
    /// Every order, as URLs name them.
    pub const ALL: [Self; 5] = [
        Self::Newest,
        Self::Oldest,
        Self::Account,
        Self::Score,
        Self::Waiting,
    ];

    /// Its name in URLs.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Newest => "newest",
            Self::Oldest => "oldest",
            Self::Account => "account",
            Self::Score => "score",
            Self::Waiting => "waiting",
        }
    }

    /// Parses a name.
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    fn order_by(self) -> &'static str {
        match self {
            Self::Newest => "h.created_at DESC, h.handoff_id DESC",
            Self::Oldest => "h.created_at, h.handoff_id",
            Self::Account => "LOWER(COALESCE(a.name, h.account_id)), h.handoff_id",
            Self::Score => "h.score, h.handoff_id",
            Self::Waiting => {
                "CASE WHEN h.first_submitted_at IS NULL THEN 1 ELSE 0 END, h.first_submitted_at, h.handoff_id"
            }
        }
    }
}

/// A search of the handoff list: a filter, words to find in the account's
/// name or id, a range of start dates, an order and a page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HandoffSearch {
    /// What must match exactly.
    pub filter: HandoffFilter,
    /// Words the account's name or id contains (any case).
    pub text: Option<String>,
    /// Started at or after.
    pub from: Option<Timestamp>,
    /// Started before.
    pub until: Option<Timestamp>,
    /// The order.
    pub sort: HandoffSort,
    /// Rows to skip.
    pub offset: u64,
    /// Rows to return.
    pub limit: u32,
}

impl Store {
    /// One page of the handoffs `search` finds, and how many it finds in all.
    pub async fn search_handoffs(
        &self,
        org: &OrgId,
        search: &HandoffSearch,
    ) -> Result<(Vec<Handoff>, u64), StoreError> {
        let mut args: Vec<String> = vec![org.to_string()];
        let Some(mut sql) = filter_sql(&search.filter, &mut args, "h.") else {
            return Ok((Vec::new(), 0));
        };
        if let Some(text) = search
            .text
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            args.push(contains_pattern(&text.to_lowercase()));
            let n = args.len();
            sql.push_str(&format!(
                " AND (LOWER(a.name) LIKE ${n} ESCAPE '\\' OR LOWER(h.account_id) LIKE ${n} ESCAPE '\\')"
            ));
        }
        let mut times: Vec<Arg> = Vec::new();
        let base = args.len();
        if let Some(from) = search.from {
            times.push(Arg::from(crate::micros(from)));
            sql.push_str(&format!(" AND h.created_at >= ${}", base + times.len()));
        }
        if let Some(until) = search.until {
            times.push(Arg::from(crate::micros(until)));
            sql.push_str(&format!(" AND h.created_at < ${}", base + times.len()));
        }
        let from = "FROM handoffs h LEFT JOIN accounts a \
                    ON a.org_id = h.org_id AND a.account_id = h.account_id \
                    WHERE h.org_id = $1";
        let mut all: Vec<Arg> = args.into_iter().map(Arg::from).collect();
        all.extend(times);
        let total = self
            .rows(&format!("SELECT COUNT(*) {from}{sql}"), &all, |r| r.int(0))
            .await?
            .first()
            .copied()
            .unwrap_or(0);
        let page = self
            .rows(
                &format!(
                    "SELECT h.doc {from}{sql} ORDER BY {} LIMIT {} OFFSET {}",
                    search.sort.order_by(),
                    search.limit.max(1),
                    search.offset
                ),
                &all,
                |r| json("handoff", &r.text(0)?),
            )
            .await?;
        Ok((page, u64::try_from(total).unwrap_or(0)))
    }
}

/// Which handoffs a listing wants; every filter given must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HandoffFilter {
    /// One contract.
    pub contract: Option<ContractKey>,
    /// Any of these contracts (e.g. those a team sends).
    pub contracts: Option<Vec<ContractKey>>,
    /// One state.
    pub state: Option<State>,
    /// The receiving team.
    pub to_team: Option<TeamKey>,
    /// One account.
    pub account: Option<AccountId>,
    /// One sender.
    pub sender: Option<Email>,
    /// One CRM deal.
    pub deal: Option<DealId>,
}

/// Handoff counts of one contract in one state, for summaries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateCount {
    /// The contract.
    pub contract: String,
    /// The state.
    pub state: String,
    /// How many handoffs.
    pub count: u64,
    /// Sum of their latest submission scores (for averages).
    pub score_sum: u64,
    /// How many of them were submitted at least once.
    pub submitted: u64,
}

impl Store {
    /// Handoffs per contract and state, with score sums.
    pub async fn handoff_counts(&self, org: &OrgId) -> Result<Vec<StateCount>, StoreError> {
        let rows = sqlx::query(
            "SELECT contract, state, COUNT(*), CAST(COALESCE(SUM(submitted_score), 0) AS BIGINT), COUNT(submitted_score)
             FROM handoffs WHERE org_id = $1 GROUP BY contract, state ORDER BY contract, state",
        )
        .bind(org.to_string())
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(StateCount {
                    contract: r.try_get(0)?,
                    state: r.try_get(1)?,
                    count: to_u64(r.try_get(2)?),
                    score_sum: to_u64(r.try_get(3)?),
                    submitted: to_u64(r.try_get(4)?),
                })
            })
            .collect()
    }
}
