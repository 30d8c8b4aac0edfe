//! Routing: which workspace email an inbound message is for.
//!
//! Rules, in order:
//! 1. The envelope recipient, lower-cased, matches a workspace email's address; a plus tag
//!    (`support+billing@x`) is tried exactly first, then without the tag.
//! 2. Otherwise it matches a *forwarding address*: the customer's own mailbox forwards to it.
//!    One forwarding address may serve several workspace emails of its workspace, told apart by
//!    the To and CC headers (the first receivable workspace email named there wins); when none
//!    is named, the forwarding address's own parent email is used.
//! 3. Otherwise the mail is skipped with the reason kept, and nothing is created: DMARC
//!    reports and misdirected mail must not become tickets.
//!
//! An email that exists but has `can_receive` off skips the mail with that reason.

use crate::error::Result;
use crate::model::WorkspaceEmail;
use crate::model::mailbox::normalize_email;
use crate::store::{Filter, Kind, Query, Store, StoreExt, Value};

/// Where an inbound message goes.
#[derive(Debug, Clone, PartialEq)]
pub enum Route {
    /// Deliver to this workspace email.
    Deliver {
        /// The workspace email.
        email: WorkspaceEmail,
        /// Whether it arrived through a forwarding address.
        via_forwarding: bool,
    },
    /// Keep the mail aside and create nothing.
    Skip {
        /// Why, for the inbound item's status.
        reason: String,
    },
}

/// `local+tag@domain` → `local@domain`; `None` when there is no tag.
fn without_plus_tag(address: &str) -> Option<String> {
    let (local, domain) = address.rsplit_once('@')?;
    let (base, _) = local.split_once('+')?;
    if base.is_empty() {
        return None;
    }
    Some(format!("{base}@{domain}"))
}

async fn find_email(
    store: &dyn Store,
    field: &'static str,
    address: &str,
) -> Result<Option<WorkspaceEmail>> {
    store
        .find_one(&Query::new(Kind::WorkspaceEmail, None).filter(Filter::Eq(
            field,
            Value::Text(crate::search::exact_key(address)),
        )))
        .await
}

/// Resolves the envelope recipient (and, for forwarding addresses, the To/CC header addresses)
/// to a workspace email.
pub async fn resolve_recipient(
    store: &dyn Store,
    recipient: &str,
    header_recipients: &[String],
) -> Result<Route> {
    let exact = normalize_email(recipient);
    let mut candidates = vec![exact.clone()];
    if let Some(stripped) = without_plus_tag(&exact) {
        candidates.push(stripped);
    }
    for candidate in &candidates {
        if let Some(email) = find_email(store, "address", candidate).await? {
            if !email.can_receive {
                return Ok(Route::Skip {
                    reason: format!("{} does not receive mail", email.address),
                });
            }
            return Ok(Route::Deliver {
                email,
                via_forwarding: false,
            });
        }
    }
    for candidate in &candidates {
        if let Some(parent) = find_email(store, "forwarding_address", candidate).await? {
            let named: Vec<String> = header_recipients
                .iter()
                .map(|a| normalize_email(a))
                .filter(|a| *a != *candidate)
                .collect();
            if !named.is_empty() {
                let siblings: Vec<WorkspaceEmail> = store
                    .find(
                        &Query::new(Kind::WorkspaceEmail, Some(parent.workspace_id.0))
                            .filter(Filter::In(
                                "address",
                                named
                                    .iter()
                                    .map(|a| Value::Text(crate::search::exact_key(a)))
                                    .collect(),
                            ))
                            .filter(Filter::Eq("can_receive", Value::Bool(true)))
                            .limit(50),
                    )
                    .await?;
                if let Some(email) = named.iter().find_map(|a| {
                    siblings
                        .iter()
                        .find(|s| normalize_email(&s.address) == *a)
                        .cloned()
                }) {
                    return Ok(Route::Deliver {
                        email,
                        via_forwarding: true,
                    });
                }
            }
            if !parent.can_receive {
                return Ok(Route::Skip {
                    reason: format!("{} does not receive mail", parent.address),
                });
            }
            return Ok(Route::Deliver {
                email: parent,
                via_forwarding: true,
            });
        }
    }
    Ok(Route::Skip {
        reason: format!("no workspace email for {exact}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plus_tags_are_stripped() {
        assert_eq!(
            without_plus_tag("support+billing@x.io").as_deref(),
            Some("support@x.io")
        );
        assert_eq!(without_plus_tag("support@x.io"), None);
        assert_eq!(without_plus_tag("+x@x.io"), None);
    }
}
