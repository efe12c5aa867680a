//! Change-adoption campaigns (ADKAR): the campaign and its target units, each employee's current
//! stage with every move kept (steps back are resistance), activities with attendees, and
//! optional ADKAR survey scores.

use crate::index;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261123_000007_campaigns"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("campaigns")
                .col(string_len("code", 64).primary_key())
                .col(string("title"))
                .col(text_null("description"))
                .col(string_len("sponsor_nip", 18))
                .col(date("starts"))
                .col(date("ends"))
                .col(double("adoption_target"))
                .col(string_len("adopted_from", 16))
                .col(boolean("allow_skips"))
                .col(text("position_kinds"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("campaign_units")
                .col(string_len("campaign_code", 64))
                .col(string_len("unit_code", 64))
                .primary_key(Index::create().col("campaign_code").col("unit_code"))
                .take(),
        )
        .await?;
        // The current stage of each employee in a campaign.
        m.create_table(
            Table::create()
                .table("campaign_stages")
                .col(string_len("campaign_code", 64))
                .col(string_len("nip", 18))
                .col(string_len("stage", 16))
                .col(timestamp_with_time_zone("updated_at"))
                .primary_key(Index::create().col("campaign_code").col("nip"))
                .take(),
        )
        .await?;
        // Every move, never overwritten; a step back is resistance with its note.
        m.create_table(
            Table::create()
                .table("campaign_stage_moves")
                .col(big_pk_auto("id"))
                .col(string_len("campaign_code", 64))
                .col(string_len("nip", 18))
                .col(string_len_null("from_stage", 16))
                .col(string_len("to_stage", 16))
                .col(boolean("resistance"))
                .col(text_null("note"))
                .col(string_len("source", 32))
                .col(timestamp_with_time_zone("at"))
                .col(string_len("recorded_by", 128))
                .take(),
        )
        .await?;
        index(
            m,
            "ix_campaign_stage_moves_campaign",
            "campaign_stage_moves",
            &["campaign_code", "resistance"],
        )
        .await?;
        m.create_table(
            Table::create()
                .table("campaign_activities")
                .col(big_pk_auto("id"))
                .col(string_len("campaign_code", 64))
                .col(string_len("kind", 32))
                .col(string_len("unit_code", 64))
                .col(date("held_on"))
                .col(string_null("title"))
                .col(text_null("notes"))
                .col(text("attendees"))
                .col(string_len("dedup_key", 255).unique_key())
                .col(timestamp_with_time_zone("created_at"))
                .col(string_len("recorded_by", 128))
                .take(),
        )
        .await?;
        index(
            m,
            "ix_campaign_activities_campaign",
            "campaign_activities",
            &["campaign_code", "held_on"],
        )
        .await?;
        m.create_table(
            Table::create()
                .table("campaign_surveys")
                .col(big_pk_auto("id"))
                .col(string_len("campaign_code", 64))
                .col(string_len_null("nip", 18))
                .col(string_len_null("unit_code", 64))
                .col(small_integer("awareness"))
                .col(small_integer("desire"))
                .col(small_integer("knowledge"))
                .col(small_integer("ability"))
                .col(small_integer("reinforcement"))
                .col(date("surveyed_on"))
                .col(timestamp_with_time_zone("created_at"))
                .take(),
        )
        .await?;
        index(
            m,
            "ix_campaign_surveys_campaign",
            "campaign_surveys",
            &["campaign_code"],
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "campaign_surveys",
            "campaign_activities",
            "campaign_stage_moves",
            "campaign_stages",
            "campaign_units",
            "campaigns",
        ] {
            m.drop_table(Table::drop().table(Alias::new(t)).take())
                .await?;
        }
        Ok(())
    }
}
