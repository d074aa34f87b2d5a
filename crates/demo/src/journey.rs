//! An account's journey: its leads, handoffs and signals over the months,
//! and the randomness every part of the generator draws on.

use super::*;

impl Gen {
    pub(crate) fn chance(&mut self, p: f64) -> bool {
        self.rng.random_bool(p.clamp(0.0, 1.0))
    }

    pub(crate) fn between(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            lo
        } else {
            self.rng.random_range(lo..hi)
        }
    }

    pub(crate) fn num(&mut self, lo: u32, hi: u32) -> u32 {
        if hi <= lo {
            lo
        } else {
            self.rng.random_range(lo..=hi)
        }
    }

    pub(crate) fn pick<'s, T>(&mut self, xs: &'s [T]) -> &'s T {
        let i = self.rng.random_range(0..xs.len().max(1));
        &xs[i.min(xs.len().saturating_sub(1))]
    }

    pub(crate) fn word(&mut self, xs: &[&'static str]) -> &'static str {
        let i = self.rng.random_range(0..xs.len().max(1));
        xs.get(i).copied().unwrap_or("")
    }

    /// Two different items of `xs`.
    pub(crate) fn two<'s, T>(&mut self, xs: &'s [T]) -> (&'s T, &'s T) {
        let n = xs.len().max(2);
        let i = self.rng.random_range(0..n);
        let j = (i + self.rng.random_range(1..n)) % n;
        let last = xs.len().saturating_sub(1);
        (&xs[i.min(last)], &xs[j.min(last)])
    }

    /// Moves `t` into working hours (08:00–18:00 UTC, Monday to Friday).
    pub(crate) fn work_time(&mut self, t: i64) -> i64 {
        let mut day = t.div_euclid(DAY);
        let mut sec = t.rem_euclid(DAY);
        if sec < 8 * HOUR {
            sec = 8 * HOUR + self.between(0, 2 * HOUR);
        } else if sec >= 18 * HOUR {
            day += 1;
            sec = 8 * HOUR + self.between(0, 2 * HOUR);
        }
        // 1970-01-01 was a Thursday; 0 is Monday.
        let weekday = (day + 3).rem_euclid(7);
        if weekday >= 5 {
            day += 7 - weekday;
        }
        day * DAY + sec
    }

    /// A working-hours time `delay` after `prev`, always strictly later.
    pub(crate) fn after(&mut self, prev: i64, delay: i64) -> i64 {
        let t = self.work_time(prev + delay);
        t.max(prev + MINUTE + self.between(0, 30 * MINUTE))
    }

    /// How long a receiver takes to decide.
    pub(crate) fn decision_delay(&mut self, pace: f64) -> i64 {
        let r: f64 = self.rng.random();
        let d = if r < 0.7 {
            self.between(HOUR, 30 * HOUR)
        } else if r < 0.92 {
            self.between(30 * HOUR, 72 * HOUR)
        } else {
            self.between(3 * DAY, 8 * DAY)
        };
        (d as f64 * pace) as i64
    }

    /// What happens after acceptance: mql-to-sdr's first touch,
    /// cs-to-support's return path (ack with an ETA, echoes, resolution, the
    /// CSM closing the loop, less often when careless) and cross-motion's
    /// attestations (both sides answer; now and
    /// then they disagree).
    #[expect(clippy::too_many_arguments, reason = "one handoff's whole context")]
    pub(crate) fn after_acceptance(
        &mut self,
        cat: &Catalog,
        a: &mut Acct,
        ci: usize,
        id: &HandoffId,
        (sender, receiver): (&Email, &Email),
        accepted: i64,
        careless: bool,
    ) -> io::Result<()> {
        if ci == C_CS {
            let ack = {
                let d = self.between(HOUR, 8 * HOUR);
                self.after(accepted, d)
            };
            let eta = ack + self.between(DAY, 5 * DAY);
            let e = Event::Acknowledged {
                handoff: id.clone(),
                by: receiver.clone(),
                at: ts(ack)?,
                eta: ts(eta)?,
            };
            if !self.push(cat, a, ack, e) {
                return Ok(());
            }
            let mut t = ack;
            for _ in 0..self.between(0, 3) {
                t = {
                    let d = self.between(12 * HOUR, 2 * DAY);
                    self.after(t, d)
                };
                let e = Event::Echo {
                    handoff: id.clone(),
                    by: receiver.clone(),
                    at: ts(t)?,
                    note: "Still working on it; next update tomorrow".into(),
                };
                if !self.push(cat, a, t, e) {
                    return Ok(());
                }
            }
            let resolved = {
                let d = self.between(2 * HOUR, 3 * DAY);
                self.after(t, d)
            };
            let e = Event::Resolved {
                handoff: id.clone(),
                by: receiver.clone(),
                at: ts(resolved)?,
                note: "Fixed and verified with the customer's admin".into(),
            };
            if !self.push(cat, a, resolved, e) {
                return Ok(());
            }
            if self.chance(if careless { 0.45 } else { 0.85 }) {
                let closed = {
                    let d = self.between(HOUR, 2 * DAY);
                    self.after(resolved, d)
                };
                let e = Event::LoopClosed {
                    handoff: id.clone(),
                    by: sender.clone(),
                    at: ts(closed)?,
                    note: "Told the customer it is fixed and what changed".into(),
                };
                self.push(cat, a, closed, e);
            }
        } else if ci == C_MQL {
            // The SDR's first touch: mostly within the hours the lead's
            // first-touch SLA allows (4 to 48), later when careless, and
            // now and then never (the job then records the breach).
            if self.chance(if careless { 0.7 } else { 0.95 }) {
                let t = {
                    let d = if careless {
                        self.between(2 * HOUR, 3 * DAY)
                    } else {
                        self.between(HOUR / 4, 6 * HOUR)
                    };
                    self.after(accepted, d)
                };
                let channel = if self.chance(0.6) { "call" } else { "email" };
                let e = Event::FirstTouch {
                    handoff: id.clone(),
                    by: receiver.clone(),
                    at: ts(t)?,
                    channel: Some(channel.into()),
                    note: None,
                };
                self.push(cat, a, t, e);
            }
        } else if ci == C_CROSS {
            let questions = cat.contracts[ci].questions.clone();
            for q in questions {
                let agreed = if careless { 0.6 } else { 0.9 };
                let answers = if self.chance(agreed) {
                    ["the account's CSM", "the account's CSM"]
                } else {
                    ["the account's CSM", "the motion B specialist"]
                };
                for (who, answer) in [sender, receiver].into_iter().zip(answers) {
                    let t = {
                        let d = self.between(HOUR, 2 * DAY);
                        self.after(accepted, d)
                    };
                    let e = Event::Attested {
                        handoff: id.clone(),
                        by: who.clone(),
                        at: ts(t)?,
                        question: q.clone(),
                        answer: answer.into(),
                    };
                    self.push(cat, a, t, e);
                }
            }
        }
        Ok(())
    }

    pub(crate) fn push(&mut self, cat: &Catalog, a: &mut Acct, at: i64, e: Event) -> bool {
        if at > cat.end || at >= a.cutoff {
            return false;
        }
        a.last_at = a.last_at.max(at);
        self.events.push((at, e));
        true
    }

    pub(crate) fn contact(&mut self, titles: &'static [&'static str]) -> Contact {
        let (f, l) = (*self.pick(FIRST), *self.pick(LAST));
        Contact {
            name: format!("{f} {l}"),
            title: self.word(titles),
        }
    }

    pub(crate) fn account(&mut self, cat: &Catalog, i: usize) -> io::Result<Acct> {
        let id = AccountId::parse(format!("A-{:06}", i + 1)).map_err(bad)?;
        let name = {
            let (p, s, ind) = (
                *self.pick(NAME_ROOTS),
                *self.pick(NAME_STEMS),
                *self.pick(INDUSTRIES),
            );
            let form = *self.pick(LEGAL_FORMS);
            format!("{p}{s} {ind}{form}")
        };
        let r: f64 = self.rng.random();
        let seg = if r < 0.5 {
            Seg::Smb
        } else if r < 0.85 {
            Seg::Mid
        } else {
            Seg::Ent
        };
        let dollars = match seg {
            Seg::Smb => self.between(100, 400),
            Seg::Mid => self.between(400, 1500),
            Seg::Ent => self.between(1500, 5001),
        } * 100;
        let r: f64 = self.rng.random();
        let entry = if r < 0.45 {
            Entry::Pipeline(C_MQL)
        } else if r < 0.53 {
            Entry::Pipeline(C_SDR)
        } else if r < 0.6 {
            Entry::Pipeline(C_AE)
        } else {
            Entry::Customer
        };
        let (entry_at, created) = match entry {
            Entry::Pipeline(_) => {
                let t = self.between(cat.start, cat.end - DAY);
                let t = self.work_time(t);
                (t, (t - self.between(HOUR, 5 * DAY)).max(cat.start))
            }
            Entry::Customer => (cat.start, cat.start),
        };
        let mood = 5.5 + self.rng.random::<f64>() * 4.0;
        let sloppy = self.chance(0.22);
        let buyer = self.contact(BUYER_TITLES);
        let champion = self.contact(CHAMPION_TITLES);
        let skeptic = self.contact(SKEPTIC_TITLES);
        let user = self.contact(USER_TITLES);
        let promised = entry_at + self.between(120 * DAY, 300 * DAY);
        let success = self.success_text(promised);
        Ok(Acct {
            id,
            name,
            seg,
            arr_minor: dollars * 100,
            created,
            entry,
            entry_at,
            mood,
            buyer,
            champion,
            skeptic,
            user,
            success,
            owners: [None; 8],
            cs_since: None,
            signed: false,
            last_at: created,
            low: 0,
            cutoff: i64::MAX,
            at_risk: false,
            sloppy,
            rediscoveries: 0,
        })
    }

    /// The person of `team` who owns the account, assigning one if needed.
    pub(crate) fn owner(&mut self, a: &mut Acct, team: usize) -> u32 {
        if let Some(Some(who)) = a.owners.get(team) {
            return *who;
        }
        let size = TEAMS.get(team).map_or(1, |t| t.1);
        let who = self.num(0, size - 1);
        if let Some(slot) = a.owners.get_mut(team) {
            *slot = Some(who);
        }
        who
    }

    pub(crate) fn journey(&mut self, cat: &Catalog, a: &mut Acct) -> io::Result<()> {
        match a.entry {
            Entry::Pipeline(first) => {
                let mut t = a.entry_at;
                let mut ci = first;
                let mut recycled = 0;
                while ci <= C_ONB && t <= cat.end {
                    let c = &cat.contracts[ci];
                    let parties = Parties {
                        sender: self.owner(a, c.from),
                        receiver: self.owner(a, c.to),
                    };
                    let o = self.handoff(cat, a, ci, t, parties)?;
                    let next = match o.accepted {
                        Some(accepted) => {
                            if ci == C_AE {
                                a.signed = true;
                            }
                            if ci == C_ONB {
                                a.cs_since = Some(accepted);
                                break;
                            }
                            let leak = if o.score < 70 { 0.85 } else { 1.0 };
                            self.chance(CONVERSION[ci.min(2)] * leak)
                                .then_some(accepted)
                        }
                        None => None,
                    };
                    match next {
                        Some(accepted) => {
                            ci += 1;
                            let gap = self.stage_gap(ci, a.seg);
                            t = self.work_time(accepted + gap);
                        }
                        // A lead that went nowhere goes back to nurture and
                        // may qualify again a few weeks later.
                        None if ci == C_MQL && recycled < 3 && self.chance(0.6) => {
                            recycled += 1;
                            let gap = self.between(30 * DAY, 100 * DAY);
                            t = self.work_time(a.last_at.max(t) + gap);
                        }
                        None => break,
                    }
                }
            }
            Entry::Customer => {
                a.signed = true;
                a.cs_since = Some(cat.start - self.between(30 * DAY, 400 * DAY));
            }
        }
        // Churn is decided once the sale is done: leaky handoffs make it
        // likelier. What the account does afterwards stops at the churn.
        let mut churn_at = None;
        if a.signed {
            let base = if a.sloppy { 0.5 } else { 0.02 };
            let p = base + 0.02 * f64::from(a.low) + 0.02 * f64::from(a.rediscoveries);
            if self.chance(p.min(0.7)) {
                let lo = a.last_at.max(cat.start) + 10 * DAY;
                if lo < cat.end {
                    let t = self.between(lo, cat.end);
                    churn_at = Some(t);
                    a.cutoff = t;
                    a.at_risk = true;
                }
            }
        }
        if let Some(since) = a.cs_since {
            let from = since.max(cat.start) + 3 * DAY;
            let until = a.cutoff.min(cat.end);
            // Escalations: one every month or two, more for bigger accounts
            // and for accounts slipping away.
            let rate = match a.seg {
                Seg::Smb => 0.45,
                Seg::Mid => 0.7,
                Seg::Ent => 0.95,
            } + if a.at_risk { 0.2 } else { 0.0 };
            let mut m = from;
            while m < until {
                if self.chance(rate) {
                    let t = self.between(m, (m + 30 * DAY).min(until));
                    let t = self.work_time(t);
                    let c = &cat.contracts[C_CS];
                    let parties = Parties {
                        sender: self.owner(a, c.from),
                        receiver: self.num(0, TEAMS[c.to].1 - 1),
                    };
                    self.handoff(cat, a, C_CS, t, parties)?;
                }
                m += 30 * DAY;
            }
            if !a.at_risk && self.chance(0.2) {
                let t = self.between(from + 11 * DAY, until);
                let t = self.work_time(t);
                let c = &cat.contracts[C_CROSS];
                let parties = Parties {
                    sender: self.owner(a, c.from),
                    receiver: self.owner(a, c.to),
                };
                self.handoff(cat, a, C_CROSS, t, parties)?;
            }
            // The relationship survey, every two months.
            let mut q = from;
            while q < until {
                if self.chance(0.7) {
                    let t = self.between(q, (q + 60 * DAY).min(until));
                    let t = self.work_time(t);
                    let risk = if a.at_risk { 2.0 } else { 0.0 };
                    let s = self.nps_score(a.mood - 0.6 * f64::from(a.low) - risk);
                    self.nps(cat, a, t, s);
                }
                q += 60 * DAY;
            }
        }
        if let Some(t) = churn_at {
            a.cutoff = i64::MAX;
            let e = Event::Churn {
                account: a.id.clone(),
                at: ts(t)?,
                arr_lost: Money {
                    minor: a.arr_minor,
                    currency: cat.usd,
                },
            };
            self.push(cat, a, t, e);
        }
        Ok(())
    }

    /// Days an account spends in the stage before `next` is handed off.
    pub(crate) fn stage_gap(&mut self, next: usize, seg: Seg) -> i64 {
        let (lo, hi) = match (next, seg) {
            (C_SDR, _) => (3, 21),
            (C_AE, Seg::Smb) => (14, 35),
            (C_AE, Seg::Mid) => (25, 60),
            (C_AE, Seg::Ent) => (40, 100),
            (_, Seg::Smb) => (21, 45),
            (_, Seg::Mid) => (30, 70),
            (_, Seg::Ent) => (45, 100),
        };
        self.between(lo * DAY, hi * DAY)
    }

    pub(crate) fn nps_score(&mut self, center: f64) -> u8 {
        let noise = (self.rng.random::<f64>() - 0.5) * 4.0;
        (center + noise).round().clamp(0.0, 10.0) as u8
    }

    pub(crate) fn nps(&mut self, cat: &Catalog, a: &mut Acct, at: i64, score: u8) {
        if let Ok(t) = ts(at) {
            let e = Event::Nps {
                account: a.id.clone(),
                score,
                at: t,
            };
            self.push(cat, a, at, e);
        }
    }
}
