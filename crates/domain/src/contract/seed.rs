//! The six contracts every org starts with, one for each edge of the revenue
//! lifecycle where context tends to fall on the floor: marketing to sales
//! development, sales development to the AE, the AE to onboarding, onboarding
//! to customer success, customer success out to support or product and back,
//! and one motion to another during a cross-sell. Each carries the fields the
//! receiving team needs, the gate acceptance opens, and guidance on how the
//! edge leaks, what the contract changes and how to audit it. Orgs start here
//! and publish their own versions as they learn.
//!
//! Kept in one file (about 1,200 lines) on purpose: it is data, the six
//! contracts field by field as the seed template writes them, so they read
//! side by side with the template; its tests check them against it.

use crate::contract::{ContractDef, DEFAULT_REASON_CODES, Gate, Guidance, Slas};
use crate::error::DomainError;
use crate::field::{Expect, FieldDef, FieldRef, FieldType, FillerRules, Owner, Side};
use crate::id::{ContractKey, FieldKey, TeamKey};

/// The seeded contract keyed `key`, if there is one.
pub fn seeded(key: &str) -> Option<ContractDef> {
    seeded_contracts()
        .into_iter()
        .find(|c| c.key.as_str() == key)
}

/// The six contracts `baton init` creates, in lifecycle order.
pub fn seeded_contracts() -> Vec<ContractDef> {
    // Every key below is a literal the tests parse, so `build` cannot fail in
    // practice; the fallback only keeps library code free of unwrap.
    build().unwrap_or_default()
}

fn build() -> Result<Vec<ContractDef>, DomainError> {
    let mut all = vec![
        mql_to_sdr()?,
        sdr_to_ae()?,
        ae_to_onboarding()?,
        onboarding_to_cs()?,
        cs_to_support()?,
        cross_motion()?,
    ];
    for f in all.iter_mut().flat_map(|c| c.fields.iter_mut()) {
        f.expects = EXPECTS
            .iter()
            .find(|(k, _)| *k == f.key.as_str())
            .map(|(_, e)| *e);
        f.needs = NEEDS
            .iter()
            .find(|(k, _)| *k == f.key.as_str())
            .map(|(_, e)| *e);
        f.asked_as = ASKED_AS
            .iter()
            .find(|(k, _)| *k == f.key.as_str())
            .map(|(_, phrases)| phrases.iter().map(|p| (*p).to_string()).collect())
            .unwrap_or_default();
    }
    Ok(all)
}

/// How people ask for each seeded field's answer, in their own words: what
/// re-discovery detection matches questions in notes against, beside the
/// label and help text. Orgs extend these per contract version.
const ASKED_AS: &[(&str, &[&str])] = &[
    (
        "source_campaign_journey",
        &[
            "how did you hear about us",
            "where did you find us",
            "which campaign or ad brought you in",
            "what content did you download or read",
        ],
    ),
    (
        "behavioral_signal_narrative",
        &[
            "what have you been reading on our site",
            "which pages or docs did you look at",
            "how often did you visit or come back",
        ],
    ),
    (
        "icp_firmographic_match",
        &[
            "how big is the company",
            "how many employees",
            "which industry and region",
            "are they a fit for our ideal customer profile",
        ],
    ),
    (
        "buying_trigger",
        &[
            "why now",
            "what prompted you to look",
            "what is driving this",
            "what changed that made you start looking",
            "why are you looking at this",
        ],
    ),
    (
        "assigned_motion",
        &[
            "which playbook or tier is this",
            "which motion are we running",
            "is this tier a or tier b",
        ],
    ),
    (
        "first_touch_sla",
        &[
            "how long do I have to reach out",
            "how many hours until first touch",
            "when must the first outreach happen",
        ],
    ),
    (
        "confirmed_pain",
        &[
            "what is the main problem",
            "what is painful today",
            "what is slowing you down",
            "what is not working for you",
            "what frustrates the team",
        ],
    ),
    (
        "stakeholders",
        &[
            "who else is involved",
            "who are the people on your side",
            "who have we met",
            "who is skeptical",
            "who might push back",
        ],
    ),
    (
        "current_stack",
        &[
            "what tools do you use today",
            "which software or system are you on",
            "what are you using now",
            "how do you do this today",
            "are you happy with your current tool",
        ],
    ),
    (
        "timeline_trigger",
        &[
            "when do you need this in place",
            "what is the timeline",
            "what date or event are you working towards",
            "when does it have to be done",
        ],
    ),
    (
        "budget_signal",
        &[
            "is there budget",
            "who holds the budget",
            "how does purchasing work",
            "how do you usually buy software",
            "who needs to approve a purchase",
            "what would it cost you",
        ],
    ),
    (
        "competitive_set",
        &[
            "who else are you evaluating",
            "which other vendors are you talking to",
            "what alternatives are you considering",
            "did you get other quotes",
        ],
    ),
    (
        "commitments",
        &[
            "what did we promise",
            "what was agreed in the contract",
            "did sales commit to anything",
            "what was said verbally",
        ],
    ),
    (
        "economic_buyer",
        &[
            "who signs",
            "who approves the spend",
            "who controls the budget",
            "how much can they sign off",
            "who has signing authority",
        ],
    ),
    (
        "champion_map",
        &[
            "who is our champion",
            "who backs the project",
            "who is the sponsor",
            "who is against it",
            "what are the internal politics",
            "who is on board",
        ],
    ),
    (
        "success_criteria",
        &[
            "what does success look like",
            "what outcome do you need",
            "how will you measure this",
            "what would make this a win",
            "what target did they set for us",
        ],
    ),
    (
        "implementation_risks",
        &[
            "what could get in the way",
            "are there any risks or blockers",
            "any freezes or constraints we should plan around",
            "what worries you about the rollout",
        ],
    ),
    (
        "competitive_displacement",
        &[
            "what are we replacing",
            "what will people miss from the old tool",
            "why did you switch",
            "what do they like about the current vendor",
        ],
    ),
    (
        "go_live_deadlines",
        &[
            "when do you want to go live",
            "what is the go-live date",
            "is there a hard deadline",
            "when must we be live",
            "what event do we need to land before",
        ],
    ),
    (
        "expansion_hypothesis",
        &[
            "where could this grow",
            "which teams or regions come next",
            "how many more seats next year",
            "what would expansion look like",
        ],
    ),
    (
        "year1_success_criteria",
        &[
            "what are you measuring us on this year",
            "what does success look like in year one",
            "what target did we agree for the first year",
        ],
    ),
    (
        "adoption_curve",
        &[
            "which features are people using",
            "how is adoption going",
            "who logs in each week",
            "which parts of the product stuck",
        ],
    ),
    (
        "training_attendance",
        &[
            "who attended the training",
            "did everyone finish the training",
            "who skipped the sessions",
            "has the team been trained",
        ],
    ),
    (
        "support_patterns",
        &[
            "what tickets have you raised",
            "what support issues came up",
            "what keeps breaking",
            "what do people contact support about",
        ],
    ),
    (
        "sponsor_heat_map",
        &[
            "who has cooled on the project",
            "who is still engaged",
            "how warm is the sponsor",
            "which leaders are still supportive",
        ],
    ),
    (
        "escalated_issues",
        &[
            "is the issue still open",
            "was the escalation resolved",
            "are you still seeing the problem",
            "what problems were escalated",
        ],
    ),
    (
        "ack_eta",
        &[
            "when will it be fixed",
            "what eta did we give",
            "when can we expect a fix",
            "did the team acknowledge it",
        ],
    ),
    (
        "originating_signal",
        &[
            "when did it start",
            "how did you notice the problem",
            "what first went wrong",
            "when did this begin failing",
        ],
    ),
    (
        "impact_statement",
        &[
            "who is affected",
            "how bad is it",
            "what does it cost you",
            "what is the impact on the business",
            "how many users are hit",
        ],
    ),
    (
        "echo_cadence",
        &[
            "how often will we get updates",
            "daily or weekly updates",
            "what update cadence did we agree",
        ],
    ),
    (
        "communication_owner",
        &[
            "who talks to the customer about this",
            "who owns customer communication",
            "who should we go through for updates",
        ],
    ),
    (
        "close_loop_window",
        &[
            "how soon after the fix must the customer hear back",
            "how long do we have to close the loop",
            "when do we confirm the fix with the customer",
        ],
    ),
    (
        "reunification_trigger",
        &[
            "when does the account go back",
            "who takes the account back after the deal",
            "when does the original owner take over again",
        ],
    ),
    (
        "relationship_owner",
        &[
            "who is the main contact",
            "who should the customer deal with",
            "who owns the relationship during the deal",
        ],
    ),
    (
        "qualification_signal",
        &[
            "why are you interested in the other product",
            "what made you think about this add-on",
            "what need does the new product meet",
        ],
    ),
    (
        "communication_plan",
        &[
            "what will we tell the customer",
            "who sends what and when",
            "what is the plan for talking to them",
            "shall we send pricing",
        ],
    ),
    (
        "motion_a_health",
        &[
            "how is the existing product going",
            "any issues with what you already use from us",
            "is the current account healthy",
        ],
    ),
    (
        "paperwork_routing",
        &[
            "which legal entity signs",
            "where does the order go",
            "who signs the new order",
            "how is the paperwork routed",
        ],
    ),
];

/// Fields whose answer is vague without a date, a name or an amount: the
/// specificity hints beside them in the form.
const EXPECTS: &[(&str, Expect)] = &[
    ("timeline_trigger", Expect::Date),
    ("go_live_deadlines", Expect::Date),
    ("budget_signal", Expect::Amount),
    ("stakeholders", Expect::Person),
    ("economic_buyer", Expect::Person),
    ("champion_map", Expect::Person),
    ("sponsor_heat_map", Expect::Person),
    ("communication_owner", Expect::Person),
    ("relationship_owner", Expect::Person),
];

/// Fields that do not count without something beyond their text: a
/// champion map says how strongly each person backs the deal, a sponsor map
/// how warm each sponsor is (the seed: "strength", "relationship heat").
const NEEDS: &[(&str, Expect)] = &[
    ("champion_map", Expect::Strength),
    ("sponsor_heat_map", Expect::Strength),
];

/// A mandatory, sender-owned field; callers adjust the few exceptions.
fn field(
    key: &'static str,
    label: &str,
    help: &str,
    kind: FieldType,
    min_len: Option<u32>,
) -> Result<FieldDef, DomainError> {
    Ok(FieldDef {
        key: FieldKey::parse(key)?,
        label: label.into(),
        help: help.into(),
        kind,
        required: true,
        min_len,
        owner: Owner::Sender,
        carried_from: None,
        sensitive: false,
        expects: None,
        needs: None,
        member_of: None,
        asked_as: Vec::new(),
        prefill: None,
    })
}

/// Free text long enough that "n/a"-style answers cannot pass.
fn prose(key: &'static str, label: &str, help: &str) -> Result<FieldDef, DomainError> {
    field(key, label, help, FieldType::LongText, Some(15))
}

fn one_of(options: &[&str]) -> FieldType {
    FieldType::Enum {
        options: options.iter().map(|o| (*o).to_string()).collect(),
    }
}

fn guidance(leak_mode: &str, fix: &str, concrete_test: &str) -> Guidance {
    Guidance {
        leak_mode: leak_mode.into(),
        fix: fix.into(),
        concrete_test: concrete_test.into(),
    }
}

fn contract(
    key: &'static str,
    title: &str,
    from: &'static str,
    to: &[&'static str],
    gate: Gate,
    guidance: Guidance,
    fields: Vec<FieldDef>,
) -> Result<ContractDef, DomainError> {
    Ok(ContractDef {
        key: ContractKey::parse(key)?,
        title: title.into(),
        sending_team: TeamKey::parse(from)?,
        receiving_teams: to
            .iter()
            .map(|t| TeamKey::parse(*t))
            .collect::<Result<_, _>>()?,
        gate,
        guidance,
        fields,
        reason_codes: DEFAULT_REASON_CODES
            .iter()
            .map(|c| (*c).to_string())
            .collect(),
        slas: Slas {
            acceptance_hours: 48,
            ack_hours: None,
            first_touch_field: None,
        },
        follow_through: false,
        attestation_questions: Vec::new(),
        filler: FillerRules::default(),
    })
}

fn mql_to_sdr() -> Result<ContractDef, DomainError> {
    let mut def = contract(
        "mql-to-sdr",
        "Marketing → SDR/AE",
        "marketing",
        &["sdr", "ae"],
        Gate::Queue,
        guidance(
            "The lead reaches sales as a number. Nobody downstream can see which campaign or \
             content moved them or why they might buy now, so the opening message could have \
             gone to anyone and the lead drifts back to nurture.",
            "Qualifying a lead is half of marketing's handoff; the other half is the evidence \
             behind it. The campaign path, the behaviour that fired the score and a stated guess \
             at the trigger travel with the lead, so the rep has a reason to call.",
            "Take one MQL from last week at random and ask the SDR who worked it to name the \
             buying trigger in their own words. If the answer points back at the score, the \
             signal never left marketing.",
        ),
        vec![
            prose(
                "source_campaign_journey",
                "Source campaign + asset journey",
                "The campaign that first reached the lead and the assets they engaged with, in the \
                 order they saw them, up to conversion.",
            )?,
            prose(
                "behavioral_signal_narrative",
                "Behavioral signal narrative",
                "The story behind the score: which pages they read, how long they stayed and how \
                 often they came back.",
            )?,
            field(
                "icp_firmographic_match",
                "Firmographic match to current ICP",
                "How closely the account's size, industry and region fit the ICP version in force \
                 today.",
                one_of(&["strong", "partial", "weak", "outside_icp"]),
                None,
            )?,
            field(
                "buying_trigger",
                "Inferred buying trigger",
                "Your best guess at why they are looking now, with how sure you are, e.g. 'new VP \
                 of Sales hired last month (70%)'.",
                FieldType::Hypothesis,
                Some(15),
            )?,
            field(
                "assigned_motion",
                "Assigned motion (Tier A/B playbook)",
                "Which tier's playbook the receiving rep should run for this lead.",
                one_of(&["tier_a", "tier_b"]),
                None,
            )?,
            field(
                "first_touch_sla",
                "Time-to-first-touch SLA (hours)",
                "The number of hours allowed between acceptance and the first personal outreach.",
                FieldType::Number,
                None,
            )?,
        ],
    )?;
    def.slas.first_touch_field = Some(FieldKey::parse("first_touch_sla")?);
    Ok(def)
}

fn sdr_to_ae() -> Result<ContractDef, DomainError> {
    contract(
        "sdr-to-ae",
        "SDR → AE",
        "sdr",
        &["ae"],
        Gate::Stage,
        guidance(
            "Once the meeting is booked the SDR is credited and moves on, and the AE receives \
             little more than a calendar entry. The first call re-asks qualifying questions the \
             prospect already answered, and the prospect notices.",
            "What the SDR learned belongs to the deal, not to the SDR's notes. Discovery is \
             captured in fixed fields before the pipeline stage may advance, so the company pays \
             for it once.",
            "Before an SDR-sourced first call, ask the AE to state the prospect's pain, timeline \
             and competitors with Gong and Slack closed. If they cannot, the handoff carried \
             nothing but a meeting.",
        ),
        vec![
            prose(
                "confirmed_pain",
                "Confirmed pain + anti-pain",
                "The problem the prospect confirmed in their own words, and what they said does \
                 not worry them.",
            )?,
            field(
                "stakeholders",
                "Named stakeholders + role + reaction",
                "Everyone met or mentioned, one per line as 'Name (role): reaction', skeptics \
                 included.",
                FieldType::People,
                None,
            )?,
            prose(
                "current_stack",
                "Current tool stack + satisfaction",
                "The tools they use for this job today and how happy they are with each.",
            )?,
            prose(
                "timeline_trigger",
                "Timeline + trigger event",
                "When they need something in place and the event that sets that date.",
            )?,
            prose(
                "budget_signal",
                "Budget signal + procurement pathway hint",
                "Any sign that money exists, who holds it, and how a purchase usually gets \
                 approved there.",
            )?,
            prose(
                "competitive_set",
                "Competitive set already in play",
                "The vendors they are already talking to or have ruled out, and why.",
            )?,
        ],
    )
}

fn ae_to_onboarding() -> Result<ContractDef, DomainError> {
    let mut commitments = prose(
        "commitments",
        "Verbal vs contractual commitments",
        "Everything promised, split into what the contract says and what was only said out loud, \
         side letters included.",
    )?;
    // Side letters and off-paper promises must not be readable org-wide.
    commitments.sensitive = true;
    contract(
        "ae-to-onboarding",
        "AE → Onboarding",
        "ae",
        &["onboarding"],
        Gate::Commission,
        guidance(
            "At signature the AE turns to the next deal, taking what they know about the buyer, \
             the politics and the promises made out loud with them. Onboarding has the customer \
             tell the story again, and satisfaction drops before go-live.",
            "A better form will not change this; where the money flows will. The deal is paid as \
             Closed-Won only after every field is filled and the onboarding lead accepts what was \
             handed over.",
            "Open the handoff records of the three most recent Closed-Won deals and measure the \
             share of fields filled. Under 80% means onboarding is regularly working from an \
             incomplete account of the deal.",
        ),
        vec![
            prose(
                "economic_buyer",
                "Economic buyer + signing authority",
                "Who controls the budget, their title, and how much they can sign without further \
                 approval.",
            )?,
            prose(
                "champion_map",
                "Champion + sponsor map (strength + political dynamics)",
                "The champion and sponsors, how firmly each backs the project, and the internal \
                 politics onboarding should know about.",
            )?,
            commitments,
            prose(
                "success_criteria",
                "Success criteria + measurable outcomes promised",
                "The outcomes the customer bought, each with a number and a date someone can \
                 check.",
            )?,
            prose(
                "implementation_risks",
                "Implementation risks the AE is aware of",
                "Anything seen during the sale that could slow or derail the rollout: data, \
                 people, freezes, integrations.",
            )?,
            prose(
                "competitive_displacement",
                "Competitive displacement notes + sticky-point playbook",
                "The product being replaced, what its users will miss, and how to win them over.",
            )?,
            prose(
                "go_live_deadlines",
                "Desired go-live + event-anchored deadlines",
                "The target go-live date and the customer events it has to land before.",
            )?,
            prose(
                "expansion_hypothesis",
                "Expansion hypothesis",
                "Where year-two growth most likely comes from: more teams, regions, seats or \
                 products.",
            )?,
        ],
    )
}

fn onboarding_to_cs() -> Result<ContractDef, DomainError> {
    let mut year1 = prose(
        "year1_success_criteria",
        "Year-1 success criteria (carried forward from the AE handoff)",
        "The measurable outcomes promised at signature, prefilled from the AE handoff and updated \
         where onboarding changed them.",
    )?;
    // The promise made at signature is what the CSM is measured against.
    year1.carried_from = Some(FieldRef {
        contract: ContractKey::parse("ae-to-onboarding")?,
        field: FieldKey::parse("success_criteria")?,
    });
    let mut adoption = prose(
        "adoption_curve",
        "Adoption curve by product / feature",
        "How use of each product and feature moved during onboarding, and which ones \
         stuck.",
    )?;
    // The seed calls this a telemetry handoff: what the product measured
    // is offered as the answer, so the curve is not typed from memory.
    adoption.prefill = Some(crate::usage::Prefill::Usage);
    contract(
        "onboarding-to-cs",
        "Onboarding → Customer Success",
        "onboarding",
        &["cs"],
        Gate::Queue,
        guidance(
            "The CSM inherits an inventory of what was set up but no view of who actually uses \
             it. What onboarding saw of usage, training and sponsors in the first months never \
             reaches the person who now owns the account.",
            "Pass on what was measured, not a summary of what was done: the behavioural record \
             onboarding gathered over its 60 to 90 days travels to the CSM, together with the \
             success criteria promised at signature.",
            "Thirty days after accepting, the CSM should answer from memory which three features \
             carry most of the usage, which training sessions were missed, and which two \
             stakeholders disengaged along the way. Gaps mean the telemetry stayed behind.",
        ),
        vec![
            adoption,
            prose(
                "training_attendance",
                "Training attendance + completion by stakeholder",
                "Who attended which sessions, who finished the training, and who skipped it.",
            )?,
            prose(
                "support_patterns",
                "Support ticket patterns during onboarding",
                "The recurring themes in tickets raised during onboarding and what they say about \
                 the rollout.",
            )?,
            prose(
                "sponsor_heat_map",
                "Stakeholder-sponsor map + relationship heat",
                "Each key stakeholder and whether their engagement warmed or cooled during \
                 implementation.",
            )?,
            prose(
                "escalated_issues",
                "Onboarding-escalated issues + resolution status",
                "Every issue escalated during onboarding, whether it is resolved, and what is \
                 still open.",
            )?,
            year1,
        ],
    )
}

fn cs_to_support() -> Result<ContractDef, DomainError> {
    let mut ack_eta = field(
        "ack_eta",
        "Receiving team acknowledgment + ETA",
        "Filled by the receiving team when it accepts: the date and time by which it expects the \
         issue resolved.",
        FieldType::Datetime,
        None,
    )?;
    // Acceptance is the acknowledgment, so the receiver fills this, not the CSM.
    ack_eta.owner = Owner::Receiver;
    let mut owner = field(
        "communication_owner",
        "Customer communication owner",
        "The CSM who keeps talking to the customer about this issue, as 'Name (role) <email>': \
         a member of the CS team, never someone on the receiving team.",
        FieldType::Person,
        None,
    )?;
    // The customer hears about the fix from the CSM: a support engineer
    // named here would close the loop on their own work.
    owner.member_of = Some(Side::SendingTeam);
    let mut def = contract(
        "cs-to-support",
        "CS → Support/Product",
        "cs",
        &["support", "product"],
        Gate::Queue,
        guidance(
            "An escalation leaves CS and disappears into another team's queue. The CSM loses \
             sight of it, the customer goes to their AE, and the AE chases three teams for an \
             answer while trust erodes.",
            "The handoff runs both ways: the receiving team acknowledges with an ETA and reports \
             back at an agreed cadence, and the CSM stays subscribed until the end. The customer \
             hears about the fix from the CSM, not from an automated ticket update.",
            "Of the last ten escalations CS sent to Support or Product, count the ones the CSM \
             personally closed with the customer. Fewer than seven means there is no return \
             path.",
        ),
        vec![
            prose(
                "originating_signal",
                "Originating signal",
                "What set off the escalation: the ticket, the usage drop, or the customer's own \
                 words.",
            )?,
            prose(
                "impact_statement",
                "Customer-facing impact statement (CSM-authored)",
                "Written by the CSM, not generated: who is affected, how badly, and what it costs \
                 the customer.",
            )?,
            ack_eta,
            field(
                "echo_cadence",
                "Status-echo cadence agreement",
                "How often the receiving team reports status back to the CSM until resolution.",
                one_of(&["daily", "weekly"]),
                None,
            )?,
            owner,
            field(
                "close_loop_window",
                "Resolution-to-customer close-the-loop window (hours)",
                "How many hours after resolution the CSM has to confirm the fix with the \
                 customer.",
                FieldType::Number,
                None,
            )?,
        ],
    )?;
    def.follow_through = true;
    def.slas = Slas {
        acceptance_hours: 24,
        ack_hours: Some(24),
        first_touch_field: None,
    };
    Ok(def)
}

fn cross_motion() -> Result<ContractDef, DomainError> {
    // No minimum length: a bare date or "90 days" is a complete answer here.
    let reunification = field(
        "reunification_trigger",
        "Re-unification trigger",
        "When the account returns to one owner: an explicit trigger such as 'Motion B \
         closed-won', a date such as 2027-03-01, or 'N days'.",
        FieldType::LongText,
        None,
    )?;
    let mut def = contract(
        "cross-motion",
        "Motion A → Motion B (cross-sell)",
        "motion-a",
        &["motion-b"],
        Gate::Commission,
        guidance(
            "Someone on one motion spots an opportunity for the other and passes it on in a chat \
             message, with no agreed discovery state and no decision on who leads the account \
             meanwhile. The customer can no longer tell which team to call.",
            "Decide relationship ownership before the cross-sell starts and write it down: warm \
             transfer, cold transfer, or a tandem with a defined point where the account returns \
             to one owner.",
            "Ask the Motion A CSM and the Motion B AE separately who owns the relationship while \
             the cross-sell is active. Baton records both answers as an attestation; if they \
             differ, the handoff was never agreed.",
        ),
        vec![
            field(
                "relationship_owner",
                "Primary relationship owner during cross-sell",
                "The one named person the customer deals with while the cross-sell is open, as \
                 'Name (role)'.",
                FieldType::Person,
                None,
            )?,
            reunification,
            prose(
                "qualification_signal",
                "Cross-motion qualification signal",
                "What revealed the opportunity: the usage pattern, request or conversation that \
                 fired it.",
            )?,
            prose(
                "communication_plan",
                "Customer-facing communication plan",
                "Who tells the customer what and when, so they hear one voice rather than two.",
            )?,
            field(
                "motion_a_health",
                "Motion A health during the cross-sell",
                "The state of the existing relationship, which has to stay stable while the \
                 cross-sell runs.",
                one_of(&["stable", "at_risk", "unstable"]),
                None,
            )?,
            prose(
                "paperwork_routing",
                "Closed-won paperwork routing",
                "Which legal entity signs the new order and where the paperwork goes once it \
                 closes.",
            )?,
        ],
    )?;
    def.attestation_questions =
        vec!["Who owns the customer relationship while the cross-sell is active?".to_string()];
    Ok(def)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn seeded(key: &str) -> ContractDef {
        build()
            .unwrap()
            .into_iter()
            .find(|c| c.key.as_str() == key)
            .unwrap()
    }

    #[test]
    fn the_seed_builds_six_contracts_that_all_validate() {
        let all = build().unwrap();
        assert_eq!(all.len(), 6);
        assert_eq!(seeded_contracts(), all);
        for def in &all {
            assert!(def.validate().is_ok(), "{}: {:?}", def.key, def.validate());
        }
    }

    #[test]
    fn keys_and_field_keys_are_the_binding_ones_in_order() {
        let expected: &[(&str, &[&str])] = &[
            (
                "mql-to-sdr",
                &[
                    "source_campaign_journey",
                    "behavioral_signal_narrative",
                    "icp_firmographic_match",
                    "buying_trigger",
                    "assigned_motion",
                    "first_touch_sla",
                ],
            ),
            (
                "sdr-to-ae",
                &[
                    "confirmed_pain",
                    "stakeholders",
                    "current_stack",
                    "timeline_trigger",
                    "budget_signal",
                    "competitive_set",
                ],
            ),
            (
                "ae-to-onboarding",
                &[
                    "economic_buyer",
                    "champion_map",
                    "commitments",
                    "success_criteria",
                    "implementation_risks",
                    "competitive_displacement",
                    "go_live_deadlines",
                    "expansion_hypothesis",
                ],
            ),
            (
                "onboarding-to-cs",
                &[
                    "adoption_curve",
                    "training_attendance",
                    "support_patterns",
                    "sponsor_heat_map",
                    "escalated_issues",
                    "year1_success_criteria",
                ],
            ),
            (
                "cs-to-support",
                &[
                    "originating_signal",
                    "impact_statement",
                    "ack_eta",
                    "echo_cadence",
                    "communication_owner",
                    "close_loop_window",
                ],
            ),
            (
                "cross-motion",
                &[
                    "relationship_owner",
                    "reunification_trigger",
                    "qualification_signal",
                    "communication_plan",
                    "motion_a_health",
                    "paperwork_routing",
                ],
            ),
        ];
        let all = seeded_contracts();
        let actual: Vec<(&str, Vec<&str>)> = all
            .iter()
            .map(|c| {
                (
                    c.key.as_str(),
                    c.fields.iter().map(|f| f.key.as_str()).collect(),
                )
            })
            .collect();
        let expected: Vec<(&str, Vec<&str>)> =
            expected.iter().map(|(k, fs)| (*k, fs.to_vec())).collect();
        assert_eq!(actual, expected);
    }

    #[test]
    fn teams_and_gates_follow_the_lifecycle() {
        let edges: Vec<(String, Vec<String>, Gate)> = seeded_contracts()
            .iter()
            .map(|c| {
                let to = c.receiving_teams.iter().map(ToString::to_string).collect();
                (c.sending_team.to_string(), to, c.gate)
            })
            .collect();
        fn owned(from: &str, to: &[&str], gate: Gate) -> (String, Vec<String>, Gate) {
            (
                from.to_string(),
                to.iter().map(|t| (*t).to_string()).collect(),
                gate,
            )
        }
        assert_eq!(
            edges,
            vec![
                owned("marketing", &["sdr", "ae"], Gate::Queue),
                owned("sdr", &["ae"], Gate::Stage),
                owned("ae", &["onboarding"], Gate::Commission),
                owned("onboarding", &["cs"], Gate::Queue),
                owned("cs", &["support", "product"], Gate::Queue),
                owned("motion-a", &["motion-b"], Gate::Commission),
            ]
        );
    }

    #[test]
    fn the_receiving_team_fills_the_ack_eta() {
        let def = seeded("cs-to-support");
        let ack = def.field("ack_eta").unwrap();
        assert_eq!(ack.owner, Owner::Receiver);
        assert_eq!(ack.kind, FieldType::Datetime);
        assert_eq!(ack.min_len, None);
        assert_eq!(def.receiver_fields().count(), 1);
        assert!(def.scored_fields().all(|f| f.key.as_str() != "ack_eta"));
        assert!(def.follow_through);
        assert_eq!(
            def.slas,
            Slas {
                acceptance_hours: 24,
                ack_hours: Some(24),
                first_touch_field: None,
            }
        );
    }

    #[test]
    fn year1_success_criteria_is_carried_from_the_ae_handoff() {
        let def = seeded("onboarding-to-cs");
        let carried = def
            .field("year1_success_criteria")
            .unwrap()
            .carried_from
            .clone()
            .unwrap();
        assert_eq!(carried.contract.as_str(), "ae-to-onboarding");
        assert_eq!(carried.field.as_str(), "success_criteria");
        assert!(
            seeded("ae-to-onboarding")
                .field("success_criteria")
                .is_some()
        );
    }

    #[test]
    fn every_field_has_a_label_and_help_and_every_contract_guidance() {
        for def in seeded_contracts() {
            assert!(!def.title.trim().is_empty(), "{}", def.key);
            let g = &def.guidance;
            for text in [&g.leak_mode, &g.fix, &g.concrete_test] {
                assert!(!text.trim().is_empty(), "{}", def.key);
            }
            assert_eq!(def.reason_codes, DEFAULT_REASON_CODES);
            for f in &def.fields {
                assert!(!f.label.trim().is_empty(), "{}.{}", def.key, f.key);
                assert!(!f.help.trim().is_empty(), "{}.{}", def.key, f.key);
                assert!(f.required, "{}.{}", def.key, f.key);
            }
        }
    }

    #[test]
    fn side_letters_are_sensitive_and_cross_motion_asks_for_attestation() {
        let ae = seeded("ae-to-onboarding");
        let sensitive: Vec<&str> = ae
            .fields
            .iter()
            .filter(|f| f.sensitive)
            .map(|f| f.key.as_str())
            .collect();
        assert_eq!(sensitive, ["commitments"]);
        let cross = seeded("cross-motion");
        assert_eq!(
            cross.attestation_questions,
            ["Who owns the customer relationship while the cross-sell is active?"]
        );
        assert!(!cross.follow_through);
    }

    #[test]
    fn the_example_ae_handoff_counts_as_complete() {
        let def = seeded("ae-to-onboarding");
        let values = [
            (
                "economic_buyer",
                "Dana Ortiz, CFO; signs up to 250k without board approval",
            ),
            (
                "champion_map",
                "Champion: Lee Park (VP Ops, strong); sponsor: CFO (neutral)",
            ),
            (
                "commitments",
                "Verbal: SSO by week 6. Contractual: 99.9% uptime SLA.",
            ),
            (
                "success_criteria",
                "Cut onboarding time of new reps from 6 to 3 weeks by end of Q1",
            ),
            (
                "implementation_risks",
                "Legacy CRM export is messy; IT change freeze in December",
            ),
            (
                "competitive_displacement",
                "Replacing Acme Legacy; sticky point is custom reports",
            ),
            (
                "go_live_deadlines",
                "Go-live 2026-12-01, anchored to their sales kickoff",
            ),
            (
                "expansion_hypothesis",
                "Year 2: roll out to the EMEA team (40 more seats)",
            ),
        ];
        assert_eq!(def.scored_fields().count(), values.len());
        for (key, text) in values {
            let f = def.field(key).unwrap();
            let v = f.normalize(&json!(text)).unwrap();
            assert_eq!(
                f.assess(v.as_ref(), &FillerRules::default()),
                Ok(()),
                "{key}"
            );
        }
    }

    #[test]
    fn a_reunification_trigger_may_be_an_event_a_date_or_a_duration() {
        let def = seeded("cross-motion");
        let f = def.field("reunification_trigger").unwrap();
        for text in ["Motion B closed-won", "2027-03-01", "90 days"] {
            let v = f.normalize(&json!(text)).unwrap();
            assert_eq!(
                f.assess(v.as_ref(), &FillerRules::default()),
                Ok(()),
                "{text}"
            );
        }
    }

    #[test]
    fn mql_to_sdr_names_its_first_touch_field_and_a_stored_version_without_it_keeps_it() {
        let def = mql_to_sdr().unwrap();
        assert_eq!(
            def.first_touch_field().map(|k| k.as_str()),
            Some("first_touch_sla")
        );
        assert_eq!(def.validate(), Ok(()));
        // As a version published before the setting existed was stored.
        let mut stored = serde_json::to_value(&def).unwrap();
        stored["slas"]
            .as_object_mut()
            .unwrap()
            .remove("first_touch_field");
        let read: ContractDef = serde_json::from_value(stored).unwrap();
        assert_eq!(read, def);
        for other in seeded_contracts() {
            if other.key.as_str() != "mql-to-sdr" {
                assert_eq!(other.first_touch_field(), None, "{}", other.key);
            }
        }
        let mut wrong = def.clone();
        wrong.slas.first_touch_field = Some(FieldKey::parse("assigned_motion").unwrap());
        assert!(wrong.validate().is_err());
    }
}
