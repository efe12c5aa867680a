//! Change-adoption campaigns: the list, and one campaign's ADKAR funnel by unit.

#[allow(unused_imports)]
use super::*;
use jenjang_store::Paging;

pub(super) async fn campaigns_page(State(s): State<AppState>, ui: Ui) -> Response {
    let Some(user) = ui.user.clone() else {
        return ui.redirect("/masuk");
    };
    let page =
        jenjang_app::campaigns::overview(&s.context(&user), Paging::new(Some(1000), None)).await;
    match page {
        Ok(page) => ui.render(
            StatusCode::OK,
            "kampanye",
            &ui.lang.text("nav_campaigns"),
            json!({"campaigns": page.items}),
        ),
        Err(e) => ui.error(e.into()),
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
        let d = jenjang_app::campaigns::dashboard(&s.context(&user), &code).await?;
        let units = d
            .by_unit
            .iter()
            .map(|u| {
                let mut row = to_value(u)?;
                row["funnel"] = json!(funnel(&u.by_stage, u.targets, ui.lang, true));
                Ok(row)
            })
            .collect::<Result<Vec<Value>, ApiError>>()?;
        let chart = funnel(&d.by_stage, d.targets, ui.lang, false);
        let title = d.title.clone();
        Ok::<_, ApiError>((
            title,
            json!({"dashboard": to_value(&d)?, "funnel": chart, "units": units}),
        ))
    }
    .await;
    match data {
        Ok((title, data)) => ui.render(StatusCode::OK, "kampanye_detail", &title, data),
        Err(e) => ui.error(e),
    }
}
