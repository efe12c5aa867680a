//! Notification templates (`templates/notifications/*.hbs`, Bahasa Indonesia), compiled into the
//! binary. The first rendered line is the notice's title, the rest its body.

use handlebars::Handlebars;
use jenjang_app::workflows::NOTIFICATION_TEMPLATES;
#[cfg(test)]
use jenjang_app::workflows::template_names;

#[derive(Debug)]
pub struct Templates {
    hb: Handlebars<'static>,
}

impl Default for Templates {
    fn default() -> Self {
        Self::new()
    }
}

impl Templates {
    pub fn new() -> Self {
        let mut hb = Handlebars::new();
        // Plain-text notices: no HTML escaping of names such as "O'Neil".
        hb.register_escape_fn(handlebars::no_escape);
        // `{{predikat event.predikat}}`: "Butuh Perbaikan" rather than `butuh_perbaikan`.
        handlebars::handlebars_helper!(predikat: |wire: str| {
            wire.parse::<jenjang_core::predikat::Predikat>()
                .map(|p| p.words().to_string())
                .unwrap_or_else(|_| wire.to_string())
        });
        hb.register_helper("predikat", Box::new(predikat));
        for (name, source) in NOTIFICATION_TEMPLATES {
            hb.register_template_string(name, source)
                .unwrap_or_else(|e| panic!("notification template {name} is broken: {e}"));
        }
        Templates { hb }
    }

    /// Renders a notice: (title, body).
    pub fn notice(&self, name: &str, data: &serde_json::Value) -> anyhow::Result<(String, String)> {
        let text = self.hb.render(name, data)?;
        let text = text.trim();
        let (title, body) = text.split_once('\n').unwrap_or((text, ""));
        Ok((title.trim().to_string(), body.trim().to_string()))
    }

    /// Renders a one-line template written in a definition (a task or recognition title).
    pub fn line(&self, source: &str, data: &serde_json::Value) -> anyhow::Result<String> {
        Ok(self.hb.render_template(source, data)?.trim().to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_renders_with_a_title() {
        let t = Templates::new();
        let data = serde_json::json!({
            "subject": {"name": "Siti", "nip": "198001012005012001"},
            "event": {"predikat": "sangat_baik", "period": "2026-Q2", "previous_period": "2026-Q1",
                      "max_gap": 2, "gaps": [{"competency": "K1", "current": 1, "required": 3}],
                      "year": 2026, "jp_completed": 4, "jp_planned": 6, "jp_target": 20},
            "task": {"title": "Bimbingan", "due": "2026-12-01"},
        });
        for name in template_names() {
            let (title, body) = t.notice(name, &data).unwrap();
            assert!(!title.is_empty() && !body.is_empty(), "{name}");
            assert!(!body.contains("{{"), "{name}");
            assert!(!body.contains("sangat_baik"), "{name}: {body}");
        }
        assert_eq!(
            t.line("({{predikat event.predikat}})", &data).unwrap(),
            "(Sangat Baik)"
        );
    }
}
