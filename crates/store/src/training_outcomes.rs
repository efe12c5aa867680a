//! What training changed: the participants' reaction to a cohort (Kirkpatrick level 1) and, per
//! program, how the levels of the competencies it develops moved for those who passed against
//! colleagues in the same positions who did not take it (the evidence HR defends a budget with).

use crate::Actor;
use crate::audit;
use crate::db::{Store, stmt};
use crate::error::{Result, StoreError};
use chrono::{DateTime, NaiveDate, Utc};
use jenjang_core::training::{REACTION_QUESTIONS, level_change};
use sea_orm::ConnectionTrait;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// One participant's answer to the reaction survey of a cohort.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ReactionRecord {
    pub cohort: String,
    pub nip: String,
    /// Question → rating 1–5 (questions as core's `REACTION_QUESTIONS`).
    pub answers: BTreeMap<String, u8>,
    pub comment: Option<String>,
    pub submitted_at: DateTime<Utc>,
}

/// The reactions to a cohort or a program: how many answered and the mean rating per question
/// (absent without answers), with the comments.
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ReactionSummary {
    pub responses: u64,
    pub averages: BTreeMap<String, f64>,
    pub comments: Vec<String>,
}

/// How one developed competency moved: for those who passed, across their completion day; for
/// the comparison group (same positions, never passed the program), across the same days.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct CompetencyEffect {
    pub competency: String,
    /// Participants with a level measured before and after their completion.
    pub participants: u64,
    pub participants_change: Option<f64>,
    /// Comparison pairs (colleague × a participant's completion day) measured before and after.
    pub comparison: u64,
    pub comparison_change: Option<f64>,
    /// Participants' mean change minus the comparison group's.
    pub difference: Option<f64>,
}

/// The evidence for a program: who passed, the level changes per developed competency, the
/// reactions.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ProgramEffect {
    pub program: String,
    pub passed: u64,
    pub competencies: Vec<CompetencyEffect>,
    pub reaction: ReactionSummary,
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn mean(sum: i64, n: u64) -> Option<f64> {
    (n > 0).then(|| round2(sum as f64 / n as f64))
}

impl Store {
    /// Records a participant's reaction to a cohort. The same answer again changes nothing
    /// (`Ok(false)`); a different one after the first is a conflict (a survey is answered once).
    pub async fn save_reaction(
        &self,
        actor: &Actor,
        cohort: &str,
        nip: &str,
        answers: &BTreeMap<String, u8>,
        comment: Option<&str>,
    ) -> Result<bool> {
        let txn = self.begin_write().await?;
        let backend = self.backend();
        if let Some(existing) = reaction_row(&txn, backend, cohort, nip).await? {
            if existing.answers == *answers && existing.comment.as_deref() == comment {
                return Ok(false);
            }
            return Err(StoreError::Conflict(format!(
                "{nip} already answered the reaction survey of {cohort}"
            )));
        }
        let now = self.now();
        let text = serde_json::to_string(answers).map_err(|e| StoreError::Corrupt {
            table: "training_reactions",
            key: format!("{cohort}/{nip}"),
            message: e.to_string(),
        })?;
        txn.execute_raw(stmt(
            backend,
            "INSERT INTO training_reactions (cohort_code, nip, answers, comment, submitted_at) VALUES ($1, $2, $3, $4, $5)",
            vec![
                cohort.into(),
                nip.into(),
                text.into(),
                comment.map(str::to_string).into(),
                now.into(),
            ],
        ))
        .await?;
        audit::record(
            &txn,
            actor,
            "answer_reaction",
            "cohort",
            &format!("{cohort}/{nip}"),
            serde_json::json!({"answers": answers}),
            now,
        )
        .await?;
        txn.commit().await?;
        Ok(true)
    }

    /// The cohorts `nip` passed without answering their reaction survey yet: (cohort, program),
    /// the latest first.
    pub async fn pending_reactions(&self, nip: &str) -> Result<Vec<(String, String)>> {
        let rows = self
            .db
            .query_all_raw(stmt(
                self.backend(),
                "SELECT cp.cohort_code, c.program_code FROM cohort_participants cp \
                 JOIN cohorts c ON c.code = cp.cohort_code \
                 LEFT JOIN training_reactions r ON r.cohort_code = cp.cohort_code AND r.nip = cp.nip \
                 WHERE cp.nip = $1 AND cp.status = 'lulus' AND r.nip IS NULL \
                 ORDER BY cp.completed_on DESC, cp.cohort_code",
                vec![nip.into()],
            ))
            .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("", "cohort_code")?,
                    r.try_get("", "program_code")?,
                ))
            })
            .collect()
    }

    /// A participant's reaction to a cohort, if answered.
    pub async fn reaction(&self, cohort: &str, nip: &str) -> Result<Option<ReactionRecord>> {
        reaction_row(&self.db, self.backend(), cohort, nip).await
    }

    /// The reactions to one cohort, or to every cohort of a program.
    pub async fn reaction_summary(
        &self,
        cohort: Option<&str>,
        program: Option<&str>,
    ) -> Result<ReactionSummary> {
        let (filter, value) = match (cohort, program) {
            (Some(c), _) => ("r.cohort_code = $1", c),
            (None, Some(p)) => ("c.program_code = $1", p),
            (None, None) => return Ok(ReactionSummary::default()),
        };
        let rows = self
            .db
            .query_all_raw(stmt(
                self.backend(),
                &format!(
                    "SELECT r.cohort_code, r.nip, r.answers, r.comment FROM training_reactions r \
                     JOIN cohorts c ON c.code = r.cohort_code WHERE {filter} ORDER BY r.submitted_at, r.nip"
                ),
                vec![value.into()],
            ))
            .await?;
        let mut sums: BTreeMap<String, (i64, u64)> = BTreeMap::new();
        let mut out = ReactionSummary::default();
        for r in &rows {
            let answers = read_answers(r)?;
            out.responses += 1;
            for (q, v) in answers {
                let e = sums.entry(q).or_default();
                e.0 += i64::from(v);
                e.1 += 1;
            }
            if let Some(c) = r.try_get::<Option<String>>("", "comment")? {
                out.comments.push(c);
            }
        }
        out.averages = sums
            .into_iter()
            .filter_map(|(q, (sum, n))| mean(sum, n).map(|m| (q, m)))
            .collect();
        Ok(out)
    }

    /// The evidence for `program`: level changes of those who passed it against colleagues in
    /// the same positions who never did, measured by assessments other than the program's own
    /// credited levels (`program:*`), and the reactions. Four reads, whatever the size.
    pub async fn program_effect(&self, program: &str) -> Result<ProgramEffect> {
        let backend = self.backend();
        self.db
            .query_one_raw(stmt(
                backend,
                "SELECT code FROM programs WHERE code = $1",
                vec![program.into()],
            ))
            .await?
            .ok_or_else(|| StoreError::not_found("program", program))?;
        let competencies: Vec<String> = self
            .db
            .query_all_raw(stmt(
                backend,
                "SELECT competency_code FROM program_develops WHERE program_code = $1 ORDER BY competency_code",
                vec![program.into()],
            ))
            .await?
            .iter()
            .map(|r| r.try_get("", "competency_code"))
            .collect::<std::result::Result<_, _>>()?;
        // Who passed (the first pass counts) and the positions they hold.
        const PASSED: &str = "SELECT cp.nip, MIN(cp.completed_on) AS passed_on FROM cohort_participants cp \
             JOIN cohorts c ON c.code = cp.cohort_code \
             WHERE c.program_code = $1 AND cp.status = 'lulus' AND cp.completed_on IS NOT NULL GROUP BY cp.nip";
        let mut passed: HashMap<String, NaiveDate> = HashMap::new();
        for r in self
            .db
            .query_all_raw(stmt(backend, PASSED, vec![program.into()]))
            .await?
        {
            passed.insert(r.try_get("", "nip")?, r.try_get("", "passed_on")?);
        }
        // Every measured level of the developed competencies of the participants and of their
        // colleagues in the same positions, by person, competency and date.
        let sql = format!(
            "WITH passed AS ({PASSED}), \
             peers AS (SELECT e.nip FROM employees e WHERE e.position_code IN \
               (SELECT p.position_code FROM employees p JOIN passed ON passed.nip = p.nip) \
               AND e.nip NOT IN (SELECT nip FROM passed)) \
             SELECT r.nip, r.competency_code, r.level, r.assessed_on FROM competency_records r \
             JOIN program_develops d ON d.competency_code = r.competency_code AND d.program_code = $1 \
             WHERE r.source NOT LIKE 'program:%' \
             AND (r.nip IN (SELECT nip FROM passed) OR r.nip IN (SELECT nip FROM peers)) \
             ORDER BY r.nip, r.competency_code, r.assessed_on, r.recorded_at"
        );
        let mut history: BTreeMap<(String, String), Vec<(NaiveDate, u8)>> = BTreeMap::new();
        for r in self
            .db
            .query_all_raw(stmt(backend, &sql, vec![program.into()]))
            .await?
        {
            let level: i16 = r.try_get("", "level")?;
            history
                .entry((r.try_get("", "nip")?, r.try_get("", "competency_code")?))
                .or_default()
                .push((r.try_get("", "assessed_on")?, level.clamp(0, 5) as u8));
        }
        // The comparison group is measured across the participants' completion days, each day
        // weighted by how many completed on it.
        let mut days: BTreeMap<NaiveDate, u64> = BTreeMap::new();
        for d in passed.values() {
            *days.entry(*d).or_default() += 1;
        }
        let mut effects = Vec::with_capacity(competencies.len());
        for competency in &competencies {
            let (mut p_sum, mut p_n, mut c_sum, mut c_n) = (0i64, 0u64, 0i64, 0u64);
            for ((nip, c), h) in history.iter().filter(|((_, c), _)| c == competency) {
                debug_assert_eq!(c, competency);
                match passed.get(nip) {
                    Some(on) => {
                        if let Some(change) = level_change(h, *on) {
                            p_sum += i64::from(change);
                            p_n += 1;
                        }
                    }
                    None => {
                        for (on, weight) in &days {
                            if let Some(change) = level_change(h, *on) {
                                c_sum += i64::from(change) * *weight as i64;
                                c_n += weight;
                            }
                        }
                    }
                }
            }
            let participants_change = mean(p_sum, p_n);
            let comparison_change = mean(c_sum, c_n);
            effects.push(CompetencyEffect {
                competency: competency.clone(),
                participants: p_n,
                participants_change,
                comparison: c_n,
                comparison_change,
                difference: participants_change
                    .zip(comparison_change)
                    .map(|(a, b)| round2(a - b)),
            });
        }
        Ok(ProgramEffect {
            program: program.to_string(),
            passed: passed.len() as u64,
            competencies: effects,
            reaction: self.reaction_summary(None, Some(program)).await?,
        })
    }
}

fn read_answers(r: &sea_orm::QueryResult) -> Result<BTreeMap<String, u8>> {
    let text: String = r.try_get("", "answers")?;
    let answers: BTreeMap<String, u8> =
        serde_json::from_str(&text).map_err(|e| StoreError::Corrupt {
            table: "training_reactions",
            key: r
                .try_get::<String>("", "nip")
                .unwrap_or_else(|_| "?".to_string()),
            message: e.to_string(),
        })?;
    // Answers are kept as the questions were when given; questions no longer asked are left out.
    Ok(answers
        .into_iter()
        .filter(|(q, _)| REACTION_QUESTIONS.contains(&q.as_str()))
        .collect())
}

async fn reaction_row<C: sea_orm::ConnectionTrait>(
    db: &C,
    backend: sea_orm::DatabaseBackend,
    cohort: &str,
    nip: &str,
) -> Result<Option<ReactionRecord>> {
    let Some(r) = db
        .query_one_raw(stmt(
            backend,
            "SELECT cohort_code, nip, answers, comment, submitted_at FROM training_reactions \
             WHERE cohort_code = $1 AND nip = $2",
            vec![cohort.into(), nip.into()],
        ))
        .await?
    else {
        return Ok(None);
    };
    Ok(Some(ReactionRecord {
        cohort: r.try_get("", "cohort_code")?,
        nip: r.try_get("", "nip")?,
        answers: read_answers(&r)?,
        comment: r.try_get("", "comment")?,
        submitted_at: r.try_get("", "submitted_at")?,
    }))
}
