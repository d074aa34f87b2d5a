//! Enough SOQL to answer what a client asks of Opportunity: `SELECT` fields
//! (with `Account.*` and `Owner.*` relationship paths) `FROM` one object,
//! `WHERE` comparisons joined by `AND`, `OR`, `NOT` and parentheses, `ORDER
//! BY` fields `ASC`/`DESC`, `LIMIT n`. Literals as the SOQL reference writes
//! them: quoted strings with `\` escapes, unquoted date-times
//! (<https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_dateformats.htm>),
//! numbers, `true`, `false`, `null`.

use std::cmp::Ordering;

use jiff::Timestamp;
use serde_json::Value;

/// A parsed query.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Query {
    pub(super) fields: Vec<String>,
    pub(super) from: String,
    pub(super) filter: Option<Cond>,
    pub(super) order: Vec<(String, bool)>,
    pub(super) limit: Option<usize>,
}

/// A `WHERE` condition.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Cond {
    Or(Vec<Cond>),
    And(Vec<Cond>),
    Not(Box<Cond>),
    Cmp { field: String, op: Op, lit: Lit },
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// A literal.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Lit {
    Str(String),
    DateTime(Timestamp),
    Num(f64),
    Bool(bool),
    Null,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Str(String),
    Op(Op),
    Open,
    Close,
    Comma,
}

fn tokens(q: &str) -> Result<Vec<Tok>, String> {
    let mut out = Vec::new();
    let chars: Vec<char> = q.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            c if c.is_whitespace() => i += 1,
            '(' => {
                out.push(Tok::Open);
                i += 1;
            }
            ')' => {
                out.push(Tok::Close);
                i += 1;
            }
            ',' => {
                out.push(Tok::Comma);
                i += 1;
            }
            '\'' => {
                let mut s = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err("unterminated string literal".into()),
                        Some('\'') => break,
                        Some('\\') => {
                            let e = chars.get(i + 1).ok_or("unterminated escape")?;
                            s.push(match e {
                                'n' => '\n',
                                'r' => '\r',
                                't' => '\t',
                                other => *other,
                            });
                            i += 2;
                        }
                        Some(c) => {
                            s.push(*c);
                            i += 1;
                        }
                    }
                }
                i += 1;
                out.push(Tok::Str(s));
            }
            '=' => {
                out.push(Tok::Op(Op::Eq));
                i += 1;
            }
            '!' | '<' | '>' => {
                let next = chars.get(i + 1).copied();
                let (op, len) = match (c, next) {
                    ('!', Some('=')) => (Op::Ne, 2),
                    ('<', Some('>')) => (Op::Ne, 2),
                    ('<', Some('=')) => (Op::Le, 2),
                    ('>', Some('=')) => (Op::Ge, 2),
                    ('<', _) => (Op::Lt, 1),
                    ('>', _) => (Op::Gt, 1),
                    _ => return Err(format!("unexpected token: '{c}'")),
                };
                out.push(Tok::Op(op));
                i += len;
            }
            c if c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.' => {
                let start = i;
                while i < chars.len()
                    && (chars[i].is_ascii_alphanumeric()
                        || matches!(chars[i], '_' | '-' | '.' | ':' | '+'))
                {
                    i += 1;
                }
                out.push(Tok::Word(chars[start..i].iter().collect()));
            }
            other => return Err(format!("unexpected token: '{other}'")),
        }
    }
    Ok(out)
}

struct Parser {
    toks: Vec<Tok>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.at)
    }

    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.at).cloned();
        self.at += 1;
        t
    }

    fn keyword(&mut self, kw: &str) -> bool {
        match self.peek() {
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case(kw) => {
                self.at += 1;
                true
            }
            _ => false,
        }
    }

    fn expect_keyword(&mut self, kw: &str) -> Result<(), String> {
        if self.keyword(kw) {
            Ok(())
        } else {
            Err(format!("expecting '{kw}', found '{}'", self.found()))
        }
    }

    fn found(&self) -> String {
        match self.peek() {
            None => "end of query".into(),
            Some(Tok::Word(w)) => w.clone(),
            Some(Tok::Str(s)) => format!("'{s}'"),
            Some(t) => format!("{t:?}"),
        }
    }

    fn ident(&mut self) -> Result<String, String> {
        match self.next() {
            Some(Tok::Word(w)) if w.starts_with(|c: char| c.is_ascii_alphabetic()) => Ok(w),
            _ => {
                self.at = self.at.saturating_sub(1);
                Err(format!("expecting a field name, found '{}'", self.found()))
            }
        }
    }

    fn or(&mut self) -> Result<Cond, String> {
        let mut parts = vec![self.and()?];
        while self.keyword("OR") {
            parts.push(self.and()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Cond::Or(parts)
        })
    }

    fn and(&mut self) -> Result<Cond, String> {
        let mut parts = vec![self.atom()?];
        while self.keyword("AND") {
            parts.push(self.atom()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Cond::And(parts)
        })
    }

    fn atom(&mut self) -> Result<Cond, String> {
        if self.keyword("NOT") {
            return Ok(Cond::Not(Box::new(self.atom()?)));
        }
        if self.peek() == Some(&Tok::Open) {
            self.at += 1;
            let c = self.or()?;
            return match self.next() {
                Some(Tok::Close) => Ok(c),
                _ => Err("expecting ')'".into()),
            };
        }
        let field = self.ident()?;
        let op = match self.next() {
            Some(Tok::Op(op)) => op,
            _ => return Err(format!("expecting a comparison operator after {field}")),
        };
        let lit = match self.next() {
            Some(Tok::Str(s)) => Lit::Str(s),
            Some(Tok::Word(w)) => literal(&w)?,
            _ => return Err(format!("expecting a value after {field}")),
        };
        Ok(Cond::Cmp { field, op, lit })
    }
}

fn literal(w: &str) -> Result<Lit, String> {
    if w.eq_ignore_ascii_case("null") {
        return Ok(Lit::Null);
    }
    if w.eq_ignore_ascii_case("true") {
        return Ok(Lit::Bool(true));
    }
    if w.eq_ignore_ascii_case("false") {
        return Ok(Lit::Bool(false));
    }
    if w.contains('T') && w.contains(':') {
        return w
            .parse::<Timestamp>()
            .map(Lit::DateTime)
            .map_err(|_| format!("line 1: invalid date-time: {w}"));
    }
    w.parse::<f64>()
        .map(Lit::Num)
        .map_err(|_| format!("unexpected token: '{w}'"))
}

/// Parses a query, or says what SOQL would (`MALFORMED_QUERY`).
pub(super) fn parse(q: &str) -> Result<Query, String> {
    let mut p = Parser {
        toks: tokens(q)?,
        at: 0,
    };
    p.expect_keyword("SELECT")?;
    let mut fields = vec![p.ident()?];
    while p.peek() == Some(&Tok::Comma) {
        p.at += 1;
        fields.push(p.ident()?);
    }
    p.expect_keyword("FROM")?;
    let from = p.ident()?;
    let filter = if p.keyword("WHERE") {
        Some(p.or()?)
    } else {
        None
    };
    let mut order = Vec::new();
    if p.keyword("ORDER") {
        p.expect_keyword("BY")?;
        loop {
            let f = p.ident()?;
            let desc = if p.keyword("DESC") {
                true
            } else {
                p.keyword("ASC");
                false
            };
            order.push((f, desc));
            if p.peek() == Some(&Tok::Comma) {
                p.at += 1;
            } else {
                break;
            }
        }
    }
    let limit = if p.keyword("LIMIT") {
        match p.next() {
            Some(Tok::Word(n)) => Some(
                n.parse::<usize>()
                    .map_err(|_| format!("invalid LIMIT: {n}"))?,
            ),
            _ => return Err("expecting a number after LIMIT".into()),
        }
    } else {
        None
    };
    if p.peek().is_some() {
        return Err(format!("unexpected token: '{}'", p.found()));
    }
    Ok(Query {
        fields,
        from,
        filter,
        order,
        limit,
    })
}

impl Cond {
    /// Every (field, literal) compared, to check types before running.
    pub(super) fn comparisons(&self) -> Vec<(&str, &Lit)> {
        match self {
            Self::Or(cs) | Self::And(cs) => cs.iter().flat_map(Cond::comparisons).collect(),
            Self::Not(c) => c.comparisons(),
            Self::Cmp { field, lit, .. } => vec![(field.as_str(), lit)],
        }
    }

    /// Whether a record matches; `get` reads a field path.
    pub(super) fn matches(&self, get: &dyn Fn(&str) -> Value) -> bool {
        match self {
            Self::Or(cs) => cs.iter().any(|c| c.matches(get)),
            Self::And(cs) => cs.iter().all(|c| c.matches(get)),
            Self::Not(c) => !c.matches(get),
            Self::Cmp { field, op, lit } => {
                let v = get(field);
                match (lit, &v) {
                    (Lit::Null, Value::Null) => matches!(op, Op::Eq),
                    (Lit::Null, _) => matches!(op, Op::Ne),
                    (_, Value::Null) => matches!(op, Op::Ne),
                    _ => match compare_lit(&v, lit) {
                        Some(ord) => match op {
                            Op::Eq => ord == Ordering::Equal,
                            Op::Ne => ord != Ordering::Equal,
                            Op::Lt => ord == Ordering::Less,
                            Op::Le => ord != Ordering::Greater,
                            Op::Gt => ord == Ordering::Greater,
                            Op::Ge => ord != Ordering::Less,
                        },
                        None => false,
                    },
                }
            }
        }
    }
}

fn compare_lit(v: &Value, lit: &Lit) -> Option<Ordering> {
    match (v, lit) {
        (Value::String(s), Lit::DateTime(t)) => Some(parse_datetime(s)?.cmp(t)),
        (Value::String(s), Lit::Str(l)) => Some(s.as_str().cmp(l.as_str())),
        (Value::Number(n), Lit::Num(l)) => n.as_f64()?.partial_cmp(l),
        (Value::Bool(b), Lit::Bool(l)) => Some(b.cmp(l)),
        _ => None,
    }
}

/// Orders two field values as SOQL does (nulls first).
pub(super) fn compare_values(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Null, Value::Null) => Ordering::Equal,
        (Value::Null, _) => Ordering::Less,
        (_, Value::Null) => Ordering::Greater,
        (Value::Number(x), Value::Number(y)) => x
            .as_f64()
            .partial_cmp(&y.as_f64())
            .unwrap_or(Ordering::Equal),
        (Value::String(x), Value::String(y)) => match (parse_datetime(x), parse_datetime(y)) {
            (Some(tx), Some(ty)) => tx.cmp(&ty),
            _ => x.cmp(y),
        },
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        _ => Ordering::Equal,
    }
}

/// Salesforce's date-time text: `2026-12-05T10:00:00.000+0000`.
pub(super) fn format_datetime(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%S.%3f+0000").to_string()
}

fn parse_datetime(s: &str) -> Option<Timestamp> {
    if s.len() < 20 || s.as_bytes().get(10) != Some(&b'T') {
        return None;
    }
    jiff::fmt::strtime::parse("%Y-%m-%dT%H:%M:%S%.f%z", s)
        .ok()?
        .to_timestamp()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_keyset_query_parses_and_filters() -> Result<(), String> {
        let q = parse(
            "SELECT Id, Account.Name FROM Opportunity WHERE SystemModstamp > 2026-12-05T10:00:00Z \
             OR (SystemModstamp = 2026-12-05T10:00:00Z AND Id > '006B') ORDER BY SystemModstamp ASC, Id LIMIT 3",
        )?;
        assert_eq!(q.fields, ["Id", "Account.Name"]);
        assert_eq!(q.limit, Some(3));
        let filter = q.filter.ok_or("no filter")?;
        let rec = |id: &'static str, t: &'static str| {
            move |f: &str| match f {
                "Id" => Value::String(id.into()),
                _ => Value::String(t.into()),
            }
        };
        assert!(filter.matches(&rec("006C", "2026-12-05T10:00:00.000+0000")));
        assert!(!filter.matches(&rec("006A", "2026-12-05T10:00:00.000+0000")));
        assert!(filter.matches(&rec("006A", "2026-12-05T10:00:01.000+0000")));
        assert!(!filter.matches(&rec("006Z", "2026-12-05T09:59:59.000+0000")));
        Ok(())
    }

    #[test]
    fn salesforce_datetimes_round_trip() {
        let t: Timestamp = "2026-12-05T10:00:00Z"
            .parse()
            .unwrap_or(Timestamp::UNIX_EPOCH);
        assert_eq!(format_datetime(t), "2026-12-05T10:00:00.000+0000");
        assert_eq!(parse_datetime(&format_datetime(t)), Some(t));
    }
}
