//! The append-only audit log: every change is written here in the transaction that makes it.

use crate::db::{Paging, Store, insert_rows};
use crate::entity::audit;
use crate::error::Result;
use crate::{Actor, Page};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Value,
};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub key: String,
    pub detail: serde_json::Value,
}

pub(crate) async fn record<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    action: &str,
    entity: &str,
    key: &str,
    detail: serde_json::Value,
    at: DateTime<Utc>,
) -> Result<()> {
    audit::Entity::insert(audit::ActiveModel {
        at: Set(at),
        actor: Set(actor.0.clone()),
        action: Set(action.to_string()),
        entity: Set(entity.to_string()),
        entity_key: Set(key.to_string()),
        detail: Set(detail.to_string()),
        ..Default::default()
    })
    .exec(conn)
    .await?;
    Ok(())
}

/// Filters of the audit list.
#[derive(Debug, Default, Clone)]
pub struct AuditFilter {
    pub entity: Option<String>,
    pub key: Option<String>,
    pub actor: Option<String>,
}

impl Store {
    /// Newest first.
    pub async fn list_audit(
        &self,
        filter: AuditFilter,
        paging: Paging,
    ) -> Result<Page<AuditEntry>> {
        let mut q = audit::Entity::find();
        if let Some(e) = filter.entity {
            q = q.filter(audit::Column::Entity.eq(e));
        }
        if let Some(k) = filter.key {
            q = q.filter(audit::Column::EntityKey.eq(k));
        }
        if let Some(a) = filter.actor {
            q = q.filter(audit::Column::Actor.eq(a));
        }
        let total = q.clone().count(&self.db).await?;
        let rows = q
            .order_by_desc(audit::Column::Id)
            .limit(paging.limit)
            .offset(paging.offset)
            .all(&self.db)
            .await?;
        let items = rows
            .into_iter()
            .map(|r| AuditEntry {
                id: r.id,
                at: r.at,
                actor: r.actor,
                action: r.action,
                entity: r.entity,
                key: r.entity_key,
                detail: serde_json::from_str(&r.detail).unwrap_or(serde_json::Value::Null),
            })
            .collect();
        Ok(paging.page(items, total))
    }
}

/// Audit entries of a bulk write, with multi-row statements.
pub(crate) async fn audit_rows(
    txn: &DatabaseTransaction,
    actor: &Actor,
    rows: Vec<(String, String, String, serde_json::Value)>,
    now: DateTime<Utc>,
) -> Result<()> {
    write_audit_values(txn, audit_values(actor, rows, now)).await
}

/// The rows [`write_audit_values`] writes (built apart, so that a bulk write can build them in
/// the background: see [`crate::db::Background`]).
pub(crate) fn audit_values(
    actor: &Actor,
    rows: Vec<(String, String, String, serde_json::Value)>,
    now: DateTime<Utc>,
) -> Vec<Value> {
    let mut values: Vec<Value> = Vec::with_capacity(rows.len() * 6);
    for (action, entity, key, detail) in rows {
        values.extend([
            now.into(),
            actor.0.clone().into(),
            action.into(),
            entity.into(),
            key.into(),
            detail.to_string().into(),
        ]);
    }
    values
}

/// A bulk write's audit entries (action, entity, key, detail) and outbox events.
pub(crate) type JournalEntries = (
    Vec<(String, String, String, serde_json::Value)>,
    Vec<crate::outbox::Event>,
);

/// A bulk write's audit entries and outbox events, serialised on a thread of the blocking pool
/// ([`crate::db::Background`]) while the write's own statements run, then written after them.
pub(crate) struct Journal(crate::db::Background<(Vec<Value>, Vec<Value>)>);

impl Journal {
    pub(crate) fn start(
        actor: &Actor,
        audits: Vec<(String, String, String, serde_json::Value)>,
        events: Vec<crate::outbox::Event>,
        now: DateTime<Utc>,
    ) -> Journal {
        Journal::build(actor, now, move || (audits, events))
    }

    /// As [`Journal::start`], the entries and events themselves built by `build` on that thread
    /// too.
    pub(crate) fn build(
        actor: &Actor,
        now: DateTime<Utc>,
        build: impl FnOnce() -> JournalEntries + Send + 'static,
    ) -> Journal {
        let actor = actor.clone();
        Journal(crate::db::Background::start(move || {
            let (audits, events) = build();
            (
                audit_values(&actor, audits, now),
                crate::outbox::outbox_rows(&events, now),
            )
        }))
    }

    /// Writes the audit entries, then the events.
    pub(crate) async fn write(self, txn: &DatabaseTransaction) -> Result<()> {
        let (audits, events) = self.0.finish().await;
        write_audit_values(txn, audits).await?;
        crate::outbox::write_outbox_rows(txn, events).await
    }
}

/// Writes the rows of [`audit_values`].
pub(crate) async fn write_audit_values(
    txn: &DatabaseTransaction,
    values: Vec<Value>,
) -> Result<()> {
    insert_rows(
        txn,
        "INSERT INTO audit_log (at, actor, action, entity, entity_key, detail)",
        "",
        6,
        values,
    )
    .await
}
