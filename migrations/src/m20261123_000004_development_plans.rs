//! Individual development plans (IDP): one plan per employee and year with its revisions and
//! items, and organisation settings (time zone, JP rules).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261123_000004_development_plans"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("development_plans")
                .col(big_pk_auto("id"))
                .col(string_len("nip", 18))
                .col(small_integer("year"))
                .col(string_len("status", 16))
                .col(integer("revision"))
                .col(integer("version"))
                .col(text_null("comment"))
                .col(string_len_null("decided_by", 128))
                .col(timestamp_with_time_zone_null("decided_at"))
                .col(timestamp_with_time_zone_null("submitted_at"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_development_plans_nip")
                        .from("development_plans", "nip")
                        .to("employees", "nip"),
                )
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_development_plans_nip_year")
                .table("development_plans")
                .col("nip")
                .col("year")
                .unique()
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_development_plans_year")
                .table("development_plans")
                .col("year")
                .take(),
        )
        .await?;

        // Each decided revision as it was decided: approved plans stay readable after edits.
        m.create_table(
            Table::create()
                .table("plan_revisions")
                .col(big_pk_auto("id"))
                .col(big_integer("plan_id"))
                .col(integer("revision"))
                .col(string_len("status", 16))
                .col(text("items"))
                .col(text_null("comment"))
                .col(string_len("decided_by", 128))
                .col(timestamp_with_time_zone("decided_at"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_plan_revisions_plan")
                        .from("plan_revisions", "plan_id")
                        .to("development_plans", "id"),
                )
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_plan_revisions_plan_revision")
                .table("plan_revisions")
                .col("plan_id")
                .col("revision")
                .unique()
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("plan_items")
                .col(big_pk_auto("id"))
                .col(big_integer("plan_id"))
                .col(string_len("program_code", 64))
                .col(date("due"))
                .col(string_len("status", 16))
                .col(integer("jp"))
                .col(integer("jp_credited"))
                .col(text_null("evidence"))
                .col(text_null("cancel_reason"))
                .col(date_null("completed_on"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_plan_items_plan")
                        .from("plan_items", "plan_id")
                        .to("development_plans", "id"),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_plan_items_program")
                        .from("plan_items", "program_code")
                        .to("programs", "code"),
                )
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_plan_items_plan")
                .table("plan_items")
                .col("plan_id")
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("settings")
                .col(string_len("key", 64).primary_key())
                .col(text("value"))
                .take(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "settings",
            "plan_items",
            "plan_revisions",
            "development_plans",
        ] {
            m.drop_table(Table::drop().table(t).take()).await?;
        }
        Ok(())
    }
}
