//! Step one of inbound mail: make it durable. The raw bytes go to the blob store and an
//! [`InboundItem`] plus its processing job are written in one batch; only then may the
//! provider's webhook be acknowledged. Redelivery of the same provider key returns the item
//! already stored and changes nothing.

use super::INBOUND_QUEUE;
use crate::blob::BlobStore;
use crate::clock::Clock;
use crate::error::{Error, Result};
use crate::ids::InboundId;
use crate::jobs::job;
use crate::mail::InboundEmail;
use crate::model::{InboundItem, InboundStatus};
use crate::store::{Filter, Kind, Query, Store, StoreExt, Value, Writes};
use serde::{Deserialize, Serialize};

/// Size limits for inbound mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InboundLimits {
    /// Largest raw message accepted at all. Larger messages are refused before anything is
    /// stored (the HTTP layer answers 413), because nothing useful can be kept of them.
    pub max_raw_bytes: usize,
}

impl Default for InboundLimits {
    /// 60 MB: room for a message with the largest attachment (25 MB) twice over, base64
    /// encoded. Oversized parts inside an accepted message are dropped and noted by the parser.
    fn default() -> Self {
        InboundLimits {
            max_raw_bytes: 60 * 1024 * 1024,
        }
    }
}

/// The result of ingesting.
#[derive(Debug, Clone, PartialEq)]
pub struct Ingested {
    /// The stored item (the earlier one, for a redelivery).
    pub item: InboundItem,
    /// Whether this delivery was a redelivery of a provider key already stored.
    pub duplicate: bool,
}

/// The payload of an `inbound.process` job.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ProcessInbound {
    /// The item to process.
    pub inbound_id: InboundId,
}

async fn by_provider_key(
    store: &dyn Store,
    provider: &str,
    key: &str,
) -> Result<Option<InboundItem>> {
    let projected = crate::search::exact_key(&format!("{provider}:{key}"));
    store
        .find_one(
            &Query::new(Kind::InboundItem, None)
                .filter(Filter::Eq("provider_key", Value::Text(projected))),
        )
        .await
}

/// Stores an inbound email durably and queues its processing.
pub async fn ingest(
    store: &dyn Store,
    blobs: &dyn BlobStore,
    clock: &dyn Clock,
    email: InboundEmail,
    limits: &InboundLimits,
) -> Result<Ingested> {
    if email.raw.is_empty() {
        return Err(Error::validation("message", "the message is empty"));
    }
    if email.raw.len() > limits.max_raw_bytes {
        return Err(Error::validation(
            "message",
            format!(
                "the message is {} bytes; the limit is {} bytes",
                email.raw.len(),
                limits.max_raw_bytes
            ),
        ));
    }
    let recipient = email.recipient.trim().to_owned();
    if recipient.is_empty() {
        return Err(Error::validation(
            "recipient",
            "the envelope recipient is missing",
        ));
    }
    if let Some(key) = &email.provider_key
        && let Some(existing) = by_provider_key(store, &email.provider, key).await?
    {
        return Ok(Ingested {
            item: existing,
            duplicate: true,
        });
    }

    let now = clock.now();
    let id = InboundId::new();
    let blob_key = format!("raw/{}/{id}.eml", now.format("%Y/%m"));
    blobs.put(&blob_key, &email.raw).await?;

    let mut item = InboundItem {
        id,
        workspace_id: None,
        provider: email.provider.clone(),
        provider_key: email.provider_key.clone(),
        recipient,
        sender: email.sender.clone(),
        blob_key,
        size: email.raw.len() as u64,
        provider_spam: email.spam.flagged,
        spam_score: email.spam.score,
        status: InboundStatus::Pending,
        reason: None,
        ticket_id: None,
        conversation_id: None,
        message_id: None,
        received_at: email.received_at.unwrap_or(now),
        created_at: now,
        updated_at: now,
        version: 0,
    };
    let mut process = job(INBOUND_QUEUE, &ProcessInbound { inbound_id: id }, None, now)?;
    process.max_attempts = 8;
    let mut w = Writes::new();
    w.insert(&mut item)?;
    w.insert(&mut process)?;
    match w.apply(store).await {
        Ok(()) => Ok(Ingested {
            item,
            duplicate: false,
        }),
        // Two deliveries of one key raced: the other one stored it first.
        Err(e) if e.is_conflict() => {
            let _ = blobs.delete(&item.blob_key).await;
            let key = email.provider_key.as_deref().unwrap_or_default();
            match by_provider_key(store, &email.provider, key).await? {
                Some(existing) => Ok(Ingested {
                    item: existing,
                    duplicate: true,
                }),
                None => Err(e),
            }
        }
        Err(e) => {
            let _ = blobs.delete(&item.blob_key).await;
            Err(e)
        }
    }
}
