//! Accounts for a whole organisation: the list, creating and changing accounts, provisioning
//! accounts for the employees, one-time activation/reset links, setting and changing passwords.
//! Who may do what is `core::access` (`ManageUsers`, `ListAccounts`, `ManageAccount`); the
//! password rules are `core::accounts`.

use crate::context::Context;
use crate::error::{AppError, AppResult};
use crate::passwords::{check_new, hash_password, is_common, verify_password};
use chrono::{DateTime, Duration, Utc};
use jenjang_core::access::Action;
use jenjang_core::accounts::{
    AccountStatus, LINK_HOURS, LinkProblem, WeakPassword, check_new_password,
};
use jenjang_core::kinds::Role;
use jenjang_core::notify::Email;
use jenjang_core::{FieldError, Nip};
use jenjang_store::accounts::{Account, AccountFilter, Provisioned};
use jenjang_store::{Actor, NewUser, Page, Paging, Store};
use serde::Serialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

/// Accounts matching the filter, by username (hr, admin).
pub async fn list(
    cx: &Context<'_>,
    filter: AccountFilter,
    paging: Paging,
) -> AppResult<Page<Account>> {
    cx.require(Action::ListAccounts)?;
    Ok(cx.store.list_accounts(&filter, paging).await?)
}

/// Creates an account (admin), with its own e-mail address if given. An employee's username is
/// their NIP; the account is pending until a password is set through an activation link.
pub async fn create(
    cx: &Context<'_>,
    username: String,
    role: Role,
    nip: Option<Nip>,
    email: Option<Email>,
) -> AppResult<Account> {
    cx.require(Action::ManageUsers)?;
    if let Some(n) = &nip
        && n.as_str() != username
    {
        return Err(AppError::invalid(
            "username",
            format!("an employee's username is their NIP ({n})"),
        ));
    }
    cx.store
        .create_user(
            &cx.actor(),
            NewUser {
                username: username.clone(),
                password_hash: String::new(),
                role,
                nip,
            },
        )
        .await?;
    if let Some(email) = email {
        cx.store
            .set_preferences(&cx.actor(), &username, None, None, Some(Some(email)))
            .await?;
    }
    Ok(cx.store.account(&username).await?)
}

/// What an account update changes; `None` leaves a part as it is.
#[derive(Debug, Clone, Default)]
pub struct AccountChange {
    pub role: Option<Role>,
    pub status: Option<AccountStatus>,
    /// The account's own address; `Some(None)` clears it (the employee's address is used).
    pub email: Option<Option<Email>>,
}

/// Changes an account's role (admin only), status (`active` or `disabled`: admin, or hr for
/// accounts of staff, supervisors and leaders; either ends the account's sessions) and/or its
/// own e-mail address (as its status).
pub async fn update(cx: &Context<'_>, username: &str, change: AccountChange) -> AppResult<Account> {
    let AccountChange {
        role,
        status,
        email,
    } = change;
    let current = cx.store.account(username).await?;
    if role.is_some_and(|r| r != current.role) {
        cx.require(Action::ManageUsers)?;
    }
    cx.require(Action::ManageAccount {
        target: current.role,
    })?;
    let enabled = match status {
        None => None,
        Some(AccountStatus::Disabled) => Some(false),
        Some(AccountStatus::Active) => Some(true),
        Some(AccountStatus::Pending) => {
            return Err(AppError::invalid(
                "status",
                "an account becomes pending only by being created; set active or disabled",
            ));
        }
    };
    // The role and status first: they may be refused (the last admin), the address cannot be.
    let account = cx
        .store
        .update_account(&cx.actor(), username, role, enabled)
        .await?;
    match email {
        Some(email) => {
            cx.store
                .set_preferences(&cx.actor(), username, None, None, Some(email))
                .await?;
            Ok(cx.store.account(username).await?)
        }
        None => Ok(account),
    }
}

/// Creates the missing accounts for the employees of `unit`'s subtree, or everyone (admin).
pub async fn provision(cx: &Context<'_>, unit: Option<&str>) -> AppResult<Provisioned> {
    cx.require(Action::ManageUsers)?;
    Ok(cx.store.provision_accounts(&cx.actor(), unit).await?)
}

/// A one-time link to set a password.
#[derive(Debug, Serialize, ToSchema)]
pub struct Link {
    pub username: String,
    /// The page that sets the password; give it only to the account's owner.
    pub url: String,
    pub expires_at: DateTime<Utc>,
    /// Where the link was mailed (when mail is on and the account or its employee has an
    /// address); otherwise give the link to its owner yourself.
    pub emailed_to: Option<String>,
}

fn hash_token(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn new_token() -> String {
    use rand::RngExt;
    let bytes: [u8; 32] = rand::rng().random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Issues a one-time activation (first password) or reset link for `username` (or the
/// account of an employee's NIP): admin, or hr for accounts of staff, supervisors and leaders.
/// The link is usable once, for 72 hours; only its hash is kept.
pub async fn issue_link(cx: &Context<'_>, who: &str, public_url: &str) -> AppResult<Link> {
    let account = cx.store.account(who).await?;
    cx.require(Action::ManageAccount {
        target: account.role,
    })?;
    issue_link_as(cx.store, &cx.actor(), &account, public_url).await
}

/// Issues a link on the server's command line (`jenjang user link`), where whoever runs it
/// administers the installation.
pub async fn issue_link_on_server(store: &Store, who: &str, public_url: &str) -> AppResult<Link> {
    let account = store.account(who).await?;
    issue_link_as(store, &Actor::system("cli"), &account, public_url).await
}

async fn issue_link_as(
    store: &Store,
    actor: &Actor,
    account: &Account,
    public_url: &str,
) -> AppResult<Link> {
    if account.status == AccountStatus::Disabled {
        return Err(AppError::Conflict(format!(
            "the account {} is disabled: enable it first",
            account.username
        )));
    }
    let token = new_token();
    let expires_at = store.now() + Duration::hours(LINK_HOURS);
    let purpose = if account.status == AccountStatus::Pending {
        "activation"
    } else {
        "reset"
    };
    store
        .create_account_link(
            actor,
            &account.username,
            &hash_token(&token),
            purpose,
            expires_at,
        )
        .await?;
    let url = format!(
        "{}/aktivasi?token={token}",
        public_url.trim_end_matches('/')
    );
    let emailed_to = crate::mail::queue_account_link(
        store,
        &account.username,
        &url,
        purpose == "activation",
        expires_at,
    )
    .await?;
    Ok(Link {
        username: account.username.clone(),
        url,
        expires_at,
        emailed_to,
    })
}

/// The account a link is for, if it can still be used, else why not (for the activation
/// page, which explains it in the reader's language).
pub async fn link_account(store: &Store, token: &str) -> AppResult<Result<Account, LinkProblem>> {
    Ok(match store.link_user(&hash_token(token)).await? {
        Ok(user) => Ok(store.account(&user.username).await?),
        Err(problem) => Err(problem),
    })
}

/// Whether `password` may become the password of `account` (the activation page asks before
/// submitting, to name the rule in the reader's language).
pub fn password_problem(account: &Account, password: &str) -> Option<WeakPassword> {
    let words = personal_words(account);
    let personal: Vec<&str> = words.iter().map(String::as_str).collect();
    check_new_password(password, &personal, is_common).err()
}

/// What a password of `account` may not contain: its username, NIP and the employee's name.
fn personal_words(account: &Account) -> Vec<String> {
    let mut words = vec![account.username.clone()];
    words.extend(account.nip.clone());
    words.extend(account.name.clone());
    words
}

/// Sets the password through a one-time link: the link must be known, unused and not expired,
/// the password acceptable; the link is used up and earlier sessions end. Answers the username.
pub async fn activate(store: &Store, token: &str, password: &str) -> AppResult<String> {
    let account = link_account(store, token)
        .await?
        .map_err(|p| AppError::invalid("token", p.message()))?;
    let words = personal_words(&account);
    let personal: Vec<&str> = words.iter().map(String::as_str).collect();
    check_new("password", password, &personal).map_err(|e| AppError::Invalid(vec![e]))?;
    let hash = hash_password(password.to_string())
        .await
        .map_err(AppError::Internal)?;
    Ok(store.use_account_link(&hash_token(token), &hash).await?)
}

/// Changes the caller's own password, given the current one; earlier sessions end.
pub async fn change_password(cx: &Context<'_>, current: &str, new: &str) -> AppResult<()> {
    let user = cx
        .store
        .find_user(&cx.caller.username)
        .await?
        .ok_or_else(|| AppError::NotFound("the account was not found".into()))?;
    let mut problems = Vec::new();
    let matches = !user.password_hash.is_empty()
        && verify_password(current.to_string(), user.password_hash.clone())
            .await
            .map_err(AppError::Internal)?;
    if !matches {
        problems.push(FieldError::new(
            "current",
            "the current password is not right",
        ));
    }
    let account = cx.store.account(&user.username).await?;
    let words = personal_words(&account);
    let personal: Vec<&str> = words.iter().map(String::as_str).collect();
    if let Err(e) = check_new("new", new, &personal) {
        problems.push(e);
    }
    if current == new && matches {
        problems.push(FieldError::new(
            "new",
            "the new password is the current one",
        ));
    }
    if !problems.is_empty() {
        return Err(AppError::Invalid(problems));
    }
    let hash = hash_password(new.to_string())
        .await
        .map_err(AppError::Internal)?;
    Ok(cx
        .store
        .set_password(&cx.actor(), &user.username, &hash)
        .await?)
}

/// Brings accounts in line with the employee records after a change to employees or units:
/// every employee still working has an account (pending until activated), roles follow the
/// tree (unless granted), leavers' accounts are disabled.
pub async fn sync(store: &Store, actor: &Actor) -> AppResult<()> {
    store.provision_accounts(actor, None).await?;
    store.follow_tree(actor).await?;
    Ok(())
}
