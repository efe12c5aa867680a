//! The citizens' survey: one-time form tokens (against replays; nothing about the citizen is
//! kept) and the anonymous responses per unit and period.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261130_000012_public_survey"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("survey_tokens")
                .col(string_len("token", 64).primary_key())
                .col(string_len("unit_code", 64))
                .col(timestamp_with_time_zone("issued_at"))
                .col(timestamp_with_time_zone_null("used_at"))
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("survey_responses")
                .col(big_pk_auto("id"))
                .col(string_len("unit_code", 64))
                .col(string_len("period", 7))
                .col(text("answers"))
                .col(text_null("comment"))
                .col(timestamp_with_time_zone("received_at"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_survey_responses_unit")
                        .from("survey_responses", "unit_code")
                        .to("units", "code"),
                )
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_survey_responses_unit_period")
                .table("survey_responses")
                .col("unit_code")
                .col("period")
                .take(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("survey_responses").take())
            .await?;
        m.drop_table(Table::drop().table("survey_tokens").take())
            .await
    }
}
