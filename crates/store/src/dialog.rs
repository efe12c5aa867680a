//! Dialog kinerja entries and upward feedback. An entry is written with its audit entry and
//! its `dialog.recorded` event in one transaction. Upward feedback is stored with who gave it
//! (one answer per report and year, a repeat replaces it) but read back only without it.

use crate::db::{Store, stmt};
use crate::error::{Result, StoreError};
use crate::outbox::{Event, outbox};
use crate::{Actor, audit};
use chrono::{DateTime, Utc};
use jenjang_core::events::{DialogRecorded, DomainEvent};
use sea_orm::{ConnectionTrait, QueryResult};
use serde::Serialize;

/// One entry of the thread.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct DialogEntry {
    pub id: i64,
    pub nip: String,
    pub year: i32,
    pub author_nip: String,
    /// ekspektasi | umpan_balik | catatan | pertanyaan
    pub kind: String,
    pub text: String,
    /// A BerAKHLAK value the entry is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// The RHK of the employee's SKP the entry is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rhk_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub acknowledged_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str =
    "id, nip, year, author_nip, kind, text, value, rhk_id, created_at, acknowledged_at";

fn entry_from(r: &QueryResult) -> Result<DialogEntry> {
    Ok(DialogEntry {
        id: r.try_get("", "id")?,
        nip: r.try_get("", "nip")?,
        year: r.try_get("", "year")?,
        author_nip: r.try_get("", "author_nip")?,
        kind: r.try_get("", "kind")?,
        text: r.try_get("", "text")?,
        value: r.try_get("", "value")?,
        rhk_id: r.try_get("", "rhk_id")?,
        created_at: r.try_get("", "created_at")?,
        acknowledged_at: r.try_get("", "acknowledged_at")?,
    })
}

/// A new entry.
#[derive(Debug, Clone)]
pub struct NewDialogEntry {
    pub nip: String,
    pub year: i32,
    pub author_nip: String,
    pub kind: String,
    pub text: String,
    pub value: Option<String>,
    pub rhk_id: Option<i64>,
    /// When it was written; now unless a dataset's history says otherwise.
    pub at: Option<DateTime<Utc>>,
}

impl Store {
    /// The thread of `nip` in `year`, oldest first.
    pub async fn dialog(&self, nip: &str, year: i32) -> Result<Vec<DialogEntry>> {
        let rows = self
            .db
            .query_all_raw(stmt(
                self.backend(),
                &format!(
                    "SELECT {COLUMNS} FROM dialog_entries WHERE nip = $1 AND year = $2 ORDER BY created_at, id"
                ),
                vec![nip.into(), year.into()],
            ))
            .await?;
        rows.iter().map(entry_from).collect()
    }

    pub async fn dialog_entry(&self, id: i64) -> Result<DialogEntry> {
        let row = self
            .db
            .query_one_raw(stmt(
                self.backend(),
                &format!("SELECT {COLUMNS} FROM dialog_entries WHERE id = $1"),
                vec![id.into()],
            ))
            .await?;
        match row {
            Some(r) => entry_from(&r),
            None => Err(StoreError::not_found("dialog entry", id.to_string())),
        }
    }

    /// Writes an entry with its audit entry and event.
    pub async fn add_dialog_entry(
        &self,
        actor: &Actor,
        new: &NewDialogEntry,
    ) -> Result<DialogEntry> {
        self.get_employee(&new.nip).await?;
        let txn = self.begin_write().await?;
        let row = txn
            .query_one_raw(stmt(
                self.backend(),
                "INSERT INTO dialog_entries (nip, year, author_nip, kind, text, value, rhk_id, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                vec![
                    new.nip.clone().into(),
                    new.year.into(),
                    new.author_nip.clone().into(),
                    new.kind.clone().into(),
                    new.text.clone().into(),
                    new.value.clone().into(),
                    new.rhk_id.into(),
                    new.at.unwrap_or_else(|| self.now()).into(),
                ],
            ))
            .await?
            .ok_or_else(|| StoreError::Corrupt {
                table: "dialog_entries",
                key: new.nip.clone(),
                message: "no id returned".into(),
            })?;
        let id: i64 = row.try_get("", "id")?;
        audit::record(
            &txn,
            actor,
            "create",
            "dialog_entry",
            &format!("{}/{}", new.nip, new.year),
            serde_json::json!({"id": id, "kind": new.kind, "author": new.author_nip}),
            self.now(),
        )
        .await?;
        outbox(
            &txn,
            &[Event {
                event: DomainEvent::DialogRecorded(DialogRecorded {
                    id,
                    nip: new.nip.clone(),
                    year: new.year,
                    kind: new.kind.clone(),
                    author_nip: new.author_nip.clone(),
                    value: new.value.clone(),
                }),
                dedup_key: format!("dialog:{id}"),
            }],
            self.now(),
        )
        .await?;
        txn.commit().await?;
        self.dialog_entry(id).await
    }

    /// Marks an entry acknowledged (the first time only).
    pub async fn acknowledge_dialog(&self, actor: &Actor, id: i64) -> Result<DialogEntry> {
        let entry = self.dialog_entry(id).await?;
        if entry.acknowledged_at.is_none() {
            let txn = self.begin_write().await?;
            txn.execute_raw(stmt(
                self.backend(),
                "UPDATE dialog_entries SET acknowledged_at = $1 WHERE id = $2 AND acknowledged_at IS NULL",
                vec![self.now().into(), id.into()],
            ))
            .await?;
            audit::record(
                &txn,
                actor,
                "acknowledge",
                "dialog_entry",
                &format!("{}/{}", entry.nip, entry.year),
                serde_json::json!({"id": id}),
                self.now(),
            )
            .await?;
            txn.commit().await?;
        }
        self.dialog_entry(id).await
    }

    /// Keeps a report's upward feedback about `supervisor` for `year` (a repeat replaces it).
    pub async fn save_upward_feedback(
        &self,
        supervisor: &str,
        respondent: &str,
        year: i32,
        answers: &[u8],
        comment: Option<&str>,
    ) -> Result<()> {
        let txn = self.begin_write().await?;
        txn.execute_raw(stmt(
            self.backend(),
            "INSERT INTO upward_feedback (supervisor_nip, respondent_nip, year, answers, comment, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (supervisor_nip, respondent_nip, year) \
             DO UPDATE SET answers = excluded.answers, comment = excluded.comment, updated_at = excluded.updated_at",
            vec![
                supervisor.into(),
                respondent.into(),
                year.into(),
                serde_json::to_string(answers).unwrap_or_default().into(),
                comment.map(str::to_string).into(),
                self.now().into(),
            ],
        ))
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// The upward feedback about `supervisor` in `year`: the answers and the comments, in an
    /// order that says nothing about who gave them (answers sorted, comments sorted).
    pub async fn upward_feedback(
        &self,
        supervisor: &str,
        year: i32,
    ) -> Result<(Vec<Vec<u8>>, Vec<String>)> {
        let rows = self
            .db
            .query_all_raw(stmt(
                self.backend(),
                "SELECT answers, comment FROM upward_feedback WHERE supervisor_nip = $1 AND year = $2",
                vec![supervisor.into(), year.into()],
            ))
            .await?;
        let mut answers = Vec::new();
        let mut comments = Vec::new();
        for r in rows {
            let text: String = r.try_get("", "answers")?;
            answers.push(serde_json::from_str::<Vec<u8>>(&text).unwrap_or_default());
            if let Some(c) = r.try_get::<Option<String>>("", "comment")?
                && !c.trim().is_empty()
            {
                comments.push(c);
            }
        }
        answers.sort();
        comments.sort();
        Ok((answers, comments))
    }
}
