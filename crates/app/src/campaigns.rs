//! Change-adoption campaigns: reading a campaign's definition, shared by the API and seeding.

use crate::fields::{Fields, finish};
use chrono::NaiveDate;
use jenjang_core::adkar::Stage;
use jenjang_core::kinds::PositionKind;
use jenjang_core::{FieldError, Nip};
use jenjang_store::campaigns::CampaignInput;

fn date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| format!("expected a date as YYYY-MM-DD; found {s}"))
}

/// Reads a campaign in the API's JSON shape (a request body, or a seed file's `campaign`); the
/// code comes from the path on an update. Every bad field is reported.
pub fn read_campaign(
    body: &serde_json::Value,
    code: Option<&str>,
) -> Result<CampaignInput, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut f = Fields::root(body, &mut errors);
    let code = match code {
        Some(c) => Some(c.to_string()),
        None => f.parse("code", |s| {
            jenjang_core::Code::parse(s).map(|c| c.to_string())
        }),
    };
    let title = f.text("title");
    let description = f.opt_long_text("description");
    let sponsor = f.parse("sponsor_nip", |s| Nip::parse(s).map(|n| n.to_string()));
    let units = f.strings("units", true);
    let kinds = f.strings("position_kinds", false);
    if let Some(k) = &kinds {
        for (i, kind) in k.iter().enumerate() {
            if let Err(e) = kind.parse::<PositionKind>() {
                f.error(&format!("position_kinds[{i}]"), e.to_string());
            }
        }
    }
    let starts = f.parse("starts", date);
    let ends = f.parse("ends", date);
    if let (Some(s), Some(e)) = (starts, ends)
        && e <= s
    {
        f.error("ends", format!("must come after starts ({s})"));
    }
    let target = f.number("adoption_target", 0.01, 1.0);
    let adopted_from = match f.opt_text("adopted_from").as_deref() {
        None | Some("reinforcement") => Some(Stage::Reinforcement),
        Some("ability") => Some(Stage::Ability),
        Some(other) => {
            f.error(
                "adopted_from",
                format!("'{other}' is not one of: reinforcement, ability"),
            );
            None
        }
    };
    let allow_skips = f.opt_bool("allow_skips", false);
    let parsed = (|| {
        Some(CampaignInput {
            code: code?,
            title: title?,
            description,
            sponsor_nip: sponsor?,
            units: units?,
            position_kinds: kinds?,
            starts: starts?,
            ends: ends?,
            adoption_target: target?,
            adopted_from: adopted_from?,
            allow_skips: allow_skips?,
        })
    })();
    finish(parsed, errors)
}
