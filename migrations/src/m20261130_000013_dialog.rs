//! Dialog kinerja: the dated thread per employee and year between the employee and the
//! supervisor; upward feedback about a supervisor, one answer per report and year.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261130_000013_dialog"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("dialog_entries")
                .col(big_pk_auto("id"))
                .col(string_len("nip", 18))
                .col(integer("year"))
                .col(string_len("author_nip", 18))
                .col(string_len("kind", 24))
                .col(text("text"))
                .col(string_len_null("value", 32))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone_null("acknowledged_at"))
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_dialog_entries_nip_year")
                .table("dialog_entries")
                .col("nip")
                .col("year")
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("upward_feedback")
                .col(string_len("supervisor_nip", 18))
                .col(string_len("respondent_nip", 18))
                .col(integer("year"))
                .col(text("answers"))
                .col(text_null("comment"))
                .col(timestamp_with_time_zone("updated_at"))
                .primary_key(
                    Index::create()
                        .col("supervisor_nip")
                        .col("respondent_nip")
                        .col("year"),
                )
                .take(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("upward_feedback").take())
            .await?;
        m.drop_table(Table::drop().table("dialog_entries").take())
            .await
    }
}
