//! The scorecard and the leak audit (SPEC §5, §6): sums of every account's
//! contribution, turned into the six metrics per contract and period.

use std::collections::BTreeMap;

use baton_domain::fx::{self, RateEntry, Reporting, Total};
use baton_domain::period::Period;
use baton_domain::scorecard::{Cell, Metric, MetricKind, Metrics};
use baton_domain::{ContractKey, Currency, OrgId};
use serde::Serialize;

use crate::{App, AppError, Caller};

/// Most months a leak audit spans.
pub const MAX_RANGE: usize = 120;

/// Most periods a trend reaches back.
pub const MAX_PERIODS: usize = 60;

/// Accounts per chunk of a full recompute.
const RECOMPUTE_CHUNK: usize = 5000;

/// Chunks of a full recompute read and parsed at once.
const RECOMPUTE_IN_FLIGHT: usize = 3;

fn check_periods(periods: usize) -> Result<(), AppError> {
    if periods == 0 || periods > MAX_PERIODS {
        return Err(baton_domain::DomainError::value(
            "periods",
            format!("ask for 1 to {MAX_PERIODS} periods"),
        )
        .into());
    }
    Ok(())
}

/// Scorecards of `contracts` for `period` (and a trend over `trail` when it
/// spans more than one period) from summed cells.
fn assemble(
    contracts: Vec<ContractKey>,
    period: Period,
    trail: &[Period],
    sums: &BTreeMap<(ContractKey, Period), (Cell, u64)>,
) -> Vec<ContractScorecard> {
    let empty = (Cell::default(), 0);
    contracts
        .into_iter()
        .map(|k| {
            let metrics_of = |p: Period| {
                let (cell, n) = sums.get(&(k.clone(), p)).unwrap_or(&empty);
                Metrics::with_sample(cell, *n)
            };
            let trend = if trail.len() > 1 {
                trail
                    .iter()
                    .map(|p| TrendPoint {
                        period: *p,
                        metrics: metrics_of(*p),
                    })
                    .collect()
            } else {
                Vec::new()
            };
            ContractScorecard {
                metrics: metrics_of(period),
                contract: k,
                period,
                trend,
            }
        })
        .collect()
}

/// One contract's scorecard for a period, with its trend.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContractScorecard {
    /// The contract.
    pub contract: ContractKey,
    /// The period.
    pub period: Period,
    /// The six metrics.
    pub metrics: Metrics,
    /// The same metrics for the trailing periods, oldest first, ending
    /// with `period` (only when more than one period was asked for).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub trend: Vec<TrendPoint>,
}

/// The metrics of one earlier period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrendPoint {
    /// The period.
    pub period: Period,
    /// Its metrics.
    pub metrics: Metrics,
}

/// One contract's line of the leak audit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LeakLine {
    /// The contract.
    pub contract: ContractKey,
    /// Completion Rate over the range.
    pub completion_rate: Metric,
    /// Receiver Acceptance over the range.
    pub receiver_acceptance: Metric,
    /// Re-Discovery Incidence over the range.
    pub rediscovery_incidence: Metric,
    /// ARR of churns in the range whose handoff scored below 70, in the
    /// reporting currency (each churn at the rate of its date), with the
    /// rates used and what could not be converted.
    pub arr_leaked: Total,
    /// ARR of active accounts whose latest handoff scored below 70, was
    /// rejected, or has an incident against it, in the reporting currency
    /// (at the rates of the audit's day), with the rates used and what could
    /// not be converted.
    pub arr_at_risk: Total,
}

/// The leak audit: contracts ranked by ARR leaked, then ARR at risk, in
/// the reporting currency. Amounts of different currencies are never added:
/// what has no rate is listed per currency and the audit says it is not
/// complete.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LeakAudit {
    /// First period of the range.
    pub from: Period,
    /// Last period of the range.
    pub to: Period,
    /// The reporting currency every figure is in.
    pub currency: Currency,
    /// Why that currency (`set`, `most_common_account_currency`, `fallback`).
    pub currency_source: fx::ReportingSource,
    /// The day ARR at risk was converted at (the audit's day, UTC).
    pub as_of: jiff::civil::Date,
    /// Every rate used, by currency and effective date (each line's totals
    /// say how much they converted at which).
    pub rates_used: Vec<RateEntry>,
    /// Currencies with amounts that could not be converted (no rate into
    /// the reporting currency on their date).
    pub missing_rates: Vec<Currency>,
    /// Whether every amount was converted (else the figures are the
    /// converted part plus each line's `unconverted` amounts).
    pub complete: bool,
    /// Ranked, worst first.
    pub contracts: Vec<LeakLine>,
    /// The contract to fix first: the top of the ranking, if it leaks at all.
    pub fix_first: Option<ContractKey>,
}

impl App {
    /// The stored sums for `periods`, with each cell's number of durations.
    async fn sums(
        &self,
        org: &OrgId,
        periods: &[Period],
    ) -> Result<BTreeMap<(ContractKey, Period), (Cell, u64)>, AppError> {
        Ok(self.store.scorecard_cells(org, periods).await?)
    }

    /// The scorecard of every contract (or one) for `period`, with a trend
    /// over `periods` periods ending there; for any member of the org.
    pub async fn scorecard(
        &self,
        caller: &Caller,
        contract: Option<&ContractKey>,
        period: Period,
        periods: usize,
    ) -> Result<Vec<ContractScorecard>, AppError> {
        self.actor(caller).await?;
        self.org_scorecard(&caller.org, contract, period, periods)
            .await
    }

    /// [`App::scorecard`] for an org, without a caller (the CLI).
    #[tracing::instrument(skip_all)]
    pub async fn org_scorecard(
        &self,
        org: &OrgId,
        contract: Option<&ContractKey>,
        period: Period,
        periods: usize,
    ) -> Result<Vec<ContractScorecard>, AppError> {
        check_periods(periods)?;
        let contracts = self.scorecard_contracts(org, contract).await?;
        let trail = period.trailing(periods)?;
        let sums = self.sums(org, &trail).await?;
        Ok(assemble(contracts, period, &trail, &sums))
    }

    /// The contracts a scorecard covers: one (checked to exist) or all.
    async fn scorecard_contracts(
        &self,
        org: &OrgId,
        contract: Option<&ContractKey>,
    ) -> Result<Vec<ContractKey>, AppError> {
        Ok(match contract {
            Some(k) => {
                if self.store.contract(org, k).await?.is_none() {
                    return Err(AppError::NotFound(format!("contract '{k}'")));
                }
                vec![k.clone()]
            }
            None => self
                .store
                .contracts(org)
                .await?
                .into_iter()
                .map(|c| c.key)
                .collect(),
        })
    }

    /// [`App::org_scorecard`] recomputed from every account's facts instead
    /// of read from the stored sums: what a full rebuild costs, and a check
    /// that the sums are exact (the two answers must be equal). Reads the
    /// org in parallel chunks; writes nothing.
    #[tracing::instrument(skip_all)]
    pub async fn org_scorecard_recomputed(
        &self,
        org: &OrgId,
        period: Period,
        periods: usize,
    ) -> Result<Vec<ContractScorecard>, AppError> {
        check_periods(periods)?;
        let contracts = self.scorecard_contracts(org, None).await?;
        let trail = period.trailing(periods)?;
        let wanted: std::collections::BTreeSet<Period> = trail.iter().copied().collect();
        let ids = self.store.account_ids(org).await?;
        // Parsing the handoff documents is the cost: chunks go to the
        // runtime's worker threads, a few in flight so every core parses
        // while the database reads the next chunk.
        let mut chunks = ids.chunks(RECOMPUTE_CHUNK).map(<[_]>::to_vec);
        let mut tasks = tokio::task::JoinSet::new();
        let mut sums: BTreeMap<(ContractKey, Period), Cell> = BTreeMap::new();
        loop {
            while tasks.len() < RECOMPUTE_IN_FLIGHT {
                let Some(chunk) = chunks.next() else { break };
                let (store, org, wanted) = (self.store.clone(), org.clone(), wanted.clone());
                tasks.spawn(async move {
                    let data = store.account_data(&org, &chunk).await?;
                    let mut part: BTreeMap<(ContractKey, Period), Cell> = BTreeMap::new();
                    for d in data.values() {
                        for (key, cell) in baton_domain::scorecard::account_cells(d) {
                            if wanted.contains(&key.1) {
                                part.entry(key).or_default().merge(&cell);
                            }
                        }
                    }
                    Ok::<_, AppError>(part)
                });
            }
            let Some(done) = tasks.join_next().await else {
                break;
            };
            let part = match done {
                Ok(part) => part?,
                Err(e) => std::panic::resume_unwind(e.into_panic()),
            };
            for (key, cell) in part {
                sums.entry(key).or_default().merge(&cell);
            }
        }
        let sums = sums
            .into_iter()
            .map(|(key, cell)| {
                let n = cell.durations.len() as u64;
                (key, (cell, n))
            })
            .collect();
        Ok(assemble(contracts, period, &trail, &sums))
    }

    /// The leak audit over the months `from` to `to` (inclusive); for any
    /// member of the org.
    pub async fn leak_audit(
        &self,
        caller: &Caller,
        from: Period,
        to: Period,
    ) -> Result<LeakAudit, AppError> {
        self.actor(caller).await?;
        self.org_leak_audit(&caller.org, from, to).await
    }

    /// [`App::leak_audit`] for an org, without a caller (the CLI).
    #[tracing::instrument(skip_all)]
    pub async fn org_leak_audit(
        &self,
        org: &OrgId,
        from: Period,
        to: Period,
    ) -> Result<LeakAudit, AppError> {
        if from.is_week() || to.is_week() || from > to {
            return Err(baton_domain::DomainError::value(
                "range",
                "give months, `from` no later than `to` (e.g. from=2026-05&to=2026-10)",
            )
            .into());
        }
        let contracts: Vec<ContractKey> = self
            .store
            .contracts(org)
            .await?
            .into_iter()
            .map(|c| c.key)
            .collect();
        let mut months = vec![to];
        while let Some(last) = months.last().copied()
            && last > from
            && months.len() < MAX_RANGE
        {
            months.push(last.prev()?);
        }
        let sums = self.sums(org, &months).await?;
        let (book, _) = self.store.fx_book(org).await?;
        let Reporting {
            currency,
            source: currency_source,
        } = book.reporting(&self.store.account_currencies(org).await?);
        let as_of = fx::date_of(self.now());
        let risk = self.store.arr_at_risk(org).await?;
        let mut leaked: BTreeMap<ContractKey, Vec<_>> = BTreeMap::new();
        for (k, at, m) in self.store.arr_leaked(org, &months).await? {
            leaked.entry(k).or_default().push((m, fx::date_of(at)));
        }
        let mut lines = Vec::with_capacity(contracts.len());
        for k in contracts {
            let mut total = Cell::default();
            for ((_, _), (c, _)) in sums.range((k.clone(), from)..=(k.clone(), to)) {
                total.merge(c);
            }
            let m = Metrics::from_cell(&total);
            let arr_leaked = book.total(currency, leaked.remove(&k).unwrap_or_default())?;
            let at_risk = risk.get(&k).into_iter().flatten().map(|m| (*m, as_of));
            lines.push(LeakLine {
                completion_rate: m.completion_rate,
                receiver_acceptance: m.receiver_acceptance,
                rediscovery_incidence: m.rediscovery_incidence,
                arr_leaked,
                arr_at_risk: book.total(currency, at_risk)?,
                contract: k,
            });
        }
        // Ranked by what converted; a contract whose money has no rate still
        // comes before one without money (its amounts cannot be compared
        // across currencies, but it does leak).
        let key = |l: &LeakLine| {
            (
                l.arr_leaked.reporting.minor,
                l.arr_at_risk.reporting.minor,
                !l.arr_leaked.is_zero() || !l.arr_at_risk.is_zero(),
            )
        };
        lines.sort_by(|a, b| (key(b), &a.contract).cmp(&(key(a), &b.contract)));
        let fix_first = lines
            .first()
            .filter(|l| !l.arr_leaked.is_zero() || !l.arr_at_risk.is_zero())
            .map(|l| l.contract.clone());
        let totals = lines.iter().flat_map(|l| [&l.arr_leaked, &l.arr_at_risk]);
        let mut rates_used: BTreeMap<(Currency, jiff::civil::Date), RateEntry> = BTreeMap::new();
        let mut missing_rates: Vec<Currency> = Vec::new();
        for t in totals {
            for r in &t.rates_used {
                rates_used.insert(
                    (r.currency, r.effective),
                    RateEntry {
                        currency: r.currency,
                        to: currency,
                        effective: r.effective,
                        rate: r.rate,
                    },
                );
            }
            missing_rates.extend(t.unconverted.iter().map(|m| m.currency));
        }
        let rates_used: Vec<RateEntry> = rates_used.into_values().collect();
        missing_rates.sort_unstable();
        missing_rates.dedup();
        Ok(LeakAudit {
            from,
            to,
            currency,
            currency_source,
            as_of,
            complete: missing_rates.is_empty(),
            rates_used,
            missing_rates,
            contracts: lines,
            fix_first,
        })
    }
}

/// The scorecard as CSV (what `baton scorecard --format csv` writes and the
/// UI's download serves): one row per contract, period and metric, the
/// trend's periods when there is one.
pub fn scorecard_csv(cards: &[ContractScorecard]) -> String {
    use crate::csv_cells::Row;
    let mut out = crate::csv_cells::header(&[
        "contract", "period", "metric", "value", "num", "den", "n", "target", "status",
    ]);
    for c in cards {
        let points: Vec<(Period, &Metrics)> = if c.trend.is_empty() {
            vec![(c.period, &c.metrics)]
        } else {
            c.trend.iter().map(|t| (t.period, &t.metrics)).collect()
        };
        for (p, m) in points {
            for kind in MetricKind::ALL {
                let metric = m.of(kind);
                out.push_str(
                    &Row::new()
                        .text(c.contract.as_str())
                        .text(p.to_string())
                        .text(kind.key())
                        .maybe(metric.value)
                        .maybe(metric.num)
                        .maybe(metric.den)
                        .maybe(metric.n.or(metric.after_n))
                        .text(metric.target)
                        .text(metric.status.as_str())
                        .line(),
                );
            }
        }
    }
    out
}

impl LeakAudit {
    /// The audit as CSV (what `baton audit leak --format csv` writes and
    /// the UI's download serves): one row per contract in rank order, money
    /// in the reporting currency with what could not be converted beside it.
    pub fn csv(&self) -> String {
        use crate::csv_cells::Row;
        // Amounts a total could not convert (no rate), each in its own
        // currency, never added: `5000.00 USD; 50000000.00 JPY`.
        let unconverted = |t: &Total| {
            t.unconverted
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        };
        let mut out = crate::csv_cells::header(&[
            "rank",
            "contract",
            "completion_rate",
            "receiver_acceptance",
            "rediscovery_incidence",
            "arr_leaked",
            "arr_leaked_currency",
            "arr_leaked_unconverted",
            "arr_at_risk",
            "arr_at_risk_currency",
            "arr_at_risk_unconverted",
        ]);
        for (i, l) in self.contracts.iter().enumerate() {
            out.push_str(
                &Row::new()
                    .number(i + 1)
                    .text(l.contract.as_str())
                    .maybe(l.completion_rate.value)
                    .maybe(l.receiver_acceptance.value)
                    .maybe(l.rediscovery_incidence.value)
                    .minor_units(l.arr_leaked.reporting.minor)
                    .text(l.arr_leaked.reporting.currency.as_str())
                    .text(unconverted(&l.arr_leaked))
                    .minor_units(l.arr_at_risk.reporting.minor)
                    .text(l.arr_at_risk.reporting.currency.as_str())
                    .text(unconverted(&l.arr_at_risk))
                    .line(),
            );
        }
        out
    }
}

/// The incentive tune of one period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IncentiveReport {
    /// The period.
    pub period: Period,
    /// The weight used.
    pub weight: f64,
    /// How the numbers are made.
    pub definition: &'static str,
    /// One line per sender.
    pub senders: Vec<baton_domain::incentive::SenderIncentive>,
}

impl IncentiveReport {
    /// The report as CSV for the comp system (what `baton export
    /// incentives` writes and the UI's download serves): a header, then one
    /// row per sender with the period and the weight repeated, so each row
    /// stands alone when pasted elsewhere.
    pub fn csv(&self) -> String {
        let mut out = crate::csv_cells::header(&[
            "period",
            "sender",
            "handoffs",
            "mean_score",
            "first_pass",
            "first_pass_rate",
            "quality",
            "multiplier",
            "weight",
        ]);
        for s in &self.senders {
            out.push_str(
                &crate::csv_cells::Row::new()
                    .text(self.period.to_string())
                    .text(s.sender.as_str())
                    .number(s.handoffs)
                    .fixed(s.mean_score, 2)
                    .number(s.first_pass)
                    .fixed(s.first_pass_rate, 4)
                    .fixed(s.quality, 4)
                    .fixed(s.multiplier, 4)
                    .number(self.weight)
                    .line(),
            );
        }
        out
    }
}

impl App {
    /// The handoffs a scorecard cell counts, each with whether it is in
    /// the numerator (see `scorecard::cell_members`). Decided by the same
    /// rules as the scorecard itself, so the list always adds up to the
    /// cell (in accounts, for the metrics counted in accounts).
    pub async fn cell_handoffs(
        &self,
        caller: &Caller,
        contract: &baton_domain::ContractKey,
        period: Period,
        metric: MetricKind,
    ) -> Result<Vec<(crate::handoffs::HandoffView, bool)>, AppError> {
        let actor = self.actor(caller).await?;
        let accounts = self
            .store
            .accounts_with_handoffs_of(&caller.org, contract)
            .await?;
        let data = self.store.account_data(&caller.org, &accounts).await?;
        let mut counted = Vec::new();
        for d in data.values() {
            for (h, num) in baton_domain::scorecard::cell_members(d, contract, period, metric) {
                counted.push((h.id.clone(), num));
            }
        }
        let mut viewing = crate::handoffs::Viewing::new(self, &caller.org, actor);
        let mut out = Vec::with_capacity(counted.len());
        for (id, num) in counted {
            if let Some(h) = self.store.handoff(&caller.org, &id).await? {
                out.push((viewing.view(h).await?, num));
            }
        }
        Ok(out)
    }
}

const INCENTIVE_DEFINITION: &str = "Over each sender's handoffs whose first decision falls in the period: \
    quality = 0.5 x mean first-submission score / 100 + 0.5 x first-pass acceptance rate; \
    multiplier = 1 + weight x (2 x quality - 1).";

impl App {
    /// Quality index and comp multiplier per sender for `period`: the lines
    /// the caller may see (their own; their teams' if they lead; all for an
    /// admin).
    pub async fn incentives(
        &self,
        caller: &Caller,
        period: Period,
        weight: baton_domain::incentive::Weight,
    ) -> Result<IncentiveReport, AppError> {
        let actor = self.actor(caller).await?;
        let mut report = self.org_incentives(&caller.org, period, weight).await?;
        let dir = self.store.directory(&caller.org).await?;
        report.senders.retain(|line| {
            let teams = dir.users.get(&line.sender).map(|u| u.teams.keys());
            baton_domain::incentive::sees_line(&actor, &line.sender, teams.into_iter().flatten())
        });
        Ok(report)
    }

    /// [`App::incentives`] for an org, without a caller (the CLI).
    pub async fn org_incentives(
        &self,
        org: &OrgId,
        period: Period,
        weight: baton_domain::incentive::Weight,
    ) -> Result<IncentiveReport, AppError> {
        let start = period.start()?;
        let end = period.end()?;
        let handoffs = self.store.handoffs_decided_between(org, start, end).await?;
        Ok(IncentiveReport {
            period,
            weight: weight.get(),
            definition: INCENTIVE_DEFINITION,
            senders: baton_domain::incentive::incentives(&handoffs, start, end, weight),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use baton_domain::Email;
    use baton_domain::incentive::SenderIncentive;

    #[test]
    fn the_incentive_csv_writes_a_formula_like_sender_as_text() {
        let evil = r#"=hyperlink("http://evil.test?x",1)@evil.test"#;
        let line = |sender: &str| SenderIncentive {
            sender: Email::parse(sender).unwrap_or_else(|e| panic!("{e}")),
            handoffs: 2,
            mean_score: 75.0,
            first_pass: 1,
            first_pass_rate: 0.5,
            quality: 0.625,
            multiplier: 1.05,
        };
        let report = IncentiveReport {
            period: "2026-10".parse().unwrap_or_else(|e| panic!("{e}")),
            weight: 0.2,
            definition: INCENTIVE_DEFINITION,
            senders: vec![line(evil), line("-1+1@evil.test"), line("ae1@acme.test")],
        };
        let csv = report.csv();
        let rows: Vec<&str> = csv.lines().collect();
        assert_eq!(
            rows[1],
            r#"2026-10,"'=hyperlink(""http://evil.test?x"",1)@evil.test",2,75.00,1,0.5000,0.6250,1.0500,0.2"#
        );
        assert_eq!(
            rows[2],
            "2026-10,'-1+1@evil.test,2,75.00,1,0.5000,0.6250,1.0500,0.2"
        );
        assert_eq!(
            rows[3],
            "2026-10,ae1@acme.test,2,75.00,1,0.5000,0.6250,1.0500,0.2"
        );
    }
}
