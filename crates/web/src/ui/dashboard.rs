//! Beranda: where hr and admin land. The HR queue (nominations, counselling and other tasks
//! for the BKPSDM), workflow incidents with retry, the organisation's JP compliance and the
//! campaigns, each linking to its page.

#[allow(unused_imports)]
use super::*;
use jenjang_core::workflow::{InstanceStatus, TaskStatus};
use jenjang_store::Paging;

/// The first page of an account of `role`: Beranda for whoever sees the whole organisation
/// (hr, admin), one's own plan for everyone else.
pub(super) fn first_page(role: jenjang_core::kinds::Role) -> &'static str {
    if jenjang_core::access::role_sees_whole_organisation(role) {
        "/beranda"
    } else {
        "/rencana-saya"
    }
}

pub(super) async fn dashboard_page(State(s): State<AppState>, ui: Ui) -> Response {
    let s = &s;
    let ui = &ui;
    let Some(user) = ui.user.clone() else {
        return ui.redirect("/masuk");
    };
    if !sees_whole_organisation(&user.0) {
        return ui.redirect(first_page(user.0.role));
    }
    let data = async {
        let cx = s.context(&user);
        let directory = cx.directory().await?;
        let name_of = |nip: &Option<String>| {
            nip.as_ref()
                .and_then(|n| directory.get(n))
                .map(|(name, _)| name.clone())
        };
        // The queue of the caller's role (hr), oldest due first.
        let queue = jenjang_app::workflows::tasks(
            &cx,
            jenjang_app::workflows::TaskQuery {
                mine: true,
                status: Some(TaskStatus::Open),
                ..Default::default()
            },
            Paging::new(Some(50), None),
        )
        .await?;
        let queue_total = queue.total;
        let queue: Vec<Value> = queue
            .items
            .iter()
            .map(|t| {
                let mut v = json!(t);
                v["subject_name"] = json!(name_of(&t.subject_nip));
                v
            })
            .collect();
        let incidents = jenjang_app::workflows::instances(
            &cx,
            jenjang_app::workflows::InstanceQuery {
                status: Some(InstanceStatus::Incident),
                ..Default::default()
            },
            Paging::new(Some(20), None),
        )
        .await?;
        let incidents_total = incidents.total;
        let incidents: Vec<Value> = incidents
            .items
            .iter()
            .map(|i| {
                let mut v = json!(i);
                v["subject_name"] = json!(name_of(&i.subject_nip));
                v
            })
            .collect();
        let org = cx.organisation().await?;
        let root = org
            .units
            .sole_root()
            .map(|r| org.units.code(r).to_string());
        let jp = match &root {
            Some(root) => {
                let c = jenjang_app::plans::jp_compliance(&cx, root, None).await?;
                let share = if c.employees == 0 {
                    0.0
                } else {
                    c.meeting_target as f64 / c.employees as f64
                };
                Some(json!({
                    "year": c.year,
                    "target": c.jp_target,
                    "employees": c.employees,
                    "meeting": c.meeting_target,
                    "below": c.employees - c.meeting_target,
                    "chart": bar(&[(share, "#1f6fb2")], Some(1.0), &format!("{:.0}%", share * 100.0)),
                }))
            }
            None => None,
        };
        let campaigns =
            jenjang_app::campaigns::overview(&cx, Paging::new(Some(20), None)).await?;
        Ok::<_, ApiError>(json!({
            "queue": queue,
            "queue_total": queue_total,
            "incidents": incidents,
            "incidents_total": incidents_total,
            "jp": jp,
            "campaigns": campaigns.items,
        }))
    }
    .await;
    match data {
        Ok(data) => ui.render(
            StatusCode::OK,
            "beranda",
            &ui.lang.text("nav_dashboard"),
            data,
        ),
        Err(e) => ui.error(e),
    }
}

#[derive(Deserialize)]
pub(super) struct RetryForm {
    #[serde(default)]
    csrf: String,
}

/// Runs an incident's failed step again.
pub(super) async fn retry_form(
    State(s): State<AppState>,
    ui: Ui,
    Path(id): Path<i64>,
    Form(form): Form<RetryForm>,
) -> Response {
    let user = match ui.form_user(&form.csrf) {
        Ok(u) => u,
        Err(answer) => return *answer,
    };
    match jenjang_app::workflows::retry(&s.context(&user), id).await {
        Ok(_) => ui.redirect("/beranda?notice=incident_retried"),
        Err(e) => ui.error(e.into()),
    }
}
