//! Prometheus metrics at `GET /metrics` (text exposition format 0.0.4).
//!
//! Two kinds of numbers: what this process saw (HTTP requests by method,
//! route template and status, and their latency), kept in a small registry
//! in memory; and what the database knows (events appended, and whatever a
//! [`MetricsSource`] adds), read at scrape time so that several `serve`
//! processes behind a load balancer report the same shared truth.
//!
//! A new database-backed number is one more [`MetricsSource`] in
//! [`sources`].

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use baton_app::App;
use baton_domain::OrgId;
use baton_store::StoreError;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The label for requests no route matched: one series, whatever the path,
/// so a scan of random URLs cannot blow up the number of series.
const UNMATCHED: &str = "unmatched";

/// Requests and latency of one (method, route).
#[derive(Debug, Default)]
struct RouteStats {
    by_status: BTreeMap<u16, u64>,
    buckets: [u64; BUCKETS.len()],
    sum: f64,
    count: u64,
}

/// What this process measured, by method, then route template.
#[derive(Debug, Default)]
pub struct HttpMetrics {
    routes: Mutex<BTreeMap<String, BTreeMap<String, RouteStats>>>,
}

impl HttpMetrics {
    /// Records one answered request.
    pub fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let mut routes = self.routes.lock().unwrap_or_else(PoisonError::into_inner);
        // Looked up by reference: a request allocates only the first time
        // its (method, route) is seen.
        if !routes.contains_key(method) {
            routes.insert(method.to_string(), BTreeMap::new());
        }
        let Some(by_route) = routes.get_mut(method) else {
            return;
        };
        if !by_route.contains_key(route) {
            by_route.insert(route.to_string(), RouteStats::default());
        }
        let Some(stats) = by_route.get_mut(route) else {
            return;
        };
        *stats.by_status.entry(status).or_default() += 1;
        for (bucket, bound) in stats.buckets.iter_mut().zip(BUCKETS) {
            if seconds <= bound {
                *bucket += 1;
            }
        }
        stats.sum += seconds;
        stats.count += 1;
    }

    fn render(&self, out: &mut String) {
        let routes = self.routes.lock().unwrap_or_else(PoisonError::into_inner);
        header_lines(
            out,
            "baton_http_requests_total",
            "HTTP requests answered, by method, route template and status.",
            Kind::Counter,
        );
        for (method, route, stats) in each_route(&routes) {
            for (status, n) in &stats.by_status {
                let labels = [
                    ("method", method.as_str()),
                    ("route", route.as_str()),
                    ("status", &status.to_string()),
                ];
                sample(out, "baton_http_requests_total", &labels, *n as f64);
            }
        }
        let name = "baton_http_request_duration_seconds";
        header_lines(
            out,
            name,
            "Time from receiving a request to its response headers, in seconds.",
            Kind::Histogram,
        );
        for (method, route, stats) in each_route(&routes) {
            let base = [("method", method.as_str()), ("route", route.as_str())];
            for (n, bound) in stats.buckets.iter().zip(BUCKETS) {
                let le = bound.to_string();
                let labels = [base[0], base[1], ("le", le.as_str())];
                sample(out, &format!("{name}_bucket"), &labels, *n as f64);
            }
            let labels = [base[0], base[1], ("le", "+Inf")];
            sample(out, &format!("{name}_bucket"), &labels, stats.count as f64);
            sample(out, &format!("{name}_sum"), &base, stats.sum);
            sample(out, &format!("{name}_count"), &base, stats.count as f64);
        }
    }
}

/// Every (method, route) and its numbers, in order.
fn each_route(
    routes: &BTreeMap<String, BTreeMap<String, RouteStats>>,
) -> impl Iterator<Item = (&String, &String, &RouteStats)> {
    routes
        .iter()
        .flat_map(|(method, by_route)| by_route.iter().map(move |(route, s)| (method, route, s)))
}

/// A metric's type, as the exposition format names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Only goes up (resets when a process restarts).
    Counter,
    /// Goes up and down.
    Gauge,
    /// Bucketed observations.
    Histogram,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Counter => "counter",
            Self::Gauge => "gauge",
            Self::Histogram => "histogram",
        }
    }
}

/// One metric read from a source: its name, help, type and samples.
#[derive(Debug, Clone)]
pub struct Family {
    /// `baton_…`, matching `[a-zA-Z_:][a-zA-Z0-9_:]*`.
    pub name: &'static str,
    /// One line saying what it counts.
    pub help: &'static str,
    /// Counter or gauge.
    pub kind: Kind,
    /// Its samples: labels and value.
    pub samples: Vec<(Vec<(&'static str, String)>, f64)>,
}

/// What a source's read returns.
pub type Collected<'a> = Pin<Box<dyn Future<Output = Result<Vec<Family>, StoreError>> + Send + 'a>>;

/// Numbers read from the database at each scrape (so every process reports
/// the same). Implement it and list it in [`sources`].
pub trait MetricsSource: Send + Sync {
    /// A short name, the `source` label of `baton_metrics_source_up`.
    fn name(&self) -> &'static str;
    /// Reads the current values.
    fn collect<'a>(&'a self, app: &'a App) -> Collected<'a>;
}

/// Events appended to the log, per org.
#[derive(Debug, Clone, Copy)]
pub struct EventsAppended;

impl MetricsSource for EventsAppended {
    fn name(&self) -> &'static str {
        "events"
    }

    fn collect<'a>(&'a self, app: &'a App) -> Collected<'a> {
        Box::pin(async move {
            let per_org = app.store().events_appended().await?;
            Ok(vec![Family {
                name: "baton_events_appended_total",
                help: "Events appended to the org's log (all processes; from the database).",
                kind: Kind::Counter,
                samples: per_org
                    .into_iter()
                    .map(|(org, n)| (vec![("org", org.to_string())], n as f64))
                    .collect(),
            }])
        })
    }
}

/// SLA breaches recorded, and deadlines passed but not yet recorded (a
/// backlog that stays above zero means the job is not running).
#[derive(Debug, Clone, Copy)]
pub struct SlaBreaches;

impl MetricsSource for SlaBreaches {
    fn name(&self) -> &'static str {
        "sla"
    }

    fn collect<'a>(&'a self, app: &'a App) -> Collected<'a> {
        Box::pin(async move {
            let per_org = app.store().sla_counts(app.now()).await?;
            let family = |name, help, kind, pick: fn(&(OrgId, u64, u64)) -> u64| Family {
                name,
                help,
                kind,
                samples: per_org
                    .iter()
                    .map(|row| (vec![("org", row.0.to_string())], pick(row) as f64))
                    .collect(),
            };
            Ok(vec![
                family(
                    "baton_sla_breaches_total",
                    "SLA breaches recorded (all processes; from the database).",
                    Kind::Counter,
                    |r| r.1,
                ),
                family(
                    "baton_sla_deadlines_overdue",
                    "Deadlines passed whose breach is not recorded yet (the breach job's backlog).",
                    Kind::Gauge,
                    |r| r.2,
                ),
            ])
        })
    }
}

/// Webhook deliveries waiting in the outbox (due or backing off).
#[derive(Debug, Clone, Copy)]
pub struct Outbox;

impl MetricsSource for Outbox {
    fn name(&self) -> &'static str {
        "outbox"
    }

    fn collect<'a>(&'a self, app: &'a App) -> Collected<'a> {
        Box::pin(async move {
            let pending = app.store().pending_deliveries().await?;
            Ok(vec![Family {
                name: "baton_outbox_pending",
                help: "Webhook deliveries not yet delivered or dead (all orgs; from the database).",
                kind: Kind::Gauge,
                samples: vec![(Vec::new(), pending as f64)],
            }])
        })
    }
}

/// The database-backed sources `/metrics` reads, in order.
pub fn sources() -> Vec<Box<dyn MetricsSource>> {
    vec![
        Box::new(EventsAppended),
        Box::new(SlaBreaches),
        Box::new(Outbox),
    ]
}

/// The registry: this process's HTTP numbers and the database sources.
pub struct Metrics {
    /// HTTP requests seen by this process.
    pub http: HttpMetrics,
    sources: Vec<Box<dyn MetricsSource>>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics")
            .field("http", &self.http)
            .field(
                "sources",
                &self.sources.iter().map(|s| s.name()).collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl Metrics {
    /// A registry reading `sources` at each scrape.
    pub fn new(sources: Vec<Box<dyn MetricsSource>>) -> Self {
        Self {
            http: HttpMetrics::default(),
            sources,
        }
    }

    /// The whole exposition. A source that fails is reported as down
    /// (`baton_metrics_source_up 0`) instead of failing the scrape, so the
    /// HTTP numbers stay visible while the database is unwell.
    pub async fn render(&self, app: &App) -> String {
        let mut out = String::with_capacity(4096);
        self.http.render(&mut out);
        let mut up = Vec::with_capacity(self.sources.len());
        for source in &self.sources {
            match source.collect(app).await {
                Ok(families) => {
                    for f in families {
                        header_lines(&mut out, f.name, f.help, f.kind);
                        for (labels, value) in &f.samples {
                            let labels: Vec<(&str, &str)> =
                                labels.iter().map(|(k, v)| (*k, v.as_str())).collect();
                            sample(&mut out, f.name, &labels, *value);
                        }
                    }
                    up.push((source.name(), 1.0));
                }
                Err(e) => {
                    tracing::warn!(source = source.name(), error = %e, "metrics source failed");
                    up.push((source.name(), 0.0));
                }
            }
        }
        header_lines(
            &mut out,
            "baton_metrics_source_up",
            "1 when the source's numbers were read at this scrape, 0 when it failed.",
            Kind::Gauge,
        );
        for (name, v) in up {
            sample(&mut out, "baton_metrics_source_up", &[("source", name)], v);
        }
        out
    }
}

fn header_lines(out: &mut String, name: &str, help: &str, kind: Kind) {
    let _ = writeln!(out, "# HELP {name} {}", escape_help(help));
    let _ = writeln!(out, "# TYPE {name} {}", kind.as_str());
}

fn sample(out: &mut String, name: &str, labels: &[(&str, &str)], value: f64) {
    out.push_str(name);
    if !labels.is_empty() {
        out.push('{');
        for (i, (k, v)) in labels.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let _ = write!(out, "{k}=\"{}\"", escape_label(v));
        }
        out.push('}');
    }
    let _ = writeln!(out, " {}", number(value));
}

fn number(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.is_infinite() {
        if v > 0.0 { "+Inf" } else { "-Inf" }.into()
    } else {
        v.to_string()
    }
}

fn escape_help(s: &str) -> String {
    s.replace('\\', "\\\\").replace('\n', "\\n")
}

fn escape_label(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Middleware: times each request and counts it under its route template
/// (`/api/v1/handoffs/{id}`, never the raw path).
pub async fn track(State(m): State<Arc<Metrics>>, req: Request, next: Next) -> Response {
    // Both are reference-counted or inline: no allocation per request.
    let method = req.method().clone();
    let route = req.extensions().get::<MatchedPath>().cloned();
    let started = Instant::now();
    let response = next.run(req).await;
    m.http.observe(
        method.as_str(),
        route.as_ref().map_or(UNMATCHED, MatchedPath::as_str),
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    response
}

/// `GET /metrics`: no authentication (see docs/operations.md: keep it on
/// the internal network).
pub async fn scrape(State(s): State<crate::AppState>) -> impl IntoResponse {
    let body = s.metrics.render(&s.app).await;
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        body,
    )
}
