//! The in-process cache of the organisation and of computed analyses.
//!
//! Every change writes an audit entry, so the newest audit id (`Store::data_version`) tells any
//! server process whether its cached copy is current; one cheap indexed read per request keeps
//! two processes sharing one PostgreSQL database consistent after a write on either.
//!
//! The training-needs analysis and its heat map are kept differently: a [`NeedsIndex`] of every
//! employee's part, brought up to date before each use from the store's change feed
//! (`Store::analysis_changes`): only the employees changed since are recomputed, a change to the
//! reference data rebuilds it, and writes that touch neither leave it as it is. Organisational
//! needs' progress is counted from the same index.
//!
//! The talent grid is kept the same way, one [`TalentIndex`] per year asked for (a few years at
//! most): every employee's unit and box, brought up to date from the talent feed (evaluations,
//! potentials) and the analyses' feed (employees moved, come or gone; units changed).

use crate::error::{AppError, AppResult};
use jenjang_core::needs::NeedsIndex;
use jenjang_core::org::Organisation;
use jenjang_core::period::Period;
use jenjang_core::predikat::Predikat;
use jenjang_core::talent::{KinerjaRule, TalentIndex, placement};
use jenjang_store::{Changes, Store, TalentInputs};
use std::any::Any;
use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use tokio::sync::Mutex;

type Results = (i64, HashMap<String, Arc<dyn Any + Send + Sync>>);

#[derive(Default)]
pub struct Analytics {
    organisation: Mutex<Option<(i64, Arc<Organisation>)>>,
    results: std::sync::Mutex<Results>,
    needs: Mutex<Option<NeedsState>>,
    talent: Mutex<HashMap<i32, TalentState>>,
}

/// Talent grids of at most this many years are kept (the least recently asked is dropped).
const TALENT_YEARS_KEPT: usize = 4;

/// The talent index of a year, the organisation whose unit indices it holds, the last ids of
/// the two feeds applied, and the answers read from it since it last changed.
struct TalentState {
    analysis_version: i64,
    talent_version: i64,
    org: Arc<Organisation>,
    index: TalentIndex,
    answers: HashMap<String, Arc<dyn Any + Send + Sync>>,
    used: std::time::Instant,
}

/// The needs index, the organisation it was built with, the last feed id applied, and the
/// answers read from it since it last changed.
struct NeedsState {
    version: i64,
    org: Arc<Organisation>,
    index: NeedsIndex,
    answers: HashMap<String, Arc<dyn Any + Send + Sync>>,
}

impl std::fmt::Debug for Analytics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Analytics").finish_non_exhaustive()
    }
}

impl Analytics {
    /// The organisation as of now, rebuilt only when the data changed.
    pub async fn organisation(&self, store: &Store) -> AppResult<(i64, Arc<Organisation>)> {
        let version = store.data_version().await?;
        self.organisation_at(store, version).await
    }

    /// The organisation at a data version read earlier in the request.
    pub async fn organisation_at(
        &self,
        store: &Store,
        version: i64,
    ) -> AppResult<(i64, Arc<Organisation>)> {
        let mut cached = self.organisation.lock().await;
        if let Some((v, org)) = cached.as_ref()
            && *v == version
        {
            return Ok((version, org.clone()));
        }
        let org = Arc::new(store.load_organisation().await?);
        *cached = Some((version, org.clone()));
        Ok((version, org))
    }

    /// The result under `key` computed at `version`, computing it with `compute` when the cache
    /// holds none (or one of an older version). Two requests racing may both compute; the
    /// answers are equal, so the later simply replaces the earlier.
    pub async fn cached<T, F, Fut>(&self, version: i64, key: &str, compute: F) -> AppResult<Arc<T>>
    where
        T: Send + Sync + 'static,
        F: FnOnce() -> Fut,
        Fut: Future<Output = AppResult<T>>,
    {
        if let Some(hit) = self.lookup(version, key) {
            return hit.downcast::<T>().map_err(|_| {
                AppError::Internal(anyhow::anyhow!("cached result {key} has another type"))
            });
        }
        let started = std::time::Instant::now();
        let value = Arc::new(compute().await?);
        tracing::debug!(
            key,
            version,
            ms = started.elapsed().as_millis() as u64,
            "computed"
        );
        let mut cache = self.results.lock().unwrap_or_else(|e| e.into_inner());
        if cache.0 != version {
            *cache = (version, HashMap::new());
        }
        cache.1.insert(key.to_string(), value.clone());
        Ok(value)
    }

    /// The answer under `key` computed by `compute` from the needs index brought up to date
    /// first ([`Analytics::current_needs`]), kept until the index changes. An error is not kept.
    pub async fn needs_answer<T: Send + Sync + 'static>(
        &self,
        store: &Store,
        key: &str,
        compute: impl FnOnce(&Organisation, &NeedsIndex) -> AppResult<T>,
    ) -> AppResult<Arc<T>> {
        let mut state = self.current_needs(store).await?;
        let s = state
            .as_mut()
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("needs index missing")))?;
        kept_answer(&mut s.answers, key, || compute(&s.org, &s.index))
    }

    /// `read` of the needs index brought up to date first, not kept: for answers that also
    /// rest on data outside the change feed (the plans an organisational need's progress counts).
    pub async fn with_needs<T>(
        &self,
        store: &Store,
        read: impl FnOnce(&Organisation, &NeedsIndex) -> AppResult<T>,
    ) -> AppResult<T> {
        let state = self.current_needs(store).await?;
        let s = state
            .as_ref()
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("needs index missing")))?;
        read(&s.org, &s.index)
    }

    /// The needs index brought up to date: the employees named in the change feed since it was
    /// last current are recomputed (a handful after a typical write), or the whole index is
    /// rebuilt after a change to the reference data or when so many changed that rebuilding is
    /// cheaper. The guard holds `Some`.
    async fn current_needs(
        &self,
        store: &Store,
    ) -> AppResult<tokio::sync::MutexGuard<'_, Option<NeedsState>>> {
        let mut state = self.needs.lock().await;
        let rebuild = match state.as_mut() {
            None => true,
            Some(s) => {
                let limit = (s.index.employees() as u64 / 8).max(1_000);
                match store.analysis_changes(s.version, limit).await? {
                    Changes::None => false,
                    Changes::Everything(_) => true,
                    Changes::Members(version, nips) => {
                        let started = std::time::Instant::now();
                        for (nip, now) in store.load_members(&s.org, &nips).await? {
                            let now = now.as_ref().map(|(m, levels)| (m, levels.as_slice()));
                            s.index.apply(&s.org, &nip, now);
                        }
                        s.version = version;
                        s.answers.clear();
                        tracing::debug!(
                            employees = nips.len(),
                            version,
                            ms = started.elapsed().as_millis() as u64,
                            "needs index caught up"
                        );
                        false
                    }
                }
            }
        };
        if rebuild {
            let started = std::time::Instant::now();
            // The version first: a change committed while the data is read is applied again on
            // the next call, which recomputes an employee from their stored state either way.
            let version = store.analysis_version().await?;
            let org = Arc::new(store.load_organisation().await?);
            let org_ms = started.elapsed().as_millis() as u64;
            let population = store.load_population(&org, None).await?;
            let population_ms = started.elapsed().as_millis() as u64 - org_ms;
            let org2 = org.clone();
            let index = tokio::task::spawn_blocking(move || NeedsIndex::build(&org2, &population))
                .await
                .map_err(|e| AppError::Internal(e.into()))?;
            tracing::debug!(
                employees = index.employees(),
                version,
                org_ms,
                population_ms,
                ms = started.elapsed().as_millis() as u64,
                "needs index built"
            );
            *state = Some(NeedsState {
                version,
                org,
                index,
                answers: HashMap::new(),
            });
        }
        Ok(state)
    }

    /// The answer under `key` computed by `compute` from the talent index of `year` brought up
    /// to date first, kept until the index changes: the employees named in the talent feed or
    /// the analyses' feed since it was last current are placed again, or the whole index is
    /// rebuilt after a change to the reference data or when so many changed that rebuilding is
    /// cheaper. An error is not kept.
    pub async fn talent_answer<T: Send + Sync + 'static>(
        &self,
        store: &Store,
        year: i32,
        key: &str,
        compute: impl FnOnce(&Organisation, &TalentIndex) -> AppResult<T>,
    ) -> AppResult<Arc<T>> {
        let mut years = self.talent.lock().await;
        let rebuild = match years.get_mut(&year) {
            None => true,
            Some(s) => {
                let limit = (s.index.employees() as u64 / 8).max(1_000);
                let moved = store.analysis_changes(s.analysis_version, limit).await?;
                let rated = store.talent_changes(s.talent_version, limit).await?;
                match (moved, rated) {
                    (Changes::Everything(_), _) | (_, Changes::Everything(_)) => true,
                    (moved, rated) => {
                        let started = std::time::Instant::now();
                        let mut nips = Vec::new();
                        let (mut analysis_version, mut talent_version) =
                            (s.analysis_version, s.talent_version);
                        if let Changes::Members(v, n) = moved {
                            analysis_version = v;
                            nips.extend(n);
                        }
                        if let Changes::Members(v, n) = rated {
                            talent_version = v;
                            nips.extend(n);
                        }
                        if !nips.is_empty() {
                            nips.sort_unstable();
                            nips.dedup();
                            let rule = KinerjaRule::default();
                            for (nip, now) in store.talent_members(&nips, year).await? {
                                let now = now.map(|inputs| place(&rule, &s.org, inputs, year));
                                s.index.set(&nip, now);
                            }
                            s.answers.clear();
                            tracing::debug!(
                                employees = nips.len(),
                                year,
                                ms = started.elapsed().as_millis() as u64,
                                "talent index caught up"
                            );
                        }
                        (s.analysis_version, s.talent_version) = (analysis_version, talent_version);
                        false
                    }
                }
            }
        };
        if rebuild {
            let started = std::time::Instant::now();
            // The versions first, as for the needs index.
            let analysis_version = store.analysis_version().await?;
            let talent_version = store.talent_version().await?;
            let org = Arc::new(store.load_organisation().await?);
            let population = store.talent_population().await?;
            let mut evaluations: HashMap<String, Vec<(Period, Predikat)>> = HashMap::new();
            for (nip, period, predikat) in store.evaluations_of_year(year).await? {
                evaluations.entry(nip).or_default().push((period, predikat));
            }
            let rule = KinerjaRule::default();
            let mut index = TalentIndex::default();
            for (nip, unit, potential) in population {
                let rated = evaluations.remove(&nip).unwrap_or_default();
                index.set(
                    &nip,
                    Some(place(&rule, &org, (unit, potential, rated), year)),
                );
            }
            tracing::debug!(
                employees = index.employees(),
                year,
                ms = started.elapsed().as_millis() as u64,
                "talent index built"
            );
            if !years.contains_key(&year) && years.len() >= TALENT_YEARS_KEPT {
                let oldest = years.iter().min_by_key(|(_, s)| s.used).map(|(y, _)| *y);
                if let Some(y) = oldest {
                    years.remove(&y);
                }
            }
            years.insert(
                year,
                TalentState {
                    analysis_version,
                    talent_version,
                    org,
                    index,
                    answers: HashMap::new(),
                    used: started,
                },
            );
        }
        let s = years
            .get_mut(&year)
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("talent index missing")))?;
        s.used = std::time::Instant::now();
        kept_answer(&mut s.answers, key, || compute(&s.org, &s.index))
    }

    fn lookup(&self, version: i64, key: &str) -> Option<Arc<dyn Any + Send + Sync>> {
        let cache = self.results.lock().unwrap_or_else(|e| e.into_inner());
        (cache.0 == version)
            .then(|| cache.1.get(key).cloned())
            .flatten()
    }
}

/// The answer under `key` of an index's kept answers, computed and kept when missing (an error
/// is not kept).
fn kept_answer<T: Send + Sync + 'static>(
    answers: &mut HashMap<String, Arc<dyn Any + Send + Sync>>,
    key: &str,
    compute: impl FnOnce() -> AppResult<T>,
) -> AppResult<Arc<T>> {
    if let Some(hit) = answers.get(key) {
        return hit.clone().downcast::<T>().map_err(|_| {
            AppError::Internal(anyhow::anyhow!("kept answer {key} has another type"))
        });
    }
    let answer = Arc::new(compute()?);
    answers.insert(key.to_string(), answer.clone());
    Ok(answer)
}

/// Where an employee stands in `year`: their unit's index and their box, if they can be placed.
fn place(
    rule: &KinerjaRule,
    org: &Organisation,
    (unit, potential, evaluations): TalentInputs,
    year: i32,
) -> (u32, Option<u8>) {
    (
        org.units.index(&unit).unwrap_or(0),
        placement(rule, &evaluations, potential, year),
    )
}
