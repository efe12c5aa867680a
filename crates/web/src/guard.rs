//! The read guard shared by every route about one employee: may the caller read them?

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::ApiResult;
use jenjang_core::access::{Action, Relation};

/// Checks that the caller may read `nip` (404 when it does not exist, 403 when out of scope).
/// Organisation-wide roles read everyone without asking how they relate to the employee; the
/// read that follows answers 404 for an unknown NIP.
pub async fn require_read(s: &AppState, user: &CurrentUser, nip: &str) -> ApiResult<()> {
    if user
        .require(Action::ReadEmployee(Relation::default()))
        .is_ok()
    {
        return Ok(());
    }
    let relation = s.store.relation(user.0.nip.as_ref(), nip).await?;
    user.require(Action::ReadEmployee(relation))
}
