//! `jenjang bench`: the scenarios of BENCHMARKS.md against a real database, one JSON line each:
//! `{"scenario","n","seconds","per_second","rss_mb","database"}`. Budgets live in BENCHMARKS.md,
//! never in tests.

use crate::seed::{self, Dataset};
use crate::{ServerSettings, app_state, open_store};
use anyhow::{Context, Result, bail};
use jenjang_core::kinds::Role;
use jenjang_core::org::Population;
use jenjang_store::{Actor, NewUser, Paging, Store};
use serde_json::json;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

pub struct BenchOptions {
    pub database_url: String,
    /// Employees to generate when the database holds no organisation data.
    pub employees: usize,
    pub seed: u64,
    /// Scenario names to run (all when empty).
    pub only: Vec<String>,
    /// Seconds of load for the HTTP scenario.
    pub load_seconds: u64,
    pub connections: usize,
}

fn rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| (kb / 1024.0 * 10.0).round() / 10.0)
}

struct Reporter {
    database: &'static str,
}

impl Reporter {
    fn line(&self, scenario: &str, n: u64, seconds: f64, extra: serde_json::Value) {
        let mut v = json!({
            "scenario": scenario,
            "n": n,
            "seconds": (seconds * 10_000.0).round() / 10_000.0,
            "per_second": if seconds > 0.0 { (n as f64 / seconds).round() } else { 0.0 },
            "rss_mb": rss_mb(),
            "database": self.database,
        });
        if let (Some(obj), Some(more)) = (v.as_object_mut(), extra.as_object()) {
            obj.extend(more.clone());
        }
        println!("{v}");
    }
}

pub async fn run(opts: BenchOptions) -> Result<()> {
    let store = open_store(&opts.database_url).await?;
    let reporter = Reporter {
        database: if store.is_postgres() {
            "postgresql"
        } else {
            "sqlite"
        },
    };
    let wants = |name: &str| opts.only.is_empty() || opts.only.iter().any(|o| o == name);

    if !store.has_organisation_data().await? {
        let dir = tempfile_dir()?;
        let started = Instant::now();
        crate::synthetic::generate(opts.employees, &dir, opts.seed)?;
        let data = Dataset::from_dir(&dir)?;
        seed::load(&store, &data).await?;
        reporter.line(
            "load_generated_dataset",
            opts.employees as u64,
            started.elapsed().as_secs_f64(),
            json!({}),
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
    let employees = store
        .list_employees(
            &Default::default(),
            &jenjang_core::access::EmployeeScope::All,
            Paging::new(Some(1), None),
        )
        .await?
        .total;

    // A login for the HTTP scenarios.
    let password = "bench-password-0123";
    if store.find_user("bench").await?.is_none() {
        let hash = jenjang_app::passwords::hash_password(password.into()).await?;
        store
            .create_user(
                &Actor::system("bench"),
                NewUser {
                    username: "bench".into(),
                    password_hash: hash,
                    role: Role::Admin,
                    nip: None,
                },
            )
            .await?;
    }
    let settings = ServerSettings {
        jwt_secret: Some("bench-secret-bench-secret-bench-secret".into()),
        login_attempts_per_minute: 1000,
        ..Default::default()
    };
    let state = app_state(store.clone(), &opts.database_url, &settings)?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(jenjang_web::serve(listener, state.clone(), async move {
        let _ = stop_rx.await;
    }));
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(opts.connections * 2)
        .build()?;
    let login: serde_json::Value = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"username": "bench", "password": password}))
        .send()
        .await?
        .json()
        .await?;
    let token = login["token"].as_str().context("bench login")?.to_string();
    let root = root_unit(&store).await?;

    if wants("bare_select") {
        let started = Instant::now();
        let rows = store.bare_select_levels().await?;
        reporter.line(
            "bare_select_current_levels",
            rows,
            started.elapsed().as_secs_f64(),
            json!({"employees": employees}),
        );
    }
    if wants("needs_analysis") {
        let needs = format!("/api/v1/units/{root}/needs-analysis");
        for label in ["needs_analysis_cold", "needs_analysis_warm"] {
            let (seconds, _) = timed_get(&client, &base, &needs, &token).await?;
            reporter.line(label, employees, seconds, json!({}));
        }
        // A second server on the same database (its own pool and caches), as a second `serve`
        // process would be: warmed, then after a write through the first each catches up from
        // the change feed.
        let second = second_server(&opts.database_url, &settings).await?;
        let (seconds, _) = timed_get(&client, &second, &needs, &token).await?;
        reporter.line(
            "needs_analysis_cold_other_process",
            employees,
            seconds,
            json!({}),
        );
        let a_nip = first_nip(&store).await?;
        let competency = org_first_competency(&store).await?;
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let level = 1 + secs % 5;
        let r = client
            .put(format!("{base}/api/v1/employees/{a_nip}/competencies"))
            .bearer_auth(&token)
            .json(&json!([{"competency": competency, "level": level, "source": format!("bench-{secs}"), "assessed_on": "2026-11-23"}]))
            .send()
            .await?;
        if !r.status().is_success() {
            bail!("recording a level answered {}", r.status());
        }
        for (label, server) in [
            ("needs_analysis_after_write_other_process", &second),
            ("needs_analysis_warm_other_process", &second),
            ("needs_analysis_after_write_same_process", &base),
            ("needs_analysis_warm_same_process", &base),
        ] {
            let (seconds, _) = timed_get(&client, server, &needs, &token).await?;
            reporter.line(label, employees, seconds, json!({}));
        }
        // A write that touches no level, unit or position (an account): nothing to recompute.
        let r = client
            .post(format!("{base}/api/v1/users"))
            .bearer_auth(&token)
            .json(&json!({"username": format!("bench-operator-{secs}"), "role": "hr"}))
            .send()
            .await?;
        if !r.status().is_success() {
            bail!("creating an account answered {}", r.status());
        }
        for (label, server) in [
            ("needs_analysis_after_other_write_other_process", &second),
            ("needs_analysis_after_other_write_same_process", &base),
        ] {
            let (seconds, _) = timed_get(&client, server, &needs, &token).await?;
            reporter.line(label, employees, seconds, json!({}));
        }
    }

    if wants("talent_grid") {
        // The year most evaluations are of; the grid's counts only (the lists of a province
        // are megabytes of JSON, not the work measured here).
        let year = store
            .count_raw(
                "SELECT CAST(year AS BIGINT) AS n FROM evaluations GROUP BY year \
                 ORDER BY COUNT(*) DESC, year DESC LIMIT 1",
            )
            .await?;
        let grid = format!("/api/v1/talent/grid?year={year}&employees=false");
        for label in ["talent_grid_cold", "talent_grid_warm"] {
            let (seconds, _) = timed_get(&client, &base, &grid, &token).await?;
            reporter.line(label, employees, seconds, json!({"year": year}));
        }
        let second = second_server(&opts.database_url, &settings).await?;
        let (seconds, _) = timed_get(&client, &second, &grid, &token).await?;
        reporter.line(
            "talent_grid_cold_other_process",
            employees,
            seconds,
            json!({"year": year}),
        );
        // One employee's evaluation recorded twice with two ratings: the second is a change
        // whatever was stored.
        let a_nip = first_nip(&store).await?;
        for rating in ["sesuai_ekspektasi", "di_atas_ekspektasi"] {
            let r = client
                .post(format!("{base}/api/v1/employees/{a_nip}/evaluations"))
                .bearer_auth(&token)
                .json(&json!({"period": year.to_string(), "hasil_kerja": rating, "perilaku_kerja": rating}))
                .send()
                .await?;
            if !r.status().is_success() {
                bail!("recording an evaluation answered {}", r.status());
            }
        }
        for (label, server) in [
            ("talent_grid_after_evaluation_other_process", &second),
            ("talent_grid_warm_other_process", &second),
            ("talent_grid_after_evaluation_same_process", &base),
            ("talent_grid_warm_same_process", &base),
        ] {
            let (seconds, _) = timed_get(&client, server, &grid, &token).await?;
            reporter.line(label, employees, seconds, json!({"year": year}));
        }
    }
    if wants("org_need_progress") {
        // An organisational need on the whole organisation (the one an earlier run made, or a
        // new one: a reference change, so the first call rebuilds the needs index).
        let competency = org_first_competency(&store).await?;
        let listed: serde_json::Value = client
            .get(format!("{base}/api/v1/org-needs?unit={root}&limit=1"))
            .bearer_auth(&token)
            .send()
            .await?
            .json()
            .await?;
        let id = match listed["items"][0]["id"].as_i64() {
            Some(id) => id,
            None => {
                let made: serde_json::Value = client
                    .post(format!("{base}/api/v1/org-needs"))
                    .bearer_auth(&token)
                    .json(&json!({"unit": root, "competency": competency, "level": 3,
                        "target_share": 0.8, "due": "2030-12-31"}))
                    .send()
                    .await?
                    .json()
                    .await?;
                made["id"].as_i64().context("creating an org need")?
            }
        };
        let progress = format!("/api/v1/org-needs/{id}/progress");
        for label in ["org_need_progress_cold", "org_need_progress_warm"] {
            let (seconds, _) = timed_get(&client, &base, &progress, &token).await?;
            reporter.line(label, employees, seconds, json!({}));
        }
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let a_nip = first_nip(&store).await?;
        let r = client
            .put(format!("{base}/api/v1/employees/{a_nip}/competencies"))
            .bearer_auth(&token)
            .json(&json!([{"competency": competency, "level": 1 + secs % 5,
                "source": format!("bench-need-{secs}"), "assessed_on": "2026-11-24"}]))
            .send()
            .await?;
        if !r.status().is_success() {
            bail!("recording a level answered {}", r.status());
        }
        let (seconds, _) = timed_get(&client, &base, &progress, &token).await?;
        reporter.line(
            "org_need_progress_after_write",
            employees,
            seconds,
            json!({}),
        );
    }

    let started = Instant::now();
    let org = store.load_organisation().await?;
    let units = org.units.len() as u64;
    reporter.line(
        "organisation_load",
        units,
        started.elapsed().as_secs_f64(),
        json!({}),
    );
    let started = Instant::now();
    let population = store.load_population(&org, None).await?;
    let n = population.members.len() as u64;
    reporter.line(
        "population_load",
        n,
        started.elapsed().as_secs_f64(),
        json!({}),
    );
    if wants("training_plan") {
        let started = Instant::now();
        let plan = jenjang_core::plan::optimise(&org, &population, 5_000_000_000);
        reporter.line(
            "training_plan_optimise",
            population.members.len() as u64,
            started.elapsed().as_secs_f64(),
            json!({"programs": org.catalog.programs().len(), "cohorts": plan.cohorts.len(), "cost_idr": plan.cost_idr}),
        );
    }
    if wants("import_evaluations") {
        // One quarter for every employee, in a year no earlier run used.
        let latest = store
            .count_raw("SELECT CAST(COALESCE(MAX(year), 0) AS BIGINT) AS n FROM evaluations")
            .await? as i32;
        let year = (latest + 1).max(2030);
        let ratings = [
            "di_bawah_ekspektasi",
            "sesuai_ekspektasi",
            "sesuai_ekspektasi",
            "di_atas_ekspektasi",
        ];
        let mut csv = String::from("nip,periode,hasil_kerja,perilaku_kerja,catatan,penilai_nip\n");
        for (i, m) in population.members.iter().enumerate() {
            csv.push_str(&format!(
                "{},{year}-Q1,{},{},,\n",
                m.nip,
                ratings[i % 4],
                ratings[(i / 4) % 4]
            ));
        }
        let bytes = csv.into_bytes();
        // Only this import's events are the engine's work below.
        store.skip_pending_events().await?;
        for label in ["import_evaluations", "import_evaluations_replay"] {
            let (report, seconds) = timed_import(
                &store,
                jenjang_app::imports::ImportKind::Evaluations,
                &bytes,
            )
            .await?;
            reporter.line(
                label,
                population.members.len() as u64,
                seconds,
                json!({"accepted": report.accepted, "unchanged": report.unchanged, "rejected": report.rejected.len(), "bytes": bytes.len()}),
            );
        }
    }
    if wants("import_assessments") {
        // A province's assessment round: a new dated level for each competency the employees
        // hold, 1.35 million rows (fewer on a smaller database), imported as `jenjang import`
        // does, then the same file again (all unchanged). The floor is the database's own bulk
        // load of the same file into a table with the same indexes (`sqlite3 .import`,
        // PostgreSQL `COPY`), when its command-line client is on the PATH.
        const ROWS: usize = 1_350_000;
        let width = org.catalog.competency_count();
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let today = chrono::Utc::now().date_naive();
        let mut csv = String::from("nip,kompetensi,level,sumber,tanggal\n");
        let mut rows = 0usize;
        'members: for (i, m) in population.members.iter().enumerate() {
            for (c, level) in population.levels_of(i, width).iter().enumerate() {
                if *level == 0 {
                    continue;
                }
                if rows == ROWS {
                    break 'members;
                }
                csv.push_str(&format!(
                    "{},{},{},bench-import-{secs},{today}\n",
                    m.nip,
                    org.catalog.competency_code(c as u32),
                    1 + (i + c) % 5
                ));
                rows += 1;
            }
        }
        let bytes = csv.into_bytes();
        for label in ["import_assessments", "import_assessments_replay"] {
            let (report, seconds) = timed_import(
                &store,
                jenjang_app::imports::ImportKind::Assessments,
                &bytes,
            )
            .await?;
            reporter.line(
                label,
                rows as u64,
                seconds,
                json!({"accepted": report.accepted, "unchanged": report.unchanged, "rejected": report.rejected.len(), "bytes": bytes.len()}),
            );
        }
        let dir = tempfile_dir()?;
        let file = dir.join("assessments.csv");
        std::fs::write(&file, &bytes)?;
        match bulk_load_floor(&opts.database_url, store.is_postgres(), &file) {
            Ok(Some(seconds)) => {
                reporter.line("import_assessments_floor", rows as u64, seconds, json!({}))
            }
            Ok(None) => eprintln!("import_assessments_floor: no sqlite3/psql client on the PATH"),
            Err(e) => eprintln!("import_assessments_floor: {e:#}"),
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
    if wants("import_evaluations") && wants("workflow_instances") {
        // The default workflows started from the imported quarter, first step committed.
        jenjang_engine::defaults::install_defaults(&store).await?;
        // PostgreSQL is measured as two `serve` processes would run: two engines, each with its
        // own connection pool, claiming batches with SKIP LOCKED. SQLite has one writer.
        let mut engines = vec![jenjang_engine::Engine::new(
            store.clone(),
            std::sync::Arc::new(jenjang_engine::SystemClock),
        )];
        if store.is_postgres() {
            engines.push(jenjang_engine::Engine::new(
                open_store(&opts.database_url).await?,
                std::sync::Arc::new(jenjang_engine::SystemClock),
            ));
        }
        let before = store
            .count_raw("SELECT COUNT(*) AS n FROM workflow_instances")
            .await?;
        let events = store
            .count_raw("SELECT COUNT(*) AS n FROM outbox_events WHERE processed_at IS NULL")
            .await?;
        let started = Instant::now();
        let (first, second) = tokio::join!(engines[0].drain(), async {
            match engines.get(1) {
                Some(e) => e.drain().await,
                None => Ok(0),
            }
        });
        first?;
        second?;
        let seconds = started.elapsed().as_secs_f64();
        let instances = store
            .count_raw("SELECT COUNT(*) AS n FROM workflow_instances")
            .await?
            - before;
        reporter.line(
            "workflow_instances",
            instances as u64,
            seconds,
            json!({"events": events, "engines": engines.len()}),
        );
    }
    if wants("recommendations_http") {
        let nips: Arc<Vec<String>> =
            Arc::new(population.members.iter().map(|m| m.nip.clone()).collect());
        let done = Arc::new(AtomicBool::new(false));
        let started = Instant::now();
        let load = ask_recommendations(&client, &base, &token, &nips, opts.connections, &done);
        tokio::time::sleep(Duration::from_secs(opts.load_seconds)).await;
        done.store(true, Ordering::Relaxed);
        let (l, errors) = load.await?;
        let elapsed = started.elapsed().as_secs_f64();
        let pct = |p: f64| percentile_ms(&l, p);
        reporter.line(
            "recommendations_http",
            l.len() as u64,
            elapsed,
            json!({"connections": opts.connections, "p50_ms": pct(0.5), "p99_ms": pct(0.99), "errors": errors}),
        );
    }
    if wants("recommendations_during_import") {
        // `jenjang import` in another process (as an operator would run it beside `serve`): one
        // new assessment for every employee, while eight connections ask for recommendations;
        // the latencies are of the requests made while the import ran.
        let width = org.catalog.competency_count().max(1);
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let today = chrono::Utc::now().date_naive();
        let mut csv = String::from("nip,kompetensi,level,sumber,tanggal\n");
        for (i, m) in population.members.iter().enumerate() {
            csv.push_str(&format!(
                "{},{},{},bench-{secs},{today}\n",
                m.nip,
                org.catalog.competency_code((i % width) as u32),
                1 + i % 5
            ));
        }
        let dir = tempfile_dir()?;
        let file = dir.join("assessments.csv");
        std::fs::write(&file, csv)?;
        let nips: Arc<Vec<String>> =
            Arc::new(population.members.iter().map(|m| m.nip.clone()).collect());
        let done = Arc::new(AtomicBool::new(false));
        let load = ask_recommendations(&client, &base, &token, &nips, 8, &done);
        let started = Instant::now();
        let mut import = std::process::Command::new(std::env::current_exe()?);
        import
            .args(["import", "assessments"])
            .arg(&file)
            .args(["--database-url", &opts.database_url])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        let status = tokio::task::spawn_blocking(move || import.status()).await??;
        let seconds = started.elapsed().as_secs_f64();
        done.store(true, Ordering::Relaxed);
        let (all, errors) = load.await?;
        let _ = std::fs::remove_dir_all(&dir);
        if !status.success() {
            bail!("jenjang import assessments ended with {status}");
        }
        let pct = |p: f64| percentile_ms(&all, p);
        reporter.line(
            "recommendations_during_import",
            all.len() as u64,
            seconds,
            json!({"imported_rows": population.members.len(), "connections": 8, "p50_ms": pct(0.5), "p99_ms": pct(0.99), "errors": errors}),
        );
    }
    if wants("ui_pages") {
        // The heaviest pages as hr sees them (the whole organisation), each twice: the first
        // view may compute, the second must be served warm. Size in bytes of HTML sent.
        let pages = [
            "/beranda".to_string(),
            "/analisis".to_string(),
            "/talenta".to_string(),
            "/rencana-pelatihan?budget_idr=5000000000".to_string(),
            "/kebutuhan-organisasi".to_string(),
            format!("/unit/{root}"),
            "/ikm".to_string(),
            "/data-induk?jenis=jabatan".to_string(),
            "/alur-kerja".to_string(),
            "/audit".to_string(),
        ];
        for path in pages {
            for warm in [false, true] {
                let (seconds, bytes) = timed_get(&client, &base, &path, &token).await?;
                reporter.line(
                    if warm { "ui_page_warm" } else { "ui_page_cold" },
                    employees,
                    seconds,
                    json!({"path": path, "bytes": bytes}),
                );
            }
        }
    }
    if wants("position_fit") {
        // Candidates for one administrator position across the organisation, cold (the first
        // call after a change: population, talent grids) then warm; the succession board of up
        // to 1,000 critical positions, cold then warm.
        let positions = store
            .list_positions(jenjang_store::Paging::new(Some(1000), None), None)
            .await?;
        let target = positions
            .items
            .iter()
            .find(|p| {
                p.kind == jenjang_core::kinds::PositionKind::Administrator
                    && !p.requirements.is_empty()
            })
            .context("an administrator position with requirements")?
            .code
            .to_string();
        store
            .set_critical(&Actor::system("bench"), &target, false)
            .await?;
        for warm in [false, true, true] {
            let (seconds, bytes) = timed_get(
                &client,
                &base,
                &format!("/api/v1/positions/{target}/candidates?limit=20"),
                &token,
            )
            .await?;
            reporter.line(
                if warm {
                    "position_candidates_warm"
                } else {
                    "position_candidates_cold"
                },
                employees,
                seconds,
                json!({"position": target, "bytes": bytes}),
            );
        }
        let mut critical = 0u64;
        let mut page = 0;
        while critical < 1000 {
            let batch = store
                .list_positions(
                    jenjang_store::Paging::new(Some(1000), Some(page * 1000)),
                    None,
                )
                .await?;
            if batch.items.is_empty() {
                break;
            }
            for p in &batch.items {
                if critical < 1000 && !p.requirements.is_empty() {
                    store
                        .set_critical(&Actor::system("bench"), p.code.as_str(), true)
                        .await?;
                    critical += 1;
                }
            }
            page += 1;
        }
        for warm in [false, true] {
            let (seconds, bytes) = timed_get(&client, &base, "/api/v1/succession", &token).await?;
            reporter.line(
                if warm {
                    "succession_board_warm"
                } else {
                    "succession_board_cold"
                },
                critical,
                seconds,
                json!({"bytes": bytes}),
            );
        }
    }
    if wants("indicators") {
        // The employees' IKI realisations imported as HR receives them (one row per IKI and
        // quarter, 100,000 rows at most), then the same file again; and one unit's IKU page.
        let year = chrono::Datelike::year(&store.today().await?);
        let iki = store
            .generate_approved_skps(&Actor::system("bench"), year, employees.min(100_000))
            .await?;
        let mut csv = String::from("nip;iki;periode;realisasi;bukti\n");
        for (n, (nip, id)) in iki.iter().enumerate().take(100_000) {
            csv.push_str(&format!(
                "{nip};{id};{year}-Q{};{};https://arsip.example/{id}\n",
                n % 4 + 1,
                80 + n % 41
            ));
        }
        let rows = iki.len().min(100_000) as u64;
        for scenario in ["import_iki_realisations", "import_iki_realisations_again"] {
            let started = Instant::now();
            let report = jenjang_app::imports::run(
                &store,
                &Actor::system("bench"),
                jenjang_app::imports::ImportKind::IkiRealisations,
                csv.as_bytes(),
                &jenjang_import::Limits::trusted(),
                false,
                None,
            )
            .await?;
            let report_kind = jenjang_app::imports::ImportKind::IkiRealisations;
            jenjang_app::imports::after_import(&store, report_kind, &report).await?;
            reporter.line(
                scenario,
                rows,
                started.elapsed().as_secs_f64(),
                json!({"accepted": report.accepted, "unchanged": report.unchanged, "rejected": report.rejected.len()}),
            );
        }
        // Four IKU of the root unit realised every quarter, then its page cold and warm.
        let existing = store.indicator_ids().await?;
        for (code, target) in [
            ("IKU-B-1", 90.0),
            ("IKU-B-2", 75.0),
            ("IKU-B-3", 5.0),
            ("IKU-B-4", 85.0),
        ] {
            if existing.contains_key(&(code.to_string(), year)) {
                continue;
            }
            let new = jenjang_store::indicators::NewIndicator {
                code: code.into(),
                year,
                unit: root.clone(),
                name: format!("Indikator {code}"),
                kind: jenjang_core::indicators::IndicatorKind::Manual,
                unit_of_measure: "%".into(),
                direction: jenjang_core::indicators::Direction::HigherIsBetter,
                target,
                period_targets: Default::default(),
            };
            let ind = store
                .create_indicator(&Actor::system("bench"), &new)
                .await?;
            let rows: Vec<_> = (1..=4)
                .map(|q| jenjang_store::indicators::NewRealisation {
                    indicator: ind.id,
                    period: jenjang_core::period::Period::parse(&format!("{year}-Q{q}"))
                        .expect("a quarter"),
                    value: target * (0.9 + 0.05 * f64::from(q)),
                    source: jenjang_core::indicators::RealisationSource::Manual,
                    evidence_url: None,
                    note: None,
                })
                .collect();
            store
                .record_realisations(&Actor::system("bench"), &rows)
                .await?;
        }
        for (path, name) in [
            (
                format!("/api/v1/units/{root}/indicators?year={year}"),
                "iku_list_http",
            ),
            (
                format!("/api/v1/units/{root}/performance-gaps?year={year}"),
                "performance_gaps_http",
            ),
            (format!("/unit/{root}"), "iku_unit_page"),
        ] {
            for warm in [false, true] {
                let (seconds, bytes) = timed_get(&client, &base, &path, &token).await?;
                reporter.line(
                    &format!("{name}_{}", if warm { "warm" } else { "cold" }),
                    employees,
                    seconds,
                    json!({"path": path, "bytes": bytes}),
                );
            }
        }
    }
    if wants("training_cycle") {
        // The whole organisation's plan for next year saved, adopted (thousands of cohorts,
        // tens of thousands of enrolments), and 50,000 results imported from the providers.
        let year = chrono::Datelike::year(&store.today().await?) + 1;
        let started = Instant::now();
        let saved: serde_json::Value = client
            .post(format!("{base}/api/v1/training-plans?save=true"))
            .bearer_auth(&token)
            .json(&json!({"year": year, "budget_idr": 200_000_000_000i64, "unit": root}))
            .send()
            .await?
            .json()
            .await?;
        let id = saved["id"].as_i64().context("a saved plan")?;
        reporter.line(
            "training_plan_save",
            employees,
            started.elapsed().as_secs_f64(),
            json!({"cohorts": saved["plan"]["cohorts"].as_array().map_or(0, Vec::len)}),
        );
        let started = Instant::now();
        let adopted: serde_json::Value = client
            .post(format!("{base}/api/v1/training-plans/{id}/adopt"))
            .bearer_auth(&token)
            .json(&json!({"confirm": true}))
            .send()
            .await?
            .json()
            .await?;
        reporter.line(
            "training_plan_adopt",
            adopted["enrolled"]["participants"].as_u64().unwrap_or(0),
            started.elapsed().as_secs_f64(),
            json!({"cohorts": adopted["enrolled"]["cohorts"], "items_added": adopted["enrolled"]["items_added"],
                   "plans_created": adopted["enrolled"]["plans_created"]}),
        );
        let mut csv =
            String::from("nip;kode_angkatan;status;nomor_sertifikat;tanggal_selesai;nilai\n");
        let mut rows = 0u64;
        let today = store.today().await?;
        for c in store.cohorts(Some(year), None, None).await? {
            if rows >= 50_000 {
                break;
            }
            let (_, people) = store.cohort(&c.code).await?;
            for p in people {
                if rows >= 50_000 {
                    break;
                }
                rows += 1;
                let status = if rows.is_multiple_of(10) {
                    "tidak_hadir"
                } else {
                    "lulus"
                };
                csv.push_str(&format!(
                    "{};{};{status};SRT/{}/{rows};{today};{}\n",
                    p.nip,
                    c.code,
                    c.code,
                    70 + rows % 30
                ));
            }
        }
        for scenario in ["import_cohort_results", "import_cohort_results_again"] {
            let started = Instant::now();
            let report = jenjang_app::imports::run(
                &store,
                &Actor::system("bench"),
                jenjang_app::imports::ImportKind::CohortResults,
                csv.as_bytes(),
                &jenjang_import::Limits::trusted(),
                false,
                None,
            )
            .await?;
            jenjang_app::imports::after_import(
                &store,
                jenjang_app::imports::ImportKind::CohortResults,
                &report,
            )
            .await?;
            reporter.line(
                scenario,
                rows,
                started.elapsed().as_secs_f64(),
                json!({"accepted": report.accepted, "unchanged": report.unchanged, "rejected": report.rejected.len()}),
            );
        }
    }
    reporter.line("serve_memory_after_analyses", employees, 0.0, json!({}));
    if wants("recommendations_all") {
        for factor in [1usize, 10] {
            let pop = replicate(&population, org.catalog.competency_count(), factor);
            let n = pop.members.len() as u64;
            let started = Instant::now();
            let counted = org.fold_population(
                &pop,
                || 0u64,
                |acc, _, _, rec| *acc += rec.programs.len() as u64,
            );
            let programs: u64 = counted.iter().sum();
            reporter.line(
                "recommendations_all_core",
                n,
                started.elapsed().as_secs_f64(),
                json!({"programs_recommended": programs, "threads": counted.len()}),
            );
        }
    }
    if opts.only.iter().any(|o| o == "mail_outbox") {
        mail_outbox(&store, &reporter).await?;
    }
    if wants("provision_accounts") {
        // Every employee without an account gets one (pending), in one call; again: nothing.
        for scenario in ["provision_accounts", "provision_accounts_again"] {
            let started = Instant::now();
            let done = store
                .provision_accounts(&Actor::system("bench"), None)
                .await?;
            reporter.line(
                scenario,
                employees,
                started.elapsed().as_secs_f64(),
                json!({"created": done.created, "existing": done.existing}),
            );
        }
    }
    let _ = stop_tx.send(());
    let _ = server.await;
    Ok(())
}

/// 10,000 notifications queued for mail, drained to a local SMTP server (aiosmtpd's sink,
/// started here unless `JENJANG_BENCH_SMTP=host:port` names one) by one mail worker.
async fn mail_outbox(store: &jenjang_store::Store, reporter: &Reporter) -> Result<()> {
    let n = 10_000u64;
    let (host, port, mut child) = match std::env::var("JENJANG_BENCH_SMTP") {
        Ok(at) => {
            let (h, p) = at
                .rsplit_once(':')
                .ok_or_else(|| anyhow::anyhow!("JENJANG_BENCH_SMTP is host:port"))?;
            (h.to_string(), p.parse::<u16>()?, None)
        }
        Err(_) => {
            let port = std::net::TcpListener::bind("127.0.0.1:0")?
                .local_addr()?
                .port();
            let child = std::process::Command::new("python3")
                .args(["-m", "aiosmtpd", "-n", "-l"])
                .arg(format!("127.0.0.1:{port}"))
                .args(["-c", "aiosmtpd.handlers.Sink"])
                .spawn()
                .map_err(|e| anyhow::anyhow!("python3 -m aiosmtpd (pip install aiosmtpd): {e}"))?;
            let deadline = Instant::now() + std::time::Duration::from_secs(10);
            while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
                if Instant::now() > deadline {
                    bail!("the aiosmtpd sink did not start");
                }
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            ("127.0.0.1".to_string(), port, Some(child))
        }
    };
    store.set_mail_delivery(true);
    let started = Instant::now();
    let queued = store
        .bench_queue_notification_mail(n, "bench.bulungankab.go.id")
        .await?;
    reporter.line(
        "mail_outbox_queue",
        queued,
        started.elapsed().as_secs_f64(),
        json!({}),
    );
    let smtp = jenjang_engine::mail::SmtpSettings {
        host,
        port: Some(port),
        tls: jenjang_engine::mail::SmtpTls::None,
        user: None,
        password: None,
        from: "Jenjang <jenjang@bench.bulungankab.go.id>".into(),
        ca_pem: None,
        timeout: jenjang_engine::mail::DEFAULT_SMTP_TIMEOUT,
    };
    let mailer = jenjang_engine::mail::Mailer::new(store.clone(), &smtp, "http://127.0.0.1")?;
    let started = Instant::now();
    let drained = mailer.drain().await?;
    reporter.line(
        "mail_outbox_drain",
        drained.sent,
        started.elapsed().as_secs_f64(),
        json!({"retried": drained.retried, "failed": drained.failed}),
    );
    if let Some(c) = child.as_mut() {
        let _ = c.kill();
        let _ = c.wait();
    }
    Ok(())
}

/// One GET as a signed-in browser and API client would send it: (seconds, bytes of the body).
async fn timed_get(
    client: &reqwest::Client,
    base: &str,
    path: &str,
    token: &str,
) -> Result<(f64, usize)> {
    let started = Instant::now();
    let r = client
        .get(format!("{base}{path}"))
        .bearer_auth(token)
        .header("cookie", format!("jenjang_token={token}"))
        .header("accept", "text/html")
        .send()
        .await?;
    let status = r.status();
    let bytes = r.bytes().await?.len();
    if !status.is_success() {
        bail!("{path} answered {status}");
    }
    Ok((started.elapsed().as_secs_f64(), bytes))
}

/// The population repeated `factor` times (for the million-employee core scenario).
fn replicate(p: &Population, _width: usize, factor: usize) -> Population {
    if factor == 1 {
        return p.clone();
    }
    let mut out = Population {
        members: Vec::with_capacity(p.members.len() * factor),
        levels: Vec::with_capacity(p.levels.len() * factor),
    };
    for _ in 0..factor {
        out.members.extend(p.members.iter().cloned());
        out.levels.extend_from_slice(&p.levels);
    }
    out
}

/// A second server on the same database (its own pool and caches), as a second `serve`
/// process would be; answers its base URL.
async fn second_server(database_url: &str, settings: &ServerSettings) -> Result<String> {
    let state = app_state(open_store(database_url).await?, database_url, settings)?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    tokio::spawn(jenjang_web::serve(
        listener,
        state,
        std::future::pending::<()>(),
    ));
    Ok(base)
}

/// The NIP of the first employee listed.
async fn first_nip(store: &Store) -> Result<String> {
    Ok(store
        .list_employees(
            &Default::default(),
            &jenjang_core::access::EmployeeScope::All,
            Paging::new(Some(1), None),
        )
        .await?
        .items
        .remove(0)
        .nip
        .to_string())
}

/// Some competency code of the catalog.
async fn org_first_competency(store: &Store) -> Result<String> {
    let org = store.load_organisation().await?;
    Ok(org.catalog.competency_code(0).to_string())
}

async fn root_unit(store: &Store) -> Result<String> {
    let org = store.load_organisation().await?;
    org.units
        .sole_root()
        .map(|u| org.units.code(u).to_string())
        .context("the organisation has no single root unit")
}

/// `connections` clients asking for the recommendations of one employee after another until
/// `done`; answers every answered request's latency (microseconds, sorted) and the errors.
fn ask_recommendations(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    nips: &Arc<Vec<String>>,
    connections: usize,
    done: &Arc<AtomicBool>,
) -> impl std::future::Future<Output = Result<(Vec<u32>, u64)>> + use<> {
    let tasks: Vec<_> = (0..connections)
        .map(|t| {
            let (client, base, token) = (client.clone(), base.to_string(), token.to_string());
            let (nips, done) = (nips.clone(), done.clone());
            tokio::spawn(async move {
                let (mut latencies, mut errors) = (Vec::new(), 0u64);
                let mut i = t * 7919;
                while !done.load(Ordering::Relaxed) {
                    let nip = &nips[i % nips.len()];
                    i += 1;
                    let at = Instant::now();
                    match client
                        .get(format!("{base}/api/v1/employees/{nip}/recommendations"))
                        .bearer_auth(&token)
                        .send()
                        .await
                    {
                        Ok(r) if r.status().is_success() => {
                            let _ = r.bytes().await;
                            latencies.push(at.elapsed().as_micros() as u32);
                        }
                        _ => errors += 1,
                    }
                }
                (latencies, errors)
            })
        })
        .collect();
    async move {
        let (mut all, mut errors) = (Vec::new(), 0u64);
        for t in tasks {
            let (l, e) = t.await?;
            all.extend(l);
            errors += e;
        }
        all.sort_unstable();
        Ok((all, errors))
    }
}

/// The `p` quantile of sorted latencies in microseconds, in milliseconds.
fn percentile_ms(sorted: &[u32], p: f64) -> f64 {
    sorted
        .get(((sorted.len() as f64 * p) as usize).min(sorted.len().saturating_sub(1)))
        .map_or(0.0, |us| *us as f64 / 1000.0)
}

/// A file imported as the server imports it (the answer once committed, the upkeep then on a
/// background task), with the seconds until the answer.
async fn timed_import(
    store: &Store,
    kind: jenjang_app::imports::ImportKind,
    bytes: &[u8],
) -> Result<(jenjang_app::imports::ImportReport, f64)> {
    let started = Instant::now();
    let report = jenjang_app::imports::run(
        store,
        &Actor::system("bench"),
        kind,
        bytes,
        &jenjang_import::Limits::trusted(),
        false,
        None,
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let seconds = started.elapsed().as_secs_f64();
    jenjang_app::imports::after_import_in_background(store, kind, &report);
    Ok((report, seconds))
}

/// Seconds the database's own bulk loader takes to load an assessments CSV into a scratch table
/// shaped and indexed as `competency_records`; `None` when its client is not installed.
fn bulk_load_floor(url: &str, postgres: bool, file: &std::path::Path) -> Result<Option<f64>> {
    use std::process::Command;
    let file = file.display().to_string();
    let (program, script) = if postgres {
        (
            "psql",
            format!(
                "DROP TABLE IF EXISTS bench_floor_records; \
                 CREATE TABLE bench_floor_records (LIKE competency_records INCLUDING ALL); \
                 ALTER TABLE bench_floor_records ALTER COLUMN recorded_at SET DEFAULT now(); \
                 \\copy bench_floor_records (nip, competency_code, level, source, assessed_on) FROM '{file}' WITH (FORMAT csv, HEADER true)\n\
                 DROP TABLE bench_floor_records;"
            ),
        )
    } else {
        (
            "sqlite3",
            format!(
                "DROP TABLE IF EXISTS bench_floor_records;\n\
                 CREATE TABLE bench_floor_records (nip TEXT NOT NULL, competency_code TEXT NOT NULL, level INTEGER NOT NULL, source TEXT NOT NULL, assessed_on TEXT NOT NULL);\n\
                 CREATE UNIQUE INDEX bench_floor_unique ON bench_floor_records (nip, competency_code, assessed_on, source, level);\n\
                 CREATE INDEX bench_floor_competency ON bench_floor_records (competency_code);\n\
                 .mode csv\n.import --skip 1 '{file}' bench_floor_records\n\
                 DROP TABLE bench_floor_records;\n"
            ),
        )
    };
    if Command::new(program).arg("--version").output().is_err() {
        return Ok(None);
    }
    let target = if postgres {
        url.to_string()
    } else {
        url.trim_start_matches("sqlite://")
            .split('?')
            .next()
            .unwrap_or_default()
            .to_string()
    };
    let script_file = file.clone() + ".floor.sql";
    std::fs::write(&script_file, script)?;
    let started = Instant::now();
    let out = if postgres {
        Command::new(program)
            .args([&target, "-q", "-v", "ON_ERROR_STOP=1", "-f", &script_file])
            .output()?
    } else {
        Command::new(program)
            .args(["-bail", &target, &format!(".read {script_file}")])
            .output()?
    };
    let seconds = started.elapsed().as_secs_f64();
    if !out.status.success() {
        bail!("{program}: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(Some(seconds))
}

fn tempfile_dir() -> Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("jenjang-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
