//! Workflow definitions, stored by key and version: saving, installing the defaults, the latest and
//! every version.

#[allow(unused_imports)]
use super::*;

/// The latest version of every definition.
pub async fn latest_definitions<C: ConnectionTrait>(conn: &C) -> Result<Vec<DefinitionRecord>> {
    let rows = conn
        .query_all_raw(stmt(
            conn.get_database_backend(),
            "SELECT d.key, d.version, d.title, d.definition, d.created_at, d.created_by FROM workflow_definitions d \
             JOIN (SELECT key, MAX(version) AS version FROM workflow_definitions GROUP BY key) l \
               ON l.key = d.key AND l.version = d.version ORDER BY d.key",
            vec![],
        ))
        .await?;
    rows.iter().map(definition_from).collect()
}

pub async fn definition_version<C: ConnectionTrait>(
    conn: &C,
    key: &str,
    version: i32,
) -> Result<DefinitionRecord> {
    let row = conn
        .query_one_raw(stmt(
            conn.get_database_backend(),
            "SELECT key, version, title, definition, created_at, created_by FROM workflow_definitions \
             WHERE key = $1 AND version = $2",
            vec![key.into(), version.into()],
        ))
        .await?
        .ok_or_else(|| StoreError::not_found("workflow", format!("{key} v{version}")))?;
    definition_from(&row)
}

/// When the first version of a definition was saved (calendar triggers do not fire for days
/// before the workflow existed).
pub async fn first_saved_at<C: ConnectionTrait>(
    conn: &C,
    key: &str,
) -> Result<Option<DateTime<Utc>>> {
    let row = conn
        .query_one_raw(stmt(
            conn.get_database_backend(),
            "SELECT created_at FROM workflow_definitions WHERE key = $1 ORDER BY version LIMIT 1",
            vec![key.into()],
        ))
        .await?;
    row.map(|r| r.try_get("", "created_at"))
        .transpose()
        .map_err(Into::into)
}

impl Store {
    /// Saves a new version of a definition (version 1 for a new key) and returns it.
    pub async fn save_workflow_definition(
        &self,
        actor: &Actor,
        key: &str,
        title: &str,
        definition: &serde_json::Value,
    ) -> Result<DefinitionRecord> {
        let txn = self.begin_write().await?;
        let row = txn
            .query_one_raw(stmt(
                self.backend(),
                "SELECT COALESCE(MAX(version), 0) AS v FROM workflow_definitions WHERE key = $1",
                vec![key.into()],
            ))
            .await?;
        let version: i32 = match row {
            Some(r) => r
                .try_get::<i32>("", "v")
                .or_else(|_| r.try_get::<i64>("", "v").map(|v| v as i32))?,
            None => 0,
        } + 1;
        let now = self.now();
        txn.execute_raw(stmt(
            self.backend(),
            "INSERT INTO workflow_definitions (key, version, title, definition, created_at, created_by) \
             VALUES ($1, $2, $3, $4, $5, $6)",
            vec![
                key.into(),
                version.into(),
                title.into(),
                definition.to_string().into(),
                now.into(),
                actor.0.clone().into(),
            ],
        ))
        .await?;
        audit::record(
            &txn,
            actor,
            "create",
            "workflow",
            &format!("{key}/v{version}"),
            serde_json::json!({"title": title}),
            self.now(),
        )
        .await?;
        txn.commit().await?;
        definition_version(&self.db, key, version).await
    }

    /// Whether some version of the definition `key` is stored.
    async fn workflow_installed(&self, key: &str) -> Result<bool> {
        Ok(self
            .count_raw_with(
                "SELECT COUNT(*) AS n FROM workflow_definitions WHERE key = $1",
                vec![key.into()],
            )
            .await?
            > 0)
    }

    /// Installs a definition unless some version of its key exists. Returns whether it did.
    pub async fn install_workflow_definition(
        &self,
        actor: &Actor,
        key: &str,
        title: &str,
        definition: &serde_json::Value,
    ) -> Result<bool> {
        if self.workflow_installed(key).await? {
            return Ok(false);
        }
        match self
            .save_workflow_definition(actor, key, title, definition)
            .await
        {
            Ok(_) => Ok(true),
            // Another process installed it at the same moment (the key and version exist);
            // any other failure is reported.
            Err(StoreError::Db(e)) if !self.workflow_installed(key).await? => {
                Err(StoreError::Db(e))
            }
            Err(StoreError::Db(_)) => Ok(false),
            Err(e) => Err(e),
        }
    }

    pub async fn latest_workflow_definitions(&self) -> Result<Vec<DefinitionRecord>> {
        latest_definitions(&self.db).await
    }

    /// Every version of a definition, newest first.
    pub async fn workflow_definition_versions(&self, key: &str) -> Result<Vec<DefinitionRecord>> {
        let rows = self
            .db
            .query_all_raw(stmt(
                self.backend(),
                "SELECT key, version, title, definition, created_at, created_by FROM workflow_definitions \
                 WHERE key = $1 ORDER BY version DESC",
                vec![key.into()],
            ))
            .await?;
        if rows.is_empty() {
            return Err(StoreError::not_found("workflow", key));
        }
        rows.iter().map(definition_from).collect()
    }
}
