//! What every read-side use case needs: the store, the analytics cache, who asks, and the data
//! version the request started at (so one request reads one consistent organisation).

use crate::analytics::Analytics;
use crate::error::{AppError, AppResult};
use jenjang_core::access::{Action, Principal, Relation, authorize};
use jenjang_core::org::Organisation;
use jenjang_store::{Actor, Store};
use std::collections::HashSet;
use std::sync::Arc;

#[derive(Clone, Copy)]
pub struct Context<'a> {
    pub store: &'a Store,
    pub analytics: &'a Analytics,
    pub caller: &'a Principal,
    /// `Store::data_version` as read when the request was authenticated.
    pub version: i64,
}

impl<'a> Context<'a> {
    pub fn new(
        store: &'a Store,
        analytics: &'a Analytics,
        caller: &'a Principal,
        version: i64,
    ) -> Self {
        Context {
            store,
            analytics,
            caller,
            version,
        }
    }

    /// The organisation at the request's data version (cached across requests).
    pub async fn organisation(&self) -> AppResult<Arc<Organisation>> {
        Ok(self
            .analytics
            .organisation_at(self.store, self.version)
            .await?
            .1)
    }

    /// Every employee's (name, unit) by NIP, read once per data version: how pages name the
    /// people of lists computed elsewhere without a query per person.
    pub async fn directory(
        &self,
    ) -> AppResult<Arc<std::collections::HashMap<String, (String, String)>>> {
        self.analytics
            .cached(self.version, "directory", || async {
                Ok(self
                    .store
                    .employee_directory()
                    .await?
                    .into_iter()
                    .map(|(nip, name, unit)| (nip, (name, unit)))
                    .collect())
            })
            .await
    }

    /// Every unit's name by code, read once per data version.
    pub async fn unit_names(&self) -> AppResult<Arc<std::collections::HashMap<String, String>>> {
        self.analytics
            .cached(self.version, "unit_names", || async {
                Ok(self.store.unit_names().await?.into_iter().collect())
            })
            .await
    }

    /// Who the audit log names for what this request writes.
    pub fn actor(&self) -> Actor {
        Actor(self.caller.username.clone())
    }

    /// The units the caller heads (none for an account without a NIP).
    pub async fn led_units(&self) -> AppResult<HashSet<String>> {
        Ok(match &self.caller.nip {
            Some(n) => self.store.led_units(n.as_str()).await?,
            None => HashSet::new(),
        })
    }

    pub fn require(&self, action: Action) -> AppResult<()> {
        authorize(self.caller, action).map_err(|_| AppError::Forbidden)
    }

    /// Checks that the caller may read `nip` (403 when out of scope). Organisation-wide roles
    /// read everyone without asking how they relate to the employee; the read that follows
    /// answers 404 for an unknown NIP.
    pub async fn require_read(&self, nip: &str) -> AppResult<()> {
        if self
            .require(Action::ReadEmployee(Relation::default()))
            .is_ok()
        {
            return Ok(());
        }
        let relation = self.store.relation(self.caller.nip.as_ref(), nip).await?;
        self.require(Action::ReadEmployee(relation))
    }

    /// Checks that the caller may analyse `unit` (or plan for it, with `plan`).
    pub async fn require_unit(&self, unit: &str, plan: bool) -> AppResult<()> {
        let in_led_subtree = self
            .store
            .leads_unit(self.caller.nip.as_ref(), unit)
            .await?;
        self.require(if plan {
            Action::PlanForUnit { in_led_subtree }
        } else {
            Action::AnalyseUnit { in_led_subtree }
        })
    }
}
