//! The read guard shared by every route about one employee: may the caller read them?

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::ApiResult;

/// Checks that the caller may read `nip` (404 when it does not exist, 403 when out of scope);
/// the decision is `jenjang_app::Context::require_read`.
pub async fn require_read(s: &AppState, user: &CurrentUser, nip: &str) -> ApiResult<()> {
    Ok(s.context(user).require_read(nip).await?)
}
