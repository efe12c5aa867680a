//! Workflow definitions (hr, admin), instances (retry of incidents), human tasks and notifications.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::extract::Path;
use crate::extract::{PageParams, Params};
use crate::input::{Body, Fields};
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use jenjang_app::workflows;
use jenjang_core::Code;
use jenjang_store::Page;
use jenjang_store::workflows::{DefinitionRecord, InstanceRecord, NotificationRecord, TaskRecord};
use serde::Deserialize;
use utoipa::IntoParams;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/workflows", get(list_workflows).post(create_workflow))
        .route("/workflows/{key}", get(get_workflow))
        .route("/workflow-instances", get(list_instances))
        .route("/workflow-instances/{id}", get(get_instance))
        .route("/workflow-instances/{id}/retry", post(retry_instance))
        .route("/tasks", get(list_tasks))
        .route("/tasks/{id}", get(get_task))
        .route("/tasks/{id}/complete", post(complete_task))
        .route("/notifications", get(list_notifications))
        .route("/employees/{nip}/recognitions", get(employee_recognitions))
}

/// The latest version of every workflow definition.
#[utoipa::path(get, path = "/api/v1/workflows", tag = "workflows",
    responses((status = 200, description = "the latest version of each definition: {items:[{key, version, title, definition, created_at, created_by}]}"), (status = 403)),
    security(("bearer" = [])))]
pub async fn list_workflows(
    State(s): State<AppState>,
    user: CurrentUser,
) -> ApiResult<Json<Page<DefinitionRecord>>> {
    Ok(Json(Page::whole(
        workflows::definitions(&s.context(&user)).await?,
    )))
}

/// Every version of a definition, newest first.
#[utoipa::path(get, path = "/api/v1/workflows/{key}", tag = "workflows", params(("key" = String, Path)),
    responses((status = 200, description = "{items:[versions, newest first]}"), (status = 403), (status = 404)),
    security(("bearer" = [])))]
pub async fn get_workflow(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(key): Path<String>,
) -> ApiResult<Json<Page<DefinitionRecord>>> {
    Ok(Json(Page::whole(
        workflows::definition_versions(&s.context(&user), &key).await?,
    )))
}

/// Saves a new version of a definition (version 1 for a new key). Invalid definitions answer 422
/// naming where (`steps[2].next`, `trigger.condition`, ...). Running instances keep the version
/// they started with.
#[utoipa::path(post, path = "/api/v1/workflows", tag = "workflows", request_body = serde_json::Value,
    responses((status = 201, description = "the stored version"), (status = 403), (status = 422, description = "every problem with its location")),
    security(("bearer" = [])))]
pub async fn create_workflow(
    State(s): State<AppState>,
    user: CurrentUser,
    Body(body): Body,
) -> ApiResult<(StatusCode, Json<DefinitionRecord>)> {
    let saved = jenjang_app::workflows::save_definition(&s.context(&user), &body).await?;
    Ok((StatusCode::CREATED, Json(saved)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InstanceQuery {
    pub nip: Option<String>,
    pub workflow: Option<String>,
    /// running | waiting | completed | cancelled | incident
    pub status: Option<String>,
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

/// A status filter read into its type (`InstanceStatus`, `TaskStatus`).
fn status_filter<T: std::str::FromStr>(status: &Option<String>) -> ApiResult<Option<T>>
where
    T::Err: std::fmt::Display,
{
    status
        .as_deref()
        .map(|s| s.parse::<T>())
        .transpose()
        .map_err(|e| ApiError::invalid("status", e.to_string()))
}

/// Workflow instances with their history, newest first. hr and admin see all; others those
/// about the employees they may read.
#[utoipa::path(get, path = "/api/v1/workflow-instances", tag = "workflows", params(InstanceQuery),
    responses((status = 200, description = "{items:[{id, workflow, version, status, subject_nip, current_step, started_at, error?, attempts, history:[{at, step, event, detail}]}]}"), (status = 403), (status = 422)),
    security(("bearer" = [])))]
pub async fn list_instances(
    State(s): State<AppState>,
    user: CurrentUser,
    Params(q): Params<InstanceQuery>,
) -> ApiResult<Json<Page<InstanceRecord>>> {
    let query = workflows::InstanceQuery {
        status: status_filter(&q.status)?,
        nip: q.nip,
        workflow: q.workflow,
    };
    let paging = PageParams {
        limit: q.limit,
        offset: q.offset,
    }
    .paging()?;
    Ok(Json(
        workflows::instances(&s.context(&user), query, paging).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/workflow-instances/{id}", tag = "workflows", params(("id" = i64, Path)),
    responses((status = 200, description = "the instance with its history"), (status = 403), (status = 404)),
    security(("bearer" = [])))]
pub async fn get_instance(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<InstanceRecord>> {
    Ok(Json(workflows::instance(&s.context(&user), id).await?))
}

/// Resumes an instance stopped at an incident: the failed step runs again (hr, admin).
#[utoipa::path(post, path = "/api/v1/workflow-instances/{id}/retry", tag = "workflows", params(("id" = i64, Path)),
    responses((status = 202, description = "queued: the engine runs the step again at once"), (status = 403), (status = 404), (status = 409, description = "not at an incident")),
    security(("bearer" = [])))]
pub async fn retry_instance(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> ApiResult<(StatusCode, Json<InstanceRecord>)> {
    let instance = workflows::retry(&s.context(&user), id).await?;
    Ok((StatusCode::ACCEPTED, Json(instance)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TaskQuery {
    /// Only tasks assigned to me (to my NIP, or to my role's queue such as hr).
    pub mine: Option<bool>,
    /// open | completed | cancelled
    pub status: Option<String>,
    pub kind: Option<String>,
    /// Tasks about this employee.
    pub nip: Option<String>,
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

/// Human tasks, by due date. `mine=true`: those assigned to the caller. hr and admin see every
/// task; others the tasks assigned to them and those about employees they may read.
#[utoipa::path(get, path = "/api/v1/tasks", tag = "workflows", params(TaskQuery),
    responses((status = 200, description = "{items:[{id, kind, title, subject_nip, assignee, due, status, instance_id, outcomes, scores, ...}]}"), (status = 422)),
    security(("bearer" = [])))]
pub async fn list_tasks(
    State(s): State<AppState>,
    user: CurrentUser,
    Params(q): Params<TaskQuery>,
) -> ApiResult<Json<Page<TaskRecord>>> {
    let query = workflows::TaskQuery {
        mine: q.mine.unwrap_or(false),
        status: status_filter(&q.status)?,
        kind: q.kind,
        nip: q.nip,
    };
    let paging = PageParams {
        limit: q.limit,
        offset: q.offset,
    }
    .paging()?;
    Ok(Json(
        workflows::tasks(&s.context(&user), query, paging).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/tasks/{id}", tag = "workflows", params(("id" = i64, Path)),
    responses((status = 200, description = "the task"), (status = 403), (status = 404)),
    security(("bearer" = [])))]
pub async fn get_task(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<TaskRecord>> {
    Ok(Json(workflows::task(&s.context(&user), id).await?))
}

/// Completes a task (its assignee, or hr/admin) with one of the outcomes it allows. Coaching
/// tasks take `competency_scores` 1..5 (Format B.1.9 style), recorded as dated competency levels
/// (source `coaching`). The instance moves on to the step the outcome names.
#[utoipa::path(post, path = "/api/v1/tasks/{id}/complete", tag = "workflows", params(("id" = i64, Path)),
    request_body = serde_json::Value,
    responses((status = 200, description = "the completed task"), (status = 403), (status = 404),
              (status = 409, description = "the task is no longer open"), (status = 422, description = "an outcome the task does not allow, or bad scores")),
    security(("bearer" = [])))]
pub async fn complete_task(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Body(body): Body,
) -> ApiResult<Json<TaskRecord>> {
    let mut errors = Vec::new();
    let mut f = Fields::root(&body, &mut errors);
    let outcome = f.text("outcome");
    let notes = f.opt_long_text("notes");
    let scores = f.list("competency_scores", |item| {
        let competency = item.parse("competency", Code::parse);
        let level = item.level("level");
        Some((competency?, level?))
    });
    let done = jenjang_app::tasks::complete(
        &s.store,
        &user.0,
        id,
        jenjang_app::tasks::Completion {
            outcome,
            notes,
            scores,
        },
        errors,
    )
    .await?;
    Ok(Json(done))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NotificationQuery {
    /// Only notices for me (my NIP, or my role's queue such as hr). Callers other than hr and
    /// admin always get their own.
    pub mine: Option<bool>,
    /// Notices about this employee (hr, admin).
    pub nip: Option<String>,
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

/// Notifications, newest first.
#[utoipa::path(get, path = "/api/v1/notifications", tag = "workflows", params(NotificationQuery),
    responses((status = 200, description = "{items:[{id, recipient, subject_nip, instance_id, template, title, body, created_at}]}")),
    security(("bearer" = [])))]
pub async fn list_notifications(
    State(s): State<AppState>,
    user: CurrentUser,
    Params(q): Params<NotificationQuery>,
) -> ApiResult<Json<Page<NotificationRecord>>> {
    let paging = PageParams {
        limit: q.limit,
        offset: q.offset,
    }
    .paging()?;
    let page = workflows::notifications(
        &s.context(&user),
        q.mine.unwrap_or(false),
        q.nip.as_deref(),
        paging,
    )
    .await?;
    Ok(Json(page))
}

pub use jenjang_app::workflows::RecognitionOut;

/// Recognitions and pool nominations the workflows recorded for an employee, oldest first.
#[utoipa::path(get, path = "/api/v1/employees/{nip}/recognitions", tag = "workflows", params(("nip" = String, Path)),
    responses((status = 200, description = "{items:[{kind, what, talent_box, at}]}"), (status = 403), (status = 404)),
    security(("bearer" = [])))]
pub async fn employee_recognitions(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(nip): Path<String>,
) -> ApiResult<Json<Page<RecognitionOut>>> {
    Ok(Json(Page::whole(
        workflows::recognitions(&s.context(&user), &nip).await?,
    )))
}
