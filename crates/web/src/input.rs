//! Reading request bodies: a body is first read as JSON (malformed JSON is a 400, an oversized
//! body a 413, a control character anywhere a 422); then `jenjang_app::fields::Fields` walks the
//! object into domain types, so the 422 names every bad field.

use crate::AppState;
use crate::error::ApiError;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use jenjang_core::FieldError;
use serde_json::{Map, Value};

/// A JSON body whose rejections answer in the API's error shape.
pub struct Body(pub Value);

impl FromRequest<AppState> for Body {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        match axum::Json::<Value>::from_request(req, state).await {
            Ok(axum::Json(v)) => {
                refuse_control_characters(&v)?;
                Ok(Body(v))
            }
            Err(rejection) => Err(json_rejection(rejection, state.body_limit)),
        }
    }
}

/// A JSON body that may be left out (an empty body reads as `{}`).
pub struct OptionalBody(pub Value);

impl FromRequest<AppState> for OptionalBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let bytes = axum::body::to_bytes(req.into_body(), state.body_limit)
            .await
            .map_err(|_| ApiError::PayloadTooLarge(state.body_limit))?;
        if bytes.iter().all(|b| b.is_ascii_whitespace()) {
            return Ok(OptionalBody(Value::Object(Map::new())));
        }
        let value: Value = serde_json::from_slice(&bytes)
            .map_err(|e| ApiError::BadRequest(format!("the body is not valid JSON: {e}")))?;
        refuse_control_characters(&value)?;
        Ok(OptionalBody(value))
    }
}

/// Refuses a body with a control character other than tab and line breaks in any string or
/// key, naming where: whatever the field, such text is never stored (and PostgreSQL could not
/// store a NUL), so both databases answer alike. Fields of one line are checked again, stricter,
/// when they are read.
fn refuse_control_characters(value: &Value) -> Result<(), ApiError> {
    fn check(text: &str, at: &str, errors: &mut Vec<FieldError>) {
        if let Err(e) = jenjang_core::check_text(text, true) {
            errors.push(FieldError::new(at, e.to_string()));
        }
    }
    fn walk(value: &Value, path: &str, errors: &mut Vec<FieldError>) {
        match value {
            Value::String(s) => check(s, path, errors),
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    walk(item, &format!("{path}[{i}]"), errors);
                }
            }
            Value::Object(map) => {
                for (key, item) in map {
                    let at = if path.is_empty() {
                        key.clone()
                    } else {
                        format!("{path}.{key}")
                    };
                    check(key, &at, errors);
                    walk(item, &at, errors);
                }
            }
            _ => {}
        }
    }
    let mut errors = Vec::new();
    walk(value, "", &mut errors);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(errors))
    }
}

pub fn json_rejection(rejection: JsonRejection, body_limit: usize) -> ApiError {
    match rejection.status() {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge(body_limit),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::UnsupportedMediaType(
            "send the body as JSON with Content-Type: application/json".into(),
        ),
        _ => ApiError::BadRequest(format!(
            "the body is not valid JSON: {}",
            rejection.body_text()
        )),
    }
}

pub use jenjang_app::fields::{Fields, read_list};

/// Finishes a read: the value when nothing was wrong, else a 422 listing every problem.
pub fn finish<T>(value: Option<T>, errors: Vec<FieldError>) -> Result<T, ApiError> {
    jenjang_app::fields::finish(value, errors).map_err(ApiError::Validation)
}
