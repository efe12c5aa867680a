//! Logins: username, argon2 password hash (computed by the caller), role and optional NIP.

use crate::db::Store;
use crate::entity::user;
use crate::error::{Result, StoreError, stored};
use crate::reference::require_existing;
use crate::{Actor, audit};
use chrono::{DateTime, Utc};
use jenjang_core::accounts::{AccountStatus, is_granted_role};
use jenjang_core::kinds::Role;
use jenjang_core::{FieldError, Nip};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

#[derive(Debug, Clone)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub password_hash: String,
    pub role: Role,
    pub nip: Option<Nip>,
    /// Not switched off (by an admin, or because the employee left).
    pub active: bool,
    /// Raised to end every session of the login (a token carries the version it was issued at).
    pub token_version: i32,
    pub last_login_at: Option<DateTime<Utc>>,
    /// An admin gave the role; otherwise it follows the unit tree.
    pub role_granted: bool,
    /// The employee's name, for logins of employees (read with the login where it is shown).
    pub name: Option<String>,
    /// The pages' language the person chose (`id`, `en`).
    pub language: Option<String>,
    /// Raised to give the calendar feed a new secret address.
    pub calendar_version: i32,
}

impl User {
    pub fn status(&self) -> AccountStatus {
        AccountStatus::of(self.active, !self.password_hash.is_empty())
    }
}

/// A login to create.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub password_hash: String,
    pub role: Role,
    pub nip: Option<Nip>,
}

pub(crate) fn user_from(m: user::Model) -> Result<User> {
    Ok(User {
        id: m.id,
        role: stored("users", &m.username, &m.role)?,
        username: m.username,
        password_hash: m.password_hash,
        nip: m.nip.map(Nip::from_stored),
        active: m.active,
        token_version: m.token_version,
        last_login_at: m.last_login_at,
        role_granted: m.role_granted,
        name: None,
        language: m.language,
        calendar_version: m.calendar_version,
    })
}

impl Store {
    pub async fn find_user(&self, username: &str) -> Result<Option<User>> {
        user::Entity::find()
            .filter(user::Column::Username.eq(username))
            .one(&self.db)
            .await?
            .map(user_from)
            .transpose()
    }

    /// The login of the employee `nip`, if they have one.
    pub async fn find_user_by_nip(&self, nip: &str) -> Result<Option<User>> {
        user::Entity::find()
            .filter(user::Column::Nip.eq(nip))
            .one(&self.db)
            .await?
            .map(user_from)
            .transpose()
    }

    /// The login of `username` (if any), the data version (`data_version`) and whether the
    /// token `jti` was signed out, in one round trip.
    pub async fn find_user_with_version(
        &self,
        username: &str,
        jti: &str,
    ) -> Result<(Option<User>, i64, bool)> {
        let sql = "SELECT v.version, (SELECT COUNT(*) FROM revoked_tokens WHERE jti = $2) AS revoked, \
                   u.id, u.username, u.password_hash, u.role, u.nip, u.active, u.created_at, \
                   u.token_version, u.last_login_at, u.role_granted, u.email, u.email_digest, u.language, \
                   u.calendar_version, e.name AS employee_name \
                   FROM (SELECT COALESCE(MAX(id), 0) AS version FROM audit_log) v \
                   LEFT JOIN users u ON u.username = $1 LEFT JOIN employees e ON e.nip = u.nip";
        let row = self
            .db
            .query_one_raw(crate::db::stmt(
                self.backend(),
                sql,
                vec![username.into(), jti.into()],
            ))
            .await?
            .ok_or_else(|| StoreError::Conflict("no version row".into()))?;
        let version: i64 = row.try_get("", "version")?;
        let revoked: i64 = row.try_get("", "revoked")?;
        let id: Option<i64> = row.try_get("", "id")?;
        let user = match id {
            None => None,
            Some(id) => Some(User {
                name: row.try_get("", "employee_name")?,
                ..user_from(user::Model {
                    id,
                    username: row.try_get("", "username")?,
                    password_hash: row.try_get("", "password_hash")?,
                    role: row.try_get("", "role")?,
                    nip: row.try_get("", "nip")?,
                    active: row.try_get("", "active")?,
                    created_at: row.try_get("", "created_at")?,
                    token_version: row.try_get("", "token_version")?,
                    last_login_at: row.try_get("", "last_login_at")?,
                    role_granted: row.try_get("", "role_granted")?,
                    email: row.try_get("", "email")?,
                    email_digest: row.try_get("", "email_digest")?,
                    language: row.try_get("", "language")?,
                    calendar_version: row.try_get("", "calendar_version")?,
                })?
            }),
        };
        Ok((user, version, revoked > 0))
    }

    /// Creates a login; a taken username or NIP is a conflict.
    pub async fn create_user(&self, actor: &Actor, new: NewUser) -> Result<User> {
        let txn = self.begin_write().await?;
        if user::Entity::find()
            .filter(user::Column::Username.eq(new.username.as_str()))
            .one(&txn)
            .await?
            .is_some()
        {
            return Err(StoreError::Conflict(format!(
                "the username {} is taken",
                new.username
            )));
        }
        if let Some(nip) = &new.nip {
            let mut problems: Vec<FieldError> = Vec::new();
            require_existing(
                &txn,
                &mut problems,
                "employees",
                "nip",
                "employee",
                [("nip".to_string(), nip.as_str())],
            )
            .await?;
            if !problems.is_empty() {
                return Err(StoreError::Invalid(problems));
            }
            if user::Entity::find()
                .filter(user::Column::Nip.eq(nip.as_str()))
                .one(&txn)
                .await?
                .is_some()
            {
                return Err(StoreError::Conflict(format!(
                    "employee {nip} already has a login"
                )));
            }
        }
        let m = user::Entity::insert(user::ActiveModel {
            username: Set(new.username.clone()),
            password_hash: Set(new.password_hash),
            role: Set(new.role.as_str().to_string()),
            nip: Set(new.nip.as_ref().map(|n| n.to_string())),
            active: Set(true),
            created_at: Set(self.now()),
            token_version: Set(0),
            role_granted: Set(new.nip.is_none() || is_granted_role(new.role)),
            ..Default::default()
        })
        .exec_with_returning(&txn)
        .await?;
        audit::record(
            &txn,
            actor,
            "create",
            "user",
            &new.username,
            serde_json::json!({"role": new.role, "nip": new.nip}),
            self.now(),
        )
        .await?;
        txn.commit().await?;
        user_from(m)
    }

    /// Creates the logins that do not exist yet (by username); returns how many were created.
    pub async fn ensure_users(&self, actor: &Actor, users: Vec<NewUser>) -> Result<u64> {
        let txn = self.begin_write().await?;
        let mut created = 0;
        for chunk in users.chunks(200) {
            let n = user::Entity::insert_many(chunk.iter().map(|u| user::ActiveModel {
                username: Set(u.username.clone()),
                password_hash: Set(u.password_hash.clone()),
                role: Set(u.role.as_str().to_string()),
                nip: Set(u.nip.as_ref().map(|n| n.to_string())),
                active: Set(true),
                created_at: Set(self.now()),
                token_version: Set(0),
                role_granted: Set(u.nip.is_none() || is_granted_role(u.role)),
                ..Default::default()
            }))
            .on_conflict(
                OnConflict::column(user::Column::Username)
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(&txn)
            .await?;
            created += n;
        }
        if created > 0 {
            audit::record(
                &txn,
                actor,
                "create",
                "user",
                "*",
                serde_json::json!({"created": created}),
                self.now(),
            )
            .await?;
        }
        txn.commit().await?;
        Ok(created)
    }
}
