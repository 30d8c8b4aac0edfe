//! Threading: which ticket or conversation an inbound message continues, and why.
//!
//! Rules, first match wins:
//! 1. `In-Reply-To` names a stored message of the workspace (inbound, or our own outbound).
//! 2. Any `References` entry names one; the latest entry that matches wins.
//! 3. An id in `In-Reply-To`/`References` is one of our signed Message-Ids
//!    ([`MessageIdSigner`]) whose ticket or conversation is in this workspace: a reply threads
//!    even when our stored copy is gone.
//! 4. A ticket token (`[#123]`) in the subject names a ticket of this workspace, and the sender
//!    took part in it (its contact, an address on one of its messages, or a member).
//! 5. Tickets only: the same normalized subject from the same contact on a ticket that is not
//!    closed, not spam, not in trash, and was active in the last 30 days.
//! 6. Otherwise: a new ticket or conversation.
//!
//! Each decision carries notes of what was considered and rejected, stored on the message, so
//! a surprising thread can be explained.

use crate::error::Result;
use crate::ids::{ContactId, WorkspaceId};
use crate::mail::signed_id::{MessageIdSigner, ThreadRef};
use crate::mail::subject::normalize_subject;
use crate::model::mailbox::normalize_email;
use crate::model::{Conversation, Membership, Message, Parent, Purpose, ThreadMatch, Ticket, User};
use crate::search::exact_key;
use crate::store::{Filter, Kind, Query, SortKey, Store, StoreExt, Value};
use chrono::{DateTime, Duration, Utc};

/// How long a ticket stays open to subject-only threading after its last activity.
pub const SUBJECT_MATCH_WINDOW_DAYS: i64 = 30;

/// What threading looks at.
#[derive(Debug, Clone)]
pub struct ThreadInput<'a> {
    /// The workspace the mail was routed to.
    pub workspace_id: WorkspaceId,
    /// The purpose of the receiving workspace email.
    pub purpose: Purpose,
    /// `In-Reply-To`, without angle brackets.
    pub in_reply_to: Option<&'a str>,
    /// `References`, oldest first, without angle brackets.
    pub references: &'a [String],
    /// The ticket token read from the subject, if any.
    pub ticket_token: Option<i64>,
    /// The subject as received.
    pub subject: &'a str,
    /// The sender's address.
    pub sender: &'a str,
    /// The sender's existing contact in the workspace, if any.
    pub sender_contact: Option<ContactId>,
    /// Now.
    pub now: DateTime<Utc>,
}

/// Where the message goes.
#[derive(Debug, Clone, PartialEq)]
pub enum ThreadTarget {
    /// An existing ticket.
    Ticket(Box<Ticket>),
    /// An existing conversation.
    Conversation(Box<Conversation>),
    /// Nothing matched.
    New,
}

/// The outcome of threading.
#[derive(Debug, Clone, PartialEq)]
pub struct ThreadDecision {
    /// Where it goes.
    pub target: ThreadTarget,
    /// Which rule decided.
    pub matched: ThreadMatch,
    /// What was considered and rejected, in order.
    pub notes: Vec<String>,
}

async fn load_parent(
    store: &dyn Store,
    ws: WorkspaceId,
    parent: Parent,
) -> Result<Option<ThreadTarget>> {
    Ok(match parent {
        Parent::Ticket(t) => store
            .load::<Ticket>(Some(ws.0), t.0)
            .await?
            .map(|t| ThreadTarget::Ticket(Box::new(t))),
        Parent::Conversation(c) => store
            .load::<Conversation>(Some(ws.0), c.0)
            .await?
            .map(|c| ThreadTarget::Conversation(Box::new(c))),
    })
}

async fn messages_by_ids(store: &dyn Store, ws: WorkspaceId, ids: &[&str]) -> Result<Vec<Message>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    store
        .find(
            &Query::new(Kind::Message, Some(ws.0))
                .filter(Filter::In(
                    "rfc_message_id",
                    ids.iter().map(|id| Value::Text(exact_key(id))).collect(),
                ))
                .limit(ids.len() as u32 + 1),
        )
        .await
}

/// Whether `sender` took part in `ticket`: its contact, an address on one of its messages
/// (From, To or CC), or a member of the workspace.
async fn took_part(store: &dyn Store, input: &ThreadInput<'_>, ticket: &Ticket) -> Result<bool> {
    if input.sender_contact.is_some() && ticket.contact_id == input.sender_contact {
        return Ok(true);
    }
    let sender = normalize_email(input.sender);
    let messages: Vec<Message> = store
        .find(
            &Query::new(Kind::Message, Some(input.workspace_id.0))
                .filter(Filter::Eq("ticket_id", Value::Uuid(ticket.id.0)))
                .sort(SortKey::desc("created_at"))
                .limit(200),
        )
        .await?;
    let on_a_message = messages.iter().any(|m| {
        m.from
            .iter()
            .chain(&m.to)
            .chain(&m.cc)
            .any(|mb| mb.normalized() == sender)
    });
    if on_a_message {
        return Ok(true);
    }
    let user: Option<User> = store
        .find_one(
            &Query::new(Kind::User, None)
                .filter(Filter::Eq("email", Value::Text(exact_key(&sender)))),
        )
        .await?;
    let Some(user) = user else { return Ok(false) };
    let member: Option<Membership> = store
        .find_one(
            &Query::new(Kind::Membership, Some(input.workspace_id.0))
                .filter(Filter::Eq("user_id", Value::Uuid(user.id.0))),
        )
        .await?;
    Ok(member.is_some())
}

/// Decides where an inbound message threads.
pub async fn thread(
    store: &dyn Store,
    signer: &MessageIdSigner,
    input: &ThreadInput<'_>,
) -> Result<ThreadDecision> {
    let ws = input.workspace_id;
    let mut notes = Vec::new();

    // 1 and 2: stored messages named by In-Reply-To, then References (latest first). One query.
    let mut wanted: Vec<&str> = input.references.iter().map(String::as_str).collect();
    if let Some(irt) = input.in_reply_to {
        wanted.push(irt);
    }
    wanted.truncate(100);
    let found = messages_by_ids(store, ws, &wanted).await?;
    let stored = |id: &str| {
        found
            .iter()
            .find(|m| m.rfc_message_id.as_deref() == Some(id))
            .map(|m| m.parent)
    };
    if let Some(irt) = input.in_reply_to {
        if let Some(parent) = stored(irt) {
            if let Some(target) = load_parent(store, ws, parent).await? {
                return Ok(ThreadDecision {
                    target,
                    matched: ThreadMatch::InReplyTo {
                        message_id: irt.to_owned(),
                    },
                    notes,
                });
            }
            notes.push(format!(
                "In-Reply-To {irt} names a message whose thread is gone"
            ));
        } else {
            notes.push(format!("In-Reply-To {irt} names no stored message"));
        }
    }
    for r in input.references.iter().rev() {
        if let Some(parent) = stored(r)
            && let Some(target) = load_parent(store, ws, parent).await?
        {
            return Ok(ThreadDecision {
                target,
                matched: ThreadMatch::References {
                    message_id: r.clone(),
                },
                notes,
            });
        }
    }
    if !input.references.is_empty() {
        notes.push(format!(
            "none of {} References names a stored message",
            input.references.len()
        ));
    }

    // 3: our signed Message-Ids.
    let ours = input
        .in_reply_to
        .into_iter()
        .chain(input.references.iter().rev().map(String::as_str));
    for id in ours {
        if let Some(reference) = signer.verify(id) {
            let parent = match reference {
                ThreadRef::Ticket(t) => Parent::Ticket(t),
                ThreadRef::Conversation(c) => Parent::Conversation(c),
            };
            if let Some(target) = load_parent(store, ws, parent).await? {
                return Ok(ThreadDecision {
                    target,
                    matched: ThreadMatch::SignedReference {
                        message_id: id.to_owned(),
                    },
                    notes,
                });
            }
            notes.push(format!(
                "signed reference in {id} names nothing in this workspace"
            ));
        }
    }

    // 4: the ticket token, only for participants.
    if let Some(number) = input.ticket_token {
        let ticket: Option<Ticket> = store
            .find_one(
                &Query::new(Kind::Ticket, Some(ws.0))
                    .filter(Filter::Eq("number", Value::Int(number))),
            )
            .await?;
        match ticket {
            Some(t) if took_part(store, input, &t).await? => {
                return Ok(ThreadDecision {
                    target: ThreadTarget::Ticket(Box::new(t)),
                    matched: ThreadMatch::Token { number },
                    notes,
                });
            }
            Some(_) => notes.push(format!(
                "token [#{number}] ignored: {} did not take part in that ticket",
                input.sender
            )),
            None => notes.push(format!(
                "token [#{number}] names no ticket of this workspace"
            )),
        }
    }

    // 5: subject, tickets only, same contact, recently active, still open.
    if input.purpose == Purpose::Ticket {
        let normalized = normalize_subject(input.subject);
        match input.sender_contact {
            Some(contact) if !normalized.is_empty() => {
                let since = input.now - Duration::days(SUBJECT_MATCH_WINDOW_DAYS);
                let candidates: Vec<Ticket> = store
                    .find(
                        &Query::new(Kind::Ticket, Some(ws.0))
                            .filter(Filter::Eq("contact_id", Value::Uuid(contact.0)))
                            .filter(Filter::IsNull("deleted_at"))
                            .filter(Filter::Eq("spam", Value::Bool(false)))
                            .filter(Filter::Ne("status", Value::from("closed")))
                            .filter(Filter::Gte("last_activity_at", Value::Time(since)))
                            .sort(SortKey::desc("last_activity_at"))
                            .limit(50),
                    )
                    .await?;
                if let Some(t) = candidates
                    .into_iter()
                    .find(|t| normalize_subject(&t.subject) == normalized)
                {
                    return Ok(ThreadDecision {
                        target: ThreadTarget::Ticket(Box::new(t)),
                        matched: ThreadMatch::Subject { normalized },
                        notes,
                    });
                }
                notes.push(format!(
                    "no open ticket of this contact active in the last {SUBJECT_MATCH_WINDOW_DAYS} days has the subject \"{normalized}\""
                ));
            }
            Some(_) => notes.push("empty subject: no subject match".into()),
            None => notes.push("new sender: no subject match".into()),
        }
    }

    Ok(ThreadDecision {
        target: ThreadTarget::New,
        matched: ThreadMatch::New,
        notes,
    })
}
