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

/// A completed plan item as the SIASN export reads it.
#[derive(Debug, Clone)]
pub struct DevelopmentRow {
    pub nip: String,
    pub name: String,
    pub program: String,
    pub title: String,
    pub form: String,
    pub jp: i32,
    pub started_on: Option<NaiveDate>,
    pub completed_on: NaiveDate,
    /// The item's evidence (JSON) as recorded when completed by hand.
    pub evidence: Option<String>,
    /// The cohort's provider for an item completed through a cohort, else the program's.
    pub provider: String,
    /// The certificate number a cohort result carries.
    pub certificate_no: Option<String>,
}

impl Store {
    /// Completed development of a unit subtree in a year, for the SIASN export, by NIP and
    /// completion date. An item completed through a cohort carries the cohort's provider, start
    /// and certificate number.
    pub async fn development_records(&self, unit: &str, year: i32) -> Result<Vec<DevelopmentRow>> {
        self.get_unit(unit).await?;
        let sql = format!(
            "WITH RECURSIVE {} SELECT e.nip, e.name, i.program_code, g.title, g.form, i.jp_credited, \
             COALESCE(i.started_on, c.starts) AS started_on, i.completed_on, i.evidence, \
             COALESCE(c.provider, g.provider) AS provider, cp.certificate_no \
             FROM plan_items i JOIN development_plans p ON p.id = i.plan_id \
             JOIN employees e ON e.nip = p.nip JOIN programs g ON g.code = i.program_code \
             LEFT JOIN cohort_participants cp ON cp.plan_item_id = i.id AND cp.status = 'lulus' \
             LEFT JOIN cohorts c ON c.code = cp.cohort_code \
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
                Ok(DevelopmentRow {
                    nip: r.try_get("", "nip")?,
                    name: r.try_get("", "name")?,
                    program: r.try_get("", "program_code")?,
                    title: r.try_get("", "title")?,
                    form: r.try_get("", "form")?,
                    jp: r.try_get("", "jp_credited")?,
                    started_on: r.try_get("", "started_on")?,
                    completed_on: r.try_get("", "completed_on")?,
                    evidence: r.try_get("", "evidence")?,
                    provider: r.try_get("", "provider")?,
                    certificate_no: r.try_get("", "certificate_no")?,
                })
            })
            .collect()
    }

    /// Employees with approved, open plan items of programs that develop `competency` to `level`
    /// or above, due by `due`, and those enrolled (no result yet) in a cohort of such a program
    /// ending by `due` — HR's adopted plan commits them whether or not their own plan is approved.
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
                "SELECT p.nip FROM plan_items i JOIN development_plans p ON p.id = i.plan_id \
                 JOIN program_develops d ON d.program_code = i.program_code \
                 WHERE p.status = 'approved' AND i.status IN ('planned', 'in_progress') \
                 AND d.competency_code = $1 AND d.to_level >= $2 AND i.due <= $3 \
                 UNION SELECT cp.nip FROM cohort_participants cp JOIN cohorts c ON c.code = cp.cohort_code \
                 JOIN program_develops d ON d.program_code = c.program_code \
                 LEFT JOIN plan_items i ON i.id = cp.plan_item_id \
                 WHERE cp.status = 'enrolled' AND d.competency_code = $1 AND d.to_level >= $2 \
                 AND COALESCE(c.ends, i.due) <= $3",
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
