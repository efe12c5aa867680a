//! The `users` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub username: String,
    pub password_hash: String,
    pub role: String,
    pub nip: Option<String>,
    pub active: bool,
    pub created_at: DateTimeUtc,
    pub token_version: i32,
    pub last_login_at: Option<DateTimeUtc>,
    pub role_granted: bool,
    pub email: Option<String>,
    pub email_digest: String,
    pub language: Option<String>,
    pub calendar_version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
