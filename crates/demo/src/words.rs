//! Word lists the generator draws names, titles and prose from.

pub(crate) const NAME_ROOTS: &[&str] = &[
    "North", "Blue", "Silver", "Iron", "Bright", "Cedar", "Red", "Stone", "Clear", "Summit", "Oak",
    "Harbor", "Maple", "Granite", "Falcon", "Golden", "Pine", "River", "Sun", "Lake", "Copper",
    "Crystal", "Eagle", "Green", "High", "Star", "West", "East", "Swift", "True",
];
pub(crate) const NAME_STEMS: &[&str] = &[
    "wind", "peak", "field", "gate", "bridge", "point", "brook", "ridge", "crest", "stone", "line",
    "works", "view", "path", "way", "haven", "light", "mark", "wood", "vale",
];
pub(crate) const INDUSTRIES: &[&str] = &[
    "Logistics",
    "Health",
    "Analytics",
    "Foods",
    "Robotics",
    "Energy",
    "Bank",
    "Insurance",
    "Labs",
    "Software",
    "Systems",
    "Freight",
    "Retail",
    "Media",
    "Pharma",
    "Security",
    "Consulting",
    "Manufacturing",
    "Networks",
    "Learning",
    "Travel",
    "Capital",
    "Biotech",
    "Telecom",
    "Payments",
];
pub(crate) const LEGAL_FORMS: &[&str] = &[
    "", "", "", " Inc", " Group", " GmbH", " Ltd", " Co", " AG", " LLC",
];

pub(crate) const FIRST: &[&str] = &[
    "Dana", "Lee", "Sam", "Priya", "Jonas", "Maria", "Kenji", "Aisha", "Tom", "Elena", "Omar",
    "Grace", "Luca", "Nina", "Ravi", "Sofia", "Mateo", "Chloe", "Yusuf", "Hannah", "Diego", "Mei",
    "Felix", "Amara", "Noah", "Ingrid", "Kofi", "Laura", "Arjun", "Zoe", "Pierre", "Fatima", "Ben",
    "Carmen", "Oskar", "Leila",
];
pub(crate) const LAST: &[&str] = &[
    "Ortiz",
    "Park",
    "Roe",
    "Shah",
    "Berg",
    "Rossi",
    "Tanaka",
    "Okafor",
    "Miller",
    "Petrova",
    "Haddad",
    "Kim",
    "Bianchi",
    "Novak",
    "Iyer",
    "Costa",
    "Garcia",
    "Dubois",
    "Demir",
    "Schmidt",
    "Lopez",
    "Chen",
    "Weber",
    "Mensah",
    "Walsh",
    "Larsen",
    "Boateng",
    "Fischer",
    "Nair",
    "Evans",
    "Moreau",
    "Aziz",
    "Cohen",
    "Ruiz",
    "Lindqvist",
    "Farah",
];

pub(crate) const BUYER_TITLES: &[&str] = &[
    "CFO",
    "CRO",
    "VP Sales",
    "COO",
    "CEO",
    "VP Revenue Operations",
];
pub(crate) const CHAMPION_TITLES: &[&str] = &[
    "Director of RevOps",
    "Head of Sales Ops",
    "VP Customer Success",
    "Sales Enablement Lead",
    "Director of Onboarding",
];
pub(crate) const SKEPTIC_TITLES: &[&str] = &[
    "IT Director",
    "Head of Security",
    "Procurement Manager",
    "Sales Manager",
    "Data Protection Officer",
];
pub(crate) const USER_TITLES: &[&str] = &[
    "Team Lead",
    "Senior AE",
    "CS Manager",
    "Ops Analyst",
    "SDR Manager",
];
pub(crate) const BUYER_REACTIONS: &[&str] = &[
    "supportive",
    "neutral",
    "cautious, wants ROI proof",
    "engaged",
];
pub(crate) const CHAMPION_REACTIONS: &[&str] = &[
    "strong champion",
    "enthusiastic",
    "supportive",
    "pushing internally",
];
pub(crate) const SKEPTIC_REACTIONS: &[&str] = &[
    "skeptical",
    "blocking on the security review",
    "worried about rollout time",
    "wants a reference call first",
];
pub(crate) const USER_REACTIONS: &[&str] = &[
    "positive after the demo",
    "curious",
    "neutral",
    "asked for a trial",
];

pub(crate) const CAMPAIGNS: &[&str] = &[
    "Q3 RevOps benchmark webinar",
    "State of Handoffs report",
    "LinkedIn retargeting: pipeline leakage ad",
    "G2 comparison page",
    "Partner co-marketing webinar",
    "Paid search: sales handoff template",
    "Revenue Summit roundtable",
    "Peer referral from a customer CRO",
    "Podcast sponsorship promo code",
];
pub(crate) const ASSETS: &[&str] = &[
    "pricing page",
    "ROI calculator",
    "logistics case study",
    "handoff scorecard template",
    "product tour video",
    "security whitepaper",
    "Salesforce integration docs",
    "customer story video",
    "implementation guide",
    "comparison one-pager",
];
pub(crate) const CONVERSIONS: &[&str] = &[
    "demo request form",
    "contact-sales chat",
    "free handoff audit booking",
    "trial sign-up",
    "webinar Q&A follow-up request",
];
pub(crate) const SIGNAL_EXTRAS: &[&str] = &[
    "came back the day after the webinar",
    "forwarded the ROI sheet internally",
    "viewed open RevOps roles on our careers page",
    "pricing page visited by a director-level contact",
    "opened every email of the last nurture sequence",
    "three new visitors from the same domain this week",
];
pub(crate) const TRIGGERS: &[&str] = &[
    "New VP of Sales hired last month",
    "Missed two quarters of pipeline targets",
    "Series B closed, doubling the sales team",
    "Moving from founder-led sales to a team of AEs",
    "CRM migration planned for next quarter",
    "Churn spiked after an onboarding backlog",
    "Board asked for a handoff audit after a lost renewal",
    "Merger with a competitor, two sales teams to unify",
    "Expanding into EMEA with a new SDR team",
];
pub(crate) const PAINS: &[&str] = &[
    "leads go cold because SDRs get them two days late",
    "AEs re-run discovery on every first call",
    "onboarding learns about promised integrations only at kickoff",
    "CSMs cannot see what sales promised",
    "escalations vanish into the support queue without updates",
    "the forecast is unreliable because stages move without evidence",
];
pub(crate) const ANTI_PAINS: &[&str] = &[
    "not worried about CRM licence cost",
    "happy with their dialer",
    "no interest in replacing the ticketing tool",
    "reporting is fine today",
    "not looking for a new CPQ",
];
pub(crate) const CRMS: &[&str] = &["Salesforce", "HubSpot", "Dynamics 365", "Pipedrive"];
pub(crate) const ENGAGEMENT: &[&str] = &["Outreach", "Salesloft", "Apollo", "HubSpot sequences"];
pub(crate) const TICKETING: &[&str] = &[
    "Zendesk",
    "Jira Service Management",
    "Freshdesk",
    "Intercom",
];
pub(crate) const SATISFACTION: &[&str] = &[
    "happy",
    "satisfied",
    "lukewarm",
    "frustrated",
    "planning to replace",
];
pub(crate) const TIMELINE_EVENTS: &[&str] = &[
    "the new fiscal year starts then",
    "their sales kickoff is that week",
    "the board review is that month",
    "a new SDR cohort starts",
    "the contract of their current tool lapses",
];
pub(crate) const PROCUREMENT: &[&str] = &[
    "procurement review takes about 3 weeks",
    "security questionnaire, then legal, usually 30 days",
    "the CFO signs anything under $100k directly",
    "needs a board-approved PO above $150k",
    "purchases run through a reseller",
];
pub(crate) const COMPETITORS: &[&str] = &[
    "Gong",
    "Clari",
    "native Salesforce flows",
    "a homegrown Airtable base",
    "Catalyst",
    "Vitally",
    "a consultancy with templates",
];
pub(crate) const RULED_OUT: &[&str] = &[
    "it was too expensive for their size",
    "it has no gated workflow",
    "it failed the security review",
    "it needs too much admin time",
];
pub(crate) const VERBAL: &[&str] = &[
    "SSO by week 6",
    "a dedicated onboarding manager",
    "a shared Slack channel with product",
    "a custom CRO report by go-live",
    "HubSpot sync before kickoff",
];
pub(crate) const CONTRACTUAL: &[&str] = &[
    "99.9% uptime SLA",
    "annual price cap of 5%",
    "EU data residency",
    "termination for convenience in the first 90 days",
    "quarterly business reviews",
];
pub(crate) const RISKS: &[&str] = &[
    "Legacy CRM export is messy",
    "IT change freeze in December",
    "only one admin on their side",
    "SSO depends on a late Okta migration",
    "data team busy with a warehouse migration",
    "two regional teams use different deal stages",
];
pub(crate) const LEGACY: &[&str] = &[
    "spreadsheets and Slack threads",
    "Gainsight CTAs",
    "custom Salesforce flows",
    "an old Zendesk macro set",
];
pub(crate) const STICKY: &[&str] = &[
    "custom reports",
    "the weekly pipeline email",
    "per-rep dashboards",
    "Slack notifications",
];
pub(crate) const PLAYBOOK: &[&str] = &[
    "rebuild them in week one",
    "show the scorecard in the first QBR",
    "pair their admin with our SE",
    "import their templates before kickoff",
];
pub(crate) const ANCHORS: &[&str] = &[
    "their sales kickoff",
    "the start of the fiscal year",
    "the board meeting",
    "the EMEA launch",
];
pub(crate) const EXPANSIONS: &[&str] = &[
    "roll out to the EMEA team (40 more seats)",
    "add the CS team once sales is live",
    "expand from SMB to the enterprise segment",
    "add partner channel handoffs",
    "the analytics add-on after the first audit",
];
pub(crate) const FEATURES: &[&str] = &[
    "Scorecard",
    "Gate checks",
    "Leak audit",
    "Receiver brief",
    "Slack alerts",
    "CSV import",
];
pub(crate) const TICKET_THEMES: &[&str] = &[
    "SSO setup",
    "CRM field mapping",
    "permissions",
    "import errors",
    "notification noise",
];
pub(crate) const ISSUES: &[&str] = &[
    "CRM sync dropped custom fields",
    "SSO group mapping wrong for managers",
    "gate check too slow on large deals",
    "duplicate accounts after import",
];
pub(crate) const SIGNALS: &[&str] = &[
    "Sync to the CRM fails for deals with over 100 line items",
    "Usage of the scorecard dropped sharply week over week",
    "The CRO emailed the CSM: the gate blocks valid Closed-Won deals",
    "Weekly export job failing since the last release",
    "Reps report SSO login loops on Safari",
];
pub(crate) const IMPACTS: &[&str] = &[
    "close deals in the CRM",
    "see their handoff queue",
    "log in",
    "export the weekly scorecard",
];
pub(crate) const COSTS: &[&str] = &[
    "month-end bookings are at risk",
    "the renewal conversation is next month",
    "the exec sponsor is asking daily",
    "reps are back to spreadsheets",
];
pub(crate) const QUALIFICATION: &[&str] = &[
    "Usage of the analytics module tripled this quarter",
    "Their COO asked the CSM about partner handoffs",
    "A second business unit requested a demo",
    "Seat utilisation above 95% for two months",
];
pub(crate) const PAPERWORK: &[&str] = &[
    "New order form under the existing MSA, signed by the US entity",
    "Separate order through the reseller; route to their EMEA legal team",
    "Amendment to the current contract, countersigned by finance",
];
pub(crate) const FILLERS: &[&str] = &[
    "TBD",
    "n/a",
    "N/A",
    "tbd",
    "See notes",
    "TBC",
    "unknown",
    "-",
    "pending",
    "later",
];
pub(crate) const SHORT_ANSWERS: &[&str] =
    &["as discussed", "see CRM", "yes", "ok", "per call", "CFO"];
