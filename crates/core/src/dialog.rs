//! Dialog kinerja (PermenPANRB 6/2022: continuous feedback between leader and staff) and upward
//! feedback, whose answers are shown to the supervisor only as an anonymous aggregate once
//! enough people answered.

use serde::{Deserialize, Serialize};

crate::kinds::string_enum! {
    /// What a dialog entry is.
    DialogKind {
        Ekspektasi = "ekspektasi",
        UmpanBalik = "umpan_balik",
        Catatan = "catatan",
        Pertanyaan = "pertanyaan",
    }
}

crate::kinds::string_enum! {
    /// The core values of ASN (BerAKHLAK), the behaviour part of the SKP.
    Berakhlak {
        BerorientasiPelayanan = "berorientasi_pelayanan",
        Akuntabel = "akuntabel",
        Kompeten = "kompeten",
        Harmonis = "harmonis",
        Loyal = "loyal",
        Adaptif = "adaptif",
        Kolaboratif = "kolaboratif",
    }
}

/// Questions of the upward feedback form, each answered 1..5.
pub const UPWARD_QUESTIONS: usize = 5;

/// Below this many respondents nothing of the upward feedback is shown: with fewer, a
/// supervisor could tell who said what.
pub const ANONYMITY_FLOOR: usize = 3;

/// Upward feedback as the supervisor may see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UpwardAggregate {
    pub respondents: usize,
    /// Per question, two decimals.
    pub averages: Vec<f64>,
    /// The mean of the averages, two decimals.
    pub overall: f64,
}

/// The anonymous aggregate of the answers (each `UPWARD_QUESTIONS` values 1..5), or `None`
/// below the anonymity floor.
pub fn upward_aggregate(answers: &[Vec<u8>]) -> Option<UpwardAggregate> {
    if answers.len() < ANONYMITY_FLOOR {
        return None;
    }
    let round = |x: f64| (x * 100.0).round() / 100.0;
    let averages: Vec<f64> = (0..UPWARD_QUESTIONS)
        .map(|q| {
            let sum: u32 = answers
                .iter()
                .map(|a| u32::from(a.get(q).copied().unwrap_or(0)))
                .sum();
            round(f64::from(sum) / answers.len() as f64)
        })
        .collect();
    let overall = round(averages.iter().sum::<f64>() / UPWARD_QUESTIONS as f64);
    Some(UpwardAggregate {
        respondents: answers.len(),
        averages,
        overall,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_is_shown_below_three_respondents() {
        assert_eq!(upward_aggregate(&[]), None);
        assert_eq!(upward_aggregate(&[vec![5; 5], vec![1; 5]]), None);
        let three = upward_aggregate(&[vec![5, 4, 3, 2, 1], vec![4; 5], vec![3; 5]]).unwrap();
        assert_eq!(three.respondents, 3);
        assert_eq!(three.averages, vec![4.0, 3.67, 3.33, 3.0, 2.67]);
        assert_eq!(three.overall, 3.33);
    }
}
