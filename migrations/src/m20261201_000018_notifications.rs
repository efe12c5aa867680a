//! Notifications beyond the app: e-mail addresses on employees and accounts, a person's digest
//! and language preferences and calendar-feed version, the outbox of mail deliveries, and the
//! days whose digests were queued.

use crate::index;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261201_000018_notifications"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("employees")
                .add_column(string_len_null("email", 254))
                .take(),
        )
        .await?;
        for mut column in [
            string_len_null("email", 254),
            string_len("email_digest", 8).default("none").take(),
            string_len_null("language", 2),
            integer("calendar_version").default(0).take(),
        ] {
            m.alter_table(Table::alter().table("users").add_column(&mut column).take())
                .await?;
        }

        // One row per mail to send: a notification to one address, a digest, or an account
        // link. `dedup_key` makes queueing the same mail twice a no-op; `leased_until` keeps a
        // claimed row from a second worker while it is being sent.
        m.create_table(
            Table::create()
                .table("notification_deliveries")
                .col(big_pk_auto("id"))
                .col(big_integer_null("notification_id"))
                .col(string_len("kind", 16))
                .col(string_len("channel", 8))
                .col(string_len("to_address", 254))
                .col(string_len_null("recipient_nip", 18))
                .col(string_len_uniq("dedup_key", 300))
                .col(text_null("subject"))
                .col(text_null("body_text"))
                .col(text_null("body_html"))
                .col(string_len("status", 8))
                .col(integer("attempts").default(0))
                .col(text_null("last_error"))
                .col(timestamp_with_time_zone("next_attempt_at"))
                .col(timestamp_with_time_zone_null("leased_until"))
                .col(timestamp_with_time_zone_null("sent_at"))
                .col(timestamp_with_time_zone("created_at"))
                .take(),
        )
        .await?;
        m.get_connection()
            .execute_unprepared(
                "CREATE INDEX ix_deliveries_queued ON notification_deliveries (next_attempt_at) \
                 WHERE status = 'queued'",
            )
            .await?;
        index(
            m,
            "ix_deliveries_status",
            "notification_deliveries",
            &["status", "id"],
        )
        .await?;

        m.create_table(
            Table::create()
                .table("digest_runs")
                .col(date("day").primary_key())
                .col(integer("queued"))
                .col(timestamp_with_time_zone("created_at"))
                .take(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("digest_runs").take())
            .await?;
        m.drop_table(Table::drop().table("notification_deliveries").take())
            .await?;
        for (table, column) in [
            ("users", "calendar_version"),
            ("users", "language"),
            ("users", "email_digest"),
            ("users", "email"),
            ("employees", "email"),
        ] {
            m.alter_table(
                Table::alter()
                    .table(Alias::new(table))
                    .drop_column(Alias::new(column))
                    .take(),
            )
            .await?;
        }
        Ok(())
    }
}
