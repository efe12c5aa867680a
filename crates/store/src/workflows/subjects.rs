//! Who an instance is about and who acts for them: subjects with their supervisor, second
//! supervisor and unit head found up the unit tree, and the per-subject inputs steps read (JP of
//! the year, talent inputs).

#[allow(unused_imports)]
use super::*;

/// The subjects of a batch, with who supervises them: a statement per chunk of NIPs for the
/// subjects, one for the heads above them and one for the heads above their supervisors.
///
/// The supervisor is the one recorded (`atasan_nip`); without one, the head of the nearest unit
/// up the tree headed by someone else (the unit's head; for a head, the parent unit's head).
/// The second supervisor is the supervisor's supervisor found the same way.
pub async fn subjects<C: ConnectionTrait>(
    conn: &C,
    nips: &[&str],
) -> Result<HashMap<String, Subject>> {
    let backend = conn.get_database_backend();
    let mut out = HashMap::with_capacity(nips.len());
    for chunk in nips.chunks(rows_per_statement(1)) {
        let sql = format!(
            "SELECT e.nip, e.name, e.unit_code, e.position_code, p.kind AS position_kind, e.supervisor_nip \
             FROM employees e \
             LEFT JOIN positions p ON p.code = e.position_code \
             WHERE e.nip IN ({})",
            placeholders(1, chunk.len())
        );
        let rows = conn
            .query_all_raw(stmt(
                backend,
                &sql,
                chunk.iter().map(|n| (*n).into()).collect(),
            ))
            .await?;
        for r in &rows {
            let s = Subject {
                nip: r.try_get("", "nip")?,
                name: r.try_get("", "name")?,
                unit: r.try_get("", "unit_code")?,
                position: r.try_get("", "position_code")?,
                position_kind: r.try_get("", "position_kind")?,
                supervisor_nip: r.try_get("", "supervisor_nip")?,
                second_supervisor_nip: None,
                unit_head_nip: None,
            };
            out.insert(s.nip.clone(), s);
        }
    }
    let found: Vec<&str> = out.keys().map(String::as_str).collect();
    let heads = heads_above(conn, &found).await?;
    for s in out.values_mut() {
        s.unit_head_nip = heads.get(&s.nip).cloned();
        if s.supervisor_nip.is_none() {
            s.supervisor_nip = s.unit_head_nip.clone();
        }
    }
    let supervisors: Vec<String> = out
        .values()
        .filter_map(|s| s.supervisor_nip.clone())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let supervisors: Vec<&str> = supervisors.iter().map(String::as_str).collect();
    let mut above = recorded_supervisors(conn, &supervisors).await?;
    let missing: Vec<&str> = supervisors
        .iter()
        .copied()
        .filter(|n| !above.contains_key(*n))
        .collect();
    above.extend(heads_above(conn, &missing).await?);
    for s in out.values_mut() {
        s.second_supervisor_nip = s
            .supervisor_nip
            .as_ref()
            .and_then(|sup| above.get(sup).cloned());
    }
    Ok(out)
}

/// The recorded supervisor of each of `nips` that has one.
pub(super) async fn recorded_supervisors<C: ConnectionTrait>(
    conn: &C,
    nips: &[&str],
) -> Result<HashMap<String, String>> {
    nip_pairs(conn, nips, |list| {
        format!(
            "SELECT nip, supervisor_nip AS other FROM employees \
             WHERE supervisor_nip IS NOT NULL AND nip IN ({list})"
        )
    })
    .await
}

/// For each of `nips`, the head of the nearest unit from their own upwards that is headed by
/// someone else (none at the top of a tree without such a head). One recursive statement per
/// chunk; the walk climbs only past units without another head.
pub async fn heads_above<C: ConnectionTrait>(
    conn: &C,
    nips: &[&str],
) -> Result<HashMap<String, String>> {
    nip_pairs(conn, nips, |list| {
        format!(
            "WITH RECURSIVE chain(nip, parent_code, head_nip, depth) AS ( \
                 SELECT e.nip, u.parent_code, u.head_nip, 0 FROM employees e \
                 JOIN units u ON u.code = e.unit_code WHERE e.nip IN ({list}) \
               UNION ALL \
                 SELECT c.nip, u.parent_code, u.head_nip, c.depth + 1 FROM chain c \
                 JOIN units u ON u.code = c.parent_code \
                 WHERE (c.head_nip IS NULL OR c.head_nip = c.nip) AND c.depth < 100 \
             ) \
             SELECT nip, head_nip AS other FROM chain \
             WHERE head_nip IS NOT NULL AND head_nip <> nip ORDER BY depth"
        )
    })
    .await
}

/// Runs `sql` (given the placeholder list of a chunk) for each chunk of `nips`, keeping the
/// first `other` answered for each `nip`.
pub(super) async fn nip_pairs<C: ConnectionTrait>(
    conn: &C,
    nips: &[&str],
    sql: impl Fn(&str) -> String,
) -> Result<HashMap<String, String>> {
    let mut out = HashMap::new();
    for chunk in nips.chunks(rows_per_statement(1)) {
        let rows = conn
            .query_all_raw(stmt(
                conn.get_database_backend(),
                &sql(&placeholders(1, chunk.len())),
                chunk.iter().map(|n| (*n).into()).collect(),
            ))
            .await?;
        for r in &rows {
            let nip: String = r.try_get("", "nip")?;
            let other: String = r.try_get("", "other")?;
            out.entry(nip).or_insert(other);
        }
    }
    Ok(out)
}

/// Every employee's JP for `year`: (nip, completed, planned and not yet completed).
pub async fn jp_of_everyone<C: ConnectionTrait>(
    conn: &C,
    year: i32,
) -> Result<Vec<(String, u32, u32)>> {
    let rows = conn
        .query_all_raw(stmt(
            conn.get_database_backend(),
            &format!(
                "SELECT e.nip, {} \
                 FROM employees e LEFT JOIN development_plans p ON p.nip = e.nip AND p.year = $1 \
                 LEFT JOIN plan_items i ON i.plan_id = p.id GROUP BY e.nip ORDER BY e.nip",
                crate::plans::JP_TALLY
            ),
            vec![(year as i16).into()],
        ))
        .await?;
    rows.iter()
        .map(|r| {
            let tally = crate::plans::jp_tally(r)?;
            Ok((r.try_get("", "nip")?, tally.completed, tally.open))
        })
        .collect()
}

/// Every active employee with a supervisor who has no dialog entry written in `[from, to)`:
/// (nip, supervisor_nip). One query.
pub async fn dialog_silent<C: ConnectionTrait>(
    conn: &C,
    from: chrono::DateTime<chrono::Utc>,
    to: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<(String, String)>> {
    let rows = conn
        .query_all_raw(stmt(
            conn.get_database_backend(),
            "SELECT e.nip, e.supervisor_nip FROM employees e \
             WHERE e.supervisor_nip IS NOT NULL AND e.status = 'aktif' AND NOT EXISTS ( \
               SELECT 1 FROM dialog_entries d WHERE d.nip = e.nip \
               AND d.created_at >= $1 AND d.created_at < $2) ORDER BY e.nip",
            vec![from.into(), to.into()],
        ))
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("", "nip")?, r.try_get("", "supervisor_nip")?)))
        .collect()
}

/// An employee's potential and evaluations (period, predikat), for their talent box.
pub async fn talent_inputs<C: ConnectionTrait>(
    conn: &C,
    nip: &str,
) -> Result<(Option<Potential>, Vec<(Period, Predikat)>)> {
    let backend = conn.get_database_backend();
    let potential = conn
        .query_one_raw(stmt(
            backend,
            "SELECT potential FROM employees WHERE nip = $1",
            vec![nip.into()],
        ))
        .await?
        .map(|r| r.try_get::<Option<String>>("", "potential"))
        .transpose()?
        .flatten()
        .map(|p| stored("employees", nip, &p))
        .transpose()?;
    let rows = conn
        .query_all_raw(stmt(
            backend,
            "SELECT period, predikat FROM evaluations WHERE nip = $1",
            vec![nip.into()],
        ))
        .await?;
    let evaluations = rows
        .iter()
        .map(|r| {
            let period: String = r.try_get("", "period")?;
            let key = format!("{nip}/{period}");
            Ok((
                stored("evaluations", &key, &period)?,
                stored("evaluations", &key, &r.try_get::<String>("", "predikat")?)?,
            ))
        })
        .collect::<Result<_>>()?;
    Ok((potential, evaluations))
}
