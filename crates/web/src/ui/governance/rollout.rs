//! `/rollout`: the rollout board — each contract's phase on the 90-day
//! timeline, in the order the leak audit suggests, with a move to the next
//! phase (and an admin's override of "don't launch in parallel") for those
//! who plan that contract. Refusals show the domain's reason.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use baton_app::rollout::{RolloutMove, may_plan};
use baton_domain::ContractKey;
use baton_domain::rollout::{PHASES, Phase, SETTLE};

use super::timeline::{self, Lane, Timeline};
use super::{day, phase_word, refusal, when};
use crate::AppState;
use crate::ui::{Page, Posted, UiError, UiResult, Viewer, render_status};

/// One contract's row under the timeline.
struct Row {
    key: String,
    title: String,
    receivers: String,
    /// 1-based place in the leak audit's suggested order.
    rank: Option<usize>,
    /// The phase in words ("Not started").
    phase: &'static str,
    /// Its CSS class suffix (`none` when not started).
    class: &'static str,
    since: String,
    settle: Option<String>,
    override_reason: Option<String>,
    /// Planned starts.
    planned: Vec<Planned>,
    /// The next phase: (wire name, words).
    next: Option<(&'static str, &'static str)>,
    /// Why the next phase (gating) is blocked now.
    blockers: Vec<String>,
    may_move: bool,
    /// Why the last move of this contract was refused.
    error: Option<String>,
    /// The move just made.
    notice: Option<String>,
    /// The override reason typed, kept when refused.
    reason: String,
}

/// A planned start of a phase.
struct Planned {
    /// In words.
    word: &'static str,
    /// The wire name.
    wire: &'static str,
    /// `2026-12-15`.
    date: String,
}

#[derive(Template)]
#[template(path = "governance/rollout.html")]
struct RolloutPage {
    page: Page,
    timeline: Timeline,
    rows: Vec<Row>,
    rule: &'static str,
    /// Every phase: (CSS class suffix, words).
    phases: Vec<(&'static str, &'static str)>,
    /// A refused move, summed up at the top: (contract key, title, why).
    problem: Option<(String, String, String)>,
}

fn next_phase(current: Option<Phase>) -> Option<Phase> {
    match current {
        None => PHASES.first().copied(),
        Some(p) => PHASES
            .iter()
            .position(|q| *q == p)
            .and_then(|i| PHASES.get(i + 1).copied()),
    }
}

/// What a refused move leaves on the page.
struct Refused {
    contract: ContractKey,
    message: String,
    reason: String,
}

async fn show(
    s: &AppState,
    v: &Viewer,
    status: StatusCode,
    refused: Option<Refused>,
    moved: Option<&str>,
) -> UiResult {
    let plan = s.app.rollout(&v.caller).await?;
    let contracts = crate::ui::contracts_by_key(s, &v.caller).await?;
    let now = s.app.now();
    let rank = |k: &ContractKey| plan.suggested_order.iter().position(|o| o == k);
    let mut lines = plan.contracts;
    // The leak audit's order; contracts it does not rank keep theirs, last.
    lines.sort_by_key(|l| rank(&l.contract).unwrap_or(usize::MAX));
    let mut rows = Vec::new();
    let mut problem = None;
    let mut lanes = Vec::new();
    for line in lines {
        let contract = contracts.get(&line.contract);
        let stage = line.stage.as_ref();
        let next = next_phase(stage.map(|s| s.phase));
        let planned: Vec<_> = stage
            .map(|s| {
                s.planned
                    .iter()
                    .map(|(p, d)| Planned {
                        word: phase_word(*p),
                        wire: p.as_str(),
                        date: d.to_string(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let settle = stage
            .filter(|s| s.phase == Phase::ScorecardLive)
            .and_then(|s| s.since.checked_add(SETTLE).ok())
            .map(|end| {
                if now < end {
                    format!("settling until {}", when(end))
                } else {
                    format!("settled since {}", day(end))
                }
            });
        let r = rank(&line.contract);
        let mut row = Row {
            key: line.contract.to_string(),
            title: contract.map_or_else(|| line.contract.to_string(), |c| c.current.title.clone()),
            receivers: contract
                .map(|c| {
                    c.current
                        .receiving_teams
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .unwrap_or_default(),
            rank: r.map(|i| i + 1),
            phase: stage.map_or("Not started", |s| phase_word(s.phase)),
            class: stage.map_or("none", |s| timeline::class(s.phase)),
            since: stage.map(|s| when(s.since)).unwrap_or_default(),
            settle,
            override_reason: stage.and_then(|s| s.override_reason.clone()),
            planned,
            next: next.map(|p| (p.as_str(), phase_word(p))),
            blockers: if next == Some(Phase::Gating) {
                line.gating_blockers.clone()
            } else {
                Vec::new()
            },
            may_move: contract.is_some_and(|c| may_plan(&v.actor, c)),
            error: None,
            notice: None,
            reason: String::new(),
        };
        if moved == Some(line.contract.as_str()) {
            row.notice = Some(format!("Moved to {}.", row.phase));
        }
        if let Some(f) = refused.as_ref().filter(|f| f.contract == line.contract) {
            row.error = Some(f.message.clone());
            row.reason.clone_from(&f.reason);
            problem = Some((row.key.clone(), row.title.clone(), f.message.clone()));
        }
        lanes.push(Lane {
            key: row.key.clone(),
            note: r.map_or_else(
                || "not ranked by the leak audit".into(),
                |i| format!("#{} by ARR leaked", i + 1),
            ),
            stage: stage.map(|s| (s.phase, s.since)),
            earlier: stage
                .map(|s| s.earlier.iter().map(|e| (e.phase, e.at)).collect())
                .unwrap_or_default(),
            planned: stage
                .map(|s| s.planned.iter().map(|(p, d)| (*p, *d)).collect())
                .unwrap_or_default(),
        });
        rows.push(row);
    }
    render_status(
        status,
        &RolloutPage {
            page: v.page.at("rollout"),
            timeline: timeline::layout(&lanes, now),
            rows,
            rule: plan.rule,
            phases: PHASES
                .iter()
                .map(|p| (timeline::class(*p), phase_word(*p)))
                .collect(),
            problem,
        },
    )
}

/// `GET /rollout.csv`: every contract's line of the plan, in the leak
/// audit's order: its phase, since when, each planned start, any override
/// reason and what blocks gating.
pub(super) async fn csv(State(s): State<AppState>, v: Viewer) -> UiResult {
    let plan = s.app.rollout(&v.caller).await?;
    let rank = |k: &ContractKey| plan.suggested_order.iter().position(|o| o == k);
    let mut lines = plan.contracts.clone();
    lines.sort_by_key(|l| rank(&l.contract).unwrap_or(usize::MAX));
    let mut out = baton_app::csv_cells::header(&[
        "rank",
        "contract",
        "phase",
        "since",
        "planned",
        "override_reason",
        "gating_blockers",
    ]);
    for l in lines {
        let stage = l.stage.as_ref();
        let planned: Vec<String> = stage
            .map(|s| {
                s.planned
                    .iter()
                    .map(|(p, d)| format!("{} {d}", p.as_str()))
                    .collect()
            })
            .unwrap_or_default();
        out.push_str(
            &baton_app::csv_cells::Row::new()
                .maybe(rank(&l.contract).map(|i| i + 1))
                .text(l.contract.as_str())
                .text(stage.map_or("not_started", |s| s.phase.as_str()))
                .text(stage.map(|s| s.since.to_string()).unwrap_or_default())
                .text(planned.join("; "))
                .text(
                    stage
                        .and_then(|s| s.override_reason.as_deref())
                        .unwrap_or_default(),
                )
                .text(l.gating_blockers.join("; "))
                .line(),
        );
    }
    Ok(crate::ui::download::csv("rollout", out))
}

/// The board; `?moved=KEY` (after a move) notes the move on its row.
pub(super) async fn page(
    State(s): State<AppState>,
    v: Viewer,
    Query(q): Query<BTreeMap<String, String>>,
) -> UiResult {
    let moved = q.get("moved").map(String::as_str);
    show(&s, &v, StatusCode::OK, None, moved).await
}

fn unprocessable(why: String) -> UiError {
    UiError::Status(StatusCode::UNPROCESSABLE_ENTITY, why)
}

/// Moves a contract to a phase. The form carries the stage's planned dates
/// along, since a move replaces the stage and would otherwise drop them.
pub(super) async fn move_contract(State(s): State<AppState>, Posted(v, f): Posted) -> UiResult {
    let raw = f.get("contract").unwrap_or_default();
    let contract = ContractKey::parse(raw)
        .map_err(|_| UiError::Status(StatusCode::NOT_FOUND, format!("No contract '{raw}'.")))?;
    let reason = f.get("override_reason").map(str::to_string);
    let parsed = (|| {
        let phase = Phase::parse(f.get("phase").unwrap_or_default())
            .map_err(|e| unprocessable(e.to_string()))?;
        let mut planned = BTreeMap::new();
        for (p, d) in f.prefixed("planned.") {
            let p = Phase::parse(p).map_err(|e| unprocessable(e.to_string()))?;
            let d = d.trim().parse().map_err(|e| {
                unprocessable(format!(
                    "planned.{p}: '{d}' is not a date like 2026-12-01: {e}"
                ))
            })?;
            planned.insert(p, d);
        }
        Ok::<_, UiError>((phase, planned))
    })();
    let to_phase = parsed.as_ref().map(|(p, _)| p.as_str()).unwrap_or_default();
    let outcome = match parsed {
        Ok((phase, planned)) => s
            .app
            .move_rollout(
                &v.caller,
                RolloutMove {
                    contract: contract.clone(),
                    phase,
                    planned,
                    override_reason: reason.clone(),
                },
            )
            .await
            .map_err(UiError::from),
        Err(e) => Err(e),
    };
    match outcome {
        Ok(_) => {
            // The phase in the query makes every move's page a new address.
            let to = format!("/rollout?moved={contract}&to={to_phase}#row-{contract}");
            Ok(Redirect::to(&to).into_response())
        }
        Err(e) => {
            let (status, message) = refusal(e)?;
            let refused = Refused {
                contract,
                message,
                reason: reason.unwrap_or_default(),
            };
            show(&s, &v, status, Some(refused), None).await
        }
    }
}
