//! Reading request bodies into domain types, reporting every bad field at once.
//!
//! A body is first read as JSON (malformed JSON is a 400, an oversized body a 413); then a
//! `Fields` reader walks the object, parsing each field with the core's own constructors
//! (`Code::parse`, `Nip::parse`, `Level::new`, the enumerations) and collecting a `FieldError`
//! with a JSON path (`levels[2].level`) for every problem, so the 422 names all of them.

use crate::AppState;
use crate::error::ApiError;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use jenjang_core::{FieldError, Level};
use serde_json::{Map, Value};
use std::fmt::Display;

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

/// Walks one JSON object, collecting errors under a path prefix.
pub struct Fields<'a> {
    map: Option<&'a Map<String, Value>>,
    prefix: String,
    errors: &'a mut Vec<FieldError>,
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

impl<'a> Fields<'a> {
    /// Starts at the top of a body, which must be an object.
    pub fn root(value: &'a Value, errors: &'a mut Vec<FieldError>) -> Self {
        let map = value.as_object();
        if map.is_none() {
            errors.push(FieldError::new(
                "",
                format!("expected a JSON object, found {}", type_name(value)),
            ));
        }
        Fields {
            map,
            prefix: String::new(),
            errors,
        }
    }

    fn path(&self, key: &str) -> String {
        if self.prefix.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.prefix)
        }
    }

    pub fn error(&mut self, key: &str, message: impl Into<String>) {
        let path = self.path(key);
        self.errors.push(FieldError::new(path, message));
    }

    fn get(&self, key: &str) -> Option<&'a Value> {
        self.map.and_then(|m| m.get(key)).filter(|v| !v.is_null())
    }

    /// A required string of one line, trimmed, not empty.
    pub fn text(&mut self, key: &str) -> Option<String> {
        match self.get(key) {
            None => {
                self.error(key, "is required");
                None
            }
            Some(v) => self.as_text(key, v, false),
        }
    }

    /// An optional string of one line (absent, null or "" are none).
    pub fn opt_text(&mut self, key: &str) -> Option<String> {
        let v = self.get(key)?;
        self.as_text(key, v, false).filter(|s| !s.is_empty())
    }

    /// An optional text that may run over several lines (notes, comments, descriptions).
    pub fn opt_long_text(&mut self, key: &str) -> Option<String> {
        let v = self.get(key)?;
        self.as_text(key, v, true).filter(|s| !s.is_empty())
    }

    /// A required text that may run over several lines.
    pub fn long_text(&mut self, key: &str) -> Option<String> {
        match self.get(key) {
            None => {
                self.error(key, "is required");
                None
            }
            Some(v) => self.as_text(key, v, true),
        }
    }

    fn as_text(&mut self, key: &str, v: &Value, multiline: bool) -> Option<String> {
        match v {
            Value::String(s) if !s.trim().is_empty() => {
                if let Err(e) = jenjang_core::check_text(s.trim(), multiline) {
                    self.error(key, e.to_string());
                    return None;
                }
                Some(s.trim().to_string())
            }
            Value::String(_) => {
                self.error(key, "must not be empty");
                None
            }
            other => {
                self.error(
                    key,
                    format!("expected a string, found {}", type_name(other)),
                );
                None
            }
        }
    }

    /// A required string parsed by a domain constructor.
    pub fn parse<T, E: Display>(
        &mut self,
        key: &str,
        parse: impl Fn(&str) -> Result<T, E>,
    ) -> Option<T> {
        let s = self.text(key)?;
        self.run(key, &s, parse)
    }

    /// An optional string parsed by a domain constructor.
    pub fn opt_parse<T, E: Display>(
        &mut self,
        key: &str,
        parse: impl Fn(&str) -> Result<T, E>,
    ) -> Option<Option<T>> {
        match self.opt_text(key) {
            None if self.get(key).is_some_and(|v| !v.is_string()) => None,
            None => Some(None),
            Some(s) => self.run(key, &s, parse).map(Some),
        }
    }

    fn run<T, E: Display>(
        &mut self,
        key: &str,
        s: &str,
        parse: impl Fn(&str) -> Result<T, E>,
    ) -> Option<T> {
        match parse(s) {
            Ok(v) => Some(v),
            Err(e) => {
                self.error(key, e.to_string());
                None
            }
        }
    }

    /// A required whole number within `min..=max`.
    pub fn int(&mut self, key: &str, min: i64, max: i64) -> Option<i64> {
        match self.get(key) {
            None => {
                self.error(key, "is required");
                None
            }
            Some(v) => self.as_int(key, v, min, max),
        }
    }

    /// An optional whole number within `min..=max`.
    pub fn opt_int(&mut self, key: &str, min: i64, max: i64) -> Option<Option<i64>> {
        match self.get(key) {
            None => Some(None),
            Some(v) => self.as_int(key, v, min, max).map(Some),
        }
    }

    fn as_int(&mut self, key: &str, v: &Value, min: i64, max: i64) -> Option<i64> {
        match v.as_i64() {
            Some(n) if (min..=max).contains(&n) => Some(n),
            Some(n) => {
                self.error(key, format!("must be between {min} and {max}; found {n}"));
                None
            }
            None => {
                self.error(
                    key,
                    format!("expected a whole number, found {}", type_name(v)),
                );
                None
            }
        }
    }

    /// A required number within `min..=max`.
    pub fn number(&mut self, key: &str, min: f64, max: f64) -> Option<f64> {
        match self.get(key) {
            None => {
                self.error(key, "is required");
                None
            }
            Some(v) => match v.as_f64() {
                Some(n) if (min..=max).contains(&n) => Some(n),
                Some(n) => {
                    self.error(key, format!("must be between {min} and {max}; found {n}"));
                    None
                }
                None => {
                    self.error(key, format!("expected a number, found {}", type_name(v)));
                    None
                }
            },
        }
    }

    /// An optional true/false (absent or null is `default`).
    pub fn opt_bool(&mut self, key: &str, default: bool) -> Option<bool> {
        match self.get(key) {
            None => Some(default),
            Some(Value::Bool(b)) => Some(*b),
            Some(v) => {
                self.error(
                    key,
                    format!("expected true or false, found {}", type_name(v)),
                );
                None
            }
        }
    }

    /// An array of strings (trimmed, not empty); `required` says whether it may be absent or empty.
    pub fn strings(&mut self, key: &str, required: bool) -> Option<Vec<String>> {
        match self.get(key) {
            None if required => {
                self.error(key, "is required: a list");
                None
            }
            None => Some(Vec::new()),
            Some(Value::Array(items)) => {
                let mut out = Vec::with_capacity(items.len());
                let mut ok = true;
                for (i, item) in items.iter().enumerate() {
                    match item.as_str().map(str::trim) {
                        Some(s) if !s.is_empty() => {
                            if let Err(e) = jenjang_core::check_text(s, false) {
                                self.error(&format!("{key}[{i}]"), e.to_string());
                                ok = false;
                            } else {
                                out.push(s.to_string());
                            }
                        }
                        _ => {
                            self.error(&format!("{key}[{i}]"), "expected non-empty text");
                            ok = false;
                        }
                    }
                }
                if required && out.is_empty() && ok {
                    self.error(key, "name at least one");
                    return None;
                }
                ok.then_some(out)
            }
            Some(v) => {
                self.error(key, format!("expected a list, found {}", type_name(v)));
                None
            }
        }
    }

    /// A required competency level 1..5.
    pub fn level(&mut self, key: &str) -> Option<Level> {
        self.int(key, i64::MIN, i64::MAX)
            .and_then(|n| match Level::new(n) {
                Ok(l) => Some(l),
                Err(e) => {
                    self.error(key, e.to_string());
                    None
                }
            })
    }

    /// An optional array of objects, each read by `item`; none when absent. Returns `None`
    /// when any element failed.
    pub fn list<T>(
        &mut self,
        key: &str,
        item: impl FnMut(&mut Fields<'_>) -> Option<T>,
    ) -> Option<Vec<T>> {
        match self.get(key) {
            None => Some(Vec::new()),
            Some(v) => {
                let path = self.path(key);
                read_list(v, &path, self.errors, item)
            }
        }
    }
}

/// Reads a JSON array of objects at `path`.
pub fn read_list<T>(
    value: &Value,
    path: &str,
    errors: &mut Vec<FieldError>,
    mut item: impl FnMut(&mut Fields<'_>) -> Option<T>,
) -> Option<Vec<T>> {
    let Some(array) = value.as_array() else {
        errors.push(FieldError::new(
            path,
            format!("expected an array, found {}", type_name(value)),
        ));
        return None;
    };
    let mut out = Vec::with_capacity(array.len());
    let mut ok = true;
    for (i, element) in array.iter().enumerate() {
        let prefix = format!("{path}[{i}]");
        let Some(map) = element.as_object() else {
            errors.push(FieldError::new(
                prefix,
                format!("expected an object, found {}", type_name(element)),
            ));
            ok = false;
            continue;
        };
        let before = errors.len();
        let mut fields = Fields {
            map: Some(map),
            prefix,
            errors,
        };
        let parsed = item(&mut fields);
        match parsed {
            Some(v) if errors.len() == before => out.push(v),
            _ => ok = false,
        }
    }
    ok.then_some(out)
}

/// Finishes a read: the value when nothing was wrong, else a 422 listing every problem.
pub fn finish<T>(value: Option<T>, errors: Vec<FieldError>) -> Result<T, ApiError> {
    match value {
        Some(v) if errors.is_empty() => Ok(v),
        _ if errors.is_empty() => Err(ApiError::invalid("", "the body is incomplete")),
        _ => Err(ApiError::Validation(errors)),
    }
}
