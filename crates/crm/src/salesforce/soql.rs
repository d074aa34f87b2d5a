//! Opportunity as Salesforce describes, queries and saves it: the SOQL Baton
//! sends, the records it reads back as [`Deal`]s, the describe checks and
//! the SaveResults of sObject Collections.
//!
//! SOQL date-time literals are unquoted, in UTC with a `Z`
//! (<https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_dateformats.htm>);
//! string literals are single-quoted with `\` escapes
//! (<https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_quotedstringescapes.htm>).
//! Records come back with relationship fields as nested objects carrying
//! `attributes` (Execute a SOQL Query,
//! <https://developer.salesforce.com/docs/platform/api-rest/guide/dome-query.md>).

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::{GATE_FIELD, HANDOFF_URL_FIELD, MISSING_FIELD};
use crate::{CrmAccount, CrmError, Deal, Watermark, WriteResult};

/// Only multi-currency orgs have it.
pub(super) const CURRENCY_FIELD: &str = "CurrencyIsoCode";
/// The keyset column (see `Client::pull` for why not LastModifiedDate).
const MODIFIED_FIELD: &str = "SystemModstamp";
const BASE_FIELDS: [&str; 8] = [
    "Id",
    "Name",
    "StageName",
    "Amount",
    MODIFIED_FIELD,
    "Account.Id",
    "Account.Name",
    "Owner.Email",
];

/// One field of Opportunity's describe.
#[derive(Debug, Clone, Deserialize)]
pub(super) struct FieldInfo {
    #[serde(rename = "type")]
    pub(super) kind: String,
    #[serde(default = "yes")]
    pub(super) updateable: bool,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
struct Describe {
    fields: Vec<NamedField>,
}

#[derive(Deserialize)]
struct NamedField {
    name: String,
    #[serde(flatten)]
    info: FieldInfo,
}

/// Opportunity's fields by name, from its describe.
pub(super) fn schema(describe: Value) -> Result<BTreeMap<String, FieldInfo>, CrmError> {
    let d: Describe = serde_json::from_value(describe).map_err(|e| {
        CrmError::Protocol(format!("Opportunity's describe has no fields list: {e}"))
    })?;
    Ok(d.fields.into_iter().map(|f| (f.name, f.info)).collect())
}

/// Baton's three fields exist with the right types and Baton may edit
/// them; otherwise what the admin must create or change.
pub(super) fn check_baton_fields(schema: &BTreeMap<String, FieldInfo>) -> Result<(), CrmError> {
    let wanted: [(&str, &[&str], &str); 3] = [
        (
            GATE_FIELD,
            &["boolean"],
            "a Checkbox field (default unchecked)",
        ),
        (
            MISSING_FIELD,
            &["string", "textarea"],
            "a Text (255) or Long Text Area field",
        ),
        (HANDOFF_URL_FIELD, &["url"], "a URL field"),
    ];
    let mut problems = Vec::new();
    for (name, kinds, create) in wanted {
        match schema.get(name) {
            None => problems.push(format!(
                "Opportunity has no field {name}: create {create} with API name {name}"
            )),
            Some(f) if !kinds.contains(&f.kind.as_str()) => problems.push(format!(
                "Opportunity's {name} is of type {}, Baton needs {create}: delete it and create it anew",
                f.kind
            )),
            Some(f) if !f.updateable => problems.push(format!(
                "Baton's user cannot edit Opportunity's {name}: give it Edit access in field-level security"
            )),
            Some(_) => {}
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(CrmError::Config(format!(
            "{} (see docs/crm.md, \"Salesforce fields\")",
            problems.join("; ")
        )))
    }
}

/// Every configured field (its first segment for a relationship path) is
/// one Baton's user can see.
pub(super) fn check_configured_fields(
    schema: &BTreeMap<String, FieldInfo>,
    fields: &[String],
) -> Result<(), CrmError> {
    for field in fields {
        // A relationship path (Account.Industry) is checked by the query.
        if !field.contains('.') && !schema.contains_key(field.as_str()) {
            return Err(CrmError::Config(format!(
                "Opportunity has no field {field} (configured to prefill drafts), \
                 or Baton's user cannot read it"
            )));
        }
    }
    Ok(())
}

/// A field name or relationship path SOQL accepts (so no configured text
/// can change the query's meaning).
pub(super) fn is_field_path(s: &str) -> bool {
    !s.is_empty()
        && s.split('.').all(|part| {
            part.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
}

/// The pull's SOQL: Opportunities strictly after the watermark in
/// (SystemModstamp, Id) order, at most `limit` of them.
pub(super) fn pull_query(
    since: &Watermark,
    limit: usize,
    with_currency: bool,
    extra: &[String],
) -> String {
    let mut fields: Vec<&str> = BASE_FIELDS.to_vec();
    if with_currency {
        fields.push(CURRENCY_FIELD);
    }
    for f in extra {
        if !fields.iter().any(|g| g.eq_ignore_ascii_case(f)) {
            fields.push(f);
        }
    }
    let mut q = format!("SELECT {} FROM Opportunity", fields.join(", "));
    match (&since.modified, &since.id) {
        (Some(t), Some(id)) => {
            let t = datetime_literal(*t);
            q.push_str(&format!(
                " WHERE {MODIFIED_FIELD} > {t} OR ({MODIFIED_FIELD} = {t} AND Id > {})",
                string_literal(id)
            ));
        }
        (Some(t), None) => q.push_str(&format!(
            " WHERE {MODIFIED_FIELD} > {}",
            datetime_literal(*t)
        )),
        (None, _) => {}
    }
    q.push_str(&format!(
        " ORDER BY {MODIFIED_FIELD} ASC, Id ASC LIMIT {limit}"
    ));
    q
}

/// `2026-12-05T10:00:00Z`: Salesforce keeps date-times to the second, so a
/// fraction is dropped (rounding down can only re-read, never skip).
fn datetime_literal(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn string_literal(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        match c {
            '\'' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// One batch of a query's answer.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct QueryPage {
    pub(super) done: bool,
    #[serde(default)]
    pub(super) next_records_url: Option<String>,
    pub(super) records: Vec<Map<String, Value>>,
}

/// A queried Opportunity as a [`Deal`].
pub(super) fn deal(
    record: &Map<String, Value>,
    with_currency: bool,
    extra: &[String],
) -> Result<Deal, CrmError> {
    let id = text(record, "Id")
        .ok_or_else(|| CrmError::Protocol("a queried Opportunity has no Id".into()))?;
    let stage = text(record, "StageName")
        .ok_or_else(|| CrmError::Protocol(format!("Opportunity {id} has no StageName")))?;
    let modified_text = text(record, MODIFIED_FIELD)
        .ok_or_else(|| CrmError::Protocol(format!("Opportunity {id} has no {MODIFIED_FIELD}")))?;
    let modified = parse_datetime(&modified_text).ok_or_else(|| {
        CrmError::Protocol(format!(
            "Opportunity {id}'s {MODIFIED_FIELD} {modified_text:?} is not a date-time"
        ))
    })?;
    let account = match record.get("Account") {
        Some(Value::Object(a)) => match (text(a, "Id"), text(a, "Name")) {
            (Some(id), Some(name)) => Some(CrmAccount { id, name }),
            (Some(id), None) => Some(CrmAccount {
                id,
                name: String::new(),
            }),
            _ => None,
        },
        _ => None,
    };
    let owner_email = match record.get("Owner") {
        Some(Value::Object(o)) => text(o, "Email").filter(|e| !e.is_empty()),
        _ => None,
    };
    let amount = match record.get("Amount") {
        Some(Value::Number(n)) => Some(decimal_text(n)),
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        _ => None,
    };
    let currency = if with_currency {
        text(record, CURRENCY_FIELD)
    } else {
        None
    };
    let mut fields = BTreeMap::new();
    for name in extra {
        if let Some(v) = path_value(record, name)
            && !v.is_null()
        {
            fields.insert(name.clone(), v.clone());
        }
    }
    Ok(Deal {
        id,
        name: text(record, "Name"),
        stage,
        account,
        owner_email,
        amount,
        currency,
        modified,
        fields,
    })
}

fn text(record: &Map<String, Value>, key: &str) -> Option<String> {
    record.get(key).and_then(Value::as_str).map(str::to_owned)
}

/// A field or relationship path (`Account.Industry`) of a record.
fn path_value<'a>(record: &'a Map<String, Value>, path: &str) -> Option<&'a Value> {
    let mut parts = path.split('.');
    let first = parts.next()?;
    let mut v = get_ci(record, first)?;
    for part in parts {
        v = get_ci(v.as_object()?, part)?;
    }
    Some(v)
}

/// SOQL names are case-insensitive; the answer spells them as describe does.
fn get_ci<'a>(record: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    record.get(key).or_else(|| {
        record
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

/// Salesforce writes `2026-12-05T10:00:00.000+0000`.
fn parse_datetime(s: &str) -> Option<Timestamp> {
    s.parse::<Timestamp>().ok().or_else(|| {
        jiff::fmt::strtime::parse("%Y-%m-%dT%H:%M:%S%.f%z", s)
            .ok()?
            .to_timestamp()
            .ok()
    })
}

/// A JSON number as decimal text, never in exponent form.
fn decimal_text(n: &serde_json::Number) -> String {
    if n.is_f64() {
        n.as_f64().map_or_else(|| n.to_string(), |f| format!("{f}"))
    } else {
        n.to_string()
    }
}

/// One record's result in an sObject Collections answer.
#[derive(Deserialize)]
pub(super) struct SaveResult {
    success: bool,
    #[serde(default)]
    errors: Vec<SaveError>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SaveError {
    #[serde(default)]
    status_code: String,
    #[serde(default)]
    message: String,
}

impl SaveResult {
    pub(super) fn into_write_result(self) -> WriteResult {
        if self.success {
            return WriteResult::Written;
        }
        match self.errors.into_iter().next() {
            Some(e) => WriteResult::Refused {
                code: e.status_code,
                message: e.message,
            },
            None => WriteResult::Refused {
                code: "UNKNOWN".into(),
                message: "Salesforce did not save the record and gave no reason".into(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pull_query_resumes_strictly_after_the_watermark_with_unquoted_utc_datetimes() {
        let since = Watermark {
            modified: "2026-12-05T10:00:00.250+01:00".parse().ok(),
            id: Some("006A'1".into()),
        };
        let q = pull_query(&since, 3, false, &["Next_Step__c".into()]);
        assert_eq!(
            q,
            "SELECT Id, Name, StageName, Amount, SystemModstamp, Account.Id, Account.Name, Owner.Email, \
             Next_Step__c FROM Opportunity WHERE SystemModstamp > 2026-12-05T09:00:00Z OR \
             (SystemModstamp = 2026-12-05T09:00:00Z AND Id > '006A\\'1') \
             ORDER BY SystemModstamp ASC, Id ASC LIMIT 3"
        );
    }

    #[test]
    fn salesforce_datetimes_and_amounts_are_read() {
        assert_eq!(
            parse_datetime("2026-12-05T10:00:00.000+0000").map(|t| t.to_string()),
            Some("2026-12-05T10:00:00Z".into())
        );
        let n = serde_json::Number::from_f64(1e21);
        assert_eq!(
            n.map(|n| decimal_text(&n)),
            Some("1000000000000000000000".into())
        );
        let n = serde_json::Number::from_f64(1200.5);
        assert_eq!(n.map(|n| decimal_text(&n)), Some("1200.5".into()));
    }

    #[test]
    fn configured_names_that_are_not_fields_are_refused() {
        assert!(is_field_path("Account.Industry"));
        assert!(is_field_path("Next_Step__c"));
        assert!(!is_field_path("Id FROM User --"));
        assert!(!is_field_path("a..b"));
    }
}
