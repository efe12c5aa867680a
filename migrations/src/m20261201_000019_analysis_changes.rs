//! The change feed of the analyses (see `jenjang_store::changes`): one row per employee whose
//! levels, unit or position changed, or (`nip` NULL) per change to the reference data.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261201_000019_analysis_changes"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("analysis_changes")
                .col(big_pk_auto("id"))
                .col(string_len_null("nip", 18))
                .take(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("analysis_changes").take())
            .await
    }
}
