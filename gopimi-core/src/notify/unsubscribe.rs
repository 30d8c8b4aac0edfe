//! One-click unsubscribe (RFC 8058): signed tokens that turn one member's one notification
//! event off in one workspace.
//!
//! A token is `base64url(payload ‖ HMAC-SHA256(secret, "gopimi-unsubscribe\0" ‖ payload))`,
//! where the payload names the workspace, the member, the event, a random 128-bit nonce and
//! an expiry (a year after the email). Changing any byte breaks the signature, so a token
//! cannot be forged or pointed at another member or event; it only ever changes the
//! preference it names, of the member it names, and only while they are a member.
//!
//! One-time use: the first use records the nonce as a [`Nonce`] row (unique key
//! `unsubscribe:<nonce>`) in the same atomic write that turns the preference off. Decision on a
//! second use: it is an idempotent success ([`Unsubscribed::AlreadyUsed`]) that changes
//! nothing. RFC 8058 clients may POST twice (and people click twice); answering an error would
//! tell a member who did unsubscribe that it failed. What "once" protects is the preference: a
//! member who turns the event back on is not unsubscribed again by a replayed old link.
//!
//! The HTTP layer should act on `POST` only and answer `GET` with a confirmation page
//! ([`UnsubscribeSigner::verify`] to show what the link is for, changing nothing): mail
//! scanners fetch links in emails, and a `GET` that unsubscribed would unsubscribe people who
//! never asked.

use crate::clock::Clock;
use crate::error::{Error, Result};
use crate::ids::{UserId, WorkspaceId};
use crate::model::{Membership, Nonce, NotificationEvent, NotificationPreference};
use crate::store::{Filter, Kind, Query, Store, StoreExt, Value, Writes};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use uuid::Uuid;

const VERSION: u8 = 1;
const DOMAIN: &[u8] = b"gopimi-unsubscribe\0";
/// version, workspace, user, event, nonce, expiry (seconds, big-endian).
const PAYLOAD_LEN: usize = 1 + 16 + 16 + 1 + 16 + 8;
const MAC_LEN: usize = 32;
/// Longest token text accepted (the exact length is 120; anything longer is refused unread).
const MAX_TOKEN_CHARS: usize = 256;
/// Fewest secret bytes accepted.
pub const MIN_SECRET_BYTES: usize = 16;
/// How many times a conflicting write is retried.
const MAX_ATTEMPTS: usize = 5;

/// What a valid token says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnsubscribeClaim {
    pub workspace_id: WorkspaceId,
    pub user_id: UserId,
    pub event: NotificationEvent,
    /// The token's one-time value.
    pub nonce: [u8; 16],
    pub expires_at: DateTime<Utc>,
}

impl UnsubscribeClaim {
    /// The key its use is recorded under.
    pub fn nonce_key(&self) -> String {
        format!("unsubscribe:{}", hex::encode(self.nonce))
    }
}

/// What using a token did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unsubscribed {
    /// The preference was turned off now.
    Done(UnsubscribeClaim),
    /// The token had been used before; nothing changed.
    AlreadyUsed(UnsubscribeClaim),
}

impl Unsubscribed {
    /// The token's claim.
    pub fn claim(&self) -> &UnsubscribeClaim {
        match self {
            Unsubscribed::Done(c) | Unsubscribed::AlreadyUsed(c) => c,
        }
    }
}

/// Issues and verifies unsubscribe tokens under a server secret.
#[derive(Clone)]
pub struct UnsubscribeSigner {
    secret: Vec<u8>,
    lifetime: Duration,
}

impl std::fmt::Debug for UnsubscribeSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UnsubscribeSigner")
            .field("lifetime", &self.lifetime)
            .finish_non_exhaustive()
    }
}

fn event_code(e: NotificationEvent) -> u8 {
    NotificationEvent::ALL
        .iter()
        .position(|x| *x == e)
        .map(|i| i as u8)
        .unwrap_or(u8::MAX)
}

fn refused() -> Error {
    Error::Unauthenticated {
        reason: "this unsubscribe link is not valid".into(),
    }
}

impl UnsubscribeSigner {
    /// A signer under `secret` (at least [`MIN_SECRET_BYTES`] bytes); tokens last a year.
    pub fn new(secret: &[u8]) -> Result<Self> {
        if secret.len() < MIN_SECRET_BYTES {
            return Err(Error::validation(
                "secret",
                format!("the unsubscribe secret needs at least {MIN_SECRET_BYTES} bytes"),
            ));
        }
        Ok(UnsubscribeSigner {
            secret: secret.to_vec(),
            lifetime: Duration::days(365),
        })
    }

    /// Sets how long tokens stay valid.
    pub fn lifetime(mut self, lifetime: Duration) -> Self {
        self.lifetime = lifetime;
        self
    }

    fn mac(&self) -> Result<Hmac<Sha256>> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.secret)
            .map_err(|e| Error::internal("unsubscribe key", e))?;
        mac.update(DOMAIN);
        Ok(mac)
    }

    /// A new token for one member's one event in one workspace.
    pub fn issue(
        &self,
        workspace_id: WorkspaceId,
        user_id: UserId,
        event: NotificationEvent,
        now: DateTime<Utc>,
    ) -> Result<String> {
        let expires = (now + self.lifetime).timestamp();
        let nonce: [u8; 16] = rand::random();
        let mut payload = Vec::with_capacity(PAYLOAD_LEN + MAC_LEN);
        payload.push(VERSION);
        payload.extend_from_slice(workspace_id.0.as_bytes());
        payload.extend_from_slice(user_id.0.as_bytes());
        payload.push(event_code(event));
        payload.extend_from_slice(&nonce);
        payload.extend_from_slice(&expires.to_be_bytes());
        let mut mac = self.mac()?;
        mac.update(&payload);
        payload.extend_from_slice(&mac.finalize().into_bytes());
        Ok(URL_SAFE_NO_PAD.encode(payload))
    }

    /// Checks a token's signature and expiry and says what it is for; changes nothing.
    /// Anything wrong is `Unauthenticated` with one message, so a prober learns nothing.
    pub fn verify(&self, token: &str, now: DateTime<Utc>) -> Result<UnsubscribeClaim> {
        if token.len() > MAX_TOKEN_CHARS {
            return Err(refused());
        }
        let bytes = URL_SAFE_NO_PAD
            .decode(token.trim())
            .map_err(|_| refused())?;
        if bytes.len() != PAYLOAD_LEN + MAC_LEN {
            return Err(refused());
        }
        let (payload, tag) = bytes.split_at(PAYLOAD_LEN);
        let mut mac = self.mac()?;
        mac.update(payload);
        mac.verify_slice(tag).map_err(|_| refused())?;
        if payload[0] != VERSION {
            return Err(refused());
        }
        let uuid = |at: usize| -> Result<Uuid> {
            let b: [u8; 16] = payload[at..at + 16].try_into().map_err(|_| refused())?;
            Ok(Uuid::from_bytes(b))
        };
        let workspace_id = WorkspaceId(uuid(1)?);
        let user_id = UserId(uuid(17)?);
        let event = *NotificationEvent::ALL
            .get(payload[33] as usize)
            .ok_or_else(refused)?;
        let nonce: [u8; 16] = payload[34..50].try_into().map_err(|_| refused())?;
        let expiry: [u8; 8] = payload[50..58].try_into().map_err(|_| refused())?;
        let expires_at =
            DateTime::from_timestamp(i64::from_be_bytes(expiry), 0).ok_or_else(refused)?;
        if expires_at <= now {
            return Err(refused());
        }
        Ok(UnsubscribeClaim {
            workspace_id,
            user_id,
            event,
            nonce,
            expires_at,
        })
    }
}

/// Uses a token: turns its event off for its member in its workspace, once. See the module
/// docs for what a second use does. A forged, altered or expired token is `Unauthenticated`;
/// a token of someone who is no longer a member is `NotFound`.
pub async fn unsubscribe(
    store: &dyn Store,
    clock: &dyn Clock,
    signer: &UnsubscribeSigner,
    token: &str,
) -> Result<Unsubscribed> {
    let claim = signer.verify(token, clock.now())?;
    let key = claim.nonce_key();
    let scope = Some(claim.workspace_id.0);
    for _ in 0..MAX_ATTEMPTS {
        let used: Option<Nonce> = store
            .find_one(&Query::new(Kind::Nonce, None).filter(Filter::Eq(
                "nonce_key",
                crate::search::exact_key(&key).into(),
            )))
            .await?;
        if used.is_some() {
            return Ok(Unsubscribed::AlreadyUsed(claim));
        }
        let member: Membership = store
            .find_one(
                &Query::new(Kind::Membership, scope)
                    .filter(Filter::Eq("user_id", Value::Uuid(claim.user_id.0))),
            )
            .await?
            .ok_or(Error::NotFound { what: "member" })?;
        let existing: Option<NotificationPreference> = store
            .find_one(
                &Query::new(Kind::NotificationPreference, scope)
                    .filter(Filter::Eq("user_id", Value::Uuid(claim.user_id.0))),
            )
            .await?;
        let now = clock.now();
        let mut w = Writes::new();
        w.require_unchanged(&member);
        w.insert(&mut Nonce {
            id: Uuid::now_v7(),
            key: key.clone(),
            expires_at: claim.expires_at,
            created_at: now,
            version: 0,
        })?;
        match existing {
            Some(mut p) => {
                p.set(claim.event, false);
                p.updated_at = now;
                w.update(&mut p)?;
            }
            None => {
                let mut p =
                    NotificationPreference::defaults(claim.workspace_id, claim.user_id, now);
                p.set(claim.event, false);
                w.insert(&mut p)?;
            }
        }
        match w.apply(store).await {
            Ok(()) => return Ok(Unsubscribed::Done(claim)),
            // Used concurrently, or the preference changed meanwhile: look again.
            Err(e) if e.is_conflict() => continue,
            Err(e) if e.is_not_found() => return Err(Error::NotFound { what: "member" }),
            Err(e) => return Err(e),
        }
    }
    Err(Error::conflict("unsubscribe kept conflicting; try again"))
}
