//! `GET /updates/{target}/{arch}/{current_version}` and `GET /updates/files/{name}`: app updates
//! from the company's own server (`serve --updates-dir`). Public, as Tauri's updater asks before
//! anyone signs in; bounded (a manifest of at most 1 MiB, files streamed). The rules are
//! `service::updates`.

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use switchboard_protocol::ErrorBody;
use utoipa::IntoParams;

use super::extract::{Path, Query};
use super::AppState;
use crate::error::{ApiError, ApiResult};
use crate::service::updates::{self as svc, BundleType, Offer};

/// The query of an update check.
#[derive(Debug, Deserialize, IntoParams)]
pub struct CheckQuery {
    /// How the asking desk was installed (Tauri's `{{bundle_type}}`): its own platform entry
    /// (`linux-x86_64-deb`…) is offered before the plain one.
    #[param(value_type = Option<BundleType>)]
    pub bundle_type: Option<BundleType>,
}

/// Where this server's update files are, as the asking app reached it (its `Host`; https when
/// a proxy says so).
fn files_base(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
        })
        .unwrap_or("localhost");
    let https = headers
        .get("x-forwarded-proto")
        .is_some_and(|p| p.as_bytes().eq_ignore_ascii_case(b"https"));
    format!(
        "{}://{host}/updates/files/",
        if https { "https" } else { "http" }
    )
}

/// Tauri's dynamic update server: a newer release for the app's platform, or 204.
#[utoipa::path(get, path = "/updates/{target}/{arch}/{current_version}", tag = "updates",
    params(("target" = String, Path, description = "linux, windows or darwin"),
        ("arch" = String, Path, description = "x86_64, aarch64 …"),
        ("current_version" = String, Path, description = "The asking app's version, e.g. 0.1.0",
            // Semantic versions (semver.org's grammar, numbers of at most 9 digits).
            pattern = r"^v?(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})(-(0|[1-9][0-9]{0,8}|[0-9]*[A-Za-z-][0-9A-Za-z-]*)(\.(0|[1-9][0-9]{0,8}|[0-9]*[A-Za-z-][0-9A-Za-z-]*))*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$"), CheckQuery),
    responses((status = 200, body = Offer, description = "A newer release: the app checks its signature before installing"),
        (status = 204, description = "Nothing newer for this platform (or this server serves no updates)"),
        (status = 400, description = "`current_version` is not a version, or `bundle_type` is not one of Tauri's", body = ErrorBody)))]
pub async fn check(
    State(st): State<AppState>,
    Path((target, arch, current)): Path<(String, String, String)>,
    Query(q): Query<CheckQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let base = files_base(&headers);
    let dir = st.updates_dir.as_deref();
    match svc::offer(dir, &target, &arch, &current, q.bundle_type, &base).await? {
        Some(offer) => Ok(axum::Json(offer).into_response()),
        None => Ok(StatusCode::NO_CONTENT.into_response()),
    }
}

/// A release bundle from the updates directory.
#[utoipa::path(get, path = "/updates/files/{name}", tag = "updates",
    params(("name" = String, Path, description = "The bundle's file name")),
    responses((status = 200, description = "The bundle", content_type = "application/octet-stream"),
        (status = 404, description = "No such file, or this server does not serve updates", body = ErrorBody)))]
pub async fn file(State(st): State<AppState>, Path(name): Path<String>) -> ApiResult<Response> {
    let path = svc::file(st.updates_dir.as_deref(), &name).await?;
    let file = tokio::fs::File::open(&path)
        .await
        .map_err(|_| ApiError::not_found(format!("No update file named {name:?}.")))?;
    let len = file.metadata().await.map(|m| m.len()).unwrap_or(0);
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/octet-stream"),
            ),
            (header::CONTENT_LENGTH, HeaderValue::from(len)),
        ],
        Body::from_stream(tokio_util::io::ReaderStream::new(file)),
    )
        .into_response())
}
