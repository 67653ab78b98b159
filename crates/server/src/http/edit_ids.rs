//! The `Idempotency-Key` header of edits the app queues offline (see
//! `service::edit_ids`). Absent: the edit is applied every time, as before.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use crate::error::ApiError;
use crate::service::edit_ids::MAX_KEY_CHARS;

pub const HEADER: &str = "Idempotency-Key";

#[derive(Debug, Clone)]
pub struct EditId(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for EditId {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let Some(value) = parts.headers.get(HEADER) else {
            return Ok(EditId(None));
        };
        // Visible ASCII only (a UUID is): the OpenAPI document says `^[!-~]{1,100}$`.
        let key = value
            .to_str()
            .ok()
            .filter(|k| {
                (1..=MAX_KEY_CHARS).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_graphic())
            })
            .ok_or_else(|| {
                ApiError::bad_request(format!(
                    "The {HEADER} header must be 1 to {MAX_KEY_CHARS} visible characters (a UUID)."
                ))
            })?;
        Ok(EditId(Some(key.to_owned())))
    }
}
