//! The change feed of the talent grid (see `jenjang_store::changes`): one row per employee whose
//! evaluations or potential changed, or (`nip` NULL) a mark that everything must be re-read.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261201_000020_talent_changes"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("talent_changes")
                .col(big_pk_auto("id"))
                .col(string_len_null("nip", 18))
                .take(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("talent_changes").take())
            .await
    }
}
