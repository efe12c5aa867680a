//! Workflows as people see them: definitions (which notification templates ship with Jenjang,
//! checking a definition against them, saving a new version), instances and the retry of
//! incidents, human tasks, notifications and the recognitions the workflows recorded.

use crate::context::Context;
use crate::error::{AppError, AppResult};
use jenjang_core::FieldError;
use jenjang_core::access::{Action, EmployeeScope, employee_scope, is_assignee};
use jenjang_core::workflow::{Definition, InstanceStatus, TaskStatus, parse_definition};
use jenjang_store::workflows::{
    DefinitionRecord, InstanceFilter, InstanceRecord, Mine, NotificationRecord, TaskFilter,
    TaskRecord,
};
use jenjang_store::{Page, Paging};

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

/// The latest version of every workflow definition.
pub async fn definitions(cx: &Context<'_>) -> AppResult<Vec<DefinitionRecord>> {
    cx.require(Action::ReadWorkflows)?;
    Ok(cx.store.latest_workflow_definitions().await?)
}

/// Every version of a definition, newest first.
pub async fn definition_versions(cx: &Context<'_>, key: &str) -> AppResult<Vec<DefinitionRecord>> {
    cx.require(Action::ReadWorkflows)?;
    Ok(cx.store.workflow_definition_versions(key).await?)
}

fn org_wide(cx: &Context<'_>) -> bool {
    employee_scope(cx.caller) == EmployeeScope::All
}

/// Checks that the caller may read what concerns `nip` (everyone for hr and admin).
async fn require_about(cx: &Context<'_>, nip: Option<&str>) -> AppResult<()> {
    if org_wide(cx) {
        return Ok(());
    }
    let Some(nip) = nip else {
        return Err(AppError::Forbidden);
    };
    let relation = cx.store.relation(cx.caller.nip.as_ref(), nip).await?;
    cx.require(Action::ReadEmployee(relation))
}

/// Which instances to list.
#[derive(Debug, Clone, Default)]
pub struct InstanceQuery {
    pub nip: Option<String>,
    pub workflow: Option<String>,
    pub status: Option<InstanceStatus>,
}

/// Workflow instances with their history, newest first: hr and admin see all; others those
/// about the employees they may read.
pub async fn instances(
    cx: &Context<'_>,
    q: InstanceQuery,
    paging: Paging,
) -> AppResult<Page<InstanceRecord>> {
    if let Some(nip) = &q.nip {
        require_about(cx, Some(nip)).await?;
    }
    let filter = InstanceFilter {
        nip: q.nip,
        workflow: q.workflow,
        status: q.status,
        scope: employee_scope(cx.caller),
    };
    Ok(cx.store.list_instances(&filter, paging).await?)
}

/// One instance, for whoever may read its subject.
pub async fn instance(cx: &Context<'_>, id: i64) -> AppResult<InstanceRecord> {
    let inst = cx.store.get_instance(id).await?;
    require_about(cx, inst.subject_nip.as_deref()).await?;
    Ok(inst)
}

/// Resumes an instance stopped at an incident: the failed step runs again (hr, admin).
pub async fn retry(cx: &Context<'_>, id: i64) -> AppResult<InstanceRecord> {
    cx.require(Action::ManageWorkflows)?;
    cx.store.retry_instance(&cx.actor(), id).await?;
    Ok(cx.store.get_instance(id).await?)
}

/// The caller as a task assignee: their NIP and their role's queue.
fn mine(cx: &Context<'_>) -> Mine {
    Mine {
        nip: cx.caller.nip.as_ref().map(|n| n.to_string()),
        role: cx.caller.role.as_str().to_string(),
    }
}

/// Which tasks to list.
#[derive(Debug, Clone, Default)]
pub struct TaskQuery {
    /// Only those assigned to the caller (their NIP or their role's queue).
    pub mine: bool,
    pub status: Option<TaskStatus>,
    pub kind: Option<String>,
    pub nip: Option<String>,
}

/// Human tasks, by due date: hr and admin see every task; others those assigned to them and
/// those about employees they may read.
pub async fn tasks(cx: &Context<'_>, q: TaskQuery, paging: Paging) -> AppResult<Page<TaskRecord>> {
    let mut filter = TaskFilter {
        mine: q.mine.then(|| mine(cx)),
        status: q.status,
        kind: q.kind,
        nip: q.nip,
        visible_to: None,
    };
    if !org_wide(cx) && filter.mine.is_none() {
        filter.visible_to = Some((
            cx.caller.nip.as_ref().map(|n| n.to_string()),
            employee_scope(cx.caller),
        ));
    }
    Ok(cx.store.list_tasks(&filter, paging).await?)
}

/// One task, for its assignee or whoever may read its subject.
pub async fn task(cx: &Context<'_>, id: i64) -> AppResult<TaskRecord> {
    let task = cx.store.get_task(id).await?;
    if !is_assignee(cx.caller, &task.assignee) {
        require_about(cx, task.subject_nip.as_deref()).await?;
    }
    Ok(task)
}

/// Notifications, newest first: the caller's own (always, for others than hr and admin), or
/// about `nip`.
pub async fn notifications(
    cx: &Context<'_>,
    only_mine: bool,
    nip: Option<&str>,
    paging: Paging,
) -> AppResult<Page<NotificationRecord>> {
    let only_mine = only_mine || !org_wide(cx);
    let me = mine(cx);
    Ok(cx
        .store
        .list_notifications(only_mine.then_some(&me), nip, paging)
        .await?)
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct RecognitionOut {
    /// `recognition` (penghargaan) or `nomination` (talent pool / promotion candidate).
    pub kind: String,
    /// The recognition's title, or the pool (`talent_pool`, `promotion_candidate`).
    pub what: String,
    /// The employee's talent box (1..9) when nominated, if both axes were known.
    pub talent_box: Option<i16>,
    pub at: chrono::DateTime<chrono::Utc>,
}

/// Recognitions and pool nominations the workflows recorded for an employee, oldest first.
pub async fn recognitions(cx: &Context<'_>, nip: &str) -> AppResult<Vec<RecognitionOut>> {
    cx.require_read(nip).await?;
    Ok(cx
        .store
        .recognitions_and_nominations(nip)
        .await?
        .into_iter()
        .map(|(kind, what, talent_box, at)| RecognitionOut {
            kind,
            what,
            talent_box,
            at,
        })
        .collect())
}
