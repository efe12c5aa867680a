//! The `competency_records` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "competency_records")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub nip: String,
    pub competency_code: String,
    pub level: i16,
    pub source: String,
    pub assessed_on: Date,
    pub recorded_at: DateTimeUtc,
    pub recorded_by: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
