//! Drops the full index on `outbox_events.processed_at`: the engine finds pending events with the
//! partial index `ix_outbox_events_pending` (migration 6) and nothing reads processed events by
//! date, while every imported row and every claimed event paid for keeping it.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261123_000009_outbox_index"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("ix_outbox_events_processed_at")
                .table("outbox_events")
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        crate::index(
            m,
            "ix_outbox_events_processed_at",
            "outbox_events",
            &["processed_at"],
        )
        .await
    }
}
