//! The citizens' survey at the service counter (`/survei/{unit}`): public, anonymous, phone
//! first, in Bahasa Indonesia (English on request). Each form carries a one-time token (a
//! replayed form is refused), a field people never see (filled only by bots: such a form is
//! thanked and dropped), and responses are limited per unit and address without storing
//! either. The answers compute the unit's IKM for the quarter (`app::survey`).

#[allow(unused_imports)]
use super::*;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::net::IpAddr;
use std::num::NonZeroU32;

/// Responses allowed per unit and address per hour (a family at one counter, not a flood).
const PER_HOUR: u32 = 20;

pub struct SurveyLimiter(DefaultKeyedRateLimiter<(String, IpAddr)>);

impl std::fmt::Debug for SurveyLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SurveyLimiter")
    }
}

impl Default for SurveyLimiter {
    fn default() -> Self {
        SurveyLimiter(RateLimiter::keyed(Quota::per_hour(
            NonZeroU32::new(PER_HOUR).expect("more than none"),
        )))
    }
}

/// The form: the unit's name, the nine elements with four answers each.
pub(super) async fn survey_page(
    State(s): State<AppState>,
    ui: Ui,
    Path(unit): Path<String>,
) -> Response {
    survey_form_view(&s, &ui, &unit, None, StatusCode::OK).await
}

async fn survey_form_view(
    s: &AppState,
    ui: &Ui,
    unit: &str,
    problems: Option<Vec<String>>,
    status: StatusCode,
) -> Response {
    let unit_row = match s.store.get_unit(unit).await {
        Ok(u) => u,
        Err(e) => return ui.error(e.into()),
    };
    let token = uuid::Uuid::new_v4().simple().to_string();
    if let Err(e) = s.store.issue_survey_token(unit, &token).await {
        return ui.error(e.into());
    }
    let questions: Vec<Value> = (1..=9)
        .map(|i| {
            json!({
                "name": format!("u{i}"),
                "number": i,
                "text": ui.lang.messages()["survey_questions"][i - 1],
            })
        })
        .collect();
    ui.render(
        status,
        "survei",
        &ui.lang.text("survey_title"),
        json!({
            "unit": {"code": unit, "name": unit_row.name},
            "token": token,
            "questions": questions,
            "failed": problems.map(|m| json!({"messages": m})),
            "public": true,
        }),
    )
}

/// A response: counted, or the form again with what to fix.
pub(super) async fn survey_submit(
    State(s): State<AppState>,
    ui: Ui,
    ClientIp(ip): ClientIp,
    Path(unit): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let posted = Posted(form);
    let field = |name: &str| posted.one(name);
    if s.survey_limiter.0.check_key(&(unit.clone(), ip)).is_err() {
        return ui.render(
            StatusCode::TOO_MANY_REQUESTS,
            "error",
            &ui.lang.text("error_title"),
            json!({"code": "rate_limited", "message": ui.lang.text("survey_too_many")}),
        );
    }
    // Only a bot fills the hidden field: thanked, not counted.
    if !field("situs").trim().is_empty() {
        return ui.render(
            StatusCode::OK,
            "survei_terima_kasih",
            &ui.lang.text("survey_title"),
            json!({"public": true}),
        );
    }
    let response = jenjang_app::survey::Response {
        answers: (1..=9).map(|i| field(&format!("u{i}"))).collect(),
        comment: Some(field("komentar")),
        token: field("token"),
    };
    match jenjang_app::survey::respond(&s.store, &unit, response).await {
        Ok(_) => {
            s.engine_wake.notify_one();
            ui.render(
                StatusCode::OK,
                "survei_terima_kasih",
                &ui.lang.text("survey_title"),
                json!({"public": true, "unit": unit}),
            )
        }
        Err(jenjang_app::AppError::Invalid(details)) => {
            let problems = details
                .iter()
                .map(|d| match d.params.get("element") {
                    Some(n) => ui
                        .lang
                        .text("survey_answer_missing")
                        .replace("{element}", n),
                    None => d.message.clone(),
                })
                .collect();
            survey_form_view(
                &s,
                &ui,
                &unit,
                Some(problems),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(jenjang_app::AppError::Conflict(_)) => {
            let problems = vec![ui.lang.text("survey_form_spent")];
            survey_form_view(&s, &ui, &unit, Some(problems), StatusCode::CONFLICT).await
        }
        Err(e) => ui.error(e.into()),
    }
}

/// The link and QR code (SVG) to print for the counter (hr, admin, the unit's heads).
pub async fn survey_link(
    s: &AppState,
    user: &CurrentUser,
    headers: &HeaderMap,
    unit: &str,
) -> Result<(String, String), ApiError> {
    s.context(user).require_unit(unit, true).await?;
    s.store.get_unit(unit).await?;
    let url = format!(
        "{}/survei/{unit}",
        s.public_url(headers).trim_end_matches('/')
    );
    let code = qrcode::QrCode::new(url.as_bytes())
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("QR code: {e}")))?;
    let svg = code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(240, 240)
        .build();
    // Inline in a page, without the XML declaration.
    let svg = match svg.find("<svg") {
        Some(i) => svg[i..].to_string(),
        None => svg,
    };
    Ok((url, svg))
}
