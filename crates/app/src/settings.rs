//! Organisation settings (hr, admin): each key has a known shape, checked before it is stored.

use crate::context::Context;
use crate::error::{AppError, AppResult};
use jenjang_core::access::Action;
use jenjang_core::idp::{JpRules, utc_offset_hours};
use jenjang_core::indicators::ProposalThresholds;
use jenjang_core::kinds::ProgramForm;
use jenjang_core::predikat::DistributionThresholds;
use serde::Serialize;
use serde_json::{Value, json};

/// The known settings and what each holds.
pub const KEYS: &[(&str, &str)] = &[
    (
        "time_zone",
        "the organisation's time zone: Asia/Jakarta (default), Asia/Pontianak, Asia/Makassar or Asia/Jayapura",
    ),
    (
        "jp_target",
        "JP each employee should complete a year (default 20, PP 11/2017 art. 203)",
    ),
    (
        "jp_rules",
        "JP credit caps per form: {\"caps\": [[\"seminar\", 8], ...]}",
    ),
    (
        "distribution_thresholds",
        "the SE MenPANRB 3/2023 pattern: {organisation predikat: {employee predikat: maximum share 0..1}}",
    ),
    (
        "hasil_kerja_thresholds",
        "the capaian (percent) every main IKI must reach for the proposed hasil kerja: {\"di_atas\": 110, \"sesuai\": 100}",
    ),
    (
        "siasn_jenis_diklat",
        "the SIASN jenisDiklatId of each development form: {form: id}",
    ),
    (
        "succession_jp_per_year",
        "the JP of development a successor can complete in a year (readiness siap_1_2_tahun), 120 unless set",
    ),
    (
        "jpm_thresholds",
        "the JPM (percent) of each category: {\"optimal\": 90, \"cukup_optimal\": 78}",
    ),
    (
        "digest_hour",
        "the hour (0–23, in the organisation's time zone) at which daily digests are mailed, 7 unless set",
    ),
];

fn validate(key: &str, value: &Value) -> Result<String, String> {
    match key {
        "time_zone" => match value.as_str() {
            Some(z) if utc_offset_hours(z).is_some() => Ok(z.to_string()),
            _ => Err("one of Asia/Jakarta, Asia/Pontianak, Asia/Makassar, Asia/Jayapura".into()),
        },
        "jp_target" => match value.as_u64() {
            Some(n) if (1..=1000).contains(&n) => Ok(n.to_string()),
            _ => Err("a whole number of JP from 1 to 1000".into()),
        },
        "jp_rules" => serde_json::from_value::<JpRules>(value.clone())
            .map(|r| json!(r).to_string())
            .map_err(|e| e.to_string()),
        "distribution_thresholds" => {
            let t: DistributionThresholds =
                serde_json::from_value(value.clone()).map_err(|e| e.to_string())?;
            if t.0
                .values()
                .flat_map(|m| m.values())
                .any(|s| !(0.0..=1.0).contains(s))
            {
                return Err("every maximum share is between 0 and 1".into());
            }
            Ok(json!(t).to_string())
        }
        "hasil_kerja_thresholds" => {
            let t: ProposalThresholds =
                serde_json::from_value(value.clone()).map_err(|e| e.to_string())?;
            if !(t.sesuai > 0.0 && t.di_atas >= t.sesuai && t.di_atas <= 1000.0) {
                return Err("0 < sesuai ≤ di_atas ≤ 1000 (percent)".into());
            }
            Ok(json!(t).to_string())
        }
        "siasn_jenis_diklat" => {
            let Value::Object(map) = value else {
                return Err("an object {form: id}".into());
            };
            for (form, id) in map {
                form.parse::<ProgramForm>().map_err(|e| e.to_string())?;
                if !(id.is_string() || id.is_u64()) {
                    return Err(format!("the id of {form} is a number or a string"));
                }
            }
            Ok(value.to_string())
        }
        "succession_jp_per_year" => match value.as_u64() {
            Some(n) if (1..=2000).contains(&n) => Ok(n.to_string()),
            _ => Err("a whole number of JP from 1 to 2000".into()),
        },
        "jpm_thresholds" => {
            let t: jenjang_core::fit::JpmThresholds =
                serde_json::from_value(value.clone()).map_err(|e| e.to_string())?;
            if !(t.cukup_optimal > 0.0 && t.optimal >= t.cukup_optimal && t.optimal <= 100.0) {
                return Err("0 < cukup_optimal ≤ optimal ≤ 100 (percent)".into());
            }
            Ok(json!(t).to_string())
        }
        "digest_hour" => match value.as_u64() {
            Some(n) if n <= 23 => Ok(n.to_string()),
            _ => Err("a whole hour from 0 to 23".into()),
        },
        _ => Err("unknown setting".into()),
    }
}

fn known(key: &str) -> AppResult<()> {
    if KEYS.iter().any(|(k, _)| *k == key) {
        Ok(())
    } else {
        Err(AppError::NotFound(format!(
            "no setting is called {key}; the settings are {}",
            KEYS.iter().map(|(k, _)| *k).collect::<Vec<_>>().join(", ")
        )))
    }
}

/// A setting as answered: its value (null when not set) and, on reading, what it holds.
#[derive(Debug, Serialize)]
pub struct SettingOut {
    pub key: String,
    pub value: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<&'static str>,
}

fn as_json(stored: String) -> Value {
    serde_json::from_str(&stored).unwrap_or(Value::String(stored))
}

/// Setting `key` with what it holds.
pub async fn get(cx: &Context<'_>, key: &str) -> AppResult<SettingOut> {
    cx.require(Action::WriteReference)?;
    known(key)?;
    let value = cx.store.setting(key).await?.map(as_json);
    Ok(SettingOut {
        key: key.to_string(),
        value: value.unwrap_or(Value::Null),
        description: KEYS.iter().find(|(k, _)| *k == key).map(|(_, d)| *d),
    })
}

/// Sets `key` to `value` once it has the key's shape.
pub async fn put(cx: &Context<'_>, key: &str, value: Option<&Value>) -> AppResult<SettingOut> {
    cx.require(Action::WriteReference)?;
    known(key)?;
    let value = value.ok_or_else(|| AppError::invalid("value", "is required"))?;
    let stored = validate(key, value).map_err(|m| AppError::invalid("value", m))?;
    cx.store.set_setting(&cx.actor(), key, &stored).await?;
    Ok(SettingOut {
        key: key.to_string(),
        value: as_json(stored),
        description: None,
    })
}

/// The thresholds of the proposed hasil kerja (setting `hasil_kerja_thresholds`, else core's
/// defaults).
pub async fn proposal_thresholds(store: &jenjang_store::Store) -> AppResult<ProposalThresholds> {
    Ok(match store.setting("hasil_kerja_thresholds").await? {
        Some(text) => serde_json::from_str(&text).unwrap_or_default(),
        None => ProposalThresholds::default(),
    })
}
