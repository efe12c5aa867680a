//! Extraction with API-shaped errors: every rejection of the framework (path, query, form,
//! multipart; JSON bodies in `input.rs`) answers `{"error":{code,message,details}}`, never the
//! framework's plain text. Also the paging parameters every list takes.

use crate::AppState;
use crate::error::ApiError;
use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use jenjang_core::FieldError;
use jenjang_store::Paging;
use serde::Deserialize;
use serde::de::DeserializeOwned;

/// Like `axum::extract::Query`, answering a bad parameter with a 422 that names it.
pub struct Params<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Params<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        if let Ok(pairs) = serde_urlencoded::from_str::<Vec<(String, String)>>(query) {
            refuse_control_characters(&pairs, false)?;
        }
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(v)| Params(v))
            .map_err(|e| ApiError::invalid("query", e.body_text()))
    }
}

/// Like `axum::extract::Path`: a segment that is not what the route expects (a number, valid
/// UTF-8) is a 400 in the API's error shape naming the segment.
pub struct Path<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Path<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        // No record is named with a control character; such a segment never reaches a query.
        if let Ok(raw) = axum::extract::RawPathParams::from_request_parts(parts, state).await {
            for (name, value) in &raw {
                if let Err(e) = jenjang_core::check_text(value, false) {
                    return Err(ApiError::BadRequest(format!(
                        "the address is not valid: {name} {e}"
                    )));
                }
            }
        }
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(v)| Path(v))
            .map_err(path_rejection)
    }
}

fn path_rejection(rejection: PathRejection) -> ApiError {
    match rejection {
        PathRejection::FailedToDeserializePathParams(e) => {
            ApiError::BadRequest(format!("the address is not valid: {}", e.body_text()))
        }
        other => ApiError::Internal(anyhow::anyhow!("path extraction: {}", other.body_text())),
    }
}

/// Like `axum::Form`: a body that is not a valid form answers in the API's error shape.
pub struct Form<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for Form<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let is_form = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        if !is_form {
            return Err(ApiError::UnsupportedMediaType(
                "send the form as application/x-www-form-urlencoded".into(),
            ));
        }
        let bytes = axum::body::to_bytes(req.into_body(), state.body_limit)
            .await
            .map_err(|_| ApiError::PayloadTooLarge(state.body_limit))?;
        let pairs = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
            .map_err(|e| ApiError::invalid("form", e.to_string()))?;
        refuse_control_characters(&pairs, true)?;
        serde_urlencoded::from_bytes(&bytes)
            .map(Form)
            .map_err(|e| ApiError::invalid("form", e.to_string()))
    }
}

/// Refuses query or form values holding a control character (line breaks only in forms, whose
/// text areas may hold several lines), naming the parameter.
fn refuse_control_characters(pairs: &[(String, String)], multiline: bool) -> Result<(), ApiError> {
    let errors: Vec<FieldError> = pairs
        .iter()
        .filter_map(|(name, value)| {
            jenjang_core::check_text(name, false)
                .and_then(|()| jenjang_core::check_text(value, multiline))
                .err()
                .map(|e| FieldError::new(name.clone(), e.to_string()))
        })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(errors))
    }
}

/// Like `axum::extract::Multipart`: a body that is not multipart answers in the API's error
/// shape.
pub struct Multipart(pub axum::extract::Multipart);

impl<S: Send + Sync> FromRequest<S> for Multipart {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Multipart::from_request(req, state)
            .await
            .map(Multipart)
            .map_err(|e| {
                ApiError::UnsupportedMediaType(format!(
                    "send the file as multipart/form-data: {}",
                    e.body_text()
                ))
            })
    }
}

/// `?limit=` (default 100, at most 1000) and `?offset=`.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// How many items (default 100, at most 1000).
    pub limit: Option<u64>,
    /// How many items to skip.
    pub offset: Option<u64>,
}

impl PageParams {
    /// The page asked for; a limit outside 1..=1000 or an offset past what the database can
    /// count (i64) is a 422 naming the parameter.
    pub fn paging(&self) -> Result<Paging, ApiError> {
        let mut errors = Vec::new();
        if let Some(limit) = self.limit
            && !(1..=Paging::MAX_LIMIT).contains(&limit)
        {
            errors.push(FieldError::new(
                "limit",
                format!("must be between 1 and {}", Paging::MAX_LIMIT),
            ));
        }
        if let Some(offset) = self.offset
            && offset > i64::MAX as u64
        {
            errors.push(FieldError::new(
                "offset",
                format!("must be between 0 and {}", i64::MAX),
            ));
        }
        if errors.is_empty() {
            Ok(Paging::new(self.limit, self.offset))
        } else {
            Err(ApiError::Validation(errors))
        }
    }
}
