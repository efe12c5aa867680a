//! Predikat kinerja: the rating of an evaluation (PermenPANRB 6/2022, Lampiran: matriks predikat
//! kinerja pegawai). It is the matrix of `hasil_kerja` × `perilaku_kerja`, never an average.

use crate::kinds::string_enum;
use serde::{Deserialize, Serialize};

string_enum! {
    /// A rating of work results or work behaviour against expectations.
    Ekspektasi {
        DiBawah = "di_bawah_ekspektasi",
        Sesuai = "sesuai_ekspektasi",
        DiAtas = "di_atas_ekspektasi",
    }
}

string_enum! {
    /// The employee's performance rating, declared low to high so that `Ord` is the regulation's
    /// order: sangat_kurang < kurang < butuh_perbaikan < baik < sangat_baik.
    Predikat {
        SangatKurang = "sangat_kurang",
        Kurang = "kurang",
        ButuhPerbaikan = "butuh_perbaikan",
        Baik = "baik",
        SangatBaik = "sangat_baik",
    }
}

/// Normalises a rating as people write it: any case, spaces or underscores ("Di Atas
/// Ekspektasi", "DI_ATAS_EKSPEKTASI", "di atas ekspektasi").
fn normalise(raw: &str) -> String {
    raw.trim()
        .to_lowercase()
        .split(|c: char| c.is_whitespace() || c == '_' || c == '-')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("_")
}

impl Ekspektasi {
    /// Parses the wire spelling, the regulation's words in any case, or the short words HR
    /// sheets use ("Di Atas", "Sesuai", "Di Bawah").
    pub fn parse_loose(raw: &str) -> Result<Ekspektasi, crate::kinds::UnknownValue> {
        let n = normalise(raw);
        let n = match n.as_str() {
            "di_atas" | "diatas" | "diatas_ekspektasi" => "di_atas_ekspektasi",
            "sesuai" => "sesuai_ekspektasi",
            "di_bawah" | "dibawah" | "dibawah_ekspektasi" => "di_bawah_ekspektasi",
            other => other,
        };
        n.parse().map_err(|_| crate::kinds::UnknownValue {
            value: raw.trim().to_string(),
            expected: "Di Atas Ekspektasi, Sesuai Ekspektasi, Di Bawah Ekspektasi (also Di Atas, Sesuai, Di Bawah; or di_atas_ekspektasi, ...)".into(),
        })
    }
}

impl Predikat {
    /// The regulation's words for the rating (PermenPANRB 6/2022), as Indonesian documents
    /// write it.
    pub fn words(self) -> &'static str {
        match self {
            Predikat::SangatBaik => "Sangat Baik",
            Predikat::Baik => "Baik",
            Predikat::ButuhPerbaikan => "Butuh Perbaikan",
            Predikat::Kurang => "Kurang",
            Predikat::SangatKurang => "Sangat Kurang",
        }
    }

    /// Parses the wire spelling or the regulation's words ("Sangat Baik", "Butuh Perbaikan",
    /// "Kurang/Misconduct").
    pub fn parse_loose(raw: &str) -> Result<Predikat, crate::kinds::UnknownValue> {
        let n = normalise(&raw.replace('/', " "));
        let n = if n == "kurang_misconduct" || n == "misconduct" {
            "kurang".to_string()
        } else {
            n
        };
        n.parse().map_err(|_| crate::kinds::UnknownValue {
            value: raw.trim().to_string(),
            expected: "Sangat Baik, Baik, Butuh Perbaikan, Kurang, Sangat Kurang".into(),
        })
    }
}

/// A predikat someone stated that the matrix does not give for the two ratings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "hasil kerja {hasil_kerja} with perilaku kerja {perilaku_kerja} gives {derived} by the PermenPANRB 6/2022 matrix, not {stated}"
)]
pub struct Disagreement {
    pub hasil_kerja: Ekspektasi,
    pub perilaku_kerja: Ekspektasi,
    pub derived: Predikat,
    pub stated: Predikat,
}

/// Checks a stated predikat (a file's `predikat` column, an API body's `predikat`) against the
/// matrix: the predikat always follows from the ratings, a stated one must agree.
pub fn check_stated(
    hasil_kerja: Ekspektasi,
    perilaku_kerja: Ekspektasi,
    stated: Predikat,
) -> Result<(), Disagreement> {
    let derived = predikat(hasil_kerja, perilaku_kerja);
    if derived == stated {
        Ok(())
    } else {
        Err(Disagreement {
            hasil_kerja,
            perilaku_kerja,
            derived,
            stated,
        })
    }
}

/// The matrix of PermenPANRB 6/2022. Rows are hasil kerja, columns perilaku kerja.
pub fn predikat(hasil_kerja: Ekspektasi, perilaku_kerja: Ekspektasi) -> Predikat {
    use Ekspektasi::*;
    use Predikat::*;
    match (hasil_kerja, perilaku_kerja) {
        (DiAtas, DiBawah) => Kurang,
        (DiAtas, Sesuai) => Baik,
        (DiAtas, DiAtas) => SangatBaik,
        (Sesuai, DiBawah) => Kurang,
        (Sesuai, Sesuai) => Baik,
        (Sesuai, DiAtas) => Baik,
        (DiBawah, DiBawah) => SangatKurang,
        (DiBawah, Sesuai) => ButuhPerbaikan,
        (DiBawah, DiAtas) => ButuhPerbaikan,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ekspektasi::*;
    use Predikat::*;

    #[test]
    fn all_nine_cells_of_the_matrix() {
        let table = [
            (DiAtas, DiBawah, Kurang),
            (DiAtas, Sesuai, Baik),
            (DiAtas, DiAtas, SangatBaik),
            (Sesuai, DiBawah, Kurang),
            (Sesuai, Sesuai, Baik),
            (Sesuai, DiAtas, Baik),
            (DiBawah, DiBawah, SangatKurang),
            (DiBawah, Sesuai, ButuhPerbaikan),
            (DiBawah, DiAtas, ButuhPerbaikan),
        ];
        for (hasil, perilaku, expected) in table {
            assert_eq!(predikat(hasil, perilaku), expected, "{hasil} × {perilaku}");
        }
    }

    #[test]
    fn ratings_in_the_regulations_words_and_any_case() {
        for s in [
            "di_atas_ekspektasi",
            "Di Atas Ekspektasi",
            "DI ATAS EKSPEKTASI",
            " di  atas ekspektasi ",
        ] {
            assert_eq!(Ekspektasi::parse_loose(s), Ok(DiAtas), "{s}");
        }
        assert_eq!(Ekspektasi::parse_loose("Sesuai Ekspektasi"), Ok(Sesuai));
        assert_eq!(Ekspektasi::parse_loose("di bawah ekspektasi"), Ok(DiBawah));
        assert!(Ekspektasi::parse_loose("baik").is_err());
        // The short words HR sheets use.
        assert_eq!(Ekspektasi::parse_loose("Di Atas"), Ok(DiAtas));
        assert_eq!(Ekspektasi::parse_loose("SESUAI"), Ok(Sesuai));
        assert_eq!(Ekspektasi::parse_loose("Di Bawah"), Ok(DiBawah));
        assert_eq!(Ekspektasi::parse_loose("dibawah ekspektasi"), Ok(DiBawah));
        assert!(Ekspektasi::parse_loose("atas").is_err());
        assert_eq!(Predikat::parse_loose("Sangat Baik"), Ok(SangatBaik));
        assert_eq!(Predikat::parse_loose("Butuh Perbaikan"), Ok(ButuhPerbaikan));
        assert_eq!(Predikat::parse_loose("Kurang/Misconduct"), Ok(Kurang));
        assert_eq!(Predikat::parse_loose("sangat_kurang"), Ok(SangatKurang));
    }

    #[test]
    fn a_distribution_above_the_configured_pattern_warns() {
        let mut limits = std::collections::BTreeMap::new();
        limits.insert(SangatBaik, 0.2);
        let mut map = std::collections::BTreeMap::new();
        map.insert(OrganisationPredikat::Baik, limits);
        let t = DistributionThresholds(map);
        let counts = [(SangatBaik, 3), (Baik, 7)];
        let w = check_distribution(&t, OrganisationPredikat::Baik, &counts);
        assert_eq!(w.len(), 1);
        assert_eq!((w[0].share, w[0].max_share), (0.3, 0.2));
        assert!(
            check_distribution(
                &t,
                OrganisationPredikat::Baik,
                &[(SangatBaik, 2), (Baik, 8)]
            )
            .is_empty()
        );
        assert!(
            check_distribution(&t, OrganisationPredikat::Istimewa, &counts).is_empty(),
            "no pattern configured"
        );
        assert_eq!(OrganisationPredikat::Istimewa.hasil_kerja_of_head(), DiAtas);
        assert_eq!(OrganisationPredikat::Kurang.hasil_kerja_of_head(), DiBawah);
    }

    #[test]
    fn order_is_the_regulations() {
        assert!(SangatKurang < Kurang);
        assert!(Kurang < ButuhPerbaikan);
        assert!(ButuhPerbaikan < Baik);
        assert!(Baik < SangatBaik);
    }
}

string_enum! {
    /// The organisation's (a unit's) performance rating for a period.
    OrganisationPredikat {
        SangatKurang = "sangat_kurang",
        Kurang = "kurang",
        ButuhPerbaikan = "butuh_perbaikan",
        Baik = "baik",
        Istimewa = "istimewa",
    }
}

impl OrganisationPredikat {
    /// A unit head's hasil kerja is the unit's achievement (PermenPANRB 6/2022): an `istimewa`
    /// unit is above expectations, a `baik` one meets them, anything lower is below.
    pub fn hasil_kerja_of_head(self) -> Ekspektasi {
        match self {
            OrganisationPredikat::Istimewa => Ekspektasi::DiAtas,
            OrganisationPredikat::Baik => Ekspektasi::Sesuai,
            _ => Ekspektasi::DiBawah,
        }
    }
}

/// Shares of employee predikat above which a unit's distribution is flagged, per organisation
/// predikat (the SE MenPANRB 3/2023 pattern). Configuration, never a block: the organisation
/// enters the pattern it applies.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DistributionThresholds(
    pub std::collections::BTreeMap<OrganisationPredikat, std::collections::BTreeMap<Predikat, f64>>,
);

/// One warning of a distribution check.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DistributionWarning {
    pub predikat: Predikat,
    pub share: f64,
    pub max_share: f64,
    pub message: String,
}

/// Compares the shares of each employee predikat with the thresholds of the unit's organisation
/// predikat; every share above its maximum is a warning.
pub fn check_distribution(
    thresholds: &DistributionThresholds,
    organisation: OrganisationPredikat,
    counts: &[(Predikat, u64)],
) -> Vec<DistributionWarning> {
    let total: u64 = counts.iter().map(|(_, n)| n).sum();
    let Some(limits) = thresholds.0.get(&organisation) else {
        return Vec::new();
    };
    if total == 0 {
        return Vec::new();
    }
    let mut out = Vec::new();
    for (p, n) in counts {
        let share = *n as f64 / total as f64;
        if let Some(&max) = limits.get(p)
            && share > max + 1e-9
        {
            out.push(DistributionWarning {
                predikat: *p,
                share: (share * 10_000.0).round() / 10_000.0,
                max_share: max,
                message: format!(
                    "{:.1}% of the employees are rated {p}; for a unit rated {organisation} the pattern allows at most {:.1}%",
                    share * 100.0,
                    max * 100.0
                ),
            });
        }
    }
    out
}

/// One evaluation of an employee for a period (SKP). The predikat is derived, never entered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evaluation {
    pub period: crate::period::Period,
    pub hasil_kerja: Ekspektasi,
    pub perilaku_kerja: Ekspektasi,
    pub notes: Option<String>,
    pub evaluator_nip: Option<crate::nip::Nip>,
}

impl Evaluation {
    pub fn predikat(&self) -> Predikat {
        predikat(self.hasil_kerja, self.perilaku_kerja)
    }
}
