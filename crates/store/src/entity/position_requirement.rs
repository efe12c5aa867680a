//! The `position_requirements` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "position_requirements")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub position_code: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub competency_code: String,
    pub level: i16,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
