//! Units, competencies, programs and positions: read by any signed-in user, written by hr and
//! admin. Each has list, get, create (`POST`) and update (`PUT /{code}`).

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::ApiResult;
use crate::extract::Path;
use crate::extract::{PageParams, Params};
use crate::input::{Body, Fields};
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use jenjang_app::reference;
use jenjang_core::kinds::{CompetencyKind, PositionKind, ProgramForm};
use jenjang_core::reference::*;
use jenjang_core::{Code, Nip, Validator};
use jenjang_store::Page;
use serde::Deserialize;
use serde_json::Value;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/units", get(list_units).post(create_unit))
        .route("/units/{code}", get(get_unit).put(update_unit))
        .route(
            "/competencies",
            get(list_competencies).post(create_competency),
        )
        .route(
            "/competencies/{code}",
            get(get_competency).put(update_competency),
        )
        .route("/programs", get(list_programs).post(create_program))
        .route("/programs/{code}", get(get_program).put(update_program))
        .route("/positions", get(list_positions).post(create_position))
        .route("/positions/{code}", get(get_position).put(update_position))
}

/// The key of a record: from the path on update (a body `code` must then agree), else the body.
fn key(f: &mut Fields<'_>, name: &str, path: Option<&str>) -> Option<Code> {
    match path {
        None => f.parse(name, Code::parse),
        Some(p) => {
            if let Some(body) = f.opt_text(name)
                && body != p
            {
                f.error(
                    name,
                    format!("must match the code in the path ({p}) or be left out"),
                );
            }
            Code::parse(p).ok()
        }
    }
}

fn requirement(f: &mut Fields<'_>) -> Option<LevelRequirement> {
    let competency = f.parse("competency", Code::parse);
    let level = f.level("level");
    Some(LevelRequirement {
        competency: competency?,
        level: level?,
    })
}

/// What a request's body says, or every problem found reading it.
pub(crate) type Reading<T> = Result<T, Vec<jenjang_core::FieldError>>;

pub(crate) fn read_unit(body: &Value, path: Option<&str>) -> Reading<Unit> {
    let mut errors = Vec::new();
    let mut f = Fields::root(body, &mut errors);
    let code = key(&mut f, "code", path);
    let name = f.text("name");
    let parent = f.opt_parse("parent", Code::parse);
    let head_nip = f.opt_parse("head_nip", Nip::parse);
    let unit = (|| {
        Some(Unit {
            code: code?,
            name: name?,
            parent: parent?,
            head_nip: head_nip?,
        })
    })();
    jenjang_app::fields::finish(unit, errors)
}

pub(crate) fn read_competency(body: &Value, path: Option<&str>) -> Reading<Competency> {
    let mut errors = Vec::new();
    let mut f = Fields::root(body, &mut errors);
    let code = key(&mut f, "code", path);
    let name = f.text("name");
    let kind = f.parse("kind", |s| s.parse::<CompetencyKind>());
    let description = f.opt_long_text("description");
    let levels = f.list("levels", |f| {
        let level = f.level("level");
        let description = f.long_text("description");
        Some(LevelDescription {
            level: level?,
            description: description?,
        })
    });
    let prerequisites = f.list("prerequisites", |f| {
        let for_level = f.level("for_level");
        let competency = f.parse("competency", Code::parse);
        let level = f.level("level");
        Some(PrerequisiteDef {
            for_level: for_level?,
            competency: competency?,
            level: level?,
        })
    });
    let competency = (|| {
        Some(Competency {
            code: code?,
            name: name?,
            kind: kind?,
            description,
            levels: levels?,
            prerequisites: prerequisites?,
        })
    })();
    if let Some(c) = &competency {
        let mut v = Validator::new();
        c.check(&mut v);
        if let Err(more) = v.finish() {
            errors.extend(more);
        }
    }
    jenjang_app::fields::finish(competency, errors)
}

pub(crate) fn read_program(body: &Value, path: Option<&str>) -> Reading<Program> {
    let mut errors = Vec::new();
    let mut f = Fields::root(body, &mut errors);
    let code = key(&mut f, "code", path);
    let title = f.text("title");
    let form = f.parse("form", |s| s.parse::<ProgramForm>());
    let jp = f.int("jp", 0, 10_000);
    let cost_idr = f.int("cost_idr", 0, i64::MAX);
    let provider = f.text("provider");
    let capacity = f.opt_int("capacity", 1, 1_000_000);
    let duration_days = f.opt_int("duration_days", 1, 3_650);
    let develops = f.list("develops", |f| {
        let competency = f.parse("competency", Code::parse);
        let to_level = f.level("to_level");
        Some(Development {
            competency: competency?,
            to_level: to_level?,
        })
    });
    let requires = f.list("requires", requirement);
    if develops.as_ref().is_some_and(|d| d.is_empty()) {
        f.error("develops", "a program must develop at least one competency");
    }
    let program = (|| {
        Some(Program {
            code: code?,
            title: title?,
            form: form?,
            jp: jp? as u32,
            cost_idr: cost_idr?,
            provider: provider?,
            capacity: capacity?.map(|c| c as u32),
            duration_days: duration_days?.map(|d| d as u32),
            develops: develops?,
            requires: requires?,
        })
    })();
    if let Some(p) = &program {
        let mut v = Validator::new();
        check_unique_competencies(&mut v, "develops", p.develops.iter().map(|d| &d.competency));
        check_unique_competencies(&mut v, "requires", p.requires.iter().map(|r| &r.competency));
        if let Err(more) = v.finish() {
            errors.extend(more);
        }
    }
    jenjang_app::fields::finish(program, errors)
}

pub(crate) fn read_position(body: &Value, path: Option<&str>) -> Reading<Position> {
    let mut errors = Vec::new();
    let mut f = Fields::root(body, &mut errors);
    let code = key(&mut f, "code", path);
    let name = f.text("name");
    let kind = f.parse("kind", |s| s.parse::<PositionKind>());
    let unit = f.opt_parse("unit", Code::parse);
    let requirements = f.list("requirements", requirement);
    let min_golongan = f.opt_parse("min_golongan", jenjang_core::fit::Golongan::parse);
    let position = (|| {
        Some(Position {
            code: code?,
            name: name?,
            kind: kind?,
            unit: unit?,
            requirements: requirements?,
            min_golongan: min_golongan?,
        })
    })();
    if let Some(p) = &position {
        let mut v = Validator::new();
        check_unique_competencies(
            &mut v,
            "requirements",
            p.requirements.iter().map(|r| &r.competency),
        );
        if let Err(more) = v.finish() {
            errors.extend(more);
        }
    }
    jenjang_app::fields::finish(position, errors)
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UnitFilter {
    /// Only the direct children of this unit.
    pub parent: Option<String>,
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct KindFilter {
    /// Only this kind (competencies) or form (programs) or unit (positions).
    pub kind: Option<String>,
    pub form: Option<String>,
    pub unit: Option<String>,
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

fn paging(limit: Option<u64>, offset: Option<u64>) -> ApiResult<jenjang_store::Paging> {
    PageParams { limit, offset }.paging()
}

#[utoipa::path(get, path = "/api/v1/units", tag = "reference", params(UnitFilter),
    responses((status = 200, description = "a page of units ordered by code")), security(("bearer" = [])))]
pub async fn list_units(
    State(s): State<AppState>,
    user: CurrentUser,
    Params(q): Params<UnitFilter>,
) -> ApiResult<Json<Page<Unit>>> {
    reference::require_read(&s.context(&user))?;
    Ok(Json(
        s.store
            .list_units(paging(q.limit, q.offset)?, q.parent.as_deref())
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/units/{code}", tag = "reference", params(("code" = String, Path)),
    responses((status = 200, body = Unit), (status = 404)), security(("bearer" = [])))]
pub async fn get_unit(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
) -> ApiResult<Json<Unit>> {
    Ok(Json(reference::get(&s.context(&user), &code).await?))
}

#[utoipa::path(post, path = "/api/v1/units", tag = "reference", request_body = Unit,
    responses((status = 201, body = Unit), (status = 409), (status = 422)), security(("bearer" = [])))]
pub async fn create_unit(
    State(s): State<AppState>,
    user: CurrentUser,
    Body(body): Body,
) -> ApiResult<(StatusCode, Json<Unit>)> {
    let unit = reference::create(&s.context(&user), read_unit(&body, None)).await?;
    Ok((StatusCode::CREATED, Json(unit)))
}

#[utoipa::path(put, path = "/api/v1/units/{code}", tag = "reference", params(("code" = String, Path)), request_body = Unit,
    responses((status = 200, body = Unit), (status = 404), (status = 422)), security(("bearer" = [])))]
pub async fn update_unit(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    Body(body): Body,
) -> ApiResult<Json<Unit>> {
    let unit = reference::update(&s.context(&user), &code, read_unit(&body, Some(&code))).await?;
    Ok(Json(unit))
}

#[utoipa::path(get, path = "/api/v1/competencies", tag = "reference", params(KindFilter),
    responses((status = 200, description = "a page of competencies ordered by code")), security(("bearer" = [])))]
pub async fn list_competencies(
    State(s): State<AppState>,
    user: CurrentUser,
    Params(q): Params<KindFilter>,
) -> ApiResult<Json<Page<Competency>>> {
    reference::require_read(&s.context(&user))?;
    Ok(Json(
        s.store
            .list_competencies(paging(q.limit, q.offset)?, q.kind.as_deref())
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/competencies/{code}", tag = "reference", params(("code" = String, Path)),
    responses((status = 200, body = Competency), (status = 404)), security(("bearer" = [])))]
pub async fn get_competency(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
) -> ApiResult<Json<Competency>> {
    Ok(Json(reference::get(&s.context(&user), &code).await?))
}

#[utoipa::path(post, path = "/api/v1/competencies", tag = "reference", request_body = Competency,
    responses((status = 201, body = Competency), (status = 409), (status = 422, description = "invalid fields, or prerequisites that make a cycle (named)")),
    security(("bearer" = [])))]
pub async fn create_competency(
    State(s): State<AppState>,
    user: CurrentUser,
    Body(body): Body,
) -> ApiResult<(StatusCode, Json<Competency>)> {
    let c = reference::create(&s.context(&user), read_competency(&body, None)).await?;
    Ok((StatusCode::CREATED, Json(c)))
}

#[utoipa::path(put, path = "/api/v1/competencies/{code}", tag = "reference", params(("code" = String, Path)), request_body = Competency,
    responses((status = 200, body = Competency), (status = 404), (status = 422)), security(("bearer" = [])))]
pub async fn update_competency(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    Body(body): Body,
) -> ApiResult<Json<Competency>> {
    let c = reference::update(
        &s.context(&user),
        &code,
        read_competency(&body, Some(&code)),
    )
    .await?;
    Ok(Json(c))
}

#[utoipa::path(get, path = "/api/v1/programs", tag = "reference", params(KindFilter),
    responses((status = 200, description = "a page of programs ordered by code")), security(("bearer" = [])))]
pub async fn list_programs(
    State(s): State<AppState>,
    user: CurrentUser,
    Params(q): Params<KindFilter>,
) -> ApiResult<Json<Page<Program>>> {
    reference::require_read(&s.context(&user))?;
    Ok(Json(
        s.store
            .list_programs(paging(q.limit, q.offset)?, q.form.as_deref())
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/programs/{code}", tag = "reference", params(("code" = String, Path)),
    responses((status = 200, body = Program), (status = 404)), security(("bearer" = [])))]
pub async fn get_program(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
) -> ApiResult<Json<Program>> {
    Ok(Json(reference::get(&s.context(&user), &code).await?))
}

#[utoipa::path(post, path = "/api/v1/programs", tag = "reference", request_body = Program,
    responses((status = 201, body = Program), (status = 409), (status = 422)), security(("bearer" = [])))]
pub async fn create_program(
    State(s): State<AppState>,
    user: CurrentUser,
    Body(body): Body,
) -> ApiResult<(StatusCode, Json<Program>)> {
    let p = reference::create(&s.context(&user), read_program(&body, None)).await?;
    Ok((StatusCode::CREATED, Json(p)))
}

#[utoipa::path(put, path = "/api/v1/programs/{code}", tag = "reference", params(("code" = String, Path)), request_body = Program,
    responses((status = 200, body = Program), (status = 404), (status = 422)), security(("bearer" = [])))]
pub async fn update_program(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    Body(body): Body,
) -> ApiResult<Json<Program>> {
    let p = reference::update(&s.context(&user), &code, read_program(&body, Some(&code))).await?;
    Ok(Json(p))
}

#[utoipa::path(get, path = "/api/v1/positions", tag = "reference", params(KindFilter),
    responses((status = 200, description = "a page of positions ordered by code")), security(("bearer" = [])))]
pub async fn list_positions(
    State(s): State<AppState>,
    user: CurrentUser,
    Params(q): Params<KindFilter>,
) -> ApiResult<Json<Page<Position>>> {
    reference::require_read(&s.context(&user))?;
    Ok(Json(
        s.store
            .list_positions(paging(q.limit, q.offset)?, q.unit.as_deref())
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/positions/{code}", tag = "reference", params(("code" = String, Path)),
    responses((status = 200, body = Position), (status = 404)), security(("bearer" = [])))]
pub async fn get_position(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
) -> ApiResult<Json<Position>> {
    Ok(Json(reference::get(&s.context(&user), &code).await?))
}

#[utoipa::path(post, path = "/api/v1/positions", tag = "reference", request_body = Position,
    responses((status = 201, body = Position), (status = 409), (status = 422)), security(("bearer" = [])))]
pub async fn create_position(
    State(s): State<AppState>,
    user: CurrentUser,
    Body(body): Body,
) -> ApiResult<(StatusCode, Json<Position>)> {
    let p = reference::create(&s.context(&user), read_position(&body, None)).await?;
    Ok((StatusCode::CREATED, Json(p)))
}

#[utoipa::path(put, path = "/api/v1/positions/{code}", tag = "reference", params(("code" = String, Path)), request_body = Position,
    responses((status = 200, body = Position), (status = 404), (status = 422)), security(("bearer" = [])))]
pub async fn update_position(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    Body(body): Body,
) -> ApiResult<Json<Position>> {
    let p = reference::update(&s.context(&user), &code, read_position(&body, Some(&code))).await?;
    Ok(Json(p))
}
