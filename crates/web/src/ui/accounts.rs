//! Accounts: the list for hr and admin (search, role, status, last sign-in, where mail goes;
//! disable/enable, the account's own address, a one-time link, provisioning every employee's
//! account), the public activation page that sets a first password (or a new one) from a link,
//! and changing one's own password.

#[allow(unused_imports)]
use super::*;
use jenjang_app::accounts::{self, AccountChange};
use jenjang_core::FieldError;
use jenjang_core::accounts::{AccountStatus, LinkProblem, WeakPassword};
use jenjang_core::kinds::Role;
use jenjang_core::notify::Email;
use jenjang_store::Paging;
use jenjang_store::accounts::AccountFilter;

#[derive(Deserialize)]
pub(super) struct AccountsQuery {
    q: Option<String>,
    role: Option<String>,
    status: Option<String>,
    offset: Option<u64>,
}

const PAGE: u64 = 50;

pub(super) async fn accounts_page(
    State(s): State<AppState>,
    ui: Ui,
    Params(q): Params<AccountsQuery>,
) -> Response {
    let Some(user) = ui.user.clone() else {
        return ui.redirect("/masuk");
    };
    let filter = AccountFilter {
        q: q.q.clone().filter(|v| !v.trim().is_empty()),
        role: q.role.as_deref().and_then(|r| r.parse::<Role>().ok()),
        status: q
            .status
            .as_deref()
            .and_then(|r| r.parse::<AccountStatus>().ok()),
    };
    let offset = q.offset.unwrap_or(0);
    let cx = s.context(&user);
    let page = match accounts::list(&cx, filter, Paging::new(Some(PAGE), Some(offset))).await {
        Ok(p) => p,
        Err(e) => return ui.error(e.into()),
    };
    let may_provision = user
        .require(jenjang_core::access::Action::ManageUsers)
        .is_ok();
    let rows: Vec<Value> = page
        .items
        .iter()
        .map(|a| {
            let manageable = user
                .require(jenjang_core::access::Action::ManageAccount { target: a.role })
                .is_ok();
            json!({
                "account": a,
                "manageable": manageable,
                "disabled": a.status == AccountStatus::Disabled,
            })
        })
        .collect();
    let next = (offset + PAGE < page.total).then_some(offset + PAGE);
    let prev = (offset > 0).then(|| offset.saturating_sub(PAGE));
    ui.render(
        StatusCode::OK,
        "akun",
        &ui.lang.text("nav_accounts"),
        json!({
            "rows": rows,
            "total": page.total,
            "q": q.q,
            "role": q.role,
            "status": q.status,
            "roles": Role::ALL,
            "statuses": AccountStatus::ALL,
            "next": next,
            "prev": prev,
            "may_provision": may_provision,
        }),
    )
}

#[derive(Deserialize)]
pub(super) struct AccountForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    email: String,
}

/// Disable, enable or issue a link for one account.
pub(super) async fn account_action(
    State(s): State<AppState>,
    ui: Ui,
    headers: HeaderMap,
    Path(username): Path<String>,
    Form(form): Form<AccountForm>,
) -> Response {
    let user = match ui.form_user(&form.csrf) {
        Ok(u) => u,
        Err(answer) => return *answer,
    };
    let cx = s.context(&user);
    let change = match form.action.as_str() {
        "disable" => Some(AccountChange {
            status: Some(AccountStatus::Disabled),
            ..AccountChange::default()
        }),
        "enable" => Some(AccountChange {
            status: Some(AccountStatus::Active),
            ..AccountChange::default()
        }),
        // A blank address clears the account's own (the employee's is used again).
        "email" => {
            let email = match form.email.trim() {
                "" => None,
                given => match Email::parse(given) {
                    Ok(e) => Some(e),
                    Err(problem) => {
                        return ui.error(ApiError::Validation(vec![
                            FieldError::new("email", problem.to_string())
                                .with_code("invalid_value")
                                .with_param("value", given),
                        ]));
                    }
                },
            };
            Some(AccountChange {
                email: Some(email),
                ..AccountChange::default()
            })
        }
        "link" => None,
        other => {
            return ui.error(ApiError::invalid(
                "action",
                format!("'{other}' is not an action; expected disable, enable, email or link"),
            ));
        }
    };
    if let Some(change) = change {
        return match accounts::update(&cx, &username, change).await {
            Ok(_) => ui.redirect("/akun?notice=account_updated"),
            Err(e) => ui.error(e.into()),
        };
    }
    match accounts::issue_link(&cx, &username, &s.public_url(&headers)).await {
        Ok(link) => ui.render(
            StatusCode::CREATED,
            "akun_tautan",
            &ui.lang.text("issue_link"),
            json!({"link": link}),
        ),
        Err(e) => ui.error(e.into()),
    }
}

/// Creates the missing accounts of every employee (admin).
pub(super) async fn provision_form(
    State(s): State<AppState>,
    ui: Ui,
    Form(form): Form<CsrfOnly>,
) -> Response {
    let user = match ui.form_user(&form.csrf) {
        Ok(u) => u,
        Err(answer) => return *answer,
    };
    match accounts::provision(&s.context(&user), None).await {
        Ok(_) => ui.redirect("/akun?notice=accounts_provisioned"),
        Err(e) => ui.error(e.into()),
    }
}

#[derive(Deserialize)]
pub(super) struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

#[derive(Deserialize)]
pub(super) struct TokenQuery {
    #[serde(default)]
    token: String,
}

fn link_problem_text(lang: Lang, problem: LinkProblem) -> String {
    lang.messages()["link_problems"][problem.as_str()]
        .as_str()
        .unwrap_or(problem.message())
        .to_string()
}

fn weak_text(lang: Lang, weak: &WeakPassword) -> String {
    lang.messages()["weak_passwords"][weak.code()]
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| weak.message())
}

/// The activation page: who the link is for and the form that sets the password.
pub(super) async fn activation_page(
    State(s): State<AppState>,
    ui: Ui,
    Params(q): Params<TokenQuery>,
) -> Response {
    let title = ui.lang.text("activation_title");
    match accounts::link_account(&s.store, q.token.trim()).await {
        Ok(Ok(account)) => ui.render(
            StatusCode::OK,
            "aktivasi",
            &title,
            json!({"token": q.token.trim(), "account": account}),
        ),
        Ok(Err(problem)) => ui.render(
            StatusCode::UNPROCESSABLE_ENTITY,
            "aktivasi",
            &title,
            json!({"problem": link_problem_text(ui.lang, problem)}),
        ),
        Err(e) => ui.error(e.into()),
    }
}

#[derive(Deserialize)]
pub(super) struct ActivationForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    token: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    repeat: String,
}

pub(super) async fn activation_submit(
    State(s): State<AppState>,
    ui: Ui,
    Form(form): Form<ActivationForm>,
) -> Response {
    let title = ui.lang.text("activation_title");
    if !ui.csrf_ok(&form.csrf) {
        return ui.expired_form();
    }
    let token = form.token.trim();
    let account = match accounts::link_account(&s.store, token).await {
        Ok(Ok(a)) => a,
        Ok(Err(problem)) => {
            return ui.render(
                StatusCode::UNPROCESSABLE_ENTITY,
                "aktivasi",
                &title,
                json!({"problem": link_problem_text(ui.lang, problem)}),
            );
        }
        Err(e) => return ui.error(e.into()),
    };
    let password = form.password.trim();
    let error = if password != form.repeat.trim() {
        Some(ui.lang.text("passwords_differ"))
    } else {
        accounts::password_problem(&account, password).map(|w| weak_text(ui.lang, &w))
    };
    if let Some(error) = error {
        return ui.render(
            StatusCode::UNPROCESSABLE_ENTITY,
            "aktivasi",
            &title,
            json!({"token": token, "account": account, "error": error}),
        );
    }
    match accounts::activate(&s.store, token, password).await {
        Ok(_) => ui.redirect("/masuk?notice=password_set"),
        Err(e) => ui.error(e.into()),
    }
}

pub(super) async fn password_page(ui: Ui) -> Response {
    if ui.user.is_none() {
        return ui.redirect("/masuk");
    }
    ui.render(
        StatusCode::OK,
        "kata_sandi",
        &ui.lang.text("change_password"),
        json!({}),
    )
}

#[derive(Deserialize)]
pub(super) struct PasswordForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    current: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    repeat: String,
}

pub(super) async fn password_submit(
    State(s): State<AppState>,
    ui: Ui,
    ClientIp(ip): ClientIp,
    Form(form): Form<PasswordForm>,
) -> Response {
    let user = match ui.form_user(&form.csrf) {
        Ok(u) => u,
        Err(answer) => return *answer,
    };
    let title = ui.lang.text("change_password");
    let again = |error: String| {
        ui.render(
            StatusCode::UNPROCESSABLE_ENTITY,
            "kata_sandi",
            &title,
            json!({"error": error}),
        )
    };
    let (current, new) = (form.current.trim(), form.password.trim());
    if new != form.repeat.trim() {
        return again(ui.lang.text("passwords_differ"));
    }
    let account = match s.store.account(&user.0.username).await {
        Ok(a) => a,
        Err(e) => return ui.error(e.into()),
    };
    if let Some(weak) = accounts::password_problem(&account, new) {
        return again(weak_text(ui.lang, &weak));
    }
    match accounts::change_password(&s.context(&user), current, new).await {
        Ok(()) => {}
        Err(jenjang_app::AppError::Invalid(details))
            if details.iter().any(|d| d.field == "current") =>
        {
            return again(ui.lang.text("current_password_wrong"));
        }
        Err(e) => return ui.error(e.into()),
    }
    // Every earlier session ended; this browser signs in again with the new password.
    match authenticate(&s, ip, &user.0.username, new.to_string()).await {
        Ok(login) => {
            let mut response = ui.redirect("/rencana-saya?notice=password_changed");
            if let Ok(v) = HeaderValue::from_str(&session_cookie(&s, &login.token)) {
                response.headers_mut().append(SET_COOKIE, v);
            }
            response
        }
        Err(_) => ui.redirect("/masuk?notice=password_changed"),
    }
}
