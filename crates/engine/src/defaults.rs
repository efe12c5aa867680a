//! The default workflow definitions of `seeds/workflows/`, compiled in and installed by `serve`
//! when their key is missing (an edited definition is a newer version and is left alone).

use crate::Engine;
use jenjang_store::{Actor, Store};

/// (file name, JSON) of the shipped definitions.
pub const DEFAULT_WORKFLOWS: &[(&str, &str)] = &[
    (
        "pembinaan-kinerja.json",
        include_str!("../../../seeds/workflows/pembinaan-kinerja.json"),
    ),
    (
        "apresiasi-dan-promosi.json",
        include_str!("../../../seeds/workflows/apresiasi-dan-promosi.json"),
    ),
    (
        "pengembangan-dari-gap.json",
        include_str!("../../../seeds/workflows/pengembangan-dari-gap.json"),
    ),
    (
        "pemenuhan-20-jp.json",
        include_str!("../../../seeds/workflows/pemenuhan-20-jp.json"),
    ),
    (
        "jangkauan-perubahan.json",
        include_str!("../../../seeds/workflows/jangkauan-perubahan.json"),
    ),
    (
        "tindak-lanjut-indikator.json",
        include_str!("../../../seeds/workflows/tindak-lanjut-indikator.json"),
    ),
    (
        "perbaikan-layanan.json",
        include_str!("../../../seeds/workflows/perbaikan-layanan.json"),
    ),
    (
        "dialog-berkala.json",
        include_str!("../../../seeds/workflows/dialog-berkala.json"),
    ),
    (
        "evaluasi-pasca-pelatihan.json",
        include_str!("../../../seeds/workflows/evaluasi-pasca-pelatihan.json"),
    ),
    (
        "suksesi-jabatan-kritis.json",
        include_str!("../../../seeds/workflows/suksesi-jabatan-kritis.json"),
    ),
];

/// Installs the defaults that are missing; returns the keys installed.
pub async fn install_defaults(store: &Store) -> anyhow::Result<Vec<String>> {
    let mut installed = Vec::new();
    for (file, text) in DEFAULT_WORKFLOWS {
        let raw: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| anyhow::anyhow!("seeds/workflows/{file}: {e}"))?;
        let def = Engine::check_definition(&raw)
            .map_err(|e| anyhow::anyhow!("seeds/workflows/{file} is invalid: {e:?}"))?;
        if store
            .install_workflow_definition(&Actor::system("install"), &def.key, &def.title, &raw)
            .await?
        {
            installed.push(def.key.clone());
        }
    }
    Ok(installed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jenjang_core::workflow::Context;
    use serde_json::json;

    fn def(file: &str) -> jenjang_core::workflow::Definition {
        let text = DEFAULT_WORKFLOWS
            .iter()
            .find(|(f, _)| *f == file)
            .unwrap()
            .1;
        Engine::check_definition(&serde_json::from_str(text).unwrap()).unwrap()
    }

    fn evaluation(
        predikat: &str,
        previous: Option<&str>,
        previous_period: Option<&str>,
    ) -> Context {
        let e = json!({"nip": "x", "period": "2026-Q2", "predikat": predikat,
                       "previous_predikat": previous, "previous_period": "2026-Q1",
                       "previous_period_predikat": previous_period, "version": 1});
        Context {
            event: e.clone(),
            trigger: e,
            subject: json!({"nip": "x"}),
        }
    }

    #[test]
    fn every_default_is_valid() {
        for (file, _) in DEFAULT_WORKFLOWS {
            def(file);
        }
    }

    #[test]
    fn coaching_starts_on_the_first_low_period_only() {
        let d = def("pembinaan-kinerja.json");
        assert!(d.triggered_by(&evaluation("kurang", None, None)).unwrap());
        assert!(
            d.triggered_by(&evaluation("butuh_perbaikan", None, Some("baik")))
                .unwrap()
        );
        assert!(!d.triggered_by(&evaluation("baik", None, None)).unwrap());
        // A second low period is handled by the waiting instance (counselling), not a new coaching.
        assert!(
            !d.triggered_by(&evaluation("kurang", None, Some("kurang")))
                .unwrap()
        );
        // A correction that stays low does not start a second coaching.
        assert!(
            !d.triggered_by(&evaluation("kurang", Some("sangat_kurang"), None))
                .unwrap()
        );
    }

    #[test]
    fn recognition_needs_two_consecutive_sangat_baik() {
        let d = def("apresiasi-dan-promosi.json");
        assert!(
            d.triggered_by(&evaluation("sangat_baik", None, Some("sangat_baik")))
                .unwrap()
        );
        assert!(
            !d.triggered_by(&evaluation("sangat_baik", None, Some("baik")))
                .unwrap()
        );
        assert!(
            !d.triggered_by(&evaluation("sangat_baik", None, None))
                .unwrap()
        );
        assert!(
            !d.triggered_by(&evaluation(
                "sangat_baik",
                Some("sangat_baik"),
                Some("sangat_baik")
            ))
            .unwrap()
        );
    }
}
