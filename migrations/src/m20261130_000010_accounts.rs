//! Accounts for a whole organisation: an employee's status (`aktif | keluar`), and on logins the
//! token version (raised to end every session), the last sign-in, whether an admin granted the
//! role (else it follows the unit tree); one-time activation/reset links (only their hash);
//! single tokens refused after a sign-out until they would have expired anyway.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261130_000010_accounts"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one at a time.
        let add = |table: &str, col: ColumnDef| {
            Table::alter()
                .table(Alias::new(table))
                .add_column(col)
                .take()
        };
        m.alter_table(add(
            "employees",
            string_len("status", 8).default("aktif").to_owned(),
        ))
        .await?;
        m.alter_table(add("users", integer("token_version").default(0).to_owned()))
            .await?;
        m.alter_table(add("users", timestamp_with_time_zone_null("last_login_at")))
            .await?;
        m.alter_table(add(
            "users",
            boolean("role_granted").default(false).to_owned(),
        ))
        .await?;
        // Accounts of employees follow the tree from now on; hr and admin stay granted.
        m.get_connection()
            .execute_unprepared(
                "UPDATE users SET role_granted = TRUE WHERE nip IS NULL OR role IN ('hr', 'admin')",
            )
            .await?;
        m.create_table(
            Table::create()
                .table("account_links")
                .col(big_pk_auto("id"))
                .col(string_len("username", 64))
                .col(string_len_uniq("token_hash", 64))
                .col(string_len("purpose", 16))
                .col(timestamp_with_time_zone("expires_at"))
                .col(timestamp_with_time_zone_null("used_at"))
                .col(string_len("created_by", 64))
                .col(timestamp_with_time_zone("created_at"))
                .take(),
        )
        .await?;
        crate::index(
            m,
            "ix_account_links_username",
            "account_links",
            &["username"],
        )
        .await?;
        m.create_table(
            Table::create()
                .table("revoked_tokens")
                .col(string_len("jti", 64).primary_key())
                .col(timestamp_with_time_zone("expires_at"))
                .take(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("revoked_tokens").take())
            .await?;
        m.drop_table(Table::drop().table("account_links").take())
            .await?;
        for (table, col) in [
            ("users", "role_granted"),
            ("users", "last_login_at"),
            ("users", "token_version"),
            ("employees", "status"),
        ] {
            m.alter_table(
                Table::alter()
                    .table(Alias::new(table))
                    .drop_column(Alias::new(col))
                    .take(),
            )
            .await?;
        }
        Ok(())
    }
}
