//! Each employee's current levels as one row (`code=level,...`), kept with the current levels in
//! the same transaction: the organisation-wide analyses read 100,000 rows instead of aggregating
//! 1.5 million on every cold start.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261123_000008_level_profiles"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("employee_level_profiles")
                .col(string_len("nip", 18).primary_key())
                .col(text("levels"))
                .take(),
        )
        .await?;
        let concat = match m.get_database_backend() {
            DatabaseBackend::Postgres => "string_agg(competency_code || '=' || level, ',')",
            _ => "group_concat(competency_code || '=' || level, ',')",
        };
        m.get_connection()
            .execute_unprepared(&format!(
                "INSERT INTO employee_level_profiles (nip, levels) \
                 SELECT nip, {concat} FROM current_competency_levels GROUP BY nip"
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("employee_level_profiles").take())
            .await
    }
}
