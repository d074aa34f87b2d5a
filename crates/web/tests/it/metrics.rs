//! `/metrics`: every line parses as Prometheus text format 0.0.4 (a strict
//! parser below), requests are counted under their route template, the
//! latency histogram is consistent, the events counter follows the log, and
//! the process's own numbers (memory, CPU, open files) are there.

use std::collections::{BTreeMap, BTreeSet};

use baton_testkit::{TestApp, on_both_backends};
use serde_json::json;

use crate::harness::{Server, start};

on_both_backends!(the_scrape_is_valid_exposition_and_its_counters_move);

/// One sample: name, labels, value.
type Series = BTreeMap<(String, BTreeMap<String, String>), f64>;

fn is_name(s: &str) -> bool {
    let mut c = s.chars();
    c.next()
        .is_some_and(|f| f.is_ascii_alphabetic() || f == '_' || f == ':')
        && c.all(|x| x.is_ascii_alphanumeric() || x == '_' || x == ':')
}

fn is_label_name(s: &str) -> bool {
    let mut c = s.chars();
    c.next()
        .is_some_and(|f| f.is_ascii_alphabetic() || f == '_')
        && c.all(|x| x.is_ascii_alphanumeric() || x == '_')
}

fn value(s: &str) -> Result<f64, String> {
    match s {
        "+Inf" => Ok(f64::INFINITY),
        "-Inf" => Ok(f64::NEG_INFINITY),
        "NaN" => Ok(f64::NAN),
        _ => s
            .parse::<f64>()
            .map_err(|e| format!("bad value {s:?}: {e}")),
    }
}

/// Parses `{a="x",b="y"}` (after the name); returns the labels and the rest.
fn labels(mut s: &str) -> Result<(BTreeMap<String, String>, &str), String> {
    let mut out = BTreeMap::new();
    let Some(rest) = s.strip_prefix('{') else {
        return Ok((out, s));
    };
    s = rest;
    loop {
        if let Some(rest) = s.strip_prefix('}') {
            return Ok((out, rest));
        }
        let eq = s.find('=').ok_or("label without '='")?;
        let name = &s[..eq];
        if !is_label_name(name) {
            return Err(format!("bad label name {name:?}"));
        }
        s = s[eq + 1..]
            .strip_prefix('"')
            .ok_or("label value not quoted")?;
        let mut v = String::new();
        let mut chars = s.char_indices();
        let end = loop {
            match chars.next().ok_or("unterminated label value")? {
                (i, '"') => break i,
                (_, '\\') => match chars.next().ok_or("dangling escape")?.1 {
                    '\\' => v.push('\\'),
                    '"' => v.push('"'),
                    'n' => v.push('\n'),
                    c => return Err(format!("bad escape \\{c}")),
                },
                (_, '\n') => return Err("newline in label value".into()),
                (_, c) => v.push(c),
            }
        };
        if out.insert(name.to_string(), v).is_some() {
            return Err(format!("label {name} repeated"));
        }
        s = &s[end + 1..];
        if let Some(rest) = s.strip_prefix(',') {
            s = rest;
        } else if !s.starts_with('}') {
            return Err(format!("expected ',' or '}}' at {s:?}"));
        }
    }
}

/// A strict reader of the text format: HELP and TYPE at most once per
/// family and before its samples, every sample of a declared family, no
/// repeated series, histograms cumulative with `+Inf` equal to `_count`.
fn parse(text: &str) -> Result<Series, String> {
    if !text.ends_with('\n') {
        return Err("the exposition must end with a newline".into());
    }
    let mut types: BTreeMap<String, String> = BTreeMap::new();
    let mut helps = BTreeSet::new();
    let mut seen_samples = BTreeSet::new();
    let mut series = Series::new();
    for (n, line) in text.lines().enumerate() {
        let at = |e: String| format!("line {}: {e}: {line:?}", n + 1);
        if line.is_empty() {
            continue;
        }
        if let Some(rest) = line.strip_prefix("# ") {
            let mut parts = rest.splitn(3, ' ');
            let (kw, name) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
            let tail = parts.next();
            match kw {
                "HELP" | "TYPE" if !is_name(name) => return Err(at("bad metric name".into())),
                "HELP" => {
                    if !helps.insert(name.to_string()) {
                        return Err(at("second HELP".into()));
                    }
                    if tail.is_none_or(str::is_empty) {
                        return Err(at("empty HELP".into()));
                    }
                }
                "TYPE" => {
                    let t = tail.unwrap_or("");
                    if !["counter", "gauge", "histogram", "summary", "untyped"].contains(&t) {
                        return Err(at(format!("unknown type {t:?}")));
                    }
                    if seen_samples.contains(name) {
                        return Err(at("TYPE after its samples".into()));
                    }
                    if types.insert(name.to_string(), t.to_string()).is_some() {
                        return Err(at("second TYPE".into()));
                    }
                }
                _ => {}
            }
            continue;
        }
        if line.starts_with('#') {
            continue;
        }
        let name_end = line.find(['{', ' ']).ok_or_else(|| at("no value".into()))?;
        let name = &line[..name_end];
        if !is_name(name) {
            return Err(at("bad metric name".into()));
        }
        let (labels, rest) = labels(&line[name_end..]).map_err(at)?;
        let rest = rest
            .strip_prefix(' ')
            .ok_or_else(|| at("no space before the value".into()))?;
        let mut fields = rest.split(' ');
        let v = value(fields.next().unwrap_or("")).map_err(at)?;
        if let Some(ts) = fields.next() {
            ts.parse::<i64>()
                .map_err(|e| at(format!("bad timestamp: {e}")))?;
        }
        if fields.next().is_some() {
            return Err(at("trailing fields".into()));
        }
        let family = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|suffix| {
                name.strip_suffix(suffix)
                    .filter(|base| types.get(*base).is_some_and(|t| t == "histogram"))
            })
            .unwrap_or(name);
        let t = types
            .get(family)
            .ok_or_else(|| at(format!("sample of {family}, which has no TYPE")))?;
        if t == "histogram" && name.ends_with("_bucket") && !labels.contains_key("le") {
            return Err(at("bucket without le".into()));
        }
        if t == "counter" && v < 0.0 {
            return Err(at("negative counter".into()));
        }
        seen_samples.insert(family.to_string());
        if series.insert((name.to_string(), labels), v).is_some() {
            return Err(at("repeated series".into()));
        }
    }
    // Histograms: buckets cumulative, +Inf equal to _count.
    for (family, _) in types.iter().filter(|(_, t)| *t == "histogram") {
        let bucket = format!("{family}_bucket");
        let mut groups: BTreeMap<BTreeMap<String, String>, Vec<(f64, f64)>> = BTreeMap::new();
        for ((name, labels), v) in &series {
            if *name == bucket {
                let mut rest = labels.clone();
                let le = value(&rest.remove("le").unwrap_or_default())?;
                groups.entry(rest).or_default().push((le, *v));
            }
        }
        for (labels, mut buckets) in groups {
            buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
            if buckets.windows(2).any(|w| w[1].1 < w[0].1) {
                return Err(format!("{family} {labels:?}: buckets not cumulative"));
            }
            let inf = buckets.last().filter(|b| b.0.is_infinite()).map(|b| b.1);
            let count = series.get(&(format!("{family}_count"), labels.clone()));
            if inf.is_none() || inf != count.copied() {
                return Err(format!("{family} {labels:?}: +Inf bucket ≠ _count"));
            }
        }
    }
    Ok(series)
}

fn get(series: &Series, name: &str, labels: &[(&str, &str)]) -> f64 {
    let key = (
        name.to_string(),
        labels
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect(),
    );
    series.get(&key).copied().unwrap_or(0.0)
}

async fn scrape(s: &Server) -> Series {
    let r = s.anon().get("/metrics").await;
    assert_eq!(r.status, 200, "{}", r.text);
    let ct = r
        .headers
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(ct.starts_with("text/plain; version=0.0.4"), "{ct}");
    parse(&r.text).unwrap_or_else(|e| panic!("{e}\n{}", r.text))
}

#[test]
fn the_parser_refuses_what_prometheus_would() {
    let ok = "# HELP a_total A.\n# TYPE a_total counter\na_total{x=\"q\\\"\"} 1\n";
    assert!(parse(ok).is_ok());
    for bad in [
        "a_total 1\n",                        // no TYPE
        "# TYPE a counter\n1a 1\n",           // bad name
        "# TYPE a counter\na{x=q} 1\n",       // unquoted
        "# TYPE a counter\na{x=\"q\"} one\n", // bad value
        "# TYPE a counter\na 1\na 2\n",       // repeated series
        "# TYPE a counter\na 1",              // no final newline
        "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_count 1\n", // not cumulative
    ] {
        assert!(parse(bad).is_err(), "accepted {bad:?}");
    }
}

async fn the_scrape_is_valid_exposition_and_its_counters_move(t: TestApp) {
    let s = start(t).await;
    let org = s.t.org.to_string();
    s.account("A-1").await;
    let ae = s.as_("ae1@acme.test").await;
    let made = ae
        .post(
            "/handoffs",
            json!({"contract": "ae-to-onboarding", "account": "A-1", "values": {}}),
        )
        .await;
    let id = made.expect(201)["id"].as_str().unwrap().to_string();
    for _ in 0..2 {
        ae.get(&format!("/handoffs/{id}")).await.expect(200);
    }
    s.anon().get("/no/such/page").await.expect(404);

    let first = scrape(&s).await;
    let route = [("method", "GET"), ("route", "/api/v1/handoffs/{id}")];
    let ok = [route[0], route[1], ("status", "200")];
    assert_eq!(get(&first, "baton_http_requests_total", &ok), 2.0);
    assert_eq!(
        get(&first, "baton_http_request_duration_seconds_count", &route),
        2.0
    );
    assert!(get(&first, "baton_http_request_duration_seconds_sum", &route) > 0.0);
    let created = [
        ("method", "POST"),
        ("route", "/api/v1/handoffs"),
        ("status", "201"),
    ];
    assert_eq!(get(&first, "baton_http_requests_total", &created), 1.0);
    let unmatched = [("method", "GET"), ("route", "unmatched"), ("status", "404")];
    assert_eq!(get(&first, "baton_http_requests_total", &unmatched), 1.0);
    // Raw paths never become labels.
    assert!(
        first
            .keys()
            .all(|(_, l)| l.get("route").is_none_or(|r| !r.contains(&id))),
        "a raw path became a label"
    );
    let events = get(&first, "baton_events_appended_total", &[("org", &org)]);
    assert_eq!(events, s.events().await as f64);
    for source in ["events", "sla", "outbox"] {
        assert_eq!(
            get(&first, "baton_metrics_source_up", &[("source", source)]),
            1.0,
            "{source}"
        );
    }
    assert!(
        first.contains_key(&("baton_outbox_pending".to_string(), BTreeMap::new())),
        "no outbox gauge"
    );
    // The process's own numbers, under the names Prometheus' client
    // libraries use (one process: a test binary, serving many servers).
    assert!(get(&first, "process_resident_memory_bytes", &[]) > 0.0);
    assert!(get(&first, "process_open_fds", &[]) > 0.0);
    assert!(get(&first, "process_threads", &[]) > 0.0);
    for name in ["process_cpu_seconds_total", "process_start_time_seconds"] {
        assert!(
            first.contains_key(&(name.to_string(), BTreeMap::new())),
            "no {name}"
        );
    }

    // One more read, one more write: the counters move by exactly that.
    ae.get(&format!("/handoffs/{id}")).await.expect(200);
    ae.post_empty(&format!("/handoffs/{id}/withdraw"))
        .await
        .expect(200);
    let second = scrape(&s).await;
    assert_eq!(get(&second, "baton_http_requests_total", &ok), 3.0);
    assert_eq!(
        get(&second, "baton_events_appended_total", &[("org", &org)]),
        events + 1.0
    );
    // The first scrape itself was counted.
    let scrapes = [("method", "GET"), ("route", "/metrics"), ("status", "200")];
    assert_eq!(get(&second, "baton_http_requests_total", &scrapes), 1.0);
}
