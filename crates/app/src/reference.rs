//! Reference data (units, positions, competencies, programs, employees): reading it (anyone
//! signed in) and writing it (hr, admin). One generic use case per verb; the checks a record
//! must pass are the store's `Resource::check`, the rules behind them core's.

use crate::context::Context;
use crate::error::{AppError, AppResult};
use jenjang_core::FieldError;
use jenjang_core::access::Action;
use jenjang_core::reference::CompetencyRecord;
use jenjang_store::{Recorded, Resource, SaveMode};

/// Record `key` of kind `R`.
pub async fn get<R: Resource>(cx: &Context<'_>, key: &str) -> AppResult<R> {
    cx.require(Action::ReadReference)?;
    Ok(cx.store.record(key).await?)
}

/// Checks that the caller may read reference data (before a list is read).
pub fn require_read(cx: &Context<'_>) -> AppResult<()> {
    cx.require(Action::ReadReference)
}

/// Creates a record as read from the request (every bad field of the reading answered at
/// once, after the caller was found allowed); `Conflict` when the key is taken.
pub async fn create<R: Resource>(
    cx: &Context<'_>,
    record: Result<R, Vec<FieldError>>,
) -> AppResult<R> {
    cx.require(Action::WriteReference)?;
    let record = record.map_err(AppError::Invalid)?;
    cx.store
        .save(&cx.actor(), &record, SaveMode::Create)
        .await?;
    after_tree_change::<R>(cx).await?;
    Ok(record)
}

/// Replaces record `key` (`NotFound` before any problem of the reading).
pub async fn update<R: Resource>(
    cx: &Context<'_>,
    key: &str,
    record: Result<R, Vec<FieldError>>,
) -> AppResult<R> {
    cx.require(Action::WriteReference)?;
    cx.store.record::<R>(key).await?;
    let record = record.map_err(AppError::Invalid)?;
    cx.store
        .save(&cx.actor(), &record, SaveMode::Update)
        .await?;
    after_tree_change::<R>(cx).await?;
    Ok(record)
}

/// Employees and units shape accounts: a new employee gets a pending account, a leaver's is
/// disabled, roles follow the tree (`accounts::sync`).
async fn after_tree_change<R: Resource>(cx: &Context<'_>) -> AppResult<()> {
    if matches!(R::ENTITY, "employee" | "unit") {
        crate::accounts::sync(cx.store, &cx.actor()).await?;
    }
    Ok(())
}

/// Records assessed levels of employee `nip` as new dated records (history is never
/// overwritten; a record identical to a stored one counts as unchanged): hr, admin.
pub async fn record_competencies(
    cx: &Context<'_>,
    nip: &str,
    records: Result<Vec<CompetencyRecord>, Vec<FieldError>>,
) -> AppResult<Recorded> {
    cx.require(Action::WriteReference)?;
    cx.store.get_employee(nip).await?;
    let records = records.map_err(AppError::Invalid)?;
    Ok(cx
        .store
        .record_competencies(&cx.actor(), nip, &records)
        .await?)
}
