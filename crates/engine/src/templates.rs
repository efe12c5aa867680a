//! Notification templates (`templates/notifications/*.hbs`, Bahasa Indonesia), compiled into the
//! binary. The first rendered line is the notice's title, the rest its body.

use handlebars::Handlebars;

/// The shipped templates: (name, source).
pub const NOTIFICATION_TEMPLATES: &[(&str, &str)] = &[
    (
        "tugas-baru",
        include_str!("../../../templates/notifications/tugas-baru.hbs"),
    ),
    (
        "pengingat-tugas",
        include_str!("../../../templates/notifications/pengingat-tugas.hbs"),
    ),
    (
        "eskalasi-tugas",
        include_str!("../../../templates/notifications/eskalasi-tugas.hbs"),
    ),
    (
        "penghargaan",
        include_str!("../../../templates/notifications/penghargaan.hbs"),
    ),
    (
        "rekomendasi-pengembangan",
        include_str!("../../../templates/notifications/rekomendasi-pengembangan.hbs"),
    ),
    (
        "pengingat-20-jp",
        include_str!("../../../templates/notifications/pengingat-20-jp.hbs"),
    ),
    (
        "konseling-kinerja",
        include_str!("../../../templates/notifications/konseling-kinerja.hbs"),
    ),
    (
        "kampanye-tertinggal",
        include_str!("../../../templates/notifications/kampanye-tertinggal.hbs"),
    ),
];

/// The names a definition's notify steps may use.
pub fn template_names() -> Vec<&'static str> {
    NOTIFICATION_TEMPLATES.iter().map(|(n, _)| *n).collect()
}

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
        }
    }
}
