//! The in-process cache of the organisation and of unit analyses.
//!
//! Every change writes an audit entry, so the newest audit id (`Store::data_version`) tells any
//! server process whether its cached copy is current; one cheap indexed read per request keeps
//! two processes sharing one PostgreSQL database consistent after a write on either.

use crate::error::ApiResult;
use jenjang_core::org::Organisation;
use jenjang_store::Store;
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::Mutex;

#[derive(Debug, Default)]
pub struct Analytics {
    organisation: Mutex<Option<(i64, Arc<Organisation>)>>,
    results: std::sync::Mutex<(i64, HashMap<String, Arc<serde_json::Value>>)>,
}

impl Analytics {
    /// The organisation as of now, rebuilt only when the data changed.
    pub async fn organisation(&self, store: &Store) -> ApiResult<(i64, Arc<Organisation>)> {
        let version = store.data_version().await?;
        self.organisation_at(store, version).await
    }

    /// The organisation at a data version read earlier in the request.
    pub async fn organisation_at(
        &self,
        store: &Store,
        version: i64,
    ) -> ApiResult<(i64, Arc<Organisation>)> {
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

    /// A cached result computed at `version` under `key`.
    pub fn result(&self, version: i64, key: &str) -> Option<Arc<serde_json::Value>> {
        let cache = self.results.lock().unwrap_or_else(|e| e.into_inner());
        (cache.0 == version)
            .then(|| cache.1.get(key).cloned())
            .flatten()
    }

    pub fn store_result(&self, version: i64, key: String, value: Arc<serde_json::Value>) {
        let mut cache = self.results.lock().unwrap_or_else(|e| e.into_inner());
        if cache.0 != version {
            *cache = (version, HashMap::new());
        }
        cache.1.insert(key, value);
    }
}
