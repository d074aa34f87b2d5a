//! Re-discovery found, not only reported: conversation notes come in, the
//! questions in them are matched against what the account's accepted
//! handoffs already answered, and each match becomes a suggested incident
//! for a person to confirm or dismiss. Only confirmed ones reach the
//! scorecard (as ordinary re-discovery incidents).

use baton_domain::account::Account;
use baton_domain::contract::ContractDef;
use baton_domain::event::Event;
use baton_domain::handoff::State;
use baton_domain::rediscovery::{
    self, Answered, Learned, Quality, SuggestedIncident, SuggestionStatus,
};
use baton_domain::{AccountId, DomainError, Email, Handoff, OrgId, TeamKey, Timestamp};
use baton_store::HandoffFilter;

use crate::{App, AppError, Caller};

/// Longest note accepted, in characters: a long call transcript.
pub const MAX_NOTE_LEN: usize = 200_000;

/// Most suggestions one listing returns.
pub const MAX_SUGGESTIONS: u32 = 500;

/// Most decided suggestions the detector learns from, the newest: every
/// note reads and learns from them (about 50 ms for a thousand distinct
/// questions in a release build), so the cost stays bounded however long an
/// org has used Baton, and recent decisions speak for how the teams ask
/// today.
pub const LEARNED_FROM: u32 = 1_000;

/// A conversation note to record.
#[derive(Debug, Clone)]
pub struct NoteInput {
    /// The account.
    pub account: AccountId,
    /// The note (call summary, transcript).
    pub text: String,
    /// Who wrote it (defaults to the caller).
    pub author: Option<Email>,
    /// The side that asked (defaults to the author's team when they have
    /// exactly one).
    pub team: Option<TeamKey>,
    /// When the conversation happened (defaults to now).
    pub at: Option<Timestamp>,
}

/// A recorded note and what Baton found in it.
#[derive(Debug, Clone)]
pub struct NoteOutcome {
    /// The account as it now stands.
    pub account: Account,
    /// Questions that re-ask an answered field, as open suggestions.
    pub suggestions: Vec<SuggestedIncident>,
}

/// Checks a note's text: not empty, not huge.
pub fn check_note_text(text: &str) -> Result<(), DomainError> {
    if !baton_domain::id::has_words(text) {
        return Err(DomainError::value("text", "the note is empty"));
    }
    let len = text.chars().count();
    if len > MAX_NOTE_LEN {
        return Err(DomainError::value(
            "text",
            format!("{len} characters; a note holds at most {MAX_NOTE_LEN}"),
        ));
    }
    Ok(())
}

/// The suggestion events for a note's matches, found as the org's
/// decisions taught the detector.
pub fn suggestion_events(
    account: &AccountId,
    (answered, learned): (&[Answered], &Learned),
    note: &str,
    author: Option<&Email>,
    team: Option<&TeamKey>,
    at: Timestamp,
    mut new_id: impl FnMut() -> String,
) -> Vec<Event> {
    rediscovery::detect(note, answered, learned)
        .into_iter()
        .filter_map(|s| {
            let a = answered.get(s.answered)?;
            Some(Event::RediscoverySuggested {
                id: new_id(),
                account: account.clone(),
                handoff: a.handoff.clone(),
                contract: a.contract.clone(),
                field: a.field.key.clone(),
                question: s.question,
                answer: a.answer.clone(),
                score: (s.score * 1000.0).round().clamp(0.0, 65_535.0) as u16,
                author: author.cloned(),
                team: team.cloned(),
                at,
            })
        })
        .collect()
}

/// Whether a handoff was accepted at or before `t`.
pub fn accepted_by(h: &Handoff, t: Timestamp) -> bool {
    h.state == State::Accepted && h.accepted_at.is_some_and(|a| a <= t)
}

/// The fields a handoff answered with a value that counts (filler answers
/// nothing), leaving out sensitive fields: a suggestion shows its answer to
/// whoever reviews it.
pub fn answered_in(h: &Handoff, def: &ContractDef, out: &mut Vec<Answered>) {
    for f in def.fields.iter().filter(|f| !f.sensitive) {
        let value = h.values.get(&f.key);
        if let Some(v) = value
            && f.assess(value, &def.filler).is_ok()
        {
            out.push(Answered {
                handoff: h.id.clone(),
                contract: def.key.clone(),
                field: f.clone(),
                answer: baton_domain::FieldDef::text_of(v),
            });
        }
    }
}

/// A fresh suggestion id.
pub fn new_suggestion_id() -> String {
    format!("sug-{}", uuid::Uuid::now_v7())
}

impl App {
    /// What the org's decided suggestions taught its detector (see
    /// [`Learned`]); every detection, live or imported, uses it.
    pub async fn learned(&self, org: &OrgId) -> Result<Learned, AppError> {
        let decided = self.store.decided_suggestions(org, LEARNED_FROM).await?;
        Ok(Learned::from_decisions(&decided))
    }

    /// How the detector does on the org's own decisions, and what it
    /// learned from them: for admins, who answer for the detector.
    pub async fn suggestion_quality(
        &self,
        caller: &Caller,
    ) -> Result<(Quality, Learned), AppError> {
        let actor = self.actor(caller).await?;
        if !actor.admin {
            return Err(
                DomainError::Forbidden("only an admin sees the detector's figures".into()).into(),
            );
        }
        Ok((
            self.store.suggestion_quality(&caller.org).await?,
            self.learned(&caller.org).await?,
        ))
    }

    /// The fields the account's handoffs accepted at or before `t` answered
    /// (see [`answered_in`]).
    pub async fn answered_fields(
        &self,
        org: &OrgId,
        account: &AccountId,
        t: Timestamp,
    ) -> Result<Vec<Answered>, AppError> {
        let filter = HandoffFilter {
            account: Some(account.clone()),
            state: Some(State::Accepted),
            ..HandoffFilter::default()
        };
        let mut out = Vec::new();
        let mut after = None;
        loop {
            let page = self
                .store
                .handoffs_page(org, &filter, after.as_ref(), 200)
                .await?;
            for h in page.iter().filter(|h| accepted_by(h, t)) {
                if let Some(def) = self
                    .store
                    .contract_version(org, &h.contract, h.version)
                    .await?
                {
                    answered_in(h, &def, &mut out);
                }
            }
            if page.len() < 200 {
                break;
            }
            after = page.last().map(|h| h.id.clone());
        }
        Ok(out)
    }

    /// Records a note and the re-discovery it suggests, in one commit.
    pub async fn record_note(
        &self,
        caller: &Caller,
        input: NoteInput,
    ) -> Result<NoteOutcome, AppError> {
        let actor = self.actor(caller).await?;
        check_note_text(&input.text)?;
        // Refuse an unknown account before searching the note.
        self.store
            .account(&caller.org, &input.account)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("account '{}'", input.account)))?;
        let author = input.author.unwrap_or_else(|| caller.email.clone());
        let author_user = self
            .store
            .user(&caller.org, &author)
            .await?
            .ok_or_else(|| {
                DomainError::value("author", format!("'{author}' is not a user of this org"))
            })?;
        let team = match input.team {
            Some(t) => {
                // A member's team exists; an admin may name any team, so
                // only then is the org asked whether it has one.
                if !author_user.teams.contains_key(&t) {
                    if !actor.admin {
                        return Err(DomainError::value(
                            "team",
                            format!("'{author}' is not a member of team '{t}'"),
                        )
                        .into());
                    }
                    if !self
                        .store
                        .directory(&caller.org)
                        .await?
                        .teams
                        .contains_key(&t)
                    {
                        return Err(DomainError::value(
                            "team",
                            format!("this org has no team '{t}'"),
                        )
                        .into());
                    }
                }
                Some(t)
            }
            None if author_user.teams.len() == 1 => author_user.teams.keys().next().cloned(),
            None => None,
        };
        let at = input.at.unwrap_or_else(|| self.now());
        let answered = self
            .answered_fields(&caller.org, &input.account, at)
            .await?;
        let learned = self.learned(&caller.org).await?;
        let mut events = vec![Event::Note {
            account: input.account.clone(),
            author: Some(author.clone()),
            team: team.clone(),
            text: input.text.clone(),
            at,
        }];
        events.extend(suggestion_events(
            &input.account,
            (&answered, &learned),
            &input.text,
            Some(&author),
            team.as_ref(),
            at,
            new_suggestion_id,
        ));
        let suggestions = events
            .iter()
            .filter_map(SuggestedIncident::suggested_by)
            .collect();
        let account = self
            .record_on_account(caller, &input.account, |a| {
                crate::accounts::existing(a, &input.account)?;
                Ok(events.clone())
            })
            .await?;
        Ok(NoteOutcome {
            account,
            suggestions,
        })
    }

    /// Suggestions, newest first: open ones to review, or all.
    pub async fn suggestions(
        &self,
        caller: &Caller,
        status: Option<SuggestionStatus>,
        account: Option<&AccountId>,
        limit: u32,
    ) -> Result<Vec<SuggestedIncident>, AppError> {
        self.actor(caller).await?;
        Ok(self
            .store
            .suggestions(
                &caller.org,
                status,
                account,
                limit.clamp(1, MAX_SUGGESTIONS),
            )
            .await?)
    }

    /// One suggestion, if the org has it.
    pub async fn suggestion(
        &self,
        caller: &Caller,
        id: &str,
    ) -> Result<Option<SuggestedIncident>, AppError> {
        self.actor(caller).await?;
        Ok(self.store.suggestion(&caller.org, id).await?)
    }

    /// Each suggestion's field as its handoff's bound version labels it
    /// (the wording the sender answered under, which a later version may
    /// have changed); `None` where the handoff or its version is gone.
    pub async fn suggestion_field_labels(
        &self,
        caller: &Caller,
        found: &[SuggestedIncident],
    ) -> Result<Vec<Option<String>>, AppError> {
        self.actor(caller).await?;
        let org = &caller.org;
        let mut versions: std::collections::BTreeMap<
            (baton_domain::ContractKey, u32),
            Option<ContractDef>,
        > = std::collections::BTreeMap::new();
        let mut out = Vec::with_capacity(found.len());
        for x in found {
            let Some(h) = self.store.handoff(org, &x.handoff).await? else {
                out.push(None);
                continue;
            };
            let key = (h.contract.clone(), h.version);
            if !versions.contains_key(&key) {
                let def = self
                    .store
                    .contract_version(org, &h.contract, h.version)
                    .await?;
                versions.insert(key.clone(), def);
            }
            out.push(
                versions
                    .get(&key)
                    .and_then(Option::as_ref)
                    .and_then(|d| d.fields.iter().find(|f| f.key == x.field))
                    .map(|f| f.label.clone()),
            );
        }
        Ok(out)
    }

    /// One page of suggestions, newest first, and how many match in all.
    pub async fn suggestions_page(
        &self,
        caller: &Caller,
        status: Option<SuggestionStatus>,
        offset: u64,
        limit: u32,
    ) -> Result<(Vec<SuggestedIncident>, u64), AppError> {
        self.actor(caller).await?;
        Ok(self
            .store
            .suggestions_page(&caller.org, status, offset, limit.clamp(1, MAX_SUGGESTIONS))
            .await?)
    }

    /// Confirms (it becomes a re-discovery incident that counts in the
    /// scorecard) or dismisses a suggestion. The receiving team of the
    /// handoff, the note's author and team, and admins decide.
    pub async fn decide_suggestion(
        &self,
        caller: &Caller,
        id: &str,
        confirmed: bool,
    ) -> Result<SuggestedIncident, AppError> {
        let actor = self.actor(caller).await?;
        let s = self
            .store
            .suggestion(&caller.org, id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("suggestion '{id}'")))?;
        if s.status != SuggestionStatus::Open {
            return Err(AppError::Conflict(format!(
                "suggestion '{id}' is already {} by {}",
                s.status.as_str(),
                s.decided_by.as_ref().map_or("someone", |e| e.as_str())
            )));
        }
        let h = self.store.handoff(&caller.org, &s.handoff).await?;
        s.may_decide(&actor, h.as_ref().map(|h| &h.to))?;
        let now = self.now();
        let mut events = vec![Event::SuggestionDecided {
            id: s.id.clone(),
            account: s.account.clone(),
            confirmed,
            by: caller.email.clone(),
            at: now,
        }];
        if confirmed {
            // Counted when the customer was asked again, not when a person
            // got round to confirming it.
            events.push(Event::Rediscovery {
                account: s.account.clone(),
                handoff: Some(s.handoff.clone()),
                field: Some(s.field.clone()),
                note: format!("asked again: {}", s.question),
                by: Some(caller.email.clone()),
                at: s.at,
            });
        }
        self.record_on_account(caller, &s.account, |a| {
            crate::accounts::existing(a, &s.account)?;
            Ok(events.clone())
        })
        .await?;
        Ok(SuggestedIncident {
            status: if confirmed {
                SuggestionStatus::Confirmed
            } else {
                SuggestionStatus::Dismissed
            },
            decided_by: Some(caller.email.clone()),
            decided_at: Some(now),
            ..s
        })
    }
}
