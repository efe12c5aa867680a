//! Performance evaluations (SKP) with their history, citizen satisfaction surveys (IKM), and the
//! outbox of domain events that the workflow engine consumes.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261123_000003_evaluations"
    }
}

fn fk(
    name: &str,
    from: (&'static str, &'static str),
    to: (&'static str, &'static str),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(to.0, to.1)
        .take()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // The current evaluation per employee and period.
        m.create_table(
            Table::create()
                .table("evaluations")
                .col(big_pk_auto("id"))
                .col(string_len("nip", 18))
                .col(string_len("period", 7))
                .col(small_integer("year"))
                .col(string_len("hasil_kerja", 24))
                .col(string_len("perilaku_kerja", 24))
                .col(string_len("predikat", 24))
                .col(text_null("notes"))
                .col(string_len_null("evaluator_nip", 18))
                .col(timestamp_with_time_zone("recorded_at"))
                .col(string_len("recorded_by", 128))
                .foreign_key(&mut fk(
                    "fk_evaluations_nip",
                    ("evaluations", "nip"),
                    ("employees", "nip"),
                ))
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_evaluations_nip_period")
                .table("evaluations")
                .col("nip")
                .col("period")
                .unique()
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_evaluations_year")
                .table("evaluations")
                .col("year")
                .take(),
        )
        .await?;

        // Every replaced version of an evaluation: history is never overwritten.
        m.create_table(
            Table::create()
                .table("evaluation_history")
                .col(big_pk_auto("id"))
                .col(big_integer("evaluation_id"))
                .col(string_len("nip", 18))
                .col(string_len("period", 7))
                .col(string_len("hasil_kerja", 24))
                .col(string_len("perilaku_kerja", 24))
                .col(string_len("predikat", 24))
                .col(text_null("notes"))
                .col(string_len_null("evaluator_nip", 18))
                .col(timestamp_with_time_zone("recorded_at"))
                .col(string_len("recorded_by", 128))
                .col(timestamp_with_time_zone("replaced_at"))
                .foreign_key(&mut fk(
                    "fk_evaluation_history_evaluation",
                    ("evaluation_history", "evaluation_id"),
                    ("evaluations", "id"),
                ))
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_evaluation_history_evaluation")
                .table("evaluation_history")
                .col("evaluation_id")
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("ikm_surveys")
                .col(big_pk_auto("id"))
                .col(string_len("unit_code", 64))
                .col(string_len("period", 7))
                .col(integer("respondents"))
                .col(double("index_value"))
                .col(string_len("category", 1))
                .col(string_len("weighting", 8))
                .col(text("element_averages"))
                .col(text("responses"))
                .col(timestamp_with_time_zone("recorded_at"))
                .col(string_len("recorded_by", 128))
                .foreign_key(&mut fk(
                    "fk_ikm_surveys_unit",
                    ("ikm_surveys", "unit_code"),
                    ("units", "code"),
                ))
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_ikm_surveys_unit_period")
                .table("ikm_surveys")
                .col("unit_code")
                .col("period")
                .unique()
                .take(),
        )
        .await?;

        // Domain events, written in the transaction of the change that caused them. The key
        // makes a replayed change (an import run twice) produce no second event.
        m.create_table(
            Table::create()
                .table("outbox_events")
                .col(big_pk_auto("id"))
                .col(string_len("kind", 64))
                .col(string_len_null("subject_nip", 18))
                .col(text("payload"))
                .col(string_len_uniq("dedup_key", 255))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone_null("processed_at"))
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_outbox_events_processed_at")
                .table("outbox_events")
                .col("processed_at")
                .take(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "outbox_events",
            "ikm_surveys",
            "evaluation_history",
            "evaluations",
        ] {
            m.drop_table(Table::drop().table(t).take()).await?;
        }
        Ok(())
    }
}
