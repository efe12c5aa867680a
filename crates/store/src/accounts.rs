//! Accounts for a whole organisation: accounts that follow employee records (created pending,
//! disabled when the employee leaves, the role following the unit tree unless granted), the
//! account list, one-time activation/reset links (only their hash), password changes and
//! signed-out tokens. Every change raises the token version where sessions must end, and is
//! audited.

use crate::db::{Paging, Store, insert_rows, stmt};
use crate::error::{Result, StoreError, stored};
use crate::users::User;
use crate::{Actor, Page, audit};
use chrono::{DateTime, Utc};
use jenjang_core::FieldError;
use jenjang_core::accounts::{AccountStatus, LinkProblem, is_granted_role, role_from_tree};
use jenjang_core::kinds::Role;
use sea_orm::{ConnectionTrait, DatabaseTransaction, Value};
use serde::Serialize;

/// An account as the accounts list shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Account {
    pub username: String,
    pub nip: Option<String>,
    /// The employee's name, for accounts of employees.
    pub name: Option<String>,
    pub role: Role,
    pub status: AccountStatus,
    /// The role was granted by an admin (else it follows the unit tree).
    pub role_granted: bool,
    pub last_login_at: Option<DateTime<Utc>>,
    /// The account's own e-mail address (else the employee's is used).
    pub email: Option<String>,
    /// Where the account's mail goes: its own address, else the employee's; none without either.
    pub mail_to: Option<String>,
}

/// Filters of the accounts list.
#[derive(Debug, Clone, Default)]
pub struct AccountFilter {
    /// Part of the username, NIP or name (case-insensitive).
    pub q: Option<String>,
    pub role: Option<Role>,
    pub status: Option<AccountStatus>,
}

/// What provisioning did.
#[derive(Debug, Clone, Copy, Default, Serialize, utoipa::ToSchema)]
pub struct Provisioned {
    /// Accounts created (pending: no password until activated).
    pub created: u64,
    /// Employees who already had an account.
    pub existing: u64,
}

/// What following the tree changed.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Followed {
    pub roles_changed: u64,
    pub disabled: u64,
}

const ACCOUNT_SELECT: &str = "SELECT u.username, u.nip, e.name, u.role, u.active, u.password_hash <> '' AS has_password, \
     u.role_granted, u.last_login_at, u.email, COALESCE(u.email, e.email) AS mail_to \
     FROM users u LEFT JOIN employees e ON e.nip = u.nip";

fn account_from(r: &sea_orm::QueryResult) -> Result<Account> {
    let username: String = r.try_get("", "username")?;
    let role: String = r.try_get("", "role")?;
    Ok(Account {
        role: stored("users", &username, &role)?,
        status: AccountStatus::of(r.try_get("", "active")?, r.try_get("", "has_password")?),
        nip: r.try_get("", "nip")?,
        name: r.try_get("", "name")?,
        role_granted: r.try_get("", "role_granted")?,
        last_login_at: r.try_get("", "last_login_at")?,
        email: r.try_get("", "email")?,
        mail_to: r.try_get("", "mail_to")?,
        username,
    })
}

/// The tree facts of employees: (nip, heads a unit, has direct reports, is aktif, account role
/// and whether it was granted, when the employee has an account).
type TreeRow = (String, bool, bool, bool, Option<(String, bool, bool)>);

async fn tree_rows<C: ConnectionTrait>(conn: &C, unit: Option<&str>) -> Result<Vec<TreeRow>> {
    let (with, filter, values): (String, &str, Vec<Value>) = match unit {
        Some(u) => (
            format!("WITH RECURSIVE {} ", crate::analytics::SUBTREE),
            "WHERE e.unit_code IN (SELECT code FROM sub)",
            vec![u.into()],
        ),
        None => (String::new(), "", vec![]),
    };
    let sql = format!(
        // Set-based: who heads a unit and who has working reports, each read once and joined
        // (a correlated lookup per employee is quadratic without indexes on those columns).
        "{with}SELECT e.nip, e.status, h.nip IS NOT NULL AS heads, r.sup IS NOT NULL AS has_reports, \
         u.role, u.role_granted, u.active \
         FROM employees e \
         LEFT JOIN (SELECT DISTINCT head_nip AS nip FROM units WHERE head_nip IS NOT NULL) h ON h.nip = e.nip \
         LEFT JOIN (SELECT DISTINCT supervisor_nip AS sup FROM employees \
                    WHERE status = 'aktif' AND supervisor_nip IS NOT NULL) r ON r.sup = e.nip \
         LEFT JOIN users u ON u.nip = e.nip {filter} ORDER BY e.nip"
    );
    let rows = conn
        .query_all_raw(stmt(conn.get_database_backend(), &sql, values))
        .await?;
    rows.iter()
        .map(|r| {
            let nip: String = r.try_get("", "nip")?;
            let status: String = r.try_get("", "status")?;
            let status: jenjang_core::accounts::EmployeeStatus =
                stored("employees", &nip, &status)?;
            let account = match r.try_get::<Option<String>>("", "role")? {
                Some(role) => Some((
                    role,
                    r.try_get::<bool>("", "role_granted")?,
                    r.try_get::<bool>("", "active")?,
                )),
                None => None,
            };
            Ok((
                nip,
                r.try_get("", "heads")?,
                r.try_get("", "has_reports")?,
                status == jenjang_core::accounts::EmployeeStatus::Aktif,
                account,
            ))
        })
        .collect()
}

impl Store {
    /// Accounts, by username, with the employee's name.
    pub async fn list_accounts(&self, f: &AccountFilter, paging: Paging) -> Result<Page<Account>> {
        let mut clauses = Vec::new();
        let mut values: Vec<Value> = Vec::new();
        if let Some(q) = f.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
            values.push(format!("%{}%", q.to_lowercase()).into());
            let n = values.len();
            clauses.push(format!(
                "(LOWER(u.username) LIKE ${n} OR LOWER(COALESCE(u.nip, '')) LIKE ${n} OR LOWER(COALESCE(e.name, '')) LIKE ${n})"
            ));
        }
        if let Some(role) = f.role {
            values.push(role.as_str().into());
            clauses.push(format!("u.role = ${}", values.len()));
        }
        match f.status {
            Some(AccountStatus::Disabled) => clauses.push("u.active = FALSE".into()),
            Some(AccountStatus::Pending) => {
                clauses.push("u.active = TRUE AND u.password_hash = ''".into())
            }
            Some(AccountStatus::Active) => {
                clauses.push("u.active = TRUE AND u.password_hash <> ''".into())
            }
            None => {}
        }
        let filter = if clauses.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", clauses.join(" AND "))
        };
        let count_sql = format!(
            "SELECT COUNT(*) AS n FROM users u LEFT JOIN employees e ON e.nip = u.nip{filter}"
        );
        let total: i64 = self
            .db
            .query_one_raw(stmt(self.backend(), &count_sql, values.clone()))
            .await?
            .map(|r| r.try_get("", "n"))
            .transpose()?
            .unwrap_or(0);
        let sql = format!(
            "{ACCOUNT_SELECT}{filter} ORDER BY u.username LIMIT {} OFFSET {}",
            paging.limit, paging.offset
        );
        let rows = self
            .db
            .query_all_raw(stmt(self.backend(), &sql, values))
            .await?;
        let items = rows.iter().map(account_from).collect::<Result<Vec<_>>>()?;
        Ok(paging.page(items, total as u64))
    }

    /// One account.
    pub async fn account(&self, username: &str) -> Result<Account> {
        let sql = format!("{ACCOUNT_SELECT} WHERE u.username = $1");
        let row = self
            .db
            .query_one_raw(stmt(self.backend(), &sql, vec![username.into()]))
            .await?
            .ok_or_else(|| StoreError::not_found("account", username))?;
        account_from(&row)
    }

    /// Creates the missing accounts of the employees (still working) of `unit`'s subtree, or of
    /// everyone: username = NIP, no password until activated, the role from the tree. Several
    /// thousand rows a statement; provisioning again creates nothing.
    pub async fn provision_accounts(
        &self,
        actor: &Actor,
        unit: Option<&str>,
    ) -> Result<Provisioned> {
        if let Some(u) = unit {
            self.get_unit(u).await?;
        }
        let txn = self.begin_write().await?;
        let rows = tree_rows(&txn, unit).await?;
        let now = self.now();
        let mut out = Provisioned::default();
        let mut values: Vec<Value> = Vec::new();
        for (nip, heads, reports, aktif, account) in rows {
            match account {
                Some(_) => out.existing += 1,
                None if aktif => {
                    out.created += 1;
                    values.extend([
                        nip.clone().into(),
                        String::new().into(),
                        role_from_tree(heads, reports).as_str().into(),
                        nip.into(),
                        true.into(),
                        now.into(),
                        0i32.into(),
                        false.into(),
                    ]);
                }
                None => {}
            }
        }
        insert_rows(
            &txn,
            "INSERT INTO users (username, password_hash, role, nip, active, created_at, token_version, role_granted)",
            "ON CONFLICT DO NOTHING",
            8,
            values,
        )
        .await?;
        if out.created > 0 {
            audit::record(
                &txn,
                actor,
                "provision",
                "user",
                unit.unwrap_or("*"),
                serde_json::json!({"created": out.created, "existing": out.existing}),
                now,
            )
            .await?;
        }
        txn.commit().await?;
        Ok(out)
    }

    /// Brings accounts in line with the employee records: the role of every account whose role
    /// was not granted follows the tree, and the account of someone who left is disabled; both
    /// end the account's sessions. Creates nothing (see `provision_accounts`).
    pub async fn follow_tree(&self, actor: &Actor) -> Result<Followed> {
        let txn = self.begin_write().await?;
        let out = follow_tree_in(&txn, actor, self.now()).await?;
        txn.commit().await?;
        Ok(out)
    }

    /// Changes an account's role (granted: it no longer follows the tree when hr or admin)
    /// and/or whether it is enabled; both end its sessions. The last enabled admin can be
    /// neither disabled nor given another role.
    pub async fn update_account(
        &self,
        actor: &Actor,
        username: &str,
        role: Option<Role>,
        enabled: Option<bool>,
    ) -> Result<Account> {
        let txn = self.begin_write().await?;
        let before = load_user(&txn, username).await?;
        let stays_admin =
            role.unwrap_or(before.role) == Role::Admin && enabled.unwrap_or(before.active);
        if before.role == Role::Admin && before.active && !stays_admin {
            let row = txn
                .query_one_raw(stmt(
                    txn.get_database_backend(),
                    "SELECT COUNT(*) AS n FROM users WHERE role = 'admin' AND active = TRUE",
                    vec![],
                ))
                .await?;
            let admins: i64 = row.map(|r| r.try_get("", "n")).transpose()?.unwrap_or(0);
            if admins <= 1 {
                return Err(StoreError::Conflict(format!(
                    "{username} is the last enabled admin: make another admin first"
                )));
            }
        }
        let role = role.unwrap_or(before.role);
        let enabled = enabled.unwrap_or(before.active);
        let granted = if role == before.role {
            before.role_granted
        } else {
            before.nip.is_none() || is_granted_role(role)
        };
        if role != before.role || enabled != before.active || granted != before.role_granted {
            txn.execute_raw(stmt(
                txn.get_database_backend(),
                "UPDATE users SET role = $1, active = $2, role_granted = $3, token_version = token_version + 1 \
                 WHERE username = $4",
                vec![role.as_str().into(), enabled.into(), granted.into(), username.into()],
            ))
            .await?;
            audit::record(
                &txn,
                actor,
                "update",
                "user",
                username,
                serde_json::json!({
                    "before": {"role": before.role, "enabled": before.active},
                    "after": {"role": role, "enabled": enabled},
                }),
                self.now(),
            )
            .await?;
        }
        txn.commit().await?;
        self.account(username).await
    }

    /// Keeps a one-time link's hash for `username` (the token itself is never stored).
    pub async fn create_account_link(
        &self,
        actor: &Actor,
        username: &str,
        token_hash: &str,
        purpose: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<()> {
        let txn = self.begin_write().await?;
        load_user(&txn, username).await?;
        let now = self.now();
        txn.execute_raw(stmt(
            txn.get_database_backend(),
            "INSERT INTO account_links (username, token_hash, purpose, expires_at, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
            vec![
                username.into(),
                token_hash.into(),
                purpose.into(),
                expires_at.into(),
                actor.0.clone().into(),
                now.into(),
            ],
        ))
        .await?;
        audit::record(
            &txn,
            actor,
            "issue_link",
            "user",
            username,
            serde_json::json!({"purpose": purpose, "expires_at": expires_at}),
            now,
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// The login a still-usable link (by its hash) is for, or why it cannot be used.
    pub async fn link_user(
        &self,
        token_hash: &str,
    ) -> Result<std::result::Result<User, LinkProblem>> {
        let txn = self.begin_write().await?;
        let user = usable_link(&txn, token_hash, self.now()).await?;
        txn.commit().await?;
        Ok(user)
    }

    /// Sets the password of the link's login (`password_hash` computed by the caller, after
    /// `check` accepted the password for that login), uses the link up and every other open
    /// link of the login, and ends the login's sessions.
    pub async fn use_account_link(&self, token_hash: &str, password_hash: &str) -> Result<String> {
        let txn = self.begin_write().await?;
        let now = self.now();
        let user = usable_link(&txn, token_hash, now)
            .await?
            .map_err(|p| StoreError::Invalid(vec![FieldError::new("token", p.message())]))?;
        txn.execute_raw(stmt(
            txn.get_database_backend(),
            "UPDATE account_links SET used_at = $1 WHERE username = $2 AND used_at IS NULL",
            vec![now.into(), user.username.clone().into()],
        ))
        .await?;
        set_password_in(&txn, &user.username, password_hash).await?;
        audit::record(
            &txn,
            &Actor(user.username.clone()),
            "activate",
            "user",
            &user.username,
            serde_json::json!({}),
            now,
        )
        .await?;
        txn.commit().await?;
        Ok(user.username)
    }

    /// Replaces a login's password and ends its sessions.
    pub async fn set_password(
        &self,
        actor: &Actor,
        username: &str,
        password_hash: &str,
    ) -> Result<()> {
        let txn = self.begin_write().await?;
        load_user(&txn, username).await?;
        set_password_in(&txn, username, password_hash).await?;
        audit::record(
            &txn,
            actor,
            "change_password",
            "user",
            username,
            serde_json::json!({}),
            self.now(),
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Refuses the token `jti` from now on (kept until it would have expired anyway).
    pub async fn revoke_token(&self, jti: &str, expires_at: DateTime<Utc>) -> Result<()> {
        let backend = self.backend();
        self.db
            .execute_raw(stmt(
                backend,
                "DELETE FROM revoked_tokens WHERE expires_at < $1",
                vec![self.now().into()],
            ))
            .await?;
        self.db
            .execute_raw(stmt(
                backend,
                "INSERT INTO revoked_tokens (jti, expires_at) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                vec![jti.into(), expires_at.into()],
            ))
            .await?;
        Ok(())
    }

    /// Notes a successful sign-in.
    pub async fn record_sign_in(&self, username: &str) -> Result<()> {
        self.db
            .execute_raw(stmt(
                self.backend(),
                "UPDATE users SET last_login_at = $1 WHERE username = $2",
                vec![self.now().into(), username.into()],
            ))
            .await?;
        Ok(())
    }
}

async fn load_user(txn: &DatabaseTransaction, username: &str) -> Result<User> {
    use crate::entity::user;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let m = user::Entity::find()
        .filter(user::Column::Username.eq(username))
        .one(txn)
        .await?
        .ok_or_else(|| StoreError::not_found("account", username))?;
    crate::users::user_from(m)
}

async fn set_password_in(txn: &DatabaseTransaction, username: &str, hash: &str) -> Result<()> {
    txn.execute_raw(stmt(
        txn.get_database_backend(),
        "UPDATE users SET password_hash = $1, token_version = token_version + 1 WHERE username = $2",
        vec![hash.into(), username.into()],
    ))
    .await?;
    Ok(())
}

/// The login of the link with `token_hash` if the link can be used now, else why not.
async fn usable_link(
    txn: &DatabaseTransaction,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<std::result::Result<User, LinkProblem>> {
    let Some(row) = txn
        .query_one_raw(stmt(
            txn.get_database_backend(),
            "SELECT username, expires_at, used_at FROM account_links WHERE token_hash = $1",
            vec![token_hash.into()],
        ))
        .await?
    else {
        return Ok(Err(LinkProblem::Unknown));
    };
    let used: Option<DateTime<Utc>> = row.try_get("", "used_at")?;
    let expires: DateTime<Utc> = row.try_get("", "expires_at")?;
    let username: String = row.try_get("", "username")?;
    let user = load_user(txn, &username).await?;
    Ok(if used.is_some() {
        Err(LinkProblem::Used)
    } else if expires <= now {
        Err(LinkProblem::Expired)
    } else if !user.active {
        Err(LinkProblem::Disabled)
    } else {
        Ok(user)
    })
}

/// `UPDATE users SET <set> WHERE nip IN (…)` for `nips`, 500 a statement; `set` uses the first
/// `leading.len()` parameters.
async fn update_by_nip(
    txn: &DatabaseTransaction,
    set: &str,
    leading: Vec<Value>,
    nips: &[&String],
) -> Result<()> {
    for chunk in nips.chunks(500) {
        let first = leading.len() + 1;
        let list = (first..first + chunk.len())
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let mut values = leading.clone();
        values.extend(chunk.iter().map(|n| (*n).clone().into()));
        txn.execute_raw(stmt(
            txn.get_database_backend(),
            &format!("UPDATE users SET {set} WHERE nip IN ({list})"),
            values,
        ))
        .await?;
    }
    Ok(())
}

pub(crate) async fn follow_tree_in(
    txn: &DatabaseTransaction,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<Followed> {
    let mut out = Followed::default();
    let mut changes: Vec<(String, Role)> = Vec::new();
    let mut leavers: Vec<String> = Vec::new();
    for (nip, heads, reports, aktif, account) in tree_rows(txn, None).await? {
        let Some((role, granted, active)) = account else {
            continue;
        };
        if !aktif && active {
            leavers.push(nip.clone());
        }
        let tree_role = role_from_tree(heads, reports);
        if !granted && role != tree_role.as_str() {
            changes.push((nip, tree_role));
        }
    }
    // One statement per new role and per 500 accounts, not one per account.
    for role in [Role::Leader, Role::Supervisor, Role::Staff] {
        let nips: Vec<&String> = changes
            .iter()
            .filter(|(_, r)| *r == role)
            .map(|(n, _)| n)
            .collect();
        update_by_nip(
            txn,
            "role = $1, token_version = token_version + 1",
            vec![role.as_str().into()],
            &nips,
        )
        .await?;
    }
    let leavers_ref: Vec<&String> = leavers.iter().collect();
    update_by_nip(
        txn,
        "active = FALSE, token_version = token_version + 1",
        vec![],
        &leavers_ref,
    )
    .await?;
    out.roles_changed = changes.len() as u64;
    out.disabled = leavers.len() as u64;
    if out.roles_changed + out.disabled > 0 {
        audit::record(
            txn,
            actor,
            "follow_tree",
            "user",
            "*",
            serde_json::json!({"roles_changed": changes, "disabled": leavers}),
            now,
        )
        .await?;
    }
    Ok(out)
}
