//! The one error type of the HTTP API and the service layer, and its JSON rendering
//! (`{"error":{"code","message","detail"?}}` with the status of DESIGN.md).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use switchboard_protocol::{ErrorBody, ErrorDetail, ErrorFacts};

/// A failed request. Every message is a sentence for a person that says what to do.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    /// 403 `address_not_allowed`: an operator outside the company's IP whitelist (the app
    /// signs out with this sentence instead of showing a refused action).
    #[error("{0}")]
    AddressRefused(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    /// 409 with the facts a program reads instead of the sentence (who holds it).
    #[error("{0}")]
    ConflictWith(String, ErrorFacts),
    #[error("{0}")]
    TooLarge(String),
    #[error("{0}")]
    UnsupportedType(String),
    #[error("{0}")]
    InvalidState(String),
    /// 429 with `Retry-After`: this caller tried too often.
    #[error("{message}")]
    RateLimited {
        message: String,
        retry_after: std::time::Duration,
    },
    /// 503 with `Retry-After: 1`: the server is saturated with this kind of work right now.
    #[error("{0}")]
    Busy(String),
    /// 502: a server this one depends on (the SMTP server) failed or refused.
    #[error("{0}")]
    BadGateway(String),
    /// Never shown to the caller verbatim: it may hold SQL or paths.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    pub fn bad_request(msg: impl Into<String>) -> Self {
        Self::BadRequest(msg.into())
    }

    pub fn not_found(msg: impl Into<String>) -> Self {
        Self::NotFound(msg.into())
    }

    pub fn conversation_not_found(id: i64) -> Self {
        Self::NotFound(format!("Conversation {id} not found."))
    }

    /// The same refusal with its sentence prefixed by `section` ("iframe: Name at least one
    /// origin …"), for a request that saves several things at once; the status and code stay.
    #[must_use]
    pub fn in_section(self, section: &str) -> Self {
        let p = |m: String| format!("{section}: {m}");
        match self {
            Self::BadRequest(m) => Self::BadRequest(p(m)),
            Self::Unauthorized(m) => Self::Unauthorized(p(m)),
            Self::Forbidden(m) => Self::Forbidden(p(m)),
            Self::AddressRefused(m) => Self::AddressRefused(p(m)),
            Self::NotFound(m) => Self::NotFound(p(m)),
            Self::Conflict(m) => Self::Conflict(p(m)),
            Self::ConflictWith(m, facts) => Self::ConflictWith(p(m), facts),
            Self::TooLarge(m) => Self::TooLarge(p(m)),
            Self::UnsupportedType(m) => Self::UnsupportedType(p(m)),
            Self::InvalidState(m) => Self::InvalidState(p(m)),
            Self::RateLimited {
                message,
                retry_after,
            } => Self::RateLimited {
                message: p(message),
                retry_after,
            },
            Self::Busy(m) => Self::Busy(p(m)),
            Self::BadGateway(m) => Self::BadGateway(p(m)),
            // Never shown verbatim; the section would not help the caller.
            Self::Internal(m) => Self::Internal(m),
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) | Self::AddressRefused(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Conflict(_) | Self::ConflictWith(..) => StatusCode::CONFLICT,
            Self::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::InvalidState(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Busy(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::BadGateway(_) => StatusCode::BAD_GATEWAY,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            Self::BadRequest(_) => "bad_request",
            Self::Unauthorized(_) => "unauthorized",
            Self::Forbidden(_) => "forbidden",
            Self::AddressRefused(_) => "address_not_allowed",
            Self::NotFound(_) => "not_found",
            Self::Conflict(_) | Self::ConflictWith(..) => "conflict",
            Self::TooLarge(_) => "too_large",
            Self::UnsupportedType(_) => "unsupported_type",
            Self::InvalidState(_) => "invalid_state",
            Self::RateLimited { .. } => "rate_limited",
            Self::Busy(_) => "busy",
            Self::BadGateway(_) => "bad_gateway",
            Self::Internal(_) => "internal",
        }
    }

    pub fn body(&self) -> ErrorBody {
        let message = match self {
            Self::Internal(_) => {
                "Something went wrong on the server. Try again; if it persists, tell the administrator."
                    .to_string()
            }
            other => other.to_string(),
        };
        let detail = match self {
            Self::ConflictWith(_, facts) => Some(facts.clone()),
            _ => None,
        };
        ErrorBody {
            error: ErrorDetail {
                code: self.code().to_string(),
                message,
                detail,
            },
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let Self::Internal(detail) = &self {
            tracing::error!(%detail, "internal error");
        }
        let too_large = matches!(self, Self::TooLarge(_));
        let retry_after = match &self {
            // Whole seconds, rounded up: "0" would invite an immediate retry.
            Self::RateLimited { retry_after, .. } => {
                Some(retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0))
            }
            Self::Busy(_) => Some(1),
            _ => None,
        };
        let mut resp = (self.status(), axum::Json(self.body())).into_response();
        if let Some(secs) = retry_after {
            resp.headers_mut()
                .insert(axum::http::header::RETRY_AFTER, secs.max(1).into());
        }
        if too_large {
            // The rest of the body was not read, so this connection cannot carry another
            // request; say so, or a client that pools connections fails its next call.
            resp.headers_mut().insert(
                axum::http::header::CONNECTION,
                axum::http::HeaderValue::from_static("close"),
            );
        }
        resp
    }
}

impl From<crate::storage::sql::Error> for ApiError {
    fn from(e: crate::storage::sql::Error) -> Self {
        Self::Internal(format!("database: {e}"))
    }
}

impl From<rusqlite::Error> for ApiError {
    fn from(e: rusqlite::Error) -> Self {
        Self::Internal(format!("database: {e}"))
    }
}

impl From<tokio::task::JoinError> for ApiError {
    fn from(e: tokio::task::JoinError) -> Self {
        Self::Internal(format!("background task: {e}"))
    }
}

impl From<serde_json::Error> for ApiError {
    fn from(e: serde_json::Error) -> Self {
        Self::Internal(format!("json: {e}"))
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
