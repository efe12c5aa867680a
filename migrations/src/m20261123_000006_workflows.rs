//! The durable workflow engine: versioned definitions, instances with their history, human
//! tasks, notifications, and what steps record (recognitions, nominations, calendar runs).

use crate::index;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261123_000006_workflows"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("workflow_definitions")
                .col(string_len("key", 64))
                .col(integer("version"))
                .col(string("title"))
                .col(text("definition"))
                .col(timestamp_with_time_zone("created_at"))
                .col(string_len("created_by", 128))
                .primary_key(Index::create().col("key").col("version"))
                .take(),
        )
        .await?;

        // One row per started instance; `trigger_key` (definition, subject, triggering event)
        // is unique, so an instance starts exactly once whoever processes the event.
        m.create_table(
            Table::create()
                .table("workflow_instances")
                .col(big_pk_auto("id"))
                .col(string_len("workflow_key", 64))
                .col(integer("version"))
                .col(string_len_null("subject_nip", 18))
                .col(string_len_uniq("trigger_key", 400))
                .col(string_len("status", 16))
                .col(string_len_null("current_step", 64))
                .col(text("context"))
                .col(string_len_null("waiting_for", 64))
                .col(timestamp_with_time_zone_null("wake_at"))
                .col(integer("attempts"))
                .col(text_null("last_error"))
                .col(timestamp_with_time_zone("started_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .take(),
        )
        .await?;
        index(
            m,
            "ix_workflow_instances_status_wake",
            "workflow_instances",
            &["status", "wake_at"],
        )
        .await?;
        index(
            m,
            "ix_workflow_instances_subject",
            "workflow_instances",
            &["subject_nip", "status"],
        )
        .await?;
        index(
            m,
            "ix_workflow_instances_waiting",
            "workflow_instances",
            &["waiting_for", "subject_nip"],
        )
        .await?;
        index(
            m,
            "ix_workflow_instances_workflow",
            "workflow_instances",
            &["workflow_key", "status"],
        )
        .await?;

        m.create_table(
            Table::create()
                .table("workflow_history")
                .col(big_pk_auto("id"))
                .col(big_integer("instance_id"))
                .col(timestamp_with_time_zone("at"))
                .col(string_len("step", 64))
                .col(string_len("event", 64))
                .col(text_null("detail"))
                .take(),
        )
        .await?;
        index(
            m,
            "ix_workflow_history_instance",
            "workflow_history",
            &["instance_id"],
        )
        .await?;

        m.create_table(
            Table::create()
                .table("workflow_tasks")
                .col(big_pk_auto("id"))
                .col(big_integer("instance_id"))
                .col(string_len("step", 64))
                .col(string_len("kind", 32))
                .col(string("title"))
                .col(string_len_null("subject_nip", 18))
                .col(string_len_null("assignee_nip", 18))
                .col(string_len_null("assignee_role", 32))
                .col(date("due"))
                .col(string_len("status", 16))
                .col(text("outcomes"))
                .col(boolean("scores"))
                .col(timestamp_with_time_zone_null("escalate_at"))
                .col(string_len_null("escalate_to", 32))
                .col(boolean("escalated"))
                .col(integer_null("remind_every_days"))
                .col(timestamp_with_time_zone_null("remind_at"))
                .col(string_len_null("outcome", 64))
                .col(text_null("notes"))
                .col(string_len_null("completed_by", 128))
                .col(timestamp_with_time_zone_null("completed_at"))
                .col(timestamp_with_time_zone("created_at"))
                .take(),
        )
        .await?;
        index(
            m,
            "ix_workflow_tasks_assignee",
            "workflow_tasks",
            &["assignee_nip", "status"],
        )
        .await?;
        index(
            m,
            "ix_workflow_tasks_role",
            "workflow_tasks",
            &["assignee_role", "status"],
        )
        .await?;
        index(
            m,
            "ix_workflow_tasks_escalate",
            "workflow_tasks",
            &["status", "escalate_at"],
        )
        .await?;
        index(
            m,
            "ix_workflow_tasks_remind",
            "workflow_tasks",
            &["status", "remind_at"],
        )
        .await?;
        index(
            m,
            "ix_workflow_tasks_instance",
            "workflow_tasks",
            &["instance_id"],
        )
        .await?;

        m.create_table(
            Table::create()
                .table("notifications")
                .col(big_pk_auto("id"))
                .col(string_len_null("recipient_nip", 18))
                .col(string_len_null("recipient_role", 32))
                .col(string_len_null("subject_nip", 18))
                .col(big_integer_null("instance_id"))
                .col(string_len("template", 64))
                .col(string("title"))
                .col(text("body"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone_null("read_at"))
                .take(),
        )
        .await?;
        index(
            m,
            "ix_notifications_recipient",
            "notifications",
            &["recipient_nip"],
        )
        .await?;
        index(
            m,
            "ix_notifications_role",
            "notifications",
            &["recipient_role"],
        )
        .await?;

        m.create_table(
            Table::create()
                .table("recognitions")
                .col(big_pk_auto("id"))
                .col(string_len("nip", 18))
                .col(string("title"))
                .col(big_integer_null("instance_id"))
                .col(timestamp_with_time_zone("created_at"))
                .take(),
        )
        .await?;
        index(m, "ix_recognitions_nip", "recognitions", &["nip"]).await?;

        m.create_table(
            Table::create()
                .table("talent_nominations")
                .col(big_pk_auto("id"))
                .col(string_len("nip", 18))
                .col(string_len("pool", 32))
                .col(small_integer_null("talent_box"))
                .col(big_integer_null("instance_id"))
                .col(timestamp_with_time_zone("created_at"))
                .take(),
        )
        .await?;
        index(
            m,
            "ix_talent_nominations_nip",
            "talent_nominations",
            &["nip"],
        )
        .await?;

        // The engine claims the oldest unprocessed events: a partial index keeps that an
        // index range read however many events were processed before (both databases).
        m.get_connection()
            .execute_unprepared(
                "CREATE INDEX ix_outbox_events_pending ON outbox_events (id) WHERE processed_at IS NULL",
            )
            .await?;

        // Calendar triggers fire once per workflow and year.
        m.create_table(
            Table::create()
                .table("workflow_schedule_runs")
                .col(string_len("workflow_key", 64))
                .col(integer("year"))
                .col(timestamp_with_time_zone("fired_at"))
                .primary_key(Index::create().col("workflow_key").col("year"))
                .take(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "workflow_schedule_runs",
            "talent_nominations",
            "recognitions",
            "notifications",
            "workflow_tasks",
            "workflow_history",
            "workflow_instances",
            "workflow_definitions",
        ] {
            m.drop_table(Table::drop().table(Alias::new(t)).take())
                .await?;
        }
        Ok(())
    }
}
