//! The CRM search endpoint's semantics
//! (<https://developers.hubspot.com/docs/api/crm/search>): filter groups
//! ORed, filters within a group ANDed, one sort rule, `limit` at most 200,
//! `after` an offset that cannot pass the query cap, property values
//! compared by the property's type (datetimes as epoch milliseconds or ISO
//! text, numbers numerically).
//!
//! HubSpot does not document the order of records that tie on the sort
//! property; the simulator returns ties in descending id order so that a
//! client assuming ascending ids within a tie fails its tests.

use std::cmp::Ordering;

use jiff::Timestamp;
use serde_json::{Value, json};

use super::{Record, State};

/// The properties a deal search returns when none are asked for.
const DEFAULT_PROPERTIES: [&str; 8] = [
    "dealname",
    "amount",
    "closedate",
    "pipeline",
    "dealstage",
    "createdate",
    "hs_lastmodifieddate",
    "hs_object_id",
];

struct Filter {
    property: String,
    operator: String,
    value: Option<String>,
    high: Option<String>,
    values: Vec<String>,
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn parse_filters(body: &Value) -> Result<Vec<Vec<Filter>>, String> {
    let Some(groups) = body.get("filterGroups") else {
        return Ok(Vec::new());
    };
    let groups = groups.as_array().ok_or("filterGroups must be an array")?;
    if groups.len() > 5 {
        return Err(format!(
            "There was a problem with the request: {} filter groups exceed the limit of 5.",
            groups.len()
        ));
    }
    let mut total = 0;
    let mut out = Vec::new();
    for group in groups {
        let filters = group
            .get("filters")
            .and_then(Value::as_array)
            .ok_or("each filter group needs a 'filters' array")?;
        if filters.len() > 10 {
            return Err(
                "There was a problem with the request: a filter group may have at most 10 filters."
                    .into(),
            );
        }
        total += filters.len();
        let mut parsed = Vec::new();
        for f in filters {
            let property = f
                .get("propertyName")
                .and_then(Value::as_str)
                .ok_or("each filter needs a 'propertyName'")?;
            let operator = f.get("operator").and_then(Value::as_str).unwrap_or("EQ");
            parsed.push(Filter {
                property: property.to_owned(),
                operator: operator.to_owned(),
                value: f.get("value").and_then(text),
                high: f.get("highValue").and_then(text),
                values: f
                    .get("values")
                    .and_then(Value::as_array)
                    .map(|vs| vs.iter().filter_map(text).collect())
                    .unwrap_or_default(),
            });
        }
        out.push(parsed);
    }
    if total > 25 {
        return Err(
            "There was a problem with the request: a search may have at most 25 filters.".into(),
        );
    }
    Ok(out)
}

/// The sort rule: (property, descending).
fn parse_sort(body: &Value) -> Result<Option<(String, bool)>, String> {
    let Some(sorts) = body.get("sorts").and_then(Value::as_array) else {
        return Ok(None);
    };
    if sorts.len() > 1 {
        return Err("There was a problem with the request: only one sort is allowed.".into());
    }
    let Some(sort) = sorts.first() else {
        return Ok(None);
    };
    match sort {
        Value::String(s) => Ok(Some(match s.strip_prefix('-') {
            Some(p) => (p.to_owned(), true),
            None => (s.clone(), false),
        })),
        Value::Object(o) => {
            let property = o
                .get("propertyName")
                .and_then(Value::as_str)
                .ok_or("a sort needs a 'propertyName'")?;
            let direction = o
                .get("direction")
                .and_then(Value::as_str)
                .unwrap_or("ASCENDING");
            match direction {
                "ASCENDING" => Ok(Some((property.to_owned(), false))),
                "DESCENDING" => Ok(Some((property.to_owned(), true))),
                other => Err(format!("Unknown sort direction '{other}'.")),
            }
        }
        _ => Err("a sort must be a property name or an object".into()),
    }
}

/// A datetime property's value as epoch milliseconds: HubSpot accepts
/// both milliseconds and ISO 8601 text.
fn millis(s: &str) -> Option<i64> {
    s.parse::<i64>()
        .ok()
        .or_else(|| s.parse::<Timestamp>().ok().map(Timestamp::as_millisecond))
}

fn compare(kind: &str, a: &str, b: &str) -> Option<Ordering> {
    match kind {
        "datetime" | "date" => Some(millis(a)?.cmp(&millis(b)?)),
        "number" => a.parse::<f64>().ok()?.partial_cmp(&b.parse::<f64>().ok()?),
        _ => Some(a.cmp(b)),
    }
}

fn kind_of<'a>(st: &'a State, property: &str) -> &'a str {
    st.properties
        .get(property)
        .and_then(|d| d.get("type"))
        .and_then(Value::as_str)
        .unwrap_or("string")
}

fn matches(st: &State, rec: &Record, f: &Filter) -> Result<bool, String> {
    let kind = kind_of(st, &f.property);
    let have = rec.properties.get(&f.property).filter(|v| !v.is_empty());
    let cmp = |want: &Option<String>| -> Result<Option<Ordering>, String> {
        let want = want
            .as_deref()
            .ok_or_else(|| format!("operator {} needs a 'value'", f.operator))?;
        Ok(have.and_then(|h| compare(kind, h, want)))
    };
    Ok(match f.operator.as_str() {
        "EQ" => cmp(&f.value)? == Some(Ordering::Equal),
        "NEQ" => cmp(&f.value)? != Some(Ordering::Equal),
        "LT" => cmp(&f.value)? == Some(Ordering::Less),
        "LTE" => matches!(cmp(&f.value)?, Some(Ordering::Less | Ordering::Equal)),
        "GT" => cmp(&f.value)? == Some(Ordering::Greater),
        "GTE" => matches!(cmp(&f.value)?, Some(Ordering::Greater | Ordering::Equal)),
        "BETWEEN" => {
            matches!(cmp(&f.value)?, Some(Ordering::Greater | Ordering::Equal))
                && matches!(cmp(&f.high)?, Some(Ordering::Less | Ordering::Equal))
        }
        "IN" => have.is_some_and(|h| {
            f.values
                .iter()
                .any(|v| compare(kind, h, v) == Some(Ordering::Equal))
        }),
        "NOT_IN" => !have.is_some_and(|h| {
            f.values
                .iter()
                .any(|v| compare(kind, h, v) == Some(Ordering::Equal))
        }),
        "HAS_PROPERTY" => have.is_some(),
        "NOT_HAS_PROPERTY" => have.is_none(),
        other => return Err(format!("Unsupported operator '{other}'.")),
    })
}

/// Runs one search request against the deals; `Err` is the message of
/// HubSpot's 400.
pub(super) fn run(st: &State, body: &Value) -> Result<Value, String> {
    let groups = parse_filters(body)?;
    let sort = parse_sort(body)?;
    let limit = match body.get("limit") {
        None | Some(Value::Null) => 10,
        Some(v) => v
            .as_u64()
            .and_then(|n| usize::try_from(n).ok())
            .ok_or("limit must be a non-negative integer")?,
    };
    if limit > 200 {
        return Err(format!(
            "There was a problem with the request: limit {limit} exceeds the maximum of 200."
        ));
    }
    let offset = match body.get("after") {
        None | Some(Value::Null) => 0,
        Some(v) => text(v)
            .and_then(|s| s.parse::<usize>().ok())
            .ok_or("after must be a paging cursor from a previous answer")?,
    };
    if offset >= st.config.search_cap {
        return Err(format!(
            "There was a problem with the request: paging past {} results is not supported; narrow the search instead.",
            st.config.search_cap
        ));
    }
    let asked: Vec<String> = match body.get("properties").and_then(Value::as_array) {
        Some(p) if !p.is_empty() => p
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => DEFAULT_PROPERTIES.iter().map(|p| (*p).to_owned()).collect(),
    };

    let mut hits: Vec<(u64, &Record)> = Vec::new();
    for (id, rec) in st.deals.iter().filter(|(_, r)| !r.archived) {
        let mut keep = groups.is_empty();
        for group in &groups {
            let mut all = true;
            for f in group {
                if !matches(st, rec, f)? {
                    all = false;
                    break;
                }
            }
            if all {
                keep = true;
                break;
            }
        }
        if keep {
            hits.push((*id, rec));
        }
    }
    match &sort {
        Some((property, descending)) => {
            let kind = kind_of(st, property);
            hits.sort_by(|(ia, a), (ib, b)| {
                let by_value = match (a.properties.get(property), b.properties.get(property)) {
                    (Some(x), Some(y)) => compare(kind, x, y).unwrap_or(Ordering::Equal),
                    (Some(_), None) => Ordering::Less,
                    (None, Some(_)) => Ordering::Greater,
                    (None, None) => Ordering::Equal,
                };
                let by_value = if *descending {
                    by_value.reverse()
                } else {
                    by_value
                };
                by_value.then(ib.cmp(ia))
            });
        }
        None => hits.sort_by_key(|(id, _)| *id),
    }

    let total = hits.len();
    let size = limit.min(st.config.page_size);
    let end = offset
        .saturating_add(size)
        .min(total)
        .max(offset.min(total));
    let results: Vec<Value> = hits
        .get(offset.min(total)..end)
        .unwrap_or_default()
        .iter()
        .map(|(id, rec)| rec.render(*id, &asked))
        .collect();
    let mut answer = json!({"total": total, "results": results});
    if end < total {
        let after = end.to_string();
        answer["paging"] = json!({"next": {"after": after, "link": format!("?after={after}")}});
    }
    Ok(answer)
}
