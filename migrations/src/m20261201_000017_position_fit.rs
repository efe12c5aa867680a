//! Position fit and succession: an employee's civil-service rank (`golongan`), a position's
//! minimum rank, and whether a position is critical (it gets a succession pool).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261201_000017_position_fit"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("employees")
                .add_column(string_len_null("golongan", 8))
                .take(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table("positions")
                .add_column(string_len_null("min_golongan", 8))
                .take(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table("positions")
                .add_column(boolean("critical").default(false))
                .take(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (table, column) in [
            ("positions", "critical"),
            ("positions", "min_golongan"),
            ("employees", "golongan"),
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
