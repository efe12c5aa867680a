//! The database schema of Jenjang as sea-orm migrations, one file per migration, never edited
//! after it has landed. Works on SQLite and PostgreSQL alike.

pub use sea_orm_migration::prelude::*;

/// Creates a plain index `name` on `table (cols…)`.
pub(crate) async fn index(
    m: &SchemaManager<'_>,
    name: &str,
    table: &str,
    cols: &[&str],
) -> Result<(), DbErr> {
    let mut i = Index::create();
    i.name(name).table(Alias::new(table));
    for c in cols {
        i.col(Alias::new(*c));
    }
    m.create_index(i.take()).await
}

mod m20261123_000001_reference_model;
mod m20261123_000002_analytics;
mod m20261123_000003_evaluations;
mod m20261123_000004_development_plans;
mod m20261123_000005_organisation_predikat;
mod m20261123_000006_workflows;
mod m20261123_000007_campaigns;
mod m20261123_000008_level_profiles;
mod m20261123_000009_outbox_index;
mod m20261130_000010_accounts;
mod m20261130_000011_indicators;
mod m20261130_000012_public_survey;
mod m20261130_000013_dialog;
mod m20261130_000014_skp;
mod m20261130_000015_training_cycle;
mod m20261201_000016_training_reactions;
mod m20261201_000017_position_fit;
mod m20261201_000018_notifications;
mod m20261201_000019_analysis_changes;
mod m20261201_000020_talent_changes;
mod m20261201_000021_set_based_references;
mod m20261202_000022_room_for_updates;
mod m20261202_000023_distinct_reference_checks;
mod m20261202_000024_reference_checks_by_size;
mod m20261202_000025_room_for_results;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_reference_model::Migration),
            Box::new(m20261123_000002_analytics::Migration),
            Box::new(m20261123_000003_evaluations::Migration),
            Box::new(m20261123_000004_development_plans::Migration),
            Box::new(m20261123_000005_organisation_predikat::Migration),
            Box::new(m20261123_000006_workflows::Migration),
            Box::new(m20261123_000007_campaigns::Migration),
            Box::new(m20261123_000008_level_profiles::Migration),
            Box::new(m20261123_000009_outbox_index::Migration),
            Box::new(m20261130_000010_accounts::Migration),
            Box::new(m20261130_000011_indicators::Migration),
            Box::new(m20261130_000012_public_survey::Migration),
            Box::new(m20261130_000013_dialog::Migration),
            Box::new(m20261130_000014_skp::Migration),
            Box::new(m20261130_000015_training_cycle::Migration),
            Box::new(m20261201_000016_training_reactions::Migration),
            Box::new(m20261201_000017_position_fit::Migration),
            Box::new(m20261201_000018_notifications::Migration),
            Box::new(m20261201_000019_analysis_changes::Migration),
            Box::new(m20261201_000020_talent_changes::Migration),
            Box::new(m20261201_000021_set_based_references::Migration),
            Box::new(m20261202_000022_room_for_updates::Migration),
            Box::new(m20261202_000023_distinct_reference_checks::Migration),
            Box::new(m20261202_000024_reference_checks_by_size::Migration),
            Box::new(m20261202_000025_room_for_results::Migration),
        ]
    }
}
