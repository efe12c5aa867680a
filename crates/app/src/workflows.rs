//! Workflow definitions: which notification templates ship with Jenjang, checking a definition
//! against them, and saving a new version of one.

use crate::context::Context;
use crate::error::{AppError, AppResult};
use jenjang_core::FieldError;
use jenjang_core::access::Action;
use jenjang_core::workflow::{Definition, parse_definition};
use jenjang_store::workflows::DefinitionRecord;

/// The shipped templates: (name, source).
pub const NOTIFICATION_TEMPLATES: &[(&str, &str)] = &[
    (
        "tugas-baru",
        include_str!("../../../templates/notifications/tugas-baru.hbs"),
    ),
    (
        "pengingat-tugas",
        include_str!("../../../templates/notifications/pengingat-tugas.hbs"),
    ),
    (
        "eskalasi-tugas",
        include_str!("../../../templates/notifications/eskalasi-tugas.hbs"),
    ),
    (
        "penghargaan",
        include_str!("../../../templates/notifications/penghargaan.hbs"),
    ),
    (
        "rekomendasi-pengembangan",
        include_str!("../../../templates/notifications/rekomendasi-pengembangan.hbs"),
    ),
    (
        "pengingat-20-jp",
        include_str!("../../../templates/notifications/pengingat-20-jp.hbs"),
    ),
    (
        "konseling-kinerja",
        include_str!("../../../templates/notifications/konseling-kinerja.hbs"),
    ),
    (
        "kampanye-tertinggal",
        include_str!("../../../templates/notifications/kampanye-tertinggal.hbs"),
    ),
];

/// The names a definition's notify steps may use.
pub fn template_names() -> Vec<&'static str> {
    NOTIFICATION_TEMPLATES.iter().map(|(n, _)| *n).collect()
}

/// Parses a definition as the API, the installer and the engine do (the templates that exist
/// are known here): every problem with where it is.
pub fn check_definition(raw: &serde_json::Value) -> Result<Definition, Vec<FieldError>> {
    parse_definition(raw, &template_names())
}

/// Saves a new version of a definition (version 1 for a new key); running instances keep the
/// version they started with.
pub async fn save_definition(
    cx: &Context<'_>,
    raw: &serde_json::Value,
) -> AppResult<DefinitionRecord> {
    cx.require(Action::ManageWorkflows)?;
    let def = check_definition(raw).map_err(AppError::Invalid)?;
    Ok(cx
        .store
        .save_workflow_definition(&cx.actor(), &def.key, &def.title, raw)
        .await?)
}
