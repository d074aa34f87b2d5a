//! The handoff page: values, attachments, timeline, and every action the
//! domain allows the reader (decide, rework, follow-through, attestations,
//! re-discovery), with the confirmation of what an action did.

use super::*;

/// A stored value as the handoff page shows it.
#[derive(Debug, Clone)]
pub struct Shown {
    /// Field key.
    pub key: String,
    /// Label.
    pub label: String,
    /// The value's text (empty: none).
    pub text: String,
    /// Filled by sender or receiver.
    pub owner: &'static str,
    /// Counts towards the score.
    pub required: bool,
    /// Carried from an earlier handoff.
    pub carried: bool,
    /// Hidden from this reader (sensitive).
    pub hidden: bool,
    /// Why it does not count (mandatory sender fields only).
    pub why: Option<String>,
    /// What a specific answer would add.
    pub hint: Option<String>,
}

#[derive(Template)]
#[template(path = "handoffs/show.html")]
pub(super) struct ShowPage {
    page: Page,
    h: Summary,
    def: ContractDef,
    values: Vec<Shown>,
    attachments: Vec<Attachment>,
    entries: Vec<Entry>,
    rejection: Option<LastRejection>,
    /// Receiver inputs for the accept form.
    receiver_inputs: Vec<Input>,
    /// Why the domain would refuse acceptance now (a gated contract and
    /// values that do not count): shown instead of the accept button.
    accept_blocked: Option<String>,
    /// What the viewer may do, as the app says (never decided here).
    offers: Offers,
    follow: Option<Follow>,
    first_touch: Option<FirstTouchPanel>,
    attestations: Vec<(String, String, String)>,
    disagreements: Vec<String>,
    fields: Vec<(String, String)>,
    /// The contract's rejection codes as (code, words).
    reason_codes: Vec<(String, String)>,
    /// The action just taken, confirmed.
    done: Option<Done>,
    error: Option<String>,
    /// The account's product usage the sender saw, where the contract
    /// fills a field from it.
    usage: Option<super::usage::UsageCard>,
}

/// Follow-through state for the page.
#[derive(Debug, Clone)]
pub struct Follow {
    /// Acknowledged, with ETA.
    pub acked: Option<String>,
    /// Echoes sent.
    pub echoes: u32,
    /// Resolved at.
    pub resolved: Option<String>,
    /// Loop closed at, by.
    pub closed: Option<String>,
}

/// The actions the app allows the viewer, one flag per form on the page.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Offers {
    edit: bool,
    withdraw: bool,
    accept: bool,
    reject: bool,
    ack: bool,
    echo: bool,
    resolve: bool,
    close_loop: bool,
    attest: bool,
    rediscovery: bool,
}

impl Offers {
    fn of(actions: &std::collections::BTreeSet<Action>) -> Self {
        Self {
            edit: actions.contains(&Action::Edit),
            withdraw: actions.contains(&Action::Withdraw),
            accept: actions.contains(&Action::Accept),
            reject: actions.contains(&Action::Reject),
            ack: actions.contains(&Action::Ack),
            echo: actions.contains(&Action::Echo),
            resolve: actions.contains(&Action::Resolve),
            close_loop: actions.contains(&Action::CloseLoop),
            attest: actions.contains(&Action::Attest),
            rediscovery: actions.contains(&Action::Rediscovery),
        }
    }

    /// Any follow-through form at all.
    fn follow_through(&self) -> bool {
        self.ack || self.echo || self.resolve || self.close_loop
    }
}

/// First touch of the lead, on a contract with a first-touch SLA.
#[derive(Debug, Clone)]
pub struct FirstTouchPanel {
    /// When, by whom and how, once recorded.
    pub recorded: Option<String>,
    /// When the first-touch SLA falls due, when the sender set its hours.
    pub due: Option<String>,
    /// The viewer is on the receiving team (and not the sender) and it is
    /// not recorded yet.
    pub can_record: bool,
    /// The channels the form offers.
    pub channels: &'static [&'static str],
}

pub(super) fn when(t: Timestamp) -> String {
    t.strftime("%Y-%m-%d %H:%M UTC").to_string()
}

pub(super) async fn show_page(
    s: &AppState,
    v: &Viewer,
    id: &HandoffId,
    error: Option<(StatusCode, String)>,
    done: Option<&str>,
) -> UiResult {
    let (view, def, mode) = s.app.handoff_detail(&v.caller, id).await?;
    let h = &view.handoff;
    let done = done.and_then(|d| confirmation(d, h, &def));
    let values = def
        .fields
        .iter()
        .map(|f| Shown {
            key: f.key.to_string(),
            label: f.label.clone(),
            text: eta_as_now(&def, h, f, text_of(f, h.values.get(&f.key))),
            owner: match f.owner {
                Owner::Sender => "sender",
                Owner::Receiver => "receiver",
            },
            required: f.required,
            carried: h.carried.contains(&f.key),
            hidden: view.hidden.iter().any(|k| k == f.key.as_str()),
            why: view
                .why
                .iter()
                .find(|(k, _)| k == f.key.as_str())
                .map(|(_, why)| why.clone()),
            hint: view
                .hints
                .iter()
                .find(|(k, _)| k == f.key.as_str())
                .map(|(_, h)| h.clone()),
        })
        .collect();
    let entries = timeline::entries(s, v, &view, &def).await?;
    let receiver_inputs = def
        .fields
        .iter()
        .filter(|f| f.owner == Owner::Receiver)
        .map(|f| {
            let (widget, placeholder) = widget(&f.kind);
            Input {
                key: f.key.to_string(),
                label: f.label.clone(),
                help: f.help.clone(),
                widget,
                options: options_of(&f.kind)
                    .iter()
                    .map(|o| (o.clone(), false))
                    .collect(),
                value: text_of(f, h.values.get(&f.key)),
                required: f.required,
                carried: None,
                status: None,
                hint: None,
                placeholder,
                flagged: false,
            }
        })
        .collect();
    let follow = (def.follow_through && h.state == HState::Accepted).then(|| Follow {
        acked: h.follow.acked_at.map(|at| {
            format!(
                "{} (ETA {})",
                when(at),
                h.follow.eta.map_or_else(|| "none".into(), when)
            )
        }),
        echoes: h.follow.echoes,
        resolved: h.follow.resolved_at.map(when),
        closed: h.follow.loop_closed_at.map(|at| {
            format!(
                "{} by {}",
                when(at),
                h.follow
                    .loop_closed_by
                    .as_ref()
                    .map_or_else(String::new, ToString::to_string)
            )
        }),
    });
    let first_touch =
        (def.first_touch_field().is_some() && h.state == HState::Accepted).then(|| {
            FirstTouchPanel {
                recorded: h.first_touch.as_ref().map(|t| {
                    let how = t
                        .channel
                        .as_ref()
                        .map_or_else(String::new, |c| format!(" ({c})"));
                    format!("{} by {}{how}", when(t.at), t.by)
                }),
                due: baton_domain::sla::deadlines(h, &def)
                    .iter()
                    .find(|d| d.kind == baton_domain::sla::SlaKind::FirstTouch)
                    .map(|d| when(d.due)),
                can_record: view.actions.contains(&Action::FirstTouch),
                channels: baton_domain::handoff::FIRST_TOUCH_CHANNELS,
            }
        });
    let disagreements = h
        .disagreements()
        .into_iter()
        .map(|d| {
            let answers = d
                .answers
                .iter()
                .map(|(a, who)| {
                    let who: Vec<String> = who.iter().map(ToString::to_string).collect();
                    format!("'{a}' ({})", who.join(", "))
                })
                .collect::<Vec<_>>()
                .join(" vs ");
            format!("{}: {answers}", d.question)
        })
        .collect();
    let (status, error) = match error {
        Some((st, e)) => (st, Some(e)),
        None => (StatusCode::OK, None),
    };
    let usage = super::usage::card(s, v, &h.id, &def, None).await?;
    let page = ShowPage {
        usage,
        page: v.page.at("handoffs"),
        h: summary(s, v, &view, &def, mode).await?,
        values,
        attachments: h.attachments.clone(),
        rejection: (h.state == HState::Rejected)
            .then(|| last_rejection(&entries))
            .flatten(),
        entries,
        receiver_inputs,
        accept_blocked: h.acceptance_gap(&def, mode).map(|c| {
            format!(
                "the contract is gated and it scores {} / 100, where acceptance needs 100",
                c.score
            )
        }),
        offers: Offers::of(&view.actions),
        follow,
        first_touch,
        attestations: h
            .attestations
            .iter()
            .map(|a| (a.question.clone(), a.answer.clone(), a.by.to_string()))
            .collect(),
        disagreements,
        fields: def
            .fields
            .iter()
            .map(|f| (f.key.to_string(), f.label.clone()))
            .collect(),
        reason_codes: def
            .reason_codes
            .iter()
            .map(|c| (c.clone(), crate::ui::reason_label(c)))
            .collect(),
        done,
        def,
        error,
    };
    render_status(status, &page)
}

/// The ETA given at acceptance, as the page shows it: when the receiver
/// has revised it since, the current one, saying it was revised, so the
/// page never shows two ETAs that disagree.
pub(super) fn eta_as_now(
    def: &ContractDef,
    h: &baton_domain::Handoff,
    f: &FieldDef,
    given: String,
) -> String {
    if def.ack_eta_field().is_none_or(|eta| eta.key != f.key) {
        return given;
    }
    match h.follow.eta {
        Some(now) if given.parse::<Timestamp>().ok() != Some(now) && !given.is_empty() => {
            format!("{} (revised; {given} at acceptance)", when(now))
        }
        _ => given,
    }
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct ShowQuery {
    /// The action just taken, to confirm it (`accept`, `reject`, …).
    done: Option<String>,
}

pub(super) async fn show(
    State(s): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    Query(q): Query<ShowQuery>,
) -> UiResult {
    show_page(&s, &v, &handoff_id(&id)?, None, q.done.as_deref()).await
}

/// What the page confirms after `done` succeeded, for the handoff as it now
/// stands: the gate it opened, whose queue it went to.
pub(super) fn confirmation(
    done: &str,
    h: &baton_domain::Handoff,
    def: &ContractDef,
) -> Option<Done> {
    let text = match (done, h.state) {
        ("accept", HState::Accepted) => {
            let gate = match def.gate {
                baton_domain::Gate::Commission => {
                    "the deal now counts as Closed-Won for commission"
                }
                baton_domain::Gate::Stage => "the CRM may now move the deal to its next stage",
                baton_domain::Gate::Queue => "the work is now in the receiving team's queue",
            };
            let deal = h
                .deal
                .as_ref()
                .map_or_else(String::new, |d| format!(" Deal {d}'s gate is open."));
            return Some(Done {
                title: "Accepted: the gate is open".into(),
                text: format!("{}{deal}", capitalise(gate)),
                gate: true,
            });
        }
        ("reject", HState::Rejected) => format!(
            "Sent back to {} for rework, with your reasons and the fields you flagged. It is in their queue.",
            h.sender
        ),
        ("withdraw", HState::Withdrawn) => "Withdrawn. It no longer waits for anyone.".into(),
        ("ack", _) => "Acknowledged. The ETA is on the handoff.".into(),
        ("first-touch", _) => "First touch recorded.".into(),
        ("echo", _) => "Status echo sent.".into(),
        ("resolve", _) => {
            "Resolution recorded. Closing the loop is now the communication owner's.".into()
        }
        ("close-loop", _) => "The loop is closed with the customer.".into(),
        ("attest", _) => "Your answer is recorded.".into(),
        ("rediscovery", _) => {
            "Re-discovery recorded: it counts against this contract's scorecard.".into()
        }
        _ => return None,
    };
    Some(Done {
        title: "Done".into(),
        text,
        gate: false,
    })
}

pub(super) fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map_or_else(String::new, |f| f.to_uppercase().chain(c).collect())
}

/// The confirmation of an action just taken.
#[derive(Debug, Clone)]
pub struct Done {
    /// Its heading.
    pub title: String,
    /// What happened.
    pub text: String,
    /// An acceptance: the gate opened.
    pub gate: bool,
}

/// Reads an ETA from a `datetime-local` input (taken as UTC) or RFC 3339.
pub(super) fn eta(raw: &str) -> Result<Timestamp, UiError> {
    let parsed = raw.parse::<Timestamp>().or_else(|_| {
        let with_seconds = if raw.len() == 16 {
            format!("{raw}:00Z")
        } else {
            format!("{raw}Z")
        };
        with_seconds.parse::<Timestamp>()
    });
    parsed.map_err(|_| {
        invalid(
            "eta",
            format!("'{raw}' is not a time such as 2026-10-02 09:00"),
        )
    })
}

/// `POST /handoffs/{id}/{action}`: one action on the handoff; back to its
/// page, which shows the refusal in words when the domain says no.
pub(super) async fn act(
    State(s): State<AppState>,
    Path((id, action)): Path<(String, String)>,
    Posted(v, f): Posted,
) -> UiResult {
    let id = handoff_id(&id)?;
    let c = &v.caller;
    let note = || f.get("note").unwrap_or_default().to_string();
    let done: Result<(), UiError> = async {
        match action.as_str() {
            "accept" => {
                let values = f
                    .prefixed(VALUE_PREFIX)
                    .filter(|(_, v)| !v.trim().is_empty())
                    .map(|(k, v)| (k.to_string(), Value::String(v.trim().to_string())))
                    .collect();
                s.app.accept(c, &id, values).await?;
            }
            "reject" => {
                let r = Rejection {
                    code: f.get("code").map(str::to_string),
                    reason: f.get("reason").unwrap_or_default().to_string(),
                    fields: f.all("fields"),
                };
                s.app.reject(c, &id, r).await?;
            }
            "withdraw" => {
                s.app.withdraw(c, &id).await?;
            }
            "ack" => {
                let at = eta(f.get("eta").unwrap_or_default())?;
                s.app.acknowledge(c, &id, at).await?;
            }
            "first-touch" => {
                let channel = f.get("channel").map(str::to_string);
                let note = f.get("note").map(str::to_string);
                s.app.first_touch(c, &id, channel, note).await?;
            }
            "echo" => {
                s.app.echo(c, &id, note()).await?;
            }
            "resolve" => {
                s.app.resolve(c, &id, note()).await?;
            }
            "close-loop" => {
                s.app.close_loop(c, &id, note()).await?;
            }
            "attest" => {
                let question = f.get("question").unwrap_or_default().to_string();
                let answer = f.get("answer").unwrap_or_default().to_string();
                s.app.attest(c, &id, question, answer).await?;
            }
            "rediscovery" => {
                let h = s.app.handoff(c, &id).await?.handoff;
                let field = f
                    .get("field")
                    .map(|k| FieldKey::parse(k).map_err(|e| invalid("field", e)))
                    .transpose()?;
                let incident = Incident {
                    account: h.account,
                    handoff: Some(id.clone()),
                    field,
                    note: note(),
                    at: None,
                };
                s.app.record_rediscovery(c, incident).await?;
            }
            other => {
                return Err(UiError::Status(
                    StatusCode::NOT_FOUND,
                    format!("no action '{other}' on a handoff"),
                ));
            }
        }
        Ok(())
    }
    .await;
    match done {
        Ok(()) => Ok(Redirect::to(&format!("/handoffs/{id}?done={action}")).into_response()),
        Err(UiError::Status(status, message)) if status != StatusCode::NOT_FOUND => {
            show_page(&s, &v, &id, Some((status, message)), None).await
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect()
    }

    fn ae_to_onboarding() -> ContractDef {
        baton_domain::contract::seed::seeded("ae-to-onboarding").unwrap()
    }

    #[test]
    fn an_empty_form_scores_zero_and_names_every_mandatory_field() {
        let def = ae_to_onboarding();
        let m = Meter::of(&def, Mode::Gated, &BTreeMap::new());
        assert_eq!(m.score, 0);
        assert_eq!(m.missing.len(), def.scored_fields().count());
        assert!(m.blocked());
        assert!(
            m.submit_label()
                .starts_with("Cannot submit yet — missing: ")
        );
    }

    #[test]
    fn placeholders_do_not_count_and_say_why() {
        let def = ae_to_onboarding();
        let key = def.scored_fields().next().unwrap().key.to_string();
        let m = Meter::of(&def, Mode::Observe, &texts(&[(&key, "TBD")]));
        assert_eq!(m.score, 0);
        assert_eq!(m.status.get(&key).unwrap(), "'TBD' is a placeholder");
        assert!(!m.blocked(), "observe mode never blocks");
        assert!(m.submit_label().contains("observe mode"));
    }

    #[test]
    fn a_bad_value_blocks_and_is_named() {
        let def = ae_to_onboarding();
        let money = def
            .fields
            .iter()
            .find(|f| matches!(f.kind, FieldType::Money) && f.owner == Owner::Sender);
        let Some(money) = money else {
            return;
        };
        let m = Meter::of(&def, Mode::Observe, &texts(&[(money.key.as_str(), "lots")]));
        assert!(m.blocked());
        assert!(m.submit_label().contains(&money.label));
    }

    #[test]
    fn etas_read_from_the_browser_are_utc() {
        assert_eq!(
            eta("2026-10-02T09:30").unwrap().to_string(),
            "2026-10-02T09:30:00Z"
        );
        assert!(eta("tomorrow").is_err());
    }
}
