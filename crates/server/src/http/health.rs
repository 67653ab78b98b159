//! `GET /healthz` and `GET /readyz`: what a load balancer or an orchestrator asks. Public and
//! cheap (no body to read, one trivial query at most), so they can be polled every second.
//! Liveness says the process answers HTTP; readiness says it can also reach its database, so a
//! balancer stops sending desks to an instance whose database is gone.

use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use super::AppState;

/// How long readiness waits for the database before it says "not ready": a probe that hangs
/// is as bad as one that fails.
const READY_TIMEOUT: Duration = Duration::from_secs(2);

/// The answer of both probes.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok`, `ready` or `unavailable`.
    pub status: &'static str,
    /// Why not ready (only when `unavailable`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// Liveness: the process is up and answering.
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, body = Health, description = "The server process answers")))]
pub async fn live() -> Json<Health> {
    Json(Health {
        status: "ok",
        detail: None,
    })
}

/// Readiness: the server answers and its database does too.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses((status = 200, body = Health, description = "Ready: the database answers"),
        (status = 503, body = Health, description = "Not ready: the database does not answer")))]
pub async fn ready(State(st): State<AppState>) -> Response {
    let probe = st
        .db
        .read(|conn| Ok(conn.query_row("SELECT 1", (), |r| r.get::<i64>(0))?));
    let detail = match tokio::time::timeout(READY_TIMEOUT, probe).await {
        Ok(Ok(_)) => {
            return Json(Health {
                status: "ready",
                detail: None,
            })
            .into_response()
        }
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness: the database does not answer");
            "the database does not answer".to_string()
        }
        Err(_) => format!(
            "the database did not answer within {} s",
            READY_TIMEOUT.as_secs()
        ),
    };
    (
        StatusCode::SERVICE_UNAVAILABLE,
        Json(Health {
            status: "unavailable",
            detail: Some(detail),
        }),
    )
        .into_response()
}
