//! The OpenAPI document, generated from the handlers' annotations.

use crate::routes::{
    analysis, audit, campaigns, dialog, employees, fit, indicators, notifications, ops, org_needs,
    performance, plans, reference, settings, skp, training, users, workflows,
};
use serde_json::{Value, json};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(title = "Jenjang API", version = "1",
         description = "Competency development and performance workflows for Indonesian civil servants (ASN). \
Errors always answer {\"error\":{\"code\",\"message\",\"details\"}}; lists answer {items,total,limit,offset} \
with ?limit= (default 100, 1 to 1000) and ?offset= (0 or more); outside those ranges the answer is 422. \
Validation errors (422) list every bad field in details as {field, message}, with JSON paths such as levels[2].level. \
Authenticate with Authorization: Bearer <token> from /api/v1/auth/login; a write sent with the web UI's cookie instead \
must carry the X-CSRF-Token header."),
    paths(
        crate::auth::login, crate::auth::logout, crate::auth::me, crate::auth::activate,
        crate::auth::change_password,
        users::list_users, users::create_user, users::update_user, users::issue_link, users::provision,
        ops::healthz, ops::metrics, serve,
        reference::list_units, reference::get_unit, reference::create_unit, reference::update_unit,
        reference::list_competencies, reference::get_competency, reference::create_competency, reference::update_competency,
        reference::list_programs, reference::get_program, reference::create_program, reference::update_program,
        reference::list_positions, reference::get_position, reference::create_position, reference::update_position,
        employees::list_employees, employees::get_employee, employees::create_employee, employees::update_employee,
        employees::get_competencies, employees::record_competencies,
        audit::list_audit,
        analysis::employee_gaps, analysis::employee_recommendations, analysis::unit_needs_analysis,
        analysis::training_plan, org_needs::create_org_need, org_needs::list_org_needs, org_needs::get_org_need,
        org_needs::org_need_progress,
        performance::list_evaluations, performance::create_evaluation, performance::evaluation_history, performance::import,
        performance::talent_grid, performance::talent_box, performance::record_ikm, performance::list_ikm,
        plans::get_plan, plans::get_revision, plans::add_item, plans::generate, plans::submit, plans::approve,
        plans::reject, plans::start_item, plans::complete_item, plans::cancel_item, plans::jp_compliance,
        plans::development_records, performance::set_unit_predikat, performance::distribution,
        settings::get_setting, settings::put_setting,
        workflows::list_workflows, workflows::get_workflow, workflows::create_workflow,
        workflows::list_instances, workflows::get_instance, workflows::retry_instance,
        workflows::list_tasks, workflows::get_task, workflows::complete_task, workflows::list_notifications,
        workflows::employee_recognitions,
        campaigns::list_campaigns, campaigns::create_campaign, campaigns::get_campaign, campaigns::update_campaign,
        campaigns::record_stage, campaigns::import_stages, campaigns::list_activities, campaigns::add_activity,
        campaigns::add_survey, campaigns::dashboard,
        indicators::list_indicators, indicators::create_indicator, indicators::get_indicator,
        indicators::update_indicator, indicators::record_realisation, indicators::performance_gaps, indicators::survey_link,
        dialog::list_dialog, dialog::write_dialog, dialog::acknowledge, dialog::give_upward, dialog::read_upward,
        skp::get_skp, skp::put_skp, skp::skp_step, skp::realise, skp::evidence, skp::performance,
        training::list_plans, training::get_training_plan, training::adopt, training::withdraw, training::list_cohorts, training::get_cohort, training::record_results, training::put_cohort, training::budget, training::participants, training::my_reaction, training::answer_reaction, training::reactions, training::program_effect, fit::candidates, fit::employee_fit, fit::set_succession, fit::succession,
        notifications::deliveries, notifications::get_preferences, notifications::put_preferences,
        notifications::get_calendar_url, notifications::rotate_calendar_url,
    ),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// The document as served: every response described, every error answer (4xx, 5xx) given the
/// uniform error body's schema, the schema of that body among the components, and the UI's
/// cookie scheme beside the bearer token.
pub fn document() -> Value {
    let mut doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or_else(|_| json!({}));
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for item in paths.values_mut() {
            let Some(item) = item.as_object_mut() else {
                continue;
            };
            for (method, operation) in item.iter_mut() {
                if !METHODS.contains(&method.as_str()) {
                    continue;
                }
                // A file sent as the body is bytes, not an array of numbers.
                if let Some(file) =
                    operation.pointer_mut("/requestBody/content/application~1octet-stream")
                {
                    file["schema"] = json!({"type": "string", "format": "binary"});
                }
                let Some(responses) = operation
                    .get_mut("responses")
                    .and_then(Value::as_object_mut)
                else {
                    continue;
                };
                for (status, response) in responses.iter_mut() {
                    describe(status, response);
                }
            }
        }
    }
    let components = doc
        .as_object_mut()
        .map(|d| d.entry("components").or_insert_with(|| json!({})));
    if let Some(components) = components.and_then(Value::as_object_mut) {
        let schemas = components.entry("schemas").or_insert_with(|| json!({}));
        if let Some(schemas) = schemas.as_object_mut() {
            schemas.insert("ErrorBody".into(), error_body_schema());
        }
    }
    doc
}

const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Gives a response its description (by status, where the handler gave none) and, for an error
/// status, the uniform error body.
fn describe(status: &str, response: &mut Value) {
    let Some(response) = response.as_object_mut() else {
        return;
    };
    if response.contains_key("$ref") {
        return;
    }
    let empty = response
        .get("description")
        .and_then(Value::as_str)
        .is_none_or(str::is_empty);
    if empty {
        response.insert("description".into(), json!(status_description(status)));
    }
    if status.starts_with('4') || status.starts_with('5') {
        response.insert(
            "content".into(),
            json!({"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}),
        );
    }
}

fn status_description(status: &str) -> &'static str {
    match status {
        "200" => "OK",
        "201" => "Created",
        "202" => "Accepted: the work is queued",
        "204" => "Done; no content",
        "303" => "See other",
        "400" => "Malformed request: the body, a path segment or a query parameter cannot be read",
        "401" => "No token, or a token that is not valid (sign in again)",
        "403" => "Signed in, but not allowed to do this",
        "404" => "Not found",
        "409" => "Conflict with the current state (a stale version or a transition not allowed)",
        "413" => "The body is larger than the limit",
        "415" => "The body is not of a media type this endpoint reads",
        "422" => "Invalid values: details name every field and what was expected",
        "429" => "Too many attempts; Retry-After says when to try again",
        "500" => "Internal error (logged with the request id)",
        "503" => "Unavailable (the database does not answer)",
        _ => "Answer",
    }
}

/// `{"error":{"code","message","details":[{"field","message"}]}}`.
fn error_body_schema() -> Value {
    json!({
        "type": "object",
        "description": "Every error answer of the API.",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message", "details"],
                "properties": {
                    "code": {"type": "string", "description": "snake_case code, e.g. validation_failed, not_found, forbidden"},
                    "message": {"type": "string", "description": "What went wrong, for people"},
                    "details": {
                        "type": "array",
                        "description": "For validation errors: every bad field",
                        "items": {
                            "type": "object",
                            "required": ["field", "message"],
                            "properties": {
                                "field": {"type": "string", "description": "JSON path, e.g. levels[2].level"},
                                "message": {"type": "string"}
                            }
                        }
                    }
                }
            }
        }
    })
}

/// This document.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "ops", responses((status = 200, content_type = "application/json")))]
pub async fn serve() -> axum::Json<Value> {
    static DOCUMENT: std::sync::LazyLock<Value> = std::sync::LazyLock::new(document);
    axum::Json(DOCUMENT.clone())
}
