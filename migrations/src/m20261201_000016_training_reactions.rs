//! The participants' reaction to a training (Kirkpatrick level 1), one answer per participant
//! and cohort, and the way from a completed plan item back to the cohort it came through (the
//! SIASN export reads the certificate number there).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261201_000016_training_reactions"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("training_reactions")
                .col(string_len("cohort_code", 64))
                .col(string_len("nip", 18))
                .col(text("answers"))
                .col(text_null("comment"))
                .col(timestamp_with_time_zone("submitted_at"))
                .primary_key(Index::create().col("cohort_code").col("nip"))
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_cohort_participants_item")
                .table("cohort_participants")
                .col("plan_item_id")
                .take(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("ix_cohort_participants_item")
                .table("cohort_participants")
                .to_owned(),
        )
        .await?;
        m.drop_table(Table::drop().table("training_reactions").take())
            .await
    }
}
