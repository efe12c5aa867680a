//! Query-string extraction with API-shaped errors, and the paging parameters every list takes.

use crate::error::ApiError;
use axum::extract::{FromRequestParts, Query};
use axum::http::request::Parts;
use jenjang_store::Paging;
use serde::Deserialize;
use serde::de::DeserializeOwned;

/// Like `axum::extract::Query`, answering a bad parameter with a 422 that names it.
pub struct Params<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Params<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(v)| Params(v))
            .map_err(|e| ApiError::invalid("query", e.body_text()))
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
    pub fn paging(&self) -> Paging {
        Paging::new(self.limit, self.offset)
    }
}
