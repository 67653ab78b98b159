//! The process's Prometheus metrics (`GET /metrics`, OpenMetrics text; `serve
//! --metrics-token`): HTTP requests and their latency per route, committed changes and inbound
//! client messages, the app event sockets (fan-out), the delivery and webhook queues and the
//! database's reader pool. Counters live in one process-wide registry, so every path that
//! counts (HTTP handlers, channel listeners, the events socket) reaches them without carrying a
//! handle; the queue depths and the pool are read when scraped. Labels are bounded: routes are
//! the router's templates, never raw paths.

use std::sync::LazyLock;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use switchboard_protocol::{Change, Entity, MessageKind};

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    /// The route's template (`/api/v1/conversations/{id}`), `unmatched` for a 404 of the router.
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct EntityLabels {
    entity: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct QueueLabels {
    queue: &'static str,
    state: &'static str,
}

type LatencyFamily = Family<RouteLabels, Histogram, fn() -> Histogram>;

pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: LatencyFamily,
    changes: Family<EntityLabels, Counter>,
    inbound: Counter,
    sockets: Gauge,
    frames: Counter,
    resyncs: Counter,
    queues: Family<QueueLabels, Gauge>,
    readers_idle: Gauge,
}

/// 1 ms to ~4 s: a request slower than that is an outage, not a bucket.
fn latency_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.001, 2.0, 13))
}

static METRICS: LazyLock<Metrics> = LazyLock::new(Metrics::new);

/// The process's metrics.
pub fn get() -> &'static Metrics {
    &METRICS
}

/// What the scrape reads from the database at that moment.
#[derive(Debug, Default)]
pub struct Sampled {
    /// Operator answers waiting for their channel (`queued`) and being delivered (`sending`).
    pub deliveries_queued: i64,
    pub deliveries_sending: i64,
    /// Webhook events waiting for their receiver.
    pub webhook_events: i64,
    /// Reader connections idle in the pool.
    pub readers_idle: i64,
    /// App event sockets open on this instance (the hub's presence count).
    pub events_sockets: i64,
}

impl Metrics {
    fn new() -> Self {
        let mut registry = Registry::with_prefix("switchboard");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by method, route template and status",
            requests.clone(),
        );
        let latency: LatencyFamily = Family::new_with_constructor(latency_histogram);
        registry.register(
            "http_request_duration_seconds",
            "Time to the response's head, by method and route template",
            latency.clone(),
        );
        let changes = Family::<EntityLabels, Counter>::default();
        registry.register(
            "changes",
            "Change records committed (what sync and the events sockets carry), by entity",
            changes.clone(),
        );
        let inbound = Counter::default();
        registry.register(
            "inbound_messages",
            "Client messages committed from the channels (a client's edit counts again)",
            inbound.clone(),
        );
        let sockets = Gauge::default();
        registry.register(
            "events_sockets",
            "App event sockets open on this instance",
            sockets.clone(),
        );
        let frames = Counter::default();
        registry.register(
            "events_frames",
            "Change frames sent to apps on their event sockets (the fan-out)",
            frames.clone(),
        );
        let resyncs = Counter::default();
        registry.register(
            "events_resyncs",
            "Event sockets that fell behind the live feed and were told to sync again",
            resyncs.clone(),
        );
        let queues = Family::<QueueLabels, Gauge>::default();
        registry.register(
            "queue_depth",
            "Work waiting in the persistent queues: operator answers for their channel, webhook events for their receiver",
            queues.clone(),
        );
        let readers_idle = Gauge::default();
        registry.register(
            "db_readers_idle",
            "Database reader connections idle in the pool",
            readers_idle.clone(),
        );
        Self {
            registry,
            requests,
            latency,
            changes,
            inbound,
            sockets,
            frames,
            resyncs,
            queues,
            readers_idle,
        }
    }

    /// One answered HTTP request.
    pub fn request(&self, method: String, route: String, status: u16, took: Duration) {
        let key = RouteLabels { method, route };
        self.latency.get_or_create(&key).observe(took.as_secs_f64());
        self.requests
            .get_or_create(&RequestLabels {
                method: key.method,
                route: key.route,
                status,
            })
            .inc();
    }

    /// A change record committed.
    pub fn change(&self, change: &Change) {
        let entity = change.entity().map_or("unknown", Entity::as_str);
        self.changes.get_or_create(&EntityLabels { entity }).inc();
        if matches!(change, Change::Message(m) if m.kind == MessageKind::Client) {
            self.inbound.inc();
        }
    }

    /// A change frame sent to an app.
    pub fn frame_sent(&self) {
        self.frames.inc();
    }

    /// An app's socket fell behind and was told to resync.
    pub fn resync(&self) {
        self.resyncs.inc();
    }

    /// The text a scrape gets, with the sampled values set first.
    pub fn render(&self, sampled: &Sampled) -> String {
        for (queue, state, depth) in [
            ("deliveries", "queued", sampled.deliveries_queued),
            ("deliveries", "sending", sampled.deliveries_sending),
            ("webhooks", "pending", sampled.webhook_events),
        ] {
            self.queues
                .get_or_create(&QueueLabels { queue, state })
                .set(depth);
        }
        self.readers_idle.set(sampled.readers_idle);
        self.sockets.set(sampled.events_sockets);
        let mut out = String::new();
        // Writing into a String cannot fail; an encoder error would leave a partial text,
        // which Prometheus reports as a failed scrape.
        if let Err(e) = prometheus_client::encoding::text::encode(&mut out, &self.registry) {
            tracing::warn!(error = %e, "metrics: encoding failed");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_names_every_family_with_its_labels() {
        let m = Metrics::new();
        m.request(
            "GET".into(),
            "/api/v1/me".into(),
            200,
            Duration::from_millis(3),
        );
        let client = |id| {
            Change::Message(
                serde_json::from_value(serde_json::json!({
                    "id": id, "conversation_id": 1, "kind": "client", "text": "Hi",
                    "created_at": 0, "delivery": "delivered"
                }))
                .expect("a client message"),
            )
        };
        m.change(&client(1));
        m.change(&client(2));
        m.frame_sent();
        let text = m.render(&Sampled {
            deliveries_queued: 4,
            readers_idle: 2,
            events_sockets: 1,
            ..Sampled::default()
        });
        for line in [
            r#"switchboard_http_requests_total{method="GET",route="/api/v1/me",status="200"} 1"#,
            r#"switchboard_http_request_duration_seconds_count{method="GET",route="/api/v1/me"} 1"#,
            r#"switchboard_changes_total{entity="message"} 2"#,
            r#"switchboard_inbound_messages_total 2"#,
            r#"switchboard_events_sockets 1"#,
            r#"switchboard_events_frames_total 1"#,
            r#"switchboard_queue_depth{queue="deliveries",state="queued"} 4"#,
            r#"switchboard_queue_depth{queue="webhooks",state="pending"} 0"#,
            r#"switchboard_db_readers_idle 2"#,
        ] {
            assert!(text.contains(line), "{line} missing from\n{text}");
        }
        assert!(m
            .render(&Sampled::default())
            .contains("switchboard_events_sockets 0"));
    }
}
