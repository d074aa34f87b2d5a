//! `/audits`: every contract's concrete test — the automated result with the
//! numbers and handoffs behind it, and the sampled audits (open ones to
//! answer, recorded verdicts) — with "Sample now" and "Record result" for
//! the contract's auditors.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use baton_app::audits::{ContractAudits, may_audit};
use baton_domain::ContractKey;
use baton_domain::audit::{Automated, Sample};

use super::{refusal, when};
use crate::AppState;
use crate::ui::{Page, Posted, UiError, UiResult, Viewer, percent_encode, render_status};

/// The automated result as shown.
struct AutoView {
    test: &'static str,
    /// "Pass", "Fail" or "No data yet".
    verdict: &'static str,
    /// Badge class: good, bad or info.
    class: &'static str,
    /// The measure as a percentage (empty without data).
    value: String,
    threshold: String,
    /// Handoffs that count, of those looked at.
    counted: usize,
    looked_at: usize,
    evidence: Vec<EvidenceView>,
}

struct EvidenceView {
    handoff: String,
    ok: bool,
    detail: String,
}

struct SampleView {
    id: String,
    handoff: String,
    questions: Vec<String>,
    by: String,
    at: String,
    verdict: Option<VerdictView>,
    /// Why the last "Record result" of this sample was refused.
    error: Option<String>,
    /// What was typed, kept when the result was refused.
    answer: String,
}

struct VerdictView {
    answer: String,
    passed: bool,
    by: String,
    at: String,
}

/// One contract's card.
struct Card {
    key: String,
    title: String,
    receivers: String,
    /// The receiving teams, as in "a lead of support or product".
    auditors: String,
    concrete_test: String,
    auto: Option<AutoView>,
    open: Vec<SampleView>,
    recorded: Vec<SampleView>,
    passed: usize,
    may_audit: bool,
    /// Why the last "Sample now" was refused.
    error: Option<String>,
    /// What the last successful post here did.
    notice: Option<String>,
}

#[derive(Template)]
#[template(path = "governance/audits.html")]
struct AuditsPage {
    page: Page,
    cards: Vec<Card>,
    /// A refused post, summed up at the top: (where its form is, what
    /// was refused, why).
    problem: Option<(String, String, String)>,
}

fn percent(v: f64) -> String {
    let p = v * 100.0;
    if (p - p.round()).abs() < 0.05 {
        format!("{p:.0}%")
    } else {
        format!("{p:.1}%")
    }
}

fn auto_view(a: Automated) -> AutoView {
    let (verdict, class) = match a.passed {
        Some(true) => ("Pass", "good"),
        Some(false) => ("Fail", "bad"),
        None => ("No data yet", "info"),
    };
    AutoView {
        test: a.test,
        verdict,
        class,
        value: a.value.map(percent).unwrap_or_default(),
        threshold: percent(a.threshold),
        counted: a.evidence.iter().filter(|e| e.ok).count(),
        looked_at: a.evidence.len(),
        evidence: a
            .evidence
            .into_iter()
            .map(|e| EvidenceView {
                handoff: e.handoff.to_string(),
                ok: e.ok,
                detail: e.detail,
            })
            .collect(),
    }
}

fn sample_view(s: Sample) -> SampleView {
    SampleView {
        id: s.id,
        handoff: s.handoff.to_string(),
        questions: s.questions,
        by: s.by.to_string(),
        at: when(s.sampled_at),
        verdict: s.result.map(|r| VerdictView {
            answer: r.answer,
            passed: r.passed,
            by: r.by.to_string(),
            at: when(r.at),
        }),
        error: None,
        answer: String::new(),
    }
}

/// What a refused post leaves on the page.
struct Refused {
    contract: ContractKey,
    /// The sample whose result was refused (`None`: the draw was).
    sample: Option<String>,
    message: String,
    answer: String,
}

async fn show(
    s: &AppState,
    v: &Viewer,
    status: StatusCode,
    refused: Option<Refused>,
    done: Option<Done>,
) -> UiResult {
    let mut cards = Vec::new();
    let mut problem = None;
    for contract in s.app.contracts(&v.caller).await? {
        let ContractAudits {
            concrete_test,
            automated,
            samples,
            samples_passed,
            ..
        } = s.app.audits(&v.caller, &contract.key).await?;
        let (recorded, open): (Vec<SampleView>, Vec<SampleView>) = samples
            .into_iter()
            .map(sample_view)
            .partition(|s| s.verdict.is_some());
        let teams: Vec<String> = contract
            .current
            .receiving_teams
            .iter()
            .map(ToString::to_string)
            .collect();
        let mut card = Card {
            key: contract.key.to_string(),
            title: contract.current.title.clone(),
            receivers: teams.join(", "),
            auditors: teams.join(" or "),
            concrete_test,
            auto: automated.map(auto_view),
            open,
            recorded,
            passed: samples_passed,
            may_audit: may_audit(&v.actor, &contract).is_ok(),
            error: None,
            notice: None,
        };
        if let Some(d) = &done {
            card.notice = d.notice(&card);
        }
        if let Some(r) = refused.as_ref().filter(|r| r.contract == contract.key) {
            match r
                .sample
                .as_deref()
                .and_then(|id| card.open.iter_mut().find(|s| s.id == id))
            {
                Some(open) => {
                    open.error = Some(r.message.clone());
                    open.answer.clone_from(&r.answer);
                    problem = Some((
                        format!("audit-{}", open.id),
                        format!("The result for handoff {} was not recorded", open.handoff),
                        r.message.clone(),
                    ));
                }
                None => {
                    card.error = Some(r.message.clone());
                    problem = Some((
                        format!("c-{}", card.key),
                        format!("No sample of {} was drawn", card.title),
                        r.message.clone(),
                    ));
                }
            }
        }
        cards.push(card);
    }
    render_status(
        status,
        &AuditsPage {
            page: v.page.at("audits"),
            cards,
            problem,
        },
    )
}

/// What the post before the redirect did, named in its query.
enum Done {
    Sampled(String),
    Recorded(String),
}

impl Done {
    fn from_query(q: &BTreeMap<String, String>) -> Option<Self> {
        q.get("sampled")
            .map(|id| Self::Sampled(id.clone()))
            .or_else(|| q.get("recorded").map(|id| Self::Recorded(id.clone())))
    }

    /// The sentence for `card`, if the sample is one of its own.
    fn notice(&self, card: &Card) -> Option<String> {
        match self {
            Self::Sampled(id) => card.open.iter().find(|s| &s.id == id).map(|s| {
                format!(
                    "Drew handoff {}: ask its receiver the question below and record the result.",
                    s.handoff
                )
            }),
            Self::Recorded(id) => card
                .recorded
                .iter()
                .find(|s| &s.id == id)
                .and_then(|s| s.verdict.as_ref().map(|v| (s, v)))
                .map(|(s, v)| {
                    let word = if v.passed { "pass" } else { "fail" };
                    format!("Recorded a {word} for handoff {}.", s.handoff)
                }),
        }
    }
}

/// The page; `?sampled=ID` or `?recorded=ID` (after a post) notes what
/// was done on the contract's card.
pub(super) async fn page(
    State(s): State<AppState>,
    v: Viewer,
    Query(q): Query<BTreeMap<String, String>>,
) -> UiResult {
    show(&s, &v, StatusCode::OK, None, Done::from_query(&q)).await
}

fn contract_key(raw: &str) -> Result<ContractKey, UiError> {
    ContractKey::parse(raw)
        .map_err(|_| UiError::Status(StatusCode::NOT_FOUND, format!("No contract '{raw}'.")))
}

/// "Sample now": draws a handoff of last week and shows it to answer.
pub(super) async fn sample(
    State(s): State<AppState>,
    Path(key): Path<String>,
    Posted(v, _): Posted,
) -> UiResult {
    let key = contract_key(&key)?;
    match s.app.sample_audit(&v.caller, &key).await {
        Ok(sample) => {
            let id = percent_encode(&sample.id);
            Ok(Redirect::to(&format!("/audits?sampled={id}#audit-{id}")).into_response())
        }
        Err(e) => {
            let (status, message) = refusal(e)?;
            let refused = Refused {
                contract: key,
                sample: None,
                message,
                answer: String::new(),
            };
            show(&s, &v, status, Some(refused), None).await
        }
    }
}

/// "Record result": the auditor's answer and verdict on an open sample.
pub(super) async fn record(
    State(s): State<AppState>,
    Path((key, id)): Path<(String, String)>,
    Posted(v, fields): Posted,
) -> UiResult {
    let key = contract_key(&key)?;
    let answer = fields.get("answer").unwrap_or_default().to_string();
    let passed = match fields.get("verdict") {
        Some("pass") => Ok(true),
        Some("fail") => Ok(false),
        _ => Err("Choose a verdict: pass or fail.".to_string()),
    };
    let outcome = match passed {
        Ok(passed) => s
            .app
            .record_audit(&v.caller, &key, &id, &answer, passed)
            .await
            .map_err(UiError::from),
        Err(why) => Err(UiError::Status(StatusCode::UNPROCESSABLE_ENTITY, why)),
    };
    match outcome {
        Ok(_) => {
            let id = percent_encode(&id);
            Ok(Redirect::to(&format!("/audits?recorded={id}#audit-{id}")).into_response())
        }
        Err(e) => {
            let (status, message) = refusal(e)?;
            let refused = Refused {
                contract: key,
                sample: Some(id),
                message,
                answer,
            };
            show(&s, &v, status, Some(refused), None).await
        }
    }
}

/// `GET /audits.csv`: every sampled audit of every contract, drawn and
/// recorded, one row each (the evidence a programme review asks for).
pub(super) async fn csv(State(s): State<AppState>, v: Viewer) -> UiResult {
    let mut out = baton_app::csv_cells::header(&[
        "contract",
        "sample",
        "handoff",
        "drawn_by",
        "drawn_at",
        "questions",
        "verdict",
        "answer",
        "recorded_by",
        "recorded_at",
    ]);
    for contract in s.app.contracts(&v.caller).await? {
        let audits = s.app.audits(&v.caller, &contract.key).await?;
        for x in audits.samples {
            let (verdict, answer, by, at) = match &x.result {
                Some(r) => (
                    if r.passed { "pass" } else { "fail" },
                    r.answer.clone(),
                    r.by.to_string(),
                    when(r.at),
                ),
                None => ("open", String::new(), String::new(), String::new()),
            };
            out.push_str(
                &baton_app::csv_cells::Row::new()
                    .text(contract.key.as_str())
                    .text(&x.id)
                    .text(x.handoff.as_str())
                    .text(x.by.as_str())
                    .text(when(x.sampled_at))
                    .text(x.questions.join(" | "))
                    .text(verdict)
                    .text(answer)
                    .text(by)
                    .text(at)
                    .line(),
            );
        }
    }
    Ok(crate::ui::download::csv("audits", out))
}
