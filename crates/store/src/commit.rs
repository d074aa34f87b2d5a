//! The one write path: events and the projections they change, in one
//! transaction. A crash leaves all of a change or none of it.

use crate::change::{Change, NewEvent};
use crate::many::insert_many;
use crate::sql_args::Arg;
use crate::tx::Tx;
use crate::{Backend, StoreError, conflict_on_unique, micros};
use baton_domain::account::Account;
use baton_domain::contract::Contract;
use baton_domain::event::Event;
use baton_domain::scorecard::HandoffFacts;
use baton_domain::{Email, Handoff, OrgId};

/// Writes a change's events and projections, all but the scorecard sums
/// (the caller refreshes those for the touched accounts).
pub(crate) async fn write_change(
    tx: &mut Tx<'_>,
    backend: Backend,
    org: &OrgId,
    change: &Change,
) -> Result<u64, StoreError> {
    if let Some(NewEvent {
        event: Event::OrgCreated { name, at, .. },
        ..
    }) = change.events.first()
    {
        tx.exec(
            "INSERT INTO orgs (org_id, name, created_at) VALUES ($1, $2, $3)",
            &[org.to_string().into(), name.into(), micros(*at).into()],
        )
        .await
        .map_err(|e| {
            conflict_on_unique(e, || {
                format!("an org named '{name}' (id '{org}') already exists")
            })
        })?;
    }
    let first = append_events(tx, backend, org, &change.events).await?;
    // Same transaction as the events: a delivery exists iff its event does.
    crate::webhooks::enqueue(tx, backend, org, first, &change.events).await?;
    for c in &change.contracts {
        upsert_contract(tx, org, c).await?;
    }
    upsert_accounts(tx, backend, org, &change.accounts).await?;
    let seqs: Vec<(u64, &Event)> = (first..)
        .zip(change.events.iter().map(|e| &e.event))
        .collect();
    project_events(tx, backend, org, &seqs).await?;
    upsert_handoffs(tx, backend, org, &change.handoffs).await?;
    // Only a handoff that names a deal can be a synced deal's.
    let dealt: Vec<String> = change
        .handoffs
        .iter()
        .filter(|h| h.deal.is_some())
        .map(|h| h.id.to_string())
        .collect();
    if let Some(now) = change.events.iter().map(|e| e.recorded_at).max() {
        let ids: Vec<&str> = dealt.iter().map(String::as_str).collect();
        crate::connections::gates_touched(tx, org, &ids, now).await?;
    }
    // A change that creates the org holds no deadline rows to replace.
    let fresh = matches!(
        change.events.first(),
        Some(NewEvent {
            event: Event::OrgCreated { .. },
            ..
        })
    );
    crate::sla::refresh_deadlines(tx, backend, org, &change.handoffs, fresh).await?;
    for (email, hash) in &change.credentials {
        tx.exec(
            "INSERT INTO credentials (org_id, email, password_hash) VALUES ($1, $2, $3)
             ON CONFLICT (org_id, email) DO UPDATE SET password_hash = excluded.password_hash",
            &[
                org.to_string().into(),
                email.to_string().into(),
                hash.into(),
            ],
        )
        .await?;
        // Users are claimed when created; this covers users made before
        // that rule whose email no other org has claimed since.
        claim_login(tx, org, email).await?;
    }
    crate::billing::insert(tx, org, &change.billing).await?;
    crate::surveys::write(tx, org, &change.surveys).await?;
    if let Some(v) = change.org_version {
        tx.exec(
            "UPDATE orgs SET stream_version = $1 WHERE org_id = $2",
            &[(v as i64).into(), org.to_string().into()],
        )
        .await?;
    }
    // Users, teams and memberships change who may do what: callers cached
    // by any process are resolved again.
    if change
        .events
        .iter()
        .any(|e| e.event.stream() == baton_domain::event::Stream::Org)
    {
        crate::access::bump_access(tx, org).await?;
    }
    Ok(first)
}

/// Appends events and returns the first one's org-wide sequence number.
async fn append_events(
    tx: &mut Tx<'_>,
    backend: Backend,
    org: &OrgId,
    events: &[NewEvent],
) -> Result<u64, StoreError> {
    if events.is_empty() {
        return Ok(0);
    }
    // The counter row doubles as the per-org write lock on PostgreSQL.
    let last = tx
        .row(
            "UPDATE orgs SET last_seq = last_seq + $1 WHERE org_id = $2 RETURNING last_seq",
            &[(events.len() as i64).into(), org.to_string().into()],
            |r| r.int(0),
        )
        .await?;
    let last = last.ok_or_else(|| StoreError::Conflict(format!("no org with id '{org}'")))? as u64;
    let first = last + 1 - events.len() as u64;
    let o = org.to_string();
    insert_many(
        tx,
        backend,
        (
            "INSERT INTO events (org_id, seq, stream, stream_seq, kind, actor, at, recorded_at, via, payload) VALUES",
            10,
            "",
        ),
        events,
        |q, i, e| {
            let payload =
                serde_json::to_string(&e.event).map_err(|err| StoreError::corrupt("event", err))?;
            let at = e.event.at().unwrap_or(e.recorded_at);
            q.extend([
                Arg::from(&o),
                ((first + i as u64) as i64).into(),
                e.event.stream().to_string().into(),
                (e.stream_seq as i64).into(),
                e.event.kind().into(),
                e.event.actor().map(ToString::to_string).into(),
                micros(at).into(),
                micros(e.recorded_at).into(),
                e.via.as_str().into(),
                payload.into(),
            ]);
            Ok(())
        },
    )
    .await
    .map_err(|err| match conflict_on_unique(err, String::new) {
        StoreError::Conflict(_) => StoreError::Stale(
            "the record was changed by someone else meanwhile; reload and try again".into(),
        ),
        other => other,
    })?;
    Ok(first)
}

/// Rows that follow from events alone (no fold needed): signals in bulk,
/// org events one by one (they are few and each has its own conflict).
pub(crate) async fn project_events(
    tx: &mut Tx<'_>,
    backend: Backend,
    org: &OrgId,
    events: &[(u64, &Event)],
) -> Result<(), StoreError> {
    crate::sla::claim_breaches(tx, org, events).await?;
    let (mut incidents, mut nps, mut churns) = (Vec::new(), Vec::new(), Vec::new());
    for &(seq, e) in events {
        match e {
            Event::Rediscovery { .. } => incidents.push((seq, e)),
            Event::Nps { .. } => nps.push((seq, e)),
            Event::Churn { .. } => churns.push((seq, e)),
            Event::RediscoverySuggested { .. } | Event::SuggestionDecided { .. } => {
                crate::suggestions::project(tx, org, seq, e).await?;
            }
            Event::ReportingCurrencySet { .. } | Event::FxRateSet { .. } => {
                crate::fx::project(tx, org, e).await?;
            }
            _ => project_event(tx, org, e).await?,
        }
    }
    let o = org.to_string();
    insert_many(
        tx,
        backend,
        (
            "INSERT INTO incidents (org_id, seq, account_id, handoff_id, field, note, reported_by, at) VALUES",
            8,
            "",
        ),
        &incidents,
        |q, _, (seq, e)| match e {
            Event::Rediscovery {
                account,
                handoff,
                field,
                note,
                by,
                at,
            } => {
                q.extend([
                    Arg::from(&o),
                    (*seq as i64).into(),
                    account.to_string().into(),
                    handoff.as_ref().map(ToString::to_string).into(),
                    field.as_ref().map(ToString::to_string).into(),
                    note.into(),
                    by.as_ref().map(ToString::to_string).into(),
                    micros(*at).into(),
                ]);
                Ok(())
            }
            _ => Err(StoreError::corrupt("incident", e.kind())),
        },
    )
    .await?;
    insert_many(
        tx,
        backend,
        (
            "INSERT INTO nps_responses (org_id, seq, account_id, score, at) VALUES",
            5,
            "",
        ),
        &nps,
        |q, _, (seq, e)| match e {
            Event::Nps { account, score, at } => {
                q.extend([
                    Arg::from(&o),
                    (*seq as i64).into(),
                    account.to_string().into(),
                    i64::from(*score).into(),
                    micros(*at).into(),
                ]);
                Ok(())
            }
            _ => Err(StoreError::corrupt("nps", e.kind())),
        },
    )
    .await?;
    insert_many(
        tx,
        backend,
        (
            "INSERT INTO churns (org_id, seq, account_id, at, arr_lost_minor, currency) VALUES",
            6,
            "",
        ),
        &churns,
        |q, _, (seq, e)| match e {
            Event::Churn {
                account,
                at,
                arr_lost,
            } => {
                q.extend([
                    Arg::from(&o),
                    (*seq as i64).into(),
                    account.to_string().into(),
                    micros(*at).into(),
                    arr_lost.minor.into(),
                    arr_lost.currency.to_string().into(),
                ]);
                Ok(())
            }
            _ => Err(StoreError::corrupt("churn", e.kind())),
        },
    )
    .await?;
    Ok(())
}

/// Claims `email` for `org`: an email signs in to one org, so a claim by
/// another org is a conflict naming the email.
async fn claim_login(tx: &mut Tx<'_>, org: &OrgId, email: &Email) -> Result<(), StoreError> {
    let claimed = tx
        .exec(
            "INSERT INTO logins (email, org_id) VALUES ($1, $2)
             ON CONFLICT (email) DO UPDATE SET org_id = excluded.org_id WHERE logins.org_id = excluded.org_id",
            &[email.to_string().into(), org.to_string().into()],
        )
        .await?;
    if claimed == 0 {
        return Err(StoreError::Conflict(format!(
            "'{email}' belongs to another org: an email is a user of one org only"
        )));
    }
    Ok(())
}

/// The rows an org-level event adds.
async fn project_event(tx: &mut Tx<'_>, org: &OrgId, event: &Event) -> Result<(), StoreError> {
    let o = org.to_string();
    match event {
        Event::TeamCreated { team, name, .. } => {
            tx.exec(
                "INSERT INTO teams (org_id, team, name) VALUES ($1, $2, $3)",
                &[o.into(), team.to_string().into(), name.into()],
            )
            .await
            .map_err(|e| conflict_on_unique(e, || format!("team '{team}' already exists")))?;
        }
        Event::UserCreated {
            email,
            name,
            admin,
            at,
            ..
        } => {
            tx.exec(
                "INSERT INTO users (org_id, email, name, admin, created_at) VALUES ($1, $2, $3, $4, $5)",
                &[o.into(), email.to_string().into(), name.into(), (*admin).into(), micros(*at).into()],
            )
            .await
            .map_err(|e| conflict_on_unique(e, || format!("user '{email}' already exists")))?;
            // The email is this org's from now on, password or not, so no
            // other org can add it and have it sign in there.
            claim_login(tx, org, email).await?;
        }
        Event::MemberAdded {
            email, team, role, ..
        } => {
            tx.exec(
                "INSERT INTO memberships (org_id, email, team, role) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (org_id, email, team) DO UPDATE SET role = excluded.role",
                &[
                    o.into(),
                    email.to_string().into(),
                    team.to_string().into(),
                    role.as_str().into(),
                ],
            )
            .await?;
        }
        Event::MemberRemoved { email, team, .. } => {
            tx.exec(
                "DELETE FROM memberships WHERE org_id = $1 AND email = $2 AND team = $3",
                &[o.into(), email.to_string().into(), team.to_string().into()],
            )
            .await?;
        }
        Event::UserDeactivated { email, at, .. } => {
            tx.exec(
                "UPDATE users SET active = 0 WHERE org_id = $1 AND email = $2",
                &[Arg::from(&o), Arg::from(email.to_string())],
            )
            .await?;
            // Every way in made before it ends with the event, in its
            // transaction: the next request of any of their sessions or
            // tokens is refused. (A rebuild replaying an old deactivation
            // leaves what was made after a later reactivation alone.)
            let before = [
                Arg::from(&o),
                Arg::from(email.to_string()),
                Arg::from(micros(*at)),
            ];
            for table in ["sessions", "api_tokens"] {
                tx.exec(
                    &format!(
                        "DELETE FROM {table} WHERE org_id = $1 AND email = $2 AND created_at <= $3"
                    ),
                    &before,
                )
                .await?;
            }
        }
        Event::SignInSet {
            password,
            sso_team,
            sso_domains,
            ..
        } => {
            let domains = serde_json::to_string(sso_domains)
                .map_err(|e| StoreError::corrupt("sso domains", e))?;
            tx.exec(
                "UPDATE orgs SET password_login = $1, sso_team = $2, sso_domains = $3 WHERE org_id = $4",
                &[
                    (*password).into(),
                    sso_team.as_ref().map(ToString::to_string).into(),
                    domains.into(),
                    o.into(),
                ],
            )
            .await?;
        }
        Event::UserReactivated { email, .. } => {
            tx.exec(
                "UPDATE users SET active = 1 WHERE org_id = $1 AND email = $2",
                &[o.into(), email.to_string().into()],
            )
            .await?;
        }
        Event::ContractPublished {
            contract,
            version,
            definition,
            by,
            at,
        } => {
            let def = serde_json::to_string(definition)
                .map_err(|e| StoreError::corrupt("contract", e))?;
            tx.exec(
                "INSERT INTO contract_versions (org_id, contract, version, definition, published_at, published_by)
                 VALUES ($1, $2, $3, $4, $5, $6)",
                &[
                    o.into(),
                    contract.to_string().into(),
                    (*version).into(),
                    def.into(),
                    micros(*at).into(),
                    by.as_ref().map(ToString::to_string).into(),
                ],
            )
            .await
            .map_err(|e| conflict_on_unique(e, || format!("version {version} of '{contract}' is already published")))?;
        }
        _ => {}
    }
    Ok(())
}

pub(crate) async fn upsert_contract(
    tx: &mut Tx<'_>,
    org: &OrgId,
    c: &Contract,
) -> Result<(), StoreError> {
    tx.exec(
        "INSERT INTO contracts (org_id, contract, current_version, mode, stream_version) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (org_id, contract) DO UPDATE SET current_version = excluded.current_version,
             mode = excluded.mode, stream_version = excluded.stream_version",
        &[
            org.to_string().into(),
            c.key.to_string().into(),
            c.current_version.into(),
            c.mode.as_str().into(),
            (c.stream_version as i64).into(),
        ],
    )
    .await?;
    Ok(())
}

pub(crate) async fn upsert_accounts(
    tx: &mut Tx<'_>,
    backend: Backend,
    org: &OrgId,
    accounts: &[Account],
) -> Result<(), StoreError> {
    let o = org.to_string();
    insert_many(
        tx,
        backend,
        (
            "INSERT INTO accounts (org_id, account_id, name, arr_minor, currency, segment, status, churned_at, stream_version) VALUES",
            9,
            "ON CONFLICT (org_id, account_id) DO UPDATE SET name = excluded.name, arr_minor = excluded.arr_minor,
             currency = excluded.currency, segment = excluded.segment, status = excluded.status,
             churned_at = excluded.churned_at, stream_version = excluded.stream_version",
        ),
        accounts,
        |q, _, a| {
            q.extend([
                Arg::from(&o),
                a.id.to_string().into(),
                (&a.name).into(),
                a.arr.minor.into(),
                a.arr.currency.to_string().into(),
                a.segment.clone().into(),
                a.status.as_str().into(),
                a.churned_at.map(micros).into(),
                (a.stream_version as i64).into(),
            ]);
            Ok(())
        },
    )
    .await?;
    Ok(())
}

pub(crate) async fn upsert_handoffs(
    tx: &mut Tx<'_>,
    backend: Backend,
    org: &OrgId,
    handoffs: &[Handoff],
) -> Result<(), StoreError> {
    let o = org.to_string();
    insert_many(
        tx,
        backend,
        (
            "INSERT INTO handoffs (org_id, handoff_id, contract, version, account_id, sender, to_team, state, score,
             submitted_score, created_at, first_submitted_at, accepted_at, rejections, stream_version, doc, deal, facts) VALUES",
            18,
            "ON CONFLICT (org_id, handoff_id) DO UPDATE SET state = excluded.state, score = excluded.score,
             submitted_score = excluded.submitted_score, first_submitted_at = excluded.first_submitted_at,
             accepted_at = excluded.accepted_at, rejections = excluded.rejections,
             stream_version = excluded.stream_version, doc = excluded.doc, deal = excluded.deal,
             facts = excluded.facts",
        ),
        handoffs,
        |q, _, h| {
            let doc = serde_json::to_string(h).map_err(|e| StoreError::corrupt("handoff", e))?;
            q.extend([
                Arg::from(&o),
                h.id.to_string().into(),
                h.contract.to_string().into(),
                h.version.into(),
                h.account.to_string().into(),
                h.sender.to_string().into(),
                h.to.to_string().into(),
                h.state.as_str().into(),
                i64::from(h.score).into(),
                h.submitted_score().map(i64::from).into(),
                micros(h.created_at).into(),
                h.first_submitted_at().map(micros).into(),
                h.accepted_at.map(micros).into(),
                (h.rejections() as i64).into(),
                (h.stream_version as i64).into(),
                doc.into(),
                h.deal.as_ref().map(ToString::to_string).into(),
                crate::facts::encode(&HandoffFacts::of(h)).into(),
            ]);
            Ok(())
        },
    )
    .await
    // handoffs_one_per_deal: two writers naming one deal raced past the
    // domain's check (which read before either wrote).
    .map_err(|e| {
        conflict_on_unique(e, || {
            let deals: Vec<String> = handoffs
                .iter()
                .filter_map(|h| Some(format!("'{}'", h.deal.as_ref()?)))
                .collect();
            format!(
                "another handoff of this contract already stands for deal {}",
                deals.join(", ")
            )
        })
    })?;
    Ok(())
}
