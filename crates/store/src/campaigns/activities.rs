//! Campaign activities (a sosialisasi moves attendees without a stage to awareness; a resent
//! activity is not doubled) and surveys.

#[allow(unused_imports)]
use super::*;

/// A short stable hash (FNV-1a) for dedup keys.
pub(super) fn fnv(s: &str) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}

impl Store {
    /// Records an activity; a sosialisasi moves attendees who have no stage yet to awareness.
    /// The same activity sent again (same kind, unit, day, title and attendees) is not doubled.
    #[allow(clippy::too_many_arguments)]
    pub async fn add_activity(
        &self,
        actor: &Actor,
        code: &str,
        kind: jenjang_core::adkar::ActivityKind,
        unit: &str,
        held_on: NaiveDate,
        title: Option<&str>,
        notes: Option<&str>,
        attendees: &[String],
    ) -> Result<(Activity, bool)> {
        let txn = self.begin_write().await?;
        let c = campaign(&txn, code).await?;
        let mut problems = Vec::new();
        crate::reference::require_existing(
            &txn,
            &mut problems,
            "units",
            "code",
            "unit",
            [("unit".to_string(), unit)],
        )
        .await?;
        crate::reference::require_existing(
            &txn,
            &mut problems,
            "employees",
            "nip",
            "employee",
            attendees
                .iter()
                .enumerate()
                .map(|(i, n)| (format!("attendees[{i}]"), n.as_str())),
        )
        .await?;
        if !problems.is_empty() {
            return Err(StoreError::Invalid(problems));
        }
        let mut sorted = attendees.to_vec();
        sorted.sort();
        sorted.dedup();
        let dedup = format!(
            "{code}:{}:{unit}:{held_on}:{}:{:x}",
            kind.as_str(),
            title.unwrap_or(""),
            fnv(&sorted.join(","))
        );
        let now = self.now();
        let inserted = txn
            .query_one_raw(stmt(
                self.backend(),
                "INSERT INTO campaign_activities (campaign_code, kind, unit_code, held_on, title, notes, attendees, dedup_key, created_at, recorded_by) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (dedup_key) DO NOTHING RETURNING id",
                vec![
                    code.into(),
                    kind.as_str().into(),
                    unit.into(),
                    held_on.into(),
                    title.map(str::to_string).into(),
                    notes.map(str::to_string).into(),
                    serde_json::to_string(&sorted).unwrap_or_default().into(),
                    dedup.clone().into(),
                    now.into(),
                    actor.0.clone().into(),
                ],
            ))
            .await?;
        let Some(row) = inserted else {
            let existing = self
                .activities_where(&txn, "dedup_key = $1", vec![dedup.into()])
                .await?;
            let a = existing
                .into_iter()
                .next()
                .ok_or_else(|| StoreError::Conflict("the activity could not be stored".into()))?;
            return Ok((a, false));
        };
        let id: i64 = row.try_get("", "id")?;
        let mut moved = None;
        if let Some(first) = kind.first_stage_of_attendees() {
            let current: HashMap<String, Option<Stage>> = targets(&txn, &c)
                .await?
                .into_iter()
                .map(|t| (t.nip, t.stage))
                .collect();
            let mut n = 0;
            for nip in &sorted {
                if let Some(None) = current.get(nip) {
                    write_move(
                        &txn,
                        actor,
                        code,
                        nip,
                        None,
                        first,
                        false,
                        None,
                        &format!("activity:{id}"),
                        now,
                    )
                    .await?;
                    n += 1;
                }
            }
            moved = Some(n);
        }
        audit::record(
            &txn,
            actor,
            "add_activity",
            "campaign",
            code,
            serde_json::json!({"id": id, "kind": kind, "unit": unit, "attendees": sorted.len()}),
            self.now(),
        )
        .await?;
        txn.commit().await?;
        Ok((
            Activity {
                id,
                kind: kind.as_str().into(),
                unit: unit.into(),
                held_on,
                title: title.map(str::to_string),
                notes: notes.map(str::to_string),
                attendees: sorted,
                moved_to_awareness: moved,
            },
            true,
        ))
    }

    pub(super) async fn activities_where<C: ConnectionTrait>(
        &self,
        conn: &C,
        filter: &str,
        values: Vec<Value>,
    ) -> Result<Vec<Activity>> {
        let rows = conn
            .query_all_raw(stmt(
                self.backend(),
                &format!("SELECT id, kind, unit_code, held_on, title, notes, attendees FROM campaign_activities WHERE {filter} ORDER BY held_on, id"),
                values,
            ))
            .await?;
        rows.iter()
            .map(|r| {
                Ok(Activity {
                    id: r.try_get("", "id")?,
                    kind: r.try_get("", "kind")?,
                    unit: r.try_get("", "unit_code")?,
                    held_on: r.try_get("", "held_on")?,
                    title: r.try_get("", "title")?,
                    notes: r.try_get("", "notes")?,
                    attendees: serde_json::from_str(&r.try_get::<String>("", "attendees")?)
                        .unwrap_or_default(),
                    moved_to_awareness: None,
                })
            })
            .collect()
    }

    pub async fn campaign_activities(&self, code: &str) -> Result<Vec<Activity>> {
        self.activities_where(&self.db, "campaign_code = $1", vec![code.into()])
            .await
    }

    pub async fn add_campaign_survey(
        &self,
        actor: &Actor,
        code: &str,
        survey: &Survey,
    ) -> Result<()> {
        let txn = self.begin_write().await?;
        campaign(&txn, code).await?;
        let mut problems = Vec::new();
        if let Some(n) = &survey.nip {
            crate::reference::require_existing(
                &txn,
                &mut problems,
                "employees",
                "nip",
                "employee",
                [("nip".to_string(), n.as_str())],
            )
            .await?;
        }
        if let Some(u) = &survey.unit {
            crate::reference::require_existing(
                &txn,
                &mut problems,
                "units",
                "code",
                "unit",
                [("unit".to_string(), u.as_str())],
            )
            .await?;
        }
        if !problems.is_empty() {
            return Err(StoreError::Invalid(problems));
        }
        let mut values: Vec<Value> = vec![
            code.into(),
            survey.nip.clone().into(),
            survey.unit.clone().into(),
        ];
        values.extend(survey.scores.iter().map(|s| (*s).into()));
        values.push(survey.surveyed_on.into());
        values.push(self.now().into());
        txn.execute_raw(stmt(
            self.backend(),
            "INSERT INTO campaign_surveys (campaign_code, nip, unit_code, awareness, desire, knowledge, ability, reinforcement, surveyed_on, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            values,
        ))
        .await?;
        audit::record(
            &txn,
            actor,
            "add_survey",
            "campaign",
            code,
            serde_json::to_value(survey).unwrap_or_default(),
            self.now(),
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Survey averages per element and how many surveys there were.
    pub async fn campaign_survey_averages(&self, code: &str) -> Result<(u64, [f64; 5])> {
        let row = self
            .db
            .query_one_raw(stmt(
                self.backend(),
                "SELECT COUNT(*) AS n, AVG(awareness * 1.0) AS a, AVG(desire * 1.0) AS d, AVG(knowledge * 1.0) AS k, \
                 AVG(ability * 1.0) AS ab, AVG(reinforcement * 1.0) AS r FROM campaign_surveys WHERE campaign_code = $1",
                vec![code.into()],
            ))
            .await?;
        let Some(r) = row else {
            return Ok((0, [0.0; 5]));
        };
        let n: i64 = r.try_get("", "n")?;
        let avg = |c: &str| -> f64 {
            r.try_get::<Option<f64>>("", c)
                .ok()
                .flatten()
                .or_else(|| {
                    r.try_get::<Option<sea_orm::prelude::Decimal>>("", c)
                        .ok()
                        .flatten()
                        .and_then(|d| d.to_string().parse().ok())
                })
                .unwrap_or(0.0)
        };
        Ok((
            n as u64,
            [avg("a"), avg("d"), avg("k"), avg("ab"), avg("r")],
        ))
    }
}
