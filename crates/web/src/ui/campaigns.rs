//! Change-adoption campaigns: the list, and one campaign's ADKAR funnel by unit.

#[allow(unused_imports)]
use super::*;

pub(super) async fn campaigns_page(State(s): State<AppState>, ui: Ui) -> Response {
    let Some(user) = ui.user.clone() else {
        return ui.redirect("/masuk");
    };
    let page = list_campaigns(
        State(s.clone()),
        user,
        Params(PageParams {
            limit: Some(1000),
            offset: None,
        }),
    )
    .await;
    match page.and_then(|p| to_value(p.0.items)) {
        Ok(campaigns) => ui.render(
            StatusCode::OK,
            "kampanye",
            &ui.lang.text("nav_campaigns"),
            json!({"campaigns": campaigns}),
        ),
        Err(e) => ui.error(e),
    }
}

pub(super) async fn campaign_page(
    State(s): State<AppState>,
    ui: Ui,
    Path(code): Path<String>,
) -> Response {
    let Some(user) = ui.user.clone() else {
        return ui.redirect("/masuk");
    };
    let data = async {
        let d = json_body(
            dashboard(
                State(s.clone()),
                user,
                Path(code),
                Params(FormatQuery { format: None }),
                HeaderMap::new(),
            )
            .await?,
        )
        .await?;
        let targets = d["targets"].as_u64().unwrap_or(0);
        let units: Vec<Value> = d["by_unit"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .map(|mut u| {
                let t = u["targets"].as_u64().unwrap_or(0);
                u["funnel"] = json!(funnel(&u["by_stage"], t, ui.lang, true));
                u
            })
            .collect();
        let chart = funnel(&d["by_stage"], targets, ui.lang, false);
        Ok::<_, ApiError>(json!({"dashboard": d, "funnel": chart, "units": units}))
    }
    .await;
    match data {
        Ok(data) => {
            let title = data["dashboard"]["title"]
                .as_str()
                .unwrap_or("")
                .to_string();
            ui.render(StatusCode::OK, "kampanye_detail", &title, data)
        }
        Err(e) => ui.error(e),
    }
}
