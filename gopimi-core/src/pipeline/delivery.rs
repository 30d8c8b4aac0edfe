//! Delivery reports from the mail provider (delivered, deferred, bounced, complained) applied
//! to the outbound message they are about.
//!
//! A provider adapter turns its event webhook into a [`DeliveryReport`]; the rules of what the
//! report changes live here:
//!
//! - **Finding the message.** A report names the RFC Message-Id of the mail we sent. Ours are
//!   signed (`gpm.…`, see [`MessageIdSigner`]) and name their ticket or conversation, which
//!   names the workspace; the message is then one look-up on the per-workspace unique index of
//!   Message-Ids. A report about an id we did not sign (a notification email, mail sent before
//!   gopimi, a forged report) changes nothing: nobody can move another workspace's messages.
//! - **Which status wins.** A message can go to several recipients, and providers deliver
//!   events out of order (a `delivered` may arrive after a later `failed` for another
//!   recipient). The stored status only moves towards the more serious outcome: queued < sent
//!   < deferred < delivered < failed < complained. A temporary failure never hides a delivery,
//!   and a bounce to one recipient is never hidden by a delivery to another. The reason keeps
//!   the recipient, so an agent sees who did not get the mail.
//! - **What agents see.** A permanent failure or a complaint also writes an activity entry on
//!   the ticket or conversation (`delivery_failed` / `delivery_complained`), in the same batch
//!   as the message update, so the timeline says the customer did not get the reply.
//! - **Redelivery.** The provider retries event webhooks; applying the same report twice leaves
//!   the message as it was and writes no second activity entry (the status no longer moves).

use crate::error::Result;
use crate::ids::{ActivityId, WorkspaceId};
use crate::mail::message_id::normalize_message_id;
use crate::mail::{MessageIdSigner, ThreadRef};
use crate::model::{
    Activity, ActivitySubject, Actor, Conversation, DeliveryState, DeliveryStatus, Message,
    MessageKind, Ticket,
};
use crate::search::exact_key;
use crate::store::{Filter, Kind, Query, Store, StoreExt, Value, Writes};
use chrono::{DateTime, Utc};

/// How many times a report is re-applied after losing a race with another write.
const MAX_ATTEMPTS: usize = 5;

/// What happened to one recipient of one outbound message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReportKind {
    /// The recipient's server accepted it.
    Delivered,
    /// Failed for now; the provider keeps trying.
    Deferred,
    /// Failed for good (hard bounce, suppressed address).
    Failed,
    /// The recipient marked it as spam.
    Complained,
}

impl ReportKind {
    fn status(self) -> DeliveryStatus {
        match self {
            ReportKind::Delivered => DeliveryStatus::Delivered,
            ReportKind::Deferred => DeliveryStatus::Deferred,
            ReportKind::Failed => DeliveryStatus::Failed,
            ReportKind::Complained => DeliveryStatus::Complained,
        }
    }
}

/// A provider's report about one recipient of one message, in provider-neutral terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryReport {
    /// The RFC Message-Id of the message (angle brackets optional).
    pub message_id: String,
    /// The recipient the report is about.
    pub recipient: String,
    pub kind: ReportKind,
    /// The remote server's answer or the provider's description.
    pub reason: Option<String>,
    /// When it happened.
    pub at: DateTime<Utc>,
}

/// What applying a report did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryApplied {
    /// The message's delivery state moved to `status`.
    Updated {
        workspace_id: WorkspaceId,
        message_id: crate::ids::MessageId,
        status: DeliveryStatus,
    },
    /// The message is known but its state already says as much (or more).
    Unchanged,
    /// No outbound message of ours has that Message-Id.
    UnknownMessage,
}

/// The rank of a status: the stored status only moves to a higher one.
fn severity(status: DeliveryStatus) -> u8 {
    match status {
        DeliveryStatus::Queued => 0,
        DeliveryStatus::Sent => 1,
        DeliveryStatus::Deferred => 2,
        DeliveryStatus::Delivered => 3,
        DeliveryStatus::Failed => 4,
        DeliveryStatus::Complained => 5,
    }
}

/// Applies a report. See the module docs for the rules.
pub async fn apply_delivery_report(
    store: &dyn Store,
    signer: &MessageIdSigner,
    report: &DeliveryReport,
) -> Result<DeliveryApplied> {
    let Some(rfc_id) = normalize_message_id(&report.message_id) else {
        return Ok(DeliveryApplied::UnknownMessage);
    };
    let Some(thread) = signer.verify(&rfc_id) else {
        return Ok(DeliveryApplied::UnknownMessage);
    };
    let Some(workspace_id) = thread_workspace(store, thread).await? else {
        return Ok(DeliveryApplied::UnknownMessage);
    };
    let query = Query::new(Kind::Message, Some(workspace_id.0)).filter(Filter::Eq(
        "rfc_message_id",
        Value::Text(exact_key(&rfc_id)),
    ));
    let mut last_conflict = None;
    for _ in 0..MAX_ATTEMPTS {
        let Some(mut message) = store.find_one::<Message>(&query).await? else {
            return Ok(DeliveryApplied::UnknownMessage);
        };
        if message.kind != MessageKind::Outbound {
            return Ok(DeliveryApplied::UnknownMessage);
        }
        let new_status = report.kind.status();
        let current = message.delivery.as_ref().map(|d| d.status);
        if current.is_some_and(|s| severity(s) >= severity(new_status)) {
            return Ok(DeliveryApplied::Unchanged);
        }
        let previous = message.delivery.take();
        message.delivery = Some(DeliveryState {
            status: new_status,
            reason: Some(reason_line(report)),
            provider_message_id: previous
                .as_ref()
                .and_then(|d| d.provider_message_id.clone()),
            attempts: previous.as_ref().map(|d| d.attempts).unwrap_or(0),
            updated_at: report.at,
        });
        message.updated_at = report.at.max(message.updated_at);
        let mut w = Writes::new();
        w.update(&mut message)?;
        if matches!(report.kind, ReportKind::Failed | ReportKind::Complained)
            && let Some(subject) = subject_of(&message)
        {
            w.insert(&mut Activity {
                id: ActivityId::new(),
                workspace_id,
                subject,
                actor: Actor::System,
                action: match report.kind {
                    ReportKind::Complained => "delivery_complained",
                    _ => "delivery_failed",
                }
                .to_owned(),
                details: serde_json::json!({
                    "message_id": message.id,
                    "recipient": report.recipient,
                    "reason": report.reason,
                }),
                created_at: report.at,
                version: 0,
            })?;
        }
        match w.apply(store).await {
            Ok(()) => {
                return Ok(DeliveryApplied::Updated {
                    workspace_id,
                    message_id: message.id,
                    status: new_status,
                });
            }
            Err(e) if e.is_conflict() => last_conflict = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last_conflict.unwrap_or_else(|| {
        crate::Error::conflict("the message kept changing while its delivery was recorded")
    }))
}

/// The workspace of the ticket or conversation a signed Message-Id names, if it still exists.
async fn thread_workspace(store: &dyn Store, thread: ThreadRef) -> Result<Option<WorkspaceId>> {
    Ok(match thread {
        ThreadRef::Ticket(id) => store
            .load::<Ticket>(None, id.0)
            .await?
            .map(|t| t.workspace_id),
        ThreadRef::Conversation(id) => store
            .load::<Conversation>(None, id.0)
            .await?
            .map(|c| c.workspace_id),
    })
}

fn subject_of(message: &Message) -> Option<ActivitySubject> {
    message
        .ticket_id()
        .map(ActivitySubject::Ticket)
        .or_else(|| message.conversation_id().map(ActivitySubject::Conversation))
}

fn reason_line(report: &DeliveryReport) -> String {
    let what = report.reason.as_deref().unwrap_or(match report.kind {
        ReportKind::Delivered => "delivered",
        ReportKind::Deferred => "delivery deferred",
        ReportKind::Failed => "undeliverable",
        ReportKind::Complained => "marked as spam",
    });
    crate::search::truncate(&format!("{}: {what}", report.recipient), 1000)
}
