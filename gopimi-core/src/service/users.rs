//! User accounts: registration, sign-in, profile, password, account deletion.
//!
//! Passwords are hashed with Argon2id (the `argon2` crate's default parameters) on a blocking
//! thread, so hashing never stalls the async runtime. Sign-in with an unknown address still
//! verifies against a fixed hash, so response time does not reveal which addresses exist.
//!
//! Deleting an account (decision): workspaces where the user is the only member are deleted with
//! all their data; in workspaces with other owners the membership is removed (and, if the user
//! created the workspace, the oldest remaining owner becomes its owner of record). If the user is
//! the last owner of a workspace that has other members, deletion is refused with a validation
//! error naming that workspace: ownership must be handed over (or the workspace deleted) first,
//! so nobody's shared data disappears as a side effect. Tickets, messages and notes the user
//! wrote stay in their workspaces: they belong to the workspace, not to the author.

use super::Helpdesk;
use super::input;
use super::retry::{on_unique, with_retry};
use super::tokens::IssuedToken;
use crate::error::{Error, Result};
use crate::ids::{TokenId, UserId};
use crate::model::{Membership, Role, User, Workspace};
use crate::store::{Filter, Kind, Op, Query, StoreExt, Writes};
use serde::Deserialize;
use std::sync::OnceLock;

/// Shortest accepted password.
pub const PASSWORD_MIN: usize = 8;
/// Longest accepted password (bounds hashing work).
pub const PASSWORD_MAX: usize = 256;

/// What a new user gives.
#[derive(Debug, Clone, Deserialize)]
pub struct Registration {
    pub name: String,
    pub email: String,
    pub password: String,
}

impl Registration {
    /// A registration.
    pub fn new(
        name: impl Into<String>,
        email: impl Into<String>,
        password: impl Into<String>,
    ) -> Self {
        Registration {
            name: name.into(),
            email: email.into(),
            password: password.into(),
        }
    }
}

/// Changes to a user's profile; absent fields stay.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ProfilePatch {
    pub name: Option<String>,
    pub email: Option<String>,
}

fn check_password(field: &str, password: &str) -> Result<()> {
    let n = password.chars().count();
    if n < PASSWORD_MIN {
        return Err(Error::validation(
            field,
            format!("must be at least {PASSWORD_MIN} characters"),
        ));
    }
    if n > PASSWORD_MAX {
        return Err(Error::validation(
            field,
            format!("must be at most {PASSWORD_MAX} characters"),
        ));
    }
    Ok(())
}

/// Hashes a password with Argon2id (PHC string).
pub async fn hash_password(password: &str) -> Result<String> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        use argon2::PasswordHasher;
        use rand::RngCore;
        let mut salt = [0u8; 16];
        rand::rng().fill_bytes(&mut salt);
        let salt = argon2::password_hash::SaltString::encode_b64(&salt)
            .map_err(|e| Error::internal_msg(format!("password salt: {e}")))?;
        argon2::Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| Error::internal_msg(format!("password hash: {e}")))
    })
    .await
    .map_err(|e| Error::internal("password hashing task", e))?
}

/// Checks a password against a PHC string; a malformed stored hash never matches.
pub async fn verify_password_hash(password: &str, phc: &str) -> Result<bool> {
    let password = password.to_owned();
    let phc = phc.to_owned();
    tokio::task::spawn_blocking(move || {
        use argon2::PasswordVerifier;
        let Ok(parsed) = argon2::PasswordHash::new(&phc) else {
            return false;
        };
        argon2::Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
    .await
    .map_err(|e| Error::internal("password verification task", e))
}

/// A hash no password matches, verified against for unknown addresses.
async fn decoy_hash() -> Result<&'static str> {
    static DECOY: OnceLock<String> = OnceLock::new();
    if let Some(h) = DECOY.get() {
        return Ok(h);
    }
    let h = hash_password(&super::tokens::hash_token(
        &uuid::Uuid::new_v4().to_string(),
    ))
    .await?;
    Ok(DECOY.get_or_init(|| h))
}

impl Helpdesk {
    /// Registers a user and signs them in: the user and a session token (shown once).
    pub async fn register(&self, reg: Registration) -> Result<(User, IssuedToken)> {
        let name = input::name("name", &reg.name, input::NAME_MAX)?;
        let email = input::email("email", &reg.email)?;
        check_password("password", &reg.password)?;
        let hash = hash_password(&reg.password).await?;
        let now = self.now();
        let mut user = User {
            id: UserId::new(),
            name,
            email,
            password_hash: Some(hash),
            created_at: now,
            updated_at: now,
            version: 0,
        };
        let (mut token, secret) = self.new_token(
            user.id,
            "session".into(),
            crate::model::TokenKind::Session,
            None,
        );
        let mut w = Writes::new();
        w.insert(&mut user)?;
        w.insert(&mut token)?;
        w.apply(self.db())
            .await
            .map_err(|e| on_unique(e, "user_email", "email", "is already registered"))?;
        Ok((user, IssuedToken { token, secret }))
    }

    /// Signs a user in with email and password: the user and a new session token.
    /// `Unauthenticated` for an unknown address or a wrong password (the same answer for both).
    pub async fn login(&self, email: &str, password: &str) -> Result<(User, IssuedToken)> {
        let bad = || Error::Unauthenticated {
            reason: "wrong email or password".into(),
        };
        let user = self.user_by_email(email).await?;
        let ok = match user.as_ref().and_then(|u| u.password_hash.as_deref()) {
            Some(phc) => verify_password_hash(password, phc).await?,
            None => {
                verify_password_hash(password, decoy_hash().await?).await?;
                false
            }
        };
        match (ok, user) {
            (true, Some(user)) => {
                let token = self.issue_session(user.id).await?;
                Ok((user, token))
            }
            _ => Err(bad()),
        }
    }

    /// A user by address (case-insensitive), if registered.
    pub async fn user_by_email(&self, email: &str) -> Result<Option<User>> {
        let key = crate::search::exact_key(&input::email_key(email));
        self.db()
            .find_one(&Query::new(Kind::User, None).filter(Filter::Eq("email", key.into())))
            .await
    }

    /// A user by id.
    pub async fn user(&self, id: UserId) -> Result<User> {
        self.db().require(None, id.0).await
    }

    /// Whether `password` is the user's password.
    pub async fn verify_password(&self, id: UserId, password: &str) -> Result<bool> {
        let user = self.user(id).await?;
        match user.password_hash.as_deref() {
            Some(phc) => verify_password_hash(password, phc).await,
            None => Ok(false),
        }
    }

    /// Updates name and email.
    pub async fn update_profile(&self, id: UserId, patch: ProfilePatch) -> Result<User> {
        let name = patch
            .name
            .as_deref()
            .map(|n| input::name("name", n, input::NAME_MAX))
            .transpose()?;
        let email = patch
            .email
            .as_deref()
            .map(|e| input::email("email", e))
            .transpose()?;
        with_retry(|| async {
            let mut user = self.user(id).await?;
            let mut changed = false;
            if let Some(n) = &name
                && *n != user.name
            {
                user.name = n.clone();
                changed = true;
            }
            if let Some(e) = &email
                && *e != user.email
            {
                user.email = e.clone();
                changed = true;
            }
            if !changed {
                return Ok(user);
            }
            user.updated_at = self.now();
            let mut w = Writes::new();
            w.update(&mut user)?;
            w.apply(self.db())
                .await
                .map_err(|e| on_unique(e, "user_email", "email", "is already registered"))?;
            Ok(user)
        })
        .await
    }

    /// Changes the password after checking the current one; every other token of the user is
    /// revoked (all sessions but `keep`, the one making the change, and all personal tokens).
    pub async fn change_password(
        &self,
        id: UserId,
        current: &str,
        new: &str,
        keep: Option<TokenId>,
    ) -> Result<()> {
        check_password("password", new)?;
        if !self.verify_password(id, current).await? {
            return Err(Error::validation("current_password", "is not correct"));
        }
        let hash = hash_password(new).await?;
        with_retry(|| async {
            let mut user = self.user(id).await?;
            user.password_hash = Some(hash.clone());
            user.updated_at = self.now();
            let mut w = Writes::new();
            w.update(&mut user)?;
            w.apply(self.db()).await
        })
        .await?;
        self.revoke_all_tokens(id, keep).await
    }

    /// The user's memberships in every workspace.
    pub(crate) async fn memberships_of_user(&self, id: UserId) -> Result<Vec<Membership>> {
        super::listing::fetch_all(
            self.db(),
            Query::new(Kind::Membership, None).filter(Filter::Eq("user_id", id.0.into())),
        )
        .await
    }

    /// Deletes the account; see the module docs for what happens to the user's workspaces.
    pub async fn delete_account(&self, id: UserId) -> Result<()> {
        let user = self.user(id).await?;
        let memberships = self.memberships_of_user(id).await?;
        // Decide everything before changing anything.
        let mut purge: Vec<Workspace> = Vec::new();
        let mut leave: Vec<(Membership, Workspace, Option<Membership>)> = Vec::new();
        for m in memberships {
            let ws: Workspace = self.db().require(None, m.workspace_id.0).await?;
            let members = self.all_memberships(ws.id).await?;
            let other_owners: Vec<&Membership> = members
                .iter()
                .filter(|o| o.user_id != id && o.role == Role::Owner)
                .collect();
            if members.len() == 1 {
                purge.push(ws);
            } else if m.role == Role::Owner && other_owners.is_empty() {
                return Err(Error::validation(
                    "account",
                    format!(
                        "you are the last owner of workspace '{}', which has other members: make \
                         one of them an owner or delete the workspace first",
                        ws.name
                    ),
                ));
            } else {
                let heir = other_owners
                    .iter()
                    .min_by_key(|o| (o.created_at, o.id))
                    .map(|o| (*o).clone());
                leave.push((m, ws, heir));
            }
        }
        for ws in purge {
            self.purge_workspace(ws).await?;
        }
        for (m, ws, heir) in leave {
            let mut w = Writes::new();
            w.delete(&m);
            self.delete_preferences_of(&mut w, ws.id, id).await?;
            if ws.owner_id == id
                && let Some(heir) = heir
            {
                with_retry(|| async {
                    let mut ws: Workspace = self.db().require(None, ws.id.0).await?;
                    ws.owner_id = heir.user_id;
                    ws.updated_at = self.now();
                    let mut w = Writes::new();
                    w.update(&mut ws)?;
                    w.apply(self.db()).await
                })
                .await?;
            }
            w.apply(self.db()).await?;
        }
        self.revoke_all_tokens(id, None).await?;
        let mut w = Writes::new();
        w.op(Op::Delete {
            kind: Kind::User,
            workspace_id: None,
            id: user.id.0,
            expected_version: None,
        });
        w.apply(self.db()).await
    }
}
