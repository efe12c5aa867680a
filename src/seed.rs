//! Loading a dataset folder (the layout of `seeds/demo/`) into the store, idempotently: a second
//! load of the same data changes nothing and writes no audit entries.
//!
//! Layout: `units.csv` (code, name, parent, head_nip), `competencies.json`, `positions.json`,
//! `programs.json` (the API's shapes), `employees.csv` and `assessments.csv` (the import formats
//! of PRODUCT.md).

use anyhow::{Context, Result, bail};
use jenjang_core::kinds::Role;
use jenjang_core::predikat::Evaluation;
use jenjang_core::reference::{Competency, CompetencyRecord, Employee, Position, Program, Unit};
use jenjang_core::{Code, Nip};
use jenjang_import::{CsvChunks, Limits, RowError, Table};
use jenjang_store::{Actor, EmployeeColumns, NewUser, Resource, SaveMode, Saved, Store};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::marker::PhantomData;
use std::path::Path;

/// The demo dataset, compiled into the binary so `jenjang serve` works from any directory.
const DEMO: &[(&str, &str)] = &[
    ("units.csv", include_str!("../seeds/demo/units.csv")),
    (
        "competencies.json",
        include_str!("../seeds/demo/competencies.json"),
    ),
    (
        "positions.json",
        include_str!("../seeds/demo/positions.json"),
    ),
    ("programs.json", include_str!("../seeds/demo/programs.json")),
    ("training.json", include_str!("../seeds/demo/training.json")),
    (
        "succession.json",
        include_str!("../seeds/demo/succession.json"),
    ),
    ("employees.csv", include_str!("../seeds/demo/employees.csv")),
    (
        "org_needs.json",
        include_str!("../seeds/demo/org_needs.json"),
    ),
    (
        "assessments.csv",
        include_str!("../seeds/demo/assessments.csv"),
    ),
    (
        "evaluations.csv",
        include_str!("../seeds/demo/evaluations.csv"),
    ),
    ("campaign.json", include_str!("../seeds/demo/campaign.json")),
    (
        "indicators.json",
        include_str!("../seeds/demo/indicators.json"),
    ),
    ("ikm.json", include_str!("../seeds/demo/ikm.json")),
    ("skp.json", include_str!("../seeds/demo/skp.json")),
    ("dialog.json", include_str!("../seeds/demo/dialog.json")),
];

/// The password of every demo login (demo data only).
pub const DEMO_PASSWORD: &str = "jenjang-demo";

/// A dataset read and validated, ready to store.
#[derive(Debug, Default)]
pub struct Dataset {
    pub units: Vec<Unit>,
    pub competencies: Vec<Competency>,
    pub positions: Vec<Position>,
    pub programs: Vec<Program>,
    pub employees: Vec<Employee>,
    /// Dated competency levels (`assessments.csv`, the import format).
    pub assessments: RowFile<(Nip, CompetencyRecord)>,
    /// Performance evaluations (`evaluations.csv`, the import format).
    pub evaluations: RowFile<(Nip, Evaluation)>,
    /// A running change-adoption campaign with its activities and stage moves (`campaign.json`).
    pub campaign: Option<CampaignSeed>,
    /// Organisational needs (`org_needs.json`, each as `POST /org-needs` takes it).
    pub org_needs: Vec<OrgNeedSeed>,
    /// Unit indicators with their realisations (`indicators.json`).
    pub indicators: Vec<IndicatorSeed>,
    /// Public-satisfaction surveys per unit and period (`ikm.json`), after the indicators
    /// (an `ikm` indicator takes its realisations from them).
    pub ikm: Vec<IkmSeed>,
    /// SKPs with their realisations (`skp.json`), leaders first: an RHK supports a leader's RHK
    /// by its `key` or a unit IKU by its code.
    pub skps: Vec<SkpSeed>,
    /// A dialog history and upward feedback (`dialog.json`).
    pub dialog: Option<DialogSeed>,
    /// An adopted training plan with its cohorts' details, results and reactions
    /// (`training.json`).
    pub training: Option<TrainingSeed>,
    /// Critical positions, which get succession pools (`succession.json`: `{"critical": [code]}`).
    pub critical_positions: Vec<String>,
}

/// An SKP of `skp.json`: the API's body, with keys for the cascade and the realisations.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct SkpSeed {
    pub nip: String,
    pub year: i32,
    /// `draft`, `submitted` or `approved`.
    pub status: String,
    pub rhk: Vec<RhkSeed>,
    #[serde(default)]
    pub behaviour: Vec<serde_json::Value>,
}

#[derive(Debug, Clone, serde::Deserialize)]
pub struct RhkSeed {
    /// How the RHK of a report names this one in its `supports: {"rhk": key}`.
    #[serde(default)]
    pub key: Option<String>,
    pub kind: String,
    pub text: String,
    /// `{"rhk": key}` or `{"indicator": IKU code}` (of the SKP's year).
    #[serde(default)]
    pub supports: Option<serde_json::Value>,
    pub iki: Vec<IkiSeed>,
}

#[derive(Debug, Clone, serde::Deserialize)]
pub struct IkiSeed {
    #[serde(flatten)]
    pub body: serde_json::Map<String, serde_json::Value>,
    #[serde(default)]
    pub realisations: Vec<IkiRealisationSeed>,
}

#[derive(Debug, Clone, serde::Deserialize)]
pub struct IkiRealisationSeed {
    pub period: String,
    pub value: f64,
    #[serde(default)]
    pub evidence_url: Option<String>,
}

/// `dialog.json`: dated entries and upward feedback.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct DialogSeed {
    pub entries: Vec<DialogEntrySeed>,
    #[serde(default)]
    pub upward: Vec<UpwardSeed>,
}

#[derive(Debug, Clone, serde::Deserialize)]
pub struct DialogEntrySeed {
    pub nip: String,
    pub author_nip: String,
    pub kind: String,
    pub text: String,
    #[serde(default)]
    pub value: Option<String>,
    /// The day it was written.
    pub on: chrono::NaiveDate,
}

#[derive(Debug, Clone, serde::Deserialize)]
pub struct UpwardSeed {
    pub supervisor_nip: String,
    pub respondent_nip: String,
    pub year: i32,
    pub answers: Vec<u8>,
    #[serde(default)]
    pub comment: Option<String>,
}

/// A unit indicator of `indicators.json`: the API's body with its unit and realisations.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct IndicatorSeed {
    pub unit: String,
    #[serde(flatten)]
    pub body: serde_json::Map<String, serde_json::Value>,
    #[serde(default)]
    pub realisations: Vec<serde_json::Value>,
}

/// A survey of `ikm.json`: a unit, a period, each respondent's nine answers.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct IkmSeed {
    pub unit: String,
    pub period: String,
    pub responses: Vec<Vec<Option<i64>>>,
}

/// An organisational need of `org_needs.json`.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct OrgNeedSeed {
    pub unit: String,
    pub competency: String,
    pub level: u8,
    pub target_share: f64,
    pub position_kind: Option<jenjang_core::kinds::PositionKind>,
    pub due: chrono::NaiveDate,
    #[serde(default = "default_priority")]
    pub priority: u32,
}

fn default_priority() -> u32 {
    3
}

/// `campaign.json`: a campaign as `POST /campaigns` takes it, its activities, and stage moves
/// in the order they happened.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct CampaignSeed {
    pub campaign: serde_json::Value,
    #[serde(default)]
    pub activities: Vec<ActivitySeed>,
    #[serde(default)]
    pub stages: Vec<StageSeed>,
}

#[derive(Debug, Clone, serde::Deserialize)]
pub struct ActivitySeed {
    pub kind: jenjang_core::adkar::ActivityKind,
    pub unit: String,
    pub held_on: chrono::NaiveDate,
    pub title: Option<String>,
    #[serde(default)]
    pub attendees: Vec<String>,
}

#[derive(Debug, Clone, serde::Deserialize)]
pub struct StageSeed {
    pub nip: String,
    pub stage: jenjang_core::adkar::Stage,
    pub note: Option<String>,
}

/// Counts of what a load did, per kind of record.
#[derive(Debug, Default, Serialize)]
pub struct SeedReport {
    pub created: BTreeMap<&'static str, u64>,
    pub updated: BTreeMap<&'static str, u64>,
    pub unchanged: BTreeMap<&'static str, u64>,
    pub logins_created: u64,
}

impl SeedReport {
    fn count(&mut self, kind: &'static str, saved: Saved) {
        let map = match saved {
            Saved::Created => &mut self.created,
            Saved::Updated => &mut self.updated,
            Saved::Unchanged => &mut self.unchanged,
        };
        *map.entry(kind).or_default() += 1;
    }

    /// Whether the load changed anything.
    pub fn changed(&self) -> bool {
        !self.created.is_empty() || !self.updated.is_empty() || self.logins_created > 0
    }
}

fn json<T: serde::de::DeserializeOwned>(name: &str, text: Option<&[u8]>) -> Result<Vec<T>> {
    match text {
        None => Ok(Vec::new()),
        Some(t) => serde_json::from_slice(t).with_context(|| format!("{name} is not valid")),
    }
}

fn report_rows(name: &str, errors: &[jenjang_import::RowError]) -> Result<()> {
    if let Some(e) = errors.first() {
        bail!(
            "{name}: {} bad row(s); first: row {}, column {}, value '{}': {}",
            errors.len(),
            e.row,
            e.column,
            e.value,
            e.message
        );
    }
    Ok(())
}

/// Rows of the large files written per transaction when loading.
#[derive(Debug, Clone, Copy)]
pub struct LoadChunks {
    pub assessments: usize,
    pub evaluations: usize,
}

/// Large enough that the store's statements stay full, small enough that a national file's
/// parsed rows are never all in memory (a million employees' load peaked at 7.5 GB with
/// evaluations two million a chunk). Not much smaller for evaluations: each chunk reads the
/// stored evaluations of its periods, so the reads grow with the number of chunks.
impl Default for LoadChunks {
    fn default() -> Self {
        LoadChunks {
            assessments: 1_000_000,
            evaluations: 1_000_000,
        }
    }
}

/// Rows read per chunk when a large file is checked.
const ROWS_PER_CHECK: usize = 500_000;

/// A kind of row that comes in files of millions (a national dataset holds tens of millions of
/// assessments).
pub trait LargeRows: Sized {
    const FILE: &'static str;
    /// The column a repeated key is reported in, and what the key is.
    const KEY_COLUMN: &'static str;
    const KEY_NAME: &'static str;
    fn parse(table: &Table) -> (Vec<(usize, Self)>, Vec<RowError>);
    /// The employee the row is about.
    fn nip(&self) -> &Nip;
    /// What besides the NIP must not repeat within a file.
    fn rest_of_key(&self) -> String;
    /// Another employee the row names (an evaluator).
    fn other_nip(&self) -> Option<&Nip> {
        None
    }
    /// The competency the row names.
    fn competency(&self) -> Option<&Code> {
        None
    }
}

impl LargeRows for (Nip, CompetencyRecord) {
    const FILE: &'static str = "assessments.csv";
    const KEY_COLUMN: &'static str = "kompetensi";
    const KEY_NAME: &'static str = "NIP, competency, date and source";
    fn parse(table: &Table) -> (Vec<(usize, Self)>, Vec<RowError>) {
        jenjang_import::parse_assessments(table)
    }
    fn nip(&self) -> &Nip {
        &self.0
    }
    fn rest_of_key(&self) -> String {
        let r = &self.1;
        format!("{}|{}|{}", r.competency, r.assessed_on, r.source)
    }
    fn competency(&self) -> Option<&Code> {
        Some(&self.1.competency)
    }
}

impl LargeRows for (Nip, Evaluation) {
    const FILE: &'static str = "evaluations.csv";
    const KEY_COLUMN: &'static str = "periode";
    const KEY_NAME: &'static str = "NIP and period";
    fn parse(table: &Table) -> (Vec<(usize, Self)>, Vec<RowError>) {
        jenjang_import::parse_evaluations(table)
    }
    fn nip(&self) -> &Nip {
        &self.0
    }
    fn rest_of_key(&self) -> String {
        self.1.period.to_string()
    }
    fn other_nip(&self) -> Option<&Nip> {
        self.1.evaluator_nip.as_ref()
    }
}

/// A NIP as a number (18 digits fit in 64 bits), for sets of millions.
fn nip_number(nip: &Nip) -> u64 {
    nip.as_str().parse().expect("a NIP is 18 digits")
}

/// A large file of a dataset: checked whole when the dataset is read (every cell, repeated
/// keys across the whole file), kept as the file's bytes, and parsed again a chunk at a time
/// when loaded, so that a national dataset's millions of rows are never held parsed all at
/// once (a million employees' 15 million assessments took ~20 GB that way).
pub struct RowFile<T> {
    bytes: Vec<u8>,
    len: usize,
    /// Each employee the rows name, with the first row naming them.
    nips: HashMap<u64, usize>,
    /// Each competency the rows name, with the first row naming it.
    competencies: BTreeMap<String, usize>,
    kind: PhantomData<fn() -> T>,
}

impl<T> Default for RowFile<T> {
    fn default() -> Self {
        RowFile {
            bytes: Vec::new(),
            len: 0,
            nips: HashMap::new(),
            competencies: BTreeMap::new(),
            kind: PhantomData,
        }
    }
}

impl<T: LargeRows> std::fmt::Debug for RowFile<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({} rows)", T::FILE, self.len)
    }
}

impl<T: LargeRows> RowFile<T> {
    /// Checks every row of the file as its import does, and that no key repeats anywhere in
    /// it; the first problem fails the read, with the number of bad rows.
    fn read(bytes: Vec<u8>) -> Result<Self> {
        Self::read_in_chunks(bytes, ROWS_PER_CHECK)
    }

    fn read_in_chunks(bytes: Vec<u8>, rows_per_chunk: usize) -> Result<Self> {
        let mut file = RowFile {
            bytes,
            ..RowFile::default()
        };
        let mut problems = 0usize;
        let mut first: Option<RowError> = None;
        let mut seen: HashMap<(u64, u32), usize> = HashMap::new();
        let mut rests: HashMap<String, u32> = HashMap::new();
        let mut repeated: HashSet<usize> = HashSet::new();
        let chunks =
            CsvChunks::new(&file.bytes, &Limits::trusted(), rows_per_chunk).context(T::FILE)?;
        for table in chunks {
            let table = table.context(T::FILE)?;
            let (rows, mut errors) = T::parse(&table);
            for (row, r) in &rows {
                let nip = nip_number(r.nip());
                let next = rests.len() as u32;
                let rest = *rests.entry(r.rest_of_key()).or_insert(next);
                // Within a chunk the parser has refused repeats; across chunks they are found
                // here, both rows refused as the parser refuses them.
                let earlier = *seen.entry((nip, rest)).or_insert(*row);
                if earlier != *row {
                    let repeat = |row: usize, other: usize| RowError {
                        row,
                        column: T::KEY_COLUMN.to_string(),
                        value: r.nip().to_string(),
                        message: format!(
                            "the same {} appears again in row(s) {other}; keep one row",
                            T::KEY_NAME
                        ),
                        code: "duplicate_rows",
                        params: vec![("rows", other.to_string())],
                    };
                    if repeated.insert(earlier) {
                        errors.push(repeat(earlier, *row));
                    }
                    errors.push(repeat(*row, earlier));
                }
                file.nips.entry(nip).or_insert(*row);
                if let Some(other) = r.other_nip() {
                    file.nips.entry(nip_number(other)).or_insert(*row);
                }
                if let Some(c) = r.competency()
                    && !file.competencies.contains_key(c.as_str())
                {
                    file.competencies.insert(c.to_string(), *row);
                }
            }
            file.len += rows.len();
            problems += errors.len();
            if let Some(e) = errors.into_iter().min_by_key(|e| e.row)
                && first.as_ref().is_none_or(|f| e.row < f.row)
            {
                first = Some(e);
            }
        }
        if let Some(e) = first {
            bail!(
                "{}: {problems} bad row(s); first: row {}, column {}, value '{}': {}",
                T::FILE,
                e.row,
                e.column,
                e.value,
                e.message
            );
        }
        Ok(file)
    }

    /// The number of rows.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Fails naming the first row that names an employee or competency the store lacks.
    fn check_references(
        &self,
        nips: &HashSet<String>,
        competencies: &HashSet<String>,
    ) -> Result<()> {
        let known: HashSet<u64> = nips.iter().filter_map(|n| n.parse().ok()).collect();
        let unknown_employee = self
            .nips
            .iter()
            .filter(|(nip, _)| !known.contains(nip))
            .min_by_key(|(_, row)| **row);
        let unknown_competency = self
            .competencies
            .iter()
            .filter(|(code, _)| !competencies.contains(code.as_str()))
            .min_by_key(|(_, row)| **row);
        match (unknown_employee, unknown_competency) {
            (Some((nip, row)), c) if c.is_none_or(|(_, r)| row < r) => bail!(
                "{}: row {row} names employee {nip:018}, who is neither in employees.csv nor stored",
                T::FILE
            ),
            (_, Some((code, row))) => bail!(
                "{}: row {row} names competency {code}, which is neither in competencies.json nor stored",
                T::FILE
            ),
            _ => Ok(()),
        }
    }

    /// The rows, `rows` at a time, in the file's order.
    pub fn chunks(&self, rows: usize) -> Result<impl Iterator<Item = Result<Vec<T>>> + '_> {
        let chunks = if self.len == 0 {
            None
        } else {
            Some(CsvChunks::new(&self.bytes, &Limits::trusted(), rows).context(T::FILE)?)
        };
        Ok(chunks.into_iter().flatten().map(|table| {
            let (rows, errors) = T::parse(&table.context(T::FILE)?);
            report_rows(T::FILE, &errors)?;
            Ok(rows.into_iter().map(|(_, r)| r).collect())
        }))
    }

    /// Every row at once (a small file: the demo's, a test's).
    pub fn rows(&self) -> Result<Vec<T>> {
        let mut all = Vec::with_capacity(self.len);
        for chunk in self.chunks(usize::MAX)? {
            all.extend(chunk?);
        }
        Ok(all)
    }
}

impl Dataset {
    /// Reads a dataset from named files; a missing file is an empty list.
    pub fn read(file: impl Fn(&str) -> Option<Vec<u8>>) -> Result<Dataset> {
        let mut d = Dataset {
            competencies: json("competencies.json", file("competencies.json").as_deref())?,
            positions: json("positions.json", file("positions.json").as_deref())?,
            programs: json("programs.json", file("programs.json").as_deref())?,
            ..Default::default()
        };
        if let Some(bytes) = file("units.csv") {
            let table = jenjang_import::read_csv(&bytes, &jenjang_import::Limits::trusted())
                .context("units.csv")?;
            table.require(&["code", "name"]).context("units.csv")?;
            for (row, cells) in &table.rows {
                let opt = |c: &str| Some(table.cell(cells, c)).filter(|s| !s.is_empty());
                let parse = || -> Result<Unit> {
                    Ok(Unit {
                        code: Code::parse(table.cell(cells, "code"))?,
                        name: table.cell(cells, "name").to_string(),
                        parent: opt("parent").map(Code::parse).transpose()?,
                        head_nip: opt("head_nip").map(Nip::parse).transpose()?,
                    })
                };
                d.units
                    .push(parse().with_context(|| format!("units.csv row {row}"))?);
            }
        }
        if let Some(bytes) = file("employees.csv") {
            let table = jenjang_import::read_csv(&bytes, &jenjang_import::Limits::trusted())
                .context("employees.csv")?;
            let (rows, errors) = jenjang_import::parse_employees(&table);
            report_rows("employees.csv", &errors)?;
            d.employees = rows.into_iter().map(|(_, e)| e).collect();
        }
        if let Some(bytes) = file("evaluations.csv") {
            d.evaluations = RowFile::read(bytes)?;
        }
        if let Some(bytes) = file("org_needs.json") {
            d.org_needs = serde_json::from_slice(&bytes).context("org_needs.json is not valid")?;
        }
        if let Some(bytes) = file("campaign.json") {
            d.campaign =
                Some(serde_json::from_slice(&bytes).context("campaign.json is not valid")?);
        }
        d.indicators = json("indicators.json", file("indicators.json").as_deref())?;
        d.ikm = json("ikm.json", file("ikm.json").as_deref())?;
        d.skps = json("skp.json", file("skp.json").as_deref())?;
        if let Some(bytes) = file("dialog.json") {
            d.dialog = Some(serde_json::from_slice(&bytes).context("dialog.json is not valid")?);
        }
        if let Some(bytes) = file("succession.json") {
            #[derive(serde::Deserialize)]
            struct Succession {
                critical: Vec<String>,
            }
            let s: Succession =
                serde_json::from_slice(&bytes).context("succession.json is not valid")?;
            d.critical_positions = s.critical;
        }
        if let Some(bytes) = file("training.json") {
            d.training =
                Some(serde_json::from_slice(&bytes).context("training.json is not valid")?);
        }
        if let Some(bytes) = file("assessments.csv") {
            d.assessments = RowFile::read(bytes)?;
        }
        Ok(d)
    }

    pub fn demo() -> Dataset {
        Dataset::read(|name| {
            DEMO.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, t)| t.as_bytes().to_vec())
        })
        .expect("the compiled-in demo dataset is valid")
    }

    pub fn from_dir(dir: &Path) -> Result<Dataset> {
        if !dir.is_dir() {
            bail!("{} is not a folder", dir.display());
        }
        Dataset::read(|name| std::fs::read(dir.join(name)).ok())
    }
}

async fn save_all<R: Resource>(
    store: &Store,
    actor: &Actor,
    report: &mut SeedReport,
    kind: &'static str,
    items: &[R],
    created_bare: &HashSet<String>,
) -> Result<()> {
    for item in items {
        let saved = store
            .save(actor, item, SaveMode::Upsert)
            .await
            .with_context(|| format!("{kind} {}", item.key()))?;
        // Completing a record this load created bare is part of creating it.
        let saved = if created_bare.contains(&item.key()) {
            Saved::Created
        } else {
            saved
        };
        report.count(kind, saved);
    }
    Ok(())
}

/// Fails on the first unit a bulk save refused.
fn units_saved(outcome: &jenjang_store::BulkOutcome, units: &[Unit]) -> Result<()> {
    if let Some((i, problem)) = outcome.rejected.first() {
        bail!(
            "units.csv: {} refused; first: unit {} {}: {}",
            outcome.rejected.len(),
            units.get(*i).map_or("?", |u| u.code.as_str()),
            problem.field,
            problem.message
        );
    }
    Ok(())
}

/// Stores a dataset. Units are created before their heads exist and competencies before their
/// prerequisites, then completed, so files need no particular order.
pub async fn load(store: &Store, data: &Dataset) -> Result<SeedReport> {
    load_in_chunks(store, data, LoadChunks::default()).await
}

/// [`load`] with the large files written `chunks` rows per transaction.
pub async fn load_in_chunks(
    store: &Store,
    data: &Dataset,
    chunks: LoadChunks,
) -> Result<SeedReport> {
    let actor = Actor::system("seed");
    let mut report = SeedReport::default();
    // Units missing from the store first without their heads (they are employees, and
    // employees belong to units), set-based: a national tree has tens of thousands.
    let stored_units = store.unit_codes().await?;
    let bare: Vec<Unit> = data
        .units
        .iter()
        .filter(|u| !stored_units.contains(u.code.as_str()))
        .map(|u| Unit {
            head_nip: None,
            ..u.clone()
        })
        .collect();
    units_saved(&store.bulk_save_units(&actor, &bare).await?, &bare)?;
    let mut bare_competencies = HashSet::new();
    for c in &data.competencies {
        if store.get_competency(c.code.as_str()).await.is_err() {
            let bare = Competency {
                prerequisites: Vec::new(),
                ..c.clone()
            };
            store
                .save(&actor, &bare, SaveMode::Create)
                .await
                .with_context(|| format!("competency {}", c.code))?;
            bare_competencies.insert(c.code.to_string());
        }
    }
    let none = HashSet::new();
    save_all(
        store,
        &actor,
        &mut report,
        "competency",
        &data.competencies,
        &bare_competencies,
    )
    .await?;
    save_all(
        store,
        &actor,
        &mut report,
        "position",
        &data.positions,
        &none,
    )
    .await?;
    save_all(store, &actor, &mut report, "program", &data.programs, &none).await?;
    let employees = store
        .bulk_save_employees(&actor, &data.employees, EmployeeColumns::ALL, false, None)
        .await?;
    if let Some((i, problem)) = employees.rejected.first() {
        bail!(
            "employees.csv: {} refused; first: employee {} {}: {}",
            employees.rejected.len(),
            data.employees[*i].nip,
            problem.field,
            problem.message
        );
    }
    for (saved, n) in [
        (Saved::Created, employees.created),
        (Saved::Updated, employees.updated),
        (Saved::Unchanged, employees.unchanged),
    ] {
        for _ in 0..n {
            report.count("employee", saved);
        }
    }
    // Then every unit as the file has it (heads now exist); completing a unit this load
    // created bare is part of creating it.
    let units = store.bulk_save_units(&actor, &data.units).await?;
    units_saved(&units, &data.units)?;
    let headed: HashSet<&str> = data
        .units
        .iter()
        .filter(|u| u.head_nip.is_some())
        .map(|u| u.code.as_str())
        .collect();
    let completed = bare
        .iter()
        .filter(|u| headed.contains(u.code.as_str()))
        .count() as u64;
    let created = bare.len() as u64 + units.created;
    let updated = units.updated - completed;
    let unchanged = units.unchanged - (bare.len() as u64 - completed);
    for (saved, n) in [
        (Saved::Created, created),
        (Saved::Updated, updated),
        (Saved::Unchanged, unchanged),
    ] {
        for _ in 0..n {
            report.count("unit", saved);
        }
    }

    // The two large files a chunk at a time, each checked first against what the store holds
    // (a refusal half-way would leave the earlier chunks written).
    let known = store.employee_nips().await?;
    let codes = store.competency_codes().await?;
    data.assessments.check_references(&known, &codes)?;
    for chunk in data.assessments.chunks(chunks.assessments)? {
        let chunk = chunk?;
        let (recorded, rejected) = store
            .bulk_record_competencies(&actor, &chunk, false, None)
            .await?;
        if let Some((i, problem)) = rejected.first() {
            bail!(
                "assessments.csv: {} refused; first: {} {}: {}",
                rejected.len(),
                chunk[*i].0,
                problem.field,
                problem.message
            );
        }
        *report.created.entry("competency_record").or_default() += recorded.recorded;
        *report.unchanged.entry("competency_record").or_default() += recorded.unchanged;
    }
    data.evaluations.check_references(&known, &codes)?;
    drop(known);
    for chunk in data.evaluations.chunks(chunks.evaluations)? {
        let chunk = chunk?;
        let outcome = store
            .bulk_save_evaluations(&actor, &chunk, false, None)
            .await?;
        if let Some((i, problem)) = outcome.rejected.first() {
            bail!(
                "evaluations.csv: {} refused; first: {} {}: {}",
                outcome.rejected.len(),
                chunk[*i].0,
                problem.field,
                problem.message
            );
        }
        *report.created.entry("evaluation").or_default() += outcome.created;
        *report.updated.entry("evaluation").or_default() += outcome.updated;
        *report.unchanged.entry("evaluation").or_default() += outcome.unchanged;
    }
    if !data.org_needs.is_empty() {
        load_org_needs(store, &actor, &data.org_needs, &mut report).await?;
    }
    if let Some(c) = &data.campaign {
        load_campaign(store, &actor, c, &mut report).await?;
    }
    load_indicators(store, &actor, &data.indicators, &mut report).await?;
    load_ikm(store, &actor, &data.ikm, &mut report).await?;
    load_skps(store, &actor, &data.skps, &mut report).await?;
    if let Some(d) = &data.dialog {
        load_dialog(store, &actor, d, &mut report).await?;
    }
    for code in &data.critical_positions {
        let changed = store
            .set_critical(&actor, code, true)
            .await
            .with_context(|| format!("succession.json: {code}"))?;
        report.count(
            "critical_position",
            if changed {
                Saved::Updated
            } else {
                Saved::Unchanged
            },
        );
    }
    if let Some(t) = &data.training {
        load_training(store, &actor, t, &data.employees, &mut report).await?;
    }
    report.created.retain(|_, n| *n > 0);
    report.updated.retain(|_, n| *n > 0);
    // A seed is the organisation's history, not news: its events start no workflows.
    store.skip_pending_events().await?;
    store.checkpoint(&[]).await?;
    Ok(report)
}

/// The demo logins: `admin`, `hr`, and every employee by NIP with the role their place in the
/// tree implies (unit head → leader, anyone with direct reports → supervisor, else staff).
pub fn demo_logins(data: &Dataset, password_hash: &str) -> Vec<NewUser> {
    let heads: std::collections::HashSet<&Nip> = data
        .units
        .iter()
        .filter_map(|u| u.head_nip.as_ref())
        .collect();
    let supervisors: std::collections::HashSet<&Nip> = data
        .employees
        .iter()
        .filter_map(|e| e.supervisor_nip.as_ref())
        .collect();
    let mut users = vec![
        NewUser {
            username: "admin".into(),
            password_hash: password_hash.into(),
            role: Role::Admin,
            nip: None,
        },
        NewUser {
            username: "hr".into(),
            password_hash: password_hash.into(),
            role: Role::Hr,
            nip: None,
        },
    ];
    for e in &data.employees {
        let role = jenjang_core::accounts::role_from_tree(
            heads.contains(&e.nip),
            supervisors.contains(&e.nip),
        );
        users.push(NewUser {
            username: e.nip.to_string(),
            password_hash: password_hash.into(),
            role,
            nip: Some(e.nip.clone()),
        });
    }
    users
}

/// Loads the demo dataset and its logins.
pub async fn load_demo(store: &Store) -> Result<SeedReport> {
    let data = Dataset::demo();
    let mut report = load(store, &data).await?;
    // Bulungan (North Kalimantan) keeps WITA time.
    if store.setting("time_zone").await?.is_none() {
        store
            .set_setting(&Actor::system("seed"), "time_zone", "Asia/Makassar")
            .await?;
    }
    // One hash serves every demo login: these are public demo credentials, not secrets.
    let hash = jenjang_app::passwords::hash_password(DEMO_PASSWORD.to_string()).await?;
    report.logins_created = store
        .ensure_users(&Actor::system("seed"), demo_logins(&data, &hash))
        .await?;
    Ok(report)
}

/// Creates each organisational need unless one for the same unit, competency, level, position
/// kind and due date exists.
async fn load_org_needs(
    store: &Store,
    actor: &Actor,
    needs: &[OrgNeedSeed],
    report: &mut SeedReport,
) -> Result<()> {
    let existing = store.list_org_needs_all().await?;
    for n in needs {
        let known = existing.iter().any(|e| {
            e.unit == n.unit
                && e.competency == n.competency
                && e.level == n.level
                && e.position_kind == n.position_kind
                && e.due == n.due
        });
        if known {
            report.count("org_need", Saved::Unchanged);
            continue;
        }
        store
            .create_org_need(
                actor,
                jenjang_store::NewOrgNeed {
                    unit: n.unit.clone(),
                    competency: n.competency.clone(),
                    level: n.level,
                    target_share: n.target_share,
                    position_kind: n.position_kind,
                    due: n.due,
                    priority: n.priority,
                },
            )
            .await
            .with_context(|| format!("org_needs.json: {} {}", n.unit, n.competency))?;
        report.count("org_need", Saved::Created);
    }
    Ok(())
}

/// Creates each indicator unless its code exists for its year, then records its realisations
/// (a realisation recorded before, with the same value, changes nothing).
async fn load_indicators(
    store: &Store,
    actor: &Actor,
    indicators: &[IndicatorSeed],
    report: &mut SeedReport,
) -> Result<()> {
    let existing = store.indicator_ids().await?;
    for seed in indicators {
        let body = serde_json::Value::Object(seed.body.clone());
        let new = jenjang_app::indicators::read_indicator(&body, &seed.unit)
            .map_err(|e| anyhow::anyhow!("indicators.json: {} {e:?}", seed.unit))?;
        let id = match existing.get(&(new.code.clone(), new.year)) {
            Some((id, _)) => {
                report.count("indicator", Saved::Unchanged);
                *id
            }
            None => {
                report.count("indicator", Saved::Created);
                store
                    .create_indicator(actor, &new)
                    .await
                    .with_context(|| format!("indicators.json: {} {}", new.code, new.year))?
                    .id
            }
        };
        let rows = seed
            .realisations
            .iter()
            .map(|r| jenjang_app::indicators::read_realisation(r, id))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| anyhow::anyhow!("indicators.json: {} realisations {e:?}", new.code))?;
        if !rows.is_empty() {
            let done = store.record_realisations(actor, &rows).await?;
            *report.created.entry("indicator_realisation").or_default() += done.created;
            *report.unchanged.entry("indicator_realisation").or_default() += done.unchanged;
        }
    }
    Ok(())
}

/// Creates each SKP unless the employee has one for its year, moves it to its status and
/// records its realisations; an RHK's `key` resolves the cascade of the SKPs after it.
async fn load_skps(
    store: &Store,
    actor: &Actor,
    skps: &[SkpSeed],
    report: &mut SeedReport,
) -> Result<()> {
    use jenjang_core::skp::SkpStatus;
    let indicators = store.indicator_ids().await?;
    let mut keys: HashMap<String, i64> = HashMap::new();
    for seed in skps {
        let at = || format!("skp.json: {} {}", seed.nip, seed.year);
        let resolve = |supports: &Option<serde_json::Value>| -> Result<serde_json::Value> {
            let Some(s) = supports.as_ref().filter(|s| !s.is_null()) else {
                return Ok(serde_json::Value::Null);
            };
            if let Some(key) = s.get("rhk").and_then(|k| k.as_str()) {
                let id = keys
                    .get(key)
                    .with_context(|| format!("{}: no RHK is keyed {key}", at()))?;
                return Ok(serde_json::json!({"rhk": id}));
            }
            if let Some(code) = s.get("indicator").and_then(|k| k.as_str()) {
                let (id, _) = indicators
                    .get(&(code.to_string(), seed.year))
                    .with_context(|| format!("{}: no IKU {code} for {}", at(), seed.year))?;
                return Ok(serde_json::json!({"indicator": id}));
            }
            bail!(
                "{}: supports is {{\"rhk\": key}} or {{\"indicator\": code}}",
                at()
            )
        };
        if let Some(existing) = store.skp(&seed.nip, seed.year, None).await? {
            for (r, rhk) in seed.rhk.iter().zip(&existing.rhk) {
                if let Some(k) = &r.key {
                    keys.insert(k.clone(), rhk.id);
                }
            }
            report.count("skp", Saved::Unchanged);
            continue;
        }
        let mut rhk = Vec::new();
        for r in &seed.rhk {
            rhk.push(serde_json::json!({
                "kind": r.kind, "text": r.text, "supports": resolve(&r.supports)?,
                "iki": r.iki.iter().map(|i| serde_json::Value::Object(i.body.clone())).collect::<Vec<_>>(),
            }));
        }
        let body = serde_json::json!({"rhk": rhk, "behaviour": seed.behaviour});
        let new =
            jenjang_app::skp::read_skp(&body).map_err(|e| anyhow::anyhow!("{}: {e:?}", at()))?;
        let mut skp = store
            .save_skp(actor, &seed.nip, seed.year, None, &new)
            .await?;
        for step in ["submitted", "approved"] {
            if seed.status == "draft" || (seed.status == "submitted" && step == "approved") {
                break;
            }
            let to: SkpStatus = step.parse().map_err(|e| anyhow::anyhow!("{}: {e}", at()))?;
            skp = store.skp_status(actor, &skp, to, None).await?;
        }
        report.count("skp", Saved::Created);
        for (r, rhk) in seed.rhk.iter().zip(&skp.rhk) {
            if let Some(k) = &r.key {
                keys.insert(k.clone(), rhk.id);
            }
        }
        if skp.status != SkpStatus::Approved {
            continue;
        }
        let supervisor = store
            .get_employee(&seed.nip)
            .await?
            .supervisor_nip
            .map(|n| n.to_string());
        for (r, rhk) in seed.rhk.iter().zip(&skp.rhk) {
            for (i, iki) in r.iki.iter().zip(&rhk.iki) {
                let context = store.iki(iki.id).await?;
                for z in &i.realisations {
                    let period = jenjang_core::period::Period::parse(&z.period)
                        .with_context(|| format!("{}: {}", at(), z.period))?;
                    let change = jenjang_store::skp::IkiRealisationChange {
                        value: Some(z.value),
                        evidence_url: z.evidence_url.clone(),
                        ..Default::default()
                    };
                    store
                        .record_iki_realisation(
                            actor,
                            &context,
                            &period,
                            &change,
                            supervisor.as_deref(),
                        )
                        .await?;
                    *report.created.entry("iki_realisation").or_default() += 1;
                }
            }
        }
    }
    Ok(())
}

/// Writes the dialog history of each thread that has none yet, dated as the dataset says, and
/// the upward feedback (a repeat replaces it).
async fn load_dialog(
    store: &Store,
    actor: &Actor,
    seed: &DialogSeed,
    report: &mut SeedReport,
) -> Result<()> {
    let mut started: HashMap<(String, i32), bool> = HashMap::new();
    for e in &seed.entries {
        let year = chrono::Datelike::year(&e.on);
        let key = (e.nip.clone(), year);
        let fresh = match started.get(&key) {
            Some(f) => *f,
            None => {
                let f = store.dialog(&e.nip, year).await?.is_empty();
                started.insert(key, f);
                f
            }
        };
        if !fresh {
            report.count("dialog_entry", Saved::Unchanged);
            continue;
        }
        let at = e.on.and_hms_opt(2, 0, 0).map(|t| t.and_utc());
        store
            .add_dialog_entry(
                actor,
                &jenjang_store::dialog::NewDialogEntry {
                    nip: e.nip.clone(),
                    year,
                    author_nip: e.author_nip.clone(),
                    kind: e.kind.clone(),
                    text: e.text.clone(),
                    value: e.value.clone(),
                    rhk_id: None,
                    at,
                },
            )
            .await
            .with_context(|| format!("dialog.json: {} {}", e.nip, e.on))?;
        report.count("dialog_entry", Saved::Created);
    }
    for u in &seed.upward {
        store
            .save_upward_feedback(
                &u.supervisor_nip,
                &u.respondent_nip,
                u.year,
                &u.answers,
                u.comment.as_deref(),
            )
            .await?;
    }
    Ok(())
}

/// Records each survey with the index core computes (the same answers again change nothing).
async fn load_ikm(
    store: &Store,
    actor: &Actor,
    surveys: &[IkmSeed],
    report: &mut SeedReport,
) -> Result<()> {
    for s in surveys {
        let weighting = jenjang_core::ikm::Weighting::default();
        let result = jenjang_core::ikm::compute(&s.responses, weighting)
            .map_err(|e| anyhow::anyhow!("ikm.json: {} {}: {e:?}", s.unit, s.period))?;
        let saved = store
            .save_ikm(
                actor,
                &s.unit,
                &s.period,
                &serde_json::to_value(&s.responses)?,
                &result,
                weighting,
            )
            .await?;
        report.count(
            "ikm",
            match saved {
                jenjang_store::IkmSaved::Created => Saved::Created,
                jenjang_store::IkmSaved::Replaced => Saved::Updated,
                jenjang_store::IkmSaved::Unchanged => Saved::Unchanged,
            },
        );
    }
    Ok(())
}

/// Creates the dataset's campaign unless it exists, then its activities and stage moves.
async fn load_campaign(
    store: &Store,
    actor: &Actor,
    seed: &CampaignSeed,
    report: &mut SeedReport,
) -> Result<()> {
    let input = jenjang_app::campaigns::read_campaign(&seed.campaign, None)
        .map_err(|e| anyhow::anyhow!("campaign.json: {e:?}"))?;
    if store.get_campaign(&input.code).await.is_ok() {
        report.count("campaign", Saved::Unchanged);
        return Ok(());
    }
    store.create_campaign(actor, &input).await?;
    report.count("campaign", Saved::Created);
    for a in &seed.activities {
        store
            .add_activity(
                actor,
                &input.code,
                a.kind,
                &a.unit,
                a.held_on,
                a.title.as_deref(),
                None,
                &a.attendees,
            )
            .await
            .with_context(|| format!("campaign.json: activity {} {}", a.kind, a.unit))?;
    }
    let moves: Vec<jenjang_store::campaigns::StageInput> = seed
        .stages
        .iter()
        .map(|m| jenjang_store::campaigns::StageInput {
            nip: m.nip.clone(),
            stage: m.stage,
            note: m.note.clone(),
        })
        .collect();
    let (_, rejected) = store
        .record_stages(actor, &input.code, &moves, "seed", false)
        .await?;
    if let Some((i, problem)) = rejected.first() {
        bail!(
            "campaign.json: stage move {} ({}) refused: {}",
            i,
            moves[*i].nip,
            problem.message
        );
    }
    *report.created.entry("campaign_stage_move").or_default() += moves.len() as u64;
    Ok(())
}

/// A year's training plan as HR ran it: computed for a unit's scope and budget, adopted, then
/// the cohorts' details as arranged with the providers, the results they sent back (by rule:
/// participants by NIP, the last ones absent or failed, the rest passed with numbered
/// certificates), measured levels some months later and the participants' reactions.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct TrainingSeed {
    pub year: i32,
    pub unit: String,
    pub budget_idr: i64,
    pub cohorts: Vec<CohortSeed>,
    #[serde(default)]
    pub reactions: Vec<ReactionSeed>,
}

/// The first cohort of a program in the adopted plan, as arranged.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct CohortSeed {
    pub program: String,
    pub provider: Option<String>,
    pub place: Option<String>,
    pub starts: chrono::NaiveDate,
    pub ends: chrono::NaiveDate,
    pub actual_cost_idr: Option<i64>,
    pub results: Option<ResultsSeed>,
}

#[derive(Debug, Clone, serde::Deserialize)]
pub struct ResultsSeed {
    pub certificate_prefix: String,
    pub tidak_hadir: usize,
    pub tidak_lulus: usize,
    pub score_from: f64,
    pub follow_up: Option<FollowUpSeed>,
}

/// Levels measured after the training (source `evaluasi_pasca_pelatihan`): each who passed at
/// the level the program develops, except every `unchanged_every`-th, who stays where they were;
/// colleagues in the same positions measured the same day, every third one level up.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct FollowUpSeed {
    pub assessed_on: chrono::NaiveDate,
    pub unchanged_every: usize,
}

#[derive(Debug, Clone, serde::Deserialize)]
pub struct ReactionSeed {
    #[serde(flatten)]
    pub answers: BTreeMap<String, u8>,
    pub comment: Option<String>,
}

/// The last level measured (not credited by a program) of `competency` before `on`.
fn measured_before(
    history: &[CompetencyRecord],
    competency: &str,
    on: chrono::NaiveDate,
) -> Option<u8> {
    history
        .iter()
        .filter(|r| r.competency.as_str() == competency)
        .filter(|r| r.assessed_on < on && !r.source.starts_with("program:"))
        .max_by_key(|r| r.assessed_on)
        .map(|r| r.level.get())
}

/// Adopts the seed's plan unless a plan of its year and unit was saved before (then the whole
/// seed counts as unchanged), and records what followed.
async fn load_training(
    store: &Store,
    actor: &Actor,
    seed: &TrainingSeed,
    employees: &[Employee],
    report: &mut SeedReport,
) -> Result<()> {
    use jenjang_core::training::ParticipantStatus;
    use jenjang_store::training::{CohortChange, ResultRow};
    if store
        .training_plans(Some(seed.year))
        .await?
        .iter()
        .any(|p| p.unit == seed.unit)
    {
        report.count("training_plan", Saved::Unchanged);
        return Ok(());
    }
    let analytics = jenjang_app::analytics::Analytics::default();
    let principal = jenjang_core::access::Principal {
        username: actor.0.clone(),
        role: Role::Admin,
        nip: None,
    };
    let cx = jenjang_app::context::Context::new(
        store,
        &analytics,
        &principal,
        store.data_version().await?,
    );
    let saved = jenjang_app::training::save(
        &cx,
        jenjang_app::analysis::TrainingPlanInput {
            year: seed.year,
            budget_idr: seed.budget_idr,
            unit: Some(seed.unit.clone()),
        },
    )
    .await
    .map_err(|e| anyhow::anyhow!("training.json: the plan cannot be computed: {e}"))?;
    jenjang_app::training::adopt(&cx, saved.id, true)
        .await
        .map_err(|e| anyhow::anyhow!("training.json: the plan cannot be adopted: {e}"))?;
    report.count("training_plan", Saved::Created);
    let cohorts = store
        .cohorts(Some(seed.year), None, Some(&seed.unit))
        .await?;
    let mut reactions = seed.reactions.iter().cycle();
    for c in &seed.cohorts {
        let Some(cohort) = cohorts.iter().find(|k| k.program == c.program) else {
            bail!(
                "training.json: the adopted plan has no cohort of {}",
                c.program
            );
        };
        store
            .update_cohort(
                actor,
                &cohort.code,
                &CohortChange {
                    provider: c.provider.clone().unwrap_or(cohort.provider.clone()),
                    place: c.place.clone(),
                    starts: Some(c.starts),
                    ends: Some(c.ends),
                    capacity: cohort.capacity,
                    actual_cost_idr: c.actual_cost_idr,
                },
            )
            .await?;
        report.count("cohort", Saved::Updated);
        let Some(r) = &c.results else { continue };
        let (_, mut people) = store.cohort(&cohort.code).await?;
        people.sort_by(|a, b| a.nip.cmp(&b.nip));
        let n = people.len();
        let rows: Vec<ResultRow> = people
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let status = if i + r.tidak_hadir >= n {
                    ParticipantStatus::TidakHadir
                } else if i + r.tidak_hadir + r.tidak_lulus >= n {
                    ParticipantStatus::TidakLulus
                } else {
                    ParticipantStatus::Lulus
                };
                let passed = status == ParticipantStatus::Lulus;
                ResultRow {
                    cohort: cohort.code.clone(),
                    nip: p.nip.clone(),
                    status,
                    certificate_no: passed
                        .then(|| format!("{}/{:03}", r.certificate_prefix, i + 1)),
                    completed_on: passed.then_some(c.ends),
                    score: (status != ParticipantStatus::TidakHadir)
                        .then(|| r.score_from + ((i * 7) % 20) as f64),
                }
            })
            .collect();
        let (_, rejected) = store
            .record_cohort_results(actor, &rows, true, false)
            .await?;
        if let Some((i, e)) = rejected.first() {
            bail!(
                "training.json: {} result {i} refused: {}: {}",
                cohort.code,
                e.field,
                e.message
            );
        }
        let passed: Vec<&ResultRow> = rows
            .iter()
            .filter(|r| r.status == ParticipantStatus::Lulus)
            .collect();
        for row in passed.iter().take(seed.reactions.len()) {
            let Some(answer) = reactions.next() else {
                break;
            };
            store
                .save_reaction(
                    &Actor(row.nip.clone()),
                    &cohort.code,
                    &row.nip,
                    &answer.answers,
                    answer.comment.as_deref(),
                )
                .await?;
            report.count("training_reaction", Saved::Created);
        }
        let Some(follow) = &r.follow_up else { continue };
        let program = store.get_program(&c.program).await?;
        for (i, row) in passed.iter().enumerate() {
            let history = store.competency_profile(&row.nip).await?.history;
            let records: Vec<CompetencyRecord> = program
                .develops
                .iter()
                .filter_map(|d| {
                    let before = measured_before(&history, d.competency.as_str(), c.ends)?;
                    let level = if (i + 1) % follow.unchanged_every.max(1) == 0 {
                        before
                    } else {
                        before.max(d.to_level.get())
                    };
                    Some(CompetencyRecord {
                        competency: d.competency.clone(),
                        level: jenjang_core::Level::new(i64::from(level)).ok()?,
                        source: "evaluasi_pasca_pelatihan".to_string(),
                        assessed_on: follow.assessed_on,
                    })
                })
                .collect();
            store.record_competencies(actor, &row.nip, &records).await?;
        }
        // Colleagues in the participants' positions who did not take it, measured the same
        // day by their supervisors: the comparison the program's evidence is read against.
        let position_of: HashMap<&str, &str> = employees
            .iter()
            .filter_map(|e| e.position.as_ref().map(|p| (e.nip.as_str(), p.as_str())))
            .collect();
        let positions: HashSet<&str> = passed
            .iter()
            .filter_map(|r| position_of.get(r.nip.as_str()).copied())
            .collect();
        let in_cohort: HashSet<&str> = people.iter().map(|p| p.nip.as_str()).collect();
        let colleagues = employees
            .iter()
            .filter(|e| {
                e.position
                    .as_ref()
                    .is_some_and(|p| positions.contains(p.as_str()))
                    && !in_cohort.contains(e.nip.as_str())
            })
            .take(passed.len() * 2);
        for (j, e) in colleagues.enumerate() {
            let history = store.competency_profile(e.nip.as_str()).await?.history;
            let records: Vec<CompetencyRecord> = program
                .develops
                .iter()
                .filter_map(|d| {
                    let before = measured_before(&history, d.competency.as_str(), c.ends)?;
                    let level = if j % 3 == 0 {
                        (before + 1).min(5)
                    } else {
                        before
                    };
                    Some(CompetencyRecord {
                        competency: d.competency.clone(),
                        level: jenjang_core::Level::new(i64::from(level)).ok()?,
                        source: "penilaian_atasan".to_string(),
                        assessed_on: follow.assessed_on,
                    })
                })
                .collect();
            store
                .record_competencies(actor, e.nip.as_str(), &records)
                .await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "nip,kompetensi,level,sumber,tanggal\n";
    const A: &str = "198503122010011002";
    const B: &str = "199001012015032001";

    fn file(rows: &[&str]) -> Vec<u8> {
        let mut text = HEADER.to_string();
        for r in rows {
            text.push_str(r);
            text.push('\n');
        }
        text.into_bytes()
    }

    #[test]
    fn a_key_repeated_in_another_chunk_is_refused_at_the_later_row() {
        let rows = [
            format!("{A},M.1,3,asesmen,2026-01-10"),
            format!("{B},M.1,2,asesmen,2026-01-10"),
            format!("{A},M.2,3,asesmen,2026-01-10"),
            // Row 5: the key of row 2 (another level), in a later chunk.
            format!("{A},M.1,4,asesmen,2026-01-10"),
        ];
        let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
        for per_chunk in [1, 2, 100] {
            let e = RowFile::<(Nip, CompetencyRecord)>::read_in_chunks(file(&rows), per_chunk)
                .unwrap_err()
                .to_string();
            // Both rows refused, the first named, as in a file read at once.
            assert!(
                e.contains("2 bad row(s); first: row 2, column kompetensi"),
                "{e}"
            );
            assert!(e.contains("again in row(s) 5"), "{e}");
        }
        // Another date or source is another record.
        let ok = [
            format!("{A},M.1,3,asesmen,2026-01-10"),
            format!("{A},M.1,4,asesmen,2026-06-10"),
            format!("{A},M.1,4,uji,2026-01-10"),
        ];
        let ok: Vec<&str> = ok.iter().map(String::as_str).collect();
        let f = RowFile::<(Nip, CompetencyRecord)>::read_in_chunks(file(&ok), 1).unwrap();
        assert_eq!(f.len(), 3);
        let chunks: Vec<Vec<_>> = f.chunks(2).unwrap().map(Result::unwrap).collect();
        assert_eq!(chunks.iter().map(Vec::len).collect::<Vec<_>>(), vec![2, 1]);
        assert_eq!(f.rows().unwrap().len(), 3);
    }

    #[test]
    fn the_first_bad_row_of_the_whole_file_is_named_with_the_count() {
        let rows = [
            format!("{A},M.1,3,asesmen,2026-01-10"),
            format!("{B},M.1,9,asesmen,2026-01-10"),
            format!("{A},M.2,3,asesmen,tomorrow"),
        ];
        let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
        let e = RowFile::<(Nip, CompetencyRecord)>::read_in_chunks(file(&rows), 1)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("2 bad row(s); first: row 3, column level"),
            "{e}"
        );
    }

    #[test]
    fn references_are_checked_before_anything_is_written() {
        let rows = [
            format!("{A},M.1,3,asesmen,2026-01-10"),
            format!("{B},M.9,2,asesmen,2026-01-10"),
        ];
        let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
        let f = RowFile::<(Nip, CompetencyRecord)>::read_in_chunks(file(&rows), 1).unwrap();
        let set = |items: &[&str]| items.iter().map(|s| s.to_string()).collect::<HashSet<_>>();
        f.check_references(&set(&[A, B]), &set(&["M.1", "M.9"]))
            .unwrap();
        let e = f
            .check_references(&set(&[B]), &set(&["M.1"]))
            .unwrap_err()
            .to_string();
        assert!(e.contains(&format!("row 2 names employee {A}")), "{e}");
        let e = f
            .check_references(&set(&[A, B]), &set(&["M.1"]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("row 3 names competency M.9"), "{e}");
    }
}
