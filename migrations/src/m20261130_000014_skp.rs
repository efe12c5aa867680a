//! The employee's SKP per year in versions (RHK with their IKI, the BerAKHLAK expectations),
//! the IKI realisations per period with their evidence and the supervisor's feedback, the
//! evidence files Jenjang keeps, the hasil kerja proposed beside each evaluation, and the RHK a
//! dialog entry is about.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261130_000014_skp"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("skps")
                .col(big_pk_auto("id"))
                .col(string_len("nip", 18))
                .col(integer("year"))
                .col(integer("version"))
                .col(string_len("approach", 16))
                .col(string_len("status", 16))
                .col(text("behaviour"))
                .col(timestamp_with_time_zone_null("submitted_at"))
                .col(timestamp_with_time_zone_null("decided_at"))
                .col(string_len_null("decided_by", 128))
                .col(text_null("rejection_reason"))
                .col(timestamp_with_time_zone("updated_at"))
                .col(string_len("updated_by", 128))
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_skps_nip_year_version")
                .table("skps")
                .col("nip")
                .col("year")
                .col("version")
                .unique()
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("skp_rhk")
                .col(big_pk_auto("id"))
                .col(big_integer("skp_id"))
                .col(integer("position"))
                .col(string_len("kind", 16))
                .col(text("text"))
                .col(big_integer_null("supports_rhk"))
                .col(big_integer_null("supports_indicator"))
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_skp_rhk_skp")
                .table("skp_rhk")
                .col("skp_id")
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_skp_rhk_supports")
                .table("skp_rhk")
                .col("supports_rhk")
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("skp_iki")
                .col(big_pk_auto("id"))
                .col(big_integer("skp_id"))
                .col(big_integer("rhk_id"))
                .col(integer("position"))
                .col(string_len("aspect", 16))
                .col(text("text"))
                .col(double("target"))
                .col(string_len("unit_of_measure", 64))
                .col(string_len("direction", 24))
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_skp_iki_skp")
                .table("skp_iki")
                .col("skp_id")
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("evidence_files")
                .col(big_pk_auto("id"))
                .col(string_len("name", 255))
                .col(string_len("content_type", 64))
                .col(big_integer("size"))
                .col(string_len("sha256", 64))
                .col(blob("content"))
                .col(timestamp_with_time_zone("uploaded_at"))
                .col(string_len("uploaded_by", 128))
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("iki_realisations")
                .col(big_integer("iki_id"))
                .col(string_len("period", 7))
                .col(double("value"))
                .col(text_null("evidence_url"))
                .col(big_integer_null("evidence_file"))
                .col(timestamp_with_time_zone("recorded_at"))
                .col(string_len("recorded_by", 128))
                .col(text_null("feedback"))
                .col(string_len_null("feedback_by", 128))
                .col(timestamp_with_time_zone_null("feedback_at"))
                .primary_key(Index::create().col("iki_id").col("period"))
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("hasil_kerja_proposals")
                .col(string_len("nip", 18))
                .col(string_len("period", 7))
                .col(string_len_null("proposed", 24))
                .col(string_len("decided", 24))
                .col(text("capaian"))
                .col(timestamp_with_time_zone("recorded_at"))
                .primary_key(Index::create().col("nip").col("period"))
                .take(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Alias::new("dialog_entries"))
                .add_column(big_integer_null("rhk_id"))
                .take(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Alias::new("dialog_entries"))
                .drop_column(Alias::new("rhk_id"))
                .take(),
        )
        .await?;
        for table in [
            "hasil_kerja_proposals",
            "iki_realisations",
            "evidence_files",
            "skp_iki",
            "skp_rhk",
            "skps",
        ] {
            m.drop_table(Table::drop().table(Alias::new(table)).take())
                .await?;
        }
        Ok(())
    }
}
