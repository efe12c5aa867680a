//! The OpenAPI document, generated from the handlers' annotations.

use crate::routes::{
    analysis, audit, campaigns, employees, ops, performance, plans, reference, settings, workflows,
};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(title = "Jenjang API", version = "1",
         description = "Competency development and performance workflows for Indonesian civil servants (ASN). \
Errors always answer {\"error\":{\"code\",\"message\",\"details\"}}; lists answer {items,total,limit,offset} \
with ?limit= (default 100, at most 1000) and ?offset=. Validation errors (422) list every bad field in details \
as {field, message}, with JSON paths such as levels[2].level."),
    paths(
        crate::auth::login, crate::auth::logout, crate::auth::me,
        ops::healthz, ops::metrics, ops::openapi,
        reference::list_units, reference::get_unit, reference::create_unit, reference::update_unit,
        reference::list_competencies, reference::get_competency, reference::create_competency, reference::update_competency,
        reference::list_programs, reference::get_program, reference::create_program, reference::update_program,
        reference::list_positions, reference::get_position, reference::create_position, reference::update_position,
        employees::list_employees, employees::get_employee, employees::create_employee, employees::update_employee,
        employees::get_competencies, employees::record_competencies,
        audit::list_audit,
        analysis::employee_gaps, analysis::employee_recommendations, analysis::unit_needs_analysis,
        analysis::training_plan, analysis::create_org_need, analysis::list_org_needs, analysis::get_org_need,
        analysis::org_need_progress,
        performance::list_evaluations, performance::create_evaluation, performance::evaluation_history, performance::import,
        performance::talent_grid, performance::record_ikm, performance::list_ikm,
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

pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}
