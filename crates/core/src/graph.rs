//! The competency prerequisite graph (PermenPANRB 38/2017 levels build on each other).
//!
//! Nodes are (competency, level). Reaching level `l` of a competency needs level `l-1` of the
//! same competency, and every declared prerequisite `{for_level, competency, level}` adds an
//! edge from (this, for_level) to (competency, level). A cycle means some level can never be
//! reached, so a definition that closes one is refused, naming the cycle.

use petgraph::algo::tarjan_scc;
use petgraph::graphmap::DiGraphMap;
use std::collections::{HashMap, HashSet};

/// One declared prerequisite of a competency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prerequisite {
    /// The level of the owning competency that needs the prerequisite.
    pub for_level: u8,
    pub competency: String,
    pub level: u8,
}

/// A node on a reported cycle: `competency` at `level`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LevelNode {
    pub competency: String,
    pub level: u8,
}

/// Finds a cycle among the prerequisites of the given competencies, if any. The cycle is
/// returned as the walk `a → b → … → a` (first node repeated at the end), starting from the
/// smallest node so the answer is deterministic.
pub fn find_prerequisite_cycle<'a, I>(competencies: I) -> Option<Vec<LevelNode>>
where
    I: IntoIterator<Item = (&'a str, &'a [Prerequisite])>,
{
    let mut ids: HashMap<&'a str, u32> = HashMap::new();
    let mut names: Vec<&'a str> = Vec::new();
    let mut intern = |name: &'a str, names: &mut Vec<&'a str>| -> u32 {
        *ids.entry(name).or_insert_with(|| {
            names.push(name);
            (names.len() - 1) as u32
        })
    };
    let mut graph: DiGraphMap<(u32, u8), ()> = DiGraphMap::new();
    let mut seen_levels: HashSet<(u32, u8)> = HashSet::new();
    for (code, prerequisites) in competencies {
        let owner = intern(code, &mut names);
        for p in prerequisites {
            let target = intern(p.competency.as_str(), &mut names);
            graph.add_edge((owner, p.for_level), (target, p.level), ());
            seen_levels.insert((owner, p.for_level));
            seen_levels.insert((target, p.level));
        }
    }
    // Level chains: (c, l) needs (c, l-1), for every level a prerequisite mentions.
    for &(c, l) in &seen_levels {
        for lower in (1..l).rev() {
            graph.add_edge((c, lower + 1), (c, lower), ());
        }
    }

    let mut best: Option<Vec<(u32, u8)>> = None;
    for scc in tarjan_scc(&graph) {
        let cyclic = scc.len() > 1 || graph.contains_edge(scc[0], scc[0]);
        if !cyclic {
            continue;
        }
        let members: HashSet<(u32, u8)> = scc.iter().copied().collect();
        let key = |n: &(u32, u8)| (names[n.0 as usize], n.1);
        let start = *scc.iter().min_by_key(|n| key(n)).expect("non-empty scc");
        // Every member of a cyclic SCC has an edge to another member: walk until a node repeats.
        let mut walk = vec![start];
        let mut position: HashMap<(u32, u8), usize> = HashMap::from([(start, 0)]);
        let cycle = loop {
            let here = *walk.last().expect("walk starts non-empty");
            let mut next: Vec<(u32, u8)> = graph
                .neighbors(here)
                .filter(|n| members.contains(n))
                .collect();
            next.sort_by_key(|n| key(n));
            let step = next[0];
            if let Some(&at) = position.get(&step) {
                let mut cycle = walk[at..].to_vec();
                cycle.push(step);
                break cycle;
            }
            position.insert(step, walk.len());
            walk.push(step);
        };
        if best.as_ref().is_none_or(|b| key(&cycle[0]) < key(&b[0])) {
            best = Some(cycle);
        }
    }
    best.map(|cycle| {
        cycle
            .into_iter()
            .map(|(c, l)| LevelNode {
                competency: names[c as usize].to_string(),
                level: l,
            })
            .collect()
    })
}

/// Renders a cycle as `A level 3 → B level 2 → A level 3`.
pub fn describe_cycle(cycle: &[LevelNode]) -> String {
    cycle
        .iter()
        .map(|n| format!("{} level {}", n.competency, n.level))
        .collect::<Vec<_>>()
        .join(" → ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(for_level: u8, competency: &str, level: u8) -> Prerequisite {
        Prerequisite {
            for_level,
            competency: competency.to_string(),
            level,
        }
    }

    #[test]
    fn a_chain_and_a_diamond_have_no_cycle() {
        let a = vec![p(2, "B", 2), p(2, "C", 2)];
        let b = vec![p(2, "D", 1)];
        let c = vec![p(2, "D", 1)];
        let d = vec![];
        let comps = [
            ("A", a.as_slice()),
            ("B", b.as_slice()),
            ("C", c.as_slice()),
            ("D", d.as_slice()),
        ];
        assert_eq!(find_prerequisite_cycle(comps), None);
    }

    #[test]
    fn crossing_levels_that_can_both_be_reached_are_not_a_cycle() {
        // A3 needs B2 and B4 needs A2: reach A2, B2, A3, B4 in that order.
        let a = vec![p(3, "B", 2)];
        let b = vec![p(4, "A", 2)];
        assert_eq!(
            find_prerequisite_cycle([("A", a.as_slice()), ("B", b.as_slice())]),
            None
        );
    }

    #[test]
    fn a_mutual_requirement_is_named() {
        let a = vec![p(3, "B", 3)];
        let b = vec![p(3, "A", 3)];
        let cycle = find_prerequisite_cycle([("A", a.as_slice()), ("B", b.as_slice())]).unwrap();
        assert_eq!(describe_cycle(&cycle), "A level 3 → B level 3 → A level 3");
    }

    #[test]
    fn a_cycle_through_the_level_chain_is_found() {
        // A2 needs B3, B2 needs A3: A3 → A2 → B3 → B2 → A3.
        let a = vec![p(2, "B", 3)];
        let b = vec![p(2, "A", 3)];
        let cycle = find_prerequisite_cycle([("A", a.as_slice()), ("B", b.as_slice())]).unwrap();
        assert_eq!(cycle.first(), cycle.last());
        assert_eq!(cycle.len(), 5);
    }

    #[test]
    fn a_competency_requiring_a_higher_level_of_itself_is_a_cycle() {
        let a = vec![p(2, "A", 3)];
        let cycle = find_prerequisite_cycle([("A", a.as_slice())]).unwrap();
        assert_eq!(describe_cycle(&cycle), "A level 2 → A level 3 → A level 2");
    }
}
