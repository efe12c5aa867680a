//! Signing in and out, and the home page that sends each person to their first page.

#[allow(unused_imports)]
use super::*;

pub(super) async fn home(ui: Ui) -> Response {
    ui.redirect(match &ui.user {
        Some(u) => first_page(u.0.role),
        None => "/masuk",
    })
}

pub(super) async fn login_page(State(s): State<AppState>, ui: Ui) -> Response {
    if ui.user.is_some() {
        return ui.redirect("/");
    }
    ui.render(
        StatusCode::OK,
        "login",
        &ui.lang.text("sign_in"),
        json!({"sso": s.oidc.is_some()}),
    )
}

#[derive(Deserialize)]
pub(super) struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

pub(super) async fn login_submit(
    State(s): State<AppState>,
    ui: Ui,
    ClientIp(ip): ClientIp,
    Form(form): Form<LoginForm>,
) -> Response {
    let again = |status: StatusCode, key: &str| {
        ui.render(
            status,
            "login",
            &ui.lang.text("sign_in"),
            json!({"error": ui.lang.text(key), "username": form.username}),
        )
    };
    if !ui.csrf_ok(&form.csrf) {
        return again(StatusCode::FORBIDDEN, "form_expired");
    }
    if form.username.trim().is_empty() || form.password.is_empty() {
        return again(StatusCode::UNPROCESSABLE_ENTITY, "login_missing");
    }
    match authenticate(&s, ip, form.username.trim(), form.password.clone()).await {
        Ok(login) => {
            // A saved language is the pages' from signing in, whatever this browser remembered.
            let saved = login.user.language.as_deref().and_then(Lang::parse);
            let mut response = match saved {
                Some(lang) => ui.redirect_remembering(first_page(login.user.role), Some(lang)),
                None => ui.redirect(first_page(login.user.role)),
            };
            if let Ok(v) = HeaderValue::from_str(&session_cookie(&s, &login.token)) {
                response.headers_mut().append(SET_COOKIE, v);
            }
            response
        }
        Err(ApiError::Unauthorized(_)) => again(StatusCode::UNAUTHORIZED, "login_failed"),
        Err(ApiError::RateLimited(_)) => again(StatusCode::TOO_MANY_REQUESTS, "login_rate_limited"),
        Err(e) => ui.error(e),
    }
}

#[derive(Deserialize)]
pub(super) struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

pub(super) async fn logout(
    State(s): State<AppState>,
    headers: HeaderMap,
    ui: Ui,
    Form(form): Form<CsrfForm>,
) -> Response {
    if !ui.csrf_ok(&form.csrf) {
        return ui.expired_form();
    }
    if let Err(e) = crate::auth::end_session(&s, &headers).await {
        return ui.error(e);
    }
    // The next person at this browser does not inherit the language either.
    let mut response = ui.redirect_remembering("/masuk", None);
    response
        .headers_mut()
        .append(SET_COOKIE, HeaderValue::from_static(CLEARED_COOKIE));
    response
}
