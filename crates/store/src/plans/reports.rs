//! What plans add up to across people: development records, who is planned to reach a level by a
//! date, and the JP of every employee (one tally with core::idp::JpTally).

#[allow(unused_imports)]
use super::*;

/// The JP tally of `core::idp::JpTally` in SQL, over `plan_items i` grouped per employee
/// (`open_jp`, `done_jp`; read back with [`jp_tally`]): the set-based reads count with it.
pub(crate) const JP_TALLY: &str = "COALESCE(SUM(CASE WHEN i.status <> 'cancelled' AND i.status <> 'completed' THEN i.jp ELSE 0 END), 0) AS open_jp, \
     COALESCE(SUM(CASE WHEN i.status = 'completed' THEN i.jp_credited ELSE 0 END), 0) AS done_jp";

/// A row's [`JP_TALLY`] columns.
pub(crate) fn jp_tally(row: &QueryResult) -> Result<JpTally> {
    let open: i64 = row.try_get("", "open_jp")?;
    let done: i64 = row.try_get("", "done_jp")?;
    Ok(JpTally {
        completed: u32::try_from(done.max(0)).unwrap_or(u32::MAX),
        open: u32::try_from(open.max(0)).unwrap_or(u32::MAX),
    })
}

impl Store {
    /// Completed development of a unit subtree in a year, for the SIASN export: (nip, name,
    /// program, title, form, JP credited, started on, completed on, evidence, provider), by NIP
    /// and completion date.
    #[allow(clippy::type_complexity)]
    pub async fn development_records(
        &self,
        unit: &str,
        year: i32,
    ) -> Result<
        Vec<(
            String,
            String,
            String,
            String,
            String,
            i32,
            Option<NaiveDate>,
            NaiveDate,
            Option<String>,
            String,
        )>,
    > {
        self.get_unit(unit).await?;
        let sql = format!(
            "WITH RECURSIVE {} SELECT e.nip, e.name, i.program_code, g.title, g.form, i.jp_credited, i.started_on, \
             i.completed_on, i.evidence, g.provider FROM plan_items i JOIN development_plans p ON p.id = i.plan_id \
             JOIN employees e ON e.nip = p.nip JOIN programs g ON g.code = i.program_code \
             WHERE i.status = 'completed' AND p.year = $2 AND e.unit_code IN (SELECT code FROM sub) \
             ORDER BY e.nip, i.completed_on, i.id",
            crate::analytics::SUBTREE
        );
        let rows = self
            .db
            .query_all_raw(stmt(
                self.backend(),
                &sql,
                vec![unit.into(), (year as i16).into()],
            ))
            .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("", "nip")?,
                    r.try_get("", "name")?,
                    r.try_get("", "program_code")?,
                    r.try_get("", "title")?,
                    r.try_get("", "form")?,
                    r.try_get("", "jp_credited")?,
                    r.try_get("", "started_on")?,
                    r.try_get("", "completed_on")?,
                    r.try_get("", "evidence")?,
                    r.try_get("", "provider")?,
                ))
            })
            .collect()
    }

    /// Employees with approved, open plan items of programs that develop `competency` to `level`
    /// or above, due by `due`.
    pub async fn planned_to_reach(
        &self,
        competency: &str,
        level: u8,
        due: NaiveDate,
    ) -> Result<std::collections::HashSet<String>> {
        let rows = self
            .db
            .query_all_raw(stmt(
                self.backend(),
                "SELECT DISTINCT p.nip FROM plan_items i JOIN development_plans p ON p.id = i.plan_id \
                 JOIN program_develops d ON d.program_code = i.program_code \
                 WHERE p.status = 'approved' AND i.status IN ('planned', 'in_progress') \
                 AND d.competency_code = $1 AND d.to_level >= $2 AND i.due <= $3",
                vec![competency.into(), (level as i16).into(), due.into()],
            ))
            .await?;
        rows.iter()
            .map(|r| r.try_get::<String>("", "nip").map_err(StoreError::from))
            .collect()
    }

    /// JP per employee of a unit subtree for a year: (nip, name, unit, planned, completed), by NIP.
    pub async fn jp_by_employee(
        &self,
        unit: &str,
        year: i32,
    ) -> Result<Vec<(String, String, String, u32, u32)>> {
        self.get_unit(unit).await?;
        let sql = format!(
            "WITH RECURSIVE {} SELECT e.nip, e.name, e.unit_code, \
             {JP_TALLY} \
             FROM employees e LEFT JOIN development_plans p ON p.nip = e.nip AND p.year = $2 \
             LEFT JOIN plan_items i ON i.plan_id = p.id \
             WHERE e.unit_code IN (SELECT code FROM sub) GROUP BY e.nip, e.name, e.unit_code ORDER BY e.nip",
            crate::analytics::SUBTREE
        );
        let rows = self
            .db
            .query_all_raw(stmt(
                self.backend(),
                &sql,
                vec![unit.into(), (year as i16).into()],
            ))
            .await?;
        rows.iter()
            .map(|r| {
                let tally = jp_tally(r)?;
                Ok((
                    r.try_get("", "nip")?,
                    r.try_get("", "name")?,
                    r.try_get("", "unit_code")?,
                    tally.planned(),
                    tally.completed,
                ))
            })
            .collect()
    }
}
