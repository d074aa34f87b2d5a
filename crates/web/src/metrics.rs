//! Prometheus metrics at `GET /metrics` (text exposition format 0.0.4),
//! kept and written by the `metrics` crate's Prometheus exporter.
//!
//! Three kinds of numbers: what this process saw (HTTP requests by method,
//! route template and status, and their latency); the process itself
//! (memory, CPU, open files: `process_*`, read by `metrics-process` at each
//! scrape); and what the database knows (events appended, and whatever a
//! [`MetricsSource`] adds), read at scrape time so that several `serve`
//! processes behind a load balancer report the same shared truth.
//!
//! Each router has a recorder of its own, never the process-wide one
//! (`metrics::set_global_recorder`): tests run several servers in one
//! process and each must count only its own requests. The exporter runs no
//! listener; [`scrape`] renders from the recorder's handle.
//!
//! A new database-backed number is one more [`MetricsSource`] in
//! [`sources`].

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use baton_app::App;
use baton_domain::OrgId;
use baton_store::StoreError;
use metrics::{Key, Label, Level, Metadata, Recorder as _};
use metrics_exporter_prometheus::{
    Matcher, PrometheusBuilder, PrometheusHandle, PrometheusRecorder,
};

/// Requests answered, by method, route template and status.
const REQUESTS: &str = "baton_http_requests_total";

/// Request latency, by method and route template.
const DURATION: &str = "baton_http_request_duration_seconds";

/// Whether each database source was read at this scrape.
const SOURCE_UP: &str = "baton_metrics_source_up";

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The label for requests no route matched: one series, whatever the path,
/// so a scan of random URLs cannot blow up the number of series.
pub const UNMATCHED: &str = "unmatched";

/// How often latency observations are folded into the histogram between
/// scrapes. Until then each one is kept as a sample, so a process nobody
/// scrapes would otherwise grow without bound (ECOSYSTEM-2, trap 9).
const UPKEEP: Duration = Duration::from_secs(5);

/// Where a series was registered. The Prometheus recorder ignores it, but
/// the `Recorder` API asks for one.
static METADATA: Metadata<'static> =
    Metadata::new(module_path!(), Level::INFO, Some(module_path!()));

/// The route template a request matched (`/api/v1/handoffs/{id}`), or
/// [`UNMATCHED`]: the `route` label of the HTTP metrics and of the access log.
pub fn route_of(matched: Option<&MatchedPath>) -> &str {
    matched.map_or(UNMATCHED, MatchedPath::as_str)
}

/// The type of a source's metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Only goes up (resets when a process restarts).
    Counter,
    /// Goes up and down.
    Gauge,
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

/// The recorder of one router: the latency histogram with Baton's buckets
/// (the exporter would make it a summary otherwise), names as given (no
/// unit or `_total` suffixes added).
fn http_recorder() -> PrometheusRecorder {
    // The only refusal is an empty list of buckets, and BUCKETS is not
    // empty; were it refused, the test of the buckets below would see a
    // summary instead of a histogram.
    let builder = PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Full(DURATION.to_string()), &BUCKETS)
        .unwrap_or_else(|_| PrometheusBuilder::new());
    let recorder = builder.build_recorder();
    recorder.describe_counter(
        REQUESTS.into(),
        None,
        "HTTP requests answered, by method, route template and status.".into(),
    );
    recorder.describe_histogram(
        DURATION.into(),
        None,
        "Time from receiving a request to its response headers, in seconds.".into(),
    );
    recorder
}

/// A method as a label value; the common ones without an allocation.
fn method_label(method: &Method) -> metrics::SharedString {
    let name = match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => return method.as_str().to_owned().into(),
    };
    metrics::SharedString::const_str(name)
}

/// Where one series of a source goes: a counter is set to the database's
/// total, a gauge to its value.
fn record(recorder: &PrometheusRecorder, family: &Family) {
    match family.kind {
        Kind::Counter => recorder.describe_counter(family.name.into(), None, family.help.into()),
        Kind::Gauge => recorder.describe_gauge(family.name.into(), None, family.help.into()),
    }
    for (labels, value) in &family.samples {
        let labels: Vec<Label> = labels
            .iter()
            .map(|(k, v)| Label::new(*k, v.clone()))
            .collect();
        let key = Key::from_parts(family.name, labels);
        match family.kind {
            // Counts read from the database are whole and never negative.
            Kind::Counter => recorder
                .register_counter(&key, &METADATA)
                .absolute(*value as u64),
            Kind::Gauge => recorder.register_gauge(&key, &METADATA).set(*value),
        }
    }
}

/// The registry: this process's HTTP numbers, its process numbers and the
/// database sources.
pub struct Metrics {
    /// This router's own recorder (see the module's comment).
    recorder: PrometheusRecorder,
    /// Renders `recorder`.
    handle: PrometheusHandle,
    /// Reads `process_*` into the recorder it is called under.
    process: metrics_process::Collector,
    sources: Vec<Box<dyn MetricsSource>>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics")
            .field(
                "sources",
                &self.sources.iter().map(|s| s.name()).collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

impl Metrics {
    /// A registry reading `sources` at each scrape.
    pub fn new(sources: Vec<Box<dyn MetricsSource>>) -> Self {
        let recorder = http_recorder();
        let process = metrics_process::Collector::default();
        metrics::with_local_recorder(&recorder, || process.describe());
        Self {
            handle: recorder.handle(),
            recorder,
            process,
            sources,
        }
    }

    /// Records one answered request.
    pub fn observe(&self, method: &Method, route: &str, status: StatusCode, seconds: f64) {
        let method = Label::new("method", method_label(method));
        let route = Label::new("route", route.to_owned());
        let key = Key::from_parts(
            REQUESTS,
            vec![
                method.clone(),
                route.clone(),
                Label::new("status", status.as_str().to_owned()),
            ],
        );
        self.recorder.register_counter(&key, &METADATA).increment(1);
        let key = Key::from_parts(DURATION, vec![method, route]);
        self.recorder
            .register_histogram(&key, &METADATA)
            .record(seconds);
    }

    /// Folds the latency observations taken since the last scrape into the
    /// histogram, every [`UPKEEP`], for as long as `metrics` lives. Needs a
    /// Tokio runtime; without one only scrapes fold them.
    pub fn keep_up(metrics: &Arc<Self>) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        // Weak: the task ends with the router that owns the registry.
        let weak: Weak<Self> = Arc::downgrade(metrics);
        runtime.spawn(async move {
            let mut every = tokio::time::interval(UPKEEP);
            every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                every.tick().await;
                let Some(metrics) = weak.upgrade() else {
                    break;
                };
                metrics.handle.run_upkeep();
            }
        });
    }

    /// The whole exposition. A source that fails is reported as down
    /// (`baton_metrics_source_up 0`) instead of failing the scrape, so the
    /// HTTP numbers stay visible while the database is unwell.
    pub async fn render(&self, app: &App) -> String {
        // Read now, like the database's numbers: a scrape sees the present.
        metrics::with_local_recorder(&self.recorder, || self.process.collect());
        let mut out = self.handle.render();
        // The database's numbers go into a recorder of this scrape alone, so
        // a source that fails leaves no number from an earlier scrape behind.
        let scraped = PrometheusBuilder::new().build_recorder();
        let mut up = Vec::with_capacity(self.sources.len());
        for source in &self.sources {
            match source.collect(app).await {
                Ok(families) => {
                    for family in &families {
                        record(&scraped, family);
                    }
                    up.push((source.name(), 1.0));
                }
                Err(e) => {
                    tracing::warn!(source = source.name(), error = %e, "metrics source failed");
                    up.push((source.name(), 0.0));
                }
            }
        }
        scraped.describe_gauge(
            SOURCE_UP.into(),
            None,
            "1 when the source's numbers were read at this scrape, 0 when it failed.".into(),
        );
        for (name, v) in up {
            let key = Key::from_parts(SOURCE_UP, vec![Label::new("source", name)]);
            scraped.register_gauge(&key, &METADATA).set(v);
        }
        out.push_str(&scraped.handle().render());
        out
    }
}

/// Middleware: times each request and counts it under its route template
/// (`/api/v1/handoffs/{id}`, never the raw path).
pub async fn track(State(m): State<Arc<Metrics>>, req: Request, next: Next) -> Response {
    // Both are reference-counted or inline: no allocation per request.
    let method = req.method().clone();
    let route = req.extensions().get::<MatchedPath>().cloned();
    let started = Instant::now();
    let response = next.run(req).await;
    m.observe(
        &method,
        route_of(route.as_ref()),
        response.status(),
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The lines of `metrics`' own numbers (no database), sorted: the
    /// exporter writes families in no fixed order.
    fn rendered(metrics: &Metrics) -> Vec<String> {
        let mut lines: Vec<String> = metrics
            .handle
            .render()
            .lines()
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect();
        lines.sort();
        lines
    }

    #[test]
    fn the_latency_histogram_keeps_its_buckets_names_and_labels() {
        let m = Metrics::new(Vec::new());
        let route = "/api/v1/handoffs/{id}";
        m.observe(&Method::GET, route, StatusCode::OK, 0.003);
        m.observe(&Method::GET, route, StatusCode::OK, 0.2);
        m.observe(&Method::GET, route, StatusCode::NOT_FOUND, 20.0);
        let lines = rendered(&m);
        let labels = "method=\"GET\",route=\"/api/v1/handoffs/{id}\"";
        let bucket = |le: &str| format!("{DURATION}_bucket{{{labels},le=\"{le}\"}}");
        for want in [
            format!("# TYPE {DURATION} histogram"),
            format!("# TYPE {REQUESTS} counter"),
            format!(
                "# HELP {DURATION} Time from receiving a request to its response headers, in seconds."
            ),
            format!("{} 1", bucket("0.005")),
            format!("{} 1", bucket("0.1")),
            format!("{} 2", bucket("0.25")),
            format!("{} 2", bucket("10")),
            format!("{} 3", bucket("+Inf")),
            format!("{DURATION}_count{{{labels}}} 3"),
            format!("{REQUESTS}{{{labels},status=\"200\"}} 2"),
            format!("{REQUESTS}{{{labels},status=\"404\"}} 1"),
        ] {
            assert!(lines.contains(&want), "no {want:?} in {lines:#?}");
        }
        let les = lines
            .iter()
            .filter(|l| l.starts_with(&format!("{DURATION}_bucket")))
            .count();
        assert_eq!(les, BUCKETS.len() + 1, "{lines:#?}");
    }

    #[test]
    fn two_registries_in_one_process_count_apart() {
        let a = Metrics::new(Vec::new());
        let b = Metrics::new(Vec::new());
        a.observe(&Method::POST, "/x", StatusCode::CREATED, 0.01);
        let counted = |m: &Metrics| {
            rendered(m)
                .iter()
                .any(|l| l.starts_with(&format!("{REQUESTS}{{method=\"POST\"")))
        };
        assert!(counted(&a));
        assert!(!counted(&b));
    }
}
