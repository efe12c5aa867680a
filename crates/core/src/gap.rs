//! Gap analysis (PP 11/2017 art. 206): competency gap = required level − current level, against
//! the current position's standard (SKJ), any organisational need that applies to the employee,
//! and an optional target position. Only positive gaps are reported, each with the sources that
//! require more than the employee holds.

use serde::Serialize;

/// Where a required level comes from.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Source {
    /// The current position's competency standard.
    Position,
    /// A target position (career path, promotion).
    TargetPosition(String),
    /// An organisational need, by id.
    OrgNeed(i64),
}

impl Serialize for Source {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.label())
    }
}

impl Source {
    /// `position`, `target_position:<code>` or `org_need:<id>`.
    pub fn label(&self) -> String {
        match self {
            Source::Position => "position".into(),
            Source::TargetPosition(code) => format!("target_position:{code}"),
            Source::OrgNeed(id) => format!("org_need:{id}"),
        }
    }
}

/// One required level of one competency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    pub competency: u32,
    pub level: u8,
    pub source: Source,
    /// How much closing this gap matters (1 for position standards; an org need's priority).
    pub weight: u32,
}

/// A positive gap in one competency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gap {
    pub competency: u32,
    pub required: u8,
    pub current: u8,
    /// The sources requiring more than `current`, in a stable order.
    pub sources: Vec<Source>,
    /// The largest weight among those sources.
    pub weight: u32,
}

impl Gap {
    pub fn size(&self) -> u8 {
        self.required - self.current
    }
}

/// The gap between a required and a current level: how many levels are missing (0 when the
/// current level meets or exceeds the requirement).
pub fn size(required: u8, current: u8) -> u8 {
    required.saturating_sub(current)
}

/// The positive gaps of an employee with dense `levels`, by competency index.
pub fn gaps(levels: &[u8], requirements: &[Requirement]) -> Vec<Gap> {
    let mut by_competency: Vec<&Requirement> = requirements
        .iter()
        .filter(|r| r.level > levels.get(r.competency as usize).copied().unwrap_or(0))
        .collect();
    by_competency.sort_by(|a, b| {
        a.competency
            .cmp(&b.competency)
            .then_with(|| a.source.cmp(&b.source))
    });
    let mut out: Vec<Gap> = Vec::new();
    for r in by_competency {
        let current = levels.get(r.competency as usize).copied().unwrap_or(0);
        match out.last_mut() {
            Some(g) if g.competency == r.competency => {
                g.required = g.required.max(r.level);
                g.weight = g.weight.max(r.weight);
                if !g.sources.contains(&r.source) {
                    g.sources.push(r.source.clone());
                }
            }
            _ => out.push(Gap {
                competency: r.competency,
                required: r.level,
                current,
                sources: vec![r.source.clone()],
                weight: r.weight,
            }),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(competency: u32, level: u8, source: Source) -> Requirement {
        Requirement {
            competency,
            level,
            source,
            weight: 1,
        }
    }

    #[test]
    fn gaps_take_the_highest_requirement_and_name_every_source_above_current() {
        let levels = [2, 3, 0];
        let requirements = [
            req(0, 3, Source::Position),
            req(0, 4, Source::OrgNeed(7)),
            req(1, 3, Source::Position),
            req(2, 2, Source::TargetPosition("KABID".into())),
        ];
        let g = gaps(&levels, &requirements);
        assert_eq!(g.len(), 2, "no gap where the level is met");
        assert_eq!(
            (g[0].competency, g[0].required, g[0].current, g[0].size()),
            (0, 4, 2, 2)
        );
        assert_eq!(g[0].sources, [Source::Position, Source::OrgNeed(7)]);
        assert_eq!((g[1].competency, g[1].required, g[1].current), (2, 2, 0));
        assert_eq!(
            serde_json::to_string(&g[1].sources).unwrap(),
            r#"["target_position:KABID"]"#
        );
    }
}
