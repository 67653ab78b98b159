//! Request extractors that answer bad input with our JSON errors instead of axum's plain-text
//! rejections: `Json`, `Path`, `Query`, and the seed API's parameters (query
//! string, form body or JSON body, merged; the body wins).

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::ApiError;

/// Handlers import the caller's IP with the other extractors.
pub use super::client_ip::ClientIp;

/// Body limit of every request (JSON, form); larger bodies get 413.
pub const BODY_LIMIT: usize = 1024 * 1024;
/// Body limit of a login: an email and a password fit many times over.
pub const LOGIN_BODY_LIMIT: usize = 8 * 1024;

fn too_large() -> ApiError {
    ApiError::TooLarge(
        "The request body is larger than this endpoint accepts; send less data per request.".into(),
    )
}

/// The whole body, within the route's limit.
async fn read_body<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, ApiError> {
    Bytes::from_request(req, state).await.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large()
        } else {
            ApiError::bad_request(format!("Cannot read the request body: {}", e.body_text()))
        }
    })
}

/// Whether the request says its body is JSON (`application/json` or `application/*+json`).
fn is_json(headers: &axum::http::HeaderMap) -> bool {
    let Some(essence) = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
    else {
        return false;
    };
    essence == "application/json"
        || essence
            .strip_prefix("application/")
            .is_some_and(|sub| sub.ends_with("+json"))
}

/// JSON body (and JSON response) with JSON errors. Every request body of the API is an
/// object, so anything else (`[]`, `1`, `null`) is refused: serde would otherwise read a
/// struct from an array of its fields, and a struct whose fields have defaults from `[]`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

impl<T, S> FromRequest<S> for Json<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(req.headers()) {
            return Err(ApiError::UnsupportedType(
                "Send the body as JSON with `Content-Type: application/json`.".into(),
            ));
        }
        let body = read_body(req, state).await?;
        if body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
            return Err(ApiError::bad_request(
                "The JSON body must be an object, e.g. {\"text\": \"Hello\"}.",
            ));
        }
        let mut value: serde_json::Value = serde_json::from_slice(&body)
            .map_err(|e| ApiError::bad_request(format!("Invalid JSON body: {e}")))?;
        integral_floats_as_integers(&mut value);
        serde_json::from_value(value)
            .map(Json)
            .map_err(|e| ApiError::bad_request(format!("Invalid JSON body: {e}")))
    }
}

/// JSON has one number type, and JSON Schema calls `5.0` an integer: ids and counts written
/// that way (some JSON libraries do) are read as the integers they are.
fn integral_floats_as_integers(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Number(n) if n.is_f64() => {
            if let Some(f) = n.as_f64() {
                // Inside i64 and without a fraction: exactly representable as an integer.
                if f.fract() == 0.0 && f.abs() < 9.0e15 {
                    *v = serde_json::Value::from(f as i64);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(integral_floats_as_integers),
        serde_json::Value::Object(map) => map.values_mut().for_each(integral_floats_as_integers),
        _ => {}
    }
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// Path parameters with JSON errors (`/conversations/abc` → 400).
#[derive(Debug, Clone, Copy)]
pub struct Path<T>(pub T);

impl<T, S> FromRequestParts<S> for Path<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(v)| Path(v))
            .map_err(|e| ApiError::BadRequest(format!("Invalid path: {}", e.body_text())))
    }
}

/// Query string with JSON errors.
#[derive(Debug, Clone, Copy, Default)]
pub struct Query<T>(pub T);

impl<T, S> FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(v)| Query(v))
            .map_err(|e| ApiError::BadRequest(format!("Invalid query string: {}", e.body_text())))
    }
}

/// Reads and drops what the client is still sending (at most `limit` bytes), so that a refusal
/// decided before the body was read reaches a client that is still writing it, instead of a
/// broken connection. Nothing is kept: memory holds one chunk at a time.
pub async fn discard_body(body: axum::body::Body, limit: usize) {
    use futures_util::StreamExt;
    let mut stream = body.into_data_stream();
    let mut seen = 0usize;
    while let Some(Ok(chunk)) = stream.next().await {
        seen += chunk.len();
        if seen > limit {
            break;
        }
    }
}

/// One seed API parameter as it arrived.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    /// From the query string or a form body: always text.
    Text(String),
    /// From a JSON body: any JSON type.
    Json(serde_json::Value),
}

/// Seed API parameters: query string, then the body (form or JSON) on top.
#[derive(Debug, Clone, Default)]
pub struct Params {
    values: HashMap<String, Value>,
}

fn parse_form(s: &str, what: &str) -> Result<Vec<(String, String)>, ApiError> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(s)
        .map_err(|e| ApiError::bad_request(format!("Invalid {what}: {e}")))
}

impl Params {
    /// Builds parameters from a query string and a body of the given content type.
    pub fn parse(query: &str, content_type: Option<&str>, body: &[u8]) -> Result<Self, ApiError> {
        let mut values = HashMap::new();
        for (k, v) in parse_form(query, "query string")? {
            values.insert(k, Value::Text(v));
        }
        let body_is_blank = body.iter().all(u8::is_ascii_whitespace);
        if !body_is_blank {
            let kind = content_type
                .and_then(|c| c.split(';').next())
                .map(|c| c.trim().to_ascii_lowercase());
            let looks_json = body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
            match kind.as_deref() {
                Some("application/json") => Self::merge_json(&mut values, body)?,
                Some("application/x-www-form-urlencoded") => Self::merge_form(&mut values, body)?,
                None if looks_json => Self::merge_json(&mut values, body)?,
                None => Self::merge_form(&mut values, body)?,
                Some(other) => {
                    return Err(ApiError::UnsupportedType(format!(
                        "Content-Type {other} is not supported; send application/x-www-form-urlencoded or application/json."
                    )))
                }
            }
        }
        Ok(Self { values })
    }

    fn merge_form(values: &mut HashMap<String, Value>, body: &[u8]) -> Result<(), ApiError> {
        let text = std::str::from_utf8(body)
            .map_err(|_| ApiError::bad_request("The form body is not valid UTF-8."))?;
        for (k, v) in parse_form(text, "form body")? {
            values.insert(k, Value::Text(v));
        }
        Ok(())
    }

    fn merge_json(values: &mut HashMap<String, Value>, body: &[u8]) -> Result<(), ApiError> {
        let parsed: serde_json::Value = serde_json::from_slice(body)
            .map_err(|e| ApiError::bad_request(format!("Invalid JSON body: {e}")))?;
        let serde_json::Value::Object(map) = parsed else {
            return Err(ApiError::bad_request(
                "The JSON body must be an object of parameters, e.g. {\"conversation_id\": 5}.",
            ));
        };
        for (k, v) in map {
            values.insert(k, Value::Json(v));
        }
        Ok(())
    }

    fn not_integer(name: &str, shown: &str) -> ApiError {
        ApiError::bad_request(format!(
            "Parameter `{name}` must be an integer, got {shown}."
        ))
    }

    /// An optional integer; numeric strings ("5") are accepted, empty means absent.
    pub fn int(&self, name: &str) -> Result<Option<i64>, ApiError> {
        match self.values.get(name) {
            None | Some(Value::Json(serde_json::Value::Null)) => Ok(None),
            Some(Value::Text(s)) | Some(Value::Json(serde_json::Value::String(s))) => {
                let t = s.trim();
                if t.is_empty() {
                    return Ok(None);
                }
                t.parse::<i64>()
                    .map(Some)
                    .map_err(|_| Self::not_integer(name, &format!("{s:?}")))
            }
            Some(Value::Json(serde_json::Value::Number(n))) => n
                .as_i64()
                .map(Some)
                .ok_or_else(|| Self::not_integer(name, &n.to_string())),
            Some(Value::Json(other)) => Err(Self::not_integer(name, &other.to_string())),
        }
    }

    pub fn required_int(&self, name: &str) -> Result<i64, ApiError> {
        self.int(name)?
            .ok_or_else(|| ApiError::bad_request(format!("Parameter `{name}` is required.")))
    }

    /// An optional text; JSON numbers are taken as their decimal text.
    pub fn text(&self, name: &str) -> Result<Option<String>, ApiError> {
        match self.values.get(name) {
            None | Some(Value::Json(serde_json::Value::Null)) => Ok(None),
            Some(Value::Text(s)) | Some(Value::Json(serde_json::Value::String(s))) => {
                Ok(Some(s.clone()))
            }
            Some(Value::Json(serde_json::Value::Number(n))) => Ok(Some(n.to_string())),
            Some(Value::Json(_)) => Err(ApiError::bad_request(format!(
                "Parameter `{name}` must be a string."
            ))),
        }
    }

    pub fn required_text(&self, name: &str) -> Result<String, ApiError> {
        match self.text(name)? {
            Some(s) if !s.trim().is_empty() => Ok(s),
            _ => Err(ApiError::bad_request(format!(
                "Parameter `{name}` is required."
            ))),
        }
    }

    /// A 0/1 flag (JSON booleans too); absent is 0.
    pub fn flag(&self, name: &str) -> Result<bool, ApiError> {
        if let Some(Value::Json(serde_json::Value::Bool(b))) = self.values.get(name) {
            return Ok(*b);
        }
        match self.int(name)? {
            None | Some(0) => Ok(false),
            Some(1) => Ok(true),
            Some(n) => Err(ApiError::bad_request(format!(
                "Parameter `{name}` must be 0 or 1, got {n}."
            ))),
        }
    }
}

impl<S: Send + Sync> FromRequest<S> for Params {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let query = req.uri().query().unwrap_or("").to_string();
        let content_type = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = read_body(req, state).await?;
        Params::parse(&query, content_type.as_deref(), &body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integral_floats_become_integers() {
        let mut v = serde_json::json!({"id": 553.0, "ids": [1.0, 2.5], "n": {"x": -7.0}});
        integral_floats_as_integers(&mut v);
        assert_eq!(
            v,
            serde_json::json!({"id": 553, "ids": [1, 2.5], "n": {"x": -7}})
        );
    }

    #[test]
    fn body_overrides_query_and_strings_are_ints() {
        let p = Params::parse(
            "conversation_id=1&operator_id=7",
            Some("application/x-www-form-urlencoded"),
            b"conversation_id=5",
        )
        .expect("params");
        assert_eq!(p.required_int("conversation_id").expect("int"), 5);
        assert_eq!(p.int("operator_id").expect("int"), Some(7));
        assert_eq!(p.int("group_id").expect("int"), None);
    }

    #[test]
    fn json_body_with_string_and_number() {
        let p = Params::parse(
            "",
            Some("application/json; charset=utf-8"),
            br#"{"conversation_id":"5","operator_id":3,"text":"hi","disable_webhook":true}"#,
        )
        .expect("params");
        assert_eq!(p.required_int("conversation_id").expect("int"), 5);
        assert_eq!(p.int("operator_id").expect("int"), Some(3));
        assert_eq!(p.required_text("text").expect("text"), "hi");
        assert!(p.flag("disable_webhook").expect("flag"));
    }

    #[test]
    fn bad_values_name_the_parameter() {
        let p = Params::parse("conversation_id=abc&disable_webhook=2", None, b"").expect("params");
        let e = p.required_int("conversation_id").expect_err("not int");
        assert!(e.to_string().contains("conversation_id"));
        assert!(p.flag("disable_webhook").is_err());
        assert!(p
            .required_int("missing")
            .expect_err("missing")
            .to_string()
            .contains("missing"));
        let j = Params::parse(
            "",
            Some("application/json"),
            br#"{"conversation_id":1.5,"text":[1]}"#,
        )
        .expect("params");
        assert!(j.int("conversation_id").is_err());
        assert!(j.text("text").is_err());
    }

    #[test]
    fn malformed_bodies_are_rejected() {
        assert!(Params::parse("", Some("application/json"), b"{not json").is_err());
        assert!(Params::parse("", Some("application/json"), b"[1,2]").is_err());
        assert!(matches!(
            Params::parse("", Some("text/plain"), b"x"),
            Err(ApiError::UnsupportedType(_))
        ));
        // No content type: sniffed.
        let p = Params::parse("", None, br#"{"a":1}"#).expect("json");
        assert_eq!(p.int("a").expect("int"), Some(1));
    }
}
