//! The citizens' survey (PermenPANRB 14/2017): a one-time token per form shown, an anonymous
//! response per form sent. Nothing identifies the citizen: no address, no cookie, no name.

use crate::db::{Store, stmt};
use crate::error::{Result, StoreError};
use sea_orm::ConnectionTrait;

/// A form token is good for this long after it was shown.
const TOKEN_HOURS: i64 = 6;

impl Store {
    /// Keeps `token` (random, made by the caller) as a fresh one-time token for the survey
    /// form of `unit`.
    pub async fn issue_survey_token(&self, unit: &str, token: &str) -> Result<()> {
        self.get_unit(unit).await?;
        let txn = self.begin_write().await?;
        // Tokens older than a day are of no use any more.
        txn.execute_raw(stmt(
            self.backend(),
            "DELETE FROM survey_tokens WHERE issued_at < $1",
            vec![(self.now() - chrono::Duration::days(1)).into()],
        ))
        .await?;
        txn.execute_raw(stmt(
            self.backend(),
            "INSERT INTO survey_tokens (token, unit_code, issued_at) VALUES ($1, $2, $3)",
            vec![token.into(), unit.into(), self.now().into()],
        ))
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Records one response with its token spent in the same transaction; a token already
    /// used, expired or of another unit is a `Conflict` (a replayed form). Answers every
    /// response of the unit's `period`, for the index.
    pub async fn record_survey_response(
        &self,
        token: &str,
        unit: &str,
        period: &str,
        answers: &[i64],
        comment: Option<&str>,
    ) -> Result<Vec<Vec<Option<i64>>>> {
        let txn = self.begin_write().await?;
        let spent = txn
            .execute_raw(stmt(
                self.backend(),
                "UPDATE survey_tokens SET used_at = $1 WHERE token = $2 AND unit_code = $3 \
                 AND used_at IS NULL AND issued_at > $4",
                vec![
                    self.now().into(),
                    token.into(),
                    unit.into(),
                    (self.now() - chrono::Duration::hours(TOKEN_HOURS)).into(),
                ],
            ))
            .await?;
        if spent.rows_affected() != 1 {
            return Err(StoreError::Conflict(
                "this form was sent already or has expired".into(),
            ));
        }
        txn.execute_raw(stmt(
            self.backend(),
            "INSERT INTO survey_responses (unit_code, period, answers, comment, received_at) \
             VALUES ($1, $2, $3, $4, $5)",
            vec![
                unit.into(),
                period.into(),
                serde_json::to_string(answers).unwrap_or_default().into(),
                comment.map(str::to_string).into(),
                self.now().into(),
            ],
        ))
        .await?;
        let rows = txn
            .query_all_raw(stmt(
                self.backend(),
                "SELECT answers FROM survey_responses WHERE unit_code = $1 AND period = $2 ORDER BY id",
                vec![unit.into(), period.into()],
            ))
            .await?;
        let responses = rows
            .iter()
            .map(|r| {
                let text: String = r.try_get("", "answers")?;
                Ok(serde_json::from_str::<Vec<Option<i64>>>(&text).unwrap_or_default())
            })
            .collect::<Result<Vec<_>>>()?;
        txn.commit().await?;
        Ok(responses)
    }
}
