//! Scripts the server serves from its binary (`/widget.js`, `/embed.js`): cacheable by ETag
//! (a 304 when unchanged) and loadable by pages of other origins.

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

/// Browsers may reuse a script this long before asking again (then a 304 is cheap).
const CACHE: &str = "public, max-age=300";

/// A script and its ETag (from its bytes, made once).
pub struct Script {
    pub body: &'static str,
    etag: std::sync::OnceLock<String>,
}

impl Script {
    pub const fn new(body: &'static str) -> Self {
        Self {
            body,
            etag: std::sync::OnceLock::new(),
        }
    }

    fn etag(&self) -> &str {
        self.etag.get_or_init(|| {
            format!(
                "\"{}\"",
                &hex::encode(Sha256::digest(self.body.as_bytes()))[..32]
            )
        })
    }

    /// The script, or 304 when `If-None-Match` names its ETag.
    pub fn respond(&'static self, headers: &HeaderMap) -> Response {
        let etag = self.etag();
        let cached = headers
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
        let common = [
            (
                header::ETAG,
                HeaderValue::from_str(etag).unwrap_or(HeaderValue::from_static("\"0\"")),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static(CACHE)),
            // Sites that isolate themselves (COEP) may still load it.
            (
                header::HeaderName::from_static("cross-origin-resource-policy"),
                HeaderValue::from_static("cross-origin"),
            ),
        ];
        if cached {
            return (StatusCode::NOT_MODIFIED, common).into_response();
        }
        (
            common,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/javascript; charset=utf-8"),
            )],
            self.body,
        )
            .into_response()
    }
}
