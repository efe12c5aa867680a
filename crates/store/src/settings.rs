//! The organisation's settings (time zone, JP target and rules, ...), and "today" in its zone.

use crate::audit;
use crate::db::{Store, stmt};
use crate::error::{Result, stored, stored_json};
use sea_orm::ConnectionTrait;

impl Store {
    /// Today in the organisation's time zone, by the store's clock: the one "today" every date
    /// rule uses.
    pub async fn today(&self) -> Result<chrono::NaiveDate> {
        Ok(jenjang_core::idp::today_in(
            &self.time_zone().await?,
            self.now(),
        ))
    }

    /// The organisation's time zone (setting `time_zone`, WIB unless set).
    pub async fn time_zone(&self) -> Result<String> {
        Ok(self
            .setting("time_zone")
            .await?
            .unwrap_or_else(|| jenjang_core::idp::DEFAULT_TIME_ZONE.to_string()))
    }

    /// JP each employee should reach a year (setting `jp_target`, 20 unless set).
    pub async fn jp_target(&self) -> Result<u32> {
        Ok(self
            .setting("jp_target")
            .await?
            .map(|t| stored("settings", "jp_target", &t))
            .transpose()?
            .unwrap_or(jenjang_core::idp::JP_TARGET))
    }

    /// How completed programs credit JP (setting `jp_rules`, the defaults unless set).
    pub async fn jp_rules(&self) -> Result<jenjang_core::idp::JpRules> {
        Ok(self
            .setting("jp_rules")
            .await?
            .map(|r| stored_json("settings", "jp_rules", &r))
            .transpose()?
            .unwrap_or_default())
    }

    /// SIASN's `jenisDiklatId` per program form (setting `siasn_jenis_diklat`, empty unless set).
    pub async fn siasn_jenis_diklat(&self) -> Result<serde_json::Map<String, serde_json::Value>> {
        Ok(self
            .setting("siasn_jenis_diklat")
            .await?
            .map(|m| stored_json("settings", "siasn_jenis_diklat", &m))
            .transpose()?
            .unwrap_or_default())
    }

    /// The SE MenPANRB 3/2023 distribution pattern per organisation predikat (setting
    /// `distribution_thresholds`, none unless set).
    pub async fn distribution_thresholds(
        &self,
    ) -> Result<jenjang_core::predikat::DistributionThresholds> {
        Ok(self
            .setting("distribution_thresholds")
            .await?
            .map(|t| stored_json("settings", "distribution_thresholds", &t))
            .transpose()?
            .unwrap_or_default())
    }

    /// An organisation setting (time zone, JP rules, ...).
    pub async fn setting(&self, key: &str) -> Result<Option<String>> {
        let row = self
            .db
            .query_one_raw(stmt(
                self.backend(),
                "SELECT value FROM settings WHERE key = $1",
                vec![key.into()],
            ))
            .await?;
        Ok(row.map(|r| r.try_get::<String>("", "value")).transpose()?)
    }

    pub async fn set_setting(&self, actor: &crate::Actor, key: &str, value: &str) -> Result<()> {
        let txn = self.begin_write().await?;
        txn.execute_raw(stmt(
            self.backend(),
            "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            vec![key.into(), value.into()],
        ))
        .await?;
        audit::record(
            &txn,
            actor,
            "set",
            "setting",
            key,
            serde_json::json!({"value": value}),
            self.now(),
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }
}
