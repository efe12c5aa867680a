//! The citizens' survey: an anonymous response to the nine elements of PermenPANRB 14/2017
//! counts at once in the quarter of its date (the organisation's time zone); the period's
//! responses compute the unit's IKM by core's rule, which realises its `ikm` indicator and
//! emits `ikm.recorded`.

use crate::error::{AppError, AppResult};
use chrono::Datelike;
use jenjang_core::FieldError;
use jenjang_core::ikm::{Ikm, Weighting};
use jenjang_store::{Actor, Store};

/// A response as the form sent it.
#[derive(Debug, Clone, Default)]
pub struct Response {
    /// The nine answers as typed: each must be 1, 2, 3 or 4.
    pub answers: Vec<String>,
    pub comment: Option<String>,
    pub token: String,
}

/// Reads the nine answers: every element answered 1..4 (`u<n>` fields on the form).
fn read_answers(answers: &[String]) -> Result<Vec<i64>, Vec<FieldError>> {
    let mut out = Vec::with_capacity(9);
    let mut problems = Vec::new();
    for i in 0..9 {
        match answers.get(i).map(|a| a.trim().parse::<i64>()) {
            Some(Ok(v @ 1..=4)) => out.push(v),
            _ => problems.push(
                FieldError::new(format!("u{}", i + 1), "an answer 1, 2, 3 or 4")
                    .with_code("ikm_answer_value")
                    .with_param("element", i + 1),
            ),
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

/// Records a response to the survey of `unit` and recomputes the period's IKM; a spent or
/// expired form is a `Conflict`.
pub async fn respond(store: &Store, unit: &str, response: Response) -> AppResult<Ikm> {
    let answers = read_answers(&response.answers).map_err(AppError::Invalid)?;
    let comment = response
        .comment
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(|c| c.chars().take(1000).collect::<String>());
    if let Some(c) = &comment
        && let Err(e) = jenjang_core::check_text(c, true)
    {
        return Err(AppError::Invalid(vec![FieldError::new(
            "comment",
            e.to_string(),
        )]));
    }
    let today = store.today().await?;
    let period = format!("{}-Q{}", today.year(), today.month0() / 3 + 1);
    let responses = store
        .record_survey_response(&response.token, unit, &period, &answers, comment.as_deref())
        .await?;
    let weighting = Weighting::default();
    let result = jenjang_core::ikm::compute(&responses, weighting).map_err(|e| {
        AppError::Internal(anyhow::anyhow!(
            "stored survey answers do not compute: {e:?}"
        ))
    })?;
    store
        .save_ikm(
            &Actor::system("survei-publik"),
            unit,
            &period,
            &serde_json::to_value(&responses).map_err(|e| AppError::Internal(e.into()))?,
            &result,
            weighting,
        )
        .await?;
    Ok(result)
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_element_needs_an_answer_from_one_to_four() {
        let ok: Vec<String> = ["4", "3", "4", "4", "3", "4", "4", "3", "4"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(super::read_answers(&ok).unwrap()[1], 3);
        let mut bad = ok.clone();
        bad[4] = "5".into();
        bad.truncate(8);
        let problems = super::read_answers(&bad).unwrap_err();
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["u5", "u9"]);
    }
}
