//! The `competency_levels` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "competency_levels")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub competency_code: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub level: i16,
    pub description: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
