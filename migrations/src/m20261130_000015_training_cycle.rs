//! The training cycle: saved training plans in numbered versions per year and unit scope
//! (`draft → adopted`, or withdrawn), the cohorts (angkatan) an adopted plan creates, and their
//! participants with the development-plan item each is enrolled through.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261130_000015_training_cycle"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("training_plans")
                .col(big_pk_auto("id"))
                .col(integer("year"))
                .col(string_len("unit_code", 64))
                .col(integer("version"))
                .col(string_len("status", 16))
                .col(big_integer("budget_idr"))
                .col(big_integer("cost_idr"))
                .col(big_integer("gap_closed"))
                .col(big_integer("gap_total"))
                .col(text("plan"))
                .col(timestamp_with_time_zone("saved_at"))
                .col(string_len("saved_by", 128))
                .col(timestamp_with_time_zone_null("decided_at"))
                .col(string_len_null("decided_by", 128))
                .col(text_null("withdraw_reason"))
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_training_plans_version")
                .table("training_plans")
                .col("year")
                .col("unit_code")
                .col("version")
                .unique()
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("cohorts")
                .col(string_len("code", 64).primary_key())
                .col(big_integer("plan_id"))
                .col(integer("year"))
                .col(string_len("program_code", 64))
                .col(string("provider"))
                .col(text_null("place"))
                .col(date_null("starts"))
                .col(date_null("ends"))
                .col(integer("capacity"))
                .col(string_len("route", 16))
                .col(string_len("schedule", 7))
                .col(big_integer("planned_cost_idr"))
                .col(big_integer_null("actual_cost_idr"))
                .col(timestamp_with_time_zone("updated_at"))
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_cohorts_plan")
                .table("cohorts")
                .col("plan_id")
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("cohort_participants")
                .col(string_len("cohort_code", 64))
                .col(string_len("nip", 18))
                .col(string_len("status", 16))
                .col(big_integer_null("plan_item_id"))
                .col(string_len_null("certificate_no", 128))
                .col(date_null("completed_on"))
                .col(double_null("score"))
                .col(text_null("reason"))
                .col(timestamp_with_time_zone("updated_at"))
                .primary_key(Index::create().col("cohort_code").col("nip"))
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_cohort_participants_nip")
                .table("cohort_participants")
                .col("nip")
                .take(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in ["cohort_participants", "cohorts", "training_plans"] {
            m.drop_table(Table::drop().table(Alias::new(table)).take())
                .await?;
        }
        Ok(())
    }
}
