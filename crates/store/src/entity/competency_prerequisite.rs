//! The `competency_prerequisites` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "competency_prerequisites")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub competency_code: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub for_level: i16,
    #[sea_orm(primary_key, auto_increment = false)]
    pub requires_code: String,
    pub requires_level: i16,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
