//! The citizen satisfaction index (IKM, Indeks Kepuasan Masyarakat; PermenPANRB 14/2017).
//!
//! Nine service elements (unsur), each answered 1..4. An element's average is taken over the
//! respondents who answered it; the index is the mean of the nine averages (each weighted
//! exactly 1/9, or the regulation's rounded 0.11 as a legacy option) × 25, and falls in a
//! category by the regulation's conversion intervals on the value rounded to two decimals.

use serde::Serialize;

/// The nine elements, in the regulation's order.
pub const ELEMENTS: [&str; 9] = [
    "persyaratan",
    "sistem, mekanisme dan prosedur",
    "waktu penyelesaian",
    "biaya/tarif",
    "produk spesifikasi jenis pelayanan",
    "kompetensi pelaksana",
    "perilaku pelaksana",
    "penanganan pengaduan, saran dan masukan",
    "sarana dan prasarana",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Weighting {
    /// Each element weighs exactly 1/9.
    #[default]
    Exact,
    /// Each element weighs 0.11, as the regulation's worked examples round it.
    Legacy,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ikm {
    pub respondents: usize,
    pub element_averages: Vec<f64>,
    /// 25..100, two decimals.
    pub index: f64,
    /// A, B, C or D.
    pub category: char,
    /// sangat baik, baik, kurang baik, tidak baik.
    pub category_label: &'static str,
}

impl std::str::FromStr for Weighting {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "exact" => Ok(Weighting::Exact),
            "legacy" => Ok(Weighting::Legacy),
            other => Err(format!("'{other}' is not one of: exact, legacy")),
        }
    }
}

/// A problem with the answers: of respondent `respondent` (0-based; none when it concerns
/// every respondent: there are none, or nobody answered an element), element `element`
/// (0-based; none when it concerns a respondent's whole list).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerError {
    pub respondent: Option<usize>,
    pub element: Option<usize>,
    pub message: String,
}

impl AnswerError {
    /// The problem by name, for pages to say in their language: no respondents, a respondent
    /// with the wrong number of answers, an answer outside 1..4, an element nobody answered.
    pub fn code(&self) -> &'static str {
        match (self.respondent, self.element) {
            (None, None) => "ikm_no_respondents",
            (Some(_), None) => "ikm_answer_count",
            (Some(_), Some(_)) => "ikm_answer_value",
            (None, Some(_)) => "ikm_element_unanswered",
        }
    }

    /// Where the problem is in a `responses` list: `responses[2][4]`, `responses[2]`,
    /// `responses[*][4]` (every respondent's answer to element 5), or `responses`.
    pub fn path(&self) -> String {
        match (self.respondent, self.element) {
            (Some(r), Some(e)) => format!("responses[{r}][{e}]"),
            (Some(r), None) => format!("responses[{r}]"),
            (None, Some(e)) => format!("responses[*][{e}]"),
            (None, None) => "responses".to_string(),
        }
    }
}

/// Computes the index. Every answer must be 1..4 (or absent); every element needs at least one
/// answer.
pub fn compute(
    responses: &[Vec<Option<i64>>],
    weighting: Weighting,
) -> Result<Ikm, Vec<AnswerError>> {
    let mut errors = Vec::new();
    if responses.is_empty() {
        errors.push(AnswerError {
            respondent: None,
            element: None,
            message: "at least one respondent is needed".into(),
        });
    }
    let mut sums = [0i64; 9];
    let mut counts = [0i64; 9];
    for (r, answers) in responses.iter().enumerate() {
        if answers.len() != 9 {
            errors.push(AnswerError {
                respondent: Some(r),
                element: None,
                message: format!(
                    "a respondent answers the 9 elements; found {} answers",
                    answers.len()
                ),
            });
            continue;
        }
        for (e, a) in answers.iter().enumerate() {
            match a {
                None => {}
                Some(v @ 1..=4) => {
                    sums[e] += v;
                    counts[e] += 1;
                }
                Some(v) => errors.push(AnswerError {
                    respondent: Some(r),
                    element: Some(e),
                    message: format!("an answer is 1, 2, 3 or 4; found {v}"),
                }),
            }
        }
    }
    if errors.is_empty() {
        for (e, c) in counts.iter().enumerate() {
            if *c == 0 {
                errors.push(AnswerError {
                    respondent: None,
                    element: Some(e),
                    message: format!("nobody answered element {} ({})", e + 1, ELEMENTS[e]),
                });
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let averages: Vec<f64> = (0..9).map(|e| sums[e] as f64 / counts[e] as f64).collect();
    let weighted: f64 = match weighting {
        Weighting::Exact => averages.iter().sum::<f64>() / 9.0,
        Weighting::Legacy => averages.iter().map(|a| a * 0.11).sum::<f64>(),
    };
    let index = (weighted * 25.0 * 100.0).round() / 100.0;
    let (category, category_label) = if index >= 88.31 {
        ('A', "sangat baik")
    } else if index >= 76.61 {
        ('B', "baik")
    } else if index >= 65.00 {
        ('C', "kurang baik")
    } else {
        ('D', "tidak baik")
    };
    Ok(Ikm {
        respondents: responses.len(),
        element_averages: averages
            .iter()
            .map(|a| (a * 1000.0).round() / 1000.0)
            .collect(),
        index,
        category,
        category_label,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(v: i64) -> Vec<Option<i64>> {
        vec![Some(v); 9]
    }

    #[test]
    fn worked_examples_computed_by_hand() {
        // Everyone answers 4: averages 4, index 4 × 25 = 100, A.
        let r = compute(&[all(4), all(4)], Weighting::Exact).unwrap();
        assert_eq!((r.index, r.category), (100.0, 'A'));
        // Half 3, half 4: averages 3.5, index 87.5: B (below 88.31).
        let r = compute(&[all(3), all(4)], Weighting::Exact).unwrap();
        assert_eq!((r.index, r.category, r.category_label), (87.5, 'B', "baik"));
        // The legacy weight: 3.5 × 0.11 × 9 × 25 = 86.625 → 86.63.
        let r = compute(&[all(3), all(4)], Weighting::Legacy).unwrap();
        assert_eq!(r.index, 86.63);
        // Averages over those who answered: element 1 skipped by one respondent.
        let mut first = all(2);
        first[0] = None;
        let r = compute(&[first, all(4)], Weighting::Exact).unwrap();
        assert_eq!(r.element_averages[0], 4.0);
        assert_eq!(r.element_averages[1], 3.0);
        // (4 + 8 × 3) / 9 × 25 = 77.777… → 77.78: B.
        assert_eq!((r.index, r.category), (77.78, 'B'));
        // All 2.6: 65.0 is C; 2.59 … is D.
        let r = compute(&[all(3), all(3), all(2), all(2), all(3)], Weighting::Exact).unwrap();
        assert_eq!((r.index, r.category), (65.0, 'C'));
        let r = compute(&[all(2)], Weighting::Exact).unwrap();
        assert_eq!((r.index, r.category), (50.0, 'D'));
    }

    #[test]
    fn bad_answers_name_the_respondent_and_element() {
        let mut bad = all(3);
        bad[4] = Some(5);
        let errors = compute(&[all(3), bad, vec![Some(1); 8]], Weighting::Exact).unwrap_err();
        assert_eq!(errors.len(), 2);
        assert_eq!(
            (errors[0].respondent, errors[0].element),
            (Some(1), Some(4))
        );
        assert_eq!(errors[0].path(), "responses[1][4]");
        assert_eq!(errors[1].path(), "responses[2]");
        let errors = compute(&[vec![None; 9]], Weighting::Exact).unwrap_err();
        assert_eq!(errors.len(), 9);
        assert_eq!(errors[4].path(), "responses[*][4]");
        let errors = compute(&[], Weighting::Exact).unwrap_err();
        assert_eq!(errors[0].path(), "responses");
        assert_eq!("legacy".parse::<Weighting>(), Ok(Weighting::Legacy));
        assert!("lama".parse::<Weighting>().is_err());
    }
}
