//! The append-only audit log: who changed which record when, for hr and admin.

use crate::context::Context;
use crate::error::AppResult;
use jenjang_core::access::Action;
use jenjang_store::{AuditEntry, AuditFilter, Page, Paging};

/// Entries matching `filter`, newest first.
pub async fn entries(
    cx: &Context<'_>,
    filter: AuditFilter,
    paging: Paging,
) -> AppResult<Page<AuditEntry>> {
    cx.require(Action::ReadAudit)?;
    Ok(cx.store.list_audit(filter, paging).await?)
}
