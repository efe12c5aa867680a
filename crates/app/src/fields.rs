//! Reading JSON documents (API bodies and the seed files, which share their shapes) into domain
//! types, reporting every bad field at once: a `Fields` reader walks an object, parsing each
//! field with the core's own constructors (`Code::parse`, `Nip::parse`, `Level::new`, the
//! enumerations) and collecting a `FieldError` with a JSON path (`levels[2].level`) for every
//! problem. Text is checked by `core::check_text` (one line unless the field holds notes).

use jenjang_core::{FieldError, Level};
use serde_json::{Map, Value};
use std::fmt::Display;

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

    /// An error that pages can say in their reader's language: `code` with `params`.
    pub fn coded(
        &mut self,
        key: &str,
        message: impl Into<String>,
        code: &str,
        params: &[(&str, String)],
    ) {
        let path = self.path(key);
        let mut e = FieldError::new(path, message).with_code(code);
        for (name, value) in params {
            e = e.with_param(name, value);
        }
        self.errors.push(e);
    }

    fn required(&mut self, key: &str) {
        self.coded(key, "is required", "required", &[]);
    }

    fn out_of_range<N: Display>(&mut self, key: &str, min: N, max: N, found: N) {
        self.coded(
            key,
            format!("must be between {min} and {max}; found {found}"),
            "out_of_range",
            &[("min", min.to_string()), ("max", max.to_string())],
        );
    }

    /// The value at `key` as sent (`None` when absent or null), for shapes read by the caller.
    pub fn raw(&self, key: &str) -> Option<&'a Value> {
        self.get(key)
    }

    fn get(&self, key: &str) -> Option<&'a Value> {
        self.map.and_then(|m| m.get(key)).filter(|v| !v.is_null())
    }

    /// A required string of one line, trimmed, not empty.
    pub fn text(&mut self, key: &str) -> Option<String> {
        match self.get(key) {
            None => {
                self.required(key);
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
    /// An optional web address (http or https), such as a link to evidence.
    pub fn opt_web_address(&mut self, key: &str) -> Option<String> {
        let url = self.opt_text(key)?;
        let lower = url.to_ascii_lowercase();
        if lower.starts_with("https://") || lower.starts_with("http://") {
            Some(url)
        } else {
            self.coded(
                key,
                "a web address (http:// or https://)",
                "web_address",
                &[],
            );
            None
        }
    }

    pub fn long_text(&mut self, key: &str) -> Option<String> {
        match self.get(key) {
            None => {
                self.required(key);
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
                self.coded(key, "must not be empty", "required", &[]);
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
                self.coded(
                    key,
                    e.to_string(),
                    "invalid_value",
                    &[("value", s.to_string())],
                );
                None
            }
        }
    }

    /// A required whole number within `min..=max`.
    pub fn int(&mut self, key: &str, min: i64, max: i64) -> Option<i64> {
        match self.get(key) {
            None => {
                self.required(key);
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
                self.out_of_range(key, min, max, n);
                None
            }
            None => {
                self.coded(
                    key,
                    format!("expected a whole number, found {}", type_name(v)),
                    "whole_number",
                    &[],
                );
                None
            }
        }
    }

    /// A required number within `min..=max`.
    pub fn number(&mut self, key: &str, min: f64, max: f64) -> Option<f64> {
        match self.get(key) {
            None => {
                self.required(key);
                None
            }
            Some(v) => match v.as_f64() {
                Some(n) if (min..=max).contains(&n) => Some(n),
                Some(n) => {
                    self.out_of_range(key, min, max, n);
                    None
                }
                None => {
                    self.coded(
                        key,
                        format!("expected a number, found {}", type_name(v)),
                        "number",
                        &[],
                    );
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
                    self.coded(key, e.to_string(), "level", &[]);
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

/// Finishes a read: the value when nothing was wrong, else every problem found.
pub fn finish<T>(value: Option<T>, errors: Vec<FieldError>) -> Result<T, Vec<FieldError>> {
    match value {
        Some(v) if errors.is_empty() => Ok(v),
        _ if errors.is_empty() => Err(vec![FieldError::new("", "the body is incomplete")]),
        _ => Err(errors),
    }
}
