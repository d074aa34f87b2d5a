//! Field values: what a sender would plausibly type.

use super::*;

impl Gen {
    /// A realistic value of `f`'s type for account `a`, written at `at`.
    pub(crate) fn value(
        &mut self,
        cat: &Catalog,
        a: &Acct,
        ci: usize,
        f: &Field,
        at: i64,
        p: Parties,
    ) -> Value {
        match &f.kind {
            FieldType::Text | FieldType::LongText => Value::String(self.prose(cat, a, f, at, p)),
            FieldType::Number => Value::from(self.number(f.key.as_str())),
            FieldType::Money => {
                let mut m = Map::new();
                m.insert("minor".into(), Value::from(a.arr_minor));
                m.insert(
                    "currency".into(),
                    Value::String(cat.usd.as_str().to_string()),
                );
                Value::Object(m)
            }
            FieldType::Date => Value::String(date(at + self.between(14 * DAY, 120 * DAY))),
            FieldType::Datetime => {
                let eta = at + self.between(4 * HOUR, 7 * DAY);
                let t = self.work_time(eta);
                Value::String(datetime(t - t.rem_euclid(HOUR)))
            }
            FieldType::Enum { options } => {
                Value::String(self.option(f.key.as_str(), options, a.seg))
            }
            FieldType::MultiEnum { options } if options.is_empty() => Value::Null,
            FieldType::MultiEnum { options } => {
                let (x, y) = self.two(options);
                let mut picked = vec![Value::String(x.clone())];
                if x != y && self.chance(0.4) {
                    picked.push(Value::String(y.clone()));
                }
                Value::Array(picked)
            }
            FieldType::Url => Value::String(format!(
                "https://crm.demo.test/accounts/{}/notes/{}",
                a.id,
                self.between(1000, 100_000)
            )),
            FieldType::Bool => Value::Bool(self.chance(0.7)),
            FieldType::Confidence => Value::from(self.num(4, 18) * 5),
            FieldType::Person => match (ci, f.key.as_str()) {
                (C_CS, _) | (_, "communication_owner") => {
                    let csm = a.owners[T_CS].unwrap_or(p.sender);
                    person(cat.name(T_CS, csm), "CSM")
                }
                (C_CROSS, _) | (_, "relationship_owner") => {
                    if self.chance(0.6) {
                        let csm = a.owners[T_CS].unwrap_or(0);
                        person(cat.name(T_CS, csm), "CSM")
                    } else {
                        let from = cat.contracts.get(ci).map_or(0, |c| c.from);
                        person(cat.name(from, p.sender), "Motion A account manager")
                    }
                }
                _ => person(&a.champion.name, a.champion.title),
            },
            FieldType::People => self.people(a),
            FieldType::Hypothesis => {
                let mut m = Map::new();
                m.insert(
                    "hypothesis".into(),
                    Value::String((*self.pick(TRIGGERS)).to_string()),
                );
                m.insert("confidence".into(), Value::from(self.num(8, 18) * 5));
                Value::Object(m)
            }
        }
    }

    pub(crate) fn number(&mut self, key: &str) -> u32 {
        match key {
            "first_touch_sla" => *self.pick(&[4, 8, 24, 24, 48]),
            "close_loop_window" => *self.pick(&[24, 48, 48, 72]),
            _ => self.num(1, 100),
        }
    }

    pub(crate) fn option(&mut self, key: &str, options: &[String], seg: Seg) -> String {
        if options.is_empty() {
            return String::new();
        }
        let preferred: &[&str] = match (key, seg) {
            ("icp_firmographic_match", Seg::Ent) => &["strong", "strong", "partial"],
            ("icp_firmographic_match", Seg::Mid) => &["strong", "partial", "partial", "weak"],
            ("icp_firmographic_match", Seg::Smb) => {
                &["partial", "weak", "weak", "outside_icp", "strong"]
            }
            ("assigned_motion", Seg::Smb) => &["tier_b", "tier_b", "tier_b", "tier_a"],
            ("assigned_motion", _) => &["tier_a", "tier_a", "tier_a", "tier_b"],
            ("echo_cadence", Seg::Ent) => &["daily", "daily", "weekly"],
            ("echo_cadence", _) => &["weekly", "weekly", "daily"],
            ("motion_a_health", _) => &[
                "stable", "stable", "stable", "at_risk", "at_risk", "unstable",
            ],
            _ => &[],
        };
        if !preferred.is_empty() {
            let want = *self.pick(preferred);
            if let Some(o) = options.iter().find(|o| o.as_str() == want) {
                return o.clone();
            }
        }
        self.pick(options).clone()
    }

    pub(crate) fn people(&mut self, a: &Acct) -> Value {
        let mut list = Vec::with_capacity(4);
        let entry = |c: &Contact, reaction: &str| {
            let mut m = Map::new();
            m.insert("name".into(), Value::String(c.name.clone()));
            m.insert("role".into(), Value::String(c.title.to_string()));
            m.insert("reaction".into(), Value::String(reaction.to_string()));
            Value::Object(m)
        };
        list.push(entry(&a.champion, self.word(CHAMPION_REACTIONS)));
        list.push(entry(&a.buyer, self.word(BUYER_REACTIONS)));
        if self.chance(0.7) {
            list.push(entry(&a.skeptic, self.word(SKEPTIC_REACTIONS)));
        }
        if self.chance(0.4) {
            list.push(entry(&a.user, self.word(USER_REACTIONS)));
        }
        Value::Array(list)
    }

    /// Filler that looks filled but is not: a placeholder or a too-short
    /// answer.
    pub(crate) fn filler(&mut self, f: &Field) -> Value {
        let text = if f.min_len.unwrap_or(0) >= 15 && self.chance(0.3) {
            *self.pick(SHORT_ANSWERS)
        } else {
            *self.pick(FILLERS)
        };
        Value::String(text.to_string())
    }

    pub(crate) fn success_text(&mut self, by: i64) -> String {
        let x = self.num(3, 8);
        let pct = self.num(40, 70);
        let what = match self.num(0, 4) {
            0 => format!(
                "Cut time from MQL to first touch from {} to {} hours",
                x * 6,
                x
            ),
            1 => format!(
                "Raise handoff completeness from {pct}% to {}%",
                (pct + 30).min(95)
            ),
            2 => format!("Reduce customer onboarding from {} to {x} weeks", x * 2),
            3 => format!("Halve re-discovery incidents (baseline {}/month)", x * 4),
            _ => format!("Lift gross retention from {}% to {}%", pct + 25, pct + 30),
        };
        format!("{what} by {}", date(by))
    }

    /// Prose for a text field, by field key; a generic sentence for keys the
    /// demo does not know.
    pub(crate) fn prose(
        &mut self,
        cat: &Catalog,
        a: &Acct,
        f: &Field,
        at: i64,
        p: Parties,
    ) -> String {
        let mut s = match f.key.as_str() {
            // mql-to-sdr
            "source_campaign_journey" => {
                let (x, y) = self.two(ASSETS);
                format!(
                    "{} → {x} → {y} → {}",
                    self.pick(CAMPAIGNS),
                    self.pick(CONVERSIONS)
                )
            }
            "behavioral_signal_narrative" => {
                let (x, y) = self.two(ASSETS);
                format!(
                    "{} visits in {} days from {} people at {}; {x} read {} times, {} min on {y}; {}",
                    self.num(4, 30),
                    self.num(3, 21),
                    self.num(1, 6),
                    a.name,
                    self.num(2, 6),
                    self.num(3, 25),
                    self.pick(SIGNAL_EXTRAS)
                )
            }
            // sdr-to-ae
            "confirmed_pain" => format!(
                "Pain: {}. Anti-pain: {}.",
                self.pick(PAINS),
                self.pick(ANTI_PAINS)
            ),
            "current_stack" => format!(
                "{} as CRM ({}); {} for sequences ({}); {} for tickets ({})",
                self.pick(CRMS),
                self.pick(SATISFACTION),
                self.pick(ENGAGEMENT),
                self.pick(SATISFACTION),
                self.pick(TICKETING),
                self.pick(SATISFACTION)
            ),
            "timeline_trigger" => {
                let by = at + self.between(45 * DAY, 180 * DAY);
                format!(
                    "Needs it live by {} because {}",
                    date(by),
                    self.pick(TIMELINE_EVENTS)
                )
            }
            "budget_signal" => format!(
                "About ${}k set aside by the {} ({}); {}",
                a.arr_minor / 100_000 * self.num(9, 13) as i64 / 10,
                a.buyer.title,
                a.buyer.name,
                self.pick(PROCUREMENT)
            ),
            "competitive_set" => {
                let (x, y) = self.two(COMPETITORS);
                format!(
                    "Talking to {x}; ruled out {y} because {}",
                    self.pick(RULED_OUT)
                )
            }
            // ae-to-onboarding
            "economic_buyer" => format!(
                "{}, {}; signs up to ${}k without {}",
                a.buyer.name,
                a.buyer.title,
                (a.arr_minor / 100_000 / 50 + 1) * 50,
                self.pick(&["board approval", "a second signature", "procurement review"])
            ),
            "champion_map" => format!(
                "Champion: {} ({}, strong); sponsor: {} ({}, {}); {} ({}) {}",
                a.champion.name,
                a.champion.title,
                a.buyer.name,
                a.buyer.title,
                self.pick(&["neutral", "supportive", "engaged"]),
                a.skeptic.name,
                a.skeptic.title,
                self.pick(SKEPTIC_REACTIONS)
            ),
            "commitments" => format!(
                "Verbal: {}. Contractual: {}.",
                self.pick(VERBAL),
                self.pick(CONTRACTUAL)
            ),
            "success_criteria" | "year1_success_criteria" => a.success.clone(),
            "implementation_risks" => {
                let (x, y) = self.two(RISKS);
                format!("{x}; {y}")
            }
            "competitive_displacement" => format!(
                "Replacing {}; sticky point is {}, {}",
                self.pick(LEGACY),
                self.pick(STICKY),
                self.pick(PLAYBOOK)
            ),
            "go_live_deadlines" => {
                let live = at + self.between(30 * DAY, 100 * DAY);
                format!(
                    "Go-live {}, anchored to {} on {}",
                    date(live),
                    self.pick(ANCHORS),
                    date(live + self.between(3 * DAY, 21 * DAY))
                )
            }
            "expansion_hypothesis" => format!("Year 2: {}", self.pick(EXPANSIONS)),
            // onboarding-to-cs
            "adoption_curve" => {
                let early = self.num(20, 60);
                format!(
                    "Weeks 1-4: {early}% of licensed users active; by week {}: {}%. {} used daily; {} barely touched",
                    self.num(6, 12),
                    (early + self.num(10, 35)).min(98),
                    self.pick(FEATURES),
                    self.pick(FEATURES)
                )
            }
            "training_attendance" => {
                let admins = self.num(2, 6);
                format!(
                    "{} of {admins} admins and {}% of reps completed training; {} ({}) missed both admin sessions",
                    self.num(1, admins),
                    self.num(45, 95),
                    a.user.name,
                    a.user.title
                )
            }
            "support_patterns" => {
                let (x, y) = self.two(TICKET_THEMES);
                format!(
                    "{} tickets during onboarding, mostly {x}; {} about {y}",
                    self.num(5, 40),
                    self.num(1, 6)
                )
            }
            "sponsor_heat_map" => format!(
                "{} warmed up (runs the weekly review); {} {}; {} neutral now",
                a.champion.name,
                a.buyer.name,
                self.pick(&[
                    "cooled, skipped the last two check-ins",
                    "steady, joins the monthly steering call",
                    "warmer since the first dashboard landed",
                ]),
                a.skeptic.name
            ),
            "escalated_issues" => {
                let (x, y) = self.two(ISSUES);
                format!(
                    "{x} (resolved); {y} ({})",
                    self.pick(&[
                        "open, fix due next sprint",
                        "resolved",
                        "workaround in place"
                    ])
                )
            }
            // cs-to-support
            "originating_signal" => format!(
                "{} (ticket #{})",
                self.pick(SIGNALS),
                self.between(10_000, 99_999)
            ),
            "impact_statement" => format!(
                "{} {} at {} cannot {}; {}",
                self.num(5, 120),
                self.pick(&["reps", "AEs", "CSMs", "managers"]),
                a.name,
                self.pick(IMPACTS),
                self.pick(COSTS)
            ),
            // cross-motion
            "reunification_trigger" => match self.num(0, 3) {
                0 => "Motion B closed-won".to_string(),
                1 => date(at + self.between(60 * DAY, 150 * DAY)),
                2 => format!("{} days", self.pick(&[60, 90, 120])),
                _ => "Motion B closed-lost or 60 days, whichever comes first".to_string(),
            },
            "qualification_signal" => self.pick(QUALIFICATION).to_string(),
            "communication_plan" => {
                let csm = cat.name(T_CS, a.owners[T_CS].unwrap_or(0));
                format!(
                    "{csm} (CSM) introduces the Motion B AE at the next QBR; {} follows up within 3 days; one shared channel, CSM stays the voice for support",
                    cat.name(cat.contracts.get(C_CROSS).map_or(0, |c| c.to), p.receiver)
                )
            }
            "paperwork_routing" => self.pick(PAPERWORK).to_string(),
            _ => format!(
                "{}: confirmed with {} ({}) at {}",
                f.label, a.champion.name, a.champion.title, a.name
            ),
        };
        let min = f.min_len.unwrap_or(0) as usize;
        if s.chars().count() < min {
            s.push_str(" - confirmed with the customer");
        }
        s
    }
}
