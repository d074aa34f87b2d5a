//! One handoff and everything that follows from it: submission, rework,
//! the receiver's decision, follow-through, and the signals it causes.

use super::*;

impl Gen {
    /// One handoff of contract `ci` for `a`, first submitted at `t0`, with
    /// everything that follows from it.
    pub(crate) fn handoff(
        &mut self,
        cat: &Catalog,
        a: &mut Acct,
        ci: usize,
        t0: i64,
        p: Parties,
    ) -> io::Result<Outcome> {
        let mut out = Outcome {
            accepted: None,
            score: 0,
        };
        let c = &cat.contracts[ci];
        // Nothing after the end of the history or the account's churn.
        let limit = cat.end.min(a.cutoff.saturating_sub(1));
        if t0 > limit {
            return Ok(out);
        }
        let id = HandoffId::parse(format!("H-{:06}", self.next_handoff)).map_err(bad)?;
        self.next_handoff += 1;
        let sender = cat.email(c.from, p.sender);
        let mut receiver = cat.email(c.to, p.receiver);
        if receiver == sender {
            receiver = cat.email(c.to, (p.receiver + 1) % TEAMS[c.to].1);
        }

        if self.chance(0.8) {
            let t = t0 - self.between(HOUR, 14 * DAY);
            if t >= cat.start {
                let s = self.nps_score(a.mood - if a.at_risk { 1.5 } else { 0.0 });
                self.nps(cat, a, t, s);
            }
        }

        // What the first submission holds.
        let n = c.fields.len();
        let mut fill = vec![Fill::Good; n];
        let careless = a.sloppy || (a.at_risk && self.chance(0.6));
        let p_complete = if careless {
            0.1
        } else {
            (P_COMPLETE[ci] * 1.2).min(0.9)
        };
        if n > 0 && !self.chance(p_complete) {
            let r: f64 = self.rng.random();
            let k = if careless {
                // A third to two thirds of the form left empty.
                let n32 = n as u32;
                self.num(n32.div_ceil(3), (2 * n32).div_ceil(3)) as usize
            } else if r < 0.38 {
                1
            } else if r < 0.68 {
                2
            } else if r < 0.88 {
                3
            } else {
                4
            }
            .min(n);
            let mut order: Vec<usize> = (0..n).collect();
            for i in 0..k {
                let j = self.between(i as i64, n as i64) as usize;
                order.swap(i, j);
                let f = &c.fields[order[i]];
                let gaming = matches!(f.kind, FieldType::LongText | FieldType::Text);
                fill[order[i]] = if gaming && self.chance(0.45) {
                    Fill::Filler
                } else {
                    Fill::Absent
                };
            }
        }
        let mut values = Values::new();
        for (i, f) in c.fields.iter().enumerate() {
            match fill[i] {
                Fill::Good => {
                    let v = self.value(cat, a, ci, f, t0, p);
                    values.insert(f.key.clone(), v);
                }
                Fill::Filler => {
                    let v = self.filler(f);
                    values.insert(f.key.clone(), v);
                }
                Fill::Absent => {}
            }
        }
        // The CRM's deal behind each AE handoff: its gate is per deal.
        let deal = if c.key.as_str() == "ae-to-onboarding" {
            Some(DealId::parse(format!("OPP-{id}")).map_err(bad)?)
        } else {
            None
        };
        let e = Event::Submitted {
            handoff: id.clone(),
            contract: Some(c.key.clone()),
            account: Some(a.id.clone()),
            deal,
            version: None,
            to: None,
            by: sender.clone(),
            at: ts(t0)?,
            values,
            score: None,
        };
        self.push(cat, a, t0, e);

        let mut t = t0;
        let mut rejections = 0u32;
        loop {
            let missing = fill.iter().filter(|f| **f != Fill::Good).count() as f64;
            if self.chance(0.02) {
                let wait = self.between(2 * HOUR, 5 * DAY);
                let tw = self.after(t, wait);
                let e = Event::Withdrawn {
                    handoff: id.clone(),
                    by: sender.clone(),
                    at: ts(tw)?,
                };
                self.push(cat, a, tw, e);
                out.score = score(&fill);
                return Ok(out);
            }
            let p_reject = match rejections {
                0 if missing == 0.0 => 0.06,
                0 => (0.22 + 0.09 * missing).min(0.6),
                1 if missing == 0.0 => 0.02,
                1 => 0.25,
                _ => 0.0,
            } * if careless { 0.6 } else { 1.0 };
            let delay = self.decision_delay(PACE[ci]);
            let td = self.after(t, delay);
            if td > limit {
                out.score = score(&fill);
                return Ok(out);
            }
            if !self.chance(p_reject) {
                let mut values = Values::new();
                for f in &c.receiver {
                    let v = self.value(cat, a, ci, f, td, p);
                    values.insert(f.key.clone(), v);
                }
                let e = Event::Accepted {
                    handoff: id.clone(),
                    by: receiver.clone(),
                    at: ts(td)?,
                    values,
                };
                self.push(cat, a, td, e);
                out.accepted = Some(td);
                self.after_acceptance(cat, a, ci, &id, (&sender, &receiver), td, careless)?;
                t = td;
                break;
            }
            // Sent back.
            let code = if missing > 0.0 {
                if self.chance(0.85) {
                    "missing_context"
                } else {
                    "other"
                }
            } else if ci <= C_SDR {
                *self.pick(&["not_qualified", "not_qualified", "duplicate", "wrong_team"])
            } else {
                *self.pick(&["wrong_team", "duplicate", "other", "not_qualified"])
            };
            let named: Vec<usize> = (0..n).filter(|i| fill[*i] != Fill::Good).collect();
            let reason = self.reason(a, c, code, &named);
            let e = Event::Rejected {
                handoff: id.clone(),
                by: receiver.clone(),
                at: ts(td)?,
                code: Some(code.to_string()),
                reason,
                fields: named.iter().map(|i| c.fields[*i].key.clone()).collect(),
            };
            self.push(cat, a, td, e);
            rejections += 1;
            t = td;
            if matches!(code, "not_qualified" | "wrong_team" | "duplicate") && self.chance(0.65) {
                let wait = self.between(HOUR, 3 * DAY);
                let tw = self.after(t, wait);
                let e = Event::Withdrawn {
                    handoff: id.clone(),
                    by: sender.clone(),
                    at: ts(tw)?,
                };
                self.push(cat, a, tw, e);
                out.score = score(&fill);
                return Ok(out);
            }
            // Rework and resubmit.
            let wait = self.between(2 * HOUR, 3 * DAY);
            let tr = self.after(t, wait);
            if tr > limit {
                out.score = score(&fill);
                return Ok(out);
            }
            let mut values = Values::new();
            for i in named {
                if self.chance(if careless { 0.35 } else { 0.88 }) {
                    fill[i] = Fill::Good;
                    let f = &c.fields[i];
                    let v = self.value(cat, a, ci, f, tr, p);
                    values.insert(f.key.clone(), v);
                }
            }
            let e = Event::Submitted {
                handoff: id.clone(),
                contract: None,
                account: None,
                deal: None,
                version: None,
                to: None,
                by: sender.clone(),
                at: ts(tr)?,
                values,
                score: None,
            };
            self.push(cat, a, tr, e);
            t = tr;
        }
        let s = score(&fill);
        out.score = s;
        if s < 70 {
            a.low += 1;
        }
        let missing = fill.iter().filter(|f| **f != Fill::Good).count();

        // Someone downstream asks the customer again.
        let p_rediscovery = (0.04 + 0.08 * missing as f64).min(0.45);
        if n > 0 && self.chance(p_rediscovery) {
            // Within 30 days after acceptance, working hours included.
            let later = t + self.between(DAY, 27 * DAY);
            let tr = self.work_time(later);
            let gaps: Vec<usize> = (0..n).filter(|i| fill[*i] != Fill::Good).collect();
            let i = if gaps.is_empty() {
                self.between(0, n as i64) as usize
            } else {
                *self.pick(&gaps)
            };
            let f = &c.fields[i];
            let who = match TEAMS.get(c.to).map_or("", |t| t.0) {
                "sdr" => "The SDR",
                "ae" => "The AE",
                "onboarding" => "The onboarding lead",
                "cs" => "The CSM",
                "support" => "Support",
                "motion-b" => "The Motion B AE",
                _ => "The new owner",
            };
            let note = format!(
                "{who} asked {} ({}) again about {}",
                a.champion.name,
                a.champion.title,
                lower_first(&f.label)
            );
            let e = Event::Rediscovery {
                account: a.id.clone(),
                handoff: Some(id.clone()),
                field: Some(f.key.clone()),
                note,
                by: Some(receiver.clone()),
                at: ts(tr)?,
            };
            if self.push(cat, a, tr, e) {
                a.rediscoveries += 1;
            }
        }
        // A call summary after acceptance, which sometimes asks again what
        // the handoff answered: what the re-discovery detector looks for.
        if let Some(accepted) = out.accepted
            && self.chance(0.15)
        {
            let later = accepted + self.between(DAY, 20 * DAY);
            let tr = self.work_time(later);
            let answered: Vec<usize> = (0..n)
                .filter(|i| fill[*i] == Fill::Good && !c.fields[*i].asked_as.is_empty())
                .collect();
            let mut text = format!("Call with {} ({}).", a.champion.name, a.champion.title);
            if !answered.is_empty() && self.chance(0.7) {
                let f = &c.fields[*self.pick(&answered)];
                let q = self.pick(&f.asked_as).clone();
                let mut chars = q.chars();
                let q: String = chars
                    .next()
                    .map(|c| c.to_uppercase().chain(chars).collect())
                    .unwrap_or_default();
                text.push_str(&format!(" {q}?"));
            }
            text.push_str(" Walked through next steps; follow-up booked.");
            let e = Event::Note {
                account: a.id.clone(),
                author: Some(receiver.clone()),
                team: baton_domain::TeamKey::parse(TEAMS[c.to].0).ok(),
                text,
                at: ts(tr)?,
            };
            self.push(cat, a, tr, e);
        }
        // The customer's view a little later.
        if self.chance(0.85) {
            let tn = t + self.between(HOUR, 14 * DAY);
            let effect = if missing == 0 && rejections == 0 {
                0.8
            } else {
                -0.6 * missing as f64 - 0.5 * f64::from(rejections)
            };
            let s = self.nps_score(a.mood + effect - if a.at_risk { 1.5 } else { 0.0 });
            self.nps(cat, a, tn, s);
        }
        Ok(out)
    }

    pub(crate) fn reason(&mut self, a: &Acct, c: &Contract, code: &str, named: &[usize]) -> String {
        let labels = || {
            named
                .iter()
                .map(|i| lower_first(&c.fields[*i].label))
                .collect::<Vec<_>>()
                .join("; ")
        };
        match code {
            "missing_context" => {
                let lead = *self.pick(&[
                    "Cannot work this without",
                    "Sent back: missing or placeholder",
                    "Please fill in before we take it:",
                    "Not enough context:",
                ]);
                format!("{lead} {}", labels())
            }
            "not_qualified" => format!(
                "{} does not fit: {}",
                a.name,
                self.pick(&[
                    "under 50 employees, outside the ICP",
                    "student project, no budget",
                    "existing customer's subsidiary, route to CS",
                    "no buying intent on the call",
                ])
            ),
            "wrong_team" => format!(
                "This belongs to another team, not {}",
                TEAMS.get(c.to).map_or("us", |t| t.0)
            ),
            "duplicate" => format!("Duplicate of an open handoff for {}", a.name),
            _ if named.is_empty() => (*self.pick(&[
                "Customer asked to pause until next quarter",
                "Waiting on the signed order form",
                "Contact left the company, need a new one",
            ]))
            .to_string(),
            _ => format!("Too thin to act on: {}", labels()),
        }
    }
}
