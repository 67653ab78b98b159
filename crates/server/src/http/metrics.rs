//! `GET /metrics` (Prometheus, OpenMetrics text) and the middleware that counts every request
//! by its route template. The metrics span every company, so they are not for operators: only
//! a scraper with the `serve --metrics-token` gets them; without that option nobody does.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use switchboard_protocol::ErrorBody;

use super::auth::bearer_token;
use super::AppState;
use crate::error::{ApiError, ApiResult};
use crate::metrics::{self, Sampled};
use crate::storage::{deliveries, webhooks};

/// Counts the request under its route's template (bounded labels: never the raw path).
pub async fn track(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().as_str().to_owned();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let resp = next.run(req).await;
    metrics::get().request(method, route, resp.status().as_u16(), started.elapsed());
    resp
}

/// Whether `given` is the scraper's token; compared as digests, so the time taken says nothing
/// about how much of it matched.
fn is_scraper(expected: &str, headers: &HeaderMap) -> bool {
    bearer_token(headers).is_some_and(|given| {
        Sha256::digest(given.as_bytes()) == Sha256::digest(expected.as_bytes())
    })
}

/// The server's metrics for a Prometheus scraper.
#[utoipa::path(get, path = "/metrics", tag = "operations",
    security(("metrics_token" = [])),
    responses((status = 200, content_type = "application/openmetrics-text", body = String,
            description = "OpenMetrics text: requests, changes, inbound messages, event sockets, queues, database pool"),
        (status = 401, body = ErrorBody, description = "Not the scraper's token (`serve --metrics-token`), or the server was started without one")))]
pub async fn scrape(State(st): State<AppState>, headers: HeaderMap) -> ApiResult<Response> {
    // Off and wrong token answer alike (no scraper can tell a server without metrics from a
    // wrong token by probing), with a sentence the person setting up the scraper can act on.
    match st.metrics_token.as_deref() {
        None => {
            return Err(ApiError::Unauthorized(
                "Metrics are off: start the server with --metrics-token to serve them.".into(),
            ))
        }
        Some(expected) if !is_scraper(expected, &headers) => {
            return Err(ApiError::Unauthorized(
                "Send the metrics token (serve --metrics-token) as `Authorization: Bearer …`."
                    .into(),
            ))
        }
        Some(_) => {}
    }
    let readers_idle = i64::try_from(st.db.idle_readers()).unwrap_or(i64::MAX);
    let events_sockets = i64::try_from(st.hub.open_sockets()).unwrap_or(i64::MAX);
    let sampled = st
        .db
        .read(move |conn| {
            let (deliveries_queued, deliveries_sending) = deliveries::pending_counts(conn)?;
            Ok(Sampled {
                deliveries_queued,
                deliveries_sending,
                webhook_events: webhooks::outbox_len(conn)?,
                readers_idle,
                events_sockets,
            })
        })
        .await?;
    let mut resp = metrics::get().render(&sampled).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
    );
    Ok(resp)
}
