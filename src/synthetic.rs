//! `jenjang gen`: a synthetic organisation of any size in the layout of `seeds/demo/`, for load
//! and benchmark work (BENCHMARKS.md): units four levels deep, about 40 positions per 3,000
//! employees, the 9 managerial and socio-cultural competencies plus 60 technical ones with
//! prerequisite chains, 300 programs, every employee assessed on about 15 competencies and
//! evaluated in the four quarters of a year. The same seed gives the same files.

use anyhow::{Context, Result};
use serde_json::{Value, json};
use std::io::Write;
use std::path::Path;

/// SplitMix64: tiny, fast and stable across library versions, so a seed means the same data
/// on every machine and every release.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as u64) as i64
    }
}

const MANAGERIAL: [(&str, &str, &str); 9] = [
    ("M.1", "Integritas", "manajerial"),
    ("M.2", "Kerja Sama", "manajerial"),
    ("M.3", "Komunikasi", "manajerial"),
    ("M.4", "Orientasi pada Hasil", "manajerial"),
    ("M.5", "Pelayanan Publik", "manajerial"),
    ("M.6", "Pengembangan Diri dan Orang Lain", "manajerial"),
    ("M.7", "Mengelola Perubahan", "manajerial"),
    ("M.8", "Pengambilan Keputusan", "manajerial"),
    ("SK.1", "Perekat Bangsa", "sosial_kultural"),
];
const TECHNICAL: usize = 60;
const PROGRAMS: usize = 300;

fn levels(name: &str) -> Value {
    json!(
        (1..=5)
            .map(|l| json!({"level": l, "description": format!("{name}, level {l}")}))
            .collect::<Vec<_>>()
    )
}

/// A valid NIP for employee `i`, unique by construction: the sequence digits are `i % 1000`
/// and the birth date encodes `i / 1000` (40 years × 12 months × 28 days, 13 million NIPs);
/// appointment and sex vary at random.
fn nip(i: usize, rng: &mut Rng) -> String {
    let block = i / 1000;
    let year = 1960 + (block / (12 * 28)) % 40;
    let month = 1 + block % 12;
    let day = 1 + (block / 12) % 28;
    let appointed = (year as i64 + 22 + rng.range(0, 8)).min(2025);
    let appointed_month = rng.range(1, 12);
    let sex = 1 + rng.below(2);
    let seq = i % 1000;
    format!("{year:04}{month:02}{day:02}{appointed:04}{appointed_month:02}{sex}{seq:03}")
}

pub fn generate(employees: usize, out: &Path, seed: u64) -> Result<()> {
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let mut rng = Rng(seed ^ 0x4A45_4E4A_414E_4721);

    // Competencies: technical ones chain in groups of five (TK.G.k level 3 needs TK.G.k-1 level 2).
    let mut competencies: Vec<Value> =
        MANAGERIAL.iter().map(|(c, n, k)| json!({"code": c, "name": n, "kind": k, "levels": levels(n), "prerequisites": []})).collect();
    let technical: Vec<String> = (0..TECHNICAL).map(|i| format!("TK.{:02}", i + 1)).collect();
    for (i, code) in technical.iter().enumerate() {
        let name = format!("Kompetensi Teknis {:02}", i + 1);
        let prerequisites = if i % 5 == 0 {
            json!([])
        } else {
            json!([{"for_level": 3, "competency": technical[i - 1], "level": 2}])
        };
        competencies.push(json!({"code": code, "name": name, "kind": "teknis", "levels": levels(&name), "prerequisites": prerequisites}));
    }
    write_json(out, "competencies.json", &competencies)?;

    // Programs: for each competency several routes to each level, some needing the level below.
    let forms = [
        "pelatihan_teknis",
        "e_learning",
        "workshop",
        "coaching",
        "kursus",
        "bimbingan_teknis",
        "mentoring",
        "seminar",
    ];
    let all: Vec<String> = MANAGERIAL
        .iter()
        .map(|m| m.0.to_string())
        .chain(technical.iter().cloned())
        .collect();
    let mut programs = Vec::with_capacity(PROGRAMS);
    for i in 0..PROGRAMS {
        let competency = &all[i % all.len()];
        let to_level = 2 + (i / all.len()) % 4;
        let form = forms[rng.below(forms.len() as u64) as usize];
        let online = matches!(form, "e_learning" | "coaching" | "mentoring");
        let requires = if to_level > 2 {
            json!([{"competency": competency, "level": to_level - 1}])
        } else {
            json!([])
        };
        programs.push(json!({
            "code": format!("PRG-{:03}", i + 1),
            "title": format!("Program {} level {to_level}", competency),
            "form": form,
            "jp": if online { 8 + rng.below(12) } else { 16 + rng.below(40) },
            "cost_idr": if online { 0 } else { 500_000 * (1 + rng.below(12)) as i64 },
            "provider": "Penyelenggara Sintetis",
            "capacity": if online { Value::Null } else { json!(20 + rng.below(30)) },
            "develops": [{"competency": competency, "to_level": to_level}],
            "requires": requires,
        }));
    }
    write_json(out, "programs.json", &programs)?;

    // Units: root → agencies → divisions (3 each) → sections (2 each).
    let agencies = (employees / 150).max(3);
    let mut units: Vec<(String, String, String)> =
        vec![("ROOT".into(), "Pemerintah Sintetis".into(), String::new())];
    let mut sections = Vec::new();
    for a in 0..agencies {
        let agency = format!("U{a:05}");
        units.push((
            agency.clone(),
            format!("Perangkat Daerah {a}"),
            "ROOT".into(),
        ));
        for b in 0..3 {
            let division = format!("{agency}-{b}");
            units.push((
                division.clone(),
                format!("Bidang {b} PD {a}"),
                agency.clone(),
            ));
            for c in 0..2 {
                let section = format!("{division}-{c}");
                units.push((
                    section.clone(),
                    format!("Seksi {c} Bidang {b} PD {a}"),
                    division.clone(),
                ));
                sections.push(section);
            }
        }
    }

    // Positions: about 40 per 3,000 employees, each with 9 managerial and 6 technical levels.
    let kinds = [
        "pelaksana",
        "fungsional",
        "pengawas",
        "administrator",
        "jpt_pratama",
    ];
    let position_count = (employees * 40 / 3000).max(10);
    let mut positions = Vec::with_capacity(position_count);
    let mut position_technical: Vec<Vec<usize>> = Vec::with_capacity(position_count);
    for p in 0..position_count {
        let kind = match p % 10 {
            0..=5 => kinds[p % 2],
            6 | 7 => kinds[2],
            8 => kinds[3],
            _ => kinds[4],
        };
        let base = match kind {
            "jpt_pratama" => 4,
            "administrator" | "pengawas" => 3,
            _ => 2,
        };
        let mut reqs: Vec<Value> = MANAGERIAL
            .iter()
            .map(|m| json!({"competency": m.0, "level": base}))
            .collect();
        let mut tech: Vec<usize> = Vec::new();
        while tech.len() < 6 {
            let t = rng.below(TECHNICAL as u64) as usize;
            if !tech.contains(&t) {
                tech.push(t);
            }
        }
        tech.sort_unstable();
        for &t in &tech {
            reqs.push(json!({"competency": technical[t], "level": 2 + rng.below(3)}));
        }
        positions.push(json!({"code": format!("POS-{p:04}"), "name": format!("Jabatan Sintetis {p}"), "kind": kind, "unit": null, "requirements": reqs}));
        position_technical.push(tech);
    }
    write_json(out, "positions.json", &positions)?;

    // Employees: the head of every unit first (supervised by the parent's head), then staff in
    // the sections, supervised by the section head.
    let mut heads: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    let mut rows: Vec<[String; 6]> = Vec::with_capacity(employees);
    let potentials = ["rendah", "menengah", "menengah", "tinggi"];
    let mut next = 0usize;
    for (code, _, parent) in &units {
        if next >= employees {
            break;
        }
        let n = nip(next, &mut rng);
        let position = format!("POS-{:04}", rng.below(position_count as u64));
        let supervisor = heads.get(parent).cloned().unwrap_or_default();
        rows.push([
            n.clone(),
            format!("Pegawai {next}"),
            position,
            code.clone(),
            supervisor,
            potentials[rng.below(4) as usize].into(),
        ]);
        heads.insert(code.clone(), n);
        next += 1;
    }
    while next < employees {
        let section = &sections[rng.below(sections.len() as u64) as usize];
        let n = nip(next, &mut rng);
        let position = format!("POS-{:04}", rng.below(position_count as u64));
        rows.push([
            n,
            format!("Pegawai {next}"),
            position,
            section.clone(),
            heads[section].clone(),
            potentials[rng.below(4) as usize].into(),
        ]);
        next += 1;
    }
    let mut w = csv_writer(out, "units.csv")?;
    w.write_record(["code", "name", "parent", "head_nip"])?;
    for (code, name, parent) in &units {
        w.write_record([
            code.as_str(),
            name.as_str(),
            parent.as_str(),
            heads.get(code).map_or("", String::as_str),
        ])?;
    }
    w.flush()?;
    let mut w = csv_writer(out, "employees.csv")?;
    w.write_record(["nip", "nama", "jabatan", "unit", "atasan_nip", "potensial"])?;
    for r in &rows {
        w.write_record(r)?;
    }
    w.flush()?;

    // Assessments (9 managerial + 6 technical) and four quarterly evaluations of 2026.
    let mut w = csv_writer(out, "assessments.csv")?;
    w.write_record(["nip", "kompetensi", "level", "sumber", "tanggal"])?;
    let mut e = csv_writer(out, "evaluations.csv")?;
    e.write_record([
        "nip",
        "periode",
        "hasil_kerja",
        "perilaku_kerja",
        "catatan",
        "penilai_nip",
    ])?;
    let ratings = [
        "di_bawah_ekspektasi",
        "sesuai_ekspektasi",
        "sesuai_ekspektasi",
        "sesuai_ekspektasi",
        "di_atas_ekspektasi",
    ];
    for r in &rows {
        let p: usize = r[2][4..].parse().unwrap_or(0);
        let date = format!("2025-{:02}-{:02}", rng.range(1, 12), rng.range(1, 28));
        for m in MANAGERIAL {
            w.write_record([
                r[0].as_str(),
                m.0,
                &rng.range(1, 4).to_string(),
                "assessment_center",
                &date,
            ])?;
        }
        for &t in &position_technical[p] {
            w.write_record([
                r[0].as_str(),
                &technical[t],
                &rng.range(1, 4).to_string(),
                "assessment_center",
                &date,
            ])?;
        }
        for q in 1..=4 {
            let hasil = ratings[rng.below(5) as usize];
            let perilaku = ratings[rng.below(5) as usize];
            e.write_record([
                r[0].as_str(),
                &format!("2026-Q{q}"),
                hasil,
                perilaku,
                "",
                r[4].as_str(),
            ])?;
        }
    }
    w.flush()?;
    e.flush()?;
    Ok(())
}

fn write_json(dir: &Path, name: &str, value: &[Value]) -> Result<()> {
    let mut f = std::io::BufWriter::new(std::fs::File::create(dir.join(name))?);
    serde_json::to_writer(&mut f, value)?;
    f.flush()?;
    Ok(())
}

fn csv_writer(dir: &Path, name: &str) -> Result<csv::Writer<std::io::BufWriter<std::fs::File>>> {
    Ok(csv::Writer::from_writer(std::io::BufWriter::new(
        std::fs::File::create(dir.join(name))?,
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_valid_dataset() {
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        generate(2_000, a.path(), 7).unwrap();
        generate(2_000, b.path(), 7).unwrap();
        for f in [
            "units.csv",
            "employees.csv",
            "assessments.csv",
            "evaluations.csv",
            "positions.json",
            "programs.json",
            "competencies.json",
        ] {
            assert_eq!(
                std::fs::read(a.path().join(f)).unwrap(),
                std::fs::read(b.path().join(f)).unwrap(),
                "{f}"
            );
        }
        let data = crate::seed::Dataset::from_dir(a.path()).unwrap();
        assert_eq!(data.employees.len(), 2_000);
        let unique: std::collections::HashSet<_> = data.employees.iter().map(|e| &e.nip).collect();
        assert_eq!(unique.len(), 2_000, "NIPs are unique");
        assert_eq!(data.competencies.len(), 69);
        assert_eq!(data.programs.len(), 300);
        assert_eq!(data.assessments.len(), 2_000 * 15);
    }

    #[test]
    fn nips_stay_unique_and_valid_at_scale() {
        let mut rng = Rng(1);
        let mut seen = std::collections::HashSet::new();
        for i in (0..2_000_000).step_by(7) {
            let n = nip(i, &mut rng);
            assert!(jenjang_core::Nip::parse(&n).is_ok(), "{n}");
            assert!(seen.insert(n), "employee {i}");
        }
    }
}
