//! Survey responses (NPS and CSAT) from survey tools, decided once for the
//! CSV import, the survey webhook and the review list alike: what a
//! response must be to be kept (a score on its kind's scale, a time not
//! after now, a well-formed email), which account it is about, and what
//! recording it against that account does.
//!
//! Accounts carry no domain or contacts of their own (a CRM's id, a name,
//! ARR, a segment), so a response finds its account by the account id it
//! names, else by its respondent's email domain in the org's list of
//! domains (`ColumnMapping::domains`, set with the mapping). Webmail
//! domains that unrelated people share are never an account's.

pub mod kind;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::Timestamp;
use crate::account::{Account, not_in_future};
use crate::error::DomainError;
use crate::event::Event;
use crate::id::{AccountId, Email};

pub use kind::SurveyKind;

/// Domains many unrelated people share: a respondent's address there says
/// nothing about their company.
const SHARED_DOMAINS: &[&str] = &[
    "aol.com",
    "gmail.com",
    "gmx.com",
    "gmx.de",
    "googlemail.com",
    "hotmail.com",
    "icloud.com",
    "live.com",
    "mail.com",
    "me.com",
    "msn.com",
    "outlook.com",
    "proton.me",
    "protonmail.com",
    "qq.com",
    "yahoo.com",
    "yandex.ru",
];

/// The longest comment kept, in characters (a comment is a few sentences;
/// a longer cell is a file pasted by mistake).
pub const MAX_COMMENT: usize = 5_000;

/// One survey response as a tool reports it, checked, before matching.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SurveyResponse {
    /// NPS or CSAT.
    pub kind: SurveyKind,
    /// The tool's id of the response, when it gives one.
    pub response_id: Option<String>,
    /// On the kind's scale.
    pub score: u8,
    /// When the respondent answered.
    pub at: Timestamp,
    /// Who answered, when known.
    pub email: Option<Email>,
    /// The account the tool names, as written (it may not exist).
    pub account: Option<String>,
    /// What they wrote, when anything.
    pub comment: Option<String>,
}

/// A response's raw parts, as read from a cell or a JSON field.
#[derive(Debug, Clone, Default)]
pub struct RawResponse<'a> {
    /// NPS or CSAT.
    pub kind: SurveyKind,
    /// The tool's id of the response.
    pub response_id: Option<&'a str>,
    /// The score as a whole number.
    pub score: i64,
    /// When the respondent answered.
    pub at: Option<Timestamp>,
    /// The respondent's address.
    pub email: Option<&'a str>,
    /// The account id the tool names.
    pub account: Option<&'a str>,
    /// What they wrote.
    pub comment: Option<&'a str>,
}

/// Blank text is none.
fn given(raw: Option<&str>) -> Option<&str> {
    raw.map(str::trim).filter(|s| !s.is_empty())
}

impl SurveyResponse {
    /// Decides whether a response may be kept: a score on its kind's scale,
    /// a time not after `now` (the same rules as a live NPS response), a
    /// well-formed email when one is given, a comment of reasonable length.
    pub fn check(raw: RawResponse<'_>, now: Timestamp) -> Result<Self, DomainError> {
        let score = raw.kind.check_score(raw.score)?;
        let at = raw
            .at
            .ok_or_else(|| DomainError::value("date", "no date"))?;
        not_in_future("response time", at, now)?;
        let email = given(raw.email).map(Email::parse_lenient).transpose()?;
        let comment = given(raw.comment).map(str::to_string);
        if let Some(c) = &comment
            && c.chars().count() > MAX_COMMENT
        {
            return Err(DomainError::value(
                "comment",
                format!("longer than {MAX_COMMENT} characters"),
            ));
        }
        Ok(Self {
            kind: raw.kind,
            response_id: given(raw.response_id).map(str::to_string),
            score,
            at,
            email,
            account: given(raw.account).map(str::to_string),
            comment,
        })
    }

    /// The accounts this response may be about, in the order they are
    /// tried: the account id it names, then the account its respondent's
    /// email domain is mapped to.
    pub fn candidates(&self, domains: &BTreeMap<String, AccountId>) -> Vec<Candidate> {
        let mut out = Vec::new();
        if let Some(id) = self
            .account
            .as_deref()
            .and_then(|a| AccountId::parse(a).ok())
        {
            out.push(Candidate::Id(id));
        }
        if let Some(domain) = self.email.as_ref().map(email_domain)
            && let Some(account) = domains.get(domain)
        {
            out.push(Candidate::Domain {
                domain: domain.to_string(),
                account: account.clone(),
            });
        }
        out
    }

    /// Why no candidate led to an account, for the review list.
    pub fn unmatched_reason(&self, domains: &BTreeMap<String, AccountId>) -> String {
        let mut why = Vec::new();
        if let Some(a) = &self.account {
            why.push(format!("no account '{a}'"));
        }
        match self.email.as_ref().map(email_domain) {
            Some(d) if is_shared_domain(d) => {
                why.push(format!("{d} is a webmail domain, not a company's"));
            }
            Some(d) if domains.contains_key(d) => {
                why.push(format!("the account {d} is mapped to does not exist"));
            }
            Some(d) => why.push(format!("no account is mapped to the domain {d}")),
            None => {}
        }
        if why.is_empty() {
            "the response names neither an account nor an email".into()
        } else {
            why.join("; ")
        }
    }

    /// Decides recording this response against `account`: an NPS response
    /// is the account's `nps` event, decided by `Account::record_nps` as a
    /// live one is; a CSAT response is kept with the account and makes no
    /// event (the scorecard has no CSAT figure).
    pub fn record(&self, account: &Account, now: Timestamp) -> Result<Option<Event>, DomainError> {
        match self.kind {
            SurveyKind::Nps => account.record_nps(self.score, self.at, now).map(Some),
            SurveyKind::Csat => {
                not_in_future("response time", self.at, now)?;
                Ok(None)
            }
        }
    }
}

/// An account a response may be about, and how it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Candidate {
    /// The account id the response names.
    Id(AccountId),
    /// The account the respondent's email domain is mapped to.
    Domain {
        /// The domain.
        domain: String,
        /// Its account.
        account: AccountId,
    },
}

impl Candidate {
    /// The account.
    pub fn account(&self) -> &AccountId {
        match self {
            Self::Id(a) | Self::Domain { account: a, .. } => a,
        }
    }

    /// How it matched, in words.
    pub fn how(&self) -> String {
        match self {
            Self::Id(a) => format!("account '{a}' by its id"),
            Self::Domain { domain, account } => {
                format!("account '{account}' by the email domain {domain}")
            }
        }
    }
}

/// An email's domain (addresses are stored lowercase).
pub fn email_domain(email: &Email) -> &str {
    email
        .as_str()
        .rsplit_once('@')
        .map_or("", |(_, domain)| domain)
}

/// Whether many unrelated people share addresses at `domain`.
pub fn is_shared_domain(domain: &str) -> bool {
    SHARED_DOMAINS.contains(&domain)
}

/// Reads a company's email domain (`northwind.com`), lowercased; refuses
/// an address, a bare word and a webmail domain.
pub fn parse_domain(raw: &str) -> Result<String, DomainError> {
    let d = raw.trim().trim_start_matches('@').to_ascii_lowercase();
    let well_formed = d.contains('.')
        && !d.starts_with('.')
        && !d.ends_with('.')
        && d.len() <= 253
        && d.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
    if !well_formed {
        return Err(DomainError::value(
            "domain",
            format!("'{}' is not a domain like northwind.com", raw.trim()),
        ));
    }
    if is_shared_domain(&d) {
        return Err(DomainError::value(
            "domain",
            format!("{d} is a webmail domain: its addresses are no company's"),
        ));
    }
    Ok(d)
}

/// How an org's survey tool export maps onto a response: the columns
/// (named as in the file's first header row), the kind of survey, how many
/// header rows the tool writes, and the org's email domains by account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnMapping {
    /// NPS or CSAT: the scale every row's score is read on.
    #[serde(default)]
    pub kind: SurveyKind,
    /// Rows at the top that are headers (Qualtrics writes three; most
    /// tools one). Column names are read from the first.
    #[serde(default = "one")]
    pub header_rows: u32,
    /// The column of the tool's response id (duplicates are found by it).
    #[serde(default)]
    pub response_id: Option<String>,
    /// The column naming the Baton account id.
    #[serde(default)]
    pub account: Option<String>,
    /// The column of the respondent's email.
    #[serde(default)]
    pub email: Option<String>,
    /// The column of the score.
    pub score: String,
    /// The column of the response's date or time.
    pub date: String,
    /// The column of the respondent's comment.
    #[serde(default)]
    pub comment: Option<String>,
    /// Email domains and the account each belongs to.
    #[serde(default)]
    pub domains: BTreeMap<String, AccountId>,
}

fn one() -> u32 {
    1
}

/// Most header rows a mapping may skip.
pub const MAX_HEADER_ROWS: u32 = 10;

impl ColumnMapping {
    /// Checks a mapping: a score and a date column, an account or an email
    /// column to match by, no column used twice, at least one and at most
    /// [`MAX_HEADER_ROWS`] header rows, every domain a company's.
    pub fn checked(mut self) -> Result<Self, DomainError> {
        let name = |what: &str, c: &str| {
            if c.trim().is_empty() {
                Err(DomainError::value(what, "a column name must not be blank"))
            } else {
                Ok(c.trim().to_string())
            }
        };
        self.score = name("score", &self.score)?;
        self.date = name("date", &self.date)?;
        for (what, col) in [
            ("response_id", &mut self.response_id),
            ("account", &mut self.account),
            ("email", &mut self.email),
            ("comment", &mut self.comment),
        ] {
            if let Some(c) = col.as_deref() {
                *col = Some(name(what, c)?);
            }
        }
        if self.account.is_none() && self.email.is_none() {
            return Err(DomainError::value(
                "mapping",
                "name an account column or an email column: a response is matched by one of them",
            ));
        }
        let mut seen = BTreeMap::new();
        for (what, col) in self.columns() {
            if let Some(other) = seen.insert(col.to_ascii_lowercase(), what) {
                return Err(DomainError::value(
                    what,
                    format!("the column '{col}' is already the {other} column"),
                ));
            }
        }
        if !(1..=MAX_HEADER_ROWS).contains(&self.header_rows) {
            return Err(DomainError::value(
                "header_rows",
                format!(
                    "{} is not between 1 and {MAX_HEADER_ROWS}",
                    self.header_rows
                ),
            ));
        }
        let mut domains = BTreeMap::new();
        for (d, a) in std::mem::take(&mut self.domains) {
            domains.insert(parse_domain(&d)?, a);
        }
        self.domains = domains;
        Ok(self)
    }

    /// Every column named, with what it is for.
    pub fn columns(&self) -> Vec<(&'static str, &str)> {
        let mut out = vec![("score", self.score.as_str()), ("date", self.date.as_str())];
        for (what, col) in [
            ("response_id", &self.response_id),
            ("account", &self.account),
            ("email", &self.email),
            ("comment", &self.comment),
        ] {
            if let Some(c) = col {
                out.push((what, c.as_str()));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::{Currency, Money};

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    const NOW: &str = "2026-10-01T00:00:00Z";

    fn raw<'a>(
        score: i64,
        at: &str,
        email: Option<&'a str>,
        account: Option<&'a str>,
    ) -> RawResponse<'a> {
        RawResponse {
            kind: SurveyKind::Nps,
            score,
            at: Some(t(at)),
            email,
            account,
            ..RawResponse::default()
        }
    }

    fn mapping() -> ColumnMapping {
        ColumnMapping {
            kind: SurveyKind::Nps,
            header_rows: 1,
            response_id: None,
            account: None,
            email: Some("Email".into()),
            score: "Score".into(),
            date: "Date".into(),
            comment: None,
            domains: BTreeMap::new(),
        }
    }

    #[test]
    fn a_response_out_of_range_in_the_future_or_with_a_bad_email_is_refused() {
        let now = t(NOW);
        assert!(
            SurveyResponse::check(raw(9, "2026-09-01T00:00:00Z", None, Some("A-1")), now).is_ok()
        );
        let future = SurveyResponse::check(raw(9, "2026-10-02T00:00:00Z", None, None), now);
        assert!(future.unwrap_err().to_string().contains("future"));
        assert!(SurveyResponse::check(raw(11, NOW, None, None), now).is_err());
        assert!(SurveyResponse::check(raw(9, NOW, Some("not an email"), None), now).is_err());
        let csat = RawResponse {
            kind: SurveyKind::Csat,
            ..raw(0, NOW, None, None)
        };
        assert!(SurveyResponse::check(csat, now).is_err());
    }

    #[test]
    fn an_account_id_is_tried_before_the_email_domain_and_webmail_never_matches() {
        let now = t(NOW);
        let a1 = AccountId::parse("A-1").unwrap();
        let a2 = AccountId::parse("A-2").unwrap();
        let domains = BTreeMap::from([("northwind.com".to_string(), a2.clone())]);
        let r = SurveyResponse::check(raw(9, NOW, Some("Ana@Northwind.com"), Some("A-1")), now)
            .unwrap();
        let c = r.candidates(&domains);
        assert_eq!(
            c.iter().map(Candidate::account).collect::<Vec<_>>(),
            [&a1, &a2]
        );
        let gmail = SurveyResponse::check(raw(9, NOW, Some("ana@gmail.com"), None), now).unwrap();
        assert!(gmail.candidates(&domains).is_empty());
        assert!(gmail.unmatched_reason(&domains).contains("webmail"));
        assert!(parse_domain("gmail.com").is_err());
        assert_eq!(parse_domain("@Northwind.COM").unwrap(), "northwind.com");
        assert!(parse_domain("northwind").is_err());
    }

    #[test]
    fn an_nps_response_is_the_accounts_nps_event_and_a_csat_one_makes_none() {
        let now = t(NOW);
        let usd = Money {
            minor: 1,
            currency: Currency::parse("USD").unwrap(),
        };
        let e = Account::upsert(
            AccountId::parse("A-1").unwrap(),
            "Northwind",
            usd,
            None,
            now,
        )
        .unwrap();
        let account = Account::apply(None, &e).unwrap();
        let nps = SurveyResponse::check(raw(7, NOW, None, Some("A-1")), now).unwrap();
        assert!(matches!(
            nps.record(&account, now),
            Ok(Some(Event::Nps { score: 7, .. }))
        ));
        let csat = SurveyResponse {
            kind: SurveyKind::Csat,
            score: 4,
            ..nps
        };
        assert_eq!(csat.record(&account, now), Ok(None));
    }

    #[test]
    fn a_mapping_needs_a_way_to_match_and_uses_a_column_once() {
        assert!(mapping().checked().is_ok());
        let none = ColumnMapping {
            email: None,
            ..mapping()
        };
        assert!(none.checked().is_err());
        let twice = ColumnMapping {
            comment: Some("score".into()),
            ..mapping()
        };
        assert!(twice.checked().unwrap_err().to_string().contains("already"));
        let rows = ColumnMapping {
            header_rows: 0,
            ..mapping()
        };
        assert!(rows.checked().is_err());
        let webmail = ColumnMapping {
            domains: BTreeMap::from([("gmail.com".into(), AccountId::parse("A-1").unwrap())]),
            ..mapping()
        };
        assert!(webmail.checked().is_err());
    }
}
