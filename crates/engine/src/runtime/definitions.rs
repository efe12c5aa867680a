//! Which definition version an instance runs: the latest of each key and the pinned versions of
//! running instances, cached by version.

#[allow(unused_imports)]
use super::*;

impl Engine {
    /// Parses a definition as the API and the installer do (the templates that exist are known here).
    pub fn check_definition(
        raw: &serde_json::Value,
    ) -> Result<Definition, Vec<jenjang_core::FieldError>> {
        jenjang_app::workflows::check_definition(raw)
    }

    pub(super) fn cached(
        &self,
        key: &str,
        version: i32,
        raw: &serde_json::Value,
    ) -> anyhow::Result<Arc<Definition>> {
        let mut cache = self.definitions.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(d) = cache.get(&(key.to_string(), version)) {
            return Ok(d.clone());
        }
        let d = Arc::new(
            Self::check_definition(raw)
                .map_err(|e| anyhow!("stored definition {key} v{version} is invalid: {e:?}"))?,
        );
        cache.insert((key.to_string(), version), d.clone());
        Ok(d)
    }

    pub(super) async fn latest(
        &self,
        txn: &DatabaseTransaction,
    ) -> anyhow::Result<Vec<(i32, Arc<Definition>)>> {
        let mut out = Vec::new();
        for r in wf::latest_definitions(txn).await? {
            out.push((r.version, self.cached(&r.key, r.version, &r.definition)?));
        }
        Ok(out)
    }

    pub(super) async fn pinned(
        &self,
        txn: &DatabaseTransaction,
        key: &str,
        version: i32,
    ) -> anyhow::Result<Arc<Definition>> {
        if let Some(d) = self
            .definitions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&(key.to_string(), version))
        {
            return Ok(d.clone());
        }
        let r = wf::definition_version(txn, key, version).await?;
        self.cached(key, version, &r.definition)
    }
}
