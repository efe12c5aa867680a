//! The in-process cache of the organisation and of computed analyses.
//!
//! Every change writes an audit entry, so the newest audit id (`Store::data_version`) tells any
//! server process whether its cached copy is current; one cheap indexed read per request keeps
//! two processes sharing one PostgreSQL database consistent after a write on either.

use crate::error::{AppError, AppResult};
use jenjang_core::org::Organisation;
use jenjang_store::Store;
use std::any::Any;
use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use tokio::sync::Mutex;

type Results = (i64, HashMap<String, Arc<dyn Any + Send + Sync>>);

#[derive(Default)]
pub struct Analytics {
    organisation: Mutex<Option<(i64, Arc<Organisation>)>>,
    results: std::sync::Mutex<Results>,
}

impl std::fmt::Debug for Analytics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Analytics").finish_non_exhaustive()
    }
}

impl Analytics {
    /// The organisation as of now, rebuilt only when the data changed.
    pub async fn organisation(&self, store: &Store) -> AppResult<(i64, Arc<Organisation>)> {
        let version = store.data_version().await?;
        self.organisation_at(store, version).await
    }

    /// The organisation at a data version read earlier in the request.
    pub async fn organisation_at(
        &self,
        store: &Store,
        version: i64,
    ) -> AppResult<(i64, Arc<Organisation>)> {
        let mut cached = self.organisation.lock().await;
        if let Some((v, org)) = cached.as_ref()
            && *v == version
        {
            return Ok((version, org.clone()));
        }
        let org = Arc::new(store.load_organisation().await?);
        *cached = Some((version, org.clone()));
        Ok((version, org))
    }

    /// The result under `key` computed at `version`, computing it with `compute` when the cache
    /// holds none (or one of an older version). Two requests racing may both compute; the
    /// answers are equal, so the later simply replaces the earlier.
    pub async fn cached<T, F, Fut>(&self, version: i64, key: &str, compute: F) -> AppResult<Arc<T>>
    where
        T: Send + Sync + 'static,
        F: FnOnce() -> Fut,
        Fut: Future<Output = AppResult<T>>,
    {
        if let Some(hit) = self.lookup(version, key) {
            return hit.downcast::<T>().map_err(|_| {
                AppError::Internal(anyhow::anyhow!("cached result {key} has another type"))
            });
        }
        let started = std::time::Instant::now();
        let value = Arc::new(compute().await?);
        tracing::debug!(
            key,
            version,
            ms = started.elapsed().as_millis() as u64,
            "computed"
        );
        let mut cache = self.results.lock().unwrap_or_else(|e| e.into_inner());
        if cache.0 != version {
            *cache = (version, HashMap::new());
        }
        cache.1.insert(key.to_string(), value.clone());
        Ok(value)
    }

    fn lookup(&self, version: i64, key: &str) -> Option<Arc<dyn Any + Send + Sync>> {
        let cache = self.results.lock().unwrap_or_else(|e| e.into_inner());
        (cache.0 == version)
            .then(|| cache.1.get(key).cloned())
            .flatten()
    }
}
