//! The outbox: domain events written in the transaction of the change that caused them, once
//! per dedup key, for the workflow engine to claim.

use crate::db::{insert_new_rows, insert_rows};
use crate::error::Result;
use chrono::{DateTime, Utc};
use jenjang_core::events::DomainEvent;
use sea_orm::{ConnectionTrait, DatabaseTransaction, Value};

/// A domain event for the outbox, with the key that makes a replayed change write it once.
pub(crate) struct Event {
    pub event: DomainEvent,
    pub dedup_key: String,
}

/// Writes outbox events with multi-row statements; a repeated key is ignored (that event
/// exists already), so a replayed change produces no second event.
pub(crate) async fn outbox<C: ConnectionTrait>(
    conn: &C,
    events: &[Event],
    now: DateTime<Utc>,
) -> Result<()> {
    insert_rows(
        conn,
        OUTBOX_INSERT,
        ONCE_PER_KEY,
        5,
        outbox_rows(events, now),
    )
    .await
}

const OUTBOX_INSERT: &str =
    "INSERT INTO outbox_events (kind, subject_nip, payload, dedup_key, created_at)";
const ONCE_PER_KEY: &str = "ON CONFLICT (dedup_key) DO NOTHING";

/// The rows [`write_outbox_rows`] writes for `events` (built apart, so that a bulk write can
/// build them in the background: see [`crate::db::Background`]).
pub(crate) fn outbox_rows(events: &[Event], now: DateTime<Utc>) -> Vec<Value> {
    let mut values: Vec<Value> = Vec::with_capacity(events.len() * 5);
    for e in events {
        values.extend([
            e.event.kind().into(),
            e.event.subject().map(str::to_string).into(),
            e.event.payload_text().into(),
            e.dedup_key.clone().into(),
            now.into(),
        ]);
    }
    values
}

/// Writes the rows of [`outbox_rows`] of a bulk write, whose events are mostly new (see
/// [`insert_new_rows`]).
pub(crate) async fn write_outbox_rows(txn: &DatabaseTransaction, values: Vec<Value>) -> Result<()> {
    insert_new_rows(txn, OUTBOX_INSERT, ONCE_PER_KEY, 5, values).await
}
